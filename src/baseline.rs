//! Baselines: the findings a repository already had when it adopted aivenguard, so a CI gate
//! reports only new ones. A baseline stores fingerprint, rule, path and a reason — never the secret
//! and never line numbers (so unrelated edits and merges do not churn it) — sorted, one entry per
//! line, so it diffs well in review.

use std::collections::BTreeSet;
use std::path::Path;

use anyhow::{Context as _, Result};
use serde::{Deserialize, Serialize};

use crate::finding::Finding;

/// Version of the baseline file format.
pub const BASELINE_VERSION: u32 = 1;

/// One accepted finding.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    /// Repository-relative path.
    pub path: String,
    /// Rule id.
    pub rule: String,
    /// The finding's fingerprint (hash of rule and secret).
    pub fingerprint: String,
    /// Why it is accepted (edit it in review).
    pub reason: String,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    version: u32,
    findings: Vec<Entry>,
}

/// A loaded baseline.
#[derive(Debug, Clone, Default)]
pub struct Baseline {
    keys: BTreeSet<(String, String, String)>,
}

impl Baseline {
    /// Loads a baseline file; errors name the file.
    pub fn load(path: &Path) -> Result<Baseline> {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("{}: cannot read baseline", path.display()))?;
        let f: File =
            serde_json::from_str(&text).map_err(|e| anyhow::anyhow!("{}: not a baseline file: {e}", path.display()))?;
        if f.version != BASELINE_VERSION {
            anyhow::bail!(
                "{}: baseline version {} is not supported (expected {BASELINE_VERSION})",
                path.display(),
                f.version
            );
        }
        Ok(Baseline { keys: f.findings.into_iter().map(|e| (e.path, e.rule, e.fingerprint)).collect() })
    }

    /// Whether a finding is in the baseline (same path, rule and secret).
    pub fn contains(&self, f: &Finding) -> bool {
        self.keys.contains(&(f.path.clone(), f.rule_id.clone(), f.fingerprint.clone()))
    }
}

/// The baseline file text for `findings`: sorted, deduplicated, stable.
pub fn render(findings: &[Finding]) -> Result<Vec<u8>> {
    let entries: BTreeSet<Entry> = findings
        .iter()
        .map(|f| Entry {
            path: f.path.clone(),
            rule: f.rule_id.clone(),
            fingerprint: f.fingerprint.clone(),
            reason: "accepted when the baseline was created; revoke it and remove this entry".into(),
        })
        .collect();
    let mut v =
        serde_json::to_vec_pretty(&File { version: BASELINE_VERSION, findings: entries.into_iter().collect() })?;
    v.push(b'\n');
    Ok(v)
}
