#!/usr/bin/env python3
"""Formats a `rolloutlab batch --judge ...` JSON report as the side-by-side table of
docs/judges.md: per scenario, the spec's own verdict beside each shadow judge's."""
import json
import sys

r = json.load(open(sys.argv[1]))
judges = [j["name"] for j in r["judges"]]
head = "| scenario | release | spec: rolled back | spec: decision (s) | " + " | ".join(
    f"{j}: fails | {j}: time to fail (s)" for j in judges) + " |"
print(head)
print("|" + "---|" * (4 + 2 * len(judges)))
def pct(p):
    return "-" if p["value"] is None else "%.1f%%" % (100 * p["value"])
for x in r["results"]:
    row = [x["scenario"], x["release"], pct(x["pRollback"]),
           "-" if x["timeToDecision"]["p50"] is None else "%.0f" % x["timeToDecision"]["p50"]]
    for j in x["judges"]:
        row += [pct(j["fail"]), "-" if j["timeToFail"]["p50"] is None else "%.0f" % j["timeToFail"]["p50"]]
    print("| " + " | ".join(row) + " |")
print()
for s in r["specs"]:
    print(f"- **{s['spec']}** (thresholds): false rollbacks on good releases {pct(s['falseRollbackRate'])}, "
          f"one check fails {pct(s['singleCheckFailureRate'])}, escapes {pct(s['escapeRate'])}")
    for j in s["judges"]:
        t = "-" if j["meanDetectionTime"] is None else "%.0f s" % j["meanDetectionTime"]
        print(f"- **{j['name']}**: false fails on good releases {pct(j['falseFailRate'])}, "
              f"detects bad releases {pct(j['detectionRate'])}, mean detection time {t}")
