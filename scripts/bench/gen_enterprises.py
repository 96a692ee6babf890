#!/usr/bin/env python3
"""Writes N enterprise rows (valid 统一社会信用代码, real county and industry
codes from the shipped code lists) as a CSV for the import benchmark.
Deterministic for a given seed. Usage: gen_enterprises.py N OUT.csv [SEED]"""
import random
import sys
from pathlib import Path

CS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
W = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
ROOT = Path(__file__).resolve().parents[2]


def check(first17: str) -> str:
    s = sum(CS.index(c) * w for c, w in zip(first17, W))
    return first17 + CS[(31 - s % 31) % 31]


def both(first16: str) -> str:
    """A code valid under both checks: the organisation code's GB 11714 check character (17th;
    weights 3,7,9,10,5,8,4,2 over positions 9-16, 11 - sum mod 11, 10 -> X, 11 -> 0), then GB 32100's."""
    s = sum(int(c, 36) * w for c, w in zip(first16[8:16], [3, 7, 9, 10, 5, 8, 4, 2]))
    r = 11 - s % 11
    return check(first16 + ("X" if r == 10 else "0" if r == 11 else str(r)))


def rows(path, level):
    out = []
    for line in open(path, encoding="utf-8"):
        if line.startswith("#") or line.startswith("code\t"):
            continue
        parts = line.rstrip("\n").split("\t")
        if len(parts) >= 3 and parts[2] == level:
            out.append(parts[0])
    return out


def main():
    n = int(sys.argv[1])
    out = sys.argv[2]
    rng = random.Random(int(sys.argv[3]) if len(sys.argv) > 3 else 42)
    counties = rows(ROOT / "data/codes/gbt2260.tsv", "county")
    classes = rows(ROOT / "data/codes/gbt4754-2017.tsv", "class")
    with open(out, "w", encoding="utf-8") as f:
        f.write("统一社会信用代码,企业名称,行政区划代码,行业代码,注册地址,法定代表人,联系电话,规上企业,专精特新\n")
        for i in range(n):
            county = rng.choice(counties)
            org = "".join(CS[(i // 31**k) % 31] for k in range(8))  # unique per row
            code = both("91" + county + org)
            f.write(f"{code},基准测试企业{i}有限公司,{county},{rng.choice(classes)},某路{i}号,"
                    f"张{i % 97},139{i % 100000000:08d},{'是' if i % 7 == 0 else '否'},无\n")


if __name__ == "__main__":
    main()
