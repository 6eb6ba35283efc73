//! Engine throughput (bytes/s), apart from walking and reading: `cargo bench --bench engine`.
//! Inputs are made here from a fixed seed (source-like text without keywords, the same text with
//! Aiven context and planted fake secrets, binary bytes), or read from a directory given in
//! `AIVENGUARD_BENCH_CORPUS` (all its files, in memory). Each is also timed with a single-literal
//! search (`memchr::memmem` for "aiven", what `rg -c aiven` does per byte): the ratio is the
//! engine's cost over the floor. `AIVENGUARD_BENCH_ONLY=text` runs only the inputs whose name holds
//! that string. Under `cargo test` (no `--bench`) one quick pass checks it runs.

use std::time::{Duration, Instant};

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

/// Median time of `f` over runs that together take about `budget`.
fn time(budget: Duration, mut f: impl FnMut() -> usize) -> (Duration, usize) {
    let mut times = Vec::new();
    let start = Instant::now();
    let mut n = 0;
    while times.len() < 3 || (start.elapsed() < budget && times.len() < 50) {
        let t = Instant::now();
        n = std::hint::black_box(f());
        times.push(t.elapsed());
    }
    times.sort();
    (times[times.len() / 2], n)
}

fn main() {
    let bench = std::env::args().any(|a| a == "--bench");
    let size = if bench { 64 << 20 } else { 1 << 20 };
    let budget = if bench { Duration::from_secs(3) } else { Duration::ZERO };
    let rules = match aivenguard::rules::builtin() {
        Ok(r) => r,
        Err(e) => panic!("built-in rules: {e}"),
    };
    let t = Instant::now();
    let engine = Engine::new(rules);
    println!("engine build: {:.2} ms", t.elapsed().as_secs_f64() * 1e3);
    let mut inputs: Vec<(String, Vec<Vec<u8>>)> = vec![
        ("text without keywords".into(), files(text(size, 1))),
        ("Aiven lines in text (1 in 50)".into(), files(dense(size, 2, 50))),
        ("binary".into(), files(binary(size, 3))),
    ];
    if let Some(dir) = std::env::var_os("AIVENGUARD_BENCH_CORPUS") {
        let mut files = Vec::new();
        corpus(std::path::Path::new(&dir), &mut files);
        inputs.push((format!("corpus {}", dir.to_string_lossy()), files));
    }
    let finder = memchr::memmem::Finder::new("aiven");
    println!("| input | MiB | findings | engine MiB/s | memmem(\"aiven\") MiB/s | ratio |");
    println!("|---|---:|---:|---:|---:|---:|");
    let only = std::env::var("AIVENGUARD_BENCH_ONLY").unwrap_or_default();
    for (name, files) in inputs.iter().filter(|(n, _)| n.contains(only.as_str())) {
        let bytes: usize = files.iter().map(Vec::len).sum();
        let (te, found) = time(budget, || files.iter().map(|f| engine.scan(f, "bench.txt").len()).sum());
        let (tm, _) = time(budget, || files.iter().map(|f| finder.find_iter(f).count()).sum());
        let mib = bytes as f64 / f64::from(1 << 20);
        let (re, rm) = (mib / te.as_secs_f64(), mib / tm.as_secs_f64());
        println!("| {name} | {mib:.1} | {found} | {re:.0} | {rm:.0} | {:.1}× |", rm / re);
        if name.starts_with("Aiven") {
            assert!(found > 0, "the planted secrets must be found");
        }
    }
}
