#!/usr/bin/env python3
"""The open data catalog seen by the standard clients: ckanapi (CKAN) and frictionless-py.

Usage: bench/opendata_clients.py     (installs ckanapi and frictionless from PyPI if missing)

Starts machi (release build) with a fresh database, publishes two datasets through the staff
pages (one following 公衆トイレ一覧 with a valid CSV), then:
  - ckanapi: package_list, package_search with fq and facets, package_show, organization_list,
    and the NotFound / ValidationError exceptions for a missing dataset and a broken fq;
  - frictionless: `frictionless validate` on the dataset's datapackage.json served by machi.
Exits non-zero if any check fails.
"""
import csv
import io
import json
import os
import re
import subprocess
import sys
import tempfile
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import documents  # noqa: E402

ROOT = documents.ROOT


def need(module, package):
    try:
        __import__(module)
    except ImportError:
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", package], check=True)


def toilet_csv():
    schema = json.load(open(os.path.join(ROOT, "src", "opendata", "schemas", "public_toilet.json"), encoding="utf-8"))
    names = [f["name"] for f in schema["fields"]]
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(names)
    for i in range(20):
        r = {n: "" for n in names}
        r.update({"全国地方公共団体コード": "285854", "ID": f"LL{i:04d}", "名称": "香住駅",
                  "所在地_連結表記": "兵庫県美方郡香美町香住区若松", "設置位置": "駅舎内", "緯度": "35.633", "経度": "134.629"})
        w.writerow([r[n] for n in names])
    return out.getvalue().encode("utf-8")


def main():
    need("ckanapi", "ckanapi")
    need("frictionless", "frictionless==5.21.0")
    from ckanapi import RemoteCKAN
    from ckanapi.errors import NotFound, ValidationError

    subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
    m = documents.Machi()
    ok = True

    def check(label, cond):
        nonlocal ok
        print(("ok   " if cond else "FAIL ") + label)
        ok = ok and cond

    try:
        m.sign_in()
        for name, title, standard in [("toilets", "公衆トイレ一覧", "public_toilet"), ("aed", "AED設置箇所", "")]:
            m.get("/staff/opendata/new")
            body = m.post("/staff/opendata", {"name": name, "title": title, "license_id": "cc-by",
                                              "department": "企画課", "standard": standard, "version": "0"})
            did = re.findall(rb"/staff/opendata/([0-9a-f-]{36})", body)[0].decode()
            m.get(f"/staff/opendata/{did}")
            m.post_file(f"/staff/opendata/{did}/resources", f"{name}.csv", toilet_csv())
            m.get(f"/staff/opendata/{did}")
            m.post(f"/staff/opendata/{did}/publish", {})
        ck = RemoteCKAN(m.base, user_agent="machi-check")
        check("ckanapi package_list", ck.action.package_list() == ["aed", "toilets"])
        r = ck.action.package_search(q="トイレ", fq="organization:企画課", rows=10, **{"facet.field": '["res_format"]'})
        check("ckanapi package_search with fq and facets",
              r["count"] == 1 and r["results"][0]["name"] == "toilets"
              and r["search_facets"]["res_format"]["items"][0]["name"] == "CSV")
        p = ck.action.package_show(id="toilets")
        check("ckanapi package_show", p["organization"]["title"] == "企画課" and "自治体標準ODS" in [t["name"] for t in p["tags"]])
        check("ckanapi organization_list", ck.action.organization_list(all_fields=True)[0]["package_count"] == 2)
        try:
            ck.action.package_show(id="nothing")
            check("ckanapi NotFound", False)
        except NotFound:
            check("ckanapi NotFound", True)
        try:
            ck.action.package_search(fq="metadata_modified:[2024 TO")
            check("ckanapi ValidationError", False)
        except ValidationError:
            check("ckanapi ValidationError", True)
        work = tempfile.mkdtemp(prefix="machi-dp-")
        with open(os.path.join(work, "datapackage.json"), "wb") as f:
            f.write(urllib.request.urlopen(m.base + "/opendata/datasets/toilets/datapackage.json").read())
        fr = subprocess.run([sys.executable, "-m", "frictionless", "validate", "datapackage.json", "--json"],
                            cwd=work, capture_output=True, text=True)
        report = json.loads(fr.stdout)
        check("frictionless validate datapackage.json", report["valid"] and report["tasks"][0]["stats"]["rows"] == 20)
    finally:
        m.stop()
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
