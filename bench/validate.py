#!/usr/bin/env python3
"""machi's CSV validator against frictionless-py on the same 100,000-row file and schema.

Usage: bench/validate.py [rows]     (default 100000; installs frictionless from PyPI if missing)
       bench/validate.py memory [GB]   peak memory of machi on a file of about GB gigabytes
                                       (default 1) without unique constraints

Besides frictionless, the script times the `csv` crate alone on the same file
(examples/csv_baseline.rs: every record read as UTF-8, every field touched), the practical limit,
and prints machi's throughput as a share of it. machi reads and decodes on one thread, cuts the text
into blocks of whole records, and parses and checks blocks on one worker per core.

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
ROWS = int(sys.argv[1]) if len(sys.argv) > 1 and sys.argv[1].isdigit() else 100_000


def main():
    subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
    if subprocess.run([sys.executable, "-m", "frictionless", "--version"], capture_output=True).returncode != 0:
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", "frictionless==5.21.0"], check=True)
    # MACHI_BENCH_DIR keeps the file for other measurements (bench/validate_speed.sh).
    work = os.environ.get("MACHI_BENCH_DIR") or tempfile.mkdtemp(prefix="machi-validate-")
    os.makedirs(work, exist_ok=True)
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
    if os.environ.get("MACHI_BENCH_ONLY_WRITE"):
        print(path)
        return

    def run(cmd):
        t = time.perf_counter()
        p = subprocess.run(cmd, cwd=work, capture_output=True, text=True)
        return time.perf_counter() - t, p.stdout

    # Best of several runs each (whole process: start, read, check, write JSON); ten of the fast
    # ones, whose times a busy machine scatters most, three of frictionless.
    machi_runs = [run([BIN, "opendata", "validate", "toilets.csv", "--schema", "schema.json", "--json",
                       "--limit-errors", "1000000"]) for _ in range(10)]
    fr_runs = [run([sys.executable, "-m", "frictionless", "validate", "toilets.csv", "--schema", "schema.json",
                    "--json", "--limit-errors", "1000000"]) for _ in range(3)]
    subprocess.run(["cargo", "build", "--release", "--quiet", "--example", "csv_baseline"], cwd=ROOT, check=True)
    csv_runs = [run([os.path.join(ROOT, "target", "release", "examples", "csv_baseline"), "toilets.csv"])
                for _ in range(10)]
    machi_s = min(t for t, _ in machi_runs)
    fr_s = min(t for t, _ in fr_runs)
    csv_s = min(t for t, _ in csv_runs)
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
    print(f"csv crate    {csv_s:8.2f} s  (reading only; runs: {', '.join(f'{t:.2f}' for t, _ in csv_runs)})")
    print(f"ratio: machi is {fr_s / machi_s:.0f}x faster than frictionless")
    print(f"throughput: machi {size / 1e6 / machi_s:.0f} MB/s = {csv_s / machi_s:.0%} of the csv crate's "
          f"{size / 1e6 / csv_s:.0f} MB/s")


def memory(gb):
    """Peak memory of machi on a large file (no unique constraints): it should stay flat."""
    subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
    work = tempfile.mkdtemp(prefix="machi-validate-mem-")
    schema = json.load(open(os.path.join(ROOT, "src", "opendata", "schemas", "public_toilet.json"), encoding="utf-8"))
    for f in schema["fields"]:
        f.get("constraints", {}).pop("unique", None)
    schema.pop("primaryKey", None)
    with open(os.path.join(work, "schema.json"), "w", encoding="utf-8") as f:
        json.dump(schema, f, ensure_ascii=False)
    names = [f["name"] for f in schema["fields"]]
    row = ",".join({"全国地方公共団体コード": "285854", "名称": "香住駅", "緯度": "35.633", "経度": "134.629",
                    "男性トイレ総数": "3", "利用開始時間": "06:00", "利用終了時間": "22:00"}.get(n, "") for n in names)
    block = ("\n".join([row] * 10_000) + "\n").encode("utf-8")
    path = os.path.join(work, "big.csv")
    with open(path, "wb") as f:
        f.write((",".join(names) + "\n").encode("utf-8"))
        while f.tell() < gb * 1e9:
            f.write(block)
    size = os.path.getsize(path)
    t = time.perf_counter()
    p = subprocess.Popen([BIN, "opendata", "validate", path, "--schema", os.path.join(work, "schema.json"), "--json"],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    # This process's own peak (not cargo's, which ran before as another child).
    _, _, usage = os.wait4(p.pid, 0)
    secs = time.perf_counter() - t
    peak = usage.ru_maxrss / 1024
    print(f"{size / 1e9:.2f} GB in {secs:.1f} s ({size / 1e6 / secs:.0f} MB/s), peak memory {peak:.0f} MB")
    os.remove(path)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "memory":
        memory(float(sys.argv[2]) if len(sys.argv) > 2 else 1.0)
    else:
        main()
