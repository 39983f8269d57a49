#!/usr/bin/env python3
"""Compare gleaner with jusText, trafilatura and datatrove on the same scraped-text pages, in one run.

The other tools take HTML, so each text page is handed to them as the HTML a text page is
equivalent to: one <p> per line. datatrove, which cleans text, gets the text: its C4 line filter
and Gopher document filters, then its three-stage sentence dedup (signatures, finding, filtering)
over all the pages, as a Common Crawl text pipeline built with it would run them. Everything runs on one core, in this process's run, so the
speed figures are ratios that survive a noisy machine. With a WCXB-style folder (text/,
gold.json), word F1 against gold is printed too.

    pip install justext lxml_html_clean "datatrove[processing]" spacy
    pip install trafilatura==2.3.1   # datatrove[processing] pins an older trafilatura
    cargo build --release
    python3 benches/compare.py ../shared/wcxb-dev [--limit 300]

Dev-set data: WCXB (Murrough Foley, 2026), CC-BY-4.0.
"""
import argparse
import collections
import html
import json
import os
import re
import subprocess
import sys
import tempfile
import time

TOKEN = re.compile(r"\w+")


def word_f1(pred, gold):
    a = collections.Counter(TOKEN.findall(pred.lower()))
    b = collections.Counter(TOKEN.findall(gold.lower()))
    if not a and not b:
        return 1.0
    tp = sum((a & b).values())
    p = tp / sum(a.values()) if a else 0.0
    r = tp / sum(b.values()) if b else 0.0
    return 2 * p * r / (p + r) if p + r else 0.0


def as_html(text):
    lines = [l.strip() for l in text.splitlines() if l.strip()]
    body = "\n".join(f"<p>{html.escape(l)}</p>" for l in lines)
    return f"<html><body>\n{body}\n</body></html>"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir", help="folder with text/ (and gold.json), or a folder of .txt pages")
    ap.add_argument("--limit", type=int, default=None)
    ap.add_argument("--gleaner", default="target/release/gleaner")
    args = ap.parse_args()

    text_dir = os.path.join(args.dir, "text")
    if not os.path.isdir(text_dir):
        text_dir = args.dir
    names = sorted(n for n in os.listdir(text_dir) if n.endswith(".txt"))[: args.limit]
    pages = {n: open(os.path.join(text_dir, n), encoding="utf-8", errors="replace").read() for n in names}
    gold_path = os.path.join(args.dir, "gold.json")
    gold = json.load(open(gold_path)) if os.path.exists(gold_path) else None
    total_bytes = sum(len(t.encode()) for t in pages.values())
    htmls = {n: as_html(t) for n, t in pages.items()}

    results = {}

    # gleaner: the same pages as files, one core, each page deduplicated on its own.
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, "in")
        os.mkdir(src)
        for n, t in pages.items():
            with open(os.path.join(src, n), "w", encoding="utf-8") as f:
                f.write(t)
        best = None
        for _ in range(3):
            out = os.path.join(tmp, "out")
            start = time.perf_counter()
            subprocess.run(
                [args.gleaner, "clean", src, "-o", out, "-j1", "--dedup", "document", "-q", "--force"],
                check=True,
            )
            elapsed = time.perf_counter() - start
            best = elapsed if best is None else min(best, elapsed)
        outputs = {n: open(os.path.join(out, n), encoding="utf-8").read() for n in names}
        results["gleaner"] = (best, outputs)

    import justext

    stop = justext.get_stoplist("English")
    start = time.perf_counter()
    outputs = {}
    for n, h in htmls.items():
        paras = justext.justext(h.encode("utf-8"), stop)
        outputs[n] = "\n\n".join(p.text for p in paras if not p.is_boilerplate)
    results["jusText"] = (time.perf_counter() - start, outputs)

    import trafilatura

    start = time.perf_counter()
    outputs = {}
    for n, h in htmls.items():
        outputs[n] = trafilatura.extract(h) or ""
    results["trafilatura"] = (time.perf_counter() - start, outputs)

    datatrove = run_datatrove(pages)
    if datatrove:
        results["datatrove"] = datatrove

    base = results["gleaner"][0]
    print(f"{len(names)} pages, {total_bytes / 1e6:.1f} MB of text, one core")
    print(f"{'tool':<12} {'seconds':>8} {'MB/s':>8} {'x gleaner time':>15} {'word F1':>8}")
    for tool, (secs, outputs) in results.items():
        f1 = ""
        if gold:
            ids = [n[:-4] for n in names if n[:-4] in gold]
            f1 = f"{sum(word_f1(outputs[i + '.txt'], gold[i]) for i in ids) / len(ids):.3f}"
        print(f"{tool:<12} {secs:>8.2f} {total_bytes / 1e6 / secs:>8.2f} {secs / base:>15.1f} {f1:>8}")


def run_datatrove(pages):
    """C4 + Gopher filters and sentence dedup, one process; None when it is not installed."""
    try:
        from datatrove.data import Document
        from datatrove.pipeline.dedup import (
            SentenceDedupFilter,
            SentenceDedupSignature,
            SentenceFindDedups,
        )
        from datatrove.pipeline.dedup.sentence_dedup import SentDedupConfig
        from datatrove.pipeline.filters import (
            C4QualityFilter,
            GopherQualityFilter,
            GopherRepetitionFilter,
        )
    except ImportError as e:
        print(f"datatrove not installed ({e}); skipped", file=sys.stderr)
        return None
    filters = [C4QualityFilter(), GopherRepetitionFilter(), GopherQualityFilter()]
    start = time.perf_counter()
    kept = []
    for n, t in pages.items():
        doc = Document(text=t, id=n)
        ok = True
        for f in filters:
            verdict = f.filter(doc)
            if verdict is False or (isinstance(verdict, tuple) and not verdict[0]):
                ok = False
                break
        if ok:
            kept.append(doc)
    outputs = {n: "" for n in pages}
    config = SentDedupConfig()  # datatrove's defaults: 3-sentence spans
    with tempfile.TemporaryDirectory() as tmp:
        sigs, dups = os.path.join(tmp, "sigs"), os.path.join(tmp, "dups")
        for _ in SentenceDedupSignature(output_folder=sigs, config=config).run(iter(kept), rank=0, world_size=1) or []:
            pass
        for _ in SentenceFindDedups(data_folder=sigs, output_folder=dups, config=config).run(rank=0, world_size=1) or []:
            pass
        for doc in SentenceDedupFilter(data_folder=dups, config=config).run(iter(kept), rank=0, world_size=1):
            outputs[doc.id] = doc.text
    return time.perf_counter() - start, outputs


if __name__ == "__main__":
    sys.exit(main())
