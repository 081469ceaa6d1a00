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


def _jargon(draft):
    out = coach.check_reply(draft, "confused")
    return [draft[i["start"]:i["end"]] for i in out["issues"] if i["code"] == "jargon"]


def test_coach_terms_add_flags_a_trade_word_the_coach_did_not_know(runner, attune_home):
    draft = "We have set 80 covers with silver service on the night."
    assert _jargon(draft) == []
    res = runner.invoke(cli, ["coach-terms", "add", "covers", "Silver  service"])
    assert res.exit_code == 0, res.output
    assert "flagged from now on: covers, silver service" in res.output
    assert _jargon(draft) == ["covers", "silver service"]  # read from the user's coach.json, no restart
    assert _jargon("Silver service (staff serve each guest at the table) is booked.") == []  # explained
    listed = runner.invoke(cli, ["coach-terms", "list"])
    assert "added: covers, silver service" in listed.output
    again = runner.invoke(cli, ["coach-terms", "add", "Covers"])
    assert "no change: covers" in again.output


def test_coach_terms_remove_stops_every_check_flagging_a_known_word(runner, attune_home):
    draft = "Your DNS settings are fine and the firmware is current."
    assert set(_jargon(draft)) >= {"DNS", "firmware"}  # an abbreviation and a listed term
    res = runner.invoke(cli, ["coach-terms", "remove", "dns", "firmware"])
    assert res.exit_code == 0, res.output
    assert _jargon(draft) == []
    doc = json.loads((attune_home / "coach.json").read_text(encoding="utf-8"))
    assert doc["rules"] == {"jargon": {"remove": ["dns", "firmware"]}, "jargon_known": ["dns", "firmware"]}
    runner.invoke(cli, ["coach-terms", "add", "firmware"])  # and back again
    assert _jargon(draft) == ["firmware"]
    doc = json.loads((attune_home / "coach.json").read_text(encoding="utf-8"))
    assert doc["rules"] == {"jargon": {"remove": ["dns"]}, "jargon_known": ["dns"]}


def test_coach_terms_keep_the_rest_of_the_file_and_a_whole_list(runner, attune_home):
    attune_home.mkdir(parents=True, exist_ok=True)
    path = attune_home / "coach.json"
    path.write_text(json.dumps({"limits": {"too_long_words": 150}, "rules": {"jargon": ["bleed"]}}), encoding="utf-8")
    assert runner.invoke(cli, ["coach-terms", "add", "overs"]).exit_code == 0
    assert json.loads(path.read_text(encoding="utf-8")) == {"limits": {"too_long_words": 150},
                                                            "rules": {"jargon": ["bleed", "overs"]}}
    assert "your own jargon list" in runner.invoke(cli, ["coach-terms", "list"]).output
    assert _jargon("The bleed and the overs are charged. The cache is cleared.") == ["bleed", "overs"]


def test_coach_terms_never_replace_a_broken_file(runner, attune_home):
    attune_home.mkdir(parents=True, exist_ok=True)
    path = attune_home / "coach.json"
    path.write_text('{"rules": {"jargon": {"add": ["x"]}', encoding="utf-8")  # cut short
    res = runner.invoke(cli, ["coach-terms", "add", "corkage"])
    assert res.exit_code == 1 and "not valid JSON" in res.output and "Traceback" not in res.output
    assert path.read_text(encoding="utf-8") == '{"rules": {"jargon": {"add": ["x"]}'
    path.write_text('{"rules": {"jargon": {"add": ["("]}}}', encoding="utf-8")  # a broken rule by hand
    res = runner.invoke(cli, ["coach-terms", "add", "corkage"])
    assert res.exit_code == 1 and "rules.jargon" in res.output and str(path) in res.output
    assert "corkage" not in path.read_text(encoding="utf-8")
    assert not [p for p in attune_home.iterdir() if p.name.endswith(".tmp")]


def test_a_term_is_a_literal_phrase():
    from attune.model.coach.config import phrase_to_regex
    from attune.model.coach.terms import as_phrase

    import re

    for term in ("C++ SDK", "<br> tag", "^ key", "don't-bill (DB)", "  two   spaces "):
        rx = re.compile(phrase_to_regex(as_phrase(term)), re.IGNORECASE)
        assert rx.search(f"about the {' '.join(term.split())} here"), term
    with pytest.raises(coach.ConfigError):
        as_phrase("   ")
