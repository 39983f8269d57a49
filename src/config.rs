//! The configuration: built once with [`ConfigBuilder`], then immutable and shared.

use crate::classify::ClassifierOptions;
use crate::dedup::DedupOptions;
use crate::error::{Error, Result};
use crate::language::Language;

/// Where duplicates are looked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DedupScope {
    /// Across the whole run: a paragraph seen in any earlier document (or earlier in the same
    /// one) is dropped.
    #[default]
    Corpus,
    /// Within each document only.
    Document,
    /// No deduplication.
    Off,
}

/// Immutable settings of a [`Cleaner`](crate::Cleaner) and [`Pipeline`](crate::Pipeline).
///
/// ```
/// use gleaner::{Config, DedupScope};
/// let config = Config::builder()
///     .languages(["en", "de"])
///     .shingle_size(5)
///     .dedup_threshold(0.5)
///     .dedup_scope(DedupScope::Corpus)
///     .build()
///     .unwrap();
/// assert_eq!(config.shingle_size(), 5);
/// assert!(Config::builder().languages(["klingon?"]).build().is_err());
/// ```
#[derive(Debug, Clone)]
pub struct Config {
    languages: Option<Vec<Language>>,
    dedup: DedupOptions,
    dedup_scope: DedupScope,
    classifier: ClassifierOptions,
    classify: bool,
}

impl Default for Config {
    fn default() -> Self {
        ConfigBuilder::default()
            .build()
            .expect("default configuration is valid")
    }
}

impl Config {
    /// A builder starting from the defaults.
    pub fn builder() -> ConfigBuilder {
        ConfigBuilder::default()
    }

    /// Languages to keep (`None`: all).
    pub fn languages(&self) -> Option<&[Language]> {
        self.languages.as_deref()
    }

    /// Shingle size in words.
    pub fn shingle_size(&self) -> usize {
        self.dedup.shingle_size
    }

    /// Share of seen shingles from which a paragraph is a duplicate.
    pub fn dedup_threshold(&self) -> f32 {
        self.dedup.threshold
    }

    /// All dedup settings (store, budget, sampling, document threshold).
    pub fn dedup(&self) -> &DedupOptions {
        &self.dedup
    }

    /// Where duplicates are looked for.
    pub fn dedup_scope(&self) -> DedupScope {
        self.dedup_scope
    }

    /// The classifier's thresholds.
    pub fn classifier(&self) -> &ClassifierOptions {
        &self.classifier
    }

    /// Whether paragraphs are classified (`false`: every paragraph is kept, and only the
    /// language filter and dedup drop anything).
    pub fn classify(&self) -> bool {
        self.classify
    }
}

/// Builds a [`Config`]; every setting has a default.
#[derive(Debug, Clone)]
pub struct ConfigBuilder {
    languages: Option<Vec<String>>,
    dedup: DedupOptions,
    dedup_scope: DedupScope,
    classifier: ClassifierOptions,
    classify: bool,
}

impl Default for ConfigBuilder {
    fn default() -> Self {
        ConfigBuilder {
            languages: None,
            dedup: DedupOptions::default(),
            dedup_scope: DedupScope::Corpus,
            classifier: ClassifierOptions::default(),
            classify: true,
        }
    }
}

impl ConfigBuilder {
    /// Keep only documents in these languages (ISO 639-1 or 639-3 codes).
    pub fn languages<I, S>(mut self, codes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        self.languages = Some(codes.into_iter().map(|s| s.as_ref().to_string()).collect());
        self
    }

    /// Shingle size in words (default 5).
    pub fn shingle_size(mut self, n: usize) -> Self {
        self.dedup.shingle_size = n;
        self
    }

    /// A paragraph with more than this share of its shingles seen before is a duplicate
    /// (default 0.5: mostly seen).
    pub fn dedup_threshold(mut self, t: f32) -> Self {
        self.dedup.threshold = t;
        self
    }

    /// A paragraph with more than this share of its shingles seen, counting the paragraphs
    /// above it in its page, is a duplicate (default 0.8: within a page, a paragraph must be
    /// nearly all copy; see [`DedupOptions::page_threshold`]).
    pub fn page_dedup_threshold(mut self, t: f32) -> Self {
        self.dedup.page_threshold = t;
        self
    }

    /// All dedup settings at once (replaces the shingle size and threshold set before).
    pub fn dedup(mut self, options: DedupOptions) -> Self {
        self.dedup = options;
        self
    }

    /// Where duplicates are looked for (default: the whole corpus).
    pub fn dedup_scope(mut self, scope: DedupScope) -> Self {
        self.dedup_scope = scope;
        self
    }

    /// The classifier's thresholds.
    pub fn classifier(mut self, options: ClassifierOptions) -> Self {
        self.classifier = options;
        self
    }

    /// Whether paragraphs are classified (default `true`). With `false` every paragraph is
    /// kept: the text is still segmented, the document's language still filtered by
    /// [`languages`](Self::languages), and duplicates still dropped, as CCNet does for
    /// text that is already clean or that another tool extracted.
    ///
    /// ```
    /// use gleaner::{Cleaner, Config};
    /// let cleaner = Cleaner::new(Config::builder().classify(false).build().unwrap());
    /// let page = cleaner.clean("Home | News | Sport\n\nShare:\n");
    /// assert_eq!(page.text(), "Home | News | Sport\n\nShare:\n");
    /// ```
    pub fn classify(mut self, classify: bool) -> Self {
        self.classify = classify;
        self
    }

    /// Checks the settings and freezes them.
    pub fn build(self) -> Result<Config> {
        let languages =
            match self.languages {
                None => None,
                Some(codes) => {
                    let mut langs = Vec::new();
                    for code in codes.iter().filter(|c| !c.trim().is_empty()) {
                        langs.push(Language::from_code(code).ok_or_else(|| {
                            Error::Config(format!("unknown language code `{code}`"))
                        })?);
                    }
                    Some(langs)
                }
            };
        self.dedup.validate()?;
        Ok(Config {
            languages,
            dedup: self.dedup,
            dedup_scope: self.dedup_scope,
            classifier: self.classifier,
            classify: self.classify,
        })
    }
}
