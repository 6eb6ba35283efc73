//! Configuration: the resolved [`ScanConfig`] built once from the command line, and the repository
//! config file `.aivenguard.toml` (path allowlists, value allowlists, disabled rules).

use std::path::{Path, PathBuf};

use globset::{Glob, GlobSet, GlobSetBuilder};
use regex::Regex;
use serde::Deserialize;

/// Name of the repository config file looked up at the scan root / repository top.
pub const CONFIG_FILE: &str = ".aivenguard.toml";

/// Output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Human-readable lines.
    Text,
    /// One JSON document.
    Json,
    /// One JSON object per line.
    Jsonl,
    /// SARIF 2.1.0 for GitHub code scanning.
    Sarif,
}

/// When to colour text output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorChoice {
    /// Colour when stdout is a terminal.
    Auto,
    /// Always colour.
    Always,
    /// Never colour.
    Never,
}

/// Everything a scan needs to know, resolved from the command line.
#[derive(Debug, Clone)]
pub struct ScanConfig {
    /// Output format.
    pub format: Format,
    /// Write the report here (atomically) instead of stdout.
    pub output: Option<PathBuf>,
    /// Print secrets in full.
    pub show_secrets: bool,
    /// Worker threads (0 = one per core).
    pub threads: usize,
    /// Show a progress bar on a terminal.
    pub progress: bool,
    /// No summary on stderr.
    pub quiet: bool,
    /// Colour choice for text.
    pub color: ColorChoice,
    /// Files larger than this are skipped (and listed).
    pub max_file_size: u64,
    /// Scan ignored files too.
    pub no_ignore: bool,
    /// Follow symbolic links.
    pub follow_symlinks: bool,
    /// Exit 0 even with findings.
    pub exit_zero: bool,
    /// Report only findings not in this baseline.
    pub baseline: Option<PathBuf>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct FileSpec {
    #[serde(default)]
    allowlist: AllowSpec,
    #[serde(default)]
    rules: RulesSpec,
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct AllowSpec {
    #[serde(default)]
    paths: Vec<String>,
    #[serde(default)]
    regexes: Vec<String>,
    #[serde(default)]
    values: Vec<String>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RulesSpec {
    #[serde(default)]
    disable: Vec<String>,
}

/// The repository config, compiled.
#[derive(Debug, Clone, Default)]
pub struct RepoConfig {
    /// The file it came from (None = no config).
    pub source: Option<PathBuf>,
    paths: Option<GlobSet>,
    regexes: Vec<Regex>,
    values: Vec<String>,
    /// Rule ids that are not run.
    pub disabled_rules: Vec<String>,
}

/// Why a finding was not reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Suppression {
    /// Path matched `allowlist.paths`.
    Path,
    /// Secret matched `allowlist.regexes` or `allowlist.values`.
    Value,
    /// The line carries `aivenguard:allow`.
    Inline,
}

impl RepoConfig {
    /// Loads and compiles a config file. Errors name the file.
    pub fn load(path: &Path) -> anyhow::Result<RepoConfig> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| anyhow::anyhow!("{}: cannot read config: {e}", path.display()))?;
        Self::parse(&text, path)
    }

    /// Parses config text; `path` names it in errors and in the summary.
    pub fn parse(text: &str, path: &Path) -> anyhow::Result<RepoConfig> {
        let spec: FileSpec = toml::from_str(text).map_err(|e| {
            anyhow::anyhow!("{}: {}", path.display(), e.to_string().split_whitespace().collect::<Vec<_>>().join(" "))
        })?;
        let mut b = GlobSetBuilder::new();
        for g in &spec.allowlist.paths {
            b.add(Glob::new(g).map_err(|e| anyhow::anyhow!("{}: allowlist.paths: {e}", path.display()))?);
        }
        let paths = if spec.allowlist.paths.is_empty() {
            None
        } else {
            Some(b.build().map_err(|e| anyhow::anyhow!("{}: allowlist.paths: {e}", path.display()))?)
        };
        let regexes = spec
            .allowlist
            .regexes
            .iter()
            .map(|r| Regex::new(r).map_err(|e| anyhow::anyhow!("{}: allowlist.regexes: {e}", path.display())))
            .collect::<anyhow::Result<Vec<_>>>()?;
        Ok(RepoConfig {
            source: Some(path.to_path_buf()),
            paths,
            regexes,
            values: spec.allowlist.values,
            disabled_rules: spec.rules.disable,
        })
    }

    /// Whether a repository-relative path is allowlisted.
    pub fn path_allowed(&self, rel: &str) -> bool {
        self.paths.as_ref().is_some_and(|g| g.is_match(rel))
    }

    /// Whether a secret value is allowlisted.
    pub fn value_allowed(&self, secret: &str) -> bool {
        self.values.iter().any(|v| v == secret) || self.regexes.iter().any(|r| r.is_match(secret))
    }
}

/// Parses a size such as `64MiB`, `10M`, `512k`, `1G` or `4096` (bytes).
pub fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: u64 = num.parse().map_err(|_| format!("invalid size {s:?}: expected a number like 64MiB"))?;
    let mult: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" | "kib" => 1 << 10,
        "m" | "mb" | "mib" => 1 << 20,
        "g" | "gb" | "gib" => 1 << 30,
        u => return Err(format!("invalid size unit {u:?} in {s:?}: use B, KiB, MiB or GiB")),
    };
    n.checked_mul(mult).ok_or_else(|| format!("size {s:?} is too large"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(parse_size("64MiB"), Ok(64 << 20));
        assert_eq!(parse_size("10k"), Ok(10 << 10));
        assert_eq!(parse_size("7"), Ok(7));
        assert!(parse_size("x").is_err());
        assert!(parse_size("5 parsecs").is_err());
    }

    #[test]
    fn config_parses_and_rejects_unknown_keys() {
        let c = RepoConfig::parse(
            "[allowlist]\npaths = [\"fixtures/**\"]\nvalues = [\"AVNS_x\"]\n[rules]\ndisable = [\"a\"]\n",
            Path::new("c.toml"),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert!(c.path_allowed("fixtures/a/b.env"));
        assert!(!c.path_allowed("src/a.rs"));
        assert!(c.value_allowed("AVNS_x"));
        assert_eq!(c.disabled_rules, ["a"]);
        let e = RepoConfig::parse("[allowlist]\npathz = []\n", Path::new("c.toml"))
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(e.contains("c.toml") && e.contains("pathz"), "{e}");
    }
}
