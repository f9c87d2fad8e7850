#!/usr/bin/env python3
"""machi's CSV validator against frictionless-py on the same 100,000-row file and schema.

Usage: bench/validate.py [rows]     (default 100000; installs frictionless from PyPI if missing)

The file follows the bundled 公衆トイレ一覧 schema and has errors sprinkled in (a duplicate ID,
a latitude out of range, text in a number column, a bad time, a missing required value, a value
outside 有/無, blank rows, extra and missing cells). The comparison schema leaves out machi's own
check-digit rule, which Frictionless does not know, so both should report the same findings:
the script checks that (type, row, column) match, then reports both times and the ratio.
"""
import csv
import json
import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, "target", "release", "machi")
ROWS = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000


def main():
    subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
    if subprocess.run([sys.executable, "-m", "frictionless", "--version"], capture_output=True).returncode != 0:
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", "frictionless==5.21.0"], check=True)
    work = tempfile.mkdtemp(prefix="machi-validate-")
    schema = json.load(open(os.path.join(ROOT, "src", "opendata", "schemas", "public_toilet.json"), encoding="utf-8"))
    for f in schema["fields"]:
        f.pop("machi:check", None)
    schema.pop("machi:standard", None)
    with open(os.path.join(work, "schema.json"), "w", encoding="utf-8") as f:
        json.dump(schema, f, ensure_ascii=False)
    names = [f["name"] for f in schema["fields"]]
    base = {n: "" for n in names}
    base.update({"全国地方公共団体コード": "285854", "地方公共団体名": "兵庫県香美町", "名称": "香住駅",
                 "所在地_連結表記": "兵庫県美方郡香美町香住区若松", "設置位置": "駅舎内", "緯度": "35.633",
                 "経度": "134.629", "男性トイレ総数": "3", "女性トイレ総数": "2", "車椅子使用者用トイレ有無": "有",
                 "利用開始時間": "06:00", "利用終了時間": "22:00", "画像": "https://example.jp/a.jpg"})
    path = os.path.join(work, "toilets.csv")
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(names)
        for i in range(ROWS):
            r = dict(base, ID=f"LL{i:08d}")
            k = i % 10_000
            if k == 17: r["ID"] = "LL00000001"
            if k == 101: r["緯度"] = "135.6"
            if k == 202: r["男性トイレ総数"] = "三"
            if k == 303: r["利用開始時間"] = "6時"
            if k == 404: r["名称"] = ""
            if k == 505: r["車椅子使用者用トイレ有無"] = "あり"
            row = [r[n] for n in names]
            if k == 606: row = [""] * len(names)
            if k == 707: row = row + ["extra"]
            if k == 808: row = row[:30]
            w.writerow(row)
    size = os.path.getsize(path)

    def run(cmd):
        t = time.perf_counter()
        p = subprocess.run(cmd, cwd=work, capture_output=True, text=True)
        return time.perf_counter() - t, p.stdout

    # Best of three runs each (whole process: start, read, check, write JSON).
    machi_runs = [run([BIN, "opendata", "validate", "toilets.csv", "--schema", "schema.json", "--json",
                       "--limit-errors", "1000000"]) for _ in range(3)]
    fr_runs = [run([sys.executable, "-m", "frictionless", "validate", "toilets.csv", "--schema", "schema.json",
                    "--json", "--limit-errors", "1000000"]) for _ in range(3)]
    machi_s = min(t for t, _ in machi_runs)
    fr_s = min(t for t, _ in fr_runs)
    machi = json.loads(machi_runs[0][1])
    fr = json.loads(fr_runs[0][1])["tasks"][0]

    a = sorted((e["type"], e.get("rowNumber"), e.get("fieldNumber")) for e in machi["errors"])
    b = sorted((e["type"], e.get("rowNumber"), e.get("fieldNumber")) for e in fr["errors"])
    print(f"{ROWS:,d} rows, {size / 1e6:.1f} MB, {len(names)} columns")
    print(f"machi        {machi_s:8.2f} s  {len(a):6d} errors  (runs: {', '.join(f'{t:.2f}' for t, _ in machi_runs)})")
    print(f"frictionless {fr_s:8.2f} s  {len(b):6d} errors  (runs: {', '.join(f'{t:.2f}' for t, _ in fr_runs)})")
    print(f"same findings: {a == b}")
    if a != b:
        print("only machi:", sorted(set(a) - set(b))[:10])
        print("only frictionless:", sorted(set(b) - set(a))[:10])
    print(f"ratio: machi is {fr_s / machi_s:.0f}x faster")


if __name__ == "__main__":
    main()
