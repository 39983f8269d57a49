//! Stage 4: drop paragraphs seen before, in this page or earlier in the corpus.
//!
//! A paragraph is cut into word n-gram shingles (words from Unicode segmentation, lower-cased,
//! each hashed once, [`word_hash`]; a rolling hash over each window of `n`); when more than
//! `threshold` of its shingles are already in the index it is a duplicate, otherwise its
//! shingles are added. Paragraphs shorter than `n` words have no
//! shingle and are never duplicates: too short to be evidence of copying.
//!
//! The index has two stores, both deterministic when applied in input order:
//! - [`DedupMode::Exact`]: 64-bit hashes in sharded open-addressing tables of 8-slot buckets
//!   (8 bytes a slot, at most 7/8 full: 9.1–18 bytes per stored hash), optionally holding only
//!   a deterministic sample of the shingles (`hash % sample == 0`);
//! - [`DedupMode::Bloom`]: a Bloom filter sized from a memory budget or from the expected
//!   number of shingles and a false-positive rate.
//!
//! It can be saved to a file and loaded by the next run ([`DedupIndex::save`],
//! [`DedupIndex::load`]).

use std::cell::RefCell;
use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Mutex;

use serde::Serialize;
use xxhash_rust::xxh3::{xxh3_64, Xxh3};

use crate::classify::Reason;
#[cfg(test)]
use crate::cleaner::CleanParagraph;
use crate::cleaner::Page;
use crate::error::{Error, Result};
use crate::language::lowercase_into;

/// 64 shards: threads rarely meet on one lock, and a budgeted table grows one shard at a time,
/// so a rehash briefly needs only one shard's old table on top of the rest.
const SHARD_BITS: u32 = 6;
const SHARDS: usize = 1 << SHARD_BITS;
const MIN_SLOTS: usize = 16;

/// How seen shingles are stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DedupMode {
    /// A set of 64-bit hashes: no false positives (beyond 64-bit collisions).
    #[default]
    Exact,
    /// A Bloom filter: a fixed size, and a small, known rate of false positives.
    Bloom,
}

/// Settings of a [`DedupIndex`]; every field has a documented default.
#[derive(Debug, Clone, PartialEq)]
pub struct DedupOptions {
    /// Shingle size in words (default 5).
    pub shingle_size: usize,
    /// A paragraph with more than this share of its shingles seen before its page is a
    /// duplicate (default 0.5).
    pub threshold: f32,
    /// A paragraph with more than this share of its shingles seen, counting those of the
    /// paragraphs above it in the same page, is a duplicate (default 0.8; `threshold` when
    /// that is higher). Higher than `threshold` because within a page, a paragraph sharing much of its wording with one above
    /// is more often a variant (another size of a product, a reply quoting a post, the same
    /// terms for another region) than a copy.
    pub page_threshold: f32,
    /// A document with at least this share of its kept shingles seen before is dropped whole
    /// ([`Reason::DuplicateDocument`]); `None` turns this off (default `Some(0.8)`).
    pub document_threshold: Option<f32>,
    /// Exact set or Bloom filter (default exact).
    pub mode: DedupMode,
    /// Memory budget in bytes (default `None`: unbounded in exact mode). An exact index stops
    /// growing at the budget (counting the table being rehashed) and refuses further inserts;
    /// a Bloom filter takes the whole budget.
    pub memory: Option<u64>,
    /// Keep only shingles whose hash is divisible by this (default 1: all). Divides memory by
    /// about `sample`, at a recall cost on short paragraphs (see the README).
    pub sample: u32,
    /// Bloom mode: the target false-positive rate (default 0.01).
    pub bloom_fp_rate: f64,
    /// Bloom mode: the expected number of distinct shingles; with `bloom_fp_rate` it sizes the
    /// filter when no budget is given (or a smaller one than the budget).
    pub bloom_items: Option<u64>,
    /// Only query the index, never add to it (e.g. remove an evaluation set from training
    /// data). Repeats within the run are then not removed.
    pub read_only: bool,
}

impl Default for DedupOptions {
    fn default() -> Self {
        DedupOptions {
            // 5-word shingles with a 0.5 threshold, as onion: long enough that common phrases
            // ("one of the most") do not collide, short enough that a paragraph with a few
            // edited words still shares most of its shingles.
            shingle_size: 5,
            threshold: 0.5,
            // Measured on the dev set's in-page dedup: 0.7, 0.8 and 0.9 give shingle F1 within
            // 0.0001 of each other, 0.0013 above 0.5.
            page_threshold: 0.8,
            document_threshold: Some(0.8),
            mode: DedupMode::Exact,
            memory: None,
            sample: 1,
            bloom_fp_rate: 0.01,
            bloom_items: None,
            read_only: false,
        }
    }
}

impl DedupOptions {
    /// These settings for an index that sees one page: exact and unbounded (one page always
    /// fits), nothing shared.
    pub fn one_page(&self) -> DedupOptions {
        DedupOptions {
            mode: DedupMode::Exact,
            memory: None,
            sample: 1,
            read_only: false,
            ..self.clone()
        }
    }

    /// Checks the ranges.
    pub fn validate(&self) -> Result<()> {
        if self.shingle_size == 0 {
            return Err(Error::Config("shingle size must be at least 1".into()));
        }
        if !(0.0..1.0).contains(&self.threshold) {
            return Err(Error::Config(format!(
                "dedup threshold must be in [0, 1), got {}",
                self.threshold
            )));
        }
        if !(0.0..1.0).contains(&self.page_threshold) {
            return Err(Error::Config(format!(
                "in-page dedup threshold must be in [0, 1), got {}",
                self.page_threshold
            )));
        }
        if let Some(t) = self.document_threshold {
            if !(t > 0.0 && t <= 1.0) {
                return Err(Error::Config(format!(
                    "document dedup threshold must be in (0, 1], got {t}"
                )));
            }
        }
        if self.sample == 0 {
            return Err(Error::Config("dedup sample must be at least 1".into()));
        }
        if self.mode == DedupMode::Bloom {
            if !(self.bloom_fp_rate > 0.0 && self.bloom_fp_rate < 1.0) {
                return Err(Error::Config(format!(
                    "Bloom false-positive rate must be in (0, 1), got {}",
                    self.bloom_fp_rate
                )));
            }
            if self.memory.is_none() && self.bloom_items.is_none() {
                return Err(Error::Config(
                    "Bloom mode needs a memory budget or the expected number of shingles".into(),
                ));
            }
        }
        if self.memory == Some(0) {
            return Err(Error::Config("dedup memory budget must be positive".into()));
        }
        Ok(())
    }
}

/// The state of an index, for the run summary and `--stats`.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct IndexStats {
    /// `exact` or `bloom`.
    pub mode: DedupMode,
    /// Distinct shingles stored (Bloom: inserts that set a new bit, an estimate).
    pub entries: u64,
    /// Bytes held by the tables or the filter.
    pub memory_bytes: u64,
    /// The budget, if any.
    pub budget_bytes: Option<u64>,
    /// Exact: share of table slots used; Bloom: estimated share of bits set.
    pub fill: f64,
    /// Estimated false-positive rate of a lookup (0 for exact).
    pub estimated_fp_rate: f64,
    /// The stored sample: one shingle in `sample`.
    pub sample: u32,
    /// Whether the budget stopped the exact index from growing.
    pub full: bool,
    /// Shingles not stored because the budget was reached.
    pub refused_inserts: u64,
}

/// A shareable index of seen shingles.
///
/// Exact mode: a page's shingles are looked up and stored in one pass holding the 8 locks of
/// the tables (without a budget; see [`apply`](Self::apply)), or in batches that prefetch
/// their slots and take each lock once; Bloom mode sets bits atomically. So threads of a
/// crawler can share one index (a page at a time). [`Pipeline`](crate::Pipeline)
/// applies it in input order, which makes its decisions deterministic: the first occurrence
/// is kept.
///
/// ```
/// use gleaner::DedupIndex;
/// let index = DedupIndex::new(5, 0.5).unwrap();
/// let a = index.shingles("The quick brown fox jumps over the lazy dog near the river bank.");
/// assert!(!index.check_and_insert(&a)); // first time: kept, remembered
/// let b = index.shingles("the quick brown fox jumps over the lazy dog near the river!");
/// assert!(index.check_and_insert(&b)); // mostly seen: duplicate
/// ```
///
/// A crawler saves the index at the end of a day and loads it the next:
///
/// ```
/// use gleaner::{DedupIndex, DedupOptions};
/// let dir = tempfile::tempdir().unwrap();
/// let path = dir.path().join("seen.idx");
/// let day1 = DedupIndex::with_options(DedupOptions::default()).unwrap();
/// let text = "The quick brown fox jumps over the lazy dog near the river bank.";
/// assert!(!day1.check_and_insert(&day1.shingles(text)));
/// day1.save(&path).unwrap();
///
/// let day2 = DedupIndex::load(&path, DedupOptions::default()).unwrap();
/// assert!(day2.check_and_insert(&day2.shingles(text)));
/// ```
#[derive(Debug)]
pub struct DedupIndex {
    store: Store,
    options: DedupOptions,
}

#[derive(Debug)]
enum Store {
    Exact(Exact),
    Bloom(Bloom),
}

impl DedupIndex {
    /// An empty, unbounded exact index with shingles of `shingle_size` words; a paragraph
    /// with more than `threshold` (in [0, 1)) of its shingles already seen is a duplicate.
    /// Other settings are the [defaults](DedupOptions::default).
    pub fn new(shingle_size: usize, threshold: f32) -> Result<Self> {
        Self::with_options(DedupOptions {
            shingle_size,
            threshold,
            ..DedupOptions::default()
        })
    }

    /// An empty index with these settings.
    pub fn with_options(options: DedupOptions) -> Result<Self> {
        options.validate()?;
        let store = match options.mode {
            DedupMode::Exact => Store::Exact(Exact::new(options.memory)),
            DedupMode::Bloom => {
                let (bits, k) =
                    bloom_geometry(options.memory, options.bloom_items, options.bloom_fp_rate)?;
                Store::Bloom(Bloom::new(bits, k))
            }
        };
        Ok(DedupIndex { store, options })
    }

    /// The settings.
    pub fn options(&self) -> &DedupOptions {
        &self.options
    }

    /// The shingle size in words.
    pub fn shingle_size(&self) -> usize {
        self.options.shingle_size
    }

    /// The share of seen shingles from which a paragraph is a duplicate.
    pub fn threshold(&self) -> f32 {
        self.options.threshold
    }

    /// The shingle hashes of a paragraph that this index stores (all, or the sample); pure.
    pub fn shingles(&self, text: &str) -> Vec<u64> {
        let mut all = shingles(text, self.options.shingle_size);
        let k = u64::from(self.options.sample);
        if k > 1 && k.is_power_of_two() {
            // The usual samples (2, 4, 8) need no division.
            all.retain(|h| h & (k - 1) == 0);
        } else if k > 1 {
            all.retain(|h| h % k == 0);
        }
        all
    }

    /// Whether this shingle hash was seen.
    pub fn contains(&self, h: u64) -> bool {
        match &self.store {
            Store::Exact(e) => e.contains(h),
            Store::Bloom(b) => b.contains(h),
        }
    }

    /// How many of these shingles were seen.
    pub fn seen_count(&self, shingles: &[u64]) -> usize {
        with_scratch(|s| {
            self.lookup(shingles, &mut s.flags, &mut s.batch);
            s.flags.iter().filter(|&&f| f).count()
        })
    }

    /// Whether each of these shingles was seen.
    pub fn contains_many(&self, shingles: &[u64]) -> Vec<bool> {
        let mut out = Vec::new();
        with_scratch(|s| self.lookup(shingles, &mut out, &mut s.batch));
        out
    }

    /// Remembers these shingles (unless the index is read-only).
    pub fn insert(&self, shingles: &[u64]) {
        if !self.options.read_only {
            with_scratch(|s| self.store_all(shingles, &mut s.batch));
        }
    }

    /// Whether a paragraph with these shingles is a duplicate; if it is not, its shingles are
    /// remembered. A paragraph without shingles is never a duplicate.
    pub fn check_and_insert(&self, shingles: &[u64]) -> bool {
        if shingles.is_empty() {
            return false;
        }
        with_scratch(|s| {
            self.lookup(shingles, &mut s.flags, &mut s.batch);
            if is_duplicate(&s.flags, self.options.threshold) {
                return true;
            }
            if !self.options.read_only {
                self.store_all(shingles, &mut s.batch);
            }
            false
        })
    }

    /// Sets `out[i]` to whether `shingles[i]` was seen.
    fn lookup(&self, shingles: &[u64], out: &mut Vec<bool>, batch: &mut Batch) {
        match &self.store {
            Store::Exact(e) => e.contains_many(shingles, out, batch),
            Store::Bloom(b) => {
                // Most lookups of new text stop at the first bit, so fetching it for the whole
                // batch first overlaps the cache misses.
                for &h in shingles {
                    b.prefetch(h);
                }
                out.clear();
                out.extend(shingles.iter().map(|&h| b.contains(h)));
            }
        }
    }

    fn store_all(&self, shingles: &[u64], batch: &mut Batch) {
        match &self.store {
            Store::Exact(e) => e.insert_many(shingles, batch),
            Store::Bloom(b) => shingles.iter().for_each(|&h| b.insert(h)),
        }
    }

    /// Drops the kept paragraphs of `page` that were mostly seen before
    /// ([`Reason::Duplicate`]), or the whole page when most of its text was
    /// ([`Reason::DuplicateDocument`]), remembering what is kept, in page order; then settles
    /// the page (a page left empty is dropped with [`Reason::NoContent`]).
    pub fn dedup(&self, page: &mut Page) {
        self.dedup_with(page, None);
    }

    /// [`dedup`](Self::dedup), with the word hashes of the paragraphs measured (`words`).
    pub(crate) fn dedup_with(&self, page: &mut Page, words: Option<&PageWords>) {
        let prepared = self.prepare_with(page, words);
        self.apply(page, &prepared);
    }

    /// The shingles of the kept paragraphs of `page`, and which of them are the same. Pure,
    /// so the pipeline computes it in parallel and only [`apply`](Self::apply) runs in input
    /// order.
    pub fn prepare(&self, page: &Page) -> Prepared {
        self.prepare_with(page, None)
    }

    /// [`prepare`](Self::prepare), taking the word hashes of a paragraph from `words` where
    /// it has them instead of cutting and hashing its words again.
    pub(crate) fn prepare_with(&self, page: &Page, words: Option<&PageWords>) -> Prepared {
        let mut prepared = Prepared::default();
        // A paragraph has fewer shingles than words: with the words at hand, sized once.
        let words_kept: usize = words.map_or(0, |words| {
            (page.paragraphs.iter().enumerate())
                .filter(|(_, p)| p.is_kept())
                .filter_map(|(i, _)| words.get(i).map(<[u64]>::len))
                .sum()
        });
        prepared.shingles.reserve(words_kept);
        prepared.ends.reserve(page.paragraphs.len());
        with_word_scratch(|w| {
            for (i, p) in page.paragraphs.iter().enumerate() {
                if p.is_kept() {
                    let from = prepared.shingles.len();
                    match words.and_then(|words| words.get(i)) {
                        Some(hashes) => {
                            roll_shingles(hashes, self.options.shingle_size, &mut prepared.shingles)
                        }
                        None => shingles_with(
                            &p.text,
                            self.options.shingle_size,
                            w,
                            &mut prepared.shingles,
                        ),
                    }
                    self.keep_sample(&mut prepared.shingles, from);
                }
                prepared.ends.push(position(prepared.shingles.len()));
            }
        });
        with_scratch(|s| prepared.number_distinct(&mut s.distinct));
        prepared
    }

    /// Keeps of the shingles `out[from..]` those that this index stores (see
    /// [`DedupOptions`]'s sample).
    fn keep_sample(&self, out: &mut Vec<u64>, from: usize) {
        let k = u64::from(self.options.sample);
        if k > 1 {
            let mut at = from;
            for i in from..out.len() {
                let h = out[i];
                // The usual samples (2, 4, 8) need no division.
                let keep = if k.is_power_of_two() {
                    h & (k - 1) == 0
                } else {
                    h % k == 0
                };
                if keep {
                    out[at] = h;
                    at += 1;
                }
            }
            out.truncate(at);
        }
    }

    /// Applies prepared shingles to `page` (see [`dedup`](Self::dedup)). An exact index
    /// without a budget does it in one pass over the tables, holding their 8 locks for the
    /// page; otherwise a batch of lookups, then one of inserts. The decisions are the same.
    pub fn apply(&self, page: &mut Page, prepared: &Prepared) {
        // A paragraph dropped since `prepare` has no say (not so in the pipeline).
        let stale = page
            .paragraphs
            .iter()
            .zip(prepared.ranges())
            .any(|(p, r)| !p.is_kept() && !r.is_empty());
        if stale {
            let kept: Vec<bool> = page.paragraphs.iter().map(|p| p.is_kept()).collect();
            let fresh = prepared.only(&kept);
            return with_scratch(|s| self.apply_with(page, &fresh, s));
        }
        with_scratch(|s| self.apply_with(page, prepared, s));
    }

    fn apply_with(&self, page: &mut Page, prepared: &Prepared, s: &mut Scratch) {
        match &self.store {
            Store::Exact(e) if e.budget.is_none() && !self.options.read_only => {
                self.apply_exact(e, page, prepared, s)
            }
            _ => self.apply_batched(page, prepared, s),
        }
    }

    /// Whether a paragraph is a duplicate, given which of its shingles were seen before its
    /// page (`before`) and which were seen at all, counting its page's earlier paragraphs
    /// (`seen`).
    fn is_duplicate_paragraph(&self, before: &[bool], seen: &[bool]) -> bool {
        let o = &self.options;
        is_duplicate(before, o.threshold) || is_duplicate(seen, o.page_threshold.max(o.threshold))
    }

    /// Whether the document rule drops a page with `total` shingles of which `seen` were seen.
    fn is_duplicate_document(&self, total: usize, seen: usize) -> bool {
        let Some(doc_threshold) = self.options.document_threshold else {
            return false;
        };
        total > 0 && seen as f32 >= doc_threshold * total as f32
    }

    fn drop_document(page: &mut Page) {
        for p in page.paragraphs.iter_mut().filter(|p| p.is_kept()) {
            p.reason = Some(Reason::DuplicateDocument);
        }
        if page.dropped.is_none() {
            page.dropped = Some(Reason::DuplicateDocument);
        }
    }

    /// Decides the paragraphs of `page` in order from whether each shingle (by position) was
    /// stored before the page: a paragraph is a duplicate when enough of its shingles were seen
    /// before the page, or (by the in-page threshold) before the page or, if `remember`, in an
    /// earlier paragraph of the page that was kept. Sets `flags.kept[u]` when a kept paragraph
    /// has distinct shingle `u`.
    fn decide(
        &self,
        page: &mut Page,
        prepared: &Prepared,
        before: impl Fn(usize) -> bool,
        remember: bool,
        flags: &mut PageFlags,
    ) {
        let PageFlags { kept, prior, seen } = flags;
        kept.clear();
        kept.resize(prepared.keys.len(), false);
        for (p, range) in page.paragraphs.iter_mut().zip(prepared.ranges()) {
            if range.is_empty() || !p.is_kept() {
                continue;
            }
            let ids = &prepared.ids[range.clone()];
            prior.clear();
            prior.extend(range.map(&before));
            seen.clear();
            seen.extend(prior.iter().zip(ids).map(|(&b, &u)| b || kept[u as usize]));
            if self.is_duplicate_paragraph(prior, seen) {
                p.reason = Some(Reason::Duplicate);
            } else if remember {
                ids.iter().for_each(|&u| kept[u as usize] = true);
            }
        }
    }

    /// [`apply`](Self::apply) on an unbudgeted exact index, in one pass over the tables: every
    /// distinct shingle of the page is stored as it is looked up (in order of first
    /// occurrence, holding every lock), then those that no kept paragraph has are removed
    /// again. The decisions are those of a lookup pass then an insert pass of the kept
    /// paragraphs' shingles ([`apply_batched`](Self::apply_batched)): whether each shingle was
    /// stored before the page comes out of the same pass, and the stored set ends up the
    /// same. (With a budget, a shingle stored then removed could make a table grow, or be
    /// refused, where the two passes would not: that path keeps the two passes.)
    fn apply_exact(&self, e: &Exact, page: &mut Page, prepared: &Prepared, s: &mut Scratch) {
        let Scratch {
            flags: before,
            page: flags,
            ..
        } = s;
        // Gathered by `prepare`: the pass below and the removals read them in order, and the
        // prefetch reads them ahead.
        let distinct = &prepared.keys[..];
        let mut locks = e.lock_all();
        e.insert_distinct(&mut locks, distinct, before);
        let seen_total = prepared.ids.iter().filter(|&&u| before[u as usize]).count();
        if self.is_duplicate_document(prepared.ids.len(), seen_total) {
            let added = distinct.iter().zip(before.iter()).filter(|(_, &b)| !b);
            e.remove_all(&mut locks, added.map(|(&k, _)| k));
            Self::drop_document(page);
            return;
        }
        let ids = &prepared.ids;
        self.decide(page, prepared, |i| before[ids[i] as usize], true, flags);
        // What the page stored and no kept paragraph has.
        let gone = distinct.iter().zip(before.iter().zip(flags.kept.iter()));
        let gone = gone.filter(|(_, (&b, &k))| !b && !k);
        e.remove_all(&mut locks, gone.map(|(&k, _)| k));
        drop(locks);
        page.settle();
    }

    /// [`apply`](Self::apply) in two batched passes: the lookups of the whole page, then the
    /// inserts of the kept paragraphs' shingles.
    fn apply_batched(&self, page: &mut Page, prepared: &Prepared, s: &mut Scratch) {
        let Scratch {
            batch,
            flags,
            inserts,
            page: page_flags,
            ..
        } = s;
        // One batched lookup for the whole page, against what came before it: the document
        // rule needs exactly that, and the paragraph rule adds this page's own shingles
        // instead of asking the index again.
        let all = &prepared.shingles;
        self.lookup(all, flags, batch);
        let seen_total = flags.iter().filter(|&&f| f).count();
        if self.is_duplicate_document(all.len(), seen_total) {
            Self::drop_document(page);
            return;
        }
        let remember = !self.options.read_only;
        self.decide(page, prepared, |i| flags[i], remember, page_flags);
        if !remember {
            page.settle();
            return;
        }
        inserts.clear();
        for (p, range) in page.paragraphs.iter().zip(prepared.ranges()) {
            if p.is_kept() {
                inserts.extend_from_slice(&all[range]);
            }
        }
        // The page's decisions depend only on the lookups above, so its inserts can be one
        // batch too; when nothing was dropped, the very batch that was looked up.
        match &self.store {
            Store::Exact(e) if inserts.len() == all.len() => e.insert_sorted(batch),
            _ => self.store_all(inserts, batch),
        }
        page.settle();
    }

    /// Number of distinct shingles stored (Bloom: an estimate).
    pub fn len(&self) -> usize {
        match &self.store {
            Store::Exact(e) => e.len() as usize,
            Store::Bloom(b) => b.inserted.load(Ordering::Relaxed) as usize,
        }
    }

    /// Whether nothing has been stored yet.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether the memory budget stopped the index from storing more (exact mode).
    pub fn is_full(&self) -> bool {
        match &self.store {
            Store::Exact(e) => e.full.load(Ordering::Relaxed),
            Store::Bloom(_) => false,
        }
    }

    /// Forgets everything (for per-document dedup).
    pub fn clear(&self) {
        match &self.store {
            Store::Exact(e) => e.clear(),
            Store::Bloom(b) => b.clear(),
        }
    }

    /// Size, fill and estimated false-positive rate.
    pub fn stats(&self) -> IndexStats {
        let (entries, memory, fill, fp, full, refused) = match &self.store {
            Store::Exact(e) => {
                let slots = e.allocated.load(Ordering::Relaxed) / 8;
                let len = e.len();
                (
                    len,
                    slots * 8,
                    if slots == 0 {
                        0.0
                    } else {
                        len as f64 / slots as f64
                    },
                    0.0,
                    e.full.load(Ordering::Relaxed),
                    e.refused.load(Ordering::Relaxed),
                )
            }
            Store::Bloom(b) => {
                let fill = b.fill();
                (
                    b.inserted.load(Ordering::Relaxed),
                    b.bits / 8,
                    fill,
                    fill.powi(b.k as i32),
                    false,
                    0,
                )
            }
        };
        IndexStats {
            mode: self.options.mode,
            entries,
            memory_bytes: memory,
            budget_bytes: self.options.memory,
            fill,
            estimated_fp_rate: fp,
            sample: self.options.sample,
            full,
            refused_inserts: refused,
        }
    }

    /// Writes the index to `path` atomically (a temporary file in the same folder, then a
    /// rename): a versioned header with the storage parameters and an xxh3 checksum of the
    /// body. Inserts made while saving may or may not be included.
    pub fn save(&self, path: &Path) -> Result<()> {
        let dir = path.parent().filter(|p| !p.as_os_str().is_empty());
        let name = path.file_name().unwrap_or_default().to_string_lossy();
        let tmp = dir
            .unwrap_or(Path::new("."))
            .join(format!(".{name}.tmp{}", std::process::id()));
        let io = |e| Error::io(&tmp, e);
        let file = File::create(&tmp).map_err(io)?;
        let mut out = BufWriter::new(file);
        let mut header = self.header(0, 0);
        out.write_all(&header.encode()).map_err(io)?;
        let mut hasher = Xxh3::new();
        let mut count = 0u64;
        let mut put = |out: &mut BufWriter<File>, word: u64| -> std::io::Result<()> {
            let b = word.to_le_bytes();
            hasher.update(&b);
            count += 1;
            out.write_all(&b)
        };
        match &self.store {
            Store::Exact(e) => {
                for stripe in 0..STRIPES {
                    let tables: Vec<Vec<u64>> =
                        e.lock(stripe).iter().map(Table::sorted_keys).collect();
                    // Tables are sorted, so the same index always gives the same file.
                    for keys in tables {
                        for k in keys {
                            put(&mut out, k).map_err(io)?;
                        }
                    }
                }
            }
            Store::Bloom(b) => {
                for w in b.words.iter() {
                    put(&mut out, w.load(Ordering::Relaxed)).map_err(io)?;
                }
            }
        }
        header.count = match &self.store {
            Store::Exact(_) => count,
            Store::Bloom(b) => b.inserted.load(Ordering::Relaxed),
        };
        header.checksum = hasher.digest();
        let mut file = out.into_inner().map_err(|e| io(e.into_error()))?;
        file.seek(SeekFrom::Start(0)).map_err(io)?;
        file.write_all(&header.encode()).map_err(io)?;
        file.sync_all().map_err(io)?;
        drop(file);
        std::fs::rename(&tmp, path).map_err(|e| {
            let _ = std::fs::remove_file(&tmp);
            Error::io(path, e)
        })
    }

    /// Loads an index saved by [`save`](Self::save). The file must have been built with the
    /// same shingle size, mode and sample as `options`; a Bloom filter keeps the file's size.
    /// A corrupt, truncated or mismatched file is refused with [`Error::Index`].
    pub fn load(path: &Path, options: DedupOptions) -> Result<Self> {
        options.validate()?;
        let bad = |message: String| Error::Index {
            path: path.to_path_buf(),
            message,
        };
        let file = File::open(path).map_err(|e| Error::io(path, e))?;
        let file_len = file.metadata().map_err(|e| Error::io(path, e))?.len();
        let mut input = BufReader::new(file);
        let mut raw = [0u8; Header::LEN];
        input
            .read_exact(&mut raw)
            .map_err(|_| bad("not a gleaner index (too short for the header)".into()))?;
        let h = Header::decode(&raw).map_err(bad)?;
        let mode_name = |m: DedupMode| match m {
            DedupMode::Exact => "exact",
            DedupMode::Bloom => "bloom",
        };
        if h.mode != options.mode {
            return Err(bad(format!(
                "built in {} mode, this run uses {} mode",
                mode_name(h.mode),
                mode_name(options.mode)
            )));
        }
        if h.shingle_size as usize != options.shingle_size {
            return Err(bad(format!(
                "built with shingle size {}, this run uses {}",
                h.shingle_size, options.shingle_size
            )));
        }
        if h.sample != options.sample {
            return Err(bad(format!(
                "built with sample 1/{}, this run uses 1/{}",
                h.sample, options.sample
            )));
        }
        let words = match h.mode {
            DedupMode::Exact => h.count,
            DedupMode::Bloom => h.bloom_bits / 64,
        };
        let expected_len = words
            .checked_mul(8)
            .and_then(|b| b.checked_add(Header::LEN as u64));
        if expected_len != Some(file_len) {
            let expected_len = expected_len.map_or("more than 2^64".into(), |l| l.to_string());
            return Err(bad(format!(
                "truncated or corrupt: {file_len} bytes, the header promises {expected_len}"
            )));
        }
        let mut hasher = Xxh3::new();
        let mut next = || -> Result<u64> {
            let mut b = [0u8; 8];
            input
                .read_exact(&mut b)
                .map_err(|_| bad("truncated body".into()))?;
            hasher.update(&b);
            Ok(u64::from_le_bytes(b))
        };
        let index = match h.mode {
            DedupMode::Exact => {
                let exact = Exact::new(options.memory);
                for _ in 0..h.count {
                    exact.insert(next()?);
                }
                if exact.full.load(Ordering::Relaxed) {
                    return Err(bad(format!(
                        "its {} shingles do not fit in the memory budget; raise the budget \
                         or use bloom mode",
                        h.count
                    )));
                }
                DedupIndex {
                    store: Store::Exact(exact),
                    options,
                }
            }
            DedupMode::Bloom => {
                if h.bloom_k == 0 || h.bloom_bits == 0 || h.bloom_bits % 64 != 0 {
                    return Err(bad("corrupt Bloom geometry".into()));
                }
                let bloom = Bloom::new(h.bloom_bits, h.bloom_k);
                for w in bloom.words.iter() {
                    w.store(next()?, Ordering::Relaxed);
                }
                bloom.inserted.store(h.count, Ordering::Relaxed);
                DedupIndex {
                    store: Store::Bloom(bloom),
                    options,
                }
            }
        };
        if hasher.digest() != h.checksum {
            return Err(bad("checksum mismatch: the file is corrupt".into()));
        }
        Ok(index)
    }

    fn header(&self, count: u64, checksum: u64) -> Header {
        let (bloom_bits, bloom_k) = match &self.store {
            Store::Exact(_) => (0, 0),
            Store::Bloom(b) => (b.bits, b.k),
        };
        Header {
            mode: self.options.mode,
            shingle_size: self.options.shingle_size as u32,
            sample: self.options.sample,
            bloom_k,
            bloom_bits,
            count,
            checksum,
        }
    }
}

/// The index file's header: magic, version, storage parameters, body length and checksum.
struct Header {
    mode: DedupMode,
    shingle_size: u32,
    sample: u32,
    bloom_k: u32,
    bloom_bits: u64,
    count: u64,
    checksum: u64,
}

impl Header {
    const MAGIC: &'static [u8; 8] = b"GLEANIDX";
    /// 2: word hashes and shingle folding changed (see [`word_hash`]); a version 1 file's
    /// hashes would never match.
    const VERSION: u32 = 2;
    const LEN: usize = 8 + 4 + 4 + 4 + 4 + 4 + 8 + 8 + 8;

    fn encode(&self) -> [u8; Self::LEN] {
        let mut b = [0u8; Self::LEN];
        let mut at = 0;
        let mut put = |bytes: &[u8]| {
            b[at..at + bytes.len()].copy_from_slice(bytes);
            at += bytes.len();
        };
        put(Self::MAGIC);
        put(&Self::VERSION.to_le_bytes());
        put(&(self.mode as u32).to_le_bytes());
        put(&self.shingle_size.to_le_bytes());
        put(&self.sample.to_le_bytes());
        put(&self.bloom_k.to_le_bytes());
        put(&self.bloom_bits.to_le_bytes());
        put(&self.count.to_le_bytes());
        put(&self.checksum.to_le_bytes());
        b
    }

    fn decode(b: &[u8; Self::LEN]) -> std::result::Result<Self, String> {
        if &b[..8] != Self::MAGIC {
            return Err("not a gleaner index (bad magic)".into());
        }
        let u32_at = |i: usize| u32::from_le_bytes(b[i..i + 4].try_into().expect("4 bytes"));
        let u64_at = |i: usize| u64::from_le_bytes(b[i..i + 8].try_into().expect("8 bytes"));
        let version = u32_at(8);
        if version != Self::VERSION {
            return Err(format!(
                "index format version {version}, this gleaner reads version {}{}",
                Self::VERSION,
                if version < Self::VERSION {
                    " (older files hash shingles differently: rebuild the index)"
                } else {
                    ""
                }
            ));
        }
        let mode = match u32_at(12) {
            0 => DedupMode::Exact,
            1 => DedupMode::Bloom,
            m => return Err(format!("unknown index mode {m}")),
        };
        Ok(Header {
            mode,
            shingle_size: u32_at(16),
            sample: u32_at(20),
            bloom_k: u32_at(24),
            bloom_bits: u64_at(28),
            count: u64_at(36),
            checksum: u64_at(44),
        })
    }
}

/// Bits and hash count of a Bloom filter: `m = −n·ln p / (ln 2)²` bits for `n` items at
/// false-positive rate `p`, capped by the budget; `k = (m/n)·ln 2` hashes (from `p` alone,
/// `−log2 p`, when only a budget is given).
pub fn bloom_geometry(memory: Option<u64>, items: Option<u64>, p: f64) -> Result<(u64, u32)> {
    let ln2 = std::f64::consts::LN_2;
    let from_items = items.map(|n| (-(n.max(1) as f64) * p.ln() / (ln2 * ln2)).ceil() as u64);
    let bits = match (memory.map(|m| m.saturating_mul(8)), from_items) {
        (Some(b), Some(f)) => b.min(f),
        (Some(b), None) => b,
        (None, Some(f)) => f,
        (None, None) => {
            return Err(Error::Config(
                "Bloom mode needs a memory budget or the expected number of shingles".into(),
            ))
        }
    };
    let bits = bits.div_ceil(64).max(1) * 64;
    let k = match items {
        Some(n) => (bits as f64 / n.max(1) as f64 * ln2).round(),
        None => (-p.log2()).round(),
    };
    Ok((bits, (k as u32).clamp(1, 30)))
}

/// Sharded open-addressing sets of 64-bit hashes.
///
/// The 64 tables sit behind [`STRIPES`] locks, so that a page's lookups take a few locks rather
/// than one per shingle, and each table publishes its address in `hints` so that a batch can
/// prefetch the lines it is about to probe.
#[derive(Debug)]
struct Exact {
    stripes: Box<[Mutex<Stripe>]>,
    /// Per table: slot-count exponent in the top byte, address of the slots below; 0 when
    /// empty. Only ever used as a prefetch address, so a stale value is harmless.
    hints: Box<[AtomicU64]>,
    budget: Option<u64>,
    /// Bytes of all tables (plus the one being rehashed, while it is).
    allocated: AtomicU64,
    full: AtomicBool,
    refused: AtomicU64,
}

/// 8 locks of 8 tables each: few enough that a page of shingles takes at most 8 locks per
/// pass, enough that crawler threads querying or inserting batches rarely wait for one
/// another.
const STRIPE_BITS: u32 = 3;
const STRIPES: usize = 1 << STRIPE_BITS;
const TABLES_PER_STRIPE: usize = SHARDS / STRIPES;

type Stripe = [Table; TABLES_PER_STRIPE];

/// Bucketed linear probing over a power-of-two number of home slots plus [`PAD`] slots of
/// overflow, without wrap-around. The slots are grouped in cache-line-aligned buckets of
/// [`LINE`] (64 bytes); a key's home bucket comes from its hash, and it is stored in the first
/// free slot of the first bucket from there with one. 0 marks an empty slot (hash 0 is stored
/// as 1); at most 7/8 of the home slots are used; a key that finds every bucket up to the end
/// full goes to a small `spill` list.
///
/// So a probe compares one line of 8 slots at once (for the key, and for a free slot) and
/// stops at the first bucket holding the key or a free slot: a missing key usually costs one
/// line, like a present one, and an insert writes one slot, with nothing to shift. Removal
/// keeps the rule that every bucket between a key's home and its slot is full (see
/// [`remove`](Self::remove)).
#[derive(Debug, Default)]
struct Table {
    /// `start` unused slots (to align line 0 to 64 bytes), the home slots, the overflow.
    slots: Vec<u64>,
    start: usize,
    /// Home slots: a power of two, or 0 for an empty table.
    homes: usize,
    /// What a key shifted past its shard bits is shifted right by to give its bucket, and the
    /// most keys before the table doubles (7/8 of `homes`): kept, as every probe needs them.
    bucket_shift: u32,
    limit: usize,
    /// The keys that found every bucket to the end full; almost always empty.
    spill: Vec<u64>,
    len: usize,
}

/// Slots per bucket: 64 bytes, one cache line.
const LINE: usize = 8;
/// Overflow slots after the home slots, for the keys whose buckets up to the end are full.
const PAD: usize = 2 * LINE;

impl Table {
    fn with_slots(homes: usize) -> Self {
        // One line more than needed, to start at a line boundary whatever the allocator
        // returns.
        let mut slots = vec![0u64; LINE - 1 + homes + PAD];
        let start = slots.as_ptr().align_offset(64).min(LINE - 1);
        slots.truncate(start + homes + PAD);
        Table {
            slots,
            start,
            homes,
            bucket_shift: 64 - homes.trailing_zeros() + LINE.trailing_zeros(),
            limit: homes / 8 * 7,
            spill: Vec::new(),
            len: 0,
        }
    }

    /// Bytes held, alignment, overflow and spill included.
    fn bytes(&self) -> u64 {
        (self.slots.capacity() + self.spill.capacity()) as u64 * 8
    }

    /// Slots from line 0 on; a position at or past it is in the spill.
    fn end(&self) -> usize {
        self.slots.len() - self.start
    }

    /// The home bucket of `key`: the top bits chose the shard, the next ones choose it.
    #[inline(always)]
    fn bucket(&self, key: u64) -> usize {
        ((key << SHARD_BITS) >> self.bucket_shift) as usize
    }

    /// The slots, from line 0 on.
    fn lines(&self) -> &[u64] {
        &self.slots[self.start..]
    }

    fn contains(&self, key: u64) -> bool {
        self.homes != 0 && self.find(key).1
    }

    /// The position holding `key`, or the free one where it would go (from
    /// [`end`](Self::end) on: in the spill); the table must not be empty, and `key` not 0.
    #[inline(always)]
    fn find(&self, key: u64) -> (usize, bool) {
        let lines = self.lines();
        let mut b = self.bucket(key);
        while let Some(line) = lines.get(b * LINE..b * LINE + LINE) {
            let (hit, free) = line_masks(line.try_into().expect("a line"), key);
            if hit != 0 {
                return (b * LINE + hit.trailing_zeros() as usize / 2, true);
            }
            if free != 0 {
                return (b * LINE + free.trailing_zeros() as usize / 2, false);
            }
            b += 1;
        }
        let end = lines.len();
        match self.spill.iter().position(|&k| k == key) {
            Some(j) => (end + j, true),
            None => (end + self.spill.len(), false),
        }
    }

    /// Stores `key` at the free position `i` from [`find`](Self::find).
    #[inline(always)]
    fn put(&mut self, i: usize, key: u64) {
        match self.slots.get_mut(self.start + i) {
            Some(slot) => *slot = key,
            None => self.spill.push(key),
        }
        self.len += 1;
    }

    /// Removes `key` if stored. The freed slot may break the rule that the buckets between a
    /// key's home and its slot are full, for keys further on in the run of full buckets that
    /// follows (or in the spill): one of them whose home is at or before the hole moves into
    /// it, which leaves a new hole, and so on until a bucket that had a free slot.
    fn remove(&mut self, key: u64) {
        if self.homes == 0 {
            return;
        }
        let (i, found) = self.find(key);
        if !found {
            return;
        }
        self.len -= 1;
        let end = self.end();
        if i >= end {
            self.spill.swap_remove(i - end);
            return;
        }
        let shift = self.homes.trailing_zeros();
        let bucket_of = |k: u64| ((k << SHARD_BITS) >> (64 - shift)) as usize / LINE;
        let start = self.start;
        let slots = &mut self.slots[start..];
        let mut hole = i;
        let mut b = hole / LINE + 1;
        loop {
            let Some(line) = slots.get(b * LINE..b * LINE + LINE) else {
                // Past the last bucket: the spill's keys went through every bucket.
                if let Some(j) = self.spill.iter().position(|&k| bucket_of(k) <= hole / LINE) {
                    slots[hole] = self.spill.swap_remove(j);
                    return;
                }
                break;
            };
            let mover = line
                .iter()
                .position(|&k| k != 0 && bucket_of(k) <= hole / LINE);
            let had_free = line.contains(&0);
            if let Some(j) = mover {
                slots[hole] = slots[b * LINE + j];
                hole = b * LINE + j;
            }
            if had_free {
                break;
            }
            b += 1;
        }
        slots[hole] = 0;
    }

    fn needs_growth(&self) -> bool {
        self.len >= self.limit
    }

    /// The keys, in no particular order.
    fn keys(&self) -> impl Iterator<Item = u64> + '_ {
        let slots = self.lines().iter().copied().filter(|&k| k != 0);
        slots.chain(self.spill.iter().copied())
    }

    /// The keys, ascending: what an index file holds, the same for the same set.
    fn sorted_keys(&self) -> Vec<u64> {
        let mut keys: Vec<u64> = self.keys().collect();
        keys.sort_unstable();
        keys
    }

    /// Fills an empty table with the keys of `old`, counting the keys of each bucket in `used`
    /// (one per bucket) rather than reading the lines: with no key removed, a bucket fills
    /// from its first slot on.
    fn fill(&mut self, old: &Table, mut used: Vec<u8>) {
        debug_assert_eq!(used.len(), self.end() / LINE);
        // A key's bucket straight from its hash: the home slot's bits less a line's.
        let shift = self.bucket_shift;
        let start = self.start;
        let lines = &mut self.slots[start..];
        let mut past_end = Vec::new();
        // One plain loop over the old slots, one over its spill: a growing table rehashes
        // every key it holds, and this is most of the cost of growing.
        let mut place = |k: u64| {
            let mut b = ((k << SHARD_BITS) >> shift) as usize;
            loop {
                match used.get_mut(b) {
                    Some(n) if usize::from(*n) == LINE => b += 1,
                    Some(n) => {
                        lines[b * LINE + usize::from(*n)] = k;
                        *n += 1;
                        return;
                    }
                    None => return past_end.push(k),
                }
            }
        };
        for &k in old.lines() {
            if k != 0 {
                place(k);
            }
        }
        old.spill.iter().for_each(|&k| place(k));
        // Every key of `old` was placed, but those past the end: no count per key.
        self.len += old.len - past_end.len();
        for k in past_end {
            self.put(self.end() + self.spill.len(), k);
        }
    }

    fn hint(&self) -> u64 {
        if self.homes == 0 {
            return 0;
        }
        let exp = u64::from(self.homes.trailing_zeros());
        (exp << 56) | (self.lines().as_ptr() as u64 & ((1 << 56) - 1))
    }
}

/// Which slots of a line hold `key`, and which are free (0), as bit `2j` for slot `j`: a line
/// at a time, without a branch per slot. SSE2 compares the 32-bit halves of 4 slots at once,
/// packs the results of the 8 slots into one 16-bit mask (bits `2j` and `2j + 1` for the
/// halves of slot `j`), and a slot matches when both halves do.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn line_masks(line: &[u64; LINE], key: u64) -> (u32, u32) {
    use core::arch::x86_64::*;
    // SAFETY: SSE2 is part of the x86_64 baseline; the four unaligned loads read the 64
    // bytes of `line`.
    let (hit, free) = unsafe {
        let p = line.as_ptr().cast::<__m128i>();
        let v = [0, 1, 2, 3].map(|i| _mm_loadu_si128(p.add(i)));
        let k = _mm_set1_epi64x(key as i64);
        let zero = _mm_setzero_si128();
        let mask = |x: __m128i| {
            let e = v.map(|r| _mm_cmpeq_epi32(r, x));
            let lo = _mm_packs_epi32(e[0], e[1]);
            let hi = _mm_packs_epi32(e[2], e[3]);
            _mm_movemask_epi8(_mm_packs_epi16(lo, hi)) as u32
        };
        (mask(k), mask(zero))
    };
    let both = |m: u32| m & (m >> 1) & 0x5555;
    (both(hit), both(free))
}

/// [`line_masks`], a slot at a time (other targets, and the reference for its test).
#[cfg_attr(target_arch = "x86_64", allow(dead_code))]
fn line_masks_slots(line: &[u64; LINE], key: u64) -> (u32, u32) {
    let (mut hit, mut free) = (0u32, 0u32);
    for (j, &s) in line.iter().enumerate() {
        hit |= u32::from(s == key) << (2 * j);
        free |= u32::from(s == 0) << (2 * j);
    }
    (hit, free)
}

#[cfg(not(target_arch = "x86_64"))]
#[inline(always)]
fn line_masks(line: &[u64; LINE], key: u64) -> (u32, u32) {
    line_masks_slots(line, key)
}

fn key(h: u64) -> u64 {
    if h == 0 {
        1
    } else {
        h
    }
}

fn shard_of(key: u64) -> usize {
    (key >> (64 - SHARD_BITS)) as usize
}

fn stripe_of(key: u64) -> usize {
    (key >> (64 - STRIPE_BITS)) as usize
}

/// A hint to load the cache line at `addr`; it never faults, whatever the address.
#[inline(always)]
pub(crate) fn prefetch(addr: u64) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch is only a hint: it dereferences nothing and cannot fault, and SSE is
    // part of the x86_64 baseline.
    unsafe {
        use core::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        _mm_prefetch::<_MM_HINT_T0>(addr as *const i8);
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = addr;
}

/// Buffers reused by the batch operations of one thread, so a page costs no allocation.
#[derive(Default)]
struct Scratch {
    batch: Batch,
    flags: Vec<bool>,
    inserts: Vec<u64>,
    page: PageFlags,
    distinct: DistinctMap,
}

/// Per-shingle flags of the page being decided.
#[derive(Default)]
struct PageFlags {
    /// By distinct number: a kept paragraph of the page has it.
    kept: Vec<bool>,
    /// By position in a paragraph: seen before the page.
    prior: Vec<bool>,
    /// By position in a paragraph: seen before the page or earlier in it.
    seen: Vec<bool>,
}

/// The shingles of a page's kept paragraphs, from [`DedupIndex::prepare`], for
/// [`DedupIndex::apply`]. Each shingle also has the number of its first occurrence among the
/// page's distinct shingles, so that the ordered step stores and looks up each distinct
/// shingle once and tells the page's own repeats with a flag by number rather than a set of
/// hashes.
#[derive(Debug, Clone, Default)]
pub struct Prepared {
    /// The shingle hashes of the kept paragraphs, one paragraph after another.
    shingles: Vec<u64>,
    /// Per paragraph: where its shingles end in `shingles` (none for a dropped paragraph).
    ends: Vec<u32>,
    /// Per shingle: its distinct number, in order of first occurrence (by stored key).
    ids: Vec<u32>,
    /// Per distinct number: its stored key (so in order of first occurrence). Gathered here,
    /// in parallel, rather than in the ordered step that stores them.
    keys: Vec<u64>,
}

/// A position or count of shingles in a page, as stored in a [`Prepared`].
fn position(n: usize) -> u32 {
    u32::try_from(n).expect("fewer than 2^32 shingles in a page")
}

impl Prepared {
    /// The shingle positions of each paragraph.
    fn ranges(&self) -> impl Iterator<Item = std::ops::Range<usize>> + '_ {
        let starts = std::iter::once(0).chain(self.ends.iter().copied());
        starts.zip(&self.ends).map(|(a, &b)| a as usize..b as usize)
    }

    /// Numbers the shingles by distinct stored key.
    fn number_distinct(&mut self, map: &mut DistinctMap) {
        let n = self.shingles.len();
        map.reset(n);
        // Filled in place rather than pushed: no capacity check per shingle.
        self.ids.clear();
        self.ids.resize(n, 0);
        self.keys.clear();
        self.keys.resize(n, 0);
        let mut count = 0;
        for (id, &h) in self.ids.iter_mut().zip(&self.shingles) {
            let k = key(h);
            let (got, new) = map.id(k, count as u32);
            *id = got;
            // Written whether or not it is new, and kept only if it is: no branch. `count`
            // is at most the shingle's position, so within `keys`.
            self.keys[count] = k;
            count += usize::from(new);
        }
        self.keys.truncate(count);
    }

    /// The same with only the paragraphs for which `keep` is true.
    fn only(&self, keep: &[bool]) -> Prepared {
        let mut out = Prepared::default();
        for (i, range) in self.ranges().enumerate() {
            if keep.get(i).copied().unwrap_or(false) {
                out.shingles.extend_from_slice(&self.shingles[range]);
            }
            out.ends.push(position(out.shingles.len()));
        }
        let mut map = DistinctMap::default();
        out.number_distinct(&mut map);
        out
    }
}

/// Distinct numbers of a page's keys: linear probing over a buffer reused from page to page,
/// at most half full.
#[derive(Default)]
struct DistinctMap {
    /// Key and number; key 0 marks a free slot. No padding, so that emptying is a memset.
    slots: Vec<[u64; 2]>,
}

impl DistinctMap {
    /// Empties the map, with room for `n` keys.
    fn reset(&mut self, n: usize) {
        self.slots.clear();
        self.slots
            .resize((2 * n).next_power_of_two().max(16), [0, 0]);
    }

    /// The number of `k` (not 0), and whether it is new: then it gets `next`.
    #[inline(always)]
    fn id(&mut self, k: u64, next: u32) -> (u32, bool) {
        let mask = self.slots.len() - 1;
        let mut i = (k >> (64 - self.slots.len().trailing_zeros())) as usize;
        loop {
            let slot = &mut self.slots[i];
            if slot[0] == k {
                return (slot[1] as u32, false);
            }
            if slot[0] == 0 {
                *slot = [k, u64::from(next)];
                return (next, true);
            }
            i = (i + 1) & mask;
        }
    }
}

/// The keys of a batch and their order by stripe.
#[derive(Default)]
struct Batch {
    keys: Vec<u64>,
    order: Vec<u32>,
    /// Where each stripe's indices start in `order`.
    starts: [u32; STRIPES + 1],
}

/// Buffers above this many elements are given back after use: a huge page must not pin its
/// memory for the rest of the run.
const SCRATCH_KEEP: usize = 1 << 16;

impl Scratch {
    fn trim(&mut self) {
        self.batch.keys.shrink_to(SCRATCH_KEEP);
        self.batch.order.shrink_to(SCRATCH_KEEP);
        self.flags.shrink_to(SCRATCH_KEEP);
        self.inserts.shrink_to(SCRATCH_KEEP);
        self.page.kept.shrink_to(SCRATCH_KEEP);
        self.page.prior.shrink_to(SCRATCH_KEEP);
        self.page.seen.shrink_to(SCRATCH_KEEP);
        self.distinct.slots.shrink_to(SCRATCH_KEEP);
    }
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

/// Runs `f` with this thread's scratch buffers (fresh ones if they are already in use).
fn with_scratch<R>(f: impl FnOnce(&mut Scratch) -> R) -> R {
    SCRATCH.with(|s| match s.try_borrow_mut() {
        Ok(mut s) => {
            let r = f(&mut s);
            s.trim();
            r
        }
        Err(_) => f(&mut Scratch::default()),
    })
}

impl Exact {
    fn new(budget: Option<u64>) -> Self {
        Exact {
            stripes: (0..STRIPES)
                .map(|_| Mutex::new(Stripe::default()))
                .collect(),
            hints: (0..SHARDS).map(|_| AtomicU64::new(0)).collect(),
            budget,
            allocated: AtomicU64::new(0),
            full: AtomicBool::new(false),
            refused: AtomicU64::new(0),
        }
    }

    fn lock(&self, stripe: usize) -> std::sync::MutexGuard<'_, Stripe> {
        self.stripes[stripe].lock().expect("dedup shard poisoned")
    }

    fn prefetch(&self, key: u64) {
        let hint = self.hints[shard_of(key)].load(Ordering::Relaxed);
        if hint != 0 {
            let exp = (hint >> 56) as u32;
            let home = (key << SHARD_BITS) >> (64 - exp);
            let line = (hint & ((1 << 56) - 1)).wrapping_add(home / LINE as u64 * 64);
            // A probe ends in the next line often enough that fetching it too pays.
            prefetch(line);
            prefetch(line.wrapping_add(64));
        }
    }

    fn contains(&self, h: u64) -> bool {
        let key = key(h);
        self.lock(stripe_of(key))[shard_of(key) % TABLES_PER_STRIPE].contains(key)
    }

    /// Sets `out[i]` to whether `hashes[i]` is stored: every slot is prefetched first, then
    /// each stripe is locked once.
    fn contains_many(&self, hashes: &[u64], out: &mut Vec<bool>, s: &mut Batch) {
        out.clear();
        out.resize(hashes.len(), false);
        self.sort(hashes, s);
        self.for_each_stripe(s, |stripe, keys, order| {
            let t = self.lock(stripe);
            for &i in order {
                let k = keys[i as usize];
                out[i as usize] = t[shard_of(k) % TABLES_PER_STRIPE].contains(k);
            }
        });
    }

    /// Stores `hashes`, in order (which matters only when the budget refuses some).
    fn insert_many(&self, hashes: &[u64], s: &mut Batch) {
        self.sort(hashes, s);
        self.insert_sorted(s);
    }

    /// Stores the keys of the last batch sorted by [`sort`](Self::sort) again: a page whose
    /// every shingle is kept skips a second sort.
    fn insert_sorted(&self, s: &Batch) {
        self.for_each_stripe(s, |stripe, keys, order| {
            let mut t = self.lock(stripe);
            for &i in order {
                self.insert_locked(&mut t, keys[i as usize]);
            }
        });
    }

    /// Orders the keys of `hashes` by stripe (keeping input order within one), prefetching
    /// every key's home slot.
    fn sort(&self, hashes: &[u64], s: &mut Batch) {
        let Batch {
            keys,
            order,
            starts,
        } = s;
        keys.clear();
        keys.extend(hashes.iter().map(|&h| key(h)));
        let mut counts = [0u32; STRIPES + 1];
        for &k in keys.iter() {
            self.prefetch(k);
            counts[stripe_of(k) + 1] += 1;
        }
        for i in 1..=STRIPES {
            counts[i] += counts[i - 1];
        }
        *starts = counts;
        order.clear();
        order.resize(keys.len(), 0);
        for (i, &k) in keys.iter().enumerate() {
            let c = &mut counts[stripe_of(k)];
            order[*c as usize] = i as u32;
            *c += 1;
        }
    }

    /// Calls `f(stripe, keys, indices)` for each stripe of a sorted batch, with the indices
    /// of its keys in input order.
    fn for_each_stripe(&self, s: &Batch, mut f: impl FnMut(usize, &[u64], &[u32])) {
        for stripe in 0..STRIPES {
            let range = s.starts[stripe] as usize..s.starts[stripe + 1] as usize;
            if !range.is_empty() {
                f(stripe, &s.keys, &s.order[range]);
            }
        }
    }

    fn insert(&self, h: u64) {
        let key = key(h);
        let mut t = self.lock(stripe_of(key));
        self.insert_locked(&mut t, key);
    }

    /// Stores `key`; true if it was not stored before and now is (false: already there, or
    /// refused by the budget).
    #[inline(always)]
    fn insert_locked(&self, stripe: &mut Stripe, key: u64) -> bool {
        let shard = shard_of(key);
        let t = &mut stripe[shard % TABLES_PER_STRIPE];
        if t.homes != 0 {
            let (i, found) = t.find(key);
            if found {
                return false;
            }
            if !t.needs_growth() {
                if i < t.end() {
                    t.put(i, key);
                    return true;
                }
                return self.spill(t, i, key);
            }
        }
        self.insert_growing(t, shard, key)
    }

    /// Grows `t` (if the budget allows) and stores `key`, which it does not hold.
    #[cold]
    fn insert_growing(&self, t: &mut Table, shard: usize, key: u64) -> bool {
        if !self.grow(t) {
            self.refuse();
            return false;
        }
        self.hints[shard].store(t.hint(), Ordering::Relaxed);
        match t.find(key).0 {
            i if i < t.end() => {
                t.put(i, key);
                true
            }
            i => self.spill(t, i, key),
        }
    }

    /// Stores `key` in the spill of `t`, which grows rarely, but within the budget too.
    #[cold]
    fn spill(&self, t: &mut Table, i: usize, key: u64) -> bool {
        if t.spill.len() == t.spill.capacity() {
            let more = t.spill.capacity().max(4);
            if !self.reserve(more as u64 * 8) {
                self.refuse();
                return false;
            }
            t.spill.reserve_exact(more);
        }
        t.put(i, key);
        true
    }

    /// Every lock, taken in stripe order (so two threads doing this never deadlock).
    fn lock_all(&self) -> [std::sync::MutexGuard<'_, Stripe>; STRIPES] {
        std::array::from_fn(|s| self.lock(s))
    }

    /// Stores the distinct `keys` in order under `locks`, prefetching a few keys ahead, and
    /// sets `before[u]` to whether the `u`-th was stored before this call.
    fn insert_distinct(
        &self,
        locks: &mut [std::sync::MutexGuard<'_, Stripe>; STRIPES],
        keys: &[u64],
        before: &mut Vec<bool>,
    ) {
        const AHEAD: usize = 16;
        before.clear();
        before.reserve(keys.len());
        keys.iter().take(AHEAD).for_each(|&k| self.prefetch(k));
        for (i, &k) in keys.iter().enumerate() {
            if let Some(&next) = keys.get(i + AHEAD) {
                self.prefetch(next);
            }
            before.push(!self.insert_locked(&mut locks[stripe_of(k)], k));
        }
    }

    /// Removes `keys` (stored, all of them) under `locks`.
    fn remove_all(
        &self,
        locks: &mut [std::sync::MutexGuard<'_, Stripe>; STRIPES],
        keys: impl Iterator<Item = u64>,
    ) {
        for k in keys {
            let k = key(k);
            locks[stripe_of(k)][shard_of(k) % TABLES_PER_STRIPE].remove(k);
        }
    }

    fn refuse(&self) {
        self.full.store(true, Ordering::Relaxed);
        self.refused.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts `bytes` more, if the budget allows.
    fn reserve(&self, bytes: u64) -> bool {
        self.allocated
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |a| {
                let after = a + bytes;
                self.budget.is_none_or(|b| after <= b).then_some(after)
            })
            .is_ok()
    }

    /// Doubles a table, if the budget allows the new table next to all the others (the old
    /// one included, until it is freed).
    fn grow(&self, t: &mut Table) -> bool {
        let homes = (t.homes * 2).max(MIN_SLOTS);
        // What `with_slots` allocates, and the fill counts (one byte a bucket) while filling.
        let bytes = (LINE - 1 + homes + PAD) as u64 * 8;
        let counts = (homes + PAD) / LINE;
        if !self.reserve(bytes + counts as u64) {
            return false;
        }
        let mut new = Table::with_slots(homes);
        new.fill(t, vec![0; counts]);
        // The allocator may round up, and a spill at half the load is vanishingly rare, but
        // the count must be exact.
        self.allocated
            .fetch_add(new.bytes() - bytes, Ordering::Relaxed);
        self.allocated.fetch_sub(counts as u64, Ordering::Relaxed);
        let old = std::mem::replace(t, new);
        self.allocated.fetch_sub(old.bytes(), Ordering::Relaxed);
        true
    }

    fn len(&self) -> u64 {
        (0..STRIPES)
            .map(|s| self.lock(s).iter().map(|t| t.len as u64).sum::<u64>())
            .sum()
    }

    fn clear(&self) {
        for s in 0..STRIPES {
            let mut stripe = self.lock(s);
            for (j, t) in stripe.iter_mut().enumerate() {
                self.allocated.fetch_sub(t.bytes(), Ordering::Relaxed);
                *t = Table::default();
                self.hints[s * TABLES_PER_STRIPE + j].store(0, Ordering::Relaxed);
            }
        }
        self.full.store(false, Ordering::Relaxed);
    }
}

/// A Bloom filter over atomic words: inserts are lock-free and commutative.
#[derive(Debug)]
struct Bloom {
    words: Box<[AtomicU64]>,
    bits: u64,
    k: u32,
    /// Inserts that set at least one new bit: about the number of distinct items.
    inserted: AtomicU64,
}

impl Bloom {
    fn new(bits: u64, k: u32) -> Self {
        Bloom {
            words: (0..bits / 64).map(|_| AtomicU64::new(0)).collect(),
            bits,
            k,
            inserted: AtomicU64::new(0),
        }
    }

    /// The `k` bit positions by double hashing (Kirsch–Mitzenmacher) of one 64-bit hash.
    fn positions(&self, h: u64) -> impl Iterator<Item = u64> + '_ {
        let h2 = xxh3_64(&h.to_le_bytes()) | 1;
        (0..u64::from(self.k)).map(move |i| {
            let x = h.wrapping_add(i.wrapping_mul(h2));
            ((u128::from(x) * u128::from(self.bits)) >> 64) as u64
        })
    }

    fn prefetch(&self, h: u64) {
        if let Some(p) = self.positions(h).next() {
            prefetch(self.words.as_ptr() as u64 + p / 64 * 8);
        }
    }

    fn contains(&self, h: u64) -> bool {
        self.positions(h)
            .all(|p| self.words[(p / 64) as usize].load(Ordering::Relaxed) & (1 << (p % 64)) != 0)
    }

    fn insert(&self, h: u64) {
        let mut new = false;
        for p in self.positions(h) {
            let bit = 1 << (p % 64);
            new |= self.words[(p / 64) as usize].fetch_or(bit, Ordering::Relaxed) & bit == 0;
        }
        if new {
            self.inserted.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Estimated share of bits set: 1 − e^(−k·n/m).
    fn fill(&self) -> f64 {
        let n = self.inserted.load(Ordering::Relaxed) as f64;
        1.0 - (-(f64::from(self.k)) * n / self.bits as f64).exp()
    }

    fn clear(&self) {
        for w in self.words.iter() {
            w.store(0, Ordering::Relaxed);
        }
        self.inserted.store(0, Ordering::Relaxed);
    }
}

/// Whether a paragraph whose shingles were seen as `seen` says is a copy: more than
/// `threshold` of them seen, or more than 70% of that share when the seen shingles reach
/// into both the first and the last third of the paragraph. Editing one word in ten breaks up to half of
/// the 5-word shingles, so a near copy can fall under the threshold; but its surviving
/// shingles are everywhere, whereas a new paragraph that merely shares a stock phrase or
/// two, or quotes a sentence, has them in one or two places.
fn is_duplicate(seen: &[bool], threshold: f32) -> bool {
    let n = seen.len();
    if n == 0 {
        return false;
    }
    let hits = seen.iter().filter(|&&f| f).count() as f32;
    if hits > threshold * n as f32 {
        return true;
    }
    if n < 6 || hits <= 0.7 * threshold * n as f32 {
        return false;
    }
    let third = n.div_ceil(3);
    seen[..third].iter().any(|&f| f) && seen[n - third..].iter().any(|&f| f)
}

/// Word `n`-gram shingles of `text`, hashed: each lower-cased word is hashed once
/// ([`word_hash`]), and each window of `n` word hashes gives one shingle hash (a polynomial
/// rolling hash of the window, then a 64-bit finaliser). Fewer than `n` words give no
/// shingle: such a paragraph is never a duplicate.
pub fn shingles(text: &str, n: usize) -> Vec<u64> {
    let mut out = Vec::new();
    with_word_scratch(|s| shingles_with(text, n, s, &mut out));
    out
}

/// Runs `f` with this thread's word buffers (fresh ones if they are already in use).
fn with_word_scratch<R>(f: impl FnOnce(&mut WordScratch) -> R) -> R {
    thread_local! {
        static SCRATCH: RefCell<WordScratch> = RefCell::new(WordScratch::default());
    }
    SCRATCH.with(|s| match s.try_borrow_mut() {
        Ok(mut s) => {
            let r = f(&mut s);
            s.trim();
            r
        }
        Err(_) => f(&mut WordScratch::default()),
    })
}

/// Buffers of [`shingles`], reused from paragraph to paragraph.
#[derive(Default)]
struct WordScratch {
    words: Vec<u64>,
    spans: crate::segment::Spans,
    lower: String,
}

impl WordScratch {
    fn trim(&mut self) {
        self.words.clear();
        self.words.shrink_to(SCRATCH_KEEP);
        self.spans.trim(SCRATCH_KEEP);
        self.lower.shrink_to(SCRATCH_KEEP);
    }
}

/// The multiplier of the rolling shingle hash (odd).
const ROLL: u64 = 0x9E37_79B9_7F4A_7C15;

/// Appends the shingles of `text` to `out`.
fn shingles_with(text: &str, n: usize, s: &mut WordScratch, out: &mut Vec<u64>) {
    s.words.clear();
    word_hashes(text, s);
    roll_shingles(&s.words, n, out);
}

/// Appends the shingles of the word hashes `words` (of [`word_hash_at`]) to `out`.
fn roll_shingles(words: &[u64], n: usize, out: &mut Vec<u64>) {
    // Too short to be evidence of copying: headings like "Pros" repeat legitimately, and
    // repeated boilerplate is the classifier's job.
    if words.len() < n {
        return;
    }
    // h = w[i]·ROLL^(n−1) + … + w[i+n−1]: two multiplies per word whatever `n`. The
    // finaliser then spreads every bit, as the shard (top bits) and the sample (low bits)
    // need.
    let oldest = ROLL.wrapping_pow(n as u32 - 1);
    let mut h = 0u64;
    for &w in &words[..n - 1] {
        h = h.wrapping_mul(ROLL).wrapping_add(w);
    }
    out.extend(words[n - 1..].iter().zip(words).map(|(&w, &old)| {
        h = h.wrapping_mul(ROLL).wrapping_add(w);
        let shingle = mix(h);
        h = h.wrapping_sub(old.wrapping_mul(oldest));
        shingle
    }));
}

/// Appends the hashes of the lower-cased words of `text` to `s.words`: the words of
/// [`segment::words`](crate::segment::words), cut the same way. ASCII stretches (up to the
/// space before a non-ASCII character) are cut 64 bytes at a time and their words hashed
/// straight from the text; the pieces with a non-ASCII character go through
/// `unicode-segmentation`.
fn word_hashes(text: &str, s: &mut WordScratch) {
    let mut rest = text;
    while !rest.is_empty() {
        let (piece, ascii, after) = crate::segment::next_piece(rest);
        rest = after;
        if ascii {
            ascii_word_hashes(piece.as_bytes(), s);
            continue;
        }
        for w in unicode_segmentation::UnicodeSegmentation::unicode_words(piece) {
            // `w` is a piece of `text`.
            let at = w.as_ptr() as usize - text.as_ptr() as usize;
            s.words.push(word_hash_at(text, at, w.len(), &mut s.lower));
        }
    }
}

fn ascii_word_hashes(text: &[u8], s: &mut WordScratch) {
    let words = &mut s.words;
    // A word takes at least 2 bytes with its separator.
    words.reserve(text.len() / 2 + 1);
    crate::segment::for_each_ascii_word(text, &mut s.spans, |a, b| {
        words.push(ascii_word_hash(text, a, b - a));
    });
}

/// splitmix64's finaliser: a bijection that spreads every input bit over the output.
fn mix(mut h: u64) -> u64 {
    h = (h ^ (h >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    h = (h ^ (h >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    h ^ (h >> 31)
}

/// Keys of [`word_hash`] (wyhash's secrets). Each has a control byte that no word has, so
/// no word's half can cancel its key to 0.
const WORD_KEYS: [u64; 3] = [
    0xA076_1D64_78BD_642F,
    0xE703_7ED1_A0B4_28DB,
    0x8EBC_6AF0_9C88_C6E3,
];

/// 64×64 → 128-bit multiply, folded: the two halves xor-ed.
#[inline(always)]
fn fold_mul(a: u64, b: u64) -> u64 {
    let r = u128::from(a) * u128::from(b);
    (r as u64) ^ ((r >> 64) as u64)
}

/// The hash of a word of up to 16 bytes, given as two little-endian, zero-padded halves.
/// Words have no NUL byte, so the halves identify the word.
#[inline(always)]
fn hash16(lo: u64, hi: u64) -> u64 {
    fold_mul(lo ^ WORD_KEYS[0], hi ^ WORD_KEYS[1])
}

/// The hash of a lower-cased word (index format 2): one folded 128-bit multiply of its two
/// 8-byte halves for a word of up to 16 bytes (almost all), chained over 16-byte chunks for a
/// longer one.
pub fn word_hash(word: &[u8]) -> u64 {
    let halves = |chunk: &[u8]| {
        let mut buf = [0u8; 16];
        buf[..chunk.len()].copy_from_slice(chunk);
        (
            u64::from_le_bytes(buf[..8].try_into().expect("8 bytes")),
            u64::from_le_bytes(buf[8..].try_into().expect("8 bytes")),
        )
    };
    if word.len() <= 16 {
        let (lo, hi) = halves(word);
        return hash16(lo, hi);
    }
    let mut h = (word.len() as u64).wrapping_mul(WORD_KEYS[2]);
    for chunk in word.chunks(16) {
        let (lo, hi) = halves(chunk);
        h = fold_mul(lo ^ WORD_KEYS[0], hi ^ WORD_KEYS[1] ^ h);
    }
    h
}

/// The hash that shingling gives the word `text[at..at + len]` (one of
/// [`segment::words`](crate::segment::words)): [`word_hash`] of its lower case. `lower` is
/// scratch space, used for a word that is not ASCII.
#[inline(always)]
pub(crate) fn word_hash_at(text: &str, at: usize, len: usize, lower: &mut String) -> u64 {
    let word = &text[at..at + len];
    if word.is_ascii() {
        ascii_word_hash(text.as_bytes(), at, len)
    } else {
        lowercase_into(word, lower);
        word_hash(lower.as_bytes())
    }
}

/// [`word_hash_at`] of an ASCII word of at most 8 bytes, from its bytes lower-cased and
/// packed little-endian ([`pack_ascii_lower`](crate::language::pack_ascii_lower)): the low
/// half that [`ascii_word_hash`] loads and lower-cases, with an empty high half.
#[inline(always)]
pub(crate) fn packed_word_hash(packed: u64) -> u64 {
    hash16(packed, 0)
}

/// The word hashes of a page's paragraphs ([`word_hash_at`]), taken while the classifier
/// measured them, which cuts the same words: shingling then need not cut and hash them
/// again. A paragraph whose measurements were remembered from an earlier page has none.
#[derive(Debug, Default)]
pub(crate) struct PageWords {
    hashes: Vec<u64>,
    /// By paragraph: where its hashes are in `hashes`, or `None` when it has none.
    spans: Vec<Option<(u32, u32)>>,
    /// Where the next paragraph's hashes start.
    next: u32,
}

impl PageWords {
    /// Makes room for `words` more hashes.
    pub(crate) fn reserve(&mut self, words: usize) {
        self.hashes.reserve(words);
    }

    /// The buffer to push the next paragraph's hashes to; then call [`end`](Self::end).
    pub(crate) fn hashes(&mut self) -> &mut Vec<u64> {
        &mut self.hashes
    }

    /// Ends the next paragraph's hashes: those pushed since the paragraph before, or none
    /// when it was not `measured` (and nothing was pushed for it).
    pub(crate) fn end(&mut self, measured: bool) {
        let end = position(self.hashes.len());
        debug_assert!(measured || end == self.next);
        self.spans.push(measured.then_some((self.next, end)));
        self.next = end;
    }

    /// Paragraph `i`'s word hashes, if it has them.
    pub(crate) fn get(&self, i: usize) -> Option<&[u64]> {
        let (start, end) = (*self.spans.get(i)?)?;
        Some(&self.hashes[start as usize..end as usize])
    }
}

/// [`word_hash`] of the ASCII word at `bytes[at..at + len]`, lower-cased on the way: a word
/// of up to 16 bytes is loaded 8 bytes at a time and lower-cased 8 letters at once, with no
/// copy into a `String`.
#[inline(always)]
pub(crate) fn ascii_word_hash(bytes: &[u8], at: usize, len: usize) -> u64 {
    if len > 16 {
        return word_hash(bytes[at..at + len].to_ascii_lowercase().as_slice());
    }
    let load = |b: &[u8]| u64::from_le_bytes(b.try_into().expect("8 bytes"));
    let (lo, hi) = match bytes.get(at..at + 16) {
        // Read past the word (there is text enough), then clear the extra bytes.
        Some(b) => (load(&b[..8]), load(&b[8..])),
        None => {
            let mut buf = [0u8; 16];
            buf[..len].copy_from_slice(&bytes[at..at + len]);
            (load(&buf[..8]), load(&buf[8..]))
        }
    };
    let [keep_lo, keep_hi] = KEEP[len];
    hash16(ascii_lower(lo & keep_lo), ascii_lower(hi & keep_hi))
}

/// The masks that keep the first `len` bytes of two little-endian 8-byte halves, by `len`.
static KEEP: [[u64; 2]; 17] = {
    const fn keep(n: usize) -> u64 {
        if n >= 8 {
            u64::MAX
        } else {
            (1u64 << (8 * n)) - 1
        }
    }
    let mut t = [[0u64; 2]; 17];
    let mut len = 1;
    while len <= 16 {
        t[len] = [keep(len), keep(len.saturating_sub(8))];
        len += 1;
    }
    t
};

/// Lower-cases the 8 ASCII bytes of `x`: `A`–`Z` get bit 5 set.
fn ascii_lower(x: u64) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    // The top bit of each byte of `at_least_a` is set when the byte is >= 'A', of `above_z`
    // when it is > 'Z' (bytes are < 0x80, so the sums never carry into the next byte).
    let at_least_a = x + ONES * (0x80 - u64::from(b'A'));
    let above_z = x + ONES * (0x80 - u64::from(b'Z') - 1);
    let upper = (at_least_a ^ above_z) & (ONES * 0x80);
    x | (upper >> 2)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The word hashes that measuring collects (one pass for the classifier and shingling)
    /// are those that shingling a paragraph's text gives, and so are the shingles made from
    /// them, on random pages of ASCII, plain letters (which the fast word finder takes),
    /// other scripts, joiners and spaces, as text and as HTML.
    #[test]
    fn measured_word_hashes_are_the_shingling_ones() {
        let alphabet = [
            "the ",
            "The ",
            "QUICK ",
            "council ",
            "informationally ",
            "don't ",
            "e.g. ",
            "3.14 ",
            "1,000 ",
            "foo_bar ",
            "a:b ",
            "café ",
            "Ảnh ",
            "và ",
            "của ",
            "Straße ",
            "İstanbul ",
            "naïve ",
            "中文",
            "日本語 ",
            "😀 ",
            "— ",
            "ǅ ",
            "Ωmega ",
            "\u{a0}",
            " ",
            ".",
            ",",
            "!",
            "'",
            "\n",
            "\n\n",
            "abcdefgh ",
            "ABCDEFGHI ",
            "x",
        ];
        let cleaner = crate::Cleaner::new(crate::Config::default());
        let index = DedupIndex::with_options(DedupOptions::default()).unwrap();
        let mut state = 0x5851_f42d_4c95_7f2du64;
        let (mut measured, mut kept) = (0, 0);
        for round in 0..1500 {
            let text = crate::segment::random_text(&mut state, &alphabet, 20 + round % 300);
            let html = round % 5 == 4;
            let input = if html {
                text.split("\n\n").map(|p| format!("<p>{p}</p>")).collect()
            } else {
                text
            };
            let mut words = PageWords::default();
            let page = cleaner.clean_collecting(&input, html, Some(&mut words));
            for (i, p) in page.paragraphs.iter().enumerate() {
                if let Some(hashes) = words.get(i) {
                    measured += 1;
                    let mut s = WordScratch::default();
                    word_hashes(&p.text, &mut s);
                    assert_eq!(hashes, &s.words[..], "{:?}", p.text);
                }
            }
            kept += page.kept().count();
            let with = index.prepare_with(&page, Some(&words));
            let without = index.prepare(&page);
            assert_eq!(with.shingles, without.shingles, "{input:?}");
            assert_eq!(with.ends, without.ends);
            assert_eq!((with.ids, with.keys), (without.ids, without.keys));
        }
        assert!(measured > 3000 && kept > 300, "{measured} {kept}");
    }

    /// A short ASCII word's hash from its packed bytes is the hash from the text.
    #[test]
    fn packed_word_hashes_are_the_text_ones() {
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let letters = ["a", "Z", "q", "7", "_", "M"];
        for len in 1..=8 {
            for _ in 0..200 {
                let w = crate::segment::random_text(&mut state, &letters, len);
                let text = format!("{w} and more text after it");
                assert_eq!(
                    packed_word_hash(crate::language::pack_ascii_lower(&w).unwrap()),
                    ascii_word_hash(text.as_bytes(), 0, len),
                    "{w}"
                );
            }
        }
    }

    #[test]
    fn distinct_numbers_are_those_of_a_hash_map() {
        // Repeats, keys 0 and 1 (the same stored key), and pages past a map's first size.
        let mut x = 0x1234_5678_9ABC_DEF1u64;
        let mut map = DistinctMap::default();
        for len in [0usize, 1, 2, 7, 40, 300, 5000] {
            let shingles: Vec<u64> = (0..len)
                .map(|i| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    match i % 7 {
                        0 => 0,
                        1 => 1,
                        2 => x % 16,
                        _ => x,
                    }
                })
                .collect();
            let mut seen = std::collections::HashMap::new();
            let (mut ids, mut keys) = (Vec::new(), Vec::new());
            for &h in &shingles {
                let next = seen.len() as u32;
                let id = *seen.entry(key(h)).or_insert_with(|| {
                    keys.push(key(h));
                    next
                });
                ids.push(id);
            }
            let mut p = Prepared {
                shingles,
                ..Prepared::default()
            };
            p.number_distinct(&mut map);
            assert_eq!((p.ids, p.keys), (ids, keys), "{len} shingles");
        }
    }

    #[test]
    fn shingle_counts() {
        assert_eq!(shingles("a b c d e f g", 5).len(), 3);
        assert!(shingles("a b", 5).is_empty());
        assert!(shingles(" ,. ", 5).is_empty());
    }

    #[test]
    fn case_and_punctuation_do_not_matter() {
        assert_eq!(
            shingles("Hello, World! Again here now", 5),
            shingles("hello world again here now", 5)
        );
        assert_eq!(
            shingles("Ünïcode Straße WORT über alles", 5),
            shingles("ünïcode straße wort über alles", 5)
        );
    }

    #[test]
    fn ascii_and_unicode_paths_hash_words_alike() {
        // The curly quote sends the second text down the Unicode path; its words are the same.
        let words = "Short ABC defGHIJ exactly8 ninechars sixteen-is-split \
            SixteenLetterWrd SeventeenLettersX a-very-long-word-indeed-yes Zz9_";
        assert_eq!(
            shingles(words, 5),
            shingles(&format!("{words} \u{2019}"), 5)
        );
        assert_eq!(shingles(words, 1).len(), 17);
        // Every length, at every distance from the end of the text.
        let mut s = 11;
        for len in 1..40 {
            let w: String = (0..len)
                .map(|_| b"aZq9_Kx"[(splitmix(&mut s) % 7) as usize] as char)
                .collect();
            let lower = w.to_ascii_lowercase();
            for tail in ["", " x", " 0123456789abcdefghij"] {
                let text = format!("{w}{tail}");
                assert_eq!(
                    ascii_word_hash(text.as_bytes(), 0, len),
                    word_hash(lower.as_bytes()),
                    "{text:?}"
                );
            }
        }
    }

    /// Saved indexes hold these hashes (format 2): [`word_hash`] of each lower-cased word of
    /// `segment::words`, then a polynomial in `ROLL` over each window, finalised.
    #[test]
    fn shingle_hashes_are_those_of_format_2() {
        for text in [
            "The Quick brown FOX jumps over the lazy dog, twice_over; 3.14 times",
            "Don’t PAY $1,000.50 for e.g. ÜBER-cool Straße items, a-very-long-word-indeed",
            "__ _x_ a.b.c 1,2.a 3;4 don't :a: a:b ’quoted’ “Hello” x__ supercalifragilisticexpialidocious",
        ] {
            let words: Vec<u64> = crate::segment::words(text)
                .map(|w| word_hash(w.to_lowercase().as_bytes()))
                .collect();
            for n in [1, 3, 5] {
                let want: Vec<u64> = words
                    .windows(n)
                    .map(|w| {
                        let h = w.iter().fold(0u64, |h, &x| h.wrapping_mul(ROLL).wrapping_add(x));
                        mix(h)
                    })
                    .collect();
                assert_eq!(shingles(text, n), want, "{text}");
            }
        }
        // Pinned: a change here changes the index file format.
        assert_eq!(word_hash(b"quick"), PINNED[0]);
        assert_eq!(word_hash(b"a-very-long-word-indeed"), PINNED[1]);
        assert_eq!(shingles("The quick brown fox jumps", 5), [PINNED[2]]);
    }

    /// The word hashes come from the words of `segment::words`, on mixed ASCII and Unicode
    /// text cut at every kind of place.
    #[test]
    fn word_hashes_follow_segment_words() {
        let alphabet = [
            "a", "Z", "q", "0", "9", "_", ".", ",", ";", ":", "'", "\"", " ", " ", "-", "!", "é",
            "’", "中", "\u{301}", "\u{a0}", "Ü", "ß", "😀", "“", "—", "ab", "Xy",
        ];
        let mut state = 0x2545_F491_4F6C_DD1Du64;
        for len in 0..3000 {
            let mut text = String::new();
            for _ in 0..(len % 90) {
                let i = (splitmix(&mut state) % alphabet.len() as u64) as usize;
                text.push_str(alphabet[i]);
            }
            let want: Vec<u64> = crate::segment::words(&text)
                .map(|w| mix(word_hash(w.to_lowercase().as_bytes())))
                .collect();
            assert_eq!(shingles(&text, 1), want, "{text:?}");
        }
    }

    const PINNED: [u64; 3] = [
        0x28ad_00e2_6786_1c6b,
        0xd3aa_c893_bcb8_b0d2,
        0x2471_be4d_f91c_f91f,
    ];

    #[test]
    fn ascii_lower_matches_the_standard_library() {
        for b in 0u8..0x80 {
            let x = u64::from_le_bytes([b, b'A', b'z', b'@', b'[', b'`', b'{', b]);
            let want = u64::from_le_bytes(
                [b, b'A', b'z', b'@', b'[', b'`', b'{', b].map(|c| c.to_ascii_lowercase()),
            );
            assert_eq!(ascii_lower(x), want, "{b}");
        }
    }

    #[test]
    fn index_is_shareable_between_threads() {
        fn shareable<T: Send + Sync>() {}
        shareable::<DedupIndex>();
    }

    fn page_of(texts: &[&str]) -> Page {
        let mut page = Page::default();
        for (i, t) in texts.iter().enumerate() {
            page.paragraphs.push(CleanParagraph {
                text: (*t).into(),
                line: i + 1,
                lang: None,
                reason: None,
                features: Default::default(),
            });
        }
        page
    }

    /// A paragraph dropped between `prepare` and `apply` counts for nothing, as if it had
    /// been dropped before `prepare`; read-only, a page's own repeats are not duplicates.
    #[test]
    fn apply_follows_the_page_and_read_only_remembers_nothing() {
        let a = "one two three four five six seven eight";
        let b = "alpha beta gamma delta epsilon zeta eta theta";
        let idx = DedupIndex::new(3, 0.5).unwrap();
        let mut page = page_of(&[a, a, b, b]);
        let prepared = idx.prepare(&page);
        page.paragraphs[0].reason = Some(Reason::ShortFragment);
        idx.apply(&mut page, &prepared);
        let reasons: Vec<_> = page.paragraphs.iter().map(|p| p.reason).collect();
        let dup = Some(Reason::Duplicate);
        assert_eq!(reasons, [Some(Reason::ShortFragment), None, None, dup]);
        assert_eq!(idx.len(), 12);

        let read_only = DedupIndex::with_options(DedupOptions {
            shingle_size: 3,
            read_only: true,
            ..DedupOptions::default()
        })
        .unwrap();
        let mut page = page_of(&[a, a, b]);
        read_only.dedup(&mut page);
        assert!(page.paragraphs.iter().all(|p| p.is_kept()));
        assert!(read_only.is_empty());
    }

    #[test]
    fn keep_first() {
        let idx = DedupIndex::new(5, 0.5).unwrap();
        let s = idx.shingles("one two three four five six seven eight");
        assert!(!idx.check_and_insert(&s));
        assert!(idx.check_and_insert(&s));
        assert_eq!(idx.len(), 4);
    }

    #[test]
    fn near_copies_with_scattered_edits_are_duplicates() {
        let idx = DedupIndex::new(5, 0.5).unwrap();
        let original = "the committee met on tuesday and agreed that the new bridge over the \
            river would be built before the end of next year despite objections from members";
        assert!(!idx.check_and_insert(&idx.shingles(original)));
        // Three words in thirty changed, spread out: under half the shingles survive.
        let edited = "the committee met on monday and agreed that the new bridge over the \
            river would be finished before the end of next year despite protests from members";
        let sh = idx.shingles(edited);
        assert!(idx.seen_count(&sh) * 2 <= sh.len());
        assert!(idx.check_and_insert(&sh));
        // A new paragraph sharing only its opening phrase is not.
        let other = "the committee met on tuesday and agreed that a new school should open \
            in the northern district where families have waited years for places to be found";
        assert!(!idx.check_and_insert(&idx.shingles(other)));
    }

    #[test]
    fn threshold_is_respected() {
        let idx = DedupIndex::new(2, 0.5).unwrap();
        assert!(!idx.check_and_insert(&idx.shingles("a b c d")));
        // shingles: "c d"(seen) "d e" "e f": 1/3 < 0.5
        assert!(!idx.check_and_insert(&idx.shingles("c d e f")));
        // "a b", "b c" seen; "c x" new: 2/3
        assert!(idx.check_and_insert(&idx.shingles("a b c x")));
    }

    #[test]
    fn a_variant_within_a_page_stays_but_not_in_a_later_page() {
        let para = |text: &str| CleanParagraph {
            text: text.into(),
            line: 1,
            lang: None,
            reason: None,
            features: Default::default(),
        };
        let page = |texts: &[&str]| Page {
            paragraphs: texts.iter().map(|t| para(t)).collect(),
            ..Page::default()
        };
        let original = "the large model comes with a steel frame and a ten year warranty and \
            ships in two weeks to every address in the country";
        // Its first 12 of 20 shingles are the original's: over 0.5, not over 0.8 (and not
        // reaching its end, so not a near copy either).
        let variant = "the large model comes with a steel frame and a ten year warranty and \
            ships in three days but the small one waits longer";
        let seen = |idx: &DedupIndex, t: &str| idx.seen_count(&idx.shingles(t));
        for exact_path in [true, false] {
            let options = DedupOptions {
                memory: (!exact_path).then_some(1 << 30),
                ..DedupOptions::default()
            };
            let idx = DedupIndex::with_options(options).unwrap();
            let mut first = page(&[original, variant, original]);
            idx.dedup(&mut first);
            let reasons: Vec<_> = first.paragraphs.iter().map(|p| p.reason).collect();
            assert_eq!(reasons, [None, None, Some(Reason::Duplicate)]);
            assert_eq!(seen(&idx, variant), idx.shingles(variant).len());
            // In a later page, the same variant against the corpus: 0.5 applies.
            let fresh = DedupIndex::with_options(DedupOptions {
                memory: (!exact_path).then_some(1 << 30),
                ..DedupOptions::default()
            })
            .unwrap();
            fresh.dedup(&mut page(&[original]));
            let mut later = page(&[variant]);
            fresh.dedup(&mut later);
            assert_eq!(later.paragraphs[0].reason, Some(Reason::Duplicate));
            // The in-page threshold is never below the corpus one.
            let strict = DedupIndex::with_options(DedupOptions {
                threshold: 0.9,
                page_threshold: 0.3,
                ..DedupOptions::default()
            })
            .unwrap();
            let mut both = page(&[original, variant]);
            strict.dedup(&mut both);
            assert!(both.paragraphs.iter().all(|p| p.is_kept()));
        }
    }

    #[test]
    fn bad_options_refused() {
        assert!(DedupIndex::new(0, 0.5).is_err());
        assert!(DedupIndex::new(5, -0.1).is_err());
        assert!(DedupIndex::new(5, 1.0).is_err());
        assert!(DedupIndex::new(5, 1.5).is_err());
        let bloom = DedupOptions {
            mode: DedupMode::Bloom,
            ..DedupOptions::default()
        };
        assert!(DedupIndex::with_options(bloom).is_err(), "no size given");
    }

    /// A seeded generator (splitmix64), so the test is the same on every run.
    fn splitmix(state: &mut u64) -> u64 {
        *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        mix(*state)
    }

    #[test]
    fn exact_table_stores_every_key() {
        let e = Exact::new(None);
        let mut s = 1;
        let keys: Vec<u64> = (0..100_000).map(|_| splitmix(&mut s)).collect();
        for &k in &keys {
            e.insert(k);
        }
        e.insert(0);
        assert_eq!(e.len(), 100_001);
        assert!(keys.iter().all(|&k| e.contains(k)));
        assert!(e.contains(0));
        for s in 0..STRIPES {
            e.lock(s).iter().for_each(check_buckets);
        }
        assert!((0..10_000).all(|_| !e.contains(splitmix(&mut s))));
        // At most 7/8 full, at least 7/16 after a doubling: 9.1 to 18.3 bytes per key.
        let bytes = e.allocated.load(Ordering::Relaxed) as f64 / 100_001.0;
        assert!((9.1..18.4).contains(&bytes), "{bytes} bytes per key");
    }

    #[test]
    fn runs_past_the_last_slot_spill_and_are_found() {
        let e = Exact::new(None);
        // Shard 0, homes in the last slot whatever the table size: the run must spill.
        let crowded: Vec<u64> = (0..200).map(|i| (1 << 58) - 1 - 3 * i).collect();
        let mut s = 3;
        let spread: Vec<u64> = (0..2000).map(|_| splitmix(&mut s) >> 6).collect();
        for (i, &k) in crowded.iter().enumerate() {
            e.insert(k);
            e.insert(spread[i]);
        }
        let mut batch = Batch::default();
        e.insert_many(&spread[200..], &mut batch);
        let all: Vec<u64> = crowded.iter().chain(&spread).copied().collect();
        let mut found = Vec::new();
        e.contains_many(&all, &mut found, &mut batch);
        assert!(found.iter().all(|&f| f));
        assert!(!e.contains((1 << 58) - 2));
        assert!(!e.contains(5));
        {
            let stripe = e.lock(0);
            let t = &stripe[0];
            assert!(!t.spill.is_empty());
            assert_eq!(t.len, 2200);
            check_buckets(t);
        }
        // Every byte is counted.
        let held: u64 = (0..STRIPES)
            .map(|s| e.lock(s).iter().map(Table::bytes).sum::<u64>())
            .sum();
        assert_eq!(held, e.allocated.load(Ordering::Relaxed));
    }

    #[test]
    fn line_masks_match_the_slot_at_a_time_version() {
        let mut s = 17;
        for _ in 0..20_000 {
            let key = splitmix(&mut s) | 1;
            let mut line = [0u64; LINE];
            for slot in line.iter_mut() {
                *slot = match splitmix(&mut s) % 5 {
                    0 => 0,
                    1 => key,
                    // Half of the key: one 32-bit half equal, the other not.
                    2 => key ^ (1 << 40),
                    3 => key ^ 1,
                    _ => splitmix(&mut s),
                };
            }
            assert_eq!(
                line_masks(&line, key),
                line_masks_slots(&line, key),
                "{line:x?}"
            );
        }
    }

    /// The rule lookups rely on: every bucket from a key's home bucket to the one before its
    /// slot is full (to the last bucket, for a key in the spill); and no key twice.
    fn check_buckets(t: &Table) {
        let lines = t.lines();
        let full = |b: usize| !lines[b * LINE..b * LINE + LINE].contains(&0);
        for (i, &k) in lines.iter().enumerate() {
            if k != 0 {
                assert!((t.bucket(k)..i / LINE).all(full), "key {k:#x} at {i}");
            }
        }
        for &k in &t.spill {
            assert!((t.bucket(k)..lines.len() / LINE).all(full), "spilt {k:#x}");
        }
        let keys = t.sorted_keys();
        assert!(keys.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(keys.len(), t.len);
    }

    /// Removal keeps every other key findable, in crowded runs and the spill too.
    #[test]
    fn removed_keys_go_and_the_others_stay() {
        let mut s = 5;
        for round in 0..20 {
            let e = Exact::new(None);
            // Shard 0: a crowd at the end of the table (it spills) and spread keys.
            let mut keys: Vec<u64> = (0..300).map(|i| (1 << 58) - 1 - 5 * i).collect();
            keys.extend((0..3000).map(|_| splitmix(&mut s) >> 6));
            let mut held: std::collections::HashSet<u64> = std::collections::HashSet::new();
            for &k in &keys {
                e.insert(k);
                held.insert(key(k));
            }
            for (n, &k) in keys.iter().enumerate() {
                if (n as u64 + round) % 3 == 0 {
                    let mut locks = e.lock_all();
                    e.remove_all(&mut locks, std::iter::once(k));
                    held.remove(&key(k));
                }
            }
            let stripe = e.lock(0);
            check_buckets(&stripe[0]);
            drop(stripe);
            for &k in &keys {
                assert_eq!(e.contains(k), held.contains(&key(k)), "{k:#x}");
            }
            assert_eq!(e.len() as usize, held.len());
        }
    }

    /// The one-pass path (no budget) decides every paragraph as the two-pass path (a budget
    /// too large to matter) does, and leaves the same index: pages with repeats inside them,
    /// copies, near copies, and pages the document rule drops.
    #[test]
    fn one_pass_and_two_passes_agree() {
        let mut s = 9;
        let word = |s: &mut u64| format!("w{}", splitmix(s) % 400);
        let mut paragraphs: Vec<String> = Vec::new();
        let mut pages = Vec::new();
        for _ in 0..400 {
            let mut page = Page::default();
            for line in 0..(1 + splitmix(&mut s) % 6) as usize {
                let text = match splitmix(&mut s) % 6 {
                    0 if !paragraphs.is_empty() => {
                        paragraphs[(splitmix(&mut s) % paragraphs.len() as u64) as usize].clone()
                    }
                    1 if !paragraphs.is_empty() => {
                        let p = &paragraphs[(splitmix(&mut s) % paragraphs.len() as u64) as usize];
                        let mut w: Vec<&str> = p.split(' ').collect();
                        let at = (splitmix(&mut s) % w.len() as u64) as usize;
                        w[at] = "edited";
                        w.join(" ")
                    }
                    2 => page
                        .paragraphs
                        .last()
                        .map_or_else(String::new, |p: &CleanParagraph| p.text.to_string()),
                    _ => (0..(3 + splitmix(&mut s) % 20))
                        .map(|_| word(&mut s))
                        .collect::<Vec<_>>()
                        .join(" "),
                };
                paragraphs.push(text.clone());
                page.paragraphs.push(CleanParagraph {
                    text: text.into(),
                    line: line + 1,
                    lang: None,
                    reason: (splitmix(&mut s) % 10 == 0).then_some(Reason::ShortFragment),
                    features: Default::default(),
                });
            }
            pages.push(page);
        }
        for doc in [Some(0.8), Some(0.5), None] {
            let options = DedupOptions {
                shingle_size: 3,
                document_threshold: doc,
                ..DedupOptions::default()
            };
            let one = DedupIndex::with_options(options.clone()).unwrap();
            let two = DedupIndex::with_options(DedupOptions {
                memory: Some(1 << 40),
                ..options
            })
            .unwrap();
            let mut dropped = 0;
            for page in &pages {
                let (mut a, mut b) = (page.clone(), page.clone());
                one.dedup(&mut a);
                two.dedup(&mut b);
                let reasons = |p: &Page| p.paragraphs.iter().map(|q| q.reason).collect::<Vec<_>>();
                assert_eq!(reasons(&a), reasons(&b));
                assert_eq!(a.dropped, b.dropped);
                dropped += a
                    .paragraphs
                    .iter()
                    .filter(|q| q.reason == Some(Reason::Duplicate))
                    .count();
                assert_eq!(one.len(), two.len());
            }
            assert!(dropped > 50, "{dropped}");
            let dir = tempfile::tempdir().unwrap();
            one.save(&dir.path().join("a")).unwrap();
            two.save(&dir.path().join("b")).unwrap();
            assert_eq!(
                std::fs::read(dir.path().join("a")).unwrap(),
                std::fs::read(dir.path().join("b")).unwrap()
            );
        }
    }

    #[test]
    fn exact_budget_stops_growth_and_counts_refusals() {
        let budget = 1 << 20;
        let idx = DedupIndex::with_options(DedupOptions {
            memory: Some(budget),
            ..DedupOptions::default()
        })
        .unwrap();
        let mut s = 7;
        let keys: Vec<u64> = (0..300_000).map(|_| splitmix(&mut s)).collect();
        idx.insert(&keys);
        let st = idx.stats();
        assert!(idx.is_full() && st.full);
        assert!(st.memory_bytes <= budget, "{st:?}");
        assert!(st.refused_inserts > 0);
        assert_eq!(st.entries + st.refused_inserts, 300_000);
        // What was stored is still found.
        let found = keys.iter().filter(|&&k| idx.contains(k)).count() as u64;
        assert_eq!(found, st.entries);
    }

    #[test]
    fn bloom_false_positive_rate_is_near_the_configured_one() {
        for p in [0.01, 0.001] {
            let n = 200_000u64;
            let idx = DedupIndex::with_options(DedupOptions {
                mode: DedupMode::Bloom,
                bloom_items: Some(n),
                bloom_fp_rate: p,
                ..DedupOptions::default()
            })
            .unwrap();
            let mut s = 42;
            let keys: Vec<u64> = (0..n).map(|_| splitmix(&mut s)).collect();
            idx.insert(&keys);
            assert!(keys.iter().all(|&k| idx.contains(k)), "no false negatives");
            let probes = 1_000_000;
            let fp = (0..probes)
                .filter(|_| idx.contains(splitmix(&mut s)))
                .count();
            let rate = fp as f64 / probes as f64;
            assert!(rate > p * 0.7 && rate < p * 1.3, "p={p}: measured {rate}");
            let est = idx.stats().estimated_fp_rate;
            assert!(est > p * 0.8 && est < p * 1.2, "p={p}: estimated {est}");
        }
    }

    #[test]
    fn bloom_geometry_follows_the_formula() {
        let (bits, k) = bloom_geometry(None, Some(1_000_000), 0.01).unwrap();
        // m = −n ln p / (ln 2)² ≈ 9.585 n; k = (m/n) ln 2 ≈ 6.64 → 7
        assert!((9_585_000..9_585_200).contains(&bits), "{bits}");
        assert_eq!(k, 7);
        let (bits, k) = bloom_geometry(Some(1 << 20), None, 0.01).unwrap();
        assert_eq!((bits, k), (8 << 20, 7));
    }

    #[test]
    fn sampling_keeps_a_deterministic_subset() {
        let idx = DedupIndex::with_options(DedupOptions {
            sample: 4,
            ..DedupOptions::default()
        })
        .unwrap();
        let text = "word ".repeat(3) + &(0..400).map(|i| format!("w{i} ")).collect::<String>();
        let all = shingles(&text, 5);
        let kept = idx.shingles(&text);
        assert!(kept.iter().all(|h| h % 4 == 0));
        assert!(kept.len() > all.len() / 8 && kept.len() < all.len() / 2);
        assert_eq!(kept, idx.shingles(&text));
    }
}
