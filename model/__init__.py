"""Attune's model: customer text in, emotion judgment out.

Nothing here knows about HTTP. The usual entry points::

    import model
    result = model.analyze("Third time I'm asking. Still not fixed.")
    result["label"], result["guidance"]["tips"]

``load(path)`` gives a :class:`Model` for a specific artifact; ``train.fit``
trains one in memory; ``check_reply`` reviews an agent's draft.
``load_runtime(path)`` gives just what analysing needs (a :class:`Runtime`,
the same ``analyze`` methods), without importing scikit-learn: what the
server and classification workers use.

scikit-learn and SciPy take seconds to import, so the names that need them
are imported on first use: ``import model`` stays cheap for the server's
start-up and commands like ``attune token``.
"""

import importlib

from . import errors
from .guidance import check_reply, guidance_for
from .labels import LABELS

__all__ = ["LABELS", "MAX_CHARS", "Model", "Runtime", "analyze", "analyze_batch", "check_reply", "default_model",
           "errors", "guidance_for", "load", "load_runtime", "read_manifest", "save", "train"]

_LAZY = {"Model": "core", "MAX_CHARS": "runtime", "Runtime": "runtime", "load": "artifact",
         "load_runtime": "artifact", "save": "artifact", "read_manifest": "artifact"}
_SUBMODULES = {"train", "core", "artifact", "features", "classifier", "clean", "data", "evaluate", "registry",
               "runtime", "text"}
_default = None


def __getattr__(name):
    if name in _LAZY:
        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    if name in _SUBMODULES:
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'model' has no attribute {name!r}")


def default_model():
    """The shipped model, loaded on first use and then kept."""
    global _default
    if _default is None:
        _default = __getattr__("load")()
    return _default


def analyze(text, max_chars=None):
    """Analyse one text with the shipped model (see :meth:`Model.analyze_batch`)."""
    m = default_model()
    return m.analyze(text) if max_chars is None else m.analyze(text, max_chars=max_chars)


def analyze_batch(texts, max_chars=None):
    """Analyse many texts with the shipped model, vectorised."""
    m = default_model()
    return m.analyze_batch(texts) if max_chars is None else m.analyze_batch(texts, max_chars=max_chars)
