//! Stage 4: drop paragraphs seen before, in this page or earlier in the corpus.
//!
//! A paragraph is cut into word n-gram shingles (words from Unicode segmentation, lower-cased,
//! hashed with xxh3); when more than `threshold` of its shingles are already in the index it is a
//! duplicate, otherwise its shingles are added. Paragraphs shorter than `n` words have no
//! shingle and are never duplicates: too short to be evidence of copying.

use std::collections::HashSet;
use std::sync::Mutex;

use nohash_hasher::BuildNoHashHasher;
use xxhash_rust::xxh3::xxh3_64;

use crate::classify::Reason;
use crate::cleaner::Page;
use crate::error::{Error, Result};
use crate::language::lowercase_into;

const SHARD_BITS: u32 = 4;

/// One lock-protected slice of the hash space; the keys are hashes already, so no rehashing.
type Shard = Mutex<HashSet<u64, BuildNoHashHasher<u64>>>;

/// A shareable index of seen shingles.
///
/// Lookups and inserts lock one of 16 shards at a time (chosen by the hash's top bits), so
/// threads of a crawler can share one index. [`Pipeline`](crate::Pipeline) applies it in input
/// order, which makes its decisions deterministic: the first occurrence is kept.
///
/// ```
/// use gleaner::DedupIndex;
/// let index = DedupIndex::new(5, 0.5).unwrap();
/// let a = index.shingles("The quick brown fox jumps over the lazy dog near the river bank.");
/// assert!(!index.check_and_insert(&a)); // first time: kept, remembered
/// let b = index.shingles("the quick brown fox jumps over the lazy dog near the river!");
/// assert!(index.check_and_insert(&b)); // mostly seen: duplicate
/// ```
#[derive(Debug)]
pub struct DedupIndex {
    shards: Box<[Shard]>,
    shingle_size: usize,
    threshold: f32,
}

impl DedupIndex {
    /// An empty index with shingles of `shingle_size` words; a paragraph with more than
    /// `threshold` (in [0, 1)) of its shingles already seen is a duplicate.
    pub fn new(shingle_size: usize, threshold: f32) -> Result<Self> {
        if shingle_size == 0 {
            return Err(Error::Config("shingle size must be at least 1".into()));
        }
        if !(0.0..1.0).contains(&threshold) {
            return Err(Error::Config(format!(
                "dedup threshold must be in [0, 1), got {threshold}"
            )));
        }
        Ok(DedupIndex {
            shards: (0..1 << SHARD_BITS)
                .map(|_| Mutex::new(HashSet::default()))
                .collect(),
            shingle_size,
            threshold,
        })
    }

    /// The shingle size in words.
    pub fn shingle_size(&self) -> usize {
        self.shingle_size
    }

    /// The share of seen shingles from which a paragraph is a duplicate.
    pub fn threshold(&self) -> f32 {
        self.threshold
    }

    /// The shingle hashes of a paragraph (pure: does not touch the index).
    pub fn shingles(&self, text: &str) -> Vec<u64> {
        shingles(text, self.shingle_size)
    }

    /// Whether a paragraph with these shingles is a duplicate; if it is not, its shingles are
    /// remembered. A paragraph without words is never a duplicate.
    pub fn check_and_insert(&self, shingles: &[u64]) -> bool {
        if shingles.is_empty() {
            return false;
        }
        let seen = shingles
            .iter()
            .filter(|&&h| {
                self.shard(h)
                    .lock()
                    .expect("dedup shard poisoned")
                    .contains(&h)
            })
            .count();
        if seen as f32 > self.threshold * shingles.len() as f32 {
            return true;
        }
        for &h in shingles {
            self.shard(h)
                .lock()
                .expect("dedup shard poisoned")
                .insert(h);
        }
        false
    }

    /// Drops (with [`Reason::Duplicate`]) the kept paragraphs of `page` that were mostly seen
    /// before, remembering the others, in page order; then settles the page (a page left
    /// empty is dropped with [`Reason::NoContent`]).
    pub fn dedup(&self, page: &mut Page) {
        let prepared = self.prepare(page);
        self.apply(page, &prepared);
    }

    /// The shingles of the kept paragraphs of `page` (`None` for dropped ones). Pure, so the
    /// pipeline computes it in parallel and only [`apply`](Self::apply) runs in input order.
    pub fn prepare(&self, page: &Page) -> Vec<Option<Vec<u64>>> {
        page.paragraphs
            .iter()
            .map(|p| p.is_kept().then(|| self.shingles(&p.text)))
            .collect()
    }

    /// Applies prepared shingles to `page` (see [`dedup`](Self::dedup)).
    pub fn apply(&self, page: &mut Page, prepared: &[Option<Vec<u64>>]) {
        for (p, sh) in page.paragraphs.iter_mut().zip(prepared) {
            if let Some(sh) = sh {
                if p.is_kept() && self.check_and_insert(sh) {
                    p.reason = Some(Reason::Duplicate);
                }
            }
        }
        page.settle();
    }

    /// Number of distinct shingles stored.
    pub fn len(&self) -> usize {
        self.shards
            .iter()
            .map(|s| s.lock().expect("dedup shard poisoned").len())
            .sum()
    }

    /// Whether nothing has been stored yet.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Forgets everything (for per-document dedup).
    pub fn clear(&self) {
        for s in self.shards.iter() {
            s.lock().expect("dedup shard poisoned").clear();
        }
    }

    fn shard(&self, h: u64) -> &Shard {
        &self.shards[(h >> (64 - SHARD_BITS)) as usize]
    }
}

/// Word `n`-gram shingles of `text`, hashed: each lower-cased word is hashed with xxh3, each
/// window of `n` word hashes is hashed again. Fewer than `n` words give no shingle: such a
/// paragraph is never a duplicate.
pub fn shingles(text: &str, n: usize) -> Vec<u64> {
    let mut lower = String::new();
    let words: Vec<u64> = crate::segment::words(text)
        .map(|w| {
            lowercase_into(w, &mut lower);
            xxh3_64(lower.as_bytes())
        })
        .collect();
    // Too short to be evidence of copying: headings like "Pros" repeat legitimately, and
    // repeated boilerplate is the classifier's job.
    if words.len() < n {
        return Vec::new();
    }
    let window = n;
    let mut bytes = Vec::with_capacity(window * 8);
    words
        .windows(window)
        .map(|w| {
            bytes.clear();
            for h in w {
                bytes.extend_from_slice(&h.to_le_bytes());
            }
            xxh3_64(&bytes)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn threshold_is_respected() {
        let idx = DedupIndex::new(2, 0.5).unwrap();
        assert!(!idx.check_and_insert(&idx.shingles("a b c d")));
        // shingles: "c d"(seen) "d e" "e f": 1/3 < 0.5
        assert!(!idx.check_and_insert(&idx.shingles("c d e f")));
        // "a b", "b c" seen; "c x" new: 2/3
        assert!(idx.check_and_insert(&idx.shingles("a b c x")));
    }

    #[test]
    fn bad_options_refused() {
        assert!(DedupIndex::new(0, 0.5).is_err());
        assert!(DedupIndex::new(5, -0.1).is_err());
        assert!(DedupIndex::new(5, 1.0).is_err());
        assert!(DedupIndex::new(5, 1.5).is_err());
    }
}
