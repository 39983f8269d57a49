//! HTML, WARC and WET input: fixtures written by the tests (tiny), multi-member gzip,
//! declared charsets, odd markup, and hostile sizes.

mod common;

use std::io::Write;
use std::time::{Duration, Instant};

use gleaner::{Cleaner, Config, ReadOptions, Reader};
use serde_json::Value;

use common::*;

fn page(title: &str, paragraphs: &[&str]) -> String {
    let body: String = paragraphs.iter().map(|p| format!("<p>{p}</p>\n")).collect();
    format!(
        "<!doctype html><html><head><title>{title}</title><style>p {{ color: red }}</style>\
         </head><body><nav><ul><li><a href=/>Home</a></li><li><a href=/news>News</a></li>\
         </ul></nav><main><article><h1>{title}</h1>{body}</article></main>\
         <footer><p>Contact us at the town hall</p></footer>\
         <script>document.write('no')</script></body></html>"
    )
}

/// A WARC record: version line, headers, blank line, block, two CRLFs.
fn record(kind: &str, uri: &str, id: &str, content_type: &str, block: &[u8]) -> Vec<u8> {
    let mut out = format!(
        "WARC/1.0\r\nWARC-Type: {kind}\r\nWARC-Target-URI: {uri}\r\nWARC-Record-ID: {id}\r\n\
         Content-Type: {content_type}\r\nContent-Length: {}\r\n\r\n",
        block.len()
    )
    .into_bytes();
    out.extend_from_slice(block);
    out.extend_from_slice(b"\r\n\r\n");
    out
}

fn http(content_type: &str, body: &[u8]) -> Vec<u8> {
    let mut out = format!("HTTP/1.1 200 OK\r\nContent-Type: {content_type}\r\n\r\n").into_bytes();
    out.extend_from_slice(body);
    out
}

/// Each record its own gzip member, as Common Crawl writes them.
fn gzip_members(records: &[Vec<u8>]) -> Vec<u8> {
    let mut out = Vec::new();
    for r in records {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(r).unwrap();
        out.extend(gz.finish().unwrap());
    }
    out
}

#[test]
fn html_page_keeps_the_article_and_drops_the_rest() {
    let cleaner = Cleaner::new(Config::default());
    let page = cleaner.clean_html(page("Flood walls held", &FLOOD).as_bytes());
    let text = page.text();
    for p in FLOOD {
        assert!(text.contains(p), "{text}");
    }
    for gone in ["Home", "News", "Contact us", "color", "document.write"] {
        assert!(!text.contains(gone), "{gone} in {text}");
    }
}

#[test]
fn warc_responses_across_gzip_members_become_jsonl_records() {
    let dir = tempfile::tempdir().unwrap();
    let library = page("Library reopens", &LIBRARY);
    // windows-1252 declared by HTTP only: "café" is one byte 0xE9 there.
    let (latin, _, _) = encoding_rs::WINDOWS_1252.encode(&library);
    let records = [
        record(
            "warcinfo",
            "",
            "<urn:uuid:0>",
            "application/warc-fields",
            b"software: test\r\n",
        ),
        record(
            "request",
            "https://a.example/flood",
            "<urn:uuid:1>",
            "application/http; msgtype=request",
            b"GET /flood HTTP/1.1\r\n\r\n",
        ),
        record(
            "response",
            "https://a.example/flood",
            "<urn:uuid:2>",
            "application/http; msgtype=response",
            &http(
                "text/html; charset=utf-8",
                page("Flood walls held", &FLOOD).as_bytes(),
            ),
        ),
        record(
            "response",
            "https://a.example/logo.png",
            "<urn:uuid:3>",
            "application/http; msgtype=response",
            &http("image/png", b"\x89PNG\r\n\x1a\n\0\0"),
        ),
        record(
            "response",
            "https://b.example/library",
            "<urn:uuid:4>",
            "application/http; msgtype=response",
            &http("text/html; charset=windows-1252", &latin),
        ),
    ];
    std::fs::write(dir.path().join("crawl.warc.gz"), gzip_members(&records)).unwrap();
    let out = clean_in(dir.path())
        .args(["crawl.warc.gz", "-q"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let recs = parse_jsonl(&String::from_utf8(out.stdout).unwrap());
    assert_eq!(recs.len(), 2, "{recs:?}");
    assert_eq!(recs[0]["url"], "https://a.example/flood");
    assert_eq!(recs[0]["warc_record_id"], "<urn:uuid:2>");
    assert_eq!(recs[0]["lang"], "en");
    let keys: Vec<&String> = recs[0].keys().collect();
    assert_eq!(keys, ["url", "warc_record_id", "text", "lang"]);
    assert!(recs[0]["text"].as_str().unwrap().contains(FLOOD[3]));
    assert!(!recs[0]["text"].as_str().unwrap().contains("Home"));
    assert_eq!(recs[1]["url"], "https://b.example/library");
    assert!(
        recs[1]["text"].as_str().unwrap().contains("small café"),
        "{:?}",
        recs[1]["text"]
    );
}

/// Crawlers other than Common Crawl store responses as sent: chunked, gzip-compressed. Those
/// are decoded; a payload that cannot be is rejected with its record named, and the run goes on.
#[test]
fn warc_payloads_are_decoded_and_broken_ones_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(page("Flood walls held", &FLOOD).as_bytes())
        .unwrap();
    let gz = gz.finish().unwrap();
    let (a, b) = gz.split_at(gz.len() / 2);
    let mut chunked = Vec::new();
    for part in [a, b] {
        chunked.extend(format!("{:x}\r\n", part.len()).into_bytes());
        chunked.extend_from_slice(part);
        chunked.extend_from_slice(b"\r\n");
    }
    chunked.extend_from_slice(b"0\r\n\r\n");
    let mut sent = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nTransfer-Encoding: chunked\r\n\
        Content-Encoding: gzip\r\n\r\n"
        .to_vec();
    sent.extend_from_slice(&chunked);
    let broken = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Encoding: gzip\r\n\r\n\
        this is not gzip";
    let records = [
        record(
            "response",
            "https://a.example/flood",
            "<urn:uuid:1>",
            "application/http; msgtype=response",
            &sent,
        ),
        record(
            "response",
            "https://a.example/broken",
            "<urn:uuid:2>",
            "application/http; msgtype=response",
            broken,
        ),
    ];
    std::fs::write(dir.path().join("crawl.warc"), records.concat()).unwrap();
    let out = clean_in(dir.path())
        .args(["crawl.warc", "--stats", "s.json"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("crawl.warc: record https://a.example/broken: corrupt gzip content"),
        "{stderr}"
    );
    let recs = parse_jsonl(&String::from_utf8(out.stdout).unwrap());
    assert_eq!(recs.len(), 1, "{recs:?}");
    assert!(recs[0]["text"].as_str().unwrap().contains(FLOOD[3]));
    let stats: Value = serde_json::from_str(&read(dir.path().join("s.json"))).unwrap();
    assert_eq!(stats["rejected"]["bad_payload"], 1, "{stats:#}");
}

#[test]
fn wet_conversion_records_are_text_pages() {
    let text = format!("Home\nLog in\n{}\n{}\nShare:\n", ORCHARD[0], ORCHARD[1]);
    let bytes = gzip_members(&[
        record(
            "warcinfo",
            "",
            "<urn:uuid:0>",
            "application/warc-fields",
            b"x: y\r\n",
        ),
        record(
            "conversion",
            "https://c.example/apples",
            "<urn:uuid:9>",
            "text/plain",
            text.as_bytes(),
        ),
    ]);
    let docs: Vec<_> = Reader::from_reader(
        "cc.warc.wet.gz",
        std::io::Cursor::new(bytes),
        ReadOptions::default(),
    )
    .map(|d| d.unwrap())
    .collect();
    assert_eq!(docs.len(), 1);
    assert!(!docs[0].html);
    assert_eq!(docs[0].id, "https://c.example/apples");
    assert!(docs[0].text.starts_with("Home\nLog in\n"));
    let cleaned = Cleaner::new(Config::default()).clean(&docs[0].text);
    assert_eq!(
        cleaned.text(),
        format!("{}\n\n{}\n", ORCHARD[0], ORCHARD[1])
    );
}

#[test]
fn a_truncated_warc_keeps_the_records_before() {
    let mut bytes = record(
        "conversion",
        "https://c.example/1",
        "<urn:uuid:1>",
        "text/plain",
        ORCHARD[0].as_bytes(),
    );
    let second = record(
        "conversion",
        "https://c.example/2",
        "<urn:uuid:2>",
        "text/plain",
        ORCHARD[1].as_bytes(),
    );
    bytes.extend_from_slice(&second[..second.len() - 40]);
    let items: Vec<_> = Reader::from_reader(
        "t.warc",
        std::io::Cursor::new(bytes),
        ReadOptions::default(),
    )
    .collect();
    assert_eq!(items.len(), 2, "{items:?}");
    assert_eq!(items[0].as_ref().unwrap().id, "https://c.example/1");
    assert!(items[1].is_err());
}

#[test]
fn html_files_by_name_flag_and_jsonl_field() {
    let dir = tempfile::tempdir().unwrap();
    let html = page("Flood walls held", &FLOOD);
    std::fs::write(dir.path().join("a.html"), &html).unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(html.as_bytes()).unwrap();
    std::fs::write(dir.path().join("b.htm.gz"), gz.finish().unwrap()).unwrap();
    std::fs::write(dir.path().join("c.page"), &html).unwrap();
    let rec = serde_json::json!({"id": "j", "html": html});
    std::fs::write(dir.path().join("d.jsonl"), format!("{rec}\n")).unwrap();
    for args in [
        &["a.html"][..],
        &["b.htm.gz"],
        &["--input-format", "html", "c.page"],
    ] {
        let out = clean_in(dir.path()).args(args).arg("-q").output().unwrap();
        let text = String::from_utf8(out.stdout).unwrap();
        // The <h1> is the title, kept above the article.
        assert!(
            text.starts_with(&format!("Flood walls held\n\n{}", FLOOD[0])),
            "{args:?}: {text}"
        );
        assert!(!text.contains("<p>") && !text.contains("Home"), "{text}");
    }
    let out = clean_in(dir.path())
        .args(["d.jsonl", "-q"])
        .output()
        .unwrap();
    let recs = parse_jsonl(&String::from_utf8(out.stdout).unwrap());
    let text = recs[0]["text"].as_str().unwrap();
    assert!(text.contains(FLOOD[0]), "{text}");
    assert!(matches!(recs[0].get("html"), Some(Value::String(_))));
}

#[test]
fn meta_declared_legacy_charsets() {
    let cleaner = Cleaner::new(Config::default());
    let ru = "<html><head><meta charset=windows-1251></head><body><p>Привет, мир</p></body>";
    let (bytes, _, _) = encoding_rs::WINDOWS_1251.encode(ru);
    let page = cleaner.clean_html(&bytes);
    assert_eq!(page.paragraphs[0].text, "Привет, мир");
    let ja = "<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; \
              charset=Shift_JIS\"></head><body><p>日本語のページです。</p></body>";
    let (bytes, _, _) = encoding_rs::SHIFT_JIS.encode(ja);
    let page = cleaner.clean_html(&bytes);
    assert_eq!(page.paragraphs[0].text, "日本語のページです。");
}

#[test]
fn a_page_without_body_or_html() {
    let cleaner = Cleaner::new(Config::default());
    let page = cleaner.clean_html(FLOOD.join("<p>").as_bytes());
    assert_eq!(page.kept().count(), 4);
}

#[test]
fn deep_nesting_does_not_overflow_the_stack() {
    let depth = 100_000;
    let html = format!(
        "{}<p>{}</p>{}",
        "<div><span>".repeat(depth),
        FLOOD[0],
        "</span></div>".repeat(depth)
    );
    let start = Instant::now();
    let page = Cleaner::new(Config::default()).clean_html(html.as_bytes());
    assert_eq!(page.text(), format!("{}\n", FLOOD[0]));
    assert!(start.elapsed() < Duration::from_secs(10));
}

/// Stray end tags under deep nesting: a parser that searches the whole open-element stack
/// for each one takes quadratic time (lol_html 2.9 took 12.7 s on this page at n = 100,000;
/// see the README). Here each looks a bounded way down, so doubling the page doubles the time.
#[test]
fn stray_end_tags_under_deep_nesting_take_linear_time() {
    let time = |n: usize| {
        let html = format!(
            "<body>{}<p>{}</p>{}</body>",
            "<div>".repeat(n),
            FLOOD[0],
            "</span>".repeat(n)
        );
        let start = Instant::now();
        let blocks = gleaner::html::blocks(&html);
        assert_eq!(blocks.len(), 1);
        start.elapsed()
    };
    let (small, big) = (time(20_000), time(200_000));
    assert!(
        big < small * 40 + Duration::from_millis(200),
        "{small:?} then {big:?}"
    );
    assert!(big < Duration::from_secs(5), "{big:?}");
}

#[test]
fn a_50_mb_page_takes_linear_time() {
    let time = |paragraphs: usize| {
        let mut html = String::from("<html><body>");
        for i in 0..paragraphs {
            html.push_str("<div class=item><p>");
            html.push_str(FLOOD[i % 4]);
            html.push_str("</p><a href=/x>more</a></div>");
        }
        let start = Instant::now();
        let blocks = gleaner::html::blocks(&html);
        assert_eq!(blocks.len(), 2 * paragraphs);
        (html.len(), start.elapsed())
    };
    let (small_len, small) = time(20_000);
    let (big_len, big) = time(200_000);
    assert!(big_len > 50_000_000, "{big_len}");
    // Ten times the input: well under a hundred times the time.
    let ratio = big.as_secs_f64() / small.as_secs_f64().max(1e-3);
    assert!(
        ratio < 30.0,
        "{small_len} bytes: {small:?}, {big_len}: {big:?}"
    );
}

#[test]
fn warc_output_is_the_same_for_any_thread_count() {
    let dir = tempfile::tempdir().unwrap();
    let records: Vec<Vec<u8>> = (0..40)
        .map(|i| {
            let p = [&FLOOD[..], &LIBRARY[..], &ORCHARD[..]][i % 3];
            record(
                "response",
                &format!("https://a.example/{i}"),
                &format!("<urn:uuid:{i}>"),
                "application/http; msgtype=response",
                &http("text/html", page("Page", p).as_bytes()),
            )
        })
        .collect();
    std::fs::write(dir.path().join("c.warc.gz"), gzip_members(&records)).unwrap();
    let run = |threads: &str| {
        let out = clean_in(dir.path())
            .args(["c.warc.gz", "-q", "-j", threads])
            .output()
            .unwrap();
        assert!(out.status.success());
        out.stdout
    };
    let one = run("1");
    assert_eq!(
        parse_jsonl(&String::from_utf8(one.clone()).unwrap()).len(),
        40
    );
    assert_eq!(one, run("2"));
    assert_eq!(one, run("4"));
}

/// The verdicts of the classifier alone (no dedup) on an HTML page, with each block's text.
fn classify_html(html: &str) -> Vec<(String, Option<gleaner::Reason>)> {
    let blocks = gleaner::html::blocks(html);
    let en = gleaner::Language::from_code("en");
    let verdicts = gleaner::Classifier::default().classify(&blocks, en, &vec![None; blocks.len()]);
    blocks
        .into_iter()
        .zip(verdicts)
        .map(|(b, v)| (b.text.to_string(), v.reason))
        .collect()
}

/// Every paragraph of the story in `FLOOD` is kept.
fn assert_story_kept(verdicts: &[(String, Option<gleaner::Reason>)]) {
    for p in FLOOD {
        assert!(
            verdicts.iter().any(|(t, r)| t == p && r.is_none()),
            "{verdicts:?}"
        );
    }
}

/// The verdict on the first block starting with `prefix`.
fn verdict_of(
    verdicts: &[(String, Option<gleaner::Reason>)],
    prefix: &str,
) -> Option<gleaner::Reason> {
    verdicts
        .iter()
        .find(|(t, _)| t.starts_with(prefix))
        .unwrap_or_else(|| panic!("no block {prefix:?} in {verdicts:?}"))
        .1
}

#[test]
fn a_mega_menu_holding_most_of_the_text_is_still_navigation() {
    // A `<nav>` that holds most of the page's text counts as a wrapper (ASP.NET wraps pages
    // in a `<form>`), unless it is mostly links: then it is a shop's mega menu.
    let links: String = (0..80)
        .map(|i| format!("<a href=/c{i}>Living Room Furniture {i}</a>"))
        .collect();
    let body: String = FLOOD.iter().map(|p| format!("<p>{p}</p>")).collect();
    let html = format!("<body><nav><div>{links}</div></nav><div><h1>Walls</h1>{body}</div></body>");
    let verdicts = classify_html(&html);
    let menu = verdict_of(&verdicts, "Living Room");
    assert_eq!(menu, Some(gleaner::Reason::Navigation), "{verdicts:?}");
    assert_story_kept(&verdicts);
}

#[test]
fn kept_text_outside_the_element_holding_nearly_all_of_it_goes() {
    // An on-topic teaser outside the story's element passes the text rules (it shares the
    // article's words), but the element that holds 90% of the kept text bounds the content.
    let body: String = FLOOD
        .iter()
        .chain(FLOOD.iter())
        .chain(FLOOD.iter())
        .map(|p| format!("<p>{p}</p>"))
        .collect();
    let teaser = "The town council says that the new flood walls along the river held back the \
                  water during the storm, and the engineers will now study how the barrier did.";
    let html = format!(
        "<body><div class=page><div class=story>{body}</div></div>\
         <div class=more><p>{teaser}</p></div></body>"
    );
    let verdicts = classify_html(&html);
    let t = verdict_of(&verdicts, teaser);
    assert_eq!(t, Some(gleaner::Reason::OutsideArticle), "{verdicts:?}");
    assert_story_kept(&verdicts);
}

#[test]
fn a_related_heading_drops_the_section_it_opens() {
    // Inside the article's element the markup keeps short lines (a spec list), but a
    // "You may also like" heading opens a carousel of other products: its section goes.
    let body: String = FLOOD.iter().map(|p| format!("<p>{p}</p>")).collect();
    let html = format!(
        "<body><article><h1>Flood walls held</h1>{body}<section><h2>You may also like</h2>\
         <div><p>Garden bench in oak</p><p>Price 120 euros</p></div></section>\
         <p>Filed under river works</p></article></body>"
    );
    let verdicts = classify_html(&html);
    for line in ["Garden bench in oak", "Price 120 euros"] {
        assert_eq!(
            verdict_of(&verdicts, line),
            Some(gleaner::Reason::Teaser),
            "{verdicts:?}"
        );
    }
    assert_story_kept(&verdicts);
}

#[test]
fn figure_captions_control_labels_and_buttons_go() {
    // Inside the article the markup keeps short lines, but a figure's caption, the name of a
    // form control (a size to pick) and a link styled as a button are not the article's text.
    let html = format!(
        "<body><article><h1>Flood walls held</h1><p>{}</p><p>{}</p>\
         <figure><img src=wall.jpg><figcaption>The new wall at dusk, seen from the bridge\
         </figcaption></figure><label><input type=checkbox>Large print edition</label>\
         <p>{}</p><p class=cta><a class='btn btn-primary' href=/visit>Visit the flood walls \
         this summer</a></p><p>{}</p></article></body>",
        FLOOD[0], FLOOD[1], FLOOD[2], FLOOD[3]
    );
    let verdicts = classify_html(&html);
    let caption = verdict_of(&verdicts, "The new wall");
    assert_eq!(caption, Some(gleaner::Reason::Caption), "{verdicts:?}");
    for line in ["Large print edition", "Visit the flood walls this summer"] {
        assert_eq!(
            verdict_of(&verdicts, line),
            Some(gleaner::Reason::UiString),
            "{verdicts:?}"
        );
    }
    assert_story_kept(&verdicts);
}

#[test]
fn an_articles_footer_and_a_script_notice_go() {
    // Inside the article the markup keeps what the text rules let through, but the article's
    // own footer (a correction notice) and the page's "enable JavaScript" notice are not its
    // text.
    let html = format!(
        "<body><noscript><p>Your browser does not seem to support JavaScript. Please enable \
         JavaScript in your browser.</p></noscript><article><h1>Flood walls held</h1>\
         <p>{}</p><p>{}</p><p>{}</p><p>{}</p><footer><p>This article was amended on \
         8 December because an earlier version said that the walls had been raised by a whole \
         metre, when they were raised by half a metre.</p></footer></article></body>",
        FLOOD[0], FLOOD[1], FLOOD[2], FLOOD[3]
    );
    let verdicts = classify_html(&html);
    let footer = verdict_of(&verdicts, "This article was amended");
    assert_eq!(footer, Some(gleaner::Reason::Navigation), "{verdicts:?}");
    let notice = verdict_of(&verdicts, "Your browser");
    assert_eq!(notice, Some(gleaner::Reason::UiString), "{verdicts:?}");
    assert_story_kept(&verdicts);
}
