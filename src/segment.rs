//! Stage 1: split a scraped page into paragraphs.
//!
//! Scrapers hand us two shapes: blank-line separated blocks (one block per line inside them)
//! and one block per line with no blank lines at all. Both reduce to "every non-blank line is
//! a paragraph", except hard-wrapped prose, whose lines are joined back together.

/// A paragraph's text: a shared slice of one buffer that holds its whole page
/// ([`arcstr::Substr`]), so that a page's paragraphs cost one allocation, not one each. It
/// derefs to `str` and compares with `&str` and `String`; cloning it copies no text. A kept
/// `Text` keeps its whole page's buffer alive: `to_string()` copies the paragraph out.
pub type Text = arcstr::Substr;

/// One paragraph of a page, whitespace-normalised.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paragraph {
    /// The paragraph's text: NBSP and other space separators turned into spaces, zero-width
    /// characters removed, runs of spaces collapsed, trimmed. Nothing else is changed.
    pub text: Text,
    /// 1-based line of the input where the paragraph starts.
    pub line: usize,
    /// The raw line began with whitespace (often NBSP padding around an inline image: a
    /// caption signal).
    pub indented: bool,
    /// What the markup says about the paragraph, for HTML input; `None` for text. Boxed, so
    /// that a text page's paragraphs (and their [`Features`](crate::Features)), moved and
    /// copied through every stage, stay small.
    pub structure: Option<Box<crate::html::Structure>>,
}

/// Splits page text into [`Paragraph`]s.
///
/// ```
/// use gleaner::Segmenter;
/// let paras = Segmenter::default().segment("Title\n\nFirst\u{a0} paragraph.\nSecond one.\n \u{a0}\n");
/// let texts: Vec<_> = paras.iter().map(|p| p.text.as_str()).collect();
/// assert_eq!(texts, ["Title", "First paragraph.", "Second one."]);
/// ```
#[derive(Debug, Clone)]
pub struct Segmenter {
    join_wrapped: bool,
}

impl Default for Segmenter {
    fn default() -> Self {
        Segmenter { join_wrapped: true }
    }
}

impl Segmenter {
    /// A segmenter; `join_wrapped` re-joins hard-wrapped prose lines (on by default).
    pub fn new(join_wrapped: bool) -> Self {
        Segmenter { join_wrapped }
    }

    /// Splits `text` into paragraphs. Lines made only of whitespace (NBSP included) separate
    /// paragraphs; every other line starts a new paragraph unless it continues wrapped prose.
    pub fn segment(&self, text: &str) -> Vec<Paragraph> {
        // At most one paragraph a line: sized once, as growing moves every paragraph again.
        let line_count = memchr::memchr_iter(b'\n', text.as_bytes()).count() + 1;
        // Each paragraph's start and end in `buf`, line and indentation.
        let mut spans: Vec<(usize, usize, usize, bool)> = Vec::with_capacity(line_count);
        // Normalising never lengthens a line: the page's paragraphs go one after another into
        // one buffer, sized once.
        let mut buf = String::with_capacity(text.len());
        // Whether the last paragraph may absorb the next line (same block, looks wrapped).
        let mut open = false;
        // The bytes of the last paragraph's last physical line: the end of its text.
        let mut last_line_len = 0;
        for (i, raw) in lines(text).enumerate() {
            let start = buf.len();
            normalize_whitespace(raw, &mut buf);
            if buf.len() == start {
                open = false;
                continue;
            }
            if open && self.join_wrapped {
                if let Some(last) = spans.last_mut() {
                    // The last paragraph ends where this line starts.
                    let prev_line = &buf[start - last_line_len..start];
                    if continues_wrapped(prev_line, &buf[start..]) {
                        buf.insert(start, ' ');
                        last_line_len = buf.len() - start - 1;
                        last.1 = buf.len();
                        continue;
                    }
                }
            }
            last_line_len = buf.len() - start;
            spans.push((
                start,
                buf.len(),
                i + 1,
                raw.starts_with(|c: char| c.is_whitespace()),
            ));
            open = true;
        }
        let page = arcstr::ArcStr::from(buf);
        spans
            .into_iter()
            .map(|(start, end, line, indented)| Paragraph {
                text: page.substr(start..end),
                line,
                indented,
                structure: None,
            })
            .collect()
    }
}

/// The lines of `text`, as [`str::lines`] cuts them (a final `\n` ends the last line, one
/// `\r` before a `\n` is dropped), found with the `memchr` crate's vectorised search, which
/// is several times cheaper per byte than core's word-at-a-time one.
fn lines(text: &str) -> impl Iterator<Item = &str> {
    let bytes = text.as_bytes();
    let mut start = 0;
    let mut newlines = memchr::memchr_iter(b'\n', bytes);
    std::iter::from_fn(move || {
        let end = match newlines.next() {
            Some(nl) => nl,
            None if start < bytes.len() => bytes.len(),
            None => return None,
        };
        let line = &text[start..end];
        let ended = end < bytes.len();
        start = end + 1;
        // Only a line ended by `\n` loses its `\r`, as in `str::lines`.
        Some(match line.strip_suffix('\r') {
            Some(l) if ended => l,
            _ => line,
        })
    })
}

/// The characters of a line, as far as [`continues_wrapped`] asks: more than 400 bytes are
/// more than 100 characters, whatever their count.
fn line_chars(line: &str) -> usize {
    if line.len() > 400 {
        line.len()
    } else {
        line.chars().count()
    }
}

/// Hard-wrapped prose: the previous physical line is wrap-width long and ends mid-sentence,
/// and the next line starts in lower case. Scrapes put one block per line, so this is rare
/// there; the test is strict so that a menu never gets glued onto a sentence.
fn continues_wrapped(prev_line: &str, next: &str) -> bool {
    // Most lines start in upper case: that test first, the characters counted only then.
    let starts_lower = next.chars().next().is_some_and(|c| c.is_lowercase());
    if !starts_lower || !(40..=100).contains(&line_chars(prev_line)) {
        return false;
    }
    prev_line
        .chars()
        .last()
        .is_some_and(|c| c.is_alphanumeric() || c == ',' || c == '-')
}

/// Appends `line` to `out` with whitespace normalised: every Unicode space separator and tab
/// becomes one ASCII space, zero-width characters vanish, runs collapse, ends are trimmed.
pub fn normalize_whitespace(line: &str, out: &mut String) {
    if is_normal_ascii(line.as_bytes()) {
        out.push_str(line);
        return;
    }
    let start = out.len();
    let mut pending_space = false;
    let bytes = line.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if kept_char_len(bytes, i) == 0 {
            let c = line[i..].chars().next().expect("i is on a char boundary");
            i += c.len_utf8();
            // Whitespace, or a zero-width character, which vanishes.
            pending_space |= !is_zero_width(c);
            continue;
        }
        // Runs of characters kept as they are, with the single spaces between their words,
        // are copied whole: most text is mostly such runs.
        let run = i;
        loop {
            // Eight bytes at a time while they are ASCII word bytes and single spaces, one
            // ending the eight not a space (the byte after it is not looked at). The byte
            // before is never a space: a run goes on past a space only to a kept character.
            while let Some(c) = bytes.get(i..i + 8) {
                let v = u64::from_le_bytes(c.try_into().expect("8 bytes"));
                if v >> 56 == u64::from(b' ') || !normal_chunk(v, false) {
                    break;
                }
                i += 8;
            }
            if i >= bytes.len() {
                break;
            }
            // Then one character, or a single space before one.
            match kept_char_len(bytes, i) {
                0 if bytes[i] == b' ' && i + 1 < bytes.len() && kept_char_len(bytes, i + 1) > 0 => {
                    i += 1
                }
                0 => break,
                len => i += len,
            }
        }
        if pending_space && out.len() > start {
            out.push(' ');
        }
        pending_space = false;
        out.push_str(&line[run..i]);
    }
}

/// The length in bytes of the character at `b[i]` (a character boundary) if
/// [`normalize_whitespace`] keeps it as it is, else 0: for whitespace and the zero-width
/// characters, which it reads as characters. Read off the UTF-8 bytes, so that the text of
/// other scripts is copied in runs too (checked against `char::is_whitespace` and
/// `is_zero_width` for every character in `kept_chars_are_the_non_space_ones`).
#[inline(always)]
fn kept_char_len(b: &[u8], i: usize) -> usize {
    let c = b[i];
    if c < 0x80 {
        return usize::from(!matches!(c, b'\t'..=b'\r' | b' '));
    }
    let (next, third) = (b.get(i + 1).copied(), b.get(i + 2).copied());
    let other = match (c, next, third) {
        // U+0085, U+00A0, U+00AD.
        (0xC2, Some(0x85 | 0xA0 | 0xAD), _) => true,
        // U+1680.
        (0xE1, Some(0x9A), Some(0x80)) => true,
        // U+2000 to U+200D, U+2028, U+2029, U+202F.
        (0xE2, Some(0x80), Some(0x80..=0x8D | 0xA8 | 0xA9 | 0xAF)) => true,
        // U+205F, U+2060.
        (0xE2, Some(0x81), Some(0x9F | 0xA0)) => true,
        // U+3000.
        (0xE3, Some(0x80), Some(0x80)) => true,
        // U+FEFF.
        (0xEF, Some(0xBB), Some(0xBF)) => true,
        _ => false,
    };
    if other {
        0
    } else {
        // The UTF-8 length from the lead byte.
        match c {
            0xC0..=0xDF => 2,
            0xE0..=0xEF => 3,
            _ => 4,
        }
    }
}

/// Whether `line` is its own normal form, as most lines of a scrape are: ASCII, with no
/// whitespace but single spaces between words. Eight bytes at a time.
fn is_normal_ascii(line: &[u8]) -> bool {
    if line.first() == Some(&b' ') || line.last() == Some(&b' ') {
        return false;
    }
    let mut chunks = line.chunks_exact(8);
    // Whether the byte before the current chunk is a space.
    let mut space_before = false;
    for c in chunks.by_ref() {
        let v = u64::from_le_bytes(c.try_into().expect("8 bytes"));
        if !normal_chunk(v, space_before) {
            return false;
        }
        space_before = v >> 56 == u64::from(b' ');
    }
    let mut prev_space = space_before;
    for &b in chunks.remainder() {
        let space = b == b' ';
        if !b.is_ascii() || (9..=13).contains(&b) || (space && prev_space) {
            return false;
        }
        prev_space = space;
    }
    true
}

/// Whether the eight bytes `v` (little-endian) are ASCII without tab to carriage return and
/// without a space after a space, within them or across their start (`space_before`).
#[inline]
fn normal_chunk(v: u64, space_before: bool) -> bool {
    const L: u64 = 0x0101_0101_0101_0101;
    const H: u64 = L * 0x80;
    // The top bit of each zero byte, exactly (no carry crosses a byte).
    let zero = |x: u64| !(((x & (L * 0x7F)) + L * 0x7F) | x | (L * 0x7F));
    // Bytes 9 to 13 (tab to carriage return), of the ASCII ones: no sum carries.
    let t = v & (L * 0x7F);
    let control = (t + L * (0x80 - 9)) & !(t + L * (0x80 - 14));
    let spaces = zero(v ^ (L * u64::from(b' ')));
    let double = spaces & ((spaces << 8) | u64::from(space_before) << 7);
    (v | control | double) & H == 0
}

fn is_zero_width(c: char) -> bool {
    matches!(
        c,
        '\u{200B}' | '\u{200C}' | '\u{200D}' | '\u{2060}' | '\u{FEFF}' | '\u{00AD}'
    )
}

/// `pieces` random picks from `alphabet` (xorshift64 on `state`): input for the tests that
/// check a fast path against its definition.
#[cfg(test)]
pub(crate) fn random_text(state: &mut u64, alphabet: &[&str], pieces: usize) -> String {
    let mut s = String::new();
    for _ in 0..pieces {
        *state ^= *state << 13;
        *state ^= *state >> 7;
        *state ^= *state << 17;
        s.push_str(alphabet[(*state % alphabet.len() as u64) as usize]);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(s: &str) -> Vec<String> {
        Segmenter::default()
            .segment(s)
            .into_iter()
            .map(|p| p.text.to_string())
            .collect()
    }

    /// The definition that the ASCII fast path must agree with.
    fn normalize_reference(line: &str) -> String {
        let mut out = String::new();
        let mut pending_space = false;
        for c in line.chars().filter(|&c| !is_zero_width(c)) {
            if c.is_whitespace() {
                pending_space = true;
                continue;
            }
            if pending_space && !out.is_empty() {
                out.push(' ');
            }
            pending_space = false;
            out.push(c);
        }
        out
    }

    /// The characters that `kept_char_len` says are kept as they are: every one but the
    /// whitespace and the zero-width ones, each with its UTF-8 length.
    #[test]
    fn kept_chars_are_the_non_space_ones() {
        for c in (0..=0x10FFFFu32).filter_map(char::from_u32) {
            let s = format!("{c}x");
            let want = if c.is_whitespace() || is_zero_width(c) {
                0
            } else {
                c.len_utf8()
            };
            assert_eq!(kept_char_len(s.as_bytes(), 0), want, "U+{:04X}", c as u32);
        }
    }

    #[test]
    fn normalize_whitespace_fast_path_matches_definition() {
        let alphabet = [
            "a", "Z", "7", ".", " ", "\t", "\u{b}", "\u{c}", "\r", "\u{1f}", "\u{a0}", "\u{2009}",
            "\u{3000}", "\u{200b}", "\u{feff}", "\u{ad}", "é", "ả", "中", "😀", "©", "—", "ж",
            "\u{85}", "\u{1680}", "\u{2028}", "\u{205f}", "ｱ",
        ];
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        for len in 0..20_000 {
            let line = random_text(&mut state, &alphabet, len % 24);
            let mut out = String::from("kept ");
            normalize_whitespace(&line, &mut out);
            assert_eq!(
                out,
                format!("kept {}", normalize_reference(&line)),
                "{line:?}"
            );
        }
    }

    /// Lines that are mostly their own normal form, around the 8-byte boundaries.
    #[test]
    fn normal_ascii_lines_are_copied_whole() {
        let mut alphabet = vec!["a", "Z", "7", ".", "\u{1f}", "ab", "c ", "de ", " f"];
        alphabet.extend(["  ", "\t", "\r", "\u{b}", "é"]);
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut normal = 0;
        for len in 0..20_000 {
            let line = random_text(&mut state, &alphabet[..9 + len % 6], len % 30);
            let want = normalize_reference(&line);
            let is_normal = line.is_ascii() && line == want;
            assert_eq!(is_normal_ascii(line.as_bytes()), is_normal, "{line:?}");
            normal += usize::from(is_normal);
            let mut out = String::from("kept ");
            normalize_whitespace(&line, &mut out);
            assert_eq!(out, format!("kept {want}"), "{line:?}");
        }
        assert!(normal > 2000, "{normal}");
    }

    #[test]
    fn lines_match_str_lines() {
        for t in [
            "",
            "\n",
            "a",
            "a\n",
            "a\r\n",
            "a\r",
            "\r",
            "\r\n\r\n",
            "a\n\nb",
            "a\r\nb\r",
            "a\r\r\nb\n\r",
            "é\nü\r\n",
        ] {
            assert_eq!(
                lines(t).collect::<Vec<_>>(),
                t.lines().collect::<Vec<_>>(),
                "{t:?}"
            );
        }
    }

    #[test]
    fn blank_line_separated() {
        assert_eq!(texts("a b\n\nc d\n\n\ne"), ["a b", "c d", "e"]);
    }

    #[test]
    fn one_per_line() {
        assert_eq!(
            texts("Title\nBody one.\nBody two."),
            ["Title", "Body one.", "Body two."]
        );
    }

    #[test]
    fn nbsp_only_lines_are_separators() {
        let p = Segmenter::default().segment("one\n\u{a0} \u{a0}\ntwo");
        assert_eq!(p.len(), 2);
        assert_eq!(p[1].line, 3);
    }

    #[test]
    fn whitespace_normalised_not_rewritten() {
        assert_eq!(
            texts("\u{a0}“Quote”\u{200b} \t\u{2009} – end.\u{a0}"),
            ["“Quote” – end."]
        );
    }

    #[test]
    fn crlf_lines() {
        assert_eq!(texts("a\r\n\r\nb\r\n"), ["a", "b"]);
    }

    #[test]
    fn hard_wrapped_prose_is_joined() {
        let s = "This is a long line of prose that was wrapped by some tool at\n\
                 seventy characters, and it goes on here.\nNew Heading";
        assert_eq!(
            texts(s),
            [
                "This is a long line of prose that was wrapped by some tool at seventy characters, and it goes on here.",
                "New Heading"
            ]
        );
    }

    #[test]
    fn three_wrapped_lines_make_one_paragraph() {
        let s = "This is a long line of prose that was wrapped by some tool at\n\
                 seventy characters, and it goes on and on across the lines of\n\
                 the page, until it ends.\n\nNext";
        assert_eq!(
            texts(s),
            [
                "This is a long line of prose that was wrapped by some tool at seventy characters, and it goes on and on across the lines of the page, until it ends.",
                "Next"
            ]
        );
    }

    /// The segmenter as first written, one string a paragraph, which the one-buffer
    /// version must agree with.
    fn segment_reference(text: &str) -> Vec<(String, usize, bool)> {
        let mut out: Vec<(String, usize, bool)> = Vec::new();
        let (mut open, mut last_line_len) = (false, 0);
        for (i, raw) in lines(text).enumerate() {
            let mut buf = String::new();
            normalize_whitespace(raw, &mut buf);
            if buf.is_empty() {
                open = false;
                continue;
            }
            if open {
                let last = &mut out.last_mut().expect("open after a paragraph").0;
                if continues_wrapped(&last[last.len() - last_line_len..], &buf) {
                    last.push(' ');
                    last.push_str(&buf);
                    last_line_len = buf.len();
                    continue;
                }
            }
            last_line_len = buf.len();
            out.push((buf, i + 1, raw.starts_with(|c: char| c.is_whitespace())));
            open = true;
        }
        out
    }

    #[test]
    fn one_buffer_segments_as_one_string_a_paragraph() {
        // Words long enough that lines reach wrap width, lower-case starts, blank lines.
        let alphabet = [
            "prose ",
            "wrapped ",
            "and ",
            "It ",
            "\n",
            "\n",
            "\n\n",
            " \u{a0}",
            "é ",
            ", ",
            ".",
            "lines of the page go on ",
            "\u{200b}",
            "\r\n",
        ];
        let mut state = 0x5eed_u64;
        let mut joined = 0;
        for k in 0..3000 {
            let text = random_text(&mut state, &alphabet, k % 97);
            let got: Vec<(String, usize, bool)> = Segmenter::default()
                .segment(&text)
                .into_iter()
                .map(|p| (p.text.to_string(), p.line, p.indented))
                .collect();
            let want = segment_reference(&text);
            let non_blank = lines(&text)
                .filter(|l| {
                    let mut n = String::new();
                    normalize_whitespace(l, &mut n);
                    !n.is_empty()
                })
                .count();
            joined += non_blank - want.len();
            assert_eq!(got, want, "{text:?}");
        }
        assert!(joined > 100, "{joined}");
    }

    #[test]
    fn menu_lines_are_not_joined() {
        assert_eq!(
            texts("Home\nabout us\ncontact"),
            ["Home", "about us", "contact"]
        );
    }
}

/// The words of `text`, as Unicode word segmentation (UAX #29, the `unicode-segmentation`
/// crate's `unicode_words`) defines them: runs of letters and digits, joined across `'`, `.`
/// and `:` inside words and `.`, `,`, `;` and `'` inside numbers.
///
/// A space is always a word boundary, so the text is cut at the spaces around each non-ASCII
/// character; those pieces go through the crate, and the ASCII stretches between them (the
/// bulk of any crawl, even in pages with curly quotes) take a byte-level fast path applying
/// the same rules.
///
/// ```
/// let w: Vec<_> = gleaner::segment::words("Don’t pay $1,000.50 for e.g. foo_bar!").collect();
/// assert_eq!(w, ["Don’t", "pay", "1,000.50", "for", "e.g", "foo_bar"]);
/// ```
pub fn words(text: &str) -> Words<'_> {
    Words {
        rest: text,
        current: Piece::Ascii(AsciiWords { text: "", pos: 0 }),
    }
}

/// Iterator returned by [`words`].
pub struct Words<'a> {
    rest: &'a str,
    current: Piece<'a>,
}

enum Piece<'a> {
    Ascii(AsciiWords<'a>),
    Unicode(unicode_segmentation::UnicodeWords<'a>),
}

impl<'a> Iterator for Words<'a> {
    type Item = &'a str;

    #[inline]
    fn next(&mut self) -> Option<&'a str> {
        loop {
            let word = match &mut self.current {
                Piece::Ascii(w) => w.next(),
                Piece::Unicode(w) => w.next(),
            };
            if word.is_some() {
                return word;
            }
            if self.rest.is_empty() {
                return None;
            }
            let (piece, ascii, rest) = next_piece(self.rest);
            self.rest = rest;
            self.current = if ascii {
                Piece::Ascii(AsciiWords {
                    text: piece,
                    pos: 0,
                })
            } else {
                Piece::Unicode(unicode_segmentation::UnicodeSegmentation::unicode_words(
                    piece,
                ))
            };
        }
    }
}

/// The first piece of a non-empty `text` and what follows it: `(piece, is_ascii, rest)`. A
/// space is always a word boundary, so the text is cut at the spaces around its first
/// non-ASCII character: the ASCII stretch before that space, or else the piece with the
/// character, up to the next space (which is dropped).
#[inline]
pub(crate) fn next_piece(text: &str) -> (&str, bool, &str) {
    cut_piece(text, first_non_ascii(text.as_bytes()))
}

/// [`next_piece`], with the plain letters of [`is_plain_letter`] counted as ASCII letters: the
/// first piece is the stretch of ASCII and plain letters before the space ahead of the first
/// other character, or else the piece with that character, up to the next space.
#[inline]
fn next_plain_piece(text: &str) -> (&str, bool, &str) {
    cut_piece(text, first_non_plain(text))
}

/// The cut of [`next_piece`] and [`next_plain_piece`], given where the first character that
/// the fast path does not take is (`None`: nowhere).
#[inline(always)]
fn cut_piece(text: &str, other: Option<usize>) -> (&str, bool, &str) {
    let bytes = text.as_bytes();
    let Some(at) = other else {
        return (text, true, "");
    };
    if let Some(space) = memchr::memrchr(b' ', &bytes[..at]) {
        let (piece, rest) = text.split_at(space + 1);
        return (piece, true, rest);
    }
    let end = memchr::memchr(b' ', &bytes[at..]).map_or(bytes.len(), |e| at + e);
    (&text[..end], false, text.get(end + 1..).unwrap_or(""))
}

/// Letters outside ASCII whose UAX #29 word-break class is ALetter, like an ASCII letter's, and
/// that are alphanumeric: Latin-1 and Latin Extended-A/B letters, the Greek capitals and small
/// letters, most of Cyrillic, Latin Extended Additional (Vietnamese). Within a word they act
/// as ASCII letters do, so a text of ASCII and these is cut by the 64-byte word finder, with
/// every byte ≥ 0x80 taken as a letter (checked against the crate, character by character, in
/// `plain_letters_are_aletters`).
#[inline]
pub(crate) fn is_plain_letter(c: char) -> bool {
    matches!(
        c as u32,
        0xC0..=0xD6
            | 0xD8..=0xF6
            | 0xF8..=0x24F
            | 0x391..=0x3A1
            | 0x3A3..=0x3C9
            | 0x400..=0x481
            | 0x48A..=0x52F
            | 0x1E00..=0x1EFF
    )
}

/// The position of the first character of `text` that is neither ASCII nor a plain letter
/// ([`is_plain_letter`]).
#[inline]
fn first_non_plain(text: &str) -> Option<usize> {
    let b = text.as_bytes();
    let mut i = 0;
    loop {
        i += first_non_ascii(&b[i..])?;
        // A run of non-ASCII characters, one at a time.
        for c in text[i..].chars() {
            if c.is_ascii() {
                break;
            }
            if !is_plain_letter(c) {
                return Some(i);
            }
            i += c.len_utf8();
        }
        if i >= b.len() {
            return None;
        }
    }
}

/// The position of the first byte of `b` that is not ASCII, 8 bytes at a time.
pub(crate) fn first_non_ascii(b: &[u8]) -> Option<usize> {
    let mut chunks = b.chunks_exact(8);
    for (i, c) in chunks.by_ref().enumerate() {
        let x = u64::from_le_bytes(c.try_into().expect("8 bytes"));
        if x & 0x8080_8080_8080_8080 != 0 {
            return Some(i * 8 + (x & 0x8080_8080_8080_8080).trailing_zeros() as usize / 8);
        }
    }
    let tail = b.len() - chunks.remainder().len();
    chunks
        .remainder()
        .iter()
        .position(|&c| c >= 0x80)
        .map(|p| tail + p)
}

/// The words of an ASCII `text`, the same as [`words`] gives (a space or any other ASCII
/// non-word byte is a boundary either way), without cutting it at spaces first: the
/// reference for [`ascii_word_spans`].
#[cfg(test)]
fn ascii_words(text: &str) -> impl Iterator<Item = &str> {
    debug_assert!(text.is_ascii());
    AsciiWords { text, pos: 0 }
}

/// UAX #29 word boundaries restricted to ASCII (rules WB5–WB13b with ALetter = letters,
/// Numeric = digits, MidLetter = `:`, MidNumLet = `.`, Single_Quote = `'`, MidNum = `,` `;`,
/// ExtendNumLet = `_`), keeping only words with a letter or digit.
struct AsciiWords<'a> {
    text: &'a str,
    pos: usize,
}

impl<'a> Iterator for AsciiWords<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        let b = self.text.as_bytes();
        let n = b.len();
        let class = |c: u8| ASCII_CLASS[usize::from(c)];
        loop {
            // Skip to the next word character.
            while self.pos < n && class(b[self.pos]) & WORD == 0 {
                self.pos += 1;
            }
            if self.pos >= n {
                return None;
            }
            let start = self.pos;
            // Whether the word has a letter or digit, not only `_`.
            let mut alnum = class(b[start]);
            let mut i = start + 1;
            loop {
                while i < n && class(b[i]) & WORD != 0 {
                    alnum |= class(b[i]);
                    i += 1;
                }
                // A single joiner between two word characters of the right kinds.
                if i + 1 < n && class(b[i + 1]) & WORD != 0 {
                    let (prev, mid, next) = (class(b[i - 1]), b[i], class(b[i + 1]));
                    let letters = prev & next & LETTER != 0 && matches!(mid, b'\'' | b'.' | b':');
                    let digits =
                        prev & next & DIGIT != 0 && matches!(mid, b'\'' | b'.' | b',' | b';');
                    if letters || digits {
                        i += 2;
                        alnum |= next;
                        continue;
                    }
                }
                break;
            }
            self.pos = i;
            if alnum & (LETTER | DIGIT) != 0 {
                return Some(&self.text[start..i]);
            }
        }
    }
}

/// Calls `f` on each of [`words`]`(text)`, in order: ASCII text, and the ASCII stretches of
/// other text, go through the 64-byte word finder ([`for_each_ascii_word`]), with buffers
/// kept per thread.
#[inline]
pub(crate) fn for_each_word<'a>(text: &'a str, mut f: impl FnMut(&'a str)) {
    thread_local! {
        static SPANS: std::cell::RefCell<Spans> = Default::default();
    }
    SPANS.with(|spans| {
        let spans = &mut *spans.borrow_mut();
        let mut rest = text;
        while !rest.is_empty() {
            let (piece, plain, after) = next_plain_piece(rest);
            rest = after;
            if plain {
                for_each_ascii_word(piece.as_bytes(), spans, |a, b| f(&piece[a..b]));
            } else if !short_piece_words(piece, &mut f) {
                unicode_segmentation::UnicodeSegmentation::unicode_words(piece).for_each(&mut f);
            }
        }
        spans.trim(1 << 16);
    });
}

/// Character classes of [`short_piece_words`], beside `WORD`, `LETTER` and `DIGIT`: joiners of
/// letters (MidLetter, MidNumLet, Single_Quote) and of digits (MidNum, MidNumLet,
/// Single_Quote).
const MID_LETTER: u8 = 8;
const MID_NUM: u8 = 16;

/// The class of `c` for [`short_piece_words`], or `None` for a character it leaves to the
/// crate.
#[inline]
fn piece_class(c: char) -> Option<u8> {
    if c.is_ascii() {
        let b = c as u8;
        let mid = match b {
            b'\'' | b'.' => MID_LETTER | MID_NUM,
            b':' => MID_LETTER,
            b',' | b';' => MID_NUM,
            _ => 0,
        };
        return Some(ASCII_CLASS[usize::from(b)] | mid);
    }
    if is_plain_letter(c) {
        return Some(WORD | LETTER);
    }
    match c {
        // Curly single quotes and the one-dot leader (MidNumLet), the middle dot (MidLetter).
        '\u{2018}' | '\u{2019}' | '\u{2024}' => Some(MID_LETTER | MID_NUM),
        '\u{b7}' => Some(MID_LETTER),
        // Punctuation and symbols that are never part of a word (word-break class Other, and
        // not alphanumeric): dashes, double quotes, the ellipsis, bullets, ©, ®, ™, ×, …
        '\u{a1}'..='\u{a9}'
        | '\u{ab}'
        | '\u{ac}'
        | '\u{ae}'..='\u{b1}'
        | '\u{b6}'
        | '\u{bb}'
        | '\u{bf}'
        | '\u{d7}'
        | '\u{f7}'
        | '\u{2010}'..='\u{2017}'
        | '\u{201a}'..='\u{2023}'
        | '\u{2025}'..='\u{2026}'
        | '\u{2030}'..='\u{203e}'
        | '\u{2122}'
        | '\u{2190}'..='\u{21ff}'
        | '\u{25a0}'..='\u{25ff}'
        | '\u{2605}'
        | '\u{2606}' => Some(0),
        _ => None,
    }
}

/// The words of a `piece` of at most 48 characters, all of them ASCII, plain letters
/// ([`is_plain_letter`]) or the punctuation of [`piece_class`], passed to `f` as [`words`]
/// gives them (the rules of the ASCII word finder, over characters); `false`, with `f` not
/// called, for any other piece.
fn short_piece_words<'a>(piece: &'a str, f: &mut impl FnMut(&'a str)) -> bool {
    const MAX: usize = 48;
    let mut at = [0u32; MAX + 1];
    let mut class = [0u8; MAX];
    let mut n = 0;
    for (i, c) in piece.char_indices() {
        if n == MAX {
            return false;
        }
        let Some(k) = piece_class(c) else {
            return false;
        };
        at[n] = i as u32;
        class[n] = k;
        n += 1;
    }
    at[n] = piece.len() as u32;
    let mut pos = 0;
    loop {
        while pos < n && class[pos] & WORD == 0 {
            pos += 1;
        }
        if pos >= n {
            return true;
        }
        let start = pos;
        let mut alnum = class[start];
        let mut i = start + 1;
        loop {
            while i < n && class[i] & WORD != 0 {
                alnum |= class[i];
                i += 1;
            }
            if i + 1 < n && class[i + 1] & WORD != 0 {
                let (prev, mid, next) = (class[i - 1], class[i], class[i + 1]);
                let letters = prev & next & LETTER != 0 && mid & MID_LETTER != 0;
                let digits = prev & next & DIGIT != 0 && mid & MID_NUM != 0;
                if letters || digits {
                    i += 2;
                    alnum |= next;
                    continue;
                }
            }
            break;
        }
        pos = i;
        if alnum & (LETTER | DIGIT) != 0 {
            f(&piece[at[start] as usize..at[i] as usize]);
        }
    }
}

/// Buffers of [`ascii_word_spans`], reused from text to text.
#[derive(Default)]
pub(crate) struct Spans {
    /// Per 64-byte block: letters, digits, `_`, letter joiners (`'` `.` `:`), digit joiners
    /// (`'` `.` `,` `;`), one bit per byte.
    classes: Vec<[u64; 5]>,
    /// Per block: the bytes that belong to a word.
    masks: Vec<u64>,
    /// Where each word starts and ends (exclusive), for the tests.
    #[cfg(test)]
    pub starts: Vec<u32>,
    #[cfg(test)]
    pub ends: Vec<u32>,
}

impl Spans {
    /// Gives back buffers that grew past `keep` elements.
    #[inline] // called once a paragraph, and almost never with anything to give back
    pub fn trim(&mut self, keep: usize) {
        self.classes.shrink_to(keep / 64);
        self.masks.shrink_to(keep / 64);
    }
}

/// The words of an ASCII `text` as byte ranges (`starts[i]..ends[i]` in `spans`): see
/// [`for_each_ascii_word`].
#[cfg(test)]
pub(crate) fn ascii_word_spans(text: &[u8], spans: &mut Spans) {
    let (mut starts, mut ends) = (std::mem::take(&mut spans.starts), Vec::new());
    starts.clear();
    for_each_ascii_word(text, spans, |a, b| {
        starts.push(a as u32);
        ends.push(b as u32);
    });
    spans.starts = starts;
    spans.ends = ends;
}

/// Calls `f(start, end)` for each word of an ASCII `text` (or of one whose other characters
/// are all plain letters, [`is_plain_letter`], their bytes taken as letters), in order: the
/// same words as [`ascii_words`] gives, found 64 bytes at a time without a branch per byte. The byte
/// classes become bit masks (16 bytes per SSE2 compare on x86-64), a joiner (`'` `.` `:`
/// between letters, `'` `.` `,` `;` between digits) joins when the bits on both sides say
/// so, and the words are the runs of set bits.
#[inline]
pub(crate) fn for_each_ascii_word(text: &[u8], spans: &mut Spans, f: impl FnMut(usize, usize)) {
    ascii_words_tallied::<false>(text, spans, f);
}

/// What [`for_each_ascii_word_tallied`] counts in the bytes of an ASCII text.
#[derive(Debug, Default, PartialEq)]
pub(crate) struct Tally {
    pub letters: u32,
    pub upper: u32,
    pub digits: u32,
    /// Bytes that are `char::is_whitespace`.
    pub spaces: u32,
    /// `.`, `!` or `?` followed by whitespace or the end.
    pub sentence_ends: u32,
}

/// [`for_each_ascii_word`] on an ASCII `text`, also counting its letters, capitals, digits,
/// spaces and sentence ends from the same loads: a second pass over the text cost more.
#[inline]
pub(crate) fn for_each_ascii_word_tallied(
    text: &[u8],
    spans: &mut Spans,
    f: impl FnMut(usize, usize),
) -> Tally {
    ascii_words_tallied::<true>(text, spans, f)
}

#[inline(always)]
fn ascii_words_tallied<const TALLY: bool>(
    text: &[u8],
    spans: &mut Spans,
    mut f: impl FnMut(usize, usize),
) -> Tally {
    let Spans { classes, masks, .. } = spans;
    classes.clear();
    masks.clear();
    let mut tally = Tally::default();
    let mut acc = TallyAcc::default();
    let mut blocks = text.chunks_exact(64);
    for (k, b) in blocks.by_ref().enumerate() {
        classes.push(classify_quarters::<TALLY>(
            b.try_into().expect("64 bytes"),
            4,
            &mut acc,
        ));
        // A byte counter gains at most 4 a block: summed before it can pass 255.
        if TALLY && k % 63 == 62 {
            acc.flush(&mut tally);
        }
    }
    if !blocks.remainder().is_empty() {
        let mut last = [0u8; 64];
        last[..blocks.remainder().len()].copy_from_slice(blocks.remainder());
        // Most texts are shorter than a block: the zero padding past them is left unread.
        let quarters = blocks.remainder().len().div_ceil(16);
        classes.push(classify_quarters::<TALLY>(&last, quarters, &mut acc));
    }
    if TALLY {
        acc.flush(&mut tally);
        tally.sentence_ends += u32::from(matches!(text.last(), Some(b'.' | b'!' | b'?')));
    }
    const NONE: [u64; 5] = [0; 5];
    for (k, c) in classes.iter().enumerate() {
        let prev = if k > 0 { &classes[k - 1] } else { &NONE };
        let next = classes.get(k + 1).unwrap_or(&NONE);
        // Bit i of `before(x)` is bit i − 1 of x, of `after(x)` bit i + 1, across blocks.
        let before = |j: usize| (c[j] << 1) | (prev[j] >> 63);
        let after = |j: usize| (c[j] >> 1) | (next[j] << 63);
        let joined = (c[3] & before(0) & after(0)) | (c[4] & before(1) & after(1));
        masks.push(c[0] | c[1] | c[2] | joined);
    }
    // A word's start, when it goes on into the next block.
    let mut open = None;
    for (k, &m) in masks.iter().enumerate() {
        let prev = if k > 0 { masks[k - 1] } else { 0 };
        let next = masks.get(k + 1).copied().unwrap_or(0);
        let base = 64 * k;
        let mut starts = m & !((m << 1) | (prev >> 63));
        let mut ends = m & !((m >> 1) | (next << 63));
        // Starts and ends alternate: each end closes the open word or the next start.
        while ends != 0 {
            let end = base + ends.trailing_zeros() as usize + 1;
            ends &= ends - 1;
            let start = open.take().unwrap_or_else(|| {
                let s = base + starts.trailing_zeros() as usize;
                starts &= starts.wrapping_sub(1);
                s
            });
            // A run of `_` alone is not a word: it needs a letter or a digit.
            if text[start] != b'_'
                || text[start..end]
                    .iter()
                    .any(|&b| b.is_ascii_alphanumeric() || b >= 0x80)
            {
                f(start, end);
            }
        }
        if starts != 0 {
            open = Some(base + starts.trailing_zeros() as usize);
        }
    }
    tally
}

/// The class masks of 64 ASCII bytes: letters, digits, `_`, letter joiners, digit joiners.
#[cfg(test)]
fn classify(block: &[u8; 64]) -> [u64; 5] {
    classify_quarters::<false>(block, 4, &mut TallyAcc::default())
}

/// 0xFF for each byte of `v` in `lo..lo + n` (as an unsigned range), else 0: SSE2 compares
/// bytes as signed, so `lo` is shifted to −128 first.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
pub(crate) fn bytes_in_range(
    v: core::arch::x86_64::__m128i,
    lo: u8,
    n: u8,
) -> core::arch::x86_64::__m128i {
    use core::arch::x86_64::*;
    // SAFETY: SSE2 is part of the x86_64 baseline; no memory is read.
    unsafe {
        let shifted = _mm_add_epi8(v, _mm_set1_epi8(0x80u8.wrapping_sub(lo) as i8));
        _mm_cmplt_epi8(shifted, _mm_set1_epi8((0x80u8 + n) as i8))
    }
}

/// [`classify`] of the first `quarters` 16-byte quarters of `block`, the rest taken as zero
/// bytes (which are in no class); with `TALLY`, also the masks of capitals, whitespace and
/// `.` `!` `?`.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn classify_quarters<const TALLY: bool>(
    block: &[u8; 64],
    quarters: usize,
    acc: &mut TallyAcc,
) -> [u64; 5] {
    use core::arch::x86_64::*;
    let mut out = [0u64; 5];
    for q in 0..quarters.min(4) {
        // SAFETY: SSE2 is part of the x86_64 baseline, and the unaligned load reads the 16
        // bytes at `16 * q` of the 64-byte block.
        let m = unsafe {
            let x = _mm_loadu_si128(block.as_ptr().add(16 * q).cast::<__m128i>());
            let eq = |c: u8| _mm_cmpeq_epi8(x, _mm_set1_epi8(c as i8));
            let in_range = bytes_in_range;
            // Bytes ≥ 0x80 are letters: those of the plain letters of `is_plain_letter`.
            let letter = _mm_or_si128(
                in_range(_mm_or_si128(x, _mm_set1_epi8(0x20)), b'a', 26),
                _mm_cmplt_epi8(x, _mm_setzero_si128()),
            );
            let digit = in_range(x, b'0', 10);
            let both = _mm_or_si128(eq(b'\''), eq(b'.'));
            let mid_letter = _mm_or_si128(both, eq(b':'));
            let mid_num = _mm_or_si128(both, _mm_or_si128(eq(b','), eq(b';')));
            if TALLY {
                // Per-byte counters (a mask byte is −1: subtracting it counts one).
                let upper = in_range(x, b'A', 26);
                let space = _mm_or_si128(in_range(x, b'\t', 5), eq(b' '));
                let terminal = _mm_or_si128(_mm_or_si128(eq(b'.'), eq(b'!')), eq(b'?'));
                let after_terminal = _mm_or_si128(
                    _mm_slli_si128::<1>(terminal),
                    _mm_srli_si128::<15>(acc.carry),
                );
                acc.carry = terminal;
                let ends = _mm_and_si128(space, after_terminal);
                for (a, m) in acc.sums.iter_mut().zip([letter, upper, digit, space, ends]) {
                    *a = _mm_sub_epi8(*a, m);
                }
            }
            [letter, digit, eq(b'_'), mid_letter, mid_num].map(|v| _mm_movemask_epi8(v) as u16)
        };
        for (o, m) in out.iter_mut().zip(m) {
            *o |= u64::from(m) << (16 * q);
        }
    }
    out
}

/// The counts [`classify_quarters`] keeps for a [`Tally`]: per-byte counters of letters,
/// capitals, digits, spaces and sentence ends, and the last quarter's terminal marks.
#[cfg(target_arch = "x86_64")]
struct TallyAcc {
    sums: [core::arch::x86_64::__m128i; 5],
    carry: core::arch::x86_64::__m128i,
}

#[cfg(target_arch = "x86_64")]
impl Default for TallyAcc {
    fn default() -> Self {
        use core::arch::x86_64::*;
        // SAFETY: SSE2 is part of the x86_64 baseline.
        let zero = unsafe { _mm_setzero_si128() };
        TallyAcc {
            sums: [zero; 5],
            carry: zero,
        }
    }
}

#[cfg(target_arch = "x86_64")]
impl TallyAcc {
    /// Adds the counters to `tally` and clears them.
    fn flush(&mut self, tally: &mut Tally) {
        use core::arch::x86_64::*;
        // SAFETY: SSE2 is part of the x86_64 baseline.
        let sum = |v: __m128i| unsafe {
            let pairs = _mm_sad_epu8(v, _mm_setzero_si128());
            (_mm_cvtsi128_si64(pairs) + _mm_cvtsi128_si64(_mm_srli_si128::<8>(pairs))) as u32
        };
        tally.letters += sum(self.sums[0]);
        tally.upper += sum(self.sums[1]);
        tally.digits += sum(self.sums[2]);
        tally.spaces += sum(self.sums[3]);
        tally.sentence_ends += sum(self.sums[4]);
        let carry = self.carry;
        *self = TallyAcc::default();
        self.carry = carry;
    }
}

/// The class masks of 64 ASCII bytes, a byte at a time (other targets, and the reference for
/// the test of the SSE2 version).
#[cfg_attr(target_arch = "x86_64", allow(dead_code))]
fn classify_bytes(block: &[u8; 64]) -> [u64; 5] {
    let mut out = [0u64; 5];
    for (i, &b) in block.iter().enumerate() {
        let bits = [
            b.is_ascii_alphabetic() || b >= 0x80,
            b.is_ascii_digit(),
            b == b'_',
            matches!(b, b'\'' | b'.' | b':'),
            matches!(b, b'\'' | b'.' | b',' | b';'),
        ];
        for (o, bit) in out.iter_mut().zip(bits) {
            *o |= u64::from(bit) << i;
        }
    }
    out
}

#[cfg(not(target_arch = "x86_64"))]
fn classify_quarters<const TALLY: bool>(
    block: &[u8; 64],
    _quarters: usize,
    acc: &mut TallyAcc,
) -> [u64; 5] {
    let c = classify_bytes(block);
    if TALLY {
        let [upper, space, terminal] = tally_bytes(block);
        acc.tally.letters += c[0].count_ones();
        acc.tally.digits += c[1].count_ones();
        acc.tally.upper += upper.count_ones();
        acc.tally.spaces += space.count_ones();
        acc.tally.sentence_ends +=
            (space & ((terminal << 1) | (acc.prev_terminal >> 63))).count_ones();
        acc.prev_terminal = terminal;
    }
    c
}

/// The counts [`classify_quarters`] keeps for a [`Tally`], and the last block's terminal
/// marks.
#[cfg(not(target_arch = "x86_64"))]
#[derive(Default)]
struct TallyAcc {
    tally: Tally,
    prev_terminal: u64,
}

#[cfg(not(target_arch = "x86_64"))]
impl TallyAcc {
    /// Adds the counts to `tally` and clears them.
    fn flush(&mut self, tally: &mut Tally) {
        let t = std::mem::take(&mut self.tally);
        tally.letters += t.letters;
        tally.upper += t.upper;
        tally.digits += t.digits;
        tally.spaces += t.spaces;
        tally.sentence_ends += t.sentence_ends;
    }
}

/// The masks of capitals, whitespace and `.` `!` `?` of 64 ASCII bytes, a byte at a time.
#[cfg_attr(target_arch = "x86_64", allow(dead_code))]
fn tally_bytes(block: &[u8; 64]) -> [u64; 3] {
    let mut out = [0u64; 3];
    for (i, &b) in block.iter().enumerate() {
        let bits = [
            b.is_ascii_uppercase(),
            matches!(b, b' ' | b'\t'..=b'\r'),
            matches!(b, b'.' | b'!' | b'?'),
        ];
        for (o, bit) in out.iter_mut().zip(bits) {
            *o |= u64::from(bit) << i;
        }
    }
    out
}

/// Byte classes of the ASCII word rules, one table lookup per byte.
const WORD: u8 = 1;
const LETTER: u8 = 2;
const DIGIT: u8 = 4;
static ASCII_CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut c = 0;
    while c < 128 {
        let b = c as u8;
        t[c] = if b.is_ascii_alphabetic() {
            WORD | LETTER
        } else if b.is_ascii_digit() {
            WORD | DIGIT
        } else if b == b'_' {
            WORD
        } else {
            0
        };
        c += 1;
    }
    t
};

#[cfg(test)]
mod word_tests {
    use super::*;
    use unicode_segmentation::UnicodeSegmentation;

    /// The fast path must agree with the crate, on ASCII and mixed input.
    #[test]
    fn ascii_words_match_uax29() {
        let alphabet = [
            "a", "Z", "0", "9", "_", ".", ",", ";", ":", "'", "\"", " ", " ", "-", "!", "\n", "\t",
            "é", "’", "中", "\u{301}", "\u{a0}", "ả", "😀", "\u{200d}", "ß", "Ж", "ω", "ơ", "ÿ",
            "×", "·", "«", "\u{483}", "\u{5d0}",
        ];
        let mut state = 0x2545F4914F6CDD1Du64;
        for len in 0..5000 {
            let s = random_text(&mut state, &alphabet, len % 24);
            let fast: Vec<&str> = words(&s).collect();
            let crate_words: Vec<&str> = s.unicode_words().collect();
            assert_eq!(fast, crate_words, "input {s:?}");
            let mut each = Vec::new();
            for_each_word(&s, |w| each.push(w));
            assert_eq!(each, crate_words, "input {s:?}");
            if s.is_ascii() {
                assert_eq!(ascii_words(&s).collect::<Vec<_>>(), fast, "input {s:?}");
            }
        }
    }

    /// Each plain letter acts as an ASCII letter in every short context: joined with letters,
    /// digits, `_`, across `'` `.` `:`, and not across `,` `;` `-` or a space.
    #[test]
    fn plain_letters_are_aletters() {
        let long = ["X", "a", "0", ".", "'", ":", ",", ";", "_", " ", "-"];
        let short = ["X", "a", "0", ".", "'", "_"];
        let mut templates: Vec<String> = Vec::new();
        let mut grow = |alphabet: &[&str], len: u32| {
            let n = alphabet.len();
            for mut k in 0..n.pow(len) {
                let mut t = String::new();
                for _ in 0..len {
                    t.push_str(alphabet[k % n]);
                    k /= n;
                }
                if t.contains('X') {
                    templates.push(t);
                }
            }
        };
        for len in 1..=3 {
            grow(&long, len);
        }
        grow(&short, 4);
        let mut plain = 0;
        for c in (0x80..0x2000).filter_map(char::from_u32) {
            if !is_plain_letter(c) {
                continue;
            }
            plain += 1;
            for t in &templates {
                let s = t.replace('X', c.encode_utf8(&mut [0; 4]));
                let mut each = Vec::new();
                for_each_word(&s, |w| each.push(w));
                let crate_words: Vec<&str> = s.unicode_words().collect();
                assert_eq!(each, crate_words, "input {s:?}");
            }
        }
        assert!(plain > 1000);
        assert!((0x2000..=0x10FFFF)
            .filter_map(char::from_u32)
            .all(|c| !is_plain_letter(c)));
    }

    /// Each character of `piece_class` acts in short contexts as the crate has it.
    #[test]
    fn piece_classes_match_uax29() {
        let alphabet = [
            "X", "a", "0", ".", "'", ":", ",", "_", " ", "-", "’", "é", "—", "\u{301}", "\u{200d}",
        ];
        let n = alphabet.len();
        let mut templates: Vec<String> = Vec::new();
        for len in 1..=4u32 {
            for mut k in 0..n.pow(len) {
                let mut t = String::new();
                for _ in 0..len {
                    t.push_str(alphabet[k % n]);
                    k /= n;
                }
                if t.contains('X') && (len < 4 || !t.contains(' ')) {
                    templates.push(t);
                }
            }
        }
        let mut covered = 0;
        for c in (0x80..0x3000).filter_map(char::from_u32) {
            if piece_class(c).is_none() || is_plain_letter(c) {
                continue;
            }
            covered += 1;
            for t in &templates {
                let s = t.replace('X', c.encode_utf8(&mut [0; 4]));
                let mut each = Vec::new();
                for_each_word(&s, |w| each.push(w));
                let crate_words: Vec<&str> = s.unicode_words().collect();
                assert_eq!(each, crate_words, "input {s:?}");
            }
        }
        assert!(covered > 100);
        assert!((0x3000..=0x10FFFF)
            .filter_map(char::from_u32)
            .all(|c| piece_class(c).is_none()));
    }

    /// Long texts of plain letters, ASCII and a few other characters, over block boundaries.
    #[test]
    fn long_mixed_texts_match_uax29() {
        let alphabet = [
            "a", "Z", "0", "_", ".", ",", ":", "'", " ", " ", " ", "é", "Ł", "ǅ", "ß", "Ж", "я",
            "ω", "Ά", "ơ", "ể", "ё", "’", "中", "\u{301}", "-", "Ё'", "ả.", "ї:", "‘", "—", "–",
            "“", "”", "…", "·", "©", "×", "\u{200d}", "½", "9", "’9", ",1",
        ];
        let mut state = 0x1234_5678_9ABC_DEF1u64;
        for len in 0..3000 {
            let s = random_text(&mut state, &alphabet, len % 200);
            let mut each = Vec::new();
            for_each_word(&s, |w| each.push(w));
            let crate_words: Vec<&str> = s.unicode_words().collect();
            assert_eq!(each, crate_words, "input {s:?}");
        }
    }

    #[test]
    fn words_match_uax29_on_real_pages() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/pages");
        let dir = std::env::var_os("GLEANER_BENCH_CORPUS").map_or(dir, Into::into);
        let mut lines = 0;
        for entry in std::fs::read_dir(dir).unwrap() {
            let text = std::fs::read_to_string(entry.unwrap().path()).unwrap_or_default();
            for line in text.lines() {
                let fast: Vec<&str> = words(line).collect();
                let crate_words: Vec<&str> = line.unicode_words().collect();
                assert_eq!(fast, crate_words, "{line}");
                let mut each = Vec::new();
                for_each_word(line, |w| each.push(w));
                assert_eq!(each, crate_words, "{line}");
                lines += 1;
            }
        }
        assert!(lines > 100);
    }

    /// The 64-bytes-at-a-time spans are the words of the byte-at-a-time path.
    #[test]
    fn ascii_word_spans_match_ascii_words() {
        let alphabet = [
            "a", "Z", "q", "0", "9", "_", ".", ",", ";", ":", "'", "\"", " ", " ", "-", "!", "\n",
            "__", "ab", "12",
        ];
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        let mut spans = Spans::default();
        for len in 0..20_000 {
            let s = random_text(&mut state, &alphabet, len % 150);
            ascii_word_spans(s.as_bytes(), &mut spans);
            let got: Vec<&str> = spans
                .starts
                .iter()
                .zip(&spans.ends)
                .map(|(&a, &b)| &s[a as usize..b as usize])
                .collect();
            assert_eq!(got, ascii_words(&s).collect::<Vec<_>>(), "input {s:?}");
        }
    }

    #[test]
    fn classify_matches_the_byte_at_a_time_version() {
        let mut block = [0u8; 64];
        for start in (0u16..256).step_by(64) {
            for (i, b) in block.iter_mut().enumerate() {
                *b = (start + i as u16) as u8;
            }
            assert_eq!(classify(&block), classify_bytes(&block));
        }
    }

    /// A short text's block, classified only as far as the text goes, has the masks of the
    /// whole zero-padded block.
    #[test]
    fn classify_quarters_matches_the_padded_block() {
        const ALPHABET: &[u8] = b"aZ09_'.:,; \t-!e";
        let mut state = 0x2545_F491_4F6C_DD1Du64;
        for len in 0..=64 {
            let mut block = [0u8; 64];
            for b in &mut block[..len] {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                *b = ALPHABET[(state % ALPHABET.len() as u64) as usize] | (state as u8 & 0x80);
            }
            let quarters = len.div_ceil(16);
            assert_eq!(
                classify_quarters::<true>(&block, quarters, &mut TallyAcc::default()),
                classify_bytes(&block)
            );
        }
    }

    #[test]
    fn first_non_ascii_byte_is_found() {
        assert_eq!(first_non_ascii(b"plain ascii text, long enough"), None);
        for at in 0..20 {
            let mut s = vec![b'a'; 20];
            s[at] = 0xC3;
            assert_eq!(first_non_ascii(&s), Some(at));
        }
    }

    #[test]
    fn non_ascii_goes_through_the_crate() {
        let w: Vec<_> = words("Hà Nội, 2024").collect();
        assert_eq!(w, ["Hà", "Nội", "2024"]);
    }
}
