#!/usr/bin/env python3
"""Checks that scripts/install-deps.sh installs everything a configured build uses.

Usage: scripts/check-deps-closure.py BUILD_DIR [--packages FILE] [--verbose]

What the build uses, taken from the build tree itself:
  - every package configuration CMake loaded (the <Name>_DIR entries of CMakeCache.txt) and
    every pkg-config module it read (pkg_check_modules, with their Requires),
  - every tool the cache names (compiler, archiver, linker, make program, pkg-config...),
  - every library on a link line (build.ninja, or link.txt for the Makefile generators; absolute
    paths and -lNAME resolved along the -L and the compiler's implicit directories), and the
    compiler's implicit link libraries,
  - every header a compilation included (`ninja -t deps`, or the generated depend files).
Libraries and include directories the cache holds but no link line or compilation uses (the
optional probes of FindOpenGL, Qt's FindWrapVulkanHeaders...) are not requirements: they are
counted, not checked.

Each file's Debian package is found with `dpkg-query -S`, following symlinks one hop at a time
(/usr/bin/c++ -> /etc/alternatives/c++ -> /usr/bin/g++ ...) and trying both spellings of a
merged-/usr path (/lib/x86_64-linux-gnu/libc.so.6 is recorded under /lib). The check fails
when that package is not in the Depends/Pre-Depends closure (Recommends and Suggests are not
followed: install-deps.sh installs with --no-install-recommends) of the package list, taken
from `install-deps.sh --list` or from FILE. The closure is computed offline from dpkg's status
database: for `a | b` the first alternative this system satisfies is followed, a virtual name
by every installed package that provides it, and Essential packages (present on any Debian
system) are roots too. The check also fails when a listed name is not a package dpkg reports
installed: a virtual name (install-deps.sh would then call apt on every run) or a misspelt one.

Exit status: 0 all covered, 1 something missing (each finding on one line), 2 bad usage.
"""

import argparse
import glob
import os
import re
import shlex
import subprocess
import sys

PROG = "check-deps-closure"


def die(msg, code=2):
    print(f"{PROG}: {msg}", file=sys.stderr)
    sys.exit(code)


# ----------------------------------------------------------------------------- dpkg database


def parse_relations(field):
    """'a (>= 1) | b:any, c' -> [['a', 'b'], ['c']] (names only: versions and archs dropped)."""
    clauses = []
    for clause in field.split(","):
        alts = []
        for alt in clause.split("|"):
            name = re.sub(r"\(.*?\)|\[.*?\]|<.*?>", "", alt).strip()
            name = name.split(":")[0].strip()
            if name:
                alts.append(name)
        if alts:
            clauses.append(alts)
    return clauses


class Status:
    """The installed packages of dpkg's status database."""

    def __init__(self):
        fmt = "${Package}\\t${Status}\\t${Essential}\\t${Provides}\\t${Pre-Depends}\\t${Depends}\\n"
        out = run(["dpkg-query", "-W", "-f=" + fmt])
        self.installed = {}  # name -> (essential, [clauses])
        self.providers = {}  # virtual name -> {real names}
        for line in out.splitlines():
            parts = line.split("\t")
            if len(parts) != 6:
                continue
            name, status, essential, provides, predepends, depends = parts
            if status.split()[-1:] != ["installed"]:
                continue
            clauses = parse_relations(predepends) + parse_relations(depends)
            old = self.installed.get(name)
            if old:  # the same package for several architectures
                clauses = old[1] + clauses
            self.installed[name] = (essential == "yes", clauses)
            for clause in parse_relations(provides):
                for virtual in clause:
                    self.providers.setdefault(virtual, set()).add(name)

    def satisfiers(self, name):
        """The installed packages that satisfy a relation on `name`."""
        found = set(self.providers.get(name, ()))
        if name in self.installed:
            found.add(name)
        return found

    def closure(self, roots):
        """Depends/Pre-Depends closure of `roots` (installed names) and the Essential set."""
        todo = list(roots) + [n for n, (ess, _) in self.installed.items() if ess]
        seen = set()
        while todo:
            name = todo.pop()
            if name in seen or name not in self.installed:
                continue
            seen.add(name)
            for alts in self.installed[name][1]:
                for alt in alts:  # the first alternative this system satisfies
                    sat = self.satisfiers(alt)
                    if sat:
                        todo.extend(sat)
                        break
        return seen


def run(cmd, check=True, **kw):
    try:
        r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)
    except FileNotFoundError:
        die(f"{cmd[0]} not found (this check needs a Debian system with dpkg)")
    if check and r.returncode != 0:
        die(f"{' '.join(cmd[:3])}...: exit {r.returncode}: {r.stderr.strip()[:300]}")
    return r.stdout


def merged_variants(path):
    """The path and its other spelling on a merged-/usr system."""
    out = [path]
    for top in ("/lib", "/lib32", "/lib64", "/libx32", "/bin", "/sbin"):
        if path.startswith(top + "/"):
            out.append("/usr" + path)
        elif path.startswith("/usr" + top + "/"):
            out.append(path[4:])
    return out


def symlink_chain(path):
    """path, then each hop of its symlinks, ending at the real file."""
    chain = [path]
    cur = path
    for _ in range(40):
        if not os.path.islink(cur):
            break
        cur = os.path.normpath(os.path.join(os.path.dirname(cur), os.readlink(cur)))
        chain.append(cur)
    real = os.path.realpath(path)
    if real not in chain:
        chain.append(real)
    return chain


def owners(paths):
    """{path: set of packages} for the paths dpkg knows (dpkg-query -S, exact paths)."""
    result = {}
    paths = sorted(set(paths))
    for i in range(0, len(paths), 2000):
        out = run(["dpkg-query", "-S", "--"] + paths[i : i + 2000], check=False)
        for line in out.splitlines():
            if line.startswith(("diversion by", "local diversion")) or ": " not in line:
                continue
            pkgs, path = line.split(": ", 1)
            result.setdefault(path, set()).update(p.strip().split(":")[0] for p in pkgs.split(","))
    return result


# ----------------------------------------------------------------------------- the build tree


def read_cache(build):
    cache = {}
    with open(os.path.join(build, "CMakeCache.txt"), encoding="utf-8", errors="replace") as f:
        for line in f:
            m = re.match(r"^([^#/][^:=]*):([A-Z]+)=(.*)$", line.rstrip("\n"))
            if m:
                cache[m.group(1)] = (m.group(2), m.group(3))
    return cache


def config_file(var, directory):
    """The <Name>Config.cmake / <name>-config.cmake that a <Name>_DIR entry loaded."""
    name = var[: -len("_DIR")]
    for cand in (f"{name}Config.cmake", f"{name.lower()}-config.cmake"):
        p = os.path.join(directory, cand)
        if os.path.isfile(p):
            return p
    found = sorted(glob.glob(os.path.join(directory, "*Config.cmake")) +
                   glob.glob(os.path.join(directory, "*-config.cmake")))
    return found[0] if found else None


def pkg_config_files(cache):
    """The .pc files of every module pkg_check_modules read, with their Requires(.private)."""
    exe = cache.get("PKG_CONFIG_EXECUTABLE", ("", ""))[1]
    if not exe or not os.path.isfile(exe):
        return {}
    keywords = {"REQUIRED", "QUIET", "IMPORTED_TARGET", "GLOBAL", "NO_CMAKE_PATH",
                "NO_CMAKE_ENVIRONMENT_PATH", "STATIC"}
    todo = []
    for key, (_, value) in cache.items():
        m = re.match(r"^__pkg_config_arguments_(.+)$", key)
        if not m or cache.get(m.group(1) + "_FOUND", ("", ""))[1] not in ("1", "TRUE", "ON"):
            continue
        for item in value.split(";"):
            item = re.split(r"[<>=]", item)[0].strip()
            if item and item not in keywords:
                todo.append((item, f"pkg-config module of {m.group(1)}"))
    found, seen = {}, set()
    while todo:
        module, why = todo.pop()
        if module in seen:
            continue
        seen.add(module)
        path = run([exe, "--path", module], check=False).strip()
        if path:
            found[os.path.abspath(path)] = why
        for line in run([exe, "--print-requires", "--print-requires-private", module],
                        check=False).splitlines():
            req = line.split()[0] if line.split() else ""
            if req:
                todo.append((req, f"pkg-config Requires of {module}"))
    return found


def link_lines(build):
    """Token lists of every link command."""
    lines = []
    ninja = os.path.join(build, "build.ninja")
    if os.path.isfile(ninja):
        current = []
        with open(ninja, encoding="utf-8", errors="replace") as f:
            for line in f:
                m = re.match(r"^\s+(LINK_LIBRARIES|LINK_PATH|LINK_FLAGS) = (.*)$", line)
                if m:
                    current.append(m.group(2))
                elif line.startswith("build ") and current:
                    lines.append(" ".join(current))
                    current = []
        if current:
            lines.append(" ".join(current))
    for txt in glob.glob(os.path.join(build, "**", "link.txt"), recursive=True):
        with open(txt, encoding="utf-8", errors="replace") as f:
            lines.append(f.read())
    out = []
    for line in lines:
        try:
            out.append(shlex.split(line))
        except ValueError:
            out.append(line.split())
    return out


def implicit_link(build):
    libs, dirs = [], []
    for f in glob.glob(os.path.join(build, "CMakeFiles", "*", "CMakeCXXCompiler.cmake")):
        text = open(f, encoding="utf-8").read()
        m = re.search(r'CMAKE_CXX_IMPLICIT_LINK_LIBRARIES "([^"]*)"', text)
        if m:
            libs = [x for x in m.group(1).split(";") if x]
        m = re.search(r'CMAKE_CXX_IMPLICIT_LINK_DIRECTORIES "([^"]*)"', text)
        if m:
            dirs = [x for x in m.group(1).split(";") if x]
    return libs, dirs


def find_lib(name, dirs):
    for d in dirs:
        for suffix in (".so", ".a"):
            p = os.path.join(d, f"lib{name}{suffix}")
            if os.path.exists(p):
                return p
    return None


def included_headers(build, cache):
    """Absolute paths of every file a compilation read, from the dependency records."""
    found = set()
    ninja = cache.get("CMAKE_MAKE_PROGRAM", ("", ""))[1]
    if os.path.isfile(os.path.join(build, "build.ninja")) and ninja:
        out = run([ninja, "-C", build, "-t", "deps"], check=False)
        for line in out.splitlines():
            if line.startswith("    "):
                found.add(os.path.normpath(os.path.join(build, line.strip())))
    for pattern in ("compiler_depend.make", "depend.make", "*.d"):
        for f in glob.glob(os.path.join(build, "**", pattern), recursive=True):
            with open(f, encoding="utf-8", errors="replace") as fh:
                for tok in re.split(r"[\s\\]+", fh.read()):
                    tok = tok.rstrip(":")
                    if tok.startswith("/"):
                        found.add(os.path.normpath(tok))
    return found


# ----------------------------------------------------------------------------- the check


def package_list(args, script):
    if args.packages:
        with open(args.packages, encoding="utf-8") as f:
            text = f.read()
    else:
        env = dict(os.environ)
        env.pop("ROLLOUTLAB_DEPS_EXTRA", None)
        text = run([script, "--list"], env=env)
    names = []
    for line in text.splitlines():
        line = line.split("#")[0]
        names.extend(line.split())
    return names


def main():
    ap = argparse.ArgumentParser(prog=PROG, description=__doc__.split("\n\n")[0])
    ap.add_argument("build", help="a configured (and built) CMake build directory")
    ap.add_argument("--packages", help="the package list (default: install-deps.sh --list)")
    ap.add_argument("--source", help="the source tree (default: CMAKE_HOME_DIRECTORY)")
    ap.add_argument("--verbose", action="store_true", help="print every file and its package")
    args = ap.parse_args()

    build = os.path.abspath(args.build)
    if not os.path.isfile(os.path.join(build, "CMakeCache.txt")):
        die(f"{build}: no CMakeCache.txt (configure the build first)")
    cache = read_cache(build)
    source = os.path.abspath(args.source or cache.get("CMAKE_HOME_DIRECTORY", ("", build))[1])
    script = os.path.join(source, "scripts", "install-deps.sh")
    names = package_list(args, script)
    if not names:
        die("the package list is empty")
    status = Status()

    # What the build uses: path -> why.
    needs = {}

    def need(path, why):
        path = os.path.normpath(path)
        if path.startswith((source + os.sep, build + os.sep)) or not os.path.exists(path):
            return
        needs.setdefault(path, why)

    probes = 0
    for key, (typ, value) in cache.items():
        if key.endswith("_DIR") and typ == "PATH" and value.startswith("/") and os.path.isdir(value):
            cfg = config_file(key, value)
            if cfg:
                need(cfg, f"{key} in CMakeCache.txt")
        elif typ == "FILEPATH" and value.startswith("/") and os.path.isfile(value):
            if key.startswith("CMAKE_") or key.endswith(("_EXECUTABLE", "_COMPILER")):
                need(value, f"{key} in CMakeCache.txt")
            else:
                probes += 1  # a library a Find module found: checked if a link line uses it
    for pc, why in pkg_config_files(cache).items():
        need(pc, why)

    implicit_libs, implicit_dirs = implicit_link(build)
    for tokens in link_lines(build):
        search = []
        for tok in tokens:
            subs = tok[4:].split(",") if tok.startswith("-Wl,") else [tok]
            for t in subs:
                if t.startswith("-L"):
                    search.append(t[2:])
                elif t.startswith("/") and os.path.isfile(t):
                    need(t, "a link line")
        for tok in tokens:
            if tok.startswith("-l") and len(tok) > 2:
                lib = find_lib(tok[2:], search + implicit_dirs)
                if lib:
                    need(lib, f"{tok} on a link line")
                else:
                    print(f"{PROG}: warning: {tok} on a link line: no lib{tok[2:]}.so or .a found")
    for lib in implicit_libs:
        path = find_lib(lib, implicit_dirs)
        if path:
            need(path, f"the compiler's implicit -l{lib}")
    headers = included_headers(build, cache)
    for h in headers:
        need(h, "an included header")

    # Who owns each file.
    # Rounds: the paths as written first (nearly every file is owned as written), then the
    # next spelling or symlink hop of those still unowned; each round is one dpkg-query call.
    chains = {p: [v for hop in symlink_chain(p) for v in merged_variants(hop)] for p in needs}
    file_pkg = {}
    for k in range(max((len(c) for c in chains.values()), default=0)):
        todo = {p: c[k] for p, c in chains.items() if p not in file_pkg and k < len(c)}
        owned = owners(todo.values())
        for p, v in todo.items():
            if v in owned:
                file_pkg[p] = owned[v]
    unowned = [p for p in chains if p not in file_pkg]

    # The closure of the list.
    problems = []
    roots = []
    for n in names:
        if n in status.installed:
            roots.append(n)
            continue
        prov = sorted(status.providers.get(n, ()))
        if prov:
            problems.append(f"{n}: listed, but dpkg reports no installed package of that name: it is "
                            f"a virtual name provided by {', '.join(prov)} (list the real package; "
                            f"install-deps.sh would run apt on every call)")
        else:
            problems.append(f"{n}: listed, but dpkg reports no installed package of that name and "
                            f"no installed package provides it (misspelt, or not installed)")
    closure = status.closure(roots)

    # A package's files in the order that says most about why it is needed: the package
    # configurations and pkg-config modules, the tools, the libraries, then the headers.
    def rank(path):
        why = needs[path]
        order = ("_DIR in", "pkg-config", "CMakeCache", "link line", "implicit", "header")
        return next((i for i, w in enumerate(order) if w in why), len(order)), path

    missing = {}  # package -> [files]
    for p, pkgs in sorted(file_pkg.items(), key=lambda kv: rank(kv[0])):
        if args.verbose:
            print(f"{p}: {', '.join(sorted(pkgs))} ({needs[p]})")
        if not pkgs & closure:
            missing.setdefault(" | ".join(sorted(pkgs)), []).append(p)
    for pkg, files in sorted(missing.items()):
        first = files[0]
        more = f" and {len(files) - 1} more file(s)" if len(files) > 1 else ""
        problems.append(f"{pkg}: not in the Depends closure of the package list, but the build uses "
                        f"{first} ({needs[first]}){more}")
    for p in sorted(unowned):
        problems.append(f"{p}: used by the build ({needs[p]}) but owned by no Debian package")

    if problems:
        for line in problems:
            print(f"{PROG}: {line}")
        print(f"{PROG}: FAILED: {len(problems)} problem(s); the package list is "
              f"{'--packages ' + args.packages if args.packages else script + ' --list'}")
        return 1
    pkgs = set().union(*file_pkg.values()) if file_pkg else set()
    print(f"{PROG}: ok: {len(file_pkg)} files the build uses ({len(headers)} headers read), from "
          f"{len(pkgs)} packages, all in the Depends closure ({len(closure)} packages) of the "
          f"{len(names)} listed; {probes} cached probe results not used by any link line ignored")
    return 0


if __name__ == "__main__":
    sys.exit(main())
