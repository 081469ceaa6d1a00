"""The runtime file, ``attune-runtime.npz``: a :class:`~model.runtime.Runtime` as plain arrays and UTF-8 text.

Read with ``allow_pickle=False``: loading a model to serve it unpickles nothing.
"""

import json

import numpy as np

from .errors import CorruptModel
from .labels import LABELS
from .runtime import RUNTIME_FORMAT, Runtime
from .text import Encoder
from .tokens import token_pattern, use_token_pattern

__all__ = ["save_runtime", "read_runtime"]


def save_runtime(rt, f):
    """Write ``rt`` to the open binary file ``f`` as an ``.npz`` of plain arrays (no pickle)."""
    if rt.fast is None:
        raise ValueError("only a compiled runtime can be saved")
    enc, fast = rt.encoder, rt.fast
    gate = fast["gate"]
    meta = {
        # A model with per-source class offsets is format 2: an Attune that predates them refuses it
        # rather than predict without them.
        "format": RUNTIME_FORMAT + (fast.get("source_bias") is not None), "version": rt.version, "labels": list(LABELS),
        "word_ngrams": enc.word_ngrams, "char_ngram_range": enc.char_ngram_range, "negation": enc.negation,
        "char_weight": enc.char_weight, "style_weight": rt.style_weight, "beta": fast["beta"],
        "gate": None if gate is None else {"bias": np.asarray(gate[2]).tolist(), "sharpness": gate[3]},
        "token_pattern": token_pattern().pattern,
    }
    arrays = {
        "meta": _utf8(json.dumps(meta)), "idf": enc.idf, "style_scale": rt.style_scale, "pushes": rt.pushes,
        "style": fast["style"], "intercept": fast["intercept"],
        # Terms in id order, one per line: no term contains a newline (tokens never do).
        "words": _utf8("\n".join(_in_id_order(enc.word_vocabulary))),
        "chars": _utf8("\n".join(_in_id_order(enc.char_vocabulary))),
    }
    if gate is not None:
        arrays["gate_text"], arrays["gate_style"] = gate[0], gate[1]
    if fast.get("source_bias") is not None:
        arrays["source_bias"] = fast["source_bias"]
    np.savez(f, **arrays)


def read_runtime(path, manifest=None):
    """Read a runtime file written by :func:`save_runtime`."""
    try:
        with np.load(path, allow_pickle=False) as z:
            a = {k: z[k] for k in z.files}
        meta = json.loads(a["meta"].tobytes().decode("utf-8"))
        if meta.get("format") not in (RUNTIME_FORMAT, RUNTIME_FORMAT + 1) or meta.get("labels") != list(LABELS):
            raise CorruptModel(f"{path}: runtime format {meta.get('format')!r} or labels do not match this Attune")
        use_token_pattern(meta["token_pattern"])
        words, chars = (_vocabulary(a[k]) for k in ("words", "chars"))
        encoder = Encoder(words, chars, a["idf"], meta["word_ngrams"], meta["char_ngram_range"], meta["negation"],
                          meta["char_weight"])
        gate = meta["gate"]
        fast = {"style": a["style"], "intercept": a["intercept"], "beta": meta["beta"],
                "gate": None if gate is None else (a["gate_text"], a["gate_style"], _bias(gate["bias"]), gate["sharpness"]),
                "source_bias": a.get("source_bias")}
        if a["pushes"].shape != (len(encoder.idf) * len(LABELS), a["pushes"].shape[1]):
            raise CorruptModel(f"{path}: weight table does not fit the vocabulary")
        return Runtime(encoder, a["style_scale"], meta["style_weight"], a["pushes"], fast, meta["version"], manifest)
    except CorruptModel:
        raise
    except Exception as exc:  # the hash matched (see artifact.load_runtime): a format or version problem
        raise CorruptModel(f"cannot read {path}: {type(exc).__name__}: {exc}") from exc


def _utf8(text):
    return np.frombuffer(text.encode("utf-8"), dtype=np.uint8)


def _in_id_order(vocabulary):
    terms = [None] * len(vocabulary)
    for term, j in vocabulary.items():
        terms[j] = term
    return terms


def _vocabulary(raw):
    text = raw.tobytes().decode("utf-8")
    terms = text.split("\n") if text else []
    return dict(zip(terms, range(len(terms))))


def _bias(value):
    """One number for a two-source gate, one per source (an array) for more."""
    return np.asarray(value, dtype=float) if isinstance(value, list) else value
