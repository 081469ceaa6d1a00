"""Merge the fresh batch (python merge.py v12,v13,...) into training_data/drafts: raw writers' file, second annotations, decisions, drafts.jsonl."""
import json, sys, subprocess, importlib.util
from pathlib import Path
D = Path("/work/main/training_data/drafts")
F = Path("/work/scratch/fresh")
writers = sys.argv[1].split(",")
spec = importlib.util.spec_from_file_location("convert", D / "convert.py"); conv = importlib.util.module_from_spec(spec); spec.loader.exec_module(conv)
raw = []
for w in writers:
    for l in open(F / f"{w}.jsonl"):
        if l.strip():
            r = json.loads(l); r["split"] = "test"; raw.append(r)
with open(D / "test_fresh.jsonl", "w") as fh:
    for r in raw: fh.write(json.dumps(r, ensure_ascii=False) + "\n")
with open(D / "second_fresh.jsonl", "w") as fh:
    for w in writers:
        for l in open(F / f"second_{w}.jsonl"):
            if l.strip(): fh.write(json.dumps(json.loads(l), ensure_ascii=False) + "\n")
# the adjudicator's decisions (ADJ.md) become verdicts on the writers' findings: add, remove or none
by_id = {r["id"]: r for r in raw}
dec = F / "decisions_raw.jsonl"
with open(D / "fresh_adjudicated.jsonl", "w") as fh:
    for l in (open(dec) if dec.exists() else []):
        if not l.strip():
            continue
        d = json.loads(l)
        has = any(f["code"] == d["code"] for f in by_id[d["id"]]["findings"])
        if d["present"] != has:
            verdict = {"id": d["id"], "code": d["code"], "verdict": "add" if d["present"] else "remove"}
            if d["present"]:
                verdict["quote"] = d["quote"]
            fh.write(json.dumps(verdict, ensure_ascii=False) + "\n")
old = [json.loads(l) for l in open(D / "drafts.jsonl") if l.strip() and json.loads(l)["writer"] not in conv.FRESH_TEST_WRITERS]
allrows = []
for r in old:
    w = {k: r[k] for k in conv.FIELDS}
    w["findings"] = [{"code": f["code"], "quote": f["quote"]} for f in r["findings"]]
    if r["split"] != conv.split_of(r["id"]): w["split"] = r["split"]
    allrows.append(w)
tmp = F / "all.jsonl"
with open(tmp, "w") as fh:
    for r in allrows + raw: fh.write(json.dumps(r, ensure_ascii=False) + "\n")
before = (D / "drafts.jsonl").read_text()
subprocess.run([sys.executable, str(D / "convert.py"), str(tmp), "--adjudicated", str(D / "fresh_adjudicated.jsonl")], check=True)
after = (D / "drafts.jsonl").read_text().splitlines()
n_old = len(old)
assert "\n".join(after[:n_old]) + "\n" == "".join(l + "\n" for l in before.splitlines()[:n_old]), "existing rows changed"
print("ok", len(after))
