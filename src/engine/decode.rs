//! Decoding passes: secrets committed base64-encoded (Kubernetes Secret `data:`), percent-encoded,
//! JSON-escaped or split across adjacent string literals. Each pass turns a bounded region of the
//! input into a [`View`]: decoded bytes plus a map back to input offsets, so a finding in decoded text
//! points at the encoded text.

use base64::Engine as _;

/// Decoded bytes and, for each boundary `i` in `0..=bytes.len()`, the input offset it came from.
#[derive(Debug, Clone)]
pub struct View {
    /// The decoded text, with raw context around it.
    pub bytes: Vec<u8>,
    /// `map[i]` is the input offset of the boundary before decoded byte `i`; `map.len() == bytes.len() + 1`.
    pub map: Vec<usize>,
    /// Which decoding produced it (`base64`, `percent`, `json-escape`, `concat`, joined with `+`).
    pub kind: String,
    /// The part of `bytes` that was decoded (the rest is raw context, scanned at the outer level).
    pub decoded: (usize, usize),
}

/// Longest base64 run that is decoded.
pub const MAX_BASE64_RUN: usize = 16 * 1024;
/// Shortest base64 run that is decoded (`AVNS_` + 19 characters is 32 base64 characters).
pub const MIN_BASE64_RUN: usize = 16;

/// True for bytes of the standard or URL-safe base64 alphabets (not padding).
#[inline]
pub fn is_b64(b: u8) -> bool {
    B64[b as usize]
}

/// Which text decodings to apply in [`unescape`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Unescape {
    /// `%XX`.
    pub percent: bool,
    /// `\/`, `\uXXXX`, `\n`…
    pub escapes: bool,
    /// Adjacent string literals.
    pub concat: bool,
}

impl Unescape {
    /// The decodings worth running on `region`: cheap checks for what each one would undo, so text
    /// without encoded content costs no decoding. Percent-encoding only matters for the base64
    /// characters `+ / =` (`%2B %2F %3D`); escapes for `\/` and `\u00XX`; concatenation for a
    /// closing quote joined to an opening one. With `piece` (`(class, len)`), only a join after a
    /// random-looking literal of that class and length counts (pieces of a split API token; the
    /// literals of source code are words, paths and digests).
    pub fn wanted(region: &[u8], piece: Option<(&[bool; 256], usize)>) -> Unescape {
        let percent = memchr::memchr_iter(b'%', region).any(|i| {
            matches!(region.get(i + 1..i + 3), Some([b'2', b'b' | b'B' | b'f' | b'F']) | Some([b'3', b'd' | b'D']))
        });
        let escapes = memchr::memchr_iter(b'\\', region).any(|i| matches!(region.get(i + 1), Some(b'/' | b'u')));
        // A quote that closes a literal follows `need` bytes that are not quotes (a random piece, or
        // the 5 secret-like bytes `literal_join` wants): the next `need` bytes after a quote hold no
        // quote worth looking at, so the search skips them (code is dense with quotes).
        let need = match piece {
            None => 5,
            Some((class, len)) if !class[usize::from(b'"')] && !class[usize::from(b'\'')] => len,
            Some(_) => 0,
        };
        let mut concat = false;
        let mut from = 0;
        while let Some(k) = memchr::memchr2(b'"', b'\'', &region[from..]) {
            let i = from + k;
            from = i + 1 + need;
            // The cheap test first: most quotes in code close a word.
            let piece_ok = match piece {
                None => true,
                Some((class, len)) => i >= len && is_random_piece(&region[i - len..i], class),
            };
            if piece_ok && literal_join(region, i, region.len()).is_some() {
                concat = true;
                break;
            }
            if from >= region.len() {
                break;
            }
        }
        Unescape { percent, escapes, concat }
    }

    /// Whether any decoding is wanted.
    pub fn any(self) -> bool {
        self.percent || self.escapes || self.concat
    }
}

/// Percent-decodes `%XX`, undoes JSON/JS string escapes and joins adjacent string literals
/// (`"AVNS_ab" + "cd…"`, `'a' 'b'`, `"a" . "b"`) in `input[lo..hi]`, as far as `want` asks.
/// `None` when nothing changed.
pub fn unescape(input: &[u8], lo: usize, hi: usize, want: Unescape) -> Option<View> {
    let mut out = Vec::with_capacity(hi - lo);
    let mut map = Vec::with_capacity(hi - lo + 1);
    let (mut pct, mut esc, mut cat) = (false, false, false);
    let mut i = lo;
    while i < hi {
        let b = input[i];
        if want.percent && b == b'%' && i + 2 < hi {
            if let (Some(h), Some(l)) = (hex(input[i + 1]), hex(input[i + 2])) {
                out.push(h << 4 | l);
                map.push(i);
                i += 3;
                pct = true;
                continue;
            }
        }
        if want.escapes && b == b'\\' && i + 1 < hi {
            let n = input[i + 1];
            let simple = match n {
                b'/' | b'\\' | b'"' | b'\'' | b'+' | b'=' => Some(n),
                b'n' => Some(b'\n'),
                b'r' => Some(b'\r'),
                b't' => Some(b'\t'),
                _ => None,
            };
            if let Some(c) = simple {
                out.push(c);
                map.push(i);
                i += 2;
                esc = true;
                continue;
            }
            if n == b'u' && i + 5 < hi {
                let v = input[i + 2..i + 6].iter().try_fold(0u32, |acc, &d| hex(d).map(|x| acc << 4 | u32::from(x)));
                if let Some(v) = v.filter(|&v| v < 0x80) {
                    out.push(v as u8);
                    map.push(i);
                    i += 6;
                    esc = true;
                    continue;
                }
            }
        }
        if want.concat && (b == b'"' || b == b'\'') {
            if let Some(next) = literal_join(input, i, hi) {
                i = next;
                cat = true;
                continue;
            }
        }
        out.push(b);
        map.push(i);
        i += 1;
    }
    map.push(hi);
    if !(pct || esc || cat) {
        return None;
    }
    let kind = [(pct, "percent"), (esc, "json-escape"), (cat, "concat")]
        .iter()
        .filter(|(on, _)| *on)
        .map(|(_, n)| *n)
        .collect::<Vec<_>>()
        .join("+");
    let n = out.len();
    Some(View { bytes: out, map, kind, decoded: (0, n) })
}

/// At a quote `input[q]` that closes a literal, finds a join to the next literal with the same
/// quote: whitespace, an optional concatenation operator (`+ . .. & ||`), whitespace. Returns the
/// offset just after the opening quote of the next literal.
fn literal_join(input: &[u8], q: usize, hi: usize) -> Option<usize> {
    let quote = input[q];
    // Only a closing quote after at least 5 secret-like characters joins (a piece of a secret,
    // `AVNS_` at the least); import lists and prose do not.
    let secretish = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'+' | b'/' | b'=');
    if q < 5 || !input[q - 5..q].iter().all(|&b| secretish(b)) {
        return None;
    }
    let limit = hi.min(q + 64);
    let mut j = q + 1;
    let skip_ws = |mut j: usize| {
        while j < limit && matches!(input[j], b' ' | b'\t' | b'\n' | b'\r' | b'\\') {
            j += 1;
        }
        j
    };
    j = skip_ws(j);
    let mut op = false;
    if j < limit && matches!(input[j], b'+' | b'.' | b'&' | b'|') {
        op = true;
        j += 1;
        if j < limit && matches!(input[j], b'.' | b'|') {
            j += 1;
        }
        j = skip_ws(j);
    }
    // Without an operator only a line break joins (Python's implicit concatenation inside
    // parentheses); `"a" "b"` on one line is too often two separate strings.
    let newline = input[q + 1..j.min(limit)].contains(&b'\n');
    // ...and only when the literal holds nothing but secret-like characters, so a list of quoted
    // paths or words, one per line (a Go import block), is not glued together.
    let whole_literal = || {
        let mut k = q;
        while k > 0 && q - k < 512 && secretish(input[k - 1]) {
            k -= 1;
        }
        k > 0 && input[k - 1] == quote
    };
    if j < limit && input[j] == quote && (op || (newline && whole_literal())) {
        // The next literal must carry content that continues a secret.
        if j + 3 < hi && input[j + 1..j + 4].iter().all(|&b| secretish(b) && b != b'=') {
            return Some(j + 1);
        }
    }
    None
}

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// The whole base64 run around `input[at]` (padding included), if it has
/// `MIN_BASE64_RUN..=MAX_BASE64_RUN` characters.
pub fn run_around(input: &[u8], at: usize) -> Option<(usize, usize)> {
    if at >= input.len() || !is_b64(input[at]) {
        return None;
    }
    let mut s = at;
    while s > 0 && is_b64(input[s - 1]) && at - s <= MAX_BASE64_RUN {
        s -= 1;
    }
    let mut e = at;
    while e < input.len() && is_b64(input[e]) && e - s <= MAX_BASE64_RUN {
        e += 1;
    }
    let body = e;
    while e < input.len() && e - body < 2 && input[e] == b'=' {
        e += 1;
    }
    let whole = (s == 0 || !is_b64(input[s - 1])) && (e == input.len() || !is_b64(input[e]));
    (whole && (MIN_BASE64_RUN..=MAX_BASE64_RUN).contains(&(e - s))).then_some((s, e))
}

/// The runs of at least `min` bytes of `class` that reach into `input[lo..hi]`, each whole. Probes
/// every `min`-th byte, so text without such runs costs about `(hi - lo) / min` lookups.
pub fn class_runs(input: &[u8], lo: usize, hi: usize, min: usize, class: &[bool; 256]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut pos = lo;
    while pos < hi && pos + min <= input.len() {
        let probe = pos + min - 1;
        if !class[input[probe] as usize] {
            pos = probe + 1;
            continue;
        }
        let mut s = probe;
        while s > 0 && class[input[s - 1] as usize] {
            s -= 1;
        }
        let mut e = probe + 1;
        while e < input.len() && class[input[e] as usize] {
            e += 1;
        }
        if e - s >= min {
            out.push((s, e));
        }
        pos = e + 1;
    }
    out
}

/// Whether `piece` is all of `class` and looks random: upper case, lower case and digits all in it,
/// as 20 characters of random base64 have them but identifiers, paths and hex digests do not.
pub fn is_random_piece(piece: &[u8], class: &[bool; 256]) -> bool {
    // From the end: a piece before a quote most often fails on its last bytes.
    piece.iter().rev().all(|&b| class[b as usize])
        && piece.iter().any(u8::is_ascii_uppercase)
        && piece.iter().any(u8::is_ascii_lowercase)
        && piece.iter().any(u8::is_ascii_digit)
}

/// Bytes of the standard and URL-safe base64 alphabets (not padding), as a table.
const B64: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        t[b] = c.is_ascii_alphanumeric() || c == b'+' || c == b'/' || c == b'-' || c == b'_';
        b += 1;
    }
    t
};

/// The whole base64 runs (padding included, at most `MAX_BASE64_RUN`) of at least `min`
/// characters that reach into `input[lo..hi]`.
pub fn long_runs(input: &[u8], lo: usize, hi: usize, min: usize) -> Vec<(usize, usize)> {
    class_runs(input, lo, hi, min, &B64)
        .into_iter()
        .filter_map(|(s, e)| {
            let mut end = e;
            while end < input.len() && end - e < 2 && input[end] == b'=' {
                end += 1;
            }
            (end - s <= MAX_BASE64_RUN).then_some((s, end))
        })
        .collect()
}

/// Decodes `input[s..e]` as standard or URL-safe base64 and, when the result is text, returns a
/// view of it with `ctx` bytes of raw input on each side (so context words around the encoded value
/// still count).
pub fn base64_view(input: &[u8], s: usize, e: usize, ctx: usize) -> Option<View> {
    let run = &input[s..e];
    let trimmed = run.iter().rposition(|&b| b != b'=').map_or(run, |p| &run[..=p]);
    let decoded = base64::engine::general_purpose::STANDARD_NO_PAD
        .decode(trimmed)
        .or_else(|_| base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(trimmed))
        .ok()?;
    if decoded.len() < 12 {
        return None;
    }
    let text = decoded.iter().filter(|&&b| (0x20..0x7f).contains(&b) || matches!(b, b'\n' | b'\r' | b'\t')).count();
    if text * 10 < decoded.len() * 9 {
        return None;
    }
    let (clo, chi) = (s.saturating_sub(ctx), (e + ctx).min(input.len()));
    let mut bytes = Vec::with_capacity(chi - clo + decoded.len());
    let mut map = Vec::with_capacity(bytes.capacity() + 1);
    bytes.extend_from_slice(&input[clo..s]);
    map.extend(clo..s);
    let n = decoded.len();
    let at = bytes.len();
    bytes.extend_from_slice(&decoded);
    // Byte i of the decoded text comes from base64 characters around s + 4i/3.
    map.extend((0..n).map(|i| (s + (4 * i) / 3).min(e)));
    bytes.extend_from_slice(&input[e..chi]);
    map.extend(e..chi);
    map.push(chi);
    Some(View { bytes, map, kind: "base64".into(), decoded: (at, at + n) })
}

/// Base64 fragments of `keyword` at each of the three byte alignments: the characters that depend
/// only on the keyword's bytes, so a base64-encoded value that contains the keyword contains one of
/// them. Fragments shorter than 4 characters are dropped.
pub fn base64_fragments(keyword: &[u8]) -> Vec<String> {
    let mut out = Vec::new();
    for a in 0..3usize {
        let mut buf = vec![0u8; a];
        buf.extend_from_slice(keyword);
        let enc = base64::engine::general_purpose::STANDARD_NO_PAD.encode(&buf);
        let first = (8 * a).div_ceil(6);
        let last = (8 * (a + keyword.len())) / 6;
        if last > first && last - first >= 4 {
            let frag = &enc[first..last];
            out.push(frag.to_string());
            let url = frag.replace('+', "-").replace('/', "_");
            if url != frag {
                out.push(url);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fragments_are_found_in_encodings_at_every_alignment() {
        for prefix in ["", "x", "xy", "xyz"] {
            let plain = format!("{prefix}AVNS_abc");
            let enc = base64::engine::general_purpose::STANDARD.encode(plain.as_bytes());
            assert!(base64_fragments(b"AVNS_").iter().any(|f| enc.contains(f.as_str())), "{prefix:?} {enc}");
        }
    }

    #[test]
    fn split_token_pieces_are_told_from_words_paths_and_digests() {
        let piece = Some((&B64, 20));
        assert!(Unescape::wanted(b"t = \"q8Zt3LmR2xWk9vNc4Hp7Yb\" +\n \"x9Lm2Qr8Zt3LmR2xWk9vN\"", piece).concat);
        assert!(Unescape::wanted(b"t = \"AVNS_ab\" + \"cdefg\"", None).concat);
        // Quote-dense code before the pieces: the quotes skipped after each quote hide none that
        // could close a piece (the opening quote of the piece is the closest).
        // (A piece of exactly 20 characters: its closing quote is the first one not skipped.)
        assert!(
            Unescape::wanted(
                b"f(\"a\",\"b\",'c')\nservice_token_value = \"q8Zt3LmR2xWk9vNc4Hp7\" +\n \"x9Lm2Qr8Zt3LmR2xWk9vN\"",
                piece
            )
            .concat
        );
        assert!(Unescape::wanted(b"f('a','b') + 'AVNS_ab' + 'cdefg'", None).concat);
        assert!(Unescape::wanted(b"\"\"q8Zt3LmR2xWk9vNc4Hp7Yb\"\n\"x9Lm2Qr8Zt3LmR2xWk9vN\"", piece).concat);
        assert!(!Unescape::wanted(b"t = \"AVNS_ab\" + \"cdefg\"", piece).concat);
        for words in [
            &b"p = \"github.com/loader/api/pkg\" + \"/region/alpha/beta\""[..],
            b"h = \"5dd7f7e77195bcc960422ae9e319ba0d\" + \"abc\"",
        ] {
            assert!(Unescape::wanted(words, None).concat);
            assert!(!Unescape::wanted(words, piece).concat);
        }
    }

    #[test]
    fn unescape_maps_back() {
        let s = br#"x = "AVNS_ab" + "cde%2Bf\/g""#;
        let v = unescape(s, 0, s.len(), Unescape::wanted(s, None)).unwrap_or_else(|| panic!("no change"));
        assert_eq!(&v.bytes, br#"x = "AVNS_abcde+f/g""#);
        assert_eq!(v.kind, "percent+json-escape+concat");
        assert_eq!(v.map.len(), v.bytes.len() + 1);
        let at = v.bytes.iter().position(|&b| b == b'+').unwrap_or(0);
        assert_eq!(&s[v.map[at]..v.map[at] + 3], b"%2B");
    }

    #[test]
    fn unescape_leaves_lists_alone() {
        let s = br#"["abc", "def"] {"a": "b"}"#;
        assert!(!Unescape::wanted(s, None).any());
        assert!(unescape(s, 0, s.len(), Unescape { percent: true, escapes: true, concat: true }).is_none());
    }

    #[test]
    fn runs_and_views() {
        let enc = base64::engine::general_purpose::STANDARD.encode(b"password: AVNS_q8Zt3LmR2xWk9vNc4Hp");
        let s = format!("data:\n  pw: {enc}\n");
        let at = s.find("cGFz").unwrap_or(0) + 5;
        let (a, b) = run_around(s.as_bytes(), at).unwrap_or_else(|| panic!("no run"));
        assert_eq!(long_runs(s.as_bytes(), 0, s.len(), 20), [(a, b)]);
        assert!(long_runs(s.as_bytes(), 0, s.len(), 60).is_empty());
        let v = base64_view(s.as_bytes(), a, b, 8).unwrap_or_else(|| panic!("not text"));
        assert!(String::from_utf8_lossy(&v.bytes).contains("AVNS_q8Zt3LmR2xWk9vNc4Hp"));
        assert_eq!(v.map.len(), v.bytes.len() + 1);
    }
}
