//! Tests that the cheap prefilters in front of the hard-rule regexes pass every text the
//! regex they guard matches, derived from the regexes' own sources (parsed by
//! `regex_syntax`), not from hand-picked examples: adding an alternative to a regex without
//! its prefilter makes one of these fail instead of silently disabling the rule.
//!
//! Two checks:
//! - [`prefilters_pass_what_their_regex_matches`]: strings generated from each regex's HIR
//!   (one random branch of each alternation, one random character of each class, a random
//!   count for each repetition, random text around them), with fixed seeds; every one the
//!   regex matches must pass the prefilter. This covers every guarded regex, including
//!   branches that start with a class (`\d`, `\p{Lu}`, `.{0,40}`) where no finite literal
//!   prefix exists, and Unicode case folding (`(?i)s` also matches `ſ`, `k` the Kelvin sign).
//! - [`first_word_prefilters_pass_every_literal_prefix`]: for the prefilters that look at how
//!   a text starts, every literal prefix that `regex_syntax`'s extractor finds for a branch
//!   of the regex's top-level alternation must pass, exhaustively. Branches that start with a
//!   class give no finite set of prefixes; they are left to the first check.

use super::*;
use regex_syntax::hir::literal::{ExtractKind, Extractor};
use regex_syntax::hir::{Class, Hir, HirKind};

/// A deterministic generator (splitmix64): no seed varies between runs.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n > 0`).
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

fn parse(pattern: &str) -> Hir {
    regex_syntax::ParserBuilder::new()
        .build()
        .parse(pattern)
        .unwrap_or_else(|e| panic!("{pattern}: {e}"))
}

/// One character of a class: half the time an ASCII one (when it has any), else one from a
/// random range (so `ſ` in `[Ssſ]` comes up a third of the time).
fn pick_char(ranges: &[(u32, u32)], rng: &mut Rng) -> Option<char> {
    let low: Vec<(u32, u32)> = ranges
        .iter()
        .filter(|r| r.0 < 0x80)
        .map(|&(a, b)| (a, b.min(0x7F)))
        .collect();
    let pool = if !low.is_empty() && rng.below(2) == 0 {
        &low[..]
    } else {
        ranges
    };
    for _ in 0..16 {
        let (a, b) = pool[rng.below(pool.len())];
        if let Some(c) = char::from_u32(a + rng.below((b - a + 1) as usize) as u32) {
            return Some(c);
        }
    }
    None
}

/// Appends to `out` a string the regex `hir` may match (look-arounds are not checked: the
/// caller runs the regex on the result).
fn generate(hir: &Hir, rng: &mut Rng, out: &mut String) {
    match hir.kind() {
        HirKind::Empty | HirKind::Look(_) => {}
        HirKind::Literal(lit) => out.push_str(std::str::from_utf8(&lit.0).expect("UTF-8")),
        HirKind::Class(Class::Unicode(c)) => {
            let ranges: Vec<(u32, u32)> = c
                .ranges()
                .iter()
                .map(|r| (u32::from(r.start()), u32::from(r.end())))
                .collect();
            out.extend(pick_char(&ranges, rng));
        }
        HirKind::Class(Class::Bytes(c)) => {
            let ranges: Vec<(u32, u32)> = c
                .ranges()
                .iter()
                // Bytes above 0x7F would not make UTF-8.
                .filter(|r| r.start() < 0x80)
                .map(|r| (u32::from(r.start()), u32::from(r.end().min(0x7F))))
                .collect();
            if !ranges.is_empty() {
                out.extend(pick_char(&ranges, rng));
            }
        }
        HirKind::Repetition(r) => {
            let max = r.max.unwrap_or(r.min + 3).min(r.min + 3);
            let n = r.min as usize + rng.below((max - r.min) as usize + 1);
            for _ in 0..n {
                generate(&r.sub, rng, out);
            }
        }
        HirKind::Capture(c) => generate(&c.sub, rng, out),
        HirKind::Concat(hs) => hs.iter().for_each(|h| generate(h, rng, out)),
        HirKind::Alternation(hs) => generate(&hs[rng.below(hs.len())], rng, out),
    }
}

/// Text around a generated match: often nothing, else a few characters, some of them ones
/// the prefilters treat specially (non-ASCII letters, digits and spaces).
fn context(rng: &mut Rng) -> String {
    const CHARS: &[char] = &[
        'a', 'E', 'z', ' ', ' ', '1', ':', '(', '/', '-', '.', 'é', 'ſ', '\u{212A}', '٣', '\u{A0}',
        'ả',
    ];
    let n = [0, 0, 1, 2, 5][rng.below(5)];
    (0..n).map(|_| CHARS[rng.below(CHARS.len())]).collect()
}

/// Text folded as `hard_rule` folds it for the prefilters.
fn fold(text: &str) -> Vec<u8> {
    text.bytes().map(|b| b | 0x20).collect()
}

/// A guarded regex and the prefilter in front of it.
type Guard = (&'static str, &'static Regex, fn(&str) -> bool);

fn guards() -> Vec<Guard> {
    vec![
        ("UI_PATTERN", &UI_PATTERN, |t| {
            may_be_ui_pattern(t, first_word_packed(t))
        }),
        ("UI_AFFILIATE", &UI_AFFILIATE, |t| {
            byte_classes(t.as_bytes()) & LETTER_F != 0 && may_be_ui_affiliate(&fold(t))
        }),
        ("BYLINE", &BYLINE, |t| {
            starts_with_word(first_word_packed(t), &pack_words(BYLINE_FIRST))
        }),
        (
            "COMMENTS_HEADING",
            &COMMENTS_HEADING,
            may_be_comments_heading,
        ),
        // The whole of `is_related_prefix`: its first-byte set, then RELATED_PREFIX_FIRST.
        ("RELATED_PREFIX", &RELATED_PREFIX, is_related_prefix),
        ("SIGN_OFF", &SIGN_OFF, |t| {
            may_be_sign_off(t, byte_classes(t.as_bytes()))
        }),
        ("CAPTION", &CAPTION, |t| CAPTION_PARTS.any_in(&fold(t))),
        ("SCRIPT_NOTICE", &SCRIPT_NOTICE, |t| {
            is_script_notice(t, first_word_packed(t))
        }),
        ("DATE", &DATE, |t| {
            may_hold_date(t, &fold(t), byte_classes(t.as_bytes()))
        }),
        ("COPYRIGHT", &COPYRIGHT, is_copyright),
        ("TAGS", &TAGS, |t| {
            byte_classes(t.as_bytes()) & TAG_COLONS != 0 && may_be_tags(t)
        }),
        ("BREADCRUMB", &BREADCRUMB, |t| {
            byte_classes(t.as_bytes()) & BREADCRUMB_SEPARATORS != 0 && may_be_breadcrumb(t)
        }),
        // An inline condition in `is_caption`, copied here: this catches a change to the
        // regex, not an edit of the condition itself.
        ("POSITION_MARK", &POSITION_MARK, |t| {
            byte_classes(t.as_bytes()) & BRACKET != 0 && t.contains('(')
        }),
    ]
}

#[test]
fn prefilters_pass_what_their_regex_matches() {
    const SAMPLES: u64 = 20_000;
    for (name, re, prefilter) in guards() {
        let hir = parse(re.as_str());
        let mut matched = 0;
        for seed in 0..SAMPLES {
            let mut rng = Rng(seed);
            let mut text = context(&mut rng);
            generate(&hir, &mut rng, &mut text);
            text.push_str(&context(&mut rng));
            if re.is_match(&text) {
                matched += 1;
                assert!(
                    prefilter(&text),
                    "{name} matches {text:?} (seed {seed}) but its prefilter rejects it"
                );
            }
        }
        // The generator must produce matches, or the check above proves nothing.
        assert!(matched > SAMPLES / 20, "{name}: {matched} matches");
    }
}

/// The prefilters that look at how a text starts (a first word, first bytes, leading
/// literals), on every literal prefix of every branch of their regex's top-level
/// alternation: exhaustive where the random check above is probabilistic.
#[test]
fn first_word_prefilters_pass_every_literal_prefix() {
    let names = [
        "UI_PATTERN",
        "BYLINE",
        "COMMENTS_HEADING",
        "RELATED_PREFIX",
        "SCRIPT_NOTICE",
        "CAPTION",
    ];
    let whole = ["RELATED_PREFIX", "SCRIPT_NOTICE"];
    let mut extractor = Extractor::new();
    extractor
        .kind(ExtractKind::Prefix)
        .limit_class(4)
        .limit_repeat(4)
        .limit_literal_len(200)
        .limit_total(100_000);
    for (name, re, prefilter) in guards() {
        if !names.contains(&name) {
            continue;
        }
        // Case-insensitive sources give a literal per case variant (and none past a
        // class of more than `limit_class`): the lower-case form, with ASCII upper- and
        // title-case variants below, is what this test is for; the random check covers the
        // rest.
        let source = re.as_str().strip_prefix("(?i)").unwrap_or(re.as_str());
        let hir = parse(source);
        let mut checked = 0;
        for branch in top_branches(&hir) {
            // A branch that starts with a class (`\d+ `, `.{0,40}`) has no finite set of
            // prefixes: the random check covers it.
            let Some(literals) = extractor.extract(&branch).literals().map(<[_]>::to_vec) else {
                continue;
            };
            for lit in literals {
                let lower = std::str::from_utf8(lit.as_bytes()).expect("UTF-8");
                if lower.is_empty() {
                    continue;
                }
                let upper = lower.to_ascii_uppercase();
                let mut chars = lower.chars();
                let title: String = chars
                    .next()
                    .map(|c| c.to_ascii_uppercase())
                    .into_iter()
                    .chain(chars)
                    .collect();
                for t in [lower, &upper, &title] {
                    // Case variants only where the regex itself ignores case.
                    if t != lower && !re.as_str().starts_with("(?i)") {
                        continue;
                    }
                    // `is_script_notice` and `is_related_prefix` run the regex too: they can
                    // only pass a prefix that is a whole match.
                    if whole.contains(&name) && !re.is_match(t) {
                        continue;
                    }
                    assert!(
                        prefilter(t),
                        "{name}: its prefilter rejects {t:?}, how a match may start"
                    );
                    checked += 1;
                }
            }
        }
        assert!(checked > 0, "{name}: no literal prefix checked");
    }
}

/// The branches of the first alternation of `hir` (behind look-arounds and groups), each
/// with what follows the alternation, or `hir` alone.
fn top_branches(hir: &Hir) -> Vec<Hir> {
    match hir.kind() {
        HirKind::Capture(c) => top_branches(&c.sub),
        HirKind::Alternation(hs) => hs.clone(),
        HirKind::Concat(hs) => {
            let Some(i) = hs
                .iter()
                .position(|h| !matches!(h.kind(), HirKind::Look(_)))
            else {
                return vec![hir.clone()];
            };
            top_branches(&hs[i])
                .into_iter()
                .map(|b| {
                    let mut parts = vec![b];
                    parts.extend(hs[i + 1..].iter().cloned());
                    Hir::concat(parts)
                })
                .collect()
        }
        _ => vec![hir.clone()],
    }
}

/// `RELATED_LEADS` is a list, not a regex: the first-byte set is built from it, but each
/// lead must still reach the topic test.
#[test]
fn related_leads_pass_the_first_byte_test() {
    for lead in RELATED_LEADS {
        let key = format!("{lead} brexit");
        assert!(is_related_prefix(&key), "{key:?}");
    }
}
