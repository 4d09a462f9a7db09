#!/usr/bin/env python3
"""Whole-command benchmark of `vigil check-backup` on generated backups.

For each backup, runs `vigil check-backup BACKUP --iocs ... -o OUT` several times under
`/usr/bin/time -v` (OUT removed before each run) and prints every run's wall time, user+sys CPU
time, peak RSS and the load average when it started, then the medians. The machine is usually
shared: the CPU time, the load average and a calibration loop timed on both cores before and
after the runs tell a slow run on a busy machine from a slow program.

    python3 bench/check_backup_bench.py /tmp/i200k /tmp/i2m              # 3 runs each
    python3 bench/check_backup_bench.py --runs 5 --score /tmp/i2m

Backups come from ../shared/bench/make_ios_backup.py (shared/bench/README.md); the indicators
are every .stix2 file of shared/iocs/amnestytech-investigations and shared/iocs/mvt-indicators,
the ones the generator planted. --score runs shared/bench/score_mvt.py on the last run's output
with BACKUP.truth.json.
"""

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"


def ioc_args(shared):
    files = sorted(
        str(p)
        for d in ("amnestytech-investigations", "mvt-indicators")
        for p in (shared / "iocs" / d).rglob("*.stix2")
    )
    if not files:
        sys.exit(f"no .stix2 files under {shared / 'iocs'}")
    return [a for f in files for a in ("--iocs", f)]


def seconds(text):
    """'1:02.35' or '0:05.10' (m:ss) or 'h:mm:ss' -> seconds."""
    total = 0.0
    for part in text.split(":"):
        total = total * 60 + float(part)
    return total


def run_once(vigil, backup, iocs, out):
    shutil.rmtree(out, ignore_errors=True)
    load = open("/proc/loadavg").read().split()[0]
    cmd = ["/usr/bin/time", "-v", vigil, "check-backup", backup, *iocs, "-o", out]
    proc = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if proc.returncode != 0:
        sys.exit(f"exit status {proc.returncode}:\n{proc.stderr}")

    def field(name):
        m = re.search(rf"^\s*{re.escape(name)}: (.+)$", proc.stderr, re.M)
        if not m:
            sys.exit(f"no '{name}' in /usr/bin/time output:\n{proc.stderr}")
        return m.group(1).strip()

    return {
        "wall": seconds(field("Elapsed (wall clock) time (h:mm:ss or m:ss)")),
        "cpu": float(field("User time (seconds)")) + float(field("System time (seconds)")),
        "user": float(field("User time (seconds)")),
        "sys": float(field("System time (seconds)")),
        "rss_mb": int(field("Maximum resident set size (kbytes)")) / 1024,
        "load": float(load),
    }


def calibration():
    """CPU seconds of a fixed loop run on both cores at once (two processes; the median of three
    tries): how fast the shared machine is right now. The same binary's times move with it."""
    code = "s = 0\nfor i in range(20000000): s += i\n"
    times = []
    for _ in range(3):
        before = os.times()
        procs = [subprocess.Popen([sys.executable, "-c", code]) for _ in range(2)]
        for proc in procs:
            proc.wait()
        after = os.times()
        times.append((after.children_user - before.children_user) / 2)
    return statistics.median(times)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("backups", nargs="+", help="generated backup folders")
    ap.add_argument("--vigil", default=str(REPO / "build/release/vigil"))
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--out", default="/tmp/vigil-bench-out", help="output folder (removed)")
    ap.add_argument("--shared", default=str(SHARED), help="the shared/ folder")
    ap.add_argument("--score", action="store_true", help="score the last run with score_mvt.py")
    ap.add_argument("--no-calibration", action="store_true",
                    help="skip timing the fixed loop that tells the machine's speed")
    args = ap.parse_args()
    shared = Path(args.shared)
    iocs = ioc_args(shared)
    if not args.no_calibration:
        print(f"machine calibration before: {calibration():.2f} s (a fixed loop; lower is faster)",
              flush=True)
    for backup in args.backups:
        runs = []
        for i in range(args.runs):
            r = run_once(args.vigil, backup, iocs, args.out)
            runs.append(r)
            print(f"{backup} run {i + 1}: wall {r['wall']:.2f} s, user {r['user']:.2f} s + sys "
                  f"{r['sys']:.2f} s = {r['cpu']:.2f} s, peak RSS {r['rss_mb']:.0f} MB, "
                  f"load {r['load']:.2f}", flush=True)
        med = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
        print(f"{backup} median of {len(runs)}: wall {med['wall']:.2f} s, user+sys "
              f"{med['cpu']:.2f} s, peak RSS {med['rss_mb']:.0f} MB, load {med['load']:.2f}")
        if args.score:
            truth = f"{backup.rstrip('/')}.truth.json"
            subprocess.run([sys.executable, str(shared / "bench/score_mvt.py"), args.out, truth],
                           check=True)
    shutil.rmtree(args.out, ignore_errors=True)
    if not args.no_calibration:
        print(f"machine calibration after: {calibration():.2f} s")


if __name__ == "__main__":
    main()
