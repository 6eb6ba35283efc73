//! Dispatch: runs a subcommand and turns its outcome into an exit code (0 clean, 1 findings,
//! 2 error). Errors become one line on stderr, never a panic or a backtrace.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context as _, Result};
use clap::Parser;

use crate::cli::{Cli, Command, CommonArgs, RuleSelection, RulesAction};
use crate::config::{ColorChoice, Format, RepoConfig, ScanConfig, CONFIG_FILE};
use crate::engine::Engine;
use crate::report::{self, Report};
use crate::rules::{self, Rule};
use crate::scan::Scanner;

/// No findings, nothing failed.
pub const EXIT_CLEAN: u8 = 0;
/// Findings.
pub const EXIT_FINDINGS: u8 = 1;
/// The scan could not be done, or inputs could not be read and nothing was found.
pub const EXIT_ERROR: u8 = 2;

/// Entry point of the binary.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { EXIT_ERROR } else { EXIT_CLEAN };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    match run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("aivenguard: error: {}", one_line(&e));
            ExitCode::from(EXIT_ERROR)
        }
    }
}

fn one_line(e: &anyhow::Error) -> String {
    e.chain().map(|c| c.to_string()).collect::<Vec<_>>().join(": ")
}

/// Runs a parsed command line; returns the exit code.
pub fn run(cli: Cli) -> Result<u8> {
    match cli.command {
        Command::Scan(a) => {
            let cfg = a.common.to_config(a.no_ignore, a.follow_symlinks);
            let stdin_only = a.paths.iter().all(|p| p.as_os_str() == "-");
            let root = a.paths.iter().find(|p| p.as_os_str() != "-").cloned().unwrap_or_else(|| PathBuf::from("."));
            let scanner = prepare(&a.common, &cfg, if stdin_only { "stdin" } else { "tree" }, &config_base_for(&root))?;
            let files: Vec<PathBuf> = a.paths.iter().filter(|p| p.as_os_str() != "-").cloned().collect();
            if a.paths.iter().any(|p| p.as_os_str() == "-") {
                crate::source::stdin::scan(&scanner, &a.stdin_name, cfg.max_file_size);
            }
            crate::source::fs::scan(&scanner, &files, &cfg);
            // The walk has its own threads; rayon's (for rendering) follow `--threads` too.
            init_threads(cfg.threads);
            finish(scanner, &cfg)
        }
        Command::History(a) => {
            let cfg = a.common.to_config(false, false);
            let repo = crate::source::git::open(&a.repo)?;
            let base = crate::source::git::workdir_or_gitdir(&repo);
            let mode = if a.range.is_some() || a.since_commit.is_some() { "range" } else { "history" };
            let scanner = prepare(&a.common, &cfg, mode, &base)?;
            let range = match (&a.range, &a.since_commit) {
                (Some(r), _) => Some(r.clone()),
                (None, Some(c)) => Some(format!("{c}..HEAD")),
                _ => None,
            };
            init_threads(cfg.threads);
            match &range {
                Some(r) => crate::source::git::scan_range(&scanner, &repo, r, &cfg)?,
                None => crate::source::git::scan_history(&scanner, &repo, a.reachable_only, &cfg)?,
            }
            finish(scanner, &cfg)
        }
        Command::Staged(a) => {
            let cfg = a.common.to_config(false, false);
            let repo = crate::source::staged::open(a.repo.as_deref())?;
            let base = crate::source::git::workdir_or_gitdir(&repo);
            let scanner = prepare(&a.common, &cfg, "staged", &base)?;
            crate::source::staged::scan(&scanner, &repo, &cfg)?;
            finish(scanner, &cfg)
        }
        Command::PrePush(a) => {
            let cfg = a.common.to_config(false, false);
            let repo = crate::source::staged::open(a.repo.as_deref())?;
            let base = crate::source::git::workdir_or_gitdir(&repo);
            let scanner = prepare(&a.common, &cfg, "push", &base)?;
            // The pre-commit framework passes the push in its environment; git's own hook, on stdin.
            let (lines, remote) = match std::env::var("PRE_COMMIT_TO_REF") {
                Ok(to) => {
                    let from = std::env::var("PRE_COMMIT_FROM_REF").unwrap_or_default();
                    let resolve = |r: &str| repo.revparse_single(r).map(|o| o.id().to_string()).ok();
                    let to = resolve(&to).with_context(|| format!("PRE_COMMIT_TO_REF {to:?} is not a commit"))?;
                    let from = resolve(&from).unwrap_or_else(|| "0".repeat(40));
                    (
                        format!("HEAD {to} REMOTE {from}\n"),
                        std::env::var("PRE_COMMIT_REMOTE_NAME").ok().or(a.remote.clone()),
                    )
                }
                Err(_) => {
                    let mut lines = String::new();
                    std::io::Read::read_to_string(&mut std::io::stdin(), &mut lines)
                        .context("cannot read the pre-push lines on stdin")?;
                    (lines, a.remote.clone())
                }
            };
            let commits = crate::source::git::pushed_commits(&repo, &lines, remote.as_deref())?;
            init_threads(cfg.threads);
            crate::source::git::scan_commits(&scanner, &repo, &commits, &cfg)?;
            finish(scanner, &cfg)
        }
        Command::Baseline(a) => {
            let cfg = a.common.to_config(false, false);
            let root = a.paths.first().cloned().unwrap_or_else(|| PathBuf::from("."));
            let scanner = if a.history {
                let repo = crate::source::git::open(&root)?;
                let scanner = prepare(&a.common, &cfg, "history", &crate::source::git::workdir_or_gitdir(&repo))?;
                init_threads(cfg.threads);
                crate::source::git::scan_history(&scanner, &repo, false, &cfg)?;
                scanner
            } else {
                let scanner = prepare(&a.common, &cfg, "tree", &config_base_for(&root))?;
                crate::source::fs::scan(&scanner, &a.paths, &cfg);
                scanner
            };
            let (_, findings, summary) = scanner.finish();
            if summary.errors > 0 {
                anyhow::bail!("{} input(s) could not be scanned; the baseline was not written", summary.errors);
            }
            report::write(&crate::baseline::render(&findings)?, Some(&a.file))?;
            if !cfg.quiet {
                eprintln!("aivenguard: wrote {} finding(s) to {}", findings.len(), a.file.display());
            }
            Ok(EXIT_CLEAN)
        }
        Command::InstallHook(a) => {
            let repo = crate::source::git::open(&a.repo)?;
            eprintln!("aivenguard: {}", crate::hooks::install(&repo, a.pre_push, a.force)?);
            Ok(EXIT_CLEAN)
        }
        Command::UninstallHook(a) => {
            let repo = crate::source::git::open(&a.repo)?;
            eprintln!("aivenguard: {}", crate::hooks::uninstall(&repo, a.pre_push)?);
            Ok(EXIT_CLEAN)
        }
        Command::Rules { action } => match action {
            RulesAction::List(sel) => {
                let rules = load_rules(&sel)?;
                let mut s = String::new();
                s.push_str(&format!("{:<26} {:<9} {:<10} {}\n", "ID", "SEVERITY", "CONFIDENCE", "NAME"));
                for r in &rules {
                    s.push_str(&format!(
                        "{:<26} {:<9} {:<10} {}\n",
                        r.id,
                        r.severity.as_str(),
                        r.confidence.as_str(),
                        r.name
                    ));
                }
                report::write(s.as_bytes(), None)?;
                Ok(EXIT_CLEAN)
            }
            RulesAction::Check { files } => {
                let rules = if files.is_empty() {
                    rules::builtin()?
                } else {
                    let mut all = Vec::new();
                    for f in &files {
                        all.extend(rules::load_path(f)?);
                    }
                    all
                };
                rules::check_unique(&rules)?;
                let failures = rules::check(&rules);
                let examples: usize = rules.iter().map(|r| r.examples.len() + r.negative_examples.len()).sum();
                for f in &failures {
                    eprintln!("aivenguard: rule check failed: {}: rule '{}': {}", f.file, f.rule, f.message);
                }
                let mut s = String::new();
                for r in &rules {
                    let bad = failures.iter().any(|f| f.rule == r.id);
                    s.push_str(&format!(
                        "{} {} ({} examples, {} negative examples)\n",
                        if bad { "FAIL" } else { "ok  " },
                        r.id,
                        r.examples.len(),
                        r.negative_examples.len()
                    ));
                }
                s.push_str(&format!(
                    "{} rules, {} examples checked, {} failure(s)\n",
                    rules.len(),
                    examples,
                    failures.len()
                ));
                report::write(s.as_bytes(), None)?;
                Ok(if failures.is_empty() { EXIT_CLEAN } else { EXIT_FINDINGS })
            }
        },
    }
}

/// Where `.aivenguard.toml` is looked up for a tree scan: the git work tree that holds the first
/// path, or that path's own directory.
fn config_base_for(root: &Path) -> PathBuf {
    let abs = std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
    let dir = if abs.is_dir() { abs } else { abs.parent().map(Path::to_path_buf).unwrap_or(abs) };
    crate::source::git_toplevel(&dir).unwrap_or(dir)
}

/// Loads rules and the repository config and builds the scanner.
fn prepare(common: &CommonArgs, cfg: &ScanConfig, mode: &str, base: &Path) -> Result<Scanner> {
    let mut rules = load_rules(&common.rules)?;
    let repo = if common.no_config {
        RepoConfig::default()
    } else if let Some(p) = &common.config {
        RepoConfig::load(p)?
    } else {
        let p = base.join(CONFIG_FILE);
        if p.is_file() {
            RepoConfig::load(&p)?
        } else {
            RepoConfig::default()
        }
    };
    for id in &repo.disabled_rules {
        if !rules.iter().any(|r| &r.id == id) {
            anyhow::bail!(
                "{}: rules.disable names unknown rule '{id}'",
                repo.source.as_ref().map(|p| p.display().to_string()).unwrap_or_default()
            );
        }
    }
    rules.retain(|r| !repo.disabled_rules.contains(&r.id) && r.status != rules::Status::Disabled);
    Ok(Scanner::new(Engine::new(rules), repo, mode, cfg.progress))
}

fn load_rules(sel: &RuleSelection) -> Result<Vec<Rule>> {
    let mut rules = if sel.only_rules.is_empty() { rules::builtin().context("built-in rules")? } else { Vec::new() };
    for p in sel.only_rules.iter().chain(sel.rules.iter()) {
        rules.extend(rules::load_path(p)?);
    }
    rules::check_unique(&rules)?;
    // A user's rule file is checked like the built-in ones: a failing example is an error.
    if !sel.only_rules.is_empty() || !sel.rules.is_empty() {
        let failures = rules::check(&rules);
        for f in &failures {
            eprintln!("aivenguard: error: {}: rule '{}': {}", f.file, f.rule, f.message);
        }
        if !failures.is_empty() {
            anyhow::bail!(
                "{} rule example check(s) failed; fix the rules or run `aivenguard rules check`",
                failures.len()
            );
        }
    }
    Ok(rules)
}

/// Sizes rayon's global pool once (0 = one thread per core).
fn init_threads(threads: usize) {
    // NOTE: fails only if the pool was already built, in which case it is already in use.
    let _ = rayon::ThreadPoolBuilder::new().num_threads(threads).build_global();
}

/// Renders, writes, and picks the exit code.
fn finish(scanner: Scanner, cfg: &ScanConfig) -> Result<u8> {
    use std::io::IsTerminal;
    let (engine, mut findings, mut summary) = scanner.finish();
    if let Some(p) = &cfg.baseline {
        let b = crate::baseline::Baseline::load(p)?;
        let before = findings.len();
        findings.retain(|f| !b.contains(f));
        let n = (before - findings.len()) as u64;
        if n > 0 {
            *summary.suppressed.entry("findings in the baseline".into()).or_insert(0) += n;
        }
    }
    let color = match cfg.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => cfg.output.is_none() && std::io::stdout().is_terminal(),
    };
    let rep =
        Report { findings: &findings, rules: engine.rules(), summary: &summary, show_secrets: cfg.show_secrets, color };
    let bytes = report::render(cfg.format, &rep)?;
    report::write(&bytes, cfg.output.as_deref())?;
    if !cfg.quiet && (cfg.format == Format::Text || cfg.output.is_some()) {
        eprint!("{}", report::text::summary(&rep));
    }
    if (summary.mode == "staged" || summary.mode == "push") && !findings.is_empty() && !cfg.exit_zero {
        eprint!("{}", report::text::blocked(&rep));
    }
    Ok(if !findings.is_empty() && !cfg.exit_zero {
        EXIT_FINDINGS
    } else if summary.errors > 0 {
        EXIT_ERROR
    } else {
        EXIT_CLEAN
    })
}
