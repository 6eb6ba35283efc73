//! Plain git hooks for users without the pre-commit framework: `install-hook` writes a
//! `pre-commit` (or `pre-push`) hook that runs aivenguard and fails closed; an existing hook is
//! never clobbered (it is chained to, or replaced only with `--force`, keeping a backup);
//! `uninstall-hook` removes only what aivenguard wrote and restores a chained hook.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context as _, Result};
use git2::Repository;

/// The line that marks a hook as written by aivenguard.
pub const MARKER: &str = "# installed by aivenguard install-hook";
/// Suffix of a user's hook that ours runs after its own check.
pub const CHAINED: &str = ".pre-aivenguard";
/// Suffix of a user's hook replaced with `--force`.
pub const BACKUP: &str = ".aivenguard-backup";

/// The hooks folder git uses: `core.hooksPath` (relative to the work tree) or `.git/hooks`.
pub fn hooks_dir(repo: &Repository) -> Result<PathBuf> {
    let configured = repo.config().ok().and_then(|c| c.get_path("core.hooksPath").ok());
    Ok(match configured {
        Some(p) if p.is_absolute() => p,
        Some(p) => repo.workdir().unwrap_or_else(|| repo.path()).join(p),
        None => repo.commondir().join("hooks"),
    })
}

fn script(kind: &str, exe: &Path) -> String {
    let run = match kind {
        "pre-push" => "input=$(cat)\nprintf '%s\\n' \"$input\" | \"$bin\" pre-push --no-progress \"$@\" || exit $?\nif [ -x \"$0.pre-aivenguard\" ]; then printf '%s\\n' \"$input\" | exec \"$0.pre-aivenguard\" \"$@\"; fi\n",
        _ => "\"$bin\" staged --no-progress || exit $?\nif [ -x \"$0.pre-aivenguard\" ]; then exec \"$0.pre-aivenguard\" \"$@\"; fi\n",
    };
    let exe = exe.display().to_string().replace('\'', "'\\''");
    format!(
        "#!/bin/sh\n{MARKER}: blocks {what} that add Aiven credentials.\n# Remove with `aivenguard uninstall-hook{flag}`. It fails closed: if aivenguard cannot run, the {noun} is refused.\nbin='{exe}'\nif [ ! -x \"$bin\" ]; then\n  bin=$(command -v aivenguard) || {{ echo \"aivenguard: not found (looked for {exe} and on PATH); refusing the {noun} unchecked. Install aivenguard, or bypass once with --no-verify.\" >&2; exit 1; }}\nfi\n{run}",
        what = if kind == "pre-push" { "pushes" } else { "commits" },
        noun = if kind == "pre-push" { "push" } else { "commit" },
        flag = if kind == "pre-push" { " --pre-push" } else { "" },
    )
}

/// Writes the hook; returns a message saying what was done.
pub fn install(repo: &Repository, pre_push: bool, force: bool) -> Result<String> {
    let kind = if pre_push { "pre-push" } else { "pre-commit" };
    let dir = hooks_dir(repo)?;
    std::fs::create_dir_all(&dir).with_context(|| format!("{}: cannot create hooks folder", dir.display()))?;
    let hook = dir.join(kind);
    let chained = dir.join(format!("{kind}{CHAINED}"));
    let exe = std::env::current_exe().context("cannot find the aivenguard executable")?;
    let mut note = String::new();
    if hook.exists() {
        let existing = std::fs::read_to_string(&hook).unwrap_or_default();
        if existing.contains(MARKER) {
            note = " (updated)".into();
        } else if force {
            let backup = dir.join(format!("{kind}{BACKUP}"));
            std::fs::rename(&hook, &backup)
                .with_context(|| format!("{}: cannot move the existing hook", hook.display()))?;
            note = format!(" (replaced your hook; it is kept as {})", backup.display());
        } else if chained.exists() {
            bail!(
                "{}: a hook is already there and {} exists too; refusing to overwrite either (move one away, or use --force)",
                hook.display(),
                chained.display()
            );
        } else {
            std::fs::rename(&hook, &chained)
                .with_context(|| format!("{}: cannot move the existing hook", hook.display()))?;
            note = format!(" (your existing hook now runs after it, from {})", chained.display());
        }
    }
    std::fs::write(&hook, script(kind, &exe)).with_context(|| format!("{}: cannot write hook", hook.display()))?;
    set_executable(&hook)?;
    Ok(format!("installed {kind} hook at {}{note}", hook.display()))
}

/// Removes our hook (and restores a chained one); refuses to touch a hook we did not write.
pub fn uninstall(repo: &Repository, pre_push: bool) -> Result<String> {
    let kind = if pre_push { "pre-push" } else { "pre-commit" };
    let dir = hooks_dir(repo)?;
    let hook = dir.join(kind);
    let text = match std::fs::read_to_string(&hook) {
        Ok(t) => t,
        Err(_) => bail!("{}: no {kind} hook is installed", hook.display()),
    };
    if !text.contains(MARKER) {
        bail!("{}: this {kind} hook was not written by aivenguard; left alone", hook.display());
    }
    std::fs::remove_file(&hook).with_context(|| format!("{}: cannot remove hook", hook.display()))?;
    let chained = dir.join(format!("{kind}{CHAINED}"));
    if chained.exists() {
        std::fs::rename(&chained, &hook)
            .with_context(|| format!("{}: cannot restore the chained hook", chained.display()))?;
        return Ok(format!("removed the aivenguard {kind} hook and restored your previous one at {}", hook.display()));
    }
    Ok(format!("removed the aivenguard {kind} hook at {}", hook.display()))
}

#[cfg(unix)]
fn set_executable(p: &Path) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o755))
        .with_context(|| format!("{}: cannot make executable", p.display()))
}

#[cfg(not(unix))]
fn set_executable(_: &Path) -> Result<()> {
    Ok(())
}
