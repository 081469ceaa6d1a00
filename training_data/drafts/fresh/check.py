import json, sys, re, collections
CODES = {"canned_apology","false_empathy","blame","refusal_without_alternative","no_next_step","no_acknowledgement","jargon","too_long","shouting"}
LABELS = "angry frustrated anxious confused disappointed grateful neutral".split()
GATES = {"no_next_step": set(LABELS)-{"grateful","neutral"}, "no_acknowledgement": {"angry","frustrated","anxious","disappointed"},
         "jargon": {"confused"}, "too_long": {"anxious","confused"}}
WHOLE = {"no_next_step","no_acknowledgement","too_long"}
errs = []; n = 0; codes = collections.Counter(); clean = 0; ids = set()
for i, line in enumerate(open(sys.argv[1], encoding="utf-8"), 1):
    if not line.strip(): continue
    try: r = json.loads(line)
    except Exception as e: errs.append(f"line {i}: bad JSON {e}"); continue
    n += 1
    for k in ("id","customer","customer_label","draft","findings","domain","register","writer"):
        if k not in r: errs.append(f"line {i}: missing {k}")
    rid = r.get("id"); 
    if rid in ids: errs.append(f"{rid}: duplicate id")
    ids.add(rid)
    lab = r.get("customer_label")
    if lab not in LABELS: errs.append(f"{rid}: bad label {lab}")
    if r.get("register") not in ("email","chat","social","macro"): errs.append(f"{rid}: bad register")
    seen = set(); fs = r.get("findings", [])
    if not fs: clean += 1
    for f in fs:
        c = f.get("code"); q = f.get("quote")
        if c not in CODES: errs.append(f"{rid}: unknown code {c}"); continue
        if c in seen: errs.append(f"{rid}: {c} twice")
        seen.add(c); codes[c] += 1
        if c in GATES and lab not in GATES[c]: errs.append(f"{rid}: {c} not allowed for {lab}")
        if c in WHOLE:
            if q is not None: errs.append(f"{rid}: {c} quote must be null")
        else:
            if not q or q not in r.get("draft",""): errs.append(f"{rid}: {c} quote not found in draft: {q!r}")
            elif c != "shouting" and r["draft"].count(q) > 1: errs.append(f"{rid}: {c} quote occurs more than once")
    words = len(r.get("draft","").split())
    if lab in ("anxious","confused"):
        if "too_long" in seen and words < 195: errs.append(f"{rid}: too_long but only {words} words")
        if "too_long" not in seen and words > 170: errs.append(f"{rid}: {words} words > 170 without too_long")
print("\n".join(errs) or "no errors")
print(f"{n} drafts, {clean} clean ({clean/max(n,1):.0%}); codes: {dict(codes)}")
