#!/usr/bin/env python3
"""package_search latency with 10,000 published datasets, against a release build on SQLite.

Usage: bench/ckan.py [datasets]   (default 10000)
Datasets are inserted straight into a fresh database (machi creates the schema on its first
start), then typical harvester and portal queries are timed, 20 runs each.
"""
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import documents  # noqa: E402  (the Machi helper)

N = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000


def main():
    subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=documents.ROOT, check=True)
    m = documents.Machi()
    m.stop()  # schema created; fill it while the server is down
    db = sqlite3.connect(os.path.join(m.dir, "machi.db"))
    rows, res = [], []
    for i in range(N):
        did = f"00000000-0000-4000-8000-{i:012d}"
        tags = '["トイレ","自治体標準ODS"]' if i % 2 == 0 else '["観光"]'
        rows.append((did, f"dataset-{i:05d}", f"データセット{i}", "ベンチマーク用", "企画課" if i % 3 == 0 else "観光商工課",
                     tags, "cc-by", "随時", "public_toilet" if i % 2 == 0 else "", "published",
                     "2024-04-01T00:00:00Z", f"2025-{1 + i % 12:02d}-01T00:00:00Z"))
        res.append((f"10000000-0000-4000-8000-{i:012d}", did, 0, "データ", "CSV" if i % 2 == 0 else "XLSX",
                     "https://example.jp/x", "2024-04-01T00:00:00Z", "2024-04-01T00:00:00Z"))
    db.executemany("INSERT INTO od_datasets (id, name, title, notes, department, tags, license_id, frequency, standard, state, created_at, modified_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", rows)
    db.executemany("INSERT INTO od_resources (id, dataset_id, position, name, format, url, created_at, modified_at) VALUES (?,?,?,?,?,?,?,?)", res)
    db.commit()
    db.close()
    m.proc = subprocess.Popen([documents.BIN, "serve"], env=m.env, stderr=subprocess.DEVNULL)
    for _ in range(100):
        try:
            urllib.request.urlopen(m.base + "/plan").read()
            break
        except Exception:
            time.sleep(0.1)
    try:
        print(f"{N:,d} published datasets · release · SQLite")
        for q in ["rows=100&start=0&sort=id%20asc",
                  "rows=100&start=9900&sort=id%20asc",
                  "fq=" + urllib.parse.quote("metadata_modified:[2025-12-01T00:00:00Z TO *]") + "&rows=100&sort=id%20asc",
                  "q=" + urllib.parse.quote("データセット123") + "&rows=10",
                  "fq=" + urllib.parse.quote("tags:自治体標準ODS organization:企画課") + "&rows=0&facet.field=" + urllib.parse.quote('["res_format","tags"]'),
                  ]:
            times = []
            for _ in range(20):
                t = time.perf_counter()
                urllib.request.urlopen(f"{m.base}/api/3/action/package_search?{q}").read()
                times.append((time.perf_counter() - t) * 1000)
            print(f"package_search?{urllib.parse.unquote(q)[:70]:70s} median {statistics.median(times):7.1f} ms  p95 {sorted(times)[18]:7.1f} ms")
    finally:
        m.stop()


if __name__ == "__main__":
    main()
