//! Golden tests: `gleaner clean samples/pages -o DIR` must reproduce the hand-labelled
//! `samples/expected/<name>` byte for byte (see samples/README.md for the labelling rules).
//!
//! The binary is run once over the whole folder, exactly as a user would (dedup across the
//! samples included), with `--explain`. On a mismatch the test prints a paragraph diff: which
//! expected paragraphs were dropped and why, which paragraphs were kept although the labels drop
//! them, each with the classifier's features, so that a developer can see what to fix.

mod common;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use serde_json::{Map, Value};

use common::*;

macro_rules! golden {
    ($($test:ident => $file:literal,)*) => {
        $(
            #[test]
            fn $test() {
                check($file);
            }
        )*
        /// Every sample with a test.
        const SAMPLES: &[&str] = &[$($file),*];
    };
}

golden! {
    sample_000 => "000_a9a835da032c8bc9.txt",
    sample_001 => "001_a89700a24ae7d098.txt",
    sample_002 => "002_1a6ee8431759ad64.txt",
    sample_003 => "003_72a695dded70c60a.txt",
    sample_004 => "004_1a2454741be5510d.txt",
}

fn samples_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("samples")
}

type Record = Map<String, Value>;

/// The result of `gleaner clean samples/pages -o DIR --explain FILE`, shared by the tests.
struct Run {
    /// Output files by relative path.
    outputs: BTreeMap<String, Vec<u8>>,
    /// Explain records by document id (the relative path), in page order.
    explain: BTreeMap<String, Vec<Record>>,
    status: Option<i32>,
    stderr: String,
}

fn golden_run() -> &'static Run {
    static RUN: OnceLock<Run> = OnceLock::new();
    RUN.get_or_init(|| {
        let tmp = tempfile::tempdir().unwrap();
        let out_dir = tmp.path().join("out");
        let explain_path = tmp.path().join("explain.jsonl");
        let output = gleaner()
            .current_dir(samples_dir())
            .arg("clean")
            .arg("pages")
            .arg("-o")
            .arg(&out_dir)
            .arg("--explain")
            .arg(&explain_path)
            .output()
            .unwrap();
        let outputs = files_under(&out_dir)
            .into_iter()
            .map(|f| {
                let bytes = std::fs::read(out_dir.join(&f)).unwrap();
                (f, bytes)
            })
            .collect();
        let mut explain: BTreeMap<String, Vec<Record>> = BTreeMap::new();
        for rec in parse_jsonl(&read(&explain_path)) {
            let doc = rec["doc"].as_str().unwrap().to_string();
            explain.entry(doc).or_default().push(rec);
        }
        Run {
            outputs,
            explain,
            status: output.status.code(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    })
}

fn check(name: &str) {
    let run = golden_run();
    assert_eq!(
        run.status,
        Some(0),
        "gleaner clean samples/pages failed:\n{}",
        run.stderr
    );
    let expected = std::fs::read(samples_dir().join("expected").join(name))
        .unwrap_or_else(|e| panic!("samples/expected/{name}: {e}"));
    let actual = run
        .outputs
        .get(name)
        .unwrap_or_else(|| panic!("no output written for {name}"));
    if *actual == expected {
        return;
    }
    let empty = Vec::new();
    let explain = run.explain.get(name).unwrap_or(&empty);
    panic!("{}", report(name, &expected, actual, explain));
}

/// Paragraphs of a clean text: its non-empty lines.
fn paragraphs(text: &str) -> Vec<&str> {
    text.split('\n').filter(|l| !l.is_empty()).collect()
}

enum Step<'a> {
    Same(&'a str),
    Missing(&'a str),
    Extra(&'a str),
}

/// A longest-common-subsequence diff of two paragraph lists.
fn diff<'a>(expected: &[&'a str], actual: &[&'a str]) -> Vec<Step<'a>> {
    let (n, m) = (expected.len(), actual.len());
    let mut lcs = vec![vec![0usize; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            lcs[i][j] = if expected[i] == actual[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let (mut i, mut j) = (0, 0);
    let mut steps = Vec::new();
    while i < n || j < m {
        if i < n && j < m && expected[i] == actual[j] {
            steps.push(Step::Same(expected[i]));
            i += 1;
            j += 1;
        } else if j < m && (i == n || lcs[i][j + 1] >= lcs[i + 1][j]) {
            steps.push(Step::Extra(actual[j]));
            j += 1;
        } else {
            steps.push(Step::Missing(expected[i]));
            i += 1;
        }
    }
    steps
}

fn short(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_string()
    } else {
        let cut: String = text.chars().take(max).collect();
        format!("{cut}…")
    }
}

/// `chars=.. words=.. stopword_density=0.63 ...` from an explain record's features.
fn features(rec: &Record) -> String {
    let Some(Value::Object(f)) = rec.get("features") else {
        return "(no features)".into();
    };
    f.iter()
        .map(|(k, v)| match v {
            Value::Number(n) if n.is_f64() => format!("{k}={:.2}", n.as_f64().unwrap()),
            Value::String(s) => format!("{k}={s}"),
            other => format!("{k}={other}"),
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn describe(rec: &Record) -> String {
    let reason = match &rec["reason"] {
        Value::String(r) => r.clone(),
        _ => "kept".into(),
    };
    format!(
        "#{} (line {}, lang {}): {reason}\n        {}",
        rec["index"],
        rec["line"],
        match &rec["lang"] {
            Value::String(l) => l.as_str(),
            _ => "?",
        },
        features(rec)
    )
}

/// The explain records that explain `text`: the same paragraph, else paragraphs that contain
/// it or that it contains (segmentation differences).
fn find<'a>(explain: &'a [Record], text: &str) -> (bool, Vec<&'a Record>) {
    let exact: Vec<&Record> = explain.iter().filter(|r| r["text"] == text).collect();
    if !exact.is_empty() {
        return (true, exact);
    }
    let partial = explain
        .iter()
        .filter(|r| {
            let t = r["text"].as_str().unwrap_or("");
            !t.is_empty() && (t.contains(text) || text.contains(t))
        })
        .collect();
    (false, partial)
}

fn report(name: &str, expected: &[u8], actual: &[u8], explain: &[Record]) -> String {
    let exp_text = String::from_utf8_lossy(expected);
    let act_text = String::from_utf8_lossy(actual);
    let exp = paragraphs(&exp_text);
    let act = paragraphs(&act_text);
    let steps = diff(&exp, &act);
    let missing = steps
        .iter()
        .filter(|s| matches!(s, Step::Missing(_)))
        .count();
    let extra = steps.iter().filter(|s| matches!(s, Step::Extra(_))).count();

    let mut r = String::new();
    let _ = writeln!(
        r,
        "\n{name}: output differs from samples/expected/{name}\n\
         expected {} paragraphs, got {}: {missing} missing (-), {extra} extra (+)\n",
        exp.len(),
        act.len()
    );
    if missing == 0 && extra == 0 {
        // Same paragraphs: the difference is in the formatting.
        let at = expected
            .iter()
            .zip(actual)
            .position(|(a, b)| a != b)
            .unwrap_or(expected.len().min(actual.len()));
        let ctx = |b: &[u8]| {
            let from = at.saturating_sub(40);
            let to = (at + 40).min(b.len());
            format!("{:?}", String::from_utf8_lossy(&b[from..to]))
        };
        let _ = writeln!(
            r,
            "same paragraphs, different bytes from offset {at} \
             (expected {} bytes, got {}):\n  expected: {}\n  actual:   {}",
            expected.len(),
            actual.len(),
            ctx(expected),
            ctx(actual)
        );
        return r;
    }
    for step in &steps {
        match step {
            Step::Same(t) => {
                let _ = writeln!(r, "  {}", short(t, 100));
            }
            Step::Missing(t) => {
                let _ = writeln!(r, "- {}", short(t, 100));
                let (exact, recs) = find(explain, t);
                if recs.is_empty() {
                    let _ = writeln!(r, "      not found in the explain output");
                } else if !exact {
                    let _ = writeln!(r, "      segmented differently; explain has:");
                }
                for rec in recs {
                    if !exact {
                        let _ = writeln!(r, "      {:?}", short(rec["text"].as_str().unwrap(), 80));
                    }
                    let _ = writeln!(r, "      dropped {}", describe(rec));
                }
            }
            Step::Extra(t) => {
                let _ = writeln!(r, "+ {}", short(t, 100));
                let (_, recs) = find(explain, t);
                for rec in recs.iter().filter(|rec| rec["kept"] == true) {
                    let _ = writeln!(r, "      kept {}", describe(rec));
                }
            }
        }
    }
    r
}

/// Every sample page has an expected output and a test, and nothing else is written.
#[test]
fn every_sample_has_a_golden_test() {
    let names = |dir: &str| {
        let mut v: Vec<String> = std::fs::read_dir(samples_dir().join(dir))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    };
    let pages = names("pages");
    assert_eq!(
        pages,
        names("expected"),
        "samples/pages vs samples/expected"
    );
    assert_eq!(pages, SAMPLES, "samples/pages vs the golden! list");
    let run = golden_run();
    assert_eq!(run.status, Some(0), "{}", run.stderr);
    assert_eq!(
        run.outputs.keys().collect::<Vec<_>>(),
        pages.iter().collect::<Vec<_>>()
    );
    assert_eq!(
        run.explain.keys().collect::<Vec<_>>(),
        pages.iter().collect::<Vec<_>>()
    );
}

/// The report itself: a dropped and an extra paragraph are both shown with their reasons.
#[test]
fn golden_report_names_missing_and_extra_paragraphs() {
    let explain = parse_jsonl(
        r#"{"doc":"d","index":0,"line":1,"kept":false,"reason":"ui_string","lang":"en","text":"Keep me","features":{"chars":7,"stopword_density":0.5}}
{"doc":"d","index":1,"line":2,"kept":true,"reason":null,"lang":"en","text":"Same","features":{"chars":4}}
{"doc":"d","index":2,"line":3,"kept":true,"reason":null,"lang":"en","text":"Share:","features":{"chars":6,"in_main_block":true}}"#,
    );
    let r = report("d", b"Keep me\n\nSame\n", b"Same\n\nShare:\n", &explain);
    assert!(r.contains("1 missing (-), 1 extra (+)"), "{r}");
    assert!(r.contains("- Keep me"), "{r}");
    assert!(r.contains("dropped #0 (line 1, lang en): ui_string"), "{r}");
    assert!(r.contains("stopword_density=0.50"), "{r}");
    assert!(r.contains("  Same"), "{r}");
    assert!(r.contains("+ Share:"), "{r}");
    assert!(r.contains("kept #2 (line 3, lang en): kept"), "{r}");
    assert!(r.contains("in_main_block=true"), "{r}");

    let r = report("d", b"Same\n", b"Same", &explain);
    assert!(r.contains("different bytes from offset 4"), "{r}");
}
