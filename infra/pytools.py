"""Which of the pinned Python tools (infra/requirements.txt) this python lacks.

    python infra/pytools.py REQUIREMENTS [NAME...]

prints, one a line, the requirement lines (of NAME..., or all) that are not
installed at their pinned version, and says on stderr why each is needed
(missing, or the version installed). Nothing printed: all there. Used by
infra/python.mk, so it needs nothing but the standard library.
"""

import re
import sys
from importlib import metadata


def main(argv):
    if len(argv) < 2:
        raise SystemExit(__doc__)
    wanted = {n.lower() for n in argv[2:]}
    with open(argv[1], encoding="utf-8") as f:
        for raw in f:
            line = raw.split("#", 1)[0].strip()
            if not line:
                continue
            m = re.fullmatch(r"([A-Za-z0-9_.-]+)(\[[^\]]*\])?==(\S+)", line)
            if not m:
                raise SystemExit(f"{argv[1]}: not name==version: {line!r}")
            name, version = m.group(1), m.group(3)
            if wanted and name.lower() not in wanted:
                continue
            try:
                have = metadata.version(name)
            except metadata.PackageNotFoundError:
                print(f"  {name}: not installed, {version} pinned", file=sys.stderr)
                print(line)
                continue
            if have != version:
                print(f"  {name}: {have} installed, {version} pinned", file=sys.stderr)
                print(line)
                continue
            extras = (m.group(2) or "[]")[1:-1].split(",")
            lacking = [r for e in extras if e.strip() for r in extra_requirements(name, e.strip()) if not installed(r)]
            if lacking:
                print(f"  {name}[{','.join(extras)}]: lacks {', '.join(lacking)}", file=sys.stderr)
                print(line)


def extra_requirements(name, extra):
    """The distributions an extra of an installed package adds."""
    out = []
    for req in metadata.requires(name) or []:
        spec, _, marker = req.partition(";")
        if re.search(r"extra\s*==\s*['\"]" + re.escape(extra) + r"['\"]", marker):
            out.append(re.match(r"[A-Za-z0-9_.-]+", spec.strip()).group(0))
    return out


def installed(dist):
    try:
        metadata.version(dist)
        return True
    except metadata.PackageNotFoundError:
        return False


if __name__ == "__main__":
    main(sys.argv)
