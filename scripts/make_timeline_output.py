#!/usr/bin/env python3
"""Writes a synthetic vigil output folder with N timeline events (and one alert), to time
`vigil report` on big timelines:

    python3 scripts/make_timeline_output.py /tmp/big 1000000 && vigil report /tmp/big
"""
import json
import os
import random
import sys


def main():
    out, n = sys.argv[1], int(sys.argv[2])
    os.makedirs(out, exist_ok=True)
    rng = random.Random(1)
    modules = [("sms", "SMS", "sms_received"), ("safari_history", "SafariHistory", "visit"),
               ("manifest", "Manifest", "M---"), ("datausage", "Datausage", "first_usage")]
    with open(os.path.join(out, "timeline.jsonl"), "w") as f:
        for i in range(n):
            slug, name, event = modules[i % len(modules)]
            message = "Visit to https://site%d.example.com/path/%d?q=%x (ID %d)" % (
                i % 5000, i, rng.getrandbits(32), i)
            f.write(json.dumps({"message": message, "datetime": "", "timestamp":
                                1600000000000000 + i * 37000000, "timestamp_desc": event,
                                "data_type": "vigil:ios:" + slug, "module": name},
                               separators=(",", ":")) + "\n")
    info = {"vigil_version": "0.1.0", "output_schema_version": "1.1", "command": "check-backup",
            "target_path": "/synthetic", "ioc_files": [], "hashes": [], "warnings": 0,
            "modules": [{"module": m[0], "records": 0, "timeline_events": n // len(modules),
                         "alerts": 0, "warnings": [], "not_present": []} for m in modules]}
    with open(os.path.join(out, "info.json"), "w") as f:
        json.dump(info, f)
    with open(os.path.join(out, "alerts.json"), "w") as f:
        json.dump([{"level": "CRITICAL", "module": "sms", "event_time": "2020-09-13 12:26:40.000000",
                    "message": "Found a known suspicious domain https://site1.example.com/",
                    "event": {"text": "https://site1.example.com/"},
                    "matched_indicator": {"value": "example.com", "type": "domain"}}], f)


if __name__ == "__main__":
    main()
