#!/usr/bin/env python3
"""Interleaved rounds of several binaries on one corpus: each process timed alone.

    benches/interleave.py CORPUS ROUNDS NAME:BINARY[:VAR=VALUE,...] ...

BINARY is `floor` (target/profiling/examples/parse_floor CORPUS), `floor=PATH` (another parse floor),
or a dvmlint binary, run as `BINARY check CORPUS --no-cache --format json --quiet --output /dev/null`.
Each round runs every entry once, in order, so a machine that slows down slows them all alike.
Wall time is `time.perf_counter` around the process; CPU (user + system) and peak RSS come from
`wait4`. Prints each entry's medians and the first entry's median wall time over this one's
(with the floor first: the throughput ratio of docs/performance.md).
"""
import os
import statistics
import subprocess
import sys
import time

FLOOR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "target", "profiling", "examples", "parse_floor")


def command(binary, corpus):
    if binary == "floor":
        return [FLOOR, corpus]
    if binary.startswith("floor="):
        return [binary[len("floor="):], corpus]
    return [binary, "check", "--no-cache", "--format", "json", "--quiet", "--output", "/dev/null", corpus]


def main(argv):
    if len(argv) < 4:
        sys.exit(__doc__)
    corpus, rounds = argv[1], int(argv[2])
    entries = []
    for spec in argv[3:]:
        name, binary, *rest = spec.split(":", 2)
        env = dict(pair.split("=", 1) for pair in rest[0].split(",")) if rest and rest[0] else {}
        entries.append((name, command(binary, corpus), env))
    wall = {name: [] for name, _, _ in entries}
    cpu = {name: [] for name, _, _ in entries}
    rss = {name: [] for name, _, _ in entries}
    for _ in range(rounds):
        for name, cmd, env in entries:
            start = time.perf_counter()
            process = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=dict(os.environ, **env))
            _, _, usage = os.wait4(process.pid, 0)
            wall[name].append(time.perf_counter() - start)
            cpu[name].append(usage.ru_utime + usage.ru_stime)
            rss[name].append(usage.ru_maxrss)
    first = statistics.median(wall[entries[0][0]])
    for name, _, _ in entries:
        median = statistics.median(wall[name])
        print(
            f"{name}: median {median * 1000:.1f} ms (min {min(wall[name]) * 1000:.1f}); "
            f"first/this {100 * first / median:.1f}%; cpu {statistics.median(cpu[name]) * 1000:.0f} ms; "
            f"peak RSS median {statistics.median(rss[name]) / 1024:.1f} MB (max {max(rss[name]) / 1024:.1f})"
        )


if __name__ == "__main__":
    main(sys.argv)
