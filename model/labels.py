"""The seven customer-emotion labels (see ``shared/taxonomy.md``)."""

from .errors import UnknownLabel

__all__ = ["LABELS", "NEGATIVE", "check_label"]

#: Fixed order: score vectors, CSV columns and confusion matrices follow it.
LABELS = ("angry", "frustrated", "anxious", "confused", "disappointed", "grateful", "neutral")

#: Labels that call for an empathetic reply first (used to rank tickets).
NEGATIVE = ("angry", "frustrated", "anxious", "disappointed", "confused")


def check_label(label):
    """Return ``label`` normalised to lower case, or raise :class:`UnknownLabel`."""
    if not isinstance(label, str) or label.strip().lower() not in LABELS:
        raise UnknownLabel(f"unknown label {label!r}; expected one of: {', '.join(LABELS)}")
    return label.strip().lower()
