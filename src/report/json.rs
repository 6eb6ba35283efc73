//! JSON and JSONL reports with their own versioned output structs (`"version": 1`).

use serde::Serialize;

use super::{shown, Report};
use crate::finding::Provenance;

/// Version of the JSON schema; bumped on any incompatible change.
pub const JSON_VERSION: u32 = 1;

#[derive(Serialize)]
struct JsonFinding<'a> {
    rule: &'a str,
    path: &'a str,
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    secret: Option<&'a str>,
    preview: &'a str,
    fingerprint: &'a str,
    severity: &'a str,
    confidence: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    decoding: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    git: Option<&'a Provenance>,
}

#[derive(Serialize)]
struct JsonSkipped<'a> {
    path: &'a str,
    reason: &'a str,
}

#[derive(Serialize)]
struct JsonSummary<'a> {
    mode: &'a str,
    findings: usize,
    scanned: u64,
    bytes: u64,
    errors: u64,
    skipped: Vec<JsonSkipped<'a>>,
    suppressed: &'a std::collections::BTreeMap<String, u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    config: Option<&'a str>,
    notes: &'a [String],
    elapsed_ms: u128,
}

#[derive(Serialize)]
struct JsonTool {
    name: &'static str,
    version: &'static str,
}

#[derive(Serialize)]
struct JsonReport<'a> {
    version: u32,
    tool: JsonTool,
    findings: Vec<JsonFinding<'a>>,
    summary: JsonSummary<'a>,
}

#[derive(Serialize)]
#[serde(tag = "type", rename_all = "lowercase")]
enum JsonLine<'a> {
    Finding {
        version: u32,
        #[serde(flatten)]
        finding: JsonFinding<'a>,
    },
    Summary {
        version: u32,
        #[serde(flatten)]
        summary: JsonSummary<'a>,
    },
}

fn findings<'a>(r: &'a Report<'a>) -> Vec<JsonFinding<'a>> {
    r.findings
        .iter()
        .map(|f| {
            let rule = &r.rules[f.rule];
            JsonFinding {
                rule: &f.rule_id,
                path: &f.path,
                line: f.line,
                column: f.column,
                end_line: f.end_line,
                end_column: f.end_column,
                secret: r.show_secrets.then(|| shown(f, true)),
                preview: &f.preview,
                fingerprint: &f.fingerprint,
                severity: rule.severity.as_str(),
                confidence: rule.confidence.as_str(),
                decoding: f.decoding.as_deref(),
                git: f.provenance.as_ref(),
            }
        })
        .collect()
}

fn summary<'a>(r: &'a Report<'a>) -> JsonSummary<'a> {
    let s = r.summary;
    JsonSummary {
        mode: &s.mode,
        findings: r.findings.len(),
        scanned: s.scanned,
        bytes: s.bytes,
        errors: s.errors,
        skipped: s.skipped.iter().map(|k| JsonSkipped { path: &k.path, reason: &k.reason }).collect(),
        suppressed: &s.suppressed,
        config: s.config.as_deref(),
        notes: &s.notes,
        elapsed_ms: s.elapsed.as_millis(),
    }
}

/// One JSON document.
pub fn render(r: &Report<'_>) -> anyhow::Result<Vec<u8>> {
    let doc = JsonReport {
        version: JSON_VERSION,
        tool: JsonTool { name: "aivenguard", version: env!("CARGO_PKG_VERSION") },
        findings: findings(r),
        summary: summary(r),
    };
    let mut v = serde_json::to_vec_pretty(&doc)?;
    v.push(b'\n');
    Ok(v)
}

/// One JSON object per line: findings, then the summary.
pub fn render_lines(r: &Report<'_>) -> anyhow::Result<Vec<u8>> {
    let mut v = Vec::new();
    for f in findings(r) {
        serde_json::to_writer(&mut v, &JsonLine::Finding { version: JSON_VERSION, finding: f })?;
        v.push(b'\n');
    }
    serde_json::to_writer(&mut v, &JsonLine::Summary { version: JSON_VERSION, summary: summary(r) })?;
    v.push(b'\n');
    Ok(v)
}
