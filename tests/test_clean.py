import pytest

from attune.model.clean import clean


@pytest.mark.parametrize("text, kept, dropped", [
    ("Still broken.\n\nOn Tue, 3 Mar 2026 at 10:14, Support <help@shop.io> wrote:\n> We fixed it\n> Regards",
     "Still broken.", "We fixed it"),
    ("Nothing works\n\nSent from my iPhone", "Nothing works", "iPhone"),
    ("Fix it please\n-- \nJane Doe\nACME Ltd", "Fix it please", "ACME"),
    ("Where is it?\n-----Original Message-----\nFrom: shop\nyour order shipped", "Where is it?", "shipped"),
    ("Hello<br>I can&#39;t log in&nbsp;at all", "can't log in at all", "<br>"),
    ("See https://example.com/x?y=1 and mail me at jo@x.org", "See", "example.com"),
    ("Order #AB-123456 never came, @shopbrand", "never came", "123456"),
    ("Thanks!\nThis email and any attachments are confidential and intended solely for the addressee.",
     "Thanks!", "confidential"),
])
def test_clean_removes_noise_and_keeps_the_message(text, kept, dropped):
    c = clean(text)
    assert kept in c.text
    assert dropped not in c.text


@pytest.mark.parametrize("text, word", [
    ("Hi<p>it is <b>still</b> broken", "broken"),
    ("Don&#39;t tell me it&amp;s fixed, it&#39;s NOT", "NOT"),
    ("Order 1234567 is late and I am furious", "furious"),
    ("> old quote\nnew text is here\nOn Mon, Bob wrote:\n> more", "here"),
])
def test_offsets_map_back_to_the_original(text, word):
    c = clean(text)
    i = c.text.index(word)
    start, end = c.span(i, i + len(word))
    assert text[start:end] == word


def test_text_that_is_only_noise_is_kept_as_is():
    assert clean("https://example.com/page").text == "https://example.com/page"


def test_clean_text_is_unchanged():
    c = clean("plain words only")
    assert c.text == "plain words only" and c.span(6, 11) == (6, 11)


@pytest.mark.parametrize("broken, fixed, char, span", [
    ("@Air worst trip ever \u00f0\u0178\u02dc\u00a1", "worst trip ever \U0001F621", "\U0001F621", (21, 25)),  # 😡
    ("I don\u00e2\u20ac\u2122t get it", "I don\u2019t get it", "\u2019", (5, 8)),                          # ’
    ("caf\u00c3\u00a9 closed again", "caf\u00e9 closed again", "\u00e9", (3, 5)),                             # é
    ("thanks \u00f0\u0178\u2122\u008f", "thanks \U0001F64F", "\U0001F64F", (7, 11)),  # 🙏: undefined byte kept as C1
])
def test_mojibake_is_repaired_and_maps_back_to_the_whole_broken_span(broken, fixed, char, span):
    c = clean(broken)
    assert c.text.strip() == fixed
    i = c.text.index(char)
    assert c.span(i, i + 1) == span
    assert c.span(0, len(c.text))[1] == len(broken)


@pytest.mark.parametrize("text", ["Café Zürich, naïve façade", "Ångström £5 ¿qué?", "Straße €10"])
def test_correct_accented_text_is_left_alone(text):
    assert clean(text).text == text
