//! Where aivenguard is used: plain git hooks (`install-hook`), the pre-push mode with a real
//! `git push`, the real pre-commit framework, baselines, inline allow markers, and SARIF that is
//! byte-identical across runs and working directories.

use std::path::Path;
use std::process::{Command, Output};

use crate::support::{self, avns, root, run, token, write};

fn git(dir: &Path, args: &[&str]) -> Output {
    Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_AUTHOR_DATE", "2024-01-01T00:00:00Z")
        .env("GIT_COMMITTER_DATE", "2024-01-01T00:00:00Z")
        .env("PATH", path_with_binary())
        .output()
        .unwrap()
}

fn ok(o: &Output) -> bool {
    o.status.success()
}

fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

/// PATH with the built binary's folder first (hooks find `aivenguard` there).
fn path_with_binary() -> String {
    let bin = assert_cmd::cargo::cargo_bin("aivenguard");
    format!("{}:{}", bin.parent().unwrap().display(), std::env::var("PATH").unwrap_or_default())
}

fn new_repo() -> tempfile::TempDir {
    let d = support::tempdir();
    assert!(ok(&git(d.path(), &["init", "-q", "-b", "main"])));
    git(d.path(), &["config", "user.name", "Dev"]);
    git(d.path(), &["config", "user.email", "dev@example.com"]);
    write(d.path(), "README.md", "hello\n");
    git(d.path(), &["add", "."]);
    assert!(ok(&git(d.path(), &["commit", "-q", "-m", "init"])));
    d
}

#[test]
fn install_hook_blocks_a_commit_and_passes_a_clean_one() {
    let d = new_repo();
    let out = run(d.path(), &["install-hook"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stderr.contains("installed pre-commit hook"), "{}", out.stderr);
    write(d.path(), "db.env", format!("PGPASSWORD={}\n", avns(1)));
    git(d.path(), &["add", "db.env"]);
    let o = git(d.path(), &["commit", "-q", "-m", "leak"]);
    assert!(!ok(&o), "a staged secret must block the commit");
    let t = text(&o);
    assert!(t.contains("this commit is blocked") && t.contains("db.env:1:12  aiven-service-password  AVNS_"), "{t}");
    assert!(t.contains("avn service user-password-reset"), "the blocked message says how to rotate: {t}");
    assert!(!t.contains(&avns(1)), "the message never shows the secret");
    write(d.path(), "db.env", "PGPASSWORD=${PGPASSWORD}\n");
    git(d.path(), &["add", "db.env"]);
    assert!(ok(&git(d.path(), &["commit", "-q", "-m", "clean"])));
    // An inline marker with a reason lets a known test value through, and is counted.
    write(d.path(), "test.env", format!("P={} # aivenguard:allow fake value for tests\n", avns(2)));
    git(d.path(), &["add", "test.env"]);
    let o = git(d.path(), &["commit", "-q", "-m", "allowed"]);
    assert!(ok(&o), "{}", text(&o));
}

#[test]
fn install_hook_chains_to_an_existing_hook_and_uninstall_restores_it() {
    let d = new_repo();
    let hooks = d.path().join(".git/hooks");
    std::fs::create_dir_all(&hooks).unwrap();
    let mine = hooks.join("pre-commit");
    std::fs::write(&mine, "#!/bin/sh\necho my-hook-ran >> \"$(git rev-parse --git-dir)/ran\"\n").unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&mine, std::fs::Permissions::from_mode(0o755)).unwrap();
    let out = run(d.path(), &["install-hook"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stderr.contains("your existing hook now runs after it"), "{}", out.stderr);
    write(d.path(), "a.txt", "a\n");
    git(d.path(), &["add", "a.txt"]);
    assert!(ok(&git(d.path(), &["commit", "-q", "-m", "a"])));
    assert!(std::fs::read_to_string(d.path().join(".git/ran")).unwrap().contains("my-hook-ran"));
    // Installing twice is an update, not a second chain.
    assert_eq!(run(d.path(), &["install-hook"]).code, 0);
    let out = run(d.path(), &["uninstall-hook"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(std::fs::read_to_string(&mine).unwrap().contains("my-hook-ran"), "the user's hook is back");
    let out = run(d.path(), &["uninstall-hook"]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("was not written by aivenguard; left alone"), "{}", out.stderr);
    // --force replaces, keeping a backup.
    let out = run(d.path(), &["install-hook", "--force"]);
    assert_eq!(out.code, 0);
    assert!(hooks.join("pre-commit.aivenguard-backup").exists());
}

#[test]
fn install_hook_honours_core_hooks_path() {
    let d = new_repo();
    git(d.path(), &["config", "core.hooksPath", "githooks"]);
    assert_eq!(run(d.path(), &["install-hook"]).code, 0);
    assert!(d.path().join("githooks/pre-commit").exists());
    write(d.path(), "x.env", format!("AIVEN_TOKEN={}\n", token(3)));
    git(d.path(), &["add", "x.env"]);
    assert!(!ok(&git(d.path(), &["commit", "-q", "-m", "leak"])));
}

#[test]
fn hook_fails_closed_when_aivenguard_cannot_run() {
    let d = new_repo();
    assert_eq!(run(d.path(), &["install-hook"]).code, 0);
    // Point the hook at a binary that does not exist and hide the real one from PATH.
    let hook = d.path().join(".git/hooks/pre-commit");
    let t = std::fs::read_to_string(&hook).unwrap();
    let line = t.lines().find(|l| l.starts_with("bin=")).unwrap().to_string();
    std::fs::write(&hook, t.replace(&line, "bin='/nonexistent/aivenguard'")).unwrap();
    write(d.path(), "a.txt", "a\n");
    git(d.path(), &["add", "a.txt"]);
    let o = Command::new("git")
        .args(["commit", "-q", "-m", "a"])
        .current_dir(d.path())
        .env("PATH", "/usr/bin:/bin")
        .output()
        .unwrap();
    assert!(!ok(&o), "no scanner, no commit");
    assert!(text(&o).contains("refusing the commit unchecked"), "{}", text(&o));
}

#[test]
fn pre_push_blocks_a_token_buried_in_an_earlier_commit() {
    let remote = support::tempdir();
    assert!(ok(&git(remote.path(), &["init", "-q", "--bare", "-b", "main"])));
    let d = new_repo();
    git(d.path(), &["remote", "add", "origin", &remote.path().display().to_string()]);
    assert!(ok(&git(d.path(), &["push", "-q", "origin", "main"])));
    assert_eq!(run(d.path(), &["install-hook", "--pre-push"]).code, 0);
    // The secret is added and removed again before the push: only a scan of every pushed commit sees it.
    write(d.path(), "k.env", format!("AIVEN_TOKEN={}\n", token(9)));
    git(d.path(), &["add", "k.env"]);
    git(d.path(), &["commit", "-q", "--no-verify", "-m", "add key"]);
    git(d.path(), &["rm", "-q", "k.env"]);
    git(d.path(), &["commit", "-q", "--no-verify", "-m", "remove key"]);
    let o = git(d.path(), &["push", "-q", "origin", "main"]);
    assert!(!ok(&o), "the push must be blocked: {}", text(&o));
    assert!(text(&o).contains("this push is blocked"), "{}", text(&o));
    // A new branch carrying the same commits is blocked too.
    let o = git(d.path(), &["push", "-q", "origin", "main:feature"]);
    assert!(!ok(&o), "{}", text(&o));
    // A clean branch and a deletion pass.
    git(d.path(), &["reset", "-q", "--hard", "HEAD~2"]);
    write(d.path(), "ok.txt", "fine\n");
    git(d.path(), &["add", "ok.txt"]);
    git(d.path(), &["commit", "-q", "-m", "fine"]);
    let o = git(d.path(), &["push", "-q", "origin", "main"]);
    assert!(ok(&o), "{}", text(&o));
    assert!(ok(&git(d.path(), &["push", "-q", "origin", "main:tmp"])));
    let o = git(d.path(), &["push", "-q", "origin", ":tmp"]);
    assert!(ok(&o), "{}", text(&o));
}

#[test]
fn pre_push_reads_git_lines_on_stdin() {
    let d = new_repo();
    let base = String::from_utf8_lossy(&git(d.path(), &["rev-parse", "HEAD"]).stdout).trim().to_string();
    write(d.path(), "p.env", format!("P={}\n", avns(5)));
    git(d.path(), &["add", "."]);
    git(d.path(), &["commit", "-q", "-m", "p"]);
    let head = String::from_utf8_lossy(&git(d.path(), &["rev-parse", "HEAD"]).stdout).trim().to_string();
    let line = format!("refs/heads/main {head} refs/heads/main {base}\n");
    let out = support::run_env(d.path(), &["pre-push", "origin"], &[], Some(line.as_bytes()));
    assert_eq!(out.code, 1, "{}", out.stderr);
    let sarif = support::run_env(d.path(), &["pre-push", "origin", "--format", "sarif"], &[], Some(line.as_bytes()));
    support::keep_sarif("push", &sarif.stdout);
    assert!(sarif.stdout.contains("\"aivenguard/push/\""));
    let del = format!("(delete) {} refs/heads/x {base}\n", "0".repeat(40));
    assert_eq!(support::run_env(d.path(), &["pre-push", "origin"], &[], Some(del.as_bytes())).code, 0);
    let bad = support::run_env(d.path(), &["pre-push"], &[], Some(b"garbage\n"));
    assert_eq!(bad.code, 2);
    assert!(bad.stderr.contains("unexpected pre-push input line"), "{}", bad.stderr);
}

/// The real pre-commit framework (from PyPI, installed by scripts/test.sh) running this
/// repository's `.pre-commit-hooks.yaml` through `try-repo`: the `language: rust` hook is built
/// by pre-commit with cargo, exactly as users get it.
#[test]
fn pre_commit_framework_try_repo() {
    let pc = which("pre-commit");
    let d = new_repo();
    // pre-commit builds the hook from a clone of this checkout: cache it between runs.
    let home = root().join("target/pre-commit-home");
    let try_repo = |hook: &str| -> Output {
        Command::new(&pc)
            .args(["try-repo", &root().display().to_string(), hook, "--verbose"])
            .current_dir(d.path())
            .env("PRE_COMMIT_HOME", &home)
            // pre-commit runs `cargo install`; a fixed target dir makes rebuilds incremental.
            .env("CARGO_TARGET_DIR", root().join("target/pre-commit-target"))
            // A quicker release profile for the test build; the hook itself is unchanged.
            .env("CARGO_PROFILE_RELEASE_LTO", "false")
            .env("CARGO_PROFILE_RELEASE_CODEGEN_UNITS", "16")
            .env("CARGO_PROFILE_RELEASE_DEBUG", "false")
            .env("PATH", path_with_binary())
            .output()
            .unwrap()
    };
    write(d.path(), "app.env", format!("AIVEN_TOKEN={}\n", token(11)));
    git(d.path(), &["add", "app.env"]);
    for hook in ["aivenguard", "aivenguard-system"] {
        let o = try_repo(hook);
        assert!(!ok(&o), "{hook}: a staged token must fail the hook: {}", text(&o));
        assert!(text(&o).contains("app.env:1:13  aiven-api-token"), "{hook}: {}", text(&o));
    }
    write(d.path(), "app.env", "AIVEN_TOKEN=${AIVEN_TOKEN}\n");
    git(d.path(), &["add", "app.env"]);
    for hook in ["aivenguard", "aivenguard-system"] {
        let o = try_repo(hook);
        assert!(ok(&o), "{hook}: clean content passes: {}", text(&o));
    }
}

fn which(tool: &str) -> std::path::PathBuf {
    let path = std::env::var("PATH").unwrap_or_default();
    for dir in std::env::split_paths(&path).chain([root().join("target/tools/bin")]) {
        let p = dir.join(tool);
        if p.is_file() {
            return p;
        }
    }
    panic!("{tool} not found: run the tests with scripts/test.sh, which installs it into target/tools");
}

#[test]
fn baseline_reports_only_new_findings() {
    let d = support::tempdir();
    write(d.path(), "old.env", format!("A={}\nB={}\n", avns(1), avns(2)));
    let out = run(d.path(), &["baseline", ".aivenguard-baseline.json", "."]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let b = std::fs::read_to_string(d.path().join(".aivenguard-baseline.json")).unwrap();
    assert!(!b.contains(&avns(1)) && !b.contains(&avns(2)), "no secrets in a baseline");
    assert!(!b.contains("\"line\""), "no line numbers in a baseline");
    let v: serde_json::Value = serde_json::from_str(&b).unwrap();
    assert_eq!(v["version"], 1);
    assert_eq!(v["findings"].as_array().unwrap().len(), 2);
    // Stable: writing it again gives the same bytes, even after lines move.
    write(d.path(), "old.env", format!("# moved\n\nB={}\nA={}\n", avns(2), avns(1)));
    run(d.path(), &["baseline", "again.json", "old.env"]);
    assert_eq!(std::fs::read_to_string(d.path().join("again.json")).unwrap(), b);
    let out = run(d.path(), &["scan", ".", "--baseline", ".aivenguard-baseline.json"]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert!(out.stderr.contains("suppressed: 2 (findings in the baseline)"), "{}", out.stderr);
    write(d.path(), "new.env", format!("C={}\n", avns(3)));
    let out = run(d.path(), &["scan", ".", "--baseline", ".aivenguard-baseline.json"]);
    assert_eq!(out.code, 1);
    assert!(out.stdout.starts_with("new.env:1:3") && out.stdout.lines().count() == 1, "{}", out.stdout);
    let bad = run(d.path(), &["scan", ".", "--baseline", "missing.json"]);
    assert_eq!(bad.code, 2);
    assert!(bad.stderr.contains("missing.json: cannot read baseline"), "{}", bad.stderr);
}

#[test]
fn inline_allow_in_any_comment_syntax() {
    let d = support::tempdir();
    write(
        d.path(),
        "many.txt",
        format!(
            "a = \"{}\"  // aivenguard:allow test vector\nb: {} # aivenguard:allow\n<x v=\"{}\"/> <!-- aivenguard:allow docs -->\nc = {}\n",
            avns(1),
            avns(2),
            avns(3),
            avns(4)
        ),
    );
    let out = run(d.path(), &["scan", "."]);
    assert_eq!(out.code, 1);
    assert_eq!(out.stdout.lines().count(), 1, "{}", out.stdout);
    assert!(out.stdout.starts_with("many.txt:4:5"), "{}", out.stdout);
    assert!(out.stderr.contains("suppressed: 3 (findings marked aivenguard:allow)"), "{}", out.stderr);
}

#[test]
fn sarif_is_identical_across_runs_and_working_directories() {
    let d = support::tempdir();
    assert!(ok(&git(d.path(), &["init", "-q"])));
    write(d.path(), "svc/app/.env", format!("AIVEN_TOKEN={}\nP={}\n", token(4), avns(4)));
    let a = run(d.path(), &["scan", ".", "--format", "sarif"]);
    let b = run(&d.path().join("svc"), &["scan", "app", "--format", "sarif"]);
    let abs = d.path().join("svc/app").display().to_string();
    let c = run(support::tempdir().path(), &["scan", &abs, "--format", "sarif"]);
    assert_eq!(a.code, 1);
    assert_eq!(a.stdout, b.stdout);
    assert_eq!(a.stdout, c.stdout);
    assert!(a.stdout.contains("\"uri\": \"svc/app/.env\""));
    // Symlinked paths resolve to the real file's repository path.
    let link = support::tempdir();
    std::os::unix::fs::symlink(d.path().join("svc"), link.path().join("alias")).unwrap();
    let e = run(link.path(), &["scan", "alias", "--format", "sarif"]);
    assert_eq!(a.stdout, e.stdout);
}
