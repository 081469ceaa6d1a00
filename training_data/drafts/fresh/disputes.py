"""List where a writer and the second annotator disagree (ADJ.md's input): one line per draft and code.

    python training_data/drafts/fresh/disputes.py v12,v14,...   # writes fresh/disputes.jsonl
"""

import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _rows(path):
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def main(writers):
    n = 0
    with open(HERE / "disputes.jsonl", "w", encoding="utf-8") as out:
        for w in writers:
            first = {r["id"]: r for r in _rows(HERE / f"{w}.jsonl")}
            for s in _rows(HERE / f"second_{w}.jsonl"):
                r = first[s["id"]]
                a = {f["code"]: f["quote"] for f in r["findings"]}
                b = {f["code"]: f["quote"] for f in s["findings"]}
                for code in sorted(set(a) ^ set(b)):
                    out.write(json.dumps({"id": r["id"], "customer": r["customer"], "customer_label": r["customer_label"],
                                          "draft": r["draft"], "code": code, "A": code in a, "B": code in b,
                                          "quote_A": a.get(code), "quote_B": b.get(code)}, ensure_ascii=False) + "\n")
                    n += 1
    print(n, "disputes")


if __name__ == "__main__":
    main(sys.argv[1].split(","))
