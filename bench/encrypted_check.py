#!/usr/bin/env python3
"""check-backup on an encrypted generated backup against the same backup unencrypted.

Usage: bench/encrypted_check.py VIGIL WORKDIR [--runs N] [--scale N] [--seed S]
                                 [--module M] [--wrap CMD] [--no-password]

Makes WORKDIR/ios-<scale> with ../shared/bench/make_ios_backup.py (--payloads none: the
payloads no module reads would only be written, and then encrypted, as gigabytes of zeros) and
WORKDIR/ios-<scale>-enc with ../shared/bench/encrypt_ios_backup.py (real iteration counts), unless
they exist. Then runs, alternately, `check-backup` on the plain backup and on the encrypted one
with a key file (the key derived once, as per case), N times each, and once with the password
(the fixed key derivation included); prints every wall time, the medians and the overhead.
Both runs use the IOC files the backup was generated with. Every run's wall time, CPU time
(user + system) and peak RSS are measured (wait4); medians are printed. `--module M` runs only
that module (e.g. manifest); `--wrap CMD` runs each timed command under CMD (e.g. a script that
pauses background jobs); `--no-password` skips the run with the key derivation.
"""

import argparse
import glob
import os
import shutil
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SHARED = os.path.normpath(os.path.join(HERE, "..", "..", "shared"))
PASSWORD = "bench-pass"


def iocs():
    files = sorted(glob.glob(os.path.join(SHARED, "iocs/amnestytech-investigations/**/*.stix2"),
                             recursive=True) +
                   glob.glob(os.path.join(SHARED, "iocs/mvt-indicators/**/*.stix2"),
                             recursive=True))
    return [arg for f in files for arg in ("--iocs", f)]


def timed(cmd, env=None):
    """(wall s, CPU s, peak RSS MB) of one run."""
    start = time.monotonic()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, env=env)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.monotonic() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        sys.exit("failed (%d): %s" % (proc.returncode, " ".join(cmd)))
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024.0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("vigil")
    ap.add_argument("workdir")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--scale", type=int, default=200000)
    ap.add_argument("--seed", default="1")
    ap.add_argument("--module", action="append", default=[])
    ap.add_argument("--wrap", default="")
    ap.add_argument("--no-password", action="store_true")
    a = ap.parse_args()
    wrap = a.wrap.split() if a.wrap else []
    plain = os.path.join(a.workdir, "ios-%d" % a.scale)
    enc = plain + "-enc"
    if not os.path.isdir(plain):
        subprocess.run([sys.executable, os.path.join(SHARED, "bench/make_ios_backup.py"), plain,
                        "--scale", str(a.scale), "--seed", a.seed, "--payloads", "none",
                        "--truth", plain + ".truth.json"] + iocs(), check=True)
    if not os.path.isdir(enc):
        subprocess.run([sys.executable, os.path.join(SHARED, "bench/encrypt_ios_backup.py"), plain,
                        enc, "--password", PASSWORD, "--seed", a.seed], check=True)
    key = os.path.join(a.workdir, "bench.key")
    env = dict(os.environ, VIGIL_BACKUP_PASSWORD=PASSWORD)
    subprocess.run([a.vigil, "extract-key", enc, "--key-file", key], check=True, env=env,
                   stdin=subprocess.DEVNULL)
    base = ["check-backup", "--no-bundled-iocs", "--no-user-iocs", "--no-env-iocs"] + iocs()
    for m in a.module:
        base += ["-m", m]
    out = os.path.join(a.workdir, "out")
    runs = {"plain": [], "encrypted": []}
    for _ in range(a.runs):
        for kind, target, extra in (("plain", plain, []), ("encrypted", enc, ["--key-file", key])):
            shutil.rmtree(out, ignore_errors=True)
            runs[kind].append(timed(wrap + [a.vigil] + base + extra + ["-o", out, target]))
    shutil.rmtree(out, ignore_errors=True)
    medians = {}
    for kind in ("plain", "encrypted"):
        walls, cpus, rss = zip(*runs[kind])
        medians[kind] = [statistics.median(v) for v in (walls, cpus, rss)]
        print("%-10s wall %s s, median %.2f; CPU median %.2f s; peak RSS median %.0f MB" %
              (kind, " ".join("%.2f" % t for t in walls), *medians[kind]))
    (p, pc, pr), (e, ec, er) = medians["plain"], medians["encrypted"]
    print("overhead   wall %+.2f s (%+.1f %%), CPU %+.2f s, peak RSS %+.0f MB with --key-file" %
          (e - p, 100 * (e - p) / p, ec - pc, er - pr))
    if not a.no_password:
        with_kdf = timed(wrap + [a.vigil] + base + ["-o", out, enc], env=env)
        shutil.rmtree(out, ignore_errors=True)
        print("password   %.2f s (key derivation included)" % with_kdf[0])
    sizes = {name: os.path.getsize(os.path.join(enc, name)) for name in ("Manifest.db",)}
    print("Manifest.db %d bytes; load average %s" % (sizes["Manifest.db"],
                                                     " ".join("%.2f" % x for x in os.getloadavg())))


if __name__ == "__main__":
    main()
