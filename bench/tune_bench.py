#!/usr/bin/env python3
"""The tuner against its baseline, in one run: racing (with the surrogate and refinement, as
shipped) and a fixed N per candidate (`search.method: fixed`, every candidate maxRuns replicates
per scenario) on the same TuningSpace, seed and scenarios; then the same space with the
surrogate off, on a continuous variant of the space, to show what the surrogate buys.

usage: bench/tune_bench.py ROLLOUTLAB [THREADS]   (from the source folder)
Prints wall time, runs spent and the recommendation of each; figures in docs/PERFORMANCE.md."""
import json
import os
import subprocess
import sys
import tempfile
import time

BIN = sys.argv[1]
THREADS = sys.argv[2] if len(sys.argv) > 2 else "2"
SPEC = "examples/apps/podinfo/canary.yaml"
SPACE = open("examples/tuning/podinfo-space.yaml").read()


def variant(text, extra_search="", replace=None):
    if replace:
        text = text.replace(*replace)
    text = text.replace("  search:\n", "  search:\n" + extra_search)
    f = tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False)
    f.write(text)
    f.close()
    return f.name


def tune(space, label):
    t0 = time.monotonic()
    p = subprocess.run([BIN, "tune", "--spec", SPEC, "--space", space, "--threads", THREADS, "--seed", "0",
                        "-o", "json"], capture_output=True, text=True)
    wall = time.monotonic() - t0
    if p.returncode not in (0, 1):
        sys.exit("%s: exit %d: %s" % (label, p.returncode, p.stderr))
    j = json.loads(p.stdout)
    rec = j["recommended"]
    fields = rec["fields"] if rec else None
    obj = j["candidates"][rec["id"]]["objective"]["value"] if rec else None
    print("%-34s %8.1f s %9d runs  %4d candidates  objective %s  %s" % (
        label, wall, j["runs"], len(j["candidates"]), obj, json.dumps(fields, sort_keys=True)))
    return j, wall


racing, t_r = tune(variant(SPACE), "racing (surrogate, refinement)")
fixed, t_f = tune(variant(SPACE, "    method: fixed\n"), "fixed N = maxRuns (baseline)")
same = racing["recommended"] and fixed["recommended"] and \
    racing["recommended"]["fields"] == fixed["recommended"]["fields"]
print("baseline / racing runs: %.1fx; wall %.1fx; same recommendation: %s" % (
    fixed["runs"] / max(1, racing["runs"]), t_f / max(1e-9, t_r), bool(same)))
# The surrogate's share: the success-rate bound continuous (a 5-point initial grid over
# 97-99.9), with and without the surrogate.
cont = ("      range: {min: 97.5, max: 99.5, step: 0.5}", "      range: {min: 97, max: 99.9, points: 5}")
on, _ = tune(variant(SPACE, replace=cont), "continuous bound, surrogate on")
off, _ = tune(variant(SPACE, "    surrogate: false\n", replace=cont), "continuous bound, surrogate off")
for label, j in (("on", on), ("off", off)):
    by = {}
    for c in j["candidates"]:
        by.setdefault(c["origin"], [0, 0])
        by[c["origin"]][0] += 1
        by[c["origin"]][1] += c["status"] == "feasible"
    print("surrogate %-3s: candidates by origin (raced, feasible): %s" % (label, json.dumps(by, sort_keys=True)))
