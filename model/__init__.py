"""Attune's model: customer text in, emotion judgment out.

Nothing here knows about HTTP. The usual entry points::

    import model
    result = model.analyze("Third time I'm asking. Still not fixed.")
    result["label"], result["guidance"]["tips"]

``load(path)`` gives a :class:`Model` for a specific artifact; ``train.fit``
trains one in memory; ``check_reply`` reviews an agent's draft.
"""

from . import errors, train
from .artifact import load, read_manifest, save
from .core import MAX_CHARS, Model
from .guidance import check_reply, guidance_for
from .labels import LABELS

__all__ = ["LABELS", "MAX_CHARS", "Model", "analyze", "analyze_batch", "check_reply", "default_model",
           "errors", "guidance_for", "load", "read_manifest", "save", "train"]

_default = None


def default_model():
    """The shipped model, loaded on first use and then kept."""
    global _default
    if _default is None:
        _default = load()
    return _default


def analyze(text, max_chars=MAX_CHARS):
    """Analyse one text with the shipped model (see :meth:`Model.analyze_batch`)."""
    return default_model().analyze(text, max_chars=max_chars)


def analyze_batch(texts, max_chars=MAX_CHARS):
    """Analyse many texts with the shipped model, vectorised."""
    return default_model().analyze_batch(texts, max_chars=max_chars)
