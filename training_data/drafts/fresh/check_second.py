import json, sys
CODES = {"canned_apology","false_empathy","blame","refusal_without_alternative","no_next_step","no_acknowledgement","jargon","too_long","shouting"}
WHOLE = {"no_next_step","no_acknowledgement","too_long"}
GATES = {"no_next_step": {"angry","frustrated","anxious","confused","disappointed"}, "no_acknowledgement": {"angry","frustrated","anxious","disappointed"},
         "jargon": {"confused"}, "too_long": {"anxious","confused"}}
inp = {json.loads(l)["id"]: json.loads(l) for l in open(sys.argv[1]) if l.strip()}
out = {}; errs = []
for i, l in enumerate(open(sys.argv[2]), 1):
    if not l.strip(): continue
    try: r = json.loads(l)
    except Exception as e: errs.append(f"line {i}: bad JSON"); continue
    rid = r.get("id")
    if rid not in inp: errs.append(f"line {i}: unknown id {rid}"); continue
    if rid in out: errs.append(f"{rid}: twice")
    out[rid] = r; d = inp[rid]; seen = set()
    for f in r.get("findings", []):
        c, q = f.get("code"), f.get("quote")
        if c not in CODES: errs.append(f"{rid}: unknown code {c}"); continue
        if c in seen: errs.append(f"{rid}: {c} twice")
        seen.add(c)
        if c in GATES and d["customer_label"] not in GATES[c]: errs.append(f"{rid}: {c} not allowed for {d['customer_label']}")
        if c in WHOLE and q is not None: errs.append(f"{rid}: {c} quote must be null")
        if c not in WHOLE and (not q or q not in d["draft"]): errs.append(f"{rid}: {c} quote not in draft: {q!r}")
missing = set(inp) - set(out)
if missing: errs.append(f"missing ids: {sorted(missing)}")
print("\n".join(errs) or "no errors"); print(f"{len(out)}/{len(inp)} annotated")
