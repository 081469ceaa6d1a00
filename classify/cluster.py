"""Dask: a partition function for dataframes, and one task per export file on a cluster.

Dask and pandas are imported only when used. A file task runs the same
:func:`~attune.classify.pipeline.classify_file` as ``attune classify`` does locally.
"""

import glob
import os
from pathlib import Path

from attune.model.errors import AttuneError, InvalidInput
from attune.model.labels import LABELS
from attune.model.limits import MAX_TEXT_CHARS

from attune.store.paths import current_model_dir

from .pipeline import CHUNK_ROWS, Summary, classify_file
from .pool import analyze_texts, load_model
from .readers import chunked
from .writers import output_format

__all__ = ["partition_meta", "classify_partition", "expand_inputs", "classify_files_on_dask"]

_SCORES = ("label", "confidence", "intensity", "scores")  # what a table of results shows


def partition_meta(meta, labels=None):
    """The empty frame a classified partition looks like (for ``map_partitions(meta=...)``)."""
    import pandas as pd

    labels = labels or LABELS
    out = meta.iloc[:0].copy()
    out["label"] = pd.Series(dtype="object")
    out["confidence"] = pd.Series(dtype="float64")
    out["intensity"] = pd.Series(dtype="float64")
    for label in labels:
        out[f"score_{label}"] = pd.Series(dtype="float64")
    out["error"] = pd.Series(dtype="object")
    return out


def classify_partition(df, text_column, model_path=None, max_chars=MAX_TEXT_CHARS, chunk_rows=CHUNK_ROWS):
    """Partition function: ``df`` plus label, confidence, intensity, ``score_<label>`` and error.

    Use with ``ddf.map_partitions(classify_partition, "text", model_dir, meta=partition_meta(ddf._meta))``.
    Rows with no text, or text the model refuses, keep their place with an ``error`` and no label.
    """
    import pandas as pd

    m = load_model(model_path)
    labels = getattr(m, "labels", LABELS)
    n = len(df)
    nan = float("nan")
    label_col, confidence, intensity, errors = [None] * n, [nan] * n, [nan] * n, [None] * n
    scores = {label: [nan] * n for label in labels}
    texts = df[text_column].tolist()
    positions = []
    for i, text in enumerate(texts):
        if isinstance(text, str) and text.strip():
            positions.append(i)
        else:
            errors[i] = "no text"
    for block in chunked(positions, chunk_rows):
        for i, result in zip(block, analyze_texts(m, [texts[i] for i in block], max_chars, _SCORES)):
            if isinstance(result, AttuneError):
                errors[i] = result.code
                continue
            label_col[i], confidence[i] = result["label"], result["confidence"]
            intensity[i] = result["intensity"]
            for label in labels:
                scores[label][i] = result["scores"][label]
    out = df.copy()
    out["label"] = pd.Series(label_col, index=df.index, dtype="object")
    out["confidence"] = pd.Series(confidence, index=df.index, dtype="float64")
    out["intensity"] = pd.Series(intensity, index=df.index, dtype="float64")
    for label in labels:
        out[f"score_{label}"] = pd.Series(scores[label], index=df.index, dtype="float64")
    out["error"] = pd.Series(errors, index=df.index, dtype="object")
    return out


def _classify_file_task(source, destination, options, want_report):
    """One Dask task: one export file through the local pipeline, on the worker."""
    summary, aggregate = classify_file(source, destination, options, report=want_report)
    name = os.path.basename(source)
    for skipped in summary.skipped:  # the merged summary must still say which file
        skipped.reason = f"{name}: {skipped.reason}"
    return summary, aggregate


def expand_inputs(patterns):
    """Files named by paths or glob patterns, in a stable order; an unmatched pattern is an error."""
    files = []
    for pattern in patterns:
        matches = sorted(glob.glob(pattern)) if glob.has_magic(pattern) else [pattern]
        if not matches or not all(os.path.isfile(p) for p in matches):
            raise InvalidInput(f"no input file matches {pattern!r}")
        files.extend(matches)
    return files


def classify_files_on_dask(scheduler, patterns, outdir, options, want_report=False):
    """Classify each input file as one task on a Dask cluster; return (outputs, Summary, Aggregate).

    ``options`` is a :class:`~attune.classify.pipeline.ClassifyOptions` (``jobs`` is ignored: each
    task runs in one worker process).

    ``scheduler`` is a scheduler address (``tcp://host:8786``) or ``local`` for a LocalCluster on
    this machine. Inputs and ``outdir`` must be on a filesystem the workers share.
    """
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError as exc:
        raise InvalidInput("--dask needs the dask extra: pip install 'attune[dask]'") from exc
    files = expand_inputs(patterns)
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    fmt = output_format(None, options.format)
    destinations, seen = [], set()
    for path in files:
        name = Path(path).stem
        candidate, n = name, 2
        while candidate in seen:  # a/x.csv and b/x.csv must not overwrite each other
            candidate, n = f"{name}-{n}", n + 1
        seen.add(candidate)
        destinations.append(str(outdir / f"{candidate}.{fmt}"))
    model = str(Path(options.model if options.model is not None else current_model_dir()).resolve())
    options = options.replace(format=fmt, model=model, jobs=1)
    cluster = None
    if scheduler == "local":
        cluster = LocalCluster(n_workers=os.cpu_count() or 1, threads_per_worker=1,
                               dashboard_address=None)
        client = Client(cluster)
    else:
        client = Client(scheduler)
    try:
        futures = [
            client.submit(_classify_file_task, str(Path(src).resolve()), str(Path(dst).resolve()),
                          options, want_report, pure=False)
            for src, dst in zip(files, destinations)
        ]
        results = client.gather(futures)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    summary, aggregate = Summary(), None
    for part_summary, part_aggregate in results:
        summary.merge(part_summary)
        if part_aggregate is not None:
            aggregate = part_aggregate if aggregate is None else aggregate.merge(part_aggregate)
    return list(zip(files, destinations)), summary, aggregate
