"""The local process pool: ordered chunks of texts through worker processes on this machine.

The model is loaded once per process. Results always come back in input order, so no row's
result can shift onto another row.
"""

import collections
import concurrent.futures
import concurrent.futures.process
import itertools
import multiprocessing
import os

from attune.model.errors import AttuneError, ModelError
from attune.model.limits import MAX_TEXT_CHARS


__all__ = ["load_model", "analyze_texts", "classify_chunks"]

_PROCESS_MODEL = {}  # model directory -> loaded model, per process


def load_model(model_ref=None):
    """A model object as is, else the model at a directory (None: the current model), loaded once per process.

    Loads the artifact's runtime (:func:`model.load_runtime`): a worker then imports neither
    scikit-learn nor NLTK, and starts in a fraction of a second with a third of the memory.
    """
    if model_ref is not None and not isinstance(model_ref, (str, os.PathLike)):
        return model_ref
    if model_ref is None:  # the same current model as the server's (models/current, else shipped)
        from attune.store.paths import current_model_dir

        model_ref = current_model_dir()
    key = str(model_ref)
    if key not in _PROCESS_MODEL:
        from attune import model

        _PROCESS_MODEL[key] = model.load_runtime(key)
    return _PROCESS_MODEL[key]


def analyze_texts(m, texts, max_chars=MAX_TEXT_CHARS, keep=None):
    """Results in order; a text the model refuses gets its :class:`AttuneError` in its place.

    ``keep`` names the result fields wanted (None: all). Without ``cues`` the model skips
    finding them (a fifth of its work), without ``guidance`` the advice, and less crosses back
    from a worker process.
    """
    if keep is None:
        return m.analyze_each(texts, max_chars=max_chars)
    results = m.analyze_each(texts, max_chars=max_chars, explain="cues" in keep, guide="guidance" in keep)
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


def classify_chunks(chunks, model_ref, jobs=1, max_chars=MAX_TEXT_CHARS, keep=None):
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
