"""Reading helpdesk exports: formats, encodings, column guessing, bad rows that never shift others."""

import io
import json

import pytest

from attune.model.errors import DataError, InvalidInput
from attune.classify import readers, writers
from attune.classify.readers import Row, Skipped, delimited, encoding, jsonish, open_export

DATA = __import__("pathlib").Path(__file__).parent / "data"


def read(source, **kwargs):
    export = open_export(source, **kwargs)
    try:
        return export, list(export.rows())
    finally:
        export.close()


def texts(items):
    return {item.row: item.text for item in items if isinstance(item, Row)}


def skips(items):
    return {item.row: (item.line, item.reason) for item in items if isinstance(item, Skipped)}


@pytest.mark.parametrize(
    "name, kind, encoding, text_column, id_column, date_column, n_rows, n_skipped",
    [
        ("broken.csv", "csv", "utf-8", "text", "id", "created_at", 4, 4),
        ("excel_cp1252.csv", "csv", "cp1252", "customer message", None, "date", 2, 0),
        ("bom_tabs.tsv", "csv", "utf-8-sig", "customer_note", None, None, 2, 0),
        ("freshdesk_tickets.csv", "freshdesk", "utf-8", "Description", "Ticket ID", "Created time", 4, 1),
        ("messages.json", "json", "utf-8", "message", "id", "created", 3, 1),
        ("messages.jsonl", "jsonl", "utf-8", "message", "id", "created", 3, 2),
        ("zendesk_tickets.json", "zendesk", "utf-8", "description", "id", "created_at", 2, 1),
        ("zendesk_tickets.jsonl", "zendesk", "utf-8", "description", "id", "created_at", 2, 1),
    ],
)
def test_formats_are_recognised(name, kind, encoding, text_column, id_column, date_column, n_rows,
                                n_skipped):
    export, items = read(DATA / name)
    assert (export.kind, export.encoding) == (kind, encoding)
    assert (export.text_column, export.id_column, export.date_column) == (
        text_column, id_column, date_column)
    assert len(texts(items)) == n_rows
    assert len(skips(items)) == n_skipped
    assert [item.row for item in items] == list(range(1, len(items) + 1))


def test_bad_csv_rows_are_reported_and_skipped_without_shifting_others():
    _, items = read(DATA / "broken.csv")
    assert skips(items) == {
        2: (3, "broken quoting"),
        4: (5, "no text in column 'text'"),
        5: (6, "undecodable bytes (not valid utf-8)"),
        6: (7, "has 5 fields, expected 3"),
    }
    rows = {item.row: item for item in items if isinstance(item, Row)}
    # Each good row keeps its own id: the stray quote on line 3 swallowed nothing.
    assert {r: rows[r].fields["id"] for r in rows} == {1: "1", 3: "3", 7: "7", 8: "8"}
    assert rows[1].text == "I'm furious, the café order was wrong again"
    assert rows[7].text == "Where do I find the invoice?\nI don't understand the menu."
    assert rows[7].line == 9
    assert rows[8].text.startswith("I'm worried my data is lost — please")


@pytest.mark.parametrize(
    "body, expected_ids, skipped_lines",
    [
        # A quote opened and never closed, with quoted fields after it.
        ('id,text\n1,"open\n2,"fine ""x"""\n3,plain\n', ["2", "3"], [2]),
        # A quote opened, closed several lines later in mid-field: strict parsing rejects it.
        ('id,text\n1,"open\n2,next\n3,5" inch\n4,ok\n', ["2", "3", "4"], [2]),
        # An inch mark inside an unquoted field is text, not quoting.
        ('id,text\n1,a 5" screen\n2,ok\n', ["1", "2"], []),
        # Spreadsheet exports pad rows with empty cells.
        ('id,text\n1,hello there,,\n2,ok\n', ["1", "2"], []),
        # A quoted field holding the delimiter and a newline is one field.
        ('id,text\n1,"a, b\nc"\n2,ok\n', ["1", "2"], []),
    ],
)
def test_csv_quoting_cases(body, expected_ids, skipped_lines):
    _, items = read(io.BytesIO(body.encode()), input_format="csv")
    assert [i.fields["id"] for i in items if isinstance(i, Row)] == expected_ids
    assert [i.line for i in items if isinstance(i, Skipped)] == skipped_lines


def test_unterminated_quote_in_a_big_file_costs_one_row(monkeypatch):
    monkeypatch.setattr(delimited, "MAX_RECORD_CHARS", 2000)
    body = 'id,text\n1,"never closed\n' + "".join(f"{i},row number {i}\n" for i in range(2, 500))
    _, items = read(io.BytesIO(body.encode()), input_format="csv")
    assert skips(items) == {1: (2, skips(items)[1][1])}
    assert skips(items)[1][1].startswith("broken quoting")
    assert [i.fields["id"] for i in items if isinstance(i, Row)] == [str(i) for i in range(2, 500)]


@pytest.mark.parametrize(
    "sample, expected",
    [
        (b"plain ascii", "utf-8"),
        (b"\xef\xbb\xbfid,text", "utf-8-sig"),
        ("caf\u00e9 \u2014 na\u00efve".encode("utf-8"), "utf-8"),
        ("caf\u00e9 \u2014 na\u00efve".encode("cp1252"), "cp1252"),
        # Mostly valid UTF-8 with one stray byte: UTF-8, the stray byte becomes a bad row.
        ("caf\u00e9 \u00e9t\u00e9 ".encode("utf-8") + b"\xff", "utf-8"),
        # A multi-byte character cut by the end of the sample is not a bad byte.
        ("caf\u00e9 \u2014".encode("utf-8")[:-1], "utf-8"),
    ],
)
def test_detect_encoding(sample, expected):
    assert readers.detect_encoding(sample) == expected


def test_cp1252_text_is_decoded():
    _, items = read(DATA / "excel_cp1252.csv")
    assert texts(items)[1] == "Ich bin wütend – the café charged me twice"
    assert texts(items)[2] == "Merci beaucoup, c’est réglé — thank you!"


def test_zendesk_comments_are_one_row_per_requester_comment():
    export, items = read(DATA / "zendesk_tickets.json", unit="comment")
    rows = [i for i in items if isinstance(i, Row)]
    assert export.text_column == "comment_body"
    assert [(r.fields["ticket_id"], r.fields["comment_id"]) for r in rows] == [
        (35436, 9001), (35436, 9003), (35437, 9010)]  # the agent's comment 9002 is left out
    assert rows[1].text.startswith("Thank you so much")
    assert rows[0].fields["subject"] == "Charged twice for one order"


def test_comment_unit_needs_zendesk():
    with pytest.raises(InvalidInput, match="Zendesk"):
        open_export(DATA / "freshdesk_tickets.csv", unit="comment")


def test_text_column_guess_prefers_prose():
    body = "code,score,note\nA-1,3,My parcel never arrived and nobody answers\nB-2,5,It works now thank you\n"
    export, _ = read(io.BytesIO(body.encode()), input_format="csv")
    assert (export.text_column, export.text_column_guessed) == ("note", True)


@pytest.mark.parametrize("wanted, expected", [("Note", "note"), ("note", "note")])
def test_text_column_given_is_matched_case_insensitively(wanted, expected):
    body = "code,note\nA,some words here\n"
    export, items = read(io.BytesIO(body.encode()), input_format="csv", text_column=wanted)
    assert export.text_column == expected and not export.text_column_guessed
    assert texts(items) == {1: "some words here"}


def test_unknown_text_column_names_the_columns():
    with pytest.raises(InvalidInput, match="columns are: id, text, created_at"):
        open_export(DATA / "broken.csv", text_column="body")


def test_no_prose_column_asks_for_text_column():
    with pytest.raises(InvalidInput, match="--text-column"):
        open_export(io.BytesIO(b"a,b\n1,2\n3,4\n"), input_format="csv")


@pytest.mark.parametrize("body", [b"", b"   \n"])
def test_empty_file_is_a_clear_error(body):
    with pytest.raises((DataError, InvalidInput)):
        open_export(io.BytesIO(body), input_format="csv")


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(InvalidInput, match="cannot open"):
        open_export(str(tmp_path / "nope.csv"))


def test_stdin_is_read_and_sniffed(monkeypatch):
    data = (DATA / "messages.jsonl").read_bytes()
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(data)))
    export, items = read("-")
    assert export.kind == "jsonl"
    assert len(texts(items)) == 3


def test_json_array_read_in_small_blocks_keeps_every_item(monkeypatch):
    # Items cut by block boundaries must come out whole and in order.
    items = [{"id": i, "text": f"message number {i} " + "x" * (i % 7)} for i in range(300)]
    body = json.dumps(items).encode()
    monkeypatch.setattr(encoding, "_SAMPLE_BYTES", 64)
    real = jsonish._json_array_items

    def small_blocks(stream):
        class Small:
            def read(self, n):
                return stream.read(13)
        return real(Small())

    monkeypatch.setattr(readers, "_json_array_items", small_blocks)
    _, rows = read(io.BytesIO(body), input_format="json")
    assert [r.fields["id"] for r in rows] == list(range(300))


def test_broken_json_item_is_skipped_and_reading_goes_on():
    body = b'[\n {"id": 1, "text": "first"},\n {"id": 2, "text": oops},\n {"id": 3, "text": "third"}\n]'
    _, items = read(io.BytesIO(body), input_format="json")
    assert texts(items) == {1: "first", 3: "third"}
    assert skips(items) == {2: (3, "broken JSON")}


def test_json_array_of_strings():
    export, items = read(io.BytesIO(b'["help me please", "", "thanks a lot"]'))
    assert export.text_column == "text"
    assert texts(items) == {1: "help me please", 3: "thanks a lot"}


@pytest.mark.parametrize(
    "path, fmt, expected",
    [("out.csv", None, "csv"), ("out.jsonl", None, "jsonl"), ("-", None, "csv"), (None, "jsonl", "jsonl")],
)
def test_output_format(path, fmt, expected):
    assert writers.output_format(path, fmt) == expected


def test_result_columns_never_overwrite_input_columns():
    assert writers.result_columns(["id", "label"], ("angry", "neutral")) == [
        "attune_label", "confidence", "intensity", "score_angry", "score_neutral"]


def _one_line_array(n, broken_at, broken):
    items = [json.dumps({"id": i, "text": f"message number {i}", "via": {"channel": "web"}})
             for i in range(1, n + 1)]
    items[broken_at - 1] = broken
    return ("[" + ", ".join(items) + "]").encode()


@pytest.mark.parametrize(
    "broken",
    [
        '{"id": 500, "text": oops, "via": {"channel": "web"}}',  # a bare word
        '{"id": 500, "text": "never closed, "via": {"channel": "web"}}',  # an unterminated string
        '{"id": 500, "text": "cut short", "via": {"channel": ',  # an item cut in the middle
    ],
)
def test_one_line_json_array_resyncs_after_a_broken_item(broken):
    # json.dumps writes no newlines: reading must go on at the next object on the same line.
    _, items = read(io.BytesIO(_one_line_array(1000, 500, broken)), input_format="json")
    assert skips(items) == {500: (1, "broken JSON")}
    rows = [i for i in items if isinstance(i, Row)]
    assert [r.fields["id"] for r in rows] == [i for i in range(1, 1001) if i != 500]
    assert [i.row for i in items] == list(range(1, 1001))


def test_pretty_json_array_resyncs_when_the_next_object_shares_a_line():
    body = (b'[\n {"id": 1, "text": "first"},\n {"id": 2, "text": oops}, {"id": 3, "text": "third"},\n'
            b' {"id": 4, "text": "fourth", "nested": {"a": [1, {"b": 2}]}}\n]')
    _, items = read(io.BytesIO(body), input_format="json")
    assert texts(items) == {1: "first", 3: "third", 4: "fourth"}
    assert skips(items) == {2: (3, "broken JSON")}
    assert [i.line for i in items] == [2, 3, 3, 4]


def test_broken_item_with_nested_objects_never_yields_its_parts():
    # The nested {"channel": ...} of a broken item is not an item of the array.
    body = b'[{"id": 1, "text": "a b"}, {"id": 2, "via": {"channel": "web"}, "text": bad}, {"id": 3, "text": "c d"}]'
    _, items = read(io.BytesIO(body), input_format="json")
    assert [i.fields["id"] for i in items if isinstance(i, Row)] == [1, 3]
    assert len(items) == 3


@pytest.mark.parametrize("block", [7, 13, 64])
def test_one_line_json_array_resyncs_across_small_blocks(monkeypatch, block):
    body = _one_line_array(60, 30, '{"id": 30, "text": "never closed, "via": {"channel": "web"}}')
    monkeypatch.setattr(encoding, "_SAMPLE_BYTES", 64)
    monkeypatch.setattr(jsonish, "MAX_RECORD_CHARS", 80)  # judged early: the next item is not read yet
    real = jsonish._json_array_items

    def small_blocks(stream):
        class Small:
            def read(self, n):
                return stream.read(block)
        return real(Small())

    monkeypatch.setattr(readers, "_json_array_items", small_blocks)
    _, items = read(io.BytesIO(body), input_format="json")
    assert skips(items) == {30: (1, "broken JSON")}
    assert [i.fields["id"] for i in items if isinstance(i, Row)] == [i for i in range(1, 61) if i != 30]


@pytest.mark.parametrize("line", ["part of a long log, with commas, {n}", "part of a long pasted log {n}"])
def test_a_quoted_field_over_a_million_characters_is_one_field(line):
    # A pasted log of 40,000 lines in one ticket is one field, not 40,000 records.
    giant = "\n".join(line.format(n=n) for n in range(40_000))
    assert len(giant) > readers.MAX_RECORD_CHARS
    body = f'id,text\n1,"{giant}"\n2,after the log\n3,"two\nlines"\n'
    _, items = read(io.BytesIO(body.encode()), input_format="csv")
    assert skips(items) == {}
    assert [(i.row, i.line, i.fields["id"]) for i in items] == [(1, 2, "1"), (2, 40_002, "2"), (3, 40_003, "3")]
    assert items[0].text == giant


def test_a_bad_record_after_a_giant_field_is_reported_once_at_its_own_line(monkeypatch):
    monkeypatch.setattr(delimited, "MAX_RECORD_CHARS", 500)  # pending lines go to disk past this
    body = ('id,text\n1,"' + "\n".join(f"log line {n}" for n in range(300)) + '"\n'
            '2,"opened here\n3,and closed" mid-field\n4,fine\n')
    _, items = read(io.BytesIO(body.encode()), input_format="csv")
    assert skips(items) == {2: (302, "broken quoting")}
    assert [(i.row, i.line, i.fields["id"]) for i in items if isinstance(i, Row)] == [
        (1, 2, "1"), (3, 303, "3"), (4, 304, "4")]


@pytest.mark.parametrize(
    "codec, expected",
    [("utf-16", "utf-16"), ("utf-16-le", "utf-16-le"), ("utf-16-be", "utf-16-be"),
     ("utf-32", "utf-32"), ("utf-32-le", "utf-32-le"), ("utf-32-be", "utf-32-be")],
)
def test_utf16_and_utf32_are_detected_by_bom_or_nul_pattern(codec, expected):
    sample = "id,text\n1,I'm furious, the café charged me twice\n".encode(codec)
    assert readers.detect_encoding(sample) == expected


@pytest.mark.parametrize(
    "name, encoding_, first",
    [("excel_unicode.txt", "utf-16", "I'm furious, the café charged me twice — again"),
     ("utf16_nobom.csv", "utf-16-le", "Still waiting for my refund, I'm worried")],
)
def test_utf16_exports_are_decoded(name, encoding_, first):
    export, items = read(DATA / name)
    assert (export.encoding, export.columns, export.text_column) == (encoding_, ["id", "message"], "message")
    assert skips(items) == {}
    assert texts(items)[1] == first
    assert len(texts(items)) == 2


@pytest.mark.parametrize(
    "head, hint",
    [(b"PK\x03\x04\x14\x00\x06\x00", "xlsx"), (b"\x1f\x8b\x08\x00", "gzip"), (b"%PDF-1.7\n", "PDF"),
     (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary")],
)
def test_binary_files_are_refused_with_a_clear_error(head, hint):
    body = head + bytes(range(256)) * 8
    with pytest.raises(InvalidInput, match=hint) as caught:
        open_export(io.BytesIO(body))
    assert "\\x" not in str(caught.value) and "\x00" not in str(caught.value)  # no bytes echoed


def test_a_bad_utf16_unit_costs_its_row_only():
    body = ("id,text\n1,hello there\n2,bad ".encode("utf-16-le") + b"\x00\xdc"
            + " unit\n3,more words\n".encode("utf-16-le"))
    export, items = read(io.BytesIO(body), input_format="csv")
    assert export.encoding == "utf-16-le"
    assert texts(items) == {1: "hello there", 3: "more words"}
    assert skips(items) == {2: (3, "undecodable bytes (not valid utf-16-le)")}


def test_ticket_id_and_subject_is_not_freshdesk_and_the_message_is_read():
    # Freshdesk is Ticket ID + Description; a Message column holds the text, not the Subject.
    export, items = read(DATA / "subject_and_message.csv")
    assert (export.kind, export.text_column, export.text_column_how) == ("csv", "Message", "guessed")
    assert texts(items)[1].startswith("I returned the blender")


def test_freshdesk_text_column_is_by_format_and_a_given_one_is_given():
    export, _ = read(DATA / "freshdesk_tickets.csv")
    assert (export.text_column, export.text_column_how) == ("Description", "format")
    export, _ = read(DATA / "freshdesk_tickets.csv", text_column="subject")
    assert (export.text_column, export.text_column_how) == ("Subject", "given")


@pytest.mark.parametrize(
    "body, expected",
    [
        # A subject line is a last resort: the longer free text wins.
        ("Subject,Notes\nRefund,I returned it weeks ago and still no refund at all\n"
         "Login,Since the update I cannot log in and I am stuck\n", "Notes"),
        # A known text name whose cells are all empty is not the text.
        ("Body,Details\n,The app crashes every time I open the invoices page\n"
         ",Please call me back about my order\n", "Details"),
        # Only a subject: it is read (and said to be guessed).
        ("id,subject\n1,Where is my parcel please\n2,Card declined twice today\n", "subject"),
    ],
)
def test_text_column_guess_prefers_free_text_over_subject_lines(body, expected):
    export, _ = read(io.BytesIO(body.encode()), input_format="csv")
    assert (export.text_column, export.text_column_how) == (expected, "guessed")


def test_a_quote_open_past_the_longest_field_is_a_stray_quote():
    # Memory stays bounded: past the field limit an open quote is stray, not a field.
    import csv

    body = 'id,text\n1,"never closed\n' + "".join(f"{i},row number {i}\n" for i in range(2, 400))
    old = csv.field_size_limit(1000)
    try:
        _, items = read(io.BytesIO(body.encode()), input_format="csv")
    finally:
        csv.field_size_limit(old)
    assert skips(items) == {1: (2, "broken quoting (quote still open after the longest field)")}
    assert [i.fields["id"] for i in items if isinstance(i, Row)] == [str(i) for i in range(2, 400)]
