//! Many documents through the stages in one parallel pass, in input order.
//!
//! A reader thread parses documents into batches; each batch is cleaned in parallel on a rayon
//! pool (segment, language, classify, shingle hashing), in jobs of a few documents that never
//! wait for one another, so that the workers go on with the next batch while one finishes
//! (even when it holds a long document); then, on one thread and in input order,
//! duplicates are looked up and recorded, and the documents are handed to the caller. Only the
//! cheap ordered step is sequential, and it is what makes the output independent of the
//! number of threads.

use std::collections::{BTreeMap, VecDeque};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Instant;

use rayon::prelude::*;
use serde::Serialize;

use crate::classify::Reason;
use crate::cleaner::{Cleaner, Page};
use crate::config::{Config, DedupScope};
use crate::dedup::{DedupIndex, IndexStats, PageWords, Prepared};
use crate::error::{Error, Result};
use crate::read::Document;
use crate::templates::TemplateCounts;

/// A cleaned page and, for corpus dedup, the shingles of its kept paragraphs, to look up in
/// input order.
type Cleaned = (Page, Prepared);

/// A batch being cleaned: its documents, and a slot for each one's result.
struct Work {
    seq: u64,
    batch: Vec<Result<Document, Error>>,
    /// `None` until cleaned, and for an input that could not be read; an error if cleaning
    /// panicked.
    results: Vec<Mutex<Option<Result<Cleaned, Error>>>>,
    /// Chunks of the batch not cleaned yet; the job that cleans the last one hands it on.
    unfinished: AtomicUsize,
}

/// Input bytes per job, about: enough that a job's overhead (about a microsecond) is lost in
/// its work, few enough that the workers share a batch evenly.
const CHUNK_BYTES: usize = 64 << 10;

/// The documents of `batch` in runs of about [`CHUNK_BYTES`] of text; at least one run.
fn chunks(batch: &[Result<Document, Error>]) -> Vec<std::ops::Range<usize>> {
    let mut out = Vec::new();
    let (mut start, mut bytes) = (0, 0);
    for (i, item) in batch.iter().enumerate() {
        bytes += item.as_ref().map_or(0, |d| d.text.len());
        if bytes >= CHUNK_BYTES || i + 1 == batch.len() {
            out.push(start..i + 1);
            (start, bytes) = (i + 1, 0);
        }
    }
    if out.is_empty() {
        out.push(0..0);
    }
    out
}

/// Batches cleaned at once, counting those cleaned and waiting to be written: four batches
/// of 2 MB against two of 8 MB took peak RSS 255 -> 172 MB on a 50 MB dump at `-j2`, and the
/// workers wait less for the ordered step (wall time the same or lower).
const IN_FLIGHT: usize = 4;

/// Input bytes, at most, in the batches let in behind a slow oldest one (see [`admits`]).
const MAX_BEHIND: usize = 128 << 20;

/// Whether a batch of `bytes` may start cleaning, with `flight` the input bytes of the
/// batches not yet written, oldest first, on a pool of `threads`.
///
/// Up to [`IN_FLIGHT`] batches always. Past that, the oldest batch holds up the writing of all
/// the others; when it is a long one (a document of many megabytes), the other workers would
/// soon stand idle with the batches behind it done, and one long document would serialise
/// the run. So batches keep coming in behind it as long as they hold fewer bytes than it does
/// for each of the other workers (about what they clean in the time it takes), up to
/// [`MAX_BEHIND`]: memory stays bounded. With batches of even size, that is one batch per
/// other worker behind the oldest, so a large pool is not starved by the count either.
fn admits(flight: &VecDeque<usize>, bytes: usize, threads: usize) -> bool {
    let Some(&oldest) = flight.front() else {
        return true;
    };
    if flight.len() < IN_FLIGHT {
        return true;
    }
    let behind: usize = flight.iter().skip(1).sum();
    let room = oldest
        .saturating_mul(threads.saturating_sub(1))
        .min(MAX_BEHIND);
    behind + bytes <= room
}

/// The batches in flight between the dispatcher (which lets them in, [`admits`]) and the
/// ordered step (which lets them out, in input order, once written).
struct Flight {
    threads: usize,
    /// Input bytes of each batch in flight, oldest first; `None` once the ordered step ended.
    state: Mutex<Option<VecDeque<usize>>>,
    changed: Condvar,
}

impl Flight {
    fn new(threads: usize) -> Self {
        Flight {
            threads,
            state: Mutex::new(Some(VecDeque::new())),
            changed: Condvar::new(),
        }
    }

    /// Waits until a batch of `bytes` is let in and counts it; false if the ordered step ended.
    fn enter(&self, bytes: usize) -> bool {
        let mut state = self.state.lock().expect("flight lock");
        loop {
            match state.as_mut() {
                None => return false,
                Some(f) if admits(f, bytes, self.threads) => {
                    f.push_back(bytes);
                    return true;
                }
                Some(_) => state = self.changed.wait(state).expect("flight lock"),
            }
        }
    }

    /// The oldest batch is written.
    fn leave(&self) {
        if let Some(f) = self.state.lock().expect("flight lock").as_mut() {
            f.pop_front();
        }
        self.changed.notify_all();
    }

    /// A guard that ends the flight when dropped: [`enter`](Self::enter) then returns false.
    fn closer(&self) -> impl Drop + '_ {
        struct Close<'a>(&'a Flight);
        impl Drop for Close<'_> {
            fn drop(&mut self) {
                *self.0.state.lock().unwrap_or_else(|e| e.into_inner()) = None;
                self.0.changed.notify_all();
            }
        }
        Close(self)
    }
}

/// What the pipeline hands its caller, in input order.
#[derive(Debug)]
pub enum Event<'a> {
    /// A document, cleaned and deduplicated.
    Document {
        /// The input document.
        doc: &'a Document,
        /// Its verdicts.
        page: &'a Page,
    },
    /// An input that could not be read (file, or JSONL line); it was skipped.
    Rejected(&'a Error),
    /// A problem with a document that was still read (see [`Error::is_warning`]); it comes
    /// right after that document (for JSONL, after the file's last document).
    Warning(&'a Error),
}

/// Counts of a run: documents, paragraphs and bytes, by outcome.
///
/// Every input item (a text page, a JSONL line, or a file or line that could not be read)
/// is accounted for once: `inputs = documents_out + documents_dropped + rejected` (see
/// [`Stats::balanced`]).
#[derive(Debug, Clone, Default, Serialize)]
pub struct Stats {
    /// Input items seen: documents read plus inputs rejected.
    pub inputs: u64,
    /// Documents read and handed on (a document the caller rejected counts in `rejected`
    /// instead).
    pub documents_in: u64,
    /// Documents written with content.
    pub documents_out: u64,
    /// Documents left without content, by reason (written as empty).
    pub documents_dropped: BTreeMap<Reason, u64>,
    /// Inputs skipped because they could not be read, or documents the caller rejected (e.g.
    /// an output file already written), by error kind.
    pub rejected: BTreeMap<&'static str, u64>,
    /// Problems with documents that were still read and written, by error kind
    /// (`truncated`, `changed_while_read`, `empty`).
    pub warnings: BTreeMap<&'static str, u64>,
    /// Input files not read because their output was current (resume; filled in by the
    /// caller, which decides what is current).
    pub skipped_current: u64,
    /// The run was stopped early (Ctrl-C, or `--strict` at the first bad input): the inputs
    /// after the last one counted here were not handed on.
    pub interrupted: bool,
    /// Documents with invalid UTF-8, decoded lossily.
    pub lossy_utf8: u64,
    /// Paragraphs kept.
    pub paragraphs_kept: u64,
    /// Paragraphs dropped, by reason.
    pub paragraphs_dropped: BTreeMap<Reason, u64>,
    /// Bytes of the dropped paragraphs, by reason (what each rule removed).
    pub bytes_dropped: BTreeMap<Reason, u64>,
    /// The corpus dedup index at the end of the run: size, fill, false-positive estimate.
    pub dedup_index: Option<IndexStats>,
    /// Bytes of input text.
    pub bytes_in: u64,
    /// Bytes of clean text, exactly as [`Page::text`] gives it: kept paragraphs separated by
    /// a blank line, with a final newline.
    pub bytes_out: u64,
    /// Documents by language code (`und` when unknown).
    pub languages: BTreeMap<String, u64>,
    /// Wall-clock seconds.
    pub elapsed_secs: f64,
}

impl Stats {
    /// Number of inputs skipped.
    pub fn rejected_total(&self) -> u64 {
        self.rejected.values().sum()
    }

    /// Documents left without content, all reasons together.
    pub fn dropped_total(&self) -> u64 {
        self.documents_dropped.values().sum()
    }

    /// Whether every input is accounted for: `inputs = documents_out + documents_dropped +
    /// rejected`.
    pub fn balanced(&self) -> bool {
        self.inputs == self.documents_out + self.dropped_total() + self.rejected_total()
    }

    fn reject(&mut self, e: &Error) {
        self.inputs += 1;
        *self.rejected.entry(e.kind()).or_default() += 1;
    }

    fn record(&mut self, doc: &Document, page: &Page) {
        self.inputs += 1;
        self.documents_in += 1;
        self.bytes_in += doc.text.len() as u64;
        self.lossy_utf8 += u64::from(doc.lossy);
        match page.dropped {
            Some(r) => *self.documents_dropped.entry(r).or_default() += 1,
            None => self.documents_out += 1,
        }
        let lang = page.lang.map_or("und", |l| l.code());
        match self.languages.get_mut(lang) {
            Some(n) => *n += 1,
            None => {
                self.languages.insert(lang.to_string(), 1);
            }
        }
        let mut kept = 0u64;
        // Paragraphs and bytes by reason, counted for the page and then added to the maps: a
        // map lookup for every paragraph cost this thread, the one that keeps input order.
        let mut dropped = [(0u64, 0u64); Reason::ALL.len()];
        for p in &page.paragraphs {
            match p.reason {
                None => {
                    kept += 1;
                    self.bytes_out += p.text.len() as u64;
                }
                Some(r) => {
                    let (n, bytes) = &mut dropped[r as usize];
                    *n += 1;
                    *bytes += p.text.len() as u64;
                }
            }
        }
        for r in Reason::ALL {
            let (n, bytes) = dropped[r as usize];
            if n > 0 {
                *self.paragraphs_dropped.entry(r).or_default() += n;
                *self.bytes_dropped.entry(r).or_default() += bytes;
            }
        }
        self.paragraphs_kept += kept;
        // `Page::text` without building it: a newline after each kept paragraph, a blank
        // line (one more newline) between two.
        if kept > 0 {
            self.bytes_out += 2 * kept - 1;
        }
    }
}

/// Runs documents through the whole pipeline with a shared dedup index.
///
/// ```
/// use gleaner::{Config, Event, Pipeline, Document, Source};
/// let body = "The council approved the new budget on Monday after a long debate, and the \
///     mayor said the money would go to schools, roads and the library across the city. \
///     Several members of the opposition said the plan was too expensive, but in the end \
///     they voted for it as well, after the mayor promised to publish every contract online, \
///     and the first works on the library roof are to start in the spring.";
/// let docs = ["a", "b"].map(|id| Ok(Document {
///     id: id.into(),
///     text: format!("Home\nNews\nSport\n\n{body}\n"),
///     source: Source { path: id.into(), relative: id.into(), line: None },
///     record: None,
///     lossy: false,
///     html: false,
/// }));
/// let mut texts = Vec::new();
/// let stats = Pipeline::new(Config::default(), 2).unwrap().run(docs, |event| {
///     if let Event::Document { page, .. } = event {
///         texts.push(page.text());
///     }
///     Ok(())
/// }).unwrap();
/// assert!(texts[0].starts_with("The council"));
/// assert_eq!(texts[1], ""); // the same paragraph again: a duplicate
/// assert_eq!(stats.documents_in, 2);
/// ```
pub struct Pipeline {
    cleaner: Cleaner,
    index: DedupIndex,
    /// Template mode: paragraph counts from a first pass.
    templates: Option<TemplateCounts>,
    pool: rayon::ThreadPool,
    batch_bytes: usize,
    batch_docs: usize,
    stop: Arc<AtomicBool>,
}

impl Pipeline {
    /// A pipeline with `threads` workers (0: one per core).
    pub fn new(config: Config, threads: usize) -> Result<Self> {
        let index = DedupIndex::with_options(config.dedup().clone())?;
        Self::with_index(config, threads, index)
    }

    /// A pipeline using an existing dedup index (e.g. one shared with a crawler).
    pub fn with_index(config: Config, threads: usize, index: DedupIndex) -> Result<Self> {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .thread_name(|i| format!("gleaner-{i}"))
            .build()
            .map_err(|e| Error::Config(format!("cannot start worker threads: {e}")))?;
        Ok(Pipeline {
            cleaner: Cleaner::new(config),
            index,
            templates: None,
            pool,
            batch_bytes: 2 << 20,
            batch_docs: 4096,
            stop: Arc::new(AtomicBool::new(false)),
        })
    }

    /// Template mode, first pass: counts the paragraphs of `documents` (segmented only, in
    /// parallel; the counts do not depend on the order). Unreadable inputs are skipped here;
    /// [`run`](Self::run) reports them. Returns the number of documents counted.
    pub fn count_templates<I>(&mut self, counts: TemplateCounts, documents: I) -> u64
    where
        I: IntoIterator<Item = Result<Document, Error>>,
        I::IntoIter: Send,
    {
        let n = std::sync::atomic::AtomicU64::new(0);
        let documents = documents.into_iter();
        self.pool.install(|| {
            documents
                .filter_map(Result::ok)
                .par_bridge()
                .for_each(|doc| {
                    counts.add_document(&doc);
                    n.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                })
        });
        self.templates = Some(counts);
        n.into_inner()
    }

    /// A flag that stops a run when set (from a Ctrl-C handler, or from the event callback):
    /// no new batch is read, nothing more is handed out after the current event, and
    /// [`run`](Self::run) returns the counts so far with [`Stats::interrupted`] set, so the
    /// caller can flush what was written. The flag stays set: a later run of this pipeline
    /// stops at once unless it is cleared.
    pub fn stop_flag(&self) -> Arc<AtomicBool> {
        Arc::clone(&self.stop)
    }

    /// The dedup index (to inspect or keep after a run).
    pub fn index(&self) -> &DedupIndex {
        &self.index
    }

    /// Cleans every document of `documents`, calling `on_event` for each document and each
    /// rejected input, in input order. An error returned by `on_event` (e.g. an unwritable
    /// output) stops the run and is returned, except one that
    /// [skips the document](Error::skips_document) (an output file already written): that
    /// document is counted as rejected and the run goes on.
    pub fn run<I, F>(&self, documents: I, mut on_event: F) -> Result<Stats>
    where
        I: IntoIterator<Item = Result<Document, Error>>,
        I::IntoIter: Send,
        F: FnMut(Event<'_>) -> Result<()>,
    {
        let start = Instant::now();
        let mut stats = Stats::default();
        let (tx, rx) = crossbeam_channel::bounded::<(usize, Vec<Result<Document, Error>>)>(2);
        let documents = documents.into_iter();
        let (batch_bytes, batch_docs) = (self.batch_bytes, self.batch_docs);
        let stop = &*self.stop;
        let flight = Flight::new(self.pool.current_num_threads());
        std::thread::scope(|scope| -> Result<()> {
            scope.spawn(move || {
                let mut batch = Vec::new();
                let mut bytes = 0;
                for item in documents {
                    if stop.load(Ordering::Relaxed) {
                        return;
                    }
                    bytes += item.as_ref().map_or(0, |d| d.text.len());
                    batch.push(item);
                    if bytes >= batch_bytes || batch.len() >= batch_docs {
                        if tx.send((bytes, std::mem::take(&mut batch))).is_err() {
                            return;
                        }
                        bytes = 0;
                    }
                }
                if !batch.is_empty() {
                    let _ = tx.send((bytes, batch));
                }
            });
            // Batches are cleaned on the pool as many at once as `Flight` lets in (counting
            // the ones cleaned and waiting to be written), each in jobs of a few documents:
            // once a batch is written, the next one starts, and a worker done with its share
            // of a batch goes on with the next one instead of waiting for that batch's last
            // document (a long page). This thread puts the batches back in input order,
            // applies dedup and writes them.
            let (done_tx, done_rx) = crossbeam_channel::unbounded::<Arc<Work>>();
            let flight = &flight;
            // However the ordered step ends (an error included), the dispatcher stops waiting.
            let _closed = flight.closer();
            scope.spawn(move || {
                self.pool.in_place_scope(|jobs| {
                    for (seq, (bytes, batch)) in (0u64..).zip(rx) {
                        if stop.load(Ordering::Relaxed) || !flight.enter(bytes) {
                            return;
                        }
                        // Jobs of a few documents each, none waiting for another: a job that
                        // waited (a `join` within the batch) would take up other work on its
                        // stack meanwhile, a long document say, and the whole batch would be
                        // held up until that was done.
                        let chunks = chunks(&batch);
                        let work = Arc::new(Work {
                            seq,
                            results: batch.iter().map(|_| Mutex::new(None)).collect(),
                            batch,
                            unfinished: AtomicUsize::new(chunks.len()),
                        });
                        let done_tx = done_tx.clone();
                        jobs.spawn(move |jobs| {
                            for range in chunks {
                                let (work, done_tx) = (Arc::clone(&work), done_tx.clone());
                                jobs.spawn(move |_| {
                                    for i in range {
                                        if let Ok(doc) = &work.batch[i] {
                                            let cleaned = self.clean_caught(doc);
                                            *work.results[i].lock().expect("result lock") =
                                                Some(cleaned);
                                        }
                                    }
                                    if work.unfinished.fetch_sub(1, Ordering::AcqRel) == 1 {
                                        // A closed channel: the ordered step stopped.
                                        let _ = done_tx.send(work);
                                    }
                                });
                            }
                        });
                    }
                });
            });
            let mut pending = BTreeMap::new();
            let mut next = 0u64;
            'batches: for work in done_rx {
                pending.insert(work.seq, work);
                while let Some(work) = pending.remove(&next) {
                    next += 1;
                    if stop.load(Ordering::Relaxed) {
                        break 'batches;
                    }
                    for (item, slot) in work.batch.iter().zip(&work.results) {
                        let cleaned = slot.lock().expect("result lock").take();
                        // Set by Ctrl-C or by the callback (`--strict`): nothing after this item.
                        if stop.load(Ordering::Relaxed) {
                            break;
                        }
                        match (item, cleaned) {
                            (Ok(doc), Some(Ok((mut page, shingles)))) => {
                                if self.cleaner.config().dedup_scope() == DedupScope::Corpus {
                                    self.index.apply(&mut page, &shingles);
                                }
                                match on_event(Event::Document { doc, page: &page }) {
                                    Ok(()) => stats.record(doc, &page),
                                    Err(e) if e.skips_document() => stats.reject(&e),
                                    Err(e) => return Err(e),
                                }
                            }
                            (Err(e), _) if e.is_warning() => {
                                *stats.warnings.entry(e.kind()).or_default() += 1;
                                on_event(Event::Warning(e))?;
                            }
                            (Err(e), _) => {
                                stats.reject(e);
                                on_event(Event::Rejected(e))?;
                            }
                            (Ok(_), Some(Err(e))) => {
                                stats.reject(&e);
                                on_event(Event::Rejected(&e))?;
                            }
                            (Ok(_), None) => unreachable!("every document is cleaned"),
                        }
                    }
                    // Written: its room goes to the next batches.
                    flight.leave();
                }
            }
            Ok(())
        })?;
        if self.cleaner.config().dedup_scope() == DedupScope::Corpus {
            stats.dedup_index = Some(self.index.stats());
        }
        stats.interrupted = self.stop.load(Ordering::Relaxed);
        stats.elapsed_secs = start.elapsed().as_secs_f64();
        Ok(stats)
    }

    /// [`clean_one`](Self::clean_one), with a panic (a bug) turned into an error for this
    /// document alone: a run over a whole crawl is not lost to one page (before, the ordered
    /// step waited for that page forever).
    fn clean_caught(&self, doc: &Document) -> Result<Cleaned, Error> {
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| self.clean_one(doc))).map_err(
            |panic| {
                let message = panic
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "panic".into());
                Error::Internal {
                    path: doc.source.path.clone(),
                    line: doc.source.line,
                    message,
                }
            },
        )
    }

    /// The parallel part for one document: clean, then shingle what is kept.
    fn clean_one(&self, doc: &Document) -> Cleaned {
        // A way for the tests to reach the path of a panicking page.
        #[cfg(test)]
        if doc.text.contains("\u{0}panic-test\u{0}") {
            panic!("a test page");
        }
        // The word hashes that measuring the paragraphs took, for the shingles below.
        let scope = self.cleaner.config().dedup_scope();
        let mut words = PageWords::default();
        let mut page = self.cleaner.clean_collecting(
            &doc.text,
            doc.html,
            (scope != DedupScope::Off).then_some(&mut words),
        );
        if let Some(t) = &self.templates {
            let host = t.host_of(doc);
            for p in page.paragraphs.iter_mut().filter(|p| p.is_kept()) {
                if t.is_template(&p.text, host.as_deref()) {
                    p.reason = Some(Reason::Template);
                }
            }
            page.settle();
        }
        match scope {
            DedupScope::Corpus => {
                let shingles = self.index.prepare_with(&page, Some(&words));
                (page, shingles)
            }
            DedupScope::Document => {
                // Unbounded and exact: one page always fits.
                let local = DedupIndex::with_options(self.index.options().one_page())
                    .expect("parameters already validated");
                local.dedup_with(&mut page, Some(&words));
                (page, Prepared::default())
            }
            DedupScope::Off => (page, Prepared::default()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cleaner::CleanParagraph;
    use crate::read::Source;

    fn paragraph(text: &str, reason: Option<Reason>) -> CleanParagraph {
        CleanParagraph {
            text: text.into(),
            line: 1,
            lang: None,
            reason,
            features: Default::default(),
        }
    }

    /// `Stats::record` counts a page's drops in an array indexed by the reason's value.
    #[test]
    fn every_reason_is_counted_by_its_value() {
        for (i, r) in Reason::ALL.into_iter().enumerate() {
            assert_eq!(r as usize, i, "{r}");
        }
        let mut stats = Stats::default();
        let page = Page {
            paragraphs: Reason::ALL
                .into_iter()
                .map(|r| paragraph(r.name(), Some(r)))
                .chain([paragraph("kept", None)])
                .collect(),
            ..Page::default()
        };
        stats.record(&document(0, String::new()), &page);
        for r in Reason::ALL {
            assert_eq!(stats.paragraphs_dropped[&r], 1, "{r}");
            assert_eq!(stats.bytes_dropped[&r], r.name().len() as u64, "{r}");
        }
        assert_eq!((stats.paragraphs_kept, stats.bytes_out), (1, 5));
    }

    fn document(i: usize, text: String) -> Document {
        Document {
            id: format!("d{i}"),
            text,
            source: Source {
                path: "d".into(),
                relative: "d".into(),
                line: Some(i as u64 + 1),
            },
            record: None,
            lossy: false,
            html: false,
        }
    }

    /// The ids and kept texts of a run, in the order the caller got them.
    fn run(threads: usize, batch_docs: usize, docs: &[Document]) -> Vec<(String, String)> {
        run_with(threads, batch_docs, 2 << 20, docs)
    }

    fn run_with(
        threads: usize,
        batch_docs: usize,
        batch_bytes: usize,
        docs: &[Document],
    ) -> Vec<(String, String)> {
        let mut pipeline = Pipeline::new(Config::default(), threads).unwrap();
        pipeline.batch_docs = batch_docs;
        pipeline.batch_bytes = batch_bytes;
        let mut out = Vec::new();
        pipeline
            .run(docs.iter().cloned().map(Ok), |event| {
                if let Event::Document { doc, page } = event {
                    out.push((doc.id.clone(), page.text()));
                }
                Ok(())
            })
            .unwrap();
        out
    }

    /// One paragraph of prose, for pages that the classifier keeps.
    const STORY: &str = "The council approved the new budget on Monday after a long debate, \
        and the mayor said that the money would go to schools, roads and the public library.";

    #[test]
    fn a_long_document_lets_more_batches_in_behind_it() {
        let mut f: VecDeque<usize> = [100, 10, 10].into();
        assert!(admits(&f, 10, 2), "under IN_FLIGHT, always");
        f.push_back(10);
        // 4 in flight: behind the oldest, as many bytes as it holds per other worker.
        assert!(admits(&f, 70, 2));
        assert!(!admits(&f, 71, 2));
        assert!(admits(&f, 170, 3));
        assert!(!admits(&f, 10, 1), "one worker: nothing to keep busy");
        // Even batches: one per worker in flight, four at least.
        let mut even: VecDeque<usize> = [10, 10, 10, 10].into();
        assert!(!admits(&even, 10, 2));
        assert!(admits(&even, 10, 8));
        even.extend([10, 10, 10, 10]);
        assert!(!admits(&even, 10, 8));
        // Bounded whatever the oldest batch.
        let huge: VecDeque<usize> = [usize::MAX / 2, 1, 1, 1].into();
        assert!(admits(&huge, MAX_BEHIND - 3, 64));
        assert!(!admits(&huge, MAX_BEHIND - 2, 64));
        assert!(admits(&VecDeque::new(), usize::MAX, 2));
    }

    #[test]
    fn chunks_cover_the_batch_in_order() {
        let doc = |n: usize| Ok(document(0, "x".repeat(n)));
        let batch = vec![
            doc(10),
            doc(CHUNK_BYTES),
            doc(5),
            doc(CHUNK_BYTES - 5),
            doc(1),
        ];
        assert_eq!(chunks(&batch), vec![0..2, 2..4, 4..5]);
        let unreadable = vec![Err(Error::Config("bad line".into())), doc(1)];
        assert_eq!(chunks(&unreadable), vec![0..2]);
        assert_eq!(chunks(&[]), vec![0..0]);
    }

    #[test]
    fn a_page_whose_cleaning_panics_is_rejected_and_the_run_goes_on() {
        let docs: Vec<Document> = (0..40)
            .map(|i| document(i, format!("Story {i}. The council met on Monday to vote.")))
            .collect();
        let mut with_bad = docs.clone();
        with_bad.insert(
            7,
            document(99, "A page \u{0}panic-test\u{0} of bytes.".into()),
        );
        for threads in [1, 2] {
            let pipeline = Pipeline::new(Config::default(), threads).unwrap();
            let (mut out, mut rejected) = (Vec::new(), Vec::new());
            let stats = pipeline
                .run(with_bad.iter().cloned().map(Ok), |event| {
                    match event {
                        Event::Document { doc, page } => out.push((doc.id.clone(), page.text())),
                        Event::Rejected(e) => rejected.push(e.to_string()),
                        Event::Warning(_) => {}
                    }
                    Ok(())
                })
                .unwrap();
            assert_eq!(out, run(threads, 4096, &docs), "{threads} threads");
            assert_eq!(stats.rejected.get("internal_error"), Some(&1));
            assert!(stats.balanced());
            assert_eq!(rejected.len(), 1);
            assert!(
                rejected[0].starts_with(
                    "d:100: internal error while cleaning this document (a test page)"
                ),
                "{}",
                rejected[0]
            );
        }
    }

    #[test]
    fn a_long_document_does_not_change_the_output() {
        // Batches of about 1 KB behind one document of hundreds: the flight lets many batches
        // in behind it, and jobs of several documents; order and dedup stay the same.
        let line = STORY;
        let docs: Vec<Document> = (0..200)
            .map(|i| {
                let text = if i == 3 {
                    (0..3000).map(|k| format!("Part {k}. {line}\n\n")).collect()
                } else {
                    format!("Story {}.\n\n{line} {}", i % 40, i % 60)
                };
                document(i, text)
            })
            .collect();
        let one = run_with(1, 4096, 1 << 10, &docs);
        assert_eq!(one.len(), 200);
        assert!(one.iter().any(|(_, t)| t.is_empty()), "dedup ran");
        for threads in [2, 3] {
            assert_eq!(
                run_with(threads, 4096, 1 << 10, &docs),
                one,
                "{threads} threads"
            );
        }
    }

    #[test]
    fn batches_cleaned_at_once_come_out_in_input_order() {
        // Pages of very different lengths finish out of order; repeats across batches test
        // that dedup still keeps the first copy.
        let docs: Vec<Document> = (0..120)
            .map(|i| {
                let copies = if i % 7 == 0 { 40 } else { 1 };
                let text = format!("Story {}.\n\n{}", i % 30, STORY.repeat(copies));
                document(i, text)
            })
            .collect();
        let one = run(1, docs.len(), &docs);
        let ids: Vec<&str> = one.iter().map(|(id, _)| id.as_str()).collect();
        let expected: Vec<String> = (0..120).map(|i| format!("d{i}")).collect();
        assert_eq!(ids, expected);
        assert!(
            one.iter().skip(30).any(|(_, text)| text.is_empty()),
            "dedup ran"
        );
        for (threads, batch) in [(2, 1), (4, 3), (3, 7)] {
            assert_eq!(
                run(threads, batch, &docs),
                one,
                "{threads} threads, batches of {batch}"
            );
        }
    }

    #[test]
    fn bytes_out_is_the_length_of_the_clean_text() {
        let doc = Document {
            id: "d".into(),
            text: String::new(),
            source: Source {
                path: "d".into(),
                relative: "d".into(),
                line: None,
            },
            record: None,
            lossy: false,
            html: false,
        };
        let pages = [
            vec![],
            vec![paragraph("Menu", Some(Reason::ALL[0]))],
            vec![paragraph("One.", None)],
            vec![
                paragraph("One.", None),
                paragraph("Menu", Some(Reason::ALL[0])),
                paragraph("Two, longer.", None),
                paragraph("Three.", None),
            ],
        ];
        for paragraphs in pages {
            let page = Page {
                paragraphs,
                ..Page::default()
            };
            let mut stats = Stats::default();
            stats.record(&doc, &page);
            assert_eq!(
                stats.bytes_out,
                page.text().len() as u64,
                "{:?}",
                page.text()
            );
        }
    }
}
