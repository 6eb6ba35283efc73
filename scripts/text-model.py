#!/usr/bin/env python3
"""Regenerates the engine's model of source text (see src/engine/buckets.rs) from a Python standard
library: the `.py` files under DIR (default: the running interpreter's), site-packages left out.
The committed tables come from Debian's python3.11 package (11 MB of `.py` files):

- writes src/engine/trigrams.txt: the 2048 commonest trigrams of printable ASCII, case-folded,
  commonest first, back to back (3 bytes each, no separator);
- prints FREQ, how often each byte occurs per million bytes (1 at least), to paste into buckets.rs.

Usage: python3 scripts/text-model.py [DIR]   (from the repository's top folder)
"""
import collections
import pathlib
import sys
import sysconfig

stdlib = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else sysconfig.get_paths()["stdlib"])
files = [p for p in sorted(stdlib.rglob("*.py")) if not {"site-packages", "dist-packages"} & set(p.parts)]
data = b"".join(p.read_bytes() for p in files)

freq = collections.Counter(data)
table = [max(1, round(freq[b] * 1e6 / len(data))) for b in range(256)]
for i in range(0, 256, 16):
    print("    " + ", ".join(map(str, table[i : i + 16])) + ",")

low = data.lower()
tri = collections.Counter(low[i : i + 3] for i in range(len(low) - 2))
common = [t for t, _ in sorted(tri.items(), key=lambda kv: (-kv[1], kv[0])) if all(0x20 <= b < 0x7F for b in t)]
pathlib.Path("src/engine/trigrams.txt").write_bytes(b"".join(common[:2048]))
