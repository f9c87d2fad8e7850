#!/usr/bin/env python3
"""Writes tests/fixtures/ordinances/jokaso-ho-excerpt.xml: parts of 浄化槽法 (the real text in
jokaso-ho.txt, itself from e-Gov's 法令標準XML) back in the 法令標準XML elements e-Gov uses
(Law/LawNum/LawBody/LawTitle/MainProvision/Chapter/Article/ArticleCaption/ArticleTitle/
Paragraph/ParagraphNum/ParagraphSentence/Sentence/Item/ItemTitle/ItemSentence/SupplProvision),
with the sentences split at 。 as e-Gov does (Num="1", "2"). The Rust XML reader is checked
against the text reader on it: both must give the same clauses.

    python3 scripts/lawxml-fixture.py > tests/fixtures/ordinances/jokaso-ho-excerpt.xml
"""
import re
from pathlib import Path
from xml.sax.saxutils import escape

SRC = Path(__file__).resolve().parent.parent / "tests/fixtures/ordinances/jokaso-ho.txt"
# 1-based line ranges of jokaso-ho.txt: 第一章 (第一条–第四条), 第十二条の十二, the original 附則
# (its first two articles) and the first amending 附則.
MAIN = [(22, 58), (169, 173)]
SUPPL = [(703, 712)]
AMEND = [(747, 751)]

DIGITS = "〇一二三四五六七八九"


def kanji(s):
    if s.isdigit():
        return int(s)
    total, cur = 0, 0
    for c in s:
        if c in DIGITS:
            cur = DIGITS.index(c)
        elif c == "十":
            total += (cur or 1) * 10
            cur = 0
        elif c == "百":
            total += (cur or 1) * 100
            cur = 0
    return total + cur


def fw(n):
    return "".join(chr(ord(d) + 0xFEE0) for d in str(n))


def sentences(text):
    parts = [p + "。" for p in text.split("。") if p]
    if not text.endswith("。") and parts:
        parts[-1] = parts[-1][:-1]
    return "".join(f'<Sentence Num="{i}" WritingMode="vertical">{escape(p)}</Sentence>'
                   for i, p in enumerate(parts, 1))


def convert(lines):
    out, article, para, caption = [], None, None, ""
    def close_para():
        nonlocal para
        if para is not None:
            out.append("</Paragraph>")
            para = None
    def close_article():
        nonlocal article
        close_para()
        if article is not None:
            out.append("</Article>")
            article = None
    for raw in lines:
        line = raw.rstrip("\n")
        if not line.strip():
            continue
        m = re.match(r"^第([一二三四五六七八九十百]+)章\s+(.*)$", line)
        if m:
            continue  # chapters are written around the articles below
        m = re.match(r"^（(.+)）$", line)
        if m:
            caption = line
            continue
        m = re.match(r"^(第([一二三四五六七八九十百]+)条((?:の[一二三四五六七八九十]+)*))\u3000(.*)$", line)
        if m:
            close_article()
            num = str(kanji(m.group(2))) + "".join("_" + str(kanji(b)) for b in m.group(3).split("の") if b)
            out.append(f'<Article Num="{num}">')
            if caption:
                out.append(f"<ArticleCaption>{escape(caption)}</ArticleCaption>")
                caption = ""
            out.append(f"<ArticleTitle>{m.group(1)}</ArticleTitle>")
            out.append('<Paragraph Num="1"><ParagraphNum/>')
            out.append(f"<ParagraphSentence>{sentences(m.group(4))}</ParagraphSentence>")
            para, article = 1, num
            continue
        m = re.match(r"^([２-９]|１[０-９])\u3000(.*)$", line)
        if m:
            close_para()
            n = int(m.group(1).translate(str.maketrans("０１２３４５６７８９", "0123456789")))
            out.append(f'<Paragraph Num="{n}"><ParagraphNum>{m.group(1)}</ParagraphNum>')
            out.append(f"<ParagraphSentence>{sentences(m.group(2))}</ParagraphSentence>")
            para = n
            continue
        m = re.match(r"^\u3000([一二三四五六七八九十]+(?:の[一二三四五六七八九十]+)?)\u3000(.*)$", line)
        if m:
            title = m.group(1)
            num = "_".join(str(kanji(p)) for p in title.split("の"))
            out.append(f'<Item Num="{num}"><ItemTitle>{title}</ItemTitle>'
                       f"<ItemSentence>{sentences(m.group(2))}</ItemSentence></Item>")
            continue
        raise SystemExit(f"not converted: {line}")
    close_article()
    return out


def lines_of(ranges):
    text = SRC.read_text(encoding="utf-8").splitlines(keepends=True)
    return [l for a, b in ranges for l in text[a - 1:b]]


main = lines_of(MAIN)
body = ['<?xml version="1.0" encoding="UTF-8"?>',
        '<Law Era="Showa" Year="58" Num="43" LawType="Act" Lang="ja" PromulgateMonth="05" PromulgateDay="18">',
        "<LawNum>昭和五十八年法律第四十三号</LawNum>",
        "<LawBody>",
        '<LawTitle Kana="じょうかそうほう" Abbrev="">浄化槽法</LawTitle>',
        "<MainProvision>",
        '<Chapter Num="1"><ChapterTitle>第一章　総則</ChapterTitle>']
body += convert(main[:37])
body += ["</Chapter>", '<Chapter Num="3"><ChapterTitle>第三章の二　浄化槽処理促進区域</ChapterTitle>']
body += convert(main[37:])
body += ["</Chapter>", "</MainProvision>", "<SupplProvision>",
         "<SupplProvisionLabel>附　則</SupplProvisionLabel>"]
body += convert(lines_of(SUPPL)[2:])
body += ["</SupplProvision>",
         '<SupplProvision AmendLawNum="昭和六二年六月二日法律第六三号" Extract="true">',
         "<SupplProvisionLabel>附　則</SupplProvisionLabel>"]
body += convert(lines_of(AMEND)[2:])
body += ["</SupplProvision>", "</LawBody>", "</Law>"]
print("\n".join(body))
