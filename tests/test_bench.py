"""The benchmark scripts measure what they say: the batch endpoint as the extension calls it, a
missing peer reported rather than fatal, and a page (and README figures) written from one run."""

import json
import re
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[1] / "bench"
sys.path.insert(0, str(BENCH))

import load  # noqa: E402
import peers  # noqa: E402
import render  # noqa: E402
import systems  # noqa: E402


def test_load_sends_batches_the_server_answers_in_full(client):
    bodies = load.request_bodies("/v1/analyze/batch", 10)
    for body in bodies:
        resp = client.post("/v1/analyze/batch", data=body, content_type="application/json")
        assert load._ok("/v1/analyze/batch", resp.status_code, resp.data, 10)
        assert len(resp.get_json()["results"]) == 10
    # an answer with an item error is not counted as a success
    bad = json.dumps({"results": [{"id": "m0", "error": {"code": "empty_text"}}] * 10})
    assert not load._ok("/v1/analyze/batch", 200, bad, 10)


def test_a_peer_that_is_not_installed_is_reported_not_fatal():
    class Ghost(systems.System):
        name = "Ghost"
        packages = ("no_such_package_for_attune_bench",)

    entry = peers.run_system(Ghost, {}, None, [])
    assert entry == {"name": "Ghost", "status": "not installed (no_such_package_for_attune_bench)"}


def test_nrclex_counts_map_to_our_labels():
    nrc = systems.NrcLex.__new__(systems.NrcLex)
    nrc.lexicon = {"furious": ["anger", "negative"], "thanks": ["joy", "positive"], "worried": ["fear", "negative"]}
    assert nrc.predict(["I am FURIOUS", "thanks!", "worried and furious", "ok"])[:2] == ["angry", "grateful"]
    assert nrc.predict(["ok"]) == ["neutral"]
    assert nrc.predict_polarity(["thanks", "worried", "ok"]) == ["positive", "negative", "neutral"]


def _results():
    def system(name, f1, rate, seven=True):
        acc = {"written test split": {"macro_f1": f1 if seven else None, "polarity_macro_f1": f1,
                                      "per_label": {lab: f1 for lab in systems.LABELS} if seven else None}}
        return {"name": name, "status": "ok", "version": "v", "note": "", "seven": seven, "accuracy": acc,
                "speed": {"texts_per_s": rate, "batch_texts": 10, "batch_mean_chars": 100,
                          "single_median_ms": 1.25, "single_p95_ms": 2.0}, "size_bytes": 2**20}

    classify = {"rows": 200000, "jobs": 2, "seconds": 10.0, "rows_per_s": 20000, "cpu_s": 20.0,
                "cpu_ms_per_row": 0.1, "main_core_pct_per_10k": 2.0, "load_avg_end": 1.0, "main_cpu_s": 0.4,
                "worker_cpu_s": [9.8, 9.8],
                "peak_rss_mb": {"tree": 300, "main": 50, "worker": 120}, "tree_rss_10_50_90_mb": [1, 2, 3]}
    return {
        "date": "2026-12-04 15:00 UTC", "seconds": 600, "args": {"rows": 200000, "load_seconds": 15},
        "machine": {"cpu": "cpu", "cores": 2, "memory_gb": 24, "os": "linux", "python": "3.11", "commit": "abc",
                    "load_start": [1, 1, 1], "load_end": [2, 2, 2]},
        "versions": {"numpy": "2"},
        "peers": {"sets": {"written test split": {"n": 10, "note": "ours", "labels": {"angry": 10}}},
                  "training": {"full": ["ours"], "embedding": ["ours"]},
                  "systems": [system("Attune", 0.9, 10000.0), system("VADER", 0.4, 5000.0, seven=False),
                              {"name": "NRCLex", "status": "not installed (nrclex)"}]},
        "cold": {"Attune": {"seconds": 1.0, "peak_rss_mb": 100}},
        "server": [{"clients": 1, "requests": 10, "throughput": 1.0, "texts_per_s": 10.0, "p50_ms": 1, "p95_ms": 2,
                    "p99_ms": 3, "errors": 0, "server_cpu_ms_per_request": 1, "rss_before_mb": 1, "rss_after_mb": 1}],
        "classify": [classify], "extension": {"skipped": "no Chromium"},
        "retrain": {"rows": 5000, "seconds": 12.9, "exit": 0, "said": ["promoted v2"], "load_avg_end": 1.0},
        "coach": {"full": {"drafts": 30, "speed": {"calls": 2000, "median_ms": 1.5, "p95_ms": 3.0}, "codes": {
            "blame": {"tp": 8, "fp": 1, "fn": 2, "precision": 8 / 9, "recall": 0.8},
            "jargon": {"tp": 6, "fp": 0, "fn": 4, "precision": 1.0, "recall": 0.6},
            "clean": {"n": 20, "no_finding": 19, "share": 0.95}}}},
    }


def test_the_page_and_the_readme_come_from_one_run(tmp_path):
    page, readme = tmp_path / "benchmarks.md", tmp_path / "README.md"
    readme.write_text(f"# x\n\nbefore\n{render.README_START}\nold 0.111 figure\n{render.README_END}\nafter\n")
    render.write(_results(), page, readme)
    text = page.read_text()
    assert "2026-12-04 15:00 UTC" in text and "| NRCLex | not installed (nrclex)" in text
    assert "**0.900**" in text  # the best macro-F1 of the column is marked
    assert "| 2 | 10.0 s | **20,000** |" in text and "| 300 / 50 MB / 120 MB |" in text
    new = readme.read_text()
    assert "0.111" not in new and "**0.900**" in new and new.startswith("# x\n\nbefore\n") and new.endswith("after\n")
    block = new.split(render.README_START)[1].split(render.README_END)[0]
    figures = re.findall(r"\d[\d,.]*\d|\d", block.replace("(model `", "").replace("2026-12-04 15:00 UTC", ""))
    # every README figure is on the page, as written there
    assert figures and all(re.search(rf"(?<![\d.,]){re.escape(f)}(?![\d])", text) for f in figures), figures



def test_the_page_is_written_whole_with_no_hand_kept_tail(tmp_path):
    page, readme = tmp_path / "benchmarks.md", tmp_path / "README.md"
    readme.write_text("# x\n")
    page.write_text("# Benchmarks\n\n<!-- Below: kept -->\n### Third session, 2026-11-22\nold figure 1,523\n")
    render.write(_results(), page, readme)
    text = page.read_text()
    assert "Third session" not in text and "1,523" not in text
    assert "**12.9 s** wall" in text and "promoted v2" in text  # retrain_bench.py's result
    assert "| blame | 10 | **0.889** | **0.800** |" in text and "| jargon | 10 | **1.000** | 0.600 |" in text
    assert "**recall not met**" in text and "1 of 2 codes meet the bar" in text and "median 1.50 ms" in text
    assert text.count("## Browser extension") == 1
