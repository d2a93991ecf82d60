#!/usr/bin/env python3
"""Synthetic Istio telemetry history as OpenMetrics text, for promtool to backfill.

    istio-history.py --duration 3h --change-at 90m --canary-error-rate-after 0.2 \\
        --canary-p99-ms-after 800 --seed 42 -o istio.om

Two workloads of one namespace, the primary (podinfo-primary) and the canary (podinfo), each
with the series Istio's sidecars export and Flagger's and Argo Rollouts' builtin queries read:

    istio_requests_total{destination_workload, destination_workload_namespace, reporter,
                         response_code="200"|"500"}
    istio_request_duration_milliseconds_bucket{..., le}   Istio's default buckets and +Inf
    istio_request_duration_milliseconds_count{...}
    istio_request_duration_milliseconds_sum{...}

Points lie at start, start + step, ..., start + duration (seconds); every counter is 0 at the
first point. Between two points a workload serves Poisson(rps x step) requests; each fails
(response code 500) with the workload's error rate, independently. Latencies are log-normal
with shape --sigma and a scale that puts the distribution's 0.99 quantile at the workload's
p99, so the bucket counts of an interval are a multinomial draw over the buckets' probabilities,
and the interval adds to `_sum` each bucket's count times the distribution's mean inside that
bucket. From --change-at on, the `-after` error rate and p99 apply.

With --source-reporter every series is written a second time with reporter="source" and the
same values (both sidecars count the same requests).

Deterministic: the same arguments give the same bytes (Python's Mersenne Twister, seeded by
--seed). Standard library only.
"""

import argparse
import math
import random
import sys
from datetime import datetime, timezone

# Istio's default buckets of istio_request_duration_milliseconds (upper bounds, ms).
BUCKETS_MS = (0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000,
              300000, 600000, 1800000, 3600000)

# The standard normal distribution's 0.99 quantile.
Z_099 = 2.3263478740408408


def seconds(text):
    """'90m', '3h', '1h30m', '45s' or plain seconds -> whole seconds."""
    text = text.strip()
    try:
        return int(float(text))
    except ValueError:
        pass
    unit = {"s": 1, "m": 60, "h": 3600, "d": 86400}
    total, digits = 0.0, ""
    for ch in text:
        if ch.isdigit() or ch == ".":
            digits += ch
        elif ch in unit and digits:
            total += float(digits) * unit[ch]
            digits = ""
        else:
            raise argparse.ArgumentTypeError("not a duration: %r" % text)
    if digits:
        raise argparse.ArgumentTypeError("a duration needs a unit: %r" % text)
    return int(total)


def epoch(text):
    """Unix seconds or RFC 3339 (Z or an offset) -> whole Unix seconds."""
    text = text.strip()
    try:
        return int(float(text))
    except ValueError:
        pass
    when = datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith("Z") else text)
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return int(when.timestamp())


def normal_cdf(x):
    if x == math.inf:
        return 1.0
    if x == -math.inf:
        return 0.0
    return 0.5 * math.erfc(-x / math.sqrt(2.0))


class Draws:
    """Exact Poisson and binomial draws by inversion (small means, split when large)."""

    def __init__(self, seed):
        self.rng = random.Random(seed)

    def poisson(self, mean):
        # A sum of independent Poisson variables is Poisson: draw the mean in pieces of at
        # most 25, each by inversion of its CDF (no underflow of exp(-mean)).
        total = 0
        while mean > 0:
            piece = min(mean, 25.0)
            mean -= piece
            u = self.rng.random()
            k, pmf = 0, math.exp(-piece)
            cdf = pmf
            while u > cdf and pmf > 0:
                k += 1
                pmf *= piece / k
                cdf += pmf
            total += k
        return total

    def binomial(self, n, p):
        if n <= 0 or p <= 0:
            return 0
        if p >= 1:
            return n
        if p > 0.5:
            return n - self.binomial(n, 1.0 - p)
        # Binomial(a + b, p) = Binomial(a, p) + Binomial(b, p): pieces of at most 400 trials
        # keep (1 - p)^n far from underflow.
        total = 0
        while n > 0:
            m = min(n, 400)
            n -= m
            u = self.rng.random()
            k, pmf = 0, (1.0 - p) ** m
            cdf = pmf
            ratio = p / (1.0 - p)
            while u > cdf and k < m:
                pmf *= ratio * (m - k) / (k + 1)
                k += 1
                cdf += pmf
            total += k
        return total

    def multinomial(self, n, probs):
        """Counts per cell: each cell a binomial draw of what the cells before it left."""
        out, left, mass = [], n, 1.0
        for i, p in enumerate(probs):
            if i == len(probs) - 1 or mass <= 0:
                out.append(left)
                left = 0
                continue
            k = self.binomial(left, min(1.0, p / mass))
            out.append(k)
            left -= k
            mass -= p
        return out


class LatencyModel:
    """Log-normal latency with a given 0.99 quantile, over Istio's buckets (+ overflow)."""

    def __init__(self, p99_ms, sigma):
        self.mu = math.log(p99_ms) - Z_099 * sigma
        self.sigma = sigma
        edges = [0.0] + list(BUCKETS_MS) + [math.inf]
        z = [self._z(e, 0.0) for e in edges]
        # Shifted by sigma^2: the partial expectation E[X; a < X <= b].
        zs = [self._z(e, sigma * sigma) for e in edges]
        scale = math.exp(self.mu + sigma * sigma / 2.0)
        self.probs, self.means = [], []
        for i in range(len(edges) - 1):
            p = normal_cdf(z[i + 1]) - normal_cdf(z[i])
            partial = scale * (normal_cdf(zs[i + 1]) - normal_cdf(zs[i]))
            self.probs.append(max(p, 0.0))
            lo, hi = edges[i], edges[i + 1]
            fallback = lo if hi == math.inf else (lo + hi) / 2.0
            self.means.append(partial / p if p > 1e-300 else fallback)

    def _z(self, edge, shift):
        if edge <= 0:
            return -math.inf
        if edge == math.inf:
            return math.inf
        return (math.log(edge) - self.mu - shift) / self.sigma


class Workload:
    def __init__(self, name, rps, errors, p99s, sigma):
        self.name = name
        self.rps = rps
        self.errors = errors  # (before, after)
        self.latency = (LatencyModel(p99s[0], sigma), LatencyModel(p99s[1], sigma))
        self.ok = self.failed = 0
        self.cells = [0] * (len(BUCKETS_MS) + 1)  # per bucket, the last one above every bound
        self.total_ms = 0.0

    def advance(self, draws, step, after):
        n = draws.poisson(self.rps * step)
        bad = draws.binomial(n, self.errors[1] if after else self.errors[0])
        self.ok += n - bad
        self.failed += bad
        model = self.latency[1] if after else self.latency[0]
        for i, k in enumerate(draws.multinomial(n, model.probs)):
            self.cells[i] += k
            self.total_ms += k * model.means[i]

    def point(self):
        cumulative, running = [], 0
        for k in self.cells[:-1]:
            running += k
            cumulative.append(running)
        count = running + self.cells[-1]
        return (self.ok, self.failed, cumulative, count, self.total_ms)


def number(v):
    """Integers without a fraction, others with the shortest repr that round-trips."""
    if float(v).is_integer() and abs(v) < 1e15:
        return "%d" % v
    return repr(float(v))


def labels(pairs):
    return "{" + ",".join('%s="%s"' % kv for kv in pairs) + "}"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--start", type=epoch, default=epoch("2024-01-01T00:00:00Z"),
                    help="time of the first point: Unix seconds or RFC 3339 "
                         "(default 2024-01-01T00:00:00Z)")
    ap.add_argument("--duration", type=seconds, default=seconds("3h"), help="default 3h")
    ap.add_argument("--step", type=seconds, default=15, help="seconds between points (15)")
    ap.add_argument("--change-at", type=seconds, default=None,
                    help="offset from --start where the -after values apply (half the duration)")
    ap.add_argument("--namespace", default="test")
    ap.add_argument("--primary", default="podinfo-primary", help="the primary's workload name")
    ap.add_argument("--canary", default="podinfo", help="the canary's workload name")
    ap.add_argument("--rps", type=float, default=20.0, help="requests per second (20)")
    ap.add_argument("--canary-rps", type=float, default=None, help="the canary's, if not --rps")
    ap.add_argument("--primary-error-rate", type=float, default=0.005)
    ap.add_argument("--primary-error-rate-after", type=float, default=None)
    ap.add_argument("--canary-error-rate", type=float, default=0.005)
    ap.add_argument("--canary-error-rate-after", type=float, default=0.10)
    ap.add_argument("--primary-p99-ms", type=float, default=80.0)
    ap.add_argument("--primary-p99-ms-after", type=float, default=None)
    ap.add_argument("--canary-p99-ms", type=float, default=80.0)
    ap.add_argument("--canary-p99-ms-after", type=float, default=700.0)
    ap.add_argument("--sigma", type=float, default=0.6, help="log-normal shape (0.6)")
    ap.add_argument("--source-reporter", action="store_true",
                    help='also write every series with reporter="source"')
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("-o", "--output", default="-", help="file to write (default stdout)")
    a = ap.parse_args(argv)

    if a.step <= 0 or a.duration <= 0:
        ap.error("--step and --duration must be > 0")
    if a.sigma <= 0:
        ap.error("--sigma must be > 0")
    for name in ("primary_error_rate", "primary_error_rate_after", "canary_error_rate",
                 "canary_error_rate_after"):
        v = getattr(a, name)
        if v is not None and not 0 <= v <= 1:
            ap.error("--%s must be within 0..1" % name.replace("_", "-"))
    for name in ("primary_p99_ms", "primary_p99_ms_after", "canary_p99_ms", "canary_p99_ms_after"):
        v = getattr(a, name)
        if v is not None and not v > 0:
            ap.error("--%s must be > 0" % name.replace("_", "-"))

    change_at = a.duration // 2 if a.change_at is None else a.change_at
    times = [a.start + i * a.step for i in range(a.duration // a.step + 1)]
    keep = lambda after, before: before if after is None else after
    workloads = [
        Workload(a.primary, a.rps,
                 (a.primary_error_rate, keep(a.primary_error_rate_after, a.primary_error_rate)),
                 (a.primary_p99_ms, keep(a.primary_p99_ms_after, a.primary_p99_ms)), a.sigma),
        Workload(a.canary, keep(a.canary_rps, a.rps),
                 (a.canary_error_rate, a.canary_error_rate_after),
                 (a.canary_p99_ms, a.canary_p99_ms_after), a.sigma),
    ]
    draws = Draws(a.seed)
    points = {w.name: [] for w in workloads}
    for i, t in enumerate(times):
        for w in workloads:
            if i > 0:
                w.advance(draws, a.step, after=t - a.start >= change_at)
            points[w.name].append(w.point())

    reporters = ("destination", "source") if a.source_reporter else ("destination",)
    lines = ["# HELP istio_requests Requests served.", "# TYPE istio_requests counter"]
    for reporter in reporters:
        for w in workloads:
            for code, field in (("200", 0), ("500", 1)):
                lab = labels((("destination_workload", w.name),
                              ("destination_workload_namespace", a.namespace),
                              ("reporter", reporter), ("response_code", code)))
                for t, p in zip(times, points[w.name]):
                    lines.append("istio_requests_total%s %d %d" % (lab, p[field], t))
    lines += ["# HELP istio_request_duration_milliseconds Request duration.",
              "# TYPE istio_request_duration_milliseconds histogram"]
    for reporter in reporters:
        for w in workloads:
            base = (("destination_workload", w.name),
                    ("destination_workload_namespace", a.namespace), ("reporter", reporter))
            les = [number(b) for b in BUCKETS_MS] + ["+Inf"]
            bucket_labels = [labels(base + (("le", le),)) for le in les]
            plain = labels(base)
            # One histogram point per time: its buckets, count and sum together.
            for t, (_, _, cumulative, count, total) in zip(times, points[w.name]):
                for lab, c in zip(bucket_labels, cumulative + [count]):
                    lines.append("istio_request_duration_milliseconds_bucket%s %d %d" % (lab, c, t))
                lines.append("istio_request_duration_milliseconds_count%s %d %d" % (plain, count, t))
                lines.append("istio_request_duration_milliseconds_sum%s %s %d"
                             % (plain, number(round(total, 3)), t))
    lines.append("# EOF")
    text = "\n".join(lines) + "\n"
    if a.output == "-":
        sys.stdout.write(text)
    else:
        with open(a.output, "w", encoding="utf-8") as f:
            f.write(text)
    stamp = lambda t: datetime.fromtimestamp(t, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    sys.stderr.write("istio-history: %d points from %s to %s, change at +%ds\n"
                     % (len(times), stamp(times[0]), stamp(times[-1]), change_at))
    return 0


if __name__ == "__main__":
    sys.exit(main())
