//! One page through segment → language → classify: the unit a crawler calls per page.

use std::sync::Arc;

use crate::classify::{Classifier, Features, Memo, Reason, Verdict};
use crate::config::Config;
use crate::html;
use crate::language::{Asked, Language, LanguageDetector};
use crate::segment::{Paragraph, Segmenter};

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
/// depends on what came before. Cleaning is idempotent: the clean text, cleaned again, is
/// kept whole.
///
/// ```
/// use gleaner::{Cleaner, Config};
/// let cleaner = Cleaner::new(Config::default());
/// let page = cleaner.clean("Log in\nHome\n\nThe council approved the new budget on Monday \
///     after a long debate, and the mayor said that the money would go to schools and roads \
///     across the city over the next three years.\n\nShare:\n");
/// assert_eq!(page.lang.unwrap().code(), "en");
/// assert!(page.text().starts_with("The council approved"));
/// assert_eq!(cleaner.clean(&page.text()).text(), page.text());
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

    /// Classifies `paragraphs` until the kept ones are stable on their own.
    ///
    /// The classifier judges in context (smoothing, the main block, listing mode), so a
    /// fragment kept beside boilerplate can lose its verdict once the boilerplate is gone.
    /// Cleaning the clean text again would then drop it: re-classifying the kept paragraphs,
    /// as a second run would see them, until nothing more goes makes cleaning idempotent.
    /// Each round only drops, so this ends.
    fn settle_verdicts(
        &self,
        paragraphs: &[Paragraph],
        mut lang: Option<Language>,
        mut asked: Vec<Asked>,
    ) -> (Option<Language>, Vec<Option<Language>>, Vec<Verdict>) {
        let (mut measured, mut langs, mut memo) = self.measure(paragraphs, lang);
        let mut verdicts = self.classifier.classify_in_context(
            paragraphs,
            lang,
            &langs,
            measured.clone(),
            &mut memo,
        );
        let mut live: Vec<usize> = (0..paragraphs.len()).collect();
        loop {
            let kept: Vec<usize> = live
                .iter()
                .copied()
                .filter(|&i| verdicts[i].reason.is_none())
                .collect();
            if kept.len() == live.len() || kept.is_empty() {
                break;
            }
            // What a second run reads: the kept text, one paragraph per block, unindented.
            let subset: Vec<Paragraph> = kept
                .iter()
                .map(|&i| Paragraph {
                    indented: false,
                    ..paragraphs[i].clone()
                })
                .collect();
            let mut sub_asked: Vec<Asked> = kept.iter().map(|&i| asked[i]).collect();
            let sub_lang = self
                .detector
                .detect_document_cached(&subset, &mut sub_asked);
            for (&i, a) in kept.iter().zip(sub_asked) {
                asked[i] = a;
            }
            let lang_moved = sub_lang != lang;
            lang = sub_lang;
            if lang_moved {
                // Measurements depend on the document's language only: redo them when it moves.
                let (m, l, memos) = self.measure(&subset, lang);
                for (((&i, m), l), memos) in kept.iter().zip(m).zip(l).zip(memos) {
                    measured[i] = m;
                    langs[i] = l;
                    memo[i] = memos;
                }
            }
            let sub_measured = kept.iter().map(|&i| measured[i].clone()).collect();
            let sub_langs: Vec<Option<Language>> = kept.iter().map(|&i| langs[i]).collect();
            let mut sub_memo: Vec<Memo> =
                kept.iter().map(|&i| std::mem::take(&mut memo[i])).collect();
            let sub_verdicts = self.classifier.classify_in_context(
                &subset,
                lang,
                &sub_langs,
                sub_measured,
                &mut sub_memo,
            );
            for ((&i, v), m) in kept.iter().zip(sub_verdicts).zip(sub_memo) {
                verdicts[i] = v;
                memo[i] = m;
            }
            live = kept;
        }
        (lang, langs, verdicts)
    }

    /// Each paragraph's measurements and language in a document in `lang`: all that does
    /// not depend on the paragraph's neighbours.
    fn measure(
        &self,
        paragraphs: &[Paragraph],
        lang: Option<Language>,
    ) -> (Vec<Features>, Vec<Option<Language>>, Vec<Memo>) {
        let (feats, memo) = self.classifier.measure_with_memo(paragraphs, lang);
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
        (feats, langs, memo)
    }

    fn clean_paragraphs(&self, paragraphs: Vec<Paragraph>) -> Page {
        let mut asked: Vec<Asked> = vec![None; paragraphs.len()];
        let lang = self
            .detector
            .detect_document_cached(&paragraphs, &mut asked);
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
        let (lang, langs, verdicts) = self.settle_verdicts(&paragraphs, lang, asked);
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
                    features: Features {
                        structure: p.structure,
                        ..v.features
                    },
                })
                .collect(),
        };
        page.settle();
        page
    }
}
