//! The command line (clap derive), turned into a [`ScanConfig`] once.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::config::{parse_size, ColorChoice, Format, ScanConfig};

/// Finds leaked Aiven credentials (API tokens, service passwords, service URIs, Kafka access keys)
/// in files, git history, staged changes and stdin.
///
/// Exit codes: 0 no findings, 1 findings, 2 error (a scan that could not be done, or inputs that
/// could not be read and no findings).
#[derive(Debug, Parser)]
#[command(name = "aivenguard", version, about, long_about = None, max_term_width = 100)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Scan files and directories (default: the current directory); `-` reads stdin.
    Scan(ScanArgs),
    /// Scan every blob in a repository's git history, or only what a range of commits adds.
    History(HistoryArgs),
    /// Scan exactly what the next commit will contain (the git index against HEAD), for pre-commit.
    Staged(StagedArgs),
    /// Pre-push hook mode: reads git's `<local ref> <local sha> <remote ref> <remote sha>` lines on
    /// stdin and scans every commit being pushed.
    PrePush(PrePushArgs),
    /// Write a baseline of the current findings (tree scan, or `--history`), to report only new ones later.
    Baseline(BaselineArgs),
    /// Install a plain git hook (pre-commit, or pre-push) that runs aivenguard.
    InstallHook(HookArgs),
    /// Remove the hook that `install-hook` wrote (and restore a hook it chained to).
    UninstallHook(HookArgs),
    /// List or check rules.
    Rules {
        /// The rules action.
        #[command(subcommand)]
        action: RulesAction,
    },
}

/// `rules` actions.
#[derive(Debug, Subcommand)]
pub enum RulesAction {
    /// List the rules: id, name, severity, confidence.
    List(RuleSelection),
    /// Compile rule files and run every rule's examples; exit 1 on any failure.
    Check {
        /// Rule files or directories to check (default: the built-in rules).
        files: Vec<PathBuf>,
    },
}

/// Which rules to use.
#[derive(Debug, Args, Clone, Default)]
pub struct RuleSelection {
    /// Extra rule files, or a directory of them, added to the built-in rules.
    #[arg(long, value_name = "PATH")]
    pub rules: Vec<PathBuf>,
    /// Rule files, or a directory of them, that replace the built-in rules.
    #[arg(long, value_name = "PATH")]
    pub only_rules: Vec<PathBuf>,
}

/// Options every scan takes.
#[derive(Debug, Args, Clone)]
pub struct CommonArgs {
    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Write the report to FILE (atomically) instead of stdout.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Rules to use.
    #[command(flatten)]
    pub rules: RuleSelection,
    /// Print secrets in full (they are redacted by default).
    #[arg(long)]
    pub show_secrets: bool,
    /// Worker threads (default: one per core).
    #[arg(long, short = 'j', value_name = "N", default_value_t = 0)]
    pub threads: usize,
    /// Never show a progress bar.
    #[arg(long)]
    pub no_progress: bool,
    /// No summary on stderr (errors are still printed).
    #[arg(long, short = 'q')]
    pub quiet: bool,
    /// Colour text output.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// Skip (and list) files or blobs larger than this (e.g. 64MiB, 512KiB).
    #[arg(long, value_name = "SIZE", default_value = "64MiB", value_parser = parse_size)]
    pub max_file_size: u64,
    /// Use this repository config instead of `.aivenguard.toml` at the scan root.
    #[arg(long, value_name = "FILE", conflicts_with = "no_config")]
    pub config: Option<PathBuf>,
    /// Do not load `.aivenguard.toml`.
    #[arg(long)]
    pub no_config: bool,
    /// Exit 0 even when there are findings (report-only jobs). Errors still exit 2.
    #[arg(long)]
    pub exit_zero: bool,
    /// Report only findings that are not in this baseline file (see `aivenguard baseline`).
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
}

/// `pre-push` arguments (git passes the remote's name and URL).
#[derive(Debug, Args)]
pub struct PrePushArgs {
    /// The remote's name.
    pub remote: Option<String>,
    /// The remote's URL.
    pub url: Option<String>,
    /// The repository (default: from git's environment and the current directory).
    #[arg(long, value_name = "REPO")]
    pub repo: Option<PathBuf>,
    /// Common options.
    #[command(flatten)]
    pub common: CommonArgs,
}

/// `baseline` arguments.
#[derive(Debug, Args)]
pub struct BaselineArgs {
    /// The baseline file to write.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// What to scan (default: the current directory; with --history, the repository).
    #[arg(value_name = "PATH", default_value = ".")]
    pub paths: Vec<PathBuf>,
    /// Record the findings of the whole git history instead of the working tree.
    #[arg(long)]
    pub history: bool,
    /// Common options.
    #[command(flatten)]
    pub common: CommonArgs,
}

/// `install-hook` / `uninstall-hook` arguments.
#[derive(Debug, Args)]
pub struct HookArgs {
    /// The pre-push hook instead of pre-commit.
    #[arg(long)]
    pub pre_push: bool,
    /// Replace an existing hook that aivenguard did not write (it is kept as a backup) instead of chaining to it.
    #[arg(long)]
    pub force: bool,
    /// The repository (default: the one holding the current directory).
    #[arg(long, value_name = "REPO", default_value = ".")]
    pub repo: PathBuf,
}

/// `scan` arguments.
#[derive(Debug, Args)]
pub struct ScanArgs {
    /// Files or directories to scan; `-` reads stdin.
    #[arg(value_name = "PATH", default_value = ".")]
    pub paths: Vec<PathBuf>,
    /// Scan files that .gitignore, .ignore and .git/info/exclude would skip.
    #[arg(long)]
    pub no_ignore: bool,
    /// Follow symbolic links (loops are detected and reported).
    #[arg(long)]
    pub follow_symlinks: bool,
    /// The path to report for stdin.
    #[arg(long, value_name = "NAME", default_value = "<stdin>")]
    pub stdin_name: String,
    /// Common options.
    #[command(flatten)]
    pub common: CommonArgs,
}

/// `history` arguments.
#[derive(Debug, Args)]
pub struct HistoryArgs {
    /// The repository (a work tree, a subfolder of one, or a bare repository).
    #[arg(value_name = "REPO", default_value = ".")]
    pub repo: PathBuf,
    /// Only what the commits in BASE..HEAD add (git revision syntax), e.g. a pull request.
    #[arg(long, value_name = "BASE..HEAD", conflicts_with = "since_commit")]
    pub range: Option<String>,
    /// Only what the commits after REV (up to HEAD) add.
    #[arg(long, value_name = "REV")]
    pub since_commit: Option<String>,
    /// Only objects reachable from refs (skips content left by resets, rewrites, dropped stashes).
    #[arg(long)]
    pub reachable_only: bool,
    /// Common options.
    #[command(flatten)]
    pub common: CommonArgs,
}

/// `staged` arguments.
#[derive(Debug, Args)]
pub struct StagedArgs {
    /// The repository (default: found from the current directory and git's environment).
    #[arg(long, value_name = "REPO")]
    pub repo: Option<PathBuf>,
    /// Common options.
    #[command(flatten)]
    pub common: CommonArgs,
}

impl CommonArgs {
    /// The resolved configuration for a scan.
    pub fn to_config(&self, no_ignore: bool, follow_symlinks: bool) -> ScanConfig {
        use std::io::IsTerminal;
        let color = match self.color {
            ColorChoice::Always => ColorChoice::Always,
            ColorChoice::Never => ColorChoice::Never,
            ColorChoice::Auto if std::env::var_os("NO_COLOR").is_some() => ColorChoice::Never,
            ColorChoice::Auto => ColorChoice::Auto,
        };
        ScanConfig {
            format: self.format,
            output: self.output.clone(),
            show_secrets: self.show_secrets,
            threads: self.threads,
            progress: !self.no_progress && !self.quiet && std::io::stderr().is_terminal(),
            quiet: self.quiet,
            color,
            max_file_size: self.max_file_size,
            no_ignore,
            follow_symlinks,
            exit_zero: self.exit_zero,
            baseline: self.baseline.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_is_well_formed() {
        Cli::command().debug_assert();
    }
}
