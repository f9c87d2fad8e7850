#!/usr/bin/env python3
"""Writes src/faq/yomi.tsv.gz: every IPAdic word that holds a kanji, with its most common reading
(lowest cost), one `surface<TAB>reading` line each, sorted. The FAQ search reads kanji words by it
(住民票 → ジュウミンヒョウ). Source: Debian's mecab-ipadic (2.7.0, NAIST; EUC-JP CSVs); proper
names, places and organisations are left out (many, rarely asked, often read otherwise). One
kanji's reading as a suffix is written 〜所, as a prefix 要〜.

    apt-get install mecab-ipadic && scripts/yomi-from-ipadic.py
"""
import gzip, re, sys, unicodedata
from pathlib import Path

SOURCE = Path(sys.argv[1] if len(sys.argv) > 1 else "/usr/share/mecab/dic/ipadic")
TARGET = Path(__file__).resolve().parent.parent / "src/faq/yomi.tsv.gz"
LEFT_OUT = {"Noun.name.csv", "Noun.org.csv", "Noun.place.csv", "Noun.proper.csv", "Symbol.csv"}
KANJI = re.compile(r"[\u4e00-\u9fff\u3400-\u4dbf々]")

best = {}
for csv in sorted(SOURCE.glob("*.csv")):
    if csv.name in LEFT_OUT:
        continue
    for line in csv.read_text(encoding="euc-jp").splitlines():
        f = line.split(",")
        if len(f) < 12 or f[11] == "*":
            continue
        surface, cost, reading = unicodedata.normalize("NFKC", f[0]), int(f[3]), f[11]
        if not KANJI.search(surface):
            continue
        # One kanji reads otherwise after a word (所 of 保育所: ジョ, not トコロ) or before one
        # (要 of 要介護: ヨウ): its suffix and prefix readings are kept apart, marked by 〜.
        if len(surface) == 1 and f[4] == "名詞" and f[5] == "接尾":
            surface = "〜" + surface
        elif len(surface) == 1 and f[4] == "接頭詞":
            surface = surface + "〜"
        if surface not in best or cost < best[surface][0]:
            best[surface] = (cost, reading)

text = "".join(f"{s}\t{best[s][1]}\n" for s in sorted(best))
# mtime 0: the same dictionary writes the same bytes.
with open(TARGET, "wb") as out, gzip.GzipFile(fileobj=out, mode="wb", compresslevel=9, mtime=0, filename="") as gz:
    gz.write(text.encode())
print(f"{len(best)} words → {TARGET} ({TARGET.stat().st_size} bytes)")
