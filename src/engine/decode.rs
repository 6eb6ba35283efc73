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
    pub fn wanted(region: &[u8], piece: Option<(&[bool; 256], usize)>, simd: Option<&SimdClass>) -> Unescape {
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
        if let (Some((class, len)), Some(simd)) = (piece, simd) {
            let concat = simd.pieces_before_quotes(region, len, |i| {
                i >= len
                    && is_random_piece(&region[i - len..i], class)
                    && literal_join(region, i, region.len()).is_some()
            });
            return Unescape { percent, escapes, concat };
        }
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

/// A byte class as at most four SIMD tests: byte `b` is in it when `(b | or) - lo <= span` (wrapping)
/// for one `(or, lo, span)`. Case pairs share a test (`A-Z` and `a-z`: `(b | 0x20) - b'a' <= 25`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimdClass {
    tests: [(u8, u8, u8); 4],
}

impl SimdClass {
    /// The tests for `class`, if four are enough and it holds no quote.
    pub fn new(class: &[bool; 256]) -> Option<SimdClass> {
        if class[usize::from(b'"')] || class[usize::from(b'\'')] {
            return None;
        }
        // Runs of the class, as (lo, hi).
        let mut ranges: Vec<(u8, u8)> = Vec::new();
        for b in 0..=255u8 {
            if class[usize::from(b)] {
                match ranges.last_mut() {
                    Some((_, hi)) if *hi + 1 == b => *hi = b,
                    _ => ranges.push((b, b)),
                }
            }
        }
        let mut tests: Vec<(u8, u8, u8)> = Vec::new();
        while let Some((lo, hi)) = ranges.first().copied() {
            ranges.remove(0);
            // A range with a twin one bit higher (that bit clear in all of it, set in all of the
            // twin): `| bit` maps the range onto its twin, and nothing else onto either.
            let twin = ranges.iter().position(|&(l, h)| {
                let bit = l ^ lo;
                bit.count_ones() == 1 && h - l == hi - lo && (lo..=hi).all(|x| x & bit == 0)
            });
            match twin {
                Some(k) => {
                    let (l, h) = ranges.remove(k);
                    tests.push((l ^ lo, l, h - l));
                }
                None => tests.push((0, lo, hi - lo)),
            }
        }
        let first = *tests.first()?;
        (tests.len() <= 4).then(|| {
            // Unused slots repeat a test: the union is the same.
            let mut t = [first; 4];
            t[..tests.len()].copy_from_slice(&tests);
            SimdClass { tests: t }
        })
    }

    fn contains(&self, b: u8) -> bool {
        self.tests.iter().any(|&(or, lo, span)| (b | or).wrapping_sub(lo) <= span)
    }

    /// Calls `check(i)` for each quote `region[i]` right after at least `len` (1 to 63) bytes of the
    /// class, in order, until it says yes; whether one did. 64 bytes a step: SIMD compares make bit
    /// masks of the class and of quotes, and runs of `len` class bytes come from the class mask by
    /// doubling (runs of 2, 4, … 32 bytes, then `len` from those its binary digits name). Code is
    /// dense with quotes (one every 46 bytes of the synthetic tree), and a `memchr2` call per quote
    /// made this check the largest cost near keyword hits.
    pub fn pieces_before_quotes(&self, region: &[u8], len: usize, mut check: impl FnMut(usize) -> bool) -> bool {
        use wide::u8x16;
        let len = len.clamp(1, 63);
        // `x` shifted `s` bytes later (`s` under 64), the previous block's `prev` filling in.
        let later = |x: u64, prev: u64, s: usize| if s == 0 { x } else { x << s | prev >> (64 - s) };
        let splat = u8x16::splat;
        let tests = self.tests.map(|(or, lo, span)| (splat(or), splat(lo), splat(span)));
        let (dq, sq) = (splat(b'"'), splat(b'\''));
        // The previous block's runs of 1, 2, 4, … 32 bytes, and of `len`.
        let mut prev = [0u64; 6];
        let mut prev_run = 0u64;
        for (n, block) in region.chunks(64).enumerate() {
            let (mut cmask, mut qmask) = (0u64, 0u64);
            if block.len() == 64 {
                for (k, chunk) in block.chunks_exact(16).enumerate() {
                    let mut arr = [0u8; 16];
                    arr.copy_from_slice(chunk);
                    let v = u8x16::new(arr);
                    let mut c = splat(0);
                    for &(or, lo, span) in &tests {
                        let d = (v | or) - lo;
                        c |= d.min(span).cmp_eq(d);
                    }
                    cmask |= u64::from(c.move_mask() as u16) << (16 * k);
                    qmask |= u64::from((v.cmp_eq(dq) | v.cmp_eq(sq)).move_mask() as u16) << (16 * k);
                }
            } else {
                for (i, &b) in block.iter().enumerate() {
                    cmask |= u64::from(self.contains(b)) << i;
                    qmask |= u64::from(b == b'"' || b == b'\'') << i;
                }
            }
            let mut pow = [cmask; 6];
            for k in 1..6 {
                pow[k] = pow[k - 1] & later(pow[k - 1], prev[k - 1], 1 << (k - 1));
            }
            let mut run = u64::MAX;
            let mut covered = 0;
            for k in (0..6).rev() {
                if len >> k & 1 == 1 {
                    run &= later(pow[k], prev[k], covered);
                    covered += 1 << k;
                }
            }
            let mut cand = qmask & later(run, prev_run, 1);
            (prev, prev_run) = (pow, run);
            while cand != 0 {
                let i = n * 64 + cand.trailing_zeros() as usize;
                cand &= cand - 1;
                if check(i) {
                    return true;
                }
            }
        }
        false
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

    /// The token class of the built-in rule: `A-Za-z0-9+/`.
    fn token_class() -> [bool; 256] {
        std::array::from_fn(|b| {
            let c = b as u8;
            c.is_ascii_alphanumeric() || c == b'+' || c == b'/'
        })
    }

    #[test]
    fn split_token_pieces_are_told_from_words_paths_and_digests() {
        // Every case through the byte-by-byte search (the base64 class needs more than four SIMD
        // tests) and through the SIMD one (the token class), which must agree.
        let token = token_class();
        let simd = SimdClass::new(&token).unwrap_or_else(|| panic!("the token class fits"));
        assert!(SimdClass::new(&B64).is_none());
        let wanted = |region: &[u8], piece: bool| -> bool {
            if !piece {
                return Unescape::wanted(region, None, None).concat;
            }
            let b64 = Unescape::wanted(region, Some((&B64, 20)), None).concat;
            let scalar = Unescape::wanted(region, Some((&token, 20)), None).concat;
            let fast = Unescape::wanted(region, Some((&token, 20)), Some(&simd)).concat;
            assert_eq!(scalar, fast, "{}", String::from_utf8_lossy(region));
            assert_eq!(b64, fast, "{}", String::from_utf8_lossy(region));
            fast
        };
        assert!(wanted(b"t = \"q8Zt3LmR2xWk9vNc4Hp7Yb\" +\n \"x9Lm2Qr8Zt3LmR2xWk9vN\"", true));
        assert!(wanted(b"t = \"AVNS_ab\" + \"cdefg\"", false));
        // Quote-dense code before the pieces: the quotes skipped after each quote hide none that
        // could close a piece (the opening quote of the piece is the closest).
        // (A piece of exactly 20 characters: its closing quote is the first one not skipped.)
        assert!(wanted(
            b"f(\"a\",\"b\",'c')\nservice_token_value = \"q8Zt3LmR2xWk9vNc4Hp7\" +\n \"x9Lm2Qr8Zt3LmR2xWk9vN\"",
            true
        ));
        assert!(wanted(b"f('a','b') + 'AVNS_ab' + 'cdefg'", false));
        assert!(wanted(b"\"\"q8Zt3LmR2xWk9vNc4Hp7Yb\"\n\"x9Lm2Qr8Zt3LmR2xWk9vN\"", true));
        assert!(!wanted(b"t = \"AVNS_ab\" + \"cdefg\"", true));
        for words in [
            &b"p = \"github.com/loader/api/pkg\" + \"/region/alpha/beta\""[..],
            b"h = \"5dd7f7e77195bcc960422ae9e319ba0d\" + \"abc\"",
        ] {
            assert!(wanted(words, false));
            assert!(!wanted(words, true));
        }
        // A piece that closes at every offset of the 64-byte steps, and across two of them.
        for pad in 0..140 {
            let text = format!(
                "{}x = \"q8Zt3LmR2xWk9vNc4Hp7Yb\" +\n \"x9Lm2Qr8Zt3LmR2xWk9vN\"",
                "ab \"c\" ".repeat(pad / 8) + &"-".repeat(pad % 8)
            );
            assert!(wanted(text.as_bytes(), true), "{pad}");
        }
    }

    #[test]
    fn simd_class_tests_are_the_class() {
        let token = token_class();
        let simd = SimdClass::new(&token).unwrap_or_else(|| panic!("fits"));
        assert!((0..=255u8).all(|b| simd.contains(b) == token[usize::from(b)]));
        let digits: [bool; 256] = std::array::from_fn(|b| (b as u8).is_ascii_digit());
        let simd = SimdClass::new(&digits).unwrap_or_else(|| panic!("fits"));
        assert!((0..=255u8).all(|b| simd.contains(b) == digits[usize::from(b)]));
        let quote: [bool; 256] = std::array::from_fn(|b| b as u8 == b'\'' || (b as u8).is_ascii_lowercase());
        assert!(SimdClass::new(&quote).is_none());
        assert!(SimdClass::new(&[false; 256]).is_none());
    }

    #[test]
    fn quotes_after_runs_match_a_byte_by_byte_search() {
        // Pseudo-random text of class bytes, quotes and others, every run length from 1 to 63:
        // the quotes the masks flag are exactly those a plain search finds.
        let token = token_class();
        let simd = SimdClass::new(&token).unwrap_or_else(|| panic!("fits"));
        let alphabet = b"aZ9+/\"'._ -\n";
        let mut x: u64 = 0x2545_f491_4f6c_dd1d;
        for round in 0..300 {
            let size = 1 + round * 7 % 700;
            let text: Vec<u8> = (0..size)
                .map(|i| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    // Long stretches of class bytes now and then.
                    if (i / 40) % 3 == 0 {
                        b"aZ9+/"[(x % 5) as usize]
                    } else {
                        alphabet[(x % alphabet.len() as u64) as usize]
                    }
                })
                .collect();
            for len in [1, 2, 3, 5, 7, 20, 31, 32, 33, 63] {
                let want: Vec<usize> = (len..text.len())
                    .filter(|&i| {
                        matches!(text[i], b'"' | b'\'') && text[i - len..i].iter().all(|&b| token[usize::from(b)])
                    })
                    .collect();
                let mut got = Vec::new();
                simd.pieces_before_quotes(&text, len, |i| {
                    got.push(i);
                    false
                });
                assert_eq!(got, want, "round {round}, len {len}");
            }
        }
    }

    #[test]
    fn unescape_maps_back() {
        let s = br#"x = "AVNS_ab" + "cde%2Bf\/g""#;
        let v = unescape(s, 0, s.len(), Unescape::wanted(s, None, None)).unwrap_or_else(|| panic!("no change"));
        assert_eq!(&v.bytes, br#"x = "AVNS_abcde+f/g""#);
        assert_eq!(v.kind, "percent+json-escape+concat");
        assert_eq!(v.map.len(), v.bytes.len() + 1);
        let at = v.bytes.iter().position(|&b| b == b'+').unwrap_or(0);
        assert_eq!(&s[v.map[at]..v.map[at] + 3], b"%2B");
    }

    #[test]
    fn unescape_leaves_lists_alone() {
        let s = br#"["abc", "def"] {"a": "b"}"#;
        assert!(!Unescape::wanted(s, None, None).any());
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
