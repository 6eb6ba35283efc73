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
