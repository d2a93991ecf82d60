#!/usr/bin/env python3
"""Runs the rolloutlab CLI on the examples for every kind of document it prints and checks
each JSON output against its schema in docs/schemas/ (and that the schemas reject a broken
document, so that they mean something). Where PyYAML is present, `-o yaml` must load to the
same document as `-o json`.

usage: output_schemas.py ROLLOUTLAB SOURCE_DIR WORK_DIR"""
import json
import os
import subprocess
import sys

import jsonschema

try:
    import yaml
except ImportError:  # the C++ test (cli_tests) checks the YAML writer without it
    yaml = None

BIN, SRC, WORK = sys.argv[1], sys.argv[2], sys.argv[3]
os.makedirs(WORK, exist_ok=True)
SCHEMAS = os.path.join(SRC, "docs", "schemas")
KIND_FILE = {
    "ValidationReport": "validation-report",
    "SimulationTrace": "simulation-trace",
    "ReplayTrace": "replay-trace",
    "BatchReport": "batch-report",
    "JudgeReport": "judge-report",
    "StatsResult": "stats-result",
    "TuningReport": "tuning-report",
    "ExportResult": "export-result",
    "CheckReport": "check-report",
}
failures = []
checked = {k: 0 for k in KIND_FILE}


def src(rel):
    return os.path.join(SRC, rel)


def work(name, text):
    path = os.path.join(WORK, name)
    with open(path, "w") as f:
        f.write(text)
    return path


def schema(kind):
    with open(os.path.join(SCHEMAS, KIND_FILE[kind] + ".schema.json")) as f:
        return json.load(f)


def run(args, stdin=None, codes=(0,)):
    p = subprocess.run([BIN] + args, input=stdin, capture_output=True, text=True)
    if p.returncode not in codes:
        failures.append("%s: exit %d: %s" % (" ".join(args), p.returncode, p.stderr.strip()))
        return None
    return p.stdout


def check(kind, args, stdin=None, codes=(0,), twice=True):
    out = run(args + ["-o", "json"], stdin, codes)
    if out is None:
        return
    doc = json.loads(out)
    label = " ".join(args)
    if doc.get("kind") != kind:
        failures.append("%s: kind %r, expected %s" % (label, doc.get("kind"), kind))
        return
    try:
        jsonschema.validate(doc, schema(kind), cls=jsonschema.Draft202012Validator)
    except jsonschema.ValidationError as e:
        failures.append("%s: %s at %s" % (label, e.message, "/".join(map(str, e.absolute_path))))
        return
    checked[kind] += 1
    if yaml is not None and twice:  # a command that commits runs once
        y = run(args + ["-o", "yaml"], stdin, codes)
        loaded, same = yaml.safe_load(y) if y is not None else None, dict(doc)
        if loaded is not None:  # a batch's wall time is its only field that differs run to run
            loaded.pop("elapsedSeconds", None)
            same.pop("elapsedSeconds", None)
        if y is not None and loaded != same:
            failures.append("%s: -o yaml does not load to the -o json document" % label)
    return doc


def rejects(kind, doc, mutate, what):
    broken = json.loads(json.dumps(doc))
    mutate(broken)
    try:
        jsonschema.validate(broken, schema(kind), cls=jsonschema.Draft202012Validator)
        failures.append("%s schema accepts %s" % (kind, what))
    except jsonschema.ValidationError:
        pass


examples = src("examples")
canary = open(src("examples/apps/podinfo/canary.yaml")).read()
v = check("ValidationReport", ["validate", examples])
check("ValidationReport", ["validate", "-"], stdin=canary)
if v:
    rejects("ValidationReport", v, lambda d: d.pop("errors"), "a report without errors")

script = src("examples/scripts/two-failures-then-recover.yaml")
flagger = check("SimulationTrace", ["simulate", "--spec", examples, "--scenario", script, "--seed", "7"])
check("SimulationTrace", ["simulate", "--spec", examples, "--target", "podinfo", "--scenario",
                          src("scenarios/library/error-regression-1pt.yaml"), "--judge", src("examples/judges")])
argo = check("SimulationTrace", ["simulate", "--spec", examples, "--scenario",
                                 src("examples/scripts/argo-background-failure.yaml")])
check("SimulationTrace", ["simulate", "--spec", examples, "--target", "storefront", "--scenario",
                          src("scenarios/library/error-regression-2pt.yaml"), "--seed", "3"])
if flagger:
    rejects("SimulationTrace", flagger, lambda d: d["outcome"].update(result="won"), "an unknown outcome")
    rejects("SimulationTrace", flagger, lambda d: d["ticks"][0]["status"].update(phase="Sleeping"),
            "an unknown phase")
    rejects("SimulationTrace", flagger, lambda d: d.pop("apiVersion"), "a document without apiVersion")
if argo:
    rejects("SimulationTrace", argo, lambda d: d["outcome"].update(phase="Succeeded"),
            "a Flagger phase in an Argo outcome")

replay = src("examples/replays/podinfo-error-spike.yaml")
r = check("ReplayTrace", ["simulate", "--spec", src("examples/apps/podinfo"), "--scenario", replay])
check("ReplayTrace", ["replay", "--spec", src("examples/apps/storefront"), "--replay", replay])
check("ReplayTrace", ["replay", "--spec", src("examples/apps/podinfo"), "--replay", replay,
                      "--seed", "4", "--replicate", "2"])
if r:
    rejects("ReplayTrace", r, lambda d: d.pop("replay"), "a trace without its replay block")

batch_args = ["batch", "--spec", src("examples/apps/podinfo"), "--scenarios",
              src("scenarios/library/good-high-traffic.yaml"), src("scenarios/library/error-regression-5pt.yaml"),
              "--judge", src("examples/judges"), "--runs", "4", "--seed", "2"]
b = check("BatchReport", batch_args)
shards = []
for k in range(2):
    path = os.path.join(WORK, "shard%d.json" % k)
    run(batch_args + ["--shard", "%d/2" % k, "-o", "json", "--out", path])
    shards.append(path)
check("BatchReport", ["merge"] + shards)
if b:
    rejects("BatchReport", b, lambda d: d["results"][0].update(release="ugly"), "an unknown release")

rows = "".join("latency,%g\ncpu,%g\n" % (10 + (i * 7 % 5) / 10, 1 + (i % 3) / 10) for i in range(30))
slow = "".join("latency,%g\ncpu,%g\n" % (14 + (i * 7 % 5) / 10, 1 + (i % 3) / 10) for i in range(30))
base = work("baseline.csv", "metric,value\n" + rows)
can = work("canary.csv", "metric,value\n" + slow)
k = check("JudgeReport", ["judge", "--baseline", base, "--canary", can], codes=(0, 1))
check("JudgeReport", ["judge", "--baseline", base, "--canary", can, "--mode", "sequential"], codes=(0, 1))
check("JudgeReport", ["judge", "--baseline", "-", "--canary", can], stdin="metric,value\n" + rows, codes=(0, 1))
if k:
    rejects("JudgeReport", k, lambda d: d.update(classification="Maybe"), "an unknown classification")

x = work("x.txt", "\n".join(str(10 + i * 1.5) for i in range(12)) + "\n")
y = work("y.txt", "\n".join(str(12 + i * 1.25) for i in range(10)) + "\n")
s = check("StatsResult", ["stats", "ranksum", "--x", x, "--y", y])
check("StatsResult", ["stats", "welch", "--x", x, "--y", "-"], stdin=open(y).read())
check("StatsResult", ["stats", "fisher", "--table", "3,17,9,11"])
check("StatsResult", ["stats", "fisher", "--table", "3,17,9,11", "--method", "exact"])
check("StatsResult", ["stats", "binom", "--x", "7", "--n", "20", "--p", "0.3"])
check("StatsResult", ["stats", "prop", "--x", "12,30", "--n", "1000,1000"])
check("StatsResult", ["stats", "quantile", "--x", x, "--probs", "0.1,0.5,0.9"])
check("StatsResult", ["stats", "gsd", "--looks", "3", "--type", "asOF", "--alpha", "0.025", "--sided", "1"])
if s:
    rejects("StatsResult", s, lambda d: d.update(p_value=1.5), "a p-value above 1")

tune_args = ["tune", "--spec", src("examples/apps/storefront"), "--space", src("examples/tuning/storefront-space.yaml"),
             "--scenarios", src("scenarios/library/good-high-traffic.yaml"),
             src("scenarios/library/error-regression-5pt.yaml"), "--seed", "3", "--threads", "2"]
tr = check("TuningReport", tune_args, codes=(0, 1))
if tr:
    rejects("TuningReport", tr, lambda d: d["candidates"][0].update(status="maybe"), "an unknown candidate status")

# export: the examples as a Git repository (made with the git CLI), one field edited.
import shutil
repo = os.path.join(WORK, "export-repo")
shutil.rmtree(repo, ignore_errors=True)
shutil.copytree(examples, repo)
git = ["git", "-C", repo, "-c", "init.defaultBranch=main"]
for a in (["init", "-q"], ["config", "user.name", "Ada Tester"], ["config", "user.email", "ada@example.com"],
          ["add", "-A"], ["commit", "-q", "-m", "examples"]):
    subprocess.run(git + a, check=True, capture_output=True)
edited = work("edited-canary.yaml", canary.replace("threshold: 5", "threshold: 7", 1))
e = check("ExportResult", ["export", "--spec", edited, "--repo", repo, "--dry-run"])
check("ExportResult", ["export", "--spec", edited, "--repo", repo, "--report", "--branch", "tune/podinfo"],
      twice=False)
check("ExportResult", ["export", "--spec", edited, "--repo", repo, "--branch", "tune/podinfo"])  # unchanged
if e:
    rejects("ExportResult", e, lambda d: d.update(status="maybe"), "an unknown status")
    rejects("ExportResult", e, lambda d: d.update(push={"remote": "o", "url": "https://u:p@h/r", "pushed": True,
                                                        "error": None}), "a URL with credentials")

# check: the examples under their Policy (some specs fail: exit 1), and a stream on stdin.
c = check("CheckReport", ["check", examples, "--scenarios", src("scenarios/library/good-high-traffic.yaml"),
                          src("scenarios/library/error-regression-5pt.yaml"), "--runs", "20", "--max-runs", "40"],
          codes=(0, 1))
check("CheckReport", ["check", "-", "--scenarios", src("scenarios/library/good-high-traffic.yaml"), "--runs", "20"],
      stdin=canary, codes=(0, 1))
if c:
    rejects("CheckReport", c, lambda d: d["specs"][0].update(verdict="maybe"), "an unknown verdict")
    rejects("CheckReport", c, lambda d: d["specs"][0]["constraints"][0].pop("blame"), "a constraint without blame")

for kind, n in checked.items():
    if n == 0:
        failures.append("no %s was checked" % kind)
for f in failures:
    print("FAIL:", f)
print("%d documents valid against their schemas (%s)%s" % (
    sum(checked.values()), ", ".join("%s %d" % kv for kv in checked.items()),
    "" if yaml else "; PyYAML absent: YAML equality left to cli_tests"))
sys.exit(1 if failures else 0)
