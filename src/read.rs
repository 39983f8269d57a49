//! Stage 0: read documents from files, folders and stdin.
//!
//! Plain-text pages are one document per file; JSONL holds one document per line. gzip and
//! zstd are recognised by their magic bytes and decompressed on the fly. A file or line that
//! cannot be used is reported as an error item naming it, and reading goes on. A UTF-8 byte
//! order mark at the start of a page or a JSONL stream is dropped.
//!
//! Hostile input is bounded: a text page or JSONL line over
//! [`ReadOptions::max_document_bytes`] is skipped without being held in memory, a file that
//! looks binary is skipped, a truncated gzip/zstd stream keeps what was read, and a file that
//! changes while read, or is empty, gets a warning (see [`Error::is_warning`]).

use std::borrow::Cow;
use std::collections::VecDeque;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::SystemTime;

use flate2::read::MultiGzDecoder;
use serde_json::{Map, Value};

use crate::record::Parsed;
pub use crate::record::Record;

use crate::error::Error;

/// How input files are parsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum InputFormat {
    /// By file name (`.jsonl`, `.ndjson`, `.json`, with `.gz`/`.zst` after them, are JSONL;
    /// anything else is a text page); stdin is sniffed (`{` first, after a byte order mark
    /// and whitespace, means JSONL).
    #[default]
    Auto,
    /// Every input is one plain-text page.
    Text,
    /// Every input is JSONL.
    Jsonl,
    /// Every input is one HTML page.
    Html,
    /// Every input is a WARC file: `response` records with HTML payloads and WET
    /// `conversion` records become documents.
    Warc,
}

/// What a file name says its contents are, after any `.gz`/`.zst`.
fn format_of_name(path: &Path) -> InputFormat {
    let name = strip_compression(path);
    match name.extension().and_then(|e| e.to_str()) {
        Some("jsonl" | "ndjson" | "json") => InputFormat::Jsonl,
        Some("html" | "htm" | "xhtml") => InputFormat::Html,
        Some("warc" | "wet") => InputFormat::Warc,
        _ => InputFormat::Text,
    }
}

/// Where a document came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    /// The input file as given or found (`-` for stdin).
    pub path: PathBuf,
    /// The path used for output file names and default ids: for a file found in a folder,
    /// its path relative to that folder; for a file given by itself, its path as given made
    /// relative (root, `.` and `..` removed: `x/page.txt` stays `x/page.txt`, `/data/a.txt`
    /// becomes `data/a.txt`, `../a.txt` becomes `a.txt`), so that same-named files given
    /// side by side keep apart; `stdin` for stdin.
    pub relative: PathBuf,
    /// 1-based line, for JSONL documents.
    pub line: Option<u64>,
}

/// One input document.
#[derive(Debug, Clone)]
pub struct Document {
    /// The document's id: the JSONL id field if present, else the [`Source::relative`] path,
    /// with `:line` for a JSONL document.
    pub id: String,
    /// The page text.
    pub text: String,
    /// Where it came from.
    pub source: Source,
    /// For JSONL input, the whole record, its text field left in place, empty: the page is
    /// in `text`. On output the text field is replaced, the rest passed through.
    pub record: Option<Record>,
    /// Invalid UTF-8 was replaced with U+FFFD.
    pub lossy: bool,
    /// `text` is an HTML page (cleaned with [`Cleaner::clean_html_str`]).
    ///
    /// [`Cleaner::clean_html_str`]: crate::Cleaner::clean_html_str
    pub html: bool,
}

/// Options of the [`Reader`].
#[derive(Debug, Clone)]
pub struct ReadOptions {
    /// How inputs are parsed.
    pub format: InputFormat,
    /// The JSONL field holding the page text.
    pub text_field: String,
    /// The JSONL field holding the document id.
    pub id_field: String,
    /// The largest text page (after decompression) or JSONL line read, in bytes. Larger ones
    /// are rejected as [`Error::TooLarge`]: reading stops at the limit (a text page) or skips
    /// to the next newline without buffering (a JSONL line), so memory stays bounded.
    pub max_document_bytes: u64,
}

/// The default [`ReadOptions::max_document_bytes`]: 64 MiB, far above any real page.
pub const DEFAULT_MAX_DOCUMENT_BYTES: u64 = 64 << 20;

/// Decides whether an input file is skipped because its output is current (resume); given
/// the file's path and its [`Source::relative`] path.
pub type SkipFn = Box<dyn Fn(&Path, &Path) -> bool + Send>;

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            format: InputFormat::Auto,
            text_field: "text".into(),
            id_field: "id".into(),
            max_document_bytes: DEFAULT_MAX_DOCUMENT_BYTES,
        }
    }
}

/// Reads documents from a list of inputs (files, folders walked recursively in name order,
/// `-` for stdin), as an iterator of documents and per-item errors.
///
/// ```no_run
/// use gleaner::{Reader, ReadOptions};
/// for item in Reader::new(["samples/pages"], ReadOptions::default()) {
///     match item {
///         Ok(doc) => println!("{}: {} bytes", doc.id, doc.text.len()),
///         Err(e) => {
///             // An I/O error displays its path; the cause is its source.
///             let cause = std::error::Error::source(&e).map(|c| format!(": {c}"));
///             eprintln!("skipped: {e}{}", cause.unwrap_or_default());
///         }
///     }
/// }
/// ```
pub struct Reader {
    options: ReadOptions,
    inputs: VecDeque<PathBuf>,
    walk: Option<(PathBuf, walkdir::IntoIter)>,
    jsonl: Option<JsonlState>,
    warc: Option<WarcState>,
    bytes_read: Arc<AtomicU64>,
    /// Warnings to hand out after the document they concern.
    pending: VecDeque<Error>,
    /// A text page from [`Reader::from_reader`], read before the first call to `next`.
    first: Option<Result<Document, Error>>,
    skip: Option<SkipFn>,
    skipped: Arc<AtomicU64>,
}

struct JsonlState {
    reader: Box<dyn BufRead + Send>,
    path: PathBuf,
    relative: PathBuf,
    line: u64,
    buf: Vec<u8>,
    compressed: bool,
    stamp: Option<Stamp>,
}

/// A file's size and modification time, to notice it changing while read.
type Stamp = (u64, Option<SystemTime>);

fn stamp(path: &Path) -> Option<Stamp> {
    let m = std::fs::metadata(path).ok()?;
    Some((m.len(), m.modified().ok()))
}

impl Reader {
    /// A reader over `inputs`.
    pub fn new<I, P>(inputs: I, options: ReadOptions) -> Self
    where
        I: IntoIterator<Item = P>,
        P: AsRef<Path>,
    {
        Reader {
            options,
            inputs: inputs
                .into_iter()
                .map(|p| p.as_ref().to_path_buf())
                .collect(),
            walk: None,
            jsonl: None,
            warc: None,
            bytes_read: Arc::new(AtomicU64::new(0)),
            pending: VecDeque::new(),
            first: None,
            skip: None,
            skipped: Arc::new(AtomicU64::new(0)),
        }
    }

    /// Skips input files for which `skip(path, relative)` is true, without opening them (to
    /// resume a run: the caller knows which outputs are current). Stdin is never skipped.
    pub fn skip_if(mut self, skip: SkipFn) -> Self {
        self.skip = Some(skip);
        self
    }

    /// A counter of input files skipped by [`Reader::skip_if`].
    pub fn skipped(&self) -> Arc<AtomicU64> {
        Arc::clone(&self.skipped)
    }

    /// A counter of raw (possibly compressed) bytes read so far, for progress reporting.
    pub fn bytes_read(&self) -> Arc<AtomicU64> {
        Arc::clone(&self.bytes_read)
    }

    /// Total size of the input files (walking folders), or `None` when reading stdin.
    pub fn total_bytes(&self) -> Option<u64> {
        let mut total = 0;
        for input in &self.inputs {
            if input.as_os_str() == "-" {
                return None;
            }
            if input.is_dir() {
                for e in walkdir::WalkDir::new(input).into_iter().flatten() {
                    if e.file_type().is_file() {
                        total += e.metadata().map_or(0, |m| m.len());
                    }
                }
            } else {
                total += std::fs::metadata(input).map_or(0, |m| m.len());
            }
        }
        Some(total)
    }

    fn format_of(&self, path: &Path) -> InputFormat {
        match self.options.format {
            InputFormat::Auto => format_of_name(path),
            f => f,
        }
    }

    /// Opens one file (or stdin) and yields its document, or starts its JSONL stream.
    fn open(&mut self, path: PathBuf, relative: PathBuf) -> Option<Result<Document, Error>> {
        let stdin = path.as_os_str() == "-";
        if !stdin
            && self
                .skip
                .as_ref()
                .is_some_and(|skip| skip(&path, &relative))
        {
            self.skipped.fetch_add(1, Ordering::Relaxed);
            return None;
        }
        let raw: Box<dyn Read + Send> = if stdin {
            Box::new(io::stdin())
        } else {
            match File::open(&path) {
                Ok(f) => Box::new(f),
                Err(e) => return Some(Err(Error::io(path, e))),
            }
        };
        let before = if stdin { None } else { stamp(&path) };
        self.start(raw, path, relative, before, stdin)
    }

    /// Reads documents from any byte stream (a socket, a pipe, bytes in memory), named `name`
    /// in messages and ids. gzip and zstd are recognised as for files; with
    /// [`InputFormat::Auto`] the stream is sniffed as stdin is.
    ///
    /// ```
    /// use gleaner::{Reader, ReadOptions};
    /// let bytes: &[u8] = b"{\"text\": \"a\"}\nnot json\n";
    /// let items: Vec<_> = Reader::from_reader("mem.jsonl", bytes, ReadOptions::default()).collect();
    /// assert_eq!(items[0].as_ref().unwrap().text, "a");
    /// assert!(items[1].as_ref().unwrap_err().to_string().starts_with("mem.jsonl:2: "));
    /// ```
    pub fn from_reader(
        name: impl Into<PathBuf>,
        stream: impl Read + Send + 'static,
        options: ReadOptions,
    ) -> Self {
        let path: PathBuf = name.into();
        let mut reader = Reader::new(Vec::<PathBuf>::new(), options);
        let relative = relative_as_given(&path);
        if let Some(item) = reader.start(Box::new(stream), path, relative, None, true) {
            reader.first = Some(item);
        }
        reader
    }

    /// Decompresses and parses one opened input: yields its text page, or starts its JSONL
    /// stream. `sniff`: an unnamed stream, looked at to tell JSONL from text.
    fn start(
        &mut self,
        raw: Box<dyn Read + Send>,
        path: PathBuf,
        relative: PathBuf,
        before: Option<Stamp>,
        sniff: bool,
    ) -> Option<Result<Document, Error>> {
        let counted = CountingReader {
            inner: raw,
            counter: Arc::clone(&self.bytes_read),
        };
        let (mut reader, compressed) = match decompress(counted) {
            Ok(r) => r,
            Err(e) => return Some(Err(Error::io(path, e))),
        };
        let format = if sniff && self.options.format == InputFormat::Auto {
            match sniff_jsonl(reader) {
                Ok((jsonl, r)) => {
                    reader = r;
                    if jsonl {
                        InputFormat::Jsonl
                    } else {
                        format_of_name(&path)
                    }
                }
                Err(e) => return Some(Err(Error::io(path, e))),
            }
        } else {
            self.format_of(&path)
        };
        if format == InputFormat::Warc {
            self.warc = Some(WarcState {
                reader,
                path,
                relative,
                compressed,
            });
            return None;
        }
        if format == InputFormat::Jsonl {
            self.jsonl = Some(JsonlState {
                reader,
                path,
                relative,
                line: 0,
                buf: Vec::new(),
                compressed,
                stamp: before,
            });
            return None;
        }
        let limit = self.options.max_document_bytes;
        let mut bytes = Vec::new();
        // One byte over the limit tells a page at the limit from one above it.
        if let Err(e) = reader.by_ref().take(limit + 1).read_to_end(&mut bytes) {
            if !compressed {
                return Some(Err(Error::io(path, e)));
            }
            // What was decompressed before the break is kept.
            self.pending.push_back(Error::Truncated {
                path: path.clone(),
                line: None,
                what: "the text read before the break is kept",
                source: e,
            });
        }
        if bytes.len() as u64 > limit {
            return Some(Err(Error::TooLarge {
                path,
                line: None,
                limit,
            }));
        }
        if let Some(why) = looks_binary(&bytes) {
            self.pending.clear();
            return Some(Err(Error::Binary { path, why }));
        }
        if bytes.starts_with(BOM) {
            bytes.drain(..BOM.len());
        }
        // A truncated stream may give nothing: that is said already, it is not an empty file.
        if bytes.iter().all(u8::is_ascii_whitespace) && self.pending.is_empty() {
            self.pending.push_back(Error::Empty { path: path.clone() });
        }
        if before.is_some() && stamp(&path) != before {
            self.pending
                .push_back(Error::Changed { path: path.clone() });
        }
        let html = format == InputFormat::Html;
        let (text, lossy) = if html {
            crate::html::decode(&bytes, None)
        } else {
            decode(bytes)
        };
        Some(Ok(Document {
            id: relative.to_string_lossy().into_owned(),
            text,
            html,
            source: Source {
                path,
                relative,
                line: None,
            },
            record: None,
            lossy,
        }))
    }

    /// Closes the JSONL stream at its end: a warning if the file changed while read.
    fn end_jsonl(&mut self) -> Option<Result<Document, Error>> {
        let state = self.jsonl.take()?;
        let changed = state.stamp.is_some() && stamp(&state.path) != state.stamp;
        changed.then(|| Err(Error::Changed { path: state.path }))
    }

    /// The next JSONL line of the open stream, if any.
    fn next_jsonl(&mut self) -> Option<Result<Document, Error>> {
        let state = self.jsonl.as_mut()?;
        // The line and its line end ("\r\n" at most).
        let limit = usize::try_from(self.options.max_document_bytes)
            .unwrap_or(usize::MAX)
            .saturating_add(2);
        loop {
            // A whole line in the stream's buffer is parsed there, not copied out (not the
            // first line, which may start with a byte order mark).
            if state.line > 0 {
                let at_end = match state.reader.fill_buf() {
                    Ok(available) => {
                        if let Some(end) = memchr::memchr(b'\n', available).filter(|&e| e < limit) {
                            state.line += 1;
                            let at = (&*state.path, &*state.relative, state.line);
                            let doc = line_document(&available[..=end], at, &self.options);
                            state.reader.consume(end + 1);
                            match doc {
                                Some(doc) => return Some(doc),
                                None => continue,
                            }
                        }
                        available.is_empty()
                    }
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    Err(e) => {
                        let state = self.jsonl.take().expect("stream open");
                        return Some(Err(read_error(state, e)));
                    }
                };
                if at_end {
                    return self.end_jsonl();
                }
                // Otherwise line by line.
            }
            state.buf.clear();
            let overlong = match read_line_bounded(&mut state.reader, &mut state.buf, limit) {
                Ok((0, _)) => return self.end_jsonl(),
                Ok((_, overlong)) => overlong,
                Err(e) => {
                    let state = self.jsonl.take().expect("stream open");
                    return Some(Err(read_error(state, e)));
                }
            };
            state.line += 1;
            if overlong {
                return Some(Err(Error::TooLarge {
                    path: state.path.clone(),
                    line: Some(state.line),
                    limit: self.options.max_document_bytes,
                }));
            }
            if state.line == 1 && state.buf.starts_with(BOM) {
                state.buf.drain(..BOM.len());
            }
            let buf = std::mem::take(&mut state.buf);
            let at = (&*state.path, &*state.relative, state.line);
            let doc = line_document(&buf, at, &self.options);
            state.buf = buf;
            // A long line's buffer is not held on to.
            state.buf.shrink_to(1 << 20);
            if let Some(doc) = doc {
                return Some(doc);
            }
        }
    }
}

/// The error of a JSONL stream that breaks after line `state.line`.
fn read_error(state: JsonlState, e: io::Error) -> Error {
    if state.compressed {
        Error::Truncated {
            path: state.path,
            line: Some(state.line + 1),
            what: "the lines before are kept",
            source: e,
        }
    } else {
        Error::io(state.path, e)
    }
}

/// The document of a JSONL line, `bytes` (its line end still on), at `(path, relative,
/// line)`; `None` for a blank line.
fn line_document(
    mut bytes: &[u8],
    (path, relative, line): (&Path, &Path, u64),
    options: &ReadOptions,
) -> Option<Result<Document, Error>> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return None;
    }
    // Without the line end, a truncated line is an EOF at its last column rather than at
    // "line 2 column 0".
    if let Some(b) = bytes.strip_suffix(b"\n") {
        bytes = b.strip_suffix(b"\r").unwrap_or(b);
    }
    let (parsed, lossy) = match std::str::from_utf8(bytes) {
        Ok(s) => (crate::record::parse_line(s, &options.text_field), false),
        Err(_) => {
            let s = String::from_utf8_lossy(bytes);
            (crate::record::parse_line(&s, &options.text_field), true)
        }
    };
    let Parsed { record, text, html } = match parsed {
        Ok(p) => p,
        Err(message) => {
            return Some(Err(Error::Json {
                path: path.to_path_buf(),
                line,
                message,
            }))
        }
    };
    let id = crate::record::id_of(&record, &options.id_field)
        .unwrap_or_else(|| format!("{}:{}", relative.display(), line));
    Some(Ok(Document {
        id,
        text,
        source: Source {
            path: path.to_path_buf(),
            relative: relative.to_path_buf(),
            line: Some(line),
        },
        record: Some(record),
        lossy,
        html,
    }))
}

struct WarcState {
    reader: Box<dyn BufRead + Send>,
    path: PathBuf,
    relative: PathBuf,
    compressed: bool,
}

/// One WARC record: its headers (names lower-cased) and its block, or `None` for a block
/// over the size limit (skipped unread).
struct WarcRecord {
    headers: Vec<(String, String)>,
    block: Option<Vec<u8>>,
}

impl WarcRecord {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Reads the next record: a `WARC/` version line, headers, a blank line, `Content-Length`
/// bytes of block (the two line ends after it are skipped as blank lines before the next).
fn read_warc_record(reader: &mut dyn BufRead, limit: u64) -> io::Result<Option<WarcRecord>> {
    let mut line = Vec::new();
    loop {
        line.clear();
        if read_line_bounded(reader, &mut line, 64 << 10)?.0 == 0 {
            return Ok(None);
        }
        if line.starts_with(b"WARC/") {
            break;
        }
        if !line.iter().all(u8::is_ascii_whitespace) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "expected a WARC/ version line",
            ));
        }
    }
    let mut headers = Vec::new();
    loop {
        line.clear();
        if read_line_bounded(reader, &mut line, 64 << 10)?.0 == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        let text = String::from_utf8_lossy(&line);
        let text = text.trim_end_matches(['\r', '\n']);
        if text.is_empty() {
            break;
        }
        if let Some((name, value)) = text.split_once(':') {
            headers.push((name.trim().to_ascii_lowercase(), value.trim().to_string()));
        }
    }
    let length: u64 = headers
        .iter()
        .find(|(n, _)| n == "content-length")
        .and_then(|(_, v)| v.parse().ok())
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, "no Content-Length"))?;
    let block = if length > limit {
        io::copy(&mut reader.take(length), &mut io::sink())?;
        None
    } else {
        let mut block = Vec::with_capacity(length as usize);
        reader.take(length).read_to_end(&mut block)?;
        if (block.len() as u64) < length {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        Some(block)
    };
    Ok(Some(WarcRecord { headers, block }))
}

/// An HTTP response's head and body, as a WARC `response` record holds them.
struct HttpResponse<'a> {
    content_type: Option<String>,
    transfer_encoding: Option<String>,
    content_encoding: Option<String>,
    body: &'a [u8],
}

/// Splits an HTTP response into the headers that matter here and its body.
fn split_http(block: &[u8]) -> HttpResponse<'_> {
    let Some(end) = memchr::memmem::find(block, b"\r\n\r\n")
        .map(|i| i + 4)
        .or_else(|| memchr::memmem::find(block, b"\n\n").map(|i| i + 2))
    else {
        return HttpResponse {
            content_type: None,
            transfer_encoding: None,
            content_encoding: None,
            body: block,
        };
    };
    let head = String::from_utf8_lossy(&block[..end]);
    let header = |wanted: &str| {
        head.lines().skip(1).find_map(|l| {
            let (name, value) = l.split_once(':')?;
            name.trim()
                .eq_ignore_ascii_case(wanted)
                .then(|| value.trim().to_ascii_lowercase())
        })
    };
    HttpResponse {
        content_type: header("content-type"),
        transfer_encoding: header("transfer-encoding"),
        content_encoding: header("content-encoding"),
        body: &block[end..],
    }
}

/// The body as the server meant it: chunked transfer coding undone, then the content coding
/// (gzip, deflate, br, zstd). Crawlers other than Common Crawl store the bytes as received.
/// Decoding stops past `limit` bytes. `Err` says what could not be decoded.
fn decode_body<'a>(http: &HttpResponse<'a>, limit: u64) -> Result<Cow<'a, [u8]>, String> {
    let mut body = Cow::Borrowed(http.body);
    if http
        .transfer_encoding
        .as_deref()
        .is_some_and(|t| t.contains("chunked"))
    {
        body = Cow::Owned(dechunk(http.body).ok_or("broken chunked transfer coding")?);
    }
    let coding = http.content_encoding.as_deref().unwrap_or("identity");
    let mut out = Vec::new();
    let bounded = |r: &mut dyn Read, out: &mut Vec<u8>| -> Result<(), String> {
        r.take(limit + 1)
            .read_to_end(out)
            .map_err(|e| format!("corrupt {coding} content: {e}"))?;
        Ok(())
    };
    match coding {
        // Most payloads: borrowed, not copied.
        "" | "identity" | "none" => return Ok(body),
        "gzip" | "x-gzip" => bounded(&mut flate2::read::MultiGzDecoder::new(&body[..]), &mut out)?,
        // "deflate" is zlib-wrapped by the standard, raw deflate by some servers.
        "deflate" => {
            if bounded(&mut flate2::read::ZlibDecoder::new(&body[..]), &mut out).is_err() {
                out.clear();
                bounded(&mut flate2::read::DeflateDecoder::new(&body[..]), &mut out)?;
            }
        }
        "br" => bounded(
            &mut brotli_decompressor::Decompressor::new(&body[..], 64 << 10),
            &mut out,
        )?,
        "zstd" => {
            let mut decoder =
                zstd::Decoder::new(&body[..]).map_err(|e| format!("corrupt zstd content: {e}"))?;
            bounded(&mut decoder, &mut out)?;
        }
        other => return Err(format!("unsupported Content-Encoding {other:?}")),
    }
    Ok(Cow::Owned(out))
}

/// Undoes HTTP/1.1 chunked transfer coding: hex size lines (extensions ignored), chunks, a
/// zero-size chunk, trailers. `None` when the framing is broken.
fn dechunk(mut data: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(data.len());
    loop {
        let line_end = memchr::memchr(b'\n', data)?;
        let line = std::str::from_utf8(&data[..line_end]).ok()?;
        let size = line.split(';').next()?.trim();
        let size = usize::from_str_radix(size, 16).ok()?;
        data = &data[line_end + 1..];
        if size == 0 {
            return Some(out);
        }
        out.extend_from_slice(data.get(..size)?);
        data = &data[size..];
        data = data
            .strip_prefix(b"\r\n")
            .or_else(|| data.strip_prefix(b"\n"))
            .unwrap_or(data);
    }
}

impl Reader {
    /// The next usable record of the open WARC stream, if any.
    fn next_warc(&mut self) -> Option<Result<Document, Error>> {
        let limit = self.options.max_document_bytes;
        loop {
            let state = self.warc.as_mut()?;
            let record = match read_warc_record(&mut state.reader, limit) {
                Ok(Some(r)) => r,
                Ok(None) => {
                    self.warc = None;
                    return None;
                }
                Err(e) => {
                    let state = self.warc.take().expect("stream open");
                    return Some(Err(if state.compressed {
                        Error::Truncated {
                            path: state.path,
                            line: None,
                            what: "the records before are kept",
                            source: e,
                        }
                    } else {
                        Error::io(state.path, e)
                    }));
                }
            };
            let kind = record.header("warc-type").unwrap_or_default();
            if kind != "response" && kind != "conversion" && kind != "resource" {
                continue;
            }
            let path = state.path.clone();
            let relative = state.relative.clone();
            let Some(block) = &record.block else {
                return Some(Err(Error::TooLarge {
                    path,
                    line: None,
                    limit,
                }));
            };
            let (text, lossy, html) = if kind == "conversion" {
                let (text, lossy) = decode(block.clone());
                (text, lossy, false)
            } else {
                let http = record
                    .header("content-type")
                    .is_some_and(|t| t.starts_with("application/http"));
                let response = if http {
                    split_http(block)
                } else {
                    HttpResponse {
                        content_type: record.header("content-type").map(str::to_ascii_lowercase),
                        transfer_encoding: None,
                        content_encoding: None,
                        body: &block[..],
                    }
                };
                // Only HTML pages: images, PDFs and scripts in a crawl are not text.
                if response
                    .content_type
                    .as_deref()
                    .is_some_and(|t| !(t.contains("html") || t.starts_with("text/plain")))
                {
                    continue;
                }
                let body = match decode_body(&response, limit) {
                    Ok(body) if body.len() as u64 > limit => {
                        return Some(Err(Error::TooLarge {
                            path,
                            line: None,
                            limit,
                        }))
                    }
                    Ok(body) => body,
                    Err(message) => {
                        let url = record.header("warc-target-uri").unwrap_or_default();
                        let id = record.header("warc-record-id").unwrap_or_default();
                        return Some(Err(Error::Payload {
                            path,
                            record: if url.is_empty() { id } else { url }.to_string(),
                            message,
                        }));
                    }
                };
                let (text, lossy) = crate::html::decode(&body, response.content_type.as_deref());
                (text, lossy, true)
            };
            let url = record.header("warc-target-uri").unwrap_or_default();
            let id = record.header("warc-record-id").unwrap_or_default();
            let mut fields = Map::new();
            fields.insert("url".into(), Value::String(url.into()));
            fields.insert("warc_record_id".into(), Value::String(id.into()));
            fields.insert("text".into(), Value::String(String::new()));
            return Some(Ok(Document {
                id: if url.is_empty() { id } else { url }.to_string(),
                text,
                source: Source {
                    relative,
                    path,
                    line: None,
                },
                record: Some(fields.into()),
                lossy,
                html,
            }));
        }
    }
}

impl Iterator for Reader {
    type Item = Result<Document, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        if let Some(item) = self.first.take() {
            return Some(item);
        }
        loop {
            if let Some(warning) = self.pending.pop_front() {
                return Some(Err(warning));
            }
            if self.warc.is_some() {
                if let Some(item) = self.next_warc() {
                    return Some(item);
                }
                continue;
            }
            if self.jsonl.is_some() {
                if let Some(item) = self.next_jsonl() {
                    return Some(item);
                }
                continue;
            }
            if let Some((root, walk)) = self.walk.as_mut() {
                match walk.next() {
                    Some(Ok(entry)) => {
                        if !entry.file_type().is_file() {
                            continue;
                        }
                        let relative = entry
                            .path()
                            .strip_prefix(&*root)
                            .unwrap_or(entry.path())
                            .to_path_buf();
                        let path = entry.into_path();
                        if let Some(item) = self.open(path, relative) {
                            return Some(item);
                        }
                        continue;
                    }
                    Some(Err(e)) => {
                        let path = e.path().map(Path::to_path_buf).unwrap_or(root.clone());
                        if let Some(ancestor) = e.loop_ancestor() {
                            return Some(Err(Error::SymlinkLoop {
                                path,
                                ancestor: ancestor.to_path_buf(),
                            }));
                        }
                        let io = e
                            .into_io_error()
                            .unwrap_or_else(|| io::Error::other("folder walk failed"));
                        return Some(Err(Error::io(path, io)));
                    }
                    None => {
                        self.walk = None;
                        continue;
                    }
                }
            }
            let input = self.inputs.pop_front()?;
            if input.as_os_str() != "-" && input.is_dir() {
                let walk = walkdir::WalkDir::new(&input)
                    .follow_links(true)
                    .sort_by_file_name()
                    .into_iter();
                self.walk = Some((input, walk));
                continue;
            }
            let relative = if input.as_os_str() == "-" {
                PathBuf::from("stdin")
            } else {
                relative_as_given(&input)
            };
            if let Some(item) = self.open(input, relative) {
                return Some(item);
            }
        }
    }
}

/// The UTF-8 byte order mark some editors put at the start of a file.
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// A file given by itself: its path made relative, so that it can name an output file inside
/// a folder without escaping it. `..` undoes the component before it, or goes when there is
/// none.
fn relative_as_given(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::Normal(name) => out.push(name),
            Component::ParentDir => {
                out.pop();
            }
            Component::RootDir | Component::Prefix(_) | Component::CurDir => {}
        }
    }
    if out.as_os_str().is_empty() {
        // Only for odd names like `a/..`; a file always ends in a name.
        return path
            .file_name()
            .map_or_else(|| "input".into(), PathBuf::from);
    }
    out
}

/// Whether a stream holds JSONL: `{` is its first byte after a byte order mark and
/// whitespace. The bytes looked at are put back in front of the stream, and reading goes on
/// until that first byte is seen (a pipe may deliver a few bytes at a time).
fn sniff_jsonl(mut reader: Box<dyn BufRead + Send>) -> io::Result<(bool, Box<dyn BufRead + Send>)> {
    let mut head = Vec::new();
    let jsonl = loop {
        let buf = reader.fill_buf()?;
        if buf.is_empty() {
            break false;
        }
        let n = buf.len();
        head.extend_from_slice(buf);
        reader.consume(n);
        if head.len() < BOM.len() && BOM.starts_with(&head) {
            continue;
        }
        let rest = head.strip_prefix(BOM).unwrap_or(&head);
        if let Some(&b) = rest.iter().find(|b| !b.is_ascii_whitespace()) {
            break b == b'{';
        }
    };
    Ok((jsonl, Box::new(io::Cursor::new(head).chain(reader))))
}

/// serde_json's message without its "at line 1 column N" (a JSONL line is always line 1),
/// keeping the column, which helps in a long line.
pub(crate) fn json_message(e: &serde_json::Error) -> String {
    if e.line() == 0 {
        return format!("malformed JSON: {e}");
    }
    let full = e.to_string();
    let position = format!(" at line {} column {}", e.line(), e.column());
    let what = full.strip_suffix(&position).unwrap_or(&full);
    format!("malformed JSON: {what} (column {})", e.column())
}

/// `name.txt.gz` → `name.txt`: the name a decompressed file has.
pub fn strip_compression(path: &Path) -> PathBuf {
    match path.extension().and_then(|e| e.to_str()) {
        Some("gz" | "zst" | "zstd") => path.with_extension(""),
        _ => path.to_path_buf(),
    }
}

/// Wraps `raw` in a gzip or zstd decoder when its first bytes say so; says whether it did.
fn decompress(raw: impl Read + Send + 'static) -> io::Result<(Box<dyn BufRead + Send>, bool)> {
    let mut buffered = BufReader::with_capacity(256 * 1024, raw);
    let head = buffered.fill_buf()?;
    if head.starts_with(&[0x1f, 0x8b]) {
        // Many gzip members back to back (Common Crawl, pigz): read them all.
        Ok((
            Box::new(BufReader::with_capacity(
                256 * 1024,
                MultiGzDecoder::new(buffered),
            )),
            true,
        ))
    } else if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
        Ok((
            Box::new(BufReader::with_capacity(
                256 * 1024,
                zstd::Decoder::with_buffer(buffered)?,
            )),
            true,
        ))
    } else {
        Ok((Box::new(buffered), false))
    }
}

/// Reads up to and including the next newline into `buf`, but never more than `limit` bytes:
/// a longer line is consumed to its end without being kept. Returns the bytes consumed and
/// whether the line was too long (`buf` is then empty).
fn read_line_bounded(
    reader: &mut dyn BufRead,
    buf: &mut Vec<u8>,
    limit: usize,
) -> io::Result<(usize, bool)> {
    let mut consumed = 0;
    let mut overlong = false;
    loop {
        let available = match reader.fill_buf() {
            Ok(b) => b,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if available.is_empty() {
            return Ok((consumed, overlong));
        }
        let (n, done) = match memchr::memchr(b'\n', available) {
            Some(i) => (i + 1, true),
            None => (available.len(), false),
        };
        if !overlong {
            if buf.len() + n > limit {
                overlong = true;
                buf.clear();
            } else {
                buf.extend_from_slice(&available[..n]);
            }
        }
        reader.consume(n);
        consumed += n;
        if done {
            return Ok((consumed, overlong));
        }
    }
}

/// How many leading bytes are sniffed for binary content.
const SNIFF_BYTES: usize = 8192;

/// Why `bytes` look like a binary file rather than text, judged from their first 8 KiB:
/// a NUL byte (which no text encoding gleaner reads puts in text), or more than 10% control
/// bytes other than tab, line ends, form feed and escape.
fn looks_binary(bytes: &[u8]) -> Option<String> {
    let head = &bytes[..bytes.len().min(SNIFF_BYTES)];
    if let Some(at) = memchr::memchr(0, head) {
        return Some(format!("NUL byte at offset {at}"));
    }
    let control = head
        .iter()
        .filter(|&&b| b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r' | 0x0c | 0x1b) || b == 0x7f)
        .count();
    (control * 10 > head.len())
        .then(|| format!("{control} control bytes in the first {} bytes", head.len()))
}

/// UTF-8, replacing invalid sequences; reports whether any were.
fn decode(bytes: Vec<u8>) -> (String, bool) {
    match String::from_utf8(bytes) {
        Ok(s) => (s, false),
        Err(e) => (String::from_utf8_lossy(e.as_bytes()).into_owned(), true),
    }
}

struct CountingReader<R> {
    inner: R,
    counter: Arc<AtomicU64>,
}

impl<R: Read> Read for CountingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.counter.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A stream that gives `n` bytes per read, so that lines straddle its buffer.
    struct Drip(Vec<u8>, usize, usize);

    impl Read for Drip {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = self.2.min(buf.len()).min(self.0.len() - self.1);
            buf[..n].copy_from_slice(&self.0[self.1..self.1 + n]);
            self.1 += n;
            Ok(n)
        }
    }

    /// Lines parsed where the stream buffered them and lines copied out line by line (a
    /// line cut by the buffer, the first line) come out the same.
    #[test]
    fn jsonl_lines_read_in_place_or_copied_out_agree() {
        let mut bytes = b"\xEF\xBB\xBF{\"text\": \"bom\"}\r\n\r\n".to_vec();
        for line in crate::record::tests::odd_lines() {
            bytes.extend_from_slice(line.as_bytes());
            bytes.extend_from_slice(b"\r\n\n");
        }
        bytes.extend_from_slice(
            b"{\"text\": \"bad \xff utf8\", \"id\": 9}\n  \n{\"text\": \"last\"}",
        );
        let options = ReadOptions {
            format: InputFormat::Jsonl,
            max_document_bytes: 200,
            ..ReadOptions::default()
        };
        let show = |item: Result<Document, Error>| match item {
            Ok(d) => format!(
                "{} {:?} {:?} {} {} {:?}",
                d.id,
                d.text,
                d.source.line,
                d.lossy,
                d.html,
                d.record.map(|r| r.to_map())
            ),
            Err(e) => e.to_string(),
        };
        let whole: Vec<String> =
            Reader::from_reader("a", io::Cursor::new(bytes.clone()), options.clone())
                .map(show)
                .collect();
        assert!(whole.len() > 40, "{}", whole.len());
        for n in [1, 7, 64, 4096] {
            let drip = Drip(bytes.clone(), 0, n);
            let cut: Vec<String> = Reader::from_reader("a", drip, options.clone())
                .map(show)
                .collect();
            assert_eq!(cut, whole, "{n} bytes a read");
        }
    }

    fn response(headers: &str, body: &[u8]) -> Vec<u8> {
        let mut out = format!("HTTP/1.1 200 OK\r\n{headers}\r\n").into_bytes();
        out.extend_from_slice(body);
        out
    }

    fn body_of(block: &[u8]) -> Result<Vec<u8>, String> {
        decode_body(&split_http(block), 1 << 20).map(Cow::into_owned)
    }

    #[test]
    fn http_payloads_are_decoded_as_sent() {
        use std::io::Write;
        let page = b"<p>The council met on Monday.</p>";
        let plain = response("Content-Type: text/html\r\n", page);
        assert_eq!(body_of(&plain).unwrap(), page);
        // Chunked, with a chunk extension and a trailer.
        let chunked = response(
            "Transfer-Encoding: chunked\r\n",
            b"5;ext=1\r\n<p>Th\r\n1c\r\ne council met on Monday.</p>\r\n0\r\nX-Trailer: y\r\n\r\n",
        );
        assert_eq!(body_of(&chunked).unwrap(), page);
        // gzip inside chunked, as servers send it.
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(page).unwrap();
        let gz = gz.finish().unwrap();
        let mut framed = format!("{:x}\r\n", gz.len()).into_bytes();
        framed.extend_from_slice(&gz);
        framed.extend_from_slice(b"\r\n0\r\n\r\n");
        let both = response(
            "Transfer-Encoding: chunked\r\nContent-Encoding: gzip\r\n",
            &framed,
        );
        assert_eq!(body_of(&both).unwrap(), page);
        // deflate, zlib-wrapped and raw.
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
        z.write_all(page).unwrap();
        let zlib = response("Content-Encoding: deflate\r\n", &z.finish().unwrap());
        assert_eq!(body_of(&zlib).unwrap(), page);
        let mut d = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::fast());
        d.write_all(page).unwrap();
        let raw = response("Content-Encoding: deflate\r\n", &d.finish().unwrap());
        assert_eq!(body_of(&raw).unwrap(), page);
        // zstd and brotli ("<p>Brotli works.</p>", compressed by Python's brotli module).
        let zst = response(
            "Content-Encoding: zstd\r\n",
            &zstd::encode_all(&page[..], 3).unwrap(),
        );
        assert_eq!(body_of(&zst).unwrap(), page);
        let br: &[u8] = &[
            139, 9, 128, 60, 112, 62, 66, 114, 111, 116, 108, 105, 32, 119, 111, 114, 107, 115, 46,
            60, 47, 112, 62, 3,
        ];
        let br = response("Content-Encoding: br\r\n", br);
        assert_eq!(body_of(&br).unwrap(), b"<p>Brotli works.</p>");
    }

    #[test]
    fn undecodable_payloads_say_why() {
        let broken = response("Transfer-Encoding: chunked\r\n", b"zz\r\nabc");
        assert_eq!(
            body_of(&broken).unwrap_err(),
            "broken chunked transfer coding"
        );
        let cut = response("Transfer-Encoding: chunked\r\n", b"ff\r\nabc");
        assert!(body_of(&cut).is_err());
        let gz = response("Content-Encoding: gzip\r\n", b"not gzip at all");
        assert!(body_of(&gz)
            .unwrap_err()
            .starts_with("corrupt gzip content"));
        let odd = response("Content-Encoding: compress\r\n", b"x");
        assert_eq!(
            body_of(&odd).unwrap_err(),
            "unsupported Content-Encoding \"compress\""
        );
        // Decoding stops past the limit: a small bomb does not inflate in memory.
        use std::io::Write;
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        gz.write_all(&vec![b'a'; 10 << 20]).unwrap();
        let bomb = response("Content-Encoding: gzip\r\n", &gz.finish().unwrap());
        let out = decode_body(&split_http(&bomb), 1000).unwrap();
        assert_eq!(out.len(), 1001);
    }
    use std::io::Write;

    fn read_all(inputs: &[&Path]) -> Vec<Result<Document, Error>> {
        Reader::new(inputs, ReadOptions::default()).collect()
    }

    #[test]
    fn folder_walk_is_sorted_and_relative() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("sub")).unwrap();
        std::fs::write(dir.path().join("b.txt"), "b").unwrap();
        std::fs::write(dir.path().join("a.txt"), "a").unwrap();
        std::fs::write(dir.path().join("sub/c.txt"), "c").unwrap();
        let docs: Vec<_> = read_all(&[dir.path()])
            .into_iter()
            .map(|d| d.unwrap().source.relative)
            .collect();
        assert_eq!(
            docs,
            [PathBuf::from("a.txt"), "b.txt".into(), "sub/c.txt".into()]
        );
    }

    #[test]
    fn jsonl_gzip_with_errors() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("d.jsonl.gz");
        let mut gz = flate2::write::GzEncoder::new(
            File::create(&path).unwrap(),
            flate2::Compression::fast(),
        );
        writeln!(gz, r#"{{"id": 7, "text": "hello", "url": "u"}}"#).unwrap();
        writeln!(gz, "not json").unwrap();
        writeln!(gz).unwrap();
        writeln!(gz, r#"{{"text": 3}}"#).unwrap();
        writeln!(gz, r#"{{"text": "bye"}}"#).unwrap();
        gz.finish().unwrap();
        let items = read_all(&[&path]);
        assert_eq!(items.len(), 4);
        let first = items[0].as_ref().unwrap();
        assert_eq!(first.id, "7");
        assert_eq!(
            first.record.as_ref().unwrap().get_str("url").as_deref(),
            Some("u")
        );
        let e = items[1].as_ref().unwrap_err().to_string();
        assert!(e.contains("d.jsonl.gz:2"), "{e}");
        assert!(items[2].as_ref().unwrap_err().to_string().contains(":4"));
        // No id field: the path as given (made relative) and the line.
        let id = &items[3].as_ref().unwrap().id;
        assert!(
            id.ends_with("/d.jsonl.gz:5") && !id.starts_with('/'),
            "{id}"
        );
    }

    #[test]
    fn explicit_files_keep_their_path_made_relative() {
        for (given, relative) in [
            ("x/page.txt", "x/page.txt"),
            ("./x/page.txt", "x/page.txt"),
            ("/data/crawl/a.txt", "data/crawl/a.txt"),
            ("../../a.txt", "a.txt"),
            ("x/../../y/a.txt", "y/a.txt"),
            ("page.txt", "page.txt"),
        ] {
            assert_eq!(
                relative_as_given(Path::new(given)),
                PathBuf::from(relative),
                "{given}"
            );
        }
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("x")).unwrap();
        std::fs::create_dir(dir.path().join("y")).unwrap();
        let x = dir.path().join("x/page.txt");
        let y = dir.path().join("y/page.txt");
        std::fs::write(&x, "x").unwrap();
        std::fs::write(&y, "y").unwrap();
        let rel: Vec<PathBuf> = read_all(&[&x, &y])
            .into_iter()
            .map(|d| d.unwrap().source.relative)
            .collect();
        assert!(rel[0].ends_with("x/page.txt"), "{rel:?}");
        assert!(rel[1].ends_with("y/page.txt"), "{rel:?}");
        assert!(rel.iter().all(|r| r.is_relative()), "{rel:?}");
    }

    #[test]
    fn byte_order_mark_is_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let jsonl = dir.path().join("bom.jsonl");
        std::fs::write(&jsonl, b"\xEF\xBB\xBF{\"id\": \"a\", \"text\": \"x\"}\r\n").unwrap();
        let page = dir.path().join("bom.txt");
        std::fs::write(&page, b"\xEF\xBB\xBFpage text").unwrap();
        let items = read_all(&[&jsonl, &page]);
        assert_eq!(items.len(), 2, "{items:?}");
        assert_eq!(items[0].as_ref().unwrap().id, "a");
        let page = items[1].as_ref().unwrap();
        assert_eq!(page.text, "page text");
        assert!(!page.lossy);
    }

    /// Reads one byte per call, as a slow pipe might.
    struct Trickle(Vec<u8>, usize);

    impl Read for Trickle {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            match self.0.get(self.1) {
                Some(&b) if !buf.is_empty() => {
                    buf[0] = b;
                    self.1 += 1;
                    Ok(1)
                }
                _ => Ok(0),
            }
        }
    }

    #[test]
    fn sniffing_sees_past_a_bom_and_whitespace_and_loses_nothing() {
        for (input, jsonl) in [
            (&b"\xEF\xBB\xBF \n {\"text\": \"a\"}\n"[..], true),
            (b"\n\n  {}", true),
            (b"\xEF\xBB\xBFHome\n", false),
            (b"\xEF\xBB", false),
            (b"", false),
        ] {
            let reader: Box<dyn BufRead + Send> =
                Box::new(BufReader::with_capacity(1, Trickle(input.to_vec(), 0)));
            let (found, mut rest) = sniff_jsonl(reader).unwrap();
            assert_eq!(found, jsonl, "{input:?}");
            let mut all = Vec::new();
            rest.read_to_end(&mut all).unwrap();
            assert_eq!(all, input);
        }
    }

    #[test]
    fn truncated_json_line_names_its_line_not_the_next() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.jsonl");
        std::fs::write(&path, "{\"text\": \"a\"}\n{\"text\": \"unterminated\n").unwrap();
        let items = read_all(&[&path]);
        let e = items[1].as_ref().unwrap_err().to_string();
        assert!(
            e.ends_with("t.jsonl:2: malformed JSON: EOF while parsing a string (column 22)"),
            "{e}"
        );
        assert!(!e.contains("line 2 column 0"), "{e}");
    }

    #[test]
    fn invalid_utf8_is_lossy_and_flagged() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bad.txt");
        std::fs::write(&path, b"caf\xe9 ok").unwrap();
        let doc = read_all(&[&path]).pop().unwrap().unwrap();
        assert!(doc.lossy);
        assert_eq!(doc.text, "caf\u{fffd} ok");
    }

    #[test]
    fn missing_file_is_an_error_naming_it() {
        let items = read_all(&[Path::new("/nonexistent/x.txt")]);
        assert!(items[0]
            .as_ref()
            .unwrap_err()
            .to_string()
            .contains("/nonexistent/x.txt"));
    }

    #[test]
    fn a_file_growing_while_read_is_reported_after_its_documents() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("live.jsonl");
        std::fs::write(&path, "{\"text\": \"a\"}\n").unwrap();
        let mut reader = Reader::new([&path], ReadOptions::default());
        assert_eq!(reader.next().unwrap().unwrap().text, "a");
        // A crawler appends while we read.
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap();
        writeln!(f, "{{\"text\": \"b\"}}").unwrap();
        drop(f);
        let rest: Vec<_> = reader.collect();
        assert_eq!(rest.len(), 2, "{rest:?}");
        assert_eq!(rest[0].as_ref().unwrap().text, "b");
        let e = rest[1].as_ref().unwrap_err();
        assert!(e.is_warning());
        assert_eq!(e.kind(), "changed_while_read");
        assert!(e
            .to_string()
            .ends_with("live.jsonl: file changed while being read"));
    }

    #[test]
    fn bounded_lines_skip_what_is_too_long_and_keep_their_place() {
        let input = format!("short\n{}\nnext", "x".repeat(1000));
        let mut r = BufReader::with_capacity(16, input.as_bytes());
        let mut buf = Vec::new();
        assert_eq!(
            read_line_bounded(&mut r, &mut buf, 100).unwrap(),
            (6, false)
        );
        assert_eq!(buf, b"short\n");
        buf.clear();
        assert_eq!(
            read_line_bounded(&mut r, &mut buf, 100).unwrap(),
            (1001, true)
        );
        // Never more than the limit held (doubling may reserve up to twice as much).
        assert!(buf.is_empty() && buf.capacity() <= 200);
        assert_eq!(
            read_line_bounded(&mut r, &mut buf, 100).unwrap(),
            (4, false)
        );
        assert_eq!(buf, b"next");
    }

    #[test]
    fn binary_sniffing() {
        assert!(looks_binary(b"plain text\n\tand a tab\x0c").is_none());
        assert!(looks_binary("caf\u{e9} \u{1b}[0m".as_bytes()).is_none());
        assert_eq!(
            looks_binary(b"GIF89a\0\x01").as_deref(),
            Some("NUL byte at offset 6")
        );
        assert!(looks_binary(&[1, 2, 3, b'a', b'b', b'c', b'd', b'e', b'f', b'g']).is_some());
        // Only the head is looked at.
        let mut late = vec![b'a'; SNIFF_BYTES];
        late.push(0);
        assert!(looks_binary(&late).is_none());
    }

    #[cfg(unix)]
    #[test]
    fn a_symlink_loop_is_named_and_the_walk_goes_on() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("sub")).unwrap();
        std::os::unix::fs::symlink("..", dir.path().join("sub/up")).unwrap();
        std::fs::write(dir.path().join("sub/z.txt"), "z").unwrap();
        let items = read_all(&[dir.path()]);
        assert_eq!(items.len(), 2, "{items:?}");
        let e = items[0].as_ref().unwrap_err();
        assert_eq!(e.kind(), "symlink_loop");
        assert!(e.to_string().contains("sub/up: symbolic link loop"), "{e}");
        assert_eq!(items[1].as_ref().unwrap().text, "z");
    }

    #[test]
    fn zstd_text_page() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.txt.zst");
        std::fs::write(&path, zstd::encode_all(&b"page text"[..], 3).unwrap()).unwrap();
        let doc = read_all(&[&path]).pop().unwrap().unwrap();
        assert_eq!(doc.text, "page text");
        assert!(strip_compression(&doc.source.relative).ends_with("p.txt"));
        assert_eq!(doc.source.relative.file_name().unwrap(), "p.txt.zst");
    }
}
