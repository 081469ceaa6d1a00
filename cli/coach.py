"""``attune coach``: check a draft reply as the extension does, from the command line."""

import json
import re
import sys

import click

from attune import model
from attune.model import coach as _coach
from attune.model.labels import LABELS


def _read(text):
    return sys.stdin.read() if text == "-" else text


@click.command()
@click.argument("draft")
@click.option("--customer", help="The customer's message: its feeling (read by the model) sets which checks apply.")
@click.option("--label", type=click.Choice(LABELS), help="The customer's feeling, when known.")
@click.option("--model", "model_path", type=click.Path(file_okay=False),
              help="Model directory for reading --customer (default: shipped).")
@click.option("--json", "as_json", is_flag=True, help="Print the result object as JSON.")
def coach(draft, customer, label, model_path, as_json):
    """Check an agent's draft reply (DRAFT, or - for stdin): what a colleague would point out.

    Example: attune coach "We can't refund that." --label angry
    """
    if customer is not None and label is not None:
        raise click.UsageError("give --customer or --label, not both")
    draft = _read(draft)
    if not draft.strip():
        raise click.ClickException("nothing to check: the draft is empty")
    if customer is not None:
        customer = sys.stdin.read() if customer == "-" else customer
        if not customer.strip():
            raise click.ClickException("the customer message is empty")
        label = model.load_runtime(model_path).analyze(customer)["label"]
    result = model.check_reply(draft, label)
    if as_json:
        click.echo(json.dumps(result, ensure_ascii=False))
        return
    click.echo(render(draft, result))


def render(draft, result):
    """A readable view: each finding with the words it is about, then what the draft does well."""
    lines = [f"customer: {result['label'] or 'unknown'}"]
    if not result["issues"]:
        lines.append(click.style("no findings", fg="green"))
    for issue in result["issues"]:
        where = "" if issue["start"] is None else f'  "{draft[issue["start"]:issue["end"]]}"'
        lines.append(click.style(f"• {issue['code']}", fg="yellow", bold=True) + where)
        lines.append(f"  {issue['message']}")
        lines.append(click.style(f"  → {issue['suggestion']}", dim=True))
    for s in result["strengths"]:
        lines.append(click.style(f"✓ {s}", fg="green"))
    return "\n".join(lines)


@click.group("coach-terms")
def coach_terms():
    """Your team's jargon: terms the reply coach flags (or not) for confused customers.

    The edits go into coach.json in the user data directory; a running server uses them within a
    second. Example: attune coach-terms add corkage "silver service"
    """


@coach_terms.command("list")
def terms_list():
    """The terms your team added to the jargon list, and those it says its customers know."""
    added, known, replaces, path = _coach.team_terms()
    click.echo(f"{path}:")
    if replaces:
        click.echo(f"your own jargon list, in place of the shipped one ({len(added)} terms)")
    elif not added and not known:
        click.echo("no changes: the shipped jargon list is in use")
    for title, items in (("added", added), ("known to your customers, never flagged", known)):
        if items:
            click.echo(f"{title}: " + ", ".join(map(_shown, items)))


@coach_terms.command("add")
@click.argument("terms", nargs=-1, required=True)
def terms_add(terms):
    """Flag TERMS as jargon when a draft to a confused customer uses them unexplained."""
    _report(_coach.edit_terms(add=terms))


@coach_terms.command("remove")
@click.argument("terms", nargs=-1, required=True)
def terms_remove(terms):
    """Never flag TERMS as jargon: words your customers know (listed, abbreviations or rare words alike)."""
    _report(_coach.edit_terms(remove=terms))


def _shown(phrase):
    return re.sub(r"\\(.)", r"\1", phrase)  # a term as typed, not as its escaped rule ("c\+\+" is "c++")


def _report(done):
    for key, title in (("added", "flagged from now on"), ("removed", "never flagged from now on"),
                       ("unchanged", "no change")):
        if done[key]:
            click.echo(f"{title}: " + ", ".join(map(_shown, done[key])))
    click.echo(f"saved in {_coach.team_terms()[-1]}")


commands = [coach, coach_terms]
