//! The detection engine: bytes in, matches out. Pure: no I/O, no printing. One aho-corasick pass
//! finds every keyword (rule prefilters, context words, base64 forms of keywords); regexes run only
//! in windows around those hits; validators and context checks filter; decoding passes re-scan
//! bounded regions of text input; overlapping matches keep the most specific rule.

mod buckets;
pub use buckets::frequency;
pub mod decode;
pub mod validate;

use aho_corasick::{packed, AhoCorasick, AhoCorasickKind, MatchKind, Span};

use crate::rules::{Rule, Status, Validator};

/// Path for a blob whose path is not known yet (history): every context path counts, but only
/// keyword hits open regex windows (a real context path opens the whole file).
pub const UNKNOWN_PATH: &str = "\u{0}unknown";

/// How far (bytes) a context window may reach from the secret, whatever its line count.
pub const CONTEXT_CAP: usize = 1024;
/// How far around a keyword hit the decoding passes look.
const DECODE_RADIUS: usize = 1536;
/// Raw context kept on each side of a base64-decoded value.
const BASE64_CONTEXT: usize = 512;
/// Shortest base64 run that can encode an API token (4/3 of the shortest token).
const MIN_ENCODED_TOKEN: usize = 440;
/// Shortest piece of a split API token that must stand next to a join of string literals before a
/// neighbourhood is joined: a 340-character token cut into pieces shorter than this would take 17
/// literals.
const MIN_TOKEN_PIECE: usize = 20;
/// Nesting depth of decoding (base64 inside percent-encoding, and so on).
const MAX_DEPTH: u8 = 2;
/// How much of the start of a blob decides whether it is text (as git does).
const TEXT_SNIFF: usize = 8000;

/// A match of one rule: where the secret is (byte offsets into the scanned input) and what it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Match {
    /// Index of the rule in [`Engine::rules`].
    pub rule: usize,
    /// Byte offset of the first byte of the secret (of its encoded form when decoded).
    pub start: usize,
    /// Byte offset just past the secret.
    pub end: usize,
    /// The secret as matched (decoded). Never printed unless the user asks.
    pub secret: Vec<u8>,
    /// The decoding that revealed it, if any.
    pub decoding: Option<String>,
}

#[derive(Debug, Clone, Copy)]
struct Hit {
    pat: u32,
    start: usize,
    end: usize,
}

/// The keyword patterns an anchor is part of: (pattern, offset of the anchor in it).
type Expansion = Vec<(u32, usize)>;

/// Compiled rules plus the keyword automaton.
#[derive(Debug, Clone)]
pub struct Engine {
    rules: Vec<Rule>,
    /// Stage one, over the whole blob: a 3-byte window of each anchor of the prefilter keywords
    /// and base64 fragments 3 bytes or longer, in every ASCII case (fragments only as written), in
    /// the order that groups them into Teddy buckets well (see [`buckets`]).
    stage_one: Option<StageOne>,
    /// For each pattern of `stage_one`: its window (index into `win_anchors`).
    stage_one_win: Vec<usize>,
    /// For each window: the anchors (indices into `expand`) it is part of, and at which offset.
    win_anchors: Vec<Vec<(usize, usize)>>,
    /// Stage one: anchors shorter than 3 bytes, one `memmem` search for each of their case forms.
    short: Vec<(memchr::memmem::Finder<'static>, usize)>,
    /// Stage two, only in the context window of a candidate that passed every other check (rare):
    /// the anchors of the context keywords that hold no stage-one anchor, ASCII case-insensitive
    /// on the raw bytes.
    ctx_ac: Option<AhoCorasick>,
    /// For each anchor (stage-one automaton, then short, then stage two): the keyword patterns
    /// that contain it, and at which offset.
    expand: Vec<Expansion>,
    /// For each stage-one anchor: the part of `expand` compared at once, the patterns that can
    /// open a window (prefilter keywords and base64 fragments).
    expand_now: Vec<Expansion>,
    /// For each stage-one anchor: the rest of `expand` (context words only), compared only in the
    /// context window of a candidate (`aiven` is part of 16 keywords, 14 of them context words).
    expand_later: Vec<Expansion>,
    /// For each rule, each context: whether some of its keywords are found only by stage two.
    ctx_second: Vec<Vec<bool>>,
    /// Where the stage-two anchors start in `expand`.
    ctx_base: usize,
    /// Every keyword pattern: plain keywords first, lower-cased (they match in any case), then base64
    /// fragments as written (they match only so).
    pats: Vec<String>,
    /// For each automaton pattern: the rules whose prefilter it belongs to.
    pat_rules: Vec<Vec<usize>>,
    /// For each automaton pattern: whether it is a base64 form of a keyword.
    pat_fragment: Vec<bool>,
    /// For each pattern, how its hits open decoding neighbourhoods (`None`: a context word only,
    /// which opens none).
    decode_open: Vec<Option<DecodeOpen>>,
    /// For each rule, each context: which patterns count as context.
    ctx_pats: Vec<Vec<Vec<bool>>>,
    /// Radius of the regex window around a prefilter hit, per rule.
    radius: Vec<usize>,
    /// For rules whose contexts are all line windows: (lines above, lines below) a hit that the
    /// regex window covers (plus `max_len`), instead of `radius`.
    win_lines: Vec<Option<(usize, usize)>>,
    /// Rules that have context paths (checked per blob).
    path_rules: Vec<usize>,
    /// Length of the longest keyword pattern.
    max_pat_len: usize,
    /// Per rule: its `required_run` class.
    run_class: Vec<Option<decode::Class>>,
}

impl Engine {
    /// Builds the engine. The rules must already be compiled (see [`crate::rules`]).
    pub fn new(rules: Vec<Rule>) -> Engine {
        let mut pats: Vec<String> = Vec::new();
        let idx = |pats: &mut Vec<String>, s: &str| -> usize {
            let s = s.to_ascii_lowercase();
            if let Some(i) = pats.iter().position(|p| *p == s) {
                i
            } else {
                pats.push(s);
                pats.len() - 1
            }
        };
        let mut pat_rules: Vec<Vec<usize>> = Vec::new();
        let mut ctx_idx: Vec<Vec<Vec<usize>>> = Vec::new();
        for (ri, r) in rules.iter().enumerate() {
            for k in &r.keywords {
                let i = idx(&mut pats, k);
                pat_rules.resize(pats.len(), Vec::new());
                if !pat_rules[i].contains(&ri) {
                    pat_rules[i].push(ri);
                }
            }
            let mut per_rule = Vec::new();
            for c in &r.context {
                per_rule.push(c.keywords.iter().map(|k| idx(&mut pats, k)).collect::<Vec<_>>());
            }
            ctx_idx.push(per_rule);
        }
        // Base64 forms of each rule's encoded keywords (spelled as the rule writes them: an
        // encoded `AVNS_` is upper case, an encoded `.env` may say `aiven` or `AIVEN`) trigger the
        // base64 decoding pass, so an encoded secret with no plain keyword nearby is still decoded.
        let mut frags: Vec<String> = Vec::new();
        for r in &rules {
            for k in &r.encoded_keywords {
                frags.extend(decode::base64_fragments(k.as_bytes()));
            }
        }
        let plain = pats.len();
        for f in frags {
            if !pats[plain..].contains(&f) {
                pats.push(f);
            }
        }
        let pat_fragment: Vec<bool> = (0..pats.len()).map(|i| i >= plain).collect();
        pat_rules.resize(pats.len(), Vec::new());
        let ctx_pats = ctx_idx
            .iter()
            .map(|per_rule| {
                per_rule
                    .iter()
                    .map(|ids| {
                        let mut v = vec![false; pats.len()];
                        for &i in ids {
                            v[i] = true;
                        }
                        v
                    })
                    .collect()
            })
            .collect();
        // Anchors, in two stages. Stage one finds what can open a regex window: the prefilter
        // keywords and the base64 fragments. Most blobs have none and cost this one pass, over the
        // raw bytes. Keywords match in any ASCII case: stage one searches a 3-byte window of each
        // anchor in all its case forms (`aiv`, `Aiv`, … `AIV`), which share their low nibbles and so
        // one Teddy bucket, whose masks then admit exactly those forms. That replaced a search of a
        // lower-cased copy (aho-corasick drops its SIMD prefilter for case-insensitive search): the
        // copy was a pass of its own over every byte. The window is the one rarest in source text
        // (`h_t` of `auth_token`, not `aut` of `author`). A window hit is expanded to every keyword
        // that contains its anchor, by direct comparison. A 3-byte anchor (`avn`) makes Teddy's
        // fingerprint 3 bytes anyway. Anchors under 3 bytes get a `memmem` for each case form: in
        // the automaton they would make a candidate of most bytes. Stage two finds the context
        // keywords that no stage-one anchor finds, only in the context window of a candidate that
        // passed every other check: candidates are rare, so stage two costs nothing on almost every
        // blob (it was a second pass around every stage-one hit: 2.5 KiB each side, most of a
        // keyword-dense file).
        // NOTE: so a blob whose only keywords are context words is not decoded either (an escaped
        // or percent-encoded prefilter keyword with only a context word near it is not looked for).
        let is_fragment = |i: usize| i >= plain;
        let lower: Vec<String> = pats.iter().map(|p| p.to_ascii_lowercase()).collect();
        // Where anchor `a` stands in pattern `p`: a plain anchor in any case, a fragment (in a
        // fragment) only as written.
        let offsets = |p: usize, a: usize| -> Vec<usize> {
            if is_fragment(a) {
                if is_fragment(p) {
                    occurrences(pats[p].as_bytes(), pats[a].as_bytes())
                } else {
                    Vec::new()
                }
            } else {
                occurrences(lower[p].as_bytes(), pats[a].as_bytes())
            }
        };
        let covers = |a: usize, p: usize| pats[a].len() < pats[p].len() && !offsets(p, a).is_empty();
        let is_prefilter: Vec<bool> = (0..pats.len()).map(|i| is_fragment(i) || !pat_rules[i].is_empty()).collect();
        let minimal = |set: &[usize]| -> Vec<usize> {
            set.iter().copied().filter(|&i| !set.iter().any(|&j| covers(j, i))).collect()
        };
        let expansion = |a: usize| -> Vec<(u32, usize)> {
            (0..pats.len()).flat_map(|p| offsets(p, a).into_iter().map(move |off| (p as u32, off))).collect()
        };
        let first: Vec<usize> = minimal(&(0..pats.len()).filter(|&i| is_prefilter[i]).collect::<Vec<_>>());
        let (long, short_ids): (Vec<usize>, Vec<usize>) = first.into_iter().partition(|&i| pats[i].len() >= 3);
        let covered = |i: usize| long.iter().chain(&short_ids).any(|&a| a == i || covers(a, i));
        let second: Vec<usize> = minimal(&(0..pats.len()).filter(|&i| !covered(i)).collect::<Vec<_>>());
        let mut expand: Vec<Expansion> = Vec::new();
        for &i in long.iter().chain(&short_ids).chain(&second) {
            expand.push(expansion(i));
        }
        // Stage one's windows, each once, with the anchors they stand for.
        let mut wins: Vec<Vec<u8>> = Vec::new();
        let mut win_anchors: Vec<Vec<(usize, usize)>> = Vec::new();
        for (k, &i) in long.iter().enumerate() {
            let a = pats[i].as_bytes();
            let w = buckets::best_window(a, !is_fragment(i));
            let forms = if is_fragment(i) { vec![a[w..w + 3].to_vec()] } else { case_forms(&a[w..w + 3]) };
            for f in forms {
                let at = wins.iter().position(|x| *x == f).unwrap_or_else(|| {
                    wins.push(f);
                    win_anchors.push(Vec::new());
                    wins.len() - 1
                });
                win_anchors[at].push((k, w));
            }
        }
        let stage_one_win = buckets::teddy_order(&wins.iter().map(Vec::as_slice).collect::<Vec<_>>());
        let stage_one = StageOne::new(&stage_one_win.iter().map(|&w| wins[w].as_slice()).collect::<Vec<_>>());
        // Stage two searches raw bytes, ASCII case-insensitive, and reports overlapping matches.
        // NOTE: keywords are plain ASCII strings, so building can fail only short of memory; no
        // automaton then means no hits from it.
        let ctx_ac = (!second.is_empty())
            .then(|| {
                // An NFA: stage two searches a few context windows, and a DFA took longer to
                // build than all of them to search (start-up counts for `staged`).
                AhoCorasick::builder()
                    .kind(Some(AhoCorasickKind::ContiguousNFA))
                    .match_kind(MatchKind::Standard)
                    .ascii_case_insensitive(true)
                    .build(second.iter().map(|&i| &pats[i]))
                    .ok()
            })
            .flatten();
        let short: Vec<(memchr::memmem::Finder<'static>, usize)> = short_ids
            .iter()
            .enumerate()
            .flat_map(|(k, &i)| {
                let a = long.len() + k;
                case_forms(pats[i].as_bytes())
                    .into_iter()
                    .map(move |f| (memchr::memmem::Finder::new(&f).into_owned(), a))
            })
            .collect();
        let ctx_base = long.len() + short_ids.len();
        let (expand_now, expand_later): (Vec<Expansion>, Vec<Expansion>) =
            expand[..ctx_base].iter().map(|ex| ex.iter().partition(|&&(p, _)| is_prefilter[p as usize])).unzip();
        let stage_two: Vec<bool> = (0..pats.len())
            .map(|i| (ctx_base..expand.len()).any(|a| expand[a].iter().any(|&(pi, _)| pi as usize == i)))
            .collect();
        let ctx_second = ctx_idx
            .iter()
            .map(|per_rule| per_rule.iter().map(|ids| ids.iter().any(|&i| stage_two[i])).collect())
            .collect();
        let radius = rules.iter().map(|r| r.max_len + if r.context.is_empty() { 0 } else { CONTEXT_CAP }).collect();
        // A secret that uses a hit as context lies at most `lines_after` lines above it and
        // `lines_before` lines below it: the regex window around a hit follows those lines.
        let win_lines = rules
            .iter()
            .map(|r| {
                let near: Vec<_> = r.context.iter().filter(|c| !c.file).collect();
                (!near.is_empty() && near.len() == r.context.len()).then(|| {
                    (
                        near.iter().map(|c| c.lines_after).max().unwrap_or(0),
                        near.iter().map(|c| c.lines_before).max().unwrap_or(0),
                    )
                })
            })
            .collect();
        let path_rules = rules.iter().enumerate().filter(|(_, r)| r.context_paths.is_some()).map(|(i, _)| i).collect();
        // NOTE: a context word alone opens no decoding: it opens no regex window either, and a
        // secret it could be context for has a prefilter keyword of its own nearby.
        let decode_open = pat_rules
            .iter()
            .map(|rs| {
                let runs = rs.iter().filter(|&&ri| rules[ri].required_run.is_some()).count();
                (!rs.is_empty()).then(|| DecodeOpen {
                    // A keyword that is part of every one of its rules' secrets needs no more than
                    // the longest such secret (plus a join).
                    radius: if runs == 0 {
                        rs.iter().map(|&ri| rules[ri].max_len + 64).max().unwrap_or(0).min(DECODE_RADIUS)
                    } else {
                        DECODE_RADIUS
                    },
                    piece_rule: (runs == rs.len()).then_some(rs[0]),
                })
            })
            .collect();
        let max_pat_len = pats.iter().map(String::len).max().unwrap_or(0);
        let run_class =
            rules.iter().map(|r| r.required_run.as_ref().map(|(class, _, _)| decode::Class::new(**class))).collect();
        Engine {
            run_class,
            max_pat_len,
            rules,
            stage_one,
            stage_one_win,
            win_anchors,
            short,
            ctx_ac,
            expand,
            expand_now,
            expand_later,
            ctx_base,
            ctx_second,
            pats,
            pat_rules,
            pat_fragment,
            decode_open,
            ctx_pats,
            radius,
            win_lines,
            path_rules,
        }
    }

    /// The rules, in the order match indices refer to.
    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// Scans one blob. `path` is only data: context paths are matched against it. Matches are sorted
    /// by offset, one per location.
    pub fn scan(&self, bytes: &[u8], path: &str) -> Vec<Match> {
        let mut out = self.scan_depth(bytes, path, 0);
        out.sort_by_key(|m| (m.start, m.end, m.rule));
        out
    }

    fn scan_depth(&self, bytes: &[u8], path: &str, depth: u8) -> Vec<Match> {
        let (hits, later) = self.keyword_hits(bytes);
        let unknown_path = path == UNKNOWN_PATH;
        let path_ctx: Vec<usize> = if unknown_path {
            self.path_rules.clone()
        } else {
            self.path_rules.iter().copied().filter(|&ri| self.rules[ri].path_is_context(path)).collect()
        };
        if hits.is_empty() && (path_ctx.is_empty() || unknown_path) {
            return Vec::new();
        }
        let mut found = Vec::new();
        let mut regions: Vec<(usize, usize)> = Vec::new();
        for (ri, rule) in self.rules.iter().enumerate() {
            if rule.status == Status::Disabled {
                continue;
            }
            let by_path = path_ctx.contains(&ri);
            // A context path makes the whole blob the window.
            let whole = by_path && !unknown_path;
            regions.clear();
            let of_rule = |h: &&Hit| self.pat_rules[h.pat as usize].contains(&ri);
            let rule_hits = || hits.iter().filter(of_rule);
            if whole {
                regions.push((0, bytes.len()));
            } else if rule.required_run.is_some() {
                // The widest each hit's window can be: runs are looked for in these first (a
                // probe every `min` bytes), and a hit's own window is worked out only for the
                // rare run near it (text dense with keywords has no run near most of its hits).
                let r = self.radius[ri];
                for h in rule_hits() {
                    push_merged(&mut regions, h.start.saturating_sub(r), (h.end + r).min(bytes.len()));
                }
            } else {
                for h in rule_hits() {
                    let (lo, hi) = self.hit_window(ri, bytes, h);
                    push_merged(&mut regions, lo, hi);
                }
            }
            if let (Some((_, min, max)), Some(class)) = (&rule.required_run, &self.run_class[ri]) {
                // Narrow the windows to the runs a match must lie in (two bytes of slack for `=`),
                // keeping a run only if it reaches into the window of a hit.
                let mut runs = Vec::new();
                for &(lo, hi) in &regions {
                    runs.extend(decode::class_runs(bytes, lo, hi, *min, class));
                }
                runs.dedup();
                runs.retain(|&(s, e)| e - s <= *max);
                if !whole {
                    let r = self.radius[ri];
                    runs.retain(|&(s, e)| {
                        // Hits are sorted by start, and none is longer than the longest keyword.
                        let first = hits.partition_point(|h| h.start + self.max_pat_len + r <= s);
                        hits[first..].iter().take_while(|h| h.start < e + r).filter(of_rule).any(|h| {
                            let (lo, hi) = self.hit_window(ri, bytes, h);
                            s < hi && e > lo
                        })
                    });
                }
                regions.clear();
                regions.extend(runs.into_iter().map(|(s, e)| (s, (e + 2).min(bytes.len()))));
            }
            for &(lo, hi) in &regions {
                for re in rule.regexes.iter().filter_map(crate::rules::Pattern::regex) {
                    for caps in re.captures_iter(&bytes[lo..hi]) {
                        let Some(m) = caps.name("secret") else { continue };
                        let (s, e) = (lo + m.start(), lo + m.end());
                        if self.accept(ri, bytes, s, e, (&hits, &later), by_path) {
                            found.push(Match {
                                rule: ri,
                                start: s,
                                end: e,
                                secret: bytes[s..e].to_vec(),
                                decoding: None,
                            });
                        }
                    }
                }
            }
        }
        let is_text = memchr::memchr(0, &bytes[..bytes.len().min(TEXT_SNIFF)]).is_none();
        if depth < MAX_DEPTH && is_text && !hits.is_empty() {
            let decoded = self.decode_pass(bytes, path, depth, &hits);
            found.extend(decoded);
        }
        resolve_overlaps(&self.rules, found)
    }

    /// The regex window of rule `ri` around hit `h`: the lines its contexts reach, or its radius.
    fn hit_window(&self, ri: usize, bytes: &[u8], h: &Hit) -> (usize, usize) {
        let max_len = self.rules[ri].max_len;
        match self.win_lines[ri] {
            Some((up, down)) => (
                lines_back(bytes, h.start, up).saturating_sub(max_len),
                (lines_forward(bytes, h.end, down) + max_len).min(bytes.len()),
            ),
            None => (h.start.saturating_sub(self.radius[ri]), (h.end + self.radius[ri]).min(bytes.len())),
        }
    }

    /// How many keyword occurrences the prefilter pass finds in `bytes`: that pass alone, the part
    /// of a scan every byte pays (for benchmarks).
    pub fn keyword_count(&self, bytes: &[u8]) -> usize {
        self.keyword_hits(bytes).0.len()
    }

    /// Every occurrence of a keyword that can open a window (prefilter keywords in any ASCII case,
    /// fragments as written), sorted by position; and where a stage-one anchor that is also part
    /// of context words may stand (`(start, anchor)`, sorted), for [`Engine::later_hits`].
    fn keyword_hits(&self, bytes: &[u8]) -> (Vec<Hit>, Vec<(usize, usize)>) {
        let mut hits = Vec::new();
        let mut later = Vec::new();
        let mut found = |a: usize, start: usize, hits: &mut Vec<Hit>| {
            self.expand_hit(bytes, &self.expand_now[a], start, hits);
            if !self.expand_later[a].is_empty() {
                later.push((start, a));
            }
        };
        if let Some(s) = &self.stage_one {
            s.for_each(bytes, |pattern, at| {
                for &(a, w) in &self.win_anchors[self.stage_one_win[pattern]] {
                    if let Some(start) = at.checked_sub(w) {
                        found(a, start, &mut hits);
                    }
                }
            });
        }
        for (f, a) in &self.short {
            for at in f.find_iter(bytes) {
                found(*a, at, &mut hits);
            }
        }
        hits.sort_by_key(|h| (h.start, h.end, h.pat));
        hits.dedup_by_key(|h| (h.start, h.end, h.pat));
        later.sort_unstable();
        later.dedup();
        (hits, later)
    }

    /// The context words found through `later` (anchors that stage one found) that start in
    /// `bytes[lo..hi]`.
    fn later_hits(&self, bytes: &[u8], later: &[(usize, usize)], lo: usize, hi: usize) -> Vec<Hit> {
        let mut hits = Vec::new();
        // An anchor stands inside its pattern, at most the longest pattern after its start.
        let first = later.partition_point(|&(at, _)| at < lo);
        for &(at, a) in later[first..].iter().take_while(|&&(at, _)| at < hi + self.max_pat_len) {
            self.expand_hit(bytes, &self.expand_later[a], at, &mut hits);
        }
        hits.retain(|h| (lo..hi).contains(&h.start));
        hits
    }

    /// Records every keyword pattern of `expansion` (an anchor's, found at `at` in `bytes`): a
    /// plain keyword in any ASCII case, a base64 fragment as written.
    fn expand_hit(&self, bytes: &[u8], expansion: &[(u32, usize)], at: usize, hits: &mut Vec<Hit>) {
        for &(pi, off) in expansion {
            let Some(s) = at.checked_sub(off) else { continue };
            let p = self.pats[pi as usize].as_bytes();
            let Some(t) = bytes.get(s..s + p.len()).filter(|_| !p.is_empty()) else { continue };
            // The end bytes first: most keywords that contain an anchor differ from the text there
            // (`aiven` hits, `aiven_token` and `provider "aiven"` do not follow).
            let last = p.len() - 1;
            let found = if self.pat_fragment[pi as usize] {
                t[0] == p[0] && t[last] == p[last] && t == p
            } else {
                t[0].eq_ignore_ascii_case(&p[0]) && t[last].eq_ignore_ascii_case(&p[last]) && t.eq_ignore_ascii_case(p)
            };
            if found {
                hits.push(Hit { pat: pi, start: s, end: s + p.len() });
            }
        }
    }

    /// Stage two: the context keywords that no stage-one anchor finds, in `bytes[lo..hi]`.
    fn context_hits(&self, bytes: &[u8], lo: usize, hi: usize) -> Vec<Hit> {
        let mut hits = Vec::new();
        let Some(ac) = &self.ctx_ac else { return hits };
        for m in ac.find_overlapping_iter(&bytes[lo..hi]) {
            self.expand_hit(bytes, &self.expand[self.ctx_base + m.pattern().as_usize()], lo + m.start(), &mut hits);
        }
        hits
    }

    /// Runs the decoding passes near keyword hits and maps matches back. What is decoded is
    /// chosen so that text without encoded secrets costs almost nothing:
    /// - base64 runs that hold a base64 form of a keyword (an encoded `AVNS_…`, URI or `.env`);
    /// - base64 runs long enough to encode an API token, near a plain keyword (the context of a
    ///   token encoded in a Kubernetes Secret is outside the encoding);
    /// - percent-encoding, escapes and split literals in a keyword's neighbourhood, when the
    ///   neighbourhood holds what they would undo.
    fn decode_pass(&self, bytes: &[u8], path: &str, depth: u8, hits: &[Hit]) -> Vec<Match> {
        // Neighbourhoods, merged, in two lists: those open to every decoding, and those whose
        // literal joins are gated by a rule's run class (kept apart, or one `AVNS_` or URI hit
        // would open every token keyword's wide neighbourhood around it to every join).
        let mut open: Vec<(usize, usize)> = Vec::new();
        let mut gated: Vec<(usize, usize)> = Vec::new();
        let mut gate_rule = None;
        let mut runs: Vec<(usize, usize)> = Vec::new();
        for h in hits {
            if self.pat_fragment[h.pat as usize] {
                runs.extend(decode::run_around(bytes, h.start));
                continue;
            }
            let Some(d) = self.decode_open[h.pat as usize] else { continue };
            let (lo, hi) = (h.start.saturating_sub(d.radius), (h.end + d.radius).min(bytes.len()));
            match d.piece_rule {
                None => push_merged(&mut open, lo, hi),
                Some(ri) => {
                    gate_rule.get_or_insert(ri);
                    push_merged(&mut gated, lo, hi);
                }
            }
        }
        let piece = gate_rule.and_then(|ri| self.run_class[ri].as_ref()).map(|class| (class, MIN_TOKEN_PIECE));
        let mut views = Vec::new();
        for (&(lo, hi), piece) in open.iter().map(|r| (r, None)).chain(gated.iter().map(|r| (r, piece))) {
            runs.extend(decode::long_runs(bytes, lo, hi, MIN_ENCODED_TOKEN));
            let want = decode::Unescape::wanted(&bytes[lo..hi], piece);
            if want.any() {
                views.extend(decode::unescape(bytes, lo, hi, want));
            }
        }
        runs.sort_unstable();
        runs.dedup();
        for &(s, e) in &runs {
            views.extend(decode::base64_view(bytes, s, e, BASE64_CONTEXT));
        }
        let mut out = Vec::new();
        for v in views {
            for m in self.scan_depth(&v.bytes, path, depth + 1) {
                // Matches in the raw context around a decoded value are found at this level.
                if m.end <= v.decoded.0 || m.start >= v.decoded.1 {
                    continue;
                }
                let (s, e) = (v.map[m.start], v.map[m.end].max(v.map[m.start] + 1));
                let decoding = Some(match m.decoding {
                    Some(inner) => format!("{}+{inner}", v.kind),
                    None => v.kind.clone(),
                });
                out.push(Match { rule: m.rule, start: s, end: e.min(bytes.len()), secret: m.secret, decoding });
            }
        }
        out
    }

    /// Boundary, validator and context checks for one candidate `bytes[s..e]` of rule `ri`.
    fn accept(
        &self,
        ri: usize,
        bytes: &[u8],
        s: usize,
        e: usize,
        found: (&[Hit], &[(usize, usize)]),
        by_path: bool,
    ) -> bool {
        let (hits, later) = found;
        let rule = &self.rules[ri];
        if let Some(t) = &rule.not_before {
            if s > 0 && t[bytes[s - 1] as usize] {
                return false;
            }
        }
        if let Some(t) = &rule.not_after {
            if e < bytes.len() && t[bytes[e] as usize] {
                return false;
            }
        }
        let secret = &bytes[s..e];
        if let Some(min) = rule.min_entropy {
            if validate::entropy(secret) < min {
                return false;
            }
        }
        for v in &rule.validators {
            let ok = match v {
                Validator::Base64Binary => validate::is_base64_binary(secret),
                Validator::LengthMultipleOf4 => secret.len() % 4 == 0,
                Validator::NotPlaceholder => !validate::is_placeholder(secret),
            };
            if !ok {
                return false;
            }
        }
        if rule.context.is_empty() || by_path {
            return true;
        }
        rule.context.iter().enumerate().any(|(ci, c)| {
            let (wlo, whi) = if c.file {
                (0, bytes.len())
            } else {
                (lines_back(bytes, s, c.lines_before), lines_forward(bytes, e, c.lines_after))
            };
            let pats = &self.ctx_pats[ri][ci];
            let counts = |h: &Hit| {
                pats[h.pat as usize] && h.end <= whi && (h.end <= s || h.start >= e) && !inside_encoded(bytes, h)
            };
            let first = hits.partition_point(|h| h.start < wlo);
            hits[first..].iter().take_while(|h| h.start < whi).any(counts)
                || self.later_hits(bytes, later, wlo, whi).iter().any(counts)
                || (self.ctx_second[ri][ci] && self.context_hits(bytes, wlo, whi).iter().any(counts))
        })
    }
}

/// How the hits of one keyword open decoding neighbourhoods.
#[derive(Debug, Clone, Copy)]
struct DecodeOpen {
    /// How far around a hit decoding looks.
    radius: usize,
    /// `Some(ri)`: string literals are joined only after a random-looking piece of rule `ri`'s
    /// `required_run` class (every rule of the keyword needs such a run: the pieces of a split API
    /// token); `None`: every decoding applies.
    piece_rule: Option<usize>,
}

/// Appends `[lo, hi)` to ranges pushed in order of the positions they were cut around, merging it
/// into the last one when they overlap (it may reach further back than the last one when radii
/// differ).
fn push_merged(ranges: &mut Vec<(usize, usize)>, lo: usize, hi: usize) {
    match ranges.last_mut() {
        Some(last) if lo <= last.1 => *last = (last.0.min(lo), last.1.max(hi)),
        _ => ranges.push((lo, hi)),
    }
}

/// Stage one's search for its 3-byte windows: Teddy (slim, up to 64 patterns: more buckets would
/// halve the bytes per step, and the windows' case forms are grouped by hand, see [`buckets`]), or
/// an automaton where Teddy cannot be built (too many windows, a CPU without SSSE3).
#[derive(Debug, Clone)]
enum StageOne {
    Teddy(packed::Searcher),
    Automaton(AhoCorasick),
}

impl StageOne {
    fn new(wins: &[&[u8]]) -> Option<StageOne> {
        if wins.is_empty() {
            return None;
        }
        let teddy = packed::Config::new()
            .match_kind(packed::MatchKind::LeftmostFirst)
            .only_teddy(true)
            .only_teddy_fat(Some(false))
            .builder()
            .extend(wins)
            .build();
        // NOTE: windows are byte strings, so building the automaton can fail only short of memory;
        // no automaton then means no hits from it.
        teddy.map(StageOne::Teddy).or_else(|| {
            AhoCorasick::builder().match_kind(MatchKind::Standard).build(wins).ok().map(StageOne::Automaton)
        })
    }

    /// Calls `f(pattern, start)` for every occurrence of every window. All windows are 3 bytes and
    /// each is listed once (repeats aside, which never match first), so the leftmost match at each
    /// position is the only one there: searching on from the byte after each match finds them all,
    /// overlapping ones included.
    fn for_each(&self, bytes: &[u8], mut f: impl FnMut(usize, usize)) {
        match self {
            StageOne::Teddy(t) => {
                let mut at = 0;
                while let Some(m) = t.find_in(bytes, Span::from(at..bytes.len())) {
                    f(m.pattern().as_usize(), m.start());
                    at = m.start() + 1;
                }
            }
            StageOne::Automaton(ac) => {
                for m in ac.find_overlapping_iter(bytes) {
                    f(m.pattern().as_usize(), m.start());
                }
            }
        }
    }
}

/// Where `needle` occurs in `hay`, without overlaps, as `str::match_indices` (but never for an
/// empty needle), without setting up a substring searcher for each of thousands of pairs of short
/// keywords.
fn occurrences(hay: &[u8], needle: &[u8]) -> Vec<usize> {
    let mut out = Vec::new();
    let mut i = 0;
    while !needle.is_empty() && i + needle.len() <= hay.len() {
        if hay[i..].starts_with(needle) {
            out.push(i);
            i += needle.len();
        } else {
            i += 1;
        }
    }
    out
}

/// Every ASCII case form of `w` (`avn`, `Avn`, … `AVN`): 2 to the number of its letters.
fn case_forms(w: &[u8]) -> Vec<Vec<u8>> {
    let letters: Vec<usize> = (0..w.len()).filter(|&i| w[i].is_ascii_alphabetic()).collect();
    (0..1usize << letters.len())
        .map(|m| {
            let mut f = w.to_ascii_lowercase();
            for (bit, &i) in letters.iter().enumerate() {
                if m >> bit & 1 == 1 {
                    f[i] = f[i].to_ascii_uppercase();
                }
            }
            f
        })
        .collect()
}

/// Start of the line `n` lines above the one holding `pos`, no further than [`CONTEXT_CAP`] back.
fn lines_back(bytes: &[u8], pos: usize, n: usize) -> usize {
    let floor = pos.saturating_sub(CONTEXT_CAP);
    // The (n + 1)-th line break before `pos`, 64 bytes a step from the end.
    let mut left = n + 1;
    let mut end = pos;
    while end > floor {
        let start = end.saturating_sub(64).max(floor);
        let mut m = newlines(&bytes[start..end]);
        let count = m.count_ones() as usize;
        if count >= left {
            for _ in 1..left {
                m &= !(1u64 << (63 - m.leading_zeros()));
            }
            return start + (63 - m.leading_zeros() as usize) + 1;
        }
        left -= count;
        end = start;
    }
    floor
}

/// End of the line `n` lines below the one holding `pos`, no further than [`CONTEXT_CAP`] on.
fn lines_forward(bytes: &[u8], pos: usize, n: usize) -> usize {
    let ceil = (pos + CONTEXT_CAP).min(bytes.len());
    // The (n + 1)-th line break from `pos` on, 64 bytes a step.
    let mut left = n + 1;
    let mut start = pos;
    while start < ceil {
        let end = (start + 64).min(ceil);
        let mut m = newlines(&bytes[start..end]);
        let count = m.count_ones() as usize;
        if count >= left {
            for _ in 1..left {
                m &= m - 1;
            }
            return start + m.trailing_zeros() as usize + 1;
        }
        left -= count;
        start = end;
    }
    ceil
}

/// Bit `i` set when `block[i]` (at most 64 bytes) is a line break: SIMD compares for a whole
/// block. Regex windows span up to 20 lines each way around every hit of a keyword, and a
/// `memchr` call per line was most of working them out.
fn newlines(block: &[u8]) -> u64 {
    use wide::u8x16;
    let nl = u8x16::splat(b'\n');
    if block.len() == 64 {
        let mut m = 0u64;
        for (k, chunk) in block.chunks_exact(16).enumerate() {
            let mut arr = [0u8; 16];
            arr.copy_from_slice(chunk);
            m |= u64::from(u8x16::new(arr).cmp_eq(nl).move_mask() as u16) << (16 * k);
        }
        m
    } else {
        block.iter().enumerate().fold(0, |m, (i, &b)| m | u64::from(b == b'\n') << i)
    }
}

/// A keyword inside a long run of base64 (a data URI, a font, a PEM body, ciphertext) is chance,
/// not context.
fn inside_encoded(bytes: &[u8], h: &Hit) -> bool {
    if !bytes[h.start..h.end].iter().all(|&b| decode::is_b64(b)) {
        return false;
    }
    let mut lo = h.start;
    while lo > 0 && h.start - lo < 64 && decode::is_b64(bytes[lo - 1]) {
        lo -= 1;
    }
    let mut hi = h.end;
    while hi < bytes.len() && hi - h.end < 64 && decode::is_b64(bytes[hi]) {
        hi += 1;
    }
    hi - lo >= 40
}

/// One match per location: among overlapping matches, a plain match beats a decoded one, then the
/// higher priority (the more specific rule) wins, then the longer.
fn resolve_overlaps(rules: &[Rule], mut ms: Vec<Match>) -> Vec<Match> {
    if ms.len() < 2 {
        return ms;
    }
    let rank = |m: &Match| (m.decoding.is_none(), rules[m.rule].priority, m.end - m.start);
    ms.sort_by(|a, b| rank(b).cmp(&rank(a)).then(a.start.cmp(&b.start)));
    // Kept matches are disjoint, so sorted by start their ends are sorted too: only the kept match
    // that starts last before `m.end` can overlap `m` (a map, not a scan of every kept match: a
    // blob with thousands of findings stays linear-logarithmic).
    let mut kept: std::collections::BTreeMap<usize, Match> = std::collections::BTreeMap::new();
    for m in ms {
        let overlaps = kept.range(..m.end).next_back().is_some_and(|(_, k)| k.end > m.start);
        if !overlaps {
            kept.insert(m.start, m);
        }
    }
    kept.into_values().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn engine() -> Engine {
        Engine::new(crate::rules::builtin().unwrap_or_else(|e| panic!("{e}")))
    }

    fn ids(e: &Engine, text: &str, path: &str) -> Vec<String> {
        e.scan(text.as_bytes(), path).iter().map(|m| e.rules()[m.rule].id.clone()).collect()
    }

    fn token() -> String {
        // 279 pseudo-random bytes -> 372 base64 characters.
        let mut x: u32 = 0x9e37_79b9;
        let bytes: Vec<u8> = (0..279)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                (x >> 24) as u8
            })
            .collect();
        use base64::Engine as _;
        base64::engine::general_purpose::STANDARD.encode(bytes)
    }

    /// `t` as Python string literals of 62 characters, one per line (implicit concatenation).
    fn split_literals(t: &str) -> String {
        t.as_bytes()
            .chunks(62)
            .map(|c| format!("    \"{}\"", String::from_utf8_lossy(c)))
            .collect::<Vec<_>>()
            .join("\n")
    }

    #[test]
    fn token_needs_context_before_or_after() {
        let e = engine();
        let t = token();
        assert_eq!(ids(&e, &format!("AIVEN_TOKEN={t}\n"), "a.env"), ["aiven-api-token"]);
        assert_eq!(ids(&e, &format!("token: {t} # aiven\n"), "a.yml"), ["aiven-api-token"]);
        assert!(ids(&e, &format!("caBundle: {t}\n"), "a.yml").is_empty());
        assert!(ids(&e, &format!("caBundle: {t}\n\n\n\n\nhost: pg.aivencloud.com\n"), "a.yml").is_empty());
        assert_eq!(
            ids(&e, &format!("{{\"auth_token\": \"{t}\"}}"), "home/.config/aiven/aiven-credentials.json"),
            ["aiven-api-token"]
        );
    }

    #[test]
    fn token_among_many_keyword_hits_is_found_once() {
        // Hundreds of hits whose windows all reach the token's run, and a run no hit's window
        // reaches (too many lines away from every hit, though within its byte radius).
        let e = engine();
        let t = token();
        let above = "aiven x\n".repeat(300);
        let text = format!("{above}AIVEN_TOKEN={t}\n{above}");
        let ms = e.scan(text.as_bytes(), "a.env");
        assert_eq!(ms.len(), 1, "{ms:?}");
        assert_eq!(ms[0].secret, t.as_bytes());
        let far = format!("aiven_token:\n{}value: {t}\n", "#\n".repeat(12));
        assert!(e.scan(far.as_bytes(), "a.yml").is_empty());
        let near = format!("aiven_token:\n{}value: {t}\n", "#\n".repeat(8));
        assert_eq!(e.scan(near.as_bytes(), "a.yml").len(), 1);
    }

    #[test]
    fn token_length_is_bounded_by_its_run() {
        // 420 base64 characters is the longest token; 424 (still a multiple of 4) is not one.
        let e = engine();
        let t = token();
        let long = format!("{t}{}", &t[..52]);
        assert_eq!(long.len(), 424);
        assert!(ids(&e, &format!("AIVEN_TOKEN={long}\n"), "a.env").is_empty());
        assert_eq!(ids(&e, &format!("AIVEN_TOKEN={}\n", &long[..420]), "a.env"), ["aiven-api-token"]);
    }

    #[test]
    fn keywords_at_every_offset_and_in_any_case_are_found_once() {
        // Teddy works 16 or 32 bytes at a time and needs a minimum haystack: keywords (and keywords
        // that contain an anchor, such as `aiven_token`) at every offset of a block, and in any
        // case, count as they do alone.
        let e = engine();
        let tail = "aiven_token: 'AVNS_q8Zt3LmR2xWk9vNc4Hp' # avnadmin at pg.aivencloud.com, AIVEN\n";
        let want = e.keyword_count(tail.as_bytes());
        assert!(want >= 6, "{want}");
        let mixed: String =
            tail.chars().enumerate().map(|(i, c)| if i % 2 == 0 { c.to_ascii_uppercase() } else { c }).collect();
        for tail in [tail.to_string(), tail.replace("aiven", "AiVeN").replace("avnadmin", "AVNADMIN"), mixed] {
            for shift in 0..80 {
                let text = format!("{}{tail}", "x".repeat(shift));
                assert_eq!(e.keyword_count(text.as_bytes()), want, "shift {shift}: {text}");
                let ms = e.scan(text.as_bytes(), "a.yml");
                assert_eq!(ms.len(), 1, "{ms:?}");
                assert!(text[ms[0].start..ms[0].end].eq_ignore_ascii_case("AVNS_q8Zt3LmR2xWk9vNc4Hp"));
            }
        }
    }

    #[test]
    fn every_keyword_is_found_whatever_order_its_anchors_are_searched_in() {
        // The built-in anchors' windows are reordered (and some repeated) for Teddy's buckets; with
        // more than 64 windows an automaton searches them in their written order. Either way each
        // keyword, in any case, and each base64 fragment of an encoded keyword, as written only, is
        // found, and counted once: prefilter keywords by the keyword pass, context words through
        // the anchors it found (or by stage two).
        let extra: Vec<String> = (0..40).map(|i| format!("kw{i:02}zq")).collect();
        let toml = format!(
            "[[rule]]\nid = \"many\"\nname = \"n\"\ndescription = \"d\"\nseverity = \"low\"\nconfidence = \"low\"\n\
             remediation = \"r\"\nkeywords = [{}]\npattern = '(?P<secret>kw00zq[0-9]{{4}})'\n\
             [[rule.examples]]\ntext = 'kw00zq1234'\n",
            extra.iter().map(|k| format!("\"{k}\"")).collect::<Vec<_>>().join(", ")
        );
        let mut rules = crate::rules::builtin().unwrap_or_else(|e| panic!("{e}"));
        let builtin = Engine::new(rules.clone());
        rules.extend(crate::rules::parse_rules(&toml, "many.toml").unwrap_or_else(|e| panic!("{e}")));
        let many = Engine::new(rules);
        assert!(matches!(builtin.stage_one, Some(StageOne::Teddy(_))));
        assert!(matches!(many.stage_one, Some(StageOne::Automaton(_))));
        assert_ne!(builtin.stage_one_win, (0..builtin.win_anchors.len()).collect::<Vec<_>>());
        for e in [&builtin, &many] {
            for (i, p) in e.pats.iter().enumerate() {
                let count = |text: &str| {
                    let b = format!("..{text}..");
                    let (hits, later) = e.keyword_hits(b.as_bytes());
                    if e.pat_rules[i].is_empty() && !e.pat_fragment[i] {
                        assert!(!hits.iter().any(|h| h.pat as usize == i), "{p} is compared only when needed");
                    }
                    let mut all: Vec<(usize, usize, u32)> = hits
                        .iter()
                        .chain(&e.later_hits(b.as_bytes(), &later, 0, b.len()))
                        .chain(&e.context_hits(b.as_bytes(), 0, b.len()))
                        .filter(|h| h.pat as usize == i)
                        .map(|h| (h.start, h.end, h.pat))
                        .collect();
                    all.sort_unstable();
                    all.dedup();
                    all.len()
                };
                assert_eq!(count(p), 1, "{p}");
                if e.pat_fragment[i] {
                    if !e.pats.contains(&p.to_ascii_lowercase()) {
                        assert_eq!(count(&p.to_ascii_lowercase()), 0, "{p}");
                    }
                } else {
                    let alternate: String = p
                        .chars()
                        .enumerate()
                        .map(|(k, c)| if k % 2 == 1 { c.to_ascii_uppercase() } else { c })
                        .collect();
                    assert_eq!(count(&p.to_ascii_uppercase()), 1, "{p}");
                    assert_eq!(count(&alternate), 1, "{alternate}");
                }
            }
        }
        assert_eq!(many.keyword_count(b"kw39zq KW07zq"), 2);
    }

    #[test]
    fn occurrences_are_match_indices() {
        for (hay, needle) in
            [("aiven_aiven", "aiven"), ("aaaa", "aa"), ("abc", "abcd"), ("abc", ""), ("", "a"), ("xaivenx", "x")]
        {
            let want: Vec<usize> =
                if needle.is_empty() { Vec::new() } else { hay.match_indices(needle).map(|(i, _)| i).collect() };
            assert_eq!(occurrences(hay.as_bytes(), needle.as_bytes()), want, "{hay} {needle}");
        }
    }

    #[test]
    fn line_windows_match_a_line_by_line_search() {
        // The old definition, one `memchr` per line, against the 64-byte masks: lines of every
        // length from empty to past the cap, every position, 0 to 25 lines each way.
        fn back(bytes: &[u8], pos: usize, n: usize) -> usize {
            let floor = pos.saturating_sub(CONTEXT_CAP);
            let mut lo = pos;
            for _ in 0..=n {
                match memchr::memrchr(b'\n', &bytes[floor..lo]) {
                    Some(i) => lo = floor + i,
                    None => return floor,
                }
            }
            lo + 1
        }
        fn forward(bytes: &[u8], pos: usize, n: usize) -> usize {
            let ceil = (pos + CONTEXT_CAP).min(bytes.len());
            let mut hi = pos;
            for _ in 0..=n {
                match memchr::memchr(b'\n', &bytes[hi..ceil]) {
                    Some(i) => hi += i + 1,
                    None => return ceil,
                }
            }
            hi
        }
        let mut text = Vec::new();
        let mut x: u32 = 7;
        while text.len() < 5000 {
            x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
            let len = match x >> 28 {
                0 => 0,
                1 => 1,
                2 => 1200,
                3..=6 => 70,
                _ => (x >> 16) as usize % 90,
            };
            text.extend(std::iter::repeat_n(b'x', len));
            text.push(b'\n');
        }
        for pos in (0..=text.len()).step_by(7) {
            for n in [0, 1, 3, 10, 20, 25] {
                assert_eq!(lines_back(&text, pos, n), back(&text, pos, n), "back {pos} {n}");
                assert_eq!(lines_forward(&text, pos, n), forward(&text, pos, n), "forward {pos} {n}");
            }
        }
    }

    #[test]
    fn token_inside_longer_base64_is_not_a_token() {
        let e = engine();
        let t = token();
        assert!(ids(&e, &format!("aiven data:image/png;base64,{t}{t}\n"), "x").is_empty());
        assert!(ids(&e, &format!("aiven /{t}\n"), "x").is_empty());
    }

    #[test]
    fn token_starting_with_slash_or_plus_is_found() {
        let e = engine();
        let t = format!("+{}", &token()[1..]);
        assert_eq!(ids(&e, &format!("AIVEN_TOKEN=\"{t}\""), "x"), ["aiven-api-token"]);
    }

    #[test]
    fn avns_inside_uri_is_one_finding() {
        let e = engine();
        let got = ids(&e, "postgres://avnadmin:AVNS_q8Zt3LmR2xWk9vNc4Hp@pg-a-b.aivencloud.com:1/d", "x");
        assert_eq!(got, ["aiven-service-uri"]);
    }

    #[test]
    fn patterns_match_bytes_that_are_not_utf8() {
        // Rule patterns are byte regexes with Unicode off: a Latin-1 byte in a legacy password is
        // still part of it.
        let e = engine();
        let ms = e.scan(b"DB=postgres://avnadmin:s3cr\xe9tPw0rd9@pg-a-b.aivencloud.com:1/d\n", "x.env"); // aivenguard:allow (fake test value)
        assert_eq!(ms.len(), 1, "{ms:?}");
        assert_eq!(ms[0].secret, b"s3cr\xe9tPw0rd9");
    }

    #[test]
    fn avns_after_underscore_matches() {
        let e = engine();
        assert_eq!(ids(&e, "password_AVNS_q8Zt3LmR2xWk9vNc4Hp", "x"), ["aiven-service-password"]);
    }

    #[test]
    fn decoded_secrets_point_at_encoded_text() {
        use base64::Engine as _;
        let e = engine();
        let enc = base64::engine::general_purpose::STANDARD.encode("AVNS_q8Zt3LmR2xWk9vNc4Hp");
        let text = format!("apiVersion: v1\nkind: Secret\ndata:\n  password: {enc}\n");
        let ms = e.scan(text.as_bytes(), "s.yaml");
        assert_eq!(ms.len(), 1, "{ms:?}");
        assert_eq!(ms[0].decoding.as_deref(), Some("base64"));
        let at = text.find(&enc).unwrap_or(0);
        assert_eq!(ms[0].start, at);
        let split = "pw = \"AVNS_q8Zt3LmR\" + \"2xWk9vNc4Hp\"\n";
        let ms = e.scan(split.as_bytes(), "a.py");
        assert_eq!(ms.len(), 1, "{ms:?}");
        assert_eq!(ms[0].secret, b"AVNS_q8Zt3LmR2xWk9vNc4Hp");
        assert_eq!(ms[0].decoding.as_deref(), Some("concat"));
    }

    #[test]
    fn split_token_is_joined_and_found_whatever_hit_comes_first() {
        // A token split across literals (Python's implicit concatenation), its context word two
        // lines below, and an `AVNS_` password between them: the password's neighbourhood and the
        // context word's merge, and the merged one still reaches back over the whole token.
        let e = engine();
        let t = token();
        let text = format!(
            "settings = dict(\n  credential=(\n{}\n  ),\n  db='AVNS_q8Zt3LmR2xWk9vNc4Hp')\n# aiven_token for the provider\n",
            split_literals(&t)
        );
        let ms = e.scan(text.as_bytes(), "settings.py");
        let got: Vec<_> = ms.iter().map(|m| (e.rules()[m.rule].id.as_str(), m.decoding.as_deref())).collect();
        assert_eq!(got, [("aiven-api-token", Some("concat")), ("aiven-service-password", None)], "{ms:?}");
        assert_eq!(ms[0].secret, t.as_bytes());
    }

    #[test]
    fn a_later_hit_with_a_longer_decoding_radius_widens_the_merged_neighbourhood() {
        // A custom rule whose keyword is part of its short secret (small decoding radius) hit
        // first, then the token's context word (full radius): the merged neighbourhood must reach
        // back over the split token before both.
        let extra = r#"
[[rule]]
id = "test-short-secret"
name = "short"
description = "test"
severity = "low"
confidence = "low"
remediation = "none"
keywords = ["zqpass_"]
pattern = '(?P<secret>zqpass_[a-z0-9]{10})'
max_len = 17
"#;
        let mut rules = crate::rules::builtin().unwrap_or_else(|e| panic!("{e}"));
        rules.extend(crate::rules::parse_rules(extra, "test.toml").unwrap_or_else(|e| panic!("{e}")));
        let e = Engine::new(rules);
        let t = token();
        let text = format!("cred = (\n{}\n)\nx = 'zqpass_k3j9x0q2m7'\n# aiven_token above\n", split_literals(&t));
        let ids: Vec<_> = e.scan(text.as_bytes(), "a.py").iter().map(|m| e.rules()[m.rule].id.clone()).collect();
        assert_eq!(ids, ["aiven-api-token", "test-short-secret"]);
    }

    #[test]
    fn encoded_env_file_with_a_token_is_decoded() {
        // A Kubernetes Secret holding a whole `.env`, base64-encoded: the only `AIVEN` is inside
        // the encoding, found through the base64 forms of the rule's encoded keywords.
        use base64::Engine as _;
        let e = engine();
        for env in [format!("AIVEN_TOKEN={}\n", token()), format!("export aiven_token=\"{}\"\n", token())] {
            let enc = base64::engine::general_purpose::STANDARD.encode(&env);
            let text = format!("apiVersion: v1\nkind: Secret\ndata:\n  .env: {enc}\n");
            let ms = e.scan(text.as_bytes(), "secret.yaml");
            assert_eq!(ms.len(), 1, "{env}: {ms:?}");
            assert_eq!(e.rules()[ms[0].rule].id, "aiven-api-token");
            assert_eq!(ms[0].decoding.as_deref(), Some("base64"));
        }
    }

    #[test]
    fn context_words_are_found_near_prefilter_hits_and_file_wide() {
        // `authSecretRef` holds no prefilter keyword: it is found by stage two, in the context
        // window of the token (the `aiven` hit three lines below is too far to be context itself).
        let e = engine();
        let t = token();
        let below = "\n#\n#\n# aiven operator\n";
        assert_eq!(ids(&e, &format!("authSecretRef:\n  key: token\nvalue: {t}{below}"), "a.yml"), ["aiven-api-token"]);
        assert!(ids(&e, &format!("secretRef:\n  key: token\nvalue: {t}{below}"), "a.yml").is_empty());
        // A whole-file context (`access_key`) counts however far from the key it stands.
        let key = format!("-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----\n", &t[..320]);
        let far = "x = 1\n".repeat(2000);
        assert_eq!(ids(&e, &format!("access_key: |\n{far}{key}"), "k.yml"), ["aiven-kafka-access-key"]);
        assert!(ids(&e, &format!("some_key: |\n{far}{key}"), "k.yml").is_empty());
    }

    #[test]
    fn percent_encoded_token() {
        let e = engine();
        let t = token();
        let enc = t.replace('+', "%2B").replace('/', "%2F").replace('=', "%3D");
        if enc == t {
            return;
        }
        let ms = e.scan(format!("https://api.aiven.io/v1/x?token={enc}").as_bytes(), "x");
        assert_eq!(ms.len(), 1, "{ms:?}");
        assert_eq!(ms[0].decoding.as_deref(), Some("percent"));
    }

    #[test]
    fn binary_and_empty_input_do_not_panic() {
        let e = engine();
        assert!(e.scan(b"", "x").is_empty());
        let mut v = vec![0u8; 1000];
        v.extend_from_slice(b"AVNS_q8Zt3LmR2xWk9vNc4Hp");
        v.extend_from_slice(&[0xff, 0, 1]);
        assert_eq!(e.scan(&v, "x.bin").len(), 1);
    }
}
