#!/usr/bin/env bash
# Imports a day's terminal file and a month's コンビニ file of N rows each into a fresh SQLite
# town and prints the time machi reports (checking, matching and writing, all in one
# transaction). Usage: bench/receipts/run.sh [N]   (default 10000)
set -euo pipefail
cd "$(dirname "$0")/../.."
n="${1:-10000}"
dir="$(mktemp -d)"
trap 'rm -rf "$dir"' EXIT
python3 - "$n" "$dir" <<'PY'
import sys, random
n, d = int(sys.argv[1]), sys.argv[2]
random.seed(7)
brands = ["VISA", "JCB", "Suica", "iD", "PayPay", "d払い"]
with open(f"{d}/terminal.csv", "w", encoding="utf-8") as f:
    f.write("取引日,取引時刻,端末名,伝票番号,ブランド,取引区分,金額,元伝票番号\n")
    for i in range(n):
        f.write(f"2025/06/02,{9 + i * 8 // n:02d}{i % 60:02d}00,窓口{i % 4 + 1},{i:06d},{random.choice(brands)},売上,{random.choice([300, 450, 750])},\n")
with open(f"{d}/cvs.csv", "w", encoding="utf-8") as f:
    f.write("収納日,収納時刻,受付番号,区分,金額\n")
    for i in range(n):
        f.write(f"2025/06/{i % 28 + 1:02d},1200,CVS-{i:07d},速報,{random.randint(1, 500) * 100}\n")
PY
machi=target/release/machi
[ -x "$machi" ] || cargo build --release --quiet
echo "terminal, $n rows:";  "$machi" --data-dir "$dir/data" receipts import --kind terminal "$dir/terminal.csv"
echo "same file again:";    "$machi" --data-dir "$dir/data" receipts import --kind terminal "$dir/terminal.csv"
echo "コンビニ, $n rows:";  "$machi" --data-dir "$dir/data" receipts import --kind convenience_store "$dir/cvs.csv"
