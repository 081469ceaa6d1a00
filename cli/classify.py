"""``attune classify``: label a whole helpdesk export offline, with an optional HTML report."""

import csv
import io
import os
import sys
import time

import click

from attune.model.errors import InvalidInput

from attune.classify import ClassifyOptions, classify_file
from attune.classify.pipeline import check_writable
from attune.model.limits import MAX_TEXT_CHARS


class _Progress:
    """A one-line progress bar with rate and ETA on stderr; does nothing unless stderr is a TTY."""

    def __init__(self, export, enabled):
        self._export = export
        self._enabled = enabled
        self._last = 0.0

    def __call__(self, summary):
        now = time.monotonic()
        if not self._enabled or now - self._last < 0.2:
            return
        self._last = now
        rate = summary.rows / summary.seconds if summary.seconds else 0.0
        done, total = self._export.progress()
        line = f"{summary.rows:>12,} rows  {rate:>9,.0f} rows/s"
        if total and summary.read:
            # Bytes read run ahead of rows done by the chunks in flight: scale them back.
            fraction = min(done / total * summary.rows / summary.read, 1.0)
            filled = int(fraction * 24)
            eta = summary.seconds * (1 - fraction) / fraction if fraction else 0
            line = f"[{'#' * filled}{'.' * (24 - filled)}] {fraction:4.0%} {line}  ETA {_clock(eta)}"
        click.echo("\r" + line, err=True, nl=False)

    def finish(self):
        if self._enabled:
            click.echo("\r\033[K", err=True, nl=False)


def _clock(seconds):
    seconds = int(seconds)
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


def _echo_summary(summary, shown=20):
    rate = summary.rows / summary.seconds if summary.seconds else 0.0
    click.echo(
        f"attune: classified {summary.classified:,} of {summary.rows:,} rows "
        f"in {summary.seconds:.1f} s ({rate:,.{0 if rate >= 10 else 1}f} rows/s)",
        err=True,
    )
    for label, count in summary.labels.most_common():
        share = count / summary.classified if summary.classified else 0
        click.echo(f"  {label:<13}{count:>10,}  {share:6.1%}", err=True)
    if summary.skipped_total:
        reasons = ", ".join(f"{reason} {n:,}" for reason, n in summary.skip_reasons.most_common())
        click.echo(f"  skipped {summary.skipped_total:,}: {reasons}", err=True)
        for skipped in summary.skipped[:shown]:
            click.echo(f"    {_where(skipped)}: {skipped.reason}", err=True)
        if summary.skipped_total > shown:
            click.echo(f"    ... and {summary.skipped_total - shown:,} more (--skipped FILE lists all)",
                       err=True)


def _where(skipped):
    return f"row {skipped.row}" + (f" (line {skipped.line})" if skipped.line else "")


@click.command()
@click.argument("inputs", nargs=-1, required=True, metavar="INPUT")
@click.option("-o", "--output", help="Output file, '-' for stdout (default); a directory with --dask.")
@click.option("--format", "fmt", type=click.Choice(["csv", "jsonl"]),
              help="Output format (default: from the output name, else csv).")
@click.option("--input-format", type=click.Choice(["auto", "csv", "json", "jsonl"]), default="auto",
              show_default=True, help="Input format (auto: by extension, else by content).")
@click.option("--text-column", help="Column (or JSON key) holding the ticket text (default: guessed).")
@click.option("--id-column", help="Column naming each ticket in the report (default: guessed).")
@click.option("--date-column", help="Created-at column for the report's timeline (default: guessed).")
@click.option("--unit", type=click.Choice(["ticket", "comment"]), default="ticket", show_default=True,
              help="Zendesk: one row per ticket description, or per requester comment.")
@click.option("--report", "report_path", type=click.Path(dir_okay=False),
              help="Also write a self-contained HTML report here.")
@click.option("--jobs", "-j", type=click.IntRange(1), default=lambda: os.cpu_count() or 1,
              show_default="number of CPUs", help="Worker processes.")
@click.option("--model", "model_dir", type=click.Path(file_okay=False, exists=True),
              help="Model directory (default: the current model, as `attune serve` uses).")
@click.option("--max-chars", type=click.IntRange(1), default=MAX_TEXT_CHARS, show_default=True,
              help="Read at most this many characters of each ticket.")
@click.option("--strict", is_flag=True, help="Stop at the first bad row instead of skipping it.")
@click.option("--skipped", "skipped_path", type=click.Path(dir_okay=False),
              help="Write every skipped row (row, line, reason) to this CSV file.")
@click.option("--dask", "scheduler", metavar="SCHEDULER",
              help="Run on a Dask cluster: a scheduler address, or 'local'. One task per input file.")
@click.option("-q", "--quiet", is_flag=True, help="No progress bar and no summary.")
def classify(inputs, output, fmt, input_format, text_column, id_column, date_column, unit,
             report_path, jobs, model_dir, max_chars, strict, skipped_path, scheduler, quiet):
    """Classify every ticket of a helpdesk export (CSV, JSON, JSONL, Zendesk, Freshdesk).

    Writes the input's columns plus label, confidence, intensity and score_<label> (CSV), or each
    input object with the full result under "attune" (JSONL). Bad rows are reported and skipped.

    \b
    Examples:
        attune classify tickets.csv -o labelled.csv --report report.html
        zcat export.jsonl.gz | attune classify - --format jsonl > labelled.jsonl
        attune classify --unit comment zendesk.json -o comments.csv
        attune classify --dask tcp://10.0.0.5:8786 'exports/*.csv' -o out/
    """
    options = ClassifyOptions(input_format=input_format, text_column=text_column, id_column=id_column,
                              date_column=date_column, unit=unit, format=fmt, model=model_dir,
                              max_chars=max_chars, strict=strict, jobs=jobs)
    if scheduler:
        _classify_on_dask(scheduler, inputs, output, options, report_path, quiet)
        return
    if len(inputs) != 1:
        raise click.UsageError("give one INPUT (several files or patterns need --dask)")
    try:
        _classify_local(inputs[0], output, options, report_path, skipped_path, quiet)
    except BrokenPipeError:
        # Whoever read stdout stopped (`| head`): stop quietly, as Unix tools do.
        try:
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        except (OSError, ValueError, io.UnsupportedOperation):
            pass
        raise SystemExit(1) from None


def _classify_local(source, output, options, report_path, skipped_path, quiet):
    progress = None
    for path, what in ((output, "output"), (report_path, "report"), (skipped_path, "skipped rows")):
        check_writable(path, what)  # before an hour of classifying, not after

    def opened(export):
        nonlocal progress
        if not quiet and export.empty:
            click.echo(f"attune: reading {export.kind} ({export.encoding}): the export has no tickets; "
                       "writing an empty output", err=True)
        elif not quiet:
            click.echo(f"attune: reading {export.kind} ({export.encoding}), text from "
                       f"{export.text_column!r} ({export.text_source()})", err=True)
        progress = _Progress(export, enabled=not quiet and sys.stderr.isatty())

    try:
        skipped_file = open(skipped_path, "w", encoding="utf-8", newline="") if skipped_path else None
    except OSError as exc:
        raise InvalidInput(f"cannot write the skipped rows {skipped_path}: {exc.strerror}") from exc
    try:
        on_skip = None
        if skipped_file:
            skipped_writer = csv.writer(skipped_file)
            skipped_writer.writerow(["row", "line", "reason"])
            on_skip = lambda s: skipped_writer.writerow([s.row, s.line or "", s.reason])  # noqa: E731
        summary, aggregate = classify_file(
            source, output, options, report=bool(report_path), on_open=opened, on_skip=on_skip,
            on_chunk=lambda summary: progress(summary))
    finally:
        if progress:
            progress.finish()
        if skipped_file:
            skipped_file.close()
    if aggregate is not None:
        from attune.classify import report

        report.write_report(aggregate, report_path, summary, title="Attune report",
                            source=None if source == "-" else source)
    if not quiet:
        _echo_summary(summary)
        if report_path:
            click.echo(f"attune: report written to {report_path}", err=True)


def _classify_on_dask(scheduler, inputs, output, options, report_path, quiet):
    from attune.classify import cluster, report

    if not output or output == "-":
        raise click.UsageError("--dask writes one file per input: give an output directory with -o")
    if "-" in inputs:
        raise InvalidInput("--dask reads files the workers can see; stdin cannot be shared")
    check_writable(report_path, "report")
    started = time.monotonic()
    outputs, summary, aggregate = cluster.classify_files_on_dask(
        scheduler, inputs, output, options, want_report=bool(report_path))
    summary.seconds = time.monotonic() - started
    if aggregate is not None:
        report.write_report(aggregate, report_path, summary, title="Attune report")
    if not quiet:
        for source, destination in outputs:
            click.echo(f"attune: {source} -> {destination}", err=True)
        _echo_summary(summary)


commands = [classify]
