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
    B64.contains(b)
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
    ///
    /// `%` and `\` are rare and found by `memchr2`; joins by one pass, 64 bytes a step, where SIMD
    /// compares make bit masks of quotes and the class's byte range and only the bytes those flag
    /// are looked at (code is dense with quotes: one every 46 bytes of the synthetic tree). Three
    /// passes (two `memchr` and a class mask of up to four tests) made this the largest cost near
    /// keyword hits.
    pub fn wanted(region: &[u8], piece: Option<(&Class, usize)>) -> Unescape {
        // Without a piece, `literal_join` wants 5 secret-like bytes before the closing quote.
        let (class, len) = piece.unwrap_or((&SECRETISH, 5));
        let len = len.max(1);
        let mut want = Unescape::default();
        // `%` and `\` are rare: `memchr2` (AVX2 where the CPU has it) finds them, not the SSE2
        // masks, which a quarter of the gate's instructions went to.
        for i in memchr::memchr2_iter(b'%', b'\\', region) {
            if region[i] == b'%' {
                want.percent |= matches!(
                    region.get(i + 1..i + 3),
                    Some([b'2', b'b' | b'B' | b'f' | b'F']) | Some([b'3', b'd' | b'D'])
                );
            } else {
                want.escapes |= matches!(region.get(i + 1), Some(b'/' | b'u'));
            }
            if want.percent && want.escapes {
                break;
            }
        }
        let masks = Masks::new(class);
        // Bytes of the class's range that end the previous block (a run may cross blocks).
        let mut carry = 0usize;
        // The last block padded with zeros: the padding is no quote.
        let blocks = region.chunks_exact(64);
        let tail = blocks.remainder();
        let mut last = [0u8; 64];
        last[..tail.len()].copy_from_slice(tail);
        for (n, block) in blocks.chain((!tail.is_empty()).then_some(&last[..])).enumerate() {
            let m = masks.of(block);
            let base = n * 64;
            // Quotes right after a byte of the range; then the run's length, from the mask.
            let after = m.range << 1 | u64::from(carry > 0);
            want.concat = bits(m.quote & after).any(|j| {
                let run = run_before(m.range, j, carry);
                let i = base + j;
                run >= len
                    && match piece {
                        Some((class, len)) => i >= len && is_random_piece(&region[i - len..i], class),
                        None => true,
                    }
                    && literal_join(region, i, region.len()).is_some()
            });
            carry = if m.range == u64::MAX { carry + 64 } else { m.range.leading_ones() as usize };
            if want.concat {
                break;
            }
        }
        want
    }

    /// Whether any decoding is wanted.
    pub fn any(self) -> bool {
        self.percent || self.escapes || self.concat
    }
}

/// A byte class: its table, and the range of bytes from its lowest to its highest, which one SIMD
/// subtract and compare test (a superset: the table decides wherever a run of the range matters).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Class {
    table: [bool; 256],
    lo: u8,
    span: u8,
}

impl Class {
    /// The class of the bytes `table` says yes to.
    pub const fn new(table: [bool; 256]) -> Class {
        let (mut lo, mut hi, mut b) = (255u8, 0u8, 0usize);
        while b < 256 {
            if table[b] {
                if (b as u8) < lo {
                    lo = b as u8;
                }
                hi = b as u8;
            }
            b += 1;
        }
        // An empty class: a range of one byte, which the table then refuses.
        let span = hi.saturating_sub(lo);
        Class { table, lo, span }
    }

    /// Whether `b` is in the class.
    #[inline]
    pub fn contains(&self, b: u8) -> bool {
        self.table[usize::from(b)]
    }

    #[cfg(test)]
    fn in_range(&self, b: u8) -> bool {
        b.wrapping_sub(self.lo) <= self.span
    }

    /// Whether all of `block` (64 bytes) is in the class's range: four SIMD tests.
    fn range_holds(&self, block: &[u8]) -> bool {
        use wide::u8x16;
        let (lo, span) = (u8x16::splat(self.lo), u8x16::splat(self.span));
        block.chunks_exact(16).all(|chunk| {
            let mut arr = [0u8; 16];
            arr.copy_from_slice(chunk);
            let d = u8x16::new(arr) - lo;
            d.min(span).cmp_eq(d).move_mask() == 0xffff
        })
    }
}

/// Bit masks of one block of 64 bytes (bit `i` for byte `i`).
struct Block {
    /// Bytes in the class's range.
    range: u64,
    /// `"` and `'`.
    quote: u64,
}

/// What [`Masks::of`] compares with, each byte in every lane (made once, not per block).
struct Masks {
    lo: wide::u8x16,
    span: wide::u8x16,
    dq: wide::u8x16,
    sq: wide::u8x16,
}

impl Masks {
    fn new(class: &Class) -> Masks {
        let splat = wide::u8x16::splat;
        Masks { lo: splat(class.lo), span: splat(class.span), dq: splat(b'"'), sq: splat(b'\'') }
    }

    /// The masks of `block` (64 bytes; a shorter one leaves the rest of the masks clear).
    #[inline]
    fn of(&self, block: &[u8]) -> Block {
        let mask = |v: wide::u8x16| u64::from(v.move_mask() as u16);
        let mut m = Block { range: 0, quote: 0 };
        for (k, chunk) in block.chunks_exact(16).enumerate() {
            let mut arr = [0u8; 16];
            arr.copy_from_slice(chunk);
            let v = wide::u8x16::new(arr);
            let d = v - self.lo;
            m.range |= mask(d.min(self.span).cmp_eq(d)) << (16 * k);
            m.quote |= mask(v.cmp_eq(self.dq) | v.cmp_eq(self.sq)) << (16 * k);
        }
        m
    }
}

/// The set bits of `m`, lowest first.
fn bits(mut m: u64) -> impl Iterator<Item = usize> {
    std::iter::from_fn(move || {
        (m != 0).then(|| {
            let i = m.trailing_zeros() as usize;
            m &= m - 1;
            i
        })
    })
}

/// How many bytes set in `mask` end just before bit `j`, counting `carry` more before bit 0 when
/// all of them are.
fn run_before(mask: u64, j: usize, carry: usize) -> usize {
    if j == 0 {
        return carry;
    }
    // Bits 0..j moved to the top: the run is the zeros of the complement that lead.
    let ones = ((!mask) << (64 - j)).leading_zeros() as usize;
    if ones >= j {
        j + carry
    } else {
        ones
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
    let secretish = |b: u8| SECRETISH.contains(b);
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

/// The runs of at least `min` bytes of `class` that overlap `input[lo..hi]`, each whole, in order.
///
/// A run of `min` bytes or more holds `k = (min - 63) / 64` whole 64-byte blocks (aligned to the
/// input), so one of those whose index is a multiple of `k`: only those are tested, with SIMD compares
/// against the class's range and then the class itself where the range holds. Text without such
/// runs costs about one test per `64 k` bytes (source code never fills a block with base64). Runs
/// too short for that are found by probing every `min`-th byte.
pub fn class_runs(input: &[u8], lo: usize, hi: usize, min: usize, class: &Class) -> Vec<(usize, usize)> {
    let k = min.saturating_sub(63) / 64;
    if k == 0 {
        return short_class_runs(input, lo, hi, min, class);
    }
    let mut out = Vec::new();
    // A run that overlaps `lo..hi` has `min` bytes within `lo - min..hi + min`.
    let end = (hi + min).min(input.len());
    let mut b = (lo.saturating_sub(min) / 64).next_multiple_of(k);
    while 64 * b + 64 <= end {
        let block = &input[64 * b..64 * b + 64];
        if !class.range_holds(block) || !block.iter().all(|&x| class.contains(x)) {
            b += k;
            continue;
        }
        let mut s = 64 * b;
        while s > 0 && class.contains(input[s - 1]) {
            s -= 1;
        }
        let mut e = 64 * b + 64;
        while e < input.len() && class.contains(input[e]) {
            e += 1;
        }
        if e - s >= min && s < hi && e > lo {
            out.push((s, e));
        }
        // The block that holds `e` is not whole.
        b = (e / 64 + 1).next_multiple_of(k);
    }
    out
}

/// [`class_runs`] for runs too short to hold a block of the right index: probes every `min`-th
/// byte, so text without such runs costs about `(hi - lo) / min` lookups. Finds each run that starts
/// in `lo..hi` or holds byte `lo + min - 1`.
fn short_class_runs(input: &[u8], lo: usize, hi: usize, min: usize, class: &Class) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut pos = lo;
    while pos < hi && pos + min <= input.len() {
        let probe = pos + min - 1;
        if !class.contains(input[probe]) {
            pos = probe + 1;
            continue;
        }
        let mut s = probe;
        while s > 0 && class.contains(input[s - 1]) {
            s -= 1;
        }
        let mut e = probe + 1;
        while e < input.len() && class.contains(input[e]) {
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
pub fn is_random_piece(piece: &[u8], class: &Class) -> bool {
    // From the end: a piece before a quote most often fails on its last bytes.
    piece.iter().rev().all(|&b| class.contains(b))
        && piece.iter().any(u8::is_ascii_uppercase)
        && piece.iter().any(u8::is_ascii_lowercase)
        && piece.iter().any(u8::is_ascii_digit)
}

/// Bytes of the standard and URL-safe base64 alphabets (not padding).
static B64: Class = Class::new({
    let mut t = [false; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        t[b] = c.is_ascii_alphanumeric() || c == b'+' || c == b'/' || c == b'-' || c == b'_';
        b += 1;
    }
    t
});

/// Bytes that may stand in a secret next to a join of string literals (`literal_join`).
static SECRETISH: Class = Class::new({
    let mut t = [false; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        t[b] = c.is_ascii_alphanumeric() || c == b'_' || c == b'-' || c == b'+' || c == b'/' || c == b'=';
        b += 1;
    }
    t
});

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
    fn token_class() -> Class {
        Class::new(std::array::from_fn(|b| {
            let c = b as u8;
            c.is_ascii_alphanumeric() || c == b'+' || c == b'/'
        }))
    }

    /// The plain definition of [`Unescape::wanted`], byte by byte: what the SIMD masks must agree with.
    fn wanted_oracle(region: &[u8], piece: Option<(&Class, usize)>) -> Unescape {
        let percent = (0..region.len()).any(|i| {
            region[i] == b'%'
                && matches!(
                    region.get(i + 1..i + 3),
                    Some([b'2', b'b' | b'B' | b'f' | b'F']) | Some([b'3', b'd' | b'D'])
                )
        });
        let escapes = (0..region.len()).any(|i| region[i] == b'\\' && matches!(region.get(i + 1), Some(b'/' | b'u')));
        let concat = (0..region.len()).any(|i| {
            matches!(region[i], b'"' | b'\'')
                && match piece {
                    Some((class, len)) => i >= len && is_random_piece(&region[i - len..i], class),
                    None => true,
                }
                && literal_join(region, i, region.len()).is_some()
        });
        Unescape { percent, escapes, concat }
    }

    #[test]
    fn split_token_pieces_are_told_from_words_paths_and_digests() {
        let token = token_class();
        let wanted = |region: &[u8], piece: bool| -> bool {
            let piece = piece.then_some((&token, 20));
            let got = Unescape::wanted(region, piece);
            assert_eq!(got, wanted_oracle(region, piece), "{}", String::from_utf8_lossy(region));
            // The base64 class (a wider range) finds the same pieces here.
            if let Some((_, len)) = piece {
                assert_eq!(Unescape::wanted(region, Some((&B64, len))).concat, got.concat);
            }
            got.concat
        };
        assert!(wanted(b"t = \"q8Zt3LmR2xWk9vNc4Hp7Yb\" +\n \"x9Lm2Qr8Zt3LmR2xWk9vN\"", true));
        assert!(wanted(b"t = \"AVNS_ab\" + \"cdefg\"", false));
        // Quote-dense code before the pieces.
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
        // A piece that closes at every offset of the 64-byte steps, and across two of them; a
        // piece longer than a step.
        for pad in 0..140 {
            let text = format!(
                "{}x = \"q8Zt3LmR2xWk9vNc4Hp7Yb\" +\n \"x9Lm2Qr8Zt3LmR2xWk9vN\"",
                "ab \"c\" ".repeat(pad / 8) + &"-".repeat(pad % 8)
            );
            assert!(wanted(text.as_bytes(), true), "{pad}");
            let long = format!("{}x = \"{}\" + \"x9Lm2\"", " ".repeat(pad), "q8Zt3LmR2xWk9vNc4Hp7Yb".repeat(4));
            assert!(wanted(long.as_bytes(), true), "{pad}");
        }
    }

    #[test]
    fn a_class_range_holds_the_class() {
        let token = token_class();
        assert_eq!((token.lo, token.span), (b'+', b'z' - b'+'));
        assert!((0..=255u8).all(|b| !token.contains(b) || token.in_range(b)));
        let empty = Class::new([false; 256]);
        assert!((0..=255u8).all(|b| !empty.contains(b)));
        assert!(!Unescape::wanted(b"\"abcdefgh\" + \"ijk\"", Some((&empty, 5))).concat);
    }

    /// Pseudo-random text: mostly bytes from `alphabet`, with stretches of `long` bytes.
    fn text(seed: &mut u64, size: usize, alphabet: &[u8], long: &[u8], stretch: usize) -> Vec<u8> {
        (0..size)
            .map(|i| {
                *seed ^= *seed << 13;
                *seed ^= *seed >> 7;
                *seed ^= *seed << 17;
                let from = if (i / stretch) % 3 == 0 { long } else { alphabet };
                from[(*seed % from.len() as u64) as usize]
            })
            .collect()
    }

    #[test]
    fn wanted_matches_a_byte_by_byte_search() {
        // Runs of every length before quotes, joins, `%2B` and `\/` at every offset of the steps.
        let token = token_class();
        let alphabet = b"aZ9+/\"'._ -\n%2B\\u";
        let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
        for round in 0..400 {
            let size = 1 + round * 7 % 700;
            let t = text(&mut seed, size, alphabet, b"aZ9+/qR7", 40);
            for piece in [
                None,
                Some((&token, 1)),
                Some((&token, 5)),
                Some((&token, 20)),
                Some((&token, 63)),
                Some((&token, 64)),
                Some((&token, 65)),
                Some((&token, 70)),
            ] {
                assert_eq!(Unescape::wanted(&t, piece), wanted_oracle(&t, piece), "round {round}");
            }
        }
    }

    #[test]
    fn class_runs_are_every_long_run_that_overlaps() {
        let token = token_class();
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        for round in 0..300 {
            let size = 1 + round * 37 % 3000;
            let t = text(&mut seed, size, b"aZ9 +/\n.", b"aZ9+/qR7xY", 500);
            // Every maximal run, as (start, end).
            let mut all = Vec::new();
            let mut i = 0;
            while i < t.len() {
                let s = i;
                while i < t.len() && token.contains(t[i]) {
                    i += 1;
                }
                if i > s {
                    all.push((s, i));
                }
                i += 1;
            }
            let lo = round * 13 % (size + 1);
            let hi = (lo + round * 101 % 1500).min(size);
            for min in [1, 5, 20, 126, 127, 128, 191, 338, 440] {
                let got = class_runs(&t, lo, hi, min, &token);
                let long = |&&(s, e): &&(usize, usize)| e - s >= min;
                if min >= 127 {
                    let want: Vec<_> = all.iter().filter(long).filter(|&&(s, e)| s < hi && e > lo).copied().collect();
                    assert_eq!(got, want, "round {round}, min {min}, {lo}..{hi}");
                } else {
                    // Probing: whole long runs, at least every one that starts in `lo..hi`.
                    assert!(got.iter().all(|r| all.contains(r) && r.1 - r.0 >= min), "round {round}, min {min}");
                    assert!(all.iter().filter(long).filter(|&&(s, _)| (lo..hi).contains(&s)).all(|r| got.contains(r)));
                }
            }
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
