"""Batch classification of helpdesk exports: readers by format, one pipeline, a local pool or Dask.

    from attune.classify import ClassifyOptions, classify_file
    summary, aggregate = classify_file("tickets.csv", "labelled.csv", ClassifyOptions(jobs=2), report=True)

No Flask here: the HTTP server and batch classification share only the model.
"""

from .pipeline import ClassifyOptions, StrictError, Summary, classify_export, classify_file
from .readers import open_export

__all__ = ["ClassifyOptions", "StrictError", "Summary", "classify_export", "classify_file", "open_export"]
