//! One page through segment → language → classify: the unit a crawler calls per page.

use std::sync::Arc;

use crate::classify::{Classifier, Features, Memo, Reason, Verdict};
use crate::config::Config;
use crate::dedup::PageWords;
use crate::html;
use crate::language::{Asked, Language, LanguageDetector};
use crate::segment::{Paragraph, Segmenter, Text};

/// A document's language as the cleaner judged it, with what it was judged from.
struct Judged {
    lang: Option<Language>,
    /// The paragraphs sampled, by index.
    samples: Vec<usize>,
    /// Whether the samples alone decided (see [`LanguageDetector::judge_document`]).
    from_samples: bool,
}

/// A paragraph with its verdict.
#[derive(Debug, Clone)]
pub struct CleanParagraph {
    /// The whitespace-normalised text.
    pub text: Text,
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
        let len: usize = self.kept().map(|p| p.text.len() + 2).sum();
        let mut out = String::with_capacity(len);
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
        self.clean_collecting(text, false, None)
    }

    /// [`clean`](Self::clean) of text, or of HTML already decoded ([`clean_html_str`]), that
    /// also collects in `words` the word hashes that shingling gives the paragraphs (see
    /// [`PageWords`]): the pipeline's dedup step takes them instead of cutting the words
    /// again.
    ///
    /// [`clean_html_str`]: Self::clean_html_str
    pub(crate) fn clean_collecting(
        &self,
        text: &str,
        html: bool,
        mut words: Option<&mut PageWords>,
    ) -> Page {
        let paragraphs = if html {
            html::blocks(text)
        } else {
            self.segmenter.segment(text)
        };
        if let Some(words) = words.as_deref_mut() {
            // A word takes at least two bytes with its separator, most far more: room for
            // most pages' hashes at once, without copying them as the buffer grows.
            let bytes: usize = paragraphs.iter().map(|p| p.text.len()).sum();
            words.reserve(bytes / 4);
        }
        self.clean_paragraphs(paragraphs, words)
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
        self.clean_collecting(page, true, None)
    }

    /// Classifies `paragraphs` until the kept ones are stable on their own.
    ///
    /// The classifier judges in context (smoothing, the main block, listing mode), so a
    /// fragment kept beside boilerplate can lose its verdict once the boilerplate is gone.
    /// Cleaning the clean text again would then drop it: re-classifying the kept paragraphs,
    /// as a second run would see them, until nothing more goes makes cleaning idempotent.
    /// Each round only drops, so this ends.
    ///
    /// `doc` is the document's language as judged from all of `paragraphs`. Later rounds
    /// reuse what does not depend on the other paragraphs (see [`Memo`]), and the language
    /// when it was judged from the same samples. `paragraphs` comes back as it went in.
    fn settle_verdicts(
        &self,
        paragraphs: &mut [Paragraph],
        doc: Judged,
        mut asked: Vec<Asked>,
        words: Option<&mut PageWords>,
    ) -> (Option<Language>, Vec<Option<Language>>, Vec<Verdict>) {
        let Judged {
            mut lang,
            mut samples,
            mut from_samples,
        } = doc;
        let (mut measured, mut langs, mut memo) = self.measure(paragraphs, lang, words);
        let mut verdicts = self.classifier.classify_in_context(
            paragraphs,
            lang,
            &langs,
            measured.clone(),
            &mut memo,
        );
        let mut live: Vec<usize> = (0..paragraphs.len()).collect();
        // From the second round on: the live paragraphs as a second run reads them, one per
        // block, unindented. Their texts are moved out of `paragraphs` (and back at the end),
        // not copied.
        let mut subset: Option<Vec<Paragraph>> = None;
        loop {
            let kept: Vec<usize> = live
                .iter()
                .copied()
                .filter(|&i| verdicts[i].reason.is_none())
                .collect();
            if kept.len() == live.len() || kept.is_empty() {
                break;
            }
            let sub: Vec<Paragraph> = match subset.take() {
                None => kept
                    .iter()
                    .map(|&i| Paragraph {
                        text: std::mem::take(&mut paragraphs[i].text),
                        line: paragraphs[i].line,
                        indented: false,
                        structure: paragraphs[i].structure.take(),
                    })
                    .collect(),
                Some(prev) => {
                    let mut sub = Vec::with_capacity(kept.len());
                    for (&i, p) in live.iter().zip(prev) {
                        if verdicts[i].reason.is_none() {
                            sub.push(p);
                        } else {
                            paragraphs[i].text = p.text;
                            paragraphs[i].structure = p.structure;
                        }
                    }
                    sub
                }
            };
            let sub_samples = self.detector.document_samples(&sub);
            let ids: Vec<usize> = sub_samples.iter().map(|&(j, _)| kept[j]).collect();
            // The same samples give the same answer: only what the samples are is worked out.
            if !(from_samples && ids == samples) {
                let mut sub_asked: Vec<Asked> = kept.iter().map(|&i| asked[i]).collect();
                let (sub_lang, alone) =
                    self.detector
                        .judge_document(&sub, &sub_samples, &mut sub_asked);
                for (&i, a) in kept.iter().zip(sub_asked) {
                    asked[i] = a;
                }
                let lang_moved = sub_lang != lang;
                lang = sub_lang;
                if lang_moved {
                    // Measurements depend on the document's language only: redo them when it
                    // moves.
                    let (m, l, memos) = self.measure(&sub, lang, None);
                    for (((&i, m), l), memos) in kept.iter().zip(m).zip(l).zip(memos) {
                        measured[i] = m;
                        langs[i] = l;
                        memo[i] = memos;
                    }
                }
                from_samples = alone;
            }
            samples = ids;
            let sub_measured = kept.iter().map(|&i| measured[i].clone()).collect();
            let sub_langs: Vec<Option<Language>> = kept.iter().map(|&i| langs[i]).collect();
            let mut sub_memo: Vec<Memo> =
                kept.iter().map(|&i| std::mem::take(&mut memo[i])).collect();
            let sub_verdicts = self.classifier.classify_in_context(
                &sub,
                lang,
                &sub_langs,
                sub_measured,
                &mut sub_memo,
            );
            for ((&i, v), m) in kept.iter().zip(sub_verdicts).zip(sub_memo) {
                verdicts[i] = v;
                memo[i] = m;
            }
            subset = Some(sub);
            live = kept;
        }
        for (&i, p) in live.iter().zip(subset.into_iter().flatten()) {
            paragraphs[i].text = p.text;
            paragraphs[i].structure = p.structure;
        }
        // Each memo and language is of one measuring, keyed by what it read.
        self.classifier.remember(&memo);
        (lang, langs, verdicts)
    }

    /// Each paragraph's measurements and language in a document in `lang`: all that does
    /// not depend on the paragraph's neighbours. With `words`, also their words' hashes for
    /// shingling, which do not depend on `lang`.
    fn measure(
        &self,
        paragraphs: &[Paragraph],
        lang: Option<Language>,
        words: Option<&mut PageWords>,
    ) -> (Vec<Features>, Vec<Option<Language>>, Vec<Memo>) {
        let has_stopwords = lang.is_some_and(|l| l.has_stopwords());
        // A function of the text and `lang` (one detector, with the default settings, per
        // cleaner): remembered with the paragraph.
        let (feats, memo) = self.classifier.measure_with_memo(
            paragraphs,
            lang,
            |p, f| {
                lang.and_then(|_| {
                    let share = has_stopwords.then_some(f.stopword_density);
                    self.detector.paragraph_language_given(&p.text, lang, share)
                })
            },
            words,
        );
        let langs: Vec<Option<Language>> = memo.iter().map(|m| m.own_lang.flatten()).collect();
        (feats, langs, memo)
    }

    /// Every paragraph kept, measured as for the classifier (for `--explain`, and in the
    /// same pass its words for dedup).
    fn keep_all(
        &self,
        paragraphs: &[Paragraph],
        lang: Option<Language>,
        words: Option<&mut PageWords>,
    ) -> (Option<Language>, Vec<Option<Language>>, Vec<Verdict>) {
        // With its paragraphs' own languages: what the thread's memo of measured paragraphs
        // holds must not depend on the configuration.
        let (feats, langs, _) = self.measure(paragraphs, lang, words);
        let verdicts = feats
            .into_iter()
            .map(|features| Verdict {
                reason: None,
                features,
            })
            .collect();
        (lang, langs, verdicts)
    }

    fn clean_paragraphs(
        &self,
        mut paragraphs: Vec<Paragraph>,
        words: Option<&mut PageWords>,
    ) -> Page {
        let mut asked: Vec<Asked> = vec![None; paragraphs.len()];
        let samples = self.detector.document_samples(&paragraphs);
        let (lang, from_samples) = self
            .detector
            .judge_document(&paragraphs, &samples, &mut asked);
        let samples: Vec<usize> = samples.iter().map(|&(i, _)| i).collect();
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
        let (lang, langs, verdicts) = if self.config.classify() {
            let doc = Judged {
                lang,
                samples,
                from_samples,
            };
            self.settle_verdicts(&mut paragraphs, doc, asked, words)
        } else {
            self.keep_all(&paragraphs, lang, words)
        };
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A page that takes more than one round: a short fragment after an article is kept in
    /// context, beside a "Related" heading, and dropped once the heading is gone.
    const ROUNDS: &str = "town the the the the the town the town walls town town the the the \
        town the walls council new the council walls library town town council the town the.\n\
        the new town town walls town the the town the river the the town town the. town the \
        town the walls the the walls town the town town people the town town walls the the the \
        town town the the the the the the town.\nRelated articles\nthe river the the the the \
        the water the town the. the the town town the the the the the the town the the river \
        people people town the the the the the people walls town the river. the the the the the \
        the the the council town the the the the.\n!A";

    #[test]
    fn later_rounds_give_back_every_paragraph() {
        let cleaner = Cleaner::new(Config::default());
        let page = cleaner.clean(ROUNDS);
        let input: Vec<String> = Segmenter::default()
            .segment(ROUNDS)
            .into_iter()
            .map(|p| p.text.to_string())
            .collect();
        let output: Vec<&str> = page.paragraphs.iter().map(|p| p.text.as_str()).collect();
        assert_eq!(output, input);
        assert!(!page.text().contains("!A"), "{}", page.text());
        // The settled verdicts are those of a run on the kept text alone.
        let again = cleaner.clean(&page.text());
        assert!(again.paragraphs.iter().all(CleanParagraph::is_kept));
        assert_eq!(again.lang, page.lang);
    }

    #[test]
    fn later_rounds_give_back_the_markup() {
        let html = format!(
            "<html><body><article>{}</article><footer><p>Contact us</p></footer></body></html>",
            ROUNDS
                .lines()
                .map(|l| format!("<p>{l}</p>"))
                .collect::<String>()
        );
        let page = Cleaner::new(Config::default()).clean_html(html.as_bytes());
        assert!(page.paragraphs.len() >= 5);
        assert!(page
            .paragraphs
            .iter()
            .all(|p| p.features.structure.is_some()));
        assert!(page.paragraphs.iter().all(|p| !p.text.is_empty()));
    }
}
