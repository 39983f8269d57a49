//! The output must not depend on the number of threads: a ~200-document corpus made from the
//! sample pages (edited, shuffled, spliced, duplicated, wrapped in boilerplate, with a few bad
//! lines) is cleaned with 1 and with several threads, through the binary and through the
//! library, and the results are compared byte for byte.

mod common;

use std::path::{Path, PathBuf};

use gleaner::{Config, Event, Pipeline, ReadOptions, Reader};
use serde_json::{json, Value};

use common::*;

/// A small deterministic generator (splitmix64), so the corpus is the same on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

const SNIPPETS: [&str; 16] = [
    "Home | News | World | Business | Sport",
    "Log in",
    "Share:",
    "Reactions:",
    "Related news",
    "Most Viewed",
    "See more",
    "Tags: Hanoi, Beijing, cooperation, trade",
    "Home / News / World",
    "By Jane Doe",
    "22:19, 2024/04/02",
    "Photo: VNA",
    "Subscribe to our newsletter",
    "|",
    "Trending",
    "Other news",
];

const SWAPS: [&str; 10] = [
    "the",
    "city",
    "officials",
    "trade",
    "council",
    "river",
    "said",
    "new",
    "and",
    "year",
];

fn sample_pages() -> Vec<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/pages");
    let mut names: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    names.sort();
    assert!(!names.is_empty(), "no sample pages in {}", dir.display());
    names.iter().map(read).collect()
}

/// `min` to `min + spread - 1` boilerplate lines.
fn boilerplate(rng: &mut Rng, min: usize, spread: usize) -> String {
    let n = min + rng.below(spread);
    (0..n)
        .map(|_| format!("{}\n", rng.pick(&SNIPPETS)))
        .collect()
}

/// Replaces a few words of a line.
fn edit_words(rng: &mut Rng, line: &str) -> String {
    line.split(' ')
        .map(|w| {
            if rng.chance(8) {
                rng.pick(&SWAPS).to_string()
            } else {
                w.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// One corpus page of kind `kind`, built from the samples.
fn make_page(rng: &mut Rng, samples: &[String], kind: usize) -> String {
    let base = rng.pick(samples).clone();
    let lines: Vec<&str> = base.split('\n').collect();
    match kind {
        // An exact copy of a sample.
        0 => base.clone(),
        // Some lines removed.
        1 => lines
            .iter()
            .filter(|_| rng.chance(80))
            .copied()
            .collect::<Vec<_>>()
            .join("\n"),
        // Words edited here and there (near-duplicates).
        2 => lines
            .iter()
            .map(|l| edit_words(rng, l))
            .collect::<Vec<_>>()
            .join("\n"),
        // Blocks of lines moved around.
        3 => {
            let mut blocks: Vec<Vec<&str>> = lines.chunks(6).map(<[&str]>::to_vec).collect();
            for i in (1..blocks.len()).rev() {
                let j = rng.below(i + 1);
                blocks.swap(i, j);
            }
            blocks.concat().join("\n")
        }
        // More boilerplate around a part of the page.
        4 => {
            let from = rng.below(lines.len() / 2 + 1);
            let to = (from + 10 + rng.below(30)).min(lines.len());
            format!(
                "{}\n{}\n\n{}",
                boilerplate(rng, 3, 5),
                lines[from..to].join("\n"),
                boilerplate(rng, 2, 8)
            )
        }
        // Two samples spliced together.
        5 => {
            let other = rng.pick(samples).clone();
            let other: Vec<&str> = other.split('\n').collect();
            format!(
                "{}\n{}",
                lines[..lines.len() / 2].join("\n"),
                other[other.len() / 2..].join("\n")
            )
        }
        // Fresh prose from the fixtures, or nothing but boilerplate.
        6 => {
            let article: &[&str] = match rng.below(4) {
                0 => &FLOOD,
                1 => &LIBRARY,
                2 => &ORCHARD,
                _ => &[],
            };
            format!(
                "{}\n{}\n{}",
                boilerplate(rng, 2, 4),
                article.join("\n\n"),
                boilerplate(rng, 0, 6)
            )
        }
        _ => unreachable!(),
    }
}

/// Writes the corpus under `dir/corpus`: two JSONL files (one gzip-compressed, each with a bad
/// line) and a folder of text pages; returns the number of documents.
fn build_corpus(dir: &Path) -> usize {
    let samples = sample_pages();
    let mut rng = Rng(0x5eed_0f91_ea9e_1200);
    let mut records = Vec::new();
    let mut pages = Vec::new();
    for i in 0..200 {
        let kind = rng.below(7);
        let text = make_page(&mut rng, &samples, kind);
        if i % 10 == 9 {
            pages.push(text);
            continue;
        }
        let mut rec = json!({
            "url": format!("https://news.example/{i}"),
            "text": text,
            "meta": {"kind": kind, "n": i, "tags": ["corpus", i % 3]},
        });
        match i % 4 {
            0 => rec["id"] = json!(format!("doc-{i:03}")),
            1 => rec["id"] = json!(i),
            _ => {} // no id: named by file and line
        }
        records.push(rec);
    }
    // Re-post a few documents verbatim later in the corpus.
    for i in [3, 17, 42, 99] {
        let mut again = records[i].clone();
        again["url"] = json!(format!("https://mirror.example/{i}"));
        records.push(again);
    }
    let n = records.len() + pages.len();

    let half = records.len() / 2;
    let mut first = jsonl(&records[..half]);
    first += "{\"id\": \"broken\", \"text\": \n";
    let mid = half + (records.len() - half) / 2;
    let second = format!(
        "{}\n{{\"text\": 12}}\n{}",
        jsonl(&records[half..mid]),
        jsonl(&records[mid..])
    );
    write(dir, "corpus/a.jsonl", first);
    write(dir, "corpus/b/part.jsonl.gz", gzip(second.as_bytes()));
    for (i, p) in pages.iter().enumerate() {
        write(dir, &format!("corpus/pages/p{i:02}.txt"), p);
    }
    n
}

/// Stats without the wall-clock time.
fn stats_without_time(text: &str) -> Value {
    let mut v: Value = serde_json::from_str(text).unwrap();
    v.as_object_mut().unwrap().remove("elapsed_secs").unwrap();
    v
}

struct CliRun {
    jsonl: Vec<u8>,
    explain: Vec<u8>,
    stats: Value,
    skipped: Vec<String>,
    dir_files: Vec<(String, Vec<u8>)>,
}

fn run_cli(dir: &Path, threads: usize) -> CliRun {
    let t = threads.to_string();
    let tag = format!("t{threads}");
    let out = clean_in(dir)
        .args(["corpus", "-o", &format!("{tag}.jsonl")])
        .args(["--explain", &format!("{tag}.explain.jsonl")])
        .args(["--stats", &format!("{tag}.stats.json")])
        .args(["--threads", &t])
        .output()
        .unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "two bad lines: exit 1\n{stderr}"
    );
    let skipped = stderr
        .lines()
        .filter(|l| l.starts_with("gleaner: skipped"))
        .map(String::from)
        .collect();

    let out_dir = format!("{tag}_dir");
    clean_in(dir)
        .args(["corpus", "-o", &out_dir, "-q", "-j", &t])
        .assert()
        .code(1);
    let dir_files = files_under(&dir.join(&out_dir))
        .into_iter()
        .map(|f| {
            let bytes = std::fs::read(dir.join(&out_dir).join(&f)).unwrap();
            (f, bytes)
        })
        .collect();

    CliRun {
        jsonl: std::fs::read(dir.join(format!("{tag}.jsonl"))).unwrap(),
        explain: std::fs::read(dir.join(format!("{tag}.explain.jsonl"))).unwrap(),
        stats: stats_without_time(&read(dir.join(format!("{tag}.stats.json")))),
        skipped,
        dir_files,
    }
}

#[test]
fn cli_output_is_identical_for_any_thread_count() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let n = build_corpus(d);
    assert!(n >= 200);

    let one = run_cli(d, 1);

    // The corpus exercises what it should.
    let s = &one.stats;
    assert_eq!(s["documents_in"], n);
    assert_eq!(s["rejected"]["malformed_jsonl"], 2);
    assert_eq!(one.skipped.len(), 2, "{:?}", one.skipped);
    assert!(
        s["paragraphs_dropped"]["duplicate"].as_u64().unwrap() > 50,
        "{s}"
    );
    assert!(s["documents_out"].as_u64().unwrap() > 20, "{s}");
    // Pages left empty, or dropped whole as near-duplicates of earlier pages.
    assert!(
        s["documents_dropped"]["no_content"].as_u64().unwrap()
            + s["documents_dropped"]["duplicate_document"]
                .as_u64()
                .unwrap()
            > 20,
        "{s}"
    );
    assert_eq!(
        parse_jsonl(std::str::from_utf8(&one.jsonl).unwrap()).len(),
        n
    );
    assert_eq!(one.dir_files.len(), 2 + 20, "two JSONL files and 20 pages");

    for threads in [4, 3] {
        let many = run_cli(d, threads);
        assert!(
            one.jsonl == many.jsonl,
            "JSONL output differs between 1 and {threads} threads"
        );
        assert!(
            one.explain == many.explain,
            "explain output differs between 1 and {threads} threads"
        );
        assert_eq!(one.stats, many.stats, "stats, 1 vs {threads} threads");
        assert_eq!(one.skipped, many.skipped, "skip messages, 1 vs {threads}");
        assert_eq!(
            one.dir_files.iter().map(|f| &f.0).collect::<Vec<_>>(),
            many.dir_files.iter().map(|f| &f.0).collect::<Vec<_>>()
        );
        for (a, b) in one.dir_files.iter().zip(&many.dir_files) {
            assert!(
                a.1 == b.1,
                "{} differs between 1 and {threads} threads",
                a.0
            );
        }
    }
}

/// Everything the library decides about a run, serialised in event order.
fn run_library(corpus: &Path, threads: usize) -> (Vec<String>, Value) {
    let reader = Reader::new([corpus], ReadOptions::default());
    let pipeline = Pipeline::new(Config::default(), threads).unwrap();
    let mut events = Vec::new();
    let stats = pipeline
        .run(reader, |event| {
            events.push(match event {
                Event::Document { doc, page } => {
                    let paragraphs: Vec<Value> = page
                        .paragraphs
                        .iter()
                        .map(|p| {
                            json!({
                                "text": p.text,
                                "line": p.line,
                                "lang": p.lang.map(|l| l.code()),
                                "reason": p.reason.map(|r| r.name()),
                                "features": p.features,
                            })
                        })
                        .collect();
                    json!({
                        "id": doc.id,
                        "relative": doc.source.relative,
                        "line": doc.source.line,
                        "lang": page.lang.map(|l| l.code()),
                        "dropped": page.dropped.map(|r| r.name()),
                        "text": page.text(),
                        "paragraphs": paragraphs,
                    })
                    .to_string()
                }
                Event::Rejected(e) => format!("rejected: {e}"),
                Event::Warning(e) => format!("warning: {e}"),
            });
            Ok(())
        })
        .unwrap();
    let mut stats = serde_json::to_value(&stats).unwrap();
    stats.as_object_mut().unwrap().remove("elapsed_secs");
    (events, stats)
}

#[test]
fn library_pipeline_is_identical_for_any_thread_count() {
    let dir = tempfile::tempdir().unwrap();
    let n = build_corpus(dir.path());
    let corpus = dir.path().join("corpus");

    let (one, one_stats) = run_library(&corpus, 1);
    assert_eq!(one.len(), n + 2, "every document and both bad lines");
    assert_eq!(one_stats["documents_in"], n);
    for threads in [4, 2] {
        let (many, many_stats) = run_library(&corpus, threads);
        assert_eq!(one.len(), many.len());
        for (i, (a, b)) in one.iter().zip(&many).enumerate() {
            assert!(
                a == b,
                "event {i} differs between 1 and {threads} threads:\n{a}\n{b}"
            );
        }
        assert_eq!(one_stats, many_stats);
    }

    // The binary writes what the library decided.
    clean_in(dir.path())
        .args(["corpus", "-o", "cli.jsonl", "-q", "-j", "4"])
        .assert()
        .code(1);
    let cli = parse_jsonl(&read(dir.path().join("cli.jsonl")));
    let lib: Vec<Value> = one
        .iter()
        .filter(|e| !e.starts_with("rejected: "))
        .map(|e| serde_json::from_str(e).unwrap())
        .collect();
    assert_eq!(cli.len(), lib.len());
    for (c, l) in cli.iter().zip(&lib) {
        assert_eq!(c["text"], l["text"], "document {}", l["id"]);
        assert_eq!(c["lang"], l["lang"], "document {}", l["id"]);
        assert_eq!(
            c.get("dropped").unwrap_or(&Value::Null),
            &l["dropped"],
            "document {}",
            l["id"]
        );
    }
}

/// The new dedup modes (Bloom, sampling under a budget, two-pass templates) keep the output
/// independent of the thread count too.
#[test]
fn dedup_modes_are_identical_for_any_thread_count() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    build_corpus(d);
    let modes: [(&str, &[&str]); 4] = [
        ("bloom", &["--dedup-mode", "bloom", "--dedup-memory", "64K"]),
        (
            "sampled",
            &["--dedup-sample", "3", "--dedup-memory", "256K"],
        ),
        ("tight", &["--dedup-memory", "40K"]),
        ("templates", &["--templates", "--template-min-docs", "5"]),
    ];
    for (name, flags) in modes {
        let run = |threads: usize| {
            let out = format!("{name}{threads}.jsonl");
            let stats = format!("{name}{threads}.stats.json");
            clean_in(d)
                .args(["corpus", "-o", &out, "--stats", &stats, "-q"])
                .args(["-j", &threads.to_string()])
                .args(flags)
                .assert()
                .code(1);
            (
                std::fs::read(d.join(out)).unwrap(),
                stats_without_time(&read(d.join(stats))),
            )
        };
        let one = run(1);
        let many = run(3);
        assert!(
            one.0 == many.0,
            "{name}: output differs between 1 and 3 threads"
        );
        assert_eq!(
            one.1, many.1,
            "{name}: stats differ between 1 and 3 threads"
        );
        if name == "templates" {
            assert!(one.1["paragraphs_dropped"]["template"].as_u64().unwrap() > 0);
        }
    }
}
