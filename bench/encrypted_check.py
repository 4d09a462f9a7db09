#!/usr/bin/env python3
"""check-backup on an encrypted generated backup against the same backup unencrypted.

Usage: bench/encrypted_check.py VIGIL WORKDIR [--runs N] [--scale N] [--seed S]

Makes WORKDIR/ios-<scale> with ../shared/bench/make_ios_backup.py (--payloads none: the
payloads no module reads would only be written, and then encrypted, as gigabytes of zeros) and
WORKDIR/ios-<scale>-enc with ../shared/bench/encrypt_ios_backup.py (real iteration counts), unless
they exist. Then runs, alternately, `check-backup` on the plain backup and on the encrypted one
with a key file (the key derived once, as per case), N times each, and once with the password
(the fixed key derivation included); prints every wall time, the medians and the overhead.
Both runs use the IOC files the backup was generated with.
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
    start = time.monotonic()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, env=env)
    return time.monotonic() - start


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("vigil")
    ap.add_argument("workdir")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--scale", type=int, default=200000)
    ap.add_argument("--seed", default="1")
    a = ap.parse_args()
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
    out = os.path.join(a.workdir, "out")
    times = {"plain": [], "encrypted": []}
    for _ in range(a.runs):
        for kind, target, extra in (("plain", plain, []), ("encrypted", enc, ["--key-file", key])):
            shutil.rmtree(out, ignore_errors=True)
            times[kind].append(timed([a.vigil] + base + extra + ["-o", out, target]))
    shutil.rmtree(out, ignore_errors=True)
    with_kdf = timed([a.vigil] + base + ["-o", out, enc], env=env)
    shutil.rmtree(out, ignore_errors=True)
    p, e = statistics.median(times["plain"]), statistics.median(times["encrypted"])
    sizes = {name: os.path.getsize(os.path.join(enc, name)) for name in ("Manifest.db",)}
    print("plain      ", " ".join("%.2f" % t for t in times["plain"]), "median %.2f s" % p)
    print("encrypted  ", " ".join("%.2f" % t for t in times["encrypted"]), "median %.2f s" % e)
    print("overhead    %.2f s (%+.1f %%) with --key-file" % (e - p, 100 * (e - p) / p))
    print("password    %.2f s (key derivation included)" % with_kdf)
    print("Manifest.db %d bytes; load average %s" % (sizes["Manifest.db"],
                                                     " ".join("%.2f" % x for x in os.getloadavg())))


if __name__ == "__main__":
    main()
