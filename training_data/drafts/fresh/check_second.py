"""Validate a second annotator's file against the blind input it answers.

    python training_data/drafts/fresh/check_second.py WRITERS.jsonl SECOND.jsonl   # or the blind copy the annotator got
"""

import json
import sys

from check import finding_errors


def main(blind_path, second_path):
    given = {r["id"]: r for r in map(json.loads, filter(str.strip, open(blind_path, encoding="utf-8")))}
    done, errs = set(), []
    for i, line in enumerate(filter(str.strip, open(second_path, encoding="utf-8")), 1):
        try:
            r = json.loads(line)
        except ValueError:
            errs.append(f"line {i}: bad JSON")
            continue
        rid = r.get("id")
        if rid not in given:
            errs.append(f"line {i}: unknown id {rid}")
            continue
        if rid in done:
            errs.append(f"{rid}: twice")
        done.add(rid)
        errs += finding_errors(rid, given[rid]["customer_label"], given[rid]["draft"], r.get("findings", []))[0]
    if set(given) - done:
        errs.append(f"missing ids: {sorted(set(given) - done)}")
    print("\n".join(errs) or "no errors")
    print(f"{len(done)}/{len(given)} annotated")


if __name__ == "__main__":
    main(*sys.argv[1:3])
