#!/usr/bin/env python3
"""Generates rolloutlab's man pages and shell completions from the executables' --help.

Usage: scripts/gen-cli-docs.py --cli BIN [--gui BIN] --out DIR [--version V] [--help2man EXE]

Writes
  DIR/man/man1/rolloutlab.1.gz, rolloutlab-<command>.1.gz (one per command), rolloutlab-gui.1.gz
      with help2man, when it is given (Debian package help2man); without it no page is written
  DIR/bash-completion/completions/rolloutlab, rolloutlab-gui   (bash)
  DIR/zsh/vendor-completions/_rolloutlab                       (zsh, both executables)

Everything is read from the help texts, so the pages and completions follow the commands as
they change. Commands are the indented words of `rolloutlab --help` whose own `--help` works;
a command's flags are every `--name` / `-x` its help names; a flag takes a value when its help
writes one after it (`--runs N`, `--spec PATH`, `-o json|table`, `--mode TEXT:{a,b}`), and the
value's choices are completed when the help lists them (`a|b|c` or `{a,b,c}`).
"""

import argparse
import gzip
import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile


def run_help(argv):
    env = dict(os.environ)
    for k in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        env.pop(k, None)
    env["ASAN_OPTIONS"] = env.get("ASAN_OPTIONS", "") + ":detect_leaks=0"
    r = subprocess.run(argv + ["--help"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True, env=env, timeout=60)
    return r.returncode, r.stdout


NAME = r"[a-z][a-z0-9-]*"
KNOWN_COMMANDS = ["validate", "simulate", "batch", "merge", "replay", "judge", "stats"]


def listed_words(text):
    """(word, description) of lines `  word   description` (a list of commands)."""
    out = []
    for line in text.splitlines():
        m = re.match(rf"^\s{{2,}}({NAME})\s{{2,}}(\S.*)$", line)
        if m and not m.group(1).startswith("-"):
            out.append((m.group(1), m.group(2).strip()))
    return out


def flags_of(text):
    """{flag: (takes_value, [choices])} of every flag a help text names."""
    flags = {}
    text = re.sub(r"`[^`\n]*`", "", text)  # `simulate --replicate`: another command's flag

    def add(flag, takes, value):
        choices = []
        if value and "{" in value and "}" in value:
            choices = [c.strip() for c in value[value.index("{") + 1:value.index("}")].split(",")]
        elif value and re.fullmatch(r"[A-Za-z0-9_.-]+(\|[A-Za-z0-9_.-]+)+", value):
            choices = value.split("|")
        old = flags.get(flag, (False, []))
        flags[flag] = (old[0] or takes, old[1] or [c for c in choices if c])

    # Usage forms: `[--flag VALUE]` takes VALUE, whatever it looks like (`[--timeout 10s]`).
    for m in re.finditer(r"\[(--?[a-zA-Z][a-z0-9-]*)[ =]([^\]\[\s]+)\]", text):
        add(m.group(1), True, m.group(2).rstrip("."))
    # Elsewhere a value is a metavar (`--runs N`, `--spec <NAME>`, `--mode TEXT:{a,b}`) or a
    # list of choices (`-o json|table`) or an example list (`--table a,b,c,d`); a lower-case word after a flag is prose.
    value_re = re.compile(r"^[ =](?:([A-Za-z0-9_.-]+(?:\|[A-Za-z0-9_.-]+)+)|([A-Z]+:\{[^}]*\})"
                          r"|([A-Za-z0-9_.]+(?:,[A-Za-z0-9_.]+)+)"
                          r"|(<[^>]+>)|([A-Z][A-Z0-9_./,-]*(?:\.\.\.)?)(?![a-z]))")
    for m in re.finditer(r"(?<![\w-])(--[a-z][a-z0-9-]*|-[a-zA-Z])(?![\w-])", text):
        v = value_re.match(text[m.end():m.end() + 80])
        add(m.group(1), bool(v), v.group(v.lastindex) if v else None)
    # Aliases written together (`-o, --output TEXT`): both take what either takes.
    for m in re.finditer(r"(?<![\w-])(-[a-zA-Z]),\s?(--[a-z][a-z0-9-]*)", text):
        a, b = flags.get(m.group(1)), flags.get(m.group(2))
        if a and b:
            flags[m.group(1)] = flags[m.group(2)] = (a[0] or b[0], a[1] or b[1])
    flags.pop("-h", None)
    flags.setdefault("--help", (False, []))
    return flags


class Program:
    def __init__(self, name, argv, summary, text, commands=None, subcommands=None):
        self.name, self.argv, self.summary, self.text = name, argv, summary, text
        self.commands = commands or []  # [Program]
        self.subcommands = subcommands or []  # words (stats ranksum ...)
        self.flags = flags_of(text)


def discover(cli):
    rc, top = run_help([cli])
    if rc != 0:
        sys.exit(f"gen-cli-docs: {cli} --help: exit {rc}")
    commands = []
    # The listed words, then the commands rolloutlab has had so far (in case a new help
    # layout lists them in a way listed_words misses): each kept only if its --help works.
    candidates = listed_words(top) + [(w, "") for w in KNOWN_COMMANDS]
    for word, desc in candidates:
        rc, text = run_help([cli, word])
        if rc == 0 and word not in [c.name for c in commands]:
            subs = [w for w, _ in listed_words(text)]
            subs += re.findall(rf"rolloutlab {word} ({NAME})\b", text)
            m = re.search(r"\(tests?: ([a-z0-9, -]+)\)", text)
            if m:
                subs += [s.strip() for s in m.group(1).split(",")]
            subs = sorted(set(s for s in subs if s not in ("help",)))
            desc = desc or next((l.strip() for l in text.splitlines()
                                 if l.strip() and not l.lower().startswith("usage")), word)
            commands.append(Program(word, [cli, word], desc, text, subcommands=subs))
    if not commands:
        sys.exit(f"gen-cli-docs: no command found in `{cli} --help`")
    first = top.strip().splitlines()[0]
    summary = first.split(":", 1)[1].strip() if ":" in first else "rollout spec workbench"
    return Program("rolloutlab", [cli], summary, top, commands=commands)


# ----------------------------------------------------------------------------- bash


def sh_words(words):
    return " ".join(words)


def bash_completion(prog):
    fn = "_" + prog.name.replace("-", "_")
    lines = [f"# bash completion for {prog.name}: generated from its --help by scripts/gen-cli-docs.py",
             f"{fn}() {{",
             "  local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}",
             "  local cmd= flags= subs= choices= value=0"]
    if prog.commands:
        lines += ["  if (( COMP_CWORD == 1 )); then",
                  f"    COMPREPLY=($(compgen -W \"{sh_words([c.name for c in prog.commands])} --help --version\" -- \"$cur\"))",
                  "    return",
                  "  fi",
                  "  cmd=${COMP_WORDS[1]}",
                  "  case $cmd in"]
        for c in prog.commands:
            lines.append(f"    {c.name}) flags=\"{sh_words(sorted(c.flags))}\"; subs=\"{sh_words(c.subcommands)}\" ;;")
        lines.append("    *) return ;;")
        lines.append("  esac")
        progs = prog.commands
    else:
        lines.append(f"  flags=\"{sh_words(sorted(prog.flags))}\"")
        progs = [prog]
    lines.append("  case \"$cmd $prev\" in")
    for c in progs:
        key = c.name if prog.commands else ""
        for flag, (takes, choices) in sorted(c.flags.items()):
            if choices:
                lines.append(f"    \"{key} {flag}\") choices=\"{sh_words(choices)}\"; value=1 ;;")
            elif takes:
                lines.append(f"    \"{key} {flag}\") value=1 ;;")
    lines += ["  esac",
              "  if [[ -n $choices ]]; then",
              "    COMPREPLY=($(compgen -W \"$choices\" -- \"$cur\"))",
              "  elif (( value )); then",
              "    compopt -o filenames 2>/dev/null",
              "    COMPREPLY=($(compgen -f -- \"$cur\"))",
              "  elif [[ $cur == -* ]]; then",
              "    COMPREPLY=($(compgen -W \"$flags\" -- \"$cur\"))",
              "  elif [[ -n $subs ]] && (( COMP_CWORD == 2 )); then",
              "    COMPREPLY=($(compgen -W \"$subs\" -- \"$cur\"))",
              "  else",
              "    compopt -o filenames 2>/dev/null",
              "    COMPREPLY=($(compgen -f -- \"$cur\"))",
              "  fi",
              "}",
              f"complete -F {fn} {prog.name}",
              ""]
    return "\n".join(lines)


# ----------------------------------------------------------------------------- zsh


def zsh_quote(s):
    return "'" + s.replace("'", "'\\''") + "'"


def zsh_arguments(p, first_positional=None):
    specs = []
    for flag, (takes, choices) in sorted(p.flags.items()):
        if flag in ("--help", "--version"):
            specs.append(f"'(- *){flag}'")
        elif choices:
            specs.append(f"'*{flag}:value:({' '.join(choices)})'")
        elif takes:
            specs.append(f"'*{flag}:value:_files'")
        else:
            specs.append(f"'*{flag}'")
    if first_positional:
        specs.append(f"'1:{first_positional[0]}:({' '.join(first_positional[1])})'")
    specs.append("'*:file:_files'")
    return "_arguments -s " + " ".join(specs)


def zsh_completion(cli, gui):
    lines = ["#compdef rolloutlab" + (" rolloutlab-gui" if gui else ""),
             "# zsh completion for rolloutlab: generated from its --help by scripts/gen-cli-docs.py",
             "",
             "_rolloutlab_cli() {",
             "  local -a commands",
             "  commands=(" + " ".join(zsh_quote(f"{c.name}:{c.summary}") for c in cli.commands) + ")",
             "  if (( CURRENT == 2 )); then",
             "    _describe -t commands 'rolloutlab command' commands",
             "    return",
             "  fi",
             "  local cmd=${words[2]}",
             "  shift words",
             "  (( CURRENT-- ))",
             "  case $cmd in"]
    for c in cli.commands:
        sub = ("test", c.subcommands) if c.subcommands else None
        lines.append(f"    {c.name}) {zsh_arguments(c, sub)} ;;")
    lines += ["    *) _files ;;", "  esac", "}", ""]
    if gui:
        lines += ["_rolloutlab_gui() {", f"  {zsh_arguments(gui)}", "}", ""]
    lines += ["case $service in"]
    if gui:
        lines.append("  rolloutlab-gui) _rolloutlab_gui \"$@\" ;;")
    lines += ["  *) _rolloutlab_cli \"$@\" ;;", "esac", ""]
    return "\n".join(lines)


# ----------------------------------------------------------------------------- man pages


def man_pages(help2man, cli, gui, version, out):
    mandir = os.path.join(out, "man", "man1")
    os.makedirs(mandir, exist_ok=True)
    if not help2man:
        print("gen-cli-docs: help2man not found: no man pages (Debian package help2man)")
        return
    with tempfile.TemporaryDirectory() as tmp:
        pages = []  # (name, program to run, one-line description, see also)
        see_main = ", ".join(fr"\fB{name}\fR(1)" for name in
                             [f"rolloutlab-{c.name}" for c in cli.commands] +
                             (["rolloutlab-gui"] if gui else []))
        def wrapper(name, argv):
            # Run under the command's own name, so that a usage line built from argv[0]
            # reads `rolloutlab-gui`, not the build tree's path.
            path = os.path.join(tmp, name)
            with open(path, "w") as f:
                f.write(f"#!/bin/bash\nexec -a {argv[0].rsplit('/', 1)[-1]} "
                        + " ".join(f"'{a}'" for a in argv) + ' "$@"\n')
            os.chmod(path, stat.S_IRWXU)
            return path

        pages.append(("rolloutlab", wrapper("rolloutlab", cli.argv), cli.summary, see_main))
        for c in cli.commands:
            pages.append((f"rolloutlab-{c.name}", wrapper(f"rolloutlab-{c.name}", c.argv), c.summary,
                          r"\fBrolloutlab\fR(1)"))
        if gui:
            pages.append(("rolloutlab-gui", wrapper("rolloutlab-gui", gui.argv), gui.summary,
                          r"\fBrolloutlab\fR(1)"))
        for name, exe, desc, see in pages:
            inc = os.path.join(tmp, name + ".h2m")
            with open(inc, "w") as f:
                f.write(f"[SEE ALSO]\n{see}\n")
            page = os.path.join(tmp, name + ".1")
            env = dict(os.environ)
            for k in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
                env.pop(k, None)
            env["ASAN_OPTIONS"] = env.get("ASAN_OPTIONS", "") + ":detect_leaks=0"
            r = subprocess.run([help2man, "--no-info", "--no-discard-stderr",
                                "--version-string", version, "--name", desc,
                                "--section", "1", "--source", f"rolloutlab {version}",
                                "--manual", "rolloutlab manual", "--include", inc,
                                "--output", page, exe],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
            if r.returncode != 0:
                sys.exit(f"gen-cli-docs: help2man {name}: {r.stdout.strip()}")
            with open(page, "rb") as f:
                data = f.read()
            # help2man names the wrapper's path; the page names the command.
            data = data.replace(tmp.encode() + b"/", b"")
            with gzip.GzipFile(os.path.join(mandir, name + ".1.gz"), "wb", 9, mtime=0) as gz:
                gz.write(data)


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cli", required=True)
    ap.add_argument("--gui")
    ap.add_argument("--out", required=True)
    ap.add_argument("--version", default="0")
    ap.add_argument("--help2man", default=shutil.which("help2man"))
    args = ap.parse_args()

    cli = discover(os.path.abspath(args.cli))
    gui = None
    if args.gui:
        rc, text = run_help([os.path.abspath(args.gui)])
        if rc != 0:
            sys.exit(f"gen-cli-docs: {args.gui} --help: exit {rc}")
        gui = Program("rolloutlab-gui", [os.path.abspath(args.gui)],
                      "desktop workbench for rollout specs", text)
    if os.path.isdir(args.out):
        shutil.rmtree(args.out)
    write(os.path.join(args.out, "bash-completion", "completions", "rolloutlab"), bash_completion(cli))
    if gui:
        write(os.path.join(args.out, "bash-completion", "completions", "rolloutlab-gui"),
              bash_completion(gui))
    write(os.path.join(args.out, "zsh", "vendor-completions", "_rolloutlab"), zsh_completion(cli, gui))
    man_pages(args.help2man, cli, gui, args.version, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
