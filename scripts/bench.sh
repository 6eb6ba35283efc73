#!/usr/bin/env bash
# The project's benchmark (not a test): recall and speed, side by side with the peers, on the team's
# seeded synthetic corpora. Prints markdown tables; ratios are what count (the machine is shared).
#   scripts/bench.sh [tree|vendor|history|staged|scaling|all]   (default: all)
# `vendor` is real code nobody here wrote: `cargo vendor` of this project's dependencies.
# Needs ../shared/bench (AIVENGUARD_SHARED), python3, git; installs hyperfine and ripgrep (Debian)
# and the peers (PyPI) on first use. Corpora are generated once into $AIVENGUARD_BENCH_DIR
# (default /tmp/aivenguard-bench). RUNS sets hyperfine's runs per command (default 5), ROUNDS the
# rounds of the interleaved tables (default 21).
set -euo pipefail
cd "$(dirname "$0")/.."
what=${1:-all}
shared=${AIVENGUARD_SHARED:-../shared}
# Outside the repository: paths must be relative to the corpus, and /target is git-ignored here.
bench=${AIVENGUARD_BENCH_DIR:-${TMPDIR:-/tmp}/aivenguard-bench}
mkdir -p "$bench"
command -v hyperfine >/dev/null || apt-get install -y -qq hyperfine >/dev/null
command -v rg >/dev/null || apt-get install -y -qq ripgrep >/dev/null
cargo build --release --quiet
bin=$PWD/target/release/aivenguard
export AIVENGUARD=$bin
runs=${RUNS:-5}
rounds=${ROUNDS:-21}
js=$(mktemp)
trap 'rm -f "$js"' EXIT

# A markdown table of a hyperfine JSON export: median first (what the issue's tables report), then
# mean ± σ, min and max, and each median relative to the median of command "$1" (the target's
# yardstick: rg, git cat-file, the default thread count, git diff).
medians() {
  python3 - "$js" "$1" <<'PY'
import json, statistics, sys
rs = json.load(open(sys.argv[1]))["results"]
med = {r["command"]: statistics.median(r["times"]) for r in rs}
unit, k, f = ("s", 1, ".3f") if max(med.values()) >= 1 else ("ms", 1e3, ".1f")
ref = med[sys.argv[2]]
print(f"| Command | Median [{unit}] | Mean ± σ [{unit}] | Min [{unit}] | Max [{unit}] | Median / `{sys.argv[2]}` |")
print("|:---|---:|---:|---:|---:|---:|")
for r in rs:
    m = med[r["command"]]
    print(f"| `{r['command']}` | {m * k:{f}} | {r['mean'] * k:{f}} ± {(r['stddev'] or 0) * k:{f}} | "
          f"{r['min'] * k:{f}} | {r['max'] * k:{f}} | {m / ref:.2f} |")
PY
}

tree=$bench/tree
if [ ! -f "$bench/tree.jsonl" ]; then
  python3 "$shared/bench/gen_tree.py" --out "$tree" --manifest "$bench/tree.jsonl" --mib 128 --tokens 600 --seed 1
fi
hist=$bench/hist
if [ ! -f "$hist.manifest.jsonl" ]; then
  python3 "$shared/bench/gen_history.py" --out "$hist" --commits 20000 --files 400 --secrets 50 --seed 7
fi

recall_tree() {
  local out; out=$(mktemp)
  "$bin" scan "$tree" --no-progress -q --no-config --format json --output "$out" || true
  python3 - "$bench/tree.jsonl" "$out" <<'PY'
import json, sys
manifest = [json.loads(l) for l in open(sys.argv[1])]
found = {(f["path"], f["line"]) for f in json.load(open(sys.argv[2]))["findings"]}
planted = [m for m in manifest if m["planted"]]
missed = [m for m in planted if (m["path"], m["line"]) not in found]
decoys = [m for m in manifest if not m["planted"] and (m["path"], m["line"]) in found]
extra = found - {(m["path"], m["line"]) for m in planted}
print(f"tree recall: {len(planted) - len(missed)}/{len(planted)} planted found, {len(decoys)} decoys reported, {len(extra)} other findings")
sys.exit(1 if missed or decoys or extra else 0)
PY
  rm -f "$out"
}

recall_history() {
  local out; out=$(mktemp)
  # --show-secrets only to compare with the manifest (fake values); the file is removed at once.
  "$bin" history "$hist" --no-progress -q --no-config --show-secrets --format json --output "$out" || true
  python3 - "$hist.manifest.jsonl" "$out" <<'PY'
import json, sys
manifest = [json.loads(l) for l in open(sys.argv[1])]
found = {f["secret"] for f in json.load(open(sys.argv[2]))["findings"]}
missed = [m for m in manifest if m["secret"] not in found]
merge = [m for m in manifest if m["merge_only"]]
print(f"history recall: {len(manifest) - len(missed)}/{len(manifest)} planted found "
      f"({sum(1 for m in merge if m['secret'] in found)}/{len(merge)} that exist only in merge commits), {len(found) - (len(manifest) - len(missed))} other findings")
sys.exit(1 if missed else 0)
PY
  rm -f "$out"
}

# Findings of each tool on PATH (`tree` or `history` mode), one run each, counted from their JSON.
findings() {
  local mode=$1 path=$2 out; out=$(mktemp -d)
  local peers; peers=$("$shared/bench/install-peers.sh")/bin
  if [ "$mode" = tree ]; then
    "$bin" scan "$path" --no-progress -q --no-config --format json --output "$out/ag.json" || true
    "$peers/kingfisher" scan "$path" --no-update-check --no-validate -q --git-history none --rule betterleaks.aiven-auth-token -f json -o "$out/kf.json" >/dev/null 2>&1 || true
    "$peers/betterleaks" fs "$path" --isolate-rule aiven-auth-token --no-banner -s -l warn --exit-code 0 -o "$out/bl.json" >/dev/null 2>&1 || true
  else
    "$bin" history "$path" --no-progress -q --no-config --format json --output "$out/ag.json" || true
    "$peers/kingfisher" scan "$path" --no-update-check --no-validate -q --git-history full --rule betterleaks.aiven-auth-token -f json -o "$out/kf.json" >/dev/null 2>&1 || true
    "$peers/betterleaks" git "$path" --isolate-rule aiven-auth-token --no-banner -s -l warn --exit-code 0 -o "$out/bl.json" >/dev/null 2>&1 || true
  fi
  python3 - "$out" <<'PY'
import json, os, sys
def count(path):
    try:
        text = open(path).read()
    except OSError:
        return "n/a"
    try:
        doc = json.loads(text)
    except ValueError:  # JSON lines
        return sum(1 for l in text.splitlines() if l.strip())
    if isinstance(doc, dict):
        doc = doc.get("findings", doc.get("results", []))
    return len(doc) if isinstance(doc, list) else "n/a"
d = sys.argv[1]
print("| tool | findings |\n|---|---:|")
for name, f in [("aivenguard (all Aiven rules)", "ag.json"), ("kingfisher (Aiven rule)", "kf.json"), ("betterleaks (Aiven rule)", "bl.json")]:
    print(f"| {name} | {count(os.path.join(d, f))} |")
PY
  rm -rf "$out"
}

# Two rule files for floors, each with a pattern that never matches:
# - keyword-pass-only: the built-in rules' prefilter and encoded keywords. A scan with it pays the
#   walk, the reads and the keyword pass, and next to nothing near hits (the floor of this design on
#   keyword-dense text).
# - walk-and-read-only: one keyword that never occurs. A scan with it pays the walk, the reads and
#   one `memmem`-speed pass, about what `rg -uuu -c aiven` does (the floor of any scan).
floor_rules=$bench/keyword-pass-only.toml
walk_rules=$bench/walk-and-read-only.toml
python3 - rules "$floor_rules" "$walk_rules" <<'PY'
import glob, json, sys, tomllib
kw, enc = [], []
for f in sorted(glob.glob(sys.argv[1] + "/*.toml")):
    for r in tomllib.load(open(f, "rb"))["rule"]:
        kw += [k for k in r.get("keywords", []) if k not in kw]
        enc += [k for k in r.get("encoded_keywords", []) if k not in enc]
def floor(path, rid, marker, keywords, encoded):
    with open(path, "w") as out:
        out.write(f"""[[rule]]
id = "{rid}"
name = "{rid.replace('-', ' ')}"
description = "benchmark floor"
severity = "low"
confidence = "low"
remediation = "none"
keywords = {json.dumps(keywords + [marker])}
encoded_keywords = {json.dumps(encoded)}
pattern = '(?P<secret>{marker}[0-9]{{4}})'
max_len = {len(marker) + 4}
[[rule.examples]]
text = '{marker}1234'
""")
floor(sys.argv[2], "keyword-pass-only", "zqxjaiven", kw, enc)
floor(sys.argv[3], "walk-and-read-only", "zqxjzqxjzq", [], [])
PY

# The same commands taking turns, round after round (the order reversed every other round), so a
# burst of load on this shared machine falls on all of them instead of on one command's block of
# runs, as hyperfine's can: the steadier ratio. Args: the yardstick's name, then name/command pairs.
interleaved() {
  python3 - "$rounds" "$@" <<'PY'
import shlex, statistics, subprocess, sys, time
rounds, ref, pairs = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
names, cmds = pairs[0::2], [shlex.split(c) for c in pairs[1::2]]
times = [[] for _ in cmds]
for r in range(rounds):
    for i in (range(len(cmds)) if r % 2 == 0 else reversed(range(len(cmds)))):
        start = time.perf_counter()
        subprocess.run(cmds[i], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times[i].append(time.perf_counter() - start)
yard = times[names.index(ref)]
print(f"Interleaved, {rounds} rounds (the commands take turns):")
print()
print(f"| Command | Median [ms] | Median / `{ref}` | Median of each round's ratio |")
print("|:---|---:|---:|---:|")
for name, ts in zip(names, times):
    m = statistics.median(ts)
    per_round = statistics.median(a / b for a, b in zip(ts, yard))
    print(f"| `{name}` | {m * 1e3:.1f} | {m / statistics.median(yard):.2f} | {per_round:.2f} |")
PY
}

# Side by side with the peers, then against `rg -uuu -c aiven` (the cost of walking and reading),
# the keyword pass alone, and the walk and reads alone: hyperfine, then interleaved.
tree_bench() {
  RUNS=$runs "$shared/bench/compare.sh" tree "$1"
  echo
  findings tree "$1"
  echo
  local scan="$bin scan $1 --no-progress -q --format sarif --output /dev/null"
  hyperfine -N -i --warmup 1 --runs "$runs" -n aivenguard "$scan" \
    -n "aivenguard, keyword pass only" "$scan --only-rules $floor_rules" \
    -n "aivenguard, walk and read only" "$scan --only-rules $walk_rules" \
    -n "rg -uuu -c aiven" "rg -uuu -c aiven $1" --export-json "$js" >/dev/null 2>&1; medians "rg -uuu -c aiven"
  echo
  interleaved "rg -uuu -c aiven" aivenguard "$scan" \
    "aivenguard, keyword pass only" "$scan --only-rules $floor_rules" \
    "aivenguard, walk and read only" "$scan --only-rules $walk_rules" \
    "rg -uuu -c aiven" "rg -uuu -c aiven $1"
  echo
}

case $what in tree|all)
  echo "## Working tree: $(du -sh "$tree" | cut -f1), $(find "$tree" -type f | wc -l) files"
  recall_tree
  tree_bench "$tree"
esac
case $what in vendor|all)
  vendor=$bench/vendor
  [ -d "$vendor" ] || cargo vendor --quiet "$vendor" >/dev/null
  echo "## cargo vendor: $(du -sh "$vendor" | cut -f1), $(find "$vendor" -type f | wc -l) files"
  tree_bench "$vendor"
esac
case $what in history|all)
  echo "## History: $(git -C "$hist" rev-list --all | wc -l) commits, $(git -C "$hist" count-objects -vH | sed -n 's/size-pack: //p') packed"
  recall_history
  RUNS=$runs "$shared/bench/compare.sh" history "$hist"
  echo
  findings history "$hist"
  echo
  hyperfine -N -i --warmup 1 --runs "$runs" -n aivenguard "$bin history $hist --no-progress -q --format sarif --output /dev/null" \
    -n "git cat-file --batch-all-objects --batch" "git -C $hist cat-file --batch-all-objects --batch --unordered" \
    --output=null --export-json "$js" >/dev/null 2>&1; medians "git cat-file --batch-all-objects --batch"
  echo
esac
case $what in scaling|all)
  echo "## Thread scaling (tree scan)"
  hyperfine -N -i --warmup 1 --runs "$runs" -n "threads=1" "$bin scan $tree --no-progress -q --threads 1 --format json --output /dev/null" \
    -n "threads=default ($(nproc))" "$bin scan $tree --no-progress -q --format json --output /dev/null" --export-json "$js" >/dev/null 2>&1; medians "threads=default ($(nproc))"
  echo
esac
case $what in staged|all)
  echo "## Pre-commit: one staged file in the $(git -C "$hist" ls-files | wc -l)-file history repository"
  work=$(mktemp -d)
  git clone -q "$hist" "$work/repo"
  echo "change" >> "$work/repo/$(git -C "$work/repo" ls-files | head -1)"
  git -C "$work/repo" add -A
  hyperfine -N -i --warmup 2 --runs "$runs" -n "aivenguard staged" "$bin staged --repo $work/repo --no-progress -q" \
    -n "git diff --cached --stat" "git -C $work/repo diff --cached --stat" --export-json "$js" >/dev/null 2>&1; medians "git diff --cached --stat"
  rm -rf "$work"
esac
