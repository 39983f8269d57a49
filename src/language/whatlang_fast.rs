//! `whatlang::detect`, answer for answer, at a fraction of the cost.
//!
//! This reproduces the default (`Method::Combined`) detection of whatlang 0.18.0
//! (<https://github.com/greyblake/whatlang-rs>, MIT licence, by Serhii Potapov):
//! the same script, language and confidence bits for every text. whatlang scores a text
//! against each language of its script by looking up all 300 trigrams of the language's
//! profile in the text's trigram map (about 11,000 hash lookups for a Latin text, half a million
//! instructions a call); here an inverted index, built once per script, maps a trigram to the
//! profiles that hold it and at which rank, so the cost follows the text's few hundred
//! trigrams. The profiles and alphabets, which whatlang keeps private, are in
//! `whatlang_profiles.txt`, generated from whatlang's sources by `tools/whatlang_profiles.py`.
//!
//! Everything that decides an answer is kept as whatlang has it: the lowercasing, the stop
//! characters, the 600-trigram cut, integer distances, the float arithmetic in the same order,
//! and each sort whose keys can tie with the same element type, key and input order (an
//! unstable sort is deterministic, but only for the same input). whatlang stays the
//! dependency: it detects the script of non-ASCII text, answers for Mandarin (whose Japanese check needs its
//! per-script counts) and is the oracle of the tests.

use std::cell::RefCell;
use std::cmp::Reverse;
use std::collections::BTreeMap;
use std::sync::OnceLock;

use rustc_hash::FxHashMap;
use whatlang::{Info, Lang, Script};

/// whatlang's trigram profiles and alphabets (see the module's header).
const DATA: &str = include_str!("whatlang_profiles.txt");

// whatlang's constants (trigrams/mod.rs).
const MAX_TRIGRAM_DISTANCE: u32 = 300;
const MAX_TOTAL_DISTANCE: u32 = MAX_TRIGRAM_DISTANCE * MAX_TRIGRAM_DISTANCE;
const TEXT_TRIGRAMS_SIZE: usize = 600;

/// More than `Lang::all().len()` (70): arrays indexed by `Lang as usize`.
const LANGS: usize = 128;

/// The scripts whatlang tells several languages apart in, with their name in the data file.
const MULTI_SCRIPTS: [(&str, Script); 5] = [
    ("latin", Script::Latin),
    ("cyrillic", Script::Cyrillic),
    ("arabic", Script::Arabic),
    ("devanagari", Script::Devanagari),
    ("hebrew", Script::Hebrew),
];

/// One script's languages: trigram profiles, inverted, and the alphabet model.
struct Model {
    /// The languages in whatlang's profile-list order (its tie-breaking order).
    langs: Vec<Lang>,
    /// A packed trigram → its slot in `starts`.
    index: FxHashMap<u64, u32>,
    /// Slot `i`'s entries are `entries[starts[i]..starts[i + 1]]`.
    starts: Vec<u32>,
    /// (index into `langs`, rank of the trigram in that language's profile).
    entries: Vec<(u8, u16)>,
    /// Latin and Cyrillic only: the other scripts have no alphabet model.
    alphabet: Option<Alphabet>,
}

/// One script's alphabets, as whatlang's `build_inverted_map` has them.
struct Alphabet {
    /// Sorted, for a binary search.
    chars: Vec<char>,
    /// The languages whose alphabet has `chars[i]`.
    langs: Vec<Vec<Lang>>,
    /// `chars`' position of each ASCII char, `u8::MAX` for none: most text is ASCII.
    ascii: [u8; 128],
}

/// The model of `MULTI_SCRIPTS[script]`, built on first use (a Latin-only corpus never
/// builds the others).
fn model(script: usize) -> &'static Model {
    static MODELS: [OnceLock<Model>; 5] = [const { OnceLock::new() }; 5];
    MODELS[script].get_or_init(|| build(MULTI_SCRIPTS[script].0))
}

fn build(script: &str) -> Model {
    let lang = |code: &str| {
        let l = Lang::from_code(code).unwrap_or_else(|| panic!("whatlang has no language {code}"));
        assert!((l as usize) < LANGS);
        l
    };
    let mut langs = Vec::new();
    // (slot, language, rank) in file order; slots are numbered in order of first sight.
    let mut raw: Vec<(u32, u8, u16)> = Vec::with_capacity(11_100);
    let mut index: FxHashMap<u64, u32> = FxHashMap::default();
    index.reserve(4200);
    let mut alphabet: BTreeMap<char, Vec<Lang>> = BTreeMap::new();
    for line in DATA.lines() {
        let mut fields = line.splitn(4, ' ');
        let (kind, code, rest) = match (fields.next(), fields.next(), fields.next(), fields.next())
        {
            (Some("#"), ..) => continue,
            (Some(k), Some(s), Some(c), Some(r)) if s == script => (k, c, r),
            (Some(_), Some(_), Some(_), Some(_)) => continue,
            _ => panic!("bad line in whatlang_profiles.txt: {line}"),
        };
        if kind == "profile" {
            let li = langs.len() as u8;
            langs.push(lang(code));
            let mut chars = rest.chars();
            let mut rank = 0u16;
            while let (Some(a), Some(b), Some(c)) = (chars.next(), chars.next(), chars.next()) {
                let next = index.len() as u32;
                let slot = *index.entry(pack(a, b, c)).or_insert(next);
                raw.push((slot, li, rank));
                rank += 1;
            }
            assert_eq!(u32::from(rank), MAX_TRIGRAM_DISTANCE, "{code}");
            assert!(langs.len() <= 64);
        } else {
            let l = lang(code);
            for c in rest.chars() {
                alphabet.entry(c).or_default().push(l);
            }
        }
    }
    // Group the entries by slot (a counting sort, keeping file order within a slot).
    let mut starts = vec![0u32; index.len() + 1];
    for &(slot, ..) in &raw {
        starts[slot as usize + 1] += 1;
    }
    for i in 1..starts.len() {
        starts[i] += starts[i - 1];
    }
    let mut fill = starts.clone();
    let mut entries = vec![(0u8, 0u16); raw.len()];
    for &(slot, li, rank) in &raw {
        entries[fill[slot as usize] as usize] = (li, rank);
        fill[slot as usize] += 1;
    }
    let alphabet = (!alphabet.is_empty()).then(|| {
        let (chars, langs): (Vec<char>, Vec<Vec<Lang>>) = alphabet.into_iter().unzip();
        let mut ascii = [u8::MAX; 128];
        assert!(chars.len() < usize::from(u8::MAX));
        for (i, &c) in chars.iter().enumerate() {
            if c.is_ascii() {
                ascii[c as usize] = i as u8;
            }
        }
        Alphabet {
            chars,
            langs,
            ascii,
        }
    });
    Model {
        langs,
        index,
        starts,
        entries,
        alphabet,
    }
}

/// A trigram as one integer whose order is the order of whatlang's `Trigram(char, char, char)`.
#[inline]
fn pack(a: char, b: char, c: char) -> u64 {
    (u64::from(a) << 42) | (u64::from(b) << 21) | u64::from(c)
}

/// whatlang's `is_stop_char`: ASCII space, punctuation and digits.
#[inline]
fn is_stop_char(ch: char) -> bool {
    matches!(ch, '\u{0000}'..='\u{0040}' | '\u{005B}'..='\u{0060}' | '\u{007B}'..='\u{007E}')
}

/// Exactly `whatlang::detect(text)`.
///
/// The answer is a function of the text alone, and pages repeat texts (a site's blurbs, a
/// document's samples in later rounds): each thread remembers recent answers by the text's
/// 128-bit hash, which costs a small fraction of a detection.
pub(crate) fn detect(text: &str) -> Option<Info> {
    type Answer = Option<(Script, Lang, f64)>;
    thread_local! {
        static RECENT: RefCell<FxHashMap<u128, Answer>> = RefCell::default();
    }
    /// Entries before the map is cleared (about 200 KB a thread).
    const RECENT_MAX: usize = 4096;
    let key = xxhash_rust::xxh3::xxh3_128(text.as_bytes());
    let known = RECENT.with(|r| r.borrow().get(&key).copied());
    let answer = match known {
        Some(answer) => answer,
        None => {
            let answer = detect_uncached(text).map(|i| (i.script(), i.lang(), i.confidence()));
            RECENT.with(|r| {
                let mut r = r.borrow_mut();
                if r.len() >= RECENT_MAX {
                    r.clear();
                }
                r.insert(key, answer);
            });
            answer
        }
    };
    answer.map(|(script, lang, confidence)| Info::new(script, lang, confidence))
}

/// [`detect`] without the memory of recent answers.
fn detect_uncached(text: &str) -> Option<Info> {
    // ASCII text, most of it, needs neither whatlang's script count nor a lowercase copy: its
    // only chars that are not stop chars are letters, which are Latin (and DEL, which no
    // script has).
    let ascii = text.is_ascii();
    let script = if ascii {
        text.bytes()
            .any(|b| b.is_ascii_alphabetic())
            .then_some(Script::Latin)?
    } else {
        whatlang::detect_script(text)?
    };
    let Some(multi) = MULTI_SCRIPTS.iter().position(|&(_, s)| s == script) else {
        return match script {
            Script::Mandarin => whatlang::detect(text),
            // One language to the script (Katakana and Hiragana give Japanese).
            _ => Some(Info::new(script, script.langs()[0], 1.0)),
        };
    };
    let model = model(multi);
    let mut scan = Scan::new(text.len());
    if ascii {
        scan.run(
            model,
            text.bytes().map(|b| char::from(b.to_ascii_lowercase())),
        );
    } else {
        scan.run(model, text.to_lowercase().chars());
    }

    let (alphabet_count, alphabet_scores) = match &model.alphabet {
        Some(alphabet) => alphabet_scores(alphabet, script, &scan),
        // whatlang's `build_mock`: every language of the script scores 1.0 over one char (the
        // script's languages are in the mock's order).
        None => (1, script.langs().iter().map(|&l| (l, 1.0)).collect()),
    };
    let (trigrams_count, trigram_scores) = trigram_scores(model, scan.grams);

    // combined::raw_detect, with the score lookups by language in arrays (no language is
    // listed twice, so the first match whatlang's `find` takes is the only one).
    let mut by_lang = [(false, 0.0f64, 0.0f64); LANGS];
    let mut all_langs: Vec<Lang> = Vec::with_capacity(alphabet_scores.len() + trigram_scores.len());
    for &(lang, a) in &alphabet_scores {
        by_lang[lang as usize] = (true, a, 0.0);
        all_langs.push(lang);
    }
    for &(lang, t) in &trigram_scores {
        let e = &mut by_lang[lang as usize];
        if !e.0 {
            e.0 = true;
            all_langs.push(lang);
        }
        e.2 = t;
    }
    let alphabet_weight = calc_alphabet_weight(alphabet_count);
    let trigram_weight = 1.0 - alphabet_weight;
    let mut scores: Vec<(Lang, f64)> = all_langs
        .into_iter()
        .map(|lang| {
            let (_, a, t) = by_lang[lang as usize];
            (lang, a * alphabet_weight + t * trigram_weight)
        })
        .collect();
    scores.sort_unstable_by(|a, b| b.1.partial_cmp(&a.1).unwrap_or(std::cmp::Ordering::Less));

    // combined::detect.
    let (lang1, score1) = *scores.first()?;
    let confidence = match scores.get(1) {
        Some(&(_, score2)) => calculate_confidence(score1, score2, trigrams_count),
        None => 1.0,
    };
    Some(Info::new(script, lang1, confidence))
}

/// One pass over the lowercased text for both models: the alphabet model's char counts
/// and the trigrams.
struct Scan {
    /// The non-stop chars (the alphabet model's count).
    max_raw_score: usize,
    /// Twice the occurrences of each alphabet char, by position in `Alphabet::chars`.
    char_scores: [usize; 256],
    /// Every trigram of the text, as trigrams::utils::count takes them, packed.
    grams: Vec<u64>,
}

impl Scan {
    fn new(len: usize) -> Self {
        Scan {
            max_raw_score: 0,
            char_scores: [0; 256],
            grams: Vec::with_capacity(len + 1),
        }
    }

    fn run(&mut self, model: &Model, lowercase: impl Iterator<Item = char>) {
        // whatlang pairs a leading space with the first char and appends a space; starting
        // from two spaces makes that first step a skipped one.
        let (mut c1, mut c2) = (' ', ' ');
        let mut step = |c3: char| {
            if !(c2 == ' ' && (c1 == ' ' || c3 == ' ')) {
                self.grams.push(pack(c1, c2, c3));
            }
            c1 = c2;
            c2 = c3;
        };
        match &model.alphabet {
            Some(alphabet) => {
                for ch in lowercase {
                    if is_stop_char(ch) {
                        step(' ');
                        continue;
                    }
                    self.max_raw_score += 1;
                    let position = if ch.is_ascii() {
                        Some(alphabet.ascii[ch as usize])
                            .filter(|&p| p != u8::MAX)
                            .map(usize::from)
                    } else {
                        alphabet.chars.binary_search(&ch).ok()
                    };
                    if let Some(position) = position {
                        self.char_scores[position] += 2;
                    }
                    step(ch);
                }
            }
            None => {
                for ch in lowercase {
                    step(if is_stop_char(ch) { ' ' } else { ch });
                }
            }
        }
        step(' ');
    }
}

/// alphabets::common::generic_alphabet_calculate_scores: the count of non-stop chars and
/// each language's normalized score, best first.
fn alphabet_scores(alphabet: &Alphabet, script: Script, scan: &Scan) -> (usize, Vec<(Lang, f64)>) {
    let script_langs = script.langs();
    let max_raw_score = scan.max_raw_score;
    let mut lang_scores = [0usize; LANGS];
    let mut common_score: usize = 0;
    for (position, &char_score) in scan.char_scores[..alphabet.chars.len()].iter().enumerate() {
        if char_score > 0 {
            let languages = &alphabet.langs[position];
            if languages.len() == script_langs.len() {
                common_score += char_score;
            } else {
                for &lang in languages {
                    lang_scores[lang as usize] += char_score;
                }
            }
        }
    }
    let mut raw_scores: Vec<(Lang, usize)> = script_langs
        .iter()
        .map(|&l| {
            let score = (lang_scores[l as usize] + common_score).saturating_sub(max_raw_score);
            (l, score)
        })
        .collect();
    raw_scores.sort_unstable_by_key(|(_, score)| Reverse(*score));
    let scores = raw_scores
        .iter()
        .map(|&(lang, raw)| (lang, raw as f64 / max_raw_score as f64))
        .collect();
    (max_raw_score, scores)
}

/// trigrams::detection::calculate_scores_in_profiles: the count of the text's distinct
/// trigrams (at most 600) and each language's score, best first.
fn trigram_scores(model: &Model, mut grams: Vec<u64>) -> (usize, Vec<(Lang, f64)>) {
    // Sorted and counted instead of hashed.
    grams.sort_unstable();
    let mut counted: Vec<(u32, u64)> = Vec::with_capacity(grams.len());
    for g in grams {
        match counted.last_mut() {
            Some((n, last)) if *last == g => *n += 1,
            _ => counted.push((1, g)),
        }
    }
    let ranked = rank(&counted);
    let count = ranked.len() as u32;

    // calculate_distance for every language at once: a language's total starts as if none of
    // its trigrams were in the text (300 each) and each one that is gets its real distance.
    let mut totals = [i64::from(MAX_TOTAL_DISTANCE); 64];
    for (position, &trigram) in ranked.iter().enumerate() {
        if let Some(&slot) = model.index.get(&trigram) {
            let (start, end) = (model.starts[slot as usize], model.starts[slot as usize + 1]);
            for &(lang, rank) in &model.entries[start as usize..end as usize] {
                let dist = (position as i32 - i32::from(rank)).unsigned_abs();
                totals[usize::from(lang)] += i64::from(dist) - i64::from(MAX_TRIGRAM_DISTANCE);
            }
        }
    }
    let mut lang_distances: Vec<(Lang, u32)> = model
        .langs
        .iter()
        .zip(totals)
        .map(|(&lang, total)| {
            // A sum of 300 distances of at most 599: a u32 as in whatlang.
            let mut total_dist = total as u32;
            if MAX_TRIGRAM_DISTANCE > count {
                let delta = MAX_TRIGRAM_DISTANCE - count;
                // whatlang subtracts in u32 (wrapping in a release build); it cannot underflow.
                total_dist = total_dist.wrapping_sub(delta * MAX_TRIGRAM_DISTANCE);
            }
            (lang, total_dist.clamp(0, MAX_TOTAL_DISTANCE))
        })
        .collect();
    lang_distances.sort_unstable_by_key(|(_, dist)| *dist);

    let max_dist = count * MAX_TRIGRAM_DISTANCE;
    let scores = lang_distances
        .iter()
        .map(|&(lang, distance)| {
            let similarity = max_dist.wrapping_sub(distance);
            (lang, similarity as f64 / max_dist as f64)
        })
        .collect();
    (count as usize, scores)
}

/// trigrams::utils::trigram_occurances_to_positions: the (at most 600) most frequent trigrams
/// of `counted` (ascending by trigram), most frequent first and ties by trigram descending.
/// That order is total, so this counting sort (counts are small) agrees with whatlang's sort.
fn rank(counted: &[(u32, u64)]) -> Vec<u64> {
    let max = counted.iter().map(|c| c.0).max().unwrap_or(0) as usize;
    let mut ranked = vec![0u64; counted.len()];
    if max < 64 {
        // next[n]: where the next trigram seen n times goes.
        let mut next = [0usize; 65];
        for &(n, _) in counted {
            next[n as usize] += 1;
        }
        let mut at = 0;
        for n in (1..=max).rev() {
            let len = next[n];
            next[n] = at;
            at += len;
        }
        for &(n, g) in counted.iter().rev() {
            ranked[next[n as usize]] = g;
            next[n as usize] += 1;
        }
    } else {
        let mut sorted = counted.to_vec();
        sorted.sort_unstable_by(|a, b| b.cmp(a));
        for (r, (_, g)) in ranked.iter_mut().zip(sorted) {
            *r = g;
        }
    }
    ranked.truncate(TEXT_TRIGRAMS_SIZE);
    ranked
}

/// combined::calc_alphabet_weight.
fn calc_alphabet_weight(count: usize) -> f64 {
    let weight = -(count as f64 / 300.0) + 2.0 / 3.0;
    weight.clamp(1.0 / 3.0, 2.0 / 3.0)
}

/// core::confidence::calculate_confidence.
fn calculate_confidence(highest_score: f64, second_score: f64, count: usize) -> f64 {
    if highest_score == 0.0 {
        return 0.0;
    }
    if second_score == 0.0 {
        return highest_score;
    }
    let confident_rate = (3.0 / count as f64) + 0.015;
    let rate = (highest_score - second_score) / second_score;
    if rate > confident_rate {
        1.0
    } else {
        rate / confident_rate
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `detect` and whatlang agree on `text` to the confidence's bits.
    fn same(text: &str) {
        let theirs = whatlang::detect(text);
        // The uncached answer, then the one remembered (asked twice).
        for ours in [detect_uncached(text), detect(text), detect(text)] {
            same_info(text, &ours, &theirs);
        }
    }

    fn same_info(text: &str, ours: &Option<Info>, theirs: &Option<Info>) {
        let key = |i: &Option<Info>| {
            i.as_ref().map(|i| {
                (
                    i.lang(),
                    i.script(),
                    i.confidence().to_bits(),
                    i.is_reliable(),
                )
            })
        };
        assert_eq!(key(ours), key(theirs), "{text:?}");
    }

    fn pages() -> Vec<String> {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/samples/pages");
        let mut paths: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        paths.sort();
        assert!(!paths.is_empty());
        paths
            .iter()
            .map(|p| std::fs::read_to_string(p).unwrap())
            .collect()
    }

    #[test]
    fn agrees_on_the_sample_pages() {
        for page in pages() {
            for line in page.lines() {
                same(line);
                for n in [200, 320] {
                    same(super::super::prefix(line, n));
                }
            }
            // Long texts pass the 600-trigram cut (a document's fallback sample is 2 KB).
            same(&page);
            same(super::super::prefix(&page, 2048));
            let joined: String = page.lines().flat_map(|l| [l, "\n"]).collect();
            same(super::super::prefix(&joined, 1000));
        }
    }

    #[test]
    fn agrees_on_every_script_and_odd_inputs() {
        let texts = [
            "",
            " ",
            "a",
            "A",
            "é",
            "ß",
            "1234567890",
            "3.14, 2.71; 42!",
            "!!!???...,,,",
            "😀🎉👍",
            "😀 a",
            "\u{a0}\u{200b}\u{feff}",
            "\u{7f}",
            "a\u{7f}b \u{7f}\u{7f} c",
            "\t\n\r~`^_|{}[]@",
            "İstanbul'da ŞİŞLİ ve IĞDIR",
            "KELVIN \u{212a} Å ǅ ǈ ǋ ẞ",
            "The quick brown fox jumps over the lazy dog, and then it runs away.",
            "Die Ordnung muss für immer in diesem Codebase bleiben",
            "Además de todo lo anteriormente dicho, también encontramos...",
            "René Descartes est un mathématicien, physicien et philosophe français",
            "Hà Nội là thủ đô của nước Cộng hòa Xã hội chủ nghĩa Việt Nam.",
            "Ĉu vi ne volas eklerni Esperanton? Bonvolu! Estas unu de la plej bonaj aferoj!",
            "I am begging pardon",
            "Ja kulkee kylmä hetki pariimme, Olet hauras kuin jää, Ja kulke",
            "Та нічого, все нормально. А в тебе як?",
            "Мы хотим видеть дальше, чем окна дома напротив",
            "Дуже цікаво",
            "Ова реченица је написана на српском језику.",
            " ككل حوالي 1.6، ومعظم الناس ",
            "یہ ایک اردو جملہ ہے اور اس میں کچھ الفاظ ہیں",
            "این یک جمله فارسی است که برای آزمایش نوشته شده",
            "हिमालयी वन चिड़िया (जूथेरा सालिमअली) चिड़िया की एक प्रजाति है",
            "माझे नाव राम आहे आणि मी पुण्यात राहतो",
            "היסטוריה והתפתחות של האלפבית העברי",
            "דאָס איז אַ ייִדיש זאַץ פֿון אַ בוך",
            "Η γλώσσα είναι ένα σύστημα επικοινωνίας. ΣΟΦΟΣ",
            "한국어는 대한민국의 공용어이다",
            "ภาษาไทยเป็นภาษาราชการของประเทศไทย",
            "ქართული ენა მსოფლიო ",
            "የኢትዮጵያ ፌዴラላዊ ዴሞክራሲያዊሪፐብሊክ",
            "Հայերենը հնդեվրոպական լեզու է",
            "県見夜上温国阪題富販",
            "水",
            "日本語のテキストです。ひらがなとカタカナ",
            "中文文本，包含一些片假名カ",
            "カタカナ",
            "ひらがな",
            "Russian word любовь means love.",
            "Привет! Текст на русском with some English.",
            "abc абв",
            "ab абв",
            "Σ",
            "ΑΣ ΣΑΣ",
            "ǅungla İstanbul ΚΑΛΗΜΕΡΑ",
        ];
        for t in texts {
            same(t);
            same(&t.to_uppercase());
        }
    }

    /// A small deterministic generator (xorshift), so failures reproduce.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }

        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }
    }

    #[test]
    fn agrees_on_generated_mixed_texts() {
        let words: Vec<&str> =
            "the of and to in is that it for on with as was de la le et les des \
            der die und das ist nicht el los que en por con una il di che non per um não uma para \
            het een van niet je na se za od że nie się jest och att som på er og ikke av ve bir bu \
            için ile và của là có không được người và các ja ei että on kun és hogy nem egy \
            и в не на что я с он как а по это но в то и для при від що та це не бути \
            في من على أن إلى هذا و است را که از به این है और के में की से कि एक यह \
            של את על זה לא אני ון פֿון דער איז γλώσσα και το 한국어 ภาษา 日本 中文 カタカナ \
            Straße façade œuvre İstanbul ĳsland Ærø ŵ ẅ ʻ ɔɛ ĉĝĥ 😀 🎉 ™ © №"
                .split_whitespace()
                .collect();
        let seps = [
            " ", " ", " ", ", ", ". ", "\n", " - ", "42", "!", "\u{a0}", "''", "(", ")",
        ];
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
        for case in 0..4000 {
            let n = match case % 4 {
                0 => rng.below(4),
                1 => rng.below(20),
                2 => rng.below(60),
                _ => rng.below(400),
            };
            // Mostly one language's words with a few others, like real paragraphs.
            let home = rng.below(words.len());
            let mut text = String::new();
            for _ in 0..n {
                let w = if rng.below(4) == 0 {
                    words[rng.below(words.len())]
                } else {
                    words[(home + rng.below(12)) % words.len()]
                };
                match rng.below(10) {
                    0 => text.push_str(&w.to_uppercase()),
                    1 => {
                        let mut c = w.chars();
                        text.extend(c.next().into_iter().flat_map(char::to_uppercase));
                        text.push_str(c.as_str());
                    }
                    _ => text.push_str(w),
                }
                text.push_str(seps[rng.below(seps.len())]);
            }
            same(&text);
            same(super::super::prefix(&text, 200));
        }
    }
}
