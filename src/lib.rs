//! # gleaner
//!
//! Turns scraped web pages into clean text: segments each page into paragraphs, identifies its
//! language, drops navigation, menus, bylines, captions, UI strings and unrelated teasers with a
//! named [`Reason`] for each, removes duplicated passages within a page and across the corpus by
//! shingle hashing, and writes clean text, in one parallel pass.
//!
//! The pipeline reads top-down, one module and one public type per stage:
//!
//! | stage | module | type |
//! |---|---|---|
//! | read | [`read`] | [`Reader`] |
//! | segment | [`segment`] | [`Segmenter`] |
//! | language | [`language`] | [`LanguageDetector`] |
//! | classify | [`classify`] | [`Classifier`] |
//! | dedup | [`dedup`] | [`DedupIndex`] |
//! | write | [`write`](mod@write) | [`Writer`] |
//!
//! The dedup index has an exact and a Bloom mode under a memory budget, can be saved and
//! loaded across runs ([`DedupOptions`], [`DedupIndex::save`], [`DedupIndex::load`]), and
//! [`templates`] adds a two-pass mode that drops passages recurring across many documents.
//!
//! [`Cleaner`] runs segment → language → classify on one page (pure, `Sync`: a crawler calls it
//! from its threads); [`Pipeline`] runs all stages over a stream of documents, in parallel and
//! in input order.
//!
//! ```
//! use gleaner::{Cleaner, Config, DedupIndex};
//!
//! let config = Config::builder().build().unwrap();
//! let cleaner = Cleaner::new(config);
//! let index = DedupIndex::new(5, 0.5).unwrap();
//!
//! let scraped = "Home | News | Sport\n\n\
//!     Flood defences along the river were raised by half a metre this spring, and the town \
//!     council says that the new walls held back the water during last week's storm.\n\n\
//!     Share:\nLog in\n";
//! let mut page = cleaner.clean(scraped);
//! index.dedup(&mut page);
//! assert_eq!(page.text(), "Flood defences along the river were raised by half a metre this \
//!     spring, and the town council says that the new walls held back the water during last \
//!     week's storm.\n");
//!
//! // The same page again: every paragraph was seen before.
//! let mut again = cleaner.clean(scraped);
//! index.dedup(&mut again);
//! assert_eq!(again.text(), "");
//! ```
#![deny(missing_docs)]

pub mod classify;
pub mod cleaner;
pub mod config;
pub mod dedup;
pub mod error;
pub mod eval;
pub mod html;
pub mod language;
pub mod pipeline;
pub mod read;
mod record;
pub mod segment;
pub mod templates;
pub mod write;

pub use classify::{Classifier, ClassifierOptions, Features, Reason};
pub use cleaner::{CleanParagraph, Cleaner, Page};
pub use config::{Config, ConfigBuilder, DedupScope};
pub use dedup::{DedupIndex, DedupMode, DedupOptions, IndexStats, Prepared};
pub use error::{Error, Result};
pub use language::{Language, LanguageDetector};
pub use pipeline::{Event, Pipeline, Stats};
pub use read::{Document, InputFormat, ReadOptions, Reader, Record, Source};
pub use segment::{Paragraph, Segmenter, Text};
pub use templates::{TemplateCounts, TemplateOptions};
pub use write::{Output, Writer};
