//! Files and directory trees: a parallel walk (the `ignore` crate) that honours `.gitignore`,
//! `.ignore` and `.git/info/exclude`, scans hidden files, never enters `.git/`, and reads each file
//! into a buffer reused by its worker thread.

use std::io::Read;
use std::path::{Path, PathBuf};

use ignore::{WalkBuilder, WalkState};

use crate::config::ScanConfig;
use crate::scan::Scanner;

/// Scans every path (file or directory). Paths in reports are relative to the git work tree that
/// holds the path when there is one, otherwise to the directory given (a file's own directory).
pub fn scan(scanner: &Scanner, roots: &[PathBuf], cfg: &ScanConfig) {
    for root in roots {
        let meta = match std::fs::metadata(root) {
            Ok(m) => m,
            Err(e) => {
                let what = if e.kind() == std::io::ErrorKind::NotFound {
                    "no such file or directory".to_string()
                } else {
                    e.to_string()
                };
                scanner.error(format!("{}: {what}", root.display()));
                continue;
            }
        };
        let canon = match std::fs::canonicalize(root) {
            Ok(c) => c,
            Err(e) => {
                scanner.error(format!("{}: {e}", root.display()));
                continue;
            }
        };
        let dir = if meta.is_dir() {
            canon.clone()
        } else {
            canon.parent().map(Path::to_path_buf).unwrap_or_else(|| canon.clone())
        };
        let base = super::git_toplevel(&dir).unwrap_or(dir);
        if meta.is_dir() {
            walk(scanner, &canon, &base, cfg);
        } else {
            let mut buf = Vec::new();
            file(scanner, &canon, &base, meta.file_type(), cfg, &mut buf);
        }
    }
}

fn walk(scanner: &Scanner, root: &Path, base: &Path, cfg: &ScanConfig) {
    let mut wb = WalkBuilder::new(root);
    wb.hidden(false)
        .parents(true)
        .ignore(!cfg.no_ignore)
        .git_ignore(!cfg.no_ignore)
        .git_global(!cfg.no_ignore)
        .git_exclude(!cfg.no_ignore)
        .require_git(false)
        .follow_links(cfg.follow_symlinks)
        .threads(cfg.threads)
        .filter_entry(|e| e.file_name() != ".git");
    wb.build_parallel().run(|| {
        let mut buf: Vec<u8> = Vec::with_capacity(1 << 16);
        Box::new(move |entry| {
            match entry {
                Ok(e) => {
                    let Some(ft) = e.file_type() else { return WalkState::Continue };
                    if ft.is_dir() {
                        return WalkState::Continue;
                    }
                    file(scanner, e.path(), base, ft, cfg, &mut buf);
                }
                Err(err) => walk_error(scanner, err, base),
            }
            WalkState::Continue
        })
    });
}

fn walk_error(scanner: &Scanner, err: ignore::Error, base: &Path) {
    // Loops are not data loss: the target was reached another way.
    let text = err.to_string().replace(&format!("{}/", base.display()), "");
    if is_loop(&err) {
        scanner.warn(format!("symlink loop, not followed again: {text}"));
        scanner.skip(&text, "symlink loop");
    } else {
        scanner.error(text);
    }
}

fn is_loop(err: &ignore::Error) -> bool {
    match err {
        ignore::Error::Loop { .. } => true,
        ignore::Error::WithPath { err, .. }
        | ignore::Error::WithDepth { err, .. }
        | ignore::Error::WithLineNumber { err, .. } => is_loop(err),
        _ => false,
    }
}

/// How much of a file is read before its size is asked.
const FIRST_READ: u64 = 1 << 20;

/// Scans one file entry into `buf` (reused across files by the worker).
fn file(scanner: &Scanner, path: &Path, base: &Path, ft: std::fs::FileType, cfg: &ScanConfig, buf: &mut Vec<u8>) {
    let rel = super::relative(path, base).unwrap_or_else(|| path.display().to_string());
    if scanner.path_allowlisted(&rel) {
        return;
    }
    if ft.is_symlink() {
        scanner.skip(&rel, "symlink (not followed; use --follow-symlinks)");
        return;
    }
    if !ft.is_file() {
        // FIFOs, sockets and devices would block or never end.
        scanner.skip(&rel, "not a regular file");
        return;
    }
    buf.clear();
    // Most files are small: read whole, without asking their size (an fstat per file took 3% of a
    // single-thread scan of the synthetic tree). A file that fills the first read has its size
    // checked, from the open file, before the rest is read: a 2 GiB file is skipped unread.
    let res = std::fs::File::open(path).and_then(|mut f| {
        let limit = cfg.max_file_size.saturating_add(1);
        let first = limit.min(FIRST_READ);
        (&mut f).take(first).read_to_end(buf)?;
        if (buf.len() as u64) < first {
            return Ok(None);
        }
        let n = f.metadata()?.len();
        if n > cfg.max_file_size {
            return Ok(Some(n));
        }
        // Room for the rest plus the byte that shows it grew: one read, then EOF.
        buf.reserve(usize::try_from(n).unwrap_or(usize::MAX).saturating_sub(buf.len()).saturating_add(1));
        f.take(limit - buf.len() as u64).read_to_end(buf).map(|_| None)
    });
    match res {
        Ok(Some(n)) => scanner.skip(&rel, &format!("larger than --max-file-size ({n} bytes)")),
        Ok(_) if buf.len() as u64 > cfg.max_file_size => {
            scanner.skip(
                &rel,
                &format!("larger than --max-file-size (grew while read, over {} bytes)", cfg.max_file_size),
            );
        }
        Ok(_) => {
            scanner.blob(buf, &rel, None);
        }
        Err(e) => scanner.error(format!("{rel}: {e}")),
    }
    if buf.capacity() > (8 << 20) {
        // Keep one huge file from pinning its memory in the worker for the rest of the walk.
        *buf = Vec::with_capacity(1 << 16);
    }
}
