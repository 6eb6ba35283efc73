//! Engine throughput (bytes/s), apart from walking and reading: `cargo bench --bench engine`
//! (criterion). Inputs are made here from a fixed seed (source-like text without keywords, the same
//! text with Aiven lines and planted fake secrets, binary bytes), or read from a directory given in
//! `AIVENGUARD_BENCH_CORPUS` (all its files, in memory). Each input is also searched for the single
//! literal `aiven` with `memchr::memmem` (what `rg -c aiven` does per byte), and run through the
//! engine's keyword pass alone: the engine's throughput against those two floors is the cost of the
//! keyword search and of the work near hits. `cargo bench --bench engine -- corpus` runs only the
//! inputs whose name holds `corpus` (criterion's filter). Under `cargo test --benches` each runs
//! once, on small inputs.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};

use aivenguard::engine::Engine;

fn xorshift(x: &mut u64) -> u64 {
    *x ^= *x << 13;
    *x ^= *x >> 7;
    *x ^= *x << 17;
    *x
}

const WORDS: &[&str] = &[
    "account", "admin", "backend", "batch", "bucket", "cache", "client", "cluster", "config", "consumer", "data",
    "deploy", "event", "export", "fetch", "handler", "index", "kafka", "label", "listener", "metric", "node", "offset",
    "option", "packet", "parser", "payload", "pool", "port", "producer", "queue", "record", "region", "replica",
    "request", "result", "schema", "service", "shard", "state", "stream", "topic", "user", "value",
];

/// Source-like lines: identifiers, assignments, numbers, comments.
fn text(size: usize, seed: u64) -> Vec<u8> {
    let mut x = seed;
    let mut out = Vec::with_capacity(size + 256);
    while out.len() < size {
        let n = 2 + (xorshift(&mut x) % 6) as usize;
        for i in 0..n {
            let w = WORDS[(xorshift(&mut x) % WORDS.len() as u64) as usize];
            out.extend_from_slice(w.as_bytes());
            out.extend_from_slice(match i % 3 {
                0 => b"_",
                1 => b" = ",
                _ => b"(",
            });
        }
        out.extend_from_slice(format!("{})\n", xorshift(&mut x) % 100_000).as_bytes());
    }
    out
}

/// The same text with an Aiven line every `every` lines: connection URIs, `AVNS_` passwords,
/// `AIVEN_TOKEN` assignments (fake values).
fn dense(size: usize, seed: u64, every: usize) -> Vec<u8> {
    let mut x = seed;
    let base = text(size, seed);
    let mut out = Vec::with_capacity(size + size / 4);
    for (i, line) in base.split_inclusive(|&b| b == b'\n').enumerate() {
        out.extend_from_slice(line);
        if i % every == 0 {
            let pw: String = (0..19)
                .map(|_| b"abcdefghijkmnopqrstuvwxyzABCDEFGH0123456789_-"[(xorshift(&mut x) % 45) as usize] as char)
                .collect();
            out.extend_from_slice(
                match i / every % 3 {
                    0 => {
                        format!("DATABASE_URL=postgres://avnadmin:AVNS_{pw}@pg-x-proj.aivencloud.com:12691/defaultdb\n")
                    }
                    1 => format!("aiven_password = \"AVNS_{pw}\"  # aiven service user\n"),
                    _ => "export AIVEN_TOKEN=\"${AIVEN_TOKEN}\"\n".to_string(),
                }
                .as_bytes(),
            );
        }
    }
    out
}

fn binary(size: usize, seed: u64) -> Vec<u8> {
    let mut x = seed;
    (0..size).map(|_| xorshift(&mut x) as u8).collect()
}

/// Cuts `bytes` into files of about 32 KiB at line ends (a source file's size; one 64 MiB buffer
/// would measure cache misses and page faults instead).
fn files(bytes: Vec<u8>) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut rest = bytes.as_slice();
    while !rest.is_empty() {
        let cut = rest.len().min(32 << 10);
        let end = memchr::memrchr(b'\n', &rest[..cut]).map_or(cut, |i| i + 1);
        let end = if end == 0 { cut } else { end };
        out.push(rest[..end].to_vec());
        rest = &rest[end..];
    }
    out
}

fn corpus(dir: &std::path::Path, out: &mut Vec<Vec<u8>>) {
    let Ok(rd) = std::fs::read_dir(dir) else { return };
    for e in rd.flatten() {
        let p = e.path();
        match e.file_type() {
            Ok(t) if t.is_dir() => corpus(&p, out),
            Ok(t) if t.is_file() => out.extend(std::fs::read(&p).ok()),
            _ => {}
        }
    }
}

fn inputs() -> Vec<(String, Vec<Vec<u8>>)> {
    let bench = std::env::args().any(|a| a == "--bench");
    let size = if bench { 64 << 20 } else { 1 << 20 };
    let mut inputs: Vec<(String, Vec<Vec<u8>>)> = vec![
        ("text without keywords".into(), files(text(size, 1))),
        ("Aiven lines in text (1 in 50)".into(), files(dense(size, 2, 50))),
        ("binary".into(), files(binary(size, 3))),
    ];
    if let Some(dir) = std::env::var_os("AIVENGUARD_BENCH_CORPUS") {
        let mut files = Vec::new();
        corpus(std::path::Path::new(&dir), &mut files);
        inputs.push(("corpus".into(), files));
    }
    inputs
}

fn engine_throughput(c: &mut Criterion) {
    let rules = match aivenguard::rules::builtin() {
        Ok(r) => r,
        Err(e) => panic!("built-in rules: {e}"),
    };
    // What every run pays before it reads a byte (a pre-commit hook runs it on every commit), and
    // what a run that meets every rule's keywords pays on top (the patterns compile on first use).
    c.bench_function("rules load + engine build", |b| {
        b.iter(|| aivenguard::rules::builtin().map(Engine::new).map(|e| e.rules().len()).unwrap_or(0))
    });
    c.bench_function("rules load + engine build + every pattern compiled", |b| {
        b.iter(|| {
            let rules = aivenguard::rules::builtin().unwrap_or_default();
            let compiled = rules.iter().flat_map(|r| &r.regexes).filter(|p| p.regex().is_some()).count();
            (Engine::new(rules).rules().len(), compiled)
        })
    });
    let engine = Engine::new(rules);
    let finder = memchr::memmem::Finder::new("aiven");
    for (name, files) in inputs() {
        let found: usize = files.iter().map(|f| engine.scan(f, "bench.txt").len()).sum();
        if name.starts_with("Aiven") {
            assert!(found > 0, "the planted secrets must be found");
        }
        let bytes: usize = files.iter().map(Vec::len).sum();
        let mut g = c.benchmark_group(&name);
        g.throughput(Throughput::Bytes(bytes as u64)).sample_size(10);
        g.bench_with_input(BenchmarkId::new("engine", format!("{found} findings")), &files, |b, files| {
            b.iter(|| files.iter().map(|f| engine.scan(f, "bench.txt").len()).sum::<usize>())
        });
        // The keyword pass alone (lower-casing copy, the anchor automaton, short anchors, sorted
        // hits): what a scan costs when nothing near the hits needs looking at.
        g.bench_with_input(BenchmarkId::new("keyword pass", "prefilter only"), &files, |b, files| {
            b.iter(|| files.iter().map(|f| engine.keyword_count(f)).sum::<usize>())
        });
        g.bench_with_input(BenchmarkId::new("memmem(aiven)", "floor"), &files, |b, files| {
            b.iter(|| files.iter().map(|f| finder.find_iter(f).count()).sum::<usize>())
        });
        g.finish();
    }
}

criterion_group!(benches, engine_throughput);
criterion_main!(benches);
