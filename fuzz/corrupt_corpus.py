#!/usr/bin/env python3
"""Builds a corpus with a known share of corrupted documents, for the Reliability figures.

    python3 fuzz/corrupt_corpus.py PAGES_DIR OUT_DIR [SHARE]

Takes the .txt pages of PAGES_DIR (e.g. the WCXB dev set's text/) and writes to OUT_DIR:
- pages/NNNN.txt: each page as a text file;
- dump.jsonl: each page again as a JSONL record;
and corrupts SHARE (default 0.1) of each, deterministically (seeded), in rotation:
text pages: NUL bytes (binary), invalid UTF-8, over the size limit (run with
--max-document-bytes 1000000), gzip cut in half, empty;
JSONL lines: malformed JSON, cut short, no text field, text not a string, over the limit.
Prints what it did, so the expected counts are known before gleaner runs.
"""
import collections
import gzip
import json
import os
import random
import sys

src, out = sys.argv[1], sys.argv[2]
share = float(sys.argv[3]) if len(sys.argv) > 3 else 0.1
rng = random.Random(6)
names = sorted(n for n in os.listdir(src) if n.endswith(".txt"))
os.makedirs(os.path.join(out, "pages"), exist_ok=True)
done = collections.Counter()
page_kinds = ["binary", "invalid_utf8", "too_large", "truncated_gzip", "empty"]
line_kinds = ["malformed", "cut_short", "no_text", "text_not_string", "too_large"]
lines = []
for i, name in enumerate(names):
    text = open(os.path.join(src, name), encoding="utf-8").read()
    data = text.encode()
    path = os.path.join(out, "pages", name)
    kind = page_kinds[i % len(page_kinds)] if rng.random() < share else "ok"
    done["page " + kind] += 1
    if kind == "binary":
        data = b"\x00\x01\x02PK" + data
    elif kind == "invalid_utf8":
        data = data[: len(data) // 2] + b"\xff\xfe\xc3" + data[len(data) // 2 :]
    elif kind == "too_large":
        data = data * (1_000_000 // max(len(data), 1) + 2)
    elif kind == "truncated_gzip":
        z = gzip.compress(data)
        data, path = z[: len(z) // 2], path + ".gz"
    elif kind == "empty":
        data = b""
    open(path, "wb").write(data)
    record = {"id": name, "text": text, "url": "https://example.org/" + name}
    kind = line_kinds[i % len(line_kinds)] if rng.random() < share else "ok"
    done["line " + kind] += 1
    line = json.dumps(record, ensure_ascii=False)
    if kind == "malformed":
        line = line.replace('", "', '" "', 1)
    elif kind == "cut_short":
        line = line[: len(line) // 2]
    elif kind == "no_text":
        del record["text"]
        line = json.dumps(record, ensure_ascii=False)
    elif kind == "text_not_string":
        record["text"] = [text]
        line = json.dumps(record, ensure_ascii=False)
    elif kind == "too_large":
        record["text"] = text * (1_000_000 // max(len(text), 1) + 2)
        line = json.dumps(record, ensure_ascii=False)
    lines.append(line)
open(os.path.join(out, "dump.jsonl"), "w", encoding="utf-8").write("\n".join(lines) + "\n")
for k in sorted(done):
    print(f"{k}: {done[k]}")
