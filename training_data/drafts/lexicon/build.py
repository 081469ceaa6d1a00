"""Build the coach's trade-term lexicon (``model/coach/jargon-lexicon.txt``) from the writers' lists.

    python training_data/drafts/lexicon/build.py

Four writers each listed 50-70 terms for 15 of the 60 industries in ``industries.txt``, from their
own knowledge and blind to the drafts corpus (``BRIEF.md``); their lists are ``part0-3.jsonl``. Terms are
merged as the coach compares them (``rules._key``: case only for abbreviations, hyphen as space), and a
single word among the 10,000 most frequent English words is left out: alone ("bucket", "spread",
"depot") it is too often meant in its everyday sense.
"""

import json
from pathlib import Path

from wordfreq import top_n_list

from attune.model.coach.rules import _TOKEN, LEXICON_PATH, _key

HERE = Path(__file__).parent
EVERYDAY = 10000
HEADER = """\
# Trade terms a customer outside the trade would not know: evidence for the coach's learned jargon
# check (rules.lexicon_words), never a finding alone. Built by training_data/drafts/lexicon/build.py
# from lists written for Attune, from general knowledge of 60 helpdesk industries, blind to the drafts.
# One term per line. Words with a capital after their first letter (KID, kVA, P11D) and single capital
# letters ("A record") match only in that case; other words match in any case.
"""


def build():
    everyday = set(top_n_list("en", EVERYDAY))
    seen, terms, dropped = set(), [], []
    for path in sorted(HERE.glob("part*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            term = json.loads(line)["term"].strip()
            key = tuple(_key(t) for t in _TOKEN.findall(term))
            if not key or key in seen:
                continue
            seen.add(key)
            if len(key) == 1 and key[0] in everyday:
                dropped.append(term)
                continue
            # written as compared: "Faster Payments" as "faster payments", "type B RCD" as it is
            terms.append(term if any(k != k.lower() for k in key) else term.lower())
    return sorted(terms, key=str.lower), dropped


def main():
    terms, dropped = build()
    tmp = LEXICON_PATH.with_suffix(".tmp")
    tmp.write_text(HEADER + "\n".join(terms) + "\n", encoding="utf-8")
    tmp.replace(LEXICON_PATH)
    print(f"{len(terms)} terms -> {LEXICON_PATH} ({len(dropped)} everyday single words left out)")


if __name__ == "__main__":
    main()
