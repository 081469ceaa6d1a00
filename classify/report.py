"""The HTML report of a classified export: one self-contained file that opens offline.

:class:`Aggregate` sees each result once and keeps only bounded summaries (counts, histograms,
per-day counts, per-channel/group/product counts, the most frequent cue words from the ticket
bodies, the 20 open tickets that most need an empathetic reply), so a report costs the same memory
for a thousand rows or a million. What it reads besides the text (links, status, breakdown
columns, where a body ends) is in :mod:`.report_fields`. Aggregates from several
files or Dask tasks merge. Plotly's own bundled ``plotly.min.js`` is inlined; it is imported
only when a report is written.
"""

import collections
import datetime as dt
import heapq
import itertools
import json
import os
from pathlib import Path

from markupsafe import Markup, escape

from attune.model.errors import InvalidInput
from attune.model.labels import COLORS, LABELS, NEGATIVE

from . import report_fields as fields

__all__ = ["Aggregate", "need_score", "need_band", "highlight", "plotly_js_path", "render_report", "write_report"]

TOP_TICKETS = 20
INTENSITY_BINS = 10
_SHOWN_CHARS = 1500
_CUE_KEEP = 5000  # distinct cue words kept per label once pruning starts
_CUE_PRUNE_AT = 20000
_BREAKDOWN_VALUES = 200  # distinct values kept per breakdown column; the rest count as "(other)"
BREAKDOWN_SHOWN = 12
_THIN_PERIOD = 10  # fewer tickets than this in a week (or a quarter of the usual week): drawn pale
_unique = itertools.count()

_DATE_FORMATS = ("%m/%d/%Y", "%d.%m.%Y", "%Y/%m/%d", "%d %b %Y", "%b %d, %Y", "%d/%m/%Y")


def need_score(result):
    """How much a ticket needs an empathetic reply first: negative emotion x intensity (0..1)."""
    negative = sum(result["scores"].get(label, 0.0) for label in NEGATIVE)
    return round(negative * result["intensity"], 4)


#: The need scale as the report explains it: (lowest need of the band, name, what it means).
NEED_BANDS = (
    (0.6, "urgent", "clearly negative and strongly felt: answer these first"),
    (0.4, "high", "clearly negative, with some force"),
    (0.0, "moderate", "negative, but calm or mixed"),
)


def need_band(need):
    """The name of the band of the need scale that ``need`` falls in."""
    return next(name for low, name, _ in NEED_BANDS if need >= low)


def parse_day(value):
    """The calendar day of a created-at value (ISO 8601, common export formats, epoch), or None."""
    if value is None or value == "":
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        seconds = value / 1000 if value > 1e11 else value  # epoch milliseconds
        try:
            return dt.datetime.fromtimestamp(seconds, dt.timezone.utc).date()
        except (OverflowError, OSError, ValueError):
            return None
    text = str(value).strip()
    try:
        return dt.date.fromisoformat(text[:10])
    except ValueError:
        pass
    first = text.split(" ")[0] if "," not in text else text
    for fmt in _DATE_FORMATS:
        for candidate in (first, text):
            try:
                return dt.datetime.strptime(candidate, fmt).date()
            except ValueError:
                continue
    return None


class Aggregate:
    """Bounded running summaries of classified rows, enough to draw the report."""

    def __init__(self):
        self.labels = collections.Counter()
        self.intensity = {label: [0] * INTENSITY_BINS for label in LABELS}
        self.days = collections.defaultdict(collections.Counter)
        self.undated = 0
        self.cues = {label: collections.Counter() for label in LABELS}
        self.top = []  # heap of (need, -order, unique number, ticket): dicts are never compared
        self._top_keys = {}  # normalised body -> ticket in the heap, to fold identical tickets
        self.rows = 0
        self.model = None
        self.sources = []
        self.reading = []  # how each export was read: "'Message' (guessed; ...)"
        self.done_left_out = 0  # solved/closed tickets with a negative emotion, not ranked
        self.breakdowns = {}  # "channel" -> {value: Counter of labels} (bounded)
        self._export, self._columns = None, None

    def describe(self, export):
        """Note which column of ``export`` holds the text and how it was chosen."""
        how = export.text_source() if hasattr(export, "text_source") else "given"
        line = f"Ticket text read from the column {export.text_column!r} of a {export.kind} export ({how})"
        if export.text_column is not None and line not in self.reading:
            self.reading.append(line)

    def _columns_of(self, export, row):
        if self._columns is None or export is not self._export:
            self._export = export
            self._columns = fields.Columns(getattr(export, "columns", None) or list(row.fields))
        return self._columns

    def add(self, row, result, export=None):
        """Count one classified row (``export`` tells which columns hold the id and the date)."""
        label = result["label"]
        self.rows += 1
        self.labels[label] += 1
        self.model = result.get("model", self.model)
        b = min(int(result["intensity"] * INTENSITY_BINS), INTENSITY_BINS - 1)
        self.intensity.setdefault(label, [0] * INTENSITY_BINS)[b] += 1
        date_column = getattr(export, "date_column", None)
        if date_column:
            day = parse_day(row.fields.get(date_column))
            if day is None:
                self.undated += 1
            else:
                self.days[day.isoformat()][label] += 1
        columns = self._columns_of(export, row)
        for what, column in columns.breakdowns:
            self._count_breakdown(what, fields.breakdown_value(row.fields, column), label)
        # Cue words only from the body: never a sign-off ("Thanks, Maria") or "Sent from my iPhone".
        body = fields.body_filter(row.text)
        cues = result.get("cues", ())
        if body[1] or body[0] < len(row.text):  # most tickets have neither sign-off nor footer
            cues = [c for c in cues if fields.in_body(c, body)]
        for cue in cues:
            counter = self.cues.setdefault(cue.get("label", label), collections.Counter())
            counter[cue["text"].strip().lower()] += 1
            if len(counter) > _CUE_PRUNE_AT:
                kept = counter.most_common(_CUE_KEEP)
                counter.clear()
                counter.update(dict(kept))
        need = need_score(result)
        if label not in NEGATIVE or need <= 0:
            return  # the list is for tickets that call for empathy first
        if fields.is_done(row.fields, columns.status):
            self.done_left_out += 1  # solved or closed: nobody is waiting for a reply
            return
        key = fields.body_key(row.text, body)
        if key in self._top_keys:
            self._top_keys[key]["same"] += 1  # a copy (bulk mail, reposts): count it, list it once
            return
        if len(self.top) < TOP_TICKETS or need > self.top[0][0]:
            id_column = getattr(export, "id_column", None)
            ticket = {
                "id": row.fields.get(id_column) if id_column else None,
                "url": fields.ticket_url(row.fields, columns.url),
                "status": row.fields.get(columns.status) if columns.status else None,
                "row": row.row,
                "label": label,
                "confidence": result["confidence"],
                "intensity": result["intensity"],
                "need": need,
                "text": row.text[:_SHOWN_CHARS],
                "cut": len(row.text) > _SHOWN_CHARS,
                "cues": [c for c in cues if c["end"] <= _SHOWN_CHARS],
                "same": 0,
                "key": key,
            }
            self._push((need, -self.rows, next(_unique), ticket))

    def _count_breakdown(self, what, value, label):
        if value is not None:
            self._breakdown_counter(what, value)[label] += 1

    def _breakdown_counter(self, what, value):
        values = self.breakdowns.setdefault(what, {})
        if value not in values and len(values) >= _BREAKDOWN_VALUES:
            value = "(other)"  # bounded: a free-text column must not grow without end
        return values.setdefault(value, collections.Counter())

    def _push(self, item):
        if len(self.top) < TOP_TICKETS:
            heapq.heappush(self.top, item)
        else:
            dropped = heapq.heapreplace(self.top, item)
            self._top_keys.pop(dropped[3]["key"], None)
        self._top_keys[item[3]["key"]] = item[3]

    def merge(self, other):
        """Fold another aggregate (another file, another Dask task) into this one."""
        self.rows += other.rows
        self.labels.update(other.labels)
        for label, bins in other.intensity.items():
            mine = self.intensity.setdefault(label, [0] * INTENSITY_BINS)
            self.intensity[label] = [a + b for a, b in zip(mine, bins)]
        for day, counts in other.days.items():
            self.days[day].update(counts)
        self.undated += other.undated
        for label, counter in other.cues.items():
            self.cues.setdefault(label, collections.Counter()).update(counter)
        # Orders restart per aggregate: rank by need, then order, never by comparing dicts.
        tickets = {}
        for need, order, _, ticket in sorted(self.top + other.top, key=lambda x: (-x[0], -x[1])):
            if ticket["key"] in tickets:
                tickets[ticket["key"]][3]["same"] += ticket["same"] + 1
            else:
                tickets[ticket["key"]] = (need, order, next(_unique), dict(ticket))
        self.top = list(tickets.values())[:TOP_TICKETS]
        heapq.heapify(self.top)
        self._top_keys = {t["key"]: t for _, _, _, t in self.top}
        self.model = self.model or other.model
        self.sources += other.sources
        self.reading += [line for line in other.reading if line not in self.reading]
        self.done_left_out += other.done_left_out
        for what, values in other.breakdowns.items():
            for value, counts in values.items():
                self._breakdown_counter(what, value).update(counts)
        return self

    def top_tickets(self):
        """The tickets that most need an empathetic reply, most urgent first."""
        return [t for _, _, _, t in sorted(self.top, key=lambda x: (-x[0], -x[1]))]

    def timeline(self):
        """(bucket name, periods, {label: counts}) by week (Monday first), by month past two years.

        Weeks, not days: a day holds too few tickets for its shares to mean anything.
        """
        if not self.days:
            return None
        days = sorted(self.days)
        first, last = dt.date.fromisoformat(days[0]), dt.date.fromisoformat(days[-1])
        if (last - first).days <= 731:
            unit, key = "week", lambda d: d - dt.timedelta(days=d.weekday())
        else:
            unit, key = "month", lambda d: d.replace(day=1)
        buckets = collections.defaultdict(collections.Counter)
        for day in days:
            buckets[key(dt.date.fromisoformat(day))].update(self.days[day])
        # Every period between the first and the last, so a quiet week shows as zero, not a gap.
        periods, day = [], first
        while day <= last:
            if not periods or key(day) != periods[-1]:
                periods.append(key(day))
            day += dt.timedelta(days=1)
        names = [p.isoformat() for p in periods]
        return unit, names, {label: [buckets[p][label] for p in periods] for label in LABELS}

    def breakdown_rows(self, n=BREAKDOWN_SHOWN):
        """{what: [(value, tickets, {label: share})]} for the ``n`` most frequent values of each."""
        out = {}
        for what, values in self.breakdowns.items():
            ranked = sorted(values.items(), key=lambda kv: (-sum(kv[1].values()), kv[0]))[:n]
            out[what] = [(value, sum(c.values()), {label: c[label] / sum(c.values()) for label in LABELS})
                         for value, c in ranked]
        return out

    def top_cues(self, n=10):
        return {label: self.cues.get(label, collections.Counter()).most_common(n) for label in LABELS}


def highlight(text, cues):
    """``text`` escaped for HTML, with each cue span in a ``<mark>`` (overlaps keep the first)."""
    parts, at = [], 0
    for cue in sorted(cues, key=lambda c: (c["start"], -c["end"])):
        start, end = cue["start"], cue["end"]
        if start < at or end <= start or end > len(text):
            continue
        label = cue.get("label", "")
        parts.append(escape(text[at:start]))
        parts.append(Markup('<mark class="cue cue-{0}" title="{0}">{1}</mark>').format(
            label if label in COLORS else "other", text[start:end]))
        at = end
    parts.append(escape(text[at:]))
    return Markup("").join(parts)


def plotly_js_path():
    """The plotly.js bundled with the ``plotly`` package, inlined so the report opens offline."""
    try:
        import plotly
    except ImportError:
        raise InvalidInput("--report needs plotly: pip install 'plotly>=5.15'") from None
    path = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
    if not path.is_file():
        raise InvalidInput(f"this plotly ({plotly.__version__}) has no bundled plotly.min.js")
    return path


def _plotly_js():
    return plotly_js_path().read_text(encoding="utf-8")


def _json_for_script(data):
    # Inside <script> only "</" and "<!--" can end it early; \u003c makes any "<" harmless.
    return json.dumps(data, ensure_ascii=False).replace("<", "\\u003c").replace("\u2028", "\\u2028")


def _timeline_data(timeline):
    if timeline is None:
        return None
    unit, periods, series = timeline
    totals = [sum(series[label][i] for label in LABELS) for i in range(len(periods))]
    shares = {label: [round(n / t, 4) if t else 0 for n, t in zip(series[label], totals)] for label in LABELS}
    # A week of a handful of tickets (a partial first or last week) swings by chance: drawn pale.
    busy = sorted(t for t in totals if t)
    thin_below = max(_THIN_PERIOD, busy[len(busy) // 2] // 4) if busy else _THIN_PERIOD
    return {"unit": unit, "periods": periods, "totals": totals, "series": series, "shares": shares,
            "thin_below": thin_below, "thin": [0 < t < thin_below for t in totals]}


def render_report(aggregate, summary=None, title="Attune report", source=None):
    """The report as one HTML string."""
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    env = Environment(
        loader=FileSystemLoader(Path(__file__).parent / "templates"),
        autoescape=select_autoescape(["html"]),
    )
    total = aggregate.rows
    negative = sum(aggregate.labels[label] for label in NEGATIVE)
    breakdowns = aggregate.breakdown_rows()
    timeline = _timeline_data(aggregate.timeline())
    data = {
        "labels": list(LABELS),
        "colors": COLORS,
        "counts": [aggregate.labels[label] for label in LABELS],
        "intensity": {label: aggregate.intensity.get(label, [0] * INTENSITY_BINS) for label in LABELS},
        "bins": [round(i / INTENSITY_BINS, 2) for i in range(INTENSITY_BINS)],
        "timeline": timeline,
        "cues": aggregate.top_cues(),
        "breakdowns": breakdowns,
    }
    tickets = [
        {**t, "html": highlight(t["text"], t["cues"]), "band": need_band(t["need"])}
        for t in aggregate.top_tickets()
    ]
    skipped = None
    if summary is not None:
        skipped = {"total": summary.skipped_total, "reasons": summary.skip_reasons.most_common()}
    return env.get_template("report.html").render(
        title=title,
        source=os.path.basename(str(source)) if source else None,
        generated=dt.datetime.now().strftime("%Y-%m-%d %H:%M"),
        model=aggregate.model,
        total=total,
        negative_share=(negative / total) if total else 0.0,
        negative_labels=NEGATIVE,
        need_bands=NEED_BANDS,
        reading=aggregate.reading,
        done_left_out=aggregate.done_left_out,
        undated=aggregate.undated,
        thin_below=timeline["thin_below"] if timeline and any(timeline["thin"]) else None,
        timeline_unit=timeline["unit"] if timeline else "week",
        skipped=skipped,
        tickets=tickets,
        breakdowns=list(breakdowns),
        colors=COLORS,
        data_json=Markup(_json_for_script(data)),
        plotly_js=Markup(_plotly_js()),
    )


def write_report(aggregate, path, summary=None, title="Attune report", source=None):
    """Write the report atomically to ``path``; return the path."""
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    page = render_report(aggregate, summary, title, source)
    try:
        tmp.write_text(page, encoding="utf-8")
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise InvalidInput(f"cannot write the report {path}: {exc.strerror}") from exc
    return path
