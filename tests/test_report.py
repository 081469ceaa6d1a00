"""The HTML report: bounded aggregates, escaping, self-contained output, rendering in Chromium."""

import datetime as dt
import json
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from attune.model.labels import LABELS
from attune.classify import report
from attune.cli import cli
from attune.classify.readers import Row

DATA = Path(__file__).parent / "data"
HOSTILE = 'I am furious </script><script>alert("x")</script> & <b>done</b>'


def result(label, intensity=0.5, cues=(), confidence=0.8):
    scores = {name: round((1 - confidence) / (len(LABELS) - 1), 4) for name in LABELS}
    scores[label] = confidence
    return {"label": label, "confidence": confidence, "scores": scores, "intensity": intensity,
            "cues": list(cues), "model": "test-1"}


class _Export:
    id_column, date_column = "id", "created"


def row(n, text="some text", created=None, **more):
    return Row(n, n + 1, {"id": f"T{n}", "created": created, **more}, text)


def _data(page):
    return json.loads(re.search(r'id="report-data">(.*?)</script>', page, re.S).group(1))


def _cue(text, word, label):
    start = text.index(word)
    return {"start": start, "end": start + len(word), "text": word, "label": label}


@pytest.mark.parametrize(
    "value, day",
    [
        ("2026-03-02T09:14:00Z", dt.date(2026, 3, 2)),
        ("2026-02-10 08:12:44", dt.date(2026, 2, 10)),
        ("05.01.2026", dt.date(2026, 1, 5)),
        ("01/31/2026 10:00", dt.date(2026, 1, 31)),
        (1767225600, dt.date(2026, 1, 1)),
        (1767225600000, dt.date(2026, 1, 1)),
        ("not a date", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_day(value, day):
    assert report.parse_day(value) == day


@pytest.mark.parametrize(
    "label, intensity, need",
    [("angry", 1.0, 0.8 + 4 * round(0.2 / 6, 4)), ("grateful", 1.0, 5 * round(0.2 / 6, 4)),
     ("angry", 0.0, 0.0)],
)
def test_need_score_is_negative_emotion_times_intensity(label, intensity, need):
    assert report.need_score(result(label, intensity)) == pytest.approx(need, abs=1e-4)


def test_highlight_escapes_text_and_marks_cues():
    start = HOSTILE.index("furious")
    cues = [{"start": start, "end": start + 7, "text": "furious", "label": "angry"},
            {"start": start + 2, "end": start + 5, "text": "rio", "label": "angry"}]  # overlap: dropped
    html = str(report.highlight(HOSTILE, cues))
    assert '<mark class="cue cue-angry" title="angry">furious</mark>' in html
    assert html.count("<mark") == 1
    assert "<script>" not in html and "&lt;script&gt;" in html and "&amp;" in html


def test_aggregate_keeps_the_most_needy_negative_tickets():
    agg = report.Aggregate()
    for n in range(100):
        label = "angry" if n % 2 else "grateful"
        agg.add(row(n, f"ticket text {n}"), result(label, intensity=n / 100), _Export)
    top = agg.top_tickets()
    assert len(top) == report.TOP_TICKETS
    assert [t["id"] for t in top[:3]] == ["T99", "T97", "T95"]
    assert all(t["label"] == "angry" for t in top)
    assert agg.labels == {"angry": 50, "grateful": 50}
    assert sum(agg.intensity["angry"]) == 50 and agg.intensity["angry"][9] == 5


def test_aggregates_merge_like_one():
    # The same text always gets the same result, as from the model; some texts repeat.
    rows = [(row(n, f"text {n % 45}", created=f"2026-01-{n % 28 + 1:02d}"),
             result(LABELS[n % 45 % 7], n % 45 / 45,
                    [{"start": 0, "end": 4, "text": "Some", "label": LABELS[n % 45 % 7]}]))
            for n in range(60)]
    whole, left, right = report.Aggregate(), report.Aggregate(), report.Aggregate()
    for i, (r, res) in enumerate(rows):
        whole.add(r, res, _Export)
        (left if i < 25 else right).add(r, res, _Export)
    merged = left.merge(right)
    assert merged.labels == whole.labels and merged.rows == whole.rows == 60
    assert merged.intensity == whole.intensity
    assert merged.days == whole.days
    assert merged.top_cues() == whole.top_cues()
    assert [(t["id"], t["same"]) for t in merged.top_tickets()] == [
        (t["id"], t["same"]) for t in whole.top_tickets()]


def test_identical_tickets_are_listed_once_and_counted():
    agg = report.Aggregate()
    for n in range(30):
        text = "I want my money back NOW" if n % 3 == 0 else f"this is ticket {n}, still broken"
        agg.add(row(n, text if n % 3 else text.upper()), result("angry", 0.9 if n % 3 == 0 else n / 40),
                _Export)
    top = agg.top_tickets()
    assert top[0]["id"] == "T0" and top[0]["same"] == 9  # case and spacing do not make it different
    assert len({t["text"].lower() for t in top}) == len(top)


def test_timeline_is_weekly_with_quiet_weeks_as_zero_and_months_past_two_years():
    agg = report.Aggregate()
    agg.add(row(1, created="2026-01-01"), result("angry"), _Export)  # a Thursday: week of Dec 29
    agg.add(row(2, created="2026-01-04"), result("grateful"), _Export)
    agg.add(row(3, created="2026-01-20"), result("angry"), _Export)
    agg.add(row(4, created="garbage"), result("neutral"), _Export)
    unit, periods, series = agg.timeline()
    assert unit == "week" and periods == ["2025-12-29", "2026-01-05", "2026-01-12", "2026-01-19"]
    assert series["angry"] == [1, 0, 0, 1] and series["grateful"] == [1, 0, 0, 0]
    assert agg.undated == 1
    agg.add(row(5, created="2028-06-30"), result("angry"), _Export)
    unit, periods, series = agg.timeline()
    assert unit == "month" and periods[0] == "2026-01-01"
    assert sum(series["angry"]) == 3


def test_report_timeline_is_weekly_shares():
    agg = report.Aggregate()
    for n, (label, day) in enumerate([("angry", "2026-01-05"), ("angry", "2026-01-06"), ("grateful", "2026-01-07"),
                                      ("neutral", "2026-01-08"), ("angry", "2026-01-20")]):
        agg.add(row(n, created=day), result(label), _Export)
    timeline = _data(report.render_report(agg))["timeline"]
    assert timeline["unit"] == "week" and timeline["periods"] == ["2026-01-05", "2026-01-12", "2026-01-19"]
    assert timeline["totals"] == [4, 0, 1]
    assert timeline["shares"]["angry"] == [0.5, 0, 1.0] and timeline["shares"]["grateful"] == [0.25, 0, 0]


def test_cue_words_stay_bounded(monkeypatch):
    monkeypatch.setattr(report, "_CUE_PRUNE_AT", 50)
    monkeypatch.setattr(report, "_CUE_KEEP", 10)
    agg = report.Aggregate()
    for n in range(500):
        word = "again" if n % 2 else f"w{n}"
        agg.add(row(n), result("frustrated", cues=[{"start": 0, "end": 1, "text": word,
                                                    "label": "frustrated"}]), _Export)
    assert len(agg.cues["frustrated"]) <= 51
    assert agg.top_cues()["frustrated"][0][0] == "again"


def test_report_is_self_contained_and_escaped(tmp_path):
    agg = report.Aggregate()
    start = HOSTILE.index("furious")
    agg.add(row(1, HOSTILE, "2026-01-02"),
            result("angry", 0.9, [{"start": start, "end": start + 7, "text": "furious", "label": "angry"},
                                  {"start": 0, "end": 1, "text": "</script><b>", "label": "angry"}]),
            _Export)
    path = report.write_report(agg, tmp_path / "r.html", source="/secret/dir/tickets.csv")
    html = path.read_text(encoding="utf-8")
    assert 'alert("x")</script>' not in html  # ticket text can never close a script or add one
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html
    assert not re.search(r'<(script|link|img)[^>]+(src|href)=', html)  # nothing loaded from outside
    assert "Plotly" in html and "tickets.csv" in html and "/secret/dir" not in html
    blob = re.search(r'<script type="application/json" id="report-data">(.*?)</script>', html, re.S)
    data = json.loads(blob.group(1))
    assert data["counts"][LABELS.index("angry")] == 1
    assert data["timeline"]["periods"] == ["2025-12-29"]  # the week (from Monday) of Jan 2


def test_classify_writes_the_report(tiny_model_dir, tmp_path):
    model_dir = tiny_model_dir
    out, html = tmp_path / "out.csv", tmp_path / "report.html"
    result_ = CliRunner().invoke(cli, ["classify", str(DATA / "freshdesk_tickets.csv"), "--model",
                                       str(model_dir), "-o", str(out), "--report", str(html)])
    assert result_.exit_code == 0, result_.stderr
    page = html.read_text(encoding="utf-8")
    data = json.loads(re.search(r'id="report-data">(.*?)</script>', page, re.S).group(1))
    assert sum(data["counts"]) == 4
    assert data["timeline"]["periods"][0] == "2026-02-09"  # the week of Feb 10
    assert "1 rows skipped" not in page and "no text (1)" in page


def _chromium():
    try:
        from playwright.sync_api import sync_playwright  # noqa: F401
    except ImportError:
        return None
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.e2e
@pytest.mark.skipif(_chromium() is None, reason="needs playwright and a Chromium")
def test_report_renders_offline_in_chromium(tiny_model, tmp_path):
    from playwright.sync_api import sync_playwright

    agg = report.Aggregate()
    texts = ["I want my money back NOW, this is unacceptable", "Thank you so much, that fixed it",
             "I'm so worried I lost all my data", HOSTILE]
    for n in range(40):
        text = texts[n % 4]
        agg.add(row(n, text, f"2026-01-{n % 20 + 1:02d}"), tiny_model.analyze(text), _Export)
    path = report.write_report(agg, tmp_path / "r.html")
    # Playwright's sync API refuses to run where another sync session (the
    # extension tests' browser) owns this thread's event loop: use a thread.
    errors, outside, clipped = _in_thread(lambda: _render(path, sync_playwright))
    assert errors == [] and outside == [] and clipped == []


@pytest.mark.e2e
@pytest.mark.skipif(_chromium() is None, reason="needs playwright and a Chromium")
@pytest.mark.parametrize("width", [1000, 1280])
def test_no_axis_label_is_clipped(tmp_path, width):
    from playwright.sync_api import sync_playwright

    agg = report.Aggregate()
    for n in range(30):
        agg.add(row(n, f"ticket {n}", f"2026-01-{n % 28 + 1:02d}", channel=f"channel {n % 3}"),
                result(LABELS[n % 7], n / 30, [{"start": 0, "end": 6, "text": "ticket", "label": LABELS[n % 7]}]),
                _Export)
    for label in LABELS:  # a big export's counts: seven-digit tick labels
        agg.labels[label] *= 1_000_000
        agg.intensity[label] = [n * 250_000 for n in agg.intensity[label]]
    path = report.write_report(agg, tmp_path / "r.html")
    # At 1000 px the emotion names under the bars turn sideways and once fell below the chart.
    errors, outside, clipped = _in_thread(lambda: _render(path, sync_playwright, width))
    assert errors == [] and clipped == []


def _in_thread(fn):
    import threading

    out = {}

    def run():
        try:
            out["value"] = fn()
        except BaseException as exc:  # re-raised in the test's thread
            out["error"] = exc

    worker = threading.Thread(target=run)
    worker.start()
    worker.join()
    if "error" in out:
        raise out["error"]
    return out["value"]


def _render(path, sync_playwright, width=1280):
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=_chromium(), args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": width, "height": 900})
        errors, outside = [], []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("console", lambda m: m.type == "error" and errors.append(m.text))
        page.on("request", lambda r: r.url.startswith("file:") or outside.append(r.url))
        page.on("dialog", lambda d: errors.append("dialog: " + d.message))
        page.goto(path.as_uri())
        page.wait_for_selector("body[data-rendered='1']", timeout=20000)
        assert page.locator("#chart-labels .main-svg").count() >= 1
        assert page.locator("#chart-timeline .main-svg").count() >= 1
        assert page.locator("#cue-grid .js-plotly-plot").count() >= 1
        assert page.locator("table tbody tr").count() >= 1
        clipped = page.evaluate(_CLIPPED_JS)
        browser.close()
    return errors, outside, clipped


# Axis titles and tick labels that reach outside their chart's drawing (cut off on screen).
_CLIPPED_JS = """() => [...document.querySelectorAll('.main-svg')].filter(s => !s.closest('.infolayer'))
  .flatMap(svg => {
    const box = svg.getBoundingClientRect();
    return [...svg.querySelectorAll('.g-xtitle text, .g-ytitle text, .xtick text, .ytick text')].filter(t => {
      const r = t.getBoundingClientRect();
      return r.width > 0 && (r.left < box.left - 1 || r.right > box.right + 1 || r.top < box.top - 1
                             || r.bottom > box.bottom + 1);
    }).map(t => t.textContent);
  })"""


def test_report_without_plotly_is_a_clear_error_before_any_work(tiny_model_dir, tmp_path, monkeypatch):
    monkeypatch.setitem(__import__("sys").modules, "plotly", None)  # import plotly -> ImportError
    out = tmp_path / "out.csv"
    result_ = CliRunner().invoke(cli, ["classify", str(DATA / "freshdesk_tickets.csv"),
                                       "--model", str(tiny_model_dir), "-o", str(out),
                                       "--report", str(tmp_path / "r.html")])
    assert result_.exit_code == 1
    assert "--report needs plotly" in result_.stderr
    assert not out.exists()


@pytest.mark.parametrize(
    "column, value, url",
    [
        ("Ticket URL", "https://help.example.com/tickets/5001", "https://help.example.com/tickets/5001"),
        ("url", "https://acme.zendesk.com/api/v2/tickets/35436.json", "https://acme.zendesk.com/agent/tickets/35436"),
        ("url", "javascript:alert(1)", None),  # only web addresses become links
        ("link", "not a link", None),
    ],
)
def test_ticket_ids_link_to_the_ticket_when_the_export_has_urls(column, value, url):
    agg = report.Aggregate()
    agg.add(row(1, "I want my money back NOW", **{column: value}), result("angry", 0.9), _Export)
    assert agg.top_tickets()[0]["url"] == url
    page = report.render_report(agg)
    if url:
        assert f'<a href="{url}" target="_blank" rel="noopener noreferrer">T1</a>' in page
    else:
        assert "<a href" not in page.split("<tbody>")[1].split("</tbody>")[0]


def test_solved_and_closed_tickets_do_not_rank_among_who_needs_a_reply():
    agg = report.Aggregate()
    for n, status in enumerate(["solved", "Closed", "open", "pending", None]):
        agg.add(row(n, f"still broken, ticket {n}", status=status), result("angry", 0.9 - n / 100), _Export)
    assert [t["id"] for t in agg.top_tickets()] == ["T2", "T3", "T4"]
    assert [t["status"] for t in agg.top_tickets()] == ["open", "pending", None]
    assert agg.done_left_out == 2
    page = report.render_report(agg)
    assert "2 solved or closed tickets with a negative emotion are left out" in page


def test_need_gets_an_explained_scale():
    agg = report.Aggregate()
    agg.add(row(1, "furious"), result("angry", 0.95, confidence=0.9), _Export)
    agg.add(row(2, "a bit annoyed"), result("frustrated", 0.3), _Export)
    page = report.render_report(agg)
    assert "the sum of the angry, frustrated, anxious, disappointed, confused scores × intensity" in page
    assert "0.6 and above: clearly negative and strongly felt" in page
    assert [report.need_band(t["need"]) for t in agg.top_tickets()] == ["urgent", "moderate"]
    assert '<span class="band band-urgent">urgent</span>' in page


@pytest.mark.parametrize(
    "text, signature_words",
    [
        ("My order never arrived and I am furious. Sent from my iPhone", ["Sent", "iPhone"]),
        ("My order never arrived and I am furious.\n\nThanks,\nMaria", ["Thanks"]),
        ("My order never arrived and I am furious.\n\nBest regards,\nTom Baker\nAcme Ltd", ["Best", "Acme"]),
        ("<p>My order never arrived and I am furious.</p><p>Sent from my iPhone</p>", ["Sent", "iPhone"]),
    ],
)
def test_signature_words_are_never_cue_words(text, signature_words):
    cues = [_cue(text, "furious", "angry")] + [_cue(text, w, "angry") for w in signature_words]
    agg = report.Aggregate()
    agg.add(row(1, text), result("angry", 0.9, cues), _Export)
    assert agg.top_cues()["angry"] == [("furious", 1)]
    assert [c["text"] for c in agg.top_tickets()[0]["cues"]] == ["furious"]


def test_gratitude_in_the_body_is_still_a_cue():
    text = "Thank you so much, the parcel arrived!\n\nThanks,\nMaria"
    agg = report.Aggregate()
    agg.add(row(1, text), result("grateful", 0.6, [_cue(text, "Thank you", "grateful"),
                                                    _cue(text, "Thanks", "grateful")]), _Export)
    assert agg.top_cues()["grateful"] == [("thank you", 1)]


def test_copies_differing_only_in_signature_are_listed_once():
    agg = report.Aggregate()
    for n, sig in enumerate(["", "\n\nSent from my iPhone", "\n\nThanks,\nMaria"]):
        agg.add(row(n, "Still broken, third time I write" + sig), result("frustrated", 0.8), _Export)
    assert [(t["id"], t["same"]) for t in agg.top_tickets()] == [("T0", 2)]


def test_negative_share_names_the_emotions_it_counts():
    agg = report.Aggregate()
    agg.add(row(1), result("confused"), _Export)
    agg.add(row(2), result("neutral"), _Export)
    page = report.render_report(agg)
    assert "50%</b><span>show a negative emotion: angry, frustrated, anxious, disappointed or confused" in page


def test_breakdown_by_channel_group_and_product():
    agg = report.Aggregate()
    for n, (channel, label) in enumerate([("email", "angry"), ("email", "grateful"), ("chat", "angry"),
                                          (None, "angry")]):
        agg.add(row(n, Group="Billing", via={"channel": channel}), result(label), _Export)
    rows = agg.breakdown_rows()
    assert rows["channel"][0][:2] == ("email", 2) and rows["channel"][0][2]["angry"] == 0.5
    assert rows["channel"][1][:2] == ("chat", 1)
    assert rows["group"] == [("Billing", 4, rows["group"][0][2])]
    page = report.render_report(agg)
    assert 'id="chart-by-channel"' in page and 'id="chart-by-group"' in page
    assert "chart-by-product" not in page


def test_breakdown_values_stay_bounded(monkeypatch):
    monkeypatch.setattr(report, "_BREAKDOWN_VALUES", 5)
    agg = report.Aggregate()
    for n in range(50):
        agg.add(row(n, product=f"p{n}"), result("angry"), _Export)
    assert len(agg.breakdowns["product"]) == 6 and sum(agg.breakdowns["product"]["(other)"].values()) == 45


def test_classify_report_says_which_column_it_read_and_links_tickets(tiny_model_dir, tmp_path):
    html = tmp_path / "report.html"
    result_ = CliRunner().invoke(cli, ["classify", str(DATA / "subject_and_message.csv"), "--model",
                                       str(tiny_model_dir), "-o", str(tmp_path / "o.csv"), "--report", str(html)])
    assert result_.exit_code == 0, result_.stderr
    page = html.read_text(encoding="utf-8")
    assert ("Ticket text read from the column &#39;Message&#39; of a csv export "
            "(guessed; --text-column to choose)") in page
    assert 'href="https://help.example.com/tickets/5001"' in page or 'href="https://help.example.com/tickets/5003"' in page
    assert 'href="https://help.example.com/tickets/5002"' not in page  # solved
    assert set(_data(page)["breakdowns"]) == {"channel"}


def test_weeks_of_a_handful_of_tickets_are_marked_thin():
    agg = report.Aggregate()
    days = ["2026-01-05"] * 40 + ["2026-01-12"] * 44 + ["2026-01-19"] * 3  # a partial last week
    for n, day in enumerate(days):
        agg.add(row(n, created=day), result(LABELS[n % 7]), _Export)
    page = report.render_report(agg)
    timeline = _data(page)["timeline"]
    assert timeline["totals"] == [40, 44, 3] and timeline["thin"] == [False, False, True]
    assert "pale bars are weeks of fewer than 10 tickets" in page
