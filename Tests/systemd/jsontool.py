#!/usr/bin/env python3
"""Small JSON helpers for run.sh, reading stdin.

  jsontool.py get KEY      print the value of KEY (top level first, then nested objects)
  jsontool.py priorities KIND=P ...
                           check `journalctl -o json` output of sagad: every line whose message
                           starts with KIND (after "label: ") has exactly PRIORITY=P, each KIND
                           occurs, and no "<N>" prefix is left visible in MESSAGE; prints a
                           one-line summary, exit 1 if not
"""
import json
import re
import sys
from collections import Counter


def find(value, key):
    if isinstance(value, dict):
        if key in value:
            return value[key]
        children = value.values()
    elif isinstance(value, list):
        children = value
    else:
        return None
    for child in children:
        found = find(child, key)
        if found is not None:
            return found
    return None


def get(key):
    try:
        document = json.load(sys.stdin)
    except ValueError as error:
        print(f"not JSON: {error}", file=sys.stderr)
        return 1
    value = find(document, key)
    if value is None:
        print(f"no key {key!r}", file=sys.stderr)
        return 1
    print(value if not isinstance(value, (dict, list)) else json.dumps(value))
    return 0


def message_text(entry):
    message = entry.get("MESSAGE", "")
    if isinstance(message, list):  # journald exports non-UTF-8 messages as byte arrays
        message = bytes(message).decode("utf-8", "replace")
    return message


def priorities(expectations):
    expected = dict(item.rsplit("=", 1) for item in expectations)
    seen = {kind: Counter() for kind in expected}
    prefixed = []
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        entry = json.loads(line)
        # Only what sagad itself wrote to stdout/stderr, not systemd's messages about the unit.
        if entry.get("_TRANSPORT") != "stdout" or entry.get("SYSLOG_IDENTIFIER") != "sagad":
            continue
        message = message_text(entry)
        if re.match(r"^<[0-7]>", message):
            prefixed.append(message[:80])
        text = re.sub(r"^[\w.-]+: ", "", message, count=1)
        for kind in expected:
            if text.startswith(kind):
                seen[kind][entry.get("PRIORITY", "?")] += 1
    problems = []
    for kind, want in expected.items():
        got = seen[kind]
        if not got:
            problems.append(f"no {kind!r} line")
        elif set(got) != {want}:
            problems.append(f"{kind!r} has PRIORITY {dict(got)}, expected {want}")
    if prefixed:
        problems.append(f"{len(prefixed)} messages still show a <N> prefix, e.g. {prefixed[0]!r}")
    by_priority = Counter()
    for kind, got in seen.items():
        for priority, count in got.items():
            by_priority[priority] += count
    summary = f"{len(expected)} kinds checked; " + " ".join(f"PRIORITY={p}:{n}" for p, n in sorted(by_priority.items()))
    print(summary + ("; " + "; ".join(problems) if problems else ""))
    return 1 if problems else 0


def main(argv):
    if len(argv) == 3 and argv[1] == "get":
        return get(argv[2])
    if len(argv) >= 3 and argv[1] == "priorities" and all("=" in a for a in argv[2:]):
        return priorities(argv[2:])
    print(__doc__, file=sys.stderr)
    return 64


if __name__ == "__main__":
    sys.exit(main(sys.argv))
