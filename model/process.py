"""A model in a child process, answering over a pipe.

NumPy releases the GIL inside every sort, search and fancy index - a dozen
times per analysis - and in a threaded server each release hands the GIL to
another request's thread, so one analysis of 0.5 ms took 1.5 ms of wall time
and the queue behind it grew. In a process of its own the model keeps its
core; the parent's threads only wait on a pipe, which releases the GIL.

:class:`ModelProcess` is the parent's handle: ``load(directory)`` and
``analyze_each(texts)``, one call in flight at a time (callers take turns).
A child that dies is started again on the next call; the call that saw it
die gets a :class:`~model.errors.ModelError`. The new child loads the last
model that loaded (give ``load`` a version folder, not a link that may have
moved); if that artifact has been damaged since, it loads the shipped model and
``fallback`` says why, rather than failing every call from then on.
"""

import gc
import json
import logging
import multiprocessing
import threading

from .errors import AttuneError, ModelError

__all__ = ["ModelProcess"]

log = logging.getLogger("attune.model")


def _serve(conn):
    """The child's loop: load models and analyse batches until the pipe closes."""
    from .artifact import load_runtime

    rt = None
    while True:
        try:
            request = conn.recv()
        except (EOFError, OSError):
            return
        try:
            if request[0] == "load":
                rt = load_runtime(request[1])
                gc.collect()
                gc.freeze()  # the model's objects live for good: keep them out of every collection
                reply = ("ok", {"version": rt.version, "manifest": rt.manifest})
            else:
                _, texts, max_chars, as_json = request
                results = rt.analyze_each(texts, max_chars=max_chars)
                if as_json:  # the HTTP answer itself, encoded here rather than between requests there
                    results = [r if isinstance(r, AttuneError) else json.dumps(r, separators=(",", ":"))
                               for r in results]
                reply = ("ok", results)
        except AttuneError as exc:
            reply = ("error", exc)
        except Exception as exc:  # never the text: a message could quote it
            reply = ("error", ModelError(f"analysis failed in the model process: {type(exc).__name__}"))
        conn.send(reply)


class ModelProcess:
    """A handle on a child process that holds one model (see the module docstring)."""

    def __init__(self, context="spawn"):
        # spawn: forking a process that already runs threads can copy a held lock.
        self._ctx = multiprocessing.get_context(context)
        self._lock = threading.Lock()
        self._proc = self._conn = None
        self._loaded = None  # the last successful load request, replayed after a restart
        self.version = self.manifest = None
        self.fallback = None  # why the child serves the shipped model instead of the one loaded, or None

    def _start(self):
        parent, child = self._ctx.Pipe()
        proc = self._ctx.Process(target=_serve, args=(child,), name="attune-model", daemon=True)
        proc.start()
        child.close()
        self._proc, self._conn = proc, parent

    def _call(self, request):
        if self._proc is None or not self._proc.is_alive():
            self._stop()
            self._start()
            if request[0] != "load" and self._loaded is not None:
                self._replay()
        return self._round_trip(request)

    def _replay(self):
        """Load the last model that loaded into a new child; the shipped one if it no longer loads."""
        try:
            self._round_trip(self._loaded)
            return
        except AttuneError as exc:
            reason = (f"the model process restarted and could not reload {self._loaded[1]} "
                      f"({type(exc).__name__}: {exc}); serving the shipped model")
        log.error("%s", reason)
        info = self._round_trip(("load", None))
        self._loaded = ("load", None)
        self.version, self.manifest, self.fallback = info["version"], info["manifest"], reason

    def _round_trip(self, request):
        try:
            self._conn.send(request)
            status, payload = self._conn.recv()
        except (EOFError, OSError) as exc:
            self._stop()
            raise ModelError(f"the model process stopped ({type(exc).__name__}); it restarts on the next call") from None
        if status == "error":
            raise payload
        return payload

    def load(self, directory=None):
        """Load the artifact at ``directory`` (None: the shipped model) in the child; return its version."""
        request = ("load", None if directory is None else str(directory))
        with self._lock:
            info = self._call(request)
            self._loaded = request
            self.version, self.manifest, self.fallback = info["version"], info["manifest"], None
            return self.version

    def analyze_each(self, texts, max_chars, as_json=False):
        """Results (or AttuneErrors) in order, as :meth:`model.runtime.Runtime.analyze_each`;
        with ``as_json`` each result comes as its compact JSON text."""
        with self._lock:
            return self._call(("analyze", list(texts), max_chars, as_json))

    def _stop(self):
        if self._conn is not None:
            self._conn.close()
        if self._proc is not None and self._proc.is_alive():
            self._proc.kill()
            self._proc.join(5)
        self._proc = self._conn = None

    def close(self):
        with self._lock:
            self._stop()
