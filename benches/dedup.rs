//! Dedup at scale: recall, precision, throughput and peak memory of each index mode.
//!
//! `cargo bench --bench dedup` builds a dump with known duplicates from real paragraphs (the
//! dev set's pages when `GLEANER_BENCH_CORPUS` points at a folder of `.txt` pages, else
//! `samples/pages`): exact copies of pages, exact copies of paragraphs, near copies with up to
//! 10% of words edited, paragraphs quoted inside other pages, and site templates repeated on
//! every page of a site. Each mode runs in its own child process, so its peak RSS (VmHWM) is
//! its own. Reported per mode:
//! - recall: share of the later copies that are dropped (by kind);
//! - precision: share of the first occurrences (unique paragraphs) that are kept;
//! - MB/s of the dedup stage on one core (shingling plus lookups, in input order);
//! - index bytes, peak RSS, and peak RSS above the RSS before the index was built.
//!
//! A second part streams random hashes into a budgeted index to show that the peak stays
//! within the budget.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use gleaner::{CleanParagraph, DedupIndex, DedupMode, DedupOptions, Page};

const MODE_VAR: &str = "GLEANER_DEDUP_BENCH_MODE";

/// A seeded generator (splitmix64): the same dump on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    Unique,
    ExactCopy,
    NearCopy,
    Quote,
    Template,
    PageCopy,
}

const KINDS: [Kind; 5] = [
    Kind::ExactCopy,
    Kind::NearCopy,
    Kind::Quote,
    Kind::Template,
    Kind::PageCopy,
];

struct Dump {
    docs: Vec<Vec<(String, Kind)>>,
    bytes: usize,
}

fn corpus_dir() -> PathBuf {
    match std::env::var_os("GLEANER_BENCH_CORPUS") {
        Some(p) => PathBuf::from(p),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/pages"),
    }
}

/// Paragraphs of at least 12 words, none a duplicate of another (a first exact pass removes
/// the pages' own repeats, so "unique" really is unique).
fn pool() -> Vec<String> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(corpus_dir())
        .expect("corpus folder")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        .collect();
    files.sort();
    let seen = DedupIndex::new(5, 0.5).unwrap();
    let mut out = Vec::new();
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap_or_default();
        for line in text.lines() {
            let line = line.trim();
            if line.split_whitespace().count() < 12 {
                continue;
            }
            let sh = gleaner::dedup::shingles(line, 5);
            // Not even a partial overlap with what is already in the pool.
            if seen.seen_count(&sh) == 0 {
                seen.insert(&sh);
                out.push(line.to_string());
            }
        }
    }
    out
}

/// Up to 10% of the words replaced, deleted or doubled.
fn edit(rng: &mut Rng, p: &str) -> String {
    let mut words: Vec<String> = p.split_whitespace().map(String::from).collect();
    let edits = (words.len() / 10).max(1);
    for _ in 0..edits {
        let i = rng.below(words.len());
        match rng.below(3) {
            0 => words[i] = format!("edit{}", rng.below(100_000)),
            1 if words.len() > 5 => {
                words.remove(i);
            }
            _ => {
                let w = words[i].clone();
                words.insert(i, w);
            }
        }
    }
    words.join(" ")
}

fn build_dump(pool: &[String]) -> Dump {
    let mut rng = Rng(0x0dd_5eed);
    let mut fresh = pool.iter();
    let mut emitted: Vec<String> = Vec::new();
    let mut docs: Vec<Vec<(String, Kind)>> = Vec::new();
    let sites: Vec<Vec<String>> = (0..20)
        .map(|_| (0..2).filter_map(|_| fresh.next().cloned()).collect())
        .collect();
    let mut first_template_use = vec![false; sites.len()];
    loop {
        let mut doc = Vec::new();
        // Two to five unique paragraphs: at least as much new text as copied, so the
        // document rule (≥ 0.8 seen) does not fire on these.
        let n = 2 + rng.below(4);
        let mut got = 0;
        for _ in 0..n {
            if let Some(p) = fresh.next() {
                doc.push((p.clone(), Kind::Unique));
                got += 1;
            }
        }
        if got < 2 {
            break;
        }
        // One copied paragraph, of some kind, in most documents.
        if !emitted.is_empty() && rng.below(10) < 8 {
            let src = emitted[rng.below(emitted.len())].clone();
            let (text, kind) = match rng.below(3) {
                0 => (src, Kind::ExactCopy),
                1 => (edit(&mut rng, &src), Kind::NearCopy),
                _ => (src, Kind::Quote),
            };
            let at = rng.below(doc.len() + 1);
            doc.insert(at, (text, kind));
        }
        // Every third document belongs to a site and carries its template.
        if rng.below(3) == 0 {
            let s = rng.below(sites.len());
            let kind = if first_template_use[s] {
                Kind::Template
            } else {
                first_template_use[s] = true;
                Kind::Unique
            };
            for t in &sites[s] {
                doc.push((t.clone(), kind));
            }
        }
        for (p, k) in &doc {
            if *k == Kind::Unique {
                emitted.push(p.clone());
            }
        }
        // Now and then, a whole earlier page again.
        if !docs.is_empty() && rng.below(20) == 0 {
            let copy: Vec<(String, Kind)> = docs[rng.below(docs.len())]
                .iter()
                .map(|(p, _)| (p.clone(), Kind::PageCopy))
                .collect();
            docs.push(copy);
        }
        docs.push(doc);
    }
    let bytes = docs.iter().flatten().map(|(p, _)| p.len()).sum();
    Dump { docs, bytes }
}

fn vm_kb(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

fn options(mode: &str, distinct: u64) -> DedupOptions {
    let base = DedupOptions::default();
    match mode {
        "exact" => base,
        "exact-nodoc" => DedupOptions {
            document_threshold: None,
            ..base
        },
        "exact-t0.3" => DedupOptions {
            threshold: 0.3,
            ..base
        },
        "exact-sample2" => DedupOptions { sample: 2, ..base },
        "exact-sample4" => DedupOptions { sample: 4, ..base },
        "bloom-1%" => DedupOptions {
            mode: DedupMode::Bloom,
            bloom_items: Some(distinct),
            bloom_fp_rate: 0.01,
            ..base
        },
        "bloom-0.1%" => DedupOptions {
            mode: DedupMode::Bloom,
            bloom_items: Some(distinct),
            bloom_fp_rate: 0.001,
            ..base
        },
        m => panic!("unknown mode {m}"),
    }
}

/// One mode, in this (child) process: prints one result line.
fn run_mode(mode: &str) {
    let dump = build_dump(&pool());
    let pages: Vec<Page> = dump
        .docs
        .iter()
        .map(|d| Page {
            paragraphs: d
                .iter()
                .enumerate()
                .map(|(i, (t, _))| CleanParagraph {
                    text: t.as_str().into(),
                    line: i + 1,
                    lang: None,
                    reason: None,
                    features: Default::default(),
                })
                .collect(),
            ..Page::default()
        })
        .collect();
    // Distinct shingles, to size the Bloom filter as a user would from an estimate.
    let distinct = {
        let mut set = HashSet::new();
        for d in &dump.docs {
            for (p, _) in d {
                set.extend(gleaner::dedup::shingles(p, 5));
            }
        }
        set.len() as u64
    };
    let rss_before = vm_kb("VmRSS:");
    let index = DedupIndex::with_options(options(mode, distinct)).unwrap();
    // Repeat the stage for a stable timing; decisions come from the first pass.
    // GLEANER_DEDUP_BENCH_REPS overrides the count (e.g. 1 under callgrind).
    let reps = std::env::var("GLEANER_DEDUP_BENCH_REPS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or((200_000_000 / dump.bytes.max(1)).clamp(1, 20));
    let mut decided = Vec::new();
    let (mut t_shingle, mut t_apply) = (0.0, 0.0);
    for rep in 0..reps {
        index.clear();
        let mut out = pages.clone();
        // Shingling runs on the pipeline's worker threads; the lookups run in input order.
        let start = Instant::now();
        let prepared: Vec<_> = out.iter().map(|p| index.prepare(p)).collect();
        t_shingle += start.elapsed().as_secs_f64();
        let start = Instant::now();
        for (page, sh) in out.iter_mut().zip(&prepared) {
            index.apply(page, sh);
        }
        t_apply += start.elapsed().as_secs_f64();
        if rep == 0 {
            decided = out;
        }
    }
    let (t_shingle, t_apply) = (t_shingle / reps as f64, t_apply / reps as f64);
    let mbs = |t: f64| dump.bytes as f64 / 1e6 / t;
    let stats = index.stats();
    let hwm = vm_kb("VmHWM:");

    let mut dup_total = [0usize; 5];
    let mut dup_hit = [0usize; 5];
    let (mut uniq, mut uniq_kept) = (0, 0);
    for (doc, page) in dump.docs.iter().zip(&decided) {
        for ((_, kind), p) in doc.iter().zip(&page.paragraphs) {
            if *kind == Kind::Unique {
                uniq += 1;
                uniq_kept += usize::from(p.is_kept());
            } else {
                let k = KINDS.iter().position(|k| k == kind).unwrap();
                dup_total[k] += 1;
                dup_hit[k] += usize::from(!p.is_kept());
            }
        }
    }
    let recall = |k: usize| dup_hit[k] as f64 / dup_total[k].max(1) as f64;
    let all_recall = dup_hit.iter().sum::<usize>() as f64 / dup_total.iter().sum::<usize>() as f64;
    println!(
        "| {mode} | {:.4} | {:.4} | {:.4} | {:.4} | {:.4} | {:.4} | {:.4} | {:.1} | {:.1} | {:.1} | {:.2} | {:.1} | {:.1} |",
        recall(0),
        recall(1),
        recall(2),
        recall(3),
        recall(4),
        all_recall,
        uniq_kept as f64 / uniq as f64,
        mbs(t_shingle),
        mbs(t_apply),
        mbs(t_shingle + t_apply),
        stats.memory_bytes as f64 / 1e6,
        hwm as f64 / 1e3,
        hwm.saturating_sub(rss_before) as f64 / 1e3,
    );
    eprintln!(
        "{mode}: {:.1} MB, {} documents, {} unique / {:?} copies, {} distinct shingles, {} stored, fill {:.3}, est. fp {:.2e}",
        dump.bytes as f64 / 1e6,
        dump.docs.len(),
        uniq,
        dup_total,
        distinct,
        stats.entries,
        stats.fill,
        stats.estimated_fp_rate
    );
}

/// Streams `n` random hashes into a budgeted index, in this (child) process.
fn run_budget(mode: &str, n: u64, budget: u64) {
    let rss_before = vm_kb("VmRSS:");
    let opts = match mode {
        "exact" => DedupOptions {
            memory: Some(budget),
            ..DedupOptions::default()
        },
        _ => DedupOptions {
            mode: DedupMode::Bloom,
            memory: Some(budget),
            ..DedupOptions::default()
        },
    };
    let index = DedupIndex::with_options(opts).unwrap();
    let mut rng = Rng(99);
    let mut chunk = Vec::with_capacity(4096);
    let start = Instant::now();
    for i in 0..n {
        chunk.push(rng.next());
        if chunk.len() == 4096 || i + 1 == n {
            index.insert(&chunk);
            chunk.clear();
        }
    }
    let secs = start.elapsed().as_secs_f64();
    let s = index.stats();
    let delta = vm_kb("VmHWM:").saturating_sub(rss_before) * 1024;
    println!(
        "| {mode} | {} MB | {}M | {} | {:.2} | {:.1} MB | {:.1} MB | {} | {} | {:.1e} | {:.0} |",
        budget >> 20,
        n / 1_000_000,
        s.entries,
        if s.entries > 0 {
            s.memory_bytes as f64 / s.entries as f64
        } else {
            0.0
        },
        s.memory_bytes as f64 / 1e6,
        delta as f64 / 1e6,
        s.full,
        s.refused_inserts,
        s.estimated_fp_rate,
        n as f64 / secs / 1e6,
    );
}

fn child(args: &[&str]) {
    let out = Command::new(std::env::current_exe().unwrap())
        .env(MODE_VAR, args.join(" "))
        .output()
        .expect("run the benchmark child");
    print!("{}", String::from_utf8_lossy(&out.stdout));
    eprint!("{}", String::from_utf8_lossy(&out.stderr));
}

fn main() {
    if let Ok(spec) = std::env::var(MODE_VAR) {
        let args: Vec<&str> = spec.split(' ').collect();
        match args.as_slice() {
            ["dump", mode] => run_mode(mode),
            ["budget", mode, n, budget] => {
                run_budget(mode, n.parse().unwrap(), budget.parse().unwrap())
            }
            _ => panic!("bad {MODE_VAR}: {spec}"),
        }
        return;
    }
    println!("corpus: {}", corpus_dir().display());
    println!(
        "| mode | exact copy | near copy (≤10% words) | quote | template | page copy | all copies | unique kept | shingling MB/s | lookups MB/s | dedup stage MB/s (1 core) | index MB | peak RSS MB | RSS growth MB |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
    for mode in [
        "exact",
        "exact-nodoc",
        "exact-t0.3",
        "exact-sample2",
        "exact-sample4",
        "bloom-1%",
        "bloom-0.1%",
    ] {
        child(&["dump", mode]);
    }
    println!();
    println!(
        "| mode | budget | hashes in | stored | bytes/entry | index | peak RSS growth | full | refused | est. fp | M inserts/s |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|");
    let budget = 256u64 << 20;
    child(&["budget", "exact", "20000000", &budget.to_string()]);
    child(&["budget", "exact", "40000000", &budget.to_string()]);
    child(&["budget", "bloom", "40000000", &budget.to_string()]);
}
