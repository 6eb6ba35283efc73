//! The staged scan for pre-commit: exactly the blobs in the index that differ from `HEAD` (all of
//! them on an unborn branch), read from the object database, so a partially staged file is scanned
//! as it will be committed, not as it is in the work tree.

use std::path::Path;

use anyhow::{Context as _, Result};
use git2::{Delta, DiffOptions, Index, Repository};

use crate::config::ScanConfig;
use crate::scan::Scanner;

/// Opens the repository the way git's hooks expect: from git's environment (`GIT_DIR`,
/// `GIT_WORK_TREE`, `GIT_INDEX_FILE`) when no path is given.
pub fn open(path: Option<&Path>) -> Result<Repository> {
    let repo = match path {
        Some(p) => super::git::open(p)?,
        None => Repository::open_from_env().map_err(|e| {
            let cwd = std::env::current_dir().map(|d| d.display().to_string()).unwrap_or_else(|_| ".".into());
            anyhow::anyhow!("{cwd}: not a git repository ({})", e.message())
        })?,
    };
    Ok(repo)
}

/// The index git will commit: `GIT_INDEX_FILE` when set (`git commit -a`, `git commit -- path`
/// point it at a temporary index), else the repository's own.
fn index(repo: &Repository) -> Result<Index> {
    if let Some(f) = std::env::var_os("GIT_INDEX_FILE") {
        let p = Path::new(&f);
        let p = if p.is_absolute() {
            p.to_path_buf()
        } else {
            // git runs hooks from the top of the work tree and gives the path relative to it.
            repo.workdir().map(|w| w.join(p)).unwrap_or_else(|| p.to_path_buf())
        };
        return Index::open(&p).map_err(|e| anyhow::anyhow!("{}: cannot read index: {}", p.display(), e.message()));
    }
    repo.index().map_err(|e| anyhow::anyhow!("{}: cannot read index: {}", repo.path().display(), e.message()))
}

/// Scans the staged changes.
pub fn scan(scanner: &Scanner, repo: &Repository, cfg: &ScanConfig) -> Result<()> {
    let idx = index(repo)?;
    let head = match repo.head() {
        Ok(h) => Some(h.peel_to_tree().context("HEAD has no tree")?),
        Err(e) if matches!(e.code(), git2::ErrorCode::UnbornBranch | git2::ErrorCode::NotFound) => None,
        Err(e) => anyhow::bail!("cannot resolve HEAD: {}", e.message()),
    };
    let mut opts = DiffOptions::new();
    opts.ignore_submodules(true).skip_binary_check(true);
    let diff = repo
        .diff_tree_to_index(head.as_ref(), Some(&idx), Some(&mut opts))
        .map_err(|e| anyhow::anyhow!("cannot compare the index with HEAD: {}", e.message()))?;
    let odb = repo.odb()?;
    for d in diff.deltas() {
        if !matches!(d.status(), Delta::Added | Delta::Modified | Delta::Renamed | Delta::Copied | Delta::Typechange) {
            continue;
        }
        let nf = d.new_file();
        if nf.mode() == git2::FileMode::Commit {
            scanner.skip(&nf.path().map(|p| p.display().to_string()).unwrap_or_default(), "submodule (not entered)");
            continue;
        }
        let path = nf.path().map(|p| p.to_string_lossy().replace('\\', "/")).unwrap_or_default();
        if scanner.path_allowlisted(&path) {
            continue;
        }
        let (size, _) = match odb.read_header(nf.id()) {
            Ok(h) => h,
            Err(e) => {
                scanner.error(format!("{path}: staged blob {}: {}", nf.id(), e.message()));
                continue;
            }
        };
        if size as u64 > cfg.max_file_size {
            scanner.skip(&path, &format!("larger than --max-file-size ({size} bytes)"));
            continue;
        }
        match odb.read(nf.id()) {
            Ok(obj) => {
                scanner.blob(obj.data(), &path, None);
            }
            Err(e) => scanner.error(format!("{path}: staged blob {}: {}", nf.id(), e.message())),
        }
    }
    Ok(())
}
