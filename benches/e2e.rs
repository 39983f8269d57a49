//! End to end over a generated dump: MB/s, documents/s and peak RSS of the `gleaner` binary,
//! with baselines measured in the same run (reading the same bytes and hashing every word
//! with xxh3: gleaner's words, and words cut at whitespace), so the ratios survive a noisy
//! machine.
//!
//! ```text
//! GLEANER_BENCH_CORPUS=../shared/wcxb-dev/text GLEANER_E2E_BYTES=2000000000 \
//!     cargo bench --bench e2e
//! ```
//!
//! The dump is JSONL built from real pages (`samples/pages`, or the folder in
//! `GLEANER_BENCH_CORPUS`), cycled until `GLEANER_E2E_BYTES` (default 200 MB). Every copy of a
//! page gets a quarter of its words changed (tagged with the copy number, or with
//! `GLEANER_E2E_MUTATE=swap` swapped for another word of the page), so most paragraphs are new
//! to the dedup index, and every tenth document is an exact repeat of the one before, so dedup has
//! work to do. It is written to `GLEANER_E2E_DIR` (default: a temporary folder) and deleted
//! afterwards; `GLEANER_E2E_KEEP=path` keeps a copy there (to profile the same dump with
//! callgrind, say). `GLEANER_E2E_RUNS=core,nc,bare,j1,j2,off,bloom,pair` picks the runs
//! (default: all); `core` is `-j1` pinned to one core with `taskset`, the figure to read as "per
//! core"; `nc` and `bare` are the same with `--no-classify`, and with `--dedup off` too, so that
//! the differences give each stage's cost per core; `pair`
//! is two pinned `-j1` runs at once, the most two cores give this work on this machine.
//! `GLEANER_E2E_LONG=n` joins the pages from a quarter of the way on into one document of n bytes (a
//! book, or a dump of a whole site), to see whether one long document holds up the run.
//! `GLEANER_E2E_ROUNDS=n` (default 1) repeats the baselines and the runs n times, interleaved,
//! and reports medians: on a noisy machine, read those.

use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use xxhash_rust::xxh3::xxh3_64;

fn pages() -> Vec<String> {
    let dir = std::env::var_os("GLEANER_BENCH_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/pages"));
    let mut names: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .collect();
    names.sort();
    names
        .iter()
        .map(|p| String::from_utf8_lossy(&std::fs::read(p).unwrap()).into_owned())
        .collect()
}

/// How copies differ: `suffix` (default, the series kept since the first session) appends the
/// copy number to every fourth word, which also breaks function words (`the3`) and so sends
/// far more documents to whatlang than real pages do; `swap` puts another word of the same
/// page in its place instead.
fn mutation() -> String {
    let m = std::env::var("GLEANER_E2E_MUTATE").unwrap_or_else(|_| "suffix".into());
    assert!(
        m == "suffix" || m == "swap",
        "GLEANER_E2E_MUTATE: suffix or swap, not {m}"
    );
    m
}

/// Writes the dump, copies changed by `swap` or by suffix (see [`mutation`]); returns (bytes of page text, documents).
fn generate(path: &Path, target: u64, swap: bool) -> (u64, u64) {
    let pages = pages();
    // GLEANER_E2E_LONG=n: a quarter of the way through, the next pages are joined into one document of n
    // bytes, to see that one long document does not hold up the run.
    let mut long: Option<(u64, String)> = std::env::var("GLEANER_E2E_LONG")
        .ok()
        .map(|v| (v.parse().expect("GLEANER_E2E_LONG: bytes"), String::new()));
    let mut out = BufWriter::with_capacity(1 << 20, File::create(path).unwrap());
    let (mut bytes, mut docs, mut copy, mut made) = (0u64, 0u64, 0u64, 0u64);
    let mut previous = String::new();
    'outer: loop {
        copy += 1;
        for page in &pages {
            made += 1;
            let text = if made % 10 == 0 {
                previous.clone()
            } else {
                let mut t = String::with_capacity(page.len() + page.len() / 8);
                let pieces: Vec<&str> = page.split(' ').collect();
                for (i, piece) in pieces.iter().enumerate() {
                    if i > 0 {
                        t.push(' ');
                    }
                    if i % 4 != 3 || piece.is_empty() {
                        t.push_str(piece);
                    } else if swap {
                        // Another word of the same page, picked by (copy, position): the
                        // copy reads as the same language, with its function words intact.
                        let key = (copy << 32) ^ i as u64;
                        let pick = xxh3_64(&key.to_le_bytes()) as usize % pieces.len();
                        t.push_str(pieces[pick]);
                    } else {
                        t.push_str(piece);
                        t.push_str(&format!("{copy}"));
                    }
                }
                t
            };
            previous = text.clone();
            let text = match long.as_mut().filter(|_| bytes >= target / 4) {
                Some((n, joined)) => {
                    joined.push_str(&text);
                    joined.push_str("\n\n");
                    if (joined.len() as u64) < *n {
                        continue;
                    }
                    long.take().expect("joining").1
                }
                None => text,
            };
            let record = serde_json::json!({ "id": docs, "text": text });
            serde_json::to_writer(&mut out, &record).unwrap();
            out.write_all(b"\n").unwrap();
            bytes += text.len() as u64;
            docs += 1;
            if bytes >= target {
                break 'outer;
            }
        }
    }
    out.flush().unwrap();
    (bytes, docs)
}

/// The floor: read the dump line by line and hash every word of it with xxh3. `plain` cuts
/// words at ASCII whitespace only (the plainest reading of "hash every word", about twice as
/// fast here); otherwise they are gleaner's words ([`gleaner::segment::words`], the words the
/// pipeline itself counts and shingles), through the public iterator.
fn baseline(path: &Path, plain: bool) -> f64 {
    let start = Instant::now();
    let mut reader = BufReader::with_capacity(1 << 20, File::open(path).unwrap());
    let mut line = String::new();
    let mut acc = 0u64;
    while reader.read_line(&mut line).unwrap() > 0 {
        if plain {
            for w in line.split_ascii_whitespace() {
                acc ^= xxh3_64(w.as_bytes());
            }
        } else {
            for w in gleaner::segment::words(&line) {
                acc ^= xxh3_64(w.as_bytes());
            }
        }
        line.clear();
    }
    std::hint::black_box(acc);
    start.elapsed().as_secs_f64()
}

/// Runs the binary; returns (seconds, peak RSS in bytes).
///
/// The peak is the child's own `VmHWM`, polled while it runs. (`wait4`'s `ru_maxrss` would
/// also count the parent's memory, which an exec'd child inherits as its starting high-water
/// mark on Linux.)
fn run(args: &[&str], one_core: bool) -> (f64, u64) {
    let start = Instant::now();
    // `taskset -c 0` keeps every thread of the run (reader, workers, ordered writer) on one
    // core: "-j1" alone still lets the reader and writer threads use a second one.
    let mut command = if one_core {
        let mut c = Command::new("taskset");
        c.args(["-c", "0", env!("CARGO_BIN_EXE_gleaner")]);
        c
    } else {
        Command::new(env!("CARGO_BIN_EXE_gleaner"))
    };
    let mut child = command
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("gleaner runs");
    let status_file = format!("/proc/{}/status", child.id());
    let mut peak_kb = 0u64;
    let status = loop {
        if let Ok(s) = std::fs::read_to_string(&status_file) {
            if let Some(kb) = s
                .lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse::<u64>().ok())
            {
                peak_kb = peak_kb.max(kb);
            }
        }
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    };
    let secs = start.elapsed().as_secs_f64();
    assert!(status.success(), "gleaner {args:?} failed: {status}");
    (secs, peak_kb * 1024)
}

/// Two `-j1` runs at once, each pinned to its own core, over the same dump: the seconds until
/// both are done. No pipeline design can scale past what two independent processes get on
/// this machine (shared caches and memory bandwidth, or two vCPUs that are one physical core).
fn run_pair(dump: &str, outs: [&str; 2]) -> f64 {
    let start = Instant::now();
    let children: Vec<_> = outs
        .iter()
        .enumerate()
        .map(|(cpu, out)| {
            Command::new("taskset")
                .args(["-c", &cpu.to_string(), env!("CARGO_BIN_EXE_gleaner")])
                .args(["clean", dump, "-o", out, "-q", "-j1"])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("gleaner runs")
        })
        .collect();
    for mut child in children {
        let status = child.wait().expect("wait");
        assert!(status.success(), "gleaner failed: {status}");
    }
    start.elapsed().as_secs_f64()
}

fn main() {
    if std::env::args().any(|a| a == "--list" || a == "--test") {
        return; // `cargo test --benches` and `cargo bench -- --list`: nothing to list.
    }
    let target: u64 = std::env::var("GLEANER_E2E_BYTES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200_000_000);
    let tmp = tempfile::Builder::new()
        .prefix("gleaner-e2e")
        .tempdir_in(
            std::env::var_os("GLEANER_E2E_DIR")
                .map(PathBuf::from)
                .unwrap_or_else(std::env::temp_dir),
        )
        .unwrap();
    let dump = tmp.path().join("dump.jsonl");
    let out = tmp.path().join("out.jsonl");
    let mutation = mutation();
    let (bytes, docs) = generate(&dump, target, mutation == "swap");
    let file_bytes = std::fs::metadata(&dump).unwrap().len();
    if let Some(keep) = std::env::var_os("GLEANER_E2E_KEEP") {
        std::fs::copy(&dump, &keep).expect("GLEANER_E2E_KEEP: copy the dump");
        println!("dump kept at {}", Path::new(&keep).display());
    }
    // Warm the page cache, in small pieces so that this process stays small.
    let mut chunk = vec![0u8; 1 << 20];
    let mut f = File::open(&dump).unwrap();
    while f.read(&mut chunk).unwrap_or(0) > 0 {}
    let rounds: usize = std::env::var("GLEANER_E2E_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1)
        .max(1);
    let mb = bytes as f64 / 1e6;
    println!(
        "dump: {docs} documents, {mb:.0} MB of page text ({:.0} MB of JSONL), copies by {}",
        file_bytes as f64 / 1e6,
        mutation
    );
    let dump_s = dump.to_str().unwrap();
    let out_s = out.to_str().unwrap();
    let out2 = tmp.path().join("out2.jsonl");
    // GLEANER_E2E_RUNS=core,nc,bare,j1,j2,off,bloom,pair picks runs (default: all; the pinned
    // ones, `core`, `nc`, `bare` and `pair`, need taskset).
    let wanted = std::env::var("GLEANER_E2E_RUNS")
        .unwrap_or_else(|_| "core,nc,bare,j1,j2,off,bloom,pair".into());
    let has_taskset = Command::new("taskset").arg("-V").output().is_ok();
    let common = ["clean", dump_s, "-o", out_s, "-q"];
    // The pinned runs without the classifier, and without dedup too, give each stage's cost
    // per core by difference.
    let runs: [(&str, &str, &[&str]); 8] = [
        ("core", "gleaner -j1, one core (taskset)", &["-j1"]),
        ("nc", "  --no-classify", &["-j1", "--no-classify"]),
        (
            "bare",
            "  --no-classify, --dedup off",
            &["-j1", "--no-classify", "--dedup", "off"],
        ),
        ("j1", "gleaner -j1", &["-j1"]),
        ("j2", "gleaner -j2", &["-j2"]),
        ("off", "gleaner -j2 --dedup off", &["-j2", "--dedup", "off"]),
        (
            "bloom",
            "gleaner -j2 bloom, 64 MB budget",
            &["-j2", "--dedup-mode", "bloom", "--dedup-memory", "64M"],
        ),
        ("pair", "two -j1 runs at once, one core each", &[]),
    ];
    let runs: Vec<_> = runs
        .into_iter()
        .filter(|(key, ..)| wanted.split(',').any(|w| w.trim() == *key))
        .filter(|(key, ..)| {
            let needs = pinned(key) || *key == "pair";
            if needs && !has_taskset {
                println!("(no taskset: the `{key}` run is skipped)");
            }
            has_taskset || !needs
        })
        .collect();
    // GLEANER_E2E_ROUNDS=n runs the baselines and every run n times, one round after another,
    // so that a noisy spell of the machine falls on every kind of run alike; each figure is
    // the median of its n, and each ratio the median of the ratios within a round.
    let (mut base, mut plain) = (Vec::new(), Vec::new());
    let mut secs: Vec<Vec<f64>> = vec![Vec::new(); runs.len()];
    let mut rss: Vec<Vec<u64>> = vec![Vec::new(); runs.len()];
    for _ in 0..rounds {
        base.push(baseline(&dump, false));
        plain.push(baseline(&dump, true));
        for (i, (key, _, extra)) in runs.iter().enumerate() {
            let (t, peak) = if *key == "pair" {
                (run_pair(dump_s, [out_s, out2.to_str().unwrap()]), 0)
            } else {
                let args: Vec<&str> = common.iter().chain(*extra).copied().collect();
                run(&args, pinned(key))
            };
            secs[i].push(t);
            rss[i].push(peak);
        }
    }
    if rounds > 1 {
        println!("{rounds} rounds: medians, with the fastest and slowest run in brackets");
    }
    println!(
        "{:<34} {:>9} {:>9} {:>10} {:>12} {:>11} {:>9}",
        "run", "seconds", "MB/s", "docs/s", "peak RSS MB", "× baseline", "× plain"
    );
    let spread = |v: &[f64]| {
        if v.len() > 1 {
            let (lo, hi) = v
                .iter()
                .fold((f64::MAX, 0f64), |(l, h), &x| (l.min(x), h.max(x)));
            format!("  [{lo:.2}–{hi:.2} s]")
        } else {
            String::new()
        }
    };
    // Each ratio is the median over the rounds of the run's time over that round's baseline.
    let ratio = |secs: &[f64], base: &[f64]| -> f64 {
        median(
            &secs
                .iter()
                .zip(base)
                .map(|(s, b)| s / b)
                .collect::<Vec<_>>(),
        )
    };
    for (name, times) in [
        ("baseline: read + xxh3 every word", &base),
        ("plain: words cut at whitespace", &plain),
    ] {
        let t = median(times);
        println!(
            "{:<34} {:>9.2} {:>9.1} {:>10.0} {:>12} {:>11.2} {:>9.2}{}",
            name,
            t,
            mb / t,
            docs as f64 / t,
            "-",
            ratio(times, &base),
            ratio(times, &plain),
            spread(times)
        );
    }
    let find = |key: &str| runs.iter().position(|r| r.0 == key);
    for (i, (key, name, _)) in runs.iter().enumerate() {
        // Two runs' worth of work in a `pair` run.
        let work = if *key == "pair" { 2.0 } else { 1.0 };
        let t = median(&secs[i]);
        let peak = if *key == "pair" {
            "-".to_string()
        } else {
            let peaks: Vec<f64> = rss[i].iter().map(|&b| b as f64).collect();
            format!("{:.0}", median(&peaks) / 1e6)
        };
        println!(
            "{:<34} {:>9.2} {:>9.1} {:>10.0} {:>12} {:>11.2} {:>9.2}{}",
            name,
            t,
            work * mb / t,
            work * docs as f64 / t,
            peak,
            ratio(&secs[i], &base),
            ratio(&secs[i], &plain),
            spread(&secs[i])
        );
        // Per round, then the median: one slow run does not make the figure.
        let scaled = |by: usize, factor: f64| -> String {
            let r: Vec<f64> = secs[by]
                .iter()
                .zip(&secs[i])
                .map(|(a, b)| factor * a / b)
                .collect();
            let rounds: Vec<String> = r.iter().map(|x| format!("{x:.2}")).collect();
            if r.len() > 1 {
                format!("{:.2}× (rounds: {})", median(&r), rounds.join(", "))
            } else {
                format!("{:.2}×", median(&r))
            }
        };
        match (*key, find("j1"), find("core")) {
            ("j2", j1, core) => {
                if let Some(j1) = j1 {
                    println!("scaling -j2 / -j1: {}", scaled(j1, 1.0));
                }
                if let Some(core) = core {
                    println!("scaling -j2 (two cores) / one core: {}", scaled(core, 1.0));
                }
            }
            ("pair", _, Some(core)) => println!(
                "ceiling, two independent runs / one core: {}",
                scaled(core, 2.0)
            ),
            _ => {}
        }
    }
    // Each stage's cost on one core: the difference of two pinned runs within a round, then
    // the median over the rounds, as MB/s of that stage alone.
    let by_difference = |with: usize, without: Option<usize>| -> String {
        let per_round: Vec<f64> = match without {
            Some(w) => secs[with]
                .iter()
                .zip(&secs[w])
                .map(|(a, b)| a - b)
                .collect(),
            None => secs[with].clone(),
        };
        let t = median(&per_round);
        format!(
            "{:.1} MB/s ({:.2} s, {:.0}% of the pinned run)",
            mb / t,
            t,
            100.0 * t / median(&secs[find("core").unwrap_or(with)])
        )
    };
    if let (Some(core), Some(nc), Some(bare)) = (find("core"), find("nc"), find("bare")) {
        println!("per core, by difference of the pinned runs:");
        println!(
            "  read, segment, language, word features, write: {}",
            by_difference(bare, None)
        );
        println!(
            "  dedup (shingle, index): {}",
            by_difference(nc, Some(bare))
        );
        println!("  classifier rules: {}", by_difference(core, Some(nc)));
    }
}

/// Whether the run `key` is pinned to one core.
fn pinned(key: &str) -> bool {
    matches!(key, "core" | "nc" | "bare")
}

fn median(v: &[f64]) -> f64 {
    let mut v = v.to_vec();
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}
