"""The served model: one accessor per app, hot reload of models/current, and request coalescing.

``init_app(app)`` puts a holder and a coalescer on the app; ``get_model()`` is the one way the API
reaches the model (loaded lazily, in this process or in a child process with MODEL_PROCESS).
"""

import logging
import os
import threading
import time

from flask import current_app

from attune.model.limits import MAX_TEXT_CHARS
from attune.store.paths import models_dir

__all__ = ["init_app", "get_model", "Coalescer"]

log = logging.getLogger("attune.server")


def init_app(app):
    """Attach the model holder and the coalescer to ``app``."""
    app.extensions["attune.model"] = _ModelHolder(app.config)
    app.extensions["attune.coalescer"] = Coalescer(app.config["MAX_TEXT_CHARS"])


# --- the model: one accessor, loaded lazily, cached per app -------------------------------------

class _ModelHolder:
    """Resolves, loads and hot-reloads the app's model, and knows whether it is healthy.

    Order: config MODEL, config MODEL_PATH, the current model (``models/current`` if usable,
    else the shipped one: :func:`attune.model.registry.resolve`, as the command line does).
    The current model is re-resolved at most every MODEL_RELOAD_INTERVAL seconds; a failed
    reload keeps serving the old model. Models are loaded by their version folder, not by the
    ``current`` link, so a restarted model process reloads the model that was serving.
    """

    def __init__(self, config):
        self.config = config
        self.process = None  # the child process, with MODEL_PROCESS
        self.model = None
        self.stamp = None
        self.checked = 0.0
        self.failure = None  # why analyses failed last (cleared by the next success), for /v1/health
        self.note = None  # why models/current is not used, logged once
        self.lock = threading.Lock()

    def _resolve(self):
        """``(path, stamp)``: the artifact folder to serve and what identifies its manifest on disk."""
        if self.config.get("MODEL_PATH"):
            return self.config["MODEL_PATH"], None
        from attune.model.registry import resolve

        resolved = resolve(models_dir())
        if resolved.note != self.note and resolved.note:
            log.warning("%s", resolved.note)
        self.note = resolved.note
        try:
            st = os.stat(resolved.path / "manifest.json")
        except OSError:
            return resolved.path, None
        return resolved.path, (str(resolved.path), st.st_dev, st.st_ino, st.st_mtime_ns, st.st_size)

    def _open(self, directory):
        """The model at ``directory``: its runtime, here or in the child process."""
        if not self.config.get("MODEL_PROCESS"):
            from attune import model

            # The runtime alone: serving needs neither scikit-learn nor the pickled pipeline.
            return model.load_runtime(directory)
        from attune.model.process import ModelProcess

        if self.process is None:
            self.process = ModelProcess()
        self.process.load(directory)  # a failed load leaves the child with the model it had
        return _RemoteModel(self.process, self)

    def _load(self):
        if self.config.get("MODEL") is not None:
            return self.config["MODEL"], None
        path, stamp = self._resolve()
        return self._open(path), stamp

    def verify(self):
        """Check the artifact to be served without loading it; return its version."""
        if self.config.get("MODEL") is not None:
            return self.config["MODEL"].version
        from attune.model import artifact as model_artifact

        return model_artifact.verify(self._resolve()[0])["version"]

    def version(self):
        """The served model's version; before the first load, read from its manifest."""
        if self.model is not None:
            return self.get().version
        if self.config.get("MODEL") is not None:
            return self.config["MODEL"].version
        from attune import model

        return model.read_manifest(self._resolve()[0])["version"]

    def health(self):
        """What /v1/health says: ``ok``, or ``degraded`` with the reason; and the serving model's version."""
        version = self.version()
        reason = self.failure or (self.process.fallback if self.process is not None else None)
        body = {"status": "degraded" if reason else "ok", "model_version": version}
        if reason:
            body["reason"] = reason
        return body

    def get(self):
        if self.model is None:
            with self.lock:
                if self.model is None:
                    try:
                        self.model, self.stamp = self._load()
                    except Exception as exc:
                        self.failure = f"the model cannot be loaded: {type(exc).__name__}: {exc}"
                        raise
                    self.checked = time.monotonic()
            return self.model
        if self._watching() and time.monotonic() - self.checked >= self.config["MODEL_RELOAD_INTERVAL"]:
            self._maybe_reload()
        return self.model

    def _watching(self):
        return self.config.get("MODEL") is None and not self.config.get("MODEL_PATH")

    def _maybe_reload(self):
        # One thread checks; the others keep answering with the model they have.
        if not self.lock.acquire(blocking=False):
            return
        try:
            self.checked = time.monotonic()
            path, stamp = self._resolve()
            if stamp is None or stamp == self.stamp:
                return
            try:
                new = self._open(path)
            except Exception as exc:  # keep serving the old model; say why (no text involved)
                log.error("reloading models/current failed, keeping %s: %s: %s",
                          getattr(self.model, "version", "?"), type(exc).__name__, exc)
                self.stamp = stamp  # do not retry a broken artifact until it changes again
                return
            log.info("model reloaded: %s -> %s", getattr(self.model, "version", "?"), new.version)
            self.model, self.stamp = new, stamp
        finally:
            self.lock.release()


class _RemoteModel:
    """The model in the child process, as the API uses it: version, labels, manifest, analysis."""

    json_results = True  # analyze_each(..., as_json=True) gives each result as its JSON text

    def __init__(self, process, holder):
        from attune.model.labels import LABELS

        self.process, self.holder, self.labels = process, holder, LABELS

    @property
    def version(self):  # the child's: after a restart it may serve another model (see ModelProcess)
        return self.process.version

    @property
    def manifest(self):
        return self.process.manifest

    def analyze_each(self, texts, max_chars=MAX_TEXT_CHARS, as_json=False):
        from attune.model.errors import ModelError

        try:
            results = self.process.analyze_each(texts, max_chars, as_json)
        except ModelError as exc:
            self.holder.failure = f"analyses fail: {exc}"
            raise
        self.holder.failure = None
        return results


def get_model():
    """The current app's model (loaded on first use, hot-reloaded from models/current)."""
    return current_app.extensions["attune.model"].get()


# --- coalescing: concurrent single analyses share one vectorised call ---------------------------

class _Job:
    __slots__ = ("model", "text", "result", "error", "lead", "wake")

    def __init__(self, model, text):
        self.model, self.text = model, text
        self.result = self.error = None
        self.lead = False
        self.wake = threading.Event()


class Coalescer:
    """Runs concurrent ``analyze`` calls as one ``analyze_each`` call.

    A model call has a fixed cost (feature and classifier overhead) that a batch pays once, so
    under concurrent load this more than doubles throughput. Nothing waits for a batch to
    fill: the first caller runs at once with whatever is queued (often just itself); callers
    arriving meanwhile queue, and the first of them runs the next batch when it is done.
    """

    def __init__(self, max_chars, max_batch=32):
        self.max_chars = max_chars
        self.max_batch = max_batch
        self._lock = threading.Lock()
        self._pending = []
        self._busy = False

    def analyze(self, model, text):
        job = _Job(model, text)
        with self._lock:
            self._pending.append(job)
            if not self._busy:
                self._busy = job.lead = True
        if not job.lead:
            job.wake.wait()  # woken with a result, or to lead the next batch
        if job.lead:
            with self._lock:  # our job is first in the queue: it is in this batch
                batch = self._pending[: self.max_batch]
                del self._pending[: self.max_batch]
            try:
                self._run(batch)
            finally:
                with self._lock:
                    if self._pending:
                        self._pending[0].lead = True
                        self._pending[0].wake.set()
                    else:
                        self._busy = False
        if job.error is not None:
            raise job.error
        return job.result

    def _run(self, batch):
        by_model = {}
        for job in batch:  # a hot reload may put two models in one batch
            by_model.setdefault(id(job.model), []).append(job)
        for jobs in by_model.values():
            m = jobs[0].model
            # analyze_each answers a text the model refuses with its error, in its place.
            extra = {"as_json": True} if getattr(m, "json_results", False) else {}
            try:
                results = m.analyze_each([j.text for j in jobs], max_chars=self.max_chars, **extra)
            except Exception as exc:  # the model itself failed: every caller gets the error
                results = [exc] * len(jobs)
            for job, result in zip(jobs, results):
                if isinstance(result, Exception):
                    job.error = result
                else:
                    job.result = result
        for job in batch:
            if not job.lead:
                job.wake.set()
