"""Beyond one machine: the partition function under dask.dataframe, and `classify --dask`."""

import csv
import json
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

pd = pytest.importorskip("pandas")
dd = pytest.importorskip("dask.dataframe")
distributed_ = pytest.importorskip("dask.distributed")

from attune.model.labels import LABELS  # noqa: E402
from attune.classify import cluster as dask_path  # noqa: E402
from attune.cli import cli  # noqa: E402

DATA = Path(__file__).parent / "data"
TEXTS = ["I want my money back NOW", "", "thanks, that fixed it", None, "where do I find the invoice?",
         "I'm so worried about my data", "still not working, third time", "please update my address"]


@pytest.fixture
def model_dir(tiny_model_dir):
    return str(tiny_model_dir)


@pytest.fixture(scope="module")
def cluster():
    # Threads in this process: fast to start, and the same code path as remote workers.
    with distributed_.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                   dashboard_address=None) as c:
        yield c


def test_partition_function_on_pandas(tiny_model, model_dir):
    df = pd.DataFrame({"id": range(len(TEXTS)), "text": TEXTS}, index=range(10, 10 + len(TEXTS)))
    out = dask_path.classify_partition(df, "text", model_dir)
    assert list(out.index) == list(df.index) and list(out["id"]) == list(df["id"])
    for text, (_, r) in zip(TEXTS, out.iterrows()):
        if not text:
            assert r["error"] == "no text" and r["label"] is None
            continue
        want = tiny_model.analyze(text)
        assert r["label"] == want["label"] and r["confidence"] == pytest.approx(want["confidence"])
        assert r["error"] is None
        assert sum(r[f"score_{label}"] for label in LABELS) == pytest.approx(1, abs=1e-3)
    assert list(out.columns) == list(dask_path.partition_meta(df).columns)


def test_map_partitions_on_a_local_cluster(tiny_model, model_dir, cluster):
    df = pd.DataFrame({"id": range(80), "text": [TEXTS[i % len(TEXTS)] for i in range(80)]})
    ddf = dd.from_pandas(df, npartitions=4)
    with distributed_.Client(cluster):
        out = ddf.map_partitions(dask_path.classify_partition, "text", model_dir,
                                 meta=dask_path.partition_meta(ddf._meta)).compute()
    assert list(out["id"]) == list(range(80))
    local = dask_path.classify_partition(df, "text", model_dir)
    assert list(out["label"].fillna("-")) == list(local["label"].fillna("-"))


def test_cli_dask_path_classifies_each_file(model_dir, cluster, tmp_path):
    inputs = tmp_path / "exports"
    inputs.mkdir()
    for name in ("freshdesk_tickets.csv", "broken.csv"):
        shutil.copy(DATA / name, inputs / name)
    out, html = tmp_path / "out", tmp_path / "report.html"
    result = CliRunner().invoke(cli, ["classify", "--dask", cluster.scheduler_address,
                                      str(inputs / "*.csv"), "-o", str(out), "--model", model_dir,
                                      "--report", str(html)])
    assert result.exit_code == 0, result.stderr
    with open(out / "freshdesk_tickets.csv", newline="", encoding="utf-8") as f:
        assert [r["Ticket ID"] for r in csv.DictReader(f)] == ["101", "102", "103", "104"]
    with open(out / "broken.csv", newline="", encoding="utf-8") as f:
        assert [r["id"] for r in csv.DictReader(f)] == ["1", "3", "7", "8"]
    assert "classified 8 of 13 rows" in result.stderr
    assert "broken.csv: broken quoting" in result.stderr
    data = json.loads(re.search(r'id="report-data">(.*?)</script>', html.read_text(), re.S).group(1))
    assert sum(data["counts"]) == 8


@pytest.mark.parametrize(
    "args, message",
    [
        (["--dask", "local", "x.csv"], "give an output directory with -o"),
        (["--dask", "local", "nothing-here-*.csv", "-o", "out"], "no input file matches"),
    ],
)
def test_cli_dask_errors(args, message, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["classify", *args])
    assert result.exit_code != 0 and message in result.stderr
