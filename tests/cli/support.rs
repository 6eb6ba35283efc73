//! The one wrapper around assert_cmd: a clean environment, `--no-progress`, temp paths and timings
//! replaced by placeholders so snapshots are stable.

use std::path::{Path, PathBuf};

use assert_cmd::Command;

/// What a run of the binary produced.
#[derive(Debug)]
pub struct Out {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Out {
    /// Exit code, stdout and stderr in one text for snapshots.
    pub fn snapshot(&self) -> String {
        format!("exit: {}\n--- stdout\n{}--- stderr\n{}", self.code, self.stdout, self.stderr)
    }
}

/// The repository root (fixtures live here).
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Runs the binary in `cwd` with `args`; scans get `--no-progress`.
pub fn run(cwd: &Path, args: &[&str]) -> Out {
    run_env(cwd, args, &[], None)
}

/// Like [`run`] with extra environment variables and optional stdin.
pub fn run_env(cwd: &Path, args: &[&str], env: &[(&str, &str)], stdin: Option<&[u8]>) -> Out {
    let mut cmd = match Command::cargo_bin("aivenguard") {
        Ok(c) => c,
        Err(e) => panic!("binary not built: {e}"),
    };
    cmd.env_clear().current_dir(cwd);
    if let Some(p) = std::env::var_os("PATH") {
        cmd.env("PATH", p);
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut all: Vec<&str> = args.to_vec();
    if matches!(args.first(), Some(&"scan") | Some(&"history") | Some(&"staged")) {
        all.insert(1, "--no-progress");
    }
    cmd.args(&all);
    if let Some(s) = stdin {
        cmd.write_stdin(s.to_vec());
    }
    let o = cmd.output().unwrap_or_else(|e| panic!("cannot run: {e}"));
    let clean = |b: &[u8]| normalise(&String::from_utf8_lossy(b), cwd);
    Out { code: o.status.code().unwrap_or(-1), stdout: clean(&o.stdout), stderr: clean(&o.stderr) }
}

/// Replaces temp paths and timings with placeholders.
pub fn normalise(s: &str, cwd: &Path) -> String {
    let mut s = s.to_string();
    for p in [std::fs::canonicalize(cwd).ok(), Some(cwd.to_path_buf())].into_iter().flatten() {
        let p = p.display().to_string();
        if p.len() > 1 {
            s = s.replace(&p, "[CWD]");
        }
    }
    let tmp = std::env::temp_dir().display().to_string();
    s = s.replace(&tmp, "[TMP]");
    let re = regex::Regex::new(r"\d+\.\d\ds\b").unwrap_or_else(|e| panic!("{e}"));
    let s = re.replace_all(&s, "[TIME]").into_owned();
    let re = regex::Regex::new(r#""elapsed_ms": ?\d+"#).unwrap_or_else(|e| panic!("{e}"));
    re.replace_all(&s, "\"elapsed_ms\": 0").into_owned()
}

/// Keeps a copy of a SARIF document for the test command's SARIF validation step
/// (`scripts/test.sh` runs `../shared/sarif/validate.sh` on every file in `target/sarif-out/`).
pub fn keep_sarif(name: &str, sarif: &str) {
    let dir = root().join("target").join("sarif-out");
    let _ = std::fs::create_dir_all(&dir);
    let _ = std::fs::write(dir.join(format!("{name}.sarif")), sarif);
}

/// A random-looking 372-character standard-base64 token (279 pseudo-random bytes), seeded.
pub fn token(seed: u32) -> String {
    use base64::Engine as _;
    let mut x: u32 = seed.wrapping_mul(2_654_435_761).max(1);
    let bytes: Vec<u8> = (0..279)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            (x >> 24) as u8
        })
        .collect();
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// A seeded fake `AVNS_` password.
pub fn avns(seed: u32) -> String {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";
    let mut x: u32 = seed.wrapping_mul(2_654_435_761).max(1);
    let body: String = (0..19)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            A[(x >> 26) as usize] as char
        })
        .collect();
    format!("AVNS_{body}")
}

/// Writes `text` to `dir/rel`, creating folders.
pub fn write(dir: &Path, rel: &str, text: impl AsRef<[u8]>) -> PathBuf {
    let p = dir.join(rel);
    if let Some(parent) = p.parent() {
        std::fs::create_dir_all(parent).unwrap_or_else(|e| panic!("{e}"));
    }
    std::fs::write(&p, text).unwrap_or_else(|e| panic!("{e}"));
    p
}

/// A temp dir.
pub fn tempdir() -> tempfile::TempDir {
    tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"))
}
