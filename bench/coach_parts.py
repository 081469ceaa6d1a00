"""The reply coach on each part of the test split, as one Markdown table (docs/coach.md, "How well it does").

    python bench/coach_parts.py

Parts: the whole split, the drafts split by hash (writers v1–v6, seen during the coach's first
rounds) and each fresh batch (training_data/drafts/fresh/README.md). Bold: below the bar of
precision 0.85 and recall 0.75, or fewer than 95 % of clean drafts left alone.
"""

import json
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from render import COACH_BAR  # noqa: E402  (the bar benchmarks.md judges by)
PARTS = [("whole test split", None), ("split by hash", "v1,v2,v3,v4,v5,v6"),
         ("fresh batch 1", "v12,v13,v14,v15,v16,v17"), ("fresh batch 2", "v23,v24,v25,v26"),
         ("fresh batch 3", "v31,v32,v33,v34"), ("fresh batch 4", "v39,v40,v41,v42"),
         ("fresh batch 5", "v43,v44,v45,v46"), ("fresh batch 6", "v47,v48,v49,v50"),
         ("fresh batch 7", "v57,v58,v59,v60"), ("fresh batch 8", "v67,v68,v69,v70"),
         ("fresh batch 9", "v72,v73,v74,v75"), ("fresh batch 10", "v76,v77,v78,v79"),
         ("fresh batch 11", "v80,v81,v82,v83"), ("fresh batch 12", "v84,v85,v86,v87"),
         ("fresh batch 13", "v94,v95,v96,v97")]


def _bench(writers):
    args = [sys.executable, str(HERE / "coach_bench.py"), "--json", "--skip-speed"]
    return json.loads(subprocess.check_output(args + (["--writers", writers] if writers else [])))


def _cell(p, r):
    if p is None or r is None:
        return "–"
    text = f"{p:.3f} / {r:.3f}"
    return f"**{text}**" if p < COACH_BAR[0] or r < COACH_BAR[1] else text


def main():
    results = [(name, res) for name, writers in PARTS if (res := _bench(writers))["drafts"]]
    print("| code | " + " | ".join(f"{name} ({res['drafts']})" for name, res in results) + " |")
    print("|---|" + "---|" * len(results))
    for code in results[0][1]["codes"]:
        if code != "clean":
            print(f"| {code} | " + " | ".join(_cell(res["codes"][code]["precision"], res["codes"][code]["recall"])
                                           for _, res in results) + " |")
    cells = []
    for _, res in results:
        c = res["codes"]["clean"]
        text = f"{c['share'] * 100:.1f} % ({c['no_finding']} / {c['n']})"
        cells.append(f"**{text}**" if c["share"] < 0.95 else text)
    print("| clean drafts with no finding | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
