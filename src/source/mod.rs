//! Inputs. Each source reads bytes and hands them to the [`crate::scan::Scanner`] with the path to
//! report: `fs` (files and directory trees), `stdin`, `git` (whole history and ranges) and `staged`
//! (the index, for pre-commit).

pub mod fs;
pub mod git;
pub mod packorder;
pub mod staged;
pub mod stdin;

use std::path::{Component, Path};

/// A path relative to `base` with `/` separators, or `None` when `path` is not under `base`.
pub fn relative(path: &Path, base: &Path) -> Option<String> {
    // Called for every file of a walk, whose paths are `base` joined with names: where `/` is the
    // separator, the bytes after `base` and a `/` are the answer when they are clean UTF-8
    // segments (`Path::strip_prefix` compares component by component: 4% of a tree scan's
    // instructions).
    let clean = |s: &str| s.split('/').all(|seg| !seg.is_empty() && seg != "." && seg != "..");
    if std::path::MAIN_SEPARATOR == '/' {
        let (p, b) = (path.as_os_str().as_encoded_bytes(), base.as_os_str().as_encoded_bytes());
        let rest = p.strip_prefix(b).and_then(|r| if b.ends_with(b"/") { Some(r) } else { r.strip_prefix(b"/") });
        if let Some(s) = rest.and_then(|r| std::str::from_utf8(r).ok()).filter(|s| clean(s)) {
            return Some(s.to_string());
        }
    }
    by_components(path, base)
}

/// [`relative`] by its definition: `base` stripped component by component, the normal components
/// that remain (lossily UTF-8) joined with `/`.
fn by_components(path: &Path, base: &Path) -> Option<String> {
    let rel = path.strip_prefix(base).ok()?;
    let parts: Vec<String> = rel
        .components()
        .filter_map(|c| match c {
            Component::Normal(s) => Some(s.to_string_lossy().into_owned()),
            _ => None,
        })
        .collect();
    Some(parts.join("/"))
}

/// The top of the git work tree that holds `dir`, found by looking for `.git` upwards.
pub fn git_toplevel(dir: &Path) -> Option<std::path::PathBuf> {
    dir.ancestors().find(|a| a.join(".git").exists()).map(Path::to_path_buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths_use_slashes_and_drop_dot_components() {
        let base = Path::new("/repo");
        assert_eq!(relative(Path::new("/repo/a/b.txt"), base).as_deref(), Some("a/b.txt"));
        assert_eq!(relative(Path::new("/repo/./a//b.txt"), base).as_deref(), Some("a/b.txt"));
        assert_eq!(relative(Path::new("/repo"), base).as_deref(), Some(""));
        assert_eq!(relative(Path::new("/elsewhere/a"), base), None);
        #[cfg(unix)]
        {
            use std::os::unix::ffi::OsStrExt;
            let odd = Path::new(std::ffi::OsStr::from_bytes(b"/repo/caf\xe9/x"));
            assert_eq!(relative(odd, base).as_deref(), Some("caf\u{fffd}/x"));
        }
    }

    #[test]
    fn relative_paths_are_the_components_after_the_base() {
        // The byte fast path against the definition (the fallback).
        let bases = ["/repo", "/repo/", "/", "tree", "tree/", "./tree", "tree/.", "/repo/sub"];
        let paths = [
            "/repo/a/b.txt",
            "/repo2/a",
            "/repo/a/../b",
            "/repo/./a",
            "/repo//a",
            "/repo/sub/.env",
            "/repo/sub",
            "tree/a/b",
            "./tree/a",
            "tree/./a",
            "treex/a",
            "tree",
            "tree/",
            "/",
        ];
        for base in bases.map(Path::new) {
            for path in paths.map(Path::new) {
                assert_eq!(relative(path, base), by_components(path, base), "{path:?} under {base:?}");
            }
        }
    }
}
