//! The finding model: where a secret is (line, column), what rule found it, its redacted preview,
//! its fingerprint, and the line hash GitHub code scanning uses to track an alert across runs.

use bstr::ByteSlice;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::engine::Match;
use crate::rules::Rule;

/// Where a blob came from in git (history, range and staged scans).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Provenance {
    /// The commit that first introduced the blob (full hex id), if known.
    pub commit: Option<String>,
    /// Author name of that commit.
    pub author: Option<String>,
    /// Author date, RFC 3339 (UTC).
    pub date: Option<String>,
    /// First line of the commit message.
    pub summary: Option<String>,
    /// The blob id (full hex).
    pub blob: Option<String>,
    /// Whether the object is reachable from a ref.
    pub reachable: bool,
    /// How many other (commit, path) places hold the same blob.
    pub other_locations: usize,
    /// What kind of object held the secret: `blob`, `commit-message`, `tag-message`, `index`.
    pub object: String,
}

/// One leaked secret at one location.
#[derive(Debug, Clone)]
pub struct Finding {
    /// Index of the rule in the engine's rule list.
    pub rule: usize,
    /// The rule id.
    pub rule_id: String,
    /// Path relative to the scan root / repository, `/` separators.
    pub path: String,
    /// 1-based line of the first byte of the secret.
    pub line: usize,
    /// 1-based column (UTF-16 code units) of the first byte of the secret.
    pub column: usize,
    /// 1-based line of the last byte of the secret.
    pub end_line: usize,
    /// Column just past the secret, exclusive (UTF-16 code units).
    pub end_column: usize,
    /// The secret, kept in memory only; reports print it only with `--show-secrets`.
    pub secret: String,
    /// A preview that does not reveal the secret.
    pub preview: String,
    /// Hex SHA-256 of rule id and secret, truncated: the same secret gets the same fingerprint
    /// wherever and whenever it is found.
    pub fingerprint: String,
    /// `primaryLocationLineHash` as GitHub's upload action computes it for the line.
    pub line_hash: String,
    /// The decoding that revealed the secret, if any.
    pub decoding: Option<String>,
    /// Git provenance, for history, range and staged scans.
    pub provenance: Option<Provenance>,
}

/// Fingerprint of a secret found by a rule: 32 hex digits of SHA-256(rule id, NUL, secret).
pub fn fingerprint(rule_id: &str, secret: &[u8]) -> String {
    let mut h = Sha256::new();
    h.update(rule_id.as_bytes());
    h.update([0u8]);
    h.update(secret);
    let d = h.finalize();
    d.iter().take(16).map(|b| format!("{b:02x}")).collect()
}

/// A preview of a secret that keeps only its start: enough to recognise it, never enough to use it.
pub fn redact(secret: &str) -> String {
    let n = secret.chars().count();
    let keep = if let Some(rest) = secret.strip_prefix("-----BEGIN ") {
        // Show the PEM header, none of the key.
        return format!("-----BEGIN {}…[{} chars]", rest.split("-----").next().unwrap_or(""), n);
    } else if secret.starts_with("AVNS_") {
        7
    } else {
        (n / 8).clamp(1, 4)
    };
    let head: String = secret.chars().take(keep).collect();
    format!("{head}…[{n} chars]")
}

/// Turns engine matches in one blob into findings with line/column positions and line hashes.
pub fn build(bytes: &[u8], path: &str, matches: Vec<Match>, rules: &[Rule]) -> Vec<Finding> {
    if matches.is_empty() {
        return Vec::new();
    }
    let hashes = line_hashes(bytes);
    let mut out = Vec::with_capacity(matches.len());
    for m in matches {
        let (line, column) = position(bytes, m.start);
        let (end_line, end_column) = position(bytes, m.end);
        let secret = String::from_utf8_lossy(&m.secret).into_owned();
        let rule = &rules[m.rule];
        out.push(Finding {
            rule: m.rule,
            rule_id: rule.id.clone(),
            path: path.to_string(),
            line,
            column,
            end_line,
            end_column,
            preview: redact(&secret),
            fingerprint: fingerprint(&rule.id, &m.secret),
            line_hash: hashes.get(line - 1).cloned().unwrap_or_else(|| "0:1".into()),
            secret,
            decoding: m.decoding,
            provenance: None,
        });
    }
    out
}

/// 1-based line and UTF-16 column of byte offset `off`.
pub fn position(bytes: &[u8], off: usize) -> (usize, usize) {
    let off = off.min(bytes.len());
    let line = memchr::memchr_iter(b'\n', &bytes[..off]).count() + 1;
    let start = memchr::memrchr(b'\n', &bytes[..off]).map_or(0, |i| i + 1);
    let col = bytes[start..off].chars().map(char::len_utf16).sum::<usize>() + 1;
    (line, col)
}

/// GitHub's `primaryLocationLineHash` for every line of `bytes`: the algorithm of the CodeQL
/// action's `fingerprints.ts` (a rolling hash over the next 100 non-space UTF-16 code units from
/// the start of each line, with a counter for repeated hashes), so history findings, whose files
/// are not in the checkout, get the same fingerprints the upload action would give files on disk.
pub fn line_hashes(bytes: &[u8]) -> Vec<String> {
    const BLOCK: usize = 100;
    const MOD: u64 = 37;
    const EOF: u64 = 65535;
    let first_mod = (0..BLOCK).fold(1u64, |a, _| a.wrapping_mul(MOD));
    let mut window = [0u64; BLOCK];
    let mut line_numbers = [-1i64; BLOCK];
    let mut hash: u64 = 0;
    let mut index = 0usize;
    let mut line_number = 0i64;
    let mut line_start = true;
    let mut prev_cr = false;
    let mut counts: std::collections::HashMap<u64, usize> = std::collections::HashMap::new();
    let mut out: Vec<(i64, String)> = Vec::new();

    let mut output = |index: usize, line_numbers: &mut [i64; BLOCK], hash: u64| {
        let c = counts.entry(hash).or_insert(0);
        *c += 1;
        out.push((line_numbers[index], format!("{hash:x}:{c}")));
        line_numbers[index] = -1;
    };
    let mut process = |cur: u64,
                       window: &mut [u64; BLOCK],
                       line_numbers: &mut [i64; BLOCK],
                       hash: &mut u64,
                       index: &mut usize,
                       output: &mut dyn FnMut(usize, &mut [i64; BLOCK], u64)| {
        let mut cur = cur;
        if cur == u64::from(b' ') || cur == u64::from(b'\t') || (prev_cr && cur == u64::from(b'\n')) {
            prev_cr = false;
            return;
        }
        if cur == u64::from(b'\r') {
            cur = u64::from(b'\n');
            prev_cr = true;
        } else {
            prev_cr = false;
        }
        if line_numbers[*index] != -1 {
            output(*index, line_numbers, *hash);
        }
        if line_start {
            line_start = false;
            line_number += 1;
            line_numbers[*index] = line_number;
        }
        if cur == u64::from(b'\n') {
            line_start = true;
        }
        let begin = window[*index];
        window[*index] = cur;
        *hash = MOD.wrapping_mul(*hash).wrapping_add(cur).wrapping_sub(first_mod.wrapping_mul(begin));
        *index = (*index + 1) % BLOCK;
    };
    let mut buf = [0u16; 2];
    for ch in bytes.chars() {
        for &u in ch.encode_utf16(&mut buf).iter() {
            process(u64::from(u), &mut window, &mut line_numbers, &mut hash, &mut index, &mut output);
        }
    }
    process(EOF, &mut window, &mut line_numbers, &mut hash, &mut index, &mut output);
    for _ in 0..BLOCK {
        if line_numbers[index] != -1 {
            output(index, &mut line_numbers, hash);
        }
        let begin = window[index];
        window[index] = 0;
        hash = MOD.wrapping_mul(hash).wrapping_sub(first_mod.wrapping_mul(begin));
        index = (index + 1) % BLOCK;
    }
    // Lines are numbered as the algorithm counts them (blank lines of only spaces still count).
    let mut by_line = vec![String::new(); line_number.max(0) as usize];
    for (ln, h) in out {
        if ln >= 1 {
            if let Some(slot) = by_line.get_mut(ln as usize - 1) {
                *slot = h;
            }
        }
    }
    by_line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redaction_never_shows_much() {
        assert_eq!(redact("AVNS_q8Zt3LmR2xWk9vNc4Hp"), "AVNS_q8…[24 chars]");
        assert_eq!(redact("k3j9x2m8q7w1z5v4"), "k3…[16 chars]");
        let t = "A".repeat(372);
        assert_eq!(redact(&t), "AAAA…[372 chars]");
        assert!(redact("-----BEGIN PRIVATE KEY-----\nMIIE").starts_with("-----BEGIN PRIVATE KEY…"));
    }

    #[test]
    fn fingerprint_is_stable_and_rule_scoped() {
        assert_eq!(fingerprint("r", b"s"), fingerprint("r", b"s"));
        assert_ne!(fingerprint("r", b"s"), fingerprint("q", b"s"));
        assert_eq!(fingerprint("r", b"s").len(), 32);
    }

    #[test]
    fn positions_count_utf16_columns() {
        let t = "ab\nçé😀x".as_bytes();
        let off = t.len() - 1;
        assert_eq!(position(t, off), (2, 5));
        assert_eq!(position(t, 0), (1, 1));
    }

    #[test]
    fn line_hashes_match_github_reference() {
        // Vectors from the CodeQL action's own tests of its fingerprinting (fingerprints.test.ts).
        assert_eq!(line_hashes(b""), ["c129715d7a2bc9a3:1"]);
        assert_eq!(
            line_hashes(b" a\nb\n  \t\tc\n d"),
            ["271789c17abda88f:1", "54703d4cd895b18:1", "180aee12dab6264:1", "a23a3dc5e078b07b:1"]
        );
        let expect = [
            "e9496ae3ebfced30:1",
            "fb7c023a8b9ccb3f:1",
            "ce8ba1a563dcdaca:1",
            "e20e36e16fcb0cc8:1",
            "b3edc88f2938467e:1",
            "c8e28b0b4002a3a0:1",
            "c129715d7a2bc9a3:1",
        ];
        assert_eq!(line_hashes(b" hello; \t\nworld!!!\n\n\n  \t\tGreetings\n End\n"), expect);
        assert_eq!(line_hashes(b" hello; \t\r\nworld!!!\r\n\r\n\r\n  \t\tGreetings\r\n End\r\n"), expect);
        let lorem = line_hashes("Lorem ipsum dolor sit amet.\n".repeat(10).as_bytes());
        assert_eq!(lorem[5], "a7f2ff13bc495cf2:6");
        assert_eq!(lorem[6], "a7f2ff1481e87703:1");
        assert_eq!(lorem[10], "c129715d7a2bc9a3:1");
    }
}
