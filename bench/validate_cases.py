#!/usr/bin/env python3
"""machi's CSV validator beside frictionless-py, case by case.

Usage:
  bench/validate_cases.py write     writes the cases into tests/fixtures/validate/<case>/
                                    (data.csv, schema.json) and records what frictionless-py 5.21
                                    finds in each (frictionless.json: [type, row, field] sorted)
  bench/validate_cases.py compare   runs machi (target/release/machi) on every case and lists the
                                    cases where its findings differ from frictionless's; machi's own
                                    checks (its "checks" list) are printed separately

The recorded findings are what the integration test `opendata_validate_agrees_with_frictionless`
compares machi against, so the test needs no Python. Rerun `write` after changing a case, with
frictionless installed (`pip install frictionless==5.21.0`).

The cases cover every error type frictionless reports on a CSV, each fieldsMatch mode with a
missing, an extra and a reordered column, blank header cells, blank and empty lines (LF and CRLF),
lenient date/time/number forms, full-width digits, Shift_JIS whose first 100 KB are ASCII, a BOM,
quoted line breaks, and real layouts of the 自治体標準オープンデータセット (current and old).
"""
import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CASES = os.path.join(ROOT, "tests", "fixtures", "validate")
BIN = os.path.join(ROOT, "target", "release", "machi")


def schema(fields, **extra):
    out = {"fields": [f if isinstance(f, dict) else {"name": f, "type": "string"} for f in fields]}
    out.update(extra)
    return out


def cases():
    abcd = ["a", "b", "c", "d"]
    rows = "1,2,3,4\n5,6,7,8\n"
    out = {}
    # fieldsMatch: each mode with the file missing a column, with an extra one, reordered.
    variants = {
        "missing": "a,c,d\n1,3,4\n",
        "extra": "a,b,c,d,e\n1,2,3,4,5\n",
        "reordered": "a,c,b,d\n1,3,2,4\n",
        "missing-and-extra": "a,b,x,d\n1,2,9,4\n",
        "none-match": "x,y\n1,2\n",
    }
    for mode in ["exact", "equal", "subset", "superset", "partial"]:
        for name, data in variants.items():
            out[f"fields-match-{mode}-{name}"] = (data, schema(abcd, fieldsMatch=mode))
    out["labels-blank"] = ("a,,c,d\n1,2,3,4\n", schema(abcd))
    out["labels-blank-superset"] = ("a,,c,d\n1,2,3,4\n", schema(abcd, fieldsMatch="superset"))
    out["labels-duplicate"] = ("a,b,b,d\n1,2,3,4\n", schema(abcd))
    out["labels-only-header"] = ("a,b,c,d\n", schema(abcd))
    out["cells-extra-missing"] = ("a,b,c,d\n1,2,3,4,5\n1,2\n1,2,3,4\n", schema(abcd))
    req = schema([{"name": "a", "type": "integer", "constraints": {"required": True}}, "b",
                  {"name": "c", "type": "string", "constraints": {"required": True}}, "d"])
    out["required-missing-value-and-cell"] = ("a,b,c,d\n,2,,4\n1,2\n1,2,3,4\n", req)
    out["blank-lines-lf"] = ("a,b,c,d\n1,2,3,4\n\n5,6,7,8\n,,,\n\n\n9,9,9,9\n\n", schema(abcd))
    out["blank-lines-crlf"] = ("a,b,c,d\r\n1,2,3,4\r\n\r\n5,6,7,8\r\n,,,\r\n9,9,9,9\r\n\r\n", schema(abcd))
    out["blank-lines-after-header"] = ("a,b,c,d\n\n1,2,3,4\n", schema(abcd))
    out["quoted-line-breaks"] = ('a,b,c,d\n1,"two\nlines",3,4\n5,"x\r\ny",7,8\n9,9,9,x\n',
                                 schema(abcd[:3] + [{"name": "d", "type": "integer"}]))
    types = schema([
        {"name": "t", "type": "time"}, {"name": "tm", "type": "time", "format": "%H:%M"},
        {"name": "d", "type": "date"}, {"name": "dt", "type": "datetime"},
        {"name": "y", "type": "year"}, {"name": "ym", "type": "yearmonth"},
        {"name": "b", "type": "boolean"}, {"name": "i", "type": "integer"}, {"name": "n", "type": "number"},
    ])
    out["types-lenient-and-strict"] = (
        "t,tm,d,dt,y,ym,b,i,n\n"
        "10:00:00,0:00,2023-4-1,2023-01-01T10:00:00,2023,2023-1,true,+5,1.5\n"
        "9:00:00,9:00,2023-04-01,2023-01-01 10:00:00,23,2023-01,yes,1.0,NaN\n"
        "10:00,9:5,2023-4-31,2023-01-01T10:00,02023,202301,TRUE,0x1,\"1,000\"\n"
        "10:00:00Z,24:00,2023/4/1,2023-01-01T10:00:00+09:00,-001,2023-13,1,-0,1e3\n"
        "23:59:59.5,09:00:00,2023-13-01,2023-01-01T25:00:00,+999,+2023-1,0, 7 ,.5\n"
        "10:00:00+09:00, 9:00,2023-1-1 ,2023-01-01T10:00:00Z,2023, 2023-1 ,False,1_000,1_000\n"
        "24:00:00,9:00 ,0023-01-01,20230101T100000,9999,2023-00,false,３,-inf\n"
        "10:60:00,19:59,2023-02-29,2024-02-29T23:59:59,0000,2023-12,f,-,.\n",
        types)
    cons = schema([
        {"name": "id", "type": "string", "constraints": {"unique": True, "pattern": "[A-Z]{2}[0-9]{3}"}},
        {"name": "kind", "type": "string", "constraints": {"enum": ["有", "無"]}},
        {"name": "n", "type": "integer", "constraints": {"minimum": 0, "maximum": 10}},
        {"name": "lat", "type": "number", "constraints": {"minimum": 20, "maximum": 46}},
        {"name": "name", "type": "string", "constraints": {"minLength": 2, "maxLength": 5}},
    ], primaryKey=["id"])
    out["constraints"] = (
        "id,kind,n,lat,name\nAB001,有,1,35.5,香美町\nAB001,あり,11,135.6,香\nab002,無,-1,19.9,香美町香住区\n"
        "AB003,,,,\nAB003,有,5,35,ab\n", cons)
    # Primary keys as Frictionless checks them: a key whose cells all lack a value (blank rows
    # too) is an error, a key field is not required, a value of the wrong type counts as none.
    out["primary-key-empty-and-untyped"] = (
        "id,name,n\nA1,x,1\n,y,2\nA1,z,3\n\n,,\nA4\nA5,w,十\nA5,w,五\n",
        schema(["id", "name", {"name": "n", "type": "integer"}], primaryKey=["id"]))
    out["primary-key-two-fields"] = (
        "a,b,c\n1,x,p\n1,y,q\n1,x,r\n,,s\n2,十,t\n2,五,u\n",
        schema(["a", {"name": "b", "type": "integer"}, "c"], primaryKey=["a", "b"]))
    out["unique-outside-constraints"] = (
        "id,n\nab1,1\nab1,2\nAB2,3\nAB2,x\n",
        schema([{"name": "id", "type": "string", "constraints": {"unique": True, "pattern": "[A-Z]{2}[0-9]"}},
                {"name": "n", "type": "integer", "constraints": {"unique": True}}]))
    code = schema([{"name": "全国地方公共団体コード", "type": "string",
                    "constraints": {"pattern": "\\d{6}"}, "machi:check": "local-government-code"},
                   {"name": "名称", "type": "string"}])
    out["codes-full-width-and-check-digit"] = (
        "全国地方公共団体コード,名称\n285854,香美町\n２８５８５４,全角\n285855,検査数字\n28585,5桁\n", code)
    # The bundled 公衆トイレ schema on a current-layout file with typical faults, and on a file
    # in the layout published before 2021 (column names from the 推奨データセット).
    toilet = json.load(open(os.path.join(ROOT, "src", "opendata", "schemas", "public_toilet.json"), encoding="utf-8"))
    names = [f["name"] for f in toilet["fields"]]
    good = {"全国地方公共団体コード": "285854", "ID": "LL0001", "地方公共団体名": "兵庫県香美町", "名称": "香住駅",
            "所在地_連結表記": "兵庫県美方郡香美町香住区若松", "緯度": "35.633", "経度": "134.629",
            "男性トイレ総数": "3", "女性トイレ総数": "2", "車椅子使用者用トイレ有無": "有",
            "利用開始時間": "06:00", "利用終了時間": "22:00"}
    def toilet_row(**over):
        r = dict(good, **over)
        return ",".join(r.get(n, "") for n in names)
    out["layout-current-public-toilet"] = (
        ",".join(names) + "\n" + toilet_row() + "\n" + toilet_row(ID="LL0002", 緯度="135.6", 経度="35.6") + "\n"
        + toilet_row(ID="LL0001", 車椅子使用者用トイレ有無="あり", 利用開始時間="6時") + "\n"
        + toilet_row(ID="LL0004", 全国地方公共団体コード="２８５８５４", 名称="") + "\n", toilet)
    legacy = json.load(open(os.path.join(ROOT, "src", "opendata", "schemas", "legacy.json"), encoding="utf-8"))
    old = legacy["layouts"]["public_toilet"]["columns"]
    old_row = {"都道府県コード又は市区町村コード": "285854", "NO": "1", "都道府県名": "兵庫県", "市区町村名": "香美町",
               "名称": "香住駅", "住所": "兵庫県美方郡香美町香住区若松", "緯度": "35.633", "経度": "134.629",
               "利用開始時間": "06:00", "利用終了時間": "22:00"}
    # Every bundled standard: a valid file, and one with typical faults (a duplicate ID, a
    # five-digit code, text in a number column, a blank line, a column left out).
    for key in ["public_toilet", "evacuation_space", "aed", "tourism"]:
        sch = json.load(open(os.path.join(ROOT, "src", "opendata", "schemas", f"{key}.json"), encoding="utf-8"))
        cols = [f["name"] for f in sch["fields"]]

        def value(f, i):
            name, kind = f["name"], f.get("type", "string")
            if "コード" in name and "pattern" in f.get("constraints", {}):
                return "285854"
            if name == "ID":
                return f"A{i:03d}"
            if name == "緯度":
                return "35.633"
            if name == "経度":
                return "134.629"
            if f.get("format") == "uri":
                return f"https://www.town.mikata-kami.lg.jp/{i}.html"
            if f.get("format") == "email":
                return "info@town.mikata-kami.lg.jp"
            enum = f.get("constraints", {}).get("enum")
            if enum:
                return enum[0]
            return {"integer": "1", "number": "1.5", "time": "09:00:00" if f.get("format") is None else "09:00",
                    "date": "2024-04-01", "boolean": "true"}.get(kind, f"{name}{i}")

        rows = [[value(f, i) for f in sch["fields"]] for i in range(1, 4)]
        out[f"standard-{key}-valid"] = ("\n".join(",".join(r) for r in [cols] + rows) + "\n", sch)
        bad = [list(r) for r in rows]
        bad[1][cols.index("ID")] = bad[0][cols.index("ID")]
        bad[2][cols.index("全国地方公共団体コード")] = "28585"
        numeric = [i for i, f in enumerate(sch["fields"]) if f.get("type") in ("integer", "number")]
        if numeric:
            bad[0][numeric[0]] = "約3"
        drop = cols.index("名称")
        lines = [",".join(c for j, c in enumerate(r) if j != drop) for r in [cols] + bad]
        out[f"standard-{key}-faults"] = ("\n".join(lines[:2] + [""] + lines[2:]) + "\n", sch)
    out["layout-old-public-toilet"] = (
        ",".join(old) + "\n" + ",".join(old_row.get(n, "") for n in old) + "\n", toilet)
    return out


def write():
    import frictionless  # noqa: F401  (installed: pip install frictionless==5.21.0)
    for name, (data, sch) in cases().items():
        d = os.path.join(CASES, name)
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, "data.csv"), "w", encoding="utf-8", newline="") as f:
            f.write(data)
        with open(os.path.join(d, "schema.json"), "w", encoding="utf-8") as f:
            json.dump(sch, f, ensure_ascii=False, indent=1)
    # Shift_JIS whose first 100 KB are ASCII: the encoding shows only late.
    d = os.path.join(CASES, "encoding-shift-jis-late")
    os.makedirs(d, exist_ok=True)
    lines = ["id,name"] + [f"{i},ascii{i:06d}" for i in range(9000)] + ["9001,香美町", "9002,香住区"]
    with open(os.path.join(d, "data.csv"), "wb") as f:
        f.write("\r\n".join(lines).encode("shift_jis") + b"\r\n")
    with open(os.path.join(d, "schema.json"), "w", encoding="utf-8") as f:
        json.dump(schema([{"name": "id", "type": "integer"}, "name"]), f, ensure_ascii=False)
    d = os.path.join(CASES, "encoding-utf8-bom")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "data.csv"), "wb") as f:
        f.write("\ufeffid,name\r\n1,香美町\r\nx,香住\r\n".encode("utf-8"))
    with open(os.path.join(d, "schema.json"), "w", encoding="utf-8") as f:
        json.dump(schema([{"name": "id", "type": "integer"}, "name"]), f, ensure_ascii=False)
    for name in sorted(os.listdir(CASES)):
        d = os.path.join(CASES, name)
        found = frictionless_findings(d)
        with open(os.path.join(d, "frictionless.json"), "w", encoding="utf-8") as f:
            json.dump(found, f, ensure_ascii=False)
        print(f"{name}: {len(found)}")


def frictionless_findings(d):
    enc = "shift_jis" if "shift-jis" in d else "utf-8"
    p = subprocess.run([sys.executable, "-m", "frictionless", "validate", "data.csv", "--schema", "schema.json",
                        "--json", "--encoding", enc, "--limit-errors", "100000"], cwd=d, capture_output=True, text=True)
    task = json.loads(p.stdout)["tasks"][0]
    return sorted([e["type"], e.get("rowNumber"), e.get("fieldNumber")] for e in task["errors"])


def compare():
    subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
    same = 0
    names = sorted(os.listdir(CASES))
    for name in names:
        d = os.path.join(CASES, name)
        expected = json.load(open(os.path.join(d, "frictionless.json"), encoding="utf-8"))
        p = subprocess.run([BIN, "opendata", "validate", "data.csv", "--schema", "schema.json", "--json"],
                           cwd=d, capture_output=True, text=True)
        report = json.loads(p.stdout)
        got = sorted([e["type"], e.get("rowNumber"), e.get("fieldNumber")] for e in report["errors"])
        checks = [(c["check"], c.get("rowNumber"), c.get("fieldNumber")) for c in report.get("checks", [])]
        if got == expected:
            same += 1
            print(f"same  {name}" + (f"   machi's own checks: {checks}" if checks else ""))
        else:
            print(f"DIFF  {name}")
            print("      only machi:       ", [e for e in got if e not in expected])
            print("      only frictionless:", [e for e in expected if e not in got])
    print(f"{same} of {len(names)} cases give frictionless's findings")
    return same == len(names)


if __name__ == "__main__":
    what = sys.argv[1] if len(sys.argv) > 1 else "compare"
    if what == "write":
        write()
    else:
        sys.exit(0 if compare() else 1)
