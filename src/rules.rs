//! Rules: the TOML spec in `rules/` (embedded at build time), its validation, and the compiled form
//! the engine runs. `rules check` runs every rule's examples through the real engine.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::OnceLock;

use regex::bytes::{Regex, RegexBuilder, RegexSet};
use serde::Deserialize;

use crate::error::RuleError;

include!(concat!(env!("OUT_DIR"), "/builtin_rules.rs"));

/// How bad a leak of this credential is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Little access.
    Low,
    /// Limited access.
    Medium,
    /// Access to data.
    High,
    /// Access to the whole account or organisation.
    Critical,
}

impl Severity {
    /// The name used in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
    /// GitHub's `security-severity` score for this level.
    pub fn score(self) -> &'static str {
        match self {
            Severity::Low => "3.0",
            Severity::Medium => "5.5",
            Severity::High => "8.0",
            Severity::Critical => "9.5",
        }
    }
}

/// How sure a match of this rule is a real credential.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Confidence {
    /// Often a false positive.
    Low,
    /// Sometimes a false positive.
    Medium,
    /// Rarely a false positive.
    High,
}

impl Confidence {
    /// The name used in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Confidence::Low => "low",
            Confidence::Medium => "medium",
            Confidence::High => "high",
        }
    }
}

/// Checks run on a candidate secret after the regex matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Validator {
    /// Standard base64 that decodes to binary-looking bytes (not text).
    Base64Binary,
    /// Length is a multiple of 4 (padded base64).
    #[serde(rename = "length-multiple-of-4")]
    LengthMultipleOf4,
    /// Not a placeholder, template reference or redaction marker.
    NotPlaceholder,
}

/// Maturity of a rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Reported normally.
    #[default]
    Stable,
    /// Reported, but expected to change.
    Experimental,
    /// Kept for its id; never run.
    Disabled,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ExampleSpec {
    text: String,
    #[serde(default)]
    path: Option<String>,
}

/// Where context keywords must appear for a match to count.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ContextSpec {
    keywords: Vec<String>,
    #[serde(default)]
    lines_before: usize,
    #[serde(default)]
    lines_after: usize,
    #[serde(default)]
    file: bool,
}

/// A run of characters every match contains (a prefilter that skips ahead `min` bytes at a time).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RunSpec {
    class: String,
    min: usize,
    #[serde(default)]
    max: Option<usize>,
}

/// One rule as written in TOML.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleSpec {
    id: String,
    name: String,
    description: String,
    severity: Severity,
    confidence: Confidence,
    #[serde(default)]
    priority: i32,
    keywords: Vec<String>,
    #[serde(default)]
    encoded_keywords: Vec<String>,
    #[serde(default)]
    pattern: Option<String>,
    #[serde(default)]
    patterns: Vec<String>,
    #[serde(default)]
    not_preceded_by: Option<String>,
    #[serde(default)]
    not_followed_by: Option<String>,
    #[serde(default = "default_max_len")]
    max_len: usize,
    #[serde(default)]
    min_entropy: Option<f64>,
    #[serde(default)]
    required_run: Option<RunSpec>,
    #[serde(default)]
    validators: Vec<Validator>,
    #[serde(default)]
    context_paths: Vec<String>,
    #[serde(default)]
    context: Vec<ContextSpec>,
    #[serde(default)]
    examples: Vec<ExampleSpec>,
    #[serde(default)]
    negative_examples: Vec<ExampleSpec>,
    #[serde(default)]
    references: Vec<String>,
    remediation: String,
    #[serde(default)]
    help_uri: Option<String>,
    #[serde(default)]
    status: Status,
}

fn default_max_len() -> usize {
    1024
}

/// A context requirement, compiled.
#[derive(Debug, Clone)]
pub struct Context {
    /// Lower-cased keywords; any one suffices.
    pub keywords: Vec<String>,
    /// Lines above the secret's first line that still count.
    pub lines_before: usize,
    /// Lines below the secret's last line that still count.
    pub lines_after: usize,
    /// Anywhere in the same blob counts.
    pub file: bool,
}

/// An example from the rule file, kept for `rules check`.
#[derive(Debug, Clone)]
pub struct Example {
    /// The text to scan.
    pub text: String,
    /// The path to scan it under (context paths).
    pub path: Option<String>,
}

/// A compiled rule.
#[derive(Debug, Clone)]
pub struct Rule {
    /// Stable kebab-case id.
    pub id: String,
    /// Human name.
    pub name: String,
    /// What the credential is and what it grants.
    pub description: String,
    /// Impact of a leak.
    pub severity: Severity,
    /// How sure a match is real.
    pub confidence: Confidence,
    /// Among overlapping matches the highest priority is kept (the most specific rule).
    pub priority: i32,
    /// Lower-cased prefilter keywords.
    pub keywords: Vec<String>,
    /// Strings, case as written, whose base64 forms send the surrounding base64 run to decoding.
    pub encoded_keywords: Vec<String>,
    /// Patterns, each with a `secret` group.
    pub regexes: Vec<Pattern>,
    /// Bytes that must not come right before the secret.
    pub not_before: Option<Box<[bool; 256]>>,
    /// Bytes that must not come right after the secret.
    pub not_after: Option<Box<[bool; 256]>>,
    /// Longest possible match, in bytes (sizes the regex window around keyword hits).
    pub max_len: usize,
    /// Minimum Shannon entropy (bits per byte) of the secret.
    pub min_entropy: Option<f64>,
    /// Every match lies in a run of class `.0` at least `.1` and at most `.2` bytes long: the
    /// regex runs only on such runs.
    pub required_run: Option<(Box<[bool; 256]>, usize, usize)>,
    /// Extra checks on the secret.
    pub validators: Vec<Validator>,
    /// File paths that are context on their own (the whole file is searched).
    pub context_paths: Option<RegexSet>,
    /// Context requirements; empty means none.
    pub context: Vec<Context>,
    /// Examples that must match.
    pub examples: Vec<Example>,
    /// Examples that must not match.
    pub negative_examples: Vec<Example>,
    /// Links for more information.
    pub references: Vec<String>,
    /// Markdown: how to revoke and rotate.
    pub remediation: String,
    /// Help link for SARIF.
    pub help_uri: Option<String>,
    /// Maturity.
    pub status: Status,
    /// The file the rule came from.
    pub source: String,
}

impl Rule {
    /// Whether `path` alone is context for this rule.
    pub fn path_is_context(&self, path: &str) -> bool {
        self.context_paths.as_ref().is_some_and(|s| s.is_match(path.as_bytes()))
    }
}

/// Parses a character class body such as `A-Za-z0-9+/` into a byte table: the bytes that the
/// regex `[body]` matches alone (ASCII only, as a lone byte from 0x80 is not UTF-8). Read off the
/// parsed class, not a compiled regex tried on each byte: four classes took a quarter of a
/// millisecond of every run's start-up that way.
fn byte_class(spec: &str) -> Result<Box<[bool; 256]>, String> {
    use regex_syntax::hir::{Class, HirKind};
    let bad = |why: String| format!("bad character class {spec:?}: {why}");
    let hir = regex_syntax::Parser::new().parse(&format!("[{spec}]")).map_err(|e| bad(e.to_string()))?;
    let mut t = Box::new([false; 256]);
    let mut set = |lo: u32, hi: u32| {
        for b in lo..=hi.min(0x7F) {
            t[b as usize] = true;
        }
    };
    match hir.kind() {
        HirKind::Class(Class::Unicode(c)) => c.ranges().iter().for_each(|r| set(r.start().into(), r.end().into())),
        HirKind::Class(Class::Bytes(c)) => c.ranges().iter().for_each(|r| set(r.start().into(), r.end().into())),
        // A class of one character is parsed as that character.
        HirKind::Literal(l) => {
            let mut cs = std::str::from_utf8(&l.0).map_err(|e| bad(e.to_string()))?.chars();
            match (cs.next(), cs.next()) {
                (Some(c), None) => set(c.into(), c.into()),
                _ => return Err(bad("not one character class".into())),
            }
        }
        _ => return Err(bad("not one character class".into())),
    }
    Ok(t)
}

/// One of a rule's patterns, compiled when first used. The service-URI patterns took most of a
/// run's start-up (2.9 of 3.6 ms of rule loading, mostly their bounded repetitions), and most runs
/// (a pre-commit hook on a change without an Aiven keyword) never need them. Built-in patterns are
/// compiled by `rules check` and its tests; a user's rule file is compiled as it is loaded, so a
/// bad pattern there is still an error before the scan.
#[derive(Debug, Clone)]
pub struct Pattern {
    source: String,
    compiled: OnceLock<Result<Regex, String>>,
}

impl Pattern {
    fn on_first_use(source: &str) -> Pattern {
        Pattern { source: source.to_string(), compiled: OnceLock::new() }
    }

    /// The compiled pattern, or why it does not compile.
    pub fn compiled(&self) -> Result<&Regex, &str> {
        self.compiled.get_or_init(|| compile_regex(&self.source)).as_ref().map_err(String::as_str)
    }

    /// The compiled pattern; `None` (it never matches) only for a built-in pattern that does not
    /// compile, which `rules check` reports and its tests rule out.
    pub fn regex(&self) -> Option<&Regex> {
        self.compiled().ok()
    }
}

/// When a rule file's patterns are compiled.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Compile {
    Now,
    OnFirstUse,
}

/// Patterns are byte regexes with Unicode off (`(?u)` turns it on inside a pattern): secrets and
/// their context are ASCII, a class such as `[^\s"']` then matches any other byte (also in text
/// that is not UTF-8), and compiling stays cheap: Unicode classes made rule compilation most of
/// a `staged` run's time.
fn compile_regex(pat: &str) -> Result<Regex, String> {
    let re = RegexBuilder::new(pat)
        .unicode(false)
        .size_limit(64 << 20)
        .dfa_size_limit(64 << 20)
        .build()
        .map_err(|e| format!("bad pattern: {}", one_line(&e.to_string())))?;
    if !re.capture_names().any(|n| n == Some("secret")) {
        return Err(format!("pattern has no named group `secret`: {pat}"));
    }
    Ok(re)
}

fn compile(spec: RuleSpec, file: &str, when: Compile) -> Result<Rule, RuleError> {
    let invalid = |message: String| RuleError::Invalid { file: file.to_string(), rule: spec.id.clone(), message };
    let id_ok = !spec.id.is_empty()
        && spec.id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !spec.id.starts_with('-')
        && !spec.id.ends_with('-');
    if !id_ok {
        return Err(invalid("id must be kebab-case: lowercase letters, digits and '-'".into()));
    }
    if spec.keywords.is_empty() {
        return Err(invalid("`keywords` must not be empty (they are the prefilter)".into()));
    }
    if spec.keywords.iter().any(|k| k.len() < 3) {
        return Err(invalid("every keyword needs at least 3 characters".into()));
    }
    if spec.encoded_keywords.iter().any(|k| k.len() < 5) {
        return Err(invalid(
            "every encoded keyword needs at least 5 characters (a shorter one has no base64 form that stands on its own)"
                .into(),
        ));
    }
    let mut pats: Vec<&String> = spec.pattern.iter().collect();
    pats.extend(spec.patterns.iter());
    if pats.is_empty() {
        return Err(invalid("needs `pattern` or `patterns`".into()));
    }
    let regexes: Vec<Pattern> = pats.iter().map(|p| Pattern::on_first_use(p)).collect();
    if when == Compile::Now {
        for p in &regexes {
            p.compiled().map_err(|e| invalid(e.to_string()))?;
        }
    }
    let not_before = spec.not_preceded_by.as_deref().map(byte_class).transpose().map_err(invalid)?;
    let not_after = spec.not_followed_by.as_deref().map(byte_class).transpose().map_err(invalid)?;
    let required_run = match &spec.required_run {
        Some(r) if r.min == 0 => return Err(invalid("required_run.min must be at least 1".into())),
        Some(RunSpec { max: Some(max), min, .. }) if max < min => {
            return Err(invalid(format!("required_run.max ({max}) is less than required_run.min ({min})")))
        }
        Some(r) => Some((byte_class(&r.class).map_err(invalid)?, r.min, r.max.unwrap_or(usize::MAX))),
        None => None,
    };
    let context_paths = if spec.context_paths.is_empty() {
        None
    } else {
        Some(RegexSet::new(&spec.context_paths).map_err(|e| invalid(format!("bad context_paths: {e}")))?)
    };
    let mut context = Vec::new();
    for c in spec.context {
        if c.keywords.is_empty() || c.keywords.iter().any(|k| k.len() < 3) {
            return Err(invalid("every context needs keywords of at least 3 characters".into()));
        }
        context.push(Context {
            keywords: c.keywords.iter().map(|k| k.to_ascii_lowercase()).collect(),
            lines_before: c.lines_before,
            lines_after: c.lines_after,
            file: c.file,
        });
    }
    if spec.remediation.trim().is_empty() {
        return Err(invalid("`remediation` must say how to revoke and rotate the credential".into()));
    }
    let ex = |v: Vec<ExampleSpec>| v.into_iter().map(|e| Example { text: e.text, path: e.path }).collect();
    Ok(Rule {
        keywords: spec.keywords.iter().map(|k| k.to_ascii_lowercase()).collect(),
        encoded_keywords: spec.encoded_keywords.clone(),
        id: spec.id,
        name: spec.name,
        description: spec.description,
        severity: spec.severity,
        confidence: spec.confidence,
        priority: spec.priority,
        regexes,
        not_before,
        not_after,
        max_len: spec.max_len.max(1),
        min_entropy: spec.min_entropy,
        required_run,
        validators: spec.validators,
        context_paths,
        context,
        examples: ex(spec.examples),
        negative_examples: ex(spec.negative_examples),
        references: spec.references,
        remediation: spec.remediation,
        help_uri: spec.help_uri,
        status: spec.status,
        source: file.to_string(),
    })
}

/// Parses one rule file's text. `file` names it in errors.
pub fn parse_rules(text: &str, file: &str) -> Result<Vec<Rule>, RuleError> {
    parse_with(text, file, Compile::Now)
}

fn parse_with(text: &str, file: &str, when: Compile) -> Result<Vec<Rule>, RuleError> {
    let table: toml::Table =
        toml::from_str(text).map_err(|e| RuleError::Parse { file: file.into(), message: one_line(&e.to_string()) })?;
    let mut rules = Vec::new();
    for (key, value) in &table {
        if key != "rule" {
            return Err(RuleError::Parse {
                file: file.into(),
                message: format!("unknown top-level key `{key}` (expected [[rule]] tables)"),
            });
        }
        let Some(arr) = value.as_array() else {
            return Err(RuleError::Parse {
                file: file.into(),
                message: "`rule` must be an array of tables ([[rule]])".into(),
            });
        };
        for (i, v) in arr.iter().enumerate() {
            let id = v.get("id").and_then(|x| x.as_str()).map_or_else(|| format!("#{}", i + 1), str::to_string);
            let spec = RuleSpec::deserialize(v.clone()).map_err(|e| RuleError::Invalid {
                file: file.into(),
                rule: id.clone(),
                message: one_line(&e.to_string()),
            })?;
            rules.push(compile(spec, file, when)?);
        }
    }
    if rules.is_empty() {
        return Err(RuleError::Parse { file: file.into(), message: "no [[rule]] tables".into() });
    }
    Ok(rules)
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The built-in rules, checked; their patterns compile on first use.
pub fn builtin() -> Result<Vec<Rule>, RuleError> {
    let mut all = Vec::new();
    for (file, text) in BUILTIN_RULES {
        all.extend(parse_with(text, file, Compile::OnFirstUse)?);
    }
    Ok(all)
}

/// Loads rule files from a file or a directory (every `*.toml` in it, sorted).
pub fn load_path(path: &Path) -> Result<Vec<Rule>, RuleError> {
    let mut files = Vec::new();
    if path.is_dir() {
        let rd =
            std::fs::read_dir(path).map_err(|source| RuleError::Read { file: path.display().to_string(), source })?;
        for e in rd.flatten() {
            let p = e.path();
            if p.extension().is_some_and(|x| x == "toml") {
                files.push(p);
            }
        }
        files.sort();
    } else {
        files.push(path.to_path_buf());
    }
    let mut all = Vec::new();
    for f in files {
        let name = f.display().to_string();
        let text = std::fs::read_to_string(&f).map_err(|source| RuleError::Read { file: name.clone(), source })?;
        all.extend(parse_rules(&text, &name)?);
    }
    Ok(all)
}

/// Rejects two rules with the same id.
pub fn check_unique(rules: &[Rule]) -> Result<(), RuleError> {
    let mut seen: BTreeMap<&str, &str> = BTreeMap::new();
    for r in rules {
        if let Some(prev) = seen.insert(&r.id, &r.source) {
            return Err(RuleError::Invalid {
                file: r.source.clone(),
                rule: r.id.clone(),
                message: format!("duplicate rule id (also defined in {prev})"),
            });
        }
    }
    Ok(())
}

/// One failed example check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckFailure {
    /// The rule file.
    pub file: String,
    /// The rule id.
    pub rule: String,
    /// What failed.
    pub message: String,
}

/// Runs every rule's examples through a real engine built from all `rules`: each positive example
/// must produce a finding of that rule and contain one of its keywords (so the prefilter can never
/// hide it); each negative example must produce no finding of that rule.
pub fn check(rules: &[Rule]) -> Vec<CheckFailure> {
    let engine = crate::engine::Engine::new(rules.to_vec());
    let mut out = Vec::new();
    for (ri, r) in rules.iter().enumerate() {
        let fail = |m: String| CheckFailure { file: r.source.clone(), rule: r.id.clone(), message: m };
        for p in &r.regexes {
            if let Err(e) = p.compiled() {
                out.push(fail(e.to_string()));
            }
        }
        if r.examples.is_empty() {
            out.push(fail("has no examples".into()));
        }
        for (i, ex) in r.examples.iter().enumerate() {
            let lower = ex.text.to_ascii_lowercase();
            let path = ex.path.as_deref().unwrap_or("example.txt");
            if !r.keywords.iter().any(|k| lower.contains(k.as_str())) && !r.path_is_context(path) {
                out.push(fail(format!("example {} contains none of the keywords {:?}", i + 1, r.keywords)));
            }
            let hits = engine.scan(ex.text.as_bytes(), path);
            if !hits.iter().any(|m| m.rule == ri) {
                out.push(fail(format!("example {} does not match: {}", i + 1, preview_example(&ex.text))));
            }
        }
        for (i, ex) in r.negative_examples.iter().enumerate() {
            let path = ex.path.as_deref().unwrap_or("example.txt");
            let hits = engine.scan(ex.text.as_bytes(), path);
            if hits.iter().any(|m| m.rule == ri) {
                out.push(fail(format!("negative example {} matches: {}", i + 1, preview_example(&ex.text))));
            }
        }
    }
    out
}

/// The first line of an example, shortened, so failures stay one line and never print a whole
/// (fake) secret.
fn preview_example(text: &str) -> String {
    let first = text.lines().next().unwrap_or("");
    let short: String = first.chars().take(48).collect();
    if short.len() < first.len() || text.lines().count() > 1 {
        format!("{short}…")
    } else {
        short
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pattern_compiled_on_first_use_that_fails_is_reported_by_check() {
        let text = r#"
[[rule]]
id = "broken"
name = "broken"
description = "d"
severity = "low"
confidence = "low"
remediation = "rotate it"
keywords = ["brokenkw"]
pattern = '(?P<secret>brokenkw[0-9'
[[rule.examples]]
text = 'brokenkw12'
"#;
        // Loaded from a user's file: compiled at once, so the load fails.
        let err = parse_rules(text, "mine.toml").err().map(|e| e.to_string()).unwrap_or_default();
        assert!(err.contains("bad pattern"), "{err}");
        // Built-in style: the load defers it; the pattern never matches, and check says why.
        let rules = parse_with(text, "builtin.toml", Compile::OnFirstUse).unwrap_or_else(|e| panic!("{e}"));
        assert!(rules[0].regexes[0].regex().is_none());
        let failures = check(&rules);
        assert!(failures.iter().any(|f| f.message.contains("bad pattern")), "{failures:?}");
        assert!(failures.iter().any(|f| f.message.contains("does not match")), "{failures:?}");
    }

    #[test]
    fn builtin_rules_compile_and_pass_their_examples() {
        let rules = builtin().unwrap_or_else(|e| panic!("{e}"));
        assert!(rules.len() >= 4);
        check_unique(&rules).unwrap_or_else(|e| panic!("{e}"));
        let failures = check(&rules);
        assert!(failures.is_empty(), "{failures:#?}");
    }

    #[test]
    fn every_rule_file_is_embedded() {
        let mut on_disk: Vec<String> = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/rules"))
            .unwrap_or_else(|e| panic!("{e}"))
            .filter_map(|e| e.ok())
            .map(|e| format!("rules/{}", e.file_name().to_string_lossy()))
            .filter(|n| n.ends_with(".toml"))
            .collect();
        on_disk.sort();
        let embedded: Vec<String> = BUILTIN_RULES.iter().map(|(n, _)| n.to_string()).collect();
        assert_eq!(on_disk, embedded);
    }

    #[test]
    fn expected_rule_ids_ship() {
        let rules = builtin().unwrap_or_else(|e| panic!("{e}"));
        let ids: Vec<&str> = rules.iter().map(|r| r.id.as_str()).collect();
        for id in ["aiven-api-token", "aiven-service-password", "aiven-service-uri", "aiven-kafka-access-key"] {
            assert!(ids.contains(&id), "{id} missing");
        }
    }

    #[test]
    fn unknown_field_names_file_rule_and_field() {
        let text = "[[rule]]\nid = \"x-y\"\nname = \"n\"\ndescription = \"d\"\nseverity = \"low\"\nconfidence = \"low\"\nkeywords = [\"abc\"]\npattern = '(?P<secret>abc)'\nremediation = \"r\"\nbogus = 1\n";
        let err = parse_rules(text, "mine.toml").err().map(|e| e.to_string()).unwrap_or_default();
        assert!(err.contains("mine.toml") && err.contains("'x-y'") && err.contains("bogus"), "{err}");
    }

    #[test]
    fn missing_secret_group_is_an_error() {
        let text = "[[rule]]\nid = \"x-y\"\nname = \"n\"\ndescription = \"d\"\nseverity = \"low\"\nconfidence = \"low\"\nkeywords = [\"abc\"]\npattern = 'abc'\nremediation = \"r\"\n";
        let err = parse_rules(text, "mine.toml").err().map(|e| e.to_string()).unwrap_or_default();
        assert!(err.contains("secret"), "{err}");
    }

    #[test]
    fn byte_classes_are_what_the_regex_class_matches() {
        // The definition: the bytes a compiled `^[spec]$` matches alone.
        for spec in [
            "A-Za-z0-9+/",
            "A-Za-z0-9_-",
            "^A-Za-z0-9",
            r"\d",
            r"\w.:",
            r"\s",
            "a",
            "é",
            "^é",
            r"\-",
            r"\]x",
            "[:alpha:]",
            r"\x00-\x1F",
            "^\x00-\x7F",
        ] {
            let re = Regex::new(&format!("^[{spec}]$")).unwrap_or_else(|e| panic!("{e}"));
            let want: Vec<bool> = (0..=255u8).map(|b| re.is_match(&[b])).collect();
            let got = byte_class(spec).unwrap_or_else(|e| panic!("{spec}: {e}"));
            assert_eq!(got.to_vec(), want, "{spec}");
        }
        assert!(byte_class("a-").is_ok());
        assert!(byte_class("z-a").unwrap_err().contains("bad character class"));
        assert!(byte_class("a]+[b").unwrap_err().contains("not one character class"));
    }

    #[test]
    fn required_run_bounds_are_checked() {
        let rule = |run: &str| {
            format!("[[rule]]\nid = \"x-y\"\nname = \"n\"\ndescription = \"d\"\nseverity = \"low\"\nconfidence = \"low\"\nkeywords = [\"abc\"]\npattern = '(?P<secret>[a-z]+)'\nremediation = \"r\"\nrequired_run = {run}\n")
        };
        let err = |run: &str| parse_rules(&rule(run), "mine.toml").err().map(|e| e.to_string()).unwrap_or_default();
        assert!(err("{ class = \"a-z\", min = 0 }").contains("required_run.min must be at least 1"));
        assert!(err("{ class = \"a-z\", min = 9, max = 8 }")
            .contains("required_run.max (8) is less than required_run.min (9)"));
        let ok =
            parse_rules(&rule("{ class = \"a-z\", min = 8, max = 8 }"), "mine.toml").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(ok[0].required_run.as_ref().map(|r| (r.1, r.2)), Some((8, 8)));
    }

    #[test]
    fn bad_regex_is_an_error() {
        let text = "[[rule]]\nid = \"x-y\"\nname = \"n\"\ndescription = \"d\"\nseverity = \"low\"\nconfidence = \"low\"\nkeywords = [\"abc\"]\npattern = '(?P<secret>abc'\nremediation = \"r\"\n";
        let err = parse_rules(text, "mine.toml").err().map(|e| e.to_string()).unwrap_or_default();
        assert!(err.contains("bad pattern") && err.contains("'x-y'"), "{err}");
    }
}
