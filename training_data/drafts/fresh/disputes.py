import json, sys
writers = sys.argv[1].split(",")
out = open("disputes.jsonl", "w"); n = 0
for w in writers:
    first = {json.loads(l)["id"]: json.loads(l) for l in open(f"{w}.jsonl") if l.strip()}
    for l in open(f"second_{w}.jsonl"):
        if not l.strip(): continue
        s = json.loads(l); r = first[s["id"]]
        a = {f["code"]: f["quote"] for f in r["findings"]}; b = {f["code"]: f["quote"] for f in s["findings"]}
        for code in sorted(set(a) ^ set(b)):
            out.write(json.dumps({"id": r["id"], "customer": r["customer"], "customer_label": r["customer_label"], "draft": r["draft"],
                                  "code": code, "A": code in a, "B": code in b, "quote_A": a.get(code), "quote_B": b.get(code)}, ensure_ascii=False) + "\n"); n += 1
print(n, "disputes")
