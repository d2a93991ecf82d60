#!/usr/bin/env python3
"""The run layer's before/after check: every simulate over the bundled scenario library, every
batch and every replay of the examples must print what the reference outputs in
tests/data/run-layer-reference/ hold (recorded from the binary before the run layer moved into
sim/). Differences allowed: the order of keys in an object, keys the reference does not
have (added fields), and input files added to the examples since (a report's `inputs`). Volatile fields (elapsed time) are not compared. Tables and CSV (the
human renderings) must match as text. One difference is on purpose and checked apart: the
metric checks of batch pairs on a replay (see known_fixes).

The run view's before/after check rides along: the commands of run_view_commands() (Scripts of
both kinds, Argo replays with their measurements, replays from flags, refusals) against
tests/data/run-layer-reference/run-view.jsonl.gz, recorded from the binary before `simulate` and
`replay` rendered from app's RunView.

usage: run_layer_reference.py check ROLLOUTLAB SOURCE_DIR
       run_layer_reference.py capture ROLLOUTLAB SOURCE_DIR   (rewrites the reference)
       run_layer_reference.py capture-run-view ROLLOUTLAB SOURCE_DIR   (rewrites run-view.jsonl.gz)"""
import gzip
import json
import os
import subprocess
import sys

MODE, BIN, SRC = sys.argv[1], sys.argv[2], sys.argv[3]
REF = os.path.join(SRC, "tests", "data", "run-layer-reference", "outputs.jsonl.gz")
REF_RUN_VIEW = os.path.join(SRC, "tests", "data", "run-layer-reference", "run-view.jsonl.gz")
VOLATILE = {"elapsedSeconds"}

SPECS = ["examples/apps/podinfo", "examples/apps/checkout", "examples/apps/storefront"]
LIBRARY = "scenarios/library"
REPLAY = "examples/replays/podinfo-error-spike.yaml"
JUDGES = ["examples/judges/kayenta-default.yaml", "examples/judges/sequential.yaml",
          "examples/judges/tail-latency.yaml"]


def commands():
    """Every command of the reference, as argument lists relative to SOURCE_DIR."""
    out = []
    scenarios = sorted(os.path.join(LIBRARY, f) for f in os.listdir(os.path.join(SRC, LIBRARY))
                       if f.endswith(".yaml"))
    for spec in SPECS:
        for sc in scenarios:
            for seed in ("0", "1", "7"):
                out.append(["simulate", "--spec", spec, "--scenario", sc, "--seed", seed])
        # Shadow judges on two scenarios (a good and a bad release).
        for sc in (os.path.join(LIBRARY, "good-high-traffic.yaml"),
                   os.path.join(LIBRARY, "error-regression-2pt.yaml")):
            args = ["simulate", "--spec", spec, "--scenario", sc, "--seed", "3"]
            for j in JUDGES:
                args += ["--judge", j]
            out.append(args)
        # The recorded example, as it is and as two bootstrap replicates.
        out.append(["simulate", "--spec", spec, "--scenario", REPLAY])
        out.append(["replay", "--spec", spec, "--replay", REPLAY])
        out.append(["replay", "--spec", spec, "--replay", REPLAY, "--seed", "5", "--replicate", "2"])
    # The Flagger scripts' example runs (synthetic worlds driven by Script documents) are covered by
    # the golden trace tests; batches: every example spec over the library and the replay.
    for spec in SPECS:
        out.append(["batch", "--spec", spec, "--scenarios", LIBRARY, "--runs", "20",
                    "--seed", "11", "--threads", "2"])
        out.append(["batch", "--spec", spec, "--scenarios", REPLAY, "--runs", "20",
                    "--seed", "11", "--threads", "1"])
        args = ["batch", "--spec", spec, "--scenarios",
                os.path.join(LIBRARY, "good-low-traffic.yaml"),
                os.path.join(LIBRARY, "latency-regression-p99-25pct.yaml"), "--runs", "10",
                "--seed", "2", "--threads", "2"]
        for j in JUDGES:
            args += ["--judge", j]
        out.append(args)
    out.append(["batch", "--spec", "examples", "--scenarios", LIBRARY, "--runs", "8",
                "--seed", "4", "--threads", "2", "--shard", "1/3"])
    # The human renderings (tables, the summary line), compared as text.
    for spec in SPECS:
        for sc in ("good-high-traffic.yaml", "error-regression-2pt.yaml", "metrics-outage.yaml"):
            args = ["simulate", "--spec", spec, "--scenario", os.path.join(LIBRARY, sc), "--seed", "2"]
            for j in JUDGES:
                args += ["--judge", j]
            out.append(args + ["-o", "table"])
        out.append(["simulate", "--spec", spec, "--scenario", REPLAY, "-o", "table"])
        out.append(["replay", "--spec", spec, "--replay", REPLAY, "-o", "table"])
        out.append(["batch", "--spec", spec, "--scenarios", LIBRARY, "--runs", "5", "--seed", "3",
                    "--threads", "2", "-o", "table"])
        out.append(["batch", "--spec", spec, "--scenarios", LIBRARY, "--runs", "5", "--seed", "3",
                    "--threads", "2", "-o", "csv"])
    return out


def run_view_commands():
    """What the run layer's reference leaves out and every kind of run view renders: Scripts of
    both engines, Argo replays (events and measurements), replays given by flags, a Rollout and
    a Canary picked out of one workspace, and the refusals of bad Scripts and Replays."""
    out = []
    flagger_script = "examples/scripts/two-failures-then-recover.yaml"
    argo_script = "examples/scripts/argo-background-failure.yaml"
    csv = ["--csv", "examples/replays/podinfo-error-spike.csv",
           "--from", "2024-03-05T10:00:00Z", "--to", "2024-03-05T10:30:00Z"]
    for fmt in ([], ["-o", "table"], ["-o", "yaml"]):
        out.append(["simulate", "--spec", "examples/apps/podinfo", "--scenario", flagger_script] + fmt)
        out.append(["simulate", "--spec", "examples", "--scenario", argo_script, "--seed", "4"] + fmt)
        out.append(["simulate", "--spec", "examples", "--scenario", flagger_script,
                    "--judge", JUDGES[1]] + fmt)
        out.append(["simulate", "--spec", "examples", "--scenario",
                    os.path.join(LIBRARY, "metrics-outage.yaml"), "--target", "storefront",
                    "--seed", "9", "--judge", JUDGES[0]] + fmt)
        out.append(["simulate", "--spec", "examples/apps/storefront", "--scenario", REPLAY,
                    "--seed", "9", "--replicate", "3"] + fmt)
        out.append(["replay", "--spec", "examples/apps/storefront", "--replay", REPLAY] + fmt)
        out.append(["replay", "--spec", "examples/apps/podinfo"] + csv + fmt)
        out.append(["replay", "--spec", "examples/apps/storefront"] + csv + ["--seed", "2",
                    "--replicate", "1"] + fmt)
    out.append(["simulate", "--spec", "examples/apps/podinfo", "--scenario", argo_script])
    bad = os.path.join("tests", "data", "bad")
    for f in sorted(os.listdir(os.path.join(SRC, bad))):
        if f.endswith(".yaml") and (f.startswith("script-") or f.startswith("replay-")):
            out.append(["simulate", "--spec", "examples", "--scenario", os.path.join(bad, f),
                        "--target", "podinfo"])
    return out


def run(args):
    text = "-o" in args
    p = subprocess.run([BIN] + args + ([] if text else ["-o", "json"]), capture_output=True,
                       text=True, cwd=SRC)
    if text:
        return {"args": args, "exit": p.returncode, "text": p.stdout,
                "stderr": p.stderr if p.returncode != 0 else ""}
    return {"args": args, "exit": p.returncode,
            "stdout": json.loads(p.stdout) if p.stdout.strip() else None,
            # A refusal's message is part of the output too.
            "stderr": p.stderr if p.returncode != 0 else ""}


def known_fixes(args, ref, new, problems):
    """The one difference on purpose: replays ran a tick loop of their own that counted no metric
    checks, so a batch over a replay reported 0 checks of its Canary's pairs (null failure
    rate). The one loop counts them as on synthetic worlds. Such pairs' `checks` are compared
    for sense, not against the reference (a pair the reference counted is compared as usual)."""
    if args[0] != "batch" or REPLAY not in args or not isinstance(ref, dict):
        return
    for r, n in zip(ref.get("results", []), new.get("results", []) if isinstance(new, dict) else []):
        if r.get("scenario") != "podinfo-error-spike" or r["checks"]["total"] != 0:
            continue
        total, failed = n["checks"]["total"], n["checks"]["failed"]
        if not (0 < total and 0 <= failed <= total and n["state"]["checks"] == [total, failed]):
            problems.append("replay pair %s: checks %r" % (r.get("spec"), n["checks"]))
        for d in (r, n):
            d.pop("checks")
            d["state"].pop("checks")


def compare(ref, new, path, problems):
    """`new` equals `ref` up to key order and added keys."""
    if len(problems) > 20:
        return
    if isinstance(ref, dict):
        if not isinstance(new, dict):
            problems.append("%s: an object became %s" % (path, type(new).__name__))
            return
        for k, v in ref.items():
            if k in VOLATILE:
                continue
            if k not in new:
                problems.append("%s.%s: missing" % (path, k))
            else:
                compare(v, new[k], path + "." + k, problems)
    elif isinstance(ref, list) and path == "$.inputs" and isinstance(new, list):
        # The input files a report hashes: a file added to the examples since the reference was
        # recorded (a TuningSpace, say) is a new input, not a changed run; every recorded input
        # must still be there with the same hash.
        for item in ref:
            if item not in new:
                problems.append("%s: %r missing" % (path, item))
    elif isinstance(ref, list):
        if not isinstance(new, list) or len(new) != len(ref):
            problems.append("%s: a list of %d became %s" % (
                path, len(ref), len(new) if isinstance(new, list) else type(new).__name__))
            return
        for i, (a, b) in enumerate(zip(ref, new)):
            compare(a, b, "%s[%d]" % (path, i), problems)
    elif ref != new or type(ref) != type(new):
        problems.append("%s: %r became %r" % (path, ref, new))


def main():
    if MODE in ("capture", "capture-run-view"):
        cmds, path = (commands(), REF) if MODE == "capture" else (run_view_commands(), REF_RUN_VIEW)
        with gzip.open(path, "wt") as f:
            for c in cmds:
                r = run(c)
                f.write(json.dumps(r, sort_keys=True) + "\n")
        print("recorded %d outputs in %s" % (len(cmds), path))
        return 0
    refs = []
    for path, cmds in ((REF, commands()), (REF_RUN_VIEW, run_view_commands())):
        with gzip.open(path, "rt") as f:
            held = [json.loads(line) for line in f]
        if [r["args"] for r in held] != cmds:
            print("%s holds other commands than this script runs: recapture it" % path)
            return 1
        refs += held
    failed = 0
    for r in refs:
        new = run(r["args"])
        problems = []
        if new["exit"] != r["exit"]:
            problems.append("exit %d became %d" % (r["exit"], new["exit"]))
        if "text" in r:
            if new["text"] != r["text"]:
                a, b = r["text"].splitlines(), new["text"].splitlines()
                first = next((i for i in range(min(len(a), len(b))) if a[i] != b[i]), min(len(a), len(b)))
                problems.append("text differs from line %d: %r became %r" % (
                    first + 1, a[first] if first < len(a) else None, b[first] if first < len(b) else None))
        else:
            known_fixes(r["args"], r["stdout"], new["stdout"], problems)
            compare(r["stdout"], new["stdout"], "$", problems)
        if new["stderr"] != r["stderr"]:
            problems.append("stderr %r became %r" % (r["stderr"], new["stderr"]))
        if problems:
            failed += 1
            print("rolloutlab %s:" % " ".join(r["args"]))
            for p in problems[:20]:
                print("  " + p)
    print("%d of %d outputs differ from the reference" % (failed, len(refs)))
    return 1 if failed else 0


sys.exit(main())
