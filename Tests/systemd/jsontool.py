#!/usr/bin/env python3
"""Small JSON helpers for run.sh, reading stdin.

  jsontool.py get KEY      print the value of KEY (top level first, then nested objects)
  jsontool.py priorities   check `journalctl -o json` output of sagad: its lines keep their
                           sd-daemon priorities (some 6, some other) and no "<N>" prefix is
                           left visible in MESSAGE; prints a one-line summary, exit 1 if not
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


def priorities():
    counts = Counter()
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
        # Lines from sagad's log handler ("label: message …"), not stray runtime output.
        if re.match(r"^[\w.-]+: ", message):
            counts[entry.get("PRIORITY", "?")] += 1
    summary = " ".join(f"PRIORITY={p}:{n}" for p, n in sorted(counts.items()))
    problems = []
    if not counts:
        problems.append("no log-handler lines from sagad")
    if counts and counts.get("6", 0) == 0:
        problems.append("no info (6) lines")
    if counts and not any(p != "6" for p in counts):
        problems.append("every line has PRIORITY=6: levels are lost")
    if prefixed:
        problems.append(f"{len(prefixed)} messages still show a <N> prefix, e.g. {prefixed[0]!r}")
    print(summary + ("; " + "; ".join(problems) if problems else ""))
    return 1 if problems else 0


def main(argv):
    if len(argv) == 3 and argv[1] == "get":
        return get(argv[2])
    if len(argv) == 2 and argv[1] == "priorities":
        return priorities()
    print(__doc__, file=sys.stderr)
    return 64


if __name__ == "__main__":
    sys.exit(main(sys.argv))
