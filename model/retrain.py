"""Retraining from agents' corrections: hold some out, fine-tune, judge, save, promote.

One correction in five (chosen by a hash of its text, so the same ones every run) is held out
and never trained on: the candidate must read those better than the current model does, which
is the evidence that the corrections taught it something. On our held-out messages (test split
and independent hold-out) it may lose at most :data:`TOLERANCE` macro-F1. A candidate that
passes is written to a new version folder and promoted; see :mod:`model.registry`.

``ATTUNE_RETRAIN_PAUSE=<point>:<seconds>`` makes a run sleep at a named point (``trained``,
``saving``, ``saved``, ``promoted``): the crash tests kill it there.
"""

import hashlib
import os
import sys
import time
from collections import namedtuple
from pathlib import Path

from . import registry
from .artifact import DEFAULT_DIR, load, read_manifest
from .data import read_held_out, read_training_data
from .errors import ModelError
from .evaluate import evaluate
from .finetune import finetune
from .train import balanced_weights

__all__ = ["TOLERANCE", "CORRECTION_WEIGHT", "HOLD_OUT_EVERY", "is_held_out", "split_feedback", "judge",
           "retrain", "Outcome"]

TOLERANCE = 0.01  # macro-F1 the candidate may lose on our held-out messages
CORRECTION_WEIGHT = 4.0  # a correction counts as much as four training messages: an agent chose it
HOLD_OUT_EVERY = 5  # one correction in five judges the candidate

#: What a run did: ``promoted`` (bool), ``version``, the ``scores`` compared, ``reason`` and ``advice``.
Outcome = namedtuple("Outcome", "promoted version scores reason advice")


def is_held_out(text):
    """Whether a correction is held out: a fixed one in :data:`HOLD_OUT_EVERY`, by a hash of its text."""
    digest = hashlib.sha256(" ".join(text.lower().split()).encode("utf-8")).digest()
    return int.from_bytes(digest[:4], "big") % HOLD_OUT_EVERY == 0


def split_feedback(rows):
    """``(train, held_out)`` lists of ``(text, label)`` from feedback rows (dicts with text, label)."""
    train, held = [], []
    for row in rows:
        (held if is_held_out(row["text"]) else train).append((row["text"], row["label"]))
    return train, held


def _pause(point):
    """The crash tests' hook: sleep at ``point`` when ATTUNE_RETRAIN_PAUSE names it."""
    spec = os.environ.get("ATTUNE_RETRAIN_PAUSE", "")
    name, _, seconds = spec.partition(":")
    if name == point:
        print(f"paused at {point}", file=sys.stderr, flush=True)
        time.sleep(float(seconds or 30))


def _base(root, current):
    """The model to fine-tune and how to name it: the current model's own base when it was fine-tuned.

    Starting from the same base every time, with all corrections, means corrections are not
    counted twice and retraining again gives the same model, not a drift.
    """
    ref = read_manifest(current.path).get("fine_tuned_from", {}).get("artifact")
    if ref:
        path = DEFAULT_DIR if ref == registry.SHIPPED else Path(root) / ref
        try:
            return load(path), ref
        except ModelError as exc:
            raise ModelError(f"the current model was fine-tuned from {ref}, which cannot be loaded ({exc}); "
                             f"roll back with `attune retrain --rollback`") from exc
    return load(current.path), current.name


def judge(candidate, current, held_out, corrections, tolerance=TOLERANCE):
    """Compare two models; return ``(ok, scores, reason, advice)``.

    ``held_out``: (texts, labels) of our held-out messages; ``corrections``: held-out corrections
    as (text, label) pairs. With none held out, the candidate must simply not score lower.
    """
    new, old = evaluate(candidate, *held_out), evaluate(current, *held_out)
    scores = {"held_out": {"n": new["n"], "candidate": new["macro_f1"], "current": old["macro_f1"]},
              "candidate_scores": new}
    drop = old["macro_f1"] - new["macro_f1"]
    if corrections:
        texts, labels = [t for t, _ in corrections], [y for _, y in corrections]
        right = {name: sum(r["label"] == y for r, y in zip(m.analyze_batch(texts), labels))
                 for name, m in (("candidate", candidate), ("current", current))}
        scores["corrections"] = {"n": len(texts), **right}
        # Better on them, or as good when there was nothing left to learn there.
        if not (right["candidate"] > right["current"] or right["candidate"] == right["current"] == len(texts)):
            return False, scores, "the candidate does not read the held-out corrections better than the current model", (
                "add more corrections of the same kind (each pattern needs a few dozen), check they are "
                "labelled consistently with `attune feedback list`, then run `attune retrain` again")
    elif drop > 1e-9:
        return False, scores, "too few corrections to hold any out, and the candidate scores lower", (
            "collect more corrections (one in five is held out to judge the candidate), then retrain")
    if drop > tolerance + 1e-9:
        return False, scores, f"the candidate loses {drop:.3f} macro-F1 on our held-out messages (allowed {tolerance})", (
            "some corrections may contradict the training data: review them with `attune feedback list`, "
            "remove wrong ones with `attune feedback purge --id ID`, then retrain")
    return True, scores, None, None


def retrain(root, feedback_rows, data_dir=None, tolerance=TOLERANCE, echo=print):
    """Fine-tune on our training messages and the corrections, judge, and promote if it passes.

    Holds ``root``'s lock throughout and first removes folders left by killed runs. Returns an
    :data:`Outcome`; raises :class:`ModelError` when there is nothing to do or another run is going.
    """
    with registry.locked(root):
        for name in registry.clean_partial(root):
            echo(f"removed {name}, left by an interrupted run")
        current = registry.resolve(root)
        if current.note:
            echo(f"warning: {current.note}")
        base, base_ref = _base(root, current)
        train_fb, held_fb = split_feedback(feedback_rows)
        rows = read_training_data(data_dir, split="train")
        texts = [r["text"] for r in rows] + [t for t, _ in train_fb]
        labels = [r["label"] for r in rows] + [y for _, y in train_fb]
        weights = balanced_weights(labels, len(labels))
        weights[len(rows):] *= CORRECTION_WEIGHT
        params = base.manifest.get("params", {})
        # The pull towards the base is as strong, per message, as the base's own regulariser was.
        C = params.get("C", 4.0) * min(1.0, len(rows) / max(base.manifest.get("n_train", len(rows)), 1))
        echo(f"fine-tuning {base.version} on {len(rows)} messages + {len(train_fb)} corrections "
             f"({len(held_fb)} held out to judge it)")
        version = registry.new_version()
        manifest = dict(base.manifest, fine_tuned_from={"version": base.version, "artifact": base_ref},
                        n_extra=len(train_fb), feedback={"trained": len(train_fb), "held_out": len(held_fb),
                                                         "last_id": max((r["id"] for r in feedback_rows), default=None)})
        candidate = finetune(base, texts, labels, weights, C=C, version=version, manifest=manifest)
        _pause("trained")
        current_model = base if base_ref == current.name else load(current.path)
        ok, scores, reason, advice = judge(candidate, current_model, read_held_out(data_dir), held_fb, tolerance)
        # The base's scores would describe another model: keep only what was measured on this one.
        candidate.manifest["scores"] = {"held_out": scores.pop("candidate_scores")}
        candidate.manifest["gate"] = scores
        if not ok:
            return Outcome(False, version, scores, reason, advice)
        partial = registry.partial_dir(root, version)
        _pause("saving")
        candidate.save(partial)
        _pause("saved")
        registry.promote(root, registry.commit(partial))
        _pause("promoted")
        return Outcome(True, version, scores, None, None)
