"""`attune classify`: every input format, stdin/stdout, bad rows, process pool order, --strict."""

import csv
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from attune.model.labels import LABELS
from attune.classify import parallel, pipeline, pool, readers, writers
from attune.cli import cli

DATA = Path(__file__).parent / "data"
SCORES = [f"score_{label}" for label in LABELS]


@pytest.fixture
def run(tiny_model_dir):
    model_dir = str(tiny_model_dir)

    def invoke(*args, input=None):
        return CliRunner().invoke(cli, ["classify", "--model", model_dir, *map(str, args)],
                                  input=input, catch_exceptions=False)

    return invoke


def read_csv(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def expected(tiny_model, text):
    return tiny_model.analyze(text)


@pytest.mark.parametrize(
    "name, id_column, ids",
    [
        ("broken.csv", "id", ["1", "3", "7", "8"]),
        ("excel_cp1252.csv", "ticket", ["A1", "A2"]),
        ("bom_tabs.tsv", "ref", ["r1", "r2"]),
        ("freshdesk_tickets.csv", "Ticket ID", ["101", "102", "103", "104"]),
        ("messages.json", "id", ["m1", "m2", "m4"]),
        ("messages.jsonl", "id", ["m1", "m2", "m4"]),
        ("zendesk_tickets.json", "id", ["35436", "35437"]),
        ("zendesk_tickets.jsonl", "id", ["35436", "35437"]),
    ],
)
def test_each_format_to_csv(run, tiny_model, tmp_path, name, id_column, ids):
    out = tmp_path / "out.csv"
    result = run(DATA / name, "-o", out)
    assert result.exit_code == 0, result.stderr
    rows = read_csv(out)
    assert [r[id_column] for r in rows] == ids
    export = readers.open_export(DATA / name)
    texts = {str(r.fields[id_column]): r.text for r in export.rows() if isinstance(r, readers.Row)}
    export.close()
    for row in rows:
        want = expected(tiny_model, texts[row[id_column]])
        # The row's own text gave this result: nothing shifted.
        assert row["label"] == want["label"]
        assert float(row["confidence"]) == pytest.approx(want["confidence"])
        assert float(row["intensity"]) == pytest.approx(want["intensity"])
        assert sum(float(row[c]) for c in SCORES) == pytest.approx(1.0, abs=1e-3)
    assert list(rows[0])[-(3 + len(LABELS)):] == ["label", "confidence", "intensity", *SCORES]


def test_jsonl_output_is_the_input_object_plus_the_full_result(run, tiny_model, tmp_path):
    out = tmp_path / "out.jsonl"
    result = run(DATA / "zendesk_tickets.json", "-o", out)
    assert result.exit_code == 0, result.stderr
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [line["id"] for line in lines] == [35436, 35437]
    assert lines[0]["via"] == {"channel": "email", "source": {"from": {}, "to": {}, "rel": None}}
    assert lines[0]["attune"] == tiny_model.analyze(lines[0]["description"])


def test_zendesk_comments(run, tiny_model, tmp_path):
    out = tmp_path / "out.csv"
    result = run(DATA / "zendesk_tickets.jsonl", "--unit", "comment", "-o", out)
    assert result.exit_code == 0, result.stderr
    rows = read_csv(out)
    assert [r["comment_id"] for r in rows] == ["9001", "9003", "9010"]
    assert rows[1]["label"] == expected(tiny_model, rows[1]["comment_body"])["label"]


def test_stdin_to_stdout(run, tiny_model):
    data = (DATA / "messages.jsonl").read_bytes()
    result = run("-", "--format", "jsonl", input=data)
    assert result.exit_code == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["id"] for line in lines] == ["m1", "m2", "m4"]
    assert lines[2]["attune"]["label"] == expected(tiny_model, lines[2]["message"])["label"]
    assert "row 3 (line 3): broken JSON" in result.stderr


def test_csv_stdin_to_csv_stdout(run):
    result = run("-", input=(DATA / "freshdesk_tickets.csv").read_bytes())
    assert result.exit_code == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [r["Ticket ID"] for r in rows] == ["101", "102", "103", "104"]
    assert "\n" in rows[0]["Description"]  # a multi-line description survives the round trip


def test_bad_rows_are_reported_with_row_numbers_and_skipped(run, tmp_path):
    out, skipped = tmp_path / "out.csv", tmp_path / "skipped.csv"
    result = run(DATA / "broken.csv", "-o", out, "--skipped", skipped)
    assert result.exit_code == 0, result.stderr
    assert "classified 4 of 8 rows" in result.stderr
    for where in ("row 2 (line 3): broken quoting", "row 4 (line 5): no text",
                  "row 5 (line 6): undecodable bytes", "row 6 (line 7): has 5 fields"):
        assert where in result.stderr
    assert [r["row"] for r in read_csv(skipped)] == ["2", "4", "5", "6"]
    # Ticket text is private: it never reaches the log, only the output file.
    assert "furious" not in result.stderr and "café" not in result.stderr


def test_summary_counts_labels(run, tmp_path):
    result = run(DATA / "freshdesk_tickets.csv", "-o", tmp_path / "out.csv")
    counts = {}
    for line in result.stderr.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[0] in LABELS:
            counts[parts[0]] = int(parts[1].replace(",", ""))
    assert sum(counts.values()) == 4
    assert "reading freshdesk (utf-8), text from 'Description'" in result.stderr


def test_text_column_is_named_when_guessed(run, tmp_path):
    result = run(DATA / "bom_tabs.tsv", "-o", tmp_path / "o.csv")
    assert "text from 'customer_note' (guessed; --text-column to choose)" in result.stderr


def test_no_progress_bar_when_piped(run, tmp_path):
    result = run(DATA / "broken.csv", "-o", tmp_path / "o.csv")
    assert "\r" not in result.stderr and "ETA" not in result.stderr


def test_strict_stops_at_the_first_bad_row_and_leaves_no_output(run, tmp_path):
    out = tmp_path / "out.csv"
    result = run(DATA / "broken.csv", "-o", out, "--strict")
    assert result.exit_code == 1
    assert "row 2 (line 3): broken quoting" in result.stderr
    assert not out.exists() and list(tmp_path.glob("*.part")) == []


@pytest.mark.parametrize(
    "args, message",
    [
        (["--text-column", "body"], "no text column 'body'; columns are: id, text, created_at"),
        (["--unit", "comment"], "--unit comment needs a Zendesk"),
    ],
)
def test_bad_options_are_one_clear_line(run, tmp_path, args, message):
    result = run(DATA / "broken.csv", "-o", tmp_path / "o.csv", *args)
    assert result.exit_code == 1
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_input_columns_named_like_results_are_kept(run, tmp_path):
    src = tmp_path / "labelled.csv"
    src.write_text("text,label\nI want my money back NOW,angry\n", encoding="utf-8")
    result = run(src, "-o", tmp_path / "o.csv")
    assert result.exit_code == 0, result.stderr
    row = read_csv(tmp_path / "o.csv")[0]
    assert row["label"] == "angry" and row["attune_label"] in LABELS


def test_pool_keeps_every_result_on_its_own_row(tiny_model, tmp_path, monkeypatch):
    # Many small chunks through two worker processes come back in input order.
    texts = [f"{t} (ticket {i})" for i, t in enumerate(
        ["I want my money back NOW", "thanks, that fixed it", "where do I find it?",
         "I'm so worried about my data", "still not working, third time"] * 40)]
    buffer = io.StringIO()
    csv.writer(buffer).writerows([("id", "text"), *enumerate(texts)])
    body = buffer.getvalue()
    outs = {}
    for jobs in (1, 2):
        export = readers.open_export(io.BytesIO(body.encode()), input_format="csv")
        stream = io.StringIO()
        writer = writers.make_writer(stream, "csv", export.columns, LABELS)
        summary = pipeline.classify_export(export, writer, tiny_model, jobs=jobs, chunk_rows=7)
        assert summary.classified == len(texts)
        outs[jobs] = list(csv.DictReader(io.StringIO(stream.getvalue())))
    assert outs[1] == outs[2]
    want = tiny_model.analyze_batch(texts)
    assert [r["label"] for r in outs[2]] == [w["label"] for w in want]
    assert [r["id"] for r in outs[2]] == [str(i) for i in range(len(texts))]


def test_csv_is_the_same_with_the_report_as_without(run, tmp_path):
    # Without a report, CSV output asks the workers for scores only (no cues): same file.
    plain, with_report = tmp_path / "plain.csv", tmp_path / "report.csv"
    assert run(DATA / "freshdesk_tickets.csv", "-o", plain, "--jobs", "2").exit_code == 0
    assert run(DATA / "freshdesk_tickets.csv", "-o", with_report, "--report", tmp_path / "r.html").exit_code == 0
    assert plain.read_bytes() == with_report.read_bytes()


def test_only_the_fields_asked_for_come_back(tiny_model):
    texts = ["thanks a lot", "   ", "third time, I want my money back NOW"]
    keep = ("label", "confidence", "intensity", "scores")
    slim, full = pool.analyze_texts(tiny_model, texts, keep=keep), pool.analyze_texts(tiny_model, texts)
    assert isinstance(slim[1], Exception) and slim[1].code == "empty_text"
    for a, b in ((slim[0], full[0]), (slim[2], full[2])):
        assert list(a) == list(keep) and a == {k: b[k] for k in keep}


def test_a_text_the_model_refuses_is_skipped_not_fatal(tiny_model):
    # Whitespace-only text is refused by the model; its neighbours in the chunk still get results.
    results = pool.analyze_texts(tiny_model, ["thanks a lot", "   ", "I'm furious"])
    assert isinstance(results[1], Exception) and results[1].code == "empty_text"
    assert results[0]["label"] == tiny_model.analyze("thanks a lot")["label"]
    assert results[2]["label"] == tiny_model.analyze("I'm furious")["label"]


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_corrupt_model_is_one_clear_line_and_no_output(tiny_model_dir, tmp_path, monkeypatch, jobs):
    bad = tmp_path / "bad-model"
    bad.mkdir()
    for f in Path(tiny_model_dir).iterdir():
        (bad / f.name).write_bytes(f.read_bytes())
    artifact = next(bad.glob("*.joblib"))
    artifact.write_bytes(artifact.read_bytes()[:-10] + b"0123456789")
    monkeypatch.setattr(pipeline, "CHUNK_ROWS", 1)  # several chunks: the worker pool is used
    monkeypatch.setattr(parallel, "CHUNK_BYTES", 64)  # also on the parallel CSV path
    out = tmp_path / "out.csv"
    result = CliRunner().invoke(cli, ["classify", str(DATA / "freshdesk_tickets.csv"), "--model", str(bad),
                                      "--jobs", jobs, "-o", str(out)])
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines()[-1].startswith("Error: ")
    assert "sha256" in result.stderr or "corrupt" in result.stderr.lower()
    assert not out.exists()


def test_progress_bar_shows_rate_and_eta_on_a_terminal(capsys):
    from attune.cli.classify import _Progress

    export = readers.open_export(DATA / "freshdesk_tickets.csv")
    list(export.rows())  # the whole file has been read
    export.close()
    summary = pipeline.Summary(rows=50, read=100, seconds=5.0)
    _Progress(export, enabled=True)(summary)
    line = capsys.readouterr().err
    # Half the rows read are done, so half the file: 10 rows/s, 5 s to go.
    assert line.startswith("\r[############............]  50%")
    assert "50 rows" in line and "10 rows/s" in line and "ETA 0:00:05" in line
    _Progress(export, enabled=False)(summary)
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize(
    "name, args, line",
    [
        ("subject_and_message.csv", [], "reading csv (utf-8), text from 'Message' (guessed; --text-column to choose)"),
        ("subject_and_message.csv", ["--text-column", "subject"], "text from 'Subject' (given with --text-column)"),
        ("freshdesk_tickets.csv", [], "reading freshdesk (utf-8), text from 'Description' (Freshdesk format)"),
        ("zendesk_tickets.json", [], "reading zendesk (utf-8), text from 'description' (Zendesk format)"),
        ("excel_unicode.txt", [], "reading csv (utf-16), text from 'message' (guessed; --text-column to choose)"),
    ],
)
def test_the_column_read_is_always_named_with_how_it_was_chosen(run, tmp_path, name, args, line):
    result = run(DATA / name, "-o", tmp_path / "o.csv", *args)
    assert result.exit_code == 0, result.stderr
    assert line in result.stderr


@pytest.mark.parametrize(
    "where, message",
    [
        (["-o", "{tmp}/missing/out.csv"], "cannot write the output {tmp}/missing/out.csv: there is no folder {tmp}/missing"),
        (["-o", "{tmp}"], "cannot write the output {tmp}: it is a folder"),
        (["-o", "{tmp}/o.csv", "--report", "{tmp}/missing/r.html"],
         "cannot write the report {tmp}/missing/r.html: there is no folder {tmp}/missing"),
        (["-o", "{tmp}/o.csv", "--skipped", "{tmp}/missing/s.csv"],
         "cannot write the skipped rows {tmp}/missing/s.csv: there is no folder {tmp}/missing"),
    ],
)
def test_an_output_that_cannot_be_written_is_one_line_before_any_work(run, tmp_path, where, message):
    result = run(DATA / "freshdesk_tickets.csv", *[w.format(tmp=tmp_path) for w in where])
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines() == ["Error: " + message.format(tmp=tmp_path)]
    assert not (tmp_path / "o.csv").exists()


def test_a_binary_file_is_refused_without_printing_its_bytes(run, tmp_path):
    src = tmp_path / "tickets.csv"
    src.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4)
    result = run(src, "-o", tmp_path / "o.csv")
    assert result.exit_code == 1
    assert result.stderr.strip() == "Error: cannot read tickets.csv: it is a binary file, not CSV, JSON or JSONL text"


@pytest.mark.parametrize(
    "body, kind",
    [(b'{"tickets": [], "next_page": null, "count": 0}', "zendesk"), (b"[]", "json"),
     (b"Ticket ref,Notes\n", "csv")],
)
def test_an_export_with_no_tickets_writes_an_empty_output(run, tmp_path, body, kind):
    src = tmp_path / ("export.csv" if kind == "csv" else "export.json")
    src.write_bytes(body)
    out = tmp_path / "o.csv"
    result = run(src, "-o", out, "--report", tmp_path / "r.html")
    assert result.exit_code == 0, result.stderr
    assert f"attune: reading {kind} (utf-8): the export has no tickets" in result.stderr
    assert "classified 0 of 0 rows" in result.stderr
    assert read_csv(out) == [] and out.read_text().startswith(("label,", "Ticket ref,Notes,label,"))
    assert "The export has no classified tickets." in (tmp_path / "r.html").read_text(encoding="utf-8")
