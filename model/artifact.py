"""Saving and loading versioned model artifacts.

An artifact is a directory with three files:

* ``attune-model.joblib`` - the pickled pipeline (for retraining, evaluation);
* ``attune-runtime.npz`` - the same model as plain arrays and UTF-8 text, what
  serving reads (:func:`load_runtime`: no unpickling, no scikit-learn);
* ``manifest.json`` - version, labels, training sources, scores, library
  versions and the sha256 of both model files.

All are written atomically (temporary file, fsync, rename), manifest last, so a
crash leaves either the old artifact or the new one, never half of one.
Loading checks a file against the manifest's sha256 *before* reading it: a
truncated or altered file is refused with a clear error. Artifacts from before
the runtime file still load: their runtime is built from the pipeline.
"""

import contextlib
import hashlib
import json
import os
import platform
import sys
import tempfile
from datetime import datetime, timezone
from pathlib import Path

from .errors import CorruptModel, ModelError
from .labels import LABELS

__all__ = ["MODEL_FILE", "RUNTIME_FILE", "MANIFEST_FILE", "DEFAULT_DIR", "save", "load", "load_runtime",
           "read_manifest", "sha256_file", "verify"]

MODEL_FILE = "attune-model.joblib"
RUNTIME_FILE = "attune-runtime.npz"
MANIFEST_FILE = "manifest.json"
DEFAULT_DIR = Path(__file__).resolve().parent / "default"
FORMAT = 1


def sha256_file(path):
    """Hex sha256 of a file, read in chunks."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _atomic_write(path, write):
    """Write ``path`` through a temporary file in the same directory."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)  # make the rename itself durable
    finally:
        os.close(dir_fd)


def _versions():
    import joblib
    import nltk
    import numpy
    import scipy
    import sklearn

    return {"python": platform.python_version(), "scikit-learn": sklearn.__version__,
            "numpy": numpy.__version__, "scipy": scipy.__version__, "nltk": nltk.__version__,
            "joblib": joblib.__version__}


def save(model, directory):
    """Write ``model`` to ``directory`` (created if needed); return the directory.

    The manifest gets the model file's sha256, the format, labels and library
    versions; everything else in ``model.manifest`` is kept.
    """
    import joblib

    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    payload = {"format": FORMAT, "version": model.version, "pipeline": model.pipeline}
    _atomic_write(directory / MODEL_FILE, lambda f: joblib.dump(payload, f, compress=3))
    runtime = model.runtime
    if runtime.fast is not None:
        from .runtime_file import save_runtime

        _atomic_write(directory / RUNTIME_FILE, lambda f: save_runtime(runtime, f))
    elif (directory / RUNTIME_FILE).exists():
        os.unlink(directory / RUNTIME_FILE)  # a stale one must not describe another model
    manifest = dict(model.manifest)
    manifest.pop("runtime", None)
    manifest.update({
        "format": FORMAT,
        "version": model.version,
        "created": manifest.get("created") or datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "labels": list(LABELS),
        "model_file": MODEL_FILE,
        "sha256": sha256_file(directory / MODEL_FILE),
        "size_bytes": (directory / MODEL_FILE).stat().st_size,
        "libraries": _versions(),
    })
    if runtime.fast is not None:
        manifest["runtime"] = {"file": RUNTIME_FILE, "sha256": sha256_file(directory / RUNTIME_FILE)}
    data = (json.dumps(manifest, indent=2, sort_keys=True) + "\n").encode()
    _atomic_write(directory / MANIFEST_FILE, lambda f: f.write(data))
    model.manifest = manifest
    return directory


def read_manifest(directory=None):
    """Read and sanity-check an artifact's manifest (no model file is opened)."""
    directory = Path(directory) if directory else DEFAULT_DIR
    path = directory / MANIFEST_FILE
    if not path.is_file():
        raise ModelError(f"no model at {directory}: {MANIFEST_FILE} is missing")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CorruptModel(f"unreadable manifest {path}: {exc}") from exc
    if not isinstance(manifest, dict) or not isinstance(manifest.get("sha256"), str):
        raise CorruptModel(f"manifest {path} has no sha256 of the model file")
    if manifest.get("format") != FORMAT:
        raise CorruptModel(f"{path}: artifact format {manifest.get('format')!r}, this Attune reads {FORMAT}")
    if manifest.get("labels") != list(LABELS):
        raise CorruptModel(f"{path}: labels {manifest.get('labels')} differ from {list(LABELS)}")
    return manifest


def _check(path, expected):
    if not path.is_file():
        raise ModelError(f"no model file at {path}")
    digest = sha256_file(path)
    if digest != expected:
        raise CorruptModel(f"{path} does not match its manifest (sha256 {digest[:12]}..., "
                           f"expected {expected[:12]}...): refusing to load it")


def _runtime_entry(directory, manifest):
    entry = manifest.get("runtime")
    if entry is None:
        return None
    if not isinstance(entry, dict) or not isinstance(entry.get("sha256"), str) or entry.get("file") != RUNTIME_FILE:
        raise CorruptModel(f"{directory / MANIFEST_FILE}: malformed 'runtime' entry")
    return directory / RUNTIME_FILE, entry["sha256"]


def verify(directory=None):
    """Check an artifact without unpickling it: manifest, files and sha256s. Return the manifest."""
    directory = Path(directory) if directory else DEFAULT_DIR
    manifest = read_manifest(directory)
    _check(directory / manifest.get("model_file", MODEL_FILE), manifest["sha256"])
    runtime = _runtime_entry(directory, manifest)
    if runtime is not None:
        _check(*runtime)
    return manifest


def load_runtime(directory=None):
    """Load only what analysing needs: a :class:`~model.runtime.Runtime`, without scikit-learn.

    Checks the whole artifact (both files' sha256: a damaged artifact is
    refused even where serving would not read the damage), then reads the
    runtime file; an artifact without one (saved by an older Attune) is
    loaded in full instead.

    Raises
    ------
    ModelError, CorruptModel
        As :func:`load`.
    """
    directory = Path(directory) if directory else DEFAULT_DIR
    manifest = verify(directory)
    runtime = _runtime_entry(directory, manifest)
    if runtime is None:
        return _unpickle(directory, manifest).runtime  # already verified: no second hashing
    from .runtime_file import read_runtime

    rt = read_runtime(runtime[0], manifest)
    if rt.version != manifest.get("version"):
        raise CorruptModel(f"{runtime[0]} is version {rt.version!r}, its manifest says {manifest.get('version')!r}")
    return rt


def load(directory=None):
    """Load and verify the artifact in ``directory`` (default: the shipped model).

    Raises
    ------
    ModelError
        No artifact there.
    CorruptModel
        The model file does not match the manifest's sha256, or cannot be read.
    """
    directory = Path(directory) if directory else DEFAULT_DIR
    return _unpickle(directory, verify(directory))


def _unpickle(directory, manifest):
    """The :class:`Model` of an artifact whose files ``verify`` has checked."""
    import joblib

    from .core import Model

    path = directory / manifest.get("model_file", MODEL_FILE)
    try:
        with _legacy_module_names():
            payload = joblib.load(path)
        return Model(payload["pipeline"], payload["version"], manifest)
    except Exception as exc:  # the hash matched, so this is a format or version problem
        raise CorruptModel(f"cannot load {path}: {type(exc).__name__}: {exc}") from exc


@contextlib.contextmanager
def _legacy_module_names():
    """Let pickles from before the ``attune.`` prefix find their classes (``model.features`` ...).

    Artifacts saved by earlier versions, the shipped one and users' retrained ones, name this
    package ``model``; while loading, that name points here. Nothing is left behind unless another
    package already had the name, in which case it is not touched.
    """
    import importlib
    import pkgutil

    package = importlib.import_module(__package__)
    added = []
    if "model" not in sys.modules:
        names = ["model"] + [f"model.{m.name}" for m in pkgutil.iter_modules(package.__path__)]
        for name in names:
            target = __package__ + name[len("model"):]
            try:
                sys.modules[name] = importlib.import_module(target)
            except ImportError:  # an optional module this artifact cannot need
                continue
            added.append(name)
    try:
        yield
    finally:
        for name in added:
            sys.modules.pop(name, None)
