//! Fixtures shared by the integration tests: the `gleaner` command, and scraped-looking pages
//! whose content is long, plain English prose and whose boilerplate is unmistakable, so that
//! the assertions hold however the classifier's thresholds are tuned.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;

/// The `gleaner` binary of this crate.
pub fn gleaner() -> Command {
    Command::cargo_bin("gleaner").expect("the gleaner binary is built")
}

/// `gleaner clean` run from `dir` (so paths in messages are the relative ones we pass).
pub fn clean_in(dir: &Path) -> Command {
    let mut cmd = gleaner();
    cmd.current_dir(dir).arg("clean");
    cmd
}

/// Runs `gleaner clean ARGS` in `dir`, expecting exit code `code`; returns (stdout, stderr).
pub fn run(dir: &Path, args: &[&str], code: i32) -> (String, String) {
    let out = clean_in(dir).args(args).output().unwrap();
    let stdout = String::from_utf8(out.stdout).expect("output is UTF-8");
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(
        out.status.code(),
        Some(code),
        "gleaner clean {args:?}\n--- stdout:\n{stdout}\n--- stderr:\n{stderr}"
    );
    (stdout, stderr)
}

/// Three articles, each of several long prose paragraphs (well over 600 characters in all, so
/// that a page holding one reads as an article, not as a listing).
pub const FLOOD: [&str; 4] = [
    "Flood defences along the river were raised by half a metre this spring, and the town \
     council says that the new walls held back the water during last week's storm, when the \
     river rose higher than it had at any time in the past twenty years.",
    "Residents who had been evacuated in previous winters were able to stay in their homes \
     this time, and the mayor thanked the engineers who had worked through the night to close \
     the last gaps in the barrier before the heavy rain arrived from the west.",
    "The walls were paid for by the regional government and by the town itself, which had \
     to borrow part of the money, and the council now wants to know whether the same kind of \
     barrier could also protect the villages that lie further down the valley.",
    "Engineers will spend the summer measuring how much water passed through the fields behind \
     the walls, and they expect to publish their findings before the end of the year, when the \
     council will decide how the next stage of the work should be carried out.",
];

pub const LIBRARY: [&str; 3] = [
    "The old library on the market square will reopen in September after a renovation that \
     took almost three years, and the librarians say that they are looking forward to \
     welcoming back the readers who have been waiting for it since the doors were closed.",
    "Most of the money for the work came from a fund that was set up by local families, who \
     wanted the building to remain a place where children can read, study and meet their \
     friends after school, even when the weather is too cold to play outside.",
    "The new reading room on the first floor has large windows that look out over the square, \
     and there will be a small café next to it where visitors can sit with a book or a \
     newspaper for as long as they like, without having to buy anything at all.",
];

pub const ORCHARD: [&str; 3] = [
    "The apple harvest in the valley was smaller than usual this year, because a late frost in \
     April damaged many of the blossoms before the bees had a chance to visit them, and the \
     farmers expect that prices will rise in the shops over the winter.",
    "Several of the growers have started to plant varieties that flower a little later in the \
     spring, and they hope that this will protect their trees from the cold nights that have \
     become more common in the region during the last ten years.",
    "An association of the orchards is also asking the government for help with the cost of \
     the nets and heaters that can save a crop when the temperature falls below zero, which \
     many small farms would not be able to pay for on their own.",
];

/// Navigation, UI strings and a related-news block around the article.
pub const HEADER: &str = "Home | News | Sport | Weather\nLog in\n";
pub const FOOTER: &str = "Share:\nRelated news\nStorm closes schools across the region\n\
                          Council approves new budget for roads\n";

/// A scraped page: menu and log-in line, the paragraphs, then share and related teasers.
pub fn page(paragraphs: &[&str]) -> String {
    let mut s = String::from(HEADER);
    for p in paragraphs {
        s.push('\n');
        s.push_str(p);
        s.push('\n');
    }
    s.push('\n');
    s.push_str(FOOTER);
    s
}

/// A page made only of boilerplate.
pub const BOILERPLATE_ONLY: &str = "Home\nNews\nLog in\nShare:\nRelated news\n";

/// What gleaner should write for a page made of `paragraphs`: one blank line between
/// paragraphs, a final newline.
pub fn clean_text(paragraphs: &[&str]) -> String {
    let mut s = String::new();
    for p in paragraphs {
        if !s.is_empty() {
            s.push('\n');
        }
        s.push_str(p);
        s.push('\n');
    }
    s
}

/// Boilerplate strings that must never reach the output.
pub const BOILERPLATE_LINES: [&str; 5] = [
    "Log in",
    "Share:",
    "Related news",
    "Storm closes schools across the region",
    "Council approves new budget for roads",
];

/// Asserts that `text` holds none of the page's boilerplate.
pub fn assert_no_boilerplate(text: &str) {
    for b in BOILERPLATE_LINES {
        assert!(!text.contains(b), "boilerplate {b:?} kept in:\n{text}");
    }
    assert!(!text.contains("Home | News"), "menu kept in:\n{text}");
}

/// Writes `contents` to `dir/rel`, creating folders.
pub fn write(dir: &Path, rel: &str, contents: impl AsRef<[u8]>) -> PathBuf {
    let path = dir.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, contents).unwrap();
    path
}

/// gzip-compresses `data`.
pub fn gzip(data: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(data).unwrap();
    enc.finish().unwrap()
}

/// Decompresses a gzip stream (all members).
pub fn gunzip(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::MultiGzDecoder::new(data)
        .read_to_end(&mut out)
        .unwrap();
    out
}

/// JSONL records, one per line.
pub fn jsonl(records: &[Value]) -> String {
    records
        .iter()
        .map(|r| serde_json::to_string(r).unwrap() + "\n")
        .collect()
}

/// Parses JSONL text into records (every line must be a JSON object).
pub fn parse_jsonl(text: &str) -> Vec<serde_json::Map<String, Value>> {
    text.lines()
        .enumerate()
        .map(|(i, l)| match serde_json::from_str(l) {
            Ok(Value::Object(m)) => m,
            other => panic!("line {} is not a JSON object ({other:?}): {l}", i + 1),
        })
        .collect()
}

/// Reads a file to a string.
pub fn read(path: impl AsRef<Path>) -> String {
    let path = path.as_ref();
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Every file under `dir`, as sorted relative paths with `/` separators.
pub fn files_under(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p.strip_prefix(dir).unwrap();
                out.push(
                    rel.components()
                        .map(|c| c.as_os_str().to_string_lossy().into_owned())
                        .collect::<Vec<_>>()
                        .join("/"),
                );
            }
        }
    }
    out.sort();
    out
}

/// The stable names of every drop reason (as in `--explain` and `dropped`).
pub fn reason_names() -> Vec<&'static str> {
    gleaner::Reason::ALL.iter().map(|r| r.name()).collect()
}
