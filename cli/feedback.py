"""Commands: ``attune feedback list|export|purge`` - the agents' corrections kept for retraining.

The text of a correction is the customer's: ``list`` shows it only when asked (``--text``),
truncated; ``export`` writes it to a file the user chose; ``purge`` deletes it for good.
"""

import json
from datetime import date, datetime, timezone

import click


class _When(click.ParamType):
    """An ISO date (2026-12-01) or date and time; compared with the stored UTC times."""

    name = "DATE"

    def convert(self, value, param, ctx):
        for parse in (date.fromisoformat, datetime.fromisoformat):
            try:
                when = parse(value)
            except ValueError:
                continue
            if isinstance(when, datetime) and when.tzinfo is not None:  # stored times are UTC
                when = when.astimezone(timezone.utc).replace(tzinfo=None)
            return when.isoformat()
        self.fail(f"{value!r} is not a date like 2026-12-01 (or 2026-12-01T09:00)", param, ctx)


_BEFORE = click.option("--before", type=_When(), help="Only corrections stored before this date (UTC).")


@click.group()
def feedback():
    """The corrections agents sent from the extension (used by `attune retrain`).

    Example: attune feedback list --before 2026-12-01
    """


@feedback.command("list")
@_BEFORE
@click.option("--text", "show_text", is_flag=True, help="Also show the start of each message (the customer's words).")
@click.option("--width", default=60, show_default=True, type=click.IntRange(10, 500), help="Characters of text shown.")
def list_(before, show_text, width):
    """One line per correction: id, date, label given, label predicted, source.

    Example: attune feedback list --text
    """
    from attune.store.feedback import iter_feedback

    n = 0
    for row in iter_feedback(before=before):
        n += 1
        line = (f"{row['id']:>6}  {row['created_at'][:19].replace('T', ' ')}  {row['label']:<12} "
                f"(model said {row['predicted'] or '?'})  {row['source'] or ''}").rstrip()
        if show_text:
            text = " ".join(row["text"].split())
            line += "  " + json.dumps(text if len(text) <= width else text[: width - 1] + "…", ensure_ascii=False)
        click.echo(line)
    click.echo(f"{n} correction{'s' if n != 1 else ''}", err=True)


@feedback.command()
@_BEFORE
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True, allow_dash=True), required=True,
              help="JSONL file to write (- for stdout); it will hold customers' words, keep it private.")
def export(before, output):
    """Write every correction (with its text) as JSON lines.

    Example: attune feedback export -o corrections.jsonl
    """
    from attune.store.feedback import read_feedback

    rows = read_feedback(before=before)  # read first: a damaged store writes no half file
    with click.open_file(output, "w", encoding="utf-8", atomic=output != "-") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    click.echo(f"exported {len(rows)} corrections", err=True)


@feedback.command()
@_BEFORE
@click.option("--id", "ids", type=int, multiple=True, help="Delete this correction (repeatable).")
@click.option("--all", "everything", is_flag=True, help="Delete every correction.")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def purge(before, ids, everything, yes):
    """Delete corrections for good: by --id, those --before a date, or --all.

    Example: attune feedback purge --before 2026-06-01 --yes
    """
    from attune.store.feedback import purge_feedback, read_feedback

    if not (before or ids or everything):
        raise click.UsageError("say what to delete: --before DATE, --id ID or --all")
    if everything and (before or ids):
        raise click.UsageError("--all deletes everything; do not combine it with --before or --id")
    n = sum(1 for r in read_feedback(before=before) if not ids or r["id"] in ids)
    if n and not yes:
        click.confirm(f"delete {n} correction{'s' if n != 1 else ''} for good?", abort=True)
    deleted = purge_feedback(before=before, ids=ids or None)
    click.echo(f"deleted {deleted} correction{'s' if deleted != 1 else ''}")


commands = [feedback]
