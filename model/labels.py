"""The seven customer-emotion labels (see ``shared/taxonomy.md``)."""

from .errors import UnknownLabel

__all__ = ["LABELS", "NEGATIVE", "COLORS", "TERMINAL_COLORS", "check_label"]

#: Fixed order: score vectors, CSV columns and confusion matrices follow it.
LABELS = ("angry", "frustrated", "anxious", "confused", "disappointed", "grateful", "neutral")

#: Labels that call for an empathetic reply first (used to rank tickets).
NEGATIVE = ("angry", "frustrated", "anxious", "disappointed", "confused")

#: One colour per label, everywhere a label is drawn: the report's charts, the extension's badges
#: (its light theme; tests/js checks it against ``/v1/model``'s copy of this) and the API.
COLORS = {
    "angry": "#c62828", "frustrated": "#e06c00", "anxious": "#8e3cc2", "confused": "#1a7fb0",
    "disappointed": "#5061b8", "grateful": "#2e8b3e", "neutral": "#80868b",
}
#: The nearest of the terminal's eight colours, for ``attune analyze``.
TERMINAL_COLORS = {
    "angry": "red", "frustrated": "yellow", "anxious": "magenta", "confused": "cyan",
    "disappointed": "blue", "grateful": "green", "neutral": "white",
}


def check_label(label):
    """Return ``label`` normalised to lower case, or raise :class:`UnknownLabel`."""
    if not isinstance(label, str) or label.strip().lower() not in LABELS:
        raise UnknownLabel(f"unknown label {label!r}; expected one of: {', '.join(LABELS)}")
    return label.strip().lower()
