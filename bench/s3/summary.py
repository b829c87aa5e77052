#!/usr/bin/env python3
"""Summarises bench/s3/run: results.jsonl (one line per command) and radosgw's log.

  summary.py RESULTS.jsonl CLIENT.RGW.A.LOG

MiB/s per client and direction (median, min-max over the repetitions) and the ratio of the
medians, Strata / awscli, measured two ways:
  transfer  as radosgw saw it: from the start of the command's first request on the object to
            the end of its last one (beast access log: request start time and latency). The
            same ruler for both clients, blind to process start-up, and the one the 0.8x goal
            is about. Strata's own clock around the Put/Get call is shown beside it.
  command   each command as a whole, process start-up included (awscli's Python start-up is
            1-2 s on a quiet machine, far more on a loaded one).
Plus CPU seconds per object: Strata's call alone and whole process, awscli's whole process and
beyond its 1-byte command. Prints a table, then the summary as one JSON line.
Exit code 1 if a transfer ratio is below 0.8.
"""
import datetime
import json
import re
import statistics
import sys

MIB = 1 << 20
med = statistics.median
rows = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]

# ... [25/Nov/2026:15:19:24.418 +0000] "GET /bucket/key?query HTTP/1.1" 206 ... latency=0.61s
BEAST = re.compile(r'\[(\d+/\w+/\d+:\d+:\d+:\d+\.\d+ [+-]\d{4})\] "(\w+) /[^/ ]+/([^? ]+)[^"]*" (\d+) .*latency=([\d.]+)s')
requests = []
for line in open(sys.argv[2], errors="replace"):
    m = BEAST.search(line)
    if not m:
        continue
    start = datetime.datetime.strptime(m[1], "%d/%b/%Y:%H:%M:%S.%f %z").timestamp()
    requests.append((m[3], start, start + float(m[5]), int(m[4])))


def server_seconds(row):
    """Span of the requests on row's key that radosgw started during row's command."""
    mine = [r for r in requests if r[0] == row["key"] and row["t0"] - 0.01 <= r[1] <= row["t1"]]
    if not mine:
        sys.exit(f"summary: no radosgw log entry for {row['key']} between {row['t0']} and {row['t1']}")
    bad = [r for r in mine if r[3] >= 300]
    if bad:
        sys.exit(f"summary: {row['client']} {row['op']} {row['key']}: HTTP {bad[0][3]} in radosgw's log")
    row["requests"] = len(mine)
    return max(r[2] for r in mine) - min(r[1] for r in mine)


def pick(client, op):
    return [r for r in rows if r["client"] == client and r["op"] == op]


summary = {}
lines = []
ok = True
for op, name in (("put", "upload"), ("get", "download")):
    strata, aws, tiny = pick("strata", op), pick("awscli", op), pick("awscli", f"{op}-1-byte")
    mib = lambda r: r["bytes"] / MIB
    modes = {
        "transfer": ([mib(r) / server_seconds(r) for r in strata], [mib(r) / server_seconds(r) for r in aws]),
        "command": ([mib(r) / r["wall_s"] for r in strata], [mib(r) / r["wall_s"] for r in aws]),
    }
    for mode, (s, a) in modes.items():
        ratio = med(s) / med(a)
        if mode == "transfer" and ratio < 0.8:
            ok = False
        summary[f"{name}_{mode}"] = {
            "strata_mib_s": [round(x, 1) for x in s], "awscli_mib_s": [round(x, 1) for x in a],
            "strata_median": round(med(s), 1), "awscli_median": round(med(a), 1),
            "ratio": round(ratio, 2)}
        span = lambda xs: f"{med(xs):6.1f} ({min(xs):.0f}-{max(xs):.0f})"
        lines.append(f"{mode:9} {name:9} {span(s):>20} {span(a):>20} {ratio:6.2f}")
    own = [mib(r) / r["seconds"] for r in strata]
    summary[f"{name}_strata_own_clock_mib_s"] = round(med(own), 1)
    base_cpu = med(r["proc_cpu_s"] for r in tiny)
    summary[f"{name}_cpu_s"] = {
        "strata_call": round(med(r["cpu_s"] for r in strata), 3),
        "strata_process": round(med(r["proc_cpu_s"] for r in strata), 2),
        "awscli_process": round(med(r["proc_cpu_s"] for r in aws), 2),
        "awscli_beyond_1_byte": round(med(r["proc_cpu_s"] for r in aws) - base_cpu, 2)}
    summary[f"{name}_requests"] = {"strata": max(r["requests"] for r in strata),
                                   "awscli": max(r["requests"] for r in aws)}
    summary[f"awscli_1_byte_{op}_wall_s"] = round(med(r["wall_s"] for r in tiny), 2)
summary["strata_retries"] = sum(r["retries"] for r in rows if r["client"] == "strata")

print(f"{'':9} {'direction':9} {'Strata MiB/s':>20} {'awscli MiB/s':>20} {'ratio':>6}")
print("\n".join(sorted(lines, key=lambda l: not l.startswith("transfer"))))
for name in ("upload", "download"):
    c, n = summary[f"{name}_cpu_s"], summary[f"{name}_requests"]
    print(f"{name}: Strata's own clock {summary[f'{name}_strata_own_clock_mib_s']} MiB/s; "
          f"requests per object Strata {n['strata']}, awscli {n['awscli']}; CPU s per object "
          f"Strata {c['strata_call']} in the call ({c['strata_process']} whole process), "
          f"awscli {c['awscli_process']} whole process ({c['awscli_beyond_1_byte']} beyond a 1-byte cp)")
print(f"awscli 1-byte cp: {summary['awscli_1_byte_put_wall_s']} s (upload), "
      f"{summary['awscli_1_byte_get_wall_s']} s (download)")
print(json.dumps(summary))
sys.exit(0 if ok else 1)
