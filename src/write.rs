//! Stage 5: write cleaned documents, in input order.
//!
//! Every output file is written under a temporary name in its folder (`.NAME.XXXXXX.tmp`) and
//! renamed to its name only when complete, so an interrupted run never leaves a half-written
//! file that looks finished.

use std::collections::HashMap;
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use serde_json::{Map, Value};

use crate::record::FieldRef;

use crate::cleaner::Page;
use crate::error::{Error, Result};
use crate::read::{strip_compression, Document};

/// Where cleaned documents go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Output {
    /// Standard output. A document read from JSONL is written as its JSONL record and a text
    /// page as its clean text, so JSONL sniffed on stdin comes out as JSONL; `jsonl` makes
    /// text pages records too (for a stream that must be JSONL throughout).
    Stdout {
        /// Write every document as a JSONL record, text pages included.
        jsonl: bool,
    },
    /// One JSONL file (`.gz`/`.zst` endings compress).
    JsonlFile(PathBuf),
    /// One text file holding every page's clean text.
    TextFile(PathBuf),
    /// A folder: each input file's output at its [`Source::relative`](crate::Source::relative)
    /// path (compression suffix removed), so a folder's tree is mirrored and a file given by
    /// itself keeps the path it was given by (`x/page.txt` → `DIR/x/page.txt`). JSONL inputs
    /// give JSONL files, text pages give text files. Two inputs that map to the same file
    /// (`a.txt` and `a.txt.gz`) are not allowed to overwrite each other: the later one is
    /// rejected with [`Error::OutputCollision`].
    Dir(PathBuf),
}

/// Writes cleaned documents.
///
/// Text output is the page's clean text (paragraphs separated by one blank line, ending in a
/// newline). When several pages go to one text stream, they are separated by two more
/// newlines, i.e. two blank lines between pages (more when a page between them is empty), so
/// pages never run together like paragraphs. JSONL output is the input record with the text
/// field replaced, `lang` added, and `dropped` added (with the [`Reason`](crate::Reason)) when
/// nothing of the document was kept; text inputs become `{"id", "text", "lang"}` records. A
/// document left empty is never skipped: an empty file, an empty text or a record with
/// `"text": ""` and `dropped` stands for it.
///
/// Compressed outputs are finished explicitly by [`Writer::finish`] (and when a stream is
/// switched), so an error writing their last bytes is reported, not lost in a drop.
pub struct Writer {
    output: Output,
    text_field: String,
    stream: Option<Stream>,
    /// Folder output: each file written in this run and the input it came from, so that a
    /// second input mapping to it is refused instead of overwriting it.
    written: HashMap<PathBuf, PathBuf>,
    /// A JSONL record being put together, reused from record to record.
    buf: Vec<u8>,
}

/// The output stream open now.
struct Stream {
    path: PathBuf,
    sink: Sink,
    /// The temporary file `sink` writes, renamed to `path` when finished (`None`: stdout).
    temp: Option<tempfile::TempPath>,
    /// The last document was written as text: the next text page needs a separator.
    after_text: bool,
    /// Folder output's JSONL file: the input feeding it and its last line, to tell the
    /// same input going on from another input (or the same one again) mapping to this file.
    feed: Option<(PathBuf, Option<u64>)>,
}

impl Writer {
    /// A writer to `output`; `text_field` is the JSONL field to replace.
    pub fn new(output: Output, text_field: &str) -> Result<Self> {
        if let Output::Dir(dir) = &output {
            std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        }
        Ok(Writer {
            output,
            text_field: text_field.to_string(),
            stream: None,
            written: HashMap::new(),
            buf: Vec::new(),
        })
    }

    /// Writes one cleaned document; returns the bytes of clean text written.
    ///
    /// For a folder output, a document whose output file was already written from another
    /// input gives [`Error::OutputCollision`] and nothing is written; any other error is a
    /// failure of the output.
    pub fn write(&mut self, doc: &Document, page: &Page) -> Result<u64> {
        match self.output.clone() {
            Output::Stdout { jsonl } => {
                self.ensure_stream(Path::new("-"), || {
                    Ok((
                        Sink::Stdout(BufWriter::with_capacity(256 * 1024, io::stdout())),
                        None,
                    ))
                })?;
                if jsonl || doc.record.is_some() {
                    self.write_record(doc, page)?;
                } else {
                    self.write_text(&page.text())?;
                }
            }
            Output::JsonlFile(path) => {
                self.ensure_stream(&path, || create(&path))?;
                self.write_record(doc, page)?;
            }
            Output::TextFile(path) => {
                self.ensure_stream(&path, || create(&path))?;
                self.write_text(&page.text())?;
            }
            Output::Dir(dir) => {
                let target = dir_target(&dir, &doc.source.relative);
                self.check_collision(&target, doc)?;
                if doc.record.is_some() {
                    self.ensure_stream(&target, || create(&target))?;
                    let stream = self.stream.as_mut().expect("stream open");
                    stream.feed = Some((doc.source.path.clone(), doc.source.line));
                    self.write_record(doc, page)?;
                } else {
                    // One text page, one file: write it whole.
                    self.finish_stream()?;
                    let (mut sink, temp) = create(&target)?;
                    sink.write_all(page.text().as_bytes())
                        .map_err(|e| Error::io(&target, e))?;
                    commit(sink, temp, &target)?;
                }
                self.written
                    .entry(target)
                    .or_insert_with(|| doc.source.path.clone());
            }
        }
        Ok(text_len(page))
    }

    /// Flushes and closes what is open, finishing compressed streams, and gives each output
    /// file its name.
    pub fn finish(mut self) -> Result<()> {
        self.finish_stream()
    }

    /// Ends a run that was stopped before its end: the output file open now may lack
    /// documents, so it is flushed and kept as `NAME.partial` (returned), never under its
    /// name. Files completed before keep their names.
    pub fn finish_partial(mut self) -> Result<Option<PathBuf>> {
        let Some(s) = self.stream.take() else {
            return Ok(None);
        };
        s.sink.finish().map_err(|e| Error::io(&s.path, e))?;
        let Some(temp) = s.temp else {
            return Ok(None);
        };
        let mut name = s.path.clone().into_os_string();
        name.push(".partial");
        let partial = PathBuf::from(name);
        temp.persist(&partial)
            .map_err(|e| Error::io(&partial, e.error))?;
        Ok(Some(partial))
    }

    /// Refuses a folder output file already written in this run, unless `doc` is the next
    /// line of the JSONL input writing it now.
    fn check_collision(&self, target: &Path, doc: &Document) -> Result<()> {
        let Some(first) = self.written.get(target) else {
            return Ok(());
        };
        let continues = doc.record.is_some()
            && self.stream.as_ref().is_some_and(|s| {
                s.path == target
                    && s.feed.as_ref().is_some_and(|(path, last)| {
                        // A line number going back is the same file given again.
                        *path == doc.source.path
                            && match (last, doc.source.line) {
                                (Some(last), Some(line)) => line > *last,
                                _ => true,
                            }
                    })
            });
        if continues {
            return Ok(());
        }
        let input = match doc.source.line {
            Some(line) => format!("{}:{line}", doc.source.path.display()),
            None => doc.source.path.display().to_string(),
        };
        Err(Error::OutputCollision {
            output: target.to_path_buf(),
            first: first.clone(),
            input,
        })
    }

    fn ensure_stream(
        &mut self,
        path: &Path,
        open: impl FnOnce() -> Result<(Sink, Option<tempfile::TempPath>)>,
    ) -> Result<()> {
        if self.stream.as_ref().is_some_and(|s| s.path == path) {
            return Ok(());
        }
        self.finish_stream()?;
        let (sink, temp) = open()?;
        self.stream = Some(Stream {
            path: path.to_path_buf(),
            sink,
            temp,
            after_text: false,
            feed: None,
        });
        Ok(())
    }

    fn finish_stream(&mut self) -> Result<()> {
        if let Some(s) = self.stream.take() {
            commit(s.sink, s.temp, &s.path)?;
        }
        Ok(())
    }

    fn write_text(&mut self, text: &str) -> Result<()> {
        let s = self.stream.as_mut().expect("stream open");
        // Each page ends in a newline: two more make two blank lines between pages.
        let sep = if s.after_text { "\n\n" } else { "" };
        s.sink
            .write_all(sep.as_bytes())
            .and_then(|_| s.sink.write_all(text.as_bytes()))
            .map_err(|e| Error::io(&s.path, e))?;
        s.after_text = true;
        Ok(())
    }

    fn write_record(&mut self, doc: &Document, page: &Page) -> Result<()> {
        let s = self.stream.as_mut().expect("stream open");
        let lang = page.lang.map(|l| l.code());
        let dropped = page.dropped.map(|r| r.name());
        // With the text in `lang` or `dropped`, the record's fields overwrite one another:
        // build it as a map then.
        let written = if self.text_field == "lang" || self.text_field == "dropped" {
            let mut record = match &doc.record {
                Some(r) => r.to_map(),
                None => Map::from_iter([("id".into(), Value::String(doc.id.clone()))]),
            };
            record.insert(self.text_field.clone(), Value::String(page.text()));
            record.insert("lang".into(), lang.map_or(Value::Null, |l| l.into()));
            if let Some(reason) = dropped {
                record.insert("dropped".into(), reason.into());
            }
            serde_json::to_writer(&mut s.sink, &record)
                .map_err(io::Error::from)
                .and_then(|_| s.sink.write_all(b"\n"))
        } else {
            let extra = Extra {
                text_field: &self.text_field,
                page,
                lang,
                dropped,
            };
            // The record is put together in a buffer and written at once: one call to the
            // sink, not two per escaped character.
            let buf = &mut self.buf;
            buf.clear();
            match &doc.record {
                Some(r) => write_fields(buf, r.fields(), &extra),
                None => {
                    let id = Value::String(doc.id.clone());
                    write_fields(buf, std::iter::once(("id", FieldRef::Value(&id))), &extra)
                }
            };
            buf.push(b'\n');
            s.sink.write_all(buf).map(|()| buf.shrink_to(1 << 16))
        };
        written.map_err(|e| Error::io(&s.path, e))?;
        s.after_text = false;
        Ok(())
    }
}

/// What a JSONL record gets from the cleaning: its text field, `lang`, and `dropped` when
/// nothing was kept.
struct Extra<'a> {
    text_field: &'a str,
    page: &'a Page,
    lang: Option<&'a str>,
    dropped: Option<&'a str>,
}

/// Writes the record of `fields` with the fields of `extra` set, as serde_json writes a map
/// (preserving order) into which they were inserted: a field already there is replaced in
/// place, a new one goes at the end. The clean text is escaped straight from the page's
/// paragraphs, without building it or cloning the record.
fn write_fields<'a>(
    w: &mut Vec<u8>,
    fields: impl Iterator<Item = (&'a str, FieldRef<'a>)>,
    extra: &Extra<'_>,
) {
    let mut first = true;
    let mut key = |w: &mut Vec<u8>, k: &str| {
        if !first {
            w.push(b',');
        }
        first = false;
        write_json_str(w, &[k]);
        w.push(b':');
    };
    let text = |w: &mut Vec<u8>| write_json_str(w, &page_pieces(extra.page));
    let lang = |w: &mut Vec<u8>| match extra.lang {
        Some(l) => write_json_str(w, &[l]),
        None => w.extend_from_slice(b"null"),
    };
    let (mut had_text, mut had_lang, mut had_dropped) = (false, false, false);
    w.push(b'{');
    for (k, v) in fields {
        key(w, k);
        if k == extra.text_field {
            had_text = true;
            text(w);
        } else if k == "lang" {
            had_lang = true;
            lang(w);
        } else if let (true, Some(d)) = (k == "dropped", extra.dropped) {
            had_dropped = true;
            write_json_str(w, &[d]);
        } else {
            match v {
                // JSON text that serde_json would write as it is.
                FieldRef::Raw(raw) => w.extend_from_slice(raw.as_bytes()),
                FieldRef::Value(v) => {
                    serde_json::to_writer(&mut *w, v).expect("a Value always serializes into a Vec")
                }
            }
        }
    }
    if !had_text {
        key(w, extra.text_field);
        text(w);
    }
    if !had_lang {
        key(w, "lang");
        lang(w);
    }
    if let (false, Some(d)) = (had_dropped, extra.dropped) {
        key(w, "dropped");
        write_json_str(w, &[d]);
    }
    w.push(b'}');
}

/// The pieces of [`Page::text`]: each kept paragraph and its newline, a newline between two.
fn page_pieces(page: &Page) -> Vec<&str> {
    // At most three pieces a paragraph: sized once instead of grown from empty.
    let mut pieces = Vec::with_capacity(3 * page.paragraphs.len());
    for p in page.kept() {
        if !pieces.is_empty() {
            pieces.push("\n");
        }
        pieces.push(p.text.as_str());
        pieces.push("\n");
    }
    pieces
}

/// The length of [`Page::text`], without building it.
fn text_len(page: &Page) -> u64 {
    let (kept, bytes) = page
        .kept()
        .fold((0, 0), |(n, b), p| (n + 1, b + p.text.len() as u64 + 1));
    bytes + kept.max(1) - 1
}

/// Writes the concatenation of `pieces` as a JSON string, escaped exactly as serde_json
/// escapes it (`"`, `\\`, and control characters: the usual short forms, else `\u00XX`),
/// but finding the bytes to escape 8 at a time instead of one by one.
fn write_json_str(w: &mut Vec<u8>, pieces: &[&str]) {
    w.push(b'"');
    for piece in pieces {
        let bytes = piece.as_bytes();
        let mut start = 0;
        while let Some(i) = next_escape(bytes, start) {
            w.extend_from_slice(&bytes[start..i]);
            write_escape(w, bytes[i]);
            start = i + 1;
        }
        w.extend_from_slice(&bytes[start..]);
    }
    w.push(b'"');
}

/// The position of the first byte from `from` on that JSON escapes: a control character
/// (below 0x20), `"` or `\\`. 16 bytes at a time with SSE2, then 8 at a time.
pub(crate) fn next_escape(bytes: &[u8], from: usize) -> Option<usize> {
    let mut i = from;
    #[cfg(target_arch = "x86_64")]
    while let Some(chunk) = bytes.get(i..i + 16) {
        use core::arch::x86_64::*;
        // SAFETY: SSE2 is part of the x86_64 baseline, and the unaligned load reads the 16
        // bytes of `chunk`.
        let m = unsafe {
            let x = _mm_loadu_si128(chunk.as_ptr().cast::<__m128i>());
            // Below 0x20 (unsigned): the minimum with 0x1f is the byte itself.
            let control = _mm_cmpeq_epi8(_mm_min_epu8(x, _mm_set1_epi8(0x1f)), x);
            let quote = _mm_cmpeq_epi8(x, _mm_set1_epi8(b'"' as i8));
            let backslash = _mm_cmpeq_epi8(x, _mm_set1_epi8(b'\\' as i8));
            _mm_movemask_epi8(_mm_or_si128(control, _mm_or_si128(quote, backslash))) as u32
        };
        if m != 0 {
            return Some(i + m.trailing_zeros() as usize);
        }
        i += 16;
    }
    next_escape_swar(bytes, i)
}

/// [`next_escape`] 8 bytes at a time (the tail, other targets, and the reference for the
/// test of the SSE2 version).
fn next_escape_swar(bytes: &[u8], from: usize) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    // The high bit of each byte of the mask is set for a byte below `n` (or a zero, for
    // `n == 1`); a borrow can set it wrongly only above a byte that is rightly set, so the
    // lowest one is right.
    let below = |x: u64, n: u8| x.wrapping_sub(ONES * u64::from(n)) & !x & HIGH;
    let mut i = from;
    while let Some(chunk) = bytes.get(i..i + 8) {
        let x = u64::from_le_bytes(chunk.try_into().expect("8 bytes"));
        let m = below(x, 0x20) | below(x ^ (ONES * 0x22), 1) | below(x ^ (ONES * 0x5c), 1);
        if m != 0 {
            return Some(i + m.trailing_zeros() as usize / 8);
        }
        i += 8;
    }
    let rest = bytes.get(i..).unwrap_or_default();
    let at = rest
        .iter()
        .position(|&b| b < 0x20 || b == b'"' || b == b'\\');
    at.map(|j| i + j)
}

/// Writes the JSON escape of `byte`, one that [`next_escape`] finds.
fn write_escape(w: &mut Vec<u8>, byte: u8) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let short = match byte {
        b'"' => b'"',
        b'\\' => b'\\',
        0x08 => b'b',
        0x09 => b't',
        0x0a => b'n',
        0x0c => b'f',
        0x0d => b'r',
        _ => {
            let hex = [HEX[usize::from(byte >> 4)], HEX[usize::from(byte & 0xf)]];
            return w.extend_from_slice(&[b'\\', b'u', b'0', b'0', hex[0], hex[1]]);
        }
    };
    w.extend_from_slice(&[b'\\', short]);
}

/// An output stream that is finished explicitly: dropping a gzip or zstd encoder would write
/// its trailer and swallow any error doing so.
enum Sink<W: Write = BufWriter<File>> {
    Stdout(BufWriter<io::Stdout>),
    Plain(W),
    Gzip(flate2::write::GzEncoder<W>),
    Zstd(zstd::Encoder<'static, W>),
}

impl<W: Write> Sink<W> {
    /// Writes what is left (a compressed stream's trailer) and flushes.
    fn finish(self) -> io::Result<()> {
        match self {
            Sink::Stdout(mut w) => w.flush(),
            Sink::Plain(mut w) => w.flush(),
            Sink::Gzip(enc) => enc.finish()?.flush(),
            Sink::Zstd(enc) => enc.finish()?.flush(),
        }
    }
}

impl<W: Write> Write for Sink<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Sink::Stdout(w) => w.write(buf),
            Sink::Plain(w) => w.write(buf),
            Sink::Gzip(w) => w.write(buf),
            Sink::Zstd(w) => w.write(buf),
        }
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        match self {
            Sink::Stdout(w) => w.write_all(buf),
            Sink::Plain(w) => w.write_all(buf),
            Sink::Gzip(w) => w.write_all(buf),
            Sink::Zstd(w) => w.write_all(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Sink::Stdout(w) => w.flush(),
            Sink::Plain(w) => w.flush(),
            Sink::Gzip(w) => w.flush(),
            Sink::Zstd(w) => w.flush(),
        }
    }
}

/// Creates a temporary file (and its folder) next to `path`, to be renamed to `path` by
/// [`commit`]; compresses by `path`'s extension. Dropped uncommitted, the file is removed.
fn create(path: &Path) -> Result<(Sink, Option<tempfile::TempPath>)> {
    let parent = match path.parent().filter(|p| !p.as_os_str().is_empty()) {
        Some(parent) => {
            std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
            parent
        }
        None => Path::new("."),
    };
    let name = path
        .file_name()
        .map_or_else(|| "output".into(), |n| n.to_string_lossy().into_owned());
    // Only a regular file (or a new one) is replaced by renaming: a device (`/dev/full`), a
    // pipe or a symbolic link is written through, as it is.
    let special = std::fs::symlink_metadata(path).is_ok_and(|m| !m.file_type().is_file());
    if special {
        let file = File::create(path).map_err(|e| Error::io(path, e))?;
        return Ok((
            sink_for(path, BufWriter::with_capacity(256 * 1024, file))?,
            None,
        ));
    }
    let prefix = format!(".{name}.");
    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix).suffix(".tmp");
    // tempfile's private 0600 would stick to the renamed output; take the umask's default.
    #[cfg(unix)]
    builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o666));
    let (file, temp) = builder
        .tempfile_in(parent)
        .map_err(|e| Error::io(path, e))?
        .into_parts();
    let sink = sink_for(path, BufWriter::with_capacity(256 * 1024, file))?;
    Ok((sink, Some(temp)))
}

/// `file` compressed by `path`'s extension.
fn sink_for(path: &Path, file: BufWriter<File>) -> Result<Sink> {
    Ok(match path.extension().and_then(|e| e.to_str()) {
        Some("gz") => Sink::Gzip(flate2::write::GzEncoder::new(
            file,
            flate2::Compression::default(),
        )),
        Some("zst" | "zstd") => {
            Sink::Zstd(zstd::Encoder::new(file, 3).map_err(|e| Error::io(path, e))?)
        }
        _ => Sink::Plain(file),
    })
}

/// Finishes `sink` and renames its temporary file to `path`.
fn commit(sink: Sink, temp: Option<tempfile::TempPath>, path: &Path) -> Result<()> {
    sink.finish().map_err(|e| Error::io(path, e))?;
    if let Some(temp) = temp {
        temp.persist(path).map_err(|e| Error::io(path, e.error))?;
    }
    Ok(())
}

/// Where a folder output puts the document of an input with this
/// [`Source::relative`](crate::Source::relative) path: the same path in `dir`, compression
/// suffix removed.
pub fn dir_target(dir: &Path, relative: &Path) -> PathBuf {
    dir.join(strip_compression(relative))
}

/// Whether `output` is current for `input` (to resume a run): it exists and was modified
/// after `input` was. An output is only ever given its name when complete, so an existing
/// one is whole; an input changed since is done again.
pub fn is_current(output: &Path, input: &Path) -> bool {
    let modified = |p: &Path| -> Option<SystemTime> { std::fs::metadata(p).ok()?.modified().ok() };
    match (modified(output), modified(input)) {
        (Some(out), Some(inp)) => out > inp,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cleaner::CleanParagraph;
    use crate::read::Source;
    use serde_json::json;

    /// A device that takes nothing, like `/dev/full`.
    struct Full;

    impl Write for Full {
        fn write(&mut self, _: &[u8]) -> io::Result<usize> {
            Err(io::Error::other("device full"))
        }

        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn compressed_sinks_report_errors_at_finish() {
        // The buffer takes the writes; only finishing reaches the device.
        let gz = Sink::Gzip(flate2::write::GzEncoder::new(
            BufWriter::new(Full),
            flate2::Compression::default(),
        ));
        let zst = Sink::Zstd(zstd::Encoder::new(BufWriter::new(Full), 3).unwrap());
        for mut sink in [gz, zst] {
            sink.write_all(b"a short record\n").unwrap();
            let e = sink.finish().unwrap_err();
            assert_eq!(e.to_string(), "device full");
        }
    }

    #[test]
    fn json_strings_are_escaped_as_serde_json_escapes_them() {
        let mut texts: Vec<String> = (0u8..0x80)
            .flat_map(|b| {
                (0..10).map(move |at| {
                    let c = char::from(b);
                    format!("{}{c}é{c}x", "abcdefghij".get(..at).unwrap())
                })
            })
            .collect();
        texts.push("\"quoted\" \\ back\u{7f}slash\u{1f}\n\t\r\u{8}\u{c} 中文 😀".into());
        texts.push(String::new());
        for t in &texts {
            let mut mine = Vec::new();
            write_json_str(&mut mine, &[t]);
            assert_eq!(
                String::from_utf8(mine).unwrap(),
                serde_json::to_string(t).unwrap()
            );
            // Cut into pieces, the same string.
            let cut = t.char_indices().nth(3).map_or(t.len(), |(i, _)| i);
            let mut pieces = Vec::new();
            write_json_str(&mut pieces, &[&t[..cut], &t[cut..]]);
            assert_eq!(
                String::from_utf8(pieces).unwrap(),
                serde_json::to_string(t).unwrap()
            );
        }
    }

    #[test]
    fn escapes_are_found_as_byte_by_byte() {
        let mut bytes: Vec<u8> = (0..=255u8).collect();
        bytes.extend((0..=255u8).rev());
        bytes.extend(b"plain text without any escape at all, long enough for chunks".repeat(3));
        for at in [0usize, 1, 7, 8, 15, 16, 17, 31, 40, 100] {
            for special in [0u8, 0x1f, 0x20, b'"', b'\\', 0x7f, 0x80, 0xff, b'a'] {
                let mut b = bytes[512..].to_vec();
                if at < b.len() {
                    b[at] = special;
                }
                for from in [0, 1, 3, 9, 16] {
                    let want = b[from.min(b.len())..]
                        .iter()
                        .position(|&c| c < 0x20 || c == b'"' || c == b'\\')
                        .map(|j| j + from);
                    assert_eq!(next_escape(&b, from), want);
                    assert_eq!(next_escape_swar(&b, from), want);
                }
            }
        }
        for from in 0..bytes.len() {
            let want = bytes[from..]
                .iter()
                .position(|&c| c < 0x20 || c == b'"' || c == b'\\')
                .map(|j| j + from);
            assert_eq!(next_escape(&bytes, from), want);
        }
    }

    /// Records come out as they did when built as a map (fields replaced in place, new ones
    /// at the end) and written by serde_json.
    #[test]
    fn records_are_written_as_their_map_would_be() {
        let fields = [
            vec![],
            vec![("text", json!("old")), ("url", json!("http://x/\"a\""))],
            vec![
                ("id", json!(7)),
                ("lang", json!("xx")),
                ("meta", json!({"a": [1, null]})),
            ],
            vec![
                ("dropped", json!(false)),
                ("text", json!(null)),
                ("z", json!(1.5)),
            ],
        ];
        let mut pages = vec![kept(&["One \"two\".", "Three\tfour."]), kept(&[])];
        pages[1].dropped = Some(crate::classify::Reason::NoContent);
        pages[0].lang = crate::language::Language::from_code("en");
        for text_field in ["text", "body", "id", "url"] {
            for f in &fields {
                for page in &pages {
                    let record: Map<String, Value> =
                        f.iter().map(|(k, v)| (k.to_string(), v.clone())).collect();
                    let mut want = record.clone();
                    want.insert(text_field.into(), Value::String(page.text()));
                    let lang = page.lang.map(|l| l.code());
                    want.insert("lang".into(), lang.map_or(Value::Null, |l| l.into()));
                    if let Some(r) = page.dropped {
                        want.insert("dropped".into(), r.name().into());
                    }
                    let extra = Extra {
                        text_field,
                        page,
                        lang,
                        dropped: page.dropped.map(|r| r.name()),
                    };
                    let mut mine = Vec::new();
                    let record = crate::read::Record::from(record);
                    write_fields(&mut mine, record.fields(), &extra);
                    let want = serde_json::to_string(&want).unwrap();
                    assert_eq!(String::from_utf8(mine).unwrap(), want);
                    assert_eq!(text_len(page), page.text().len() as u64);
                }
            }
        }
    }

    /// A record read in one pass (fields kept as JSON text) writes as the same record
    /// parsed into a map by serde_json does, whatever the fields hold.
    #[test]
    fn records_kept_as_json_text_write_as_parsed_ones() {
        let mut page = kept(&["One \"two\".", "Three."]);
        page.lang = crate::language::Language::from_code("en");
        let mut checked = 0;
        for line in crate::record::tests::odd_lines() {
            for text_field in ["text", "s", "html"] {
                let fast = crate::record::parse_line(&line, text_field);
                let slow = crate::record::parse_value(&line, text_field);
                let (Ok(fast), Ok(slow)) = (fast, slow) else {
                    continue;
                };
                let extra = Extra {
                    text_field,
                    page: &page,
                    lang: Some("en"),
                    dropped: None,
                };
                let (mut a, mut b) = (Vec::new(), Vec::new());
                write_fields(&mut a, fast.record.fields(), &extra);
                write_fields(&mut b, slow.record.fields(), &extra);
                assert_eq!(String::from_utf8(a).unwrap(), String::from_utf8(b).unwrap());
                checked += 1;
            }
        }
        assert!(checked > 30, "{checked}");
    }

    const PROSE: &str = "The council approved the new budget.";

    /// A page keeping `paragraphs` (built by hand: the classifier's tuning is not tested here).
    fn kept(paragraphs: &[&str]) -> Page {
        Page {
            lang: None,
            dropped: None,
            paragraphs: paragraphs
                .iter()
                .enumerate()
                .map(|(i, p)| CleanParagraph {
                    text: (*p).into(),
                    line: i + 1,
                    lang: None,
                    reason: None,
                    features: Default::default(),
                })
                .collect(),
        }
    }

    fn doc(path: &str, relative: &str, text: &str) -> Document {
        Document {
            id: relative.into(),
            text: text.into(),
            source: Source {
                path: path.into(),
                relative: relative.into(),
                line: None,
            },
            record: None,
            lossy: false,
            html: false,
        }
    }

    fn record(path: &str, line: u64) -> Document {
        let mut d = doc(path, path, PROSE);
        d.source.line = Some(line);
        let mut m = Map::new();
        m.insert("text".into(), Value::String(PROSE.into()));
        d.record = Some(m.into());
        d
    }

    #[test]
    fn pages_in_one_text_stream_are_two_blank_lines_apart() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("all.txt");
        let mut w = Writer::new(Output::TextFile(path.clone()), "text").unwrap();
        w.write(&doc("a", "a", ""), &kept(&["A one.", "A two."]))
            .unwrap();
        w.write(&doc("b", "b", ""), &kept(&["B one."])).unwrap();
        w.write(&doc("c", "c", ""), &kept(&[])).unwrap();
        w.write(&doc("d", "d", ""), &kept(&["D one."])).unwrap();
        w.finish().unwrap();
        // Paragraphs one blank line apart, pages two, an empty page between two separators.
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "A one.\n\nA two.\n\n\nB one.\n\n\n\n\nD one.\n"
        );
    }

    #[test]
    fn folder_output_refuses_a_second_input_for_the_same_file() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        let page = kept(&[PROSE]);
        let mut w = Writer::new(Output::Dir(out.clone()), "text").unwrap();
        w.write(&doc("in/a.txt", "a.txt", PROSE), &page).unwrap();
        let e = w
            .write(&doc("in/a.txt.gz", "a.txt.gz", "other"), &kept(&["other"]))
            .unwrap_err();
        assert!(e.skips_document());
        assert_eq!(e.kind(), "output_collision");
        let msg = e.to_string();
        assert!(
            msg.contains("in/a.txt.gz") && msg.contains("from in/a.txt"),
            "{msg}"
        );
        // A JSONL file goes on line after line, but not when given again.
        w.write(&record("d.jsonl", 1), &page).unwrap();
        w.write(&record("d.jsonl", 3), &page).unwrap();
        let again = w.write(&record("d.jsonl", 1), &page).unwrap_err();
        assert!(
            again.to_string().starts_with("d.jsonl:1: output "),
            "{again}"
        );
        w.finish().unwrap();
        assert_eq!(
            std::fs::read_to_string(out.join("a.txt")).unwrap(),
            page.text()
        );
        let jsonl = std::fs::read_to_string(out.join("d.jsonl")).unwrap();
        assert_eq!(jsonl.lines().count(), 2);
    }
}
