#!/usr/bin/env python3
"""Time to build the Excel workbooks and to import 10,000 rows of actuals, against a release build.

Usage: bench/documents.py            (builds target/release/machi first)

Two instances are started on loopback with fresh SQLite data folders:
  1. the bundled plan of 香美町 (18 施策): workbook build times as a town sees them;
  2. a generated plan of 2,000 施策 with yearly periods R3..R7, so a 10,000-row file
     (2,000 施策 × 5 年度) is one import; preview (parse + check) and commit are timed.
Only the Python standard library is used.
"""
import http.cookiejar
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, "target", "release", "machi")
PASSWORD = "bench pass phrase"


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Machi:
    def __init__(self, plan_file=None):
        self.dir = tempfile.mkdtemp(prefix="machi-bench-")
        self.port = free_port()
        self.env = dict(os.environ, MACHI_DATA_DIR=self.dir, MACHI_PORT=str(self.port))
        if plan_file:
            subprocess.run([BIN, "plan", "import", plan_file], env=self.env, check=True, capture_output=True)
        subprocess.run([BIN, "user", "add", "bench", "--role", "dx_office", "--department", "企画課"],
                       env=self.env, input=PASSWORD + "\n", text=True, check=True, capture_output=True)
        self.proc = subprocess.Popen([BIN, "serve"], env=self.env, stderr=subprocess.DEVNULL)
        self.base = f"http://127.0.0.1:{self.port}"
        for _ in range(100):
            try:
                urllib.request.urlopen(self.base + "/plan").read()
                break
            except Exception:
                time.sleep(0.1)
        jar = http.cookiejar.CookieJar()
        self.http = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        self.csrf = ""

    def get(self, path):
        body = self.http.open(self.base + path).read()
        m = re.search(rb'name="csrf" value="([0-9a-f]+)"', body)
        if m:
            self.csrf = m.group(1).decode()
        return body

    def post(self, path, fields):
        data = urllib.parse.urlencode({"csrf": self.csrf, **fields}).encode()
        req = urllib.request.Request(self.base + path, data=data, headers={"Origin": self.base})
        return self.http.open(req).read()

    def post_file(self, path, name, content):
        b = "benchboundary"
        body = (f"--{b}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{self.csrf}\r\n"
                f"--{b}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n\r\n").encode()
        body += content + f"\r\n--{b}--\r\n".encode()
        req = urllib.request.Request(self.base + path, data=body, headers={
            "Content-Type": f"multipart/form-data; boundary={b}", "Origin": self.base})
        try:
            return self.http.open(req).read()
        except urllib.error.HTTPError as e:
            return e.read()

    def sign_in(self):
        self.get("/login")
        self.post("/login", {"username": "bench", "password": PASSWORD, "next": "/staff"})

    def stop(self):
        self.proc.terminate()
        self.proc.wait()


def timed(fn, n):
    times = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times), max(times)


def big_plan(measures_per_area=100, areas=20):
    lines = ['format = "machi-plan/1"', 'id = "bench-2000"', 'title = "ベンチマーク用計画"',
             'adopted_wording = "令和5年4月策定"', 'adopted = "2023-04"',
             '[municipality]', 'name = "香美町"', 'code = "285854"',
             '[period]', 'start = "2023-04"', 'end = "2026-03"',
             '[roadmap_years]', 'first = 2021', 'last = 2025',
             '[[policies]]', 'number = 1', 'title = "基本方針"']
    for a in range(1, areas + 1):
        lines += ['[[areas]]', 'policy = 1', f'number = {a}', f'title = "取組内容{a}"']
    for a in range(1, areas + 1):
        for m in range(1, measures_per_area + 1):
            lines += ['[[measures]]', f'code = "1-{a}-{m}"', f'title = "施策{a}-{m}"', 'class = "local"',
                      'text = "ベンチマーク用の施策です。"', '[measures.kpi]', f'name = "KPI {a}-{m}"',
                      'target_wording = "100件"', 'deadline_wording = "令和7年度末"', 'unit = "件"',
                      'direction = "increase"', 'accumulation = "point"', 'target = 100', 'deadline = 2025']
    return "\n".join(lines) + "\n"


def main():
    subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
    print(f"machi {subprocess.run(['git', 'rev-parse', '--short', 'HEAD'], cwd=ROOT, capture_output=True, text=True).stdout.strip()} · {os.cpu_count()} cores · release build · SQLite")

    kami = Machi()
    try:
        for path in ["/plan/action-plans.xlsx", "/plan/measures/1-1-1/action-plan.xlsx", "/plan/kpis.xlsx",
                     "/plan/roadmap.xlsx", "/plan/kpis.csv", "/plan/kpis/series.csv"]:
            med, worst = timed(lambda: kami.get(path), 20)
            size = len(kami.get(path))
            print(f"香美町 {path:42s} median {med:7.1f} ms  max {worst:7.1f} ms  {size:>8,d} bytes")
    finally:
        kami.stop()

    with tempfile.NamedTemporaryFile("w", suffix=".toml", delete=False, encoding="utf-8") as f:
        f.write(big_plan())
        plan_file = f.name
    big = Machi(plan_file)
    try:
        big.sign_in()
        t = time.perf_counter()
        for fy in ["R3", "R4", "R5", "R6", "R7"]:
            big.get("/staff/periods/new")
            big.post("/staff/periods", {"fiscal_year": fy, "kind": "yearly", "due_date": "2026-05-31"})
        print(f"2,000施策 5 periods (10,000 reports) created in {(time.perf_counter() - t) * 1000:,.0f} ms")
        med, _ = timed(lambda: big.get("/plan/action-plans.xlsx"), 3)
        print(f"2,000施策 /plan/action-plans.xlsx (2,000 sheets)          median {med:9,.0f} ms")
        rows = ["施策コード,年度,実績,根拠・出典"]
        for a in range(1, 21):
            for m in range(1, 101):
                for fy in range(2021, 2026):
                    rows.append(f"1-{a}-{m},{fy},{(a * m + fy) % 100},ベンチ")
        content = ("\ufeff" + "\r\n".join(rows) + "\r\n").encode("utf-8")
        big.get("/staff/import")
        t = time.perf_counter()
        body = big.post_file("/staff/import", "bench.csv", content)
        preview = (time.perf_counter() - t) * 1000
        m = re.search(rb'/staff/import/(\d+)/commit', body)
        if not m:
            print("import preview failed:", body[:2000].decode("utf-8", "replace"))
            sys.exit(1)
        t = time.perf_counter()
        big.post(f"/staff/import/{m.group(1).decode()}/commit", {})
        commit = (time.perf_counter() - t) * 1000
        print(f"import of 10,000 rows ({len(content):,d} bytes CSV): preview {preview:,.0f} ms, commit {commit:,.0f} ms")
    finally:
        big.stop()
        os.unlink(plan_file)


if __name__ == "__main__":
    main()
