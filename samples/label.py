#!/usr/bin/env python3
"""Build samples/expected/* from samples/pages/* using hand-picked line numbers.

Line numbers are 1-based, as shown by `cat -n pages/<file>`. Every line of each
page is accounted for: it is either listed in KEEP or covered by a DROP comment.
Blank / whitespace-only (NBSP-only) lines are separators and are never listed.

Run:  python3 samples/label.py          (writes expected/, prints an audit)
"""
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
PAGES = os.path.join(HERE, "pages")
EXPECTED = os.path.join(HERE, "expected")


def rng(a, b):
    return list(range(a, b + 1))


KEEP = {
    "000_a9a835da032c8bc9.txt": (
        # 1     "Logo": site logo
        # 2     "Đăng ký ấn phẩm|Đăng nhập": Vietnamese subscribe/login menu
        [4]           # headline
        + [6, 8]      # standfirst / lead (two lead sentences)
        # 10    photo caption "... Photos: The Hanoi Times"
        # 12,16,20,...  NBSP-only lines = separators
        + [14, 18, 22, 26, 30, 34, 38, 42]   # body
        # 44    photo caption "Overview of the meeting."
        + [48, 50, 54, 58, 62, 66, 70, 74, 78]  # body
        # 80-119  Vietnamese-language sidebar: "Đọc nhiều", author name,
        #         "BÌNH LUẬN (0)" comment counter, "Đừng bỏ lỡ", "Tin mới",
        #         teasers of other stories (titles twice, timestamps, summaries),
        #         "Tin tài trợ"
    ),
    "001_a89700a24ae7d098.txt": (
        # 1     "Log in"
        # 2     "Hanoi": section nav
        [4]           # headline
        + [6, 8]      # standfirst / lead
        # 10    photo caption "... Sept. 25. Photo: VNA"
        + rng(12, 38)[::2]  # body 12,14,...,38 (quotes included)
        # 40-44  "Reactions:", "Share:", "Trending", "Most Viewed", "Related news"
        # 45-91  teasers: other stories (each title twice + one-line summary)
    ),
    "002_1a6ee8431759ad64.txt": (
        [1]           # headline
        + [2]         # lead
        + [3]         # body
        # 4     "Hang added that the relationship ...": near-duplicate of the
        #       lead (line 2); >50% of its 5-word shingles already seen -> dropped
        + [5, 6, 7, 8]  # body
        # 9     photo caption "... Photo: Pham Hung"
        # 10    "|" separator
        # 11-14 exact repeats of 5-8 -> duplicates, dropped
        # 15-32 teasers: other stories (timestamps, titles, summaries)
        # 33-38 bullet list of other story links
    ),
    "003_72a695dded70c60a.txt": (
        # 1     "WORDS ON THE STREET ...": topic/menu bar
        # 2     "Home / Hanoinews": breadcrumb
        [3]           # headline
        # 4     byline + timestamp "Ngoc Mai - Lien Ha 22:19, 2024/04/02"
        + [5, 7]      # standfirst / lead
        # 9     photo caption "... Photos: Thanh Hai/The Hanoi Times"
        + [11, 13, 15, 17, 19, 21]  # body
        # 23    photo caption "The two leaders witness the signing ..."
        + [25, 27, 29, 31, 33, 35]  # body
        # 37    "RELATED NEWS"
        # 38    "TAG: ..." line
        # 39    "Other news"
        # 40-57 teasers: other stories (timestamps, titles, summaries)
    ),
    "004_1a2454741be5510d.txt": (
        [1]           # headline
        + [3]         # lead
        # 4     glued photo caption "... ảnh 1CPV General Secretary ... (Photo: VNA)"
        # 6     "Hanoi (VNA) – General Secretary ...": the lead (line 3) repeated
        #       with a dateline prefix -> duplicate, dropped
        + [8, 10, 12, 14]  # body
        # 16    glued photo caption "... ảnh 2Illustrative image (Photo: VNA)"
        + [18, 20, 22, 24, 26, 28, 30]  # body
        # 32    glued photo caption "... ảnh 3A meeting of the Steering ... (Photo: VNA)"
        # 33-34 blank
        + [35, 37, 39, 41, 43, 45, 47]  # body
        # 49    "VNA" agency sign-off
        # 51    "See more"
        # 53-111 teasers: other stories (photo caption, title, summary each)
    ),
}

# Unicode space separators (besides U+0020) and tab -> plain space.
_SPACES = re.compile("[\u00a0\u2000-\u200a\u202f\u205f\u3000\t]")
# Zero-width characters -> removed.
_ZW = re.compile("[\u200b\u200c\u200d\u2060\ufeff]")
_RUN = re.compile(" {2,}")


def normalise(line):
    line = _ZW.sub("", line)
    line = _SPACES.sub(" ", line)
    line = _RUN.sub(" ", line)
    return line.strip(" ")


def shingles(text, n=5):
    toks = re.findall(r"\w+", text.lower())
    if len(toks) < n:
        return {tuple(toks)} if toks else set()
    return {tuple(toks[i:i + n]) for i in range(len(toks) - n + 1)}


def seen_ratio(text, seen):
    sh = shingles(text)
    return (len(sh & seen) / len(sh)) if sh else 0.0


def main():
    ok = True
    for name, keep in KEEP.items():
        raw = open(os.path.join(PAGES, name), "rb").read().decode("utf-8")
        lines = raw.split("\n")
        assert keep == sorted(set(keep)), name + ": KEEP must be sorted/unique"
        paras = []
        for no in keep:
            text = normalise(lines[no - 1])
            assert text, f"{name}:{no} is blank after normalisation"
            paras.append(text)
        out = "\n\n".join(paras) + "\n"
        with open(os.path.join(EXPECTED, name), "w", encoding="utf-8", newline="") as fh:
            fh.write(out)

        # Audit: every non-blank line is either kept or dropped; report the
        # 5-shingle "already seen" ratio of every non-blank line w.r.t. the
        # kept paragraphs before it, flagging kept lines > 0.5.
        nonblank = [i + 1 for i, l in enumerate(lines) if normalise(l)]
        dropped = [i for i in nonblank if i not in keep]
        print(f"{name}: kept {len(keep)}, dropped {len(dropped)} (non-blank lines {len(nonblank)})")
        seen = set()
        for i in nonblank:
            text = normalise(lines[i - 1])
            r = seen_ratio(text, seen)
            if i in keep:
                if r > 0.5:
                    ok = False
                    print(f"  !! kept line {i} is a >50% duplicate (ratio {r:.2f})")
                seen |= shingles(text)
            elif r > 0.0:
                print(f"  dropped line {i}: seen-ratio {r:.2f} vs earlier kept text")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
