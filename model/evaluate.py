"""Scores that say how well a model reads feelings: macro-F1 first, per label always."""

import numpy as np
from sklearn.metrics import confusion_matrix, precision_recall_fscore_support

from .labels import LABELS

__all__ = ["evaluate", "scores_of", "format_report"]


def scores_of(y_true, y_pred):
    """Macro-F1, accuracy, per-label precision/recall/F1/support and the confusion matrix.

    >>> s = scores_of(["angry", "neutral"], ["angry", "angry"])
    >>> s["accuracy"], s["per_label"]["angry"]["precision"]
    (0.5, 0.5)
    """
    labels = list(LABELS)
    p, r, f, support = precision_recall_fscore_support(y_true, y_pred, labels=labels, zero_division=0)
    present = support > 0  # macro over the labels the data has
    return {
        "n": len(y_true),
        "macro_f1": round(float(f[present].mean()) if present.any() else 0.0, 4),
        "accuracy": round(float(np.mean(np.asarray(y_true) == np.asarray(y_pred))), 4),
        "labels": labels,
        "per_label": {
            lab: {"precision": round(float(p[i]), 4), "recall": round(float(r[i]), 4),
                  "f1": round(float(f[i]), 4), "support": int(support[i])}
            for i, lab in enumerate(labels)
        },
        "confusion": confusion_matrix(y_true, y_pred, labels=labels).tolist(),
    }


def evaluate(model, texts, labels, batch_size=2048):
    """Score ``model`` on labelled ``texts``; see :func:`scores_of`."""
    preds = []
    for i in range(0, len(texts), batch_size):
        preds += [r["label"] for r in model.analyze_batch(texts[i : i + batch_size])]
    return scores_of(labels, preds)


def format_report(s):
    """A plain-text report of :func:`scores_of` output, for the terminal."""
    w = max(len(x) for x in s["labels"])
    lines = [f"n={s['n']}  macro-F1={s['macro_f1']:.3f}  accuracy={s['accuracy']:.3f}", "",
             f"{'label':<{w}}  precision  recall     f1  support"]
    for lab in s["labels"]:
        m = s["per_label"][lab]
        lines.append(f"{lab:<{w}}  {m['precision']:9.3f}  {m['recall']:6.3f}  {m['f1']:5.3f}  {m['support']:7d}")
    short = [lab[:5] for lab in s["labels"]]
    lines += ["", "confusion (rows: true, columns: predicted)", " " * (w + 2) + " ".join(f"{x:>5}" for x in short)]
    for lab, row in zip(s["labels"], s["confusion"]):
        lines.append(f"{lab:<{w}}  " + " ".join(f"{v:5d}" for v in row))
    return "\n".join(lines)
