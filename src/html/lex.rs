//! A tokenizer for the subset of the HTML standard's tokenizer that block extraction needs:
//! text with character references decoded, start tags with their attributes, end tags,
//! comments, doctypes and bogus comments (dropped), and raw-text elements (`<script>`,
//! `<style>`, ...) whose content runs to the matching end tag.
//!
//! It works on the bytes of a `&str` and splits only at ASCII delimiters, so every slice is
//! valid UTF-8. It allocates nothing per token: text without `&` and tag names in lower case
//! are handed out as slices of the input. html5ever's tokenizer, used before, goes character
//! by character through a queue of tendrils, which took most of the page time.
//!
//! Left out, as block extraction does not need them: the script-data escape states (a
//! `</script>` inside `<!-- -->` in a script still ends it), CDATA sections in SVG/MathML
//! (their text is skipped anyway), and parse-error reporting.

use std::borrow::Cow;

use html5ever::data::{C1_REPLACEMENTS, NAMED_ENTITIES};

/// How a raw-text element's content is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Raw {
    /// Text up to the end tag, character references left as they are (`<script>`, `<style>`).
    Text,
    /// Text up to the end tag, character references decoded (`<title>`, `<textarea>`).
    Rcdata,
}

/// One attribute: byte ranges of its name and value in the page.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Attr {
    name: (u32, u32),
    value: (u32, u32),
}

/// A start tag's attributes, borrowed from the page.
pub(crate) struct Attrs<'a> {
    src: &'a str,
    list: &'a [Attr],
}

impl<'a> Attrs<'a> {
    /// Each attribute's name (as written: compare it case-insensitively) and raw value.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (&'a str, &'a str)> + '_ {
        self.list.iter().map(|a| {
            (
                &self.src[a.name.0 as usize..a.name.1 as usize],
                &self.src[a.value.0 as usize..a.value.1 as usize],
            )
        })
    }
}

/// An attribute value with its character references decoded.
pub(crate) fn attr_value(raw: &str) -> Cow<'_, str> {
    if raw.contains('&') {
        let mut out = String::with_capacity(raw.len());
        decode_refs(raw, &mut out, true);
        Cow::Owned(out)
    } else {
        Cow::Borrowed(raw)
    }
}

/// What the tokenizer hands its tokens to.
pub(crate) trait Sink {
    /// A run of text, character references decoded.
    fn text(&mut self, text: &str);
    /// A start tag, its name in lower case. Returning `Some` reads the element's content as
    /// raw text up to its end tag.
    fn start(&mut self, name: &str, attrs: Attrs<'_>, self_closing: bool) -> Option<Raw>;
    /// An end tag, its name in lower case.
    fn end(&mut self, name: &str);
}

fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | b'\x0c')
}

/// Tokenizes `html` into `sink`.
pub(crate) fn tokenize(html: &str, sink: &mut impl Sink) {
    let bytes = html.as_bytes();
    let mut attrs: Vec<Attr> = Vec::new();
    let mut scratch = String::new();
    let mut name_buf = String::new();
    let mut at = 0;
    while at < bytes.len() {
        let Some(lt) = memchr::memchr(b'<', &bytes[at..]).map(|i| at + i) else {
            text(&html[at..], sink, &mut scratch);
            return;
        };
        if lt > at {
            text(&html[at..lt], sink, &mut scratch);
        }
        let next = bytes.get(lt + 1).copied();
        match next {
            Some(b) if b.is_ascii_alphabetic() => {
                let (name, end) = tag_name(html, lt + 1, &mut name_buf);
                let Some((end, self_closing)) = attributes(bytes, end, &mut attrs) else {
                    // A tag cut off by the end of the page is dropped (the standard's rule).
                    return;
                };
                let raw = sink.start(
                    name,
                    Attrs {
                        src: html,
                        list: &attrs,
                    },
                    self_closing,
                );
                at = end;
                if let Some(raw) = raw {
                    let close = raw_end(bytes, at, name);
                    let content = &html[at..close];
                    if !content.is_empty() {
                        match raw {
                            Raw::Text => sink.text(content),
                            Raw::Rcdata => text(content, sink, &mut scratch),
                        }
                    }
                    at = close;
                }
            }
            Some(b'/') => match bytes.get(lt + 2) {
                Some(b) if b.is_ascii_alphabetic() => {
                    let (name, end) = tag_name(html, lt + 2, &mut name_buf);
                    let Some((end, _)) = attributes(bytes, end, &mut attrs) else {
                        return;
                    };
                    sink.end(name);
                    at = end;
                }
                Some(b'>') => at = lt + 3,
                // `</` then anything else opens a bogus comment.
                _ => at = skip_to_gt(bytes, lt + 2),
            },
            Some(b'!') => {
                at = if bytes[lt + 2..].starts_with(b"--") {
                    comment_end(bytes, lt + 4)
                } else {
                    // Doctype, CDATA outside foreign content, `<!foo>`.
                    skip_to_gt(bytes, lt + 2)
                };
            }
            Some(b'?') => at = skip_to_gt(bytes, lt + 2),
            // A `<` that opens nothing is text.
            _ => {
                sink.text("<");
                at = lt + 1;
            }
        }
    }
}

/// Hands `s` to the sink, its character references decoded.
fn text(s: &str, sink: &mut impl Sink, scratch: &mut String) {
    if memchr::memchr(b'&', s.as_bytes()).is_none() {
        sink.text(s);
    } else {
        scratch.clear();
        decode_refs(s, scratch, false);
        sink.text(scratch);
    }
}

/// The tag name starting at `from`, lower-cased, and where it ends.
fn tag_name<'a>(html: &'a str, from: usize, buf: &'a mut String) -> (&'a str, usize) {
    let bytes = html.as_bytes();
    let mut end = from;
    while end < bytes.len() && !is_space(bytes[end]) && bytes[end] != b'/' && bytes[end] != b'>' {
        end += 1;
    }
    let name = &html[from..end];
    if name.bytes().any(|b| b.is_ascii_uppercase()) {
        buf.clear();
        buf.push_str(name);
        buf.make_ascii_lowercase();
        (buf.as_str(), end)
    } else {
        (name, end)
    }
}

/// Reads a tag's attributes from `at` (just after its name) into `out`. Returns where the tag
/// ends (after its `>`) and whether it was self-closing, or `None` at the end of the page.
fn attributes(bytes: &[u8], mut at: usize, out: &mut Vec<Attr>) -> Option<(usize, bool)> {
    out.clear();
    loop {
        while at < bytes.len() && is_space(bytes[at]) {
            at += 1;
        }
        match bytes.get(at)? {
            b'>' => return Some((at + 1, false)),
            b'/' => {
                at += 1;
                if bytes.get(at) == Some(&b'>') {
                    return Some((at + 1, true));
                }
                continue;
            }
            _ => {}
        }
        // A name runs to a space, `/`, `>` or `=` (a leading `=` is part of it).
        let name_start = at;
        at += 1;
        while at < bytes.len() && !matches!(bytes[at], b'/' | b'>' | b'=') && !is_space(bytes[at]) {
            at += 1;
        }
        let name = (name_start as u32, at as u32);
        while at < bytes.len() && is_space(bytes[at]) {
            at += 1;
        }
        let mut value = (at as u32, at as u32);
        if bytes.get(at) == Some(&b'=') {
            at += 1;
            while at < bytes.len() && is_space(bytes[at]) {
                at += 1;
            }
            match *bytes.get(at)? {
                q @ (b'"' | b'\'') => {
                    let close = memchr::memchr(q, &bytes[at + 1..])? + at + 1;
                    value = ((at + 1) as u32, close as u32);
                    at = close + 1;
                }
                b'>' => {}
                _ => {
                    let start = at;
                    while at < bytes.len() && !is_space(bytes[at]) && bytes[at] != b'>' {
                        at += 1;
                    }
                    value = (start as u32, at as u32);
                }
            }
        }
        out.push(Attr { name, value });
    }
}

/// After the next `>` from `at`, or the end of the page.
fn skip_to_gt(bytes: &[u8], at: usize) -> usize {
    memchr::memchr(b'>', &bytes[at.min(bytes.len())..]).map_or(bytes.len(), |i| at + i + 1)
}

/// After a comment whose text starts at `at` (just after `<!--`): at `-->` or `--!>`, or
/// the end of the page. `<!-->` and `<!--->` are empty comments.
fn comment_end(bytes: &[u8], at: usize) -> usize {
    let rest = &bytes[at.min(bytes.len())..];
    if rest.starts_with(b">") {
        return at + 1;
    }
    if rest.starts_with(b"->") {
        return at + 2;
    }
    let mut from = 0;
    while let Some(i) = memchr::memmem::find(&rest[from..], b"--") {
        let dashes = from + i + 2;
        if rest[dashes..].starts_with(b">") {
            return at + dashes + 1;
        }
        if rest[dashes..].starts_with(b"!>") {
            return at + dashes + 2;
        }
        from = from + i + 1;
    }
    bytes.len()
}

/// Where the raw text from `at` ends: at the `<` of `</name` followed by a space, `/` or
/// `>`, or at the end of the page.
fn raw_end(bytes: &[u8], at: usize, name: &str) -> usize {
    let mut from = at;
    while let Some(i) = memchr::memmem::find(&bytes[from..], b"</") {
        let lt = from + i;
        let name_end = lt + 2 + name.len();
        if name_end < bytes.len()
            && bytes[lt + 2..name_end].eq_ignore_ascii_case(name.as_bytes())
            && (is_space(bytes[name_end]) || matches!(bytes[name_end], b'/' | b'>'))
        {
            return lt;
        }
        from = lt + 2;
    }
    bytes.len()
}

/// Appends `s` to `out` with its character references decoded. In an attribute value, a
/// named reference without `;` followed by `=` or an alphanumeric stays as written.
fn decode_refs(s: &str, out: &mut String, in_attribute: bool) {
    let bytes = s.as_bytes();
    let mut copied = 0;
    let mut at = 0;
    while let Some(i) = memchr::memchr(b'&', &bytes[at..]) {
        let amp = at + i;
        out.push_str(&s[copied..amp]);
        match char_ref(&bytes[amp + 1..], in_attribute) {
            Some((len, first, second)) => {
                out.push(first);
                if let Some(c) = second {
                    out.push(c);
                }
                copied = amp + 1 + len;
            }
            None => {
                out.push('&');
                copied = amp + 1;
            }
        }
        at = copied;
    }
    out.push_str(&s[copied..]);
}

/// The character reference at the start of `rest` (just after `&`): how many bytes it takes
/// and the characters it stands for.
fn char_ref(rest: &[u8], in_attribute: bool) -> Option<(usize, char, Option<char>)> {
    if rest.first() == Some(&b'#') {
        let (hex, digits_from) = match rest.get(1) {
            Some(b'x' | b'X') => (true, 2),
            _ => (false, 1),
        };
        let mut end = digits_from;
        let mut value: u32 = 0;
        while let Some(&b) = rest.get(end) {
            let digit = if hex {
                (b as char).to_digit(16)
            } else {
                (b as char).to_digit(10)
            };
            let Some(d) = digit else { break };
            value = value
                .saturating_mul(if hex { 16 } else { 10 })
                .saturating_add(d);
            end += 1;
        }
        if end == digits_from {
            return None;
        }
        if rest.get(end) == Some(&b';') {
            end += 1;
        }
        let c = match value {
            0 | 0xD800..=0xDFFF | 0x110000.. => '\u{fffd}',
            0x80..=0x9F => C1_REPLACEMENTS[(value - 0x80) as usize]
                .unwrap_or(char::from_u32(value).unwrap_or('\u{fffd}')),
            _ => char::from_u32(value).unwrap_or('\u{fffd}'),
        };
        return Some((end, c, None));
    }
    // Named: the longest name in the table that the text starts with. The longest name
    // (`CounterClockwiseContourIntegral;`) has 32 bytes.
    let run = rest
        .iter()
        .take(40)
        .take_while(|b| b.is_ascii_alphanumeric())
        .count();
    if run == 0 {
        return None;
    }
    let name = std::str::from_utf8(&rest[..run]).ok()?;
    if rest.get(run) == Some(&b';') {
        let mut key = String::with_capacity(run + 1);
        key.push_str(name);
        key.push(';');
        if let Some(&(a, b)) = NAMED_ENTITIES.get(key.as_str()) {
            if a != 0 {
                return Some((
                    run + 1,
                    char::from_u32(a)?,
                    char::from_u32(b).filter(|_| b != 0),
                ));
            }
        }
    }
    // Legacy names without `;` (`&amp`, `&copy`), the longest first.
    for len in (2..=run.min(6)).rev() {
        if let Some(&(a, b)) = NAMED_ENTITIES.get(&name[..len]) {
            if a == 0 {
                continue;
            }
            if in_attribute
                && rest
                    .get(len)
                    .is_some_and(|&c| c == b'=' || c.is_ascii_alphanumeric())
            {
                return None;
            }
            return Some((
                len,
                char::from_u32(a)?,
                char::from_u32(b).filter(|_| b != 0),
            ));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Default)]
    struct Log(Vec<String>);

    impl Sink for Log {
        fn text(&mut self, text: &str) {
            match self.0.last_mut() {
                Some(last) if last.starts_with('"') => {
                    last.pop();
                    last.push_str(text);
                    last.push('"');
                }
                _ => self.0.push(format!("\"{text}\"")),
            }
        }
        fn start(&mut self, name: &str, attrs: Attrs<'_>, self_closing: bool) -> Option<Raw> {
            let mut s = format!("<{name}");
            for (n, v) in attrs.iter() {
                s.push_str(&format!(" {n}={}", attr_value(v)));
            }
            if self_closing {
                s.push('/');
            }
            self.0.push(s + ">");
            match name {
                "script" | "style" => Some(Raw::Text),
                "title" => Some(Raw::Rcdata),
                _ => None,
            }
        }
        fn end(&mut self, name: &str) {
            self.0.push(format!("</{name}>"));
        }
    }

    fn log(html: &str) -> Vec<String> {
        let mut sink = Log::default();
        tokenize(html, &mut sink);
        sink.0
    }

    #[test]
    fn tags_attributes_and_text() {
        assert_eq!(
            log("<P Class=\"a b\" id='x>y' data-v=1 hidden/>one<BR/>two</p >"),
            [
                "<p Class=a b id=x>y data-v=1 hidden=/>",
                "\"one\"",
                "<br/>",
                "\"two\"",
                "</p>"
            ]
        );
    }

    #[test]
    fn comments_doctypes_and_stray_brackets() {
        assert_eq!(
            log("<!DOCTYPE html>a<!-- <p>x</p> -->b<!-->c<?php x ?>d</ 3>e < f</>g"),
            ["\"abcde < fg\""]
        );
        assert_eq!(log("a<!-- never closed <p>"), ["\"a\""]);
    }

    #[test]
    fn raw_text_runs_to_its_end_tag() {
        assert_eq!(
            log("<script>if (a<b) { s = '</p>' }</SCRIPT>x<title>A &amp; B</title>"),
            [
                "<script>",
                "\"if (a<b) { s = '</p>' }\"",
                "</script>",
                "\"x\"",
                "<title>",
                "\"A & B\"",
                "</title>"
            ]
        );
        assert_eq!(log("<style>p{}"), ["<style>", "\"p{}\""]);
    }

    #[test]
    fn character_references() {
        assert_eq!(
            log("&amp;&lt;&copy &notit; &#65;&#x42;&#X43 &#128; &#0; &bogus; &; &"),
            ["\"&<© ¬it; ABC € \u{fffd} &bogus; &; &\""]
        );
        assert_eq!(
            log("<a href='?a=1&copy=2&amp;b' title='&copy x'>"),
            ["<a href=?a=1&copy=2&b title=© x>"]
        );
    }

    #[test]
    fn a_tag_cut_off_at_the_end_is_dropped() {
        assert_eq!(log("text<div class='x"), ["\"text\""]);
        assert_eq!(log("text<div"), ["\"text\""]);
    }

    proptest::proptest! {
        /// Any input tokenizes without panicking (slices stay on character boundaries), and
        /// text without markup characters comes through whole.
        #[test]
        fn any_input_is_safe(s in "[<>/!?='\"&#;a-zA-Z0-9 \\-é€]{0,60}") {
            log(&s);
        }

        #[test]
        fn plain_text_comes_through(s in "[a-zA-Z0-9 é€.,]{1,60}") {
            proptest::prop_assert_eq!(log(&s), [format!("\"{s}\"")]);
        }
    }
}
