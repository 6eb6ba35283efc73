//! SARIF 2.1.0 for GitHub code scanning, built with serde-sarif. Every rule is listed with its help
//! (the rule's remediation); each result has one location (repo-relative URI under `%SRCROOT%`,
//! 1-based region with UTF-16 columns), `partialFingerprints` and a message that never holds the
//! secret. `automationDetails.id` keeps tree, history, range and staged uploads apart.

use std::collections::BTreeMap;

use rayon::prelude::*;
use serde_json::json;
use serde_sarif::sarif::{
    ArtifactLocation, Location, Message, MultiformatMessageString, Notification, PhysicalLocation, PropertyBag, Region,
    ReportingConfiguration, ReportingDescriptor, Result as SarifResult, ResultLevel, Run, RunAutomationDetails, Sarif,
    Tool, ToolComponent,
};

use super::Report;
use crate::finding::Finding;
use crate::rules::{Confidence, Rule};

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";
const INFO_URI: &str = "https://github.com/aivenguard/aivenguard";

fn props(tags: Option<Vec<String>>, extra: BTreeMap<String, serde_json::Value>) -> PropertyBag {
    PropertyBag { tags, additional_properties: extra }
}

fn text(s: &str) -> MultiformatMessageString {
    MultiformatMessageString::builder().text(s).build()
}

fn descriptor(rule: &Rule) -> ReportingDescriptor {
    let precision = match rule.confidence {
        Confidence::High => "high",
        Confidence::Medium => "medium",
        Confidence::Low => "low",
    };
    let mut extra = BTreeMap::new();
    extra.insert("precision".into(), json!(precision));
    extra.insert("security-severity".into(), json!(rule.severity.score()));
    extra.insert("problem.severity".into(), json!("error"));
    let mut md = format!("**{}**\n\n{}\n\n### Remediation\n{}\n", rule.name, rule.description, rule.remediation.trim());
    if !rule.references.is_empty() {
        md.push_str("\n### References\n");
        for r in &rule.references {
            md.push_str(&format!("- <{r}>\n"));
        }
    }
    let mut d = ReportingDescriptor::builder().id(rule.id.clone()).build();
    d = ReportingDescriptor {
        id: rule.id.clone(),
        name: Some(rule.name.clone()),
        short_description: Some(text(&rule.name)),
        full_description: Some(text(&rule.description)),
        help: Some(
            MultiformatMessageString::builder()
                .text(format!("{}\n\nRemediation:\n{}", rule.description, rule.remediation.trim()))
                .markdown(md)
                .build(),
        ),
        help_uri: rule.help_uri.clone(),
        default_configuration: Some(ReportingConfiguration { level: Some(json!("error")), ..Default::default() }),
        properties: Some(props(
            Some(vec!["security".into(), "secret".into(), "aiven".into(), "external/cwe/cwe-798".into()]),
            extra,
        )),
        ..d
    };
    d
}

fn message(f: &Finding, rule: &Rule, show: bool) -> String {
    let what = if show { f.secret.as_str() } else { f.preview.as_str() };
    let mut m = format!("{} found ({what}).", rule.name);
    if let Some(d) = &f.decoding {
        m.push_str(&format!(" It is {d}-encoded in the file."));
    }
    match &f.provenance {
        Some(p) if p.object != "index" => {
            m.push_str(
                " It is in the git history: removing the line does not remove it; revoke and rotate it in Aiven.",
            );
        }
        _ => m.push_str(" Revoke and rotate it in Aiven, then remove it from the code."),
    }
    m
}

fn result(f: &Finding, rules: &[Rule], show: bool) -> SarifResult {
    let rule = &rules[f.rule];
    let mut pf = BTreeMap::new();
    pf.insert("primaryLocationLineHash".to_string(), f.line_hash.clone());
    pf.insert("aivenguard/secret/v1".to_string(), f.fingerprint.clone());
    let mut extra = BTreeMap::new();
    extra.insert("fingerprint".into(), json!(f.fingerprint));
    extra.insert("confidence".into(), json!(rule.confidence.as_str()));
    extra.insert("severity".into(), json!(rule.severity.as_str()));
    if let Some(d) = &f.decoding {
        extra.insert("decoding".into(), json!(d));
    }
    if let Some(p) = &f.provenance {
        if let Some(c) = &p.commit {
            extra.insert("commit".into(), json!(c));
        }
        if let Some(d) = &p.date {
            extra.insert("commitDate".into(), json!(d));
        }
        if let Some(b) = &p.blob {
            extra.insert("blob".into(), json!(b));
        }
        extra.insert("reachable".into(), json!(p.reachable));
        extra.insert("object".into(), json!(p.object));
        if p.other_locations > 0 {
            extra.insert("otherLocations".into(), json!(p.other_locations));
        }
    }
    let base = SarifResult::builder().message(Message::default()).build();
    SarifResult {
        rule_id: Some(rule.id.clone()),
        rule_index: Some(f.rule as i64),
        level: Some(ResultLevel::Error),
        message: Message { text: Some(message(f, rule, show)), ..Default::default() },
        locations: Some(vec![Location {
            physical_location: Some(PhysicalLocation {
                artifact_location: Some(ArtifactLocation {
                    uri: Some(uri_escape(&f.path)),
                    uri_base_id: Some("%SRCROOT%".into()),
                    ..Default::default()
                }),
                region: Some(Region {
                    start_line: Some(f.line as i64),
                    start_column: Some(f.column as i64),
                    end_line: Some(f.end_line as i64),
                    end_column: Some(f.end_column as i64),
                    ..Default::default()
                }),
                ..Default::default()
            }),
            ..Default::default()
        }]),
        partial_fingerprints: Some(pf),
        properties: Some(props(None, extra)),
        ..base
    }
}

/// Percent-escapes what a relative URI reference cannot hold as is (spaces, `%`, `#`, `?`, non-ASCII).
fn uri_escape(path: &str) -> String {
    let mut s = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || b"/-._~!$&'()*+,;=:@".contains(&b) {
            s.push(b as char);
        } else {
            s.push_str(&format!("%{b:02X}"));
        }
    }
    s
}

/// The SARIF document.
pub fn render(r: &Report<'_>) -> anyhow::Result<Vec<u8>> {
    // Rule indices in results refer to this list, so it is the engine's list in order.
    let rules: Vec<ReportingDescriptor> = r.rules.iter().map(descriptor).collect();
    // Built in parallel (rayon keeps the order): 600 findings took 1.4 ms on one thread, all of it
    // after the scan.
    let results: Vec<SarifResult> = r.findings.par_iter().map(|f| result(f, r.rules, r.show_secrets)).collect();
    let sm = r.summary;
    let mut notes: Vec<Notification> = sm
        .notes
        .iter()
        .map(|n| {
            Notification::builder()
                .message(Message { text: Some(n.clone()), ..Default::default() })
                .level(json!("warning"))
                .build()
        })
        .collect();
    for k in &sm.skipped {
        notes.push(
            Notification::builder()
                .message(Message { text: Some(format!("skipped {}: {}", k.path, k.reason)), ..Default::default() })
                .level(json!("note"))
                .build(),
        );
    }
    let mut invocation = serde_sarif::sarif::Invocation::builder().execution_successful(sm.errors == 0).build();
    invocation.tool_execution_notifications = (!notes.is_empty()).then_some(notes);
    let driver = ToolComponent::builder()
        .name("aivenguard")
        .semantic_version(env!("CARGO_PKG_VERSION"))
        .version(env!("CARGO_PKG_VERSION"))
        .information_uri(INFO_URI)
        .rules(rules)
        .build();
    let mut run = Run::builder().tool(Tool::builder().driver(driver).build()).results(results).build();
    run.automation_details =
        Some(RunAutomationDetails { id: Some(format!("aivenguard/{}/", sm.mode)), ..Default::default() });
    run.column_kind = Some(json!("utf16CodeUnits"));
    run.invocations = Some(vec![invocation]);
    let doc = Sarif::builder().schema(SCHEMA).version(json!("2.1.0")).runs(vec![run]).build();
    let mut v = serde_json::to_vec_pretty(&doc)?;
    v.push(b'\n');
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_are_escaped() {
        assert_eq!(uri_escape("a b/c#d.env"), "a%20b/c%23d.env");
        assert_eq!(uri_escape("src/main.rs"), "src/main.rs");
    }
}
