//! Git history through git2: every object in the object database once (packs and loose objects,
//! reachable or not), commit and tag messages, and commit ranges (what a pull request adds).
//! Provenance (introducing commit, path, author, date) is computed only for blobs with findings.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use anyhow::{bail, Context as _, Result};
use git2::{Delta, DiffOptions, ObjectType, Oid, Repository, Sort};
use rayon::prelude::*;

use crate::config::ScanConfig;
use crate::finding::Provenance;
use crate::scan::Scanner;

// Blobs are first scanned without their path; those with matches are scanned again under their
// real path once provenance is known.
use crate::engine::UNKNOWN_PATH;

/// Opens the repository holding `path` (a work tree, a subfolder, a bare repository, a linked
/// worktree).
pub fn open(path: &Path) -> Result<Repository> {
    if !path.exists() {
        bail!("{}: no such file or directory", path.display());
    }
    Repository::discover(path)
        .map_err(|e| anyhow::anyhow!("{}: not a git repository ({})", path.display(), e.message()))
}

/// Where repository-relative paths and `.aivenguard.toml` are rooted: the work tree, or the git
/// directory of a bare repository.
pub fn workdir_or_gitdir(repo: &Repository) -> PathBuf {
    repo.workdir().unwrap_or_else(|| repo.path()).to_path_buf()
}

/// A blob, commit or tag that had matches, waiting for provenance.
#[derive(Debug, Clone)]
struct Pending {
    oid: Oid,
    kind: ObjectType,
}

/// Seconds since the epoch as an RFC 3339 UTC timestamp.
pub fn rfc3339(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Civil-from-days (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z", rem / 3600, rem % 3600 / 60, rem % 60)
}

fn note_repo_state(scanner: &Scanner, repo: &Repository) {
    check_integrity(scanner, repo);
    if repo.is_shallow() {
        scanner.note("shallow clone: history is truncated; commits before the shallow boundary were not scanned (run `git fetch --unshallow` for a full scan)");
    }
    if let Ok(cfg) = repo.config() {
        let partial = cfg.get_string("extensions.partialclone").is_ok()
            || cfg.entries(Some("remote\\..*\\.promisor")).ok().is_some_and(|mut e| e.next().is_some());
        if partial {
            let missing = missing_blobs(repo);
            scanner.note(format!(
                "partial clone: {missing} blob(s) referenced by the history were never fetched and were not scanned (run `git fetch --refetch`, or clone without --filter)"
            ));
            if missing > 0 {
                // Never pass what could not be read as clean.
                scanner.error(format!("{}: {missing} missing blob(s) not scanned", repo.path().display()));
            }
        }
    }
    if let Ok(mut subs) = repo.submodules() {
        for s in subs.iter_mut() {
            scanner.note(format!(
                "submodule {} is not entered; scan it on its own with `aivenguard history {}`",
                s.path().display(),
                s.path().display()
            ));
        }
    }
}

/// Refs that cannot be read or point to an object the database does not hold, and pack indexes
/// without their pack: what they lead to was not scanned, so each is an error (never clean).
/// libgit2's ref iterator skips a corrupt loose ref silently, so loose ref files are read by name.
fn check_integrity(scanner: &Scanner, repo: &Repository) {
    let common = repo.commondir().to_path_buf();
    let mut names: Vec<String> = Vec::new();
    let mut stack = vec![common.join("refs")];
    while let Some(dir) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&dir) else { continue };
        for e in rd.flatten() {
            let p = e.path();
            if e.file_type().is_ok_and(|t| t.is_dir()) {
                stack.push(p);
            } else if let Some(rel) = super::relative(&p, &common) {
                if !rel.ends_with(".lock") {
                    names.push(rel);
                }
            }
        }
    }
    if let Ok(refs) = repo.references() {
        names.extend(refs.flatten().filter_map(|r| r.name().map(str::to_string)));
    }
    names.push("HEAD".to_string());
    names.sort();
    names.dedup();
    let odb = repo.odb().ok();
    for name in names {
        match repo.find_reference(&name) {
            Ok(r) => {
                let target = r.target();
                if let (Some(t), Some(odb)) = (target, &odb) {
                    if !odb.exists(t) {
                        scanner.error(format!(
                            "ref {name} points to object {t}, which the object database does not hold (missing pack or object): what it leads to was not scanned"
                        ));
                    }
                }
            }
            // An unborn branch (HEAD to a branch with no commits yet) is not an error.
            Err(e)
                if name == "HEAD" && matches!(e.code(), git2::ErrorCode::UnbornBranch | git2::ErrorCode::NotFound) => {}
            Err(e) => {
                scanner.error(format!("ref {name}: cannot be read ({}): what it leads to was not scanned", e.message()))
            }
        }
    }
    if let Ok(rd) = std::fs::read_dir(common.join("objects/pack")) {
        for p in rd.flatten().map(|e| e.path()).filter(|p| p.extension().is_some_and(|x| x == "idx")) {
            if !p.with_extension("pack").exists() {
                scanner.error(format!("{}: pack index without its pack: its objects were not scanned", p.display()));
            }
        }
    }
}

/// Blobs that reachable trees name but the object database does not hold (a partial clone's
/// unfetched blobs). Reads trees only.
fn missing_blobs(repo: &Repository) -> usize {
    let Ok(odb) = repo.odb() else { return 0 };
    let Ok(commits) = reachable_commits(repo) else { return 0 };
    let mut seen_trees = HashSet::new();
    let mut seen_blobs = HashSet::new();
    let mut stack: Vec<Oid> = commits.iter().filter_map(|c| repo.find_commit(*c).ok().map(|c| c.tree_id())).collect();
    let mut missing = 0;
    while let Some(t) = stack.pop() {
        if !seen_trees.insert(t) {
            continue;
        }
        let Ok(tree) = repo.find_tree(t) else { continue };
        for e in tree.iter() {
            match e.kind() {
                Some(ObjectType::Tree) => stack.push(e.id()),
                Some(ObjectType::Blob) if seen_blobs.insert(e.id()) && !odb.exists(e.id()) => missing += 1,
                _ => {}
            }
        }
    }
    missing
}

/// Scans every object in the object database (or only those reachable from refs).
pub fn scan_history(scanner: &Scanner, repo: &Repository, reachable_only: bool, cfg: &ScanConfig) -> Result<()> {
    note_repo_state(scanner, repo);
    // NOTE: libgit2 re-hashes every object it reads (SHA-1 with collision detection: over a
    // quarter of a history scan's time); git itself does not on read, and zlib's checksum still
    // catches corrupt data. A process-wide option, set before any worker reads.
    git2::opts::strict_hash_verification(false);
    // Every object is read once: libgit2's object cache would only hold memory. (Its delta-base
    // cache, which pack order feeds, is separate and stays on.)
    git2::opts::enable_caching(false);
    let odb = repo.odb().context("cannot open the object database")?;
    let mut ids: Vec<Oid> = Vec::new();
    if reachable_only {
        ids = reachable_objects(repo)?;
    } else {
        odb.foreach(|oid| {
            ids.push(*oid);
            true
        })
        .context("cannot enumerate the object database")?;
    }
    drop(odb);
    let ids = pack_order(repo, ids);
    let scanned = scan_objects(scanner, repo.path(), &ids, cfg.max_file_size);
    resolve(scanner, repo, scanned.pending, &scanned.commits)
}

/// `ids` (each once) in pack-offset order, then whatever is not in a readable pack index (loose
/// objects, alternates) sorted by id.
fn pack_order(repo: &Repository, mut ids: Vec<Oid>) -> Vec<Oid> {
    ids.sort_unstable();
    ids.dedup();
    let packed = super::packorder::packed_in_offset_order(&repo.commondir().join("objects"));
    let mut taken = vec![false; ids.len()];
    let mut out = Vec::with_capacity(ids.len());
    for oid in packed {
        if let Ok(i) = ids.binary_search(&oid) {
            if !taken[i] {
                taken[i] = true;
                out.push(oid);
            }
        }
    }
    out.extend(ids.iter().zip(&taken).filter(|(_, t)| !**t).map(|(o, _)| *o));
    out
}

/// Blob, commit and tag ids reachable from any ref (for `--reachable-only`).
fn reachable_objects(repo: &Repository) -> Result<Vec<Oid>> {
    let mut out = Vec::new();
    let mut seen_trees = HashSet::new();
    for c in reachable_commits(repo)? {
        out.push(c);
        let commit = repo.find_commit(c).with_context(|| format!("commit {c}"))?;
        collect_tree(repo, commit.tree_id(), &mut seen_trees, &mut out)?;
    }
    if let Ok(refs) = repo.references() {
        for r in refs.flatten() {
            if let Some(t) = r.target().and_then(|t| repo.find_tag(t).ok()) {
                out.push(t.id());
            }
        }
    }
    Ok(out)
}

fn collect_tree(repo: &Repository, tree: Oid, seen: &mut HashSet<Oid>, out: &mut Vec<Oid>) -> Result<()> {
    if !seen.insert(tree) {
        return Ok(());
    }
    let t = repo.find_tree(tree).with_context(|| format!("tree {tree}"))?;
    for e in t.iter() {
        match e.kind() {
            Some(ObjectType::Blob) => out.push(e.id()),
            Some(ObjectType::Tree) => collect_tree(repo, e.id(), seen, out)?,
            _ => {}
        }
    }
    Ok(())
}

/// Ids of every commit reachable from a ref or HEAD.
fn reachable_commits(repo: &Repository) -> Result<Vec<Oid>> {
    let mut walk = repo.revwalk()?;
    let _ = walk.push_glob("*");
    let _ = walk.push_head();
    Ok(walk.flatten().collect())
}

/// Reads and scans `ids` in parallel, each worker with its own repository handle. Non-blob objects
/// are skipped by type, except commit and tag messages, which are scanned too.
fn scan_objects(scanner: &Scanner, git_dir: &Path, ids: &[Oid], max: u64) -> Scanned {
    let pending = Mutex::new(Vec::new());
    let commits = Mutex::new(Vec::new());
    ids.par_chunks(256).for_each_init(
        || Repository::open(git_dir).ok(),
        |state, chunk| {
            let Some(odb) = state.as_ref().and_then(|r| r.odb().ok()) else {
                scanner.error(format!("{}: cannot open the repository in a worker", git_dir.display()));
                return;
            };
            let mut local = Vec::new();
            let mut local_commits = Vec::new();
            for &oid in chunk {
                let (size, kind) = match odb.read_header(oid) {
                    Ok(h) => h,
                    Err(e) => {
                        scanner.error(format!("object {oid}: {}", e.message()));
                        continue;
                    }
                };
                if !matches!(kind, ObjectType::Blob | ObjectType::Commit | ObjectType::Tag) {
                    continue;
                }
                if kind == ObjectType::Commit {
                    local_commits.push(oid);
                }
                if size as u64 > max {
                    scanner.skip(&format!("blob {oid}"), &format!("larger than --max-file-size ({size} bytes)"));
                    continue;
                }
                let obj = match odb.read(oid) {
                    Ok(o) => o,
                    Err(e) => {
                        scanner.error(format!("object {oid}: {}", e.message()));
                        continue;
                    }
                };
                let data = match kind {
                    ObjectType::Blob => obj.data(),
                    _ => message_of(obj.data()),
                };
                if !scanner.engine.scan(data, UNKNOWN_PATH).is_empty() {
                    local.push(Pending { oid, kind });
                }
                scanner.count(data.len());
            }
            if let Ok(mut p) = pending.lock() {
                p.extend(local);
            }
            if let Ok(mut c) = commits.lock() {
                c.extend(local_commits);
            }
        },
    );
    let mut v = pending.into_inner().unwrap_or_default();
    v.sort_by_key(|p| p.oid);
    Scanned { pending: v, commits: commits.into_inner().unwrap_or_default() }
}

/// What [`scan_objects`] found: objects with matches, and every commit id it saw.
struct Scanned {
    pending: Vec<Pending>,
    commits: Vec<Oid>,
}

/// The message part of a raw commit or tag object (after the first blank line).
fn message_of(raw: &[u8]) -> &[u8] {
    memchr::memmem::find(raw, b"\n\n").map_or(&[][..], |i| &raw[i + 2..])
}

/// Where a blob first appeared.
#[derive(Debug, Clone)]
struct Intro {
    commit: Oid,
    path: String,
    others: usize,
}

/// The blobs `commit` introduces, with their paths, sorted: added or changed against every parent
/// (a merge introduces only what is new against all of its parents; a root commit, everything).
/// Submodules are not entered.
fn introduced(repo: &Repository, commit: &git2::Commit<'_>) -> Vec<(Oid, String)> {
    let mut opts = DiffOptions::new();
    opts.ignore_submodules(true).skip_binary_check(true);
    let Ok(tree) = commit.tree() else { return Vec::new() };
    let parents: Vec<_> = commit.parents().filter_map(|p| p.tree().ok()).collect();
    let diffs: Vec<git2::Diff<'_>> = if parents.is_empty() {
        repo.diff_tree_to_tree(None, Some(&tree), Some(&mut opts)).into_iter().collect()
    } else {
        parents.iter().filter_map(|p| repo.diff_tree_to_tree(Some(p), Some(&tree), Some(&mut opts)).ok()).collect()
    };
    let per_parent: Vec<Vec<(Oid, String)>> = diffs
        .iter()
        .map(|d| {
            d.deltas()
                .filter(|x| {
                    matches!(
                        x.status(),
                        Delta::Added | Delta::Modified | Delta::Renamed | Delta::Copied | Delta::Typechange
                    )
                })
                .filter(|x| x.new_file().mode() != git2::FileMode::Commit)
                .map(|x| {
                    let nf = x.new_file();
                    (nf.id(), nf.path().map(|p| p.to_string_lossy().replace('\\', "/")).unwrap_or_default())
                })
                .collect()
        })
        .collect();
    let mut out: Vec<(Oid, String)> = match per_parent.split_first() {
        Some((first, rest)) => {
            first.iter().filter(|(o, _)| rest.iter().all(|m| m.iter().any(|(x, _)| x == o))).cloned().collect()
        }
        None => Vec::new(),
    };
    out.sort();
    out
}

/// Finds, for each blob in `targets`, the earliest commit (by commit time, over every commit in
/// the object database or in `commits`) that introduced it against its parents, and its path.
fn introductions(repo: &Repository, targets: &HashSet<Oid>, commits: &[Oid]) -> HashMap<Oid, Intro> {
    let mut out: HashMap<Oid, Intro> = HashMap::new();
    if targets.is_empty() {
        return out;
    }
    let mut dated: Vec<(i64, Oid)> =
        commits.iter().filter_map(|&c| repo.find_commit(c).ok().map(|k| (k.time().seconds(), c))).collect();
    dated.sort();
    // Each commit's diff against its parents is independent of the others: diff in parallel, each
    // worker with its own repository handle, and merge in date order (this walk diffs every commit
    // of the history; serial, it was a tenth of a history scan). A chunk whose worker could not
    // open the repository is diffed here afterwards.
    let intro_of = |repo: &Repository, c: Oid| -> Vec<(Oid, String)> {
        let Ok(commit) = repo.find_commit(c) else { return Vec::new() };
        introduced(repo, &commit).into_iter().filter(|(o, _)| targets.contains(o)).collect()
    };
    let git_dir = repo.path().to_path_buf();
    // Per chunk (None: its worker had no repository), per commit, the targets it introduces.
    type Found = Option<Vec<Vec<(Oid, String)>>>;
    let chunks: Vec<Found> = dated
        .par_chunks(64)
        .map_init(
            || Repository::open(&git_dir).ok(),
            |r, chunk| r.as_ref().map(|r| chunk.iter().map(|&(_, c)| intro_of(r, c)).collect()),
        )
        .collect();
    for (chunk, found) in dated.chunks(64).zip(chunks) {
        let found = found.unwrap_or_else(|| chunk.iter().map(|&(_, c)| intro_of(repo, c)).collect());
        for (&(_, c), intro) in chunk.iter().zip(found) {
            for (oid, path) in intro {
                out.entry(oid).and_modify(|i| i.others += 1).or_insert(Intro { commit: c, path, others: 0 });
            }
        }
    }
    out
}

fn provenance(
    repo: &Repository,
    commit: Oid,
    blob: Option<Oid>,
    reachable: bool,
    object: &str,
    others: usize,
) -> Provenance {
    let c = repo.find_commit(commit).ok();
    Provenance {
        commit: Some(commit.to_string()),
        author: c.as_ref().and_then(|c| c.author().name().map(str::to_string)),
        date: c.as_ref().map(|c| rfc3339(c.author().when().seconds())),
        summary: c.as_ref().and_then(|c| c.summary().map(str::to_string)),
        blob: blob.map(|b| b.to_string()),
        reachable,
        other_locations: others,
        object: object.to_string(),
    }
}

/// Computes provenance for the objects with matches, scans them again under their real paths and
/// records the findings. `commits` are where introductions are looked for (every commit in the
/// object database for a history scan, the range's commits for a range scan).
fn resolve(scanner: &Scanner, repo: &Repository, pending: Vec<Pending>, commits: &[Oid]) -> Result<()> {
    if pending.is_empty() {
        return Ok(());
    }
    let reachable: HashSet<Oid> = reachable_commits(repo)?.into_iter().collect();
    let targets: HashSet<Oid> = pending.iter().filter(|p| p.kind == ObjectType::Blob).map(|p| p.oid).collect();
    let intros = introductions(repo, &targets, commits);
    let odb = repo.odb()?;
    for p in pending {
        let obj = match odb.read(p.oid) {
            Ok(o) => o,
            Err(e) => {
                scanner.error(format!("object {}: {}", p.oid, e.message()));
                continue;
            }
        };
        match p.kind {
            ObjectType::Blob => {
                let (path, prov) = match intros.get(&p.oid) {
                    Some(i) => (
                        i.path.clone(),
                        provenance(repo, i.commit, Some(p.oid), reachable.contains(&i.commit), "blob", i.others),
                    ),
                    None => (
                        format!("git-blob/{}", p.oid),
                        Provenance::without_commit("blob", Some(p.oid.to_string()), false),
                    ),
                };
                record(scanner, obj.data(), &path, prov);
            }
            ObjectType::Commit => {
                let prov = provenance(repo, p.oid, None, reachable.contains(&p.oid), "commit-message", 0);
                record(scanner, message_of(obj.data()), &format!("git-commit-message/{}", p.oid), prov);
            }
            _ => {
                let name = repo
                    .find_tag(p.oid)
                    .ok()
                    .and_then(|t| t.name().map(str::to_string))
                    .unwrap_or_else(|| p.oid.to_string());
                let target = repo.find_tag(p.oid).ok().map(|t| t.target_id());
                let mut prov = match target.filter(|t| repo.find_commit(*t).is_ok()) {
                    Some(t) => provenance(repo, t, None, reachable.contains(&t), "tag-message", 0),
                    None => Provenance::without_commit("tag-message", None, true),
                };
                prov.blob = Some(p.oid.to_string());
                record(scanner, message_of(obj.data()), &format!("git-tag-message/{name}"), prov);
            }
        }
    }
    Ok(())
}

fn record(scanner: &Scanner, data: &[u8], path: &str, prov: Provenance) {
    if scanner.path_allowlisted(path) {
        return;
    }
    scanner.scan_and_keep(data, path, Some(&prov));
}

/// Scans what the commits in `spec` (`BASE..HEAD`) add: blobs new against every parent, plus the
/// commit messages.
pub fn scan_range(scanner: &Scanner, repo: &Repository, spec: &str, cfg: &ScanConfig) -> Result<()> {
    note_repo_state(scanner, repo);
    let rs = repo.revparse(spec).map_err(|e| anyhow::anyhow!("invalid revision range {spec:?}: {}", e.message()))?;
    let (Some(from), Some(to)) = (rs.from(), rs.to()) else {
        bail!("invalid revision range {spec:?}: expected BASE..HEAD");
    };
    let mut walk = repo.revwalk()?;
    walk.set_sorting(Sort::TOPOLOGICAL | Sort::REVERSE)?;
    walk.push(to.peel_to_commit().map_err(|e| anyhow::anyhow!("{spec}: {}", e.message()))?.id())?;
    walk.hide(from.peel_to_commit().map_err(|e| anyhow::anyhow!("{spec}: {}", e.message()))?.id())?;
    let commits: Vec<Oid> =
        walk.collect::<std::result::Result<_, _>>().map_err(|e| anyhow::anyhow!("{spec}: {}", e.message()))?;
    scan_commits(scanner, repo, &commits, cfg)
}

/// Scans the blobs that `commits` introduce (each once) and their messages.
pub fn scan_commits(scanner: &Scanner, repo: &Repository, commits: &[Oid], cfg: &ScanConfig) -> Result<()> {
    let mut ids: Vec<Oid> = Vec::new();
    let mut seen = HashSet::new();
    for &c in commits {
        let commit = repo.find_commit(c).map_err(|e| anyhow::anyhow!("commit {c}: {}", e.message()))?;
        for (oid, _) in introduced(repo, &commit) {
            if seen.insert(oid) {
                ids.push(oid);
            }
        }
    }
    ids.extend(commits.iter().copied());
    let scanned = scan_objects(scanner, repo.path(), &ids, cfg.max_file_size);
    resolve(scanner, repo, scanned.pending, commits)
}

/// The commits a push sends, from git's pre-push lines `<local ref> <local sha> <remote ref>
/// <remote sha>`: for an update, what the local commit has that the remote one lacks; for a new
/// branch, what no ref of `remote` (or of any remote) has; deletions send nothing.
pub fn pushed_commits(repo: &Repository, lines: &str, remote: Option<&str>) -> Result<Vec<Oid>> {
    let mut walk = repo.revwalk()?;
    walk.set_sorting(Sort::TOPOLOGICAL | Sort::REVERSE)?;
    let mut any = false;
    for line in lines.lines().filter(|l| !l.trim().is_empty()) {
        let f: Vec<&str> = line.split_whitespace().collect();
        let [_, local, _, remote_sha] = f[..] else {
            bail!(
                "unexpected pre-push input line {line:?}: expected <local ref> <local sha> <remote ref> <remote sha>"
            );
        };
        let local = Oid::from_str(local).map_err(|_| anyhow::anyhow!("bad object id {local:?} in pre-push input"))?;
        if local.is_zero() {
            continue;
        }
        walk.push(local).map_err(|e| anyhow::anyhow!("commit {local}: {}", e.message()))?;
        any = true;
        let remote_oid = Oid::from_str(remote_sha).ok().filter(|o| !o.is_zero() && repo.find_commit(*o).is_ok());
        match remote_oid {
            Some(o) => walk.hide(o)?,
            None => {
                let glob = match remote {
                    Some(r) => format!("refs/remotes/{r}/*"),
                    None => "refs/remotes/*".to_string(),
                };
                walk.hide_glob(&glob)?;
            }
        }
    }
    if !any {
        return Ok(Vec::new());
    }
    walk.collect::<std::result::Result<_, _>>().map_err(|e| anyhow::anyhow!("{}", e.message()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_700_000_000), "2023-11-14T22:13:20Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
    }
}
