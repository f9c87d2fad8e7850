#!/usr/bin/env bash
# Scan speed of a whole 例規集: about 1,000 例規 in one zip (the fixtures of
# tests/fixtures/ordinances repeated under different names: ~5.2 million characters, ~57,000
# clauses), scanned by `machi ordinances scan`, beside the plain keyword search a clerk would
# otherwise run (grep -E over the same files with the reference's keywords).
# Usage: bench/ordinances.sh [path/to/machi]   (default: target/release/machi)
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${1:-target/release/machi}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$WORK/reiki"
i=0
while [ $i -lt 1000 ]; do
  for f in tests/fixtures/ordinances/*.txt tests/fixtures/ordinances/holdout*/*.txt tests/fixtures/ordinances/holdout/*.html; do
    [ $i -ge 1000 ] && break
    cp "$f" "$WORK/reiki/$(printf '%04d' $i)-$(basename "$f")"
    i=$((i + 1))
  done
done
(cd "$WORK" && zip -qr reiki.zip reiki)
echo "files: $(ls "$WORK/reiki" | wc -l), characters: $(cat "$WORK"/reiki/* | wc -m), zip: $(du -h "$WORK/reiki.zip" | cut -f1)"
echo "== machi ordinances scan (zip)"
/usr/bin/time -f "%e s, %M KB max RSS" "$BIN" ordinances scan --json "$WORK/reiki.zip" > "$WORK/findings.jsonl" 2> "$WORK/scan.log" || true
tail -2 "$WORK/scan.log"
echo "findings: $(wc -l < "$WORK/findings.jsonl")"
echo "== grep -E with the keywords (lines hit; no 条・項・号, no reasons)"
KW='目視|巡視|巡回|監視|実地|立入|立ち入|臨検|定期|毎年|点検|検査|掲示|標識|見やすい|講習|受講|常駐|専任|専従|置かなければ|閲覧|縦覧|備え付け|備付け|備え置|フロッピー|フレキシブルディスク|磁気ディスク|光ディスク|磁気テープ|シー・ディー・ロム|CD-ROM'
/usr/bin/time -f "%e s, %M KB max RSS" grep -rEc "$KW" "$WORK/reiki" > "$WORK/grep.txt" 2> "$WORK/grep.log" || true
tail -1 "$WORK/grep.log"
echo "lines hit: $(awk -F: '{s+=$2} END {print s}' "$WORK/grep.txt")"
echo "== machi ordinances import + rescan (the .txt files, each title made distinct: one 例規 each)"
mkdir -p "$WORK/distinct"
for f in "$WORK"/reiki/*.txt; do
  n=$(basename "$f" | cut -c1-4)
  awk -v n="$n" '/^# /{print; next} !done && NF {print $0 " その" n; done=1; next} {print}' "$f" > "$WORK/distinct/$(basename "$f")"
done
export MACHI_DATA_DIR="$WORK/data"
/usr/bin/time -f "%e s, %M KB max RSS" "$BIN" ordinances import "$WORK/distinct" > /dev/null 2> "$WORK/import.log" || true
tail -2 "$WORK/import.log"
/usr/bin/time -f "%e s, %M KB max RSS" "$BIN" ordinances rescan > /dev/null 2> "$WORK/rescan.log" || true
tail -2 "$WORK/rescan.log"
