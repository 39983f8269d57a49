//! The `gleaner` command line: flags in, library objects out.

use std::fs::File;
use std::io::{self, BufWriter, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{bail, Context, Result};
use clap::{Parser, Subcommand, ValueEnum};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde_json::json;

use gleaner::eval::Scores;
use gleaner::{
    Cleaner, Config, DedupIndex, DedupMode, DedupOptions, DedupScope, Event, InputFormat, Output,
    Pipeline, ReadOptions, Reader, Reason, Stats, TemplateCounts, TemplateOptions, Writer,
};

/// Exit code when some input was skipped (unreadable file, malformed line).
const EXIT_SKIPPED: u8 = 1;
/// Exit code for a usage error or a failure that stopped the run.
const EXIT_FATAL: u8 = 2;
/// Exit code after Ctrl-C (128 + SIGINT, as shells report it).
const EXIT_INTERRUPTED: u8 = 130;

#[derive(Parser)]
#[command(
    name = "gleaner",
    version,
    about = "Turn scraped web pages into clean, deduplicated text"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Clean scraped pages: files, folders (recursive) or `-` for stdin.
    Clean(Box<CleanArgs>),
    /// Score gleaner on a labelled dev set (WCXB layout: text/, gold.json, pages.json).
    Eval(EvalArgs),
}

#[derive(clap::Args)]
struct CleanArgs {
    /// Input files or folders; `-` reads stdin.
    #[arg(required = true)]
    inputs: Vec<PathBuf>,
    /// Output: a folder (same relative paths), a `.jsonl[.gz|.zst]` file, or a text file.
    /// Default: stdout.
    #[arg(short, long)]
    output: Option<PathBuf>,
    /// Worker threads (default: all cores). Output is identical for any value.
    #[arg(short = 'j', long, default_value_t = 0)]
    threads: usize,
    /// Keep only documents in these languages (ISO 639-1 codes, comma separated).
    #[arg(long, value_delimiter = ',')]
    lang: Option<Vec<String>>,
    /// Write one JSONL record per paragraph with its verdict, reason and features.
    #[arg(long, value_name = "FILE")]
    explain: Option<PathBuf>,
    /// How inputs are parsed: by file name (auto), or all as text pages, JSONL, HTML pages or
    /// WARC/WET files.
    #[arg(long, value_enum, default_value_t = FormatArg::Auto)]
    input_format: FormatArg,
    /// JSONL field holding the page text.
    #[arg(long, default_value = "text")]
    text_field: String,
    /// JSONL field holding the document id.
    #[arg(long, default_value = "id")]
    id_field: String,
    /// Where duplicates are looked for.
    #[arg(long, value_enum, default_value_t = ScopeArg::Corpus)]
    dedup: ScopeArg,
    /// Shingle size in words.
    #[arg(long, default_value_t = 5)]
    shingle_size: usize,
    /// Share of a paragraph's shingles seen before that makes it a duplicate.
    #[arg(long, default_value_t = 0.5)]
    dedup_threshold: f32,
    /// Share of a paragraph's shingles seen, counting the paragraphs above it in its page, that
    /// makes it a duplicate (the larger of this and --dedup-threshold).
    #[arg(long, value_name = "T", default_value_t = 0.8)]
    page_dedup_threshold: f32,
    /// How seen shingles are stored: an exact hash set, or a Bloom filter (needs
    /// --dedup-memory or --bloom-items).
    #[arg(long, value_enum, default_value_t = ModeArg::Exact)]
    dedup_mode: ModeArg,
    /// Memory budget of the dedup index, e.g. 512M, 2G (default: unbounded for exact).
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    dedup_memory: Option<u64>,
    /// Store only one shingle in K (those whose hash is divisible by K), to save memory.
    #[arg(long, value_name = "K", default_value_t = 1)]
    dedup_sample: u32,
    /// Bloom mode: target false-positive rate.
    #[arg(long, value_name = "P", default_value_t = 0.01)]
    bloom_fp: f64,
    /// Bloom mode: expected number of distinct shingles (sizes the filter with --bloom-fp).
    #[arg(long, value_name = "N")]
    bloom_items: Option<u64>,
    /// Drop a document whole when at least this share of its kept shingles was seen before.
    #[arg(long, value_name = "T", default_value_t = 0.8)]
    doc_dedup_threshold: f32,
    /// Never drop whole documents as near-duplicates.
    #[arg(long)]
    no_doc_dedup: bool,
    /// Keep every paragraph: no boilerplate rules, only --lang and dedup drop anything (for
    /// text that is already clean, or extracted by another tool).
    #[arg(long)]
    no_classify: bool,
    /// Two passes: first count paragraphs across all inputs, then drop every copy of those
    /// that recur in many documents (site menus, footers, teasers). Not with stdin.
    #[arg(long)]
    templates: bool,
    /// Templates: a paragraph in at least this many documents is a template.
    #[arg(long, value_name = "N", default_value_t = 10)]
    template_min_docs: u32,
    /// Templates: a paragraph on at least this many pages of one host (from a `url` field)
    /// is a template.
    #[arg(long, value_name = "N", default_value_t = 4)]
    template_min_host_pages: u32,
    /// Templates: memory of the paragraph counter (a count-min sketch), e.g. 64M, 1G.
    #[arg(long, value_name = "SIZE", value_parser = parse_size, default_value = "64M")]
    template_memory: u64,
    /// Load the dedup index from this file if it exists, and save it there at the end.
    #[arg(long, value_name = "PATH")]
    index: Option<PathBuf>,
    /// Deduplicate against --index without adding to it or saving it.
    #[arg(long, requires = "index")]
    index_readonly: bool,
    /// Write the run's counts as JSON.
    #[arg(long, value_name = "FILE")]
    stats: Option<PathBuf>,
    /// Write one JSONL record per rejected input (file, line, kind, error).
    #[arg(long, value_name = "FILE")]
    rejects: Option<PathBuf>,
    /// Reject text pages and JSONL lines larger than this many bytes (after decompression).
    #[arg(long, value_name = "BYTES", default_value_t = gleaner::read::DEFAULT_MAX_DOCUMENT_BYTES)]
    max_document_bytes: u64,
    /// Stop at the first bad input (rejected, or read with a warning): flush what is done
    /// and exit with code 1.
    #[arg(long)]
    strict: bool,
    /// Folder output: clean every input, even those whose output is current.
    #[arg(long)]
    force: bool,
    /// No progress bar and no summary.
    #[arg(short, long)]
    quiet: bool,
}

#[derive(clap::Args)]
struct EvalArgs {
    /// The dev set folder (holding text/, gold.json, pages.json).
    dir: PathBuf,
    /// Score only the first N pages.
    #[arg(long)]
    limit: Option<usize>,
    /// Score the text unchanged (the baseline).
    #[arg(long)]
    passthrough: bool,
    /// Write each page's output to this folder, for inspection.
    #[arg(long, value_name = "DIR")]
    dump: Option<PathBuf>,
    /// Skip in-page dedup (the gold keeps repeated paragraphs; this scores classification
    /// alone).
    #[arg(long)]
    no_dedup: bool,
    /// Clean the HTML pages (html/ID.html.gz) instead of the scraped text.
    #[arg(long)]
    html: bool,
}

#[derive(Clone, Copy, ValueEnum)]
enum FormatArg {
    Auto,
    Text,
    Jsonl,
    Html,
    Warc,
}

#[derive(Clone, Copy, ValueEnum)]
enum ModeArg {
    Exact,
    Bloom,
}

/// `2G`, `512M`, `64K` (powers of 1024, optional trailing `B` or `iB`) or plain bytes.
fn parse_size(s: &str) -> std::result::Result<u64, String> {
    let t = s.trim().to_ascii_uppercase();
    let t = t
        .strip_suffix("IB")
        .or_else(|| t.strip_suffix('B'))
        .unwrap_or(&t);
    let (num, shift) = match t.chars().last() {
        Some('K') => (&t[..t.len() - 1], 10),
        Some('M') => (&t[..t.len() - 1], 20),
        Some('G') => (&t[..t.len() - 1], 30),
        Some('T') => (&t[..t.len() - 1], 40),
        _ => (t, 0),
    };
    let n: f64 = num
        .trim()
        .parse()
        .map_err(|_| format!("`{s}` is not a size (e.g. 512M, 2G)"))?;
    if n.is_nan() || n <= 0.0 {
        return Err(format!("`{s}`: the size must be positive"));
    }
    Ok((n * (1u64 << shift) as f64) as u64)
}

#[derive(Clone, Copy, ValueEnum)]
enum ScopeArg {
    Corpus,
    Document,
    Off,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Clean(args) => clean(*args),
        Command::Eval(args) => eval(args).map(|()| ExitCode::SUCCESS),
    };
    match result {
        Ok(code) => code,
        // The reader of our output has gone (`| head`): nothing is wrong, stop quietly.
        Err(e) if stdout_closed(&e) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("gleaner: error: {e:#}");
            ExitCode::from(EXIT_FATAL)
        }
    }
}

/// Whether `e` is a write to stdout failing because the pipe was closed.
fn stdout_closed(e: &anyhow::Error) -> bool {
    e.chain().any(|cause| {
        matches!(
            cause.downcast_ref::<gleaner::Error>(),
            Some(gleaner::Error::Io { path, source })
                if path.as_os_str() == "-" && source.kind() == io::ErrorKind::BrokenPipe
        )
    })
}

/// An error and its causes, `: `-separated (an I/O error's path, then what went wrong).
fn with_causes(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        s += &format!(": {c}");
        cause = c.source();
    }
    s
}

fn clean(args: CleanArgs) -> Result<ExitCode> {
    let dedup = DedupOptions {
        shingle_size: args.shingle_size,
        threshold: args.dedup_threshold,
        page_threshold: args.page_dedup_threshold,
        document_threshold: (!args.no_doc_dedup).then_some(args.doc_dedup_threshold),
        mode: match args.dedup_mode {
            ModeArg::Exact => DedupMode::Exact,
            ModeArg::Bloom => DedupMode::Bloom,
        },
        memory: args.dedup_memory,
        sample: args.dedup_sample,
        bloom_fp_rate: args.bloom_fp,
        bloom_items: args.bloom_items,
        read_only: args.index_readonly,
    };
    if args.templates && args.inputs.iter().any(|p| p.as_os_str() == "-") {
        bail!(
            "--templates reads the inputs twice (count, then clean), and stdin cannot be read \
             twice: save it to a file and pass that instead"
        );
    }
    let mut builder = Config::builder()
        .dedup(dedup.clone())
        .dedup_scope(match args.dedup {
            ScopeArg::Corpus => DedupScope::Corpus,
            ScopeArg::Document => DedupScope::Document,
            ScopeArg::Off => DedupScope::Off,
        })
        .classify(!args.no_classify);
    if let Some(langs) = &args.lang {
        builder = builder.languages(langs);
    }
    let config = builder.build()?;
    let read_options = ReadOptions {
        format: match args.input_format {
            FormatArg::Auto => InputFormat::Auto,
            FormatArg::Text => InputFormat::Text,
            FormatArg::Jsonl => InputFormat::Jsonl,
            FormatArg::Html => InputFormat::Html,
            FormatArg::Warc => InputFormat::Warc,
        },
        text_field: args.text_field.clone(),
        id_field: args.id_field.clone(),
        max_document_bytes: args.max_document_bytes,
    };
    let output = choose_output(&args)?;
    let mut reader = Reader::new(&args.inputs, read_options.clone());
    if let (Output::Dir(dir), false) = (&output, args.force) {
        // Resume: an input whose output is complete and newer is not done again.
        let dir = dir.clone();
        reader = reader.skip_if(Box::new(move |input, relative| {
            gleaner::write::is_current(&gleaner::write::dir_target(&dir, relative), input)
        }));
    }
    let skipped_current = reader.skipped();
    let mut writer = Writer::new(output, &args.text_field)?;
    let mut explain = match &args.explain {
        Some(path) => Some(BufWriter::new(
            File::create(path).with_context(|| format!("creating {}", path.display()))?,
        )),
        None => None,
    };
    let mut rejects = match &args.rejects {
        Some(path) => Some(BufWriter::new(
            File::create(path).with_context(|| format!("creating {}", path.display()))?,
        )),
        None => None,
    };

    let show_progress = !args.quiet && std::io::stderr().is_terminal();
    let progress = if show_progress {
        progress_bar(reader.total_bytes())
    } else {
        ProgressBar::hidden()
    };
    let bytes_read = reader.bytes_read();

    let index = match &args.index {
        Some(path) if path.exists() => DedupIndex::load(path, dedup.clone())?,
        Some(path) if args.index_readonly => {
            bail!("{}: no such index to read", path.display())
        }
        _ => DedupIndex::with_options(dedup.clone())?,
    };
    let mut pipeline = Pipeline::with_index(config, args.threads, index)?;
    if args.templates {
        let counts = TemplateCounts::new(TemplateOptions {
            min_documents: args.template_min_docs,
            min_host_pages: args.template_min_host_pages,
            memory: args.template_memory,
            ..TemplateOptions::default()
        })?;
        if !args.quiet {
            eprintln!("gleaner: --templates: first pass, counting paragraphs");
        }
        let n = pipeline.count_templates(counts, Reader::new(&args.inputs, read_options));
        if !args.quiet {
            eprintln!("gleaner: --templates: {n} documents counted; second pass, cleaning");
        }
    }
    let mut warned_full = false;
    let stop = pipeline.stop_flag();
    let interrupted = Arc::new(AtomicBool::new(false));
    {
        let (stop, interrupted) = (Arc::clone(&stop), Arc::clone(&interrupted));
        // A second Ctrl-C ends the process at once (outputs in progress stay temporary).
        let _ = ctrlc::set_handler(move || {
            if interrupted.swap(true, Ordering::SeqCst) {
                std::process::exit(i32::from(EXIT_INTERRUPTED));
            }
            stop.store(true, Ordering::SeqCst);
        });
    }
    // --strict: the first bad input stops the run; its message says so.
    let mut strict_stop: Option<String> = None;
    let mut reject =
        |e: &gleaner::Error, strict_stop: &mut Option<String>| -> gleaner::Result<()> {
            let message = with_causes(e);
            if let Some(out) = rejects.as_mut() {
                write_reject(out, e, &message).map_err(|source| gleaner::Error::Io {
                    path: args.rejects.clone().unwrap_or_default(),
                    source,
                })?;
            }
            if args.strict && strict_stop.is_none() {
                *strict_stop = Some(message);
                stop.store(true, Ordering::SeqCst);
            }
            Ok(())
        };
    let run = pipeline.run(reader, |event| {
        progress.set_position(bytes_read.load(Ordering::Relaxed));
        if !warned_full && pipeline.index().is_full() {
            warned_full = true;
            progress.suspend(|| {
                eprintln!(
                    "gleaner: warning: the dedup index reached its memory budget; new shingles \
                     are no longer remembered, so later duplicates may be missed. Raise \
                     --dedup-memory, store a sample (--dedup-sample 4), or use \
                     --dedup-mode bloom"
                )
            });
        }
        match event {
            Event::Document { doc, page } => {
                if doc.lossy {
                    progress.suspend(|| {
                        eprintln!(
                            "gleaner: warning: {}: invalid UTF-8 replaced with U+FFFD",
                            location(&doc.source.path, doc.source.line)
                        )
                    });
                    if args.strict && strict_stop.is_none() {
                        strict_stop = Some(format!(
                            "{}: invalid UTF-8",
                            location(&doc.source.path, doc.source.line)
                        ));
                        stop.store(true, Ordering::SeqCst);
                    }
                }
                if let Err(e) = writer.write(doc, page) {
                    if e.skips_document() {
                        // The pipeline counts it as rejected and goes on.
                        progress.suspend(|| eprintln!("gleaner: skipped: {}", with_causes(&e)));
                        reject(&e, &mut strict_stop)?;
                    }
                    return Err(e);
                }
                if let Some(out) = explain.as_mut() {
                    write_explain(out, &doc.id, page).map_err(|e| gleaner::Error::Io {
                        path: args.explain.clone().unwrap_or_default(),
                        source: e,
                    })?;
                }
                progress.inc_length(0);
            }
            Event::Rejected(err) => {
                progress.suspend(|| eprintln!("gleaner: skipped: {}", with_causes(err)));
                reject(err, &mut strict_stop)?;
            }
            Event::Warning(err) => {
                progress.suspend(|| eprintln!("gleaner: warning: {}", with_causes(err)));
                reject(err, &mut strict_stop)?;
            }
        }
        Ok(())
    });
    let mut partial = None;
    let finished = run.and_then(|mut stats| {
        if stats.interrupted {
            partial = writer.finish_partial()?;
        } else {
            writer.finish()?;
        }
        stats.skipped_current = skipped_current.load(Ordering::Relaxed);
        Ok(stats)
    });
    let stats = match finished {
        Ok(stats) => stats,
        Err(e) => {
            progress.finish_and_clear();
            return Err(e.into());
        }
    };
    if let Some(mut out) = explain {
        out.flush().context("writing the explain file")?;
    }
    if let Some(mut out) = rejects {
        out.flush().context("writing the rejects file")?;
    }
    progress.finish_and_clear();
    if let (Some(path), false) = (&args.index, args.index_readonly) {
        pipeline.index().save(path)?;
    }

    if let Some(path) = &args.stats {
        write_atomically(path, |f| Ok(serde_json::to_writer_pretty(f, &stats)?))
            .with_context(|| format!("writing {}", path.display()))?;
    }
    if !args.quiet {
        eprint!("{}", summary(&stats, pipeline.index()));
    }
    if let Some(p) = &partial {
        eprintln!(
            "gleaner: the output in progress was kept as {} (incomplete)",
            p.display()
        );
    }
    if let Some(message) = &strict_stop {
        eprintln!("gleaner: error: --strict: stopped at {message}");
        return Ok(ExitCode::from(EXIT_SKIPPED));
    }
    Ok(if stats.interrupted {
        eprintln!("gleaner: interrupted");
        ExitCode::from(EXIT_INTERRUPTED)
    } else if stats.rejected_total() > 0 {
        ExitCode::from(EXIT_SKIPPED)
    } else {
        ExitCode::SUCCESS
    })
}

/// Writes `path` through a temporary file in its folder, renamed when complete.
fn write_atomically(
    path: &Path,
    write: impl FnOnce(&mut BufWriter<File>) -> Result<()>,
) -> Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    if std::fs::symlink_metadata(path).is_ok_and(|m| !m.file_type().is_file()) {
        // A device or link (`--stats /dev/stderr`) is written through, never replaced.
        let mut out = BufWriter::new(File::create(path)?);
        write(&mut out)?;
        out.flush()?;
        return Ok(());
    }
    let temp = tempfile::NamedTempFile::new_in(dir)?;
    let (file, temp) = temp.into_parts();
    let mut out = BufWriter::new(file);
    write(&mut out)?;
    out.flush()?;
    temp.persist(path)?;
    Ok(())
}

/// One `--rejects` record: where, what kind, and the message.
fn write_reject(out: &mut impl Write, e: &gleaner::Error, message: &str) -> std::io::Result<()> {
    let (file, line) = match e.location() {
        Some((path, line)) => (Some(path.display().to_string()), line),
        None => (None, None),
    };
    let rec = json!({
        "file": file,
        "line": line,
        "kind": e.kind(),
        "warning": e.is_warning(),
        "error": message,
    });
    serde_json::to_writer(&mut *out, &rec)?;
    out.write_all(b"\n")
}

/// `-o` decides the output: a JSONL name, a folder, or a single text file.
fn choose_output(args: &CleanArgs) -> Result<Output> {
    // WARC records come out as JSONL records, like JSONL documents.
    let jsonl_in = matches!(args.input_format, FormatArg::Jsonl | FormatArg::Warc)
        || args.inputs.iter().any(|p| {
            let name = gleaner::read::strip_compression(p);
            matches!(
                name.extension().and_then(|e| e.to_str()),
                Some("jsonl" | "ndjson" | "json" | "warc" | "wet")
            )
        });
    let Some(out) = &args.output else {
        // Documents from JSONL (named, or sniffed on stdin) come out as records anyway;
        // JSONL known up front makes text pages records too, so the stream stays JSONL.
        return Ok(Output::Stdout { jsonl: jsonl_in });
    };
    let name = gleaner::read::strip_compression(out);
    let is_jsonl_name = matches!(
        name.extension().and_then(|e| e.to_str()),
        Some("jsonl" | "ndjson" | "json")
    );
    let several = args.inputs.len() > 1 || args.inputs.iter().any(|p| p.is_dir());
    if is_jsonl_name {
        Ok(Output::JsonlFile(out.clone()))
    } else if out.is_dir() || out.to_string_lossy().ends_with('/') || several {
        Ok(Output::Dir(out.clone()))
    } else if jsonl_in {
        bail!(
            "{}: JSONL input needs a .jsonl output name or a folder",
            out.display()
        )
    } else {
        Ok(Output::TextFile(out.clone()))
    }
}

fn location(path: &Path, line: Option<u64>) -> String {
    match line {
        Some(l) => format!("{}:{l}", path.display()),
        None => path.display().to_string(),
    }
}

fn progress_bar(total: Option<u64>) -> ProgressBar {
    let bar = match total {
        Some(t) => ProgressBar::with_draw_target(Some(t), ProgressDrawTarget::stderr()),
        None => ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr()),
    };
    let style = match total {
        Some(_) => ProgressStyle::with_template(
            "{bar:30} {bytes}/{total_bytes} {binary_bytes_per_sec} ETA {eta}",
        ),
        None => ProgressStyle::with_template("{spinner} {bytes} {binary_bytes_per_sec}"),
    }
    .expect("valid template");
    bar.set_style(style);
    bar.enable_steady_tick(Duration::from_millis(200));
    bar
}

fn write_explain(out: &mut impl Write, id: &str, page: &gleaner::Page) -> std::io::Result<()> {
    for (i, p) in page.paragraphs.iter().enumerate() {
        let rec = json!({
            "doc": id,
            "index": i,
            "line": p.line,
            "kept": p.is_kept(),
            "reason": p.reason,
            "lang": p.lang,
            "doc_lang": page.lang,
            "text": p.text,
            "features": p.features,
        });
        serde_json::to_writer(&mut *out, &rec)?;
        out.write_all(b"\n")?;
    }
    Ok(())
}

fn summary(stats: &Stats, index: &DedupIndex) -> String {
    let mut s = String::new();
    let dropped_docs: u64 = stats.documents_dropped.values().sum();
    s += &format!(
        "documents: {} in, {} out, {} left empty, {} skipped\n",
        stats.documents_in,
        stats.documents_out,
        dropped_docs,
        stats.rejected_total()
    );
    for (reason, n) in &stats.documents_dropped {
        s += &format!("  empty: {reason} {n}\n");
    }
    for (kind, n) in &stats.rejected {
        s += &format!("  skipped: {kind} {n}\n");
    }
    s += &format!(
        "accounting: {} inputs = {} written + {} left empty + {} rejected{}\n",
        stats.inputs,
        stats.documents_out,
        dropped_docs,
        stats.rejected_total(),
        if stats.balanced() {
            ""
        } else {
            " (UNBALANCED)"
        }
    );
    if !stats.warnings.is_empty() {
        let w: Vec<String> = stats
            .warnings
            .iter()
            .map(|(k, n)| format!("{k} {n}"))
            .collect();
        s += &format!("warnings (documents still written): {}\n", w.join(", "));
    }
    if stats.skipped_current > 0 {
        s += &format!(
            "inputs skipped as current (output newer; --force to redo): {}\n",
            stats.skipped_current
        );
    }
    if stats.interrupted {
        s += "run stopped early: inputs after the last one counted were not read\n";
    }
    let dropped: u64 = stats.paragraphs_dropped.values().sum();
    s += &format!(
        "paragraphs: {} kept, {} dropped\n",
        stats.paragraphs_kept, dropped
    );
    let mut by_count: Vec<_> = stats.paragraphs_dropped.iter().collect();
    by_count.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    for (reason, n) in by_count {
        s += &format!("  {reason}: {n}\n");
    }
    if stats.lossy_utf8 > 0 {
        s += &format!(
            "invalid UTF-8 (decoded lossily): {} documents\n",
            stats.lossy_utf8
        );
    }
    let mut langs: Vec<_> = stats.languages.iter().collect();
    langs.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    let langs: Vec<String> = langs.iter().map(|(l, n)| format!("{l} {n}")).collect();
    s += &format!("languages: {}\n", langs.join(", "));
    let mb = stats.bytes_in as f64 / 1e6;
    s += &format!(
        "bytes: {} in, {} out ({:.1}%)\n",
        stats.bytes_in,
        stats.bytes_out,
        if stats.bytes_in == 0 {
            0.0
        } else {
            100.0 * stats.bytes_out as f64 / stats.bytes_in as f64
        }
    );
    for r in [
        Reason::Duplicate,
        Reason::DuplicateDocument,
        Reason::Template,
    ] {
        if let Some(n) = stats.paragraphs_dropped.get(&r) {
            let bytes = stats.bytes_dropped.get(&r).copied().unwrap_or(0);
            s += &format!("dedup: {r} removed {n} paragraphs, {bytes} bytes\n");
        }
    }
    if let Some(i) = &stats.dedup_index {
        let mode = match i.mode {
            DedupMode::Exact => "exact",
            DedupMode::Bloom => "bloom",
        };
        let budget = i.budget_bytes.map_or("unbounded".to_string(), |b| {
            format!("budget {:.1} MB", b as f64 / 1e6)
        });
        s += &format!(
            "dedup index: {mode}, {} shingles{}, {:.1} MB ({budget}), fill {:.2}",
            i.entries,
            if i.sample > 1 {
                format!(" (1 in {} stored)", i.sample)
            } else {
                String::new()
            },
            i.memory_bytes as f64 / 1e6,
            i.fill
        );
        if i.mode == DedupMode::Bloom {
            s += &format!(
                ", estimated false-positive rate {:.2e}",
                i.estimated_fp_rate
            );
        }
        s += "\n";
        if i.full {
            s += &format!(
                "dedup index FULL: {} shingles not stored; raise --dedup-memory, use \
                 --dedup-sample or --dedup-mode bloom\n",
                i.refused_inserts
            );
        }
    } else {
        s += &format!("dedup index: {} shingles\n", index.len());
    }
    s += &format!(
        "elapsed: {:.2}s, {:.1} MB/s\n",
        stats.elapsed_secs,
        if stats.elapsed_secs > 0.0 {
            mb / stats.elapsed_secs
        } else {
            0.0
        }
    );
    s
}

/// Scores gleaner on a WCXB-style dev set: each page cleaned on its own (dedup within the
/// page), word F1 and shingle F1 against gold, overall and by page type.
fn eval(args: EvalArgs) -> Result<()> {
    let gold: serde_json::Map<String, serde_json::Value> = serde_json::from_reader(
        File::open(args.dir.join("gold.json")).context("opening gold.json")?,
    )?;
    let pages: serde_json::Map<String, serde_json::Value> = serde_json::from_reader(
        File::open(args.dir.join("pages.json")).context("opening pages.json")?,
    )?;
    let config = Config::builder()
        .dedup_scope(DedupScope::Document)
        .build()?;
    let cleaner = Cleaner::new(config.clone());
    let mut ids: Vec<&String> = gold.keys().collect();
    ids.sort();
    if let Some(n) = args.limit {
        ids.truncate(n);
    }
    if let Some(d) = &args.dump {
        std::fs::create_dir_all(d)?;
    }
    use rayon::prelude::*;
    let results: Vec<(String, String, String, String)> = ids
        .par_iter()
        .map(|id| -> Result<_> {
            let (text, html) = if args.html {
                let path = args.dir.join("html").join(format!("{id}.html.gz"));
                let mut bytes = Vec::new();
                flate2::read::MultiGzDecoder::new(
                    File::open(&path).with_context(|| format!("reading {}", path.display()))?,
                )
                .read_to_end(&mut bytes)
                .with_context(|| format!("reading {}", path.display()))?;
                (gleaner::html::decode(&bytes, None).0, true)
            } else {
                let path = args.dir.join("text").join(format!("{id}.txt"));
                let text = std::fs::read_to_string(&path)
                    .with_context(|| format!("reading {}", path.display()))?;
                (text, false)
            };
            let out = if args.passthrough {
                text
            } else {
                let mut page = if html {
                    cleaner.clean_html_str(&text)
                } else {
                    cleaner.clean(&text)
                };
                if !args.no_dedup {
                    DedupIndex::with_options(config.dedup().one_page())?.dedup(&mut page);
                }
                page.text()
            };
            let g = gold[id.as_str()].as_str().unwrap_or_default().to_string();
            let ty = pages
                .get(id.as_str())
                .and_then(|p| p["page_type"].as_str())
                .unwrap_or("unknown")
                .to_string();
            Ok((id.to_string(), ty, out, g))
        })
        .collect::<Result<_>>()?;
    let mut all = Scores::default();
    let mut by_type: std::collections::BTreeMap<String, Scores> = Default::default();
    for (id, ty, out, g) in &results {
        all.add(out, g);
        by_type.entry(ty.clone()).or_default().add(out, g);
        if let Some(d) = &args.dump {
            std::fs::write(d.join(format!("{id}.txt")), out)?;
        }
    }
    println!(
        "{:<14} {:>6} {:>8} {:>8} {:>8} {:>10} {:>10} {:>10}",
        "page type", "pages", "word P", "word R", "word F1", "shingle P", "shingle R", "shingle F1"
    );
    let row = |name: &str, s: &Scores| {
        println!(
            "{:<14} {:>6} {:>8.3} {:>8.3} {:>8.3} {:>10.3} {:>10.3} {:>10.3}",
            name,
            s.pages(),
            s.word_precision(),
            s.word_recall(),
            s.word_f1(),
            s.shingle_precision(),
            s.shingle_recall(),
            s.shingle_f1()
        )
    };
    for (ty, s) in &by_type {
        row(ty, s);
    }
    row("all", &all);
    println!("WCXB dev split (CC-BY-4.0, Murrough Foley 2026)");
    Ok(())
}
