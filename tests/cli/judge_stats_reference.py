#!/usr/bin/env python3
"""`rolloutlab judge` and `rolloutlab stats` print what the recorded reference holds, byte for byte.

Every output format, the exit code and the one-line error of each case are compared with
tests/data/judge-stats-cli/expected/ (written by the build before the two commands moved onto
the shared sample reader, decoder, JSON writer and number formatter), over the sample files and
configs of tests/data/judge-stats-cli/inputs/ and the Judge documents of examples/judges/.

Usage: judge_stats_reference.py ROLLOUTLAB SOURCE_DIR [--write]
"""
import subprocess
import sys
from pathlib import Path

IN = "tests/data/judge-stats-cli/inputs/"


def judge_cases():
    pairs = {
        "csv-good": ("base.csv", "canary-good.csv"),
        "csv-bad": ("base.csv", "canary-bad.csv"),
        "timed": ("timed-base.csv", "timed-canary.csv"),
        "single": ("single-base.csv", "single-canary.csv"),
        "json": ("base.json", "canary.json"),
        "named-single": ("named-single.csv", "single-canary.csv"),
    }
    configs = {"none": None, "kayenta": "kayenta.yaml", "sequential": "sequential.json"}
    for pname, (b, c) in pairs.items():
        for cname, cfg in configs.items():
            for mode in ["kayenta", "sequential"]:
                for out in ["json", "yaml", "table"]:
                    args = ["--baseline", IN + b, "--canary", IN + c, "--mode", mode, "-o", out]
                    if cfg:
                        args += ["--config", IN + cfg]
                    yield (f"judge-{pname}-{cname}-{mode}-{out}", args, None)
    yield ("judge-seed", ["--baseline", IN + "base.csv", "--canary", IN + "canary-bad.csv",
                          "--seed", "18446744073709551615", "-o", "json"], None)
    yield ("judge-stdin", ["--baseline", "-", "--canary", IN + "canary-good.csv", "-o", "table"],
           IN + "base.csv")
    yield ("judge-stdin-json", ["--baseline", IN + "base.json", "--canary", "-", "-o", "json"],
           IN + "canary.json")
    for bad in ["bad-row.csv", "bad-value.csv", "bad-header.csv", "bad-time.csv", "bad.json",
                "empty.csv", "missing.csv"]:
        yield (f"judge-input-{bad}", ["--baseline", IN + "base.csv", "--canary", IN + bad,
                                      "-o", "json"], None)
    for cfg in ["config-typo.yaml", "config-badvalue.yaml", "config-notanumber.yaml"]:
        yield (f"judge-{cfg}", ["--baseline", IN + "base.csv", "--canary", IN + "canary-good.csv",
                                "--config", IN + cfg], None)
    # The Judge documents of examples/judges are not Kayenta canary configs: each is refused
    # with one line naming its first unknown field.
    for ex in ["kayenta-default", "sequential", "tail-latency"]:
        yield (f"judge-example-{ex}", ["--baseline", IN + "base.csv", "--canary",
                                       IN + "canary-good.csv", "--config",
                                       f"examples/judges/{ex}.yaml"], None)
    both = ["--baseline", IN + "base.csv", "--canary", IN + "canary-good.csv"]
    for name, args in [("none", []), ("no-canary", ["--baseline", IN + "base.csv"]),
                       ("mode", [*both, "--mode", "bayes"]), ("seed", [*both, "--seed", "-1"]),
                       ("stdin-twice", ["--baseline", "-", "--canary", "-"]),
                       ("output", [*both, "-o", "csv"]), ("unknown-flag", [*both, "--frobnicate"]),
                       ("help", ["--help"])]:
        yield (f"judge-usage-{name}", args, None)


def stats_cases():
    x, y = IN + "x.txt", IN + "y.json"
    for out in ["json", "yaml", "table"]:
        o = ["-o", out]
        yield (f"stats-ranksum-{out}", ["ranksum", "--x", x, "--y", y, *o])
        yield (f"stats-ranksum-ties-{out}", ["ranksum", "--x", IN + "ties.txt", "--y", x,
                                             "--alternative", "less", "--mu", "0.5", *o])
        yield (f"stats-ranksum-exact-{out}", ["ranksum", "--x", x, "--y", y, "--exact", "true",
                                              "--correct", "false", "--conf-level", "0.9",
                                              "--method", "exact", *o])
        yield (f"stats-welch-{out}", ["welch", "--x", x, "--y", y, "--alternative", "greater", *o])
        yield (f"stats-fisher-{out}", ["fisher", "--table", "3,1,1,3", *o])
        yield (f"stats-fisher-zero-{out}", ["fisher", "--table", "10,0,2,7", "--or", "2", *o])
        yield (f"stats-binom-{out}", ["binom", "--x", "7", "--n", "20", "--p", "0.3", *o])
        yield (f"stats-prop-{out}", ["prop", "--x", "15,25", "--n", "50,50", *o])
        yield (f"stats-prop1-{out}", ["prop", "--x", "15", "--n", "50", "--p", "0.5",
                                      "--correct", "false", *o])
        yield (f"stats-quantile-{out}", ["quantile", "--x", y, *o])
        yield (f"stats-quantile-probs-{out}", ["quantile", "--x", x, "--probs", "0.1,0.5,0.99",
                                               *o])
        for t in ["OF", "P", "asOF", "asP"]:
            yield (f"stats-gsd-{t}-{out}", ["gsd", "--looks", "3", "--type", t, *o])
        yield (f"stats-gsd-rates-{out}", ["gsd", "--looks", "4", "--sided", "1", "--alpha",
                                          "0.025", "--info-rates", "0.2,0.5,0.8,1", *o])
        yield (f"stats-welch-constant-{out}", ["welch", "--x", IN + "constant.txt", "--y",
                                               IN + "constant.txt", *o])
    for name, args in [
            ("x-bad", ["ranksum", "--x", IN + "x-bad.txt", "--y", y]),
            ("x-inf", ["welch", "--x", IN + "x-inf.txt", "--y", y]),
            ("y-bad", ["ranksum", "--x", x, "--y", IN + "y-bad.json"]),
            ("y-trailing", ["ranksum", "--x", x, "--y", IN + "y-trailing.json"]),
            ("missing", ["quantile", "--x", IN + "missing.txt"]),
            ("both-stdin", ["ranksum", "--x", "-", "--y", "-"]),
            ("binom-x-gt-n", ["binom", "--x", "30", "--n", "20"]),
            ("conf-level", ["welch", "--x", x, "--y", y, "--conf-level", "1.5"]),
            ("not-number", ["welch", "--x", x, "--y", y, "--mu", "abc"]),
            ("not-int", ["binom", "--x", "2.5", "--n", "20"]),
            ("list", ["prop", "--x", "1,b", "--n", "5,5"]),
            ("bool", ["ranksum", "--x", x, "--y", y, "--correct", "yes"]),
            ("alternative", ["welch", "--x", x, "--y", y, "--alternative", "bigger"]),
            ("method", ["fisher", "--table", "1,2,3,4", "--method", "fast"]),
            ("table", ["fisher", "--table", "1,2,3"]),
            ("looks", ["gsd", "--looks", "30"]),
            ("sided", ["gsd", "--looks", "3", "--sided", "3"]),
            ("type", ["gsd", "--looks", "3", "--type", "XX"]),
            ("required", ["ranksum", "--x", x]),
            ("unknown-flag", ["welch", "--x", x, "--y", y, "--nope", "1"]),
            ("unknown-test", ["anova"]),
            ("no-test", []),
            ("help", ["--help"]),
            ("exact", ["ranksum", "--x", x, "--y", y, "--exact", "maybe"])]:
        yield (f"stats-error-{name}", [*args] + (["-o", "json"] if args and args[0] != "--help"
                                                  and args[0] != "anova" else []))


def cases():
    for name, args, stdin in judge_cases():
        yield name, ["judge", *args], stdin
    for name, args in stats_cases():
        yield name, ["stats", *args], None
    yield "stats-stdin", ["stats", "quantile", "--x", "-", "-o", "table"], IN + "x.txt"


def run(binary, source, args, stdin):
    data = (source / stdin).read_bytes() if stdin else b""
    out = subprocess.run([binary, *args], cwd=source, input=data, capture_output=True,
                         check=False)
    return (f"exit {out.returncode}\n--- stdout\n".encode() + out.stdout + b"--- stderr\n" +
            out.stderr)


def main():
    binary, source = sys.argv[1], Path(sys.argv[2])
    write = "--write" in sys.argv[3:]
    data = source / "tests" / "data" / "judge-stats-cli" / "expected"
    data.mkdir(parents=True, exist_ok=True)
    failures, total = 0, 0
    for name, args, stdin in cases():
        total += 1
        got = run(binary, source, args, stdin)
        path = data / f"{name}.txt"
        if write:
            path.write_bytes(got)
            continue
        want = path.read_bytes() if path.exists() else b"(no reference recorded)\n"
        if got != want:
            failures += 1
            g, e = got.decode().splitlines(), want.decode().splitlines()
            for n, (gl, el) in enumerate(zip(g, e)):
                if gl != el:
                    print(f"{name}: line {n + 1} differs\n  want {el}\n  got  {gl}")
                    break
            else:
                print(f"{name}: {len(g)} lines, expected {len(e)}")
    print(f"{failures} of {total} cases differ")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
