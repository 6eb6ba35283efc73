//! `aivenguard history` and `aivenguard staged` on repositories built in the test with git2 (and
//! the real `git` command where git itself must drive: hooks, shallow and bare clones).

use std::path::Path;

use git2::{Oid, Repository, ResetType, Signature, Time};

use crate::support::{self, avns, run, run_env, token, write};

/// A repository in a temp dir, committed to with git2 and fixed signatures (stable ids).
struct R {
    dir: tempfile::TempDir,
    repo: Repository,
    tick: std::cell::Cell<i64>,
}

impl R {
    fn new() -> R {
        let dir = support::tempdir();
        let repo = Repository::init(dir.path()).unwrap();
        let mut cfg = repo.config().unwrap();
        cfg.set_str("user.name", "Dev").unwrap();
        cfg.set_str("user.email", "dev@example.com").unwrap();
        R { dir, repo, tick: std::cell::Cell::new(0) }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn sig(&self) -> Signature<'static> {
        self.tick.set(self.tick.get() + 60);
        Signature::new("Dev", "dev@example.com", &Time::new(1_700_000_000 + self.tick.get(), 0)).unwrap()
    }

    fn put(&self, rel: &str, text: &str) {
        write(self.path(), rel, text);
        let mut idx = self.repo.index().unwrap();
        idx.add_path(Path::new(rel)).unwrap();
        idx.write().unwrap();
    }

    fn rm(&self, rel: &str) {
        std::fs::remove_file(self.path().join(rel)).unwrap();
        let mut idx = self.repo.index().unwrap();
        idx.remove_path(Path::new(rel)).unwrap();
        idx.write().unwrap();
    }

    fn commit(&self, msg: &str) -> Oid {
        let parents: Vec<Oid> = self.repo.head().ok().and_then(|h| h.target()).into_iter().collect();
        self.commit_with(msg, &parents, Some("HEAD"))
    }

    fn commit_with(&self, msg: &str, parents: &[Oid], update: Option<&str>) -> Oid {
        let mut idx = self.repo.index().unwrap();
        let tree = self.repo.find_tree(idx.write_tree().unwrap()).unwrap();
        let ps: Vec<git2::Commit> = parents.iter().map(|p| self.repo.find_commit(*p).unwrap()).collect();
        let refs: Vec<&git2::Commit> = ps.iter().collect();
        let s = self.sig();
        self.repo.commit(update, &s, &s, msg, &tree, &refs).unwrap()
    }

    fn git(&self, args: &[&str]) -> std::process::Output {
        std::process::Command::new("git")
            .args(args)
            .current_dir(self.path())
            .env("GIT_AUTHOR_DATE", "2024-01-01T00:00:00Z")
            .env("GIT_COMMITTER_DATE", "2024-01-01T00:00:00Z")
            .output()
            .unwrap()
    }
}

fn json(out: &support::Out) -> Vec<serde_json::Value> {
    let v: serde_json::Value =
        serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}\n{}", out.stdout, out.stderr));
    v["findings"].as_array().unwrap().clone()
}

#[test]
fn secret_added_then_deleted_is_found_in_history_not_in_tree() {
    let r = R::new();
    r.put("README.md", "hello\n");
    r.commit("init");
    r.put("config/.env", &format!("DEBUG=1\nPGPASSWORD={}\n", avns(11)));
    let added = r.commit("add config");
    r.rm("config/.env");
    r.commit("remove config");
    assert_eq!(run(r.path(), &["scan", "."]).code, 0);
    let out = run(r.path(), &["history", ".", "--format", "json"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    let f = json(&out);
    assert_eq!(f.len(), 1);
    assert_eq!(f[0]["path"], "config/.env");
    assert_eq!(f[0]["line"], 2);
    assert_eq!(f[0]["git"]["commit"], added.to_string());
    assert_eq!(f[0]["git"]["summary"], "add config");
    assert_eq!(f[0]["git"]["author"], "Dev");
    assert_eq!(f[0]["git"]["reachable"], true);
    let text = run(r.path(), &["history", ".", "--color", "never"]);
    insta::assert_snapshot!("history_added_then_deleted", text.snapshot());
    let sarif = run(r.path(), &["history", ".", "--format", "sarif"]);
    support::keep_sarif("history", &sarif.stdout);
    let v: serde_json::Value = serde_json::from_str(&sarif.stdout).unwrap();
    let res = &v["runs"][0]["results"][0];
    assert_eq!(v["runs"][0]["automationDetails"]["id"], "aivenguard/history/");
    assert_eq!(res["properties"]["commit"], added.to_string());
    assert!(res["message"]["text"].as_str().unwrap().contains("git history"));
}

#[test]
fn secret_only_in_a_merge_commit() {
    let r = R::new();
    r.put("a.txt", "a\n");
    let base = r.commit("base");
    r.put("b.txt", "b\n");
    let side = r.commit_with("side", &[base], None);
    // Back on main: a different change, then a merge that adds a secret of its own.
    let mut idx = r.repo.index().unwrap();
    idx.read_tree(&r.repo.find_commit(base).unwrap().tree().unwrap()).unwrap();
    idx.write().unwrap();
    r.put("c.txt", "c\n");
    let main = r.commit_with("main", &[base], Some("HEAD"));
    r.put("b.txt", "b\n");
    r.put("evil.env", &format!("P={}\n", avns(12)));
    let merge = r.commit_with("merge side", &[main, side], Some("HEAD"));
    let out = run(r.path(), &["history", ".", "--format", "json"]);
    let f = json(&out);
    assert_eq!(f.len(), 1, "{}", out.stdout);
    assert_eq!(f[0]["git"]["commit"], merge.to_string());
    let range = run(r.path(), &["history", ".", "--range", &format!("{main}..{merge}"), "--format", "json"]);
    assert_eq!(range.code, 1, "{}", range.stderr);
    let f = json(&range);
    assert_eq!(f.len(), 1);
    assert_eq!(f[0]["path"], "evil.env");
    let sarif = run(r.path(), &["history", ".", "--range", &format!("{main}..{merge}"), "--format", "sarif"]);
    support::keep_sarif("range", &sarif.stdout);
    assert!(sarif.stdout.contains("\"aivenguard/range/\""));
    let clean = run(r.path(), &["history", ".", "--range", &format!("{base}..{main}")]);
    assert_eq!(clean.code, 0, "{}", clean.stdout);
}

#[test]
fn unreachable_commit_after_reset_hard() {
    let r = R::new();
    r.put("a.txt", "a\n");
    let first = r.commit("first");
    r.put("oops.env", &format!("AIVEN_TOKEN={}\n", token(5)));
    r.commit("oops");
    let obj = r.repo.find_object(first, None).unwrap();
    r.repo.reset(&obj, ResetType::Hard, None).unwrap();
    // Drop the reflog so nothing refers to the commit any more.
    let _ = std::fs::remove_dir_all(r.path().join(".git/logs"));
    let out = run(r.path(), &["history", ".", "--format", "json"]);
    let f = json(&out);
    assert_eq!(f.len(), 1, "{}", out.stdout);
    assert_eq!(f[0]["git"]["reachable"], false);
    assert_eq!(f[0]["path"], "oops.env");
    let only = run(r.path(), &["history", ".", "--reachable-only"]);
    assert_eq!(only.code, 0, "{}", only.stdout);
}

#[test]
fn secrets_in_commit_and_tag_messages() {
    let r = R::new();
    r.put("a.txt", "a\n");
    let c = r.commit(&format!("fix login\n\nused PGPASSWORD={} to test", avns(21)));
    let s = r.sig();
    let obj = r.repo.find_object(c, None).unwrap();
    r.repo.tag("v1", &obj, &s, &format!("release\n\nAIVEN_TOKEN={}", token(22)), false).unwrap();
    let out = run(r.path(), &["history", ".", "--format", "json"]);
    let f = json(&out);
    let kinds: Vec<&str> = f.iter().map(|x| x["git"]["object"].as_str().unwrap()).collect();
    assert_eq!(f.len(), 2, "{}", out.stdout);
    assert!(kinds.contains(&"commit-message") && kinds.contains(&"tag-message"), "{kinds:?}");
    assert!(f.iter().any(|x| x["path"] == format!("git-commit-message/{c}")));
    assert!(f.iter().any(|x| x["path"] == "git-tag-message/v1"));
}

#[test]
fn renamed_file_and_same_blob_under_two_paths() {
    let r = R::new();
    let text = format!("P={}\n", avns(31));
    r.put("old/name.env", &text);
    let first = r.commit("add");
    r.rm("old/name.env");
    r.put("new/name.env", &text);
    r.put("copy.env", &text);
    r.commit("rename and copy");
    let out = run(r.path(), &["history", ".", "--format", "json"]);
    let f = json(&out);
    assert_eq!(f.len(), 1, "one blob, one finding: {}", out.stdout);
    assert_eq!(f[0]["path"], "old/name.env");
    assert_eq!(f[0]["git"]["commit"], first.to_string());
    assert_eq!(f[0]["git"]["other_locations"], 2);
}

#[test]
fn staged_scans_the_index_not_the_work_tree() {
    let r = R::new();
    r.put("a.txt", "a\n");
    r.commit("first");
    // Staged with a secret, then the work tree copy is cleaned: the commit would still leak it.
    r.put("app.env", &format!("line\nP={}\n", avns(41)));
    write(r.path(), "app.env", "line\nP=$FROM_ENV\n");
    let out = run(r.path(), &["staged", "--format", "json"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    let f = json(&out);
    assert_eq!(f[0]["path"], "app.env");
    assert_eq!(f[0]["line"], 2);
    // The reverse: a secret only in the work tree is not part of the commit.
    let r2 = R::new();
    r2.put("a.txt", "a\n");
    r2.commit("first");
    write(r2.path(), "a.txt", format!("P={}\n", avns(42)));
    assert_eq!(run(r2.path(), &["staged"]).code, 0);
    let sarif = run(r.path(), &["staged", "--format", "sarif"]);
    support::keep_sarif("staged", &sarif.stdout);
}

#[test]
fn staged_on_an_unborn_branch_and_with_deletions() {
    let r = R::new();
    r.put("x.env", &format!("P={}\n", avns(51)));
    let out = run(r.path(), &["staged"]);
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    r.commit("first");
    r.rm("x.env");
    assert_eq!(run(r.path(), &["staged"]).code, 0);
}

#[test]
fn git_commit_a_through_a_real_hook_honours_git_index_file() {
    let r = R::new();
    r.put("app.env", "P=none\n");
    r.commit("first");
    let bin = assert_cmd::cargo::cargo_bin("aivenguard");
    let hook = r.path().join(".git/hooks/pre-commit");
    std::fs::create_dir_all(hook.parent().unwrap()).unwrap();
    std::fs::write(&hook, format!("#!/bin/sh\nexec '{}' staged --no-progress\n", bin.display())).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&hook, std::fs::Permissions::from_mode(0o755)).unwrap();
    // Only in the work tree (not staged): `git commit -a` stages it into a temporary index.
    write(r.path(), "app.env", format!("P={}\n", avns(61)));
    let o = r.git(&["commit", "-a", "-m", "leak"]);
    assert!(!o.status.success(), "commit -a with a secret must be blocked");
    let err = String::from_utf8_lossy(&o.stdout).to_string() + &String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("app.env:1:3  aiven-service-password"), "{err}");
    // `git commit -- path` also uses a temporary index.
    let o = r.git(&["commit", "-m", "leak", "--", "app.env"]);
    assert!(!o.status.success());
    // A clean change passes.
    write(r.path(), "app.env", "P=from-vault\n");
    let o = r.git(&["commit", "-a", "-m", "clean"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

#[test]
fn shallow_and_bare_clones() {
    let r = R::new();
    r.put("a.env", &format!("P={}\n", avns(71)));
    r.commit("one");
    r.rm("a.env");
    r.put("b.txt", "b\n");
    r.commit("two");
    let d = support::tempdir();
    let url = format!("file://{}", r.path().display());
    let ok = std::process::Command::new("git")
        .args(["clone", "-q", "--depth", "1", &url, "shallow"])
        .current_dir(d.path())
        .status()
        .unwrap();
    assert!(ok.success());
    let out = run(&d.path().join("shallow"), &["history", "."]);
    assert_eq!(out.code, 0);
    assert!(out.stderr.contains("shallow clone: history is truncated"), "{}", out.stderr);
    let ok = std::process::Command::new("git")
        .args(["clone", "-q", "--bare", &url, "bare.git"])
        .current_dir(d.path())
        .status()
        .unwrap();
    assert!(ok.success());
    let out = run(d.path(), &["history", "bare.git", "--format", "json"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert_eq!(json(&out)[0]["path"], "a.env");
}

#[test]
fn not_a_repository_and_bad_ranges_exit_2() {
    let d = support::tempdir();
    let out = run(d.path(), &["history", "."]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("not a git repository"), "{}", out.stderr);
    assert_eq!(out.stderr.lines().count(), 1);
    let out = run(d.path(), &["history", "missing"]);
    assert_eq!(out.code, 2);
    let out = run_env(d.path(), &["staged"], &[("GIT_CEILING_DIRECTORIES", &d.path().display().to_string())], None);
    assert_eq!(out.code, 2, "{}", out.stderr);
    let r = R::new();
    r.put("a.txt", "a\n");
    r.commit("one");
    let out = run(r.path(), &["history", ".", "--range", "nope..HEAD"]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("invalid revision range"), "{}", out.stderr);
}

#[test]
fn empty_repository_is_clean() {
    let r = R::new();
    let out = run(r.path(), &["history", "."]);
    assert_eq!(out.code, 0, "{}", out.stderr);
}

#[test]
fn avn_credentials_file_in_history_is_found_by_its_path() {
    let r = R::new();
    r.put(
        ".config/aiven/aiven-credentials.json",
        &format!("{{\"auth_token\": \"{}\", \"user_email\": \"dev@example.com\"}}\n", token(81)),
    );
    r.commit("oops, my avn login");
    r.rm(".config/aiven/aiven-credentials.json");
    r.commit("remove");
    let out = run(r.path(), &["history", ".", "--format", "json"]);
    let f = json(&out);
    assert_eq!(f.len(), 1, "{}", out.stdout);
    assert_eq!(f[0]["rule"], "aiven-api-token");
    assert_eq!(f[0]["path"], ".config/aiven/aiven-credentials.json");
    // The same bytes under another path carry no context: not a finding.
    let r2 = R::new();
    r2.put("data.json", &format!("{{\"auth_token\": \"{}\"}}\n", token(81)));
    r2.commit("data");
    assert_eq!(run(r2.path(), &["history", "."]).code, 0);
}

#[test]
fn corrupt_object_is_reported_and_the_scan_goes_on() {
    let r = R::new();
    r.put("a.txt", "a\n");
    r.put("b.env", &format!("P={}\n", avns(91)));
    r.commit("one");
    let blob = r.repo.revparse_single("HEAD:a.txt").unwrap().id().to_string();
    let p = r.path().join(".git/objects").join(&blob[..2]).join(&blob[2..]);
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o644)).unwrap();
    std::fs::write(&p, b"this is not zlib data").unwrap();
    let out = run(r.path(), &["history", "."]);
    assert_eq!(out.code, 1, "the secret elsewhere is still found: {}", out.stderr);
    assert!(out.stderr.contains(&format!("object {blob}")), "{}", out.stderr);
    r.rm("b.env");
    let clean = R::new();
    clean.put("a.txt", "a\n");
    clean.commit("one");
    let blob = clean.repo.revparse_single("HEAD:a.txt").unwrap().id().to_string();
    let p = clean.path().join(".git/objects").join(&blob[..2]).join(&blob[2..]);
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o644)).unwrap();
    std::fs::write(&p, b"garbage").unwrap();
    let out = run(clean.path(), &["history", "."]);
    assert_eq!(out.code, 2, "an unreadable object never passes as clean: {}", out.stderr);
}

#[test]
fn broken_refs_and_a_missing_pack_are_errors_never_clean() {
    let r = R::new();
    r.put("a.txt", "a\n");
    r.commit("one");
    // A corrupt loose ref (libgit2's iterator skips it silently) and a ref to an absent object.
    write(r.path(), ".git/refs/heads/corrupt", "not an object id\n");
    write(r.path(), ".git/refs/heads/gone", format!("{}\n", "12".repeat(20)));
    let out = run(r.path(), &["history", "."]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("ref refs/heads/corrupt: cannot be read"), "{}", out.stderr);
    assert!(
        out.stderr.contains(&format!("ref refs/heads/gone points to object {}", "12".repeat(20))),
        "{}",
        out.stderr
    );
    for name in ["corrupt", "gone"] {
        std::fs::remove_file(r.path().join(".git/refs/heads").join(name)).unwrap();
    }
    assert_eq!(run(r.path(), &["history", "."]).code, 0);
    // Every object packed, then the pack lost (its index left): nothing can be read, so not clean.
    assert!(r.git(&["gc", "-q"]).status.success());
    let pack = r.path().join(".git/objects/pack");
    for e in std::fs::read_dir(&pack).unwrap().flatten() {
        if e.path().extension().is_some_and(|x| x == "pack") {
            std::fs::remove_file(e.path()).unwrap();
        }
    }
    let out = run(r.path(), &["history", "."]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("pack index without its pack"), "{}", out.stderr);
    assert!(out.stderr.contains("ref refs/heads/"), "{}", out.stderr);
}

#[test]
fn partial_clone_counts_missing_blobs_and_never_passes_clean() {
    let r = R::new();
    r.put("a.txt", "a\n");
    r.put("b.txt", "b\n");
    r.commit("one");
    r.put("a.txt", "a2\n");
    r.commit("two");
    r.repo.config().unwrap().set_bool("uploadpack.allowFilter", true).unwrap();
    let d = support::tempdir();
    let url = format!("file://{}", r.path().display());
    let ok = std::process::Command::new("git")
        .args(["clone", "-q", "--no-checkout", "--filter=blob:none", &url, "partial"])
        .current_dir(d.path())
        .status()
        .unwrap();
    assert!(ok.success());
    let out = run(&d.path().join("partial"), &["history", "."]);
    assert!(out.stderr.contains("partial clone: "), "{}", out.stderr);
    assert!(out.stderr.contains("missing blob(s) not scanned"), "{}", out.stderr);
    assert_eq!(out.code, 2, "{}", out.stderr);
}

#[test]
fn submodules_are_reported_not_entered() {
    let sub = R::new();
    sub.put("x.txt", "x\n");
    sub.commit("sub");
    let r = R::new();
    r.put("a.txt", "a\n");
    r.commit("one");
    let url = format!("file://{}", sub.path().display());
    let o = std::process::Command::new("git")
        .args(["-c", "protocol.file.allow=always", "submodule", "add", "-q", &url, "vendor/sub"])
        .current_dir(r.path())
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let out = run(r.path(), &["history", "."]);
    assert!(out.stderr.contains("submodule vendor/sub is not entered"), "{}", out.stderr);
}
