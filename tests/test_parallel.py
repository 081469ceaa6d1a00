"""The parallel CSV path (classify/parallel.py) writes what the plain path writes, byte for byte.

Each case runs the same file through ``classify_file`` with one job (the plain path: one reader,
one writer) and with two jobs and tiny pieces (the parallel path: workers read and write, pieces
cut at every few hundred bytes), then compares the output bytes and every skipped row.
"""

import csv
import io
import random

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from attune.classify import ClassifyOptions, classify_file, parallel
from attune.model.labels import LABELS

HEADER = "Ticket ID,Subject,Description,Status\r\n"
PARTS = ["I want my money back NOW.", "thanks, that fixed it!", "where do I find the export?",
         "I'm so worried about our data", "still not working, third time", "Hi,\n\nplease call me.",
         'he said "soon" twice', "Regards,\nSam\n--\nContoso", "> On Monday you wrote:\n> fixed"]


def run_both(tmp_path, data, model, piece_bytes, monkeypatch, name="in.csv", text_column=None):
    source = tmp_path / name
    source.write_bytes(data)
    results = {}
    for jobs in (1, 2):
        out = tmp_path / f"out{jobs}.csv"
        seen = []
        monkeypatch.setattr(parallel, "CHUNK_BYTES", piece_bytes)
        options = ClassifyOptions(model=model, jobs=jobs, text_column=text_column)
        summary, _ = classify_file(str(source), str(out), options, on_skip=seen.append)
        skipped = [(s.row, s.line, s.reason) for s in summary.skipped]
        assert skipped == [(s.row, s.line, s.reason) for s in seen]
        results[jobs] = (out.read_bytes(), skipped, summary.rows, summary.classified, dict(summary.labels))
    return results


def tickets(rng, n):
    rows = []
    for i in range(n):
        text = " ".join(rng.choice(PARTS) for _ in range(rng.randint(1, 4)))
        rows.append([i + 1, f"Ticket {i + 1}", text, rng.choice(["Open", "Solved"])])
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return HEADER + buffer.getvalue()


@pytest.fixture
def model(tiny_model_dir):
    return str(tiny_model_dir)


def test_it_is_the_parallel_path_that_runs(tmp_path, model, monkeypatch):
    # Otherwise every comparison below would compare the plain path with itself.
    calls = []
    real = parallel.classify_piece
    monkeypatch.setattr(parallel, "classify_piece", lambda *a, **k: calls.append(1) or real(*a, **k))
    source = tmp_path / "in.csv"
    source.write_text(tickets(random.Random(1), 30), encoding="utf-8", newline="")
    classify_file(str(source), str(tmp_path / "out.csv"), ClassifyOptions(model=model, jobs=2))
    assert calls  # the one-piece file is read by the parallel code in this process


@pytest.mark.parametrize("piece_bytes", [64, 300, 1 << 20])
def test_multiline_quoted_tickets_come_out_the_same(tmp_path, model, monkeypatch, piece_bytes):
    data = tickets(random.Random(2), 300).encode()
    both = run_both(tmp_path, data, model, piece_bytes, monkeypatch)
    assert both[1] == both[2]
    assert both[2][3] == 300


@pytest.mark.parametrize("piece_bytes", [40, 150, 1000])
def test_broken_rows_are_reported_as_the_plain_reader_reports_them(tmp_path, model, monkeypatch, piece_bytes):
    good = tickets(random.Random(3), 40).split("\r\n")
    lines = good[:5] + [
        '99,Ticket 99,"a quote that never closes,Open',  # swallows lines until the reader gives up
        "98,Ticket 98,too,many,fields,here",
        "",  # a blank line is no row
        "97,Ticket 97,   ,Open",  # no text
        "96,Ticket 96,trailing cells,Open,,",
    ] + good[5:20] + ['95,Ticket 95,"another, "bad" quote",Open'] + good[20:]
    data = "\r\n".join(lines).encode()
    both = run_both(tmp_path, data, model, piece_bytes, monkeypatch)
    assert both[1] == both[2]
    assert len(both[2][1]) >= 3


def test_a_stray_quote_at_the_end_of_the_file(tmp_path, model, monkeypatch):
    data = (tickets(random.Random(4), 50) + '51,Ticket 51,"never closed\nstill inside,Open\r\n').encode()
    both = run_both(tmp_path, data, model, 100, monkeypatch)
    assert both[1] == both[2]


def test_a_stray_quote_in_a_file_without_other_quotes(tmp_path, model, monkeypatch):
    # No newline after it has an even count of quotes: pieces are cut at any newline and joined.
    rows = [f"{i},Ticket {i},thanks a lot for order {i},Open" for i in range(200)]
    rows[20] = '20,Ticket 20,"never closed and no other quote follows,Open'
    both = run_both(tmp_path, ("Ticket ID,Subject,Description,Status\n" + "\n".join(rows)).encode(),
                    model, 64, monkeypatch)
    assert both[1] == both[2]
    assert both[2][1] and both[2][1][0][:2] == (21, 22)
    # and the main process never holds the rest of the file as one piece
    source = tmp_path / "in.csv"
    pieces = list(parallel._pieces(source, 0, 64))
    assert b"".join(pieces) == source.read_bytes()
    assert max(map(len, pieces)) <= 1000  # the file is 9,000 bytes


def test_cp1252_with_bad_bytes_and_tabs_and_a_bom(tmp_path, model, monkeypatch):
    rows = ["ref\ttext\tchannel"] + [f"r{i}\tcaf\xe9 order {i}, I'm so worried\tmail" for i in range(60)]
    data = "\r\n".join(rows).encode("cp1252").replace(b"order 7,", b"order \x81 7,")
    both = run_both(tmp_path, data, model, 120, monkeypatch, "in.tsv")
    assert both[1] == both[2]
    bom = b"\xef\xbb\xbf" + "\n".join(r.replace("\xe9", "é") for r in rows).encode()
    both = run_both(tmp_path, bom, model, 120, monkeypatch, "bom.tsv")
    assert both[1] == both[2]


def test_the_header_a_cut_cannot_read_goes_the_plain_way(tmp_path, model, monkeypatch):
    # A quoted header name with a line break: the plan still reads it, or leaves it alone.
    data = ('"Ticket\nID",text\r\n' + "".join(f"{i},thanks a lot {i}\r\n" for i in range(40))).encode()
    both = run_both(tmp_path, data, model, 64, monkeypatch)
    assert both[1] == both[2]


def test_cut_ends_at_the_last_newline_outside_quotes():
    assert parallel.cut(b'1,"a\nb"\n2,"c\nd') == 8
    assert parallel.cut(b'1,"a\nb') is None
    assert parallel.cut(b"1,a\n2,b\n") == 8


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cells=st.lists(st.lists(st.sampled_from(['a', '"', '""', ',', '\n', '\r\n', ' ', 'é', 'thanks!', 'NOW']),
                               max_size=6).map("".join), min_size=1, max_size=80),
       piece_bytes=st.integers(8, 200))
def test_any_line_soup_comes_out_the_same(tmp_path_factory, model, monkeypatch, cells, piece_bytes):
    tmp_path = tmp_path_factory.mktemp("soup")
    data = ("id,text\n" + "\n".join(f"{i},{c}" for i, c in enumerate(cells))).encode()
    # The column is named: soup may leave every text cell empty, and then nothing can be guessed.
    both = run_both(tmp_path, data, model, piece_bytes, monkeypatch, text_column="text")
    assert both[1] == both[2]


def test_a_header_alone_and_a_last_row_without_newline(tmp_path, model, monkeypatch):
    for data in (HEADER.encode(), (HEADER + '1,T,"thanks, all fixed",Open').encode()):
        both = run_both(tmp_path, data, model, 64, monkeypatch)
        assert both[1] == both[2]


@pytest.mark.parametrize("changes, fmt, report", [
    ({"jobs": 1}, "csv", False), ({"strict": True}, "csv", False), ({}, "jsonl", False), ({}, "csv", True)])
def test_what_the_parallel_path_leaves_to_the_plain_one(tmp_path, model, changes, fmt, report):
    from attune.classify import readers

    source = tmp_path / "in.csv"
    source.write_text(tickets(random.Random(5), 5), encoding="utf-8", newline="")
    export = readers.open_export(str(source))
    assert parallel.plan(str(source), export, ClassifyOptions(model=model, jobs=2), "csv", False) is not None
    options = ClassifyOptions(model=model, jobs=2).replace(**changes)
    assert parallel.plan(str(source), export, options, fmt, report) is None
    json_export = tmp_path / "in.jsonl"
    json_export.write_text('{"text": "thanks"}\n')
    assert parallel.plan(str(json_export), readers.open_export(str(json_export)), options, "csv", False) is None
