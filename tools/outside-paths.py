#!/usr/bin/env python3
"""Lists the lines of tracked files that name a relative path climbing out
of the repository (more `../` than the file's folder is deep) or an
absolute path of a build machine: a fresh clone has nothing beside it, so
every file a test, tool or document names must be in the repository.
Exits 1 when there is any."""

import re
import subprocess
import sys
from pathlib import PurePosixPath

CLIMB = re.compile(r"(?:\.\./)+")
# The build machines' own top folders; any path under one names a file a
# clone does not have.
MACHINE_ROOTS = ["work"]
MACHINE = re.compile(r"(?<![\w.])/(?:%s)/" % "|".join(MACHINE_ROOTS))


def offending_lines(name):
    try:
        with open(name, encoding="utf-8") as f:
            text = f.read()
    except (UnicodeDecodeError, IsADirectoryError, FileNotFoundError):
        return
    depth = len(PurePosixPath(name).parent.parts)
    for number, line in enumerate(text.splitlines(), 1):
        climbs = any(m.group(0).count("../") > depth for m in CLIMB.finditer(line))
        if climbs or MACHINE.search(line):
            yield number, line.strip()


def main():
    listing = subprocess.run(["git", "ls-files", "-z"], capture_output=True, check=True)
    found = 0
    for name in filter(None, listing.stdout.decode().split("\0")):
        if name == "tools/outside-paths.py":
            continue
        for number, line in offending_lines(name):
            print(f"{name}:{number}: {line}")
            found += 1
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
