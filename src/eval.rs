//! Extraction quality metrics, as the WCXB benchmark and the scrapinghub
//! article-extraction-benchmark define them.
//!
//! - **word F1** (WCXB): bags of lower-cased `\w+` tokens, F1 per page, averaged over pages.
//! - **shingle precision / recall** (scrapinghub): bags of 4-token shingles; precision and
//!   recall are averaged over pages separately and F1 is taken of the two means.

use std::collections::HashMap;
use std::hash::Hash;

/// Lower-cased `\w+` tokens (letters, marks, digits, connector punctuation), as Python's
/// `re.findall(r"\w+", text.lower())`.
pub fn tokens(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    for c in text.chars() {
        if c.is_alphanumeric() || c == '_' || is_mark(c) {
            cur.extend(c.to_lowercase());
        } else if !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

fn is_mark(c: char) -> bool {
    // Combining marks (Python's \w includes them via str.isalnum on decomposed text).
    matches!(c as u32, 0x0300..=0x036F | 0x0900..=0x0DFF | 0x1AB0..=0x1AFF | 0x20D0..=0x20FF)
        && !c.is_whitespace()
}

fn bag<T: Eq + Hash>(items: impl IntoIterator<Item = T>) -> HashMap<T, u32> {
    let mut m = HashMap::new();
    for i in items {
        *m.entry(i).or_insert(0) += 1;
    }
    m
}

fn overlap<T: Eq + Hash>(a: &HashMap<T, u32>, b: &HashMap<T, u32>) -> u32 {
    a.iter()
        .map(|(k, &n)| n.min(b.get(k).copied().unwrap_or(0)))
        .sum()
}

/// Precision and recall of two bags; an empty prediction of an empty gold is perfect.
fn precision_recall<T: Eq + Hash>(pred: &HashMap<T, u32>, gold: &HashMap<T, u32>) -> (f64, f64) {
    let np: u32 = pred.values().sum();
    let ng: u32 = gold.values().sum();
    if np == 0 && ng == 0 {
        return (1.0, 1.0);
    }
    let tp = overlap(pred, gold) as f64;
    let p = if np == 0 { 0.0 } else { tp / np as f64 };
    let r = if ng == 0 { 0.0 } else { tp / ng as f64 };
    (p, r)
}

fn f1(p: f64, r: f64) -> f64 {
    if p + r == 0.0 {
        0.0
    } else {
        2.0 * p * r / (p + r)
    }
}

/// Word-level precision, recall and F1 of `predicted` against `gold`.
///
/// ```
/// let (p, r, f) = gleaner::eval::word_prf("the cat sat", "The cat sat down");
/// assert_eq!((p, r), (1.0, 0.75));
/// assert!((f - 6.0 / 7.0).abs() < 1e-9);
/// ```
pub fn word_prf(predicted: &str, gold: &str) -> (f64, f64, f64) {
    let (p, r) = precision_recall(&bag(tokens(predicted)), &bag(tokens(gold)));
    (p, r, f1(p, r))
}

/// 4-token shingles of a text (one shorter shingle when it has fewer tokens).
fn shingle_bag(text: &str) -> HashMap<Vec<String>, u32> {
    let t = tokens(text);
    if t.is_empty() {
        return HashMap::new();
    }
    let n = 4.min(t.len());
    bag(t.windows(n).map(|w| w.to_vec()))
}

/// Shingle precision and recall of `predicted` against `gold`.
pub fn shingle_pr(predicted: &str, gold: &str) -> (f64, f64) {
    precision_recall(&shingle_bag(predicted), &shingle_bag(gold))
}

/// Accumulates page scores into the benchmark's averages.
#[derive(Debug, Clone, Default)]
pub struct Scores {
    pages: u64,
    word_p: f64,
    word_r: f64,
    word_f1: f64,
    shingle_p: f64,
    shingle_r: f64,
}

impl Scores {
    /// Adds one page.
    pub fn add(&mut self, predicted: &str, gold: &str) {
        let (p, r, f) = word_prf(predicted, gold);
        let (sp, sr) = shingle_pr(predicted, gold);
        self.pages += 1;
        self.word_p += p;
        self.word_r += r;
        self.word_f1 += f;
        self.shingle_p += sp;
        self.shingle_r += sr;
    }

    /// Pages added.
    pub fn pages(&self) -> u64 {
        self.pages
    }

    fn mean(&self, x: f64) -> f64 {
        if self.pages == 0 {
            0.0
        } else {
            x / self.pages as f64
        }
    }

    /// Mean word precision.
    pub fn word_precision(&self) -> f64 {
        self.mean(self.word_p)
    }

    /// Mean word recall.
    pub fn word_recall(&self) -> f64 {
        self.mean(self.word_r)
    }

    /// Mean of per-page word F1 (WCXB).
    pub fn word_f1(&self) -> f64 {
        self.mean(self.word_f1)
    }

    /// Mean shingle precision.
    pub fn shingle_precision(&self) -> f64 {
        self.mean(self.shingle_p)
    }

    /// Mean shingle recall.
    pub fn shingle_recall(&self) -> f64 {
        self.mean(self.shingle_r)
    }

    /// F1 of mean shingle precision and mean shingle recall (scrapinghub).
    pub fn shingle_f1(&self) -> f64 {
        f1(self.shingle_precision(), self.shingle_recall())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_lowercased_words() {
        assert_eq!(
            tokens("Hello, World! it's 2025_x"),
            ["hello", "world", "it", "s", "2025_x"]
        );
        assert_eq!(tokens("Đăng nhập"), ["đăng", "nhập"]);
    }

    #[test]
    fn perfect_and_empty() {
        assert_eq!(word_prf("a b", "a b"), (1.0, 1.0, 1.0));
        assert_eq!(word_prf("", ""), (1.0, 1.0, 1.0));
        assert_eq!(word_prf("", "a"), (0.0, 0.0, 0.0));
    }

    #[test]
    fn shingles_count_repeats() {
        let (p, r) = shingle_pr("a b c d a b c d", "a b c d");
        assert_eq!(r, 1.0);
        assert!((p - 0.2).abs() < 1e-9, "{p}");
    }

    #[test]
    fn scores_average_pages() {
        let mut s = Scores::default();
        s.add("a b c d", "a b c d");
        s.add("", "x y z w");
        assert_eq!(s.word_f1(), 0.5);
        assert_eq!(s.shingle_precision(), 0.5);
        assert_eq!(s.shingle_f1(), 0.5);
    }
}
