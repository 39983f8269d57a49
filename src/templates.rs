//! Site templates: passages that recur in many documents are boilerplate, not content.
//!
//! CCNet's idea. A first pass over the inputs segments each document (no classification) and
//! counts, per normalised paragraph, how many distinct documents contain it and, when the
//! document has a URL, how many distinct pages of the same host do. The second pass drops every
//! copy of a paragraph above either threshold, the first included ([`Reason::Template`]).
//!
//! The counts live in a count-min sketch: memory is fixed up front, increments are atomic and
//! commutative, so counting in parallel gives the same counts in any order. A sketch can only
//! over-count (never under-count); with the default size the excess is negligible below
//! hundreds of millions of distinct paragraphs.
//!
//! [`Reason::Template`]: crate::Reason::Template

use std::collections::HashSet;
use std::sync::atomic::{AtomicU32, Ordering};

use nohash_hasher::BuildNoHashHasher;
use unicode_segmentation::UnicodeSegmentation;
use xxhash_rust::xxh3::{xxh3_64, xxh3_64_with_seed};

use crate::error::{Error, Result};
use crate::read::Document;
use crate::segment::Segmenter;

const DEPTH: usize = 4;

/// Thresholds and memory of the template counter.
#[derive(Debug, Clone, PartialEq)]
pub struct TemplateOptions {
    /// A paragraph found in at least this many distinct documents is a template (default 10).
    pub min_documents: u32,
    /// A paragraph found on at least this many distinct pages of one host is a template
    /// (default 4); used only for documents with a URL.
    pub min_host_pages: u32,
    /// Paragraphs shorter than this many words are left to the classifier (default 3): a lone
    /// "Share" or "Reply" is too short to be told apart from content that repeats.
    pub min_words: usize,
    /// Memory of the counter in bytes (default 64 MiB).
    pub memory: u64,
    /// JSONL fields that may hold the page's URL, tried in order (default `url`,
    /// `WARC-Target-URI`, `warc_target_uri`).
    pub url_fields: Vec<String>,
}

impl Default for TemplateOptions {
    fn default() -> Self {
        TemplateOptions {
            min_documents: 10,
            min_host_pages: 4,
            min_words: 3,
            memory: 64 << 20,
            url_fields: vec![
                "url".into(),
                "WARC-Target-URI".into(),
                "warc_target_uri".into(),
            ],
        }
    }
}

/// Counts of documents per normalised paragraph (first pass), then the template test (second).
///
/// ```
/// use gleaner::{TemplateCounts, TemplateOptions};
/// let counts = TemplateCounts::new(TemplateOptions { min_documents: 3, ..Default::default() })
///     .unwrap();
/// for i in 0..3 {
///     counts.add_text(&format!("Subscribe to our weekly newsletter today\n\nStory number {i}."), None);
/// }
/// assert!(counts.is_template("Subscribe to our weekly newsletter today", None));
/// assert!(!counts.is_template("Story number 1.", None));
/// ```
#[derive(Debug)]
pub struct TemplateCounts {
    cells: Box<[AtomicU32]>,
    width: u64,
    options: TemplateOptions,
    segmenter: Segmenter,
}

impl TemplateCounts {
    /// An empty counter.
    pub fn new(options: TemplateOptions) -> Result<Self> {
        if options.min_documents < 2 || options.min_host_pages < 2 {
            return Err(Error::Config(
                "template thresholds must be at least 2 documents".into(),
            ));
        }
        let width = (options.memory / 4 / DEPTH as u64).max(1024);
        Ok(TemplateCounts {
            cells: (0..width * DEPTH as u64)
                .map(|_| AtomicU32::new(0))
                .collect(),
            width,
            options,
            segmenter: Segmenter::default(),
        })
    }

    /// The settings.
    pub fn options(&self) -> &TemplateOptions {
        &self.options
    }

    /// Counts one document read by the [`Reader`](crate::Reader) (its URL taken from the
    /// record's URL field, if any).
    pub fn add_document(&self, doc: &Document) {
        let host = self.host_of(doc);
        if doc.html {
            // The paragraphs the cleaner will see: the page's blocks.
            self.add_paragraphs(crate::html::blocks(&doc.text), host.as_deref());
        } else {
            self.add_text(&doc.text, host.as_deref());
        }
    }

    /// Counts one page's text: each distinct paragraph once.
    pub fn add_text(&self, text: &str, host: Option<&str>) {
        self.add_paragraphs(self.segmenter.segment(text), host);
    }

    fn add_paragraphs(&self, paragraphs: Vec<crate::segment::Paragraph>, host: Option<&str>) {
        let mut seen: HashSet<u64, BuildNoHashHasher<u64>> = HashSet::default();
        let host_seed = host.map(|h| xxh3_64(h.as_bytes()));
        for p in paragraphs {
            let Some(h) = self.paragraph_hash(&p.text) else {
                continue;
            };
            if seen.insert(h) {
                self.increment(h);
                if let Some(seed) = host_seed {
                    self.increment(host_key(h, seed));
                }
            }
        }
    }

    /// Whether a paragraph (of a page of `host`) recurs often enough to be a template.
    pub fn is_template(&self, paragraph: &str, host: Option<&str>) -> bool {
        let Some(h) = self.paragraph_hash(paragraph) else {
            return false;
        };
        if self.count(h) >= self.options.min_documents {
            return true;
        }
        host.is_some_and(|host| {
            self.count(host_key(h, xxh3_64(host.as_bytes()))) >= self.options.min_host_pages
        })
    }

    /// The host of a document's URL, lower-cased, if its record has one.
    pub fn host_of(&self, doc: &Document) -> Option<String> {
        let record = doc.record.as_ref()?;
        let url = self
            .options
            .url_fields
            .iter()
            .find_map(|f| record.get_str(f))?;
        host(&url)
    }

    /// Upper bound of the number of documents containing the paragraph with this hash.
    fn count(&self, h: u64) -> u32 {
        (0..DEPTH)
            .map(|row| self.cells[self.cell(h, row)].load(Ordering::Relaxed))
            .min()
            .unwrap_or(0)
    }

    fn increment(&self, h: u64) {
        for row in 0..DEPTH {
            self.cells[self.cell(h, row)].fetch_add(1, Ordering::Relaxed);
        }
    }

    fn cell(&self, h: u64, row: usize) -> usize {
        let x = xxh3_64_with_seed(&h.to_le_bytes(), row as u64);
        row * self.width as usize + ((u128::from(x) * u128::from(self.width)) >> 64) as usize
    }

    /// Lower-cased words joined by one space, hashed: case, punctuation and spacing do not
    /// split a template's copies.
    fn paragraph_hash(&self, text: &str) -> Option<u64> {
        let mut norm = String::with_capacity(text.len());
        let mut words = 0;
        for w in text.unicode_words() {
            if words > 0 {
                norm.push(' ');
            }
            norm.extend(w.chars().flat_map(char::to_lowercase));
            words += 1;
        }
        (words >= self.options.min_words).then(|| xxh3_64(norm.as_bytes()))
    }
}

fn host_key(h: u64, host_seed: u64) -> u64 {
    xxh3_64_with_seed(&h.to_le_bytes(), host_seed)
}

/// The host part of a URL (`https://www.Example.com:80/x` → `www.example.com`).
fn host(url: &str) -> Option<String> {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let authority = rest.split(['/', '?', '#']).next()?;
    let authority = authority.rsplit('@').next()?;
    let host = authority.split(':').next()?.trim();
    (!host.is_empty()).then(|| host.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts() {
        assert_eq!(
            host("https://www.Example.com:80/x?y").unwrap(),
            "www.example.com"
        );
        assert_eq!(host("http://u@a.org").unwrap(), "a.org");
        assert_eq!(host("a.org/path").unwrap(), "a.org");
        assert!(host("").is_none());
    }

    #[test]
    fn per_host_threshold() {
        let counts = TemplateCounts::new(TemplateOptions {
            min_documents: 100,
            min_host_pages: 3,
            ..Default::default()
        })
        .unwrap();
        for i in 0..3 {
            counts.add_text(
                &format!("All rights reserved by Example News\n\nStory {i}."),
                Some("a.org"),
            );
        }
        counts.add_text("All rights reserved by Example News", Some("b.org"));
        assert!(counts.is_template("All rights reserved by Example News", Some("a.org")));
        assert!(!counts.is_template("All rights reserved by Example News", Some("b.org")));
        assert!(!counts.is_template("All rights reserved by Example News", None));
    }

    #[test]
    fn a_page_counts_once() {
        let counts = TemplateCounts::new(TemplateOptions {
            min_documents: 2,
            ..Default::default()
        })
        .unwrap();
        counts.add_text(
            "Menu item one two\n\nMenu item one two\n\nmenu item, ONE two",
            None,
        );
        assert!(!counts.is_template("Menu item one two", None));
        counts.add_text("Menu item one two", None);
        assert!(counts.is_template("Menu item one two", None));
    }
}
