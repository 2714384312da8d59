#!/usr/bin/env python3
"""Generate app/src/domain/data/regions.tsv from python-stdnum's cn/loc.dat.

loc.dat lists every GB/T 2260 administrative division code since 1980 with
the years each name was in use, compiled from Chinese Wikipedia. We pin the
python-stdnum release so the data changes only when someone bumps VERSION
(and SHA256) and reruns this script:

    python3 scripts/gen_regions.py

Output: one line per (code, name, period), header first, sorted by code and
then chronologically. A code renamed over time (天津 120110 东郊区 -> 东丽区)
gets one line per name; empty from/to years mean an open end.
"""

from __future__ import annotations

import hashlib
import pathlib
import re
import subprocess
import sys
import tempfile
import zipfile

VERSION = "2.2"
SHA256 = "bdf98fd117a0ca152e4047aa8ad254bae63853d4e915ddd4e0effb33ba0e9260"
WHEEL = f"python_stdnum-{VERSION}-py3-none-any.whl"

ROOT = pathlib.Path(__file__).resolve().parent.parent
OUT = ROOT / "app" / "src" / "domain" / "data"

PROVINCE = re.compile(r'^(\d{2}) province="([^"]+)"$')
COUNTY = re.compile(r'^  (\d{4}) county="([^"]+)"$')
PERIOD = re.compile(r"^(?:\[(\d{4})?-(\d{4})?\])?([^\[\]\s,]+)$")
# The Wikipedia source spells a few names in traditional characters (加格達奇區, 丹稜县,
# 冷湖行政委員會); the portal shows simplified Chinese, as GB/T 2260 does.
SIMPLIFY = str.maketrans("區嶺達員會稜", "区岭达员会棱")


def download_loc_dat() -> str:
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
             f"python-stdnum=={VERSION}", "-d", tmp],
            check=True,
        )
        wheel = pathlib.Path(tmp) / WHEEL
        digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
        if digest != SHA256:
            sys.exit(f"{WHEEL}: sha256 {digest}, expected {SHA256}")
        with zipfile.ZipFile(wheel) as z:
            return z.read("stdnum/cn/loc.dat").decode("utf-8")


def parse(loc_dat: str) -> list[tuple[str, str, str, str]]:
    rows = []
    province = None
    for n, line in enumerate(loc_dat.splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        if m := PROVINCE.match(line):
            province = m.group(1)
            continue
        m = COUNTY.match(line)
        if not m or province is None:
            sys.exit(f"loc.dat:{n}: unexpected line {line!r}")
        code = province + m.group(1)
        periods = []
        for part in m.group(2).split(","):
            p = PERIOD.match(part)
            if not p:
                sys.exit(f"loc.dat:{n}: unexpected period {part!r}")
            start, end, name = p.group(1) or "", p.group(2) or "", p.group(3).translate(SIMPLIFY)
            # "[1983-1982]" marks a name replaced within the 1983 edition, so never in
            # force; the code itself stays through its other names.
            if start and end and int(start) > int(end):
                continue
            periods.append((code, name, start, end))
        periods.sort(key=lambda r: int(r[2] or 0))
        rows.extend(periods)
    return rows


def check(rows: list[tuple[str, str, str, str]]) -> None:
    codes = {r[0] for r in rows}
    for code, *_ in rows:
        # regions.rs names a county by its prefecture (XXYY00) and province (XX0000).
        for parent in (code[:2] + "0000", code[:4] + "00"):
            if parent not in codes:
                sys.exit(f"{code}: parent {parent} missing")


def main() -> None:
    rows = parse(download_loc_dat())
    check(rows)
    rows.sort(key=lambda r: r[0])  # stable: keeps each code's periods in order
    OUT.mkdir(parents=True, exist_ok=True)
    with open(OUT / "regions.tsv", "w", encoding="utf-8", newline="\n") as f:
        f.write("code\tname\tfrom_year\tto_year\n")
        for row in rows:
            f.write("\t".join(row) + "\n")
    print(f"wrote {len(rows)} rows for {len({r[0] for r in rows})} codes to {OUT / 'regions.tsv'}")


if __name__ == "__main__":
    main()
