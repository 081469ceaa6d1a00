"""Hypothesis strategies shared by the text tests."""

from hypothesis import strategies as st

# Pieces that exercise every tokeniser branch: words with apostrophes and
# dashes, numbers, emoticons, emoji (with skin tone and ZWJ), flags, spaced
# dots, lengthened words, case folding that changes length, odd white space.
_PIECES = ["refund", "Don't", "e-mail", "re-re-sent", "x", "ok", "3/4", "12:30", "-5", "$49.99", ":(", ":-)", "<3",
           ":D", "d:", "(8", "😡", "👍🏽", "👨‍👩‍👧", "🇬🇧", ". . .", "...", "…", "sooooo", "!!!!", "??", "İstanbul",
           "ΟΔΟΣ", "über", "_x_", "a_b", "'quoted'", "it.", "why?", "(ref", "x)", "\u200b", "\t", "\n", "  ", " ",
           "\u3000", "@bob", "#123", "—", "ＡＢＣ"]
texts = st.lists(st.sampled_from(_PIECES), min_size=1, max_size=12).map("".join)
spaced = st.lists(st.sampled_from(_PIECES), min_size=1, max_size=12).map(" ".join)
any_text = st.one_of(texts, spaced, st.text(max_size=60))

# Short messages that exercise negation, emoticons, lengthening, case folding and odd punctuation.
CORPUS = ["I'm not happy, the refund never came . . . again!!", "thanks so much :) you're great",
           "where do I find the e-mail settings?", "not working, not working, NOT working 😡",
           "İstanbul office: no wifi since Monday", "sooooo slow. can't log in, don't know why",
           "Order #12345 arrived broken :( and nobody answers", "ok"]
