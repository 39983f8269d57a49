//! Throughput of every stage and of the whole pipeline, as ratios against a baseline measured
//! in the same run.
//!
//! The machines this runs on are noisy, so absolute MB/s mean little from one run to the
//! next. Every benchmark here processes the same in-memory corpus and reports
//! `Throughput::Bytes` of the *input* text, and `baseline/hash_words` (every Unicode word of
//! the input hashed with xxh3: the cost floor of touching the text) is measured alongside.
//! After criterion, a short interleaved timing pass prints each benchmark's cost as a multiple
//! of that baseline: the figure to quote.
//!
//! Corpus: `samples/pages/*.txt` always; plus every `.txt` file under the folder named by
//! `GLEANER_BENCH_CORPUS` when it is set, in name order, up to `GLEANER_BENCH_MAX_BYTES`
//! (default 4 MiB) in total.
//!
//! ```text
//! GLEANER_BENCH_CORPUS=/work/shared/wcxb-dev/text cargo bench --bench pipeline
//! ```

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use criterion::{Criterion, SamplingMode, Throughput};
use gleaner::{
    Cleaner, Config, DedupIndex, Document, Event, LanguageDetector, Page, Paragraph, Pipeline,
    Segmenter, Source,
};
use unicode_segmentation::UnicodeSegmentation;
use xxhash_rust::xxh3::xxh3_64;

const DEFAULT_MAX_BYTES: usize = 4 << 20;
/// Rounds of the ratio pass; each benchmark's best round is kept.
const RATIO_ROUNDS: usize = 5;

/// The pages, and what the later stages start from (prepared once, outside any timing).
struct Corpus {
    docs: Vec<Document>,
    bytes: u64,
    paragraphs: Vec<Vec<Paragraph>>,
    cleaned: Vec<Page>,
    description: String,
}

fn text_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_type().is_file())
        .map(|e| e.into_path())
        .filter(|p| p.extension().is_some_and(|x| x == "txt"))
        .collect();
    files.sort();
    files
}

fn document(path: &Path, bytes: &[u8]) -> Document {
    let text = String::from_utf8_lossy(bytes);
    let lossy = matches!(text, std::borrow::Cow::Owned(_));
    Document {
        id: path.display().to_string(),
        text: text.into_owned(),
        source: Source {
            path: path.to_path_buf(),
            relative: path.file_name().map(PathBuf::from).unwrap_or_default(),
            line: None,
        },
        record: None,
        lossy,
        html: false,
    }
}

fn load_corpus() -> Corpus {
    let samples = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/pages");
    let mut docs: Vec<Document> = text_files(&samples)
        .iter()
        .map(|p| document(p, &std::fs::read(p).expect("read sample page")))
        .collect();
    let mut description = format!("{} sample pages", docs.len());

    if let Some(dir) = std::env::var_os("GLEANER_BENCH_CORPUS") {
        let dir = PathBuf::from(dir);
        let max_bytes = std::env::var("GLEANER_BENCH_MAX_BYTES")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(DEFAULT_MAX_BYTES);
        let files = text_files(&dir);
        let (mut taken, mut taken_bytes) = (0, 0);
        for p in &files {
            if taken_bytes >= max_bytes {
                break;
            }
            match std::fs::read(p) {
                Ok(bytes) => {
                    taken += 1;
                    taken_bytes += bytes.len();
                    docs.push(document(p, &bytes));
                }
                Err(e) => eprintln!("gleaner bench: skipping {}: {e}", p.display()),
            }
        }
        description.push_str(&format!(
            " + {taken} of {} pages from {} (cap {} bytes, GLEANER_BENCH_MAX_BYTES)",
            files.len(),
            dir.display(),
            max_bytes
        ));
    }

    let bytes = docs.iter().map(|d| d.text.len() as u64).sum();
    let segmenter = Segmenter::default();
    let paragraphs = docs.iter().map(|d| segmenter.segment(&d.text)).collect();
    let cleaner = Cleaner::new(Config::default());
    let cleaned = docs.iter().map(|d| cleaner.clean(&d.text)).collect();
    Corpus {
        docs,
        bytes,
        paragraphs,
        cleaned,
        description,
    }
}

/// One benchmark: a run does its own setup untimed and returns the time of the measured part
/// only, so criterion (`iter_custom`) and the ratio pass time exactly the same thing.
struct Bench<'a> {
    group: &'static str,
    name: &'static str,
    run: Box<dyn Fn() -> Duration + 'a>,
}

impl Bench<'_> {
    fn id(&self) -> String {
        format!("{}/{}", self.group, self.name)
    }
}

fn timed<T>(f: impl FnOnce() -> T) -> Duration {
    let start = Instant::now();
    black_box(f());
    start.elapsed()
}

fn benches(corpus: &Corpus) -> Vec<Bench<'_>> {
    let texts = move || corpus.docs.iter().map(|d| d.text.as_str());
    let segmenter = Segmenter::default();
    let detector = LanguageDetector::default();
    let cleaner = Cleaner::new(Config::default());
    let mut out: Vec<Bench<'_>> = Vec::new();

    // The floor: every Unicode word of the input hashed with xxh3 (the same words and hash
    // the dedup stage uses, without lower-casing or shingling).
    out.push(Bench {
        group: "baseline",
        name: "hash_words",
        run: Box::new(move || {
            timed(|| {
                texts()
                    .flat_map(|text| text.unicode_words())
                    .fold(0u64, |acc, w| acc ^ xxh3_64(w.as_bytes()))
            })
        }),
    });
    // A lower floor for reference: whitespace-split words.
    out.push(Bench {
        group: "baseline",
        name: "hash_whitespace",
        run: Box::new(move || {
            timed(|| {
                texts()
                    .flat_map(|text| text.split_whitespace())
                    .fold(0u64, |acc, w| acc ^ xxh3_64(w.as_bytes()))
            })
        }),
    });

    out.push(Bench {
        group: "stage",
        name: "segment",
        run: Box::new(move || {
            timed(|| {
                texts()
                    .map(|text| segmenter.segment(text).len())
                    .sum::<usize>()
            })
        }),
    });

    // As the Cleaner does: the document's language, then each paragraph's when the document
    // has one.
    out.push(Bench {
        group: "stage",
        name: "language",
        run: Box::new(move || {
            timed(|| {
                let mut found = 0usize;
                for paras in &corpus.paragraphs {
                    if let Some(doc) = detector.detect_document(paras) {
                        found += 1;
                        found += paras
                            .iter()
                            .filter_map(|p| detector.paragraph_language(&p.text, Some(doc)))
                            .count();
                    }
                }
                found
            })
        }),
    });

    // segment + language + classify.
    out.push(Bench {
        group: "stage",
        name: "clean",
        run: Box::new(move || {
            timed(|| {
                texts()
                    .map(|text| cleaner.clean(text).paragraphs.len())
                    .sum::<usize>()
            })
        }),
    });

    // Shingle + look up + insert over the cleaned pages, into a fresh index each run.
    out.push(Bench {
        group: "stage",
        name: "dedup",
        run: Box::new(move || {
            let mut pages = corpus.cleaned.clone();
            let index = DedupIndex::new(5, 0.5).expect("valid dedup parameters");
            let elapsed = timed(|| {
                for page in &mut pages {
                    index.dedup(page);
                }
                index.len()
            });
            drop(black_box(pages));
            elapsed
        }),
    });

    // End to end over documents in memory, corpus-scope dedup (the default), fresh pipeline
    // and index each run.
    for (name, threads) in [("threads_1", 1), ("threads_2", 2)] {
        out.push(Bench {
            group: "pipeline",
            name,
            run: Box::new(move || {
                let pipeline = Pipeline::new(Config::default(), threads).expect("pipeline");
                let docs: Vec<gleaner::Result<Document>> =
                    corpus.docs.iter().cloned().map(Ok).collect();
                timed(|| {
                    let mut out_bytes = 0usize;
                    pipeline
                        .run(docs, |event| {
                            if let Event::Document { page, .. } = event {
                                out_bytes += page.kept().map(|p| p.text.len()).sum::<usize>();
                            }
                            Ok(())
                        })
                        .expect("pipeline run");
                    out_bytes
                })
            }),
        });
    }
    out
}

fn run_criterion(c: &mut Criterion, corpus: &Corpus, benches: &[Bench<'_>]) {
    for group_name in ["baseline", "stage", "pipeline"] {
        let mut group = c.benchmark_group(group_name);
        group
            .throughput(Throughput::Bytes(corpus.bytes))
            .sample_size(10)
            .warm_up_time(Duration::from_secs(1))
            .measurement_time(Duration::from_secs(3))
            // Iterations take a good fraction of a second over a few MB: same count per sample.
            .sampling_mode(SamplingMode::Flat);
        for bench in benches.iter().filter(|b| b.group == group_name) {
            group.bench_function(bench.name, |b| {
                b.iter_custom(|iters| (0..iters).map(|_| (bench.run)()).sum())
            });
        }
        group.finish();
    }
}

/// Best of [`RATIO_ROUNDS`] interleaved rounds of every benchmark (interleaved so that a slow
/// spell of the machine hits all of them alike), as MB/s and as a cost multiple of the
/// baseline.
fn ratio_table(corpus: &Corpus, benches: &[Bench<'_>]) {
    let mut best = vec![Duration::MAX; benches.len()];
    for _ in 0..RATIO_ROUNDS {
        for (bench, best) in benches.iter().zip(&mut best) {
            *best = (*best).min((bench.run)());
        }
    }
    let mbs = |d: Duration| corpus.bytes as f64 / 1e6 / d.as_secs_f64();
    let time_of = |id: &str| {
        benches
            .iter()
            .position(|b| b.id() == id)
            .map(|i| best[i])
            .expect("benchmark exists")
    };
    let baseline = time_of("baseline/hash_words");

    eprintln!();
    eprintln!(
        "gleaner ratio table: {} docs, {} bytes ({}); best of {RATIO_ROUNDS} interleaved rounds",
        corpus.docs.len(),
        corpus.bytes,
        corpus.description
    );
    eprintln!("MB/s of input text; cost = time / time of baseline/hash_words in this run");
    eprintln!("{:<26} {:>10} {:>12}", "benchmark", "MB/s", "cost (x)");
    for (bench, &d) in benches.iter().zip(&best) {
        eprintln!(
            "{:<26} {:>10.2} {:>12.2}",
            bench.id(),
            mbs(d),
            d.as_secs_f64() / baseline.as_secs_f64()
        );
    }
    let (t1, t2) = (time_of("pipeline/threads_1"), time_of("pipeline/threads_2"));
    eprintln!(
        "pipeline scaling threads_2 / threads_1: {:.2}x ({} cores available)",
        t1.as_secs_f64() / t2.as_secs_f64(),
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
}

fn main() {
    let corpus = load_corpus();
    eprintln!(
        "gleaner bench corpus: {} docs, {} bytes ({})",
        corpus.docs.len(),
        corpus.bytes,
        corpus.description
    );
    let benches = benches(&corpus);
    let mut c = Criterion::default().configure_from_args();
    run_criterion(&mut c, &corpus, &benches);
    c.final_summary();

    // `cargo bench -- --test` / `--list` (smoke runs): no timing pass.
    let smoke = std::env::args().any(|a| a == "--test" || a == "--list");
    if !smoke {
        ratio_table(&corpus, &benches);
    }
}
