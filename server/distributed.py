"""Batch classification: ordered chunks through a process pool on this machine, or on Dask.

The model is loaded once per process. Results always come back in input order, so no row's
result can shift onto another row. Dask and pandas are imported only when used.
"""

import collections
import concurrent.futures
import concurrent.futures.process
import glob
import itertools
import multiprocessing
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from model.errors import AttuneError, InvalidInput, ModelError

from .exports import Row, Skipped, chunked, make_writer, open_export, output_format

__all__ = [
    "Summary",
    "analyze_texts",
    "classify_chunks",
    "classify_export",
    "classify_partition",
    "partition_meta",
    "classify_files_on_dask",
]

CHUNK_ROWS = 1000
_SCORES = ("label", "confidence", "intensity", "scores")  # what a table of results shows
_MAX_SKIPS_KEPT = 1000

_PROCESS_MODEL = {}  # model directory (or None for the shipped one) -> loaded model, per process


def load_model(model_ref=None):
    """A model object as is, else the model at a directory (None: shipped), loaded once per process.

    Loads the artifact's runtime (:func:`model.load_runtime`): a worker then imports neither
    scikit-learn nor NLTK, and starts in a fraction of a second with a third of the memory.
    """
    if model_ref is not None and not isinstance(model_ref, (str, os.PathLike)):
        return model_ref
    key = None if model_ref is None else str(model_ref)
    if key not in _PROCESS_MODEL:
        import model

        _PROCESS_MODEL[key] = model.load_runtime(key)
    return _PROCESS_MODEL[key]


def analyze_texts(m, texts, max_chars=20000, keep=None):
    """Results in order; a text the model refuses gets its :class:`AttuneError` in its place.

    ``keep`` names the result fields wanted (None: all). Without ``cues`` the model skips
    finding them (a fifth of its work), and less crosses back from a worker process.
    """
    if keep is None:
        return m.analyze_each(texts, max_chars=max_chars)
    results = m.analyze_each(texts, max_chars=max_chars, explain="cues" in keep)
    return [r if isinstance(r, AttuneError) else {k: r[k] for k in keep} for r in results]


_worker_model = None


def _init_worker(model_ref):
    global _worker_model
    _worker_model = load_model(model_ref)


def _work(texts, max_chars, keep):
    return analyze_texts(_worker_model, texts, max_chars, keep)


def _pool(jobs, model_ref):
    methods = multiprocessing.get_all_start_methods()
    # fork shares the already loaded model with the workers at no cost; spawn pickles it once each.
    context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    return concurrent.futures.ProcessPoolExecutor(
        max_workers=jobs, mp_context=context, initializer=_init_worker, initargs=(model_ref,)
    )


def classify_chunks(chunks, model_ref, jobs=1, max_chars=20000, keep=None):
    """Yield ``(payload, results)`` for each ``(payload, texts)`` chunk, in input order.

    ``keep``: the result fields wanted (see :func:`analyze_texts`).

    With ``jobs > 1`` the chunks go to a process pool, at most ``2 * jobs`` in flight so memory
    stays flat; a single chunk is done in this process (no pool to start for a small file).
    """
    chunks = iter(chunks)
    head = list(itertools.islice(chunks, 2))
    if jobs <= 1 or len(head) < 2:
        m = load_model(model_ref)
        for payload, texts in itertools.chain(head, chunks):
            yield payload, analyze_texts(m, texts, max_chars, keep) if texts else []
        return
    # Given a directory (or None), only the workers load the model: one copy per worker, not
    # one more in this process, which just reads and writes.
    with _pool(jobs, model_ref) as pool:
        pending = collections.deque()
        try:
            for payload, texts in itertools.chain(head, chunks):
                pending.append((payload, pool.submit(_work, texts, max_chars, keep)))
                while len(pending) > 2 * jobs:
                    done_payload, future = pending.popleft()
                    yield done_payload, future.result()
            while pending:
                done_payload, future = pending.popleft()
                yield done_payload, future.result()
        except concurrent.futures.process.BrokenProcessPool as exc:
            load_model(model_ref)  # a model that cannot load says why, here, in one line
            raise ModelError(f"a worker process stopped: {exc}") from exc


@dataclass
class Summary:
    """What a run did: rows read, per-label counts, and skipped rows with why."""

    rows: int = 0
    read: int = 0  # rows taken from the reader, some still in flight (for the progress bar)
    classified: int = 0
    labels: collections.Counter = field(default_factory=collections.Counter)
    skipped: list = field(default_factory=list)  # the first Skipped rows (bounded)
    skipped_total: int = 0
    skip_reasons: collections.Counter = field(default_factory=collections.Counter)
    seconds: float = 0.0

    def skip(self, skipped):
        self.skipped_total += 1
        self.skip_reasons[_reason_kind(skipped.reason)] += 1
        if len(self.skipped) < _MAX_SKIPS_KEPT:
            self.skipped.append(skipped)

    def merge(self, other):
        self.rows += other.rows
        self.read += other.read
        self.classified += other.classified
        self.labels.update(other.labels)
        self.skipped.extend(other.skipped[: _MAX_SKIPS_KEPT - len(self.skipped)])
        self.skipped_total += other.skipped_total
        self.skip_reasons.update(other.skip_reasons)
        return self


def _reason_kind(reason):
    # "no text in column 'x'" and "has 5 fields, expected 3" are counted by kind, not by detail.
    if reason.startswith("has ") and "fields" in reason:
        return "wrong number of fields"
    return reason.split(" (", 1)[0].split(" in ", 1)[0]


class StrictError(InvalidInput):
    """``--strict``: a bad row stops the run."""


def classify_export(export, writer, model_ref, *, jobs=1, max_chars=20000, strict=False,
                    on_result=None, on_skip=None, on_chunk=None, chunk_rows=None):
    """Classify every row of ``export`` into ``writer``; return a :class:`Summary`.

    ``on_result(row, result)`` sees each classified row (the report), ``on_skip(skipped)`` each
    skipped one, ``on_chunk(summary)`` runs after each chunk (the progress bar).
    """
    summary = Summary()
    started = time.monotonic()

    def note_skip(skipped):
        if strict:
            where = f"row {skipped.row}" + (f" (line {skipped.line})" if skipped.line else "")
            raise StrictError(f"{where}: {skipped.reason} (--strict stops at the first bad row)")
        summary.skip(skipped)
        if on_skip:
            on_skip(skipped)

    def chunks():
        for items in chunked(export.rows(), chunk_rows or CHUNK_ROWS):
            summary.read += len(items)
            yield items, [item.text for item in items if isinstance(item, Row)]

    # The writer says which result fields it uses; the report reads them all (cues too).
    keep = None if on_result else getattr(writer, "result_keys", None)
    for items, results in classify_chunks(chunks(), model_ref, jobs, max_chars, keep):
        results = iter(results)
        for item in items:
            summary.rows += 1
            if isinstance(item, Skipped):
                note_skip(item)
                continue
            result = next(results)
            if isinstance(result, AttuneError):
                # Only the code: a model message could quote the (private) text.
                note_skip(Skipped(item.row, item.line, f"the model refused the text ({result.code})"))
                continue
            writer.write(item.fields, result)
            summary.classified += 1
            summary.labels[result["label"]] += 1
            if on_result:
                on_result(item, result)
        summary.seconds = time.monotonic() - started
        if on_chunk:
            on_chunk(summary)
    summary.seconds = time.monotonic() - started
    return summary


# --- Dask ------------------------------------------------------------------------------------


def partition_meta(meta, labels=None):
    """The empty frame a classified partition looks like (for ``map_partitions(meta=...)``)."""
    import pandas as pd

    import model

    labels = labels or model.LABELS
    out = meta.iloc[:0].copy()
    out["label"] = pd.Series(dtype="object")
    out["confidence"] = pd.Series(dtype="float64")
    out["intensity"] = pd.Series(dtype="float64")
    for label in labels:
        out[f"score_{label}"] = pd.Series(dtype="float64")
    out["error"] = pd.Series(dtype="object")
    return out


def classify_partition(df, text_column, model_path=None, max_chars=20000, chunk_rows=CHUNK_ROWS):
    """Partition function: ``df`` plus label, confidence, intensity, ``score_<label>`` and error.

    Use with ``ddf.map_partitions(classify_partition, "text", model_dir, meta=partition_meta(ddf._meta))``.
    Rows with no text, or text the model refuses, keep their place with an ``error`` and no label.
    """
    import pandas as pd

    import model

    m = load_model(model_path)
    labels = m.labels if hasattr(m, "labels") else model.LABELS
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
    """One Dask task: stream one export file through the local pipeline, on the worker."""
    from . import report

    export = open_export(
        source,
        input_format=options.get("input_format", "auto"),
        text_column=options.get("text_column"),
        id_column=options.get("id_column"),
        date_column=options.get("date_column"),
        unit=options.get("unit", "ticket"),
    )
    aggregate = report.Aggregate() if want_report else None
    m = load_model(options.get("model"))
    fmt = output_format(destination, options.get("format"))
    try:
        with open(destination, "w", encoding="utf-8", errors="replace", newline="") as out:
            writer = make_writer(out, fmt, export.columns, m.labels)
            on_result = (
                (lambda row, result: aggregate.add(row, result, export)) if aggregate else None
            )
            summary = classify_export(export, writer, m, max_chars=options.get("max_chars", 20000),
                                      strict=options.get("strict", False), on_result=on_result)
    finally:
        export.close()
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
    fmt = output_format(None, options.get("format"))
    destinations, seen = [], set()
    for path in files:
        name = Path(path).stem
        candidate, n = name, 2
        while candidate in seen:  # a/x.csv and b/x.csv must not overwrite each other
            candidate, n = f"{name}-{n}", n + 1
        seen.add(candidate)
        destinations.append(str(outdir / f"{candidate}.{fmt}"))
    options = {**options, "format": fmt}
    if options.get("model") is not None:
        options["model"] = str(Path(options["model"]).resolve())
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
