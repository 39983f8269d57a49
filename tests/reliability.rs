//! Hostile input, interrupted runs and resumed runs, through the `gleaner` binary: every input
//! is accounted for, bad input is named and the run goes on, outputs are complete or absent.

mod common;

use std::path::Path;

use serde_json::{json, Value};

use common::*;

fn stats_json(path: &Path) -> Value {
    serde_json::from_str(&read(path)).expect("stats file is JSON")
}

fn sum(v: &Value) -> u64 {
    v.as_object()
        .unwrap()
        .values()
        .map(|n| n.as_u64().unwrap())
        .sum()
}

/// `stats.inputs == written + left empty + rejected`.
fn assert_balanced(stats: &Value) {
    let inputs = stats["inputs"].as_u64().unwrap();
    let out = stats["documents_out"].as_u64().unwrap();
    let dropped = sum(&stats["documents_dropped"]);
    let rejected = sum(&stats["rejected"]);
    assert_eq!(inputs, out + dropped + rejected, "{stats:#}");
}

fn zstd_bytes(data: &[u8]) -> Vec<u8> {
    zstd::encode_all(data, 3).unwrap()
}

/// A folder holding every kind of bad input next to good pages.
fn hostile_corpus(d: &Path) {
    let good = page(&FLOOD);
    write(d, "in/good1.txt", &good);
    write(d, "in/good2.txt", page(&LIBRARY));
    // Binary: NUL bytes, and mostly control bytes.
    write(d, "in/image.txt", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR");
    write(
        d,
        "in/control.txt",
        [1u8, 2, 3, 4, 5, 6, 7, 8, b'a'].repeat(50),
    );
    // Over the (lowered) size limit, as a page and as one JSONL line.
    write(d, "in/huge.txt", "word ".repeat(50_000));
    // Invalid UTF-8: kept, decoded lossily.
    let mut latin1 = good.clone().into_bytes();
    latin1.extend_from_slice(b"caf\xe9 au lait\n");
    write(d, "in/latin1.txt", latin1);
    // Empty and blank files.
    write(d, "in/empty.txt", "");
    write(d, "in/blank.txt", " \n\n");
    // JSONL: good, malformed, truncated, missing and non-string text, an overlong line.
    let text = page(&FLOOD);
    let lines = [
        json!({"id": "j1", "text": text}).to_string(),
        "{\"id\": \"j2\", \"text\": ".to_string(),
        "not json at all".to_string(),
        json!({"id": "j3"}).to_string(),
        json!({"id": "j4", "text": 42}).to_string(),
        json!({"id": "j5", "text": "x".repeat(300_000)}).to_string(),
        "[1, 2, 3]".to_string(),
        json!({"id": "j6", "text": page(&LIBRARY)}).to_string(),
    ];
    write(d, "in/docs.jsonl", lines.join("\n") + "\n");
    // Truncated compressed streams: a JSONL gzip cut in its second line, a zstd page cut.
    let two = format!(
        "{}\n{}\n",
        json!({"id": "g1", "text": page(&LIBRARY)}),
        json!({"id": "g2", "text": page(&FLOOD)})
    );
    let gz = gzip(two.as_bytes());
    write(d, "in/cut.jsonl.gz", &gz[..gz.len() * 3 / 4]);
    // (gzip gives out what it has decoded; zstd's first block may hold the whole page.)
    let gz = gzip(page(&FLOOD).repeat(20).as_bytes());
    write(d, "in/cut.txt.gz", &gz[..gz.len() / 2]);
    let zst = zstd_bytes(page(&FLOOD).repeat(20).as_bytes());
    write(d, "in/cut2.txt.zst", &zst[..zst.len() / 2]);
    // A dangling symlink (unreadable) and a symlink loop.
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink("nowhere.txt", d.join("in/dangling.txt")).unwrap();
        std::fs::create_dir_all(d.join("in/sub")).unwrap();
        std::os::unix::fs::symlink("..", d.join("in/sub/loop")).unwrap();
    }
}

#[test]
fn hostile_corpus_is_accounted_for_and_every_rejection_recorded() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    hostile_corpus(d);
    let (_, stderr) = run(
        d,
        &[
            "in",
            "-o",
            "out",
            "--max-document-bytes",
            "200000",
            "--stats",
            "stats.json",
            "--rejects",
            "rejects.jsonl",
            // Each good page stands alone here (they repeat each other on purpose).
            "--dedup",
            "document",
        ],
        1,
    );
    let stats = stats_json(&d.join("stats.json"));
    assert_balanced(&stats);
    assert!(stderr.contains("accounting: "), "{stderr}");
    assert!(!stderr.contains("UNBALANCED"), "{stderr}");

    let rejected = &stats["rejected"];
    assert_eq!(rejected["binary"], 2, "{stats:#}");
    assert_eq!(rejected["too_large"], 2, "{stats:#}");
    assert_eq!(rejected["malformed_jsonl"], 5, "{stats:#}");
    assert_eq!(rejected["truncated"], 1, "{stats:#}");
    #[cfg(unix)]
    {
        assert_eq!(rejected["symlink_loop"], 1, "{stats:#}");
        assert_eq!(rejected["io"], 1, "{stats:#}");
    }
    assert_eq!(stats["warnings"]["truncated"], 2, "{stats:#}");
    assert_eq!(stats["warnings"]["empty"], 2, "{stats:#}");
    assert_eq!(stats["lossy_utf8"], 1, "{stats:#}");

    // Every rejection is in the rejects file, naming its file (and line for JSONL).
    let records = parse_jsonl(&read(d.join("rejects.jsonl")));
    let rejections: Vec<_> = records.iter().filter(|r| r["warning"] == false).collect();
    assert_eq!(rejections.len() as u64, sum(rejected), "{records:?}");
    for r in &rejections {
        assert!(r["file"].as_str().unwrap().starts_with("in/"), "{r:?}");
        assert!(!r["error"].as_str().unwrap().is_empty(), "{r:?}");
    }
    let lines: Vec<u64> = records
        .iter()
        .filter(|r| r["file"] == "in/docs.jsonl")
        .map(|r| r["line"].as_u64().unwrap())
        .collect();
    assert_eq!(lines, [2, 3, 4, 5, 6, 7]);
    assert!(records
        .iter()
        .any(|r| r["file"] == "in/cut.jsonl.gz" && r["line"] == 2 && r["kind"] == "truncated"));

    // The messages name the file and say what is wrong.
    for expected in [
        "gleaner: skipped: in/image.txt: binary file (NUL byte at offset 8), skipped",
        "gleaner: skipped: in/huge.txt: larger than the 200000-byte document limit, skipped",
        "gleaner: skipped: in/docs.jsonl:6: larger than the 200000-byte document limit",
        "gleaner: skipped: in/cut.jsonl.gz:2: stream truncated or corrupt, the lines before are kept",
        "gleaner: warning: in/cut.txt.gz: stream truncated or corrupt, the text read before the break is kept",
        "gleaner: warning: in/empty.txt: empty file",
        "gleaner: warning: in/latin1.txt: invalid UTF-8 replaced with U+FFFD",
    ] {
        assert!(stderr.contains(expected), "{expected}\n{stderr}");
    }
    #[cfg(unix)]
    assert!(
        stderr.contains("in/sub/loop: symbolic link loop (leads back to in), not followed"),
        "{stderr}"
    );

    // What was read before a truncation is kept; good pages are written.
    let cut = parse_jsonl(&read(d.join("out/cut.jsonl")));
    assert_eq!(cut.len(), 1);
    assert_eq!(cut[0]["id"], "g1");
    assert!(read(d.join("out/cut.txt")).starts_with(FLOOD[0]));
    assert_eq!(read(d.join("out/good2.txt")), clean_text(&LIBRARY));
    let docs = parse_jsonl(&read(d.join("out/docs.jsonl")));
    let ids: Vec<_> = docs.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["j1", "j6"]);
    // No temporary file is left behind.
    assert!(
        files_under(&d.join("out"))
            .iter()
            .all(|f| !f.contains(".tmp")),
        "{:?}",
        files_under(&d.join("out"))
    );
}

#[test]
fn strict_stops_at_the_first_bad_input_and_keeps_what_was_done() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "in/a.txt", page(&FLOOD));
    write(d, "in/b.txt", b"\0\0binary");
    write(d, "in/c.txt", page(&LIBRARY));
    let (_, stderr) = run(d, &["in", "-o", "out", "--strict", "--stats", "s.json"], 1);
    assert!(
        stderr.contains("gleaner: error: --strict: stopped at in/b.txt: binary file"),
        "{stderr}"
    );
    assert_eq!(read(d.join("out/a.txt")), clean_text(&FLOOD));
    assert!(!d.join("out/c.txt").exists());
    let stats = stats_json(&d.join("s.json"));
    assert_eq!(stats["interrupted"], true);
    assert_balanced(&stats);

    // A JSONL output stopped early is kept under a name that does not look finished.
    let lines = [
        json!({"id": "1", "text": page(&FLOOD)}).to_string(),
        "broken".to_string(),
        json!({"id": "3", "text": page(&LIBRARY)}).to_string(),
    ];
    write(d, "docs.jsonl", lines.join("\n"));
    let (_, stderr) = run(d, &["docs.jsonl", "-o", "o.jsonl", "--strict"], 1);
    assert!(!d.join("o.jsonl").exists());
    let partial = parse_jsonl(&read(d.join("o.jsonl.partial")));
    assert_eq!(partial.len(), 1, "{stderr}");
    assert!(stderr.contains("kept as o.jsonl.partial"), "{stderr}");

    // Without --strict the same input runs to the end.
    run(d, &["docs.jsonl", "-o", "o.jsonl", "-q"], 1);
    assert_eq!(parse_jsonl(&read(d.join("o.jsonl"))).len(), 2);
}

#[test]
fn a_long_jsonl_line_is_skipped_without_losing_the_next() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let long = json!({"id": "long", "text": "y ".repeat(5_000_000)}).to_string();
    let next = json!({"id": "next", "text": page(&FLOOD)}).to_string();
    write(d, "d.jsonl", format!("{long}\n{next}\n"));
    let (stdout, stderr) = run(d, &["d.jsonl", "--max-document-bytes", "4096"], 1);
    assert!(
        stderr.contains("d.jsonl:1: larger than the 4096-byte document limit"),
        "{stderr}"
    );
    let out = parse_jsonl(&stdout);
    assert_eq!(out.len(), 1);
    assert_eq!(out[0]["id"], "next");
}

#[test]
fn resume_skips_current_outputs_and_force_redoes_them() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "in/a.txt", page(&FLOOD));
    write(d, "in/b.txt", page(&LIBRARY));
    run(d, &["in", "-o", "out", "-q"], 0);
    let (_, stderr) = run(d, &["in", "-o", "out", "--stats", "s.json"], 0);
    assert!(
        stderr.contains("inputs skipped as current (output newer; --force to redo): 2"),
        "{stderr}"
    );
    let stats = stats_json(&d.join("s.json"));
    assert_eq!(stats["skipped_current"], 2);
    assert_eq!(stats["inputs"], 0);

    // An input changed after its output was written is done again.
    std::thread::sleep(std::time::Duration::from_millis(20));
    write(d, "in/b.txt", page(&FLOOD[..2]));
    run(
        d,
        &["in", "-o", "out", "--stats", "s.json", "--dedup", "off"],
        0,
    );
    let stats = stats_json(&d.join("s.json"));
    assert_eq!(stats["skipped_current"], 1);
    let b = read(d.join("out/b.txt"));
    assert!(b.starts_with(FLOOD[0]) && !b.contains(LIBRARY[0]), "{b}");

    run(d, &["in", "-o", "out", "--force", "--stats", "s.json"], 0);
    assert_eq!(stats_json(&d.join("s.json"))["inputs"], 2);
}

/// A run stopped part way (here by `--strict` at a bad file) and resumed with the same
/// persistent index gives the same outputs as one uninterrupted run: the skipped inputs'
/// paragraphs are in the index, so later copies of them are still caught.
#[test]
fn resume_with_a_persistent_index_matches_one_run() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let files = [
        ("in/a.txt", page(&FLOOD)),
        ("in/b.txt", page(&LIBRARY)),
        (
            "in/d.txt",
            page(&[FLOOD[1], FLOOD[2], ORCHARD[0], ORCHARD[1]]),
        ),
        ("in/e.txt", page(&LIBRARY)),
        ("in/f.txt", page(&[ORCHARD[1], ORCHARD[2], LIBRARY[0]])),
    ];
    for (name, text) in &files {
        write(d, name, text);
    }
    run(d, &["in", "-o", "whole", "-q"], 0);

    // The same inputs with a bad file in the middle: the strict run stops there.
    write(d, "in/c.txt", b"\0\0binary");
    run(
        d,
        &["in", "-o", "out", "--index", "seen.idx", "--strict", "-q"],
        1,
    );
    assert!(d.join("out/a.txt").exists() && !d.join("out/d.txt").exists());
    std::fs::remove_file(d.join("in/c.txt")).unwrap();
    let (_, stderr) = run(d, &["in", "-o", "out", "--index", "seen.idx"], 0);
    assert!(
        stderr.contains("inputs skipped as current (output newer; --force to redo): 2"),
        "{stderr}"
    );
    assert_eq!(files_under(&d.join("out")), files_under(&d.join("whole")));
    for (name, _) in &files {
        let name = name.trim_start_matches("in/");
        assert_eq!(
            read(d.join("out").join(name)),
            read(d.join("whole").join(name)),
            "{name}"
        );
    }
    // The resumed run did dedup against the first part: e.txt repeats b.txt.
    assert_eq!(read(d.join("out/e.txt")), "");
    assert!(!read(d.join("out/d.txt")).contains(FLOOD[1]));

    // Resumed without the index, the second part cannot know the first.
    write(d, "in/c.txt", b"\0\0binary");
    run(d, &["in", "-o", "noindex", "--strict", "-q"], 1);
    std::fs::remove_file(d.join("in/c.txt")).unwrap();
    run(d, &["in", "-o", "noindex", "-q"], 0);
    assert_eq!(read(d.join("noindex/e.txt")), clean_text(&LIBRARY));
}

/// Ctrl-C: the run stops, says so, exits 130, and leaves no output under a finished name.
#[cfg(unix)]
#[test]
fn interrupt_stops_cleanly_with_exit_130() {
    use std::io::Write;
    use std::process::{Command, Stdio};

    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("gleaner"))
        .current_dir(d)
        .args(["clean", "-", "--input-format", "jsonl", "-o", "out.jsonl"])
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let record = json!({"text": page(&FLOOD)}).to_string() + "\n";
    stdin.write_all(record.as_bytes()).unwrap();
    stdin.flush().unwrap();
    // Let the handler be installed, then interrupt as a terminal would.
    std::thread::sleep(std::time::Duration::from_millis(500));
    let kill = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    std::thread::sleep(std::time::Duration::from_millis(100));
    let _ = stdin.write_all(record.as_bytes());
    drop(stdin);
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{stderr}");
    assert!(stderr.contains("gleaner: interrupted"), "{stderr}");
    assert!(!d.join("out.jsonl").exists(), "{stderr}");
}

#[test]
fn broken_output_is_never_left_under_its_name() {
    // A run that fails writing (a file where the folder should be) removes its temporary file.
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "in/a.txt", page(&FLOOD));
    write(d, "in/sub/b.txt", page(&LIBRARY));
    write(d, "out/sub", "a file in the way");
    run(d, &["in", "-o", "out", "-q"], 2);
    let files = files_under(&d.join("out"));
    assert!(files.iter().all(|f| !f.contains(".tmp")), "{files:?}");
}
