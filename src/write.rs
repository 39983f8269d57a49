//! Stage 5: write cleaned documents, in input order.

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
    /// Standard output: clean text, or JSONL when `jsonl` is set.
    Stdout {
        /// Write JSONL records instead of text.
        jsonl: bool,
    },
    /// One JSONL file (`.gz`/`.zst` endings compress).
    JsonlFile(PathBuf),
    /// One text file holding every page's clean text.
    TextFile(PathBuf),
    /// A folder: each input file's output at the same relative path (compression suffix
    /// removed). JSONL inputs give JSONL files, text pages give text files.
    Dir(PathBuf),
}

/// Writes cleaned documents.
///
/// Text output is the page's clean text (paragraphs separated by a blank line); when several
/// pages go to one text stream, they are separated by an extra blank line. JSONL output is the
/// input record with the text field replaced, `lang` added, and `dropped` added (with the
/// [`Reason`](crate::Reason)) when nothing of the document was kept; text inputs become
/// `{"id", "text", "lang"}` records. A document left empty is never skipped: an empty file, an
/// empty text or a record with `"text": ""` and `dropped` stands for it.
pub struct Writer {
    output: Output,
    text_field: String,
    stream: Option<(PathBuf, Box<dyn Write + Send>)>,
    docs_in_stream: u64,
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
            docs_in_stream: 0,
        })
    }

    /// Writes one cleaned document; returns the bytes of clean text written.
    pub fn write(&mut self, doc: &Document, page: &Page) -> Result<u64> {
        let text = page.text();
        match self.output.clone() {
            Output::Stdout { jsonl } => {
                self.ensure_stream(Path::new("-"), || {
                    Ok(Box::new(BufWriter::with_capacity(256 * 1024, io::stdout())))
                })?;
                if jsonl {
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
                if doc.record.is_some() {
                    self.ensure_stream(&target, || create(&target))?;
                    self.write_record(doc, page, &text)?;
                } else {
                    // One text page, one file: write it whole.
                    self.finish_stream()?;
                    let mut f = create(&target)?;
                    f.write_all(text.as_bytes())
                        .and_then(|_| f.flush())
                        .map_err(|e| Error::io(&target, e))?;
                }
            }
        }
        Ok(text.len() as u64)
    }

    /// Flushes and closes what is open.
    pub fn finish(mut self) -> Result<()> {
        self.finish_stream()
    }

    fn ensure_stream(
        &mut self,
        path: &Path,
        open: impl FnOnce() -> Result<Box<dyn Write + Send>>,
    ) -> Result<()> {
        if self.stream.as_ref().is_some_and(|(p, _)| p == path) {
            return Ok(());
        }
        self.finish_stream()?;
        self.stream = Some((path.to_path_buf(), open()?));
        self.docs_in_stream = 0;
        Ok(())
    }

    fn finish_stream(&mut self) -> Result<()> {
        if let Some((path, mut w)) = self.stream.take() {
            w.flush().map_err(|e| Error::io(&path, e))?;
        }
        Ok(())
    }

    fn write_text(&mut self, text: &str) -> Result<()> {
        let (path, w) = self.stream.as_mut().expect("stream open");
        let sep = if self.docs_in_stream > 0 { "\n" } else { "" };
        w.write_all(sep.as_bytes())
            .and_then(|_| w.write_all(text.as_bytes()))
            .map_err(|e| Error::io(path.clone(), e))?;
        self.docs_in_stream += 1;
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
        let (path, w) = self.stream.as_mut().expect("stream open");
        serde_json::to_writer(&mut *w, &record)
            .map_err(io::Error::from)
            .and_then(|_| w.write_all(b"\n"))
            .map_err(|e| Error::io(path.clone(), e))?;
        self.docs_in_stream += 1;
        Ok(())
    }
}

/// Creates a file (and its folder), compressing by its extension.
fn create(path: &Path) -> Result<Box<dyn Write + Send>> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
    }
    let file = BufWriter::with_capacity(
        256 * 1024,
        File::create(path).map_err(|e| Error::io(path, e))?,
    );
    Ok(match path.extension().and_then(|e| e.to_str()) {
        Some("gz") => Box::new(flate2::write::GzEncoder::new(
            file,
            flate2::Compression::default(),
        )),
        Some("zst" | "zstd") => Box::new(
            zstd::Encoder::new(file, 3)
                .map_err(|e| Error::io(path, e))?
                .auto_finish(),
        ),
        _ => Box::new(file),
    })
}
