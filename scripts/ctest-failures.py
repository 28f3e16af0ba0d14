#!/usr/bin/env python3
"""Prints, after a failed ctest run, why each failed test failed, in a few lines each.

    scripts/ctest-failures.py BUILD_DIR [--lines N]

ctest --output-on-failure prints a failed test's whole output where it ended, often far
from the end of a long log; CI keeps only the end. This reads Testing/Temporary/
LastTestsFailed.log and LastTest.log and prints, last, per failed test: the unittest/gtest
failure headers (FAIL:, ERROR:, [  FAILED  ]), the last line of each Python traceback
(the exception and its message) and the output's final lines, each cut to 300 characters.
"""
import os
import re
import sys

HEADER = re.compile(r"^(FAIL|ERROR): |^\[  FAILED  \]|^Timeout|^.*\*\*\*")


def blocks(log_text):
    """Test name -> its output (between 'Output:' and '<end of output>')."""
    out = {}
    for m in re.finditer(r"^\d+/\d+ Testing: (\S+)\n(.*?)^<end of output>$", log_text,
                         re.S | re.M):
        name, body = m.group(1), m.group(2)
        body = body.split("----------------------------------------------------------\n", 1)
        out[name] = body[1] if len(body) == 2 else body[0]
    return out


def summary(output, tail):
    lines = output.splitlines()
    picked = []
    for i, line in enumerate(lines):
        if HEADER.search(line):
            picked.append(line)
        elif line.startswith("Traceback (most recent call last)"):
            # The exception line: the first unindented line after the frames.
            for later in lines[i + 1:]:
                if later and not later.startswith(" "):
                    picked.append(later)
                    break
    seen = set()
    unique = [l for l in picked if not (l in seen or seen.add(l))]
    return unique[:12] + ["  | " + l for l in lines[-tail:]]


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    build = sys.argv[1]
    tail = int(sys.argv[3]) if len(sys.argv) > 3 and sys.argv[2] == "--lines" else 6
    tmp = os.path.join(build, "Testing", "Temporary")
    try:
        with open(os.path.join(tmp, "LastTestsFailed.log")) as f:
            failed = [l.strip().split(":", 1)[-1] for l in f if l.strip()]
        with open(os.path.join(tmp, "LastTest.log"), errors="replace") as f:
            outputs = blocks(f.read())
    except OSError as e:
        print("ctest-failures: %s" % e)
        return
    print("==== why the failed tests failed (scripts/ctest-failures.py) ====")
    for name in failed:
        print("-- %s" % name)
        for line in summary(outputs.get(name, "(no output recorded)"), tail):
            print(line[:300])


if __name__ == "__main__":
    main()
