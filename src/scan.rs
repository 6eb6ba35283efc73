//! The scan pipeline shared by every source: blob → engine → findings → allowlists, with counters
//! for the summary, diagnostics on stderr, and a progress bar on a terminal.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::config::{RepoConfig, Suppression};
use crate::engine::Engine;
use crate::finding::{self, Finding, Provenance};

/// A skipped input and why (listed in the summary; never silent).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Skipped {
    /// The path as reported.
    pub path: String,
    /// Why it was skipped.
    pub reason: String,
}

/// What a finished scan counted.
#[derive(Debug, Clone, Default)]
pub struct Summary {
    /// What was scanned: `tree`, `history`, `range`, `staged`, `stdin`.
    pub mode: String,
    /// Files or blobs scanned.
    pub scanned: u64,
    /// Bytes scanned.
    pub bytes: u64,
    /// Inputs that could not be scanned (errors; the exit code is never 0 with these).
    pub errors: u64,
    /// Inputs skipped by policy (too large, not a regular file, symlink...), sorted.
    pub skipped: Vec<Skipped>,
    /// Findings suppressed, by reason.
    pub suppressed: BTreeMap<String, u64>,
    /// The repository config file used, if any.
    pub config: Option<String>,
    /// Notes for the report (shallow clone, missing objects...).
    pub notes: Vec<String>,
    /// Wall time.
    pub elapsed: Duration,
}

/// Shared state of a running scan. Sources call [`Scanner::blob`] from any thread.
pub struct Scanner {
    /// The engine.
    pub engine: Engine,
    /// Allowlists from the repository config.
    pub repo: RepoConfig,
    scanned: AtomicU64,
    bytes: AtomicU64,
    errors: AtomicU64,
    skipped: Mutex<Vec<Skipped>>,
    suppressed: Mutex<BTreeMap<String, u64>>,
    notes: Mutex<Vec<String>>,
    findings: Mutex<Vec<Finding>>,
    progress: Option<indicatif::ProgressBar>,
    started: Instant,
    mode: String,
}

impl Scanner {
    /// A scanner for one run. `progress` shows a spinner on stderr (callers decide if it is a terminal).
    pub fn new(engine: Engine, repo: RepoConfig, mode: &str, progress: bool) -> Scanner {
        let progress = progress.then(|| {
            let pb = indicatif::ProgressBar::new_spinner();
            pb.enable_steady_tick(Duration::from_millis(120));
            pb
        });
        Scanner {
            engine,
            repo,
            scanned: AtomicU64::new(0),
            bytes: AtomicU64::new(0),
            errors: AtomicU64::new(0),
            skipped: Mutex::new(Vec::new()),
            suppressed: Mutex::new(BTreeMap::new()),
            notes: Mutex::new(Vec::new()),
            findings: Mutex::new(Vec::new()),
            progress,
            started: Instant::now(),
            mode: mode.to_string(),
        }
    }

    /// Whether a path is allowlisted by the repository config (sources skip reading it). Counted.
    pub fn path_allowlisted(&self, rel: &str) -> bool {
        if self.repo.path_allowed(rel) {
            self.suppress(Suppression::Path, 1);
            return true;
        }
        false
    }

    fn suppress(&self, why: Suppression, n: u64) {
        let key = match why {
            Suppression::Path => "files on allowlisted paths, not read",
            Suppression::Value => "findings with allowlisted values",
            Suppression::Inline => "findings marked aivenguard:allow",
        };
        if let Ok(mut s) = self.suppressed.lock() {
            *s.entry(key.to_string()).or_insert(0) += n;
        }
    }

    /// Counts one scanned input of `len` bytes (and ticks the progress bar).
    pub fn count(&self, len: usize) {
        let n = self.scanned.fetch_add(1, Ordering::Relaxed) + 1;
        let total = self.bytes.fetch_add(len as u64, Ordering::Relaxed) + len as u64;
        if let Some(pb) = &self.progress {
            if n % 512 == 0 {
                let secs = self.started.elapsed().as_secs_f64().max(1e-3);
                let mib = total as f64 / f64::from(1 << 20);
                pb.set_message(format!("{} {n} scanned, {mib:.0} MiB, {:.0} MiB/s", self.mode, mib / secs));
            }
        }
    }

    /// Scans one blob and keeps its findings. Returns how many were kept.
    pub fn blob(&self, bytes: &[u8], path: &str, provenance: Option<&Provenance>) -> usize {
        self.count(bytes.len());
        self.scan_and_keep(bytes, path, provenance)
    }

    /// Scans bytes already counted (a blob scanned again under its real path) and keeps findings.
    pub fn scan_and_keep(&self, bytes: &[u8], path: &str, provenance: Option<&Provenance>) -> usize {
        let matches = self.engine.scan(bytes, path);
        if matches.is_empty() {
            return 0;
        }
        let fs = finding::build(bytes, path, matches, self.engine.rules());
        self.add(fs, provenance)
    }

    /// Keeps findings (after the value allowlist), attaching provenance. Returns how many were kept.
    pub fn add(&self, mut fs: Vec<Finding>, provenance: Option<&Provenance>) -> usize {
        let before = fs.len();
        fs.retain(|f| !self.repo.value_allowed(&f.secret));
        if fs.len() < before {
            self.suppress(Suppression::Value, (before - fs.len()) as u64);
        }
        let before = fs.len();
        fs.retain(|f| f.allow.is_none());
        if fs.len() < before {
            self.suppress(Suppression::Inline, (before - fs.len()) as u64);
        }
        for f in &mut fs {
            f.provenance = provenance.cloned();
        }
        let kept = fs.len();
        if let Ok(mut all) = self.findings.lock() {
            all.extend(fs);
        }
        kept
    }

    /// Reports an input that could not be scanned: one line on stderr, counted as an error.
    pub fn error(&self, msg: impl std::fmt::Display) {
        self.errors.fetch_add(1, Ordering::Relaxed);
        self.say(format!("aivenguard: error: {msg}"));
    }

    /// Prints a warning line on stderr (not counted as an error).
    pub fn warn(&self, msg: impl std::fmt::Display) {
        self.say(format!("aivenguard: warning: {msg}"));
    }

    fn say(&self, line: String) {
        match &self.progress {
            Some(pb) => pb.suspend(|| eprintln!("{line}")),
            None => eprintln!("{line}"),
        }
    }

    /// Records an input skipped by policy.
    pub fn skip(&self, path: &str, reason: &str) {
        if let Ok(mut s) = self.skipped.lock() {
            s.push(Skipped { path: path.to_string(), reason: reason.to_string() });
        }
    }

    /// Adds a note for the report (also printed as a warning).
    pub fn note(&self, msg: impl std::fmt::Display) {
        let m = msg.to_string();
        self.warn(&m);
        if let Ok(mut n) = self.notes.lock() {
            n.push(m);
        }
    }

    /// Number of errors so far.
    pub fn error_count(&self) -> u64 {
        self.errors.load(Ordering::Relaxed)
    }

    /// Mutable access to the findings collected so far (for sources that add provenance late).
    pub fn with_findings<R>(&self, f: impl FnOnce(&mut Vec<Finding>) -> R) -> Option<R> {
        self.findings.lock().ok().map(|mut g| f(&mut g))
    }

    /// Ends the scan: sorted findings and the summary.
    pub fn finish(self) -> (Engine, Vec<Finding>, Summary) {
        if let Some(pb) = &self.progress {
            pb.finish_and_clear();
        }
        let mut findings = self.findings.into_inner().unwrap_or_default();
        findings.sort_by(|a, b| {
            (&a.path, a.line, a.column, &a.rule_id, a.provenance.as_ref().and_then(|p| p.commit.as_ref())).cmp(&(
                &b.path,
                b.line,
                b.column,
                &b.rule_id,
                b.provenance.as_ref().and_then(|p| p.commit.as_ref()),
            ))
        });
        let mut skipped = self.skipped.into_inner().unwrap_or_default();
        skipped.sort();
        let summary = Summary {
            mode: self.mode,
            scanned: self.scanned.into_inner(),
            bytes: self.bytes.into_inner(),
            errors: self.errors.into_inner(),
            skipped,
            suppressed: self.suppressed.into_inner().unwrap_or_default(),
            config: self.repo.source.as_ref().map(|p| p.display().to_string()),
            notes: self.notes.into_inner().unwrap_or_default(),
            elapsed: self.started.elapsed(),
        };
        (self.engine, findings, summary)
    }
}
