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
    let rel = path.strip_prefix(base).ok()?;
    // Called for every file of a walk: a clean UTF-8 path (what the walk gives) is already the
    // answer where `/` is the separator, with no string per component.
    if let Some(s) = rel.to_str().filter(|_| std::path::MAIN_SEPARATOR == '/') {
        if s.split('/').all(|seg| !seg.is_empty() && seg != "." && seg != "..") {
            return Some(s.to_string());
        }
    }
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
}
