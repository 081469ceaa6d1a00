"""Attune beside its peers on the same data in the same run: accuracy, then speed.

    python bench/peers.py --json bench/out/peers.json            # what run_all.py runs
    python bench/peers.py --full-embedding-train                  # embed every training text

Accuracy: macro-F1 over our seven labels (systems that have them), three-way polarity macro-F1
(every system), per-label F1, on each labelled set that no system trained on. The trainable
baselines learn from the sources in the shipped model's manifest, with the same weights.
Speed: texts/s in a batch and single-text latency, in this process, for every system.
"""

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")  # every system on one thread (torch too: systems.EmbeddingLR)

import argparse  # noqa: E402
import collections  # noqa: E402
import json  # noqa: E402
import random  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))

from systems import PEERS, POLARITIES, ROOT, Attune, polarity, tickets_of_500  # noqa: E402

from attune.model import artifact  # noqa: E402
from attune.model.data import read_labelled, read_training_data  # noqa: E402
from attune.model.evaluate import scores_of  # noqa: E402
from attune.model.labels import LABELS  # noqa: E402
from attune.model.train import balanced_weights  # noqa: E402

SHARED = ROOT.parent / "shared" / "data"
DATA = ROOT / "training_data"  # this checkout's, also when attune is installed (not editable)
REAL = DATA / "real"


def _real_units():
    """training_data/real through its own ``load()`` (None until labels.csv exists)."""
    if not (REAL / "labels.csv").exists():
        return None
    import importlib.util

    spec = importlib.util.spec_from_file_location("real_units", REAL / "units.py")
    units = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(units)
    return units.load()


def eval_sets():
    """{name: (texts, labels, note)} for every labelled set that is here."""
    sets = {}
    test = read_training_data(DATA, split="test")
    sets["written test split"] = ([r["text"] for r in test], [r["label"] for r in test],
                                  "training_data/messages.csv, split=test")
    t, y = read_labelled(DATA / "holdout" / "independent.csv")
    sets["independent hold-out"] = (t, y, "training_data/holdout/independent.csv (another writer)")
    real = _real_units()
    if real is not None:
        rows = [r for r in real if r.get("split") == "test" and r["label"] in LABELS]
        sets["real-text test split"] = ([r["text"] for r in rows], [r["label"] for r in rows],
                                        "training_data/real (CFPB, BANKING77 units), split=test")
    ge = SHARED / "goemotions7" / "test.csv"
    if ge.exists():
        t, y = read_labelled(ge, allow_unknown=True)
        sets["GoEmotions-7 test"] = (t, y, "../shared/data/goemotions7/test.csv (Reddit)")
    return sets


def _source_rows(source):
    """(texts, labels) of one manifest source, found where this checkout keeps it."""
    name, file = source.get("name", ""), source.get("file", "")
    if name == "training_data":
        rows = read_training_data(DATA, split="train")
        return [r["text"] for r in rows], [r["label"] for r in rows]
    if name.startswith("real"):
        rows = [r for r in (_real_units() or []) if r.get("split") == "train"]
        return [r["text"] for r in rows], [r["label"] for r in rows]
    for path in (Path(source.get("path", "")), SHARED / name / file):
        if path.is_file():
            return read_labelled(path, allow_unknown=True)
    return None


def training_data(model_dir=None, cap=None, seed=0):
    """The shipped model's training data and weights (ours = 1, each corpus its manifest weight).

    ``cap``: at most this many rows of each public corpus (a fixed sample; weights unchanged).
    """
    manifest = artifact.read_manifest(model_dir)
    texts, labels, weights, used = [], [], [], []
    ours = None
    for source in manifest.get("sources", []):
        rows = _source_rows(source)
        if rows is None:
            used.append(f"{source.get('name')}: not found here, left out")
            continue
        t, y = rows
        if source.get("name") != "training_data" and cap and len(t) > cap:
            keep = sorted(random.Random(seed).sample(range(len(t)), cap))
            t, y = [t[i] for i in keep], [y[i] for i in keep]
        ours = ours or len(t)
        weights += list(balanced_weights(y, float(source.get("weight", 1.0)) * ours))
        texts += t
        labels += y
        used.append(f"{source.get('name')} {len(t):,} rows, weight {source.get('weight', 1.0):g}")
    return texts, labels, np.asarray(weights), used


def _polarity_scores(truth, predicted):
    from sklearn.metrics import f1_score

    present = [p for p in POLARITIES if p in set(truth)]
    f1 = f1_score(truth, predicted, labels=present, average=None, zero_division=0)
    return round(float(np.mean(f1)), 4), {p: round(float(v), 4) for p, v in zip(present, f1)}


def score(system, sets):
    out = {}
    for name, (texts, labels, _) in sets.items():
        started = time.perf_counter()
        entry = {}
        if system.seven:
            predicted = system.predict(texts)
            s = scores_of(labels, predicted)
            entry.update(macro_f1=s["macro_f1"], accuracy=s["accuracy"],
                         per_label={k: v["f1"] for k, v in s["per_label"].items()})
            pol = polarity(predicted)
        else:
            pol = system.predict_polarity(texts)
        entry["polarity_macro_f1"], entry["polarity_f1"] = _polarity_scores(polarity(labels), pol)
        entry["seconds"] = round(time.perf_counter() - started, 2)
        out[name] = entry
    return out


def speed(system, texts):
    """Texts/s over a batch, and single-text latency (median, p95) on 500-character tickets."""
    batch = texts[: system.batch_sample] if system.batch_sample else texts
    predict = system.predict if system.seven else system.predict_polarity
    kwargs = {"cache": False} if hasattr(system, "embed") else {}
    predict(batch[:32], **kwargs)  # warm up
    started = time.perf_counter()
    predict(batch, **kwargs)
    rate = len(batch) / (time.perf_counter() - started)
    singles, times = tickets_of_500(texts), []
    for i in range(system.single_calls):
        started = time.perf_counter()
        system.analyze_one(singles[i % len(singles)])
        times.append(time.perf_counter() - started)
    times.sort()
    return {"texts_per_s": round(rate, 1), "batch_texts": len(batch),
            "batch_mean_chars": round(sum(map(len, batch)) / len(batch)),
            "single_median_ms": round(statistics.median(times) * 1e3, 3),
            "single_p95_ms": round(times[int(0.95 * (len(times) - 1))] * 1e3, 3), "single_calls": len(times)}


def run_system(cls, sets, train, speed_texts, model_dir=None):
    entry = {"name": cls.name}
    missing = cls.missing()
    if missing:
        return {**entry, "status": f"not installed ({missing})"}
    try:
        system = Attune(model_dir) if cls is Attune else cls()
    except Exception as exc:  # a broken peer install is reported, not fatal
        return {**entry, "status": f"failed to load: {type(exc).__name__}: {exc}"}
    entry.update(status="ok", version=system.version(), note=system.note, seven=system.seven)
    if system.trains:
        started = time.perf_counter()
        system.fit(*train)
        entry["train_seconds"] = round(time.perf_counter() - started, 1)
        system.save()  # for bench/coldstart.py
    entry["accuracy"] = score(system, sets)
    entry["speed"] = speed(system, speed_texts)
    entry["size_bytes"] = system.size_bytes()
    return entry


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", help="model directory (default: the shipped model)")
    ap.add_argument("--json", help="also write the results here")
    ap.add_argument("--embedding-train-cap", type=int, default=6000,
                    help="public-corpus rows the embedding baseline embeds for training (default 6000)")
    ap.add_argument("--full-embedding-train", action="store_true", help="embed every training text")
    ap.add_argument("--only", help="comma-separated system names (default: all)")
    args = ap.parse_args(argv)
    sets = eval_sets()
    full = training_data(args.model)
    capped = full if args.full_embedding_train else training_data(args.model, cap=args.embedding_train_cap)
    speed_texts = sets["written test split"][0]
    results = {"sets": {k: {"n": len(v[0]), "note": v[2],
                            "labels": dict(collections.Counter(v[1]))} for k, v in sets.items()},
               "training": {"full": full[3], "embedding": capped[3]}, "systems": []}
    for cls in (Attune, *PEERS):
        if args.only and cls.name not in args.only.split(","):
            continue
        train = capped[:3] if cls.__name__ == "EmbeddingLR" else full[:3]
        print(f"{cls.name} ...", file=sys.stderr, flush=True)
        results["systems"].append(run_system(cls, sets, train, speed_texts, args.model))
    text = json.dumps(results, indent=1)
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(text)
    print(text)
    return results


if __name__ == "__main__":
    main()
