//! Pages per second on one core over a folder of HTML pages (`.html` or `.html.gz`):
//! gleaner's HTML → blocks, gleaner's whole `Cleaner::clean_html`, and rs-trafilatura 0.2.2's
//! `extract`, on the same pages, decoded once beforehand.
//!
//! `GLEANER_BENCH_HTML=../shared/wcxb-dev/html cargo bench --bench html`; without the
//! variable it uses synthetic pages. `GLEANER_BENCH_MAX_PAGES` caps the page count.

use std::io::Read;
use std::time::Instant;

use gleaner::{Cleaner, Config};

fn pages() -> Vec<String> {
    let max: usize = std::env::var("GLEANER_BENCH_MAX_PAGES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(usize::MAX);
    let Ok(dir) = std::env::var("GLEANER_BENCH_HTML") else {
        let body = "<p>Flood defences along the river were raised by half a metre this spring, \
                    and the town council says that the new walls held back the water.</p>"
            .repeat(40);
        let page = format!(
            "<html><body><nav><a href=/>Home</a> <a href=/n>News</a></nav>\
             <article><h1>Walls</h1>{body}</article><footer>Contact</footer></body></html>"
        );
        return vec![page; 200.min(max)];
    };
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .expect("GLEANER_BENCH_HTML is a folder")
        .map(|e| e.unwrap().path())
        .collect();
    paths.sort();
    paths.truncate(max);
    paths
        .iter()
        .map(|p| {
            let mut bytes = Vec::new();
            let file = std::fs::File::open(p).unwrap();
            if p.extension().is_some_and(|e| e == "gz") {
                flate2::read::MultiGzDecoder::new(file)
                    .read_to_end(&mut bytes)
                    .unwrap();
            } else {
                std::io::BufReader::new(file)
                    .read_to_end(&mut bytes)
                    .unwrap();
            }
            gleaner::html::decode(&bytes, None).0
        })
        .collect()
}

fn measure(name: &str, pages: &[String], mut f: impl FnMut(&str) -> usize) -> f64 {
    let bytes: usize = pages.iter().map(String::len).sum();
    let start = Instant::now();
    let mut out = 0;
    for p in pages {
        out += f(p);
    }
    let secs = start.elapsed().as_secs_f64();
    let rate = pages.len() as f64 / secs;
    println!(
        "{name:<40} {:>6} pages {:>8.1} MB {:>8.2} s {:>9.1} pages/s {:>7.1} MB/s  ({out} chars out)",
        pages.len(),
        bytes as f64 / 1e6,
        secs,
        rate,
        bytes as f64 / 1e6 / secs
    );
    rate
}

fn main() {
    let pages = pages();
    let cleaner = Cleaner::new(Config::default());
    // One warm-up page each (regex compilation, tables).
    cleaner.clean_html_str(&pages[0]);
    let _ = rs_trafilatura::extract(&pages[0]);
    measure("gleaner html::blocks", &pages, |p| {
        gleaner::html::blocks(p).iter().map(|b| b.text.len()).sum()
    });
    let ours = measure("gleaner Cleaner::clean_html_str", &pages, |p| {
        cleaner.clean_html_str(p).text().len()
    });
    let theirs = measure("rs-trafilatura 0.2.2 extract", &pages, |p| {
        rs_trafilatura::extract(p).map_or(0, |r| r.content_text.len())
    });
    println!("gleaner / rs-trafilatura: {:.2}x pages/s", ours / theirs);
}
