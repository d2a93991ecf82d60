#!/usr/bin/env python3
"""Batch outputs equal, byte for byte, the ones recorded before the batch path was optimised.

The expected CSV files in tests/data/identity/ were written by the build before the
optimisations of the synthetic series (allocation-free accumulation, counts by reference,
builtin query shapes answered from the window counts); every random draw and every number
must be unchanged, so any difference in a decision, a count or a mean shows here.

Usage: batch_identity.py ROLLOUTLAB SOURCE_DIR [--write]
"""
import subprocess
import sys
from pathlib import Path

MESHES = ["istio", "linkerd", "appmesh", "contour", "gloo", "nginx", "kuma", "traefik",
          "gatewayapi", "kubernetes", "osm", "apisix", "skipper", "knative"]


def cases():
    # Every synthesized mesh over the whole scenario library, a different seed each.
    for i, mesh in enumerate(MESHES):
        yield (f"podinfo-{mesh}", ["--spec", "examples/apps/podinfo", "--mesh-provider", mesh,
                                   "--runs", "20", "--seed", str(i + 1)])
    # The Argo Rollout and the second Flagger example.
    yield ("storefront", ["--spec", "examples/apps/storefront", "--runs", "20", "--seed", "3"])
    yield ("checkout", ["--spec", "examples/apps/checkout", "--runs", "20", "--seed", "4"])
    # The two benchmark cases, more runs.
    for sc in ["good-high-traffic", "error-regression-1pt"]:
        yield (f"podinfo-{sc}", ["--spec", "examples/apps/podinfo", "--scenarios",
                                 f"scenarios/library/{sc}.yaml", "--runs", "300", "--seed", "11"])


def main():
    binary, source = sys.argv[1], Path(sys.argv[2])
    write = "--write" in sys.argv[3:]
    data = source / "tests" / "data" / "identity"
    failures = 0
    for name, args in cases():
        out = subprocess.run([binary, "batch", *args, "--threads", "2", "-o", "csv"], cwd=source,
                             capture_output=True, check=False)
        if out.returncode != 0:
            print(f"{name}: exit {out.returncode}: {out.stderr.decode()}")
            failures += 1
            continue
        path = data / f"{name}.csv"
        if write:
            path.write_bytes(out.stdout)
            continue
        want = path.read_bytes()
        if out.stdout != want:
            failures += 1
            got, exp = out.stdout.decode().splitlines(), want.decode().splitlines()
            for n, (g, e) in enumerate(zip(got, exp)):
                if g != e:
                    print(f"{name}: line {n + 1} differs\n  want {e}\n  got  {g}")
                    break
            else:
                print(f"{name}: {len(got)} lines, expected {len(exp)}")
    print(f"{failures} of {len(list(cases()))} cases differ")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
