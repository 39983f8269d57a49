//! Dedup at scale: the persistent index (round trip, refusals, read-only), site templates,
//! the memory budget, near-duplicate documents.

mod common;

use std::path::Path;

use gleaner::{Cleaner, Config, DedupIndex, DedupMode, DedupOptions, Error};
use serde_json::Value;

use common::*;

/// Long paragraphs of the hand-labelled sample outputs: real prose, all distinct.
fn prose() -> Vec<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/expected");
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    let mut out = Vec::new();
    for f in files {
        for p in read(&f).split("\n\n") {
            let p = p.trim();
            if p.len() > 150 && !out.iter().any(|q: &String| q == p) {
                out.push(p.to_string());
            }
        }
    }
    out
}

/// Pages built from the prose: some unique, some copies, some mixing earlier paragraphs.
fn pages() -> Vec<String> {
    let prose = prose();
    let mut pages = Vec::new();
    for (i, chunk) in prose.chunks(3).enumerate() {
        let mut ps: Vec<&str> = chunk.iter().map(String::as_str).collect();
        if i % 3 == 2 {
            ps.push(&prose[i]); // a quoted earlier paragraph
        }
        pages.push(page(&ps));
        if i % 4 == 1 {
            pages.push(page(&ps)); // an exact copy
        }
    }
    pages
}

/// Every paragraph's verdict, page by page.
fn decisions(index: &DedupIndex, texts: &[String]) -> Vec<Vec<Option<gleaner::Reason>>> {
    let cleaner = Cleaner::new(Config::default());
    texts
        .iter()
        .map(|t| {
            let mut page = cleaner.clean(t);
            index.dedup(&mut page);
            page.paragraphs.iter().map(|p| p.reason).collect()
        })
        .collect()
}

#[test]
fn save_then_load_decides_like_one_long_run() {
    let pages = pages();
    let half = pages.len() / 2;
    for options in [
        DedupOptions::default(),
        DedupOptions {
            sample: 3,
            ..DedupOptions::default()
        },
        DedupOptions {
            mode: DedupMode::Bloom,
            memory: Some(1 << 16),
            ..DedupOptions::default()
        },
    ] {
        let long = DedupIndex::with_options(options.clone()).unwrap();
        let expected = decisions(&long, &pages);
        assert!(expected
            .iter()
            .flatten()
            .any(|r| r.is_some_and(|r| r.name().starts_with("duplicate"))));

        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("day.idx");
        let day1 = DedupIndex::with_options(options.clone()).unwrap();
        let mut got = decisions(&day1, &pages[..half]);
        day1.save(&path).unwrap();
        let day2 = DedupIndex::load(&path, options.clone()).unwrap();
        assert_eq!(day2.len(), day1.len());
        got.extend(decisions(&day2, &pages[half..]));
        assert_eq!(got, expected, "{options:?}");

        // Saving is deterministic, and leaves no temporary file behind.
        let again = dir.path().join("again.idx");
        day1.save(&again).unwrap();
        assert_eq!(
            std::fs::read(&path).unwrap(),
            std::fs::read(&again).unwrap()
        );
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 2);
    }
}

fn refused(path: &Path, options: DedupOptions) -> String {
    match DedupIndex::load(path, options) {
        Err(e @ Error::Index { .. }) => e.to_string(),
        Err(e) => panic!("wrong error kind: {e}"),
        Ok(_) => panic!("a bad index file was accepted"),
    }
}

#[test]
fn corrupt_truncated_and_mismatched_files_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("seen.idx");
    let index = DedupIndex::new(5, 0.5).unwrap();
    decisions(&index, &pages());
    index.save(&path).unwrap();
    let good = std::fs::read(&path).unwrap();
    let bad = dir.path().join("bad.idx");
    let default = DedupOptions::default;

    // One bit flipped in the body.
    let mut flipped = good.clone();
    let at = good.len() - 100;
    flipped[at] ^= 0x10;
    std::fs::write(&bad, &flipped).unwrap();
    assert!(refused(&bad, default()).contains("checksum"));

    // Truncated, or with bytes appended.
    std::fs::write(&bad, &good[..good.len() - 8]).unwrap();
    assert!(refused(&bad, default()).contains("truncated"));
    std::fs::write(&bad, &good[..20]).unwrap();
    assert!(refused(&bad, default()).contains("too short"));
    std::fs::write(&bad, [good.as_slice(), b"x"].concat()).unwrap();
    assert!(refused(&bad, default()).contains("truncated or corrupt"));

    // Not an index at all; another version.
    std::fs::write(
        &bad,
        "hello, this is not an index file at all, sorry about that",
    )
    .unwrap();
    assert!(refused(&bad, default()).contains("magic"));
    let mut version = good.clone();
    version[8] = 9;
    std::fs::write(&bad, &version).unwrap();
    assert!(refused(&bad, default()).contains("version 9"));

    // Built with other parameters.
    let msg = refused(
        &path,
        DedupOptions {
            shingle_size: 7,
            ..default()
        },
    );
    assert!(msg.contains("shingle size 5, this run uses 7"), "{msg}");
    let msg = refused(
        &path,
        DedupOptions {
            sample: 2,
            ..default()
        },
    );
    assert!(msg.contains("sample"), "{msg}");
    let msg = refused(
        &path,
        DedupOptions {
            mode: DedupMode::Bloom,
            bloom_items: Some(1000),
            ..default()
        },
    );
    assert!(
        msg.contains("exact mode, this run uses bloom mode"),
        "{msg}"
    );

    // Too big for this run's budget: refused, not silently cut.
    let msg = refused(
        &path,
        DedupOptions {
            memory: Some(2048),
            ..default()
        },
    );
    assert!(msg.contains("memory budget"), "{msg}");

    // The CLI says so and stops.
    write(dir.path(), "in/a.txt", page(&FLOOD));
    std::fs::write(&bad, &flipped).unwrap();
    let out = clean_in(dir.path())
        .args(["in/a.txt", "--index", "bad.idx", "-q"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("bad.idx: checksum mismatch"), "{stderr}");
}

#[test]
fn cli_index_carries_over_between_runs_and_read_only_does_not_write() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "day1/a.txt", page(&FLOOD));
    write(d, "day2/b.txt", page(&[FLOOD[0], LIBRARY[0], ORCHARD[0]]));
    write(d, "day2/c.txt", page(&LIBRARY));
    clean_in(d)
        .args(["day1", "-o", "out1", "--index", "seen.idx", "-q"])
        .assert()
        .success();
    let saved = std::fs::read(d.join("seen.idx")).unwrap();

    // Read-only: FLOOD[0] is known from day one; LIBRARY[0] is not added, so c.txt keeps it.
    clean_in(d)
        .args([
            "day2",
            "-o",
            "ro",
            "--index",
            "seen.idx",
            "--index-readonly",
            "-q",
        ])
        .assert()
        .success();
    let b = read(d.join("ro/b.txt"));
    assert!(!b.contains(FLOOD[0]) && b.contains(LIBRARY[0]), "{b}");
    assert_eq!(read(d.join("ro/c.txt")), clean_text(&LIBRARY));
    assert_eq!(std::fs::read(d.join("seen.idx")).unwrap(), saved);

    // Read-write: day two also remembers its own paragraphs.
    clean_in(d)
        .args(["day2", "-o", "rw", "--index", "seen.idx", "-q"])
        .assert()
        .success();
    let b = read(d.join("rw/b.txt"));
    assert!(!b.contains(FLOOD[0]) && b.contains(LIBRARY[0]), "{b}");
    let c = read(d.join("rw/c.txt"));
    assert!(!c.contains(LIBRARY[0]) && c.contains(LIBRARY[1]), "{c}");
    assert_ne!(std::fs::read(d.join("seen.idx")).unwrap(), saved);
}

#[test]
fn templates_drop_every_copy_of_a_recurring_line_but_keep_a_paragraph_seen_twice() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let prose = prose();
    let template = "Readers can send their questions and story ideas to the newsroom by email, \
                    and our editors answer as many of them as they can every week.";
    let twice = prose[0].as_str();
    for i in 0..8 {
        let mut ps = vec![
            template,
            prose[2 * i + 1].as_str(),
            prose[2 * i + 2].as_str(),
        ];
        if i < 2 {
            ps.push(twice);
        }
        write(d, &format!("in/{i}.txt"), ps.join("\n\n"));
    }
    // Without templates, the first copy is kept.
    clean_in(d)
        .args(["in", "-o", "plain", "-q"])
        .assert()
        .success();
    assert!(read(d.join("plain/0.txt")).contains(template));

    clean_in(d)
        .args(["in", "-o", "tpl", "--templates", "--template-min-docs", "5"])
        .args(["--stats", "stats.json", "-q"])
        .assert()
        .success();
    for i in 0..8 {
        let text = read(d.join(format!("tpl/{i}.txt")));
        assert!(!text.contains(template), "{i}: {text}");
        assert!(text.contains(&prose[2 * i + 1]), "{i}: {text}");
    }
    assert!(read(d.join("tpl/0.txt")).contains(twice));
    assert!(!read(d.join("tpl/1.txt")).contains(twice));
    let stats: Value = serde_json::from_str(&read(d.join("stats.json"))).unwrap();
    assert_eq!(stats["paragraphs_dropped"]["template"], 8);
    assert_eq!(stats["paragraphs_dropped"]["duplicate"], 1);
    assert!(stats["bytes_dropped"]["template"].as_u64().unwrap() > 8 * 100);

    // Stdin cannot be read twice.
    let out = clean_in(d)
        .args(["-", "--templates"])
        .write_stdin("text")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8(out.stderr)
        .unwrap()
        .contains("stdin cannot be read twice"));
}

#[test]
fn a_full_budget_is_reported_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    for (i, p) in pages().iter().enumerate() {
        write(d, &format!("in/{i:02}.txt"), p);
    }
    let out = clean_in(d)
        .args([
            "in",
            "-o",
            "out",
            "--dedup-memory",
            "4K",
            "--stats",
            "stats.json",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(
        stderr.matches("reached its memory budget").count(),
        1,
        "{stderr}"
    );
    assert!(stderr.contains("--dedup-mode bloom"), "{stderr}");
    assert!(stderr.contains("dedup index FULL"), "{stderr}");
    let stats: Value = serde_json::from_str(&read(d.join("stats.json"))).unwrap();
    let index = &stats["dedup_index"];
    assert_eq!(index["full"], true);
    assert!(index["refused_inserts"].as_u64().unwrap() > 0);
    assert!(index["memory_bytes"].as_u64().unwrap() <= 4096);
}

#[test]
fn bloom_and_size_flags() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "in/a.txt", page(&FLOOD));
    write(d, "in/b.txt", page(&FLOOD));
    let out = clean_in(d)
        .args([
            "in",
            "-o",
            "out",
            "--dedup-mode",
            "bloom",
            "--dedup-memory",
            "1M",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("dedup index: bloom"), "{stderr}");
    assert!(stderr.contains("false-positive rate"), "{stderr}");
    assert_eq!(read(d.join("out/b.txt")), "");

    // Bloom without a size, and a bad size, are usage errors.
    clean_in(d)
        .args(["in", "-o", "o2", "--dedup-mode", "bloom"])
        .assert()
        .code(2);
    clean_in(d)
        .args(["in", "-o", "o3", "--dedup-memory", "lots"])
        .assert()
        .code(2);
}

#[test]
fn templates_count_pages_per_host_from_the_url_field() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let prose = prose();
    let footer = "Example Gazette is published by the Example Media Group and printed \
                  in the city every morning except on public holidays.";
    let mut records = Vec::new();
    for (i, p) in prose.iter().take(4).enumerate() {
        let text = format!("{p}\n\n{footer}");
        records.push(serde_json::json!({"id": i, "url": format!("https://news.example.com/a/{i}"), "text": text}));
    }
    // The same line once on another host: below its host's threshold, and kept there.
    let text = format!("{}\n\n{footer}", prose[10]);
    records.push(serde_json::json!({"id": 9, "url": "https://other.org/x", "text": text}));
    write(d, "in.jsonl", jsonl(&records));
    clean_in(d)
        .args([
            "in.jsonl",
            "-o",
            "out.jsonl",
            "--templates",
            "--no-doc-dedup",
            "-q",
        ])
        .assert()
        .success();
    let out = parse_jsonl(&read(d.join("out.jsonl")));
    for r in &out[..4] {
        let text = r["text"].as_str().unwrap();
        assert!(!text.contains(footer), "{text}");
    }
    // On other.org it is not a template, and no copy of it was written before: kept.
    assert!(out[4]["text"].as_str().unwrap().contains(footer));
}
