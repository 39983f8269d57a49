//! Integration tests of the `gleaner clean` command line: inputs (folders, JSONL, stdin,
//! compressed files, bad input), outputs, `--lang`, `--explain`, `--stats`, dedup scopes and
//! the run summary.

mod common;

use std::collections::BTreeMap;

use predicates::prelude::*;
use serde_json::{json, Map, Value};

use common::*;

/// The explain records of `path`, grouped by document id, in file order.
fn explain_by_doc(path: &std::path::Path) -> BTreeMap<String, Vec<Map<String, Value>>> {
    let mut by_doc: BTreeMap<String, Vec<Map<String, Value>>> = BTreeMap::new();
    for rec in parse_jsonl(&read(path)) {
        let doc = rec["doc"].as_str().expect("doc is a string").to_string();
        by_doc.entry(doc).or_default().push(rec);
    }
    by_doc
}

fn stats_json(path: &std::path::Path) -> Value {
    serde_json::from_str(&read(path)).expect("stats file is JSON")
}

fn sum_values(v: &Value) -> u64 {
    v.as_object()
        .expect("an object of counts")
        .values()
        .map(|n| n.as_u64().expect("a count"))
        .sum()
}

// ---------------------------------------------------------------------------------------------
// Folders

#[test]
fn folder_input_mirrors_relative_paths_and_writes_empty_files() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "in/a.txt", page(&FLOOD));
    write(d, "in/sub/b.txt", BOILERPLATE_ONLY);
    write(d, "in/sub/deeper/c.txt", page(&LIBRARY));

    run(d, &["in", "-o", "out", "--quiet"], 0);

    assert_eq!(
        files_under(&d.join("out")),
        ["a.txt", "sub/b.txt", "sub/deeper/c.txt"]
    );
    assert_eq!(read(d.join("out/a.txt")), clean_text(&FLOOD));
    assert_eq!(read(d.join("out/sub/deeper/c.txt")), clean_text(&LIBRARY));
    // A page with nothing but boilerplate still gets its (empty) file.
    assert_eq!(read(d.join("out/sub/b.txt")), "");
}

#[test]
fn single_text_page_to_a_text_file() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "page.txt", page(&ORCHARD));
    run(d, &["page.txt", "-o", "clean.txt", "-q"], 0);
    let out = read(d.join("clean.txt"));
    assert_eq!(out, clean_text(&ORCHARD));
    assert_no_boilerplate(&out);
}

// ---------------------------------------------------------------------------------------------
// JSONL

fn passthrough_records() -> Vec<Value> {
    vec![
        json!({"id": "z-first", "url": "https://example.org/flood", "text": page(&FLOOD),
               "meta": {"crawl": {"date": "2024-04-02", "depth": 3}, "tags": ["a", 1, null]},
               "score": 0.25, "ok": true}),
        json!({"id": "b-empty", "url": "https://example.org/menu", "text": BOILERPLATE_ONLY,
               "meta": null}),
        json!({"id": 17, "text": page(&ORCHARD), "url": "https://example.org/orchard",
               "meta": {"nested": {"deeper": [1, 2, {"x": "y"}]}}}),
        json!({"url": "https://example.org/library", "text": page(&LIBRARY), "extra": [],
               "id": "a-last"}),
    ]
}

#[test]
fn jsonl_passes_other_fields_through_in_input_order() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let input = passthrough_records();
    write(d, "in.jsonl", jsonl(&input));

    run(d, &["in.jsonl", "-o", "out.jsonl", "-q"], 0);

    let out = parse_jsonl(&read(d.join("out.jsonl")));
    assert_eq!(out.len(), input.len(), "one output line per input line");
    let expected_text = [
        clean_text(&FLOOD),
        String::new(),
        clean_text(&ORCHARD),
        clean_text(&LIBRARY),
    ];
    for ((inp, outp), text) in input.iter().zip(&out).zip(&expected_text) {
        let inp = inp.as_object().unwrap();
        // Same fields, same order, then `lang` (and `dropped` for an empty document).
        let mut keys: Vec<&str> = inp.keys().map(String::as_str).collect();
        keys.push("lang");
        if outp.contains_key("dropped") {
            keys.push("dropped");
        }
        assert_eq!(outp.keys().map(String::as_str).collect::<Vec<_>>(), keys);
        for (k, v) in inp {
            if k != "text" {
                assert_eq!(&outp[k], v, "field {k} changed");
            }
        }
        assert_eq!(outp["text"].as_str().unwrap(), text.as_str());
    }
    for i in [0, 2, 3] {
        assert_eq!(out[i]["lang"], "en", "record {i}");
        assert!(!out[i].contains_key("dropped"), "record {i}");
    }
    let empty = &out[1];
    assert_eq!(empty["text"], "");
    let reason = empty["dropped"].as_str().expect("`dropped` names a reason");
    assert!(reason_names().contains(&reason), "unknown reason {reason}");
    assert_eq!(reason, "no_content");
}

#[test]
fn custom_text_and_id_fields() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let input = vec![
        // `text` here is just another field and must pass through untouched.
        json!({"doc_id": "first", "body": page(&FLOOD), "text": "not the page", "id": "x"}),
        json!({"body": page(&LIBRARY), "doc_id": 42}),
        json!({"body": page(&ORCHARD)}),
    ];
    write(d, "in.jsonl", jsonl(&input));

    run(
        d,
        &[
            "in.jsonl",
            "-o",
            "out.jsonl",
            "--text-field",
            "body",
            "--id-field",
            "doc_id",
            "--explain",
            "explain.jsonl",
            "-q",
        ],
        0,
    );

    let out = parse_jsonl(&read(d.join("out.jsonl")));
    assert_eq!(out.len(), 3);
    assert_eq!(out[0]["body"].as_str().unwrap(), clean_text(&FLOOD));
    assert_eq!(out[0]["text"], "not the page");
    assert_eq!(out[0]["id"], "x");
    assert_eq!(out[0]["doc_id"], "first");
    assert_eq!(out[1]["body"].as_str().unwrap(), clean_text(&LIBRARY));
    assert!(!out[1].contains_key("text"), "no `text` field added");
    assert_eq!(out[1]["doc_id"], 42);
    assert_eq!(out[2]["body"].as_str().unwrap(), clean_text(&ORCHARD));
    for r in &out {
        assert_eq!(r["lang"], "en");
    }

    // The explain file names documents by the id field, else by file:line.
    let docs: Vec<String> = parse_jsonl(&read(d.join("explain.jsonl")))
        .iter()
        .map(|r| r["doc"].as_str().unwrap().to_string())
        .fold(Vec::new(), |mut v, id| {
            if v.last() != Some(&id) {
                v.push(id);
            }
            v
        });
    assert_eq!(docs, ["first", "42", "in.jsonl:3"]);
}

// ---------------------------------------------------------------------------------------------
// stdin

#[test]
fn stdin_text_page_prints_clean_text() {
    let dir = tempfile::tempdir().unwrap();
    clean_in(dir.path())
        .args(["-", "--quiet"])
        .write_stdin(page(&FLOOD))
        .assert()
        .success()
        .stdout(clean_text(&FLOOD))
        .stderr("");
}

#[test]
fn stdin_jsonl_with_explicit_format_gives_jsonl() {
    let dir = tempfile::tempdir().unwrap();
    let input = passthrough_records();
    let output = clean_in(dir.path())
        .args(["-", "--input-format", "jsonl", "-q"])
        .write_stdin(jsonl(&input))
        .assert()
        .success()
        .get_output()
        .clone();
    let out = parse_jsonl(std::str::from_utf8(&output.stdout).unwrap());
    assert_eq!(out.len(), input.len());
    assert_eq!(out[0]["id"], "z-first");
    assert_eq!(out[0]["text"].as_str().unwrap(), clean_text(&FLOOD));
    assert_eq!(out[1]["text"], "");
}

/// JSONL on stdin is recognised by its first `{` (no `--input-format`), and a JSONL input
/// gives JSONL output: the records, with their ids and passthrough fields, must survive.
#[test]
fn stdin_jsonl_is_sniffed_and_gives_jsonl() {
    let dir = tempfile::tempdir().unwrap();
    let input = passthrough_records();
    let out = clean_in(dir.path())
        .args(["-", "-q"])
        .write_stdin(format!("\n  {}", jsonl(&input)))
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        stdout.starts_with('{'),
        "JSONL on stdin was cleaned but written as plain text, losing ids and record \
         boundaries:\n{stdout}"
    );
    let out = parse_jsonl(&stdout);
    assert_eq!(out.len(), input.len());
    assert_eq!(out[0]["id"], "z-first");
    assert_eq!(out[0]["url"], "https://example.org/flood");
    assert_eq!(out[0]["text"].as_str().unwrap(), clean_text(&FLOOD));
    assert_eq!(out[1]["dropped"], "no_content");
}

#[test]
fn stdin_jsonl_to_a_jsonl_file() {
    let dir = tempfile::tempdir().unwrap();
    let input = passthrough_records();
    clean_in(dir.path())
        .args(["-", "-o", "out.jsonl", "-q"])
        .write_stdin(jsonl(&input))
        .assert()
        .success();
    let out = parse_jsonl(&read(dir.path().join("out.jsonl")));
    assert_eq!(out.len(), input.len());
    assert_eq!(out[2]["id"], 17);
    assert_eq!(out[2]["text"].as_str().unwrap(), clean_text(&ORCHARD));
}

// ---------------------------------------------------------------------------------------------
// Compression

#[test]
fn gzip_and_zstd_inputs_are_read_transparently() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let records = passthrough_records();
    write(d, "docs.jsonl.gz", gzip(jsonl(&records).as_bytes()));
    write(d, "page.txt.gz", gzip(page(&FLOOD).as_bytes()));
    write(
        d,
        "other.txt.zst",
        zstd::encode_all(page(&LIBRARY).as_bytes(), 3).unwrap(),
    );

    // A folder: compressed pages are written under their decompressed names.
    write(d, "tree/page.txt.gz", gzip(page(&ORCHARD).as_bytes()));
    write(
        d,
        "tree/sub/docs.jsonl.gz",
        gzip(jsonl(&records).as_bytes()),
    );
    run(d, &["tree", "-o", "tree_out", "-q", "--dedup", "off"], 0);
    assert_eq!(
        files_under(&d.join("tree_out")),
        ["page.txt", "sub/docs.jsonl"]
    );
    assert_eq!(read(d.join("tree_out/page.txt")), clean_text(&ORCHARD));
    let sub = parse_jsonl(&read(d.join("tree_out/sub/docs.jsonl")));
    assert_eq!(sub.len(), records.len());
    assert_eq!(sub[0]["text"].as_str().unwrap(), clean_text(&FLOOD));

    // Single compressed text pages to stdout.
    let (stdout, _) = run(d, &["page.txt.gz", "-q"], 0);
    assert_eq!(stdout, clean_text(&FLOOD));
    let (stdout, _) = run(d, &["other.txt.zst", "-q"], 0);
    assert_eq!(stdout, clean_text(&LIBRARY));

    // Several gzip members back to back (pigz, Common Crawl) are one stream.
    let mut members = gzip(jsonl(&records[..2]).as_bytes());
    members.extend(gzip(jsonl(&records[2..]).as_bytes()));
    write(d, "members.jsonl.gz", members);
    run(d, &["members.jsonl.gz", "-o", "members.jsonl", "-q"], 0);
    let out = parse_jsonl(&read(d.join("members.jsonl")));
    assert_eq!(out.len(), records.len());
    assert_eq!(out[3]["id"], "a-last");
    assert_eq!(out[3]["text"].as_str().unwrap(), clean_text(&LIBRARY));

    // Compressed JSONL to plain JSONL.
    run(d, &["docs.jsonl.gz", "-o", "plain.jsonl", "-q"], 0);
    let plain = read(d.join("plain.jsonl"));
    let out = parse_jsonl(&plain);
    assert_eq!(out.len(), records.len());
    assert_eq!(out[0]["id"], "z-first");
    assert_eq!(out[0]["text"].as_str().unwrap(), clean_text(&FLOOD));
}

#[test]
fn compressed_jsonl_output_reads_back() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "docs.jsonl", jsonl(&passthrough_records()));
    write(d, "page.txt.gz", gzip(page(&ORCHARD).as_bytes()));

    run(d, &["docs.jsonl", "-o", "plain.jsonl", "-q"], 0);
    run(d, &["docs.jsonl", "-o", "out.jsonl.gz", "-q"], 0);
    run(d, &["docs.jsonl", "-o", "out.jsonl.zst", "-q"], 0);
    let plain = std::fs::read(d.join("plain.jsonl")).unwrap();
    assert_eq!(parse_jsonl(std::str::from_utf8(&plain).unwrap()).len(), 4);

    let gz = std::fs::read(d.join("out.jsonl.gz")).unwrap();
    assert!(gz.starts_with(&[0x1f, 0x8b]), "not gzip");
    assert_eq!(gunzip(&gz), plain, "gzip output differs from plain output");

    let zst = std::fs::read(d.join("out.jsonl.zst")).unwrap();
    assert!(zst.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]), "not zstd");
    assert_eq!(zstd::decode_all(&zst[..]).unwrap(), plain);

    // Text pages mixed in become `{id, text, lang}` records.
    run(
        d,
        &[
            "docs.jsonl",
            "page.txt.gz",
            "-o",
            "mixed.jsonl.gz",
            "--dedup",
            "off",
            "-q",
        ],
        0,
    );
    let mixed = gunzip(&std::fs::read(d.join("mixed.jsonl.gz")).unwrap());
    let mixed = parse_jsonl(std::str::from_utf8(&mixed).unwrap());
    assert_eq!(mixed.len(), 5);
    let last = &mixed[4];
    assert_eq!(
        last.keys().map(String::as_str).collect::<Vec<_>>(),
        ["id", "text", "lang"]
    );
    assert_eq!(last["id"], "page.txt.gz");
    assert_eq!(last["text"].as_str().unwrap(), clean_text(&ORCHARD));
    assert_eq!(last["lang"], "en");
}

// ---------------------------------------------------------------------------------------------
// Bad input

#[test]
fn bad_jsonl_lines_are_skipped_named_and_exit_1() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let mut input = String::new();
    input += &jsonl(&[json!({"id": "good-1", "text": page(&FLOOD)})]);
    input += "{\"id\": \"broken\", \"text\": \"unterminated\n";
    input += &jsonl(&[
        json!({"id": "number", "text": 5}),
        json!({"id": "missing", "body": page(&ORCHARD)}),
    ]);
    input += "[\"an\", \"array\"]\n";
    input += &jsonl(&[json!({"id": "good-2", "text": page(&LIBRARY)})]);
    write(d, "bad.jsonl", input);

    let (_, stderr) = run(
        d,
        &["bad.jsonl", "-o", "out.jsonl", "--stats", "stats.json"],
        1,
    );
    for line in 2..=5 {
        assert!(
            stderr.contains(&format!("bad.jsonl:{line}")),
            "line {line} not named in:\n{stderr}"
        );
    }
    assert!(!stderr.contains("bad.jsonl:1"), "{stderr}");
    assert!(!stderr.contains("bad.jsonl:6"), "{stderr}");

    let out = parse_jsonl(&read(d.join("out.jsonl")));
    let ids: Vec<&str> = out.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["good-1", "good-2"]);
    assert_eq!(out[0]["text"].as_str().unwrap(), clean_text(&FLOOD));
    assert_eq!(out[1]["text"].as_str().unwrap(), clean_text(&LIBRARY));

    let stats = stats_json(&d.join("stats.json"));
    assert_eq!(stats["documents_in"], 2);
    assert_eq!(stats["rejected"]["malformed_jsonl"], 4);
}

#[test]
fn missing_input_file_is_named_others_processed_exit_1() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "a.txt", page(&FLOOD));
    write(d, "c.txt", page(&LIBRARY));

    let (_, stderr) = run(d, &["a.txt", "missing.txt", "c.txt", "-o", "out"], 1);
    assert!(stderr.contains("missing.txt"), "{stderr}");
    assert_eq!(files_under(&d.join("out")), ["a.txt", "c.txt"]);
    assert_eq!(read(d.join("out/a.txt")), clean_text(&FLOOD));
    assert_eq!(read(d.join("out/c.txt")), clean_text(&LIBRARY));

    // Also with --quiet: the skip is still reported, and the exit code still says so.
    let (_, stderr) = run(d, &["missing.txt", "a.txt", "-o", "out2", "-q"], 1);
    assert!(stderr.contains("missing.txt"), "{stderr}");
    assert_eq!(read(d.join("out2/a.txt")), clean_text(&FLOOD));
}

#[test]
fn invalid_utf8_page_is_cleaned_with_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let mut bytes = page(&FLOOD).into_bytes();
    let at = bytes.windows(5).position(|w| w == b"storm").unwrap();
    bytes.splice(at..at, *b"caf\xe9 ");
    write(d, "latin1.txt", &bytes);

    let (stdout, stderr) = run(d, &["latin1.txt"], 0);
    assert!(stderr.contains("latin1.txt"), "{stderr}");
    assert!(stderr.contains("UTF-8"), "{stderr}");
    assert!(stdout.contains("caf\u{fffd} storm"), "{stdout}");
    assert!(stdout.contains(FLOOD[1]), "{stdout}");
    assert_no_boilerplate(&stdout);

    // In JSONL, the warning names the line.
    let mut line = serde_json::to_vec(&json!({"id": "l", "text": page(&LIBRARY)})).unwrap();
    let at = line.windows(6).position(|w| w == b"market").unwrap();
    line.splice(at..at, *b"\xff\xfe ");
    let mut file = jsonl(&[json!({"id": "ok", "text": page(&ORCHARD)})]).into_bytes();
    file.extend_from_slice(&line);
    file.push(b'\n');
    write(d, "latin1.jsonl", &file);
    let (_, stderr) = run(d, &["latin1.jsonl", "-o", "out.jsonl"], 0);
    assert!(stderr.contains("latin1.jsonl:2"), "{stderr}");
    let out = parse_jsonl(&read(d.join("out.jsonl")));
    assert!(out[1]["text"].as_str().unwrap().contains(LIBRARY[1]));
}

#[test]
fn fatal_errors_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "a.txt", page(&FLOOD));
    let (_, stderr) = run(d, &["a.txt", "--lang", "xx-not-a-language"], 2);
    assert!(stderr.contains("xx-not-a-language"), "{stderr}");
    run(d, &["a.txt", "--dedup-threshold", "1"], 2);
    let (_, stderr) = run(d, &["a.txt", "--page-dedup-threshold", "1.5"], 2);
    assert!(stderr.contains("in-page dedup threshold"), "{stderr}");
    run(d, &["a.txt", "--shingle-size", "0"], 2);
    // Unknown flags are usage errors too.
    gleaner()
        .current_dir(d)
        .args(["clean", "a.txt", "--no-such-flag"])
        .assert()
        .code(2);
}

// ---------------------------------------------------------------------------------------------
// Languages

#[test]
fn lang_filter_drops_other_languages() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "in/a.txt", page(&FLOOD));
    write(d, "in/b.txt", page(&LIBRARY));
    write(
        d,
        "docs.jsonl",
        jsonl(&[
            json!({"id": "o", "text": page(&ORCHARD)}),
            json!({"id": "f", "text": page(&FLOOD)}),
        ]),
    );

    run(
        d,
        &["in", "-o", "out", "--lang", "de", "--stats", "stats.json"],
        0,
    );
    assert_eq!(files_under(&d.join("out")), ["a.txt", "b.txt"]);
    assert_eq!(read(d.join("out/a.txt")), "");
    assert_eq!(read(d.join("out/b.txt")), "");
    let stats = stats_json(&d.join("stats.json"));
    assert_eq!(stats["documents_in"], 2);
    assert_eq!(stats["documents_out"], 0);
    assert_eq!(stats["documents_dropped"]["language_not_selected"], 2);
    assert_eq!(stats["languages"]["en"], 2);

    run(
        d,
        &["docs.jsonl", "-o", "out.jsonl", "--lang", "de", "-q"],
        0,
    );
    let out = parse_jsonl(&read(d.join("out.jsonl")));
    assert_eq!(out.len(), 2);
    for r in &out {
        assert_eq!(r["text"], "");
        assert_eq!(r["lang"], "en");
        assert_eq!(r["dropped"], "language_not_selected");
    }

    // A list that includes English keeps them.
    run(d, &["in", "-o", "out_en", "--lang", "en,de", "-q"], 0);
    assert_eq!(read(d.join("out_en/a.txt")), clean_text(&FLOOD));
    assert_eq!(read(d.join("out_en/b.txt")), clean_text(&LIBRARY));
}

// ---------------------------------------------------------------------------------------------
// --explain and --stats

#[test]
fn explain_has_one_record_per_paragraph() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "in/1.txt", page(&FLOOD));
    write(d, "in/2.txt", BOILERPLATE_ONLY);
    write(d, "in/3.txt", page(&ORCHARD));

    run(
        d,
        &["in", "-o", "out", "--explain", "explain.jsonl", "-q"],
        0,
    );

    let by_doc = explain_by_doc(&d.join("explain.jsonl"));
    assert_eq!(
        by_doc.keys().map(String::as_str).collect::<Vec<_>>(),
        ["1.txt", "2.txt", "3.txt"]
    );
    // Page 1: menu line, log in, 2 paragraphs, share, related heading, 2 teasers.
    assert_eq!(by_doc["1.txt"].len(), 2 + FLOOD.len() + 4);
    assert_eq!(by_doc["2.txt"].len(), BOILERPLATE_ONLY.lines().count());
    assert_eq!(by_doc["3.txt"].len(), 2 + ORCHARD.len() + 4);
    let names = reason_names();
    for (doc, recs) in &by_doc {
        let mut kept = Vec::new();
        for (i, r) in recs.iter().enumerate() {
            for field in ["doc", "index", "text", "kept", "reason", "lang", "features"] {
                assert!(r.contains_key(field), "{doc}#{i}: no `{field}` in {r:?}");
            }
            assert_eq!(r["index"], i, "{doc}: indexes count from 0 in page order");
            assert!(r["features"].is_object(), "{doc}#{i}: features {r:?}");
            assert!(r["text"].is_string());
            match r["kept"].as_bool().expect("kept is a bool") {
                true => {
                    assert!(r["reason"].is_null(), "{doc}#{i}: kept with a reason");
                    kept.push(r["text"].as_str().unwrap());
                }
                false => {
                    let reason = r["reason"]
                        .as_str()
                        .unwrap_or_else(|| panic!("{doc}#{i}: dropped without a reason: {r:?}"));
                    assert!(
                        names.contains(&reason),
                        "{doc}#{i}: unknown reason {reason}"
                    );
                }
            }
        }
        // The kept paragraphs are exactly the output.
        assert_eq!(
            read(d.join("out").join(doc)),
            clean_text(&kept),
            "{doc}: explain and output disagree"
        );
    }
    let texts = |doc: &str| -> Vec<String> {
        by_doc[doc]
            .iter()
            .filter(|r| r["kept"] == true)
            .map(|r| r["text"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(texts("1.txt"), FLOOD);
    assert!(texts("2.txt").is_empty());
    assert_eq!(texts("3.txt"), ORCHARD);
    let flood = &by_doc["1.txt"];
    assert_eq!(flood[1]["text"], "Log in");
    assert_eq!(flood[1]["kept"], false);
    assert_eq!(flood[2]["lang"], "en");
    // `line` is the 1-based input line where the paragraph starts.
    assert_eq!(flood[0]["line"], 1);
    assert_eq!(flood[2]["line"], 4);
    assert_eq!(flood[3]["line"], 6);
    assert!(flood[2]["features"]["words"].as_u64().unwrap() > 30);
}

#[test]
fn stats_balance_and_count_rejections() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "in/a.txt", page(&FLOOD));
    write(d, "in/b.txt", BOILERPLATE_ONLY);
    write(d, "in/c.txt", page(&FLOOD)); // a duplicate of a.txt
    write(
        d,
        "docs.jsonl",
        format!(
            "{}not json\n{}",
            jsonl(&[json!({"id": 1, "text": page(&LIBRARY)})]),
            jsonl(&[json!({"id": 2, "text": page(&ORCHARD)})])
        ),
    );

    run(
        d,
        &[
            "in",
            "docs.jsonl",
            "nope.txt",
            "-o",
            "out",
            "--stats",
            "stats.json",
            "-q",
        ],
        1,
    );
    let s = stats_json(&d.join("stats.json"));
    for key in [
        "documents_in",
        "documents_out",
        "documents_dropped",
        "rejected",
        "paragraphs_kept",
        "paragraphs_dropped",
        "bytes_in",
        "bytes_out",
        "languages",
        "elapsed_secs",
    ] {
        assert!(s.get(key).is_some(), "no `{key}` in stats: {s}");
    }
    let docs_in = s["documents_in"].as_u64().unwrap();
    let docs_out = s["documents_out"].as_u64().unwrap();
    assert_eq!(docs_in, 5);
    assert_eq!(docs_in, docs_out + sum_values(&s["documents_dropped"]));
    assert_eq!(docs_out, 3);
    // c.txt repeats a.txt whole: a near-duplicate document.
    assert_eq!(s["documents_dropped"]["no_content"], 1);
    assert_eq!(s["documents_dropped"]["duplicate_document"], 1);
    assert_eq!(s["rejected"]["malformed_jsonl"], 1);
    assert_eq!(s["rejected"]["io"], 1);
    assert_eq!(
        s["paragraphs_kept"].as_u64().unwrap(),
        (FLOOD.len() + LIBRARY.len() + ORCHARD.len()) as u64
    );
    assert_eq!(s["paragraphs_dropped"]["duplicate_document"], FLOOD.len());
    assert_eq!(s["languages"]["en"], 5);
}

/// `bytes_out` is documented as the bytes of clean text: it must match what was written.
#[test]
fn stats_bytes_out_counts_the_clean_text_written() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "in/a.txt", page(&FLOOD));
    write(d, "in/b.txt", BOILERPLATE_ONLY);
    write(d, "in/c.txt", page(&ORCHARD));
    run(d, &["in", "-o", "out", "--stats", "stats.json", "-q"], 0);
    let written: u64 = files_under(&d.join("out"))
        .iter()
        .map(|f| std::fs::metadata(d.join("out").join(f)).unwrap().len())
        .sum();
    assert_eq!(
        written,
        (clean_text(&FLOOD).len() + clean_text(&ORCHARD).len()) as u64
    );
    let stats = stats_json(&d.join("stats.json"));
    assert_eq!(
        stats["bytes_out"].as_u64().unwrap(),
        written,
        "stats.bytes_out vs bytes of clean text written"
    );
}

// ---------------------------------------------------------------------------------------------
// Dedup scopes

#[test]
fn corpus_dedup_empties_the_second_copy() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "in/1.txt", page(&FLOOD));
    write(d, "in/2.txt", page(&FLOOD));
    write(d, "in/3.txt", page(&LIBRARY));

    run(
        d,
        &[
            "in",
            "-o",
            "out",
            "--explain",
            "explain.jsonl",
            "--stats",
            "stats.json",
            "-q",
        ],
        0,
    );
    assert_eq!(read(d.join("out/1.txt")), clean_text(&FLOOD));
    assert_eq!(read(d.join("out/2.txt")), "");
    assert_eq!(read(d.join("out/3.txt")), clean_text(&LIBRARY));

    let by_doc = explain_by_doc(&d.join("explain.jsonl"));
    let second: Vec<&Map<String, Value>> = by_doc["2.txt"]
        .iter()
        .filter(|r| FLOOD.contains(&r["text"].as_str().unwrap()))
        .collect();
    assert_eq!(second.len(), FLOOD.len());
    for r in second {
        assert_eq!(r["kept"], false);
        // The whole page was seen before: dropped as a document.
        assert_eq!(r["reason"], "duplicate_document", "{r:?}");
    }
    let stats = stats_json(&d.join("stats.json"));
    assert_eq!(stats["documents_dropped"]["duplicate_document"], 1);

    // Defaults to corpus: the same as passing it.
    run(d, &["in", "-o", "out_corpus", "--dedup", "corpus", "-q"], 0);
    assert_eq!(read(d.join("out_corpus/2.txt")), "");
}

#[test]
fn no_classify_keeps_boilerplate_but_still_dedups_and_filters_languages() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "in/1.txt", page(&FLOOD));
    write(d, "in/2.txt", page(&FLOOD));
    let flags = ["--no-classify", "--explain", "explain.jsonl", "-q"];
    run(d, &[&["in", "-o", "out"][..], &flags].concat(), 0);

    let first = read(d.join("out/1.txt"));
    for line in [
        "Home | News | Sport | Weather",
        "Log in",
        "Share:",
        "Related news",
    ]
    .iter()
    .chain(&FLOOD)
    {
        assert!(first.contains(line), "{line:?} missing from {first:?}");
    }
    // Every paragraph of the first page is kept, with its features measured.
    let by_doc = explain_by_doc(&d.join("explain.jsonl"));
    assert!(by_doc["1.txt"].len() > FLOOD.len());
    for r in &by_doc["1.txt"] {
        assert_eq!(r["kept"], true, "{r:?}");
        assert!(r["features"]["words"].as_u64().unwrap() > 0, "{r:?}");
    }
    // Dedup still drops the second copy, and --lang still filters.
    assert_eq!(read(d.join("out/2.txt")), "");
    run(
        d,
        &["in", "-o", "de", "--lang", "de", "--no-classify", "-q"],
        0,
    );
    assert_eq!(read(d.join("de/1.txt")), "");
}

#[test]
fn dedup_off_and_document_keep_both_copies() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "in/1.txt", page(&FLOOD));
    write(d, "in/2.txt", page(&FLOOD));
    for scope in ["off", "document"] {
        let out = format!("out_{scope}");
        run(d, &["in", "-o", &out, "--dedup", scope, "-q"], 0);
        assert_eq!(
            read(d.join(&out).join("1.txt")),
            clean_text(&FLOOD),
            "{scope}"
        );
        assert_eq!(
            read(d.join(&out).join("2.txt")),
            clean_text(&FLOOD),
            "{scope}"
        );
    }
}

#[test]
fn document_dedup_still_drops_repeats_within_a_page() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // The article's first paragraph is repeated at the end of the same page.
    let repeated = [FLOOD[0], FLOOD[1], FLOOD[2], FLOOD[3], FLOOD[0]];
    write(d, "in/1.txt", page(&repeated));
    write(d, "in/2.txt", page(&repeated));

    run(
        d,
        &[
            "in",
            "-o",
            "doc",
            "--dedup",
            "document",
            "--explain",
            "explain.jsonl",
            "-q",
        ],
        0,
    );
    assert_eq!(read(d.join("doc/1.txt")), clean_text(&FLOOD));
    assert_eq!(read(d.join("doc/2.txt")), clean_text(&FLOOD));
    let by_doc = explain_by_doc(&d.join("explain.jsonl"));
    let repeat = by_doc["1.txt"]
        .iter()
        .filter(|r| r["text"] == FLOOD[0])
        .nth(1)
        .unwrap();
    assert_eq!(repeat["reason"], "duplicate");

    run(d, &["in", "-o", "off", "--dedup", "off", "-q"], 0);
    assert_eq!(read(d.join("off/1.txt")), clean_text(&repeated));
}

// ---------------------------------------------------------------------------------------------
// Summary

#[test]
fn summary_on_stderr_unless_quiet() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "in/a.txt", page(&FLOOD));
    write(d, "in/b.txt", page(&LIBRARY));

    clean_in(d)
        .args(["in", "-o", "out"])
        .assert()
        .success()
        .stdout("")
        .stderr(
            predicate::str::contains("documents")
                .and(predicate::str::contains("paragraphs"))
                .and(predicate::str::contains("languages"))
                .and(predicate::str::contains("en 2"))
                .and(predicate::str::contains("MB/s")),
        );

    clean_in(d)
        .args(["in", "-o", "out_quiet", "--quiet"])
        .assert()
        .success()
        .stdout("")
        .stderr("");
    clean_in(d)
        .args(["in", "-o", "out_q", "-q"])
        .assert()
        .success()
        .stderr("");
    assert_eq!(read(d.join("out_quiet/a.txt")), clean_text(&FLOOD));

    // To stdout, the summary stays on stderr and out of the text.
    let (stdout, stderr) = run(d, &["in/a.txt"], 0);
    assert_eq!(stdout, clean_text(&FLOOD));
    assert!(stderr.contains("documents"), "{stderr}");
}

// ---------------------------------------------------------------------------------------------
// Output naming, separators, encodings and output failures

#[test]
fn stdin_jsonl_with_a_byte_order_mark_is_sniffed() {
    let dir = tempfile::tempdir().unwrap();
    let input = passthrough_records();
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    bytes.extend(jsonl(&input).into_bytes());
    let (stdout, stderr) = {
        let out = clean_in(dir.path())
            .args(["-", "-q"])
            .write_stdin(bytes)
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
        (
            String::from_utf8(out.stdout).unwrap(),
            String::from_utf8(out.stderr).unwrap(),
        )
    };
    assert_eq!(stderr, "");
    let out = parse_jsonl(&stdout);
    assert_eq!(out.len(), input.len());
    assert_eq!(out[0]["id"], "z-first");
    assert_eq!(out[0]["text"].as_str().unwrap(), clean_text(&FLOOD));
}

#[test]
fn byte_order_marks_are_dropped_from_files() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let mut records = b"\xEF\xBB\xBF".to_vec();
    records.extend(jsonl(&passthrough_records()).into_bytes());
    write(d, "bom.jsonl", records);
    let mut text = b"\xEF\xBB\xBF".to_vec();
    text.extend(page(&FLOOD).into_bytes());
    write(d, "bom.txt", text);

    // Line 1 is a record like any other, not a malformed line.
    run(d, &["bom.jsonl", "-o", "out.jsonl", "-q"], 0);
    let out = parse_jsonl(&read(d.join("out.jsonl")));
    assert_eq!(out.len(), 4);
    assert_eq!(out[0]["id"], "z-first");

    let (stdout, _) = run(d, &["bom.txt", "-q"], 0);
    assert_eq!(stdout, clean_text(&FLOOD));
}

#[test]
fn truncated_jsonl_line_message_names_its_own_line() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let mut input = jsonl(&[json!({"id": "ok", "text": page(&FLOOD)})]);
    input += "{\"id\": \"broken\", \"text\": \"unterminated\r\n";
    write(d, "t.jsonl", input);
    let (_, stderr) = run(d, &["t.jsonl", "-o", "out.jsonl", "-q"], 1);
    assert!(
        stderr.contains("gleaner: skipped: t.jsonl:2: malformed JSON: EOF while parsing a string"),
        "{stderr}"
    );
    assert!(!stderr.contains("line 2 column 0"), "{stderr}");
    assert!(!stderr.contains(" at line "), "{stderr}");
}

#[test]
fn pages_on_one_text_stream_are_two_blank_lines_apart() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "a.txt", page(&FLOOD));
    write(d, "b.txt", page(&LIBRARY));
    let (stdout, _) = run(d, &["a.txt", "b.txt", "-q"], 0);
    assert_eq!(
        stdout,
        format!("{}\n\n{}", clean_text(&FLOOD), clean_text(&LIBRARY))
    );
    // Paragraphs are one blank line apart, pages two: they can be told apart.
    let pages: Vec<&str> = stdout.split("\n\n\n").collect();
    assert_eq!(pages.len(), 2);
}

#[test]
fn same_named_inputs_keep_their_paths_in_a_folder_output() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "x/page.txt", page(&FLOOD));
    write(d, "y/page.txt", page(&LIBRARY));
    write(d, "z/docs.jsonl", jsonl(&passthrough_records()[..1]));

    run(
        d,
        &[
            "x/page.txt",
            "./y/page.txt",
            "z/docs.jsonl",
            "-o",
            "out",
            "-q",
        ],
        0,
    );
    assert_eq!(
        files_under(&d.join("out")),
        ["x/page.txt", "y/page.txt", "z/docs.jsonl"]
    );
    assert_eq!(read(d.join("out/x/page.txt")), clean_text(&FLOOD));
    assert_eq!(read(d.join("out/y/page.txt")), clean_text(&LIBRARY));

    // `..` cannot climb out of the output folder.
    write(d, "sub/keep.txt", "");
    clean_in(&d.join("sub"))
        .args(["../x/page.txt", "-o", "out2/", "-q", "--dedup", "off"])
        .assert()
        .success();
    assert_eq!(files_under(&d.join("sub/out2")), ["x/page.txt"]);
}

#[test]
fn two_inputs_for_one_output_file_reject_the_second() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "in/a.txt", page(&FLOOD));
    write(d, "in/a.txt.gz", gzip(page(&LIBRARY).as_bytes()));
    write(d, "in/b.txt", page(&ORCHARD));

    let (_, stderr) = run(d, &["in", "-o", "out", "--stats", "stats.json"], 1);
    let skipped: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("gleaner: skipped: "))
        .collect();
    assert_eq!(skipped.len(), 1, "{stderr}");
    let line = skipped[0];
    assert!(
        line.contains("in/a.txt.gz")
            && line.contains("out/a.txt")
            && line.contains("from in/a.txt"),
        "{line}"
    );
    // The first input's output stands; the run went on.
    assert_eq!(files_under(&d.join("out")), ["a.txt", "b.txt"]);
    assert_eq!(read(d.join("out/a.txt")), clean_text(&FLOOD));
    assert_eq!(read(d.join("out/b.txt")), clean_text(&ORCHARD));
    let s = stats_json(&d.join("stats.json"));
    assert_eq!(s["rejected"]["output_collision"], 1);
    assert_eq!(s["documents_in"], 2);
    assert_eq!(s["documents_out"], 2);

    // The same JSONL file twice: its records are refused the second time.
    write(d, "docs.jsonl", jsonl(&passthrough_records()));
    let (_, stderr) = run(d, &["docs.jsonl", "docs.jsonl", "-o", "out3", "-q"], 1);
    assert_eq!(
        stderr.matches("gleaner: skipped: docs.jsonl:").count(),
        4,
        "{stderr}"
    );
    assert_eq!(parse_jsonl(&read(d.join("out3/docs.jsonl"))).len(), 4);
}

#[test]
fn fatal_output_error_names_its_cause_once() {
    if !std::path::Path::new("/dev/full").exists() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "p.txt", page(&FLOOD));
    let (_, stderr) = run(d, &["p.txt", "-o", "/dev/full", "-q"], 2);
    assert_eq!(
        stderr.matches("No space left on device").count(),
        1,
        "{stderr}"
    );
    assert!(
        stderr.starts_with("gleaner: error: /dev/full: "),
        "{stderr}"
    );

    // Per-item messages still say what went wrong.
    let (_, stderr) = run(d, &["p.txt", "missing.txt", "-o", "out", "-q"], 1);
    assert!(
        stderr.contains("gleaner: skipped: missing.txt: No such file or directory"),
        "{stderr}"
    );
}

/// A compressed output's last bytes are written when it is finished: a failure then must be
/// reported, not lost when the encoder is dropped.
#[cfg(unix)]
#[test]
fn compressed_output_failure_is_reported() {
    if !std::path::Path::new("/dev/full").exists() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "docs.jsonl", jsonl(&passthrough_records()));
    for name in ["out.jsonl.gz", "out.jsonl.zst"] {
        std::os::unix::fs::symlink("/dev/full", d.join(name)).unwrap();
        let (_, stderr) = run(d, &["docs.jsonl", "-o", name, "-q"], 2);
        assert!(
            stderr.contains(&format!("gleaner: error: {name}: ")),
            "{stderr}"
        );
        assert_eq!(
            stderr.matches("No space left on device").count(),
            1,
            "{stderr}"
        );
    }
}

/// `gleaner clean big.jsonl | head -1`: the reader goes away early, gleaner stops quietly.
#[test]
fn closed_stdout_ends_the_run_quietly() {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};

    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let records: Vec<Value> = (0..3000)
        .map(|i| json!({"id": i, "text": page(&FLOOD)}))
        .collect();
    let input = write(d, "big.jsonl", jsonl(&records));

    let mut child = Command::new(env!("CARGO_BIN_EXE_gleaner"))
        .current_dir(d)
        .args(["clean", "--dedup", "off", "-"])
        .stdin(std::fs::File::open(&input).unwrap())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    // Dropping the reader closes the pipe, long before ~3 MB of output are written.
    let out = child.wait_with_output().unwrap();
    assert!(first.starts_with("{\"id\":0,"), "{first}");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
}
