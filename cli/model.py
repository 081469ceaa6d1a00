"""Commands that use the model directly: analyze, train, evaluate, retrain."""

import json
import sys

import click

from attune import model

_COLOURS = {"angry": "red", "frustrated": "yellow", "anxious": "magenta", "confused": "cyan",
            "disappointed": "blue", "grateful": "green", "neutral": "white"}


def _load(path):
    # The runtime: analysing and evaluating need no scikit-learn, which takes seconds to import.
    return model.load_runtime(path)


@click.command()
@click.argument("text")
@click.option("--model", "model_path", type=click.Path(file_okay=False), help="Model directory (default: shipped).")
@click.option("--json", "as_json", is_flag=True, help="Print the result object as JSON.")
def analyze(text, model_path, as_json):
    """Read the feeling in one customer message (TEXT, or - for stdin).

    Example: attune analyze "Third time I'm asking, still broken!!"
    """
    if text == "-":
        text = sys.stdin.read()
    if not text.strip():
        raise click.ClickException("nothing to analyse: the text is empty")
    result = _load(model_path).analyze(text)
    if as_json:
        click.echo(json.dumps(result, ensure_ascii=False))
        return
    click.echo(render(text, result))


def render(text, result, width=24):
    """A readable terminal view of one result."""
    label, conf = result["label"], result["confidence"]
    colour = _COLOURS[label]
    bar = "█" * round(conf * width) + "░" * (width - round(conf * width))
    lines = [
        click.style(f"{label.upper()}", fg=colour, bold=True) + f"  {bar} {conf:.0%}",
        f"intensity {result['intensity']:.2f}" + ("   (text truncated)" if result.get("truncated") else ""),
    ]
    others = sorted(((v, k) for k, v in result["scores"].items() if k != label), reverse=True)[:2]
    lines.append("then: " + ", ".join(f"{k} {v:.0%}" for v, k in others))
    if result["cues"]:
        shown, pos = [], 0
        for cue in result["cues"]:
            if cue["start"] < pos:
                continue
            shown.append(text[pos : cue["start"]])
            shown.append(click.style(text[cue["start"] : cue["end"]], fg=_COLOURS[cue["label"]],
                                     bold=True, underline=True))
            pos = cue["end"]
        shown.append(text[pos:])
        snippet = "".join(shown).strip()
        lines += ["", snippet if len(text) <= 600 else snippet[:1200] + " …"]
        lines.append("cues: " + ", ".join(f"\"{c['text']}\" ({c['label']})" for c in result["cues"]))
    g = result["guidance"]
    lines += ["", click.style(g["headline"], bold=True)] + [f"  • {tip}" for tip in g["tips"]]
    return "\n".join(lines)


@click.command()
@click.option("--data", "data_dir", type=click.Path(file_okay=False), help="Folder with messages.csv (default: training_data/).")
@click.option("--corpus", "corpora", multiple=True, metavar="NAME=PATH[:WEIGHT]",
              help="Add a public corpus (text,label CSV or JSONL) with a total weight relative to ours.")
@click.option("--eval", "eval_specs", multiple=True, metavar="NAME=PATH", help="Also score on this held-out file.")
@click.option("--feedback/--no-feedback", default=False, help="Include agents' corrections from the feedback store.")
@click.option("-o", "--output", type=click.Path(file_okay=False), required=True, help="Directory for the artifact.")
@click.option("--version", "version", help="Version string (default: date and time).")
@click.option("--C", "C", type=float, default=4.0, show_default=True, help="Inverse regularisation.")
@click.option("--corpus-cap", type=int, help="Use at most this many examples per label of each corpus.")
def train(data_dir, corpora, eval_specs, feedback, output, version, C, corpus_cap):
    """Train a model on training_data/ plus optional corpora, and save it.

    Example: attune train -o models/new --corpus goemotions7=../shared/data/goemotions7/train.csv:0.5
    """
    from attune.model.data import parse_corpus_spec

    specs = [parse_corpus_spec(s) for s in corpora]
    evals = [(n, p) for n, p, _ in (parse_corpus_spec(s) for s in eval_specs)]
    extra = _feedback_examples() if feedback else []
    click.echo(f"training on {data_dir or 'training_data/'}"
               + "".join(f" + {n} (weight {w})" for n, _, w in specs)
               + (f" + {len(extra)} corrections" if feedback else ""), err=True)
    m = model.train.train(data_dir, corpora=specs, version=version, eval_corpora=evals, extra=extra, C=C,
                          corpus_cap=corpus_cap)
    path = m.save(output)
    for name, s in m.manifest.get("scores", {}).items():
        click.echo(f"{name}: macro-F1 {s['macro_f1']:.3f}  accuracy {s['accuracy']:.3f}  (n={s['n']})")
    click.echo(f"saved {m.version} to {path}")


def _feedback_examples():
    from attune.store.feedback import iter_feedback

    return [(r["text"], r["label"]) for r in iter_feedback()]


@click.command()
@click.option("--data", "data_path", type=click.Path(dir_okay=False, exists=True), required=True,
              help="Labelled CSV (text,label) or JSONL file.")
@click.option("--model", "model_path", type=click.Path(file_okay=False), help="Model directory (default: shipped).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object with all the scores.")
def evaluate(data_path, model_path, as_json):
    """Score a model on labelled data: macro-F1, accuracy, per label, confusion.

    Example: attune evaluate --data ../shared/data/goemotions7/test.csv --json
    """
    from attune.model.data import read_labelled
    from attune.model.evaluate import evaluate as evaluate_model
    from attune.model.evaluate import format_report

    texts, labels = _read_labelled(data_path, read_labelled)
    scores = evaluate_model(_load(model_path), texts, labels)
    click.echo(json.dumps(scores) if as_json else format_report(scores))


def _read_labelled(path, read_labelled):
    # A binary or non-UTF-8 file is one clear line, never a decoder's traceback (or its bytes).
    import csv

    from attune.model.errors import DataError

    try:
        return read_labelled(path)
    except UnicodeDecodeError:
        raise DataError(f"cannot read {path}: it is not UTF-8 text (a binary file, or another "
                        "encoding: save it as CSV UTF-8 or JSONL)") from None
    except csv.Error as exc:
        raise DataError(f"cannot read {path}: {exc}") from None


@click.command()
@click.option("--corpus", "corpora", multiple=True, metavar="NAME=PATH[:WEIGHT]",
              help="Public corpora (default: those in the current model's manifest that exist here).")
@click.option("--data", "data_dir", type=click.Path(file_okay=False), help="Folder with messages.csv (default: training_data/).")
@click.option("--force", is_flag=True, help="Retrain even with no corrections stored.")
@click.option("--rollback", is_flag=True, help="Go back to the previous model instead.")
def retrain(corpora, data_dir, force, rollback):
    """Retrain on training_data/ plus agents' corrections; promote only if not worse.

    The candidate and the current model are scored on the same held-out messages (the test split
    and the independent hold-out set); the candidate replaces the current model only if its
    macro-F1 is not lower. The previous model is kept: `attune retrain --rollback` restores it.
    A running server picks the new model up within seconds.

    Example: attune retrain
    """
    from attune.model import registry
    from attune.model.data import parse_corpus_spec
    from attune.model.evaluate import evaluate as evaluate_model

    from attune.store.paths import user_dir

    root = user_dir() / "models"
    root.mkdir(exist_ok=True)
    if rollback:
        path = registry.rollback(root)
        click.echo(f"current model is now {model.read_manifest(path)['version']}")
        return
    extra = _feedback_examples()
    if not extra and not force:
        raise click.ClickException("no corrections stored yet: nothing to learn (use --force to retrain anyway)")
    current_path = registry.current_dir(root)
    current = model.load(current_path) if current_path else model.default_model()
    specs = [parse_corpus_spec(s) for s in corpora] or _manifest_corpora(current.manifest)
    click.echo(f"retraining with {len(extra)} corrections"
               + "".join(f" + {n} (weight {w})" for n, _, w in specs), err=True)
    params = {k: v for k, v in current.manifest.get("params", {}).items() if k in model.train.DEFAULTS}
    candidate = model.train.train(data_dir, corpora=specs, extra=extra, **params)
    texts, labels = _held_out(data_dir)
    new, old = evaluate_model(candidate, texts, labels), evaluate_model(current, texts, labels)
    click.echo(f"held-out macro-F1 (n={new['n']}): candidate {new['macro_f1']:.3f}, "
               f"current {current.version} {old['macro_f1']:.3f}")
    if not registry.gate(new, old):
        raise click.ClickException("the candidate scores lower than the current model: kept the current one")
    path = candidate.save(root / candidate.version)
    registry.promote(root, path)
    click.echo(f"promoted {candidate.version} (previous: {current.version}; undo with attune retrain --rollback)")


def _held_out(data_dir):
    from pathlib import Path

    from attune.model.data import TRAINING_DIR, read_labelled, read_training_data

    rows = read_training_data(data_dir, split="test")
    texts, labels = [r["text"] for r in rows], [r["label"] for r in rows]
    holdout = Path(data_dir or TRAINING_DIR) / "holdout" / "independent.csv"
    if holdout.exists():
        t, y = read_labelled(holdout)
        texts, labels = texts + t, labels + y
    return texts, labels


def _manifest_corpora(manifest):
    from pathlib import Path

    specs = []
    for src in manifest.get("sources", []):
        if src.get("name") != "training_data" and Path(src.get("path", "")).is_file():
            specs.append((src["name"], Path(src["path"]), float(src.get("weight", 1.0))))
        elif src.get("name") != "training_data":
            click.echo(f"warning: corpus {src.get('name')} not found at {src.get('path')}; training without it",
                       err=True)
    return specs


commands = [analyze, train, evaluate, retrain]
