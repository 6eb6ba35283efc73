//! `aivenguard rules list` and `rules check`.

use crate::support::{self, root, run, write};

#[test]
fn list() {
    let out = run(&root(), &["rules", "list"]);
    assert_eq!(out.code, 0);
    insta::assert_snapshot!("rules_list", out.snapshot());
}

#[test]
fn check_builtin() {
    let out = run(&root(), &["rules", "check"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    insta::assert_snapshot!("rules_check", out.snapshot());
}

#[test]
fn check_reports_failing_examples_by_rule() {
    let d = support::tempdir();
    write(
        d.path(),
        "r.toml",
        "[[rule]]\nid = \"acme-key\"\nname = \"Acme key\"\ndescription = \"d\"\nseverity = \"low\"\nconfidence = \"low\"\nkeywords = [\"acme_\"]\npattern = '(?P<secret>ACME_[0-9a-f]{16})'\nremediation = \"rotate\"\n[[rule.examples]]\ntext = \"k = ACME_0123\"\n[[rule.negative_examples]]\ntext = \"k = ACME_0123456789abcdef\"\n",
    );
    let out = run(d.path(), &["rules", "check", "r.toml"]);
    assert_eq!(out.code, 1);
    assert!(out.stderr.contains("r.toml: rule 'acme-key': example 1 does not match"), "{}", out.stderr);
    assert!(out.stderr.contains("r.toml: rule 'acme-key': negative example 1 matches"), "{}", out.stderr);
}

#[test]
fn check_rejects_broken_rule_files_with_one_line() {
    let d = support::tempdir();
    let cases = [
        ("unknown.toml", "[[rule]]\nid = \"a-b\"\nname = \"n\"\ndescription = \"d\"\nseverity = \"low\"\nconfidence = \"low\"\nkeywords = [\"abc\"]\npattern = '(?P<secret>abc)'\nremediation = \"r\"\ncolour = \"red\"\n", "rule 'a-b': unknown field `colour`"),
        ("regex.toml", "[[rule]]\nid = \"a-b\"\nname = \"n\"\ndescription = \"d\"\nseverity = \"low\"\nconfidence = \"low\"\nkeywords = [\"abc\"]\npattern = '(?P<secret>abc[)'\nremediation = \"r\"\n", "rule 'a-b': bad pattern"),
        ("toml.toml", "[[rule]\nid = 1\n", "toml.toml:"),
        ("encoded.toml", "[[rule]]\nid = \"a-b\"\nname = \"n\"\ndescription = \"d\"\nseverity = \"low\"\nconfidence = \"low\"\nkeywords = [\"abc\"]\nencoded_keywords = [\"abc\"]\npattern = '(?P<secret>abc)'\nremediation = \"r\"\n", "rule 'a-b': every encoded keyword needs at least 5 characters"),
        ("missing.toml", "", "no [[rule]] tables"),
    ];
    for (name, text, want) in cases {
        write(d.path(), name, text);
        let out = run(d.path(), &["rules", "check", name]);
        assert_eq!(out.code, 2, "{name}");
        assert!(out.stderr.contains(want), "{name}: {}", out.stderr);
        assert_eq!(out.stderr.lines().count(), 1, "{name}: {}", out.stderr);
    }
    let out = run(d.path(), &["rules", "check", "absent.toml"]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("absent.toml: cannot read rule file"), "{}", out.stderr);
}
