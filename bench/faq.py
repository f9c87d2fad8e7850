#!/usr/bin/env python3
"""FAQ search with 10,000 entries, in process and through HTTP.

1. `examples/faq_bench.rs`: the index over N entries (the evaluation FAQ's 216 entries repeated
   under place names), time to make it, per-query p50/p99 over the 126 evaluation queries.
2. The same N entries imported into a fresh machi (`machi faq import`), served by a release
   build: `GET /api/faq/search` p50/p99 on one keep-alive connection (loopback, this client's
   own time included), with the procedure catalog and life events of the bundled town indexed
   too.
3. How long an edit takes to be found: one entry re-imported by another process with a new
   keyword, the API polled until it answers with it.

    python3 bench/faq.py [entries]
"""
import http.client
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
N = int(sys.argv[1]) if len(sys.argv) > 1 else 10000


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * p))]


def main():
    subprocess.run(["cargo", "build", "--release", "--bin", "machi", "--example", "faq_bench"],
                   cwd=ROOT, check=True)
    machi = os.path.join(ROOT, "target", "release", "machi")
    data = tempfile.mkdtemp(prefix="machi-faq-bench-")
    faq = os.path.join(data, f"faq-{N}.jsonl")
    print("in process:", flush=True)
    subprocess.run([os.path.join(ROOT, "target", "release", "examples", "faq_bench"), str(N),
                    "--write", faq], check=True)
    port = free_port()
    env = dict(os.environ, MACHI_DATA_DIR=data, MACHI_PORT=str(port))
    t = time.perf_counter()
    subprocess.run([machi, "faq", "import", faq], env=env, check=True,
                   stderr=subprocess.DEVNULL)
    print(f"machi faq import of {N} entries: {time.perf_counter() - t:.2f} s")
    server = subprocess.Popen([machi, "serve"], env=env, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                http.client.HTTPConnection("127.0.0.1", port, timeout=1).request("GET", "/plan")
                break
            except OSError:
                time.sleep(0.1)
        conn = http.client.HTTPConnection("127.0.0.1", port)

        def search(q):
            conn.request("GET", "/api/faq/search?" + urllib.parse.urlencode({"q": q, "limit": 10}))
            r = conn.getresponse()
            body = r.read()
            assert r.status == 200, (r.status, body[:200])
            return json.loads(body)

        queries = [json.loads(line)["query"]
                   for line in open(os.path.join(ROOT, "eval", "faq", "queries.jsonl"),
                                    encoding="utf-8") if line.strip()]
        t = time.perf_counter()
        search("住民票")
        print(f"first search (the index made from the database): {1000 * (time.perf_counter() - t):.0f} ms")
        for q in queries:
            search(q)
        times = []
        for _ in range(10):
            for q in queries:
                t = time.perf_counter()
                search(q)
                times.append(1000 * (time.perf_counter() - t))
        print(f"HTTP /api/faq/search, {len(times)} requests: p50 {pct(times, 0.5):.2f} ms, "
              f"p99 {pct(times, 0.99):.2f} ms, max {max(times):.2f} ms")

        # An edit from another process, found when?
        with open(faq, encoding="utf-8") as f:
            first = json.loads(f.readline())
        word = f"ベンチ確認{int(time.time())}"
        first["keywords"] = list(first.get("keywords") or []) + [word]
        one = os.path.join(data, "one.jsonl")
        with open(one, "w", encoding="utf-8") as f:
            f.write(json.dumps(first, ensure_ascii=False) + "\n")
        subprocess.run([machi, "faq", "import", one], env=env, check=True,
                       stderr=subprocess.DEVNULL)
        t = time.perf_counter()
        while True:
            ids = [r["id"] for r in search(word)["results"]]
            if first["id"] in ids:
                break
            if time.perf_counter() - t > 10:
                raise SystemExit("the edit was not found within 10 s")
            time.sleep(0.02)
        print(f"an edit by another process found after {1000 * (time.perf_counter() - t):.0f} ms")
    finally:
        server.terminate()
        server.wait()


if __name__ == "__main__":
    main()
