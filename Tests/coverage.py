#!/usr/bin/env python3
"""Line coverage per module of Sources/, from the raw profiles a test run left behind.

Usage: Tests/coverage.py PROFILE_DIR BINARY... [--gate MODULE,...] [--minimum PERCENT]

The test binaries and sagad are built with `--enable-code-coverage`; every process that runs
them (the test processes and each sagad the system tests start) writes its counters into a
file of its own in PROFILE_DIR through LLVM_PROFILE_FILE. This merges them with llvm-profdata, asks llvm-cov for
each source file's line counts across all BINARY, sums them per module (Sources/<Module>/),
prints a table, and exits 1 when a gated module is below the minimum.
"""
import argparse
import glob
import json
import os
import shutil
import subprocess
import sys


def tool(name):
    """llvm-profdata or llvm-cov: beside swift's real path first (the toolchain's own), else PATH."""
    swift = shutil.which("swift") or "/opt/swift/usr/bin/swift"
    beside = os.path.join(os.path.dirname(os.path.realpath(swift)), name)
    found = beside if os.access(beside, os.X_OK) else shutil.which(name)
    if not found:
        sys.exit(f"coverage: {name} not found beside {swift} nor on PATH")
    return found


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("profiles")
    parser.add_argument("binaries", nargs="+")
    parser.add_argument("--gate", default="")
    parser.add_argument("--minimum", type=float, default=90.0)
    args = parser.parse_args()

    raw = sorted(glob.glob(os.path.join(args.profiles, "*.profraw")))
    if not raw:
        sys.exit(f"coverage: no profiles in {args.profiles}; were the tests built with --enable-code-coverage?")
    merged = os.path.join(args.profiles, "merged.profdata")
    # A process killed while it wrote its file leaves a broken one: it is skipped with a
    # warning (the run fails only when no file can be read).
    subprocess.run([tool("llvm-profdata"), "merge", "-sparse", "--failure-mode=all", "-o", merged, *raw], check=True)

    binaries = [b for b in args.binaries if os.path.exists(b)]
    objects = [binaries[0]] + [arg for b in binaries[1:] for arg in ("-object", b)]
    exported = subprocess.run(
        [tool("llvm-cov"), "export", "-summary-only", "-instr-profile", merged, *objects],
        check=True, capture_output=True, text=True).stdout

    sources = os.path.join(os.getcwd(), "Sources") + os.sep
    modules = {}
    for data in json.loads(exported)["data"]:
        for entry in data["files"]:
            name = entry["filename"]
            if not name.startswith(sources):
                continue
            module = name[len(sources):].split(os.sep)[0]
            lines = entry["summary"]["lines"]
            total = modules.setdefault(module, [0, 0])
            total[0] += lines["count"]
            total[1] += lines["covered"]

    gated = [m for m in args.gate.split(",") if m]
    width = max(len(m) for m in list(modules) + ["module"])
    print(f"{'module':<{width}}  {'lines':>6}  {'covered':>7}  {'%':>6}")
    below = []
    for module in sorted(modules):
        count, covered = modules[module]
        percent = 100.0 * covered / count if count else 100.0
        mark = ""
        if module in gated:
            mark = "  (gate)" if percent >= args.minimum else f"  BELOW {args.minimum:g}%"
            if percent < args.minimum:
                below.append(module)
        print(f"{module:<{width}}  {count:>6}  {covered:>7}  {percent:>5.1f}%{mark}")
    missing = [m for m in gated if m not in modules]
    if missing:
        print(f"coverage: no coverage data for {', '.join(missing)}")
        return 1
    if below:
        print(f"coverage: {', '.join(below)} below {args.minimum:g}% of lines")
        return 1
    print(f"coverage: {', '.join(gated)} at or above {args.minimum:g}% of lines")
    return 0


if __name__ == "__main__":
    sys.exit(main())
