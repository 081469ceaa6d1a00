"""Errors raised by the model package.

Each error carries a stable machine-readable ``code``; the HTTP layer maps codes
to statuses and the CLI turns any :class:`AttuneError` into one line on stderr.
"""

__all__ = [
    "AttuneError",
    "InvalidInput",
    "EmptyText",
    "UnknownLabel",
    "DataError",
    "ModelError",
    "CorruptModel",
]


class AttuneError(Exception):
    """Base class for every error Attune raises on purpose."""

    code = "attune_error"


class InvalidInput(AttuneError, ValueError):
    """The caller passed something that is not usable text or options."""

    code = "invalid_input"


class EmptyText(InvalidInput):
    """The text is empty or whitespace only (nothing to read a feeling from)."""

    code = "empty_text"


class UnknownLabel(InvalidInput):
    """A label outside the seven of the taxonomy."""

    code = "unknown_label"


class DataError(AttuneError):
    """A training or evaluation file cannot be read (missing column, bad rows)."""

    code = "data_error"


class ModelError(AttuneError):
    """A model artifact cannot be found or used."""

    code = "model_error"


class CorruptModel(ModelError):
    """An artifact failed verification: hash mismatch, unreadable or wrong format."""

    code = "corrupt_model"
