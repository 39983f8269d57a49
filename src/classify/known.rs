//! What is known of a paragraph on its own, remembered across documents.
//!
//! Scraped pages repeat their short lines (menus, UI strings, footers: on the dev set 44% of
//! the non-empty lines repeat an earlier one), and all that a [`Memo`] holds is a function
//! of the paragraph's text, the document's language and the indentation flag: its
//! [`Features`], content words, own language, hard verdict and late verdict. Each thread
//! keeps the recent ones by the text's xxh3-128, so a line seen before is not measured or
//! judged again. Only what those functions return is kept, so the output is the same
//! whatever the cache holds.
//!
//! A paragraph is remembered as soon as it is measured, and its hard verdict as soon as it
//! is judged, so that the repeats on one page (a forum's "Reply" under every post, a menu
//! at the top and the bottom) are found too: on 150 dev pages 8.0 K lines repeat one on
//! the same page and 3.0 K one on an earlier page; on the generated dump, 34.9 K and 34.5 K.
//! Its late verdict is remembered once the page is classified.
//!
//! The markup (`structure`) is not part of the key: `hard_rule` reads a paragraph's text
//! and `indented` flag only, and the structural rules that do read the markup run before it
//! in `classify_in_context`, outside what is kept here.

use std::cell::RefCell;

use super::{Features, Memo, Reason};
use crate::language::Language;
use crate::segment::Paragraph;

/// Longer paragraphs are not remembered: few of them repeat and the hard rules stop at 400
/// characters. Remembering them too was a wash (+1.8 M instructions on 150 dev pages,
/// −1.7 M on the generated dump) and took slots and words from the short ones; stopping at
/// 200 or 120 bytes saved 1.2 or 1.8 M on the dev pages and cost 9 or 22 M on the dump.
const MAX_BYTES: usize = 400;

/// Slots of the table (a power of two): at 64 bytes each, 1 MB a thread. On the generated
/// dump (before repeats on the same page were found), 2^13, 2^14, 2^15 and 2^16 slots found
/// 69%, 77%, 85% and 91% of the 50 K repeats an unbounded table finds.
const SLOTS: usize = 1 << 14;

/// Content-word hashes kept (2 MB a thread): when they would pass this, those of paragraphs
/// no longer in the table are dropped, and if that frees too little, the table is cleared.
/// With the table, each thread holds at most 3 MB. The words bind before the slots do (a
/// short paragraph has up to 60 content words): on the generated dump 2^17, 2^18 and 2^19
/// words cost 2,768, 2,763 and 2,759 M instructions.
const WORDS_MAX: usize = 1 << 18;

/// One remembered paragraph: its key, then what [`Memo`] and [`Features`] hold of it. One
/// cache line, aligned to one, so that a lookup (and its prefetch) touches a single line.
#[derive(Debug, Clone, Copy, Default)]
#[repr(align(64))]
pub(super) struct Slot {
    hash: u128,
    used: bool,
    lang: Option<Language>,
    indented: bool,
    own_lang: Option<Language>,
    hard: Option<Option<Reason>>,
    late: Option<Option<Reason>>,
    ends_with_punct: bool,
    chars: u32,
    words: u32,
    sentence_ends: u32,
    stopword_density: f32,
    titlecase_share: f32,
    uppercase_share: f32,
    digit_share: f32,
    /// Its content words: `Known::words[start..start + len]`.
    start: u32,
    len: u32,
}

const _: () = assert!(std::mem::size_of::<Slot>() == 64);

impl Slot {
    /// The features measured.
    pub(super) fn features(&self) -> Features {
        Features {
            chars: self.chars,
            words: self.words,
            stopword_density: self.stopword_density,
            sentence_ends: self.sentence_ends,
            ends_with_punct: self.ends_with_punct,
            titlecase_share: self.titlecase_share,
            uppercase_share: self.uppercase_share,
            digit_share: self.digit_share,
            ..Features::default()
        }
    }
}

/// Where a paragraph is remembered, and what was known of it when it was measured.
#[derive(Debug, Clone, Copy)]
pub(super) struct Recall {
    hash: u128,
    lang: Option<Language>,
    indented: bool,
    /// Whether the slot held the paragraph's late verdict when it was measured.
    had_late: bool,
}

/// A thread's table of remembered paragraphs, direct-mapped by hash.
#[derive(Default)]
pub(super) struct Known {
    slots: Vec<Slot>,
    words: Vec<u64>,
    /// Nothing is recalled or remembered (to compare with).
    #[cfg(test)]
    off: bool,
    /// Paragraphs recalled.
    #[cfg(test)]
    hits: std::cell::Cell<usize>,
}

thread_local! {
    static KNOWN: RefCell<Known> = RefCell::default();
}

/// Runs `f` on this thread's table.
pub(super) fn with<R>(f: impl FnOnce(&mut Known) -> R) -> R {
    KNOWN.with_borrow_mut(f)
}

impl Known {
    fn index(hash: u128) -> usize {
        hash as usize & (SLOTS - 1)
    }

    /// The slot that holds the paragraph `r` stands for, if one does.
    fn slot(&self, r: &Recall) -> Option<usize> {
        let i = Self::index(r.hash);
        let s = self.slots.get(i)?;
        (s.used && s.hash == r.hash && s.lang == r.lang && s.indented == r.indented).then_some(i)
    }

    /// The hash `p` is remembered by, if it may be remembered.
    pub(super) fn key(p: &Paragraph) -> Option<u128> {
        (p.text.len() <= MAX_BYTES).then(|| xxhash_rust::xxh3::xxh3_128(p.text.as_bytes()))
    }

    /// Starts loading the slot of `key` into the cache: the table is larger than the L2
    /// cache, and waiting on that load was most of [`recall`](Self::recall)'s time.
    pub(super) fn prefetch(&self, key: Option<u128>) {
        if let (Some(key), false) = (key, self.slots.is_empty()) {
            let slot: *const Slot = &self.slots[Self::index(key)];
            crate::dedup::prefetch(slot as u64);
        }
    }

    /// Notes in `memo` where `p`, in a document in `lang` (unfiltered), is remembered, if it
    /// may be (`key` is its [`key`](Self::key)), and what is known of it: its own language
    /// and verdicts. Returns what is known of it besides, its slot (for [`Slot::features`])
    /// and its content words.
    pub(super) fn recall(
        &self,
        p: &Paragraph,
        key: Option<u128>,
        lang: Option<Language>,
        memo: &mut Memo,
    ) -> Option<(&Slot, &[u64])> {
        debug_assert_eq!(key, Self::key(p));
        #[cfg(test)]
        if self.off {
            return None;
        }
        let mut r = Recall {
            hash: key?,
            lang,
            indented: p.indented,
            had_late: false,
        };
        let found = self.slot(&r).map(|i| &self.slots[i]);
        if let Some(s) = found {
            r.had_late = s.late.is_some();
            memo.hard = s.hard;
            memo.late = s.late;
            memo.own_lang = Some(s.own_lang);
        }
        memo.recall = Some(r);
        let s = found?;
        #[cfg(test)]
        self.hits.set(self.hits.get() + 1);
        let start = s.start as usize;
        Some((s, &self.words[start..start + s.len as usize]))
    }

    /// Remembers the paragraph `r` stands for, measured just now (`f`, with `content` its
    /// content words, `own_lang` its own language): from here on the paragraphs of the same
    /// page find it too.
    pub(super) fn insert(
        &mut self,
        r: &Recall,
        f: &Features,
        content: &[u64],
        own_lang: Option<Language>,
    ) {
        if self.slots.is_empty() {
            self.slots = vec![Slot::default(); SLOTS];
            self.words = Vec::with_capacity(WORDS_MAX);
        }
        if self.words.len() + content.len() > WORDS_MAX {
            self.compact();
            if self.words.len() + content.len() > WORDS_MAX * 3 / 4 {
                self.words.clear();
                self.slots.fill(Slot::default());
            }
        }
        let start = self.words.len() as u32;
        self.words.extend_from_slice(content);
        self.slots[Self::index(r.hash)] = Slot {
            hash: r.hash,
            used: true,
            lang: r.lang,
            indented: r.indented,
            own_lang,
            hard: None,
            late: None,
            ends_with_punct: f.ends_with_punct,
            chars: f.chars,
            words: f.words,
            sentence_ends: f.sentence_ends,
            stopword_density: f.stopword_density,
            titlecase_share: f.titlecase_share,
            uppercase_share: f.uppercase_share,
            digit_share: f.digit_share,
            start,
            len: content.len() as u32,
        };
    }

    /// The hard verdict on the paragraph `r` stands for, judged in a document in `lang`
    /// (unfiltered) as `indented`: remembered, or given by `rule` and remembered.
    pub(super) fn hard(
        &mut self,
        r: Option<Recall>,
        lang: Option<Language>,
        indented: bool,
        rule: impl FnOnce() -> Option<Reason>,
    ) -> Option<Reason> {
        let slot = r
            .filter(|r| r.lang == lang && r.indented == indented)
            .and_then(|r| self.slot(&r));
        let Some(i) = slot else {
            return rule();
        };
        *self.slots[i].hard.get_or_insert_with(rule)
    }

    /// Remembers the paragraph's late verdict from `memo`, once the page is classified,
    /// where the table lacks it.
    pub(super) fn remember(&mut self, memo: &Memo) {
        let Some(r) = memo.recall.filter(|r| !r.had_late && memo.late.is_some()) else {
            return;
        };
        if let Some(i) = self.slot(&r) {
            self.slots[i].late = memo.late;
        }
    }

    /// Drops the content words of the paragraphs no longer remembered.
    fn compact(&mut self) {
        let mut words = Vec::with_capacity(self.words.capacity());
        for s in self.slots.iter_mut().filter(|s| s.used) {
            let start = s.start as usize;
            s.start = words.len() as u32;
            words.extend_from_slice(&self.words[start..start + s.len as usize]);
        }
        self.words = words;
    }

    /// Forgets everything.
    #[cfg(test)]
    pub(super) fn clear(&mut self) {
        *self = Known::default();
    }

    /// Slots in use and content words held.
    #[cfg(test)]
    pub(super) fn size(&self) -> (usize, usize) {
        (
            self.slots.iter().filter(|s| s.used).count(),
            self.words.len(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::classify::{content_words, Classifier};
    use crate::{Cleaner, Config};

    /// Two pages of one site in English and one in German: shared menus, a byline, an
    /// indented caption, a foreign paragraph, lines that the late rules drop, lines repeated
    /// on a page.
    const PAGES: [&str; 3] = [
        "Home\nNews\nSport\nBy John Smith, March 3, 2024\n\u{a0}A view of the harbour.\n\n\
         The council approved the new budget on Monday after a long debate, and the mayor \
         said that the money would go to schools and roads across the city over the next \
         three years.\n\nDer Gemeinderat hat am Montag nach langer Debatte den neuen Haushalt \
         beschlossen, und der Bürgermeister sagte, das Geld gehe an Schulen und Straßen.\n\n\
         Book Now Book Now Book Now Book Now Book Now Book Now Book Now\nShare:\nReply\n\
         Reply\nA view of the harbour.\n© 2024 The Town Paper\nPrivacy policy\nHome\n",
        "Home\nNews\nSport\n\u{a0}A view of the harbour.\nBy John Smith, March 3, 2024\n\n\
         The library will open its new wing in June, the council said, after two years of \
         building work that closed the reading room and moved the children's books to the \
         town hall.\n\nWe and our partners store and access information on a device.\n\
         Share:\nReply\n© 2024 The Town Paper\nPrivacy policy\n",
        "Startseite\nNachrichten\nHome\n\nDer Gemeinderat hat am Montag nach langer Debatte \
         den neuen Haushalt beschlossen, und der Bürgermeister sagte, das Geld gehe an Schulen \
         und Straßen in der ganzen Stadt.\n\nShare:\nPrivacy policy\nStartseite\n",
    ];

    /// `f` with nothing recalled or remembered, and the table as it was.
    fn uncached<R>(f: impl FnOnce() -> R) -> R {
        with(|k| k.off = true);
        let out = f();
        with(|k| k.off = false);
        out
    }

    fn hits() -> usize {
        with(|k| k.hits.get())
    }

    #[test]
    fn a_remembered_paragraph_is_judged_as_a_fresh_one() {
        with(Known::clear);
        let cleaner = Cleaner::new(Config::default());
        let clean = |page: &str| format!("{:?}", cleaner.clean(page));
        let alone: Vec<String> = PAGES.iter().map(|p| uncached(|| clean(p))).collect();
        // A page alone, then every order, twice over: each page from what the others left.
        assert_eq!(clean(PAGES[0]), alone[0]);
        assert!(hits() >= 2, "{} repeats on the page", hits());
        for _ in 0..2 {
            for order in [[0, 1, 2], [2, 1, 0], [1, 0, 2]] {
                for i in order {
                    let before = hits();
                    assert_eq!(clean(PAGES[i]), alone[i], "page {i}");
                    assert!(hits() > before, "page {i}");
                }
            }
        }
    }

    #[test]
    fn a_remembered_block_is_judged_as_a_fresh_one() {
        with(Known::clear);
        let page = |body: &str| {
            format!(
                "<html><nav><a href=/>Home</a> <a href=/n>News</a></nav><article><h1>Budget \
                 passed</h1><p>{body}</p><p class=caption>A view of the harbour.</p><p>Home</p>\
                 </article><footer><p>Contact us</p><p>© 2024 The Town Paper</p></footer></html>"
            )
        };
        let a = page(PAGES[0].lines().nth(6).unwrap());
        let b = page(PAGES[1].lines().nth(6).unwrap());
        let cleaner = Cleaner::new(Config::default());
        let clean = |html: &str| format!("{:?}", cleaner.clean_html(html.as_bytes()));
        let (a_alone, b_alone) = uncached(|| (clean(&a), clean(&b)));
        assert_eq!(clean(&b), b_alone);
        assert_eq!(clean(&a), a_alone);
        assert_eq!(clean(&b), b_alone);
        assert!(hits() >= 8, "{}", hits());
    }

    #[test]
    fn the_table_keeps_to_its_bounds() {
        with(Known::clear);
        let classifier = Classifier::default();
        let en = Language::from_code("en");
        // More paragraphs than slots and more words than the words kept, in pages of 100.
        let text = |i: usize| {
            let n = 1 + i % 40;
            (0..n)
                .map(|j| format!("w{i}x{j}"))
                .collect::<Vec<_>>()
                .join(" ")
        };
        let page = |page: usize| -> Vec<Paragraph> {
            (page * 100..page * 100 + 100)
                .map(|i| Paragraph {
                    text: text(i).into(),
                    line: 1,
                    indented: false,
                    structure: None,
                })
                .collect()
        };
        let pages = SLOTS / 40;
        let (mut held, mut shrank) = (0, false);
        for i in 0..pages {
            let (_, memo) = classifier.measure_with_memo(&page(i), en, |_, _| None, None);
            classifier.remember(&memo);
            let (slots, words) = with(|k| k.size());
            assert!(slots <= SLOTS && words <= WORDS_MAX, "{slots} {words}");
            assert!(with(|k| k.words.capacity()) <= WORDS_MAX);
            shrank |= words < held;
            held = words;
        }
        assert!(shrank);
        assert_eq!(hits(), 0);
        // What is recalled after the table was compacted and cleared is still right.
        let last = page(pages - 1);
        let (feats, memo) = classifier.measure_with_memo(&last, en, |_, _| None, None);
        assert!(hits() >= 50, "{}", hits());
        let (fresh, _) = uncached(|| classifier.measure_with_memo(&last, en, |_, _| None, None));
        for ((p, m), (f, g)) in last.iter().zip(&memo).zip(feats.iter().zip(&fresh)) {
            let alone = content_words(&p.text, en);
            assert_eq!(m.content.as_ref().unwrap().as_slice(), alone.as_slice());
            assert_eq!(format!("{f:?}"), format!("{g:?}"));
            assert_eq!(m.own_lang, Some(None));
        }
    }
}
