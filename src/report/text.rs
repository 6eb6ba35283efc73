//! Human-readable text: one line per finding (`path:line:col  rule  preview`), then a summary.

use std::fmt::Write as _;

use super::{shown, Report};

const RED: &str = "\x1b[31m";
const BOLD: &str = "\x1b[1m";
const DIM: &str = "\x1b[2m";
const YELLOW: &str = "\x1b[33m";
const RESET: &str = "\x1b[0m";

/// Findings, one per line; a provenance line under history findings.
pub fn render(r: &Report<'_>) -> String {
    let mut s = String::new();
    let (red, bold, dim, yellow, reset) = if r.color { (RED, BOLD, DIM, YELLOW, RESET) } else { ("", "", "", "", "") };
    for f in r.findings {
        let _ = write!(
            s,
            "{bold}{}:{}:{}{reset}  {red}{}{reset}  {}",
            f.path,
            f.line,
            f.column,
            f.rule_id,
            shown(f, r.show_secrets)
        );
        if let Some(d) = &f.decoding {
            let _ = write!(s, "  {dim}(decoded: {d}){reset}");
        }
        s.push('\n');
        if let Some(p) = &f.provenance {
            let mut parts = Vec::new();
            if let Some(c) = &p.commit {
                parts.push(format!("commit {}", &c[..c.len().min(12)]));
            }
            if let Some(a) = &p.author {
                parts.push(format!("by {a}"));
            }
            if let Some(d) = &p.date {
                parts.push(d.clone());
            }
            if let Some(m) = &p.summary {
                parts.push(format!("\"{m}\""));
            }
            if p.object != "blob" {
                parts.push(format!("in {}", p.object));
            }
            if !p.reachable {
                parts.push("unreachable object".into());
            }
            if p.other_locations > 0 {
                parts.push(format!("and {} other place(s)", p.other_locations));
            }
            if !parts.is_empty() {
                let _ = writeln!(s, "    {yellow}{}{reset}", parts.join(", "));
            }
        }
    }
    s
}

/// The summary block printed on stderr after a text report.
pub fn summary(r: &Report<'_>) -> String {
    let sm = r.summary;
    let mut s = String::new();
    let unit = if sm.mode == "tree" || sm.mode == "stdin" || sm.mode == "staged" { "files" } else { "objects" };
    let _ = writeln!(
        s,
        "aivenguard: {} finding(s); {} {unit} scanned ({}), {} skipped, {} error(s), {:.2}s",
        r.findings.len(),
        sm.scanned,
        human_bytes(sm.bytes),
        sm.skipped.len(),
        sm.errors,
        sm.elapsed.as_secs_f64()
    );
    if let Some(c) = &sm.config {
        let _ = writeln!(s, "  config: {c}");
    }
    for (why, n) in &sm.suppressed {
        let _ = writeln!(s, "  suppressed: {n} ({why})");
    }
    for k in &sm.skipped {
        let _ = writeln!(s, "  skipped: {} ({})", k.path, k.reason);
    }
    for n in &sm.notes {
        let _ = writeln!(s, "  note: {n}");
    }
    if !r.findings.is_empty() && sm.mode != "staged" && sm.mode != "push" {
        let _ = writeln!(
            s,
            "  Each finding is a credential to revoke and rotate in Aiven (removing the line does not un-leak it); `aivenguard rules list` and the SARIF help say how."
        );
    }
    s
}

/// What a developer whose commit or push is blocked reads: what was found, where, and what to do.
pub fn blocked(r: &Report<'_>) -> String {
    let what = if r.summary.mode == "push" { "push" } else { "commit" };
    let mut s = format!("\naivenguard: this {what} is blocked: it adds {} Aiven credential(s):\n", r.findings.len());
    for f in r.findings {
        let _ = writeln!(s, "  {}:{}:{}  {}  {}", f.path, f.line, f.column, f.rule_id, f.preview);
    }
    s.push_str("What to do:\n  1. Remove the secret from the change; load it from a secret manager or the environment instead.\n");
    s.push_str("  2. Revoke and rotate it in Aiven: it has left your editor, and may be in other branches, stashes or shell history.\n");
    let mut seen = Vec::new();
    for f in r.findings {
        if seen.contains(&f.rule) {
            continue;
        }
        seen.push(f.rule);
        let rule = &r.rules[f.rule];
        // The first step of the remediation (up to "2."), on one line, without markdown emphasis.
        let text = rule.remediation.trim();
        let first = text.split("\n2.").next().unwrap_or(text).trim_start_matches("1.");
        let first = first.split_whitespace().collect::<Vec<_>>().join(" ").replace("**", "");
        let _ = writeln!(s, "     {}: {first}", rule.id);
    }
    s.push_str(
        "  3. A false positive? Put `aivenguard:allow <reason>` in a comment on that line, record it in a baseline\n",
    );
    s.push_str("     (`aivenguard baseline .aivenguard-baseline.json` and `--baseline`), or allowlist it in .aivenguard.toml.\n");
    s
}

/// `1.5 MiB`-style sizes.
pub fn human_bytes(n: u64) -> String {
    const U: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = n as f64;
    let mut i = 0;
    while v >= 1024.0 && i < U.len() - 1 {
        v /= 1024.0;
        i += 1;
    }
    if i == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", U[i])
    }
}
