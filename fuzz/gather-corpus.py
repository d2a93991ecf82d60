#!/usr/bin/env python3
"""Builds the seed corpora of the fuzz targets from the project's own inputs.

    fuzz/gather-corpus.py OUT_DIR

For each target, OUT_DIR/<target>/ gets the committed seeds of fuzz/corpus/<target>/ and the
inputs fuzzing found (tests/data/fuzz-regressions/<target>/), plus what
the repository already holds in that format: the YAML of examples/, scenarios/library/ and
tests/data/; the queries, conditions and templates written in those YAML files; and the string
literals the unit tests pass to each parser. Seeds are named by their SHA-1, so running it again
adds nothing twice. Targets whose first input byte selects a mode (csv, openmetrics) get their
seeds with that byte prepended.
"""
import hashlib
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
YAML_DIRS = ["examples", "scenarios/library", "tests/data"]


def yaml_files():
    for d in YAML_DIRS:
        for p in sorted((ROOT / d).rglob("*")):
            if p.suffix in (".yaml", ".yml") and p.is_file():
                yield p


def cpp_literals(path, functions):
    """The string arguments (adjacent literals concatenated, raw strings too) that `path`
    passes first to any of `functions`."""
    return cpp_literals_in(path.read_text(encoding="utf-8", errors="replace"), functions)


def cpp_literals_in(text, functions):
    out = []
    pattern = r"\b(?:%s)\(\s*" % "|".join(functions) if functions != [""] else r"^\(\s*"
    for m in re.finditer(pattern, text):
        i, parts = m.end(), []
        while True:
            raw = re.match(r'R"([^(\s]*)\(', text[i:])
            if raw:
                end = text.find(")" + raw.group(1) + '"', i + raw.end())
                if end < 0:
                    break
                parts.append(text[i + raw.end():end])
                i = end + len(raw.group(1)) + 2
            elif text.startswith('"', i):
                lit = re.match(r'"((?:[^"\\\n]|\\.)*)"', text[i:])
                if not lit:
                    break
                parts.append(unescape(lit.group(1)))
                i += lit.end()
            else:
                break
            while i < len(text) and text[i] in " \t\r\n":
                i += 1
        if parts:
            out.append("".join(parts))
    return out


def cpp_write_calls(path):
    """(name, content) of the test fixtures written with `write("name", "content")`."""
    out = []
    text = path.read_text(encoding="utf-8", errors="replace")
    for m in re.finditer(r'\bwrite\(\s*"([^"]+)",\s*', text):
        rest = text[m.end():]
        lits = cpp_literals_in("(" + rest[:20000], [""])
        if lits:
            out.append((m.group(1), lits[0]))
    return out


def unescape(s):
    simple = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\", "'": "'", "0": "\0"}
    out, i = [], 0
    while i < len(s):
        c = s[i]
        if c == "\\" and i + 1 < len(s):
            n = s[i + 1]
            if n == "x":
                h = re.match(r"[0-9a-fA-F]{1,2}", s[i + 2:])
                out.append(chr(int(h.group(0), 16)) if h else "x")
                i += 2 + (len(h.group(0)) if h else 0)
                continue
            out.append(simple.get(n, n))
            i += 2
            continue
        out.append(c)
        i += 1
    return "".join(out)


def yaml_values(keys):
    """Single-line and block-scalar values of `keys` in the repository's YAML."""
    out = []
    for p in yaml_files():
        lines = p.read_text(encoding="utf-8", errors="replace").splitlines()
        for n, line in enumerate(lines):
            m = re.match(r"^(\s*)(?:- )?(%s):\s*(.*)$" % "|".join(keys), line)
            if not m:
                continue
            value = m.group(3).strip()
            if value in ("|", ">", "|-", ">-", "|+", ">+"):
                body, indent = [], None
                for nxt in lines[n + 1:]:
                    if not nxt.strip():
                        body.append("")
                        continue
                    ind = len(nxt) - len(nxt.lstrip())
                    if ind <= len(m.group(1)):
                        break
                    indent = ind if indent is None else indent
                    body.append(nxt[indent:])
                value = "\n".join(body).strip()
            elif len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
                value = value[1:-1]
            if value:
                out.append(value)
    return out


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: gather-corpus.py OUT_DIR")
    out = pathlib.Path(sys.argv[1])
    seeds = {}

    def add(target, data, prefix=b""):
        if isinstance(data, str):
            data = data.encode("utf-8", errors="surrogateescape")
        seeds.setdefault(target, []).append(prefix + data)

    committed = ROOT / "fuzz" / "corpus"
    for d in sorted(committed.iterdir()) if committed.is_dir() else []:
        for p in sorted(d.iterdir()):
            add(d.name, p.read_bytes())
    regressions = ROOT / "tests" / "data" / "fuzz-regressions"
    for d in sorted(regressions.iterdir()) if regressions.is_dir() else []:
        for p in sorted(d.iterdir()):
            add(d.name, p.read_bytes())
    for p in yaml_files():
        add("yaml_workspace", p.read_bytes())
    for q in yaml_values(["query"]):
        add("go_template", q)
        add("promql", re.sub(r"\{\{[^}]*\}\}", "podinfo", q))
    for c in yaml_values(["successCondition", "failureCondition"]):
        add("argo_expr", c)
    tests = ROOT / "tests"
    for p in sorted((tests / "core" / "promql").glob("*.cpp")):
        for s in cpp_literals(p, ["parse", "parseError", "scalarOf", "query", "evalAt", "instant"]):
            add("promql", s)
        for s in cpp_literals(p, ["loadExposition", "loadError"]):
            add("openmetrics", s, b"\x00")
            add("openmetrics", s, b"\x02")
    for p in sorted((tests / "core" / "argo").glob("*.cpp")):
        for s in cpp_literals(p, ["compile", "compileLenient", "eval", "evalCondition", "cond", "errorOf"]):
            add("argo_expr", s)
    for p in sorted((tests / "replay").glob("*.cpp")):
        for s in cpp_literals(p, ["parseEnvoyJsonLine", "parseNginxLine"]):
            add("access_log", s)
        for name, s in cpp_write_calls(p):
            if name.endswith(".log"):
                add("access_log", s)
            elif name.endswith(".json"):
                add("prometheus_json", s)
            elif name.endswith(".csv"):
                add("csv", s, b"\x00")
        for s in cpp_literals(p, ["parseQueryRange", "parseJson"]):
            add("prometheus_json", s)
        for s in cpp_literals(p, ["parseMetricCsv"]):
            add("csv", s, b"\x00")
    for p in sorted(ROOT.glob("examples/**/*.csv")):
        add("csv", p.read_bytes(), b"\x00")
    for p in sorted(ROOT.glob("scenarios/library/**/*.csv")):
        add("csv", p.read_bytes(), b"\x01")

    for target, items in sorted(seeds.items()):
        d = out / target
        d.mkdir(parents=True, exist_ok=True)
        for data in items:
            (d / hashlib.sha1(data).hexdigest()).write_bytes(data)
        print(f"{target}: {len(list(d.iterdir()))} seeds in {d}")


if __name__ == "__main__":
    main()
