"""``attune coach``: findings with their words, JSON, the customer's feeling, clear errors."""

import json

import pytest
from click.testing import CliRunner

from attune.cli import cli
from attune.model import coach


@pytest.fixture
def runner():
    return CliRunner()


@pytest.fixture(autouse=True)
def fresh_coach(monkeypatch):
    monkeypatch.setattr(coach, "RELOAD_INTERVAL", 0.0)
    yield
    try:  # the next test reads its own user data directory
        coach.use_override(None)
    except coach.ConfigError:
        pass


DRAFT = "We apologise for any inconvenience. As I already said, the refund takes a week."


def test_coach_json_keeps_the_result_shape(runner):
    res = runner.invoke(cli, ["coach", DRAFT, "--label", "angry", "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert out["label"] == "angry" and out["ok"] is False
    assert {"canned_apology", "blame"} <= {i["code"] for i in out["issues"]}
    assert all(set(i) == {"code", "message", "suggestion", "start", "end"} for i in out["issues"])


def test_coach_readable_quotes_the_words(runner):
    res = runner.invoke(cli, ["coach", DRAFT])
    assert res.exit_code == 0, res.output
    assert 'canned_apology  "We apologise for any inconvenience"' in res.output
    assert "customer: unknown" in res.output


def test_coach_reads_the_customer_with_the_model(runner, tiny_model_dir):
    res = runner.invoke(cli, ["coach", "Glad it works! I'll close the ticket now.", "--model", str(tiny_model_dir),
                              "--customer", "Thank you so much, that fixed it!", "--json"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.output)["label"] == "grateful"


def test_coach_reads_stdin(runner):
    res = runner.invoke(cli, ["coach", "-", "--json"], input=DRAFT)
    assert res.exit_code == 0 and json.loads(res.output)["issues"]


@pytest.mark.parametrize("args, message", [
    (["coach", "  "], "nothing to check"),
    (["coach", DRAFT, "--label", "angry", "--customer", "hi"], "not both"),
    (["coach", DRAFT, "--label", "furious"], "Invalid value for '--label'"),
])
def test_coach_bad_arguments(runner, args, message):
    res = runner.invoke(cli, args)
    assert res.exit_code != 0 and message in res.output


def test_coach_broken_data_file_is_one_clear_line(runner, attune_home):
    attune_home.mkdir(parents=True, exist_ok=True)
    (attune_home / "coach.json").write_text('{"limits": {"too_long_words": "long"}}', encoding="utf-8")
    with pytest.raises(coach.ConfigError):  # as a fresh process would: nothing good read before
        coach.use_override(None)
    res = runner.invoke(cli, ["coach", DRAFT])
    assert res.exit_code == 1
    assert "limits.too_long_words: must be a positive whole number" in res.output
    assert "Traceback" not in res.output
