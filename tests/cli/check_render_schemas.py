#!/usr/bin/env python3
"""Renders every hand-written CheckReport in tests/data/check/ as JUnit XML and SARIF and
validates them against the schemas stored in tests/data/schemas/ (see its README):

- JUnit XML with xmllint (Debian libxml2-utils) against the windyroad JUnit.xsd and the Jenkins
  xUnit junit-10.xsd, each extended by one optional attribute, testcase/@file;
- SARIF with python3-jsonschema against the OASIS SARIF 2.1.0 schema (draft 4).

It also checks that the schemas reject broken documents (so that passing means something),
that the unextended JUnit.xsd rejects the rendering only for testcase/@file, that a hostile
name reads back from the XML as it was written (control characters as U+FFFD), and that two
renderings of one report are the same bytes.

With ROLLOUTLAB, the same checks run on what `rolloutlab check examples` writes with --junit and
--sarif, twice (one and two threads), and the two runs must write the same bytes in every
rendering.

usage: check_render_schemas.py RENDER_TOOL SOURCE_DIR WORK_DIR [ROLLOUTLAB]"""
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET

import jsonschema

TOOL, SRC, WORK = sys.argv[1], sys.argv[2], sys.argv[3]
ROLLOUTLAB = sys.argv[4] if len(sys.argv) > 4 else None
os.makedirs(WORK, exist_ok=True)
SCHEMAS = os.path.join(SRC, "tests", "data", "schemas")
REPORTS = sorted(glob.glob(os.path.join(SRC, "tests", "data", "check", "*.json")))
failures = []

XMLLINT = shutil.which("xmllint")
if XMLLINT is None:
    print("check_render_schemas: xmllint not found (Debian libxml2-utils; "
          "scripts/install-deps.sh installs it)", file=sys.stderr)
    sys.exit(1)


def render(fmt, report):
    p = subprocess.run([TOOL, fmt, report], capture_output=True)
    if p.returncode != 0:
        failures.append("%s %s: exit %d: %s" % (fmt, report, p.returncode, p.stderr.decode()))
        return None
    return p.stdout


def write(name, data):
    path = os.path.join(WORK, name)
    with open(path, "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())
    return path


def with_file_attribute(xsd_name):
    """The stored XSD with one optional attribute, file, declared on <testcase>."""
    with open(os.path.join(SCHEMAS, xsd_name), encoding="utf-8") as f:
        xsd = f.read()
    # Both schemas declare testcase's attribute `name` first; the new one goes before it.
    pattern = re.compile(r'(<xs:element name="testcase".*?)(<xs:attribute name="name")', re.S)
    xsd, n = pattern.subn(r'\1<xs:attribute name="file" type="xs:string"/>\2', xsd, count=1)
    if n != 1:
        failures.append("%s: no <testcase> attribute list to extend" % xsd_name)
    return write(xsd_name.replace(".xsd", "-with-file.xsd"), xsd)


XSDS = {name: with_file_attribute(name) for name in ("junit-windyroad.xsd", "junit-jenkins-10.xsd")}
UNEXTENDED = os.path.join(SCHEMAS, "junit-windyroad.xsd")


def xmllint(xsd, path):
    p = subprocess.run([XMLLINT, "--noout", "--schema", xsd, path], capture_output=True, text=True)
    return p.returncode == 0, p.stderr.strip()


with open(os.path.join(SCHEMAS, "sarif-schema-2.1.0.json")) as f:
    SARIF = jsonschema.Draft4Validator(json.load(f))


def sarif_errors(doc):
    return ["%s at /%s" % (e.message, "/".join(map(str, e.absolute_path)))
            for e in SARIF.iter_errors(doc)]


junit_checked = sarif_checked = 0
for report in REPORTS:
    base = os.path.splitext(os.path.basename(report))[0]
    x = render("junit", report)
    s = render("sarif", report)
    if x is None or s is None:
        continue
    if render("junit", report) != x or render("sarif", report) != s:
        failures.append("%s: two renderings differ" % base)
    xpath = write(base + ".junit.xml", x)
    for name, xsd in XSDS.items():
        ok, err = xmllint(xsd, xpath)
        if not ok:
            failures.append("%s.junit.xml against %s: %s" % (base, name, err))
    ok, err = xmllint(UNEXTENDED, xpath)
    has_testcase = b"<testcase " in x
    if has_testcase and (ok or "'file' is not allowed" not in err or
                         len([ln for ln in err.splitlines() if "fails to validate" not in ln and
                              "'file' is not allowed" not in ln]) > 0):
        failures.append("%s.junit.xml against the unextended JUnit.xsd: expected only the file "
                        "attribute to be refused, got: %s" % (base, err or "valid"))
    if not has_testcase and not ok:
        failures.append("%s.junit.xml against the unextended JUnit.xsd: %s" % (base, err))
    junit_checked += 1
    doc = json.loads(s)
    errs = sarif_errors(doc)
    if errs:
        failures.append("%s.sarif: %s" % (base, "; ".join(errs[:5])))
    write(base + ".sarif", s)
    sarif_checked += 1

# The real thing: rolloutlab check on the example repository.
if ROLLOUTLAB:
    outputs = {}
    for threads in ("1", "2"):
        d = os.path.join(WORK, "examples-t" + threads)
        os.makedirs(d, exist_ok=True)
        files = {k: os.path.join(d, k) for k in ("junit.xml", "check.sarif", "summary.md")}
        p = subprocess.run([ROLLOUTLAB, "check", os.path.join(SRC, "examples"), "--threads", threads,
                            "--junit", files["junit.xml"], "--sarif", files["check.sarif"],
                            "--markdown", files["summary.md"], "--github"],
                           capture_output=True)
        if p.returncode not in (0, 1):
            failures.append("rolloutlab check examples: exit %d: %s" % (p.returncode,
                                                                        p.stderr.decode().strip()))
            break
        got = {"github": p.stdout}
        for k, path in files.items():
            with open(path, "rb") as f:
                got[k] = f.read()
        outputs[threads] = got
        for name, xsd in XSDS.items():
            ok, err = xmllint(xsd, files["junit.xml"])
            if not ok:
                failures.append("rolloutlab check examples --junit against %s: %s" % (name, err))
        errs = sarif_errors(json.loads(got["check.sarif"]))
        if errs:
            failures.append("rolloutlab check examples --sarif: %s" % "; ".join(errs[:5]))
        if not got["github"].startswith(b"::") and got["github"]:
            failures.append("rolloutlab check examples --github: %r" % got["github"][:200])
    if len(outputs) == 2:
        for k in outputs["1"]:
            if outputs["1"][k] != outputs["2"][k]:
                failures.append("rolloutlab check examples: %s differs between 1 and 2 threads" % k)
        junit_checked += 1
        sarif_checked += 1

# A hostile name reads back as written, with the control character as U+FFFD.
hostile = os.path.join(SRC, "tests", "data", "check", "hostile.json")
with open(hostile) as f:
    spec = json.load(f)["specs"][0]
root = ET.fromstring(render("junit", hostile) or b"<none/>")
cases = root.findall("./testsuite/testcase")
if not cases:
    failures.append("hostile.junit.xml: no test case")
else:
    want_name = spec["name"].replace("\u0001", "\ufffd")
    want_class = spec["kind"] + "/" + spec["namespace"]
    if (cases[0].get("name"), cases[0].get("classname")) != (want_name, want_class):
        failures.append("hostile.junit.xml: read back %r %r, wrote %r %r" % (
            cases[0].get("name"), cases[0].get("classname"), want_name, want_class))
    err = cases[-1].find("error")
    want = "tab\there & <there> \"q\" 50%\nsecond line"
    if err is None or err.get("message") != want:
        failures.append("hostile.junit.xml: error message read back as %r" % (
            None if err is None else err.get("message")))

# Broken documents must be refused, or the checks above prove nothing.
mixed = os.path.join(SRC, "tests", "data", "check", "mixed.json")
good_xml = (render("junit", mixed) or b"").decode()
broken_xml = {
    "failure without its type": good_xml.replace(' type="violated"', "", 1),
    "no system-out": good_xml.replace("<system-out/>", "", 1),
    "an undeclared testcase attribute": good_xml.replace(' time="0"/>', ' time="0" line="3"/>', 1),
    "a count that is not a number": good_xml.replace(' tests="5"', ' tests="five"', 1),
    "a raw ampersand": good_xml.replace("platform-default", "platform & default", 1),
}
for what, text in broken_xml.items():
    if text == good_xml:
        failures.append("broken JUnit (%s): the mutation did not apply" % what)
        continue
    path = write("broken.junit.xml", text)
    ok, _ = xmllint(XSDS["junit-windyroad.xsd"], path)
    if ok:
        failures.append("broken JUnit (%s) passed JUnit.xsd" % what)
ok, _ = xmllint(XSDS["junit-jenkins-10.xsd"],
                write("broken.junit.xml", good_xml.replace('<testcase classname="Canary/prod" name="frontend"',
                                                           '<testcase classname="Canary/prod"', 1)))
if ok:
    failures.append("broken JUnit (testcase without a name) passed junit-10.xsd")

good_sarif = json.loads(render("sarif", mixed) or b"{}")


def broken(mutate):
    doc = json.loads(json.dumps(good_sarif))
    mutate(doc)
    return doc


broken_sarif = {
    "level fatal": broken(lambda d: d["runs"][0]["results"][0].update(level="fatal")),
    "no version": broken(lambda d: d.pop("version")),
    "startLine 0": broken(lambda d: d["runs"][0]["results"][0]["locations"][0]
                          ["physicalLocation"]["region"].update(startLine=0)),
    "a rule without an id": broken(lambda d: d["runs"][0]["tool"]["driver"]["rules"][0].pop("id")),
    "an unknown top-level property": broken(lambda d: d.update(extra=1)),
}
for what, doc in broken_sarif.items():
    if not sarif_errors(doc):
        failures.append("broken SARIF (%s) passed the SARIF schema" % what)

if junit_checked < 3 + bool(ROLLOUTLAB) or sarif_checked < 3 + bool(ROLLOUTLAB):
    failures.append("only %d JUnit and %d SARIF renderings checked (expected one per report in "
                    "tests/data/check)" % (junit_checked, sarif_checked))
for f in failures:
    print("FAIL:", f)
print("%d JUnit and %d SARIF renderings valid; %d broken documents refused" % (
    junit_checked, sarif_checked, len(broken_xml) + 1 + len(broken_sarif)))
sys.exit(1 if failures else 0)
