import pytest

from attune.model import LABELS, check_reply, guidance_for
from attune.model.guidance import contacted_before, reading_of
from attune.model.errors import InvalidInput, UnknownLabel


@pytest.mark.parametrize("label", LABELS)
def test_every_label_has_two_to_four_tips(label):
    g = guidance_for(label)
    assert g["label"] == label and g["headline"] and 2 <= len(g["tips"]) <= 4


def test_no_tip_recommends_a_canned_apology():
    # Tips are advice to the agent, not drafts: only the phrasing checks apply to them.
    for label in LABELS:
        for tip in guidance_for(label)["tips"]:
            codes = {i["code"] for i in check_reply(tip)["issues"]}
            assert not codes & {"canned_apology", "false_empathy", "blame", "shouting"}, tip


def test_situation_tip_only_for_negative_labels():
    assert len(guidance_for("frustrated", {"repeat_contact": 2})["tips"]) == 4
    assert len(guidance_for("grateful", {"repeat_contact": 2})["tips"]) == 3


def test_unknown_label():
    with pytest.raises(UnknownLabel):
        guidance_for("furious")


@pytest.mark.parametrize("draft, label, code", [
    ("I apologize for any inconvenience this may have caused. Please try again later.", "angry", "canned_apology"),
    ("I do apologise for that, Mr Green.", None, "canned_apology"),
    ("I know exactly how you feel. Let me check your order and I'll write back today.", "anxious", "false_empathy"),
    ("As I already said, you need to restart the router first.", "frustrated", "blame"),
    ("Per my last email, the invoice is attached.", None, "blame"),
    ("Unfortunately we cannot refund this order as it is outside the 30 day window.", "disappointed",
     "refusal_without_alternative"),
    ("Thanks for the details. The account settings are in the profile section of the dashboard page.", "angry",
     "no_next_step"),
    ("Go to Settings and clear the cache, then re-sync the OAuth token.", "confused", "jargon"),
    ("Your refund was processed on Monday and you'll see it by Friday, it takes a few days.", "angry",
     "no_acknowledgement"),
    ("PLEASE READ THE INSTRUCTIONS CAREFULLY BEFORE WRITING AGAIN", None, "shouting"),
])
def test_draft_problems_are_found(draft, label, code):
    result = check_reply(draft, label)
    assert code in [i["code"] for i in result["issues"]]
    assert result["ok"] is False
    for issue in result["issues"]:
        if issue["start"] is not None:
            assert 0 <= issue["start"] < issue["end"] <= len(draft)
        assert issue["message"] and issue["suggestion"]


@pytest.mark.parametrize("draft, label", [
    ("That's not right, and I'm sorry you had to chase it. I've refunded the second charge now; "
     "you'll see it on your statement by Friday.", "angry"),
    ("I can see why that's a letdown. We can't extend the trial, but here's what we can do instead: I've added a 20% discount to your first year.",
     "disappointed"),
    ("Glad it works! I'll close this ticket now; just reply if anything comes up.", "grateful"),
    ("Your files are safe. I'll restore them within the hour and message you here when it's done.", "anxious"),
])
def test_good_drafts_pass(draft, label):
    result = check_reply(draft, label)
    assert result["issues"] == [] and result["ok"] is True
    assert result["strengths"]


def test_short_half_typed_drafts_are_not_nagged():
    assert check_reply("Hi Sam,", "angry")["ok"] is True


def test_bad_arguments():
    with pytest.raises(InvalidInput):
        check_reply(None)
    with pytest.raises(UnknownLabel):
        check_reply("hello", "furious")


@pytest.mark.parametrize("text, said", [
    ("This is the third time I write about it", True),
    ("I already emailed you twice about this", True),
    ("Still waiting for a reply since Monday", True),
    ("Sorry to ask again, where is my refund?", True),
    ("see my previous ticket", True),
    ("It is still broken", False),
    ("nobody cares about customers", False),
    ("not working yet, what should I try?", False),
])
def test_contacted_before_needs_the_customer_to_say_so(text, said):
    assert contacted_before(text) is said


@pytest.mark.parametrize("scores, reading", [
    ({"grateful": 0.9, "neutral": 0.1}, None),
    ({"grateful": 0.5, "angry": 0.3, "neutral": 0.2}, ("thanks_but", "angry")),
    ({"frustrated": 0.35, "angry": 0.2, "neutral": 0.45 - 0.2}, ("unsure", "neutral")),
    ({"angry": 0.5, "frustrated": 0.4, "neutral": 0.1}, ("mixed", "frustrated")),
])
def test_reading_of_scores(scores, reading):
    full = {label: 0.0 for label in LABELS} | scores
    assert reading_of(full) == reading


def test_a_complaint_read_as_grateful_never_gets_thank_them_back():
    g = guidance_for("grateful", reading=("thanks_but", "frustrated"))
    text = " ".join([g["headline"], *g["tips"]]).lower()
    assert "thank them back" not in text and "still open" in text


def test_uncertain_reading_says_less():
    sure, unsure = guidance_for("anxious"), guidance_for("anxious", reading=("unsure", "confused"))
    assert len(unsure["tips"]) < len(sure["tips"]) and "unclear" in unsure["headline"].lower()
