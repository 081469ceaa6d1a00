"""Commands that use the model directly: analyze, train, evaluate, retrain."""

import json
import sys

import click

from attune import model
from attune.model.labels import TERMINAL_COLORS



def _load(path):
    # The runtime: analysing and evaluating need no scikit-learn, which takes seconds to import.
    # Default: the same current model the server serves (models/current, else the shipped one).
    from attune.store.paths import current_model_dir

    return model.load_runtime(path or current_model_dir())


@click.command()
@click.argument("text")
@click.option("--model", "model_path", type=click.Path(file_okay=False), help="Model directory (default: the current model).")
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
    colour = TERMINAL_COLORS[label]
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
            shown.append(click.style(text[cue["start"] : cue["end"]], fg=TERMINAL_COLORS[cue["label"]],
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
@click.option("--data", "data_dir", type=click.Path(file_okay=False),
              help="Folder with messages.csv (default: the copy shipped with Attune).")
@click.option("--corpus", "corpora", multiple=True, metavar="NAME=PATH[:WEIGHT]",
              help="Add a public corpus (text,label CSV or JSONL) with a total weight relative to ours.")
@click.option("--eval", "eval_specs", multiple=True, metavar="NAME=PATH", help="Also score on this held-out file.")
@click.option("--feedback/--no-feedback", default=False, help="Include agents' corrections from the feedback store.")
@click.option("-o", "--output", type=click.Path(file_okay=False), required=True, help="Directory for the artifact.")
@click.option("--version", "version", help="Version string (default: date and time).")
@click.option("--C", "C", type=float, default=4.0, show_default=True, help="Inverse regularisation.")
@click.option("--corpus-cap", type=int, help="Use at most this many examples per label of each corpus.")
@click.option("--real", "real_weight", type=click.FloatRange(0), default=0.0, show_default=True,
              help="Weight of each labelled unit of real customers' text (training_data/real, read from $ATTUNE_DATA).")
@click.option("--real-balance", type=click.FloatRange(0, 1), default=0.0, show_default=True,
              help="Tilt the real units' weights towards equal label totals (0: as labelled, 1: balanced).")
@click.option("--gate-bias", type=float, help="Log prior odds of support text for the source gate.")
@click.option("--real-rounds", metavar="PREFIXES",
              help="Only the real units of these labelling rounds, by unit id prefix (rs: rounds 1-2; default all).")
@click.option("--real-class-bias", metavar="LABEL=OFFSET,...", callback=lambda _c, _p, v: _offsets(v),
              help="Logit offsets for text read as real customers' (bench/tune_real.py --fit-bias chooses them).")
@click.option("--corpora-of", metavar="MODEL_DIR|shipped",
              help="Also the public corpora that model was trained on, found under $ATTUNE_DATA (or ../shared/data).")
def train(data_dir, corpora, eval_specs, feedback, output, version, C, corpus_cap, real_weight, real_balance,
          gate_bias, real_rounds, real_class_bias, corpora_of):
    """Train a model on our messages plus optional corpora, and save it.

    A relative corpus PATH is also looked up under $ATTUNE_DATA, which is how manifests record it.

    Example: attune train -o models/new --corpus goemotions7=goemotions7/train.csv:3
    """
    from attune.model.data import parse_corpus_spec

    specs = [parse_corpus_spec(s) for s in corpora] + (_recorded_corpora(corpora_of) if corpora_of else [])
    evals = [(n, p) for n, p, _ in (parse_corpus_spec(s) for s in eval_specs)]
    extra = _feedback_examples() if feedback else []
    click.echo(f"training on {data_dir or 'our messages'}"
               + "".join(f" + {n} (weight {w})" for n, _, w in specs)
               + (f" + {len(extra)} corrections" if feedback else ""), err=True)
    params = {"gate_bias": gate_bias} if gate_bias is not None else {}
    m = model.train.train(data_dir, corpora=specs, version=version, eval_corpora=evals, extra=extra, C=C,
                          corpus_cap=corpus_cap, real_weight=real_weight, real_balance=real_balance,
                          real_class_bias=real_class_bias, real_rounds=real_rounds, **params)
    path = m.save(output)
    for name, s in m.manifest.get("scores", {}).items():
        click.echo(f"{name}: macro-F1 {s['macro_f1']:.3f}  accuracy {s['accuracy']:.3f}  (n={s['n']})")
    click.echo(f"saved {m.version} to {path}")


def _offsets(spec):
    """``angry=-1.2,confused=-0.5`` -> {label: offset}; a clear error for an unknown label or a bad number."""
    from attune.model.labels import LABELS

    if not spec:
        return None
    out = {}
    for part in spec.split(","):
        label, sep, value = part.partition("=")
        label = label.strip()
        if not sep or label not in LABELS:
            raise click.BadParameter(f"{part!r}: expected LABEL=OFFSET with LABEL one of {', '.join(LABELS)}")
        try:
            out[label] = float(value)
        except ValueError:
            raise click.BadParameter(f"{part!r}: {value!r} is not a number") from None
    return out


def _recorded_corpora(ref):
    """The public corpora in a model's manifest, found on this machine (a clear error names a missing one)."""
    from attune.model.artifact import DEFAULT_DIR
    from attune.model.data import resolve_source

    manifest = model.read_manifest(DEFAULT_DIR if ref == "shipped" else ref)
    return [(s["name"], resolve_source(s), float(s.get("weight", 1.0)))
            for s in manifest.get("sources", []) if s.get("root") != "training_data" and s.get("name") != "training_data"]


def _feedback_examples():
    from attune.store.feedback import read_feedback

    return [(r["text"], r["label"]) for r in read_feedback()]


@click.command()
@click.option("--data", "data_path", type=click.Path(dir_okay=False, exists=True),
              help="Labelled CSV (text,label) or JSONL file.")
@click.option("--split", type=click.Choice(["written", "holdout", "sarcasm", "real"]),
              help="A held-out split that ships with Attune instead: our written test split, the independent "
                   "hold-out, the sarcasm hold-out, or real customers' text (needs the public corpora: $ATTUNE_DATA).")
@click.option("--model", "model_path", type=click.Path(file_okay=False), help="Model directory (default: the current model).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object with all the scores.")
def evaluate(data_path, split, model_path, as_json):
    """Score a model on labelled data: macro-F1, accuracy, per label, confusion.

    \b
    Examples:
        attune evaluate --split real
        attune evaluate --data ../shared/data/goemotions7/test.csv --json
    """
    from attune.model.data import read_labelled, read_split
    from attune.model.evaluate import evaluate as evaluate_model
    from attune.model.evaluate import format_report

    if bool(data_path) == bool(split):
        raise click.UsageError("give one of --data FILE or --split NAME")
    texts, labels = _read_labelled(data_path, read_labelled) if data_path else read_split(split)
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
@click.option("--data", "data_dir", type=click.Path(file_okay=False),
              help="Folder with messages.csv and holdout/ (default: the copy shipped with Attune).")
@click.option("--force", is_flag=True, help="Retrain even with no corrections stored.")
@click.option("--rollback", is_flag=True, help="Go back to the previous model (the shipped one after the first promotion).")
@click.option("--tolerance", type=click.FloatRange(0, 0.1), default=0.01, show_default=True,
              help="Macro-F1 the candidate may lose on our held-out messages.")
def retrain(data_dir, force, rollback, tolerance):
    """Teach the current model agents' corrections; promote it only if they taught it.

    One correction in five (always the same ones) is held out: the candidate must read those
    better than the current model, and may lose at most --tolerance macro-F1 on our test split
    and hold-out set. The previous model is kept: `attune retrain --rollback` restores it.
    A running server picks the new model up within seconds.

    Example: attune retrain
    """
    from attune.model import registry
    from attune.model import retrain as retraining
    from attune.store.feedback import read_feedback
    from attune.store.paths import models_dir

    root = models_dir()
    if rollback:
        with registry.locked(root):
            registry.rollback(root)
        resolved = registry.resolve(root)
        click.echo(f"current model is now {model.read_manifest(resolved.path)['version']}"
                   + (" (shipped)" if resolved.name == registry.SHIPPED else ""))
        return
    rows = read_feedback()
    if not rows and not force:
        raise click.ClickException("no corrections stored yet: nothing to learn (use --force to retrain anyway)")
    outcome = retraining.retrain(root, rows, data_dir=data_dir, tolerance=tolerance,
                                 echo=lambda line: click.echo(line, err=True))
    _report(outcome.scores, tolerance)
    if not outcome.promoted:
        raise click.ClickException(f"kept the current model: {outcome.reason}.\nNext: {outcome.advice}")
    click.echo(f"promoted {outcome.version}; undo with `attune retrain --rollback`")


def _report(scores, tolerance):
    held = scores["held_out"]
    click.echo(f"our held-out messages (n={held['n']}): macro-F1 candidate {held['candidate']:.3f}, "
               f"current {held['current']:.3f} (allowed drop {tolerance:.3f})")
    fb = scores.get("corrections")
    if fb:
        click.echo(f"held-out corrections (n={fb['n']}): candidate {fb['candidate']} right, current {fb['current']}")
    else:
        click.echo("held-out corrections: none yet (one in five is held out)")


commands = [analyze, train, evaluate, retrain]
