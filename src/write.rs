//! Stage 5: write cleaned documents, in input order.

use std::collections::HashMap;
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

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
}

/// The output stream open now.
struct Stream {
    path: PathBuf,
    sink: Sink,
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
        })
    }

    /// Writes one cleaned document; returns the bytes of clean text written.
    ///
    /// For a folder output, a document whose output file was already written from another
    /// input gives [`Error::OutputCollision`] and nothing is written; any other error is a
    /// failure of the output.
    pub fn write(&mut self, doc: &Document, page: &Page) -> Result<u64> {
        let text = page.text();
        match self.output.clone() {
            Output::Stdout { jsonl } => {
                self.ensure_stream(Path::new("-"), || {
                    Ok(Sink::Stdout(BufWriter::with_capacity(
                        256 * 1024,
                        io::stdout(),
                    )))
                })?;
                if jsonl || doc.record.is_some() {
                    self.write_record(doc, page, &text)?;
                } else {
                    self.write_text(&text)?;
                }
            }
            Output::JsonlFile(path) => {
                self.ensure_stream(&path, || create(&path))?;
                self.write_record(doc, page, &text)?;
            }
            Output::TextFile(path) => {
                self.ensure_stream(&path, || create(&path))?;
                self.write_text(&text)?;
            }
            Output::Dir(dir) => {
                let target = dir.join(strip_compression(&doc.source.relative));
                self.check_collision(&target, doc)?;
                if doc.record.is_some() {
                    self.ensure_stream(&target, || create(&target))?;
                    let stream = self.stream.as_mut().expect("stream open");
                    stream.feed = Some((doc.source.path.clone(), doc.source.line));
                    self.write_record(doc, page, &text)?;
                } else {
                    // One text page, one file: write it whole.
                    self.finish_stream()?;
                    let mut sink = create(&target)?;
                    sink.write_all(text.as_bytes())
                        .map_err(|e| Error::io(&target, e))?;
                    sink.finish().map_err(|e| Error::io(&target, e))?;
                }
                self.written
                    .entry(target)
                    .or_insert_with(|| doc.source.path.clone());
            }
        }
        Ok(text.len() as u64)
    }

    /// Flushes and closes what is open, finishing compressed streams.
    pub fn finish(mut self) -> Result<()> {
        self.finish_stream()
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

    fn ensure_stream(&mut self, path: &Path, open: impl FnOnce() -> Result<Sink>) -> Result<()> {
        if self.stream.as_ref().is_some_and(|s| s.path == path) {
            return Ok(());
        }
        self.finish_stream()?;
        self.stream = Some(Stream {
            path: path.to_path_buf(),
            sink: open()?,
            after_text: false,
            feed: None,
        });
        Ok(())
    }

    fn finish_stream(&mut self) -> Result<()> {
        if let Some(s) = self.stream.take() {
            s.sink.finish().map_err(|e| Error::io(&s.path, e))?;
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

    fn write_record(&mut self, doc: &Document, page: &Page, text: &str) -> Result<()> {
        let mut record = match &doc.record {
            Some(r) => r.clone(),
            None => {
                let mut m = Map::new();
                m.insert("id".into(), Value::String(doc.id.clone()));
                m
            }
        };
        record.insert(self.text_field.clone(), Value::String(text.to_string()));
        record.insert(
            "lang".into(),
            page.lang
                .map_or(Value::Null, |l| Value::String(l.code().into())),
        );
        if let Some(reason) = page.dropped {
            record.insert("dropped".into(), Value::String(reason.name().into()));
        }
        let s = self.stream.as_mut().expect("stream open");
        serde_json::to_writer(&mut s.sink, &record)
            .map_err(io::Error::from)
            .and_then(|_| s.sink.write_all(b"\n"))
            .map_err(|e| Error::io(&s.path, e))?;
        s.after_text = false;
        Ok(())
    }
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

/// Creates a file (and its folder), compressing by its extension.
fn create(path: &Path) -> Result<Sink> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
    }
    let file = BufWriter::with_capacity(
        256 * 1024,
        File::create(path).map_err(|e| Error::io(path, e))?,
    );
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cleaner::CleanParagraph;
    use crate::read::Source;

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
                    text: p.to_string(),
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
        }
    }

    fn record(path: &str, line: u64) -> Document {
        let mut d = doc(path, path, PROSE);
        d.source.line = Some(line);
        let mut m = Map::new();
        m.insert("text".into(), Value::String(PROSE.into()));
        d.record = Some(m);
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
