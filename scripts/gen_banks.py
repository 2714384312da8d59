#!/usr/bin/env python3
"""Generate app/src/domain/data/banks.tsv, the banks offered for 基本户开户行.

Sources, both pinned by version and sha256 so the data changes only when someone bumps them
and reruns this script:

    python3 scripts/gen_banks.py

* the npm package `bankcard` (MIT): its `banks` list of Chinese banks, each with the
  short code that card-BIN and payment interfaces use (ICBC, CCB, ...);
* the PyPI package `bank-region-query` (MIT): its `data/bank_aliases.json`, the short names
  people use (工行, 建行, 邮储, 浦发银行, ...).

Output: a header line, then one line per bank: `name`, `code` (may be empty) and `aliases`
(`|`-separated, may be empty). Rows are in search-priority order: the large state-owned and
national joint-stock banks first, then the rest by name length.
See app/src/domain/data/README.md for the cleaning rules.
"""

from __future__ import annotations

import hashlib
import json
import pathlib
import re
import subprocess
import sys
import tarfile
import tempfile
import zipfile

BANKCARD_VERSION = "3.1.6"
BANKCARD_SHA256 = "66cb5def93f5676de72babedcd64b90139a1b14d575354c7956eafe8bb8b2ebf"
ALIASES_VERSION = "1.3.0"
ALIASES_SHA256 = "87511d26b7b200c21127c538c1415a84aaa56a752b7dfb241f6b64697c61d20f"

ROOT = pathlib.Path(__file__).resolve().parent.parent
OUT = ROOT / "app" / "src" / "domain" / "data" / "banks.tsv"

BANK_LINE = re.compile(r"^\s*\{ code: '([A-Z0-9]+)', name: '([^']+)' \},?$")
# A deposit-taking institution's name says what it is; bankcard also lists card schemes and
# payment firms (CSC借记卡, 中银通商务支付有限公司), which hold no company's basic account.
INSTITUTION = re.compile(r"银行|信用|信合|农信|商行|联社")
# Clearing centres settle between banks and keep no customer accounts.
CLEARING = "清算"
# A mainland organisation's basic account (基本户) is held in the mainland.
OFFSHORE = ("香港", "澳门")
LEGAL_FORM = re.compile(r"(股份)?有限公司$")
OLD_CITY_BANK = re.compile(r"^(.+?)市?商业银行$")

# Renames and mergers since the source was compiled (old name -> current name). The old name
# stays searchable as an alias of the current one.
SUCCESSORS = {
    "广东发展银行": "广发银行",  # renamed 2011
    "宝鸡商行": "长安银行",  # merged 2009
    "南昌银行": "江西银行",  # merged with 景德镇市商业银行 2015
    "包商银行": "蒙商银行",  # taken over 2020
    "攀枝花市商业银行": "四川银行",  # merged 2020
    "凉山州商业银行": "四川银行",
    "大同银行": "山西银行",  # merged 2021
    "长治市商业银行": "山西银行",
    "晋中市商业银行": "山西银行",
    "阳泉银行": "山西银行",
    "晋城银行": "山西银行",
    "营口银行": "辽沈银行",  # merged 2021
    "辽阳市商业银行": "辽沈银行",
    "洛阳银行": "中原银行",  # merged 2022
    "平顶山银行": "中原银行",
    "焦作市商业银行": "中原银行",
    "华融湘江银行": "湖南银行",  # renamed 2022
}

# The 6 large state-owned commercial banks (in their customary order, 工农中建交邮) and the 12
# national joint-stock commercial banks: offered first when a search matches several.
NATIONAL = [
    "中国工商银行", "中国农业银行", "中国银行", "中国建设银行", "交通银行", "中国邮政储蓄银行",
    "中信银行", "中国光大银行", "华夏银行", "中国民生银行", "招商银行", "兴业银行", "广发银行",
    "平安银行", "上海浦东发展银行", "恒丰银行", "浙商银行", "渤海银行",
]

# Spoken short forms of institution types: 北京农村商业银行 is 北京农商银行, 山西省农村信用社
# is 山西省农信社.
SHORT_FORMS = [
    (re.compile(r"农村商业银行$"), "农商银行"),
    (re.compile(r"农村信用(社联合社|联合社|合作联社|联社|社)?$"), "农信社"),
]


def download(cmd: list[str], directory: str, name: str, sha256: str) -> bytes:
    subprocess.run(cmd, check=True, cwd=directory)
    data = (pathlib.Path(directory) / name).read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    if digest != sha256:
        sys.exit(f"{name}: sha256 {digest}, expected {sha256}")
    return data


def fetch_sources() -> tuple[str, dict]:
    with tempfile.TemporaryDirectory() as tmp:
        tgz = f"bankcard-{BANKCARD_VERSION}.tgz"
        download(["npm", "pack", "--silent", f"bankcard@{BANKCARD_VERSION}"], tmp, tgz,
                 BANKCARD_SHA256)
        with tarfile.open(pathlib.Path(tmp) / tgz) as t:
            js = t.extractfile("package/dist/bankcard.cjs.js").read().decode("utf-8")
        whl = f"bank_region_query-{ALIASES_VERSION}-py3-none-any.whl"
        download([sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
                  f"bank-region-query=={ALIASES_VERSION}", "-d", "."], tmp, whl, ALIASES_SHA256)
        with zipfile.ZipFile(pathlib.Path(tmp) / whl) as z:
            aliases = json.loads(z.read("bank_region_query/data/bank_aliases.json"))
    return js, aliases


def parse_banks(js: str) -> list[tuple[str, str]]:
    """(code, name) pairs of the `banks` array, in source order (by code)."""
    start = js.index("var banks = [")
    end = js.index("];", start)
    rows = []
    for line in js[start:end].splitlines()[1:]:
        m = BANK_LINE.match(line)
        if not m:
            sys.exit(f"bankcard: unexpected line in banks: {line!r}")
        rows.append((m.group(1), m.group(2)))
    return rows


class Bank:
    def __init__(self, name: str, code: str):
        self.name = name
        self.code = code
        self.aliases: list[str] = []

    def add_alias(self, alias: str) -> None:
        if alias and alias != self.name and alias not in self.aliases:
            self.aliases.append(alias)


def clean(rows: list[tuple[str, str]]) -> dict[str, Bank]:
    banks: dict[str, Bank] = {}
    old_codes: dict[str, list[str]] = {}
    for code, raw in rows:
        name = LEGAL_FORM.sub("", raw.replace("(", "（").replace(")", "）"))
        if not INSTITUTION.search(name) or CLEARING in name or any(p in name for p in OFFSHORE):
            continue
        current = SUCCESSORS.get(name, name)
        bank = banks.setdefault(current, Bank(current, ""))
        if current == name:
            bank.code = bank.code or code  # the first of duplicate rows
        else:
            old_codes.setdefault(current, []).append(code)
            bank.add_alias(name)
    # A bank listed only under its old name keeps that code if it was a plain rename; the
    # successor of a merger has none in the source.
    for name, codes in old_codes.items():
        if not banks[name].code and len(codes) == 1:
            banks[name].code = codes[0]
    for name in list(banks):
        # A branch (湖北银行黄石分行) is typed after its bank's name, not listed.
        if name.endswith("分行") and any(name.startswith(o) for o in banks if o != name):
            del banks[name]
            continue
        # An old city-bank name (厦门市商业银行) beside the current one (厦门银行).
        m = OLD_CITY_BANK.match(name)
        if m and f"{m.group(1)}银行" in banks:
            banks[f"{m.group(1)}银行"].add_alias(name)
            del banks[name]
    return banks


def add_aliases(banks: dict[str, Bank], source: dict) -> None:
    groups = [(True, g) for g in source["aliases"].items()]
    groups += [(False, g) for g in source["unresolved"].items()]
    for resolved, (canonical, aliases) in groups:
        targets = [b for b in banks.values() if b.name in (canonical, "中国" + canonical)]
        targets = targets or [b for b in banks.values() if canonical in b.name]
        if not targets and resolved:
            # 浦发银行 is named by its code only: spdb is bankcard's SPDB.
            targets = [b for b in banks.values() if b.code.lower() in aliases]
        if len(targets) != 1:
            print(f"bank-region-query: {canonical} matches {len(targets)} banks, skipped")
            continue
        # ASCII abbreviations are left out: bankcard's code covers the common ones, and some
        # in the sheet are input-method artefacts (hwxyynhh).
        for alias in [canonical, *aliases]:
            if not alias.isascii():
                targets[0].add_alias(alias)
    for bank in banks.values():
        if bank.name.startswith("中国") and bank.name != "中国银行":
            bank.add_alias(bank.name[2:])
        for pattern, short in SHORT_FORMS:
            bank.add_alias(pattern.sub(short, bank.name))


def check(banks: list[Bank]) -> None:
    names = {b.name for b in banks}
    for b in banks:
        for text in [b.name, b.code, *b.aliases]:
            if any(c in text for c in "\t|\n"):
                sys.exit(f"{b.name}: separator in {text!r}")
        for alias in b.aliases:
            if alias in names:
                sys.exit(f"{b.name}: alias {alias} is another bank's name")
    for name in NATIONAL:
        if name not in names:
            sys.exit(f"national bank {name} missing")


def main() -> None:
    js, aliases = fetch_sources()
    banks = clean(parse_banks(js))
    add_aliases(banks, aliases)
    ordered = [banks[n] for n in NATIONAL] + sorted(
        (b for b in banks.values() if b.name not in NATIONAL),
        key=lambda b: (len(b.name), b.code or "~", b.name),
    )
    check(ordered)
    with open(OUT, "w", encoding="utf-8", newline="\n") as f:
        f.write("name\tcode\taliases\n")
        for b in ordered:
            f.write(f"{b.name}\t{b.code}\t{'|'.join(b.aliases)}\n")
    print(f"wrote {len(ordered)} banks to {OUT}")


if __name__ == "__main__":
    main()
