//! JSONL records read without building a [`Value`] for every field.
//!
//! A line is parsed once: the text field's string is decoded, and every other field is kept
//! as the JSON it was read as when serde_json would write its value back as those very
//! bytes (no whitespace, strings escaped as serde_json escapes them, integers that fit 64
//! bits, no duplicate keys); any other value is parsed into a [`Value`], as before. Written
//! out, a record is thus byte for byte what writing its `Map<String, Value>` gave. A line
//! this parse does not take as it is (malformed, a text field that is not a string, a lone
//! surrogate...) goes through serde_json whole, so its errors are serde_json's.

use std::borrow::Cow;
use std::ops::Range;

use serde_json::{Map, Value};

/// A JSONL record: its fields in order, with the values passed through on output.
///
/// Fields that serde_json writes back unchanged are held as their JSON text, the others as
/// parsed [`Value`]s; either way a field reads as its [`Value`]. Duplicate keys keep the
/// first one's place and the last one's value, as a `serde_json` map does.
///
/// ```
/// use gleaner::{Reader, ReadOptions};
/// let line: &[u8] = b"{\"id\": 7, \"text\": \"page\", \"url\": \"http://x/\"}\n";
/// let doc = Reader::from_reader("a.jsonl", line, ReadOptions::default()).next().unwrap().unwrap();
/// let record = doc.record.unwrap();
/// assert_eq!(record.get_str("url").as_deref(), Some("http://x/"));
/// assert_eq!(record.get("id"), Some(serde_json::json!(7)));
/// // The text field stays in its place, empty: the page is in the document's `text`.
/// assert_eq!(record.get_str("text").as_deref(), Some(""));
/// assert_eq!(record.to_map().keys().collect::<Vec<_>>(), ["id", "text", "url"]);
/// ```
#[derive(Debug, Clone, Default)]
pub struct Record {
    /// The JSON text of the fields held as text, one after another.
    raw: String,
    fields: Vec<(String, Field)>,
}

#[derive(Debug, Clone)]
enum Field {
    /// JSON text in [`Record::raw`] that serde_json writes back as it is.
    Raw(Range<usize>),
    Value(Value),
}

/// A field of a [`Record`] as the writer sees it.
pub(crate) enum FieldRef<'a> {
    /// JSON text to copy.
    Raw(&'a str),
    /// A value to serialize.
    Value(&'a Value),
}

impl From<Map<String, Value>> for Record {
    fn from(map: Map<String, Value>) -> Self {
        Record {
            raw: String::new(),
            fields: map.into_iter().map(|(k, v)| (k, Field::Value(v))).collect(),
        }
    }
}

impl Record {
    /// The number of fields.
    pub fn len(&self) -> usize {
        self.fields.len()
    }

    /// Whether the record has no field.
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }

    /// The value of field `key`, if there is one.
    pub fn get(&self, key: &str) -> Option<Value> {
        let (_, f) = self.fields.iter().find(|(k, _)| k == key)?;
        Some(match f {
            Field::Raw(r) => serde_json::from_str(&self.raw[r.clone()]).expect("valid JSON"),
            Field::Value(v) => v.clone(),
        })
    }

    /// The value of field `key` if it is a string.
    pub fn get_str(&self, key: &str) -> Option<Cow<'_, str>> {
        let (_, f) = self.fields.iter().find(|(k, _)| k == key)?;
        match f {
            Field::Raw(r) => {
                let raw = &self.raw[r.clone()];
                raw.starts_with('"')
                    .then(|| decode_str(raw, 0, 0).map(|(s, _)| s))
                    .flatten()
            }
            Field::Value(Value::String(s)) => Some(Cow::Borrowed(s)),
            Field::Value(_) => None,
        }
    }

    /// The record as a map (which writes as the record does).
    pub fn to_map(&self) -> Map<String, Value> {
        self.fields
            .iter()
            .map(|(k, _)| (k.clone(), self.get(k).expect("a field")))
            .collect()
    }

    /// The fields in order, for writing.
    pub(crate) fn fields(&self) -> impl Iterator<Item = (&str, FieldRef<'_>)> {
        self.fields.iter().map(|(k, f)| {
            let v = match f {
                Field::Raw(r) => FieldRef::Raw(&self.raw[r.clone()]),
                Field::Value(v) => FieldRef::Value(v),
            };
            (k.as_str(), v)
        })
    }

    fn position(&self, key: &str) -> Option<usize> {
        self.fields.iter().position(|(k, _)| k == key)
    }

    /// Sets field `key`, in its place if it is there (as a map does), else at the end.
    fn set(&mut self, key: Cow<'_, str>, field: Field) {
        match self.position(&key) {
            Some(i) => self.fields[i].1 = field,
            None => self.fields.push((key.into_owned(), field)),
        }
    }
}

/// A JSONL line parsed: the record (its text field left in place, empty), the page, and
/// whether the page is the record's `html` field.
pub(crate) struct Parsed {
    pub record: Record,
    pub text: String,
    pub html: bool,
}

/// More top-level fields than this send a line through serde_json (duplicate keys are
/// looked up one by one).
const MAX_FIELDS: usize = 64;
/// Values nested deeper than this are parsed by serde_json (which has a depth limit).
const MAX_DEPTH: usize = 64;

/// Parses a JSONL line (its line end removed) into a record whose text field is
/// `text_field`; `Err` is the message of a line that is not a usable record.
pub(crate) fn parse_line(line: &str, text_field: &str) -> Result<Parsed, String> {
    match parse_fast(line, text_field) {
        Some(p) => Ok(p),
        None => parse_value(line, text_field),
    }
}

/// The line parsed as a [`Value`], as gleaner always did.
pub(crate) fn parse_value(line: &str, text_field: &str) -> Result<Parsed, String> {
    let mut record: Map<String, Value> = match serde_json::from_str(line) {
        Ok(Value::Object(m)) => m,
        Ok(_) => return Err("not a JSON object".into()),
        Err(e) => return Err(crate::read::json_message(&e)),
    };
    let mut html = false;
    // The page moves out of the record (its field stays, empty, in place), so that
    // a document is never held or copied twice.
    let text = match record.get_mut(text_field) {
        Some(Value::String(s)) => std::mem::take(s),
        // A record with an `html` field and no text field is an HTML page. Its `html`
        // field is passed through, so it is copied.
        None => match record.get("html") {
            Some(Value::String(page)) => {
                html = true;
                page.clone()
            }
            _ => return Err(format!("no `{text_field}` field")),
        },
        Some(_) => return Err(format!("field `{text_field}` is not a string")),
    };
    Ok(Parsed {
        record: record.into(),
        text,
        html,
    })
}

/// The document id from field `id_field`: a string, or a number as written; `None`
/// otherwise.
pub(crate) fn id_of(record: &Record, id_field: &str) -> Option<String> {
    let (_, f) = record.fields.iter().find(|(k, _)| k == id_field)?;
    match f {
        Field::Raw(r) => {
            let raw = &record.raw[r.clone()];
            match raw.as_bytes()[0] {
                b'"' => decode_str(raw, 0, 0).map(|(s, _)| s.into_owned()),
                // A raw number is an integer written as serde_json writes it.
                b'-' | b'0'..=b'9' => Some(raw.to_string()),
                _ => None,
            }
        }
        Field::Value(Value::String(s)) => Some(s.clone()),
        Field::Value(Value::Number(n)) => Some(n.to_string()),
        Field::Value(_) => None,
    }
}

fn skip_ws(b: &[u8], mut i: usize) -> usize {
    while matches!(b.get(i), Some(b' ' | b'\t' | b'\n' | b'\r')) {
        i += 1;
    }
    i
}

/// The one-pass parse; `None` for anything it does not take as it is.
fn parse_fast(line: &str, text_field: &str) -> Option<Parsed> {
    let b = line.as_bytes();
    let mut i = skip_ws(b, 0);
    if b.get(i) != Some(&b'{') {
        return None;
    }
    let mut record = Record::default();
    let mut text: Option<String> = None;
    // Where the text field's string was, if its last value is one.
    let mut text_is_string = false;
    i = skip_ws(b, i + 1);
    if b.get(i) == Some(&b'}') {
        i += 1;
    } else {
        loop {
            if b.get(i) != Some(&b'"') || record.fields.len() >= MAX_FIELDS {
                return None;
            }
            let (key, end) = decode_str(line, i, 0)?;
            i = skip_ws(b, end);
            if b.get(i) != Some(&b':') {
                return None;
            }
            i = skip_ws(b, i + 1);
            if key == text_field {
                if b.get(i) == Some(&b'"') {
                    let (s, end) = decode_str(line, i, line.len() - i)?;
                    text = Some(s.into_owned());
                    text_is_string = true;
                    i = end;
                    record.set(key, Field::Value(Value::String(String::new())));
                } else {
                    // Not a string: serde_json says so.
                    return None;
                }
            } else {
                let field = match canonical(b, i, 0) {
                    Some(end) => {
                        let start = record.raw.len();
                        record.raw.push_str(&line[i..end]);
                        i = end;
                        Field::Raw(start..record.raw.len())
                    }
                    None => {
                        let mut values =
                            serde_json::Deserializer::from_str(&line[i..]).into_iter::<Value>();
                        let v = values.next()?.ok()?;
                        if depth(&v) > MAX_DEPTH {
                            return None;
                        }
                        i += values.byte_offset();
                        Field::Value(v)
                    }
                };
                record.set(key, field);
            }
            i = skip_ws(b, i);
            match b.get(i) {
                Some(b',') => i = skip_ws(b, i + 1),
                Some(b'}') => {
                    i += 1;
                    break;
                }
                _ => return None,
            }
        }
    }
    if skip_ws(b, i) != b.len() {
        return None;
    }
    let (text, html) = match (text, text_is_string) {
        (Some(t), true) => (t, false),
        _ => {
            // No text field: an `html` string is the page.
            let page = record.get_str("html")?.into_owned();
            (page, true)
        }
    };
    Some(Parsed { record, text, html })
}

/// How deeply `v` nests arrays and objects.
fn depth(v: &Value) -> usize {
    match v {
        Value::Array(a) => 1 + a.iter().map(depth).max().unwrap_or(0),
        Value::Object(m) => 1 + m.values().map(depth).max().unwrap_or(0),
        _ => 0,
    }
}

/// The end of the JSON value at `i` if serde_json would write its value back as exactly
/// these bytes; `None` if not (or if it is not JSON).
fn canonical(b: &[u8], i: usize, nesting: usize) -> Option<usize> {
    match *b.get(i)? {
        b'"' => canonical_str(b, i),
        b'-' | b'0'..=b'9' => canonical_int(b, i),
        b't' => b[i..].starts_with(b"true").then_some(i + 4),
        b'f' => b[i..].starts_with(b"false").then_some(i + 5),
        b'n' => b[i..].starts_with(b"null").then_some(i + 4),
        b'[' => {
            if nesting >= MAX_DEPTH {
                return None;
            }
            let mut i = i + 1;
            if b.get(i) == Some(&b']') {
                return Some(i + 1);
            }
            loop {
                i = canonical(b, i, nesting + 1)?;
                match b.get(i)? {
                    b',' => i += 1,
                    b']' => return Some(i + 1),
                    _ => return None,
                }
            }
        }
        b'{' => {
            if nesting >= MAX_DEPTH {
                return None;
            }
            let mut i = i + 1;
            if b.get(i) == Some(&b'}') {
                return Some(i + 1);
            }
            // Canonical keys are equal as text exactly when they are equal as strings.
            let mut keys: Vec<&[u8]> = Vec::new();
            loop {
                let end = canonical_str(b, i)?;
                let key = &b[i..end];
                if keys.len() >= MAX_FIELDS || keys.contains(&key) {
                    return None;
                }
                keys.push(key);
                if b.get(end) != Some(&b':') {
                    return None;
                }
                i = canonical(b, end + 1, nesting + 1)?;
                match b.get(i)? {
                    b',' => i += 1,
                    b'}' => return Some(i + 1),
                    _ => return None,
                }
            }
        }
        _ => None,
    }
}

/// The end of the string at `i` if it is escaped as serde_json escapes: `\"`, `\\`, the
/// short forms `\b \t \n \f \r`, `\u00xx` (lower-case hex) for other control characters,
/// nothing else.
fn canonical_str(b: &[u8], i: usize) -> Option<usize> {
    if b.get(i) != Some(&b'"') {
        return None;
    }
    let mut i = i + 1;
    loop {
        let j = crate::write::next_escape(b, i)?;
        match b[j] {
            b'"' => return Some(j + 1),
            b'\\' => match *b.get(j + 1)? {
                b'"' | b'\\' | b'b' | b't' | b'n' | b'f' | b'r' => i = j + 2,
                b'u' => {
                    let hex = b.get(j + 2..j + 6)?;
                    let lower = |c: u8| c.is_ascii_digit() || (b'a'..=b'f').contains(&c);
                    if hex[0] != b'0' || hex[1] != b'0' || !lower(hex[2]) || !lower(hex[3]) {
                        return None;
                    }
                    let c = u8::from_str_radix(std::str::from_utf8(&hex[2..]).ok()?, 16).ok()?;
                    if c >= 0x20 || matches!(c, 0x08 | 0x09 | 0x0a | 0x0c | 0x0d) {
                        return None;
                    }
                    i = j + 6;
                }
                _ => return None,
            },
            // A raw control character: not JSON.
            _ => return None,
        }
    }
}

/// The end of the integer at `i` if it fits 64 bits as written (serde_json writes it back
/// the same); `None` for `-0`, fractions, exponents and longer ones (those are floats).
fn canonical_int(b: &[u8], i: usize) -> Option<usize> {
    let negative = b[i] == b'-';
    let start = i + usize::from(negative);
    let digits = b[start..].iter().take_while(|c| c.is_ascii_digit()).count();
    let end = start + digits;
    let ok = match digits {
        0 => false,
        1 => !(negative && b[start] == b'0'),
        // No leading zero; 18 digits always fit an i64.
        2..=18 => b[start] != b'0',
        _ => false,
    };
    (ok && !matches!(b.get(end), Some(b'.' | b'e' | b'E'))).then_some(end)
}

/// Decodes the JSON string at `i`: its value and end. `None` for what is left to serde_json
/// (a lone surrogate, a bad escape, a raw control character, no closing quote). `room`:
/// the bytes to make room for at first (the rest of the line for the page, which decoding
/// never lengthens, so it is written without growing).
fn decode_str(s: &str, i: usize, room: usize) -> Option<(Cow<'_, str>, usize)> {
    let b = s.as_bytes();
    debug_assert_eq!(b[i], b'"');
    let start = i + 1;
    let mut j = crate::write::next_escape(b, start)?;
    if b[j] == b'"' {
        return Some((Cow::Borrowed(&s[start..j]), j + 1));
    }
    let mut out = String::with_capacity(room);
    let mut run = start;
    loop {
        // Runs end at ASCII bytes, so they are whole characters.
        out.push_str(&s[run..j]);
        match b[j] {
            b'"' => {
                if out.capacity() - out.len() > 64 {
                    out.shrink_to_fit();
                }
                return Some((Cow::Owned(out), j + 1));
            }
            b'\\' => {
                let (c, next) = match *b.get(j + 1)? {
                    b'"' => ('"', j + 2),
                    b'\\' => ('\\', j + 2),
                    b'/' => ('/', j + 2),
                    b'b' => ('\u{8}', j + 2),
                    b'f' => ('\u{c}', j + 2),
                    b'n' => ('\n', j + 2),
                    b'r' => ('\r', j + 2),
                    b't' => ('\t', j + 2),
                    b'u' => {
                        let hi = hex4(b.get(j + 2..j + 6)?)?;
                        if (0xd800..0xdc00).contains(&hi) {
                            if b.get(j + 6..j + 8)? != b"\\u" {
                                return None;
                            }
                            let lo = hex4(b.get(j + 8..j + 12)?)?;
                            if !(0xdc00..0xe000).contains(&lo) {
                                return None;
                            }
                            let c = 0x10000 + ((hi - 0xd800) << 10) + (lo - 0xdc00);
                            (char::from_u32(c)?, j + 12)
                        } else {
                            (char::from_u32(hi)?, j + 6)
                        }
                    }
                    _ => return None,
                };
                out.push(c);
                run = next;
            }
            _ => return None,
        }
        j = crate::write::next_escape(b, run)?;
    }
}

/// Four hex digits (either case), as `\u` takes them.
fn hex4(h: &[u8]) -> Option<u32> {
    h.iter()
        .try_fold(0, |n, &c| Some(n * 16 + char::from(c).to_digit(16)?))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Odd records: every JSON type, nesting, escapes, numbers serde_json rewrites,
    /// duplicate keys, whitespace, missing and non-string text fields.
    pub(crate) const ODD: &[&str] = &[
        r#"{"id": "a", "text": "plain"}"#,
        r#"{"text":"x","id":12,"n":-5,"z":0,"f":1.0,"e":1e5,"E":2E-3,"neg0":-0,"negf":-0.0}"#,
        r#"{"text":"x","big":123456789012345678901234567890,"u":18446744073709551615,"i":-9223372036854775808,"n19":1234567890123456789}"#,
        r#"{"text":"x","b":true,"c":false,"d":null,"arr":[1,"two",[3,{"k":null}],{}],"o":{"a":{"b":[]}}}"#,
        r#"{"text":"x","sp":[1, 2],"o2":{"a" : 1},"o3":{ }}"#,
        r#"{"text":"caf\u00e9 \ud83d\ude00 \/ \"q\" \\ \n\t\r\b\f \u0001 \u001F","k":"caf\u00e9"}"#,
        r#"{"text":"x","s":"a\/b","s2":"\u001f\u001F\u0000\u000a\u0008","s3":"é😀","s4":"\u007f\u0020"}"#,
        r#"{"text":"x","s":"\ud83d\ude00","k\u00e9y":1,"k\n":2}"#,
        r#"{"text":"first","id":"x","text":"second","id":"y"}"#,
        r#"{"text":"x","o":{"a":1,"a":2},"o2":{"a":1,"b":2}}"#,
        r#"{"text":5}"#,
        r#"{"text":"x","text":5}"#,
        r#"{"text":5,"text":"x"}"#,
        r#"{"id":"no text"}"#,
        r#"{"html":"<p>page</p>","id":3}"#,
        r#"{"html":"<p>page</p>","text":null}"#,
        r#"{"html":5}"#,
        r#"{}"#,
        r#"[1,2]"#,
        r#""text""#,
        r#"{"text":"x"} trailing"#,
        r#"{"text":"x",}"#,
        r#"{"text":"x""#,
        r#"{"text":"lone \ud800 surrogate"}"#,
        r#"{"text":"x","s":"lone \ud800"}"#,
        r#"{"text":"x","s":"\ud800\u0041"}"#,
        r#"{"text":"bad \x escape"}"#,
        r#"{"text":"x","n":1e400}"#,
        r#"{"text":"x","n":01}"#,
        r#"{"text":"x","n":-}"#,
        r#"{"text":"x","n":tru}"#,
        "{\"text\":\"raw\tcontrol\"}",
        "{\"text\":\"x\",\"s\":\"raw\u{1}control\"}",
        "  {\"text\" :\t\"x\" , \"id\" : 1 }  ",
        r#"{"text":"x","id":1.5}"#,
        r#"{"text":"x","id":-0}"#,
        r#"{"text":"x","id":[1]}"#,
        r#"{"text":"x","id":"\u0041b"}"#,
        r#"{"id":"x","lang":"zz","dropped":"no","text":"t"}"#,
    ];

    fn deep(n: usize, open: &str, close: &str) -> String {
        format!(
            r#"{{"text":"x","d":{}1{}}}"#,
            open.repeat(n),
            close.repeat(n)
        )
    }

    pub(crate) fn odd_lines() -> Vec<String> {
        let mut lines: Vec<String> = ODD.iter().map(|s| s.to_string()).collect();
        for n in [60, 63, 64, 65, 126, 127, 128, 200] {
            lines.push(deep(n, "[", "]"));
            lines.push(deep(n, r#"{"a":"#, "}"));
        }
        lines
    }

    /// The one-pass parse gives what parsing the line as a `Value` gives: the same page,
    /// record, id, or the same error.
    #[test]
    fn the_fast_parse_agrees_with_serde_json() {
        for line in odd_lines() {
            for text_field in ["text", "id", "s", "html"] {
                let fast = parse_line(&line, text_field);
                let slow = parse_value(&line, text_field);
                match (fast, slow) {
                    (Ok(f), Ok(s)) => {
                        assert_eq!(f.text, s.text, "{line}");
                        assert_eq!(f.html, s.html, "{line}");
                        assert_eq!(f.record.to_map(), s.record.to_map(), "{line}");
                        for id_field in ["id", "n", "text", "s", "missing"] {
                            assert_eq!(
                                id_of(&f.record, id_field),
                                id_of(&s.record, id_field),
                                "{line}"
                            );
                        }
                        for k in s.record.to_map().keys() {
                            assert_eq!(f.record.get_str(k), s.record.get_str(k), "{line}");
                        }
                    }
                    (Err(f), Err(s)) => assert_eq!(f, s, "{line}"),
                    (f, s) => panic!("{line}: {:?} vs {:?}", f.is_ok(), s.is_ok()),
                }
            }
        }
    }

    /// Ordinary records take the one pass, their fields kept as JSON text.
    #[test]
    fn ordinary_records_are_not_parsed_as_values() {
        let line = r#"{"id": "a1", "url":"http://x/\"q\"", "n": -12, "o": {"a":[1,"é",null]}, "text": "p\u00e9\n\ud83d\ude00"}"#;
        let p = parse_fast(line, "text").unwrap();
        assert_eq!(p.text, "pé\n😀");
        let raw: Vec<_> = p
            .record
            .fields()
            .filter_map(|(k, f)| match f {
                FieldRef::Raw(r) => Some((k, r)),
                FieldRef::Value(_) => None,
            })
            .collect();
        assert_eq!(
            raw,
            [
                ("id", r#""a1""#),
                ("url", r#""http://x/\"q\"""#),
                ("n", "-12"),
                ("o", r#"{"a":[1,"é",null]}"#)
            ]
        );
        assert_eq!(id_of(&p.record, "id").as_deref(), Some("a1"));
        assert_eq!(id_of(&p.record, "n").as_deref(), Some("-12"));
    }

    #[test]
    fn canonical_values_are_what_serde_json_writes() {
        for line in odd_lines() {
            let b = line.as_bytes();
            // Every value position: try each byte.
            for i in 0..b.len() {
                if !line.is_char_boundary(i) {
                    continue;
                }
                if let Some(end) = canonical(b, i, 0) {
                    let raw = &line[i..end];
                    let v: Value = serde_json::from_str(raw).unwrap();
                    assert_eq!(serde_json::to_string(&v).unwrap(), raw, "{line}");
                }
            }
        }
    }
}
