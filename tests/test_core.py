import pytest

from attune.model import LABELS
from attune.model.errors import EmptyText, InvalidInput

MESSAGES = [
    "This is absolutely unacceptable, I want my money back NOW!!!",
    "Third time I'm writing about this and it's still not working",
    "Please help asap, I think I lost all my files",
    "Hi,<br>I don&#39;t understand which plan I'm on?\n\nOn Mon, 2 Mar 2026, Support wrote:\n> Your plan is Pro",
    "Thank you so much, that fixed it! 😊",
    "Please update the billing address to 12 Elm Street",
    "I expected better. Sooooo let down 😞 by this update",
]


@pytest.mark.parametrize("text", MESSAGES)
def test_result_shape(tiny_model, text):
    r = tiny_model.analyze(text)
    assert r["label"] in LABELS
    assert set(r["scores"]) == set(LABELS)
    assert sum(r["scores"].values()) == pytest.approx(1.0, abs=1e-3)
    assert r["confidence"] == r["scores"][r["label"]] == max(r["scores"].values())
    assert 0.0 <= r["intensity"] <= 1.0
    assert r["model"] == "tiny-test" and r["truncated"] is False
    assert r["guidance"]["label"] == r["label"] and 2 <= len(r["guidance"]["tips"]) <= 4


@pytest.mark.parametrize("text", MESSAGES)
def test_cues_are_spans_of_the_original_text(tiny_model, text):
    for cue in tiny_model.analyze(text)["cues"]:
        assert 0 <= cue["start"] < cue["end"] <= len(text)
        assert text[cue["start"] : cue["end"]] == cue["text"]
        assert cue["label"] in LABELS and 0 < cue["weight"] <= 1


def test_cues_name_the_words_that_carry_the_feeling(tiny_model):
    r = tiny_model.analyze("Thank you so much, that fixed it!")
    assert r["label"] == "grateful"
    assert any("thank" in c["text"].lower() for c in r["cues"])


def test_cues_never_point_into_quoted_replies(tiny_model):
    text = "Still broken.\n\nOn Mon, 2 Mar 2026, Support wrote:\n> Thank you so much, we fixed it"
    cut = text.index("On Mon")
    assert all(c["end"] <= cut for c in tiny_model.analyze(text)["cues"])


def test_without_explaining_only_the_cues_are_left_out(tiny_model):
    full = tiny_model.analyze_batch(MESSAGES)
    bare = tiny_model.analyze_batch(MESSAGES, explain=False)
    assert any(r["cues"] for r in full)
    assert bare == [{k: v for k, v in r.items() if k != "cues"} for r in full]


def test_without_guidance_only_the_guidance_is_left_out(tiny_model):
    full = tiny_model.analyze_batch(MESSAGES)
    bare = tiny_model.analyze_each(MESSAGES, explain=False, guide=False)
    assert all(r["guidance"]["headline"] for r in full)
    assert bare == [{k: v for k, v in r.items() if k not in ("cues", "guidance")} for r in full]


def test_batch_equals_single(tiny_model):
    batch = tiny_model.analyze_batch(MESSAGES)
    assert [tiny_model.analyze(t) for t in MESSAGES] == batch


@pytest.mark.parametrize("bad", ["", "   ", "\n\t"])
def test_empty_text_is_refused(tiny_model, bad):
    with pytest.raises(EmptyText):
        tiny_model.analyze(bad)


@pytest.mark.parametrize("bad", [None, 42, b"bytes", ["list"]])
def test_non_text_is_refused(tiny_model, bad):
    with pytest.raises(InvalidInput):
        tiny_model.analyze(bad)


def test_batch_rejects_a_single_string(tiny_model):
    with pytest.raises(InvalidInput):
        tiny_model.analyze_batch("one string")


def test_one_megabyte_text_is_truncated_with_a_flag(tiny_model):
    text = ("I am still waiting for my refund and nobody answers. " * 20_000)[:1_000_000]
    r = tiny_model.analyze(text)
    assert r["truncated"] is True
    assert all(c["end"] <= 20_000 for c in r["cues"])
    assert tiny_model.analyze(text[:500])["truncated"] is False


def test_intensity_rises_with_shouting(tiny_model):
    calm = tiny_model.analyze("this is unacceptable, I want my money back")
    loud = tiny_model.analyze("THIS IS UNACCEPTABLE!!! I WANT MY MONEY BACK NOW!!!")
    assert loud["intensity"] > calm["intensity"]


def test_guidance_adds_a_situation_tip(tiny_model):
    r = tiny_model.analyze("Third time I'm writing about this and it's still not working")
    assert r["label"] == "frustrated"
    assert any("before" in tip or "more than one" in tip for tip in r["guidance"]["tips"])










