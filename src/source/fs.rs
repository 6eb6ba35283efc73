//! Files and directory trees: a parallel walk (the `ignore` crate) that honours `.gitignore`,
//! `.ignore` and `.git/info/exclude`, scans hidden files, never enters `.git/`, and reads each file
//! into a buffer reused by its worker thread, one read for a small file and one that finds its end.

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
        let mut buf: Vec<u8> = vec![0; BUF];
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

/// Scans one file entry, read into `buf` (reused across files by the worker).
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
    // Most files are small: read whole, without asking their size (an fstat per file took 3% of a
    // single-thread scan of the synthetic tree). A file that fills the first read has its size
    // checked, from the open file, before the rest is read: a 2 GiB file is skipped unread.
    let limit = cfg.max_file_size.saturating_add(1);
    let res = std::fs::File::open(path).and_then(|mut f| {
        let first = limit.min(FIRST_READ);
        let n = read_up_to(&mut f, buf, 0, first)?;
        if (n as u64) < first {
            return Ok((n, None));
        }
        let size = f.metadata()?.len();
        if size > cfg.max_file_size {
            return Ok((n, Some(size)));
        }
        // The rest, plus the byte that shows it grew, in room made once.
        let want = usize::try_from(size.saturating_add(1).min(limit)).unwrap_or(usize::MAX);
        if buf.len() < want {
            buf.resize(want, 0);
        }
        read_up_to(&mut f, buf, n, limit).map(|n| (n, None))
    });
    match res {
        Ok((_, Some(n))) => scanner.skip(&rel, &format!("larger than --max-file-size ({n} bytes)")),
        Ok((n, _)) if n as u64 > cfg.max_file_size => {
            scanner.skip(
                &rel,
                &format!("larger than --max-file-size (grew while read, over {} bytes)", cfg.max_file_size),
            );
        }
        Ok((n, _)) => {
            scanner.blob(&buf[..n], &rel, None);
        }
        Err(e) => scanner.error(format!("{rel}: {e}")),
    }
    if buf.len() > (8 << 20) {
        // Keep one huge file from pinning its memory in the worker for the rest of the walk.
        *buf = vec![0; BUF];
    }
}

/// A worker's first buffer size (filled with zeros once, then reused).
const BUF: usize = 1 << 16;

/// Reads `f` into `buf[at..]` until end of file or `limit` bytes in all, growing `buf`; returns how
/// many bytes of `buf` hold the file. `buf` is kept initialised (its length is its size, not the
/// file's): each read asks for all the room there is, so a small file takes one read and the one
/// that finds its end (`read_to_end` starts at 8 KiB a read and doubles, and took 2.7 reads a file
/// on the synthetic tree).
fn read_up_to(f: &mut std::fs::File, buf: &mut Vec<u8>, mut at: usize, limit: u64) -> std::io::Result<usize> {
    let limit = usize::try_from(limit).unwrap_or(usize::MAX);
    while at < limit {
        if at == buf.len() {
            let grown = buf.len().saturating_mul(2).clamp(BUF, limit);
            buf.resize(grown, 0);
        }
        let end = buf.len().min(limit);
        match f.read(&mut buf[at..end]) {
            Ok(0) => break,
            Ok(k) => at += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(at)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_fill_a_reused_buffer_with_each_file_whole() {
        // Sizes around the first buffer and its doublings, in an order that leaves a larger file's
        // bytes in the buffer before a smaller one: only the file's own bytes come back.
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let mut buf = vec![0; BUF];
        for (i, size) in [200_000usize, 10, 0, BUF - 1, BUF, BUF + 1, 3 * BUF, 1].into_iter().enumerate() {
            let body: Vec<u8> = (0..size).map(|k| (k * 7 + i) as u8).collect();
            let path = dir.path().join(format!("f{i}"));
            std::fs::write(&path, &body).unwrap_or_else(|e| panic!("{e}"));
            let mut f = std::fs::File::open(&path).unwrap_or_else(|e| panic!("{e}"));
            let n = read_up_to(&mut f, &mut buf, 0, u64::MAX).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(&buf[..n], &body[..], "size {size}");
            // At most `limit` bytes, then the rest from where that stopped.
            let mut f = std::fs::File::open(&path).unwrap_or_else(|e| panic!("{e}"));
            let n = read_up_to(&mut f, &mut buf, 0, 100).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(n, size.min(100));
            let n = read_up_to(&mut f, &mut buf, n, u64::MAX).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(&buf[..n], &body[..], "size {size}, in two parts");
        }
    }
}
