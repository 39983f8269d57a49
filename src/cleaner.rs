//! One page through segment → language → classify: the unit a crawler calls per page.

use std::sync::Arc;

use crate::classify::{Classifier, Features, Reason};
use crate::config::Config;
use crate::html;
use crate::language::{Language, LanguageDetector};
use crate::segment::Segmenter;

/// A paragraph with its verdict.
#[derive(Debug, Clone)]
pub struct CleanParagraph {
    /// The whitespace-normalised text.
    pub text: String,
    /// 1-based line in the input.
    pub line: usize,
    /// The paragraph's own language, where it was long enough to be told.
    pub lang: Option<Language>,
    /// `None` when kept, else why it was dropped.
    pub reason: Option<Reason>,
    /// What the classifier measured.
    pub features: Features,
}

impl CleanParagraph {
    /// Whether the paragraph is kept.
    pub fn is_kept(&self) -> bool {
        self.reason.is_none()
    }
}

/// A cleaned page: every paragraph with its verdict.
#[derive(Debug, Clone, Default)]
pub struct Page {
    /// The document's language.
    pub lang: Option<Language>,
    /// Why the whole document was dropped, if it was.
    pub dropped: Option<Reason>,
    /// All paragraphs, kept and dropped, in page order.
    pub paragraphs: Vec<CleanParagraph>,
}

impl Page {
    /// The kept paragraphs.
    pub fn kept(&self) -> impl Iterator<Item = &CleanParagraph> {
        self.paragraphs.iter().filter(|p| p.is_kept())
    }

    /// The clean text: kept paragraphs separated by one blank line, ending in a newline;
    /// empty when nothing is kept.
    pub fn text(&self) -> String {
        let mut out = String::new();
        for p in self.kept() {
            if !out.is_empty() {
                out.push('\n');
            }
            out.push_str(&p.text);
            out.push('\n');
        }
        out
    }

    /// Marks the page dropped for `NoContent` when no paragraph is left (after dedup).
    pub fn settle(&mut self) {
        if self.dropped.is_none() && self.kept().next().is_none() {
            self.dropped = Some(Reason::NoContent);
        }
    }
}

/// Cleans one page: segments it, identifies its language and classifies every paragraph.
///
/// Pure and `Sync`; deduplication is a separate step ([`DedupIndex::dedup`]) because it
/// depends on what came before.
///
/// ```
/// use gleaner::{Cleaner, Config};
/// let cleaner = Cleaner::new(Config::default());
/// let page = cleaner.clean("Log in\nHome\n\nThe council approved the new budget on Monday \
///     after a long debate, and the mayor said that the money would go to schools and roads \
///     across the city over the next three years.\n\nShare:\n");
/// assert_eq!(page.lang.unwrap().code(), "en");
/// assert!(page.text().starts_with("The council approved"));
/// ```
///
/// [`DedupIndex::dedup`]: crate::DedupIndex::dedup
#[derive(Debug, Clone)]
pub struct Cleaner {
    config: Arc<Config>,
    segmenter: Segmenter,
    detector: LanguageDetector,
    classifier: Classifier,
}

impl Cleaner {
    /// A cleaner for `config`.
    pub fn new(config: Config) -> Self {
        Cleaner {
            classifier: Classifier::new(config.classifier().clone()),
            config: Arc::new(config),
            segmenter: Segmenter::default(),
            detector: LanguageDetector::default(),
        }
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Cleans one page of scraped text. Deduplication is not applied.
    pub fn clean(&self, text: &str) -> Page {
        self.clean_paragraphs(self.segmenter.segment(text))
    }

    /// Cleans one HTML page given as bytes: the encoding comes from a byte order mark, a
    /// `<meta>` charset, or detection (see [`html::decode`]). Its blocks are the paragraphs,
    /// and the classifier uses what the markup says about them.
    ///
    /// ```
    /// use gleaner::{Cleaner, Config};
    /// let cleaner = Cleaner::new(Config::default());
    /// let page = cleaner.clean_html(b"<html><nav><a href=/>Home</a> <a href=/n>News</a></nav>\
    ///     <article><p>The council approved the new budget on Monday after a long debate, and \
    ///     the mayor said that the money would go to schools and roads across the city over \
    ///     the next three years.</p></article><footer>Contact us</footer></html>");
    /// assert!(page.text().starts_with("The council approved"));
    /// assert!(!page.text().contains("Home"));
    /// ```
    pub fn clean_html(&self, bytes: &[u8]) -> Page {
        self.clean_html_str(&html::decode(bytes, None).0)
    }

    /// [`clean_html`](Self::clean_html) for a page already decoded.
    pub fn clean_html_str(&self, page: &str) -> Page {
        self.clean_paragraphs(html::blocks(page))
    }

    fn clean_paragraphs(&self, paragraphs: Vec<crate::segment::Paragraph>) -> Page {
        let lang = self.detector.detect_document(&paragraphs);
        if let Some(wanted) = self.config.languages() {
            if !lang.is_some_and(|l| wanted.contains(&l)) {
                return Page {
                    lang,
                    dropped: Some(Reason::LanguageNotSelected),
                    paragraphs: paragraphs
                        .into_iter()
                        .map(|p| CleanParagraph {
                            text: p.text,
                            line: p.line,
                            lang: None,
                            reason: Some(Reason::LanguageNotSelected),
                            features: Features::default(),
                        })
                        .collect(),
                };
            }
        }
        let feats = self.classifier.measure(&paragraphs, lang);
        let has_stopwords = lang.is_some_and(|l| l.has_stopwords());
        let langs: Vec<Option<Language>> = match lang {
            Some(_) => paragraphs
                .iter()
                .zip(&feats)
                .map(|(p, f)| {
                    let share = has_stopwords.then_some(f.stopword_density);
                    self.detector.paragraph_language_given(&p.text, lang, share)
                })
                .collect(),
            None => vec![None; paragraphs.len()],
        };
        let verdicts = self
            .classifier
            .classify_measured(&paragraphs, lang, &langs, feats);
        let mut page = Page {
            lang,
            dropped: None,
            paragraphs: paragraphs
                .into_iter()
                .zip(langs)
                .zip(verdicts)
                .map(|((p, plang), v)| CleanParagraph {
                    text: p.text,
                    line: p.line,
                    lang: plang,
                    reason: v.reason,
                    features: v.features,
                })
                .collect(),
        };
        page.settle();
        page
    }
}
