#!/usr/bin/env python3
"""report.html in a real browser (headless Chromium): the report of MVT's test backup lists its
alerts most severe first, a timeline filter given in the URL fragment narrows the table, hostile
evidence text stays text, and a screenshot is not blank.

Usage: report_browser_test.py VIGIL SHARED_DIR. Exits 77 (skipped) without chromium or the
shared corpus; CI installs chromium (scripts/setup.sh)."""
import html.parser
import json
import os
import struct
import subprocess
import sys
import tempfile
import zlib

SKIP = 77
CHROMIUM = os.environ.get("VIGIL_CHROMIUM", "/usr/bin/chromium")
RANK = {"CRITICAL": 40, "HIGH": 30, "MEDIUM": 20, "LOW": 10, "INFORMATIONAL": 0}


def chromium(url, home, *args):
    cmd = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
           "--no-first-run", "--user-data-dir=" + os.path.join(home, "chromium-profile"),
           "--virtual-time-budget=15000", "--window-size=1280,1800", *args, url]
    run = subprocess.run(cmd, capture_output=True, timeout=180, env=dict(os.environ, HOME=home))
    if run.returncode != 0:
        raise AssertionError("chromium failed: %s" % run.stderr.decode(errors="replace")[-2000:])
    return run.stdout.decode("utf-8", errors="replace")


class Dom(html.parser.HTMLParser):
    """Collects the alert cards, the timeline rows and a few ids of a dumped DOM."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.alerts, self.rows, self.ids, self.tags = [], [], {}, []
        self.stack, self.cur_row, self.cur_id, self.body = [], None, None, {}

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append((tag, a))
        if tag == "body":
            self.body = a
        if "data-level" in a:
            self.alerts.append(a["data-level"])
        if tag in ("br", "img", "input", "meta", "link", "hr"):
            return
        self.stack.append((tag, a))
        if "data-row" in a and self.in_timeline():
            self.cur_row = []
            self.rows.append(self.cur_row)
        elif tag == "span" and self.cur_row is not None and self.in_timeline():
            self.cur_row.append("")
        if "id" in a:
            self.ids.setdefault(a["id"], "")
            self.cur_id = a["id"]

    def in_timeline(self):
        return any(a.get("id") == "tl-table" for _, a in self.stack)

    def handle_endtag(self, tag):
        while self.stack:
            t, _ = self.stack.pop()
            if t == tag:
                break

    def handle_data(self, data):
        if self.cur_row and self.stack and self.stack[-1][0] == "span" and self.in_timeline():
            self.cur_row[-1] += data
        for _, a in self.stack:
            if "id" in a:
                self.ids[a["id"]] = self.ids.get(a["id"], "") + data


def dom(path, home, fragment=""):
    d = Dom()
    d.feed(chromium("file://" + path + fragment, home, "--dump-dom"))
    if d.body.get("data-ready") != "1":
        raise AssertionError("the report's script did not finish: " + json.dumps(d.body))
    return d


def png_pixels(path):
    """Decodes an 8-bit RGB(A) PNG (what Chromium writes) into rows of bytes."""
    data = open(path, "rb").read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, width = 8, b"", 0
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, ctype = struct.unpack(">IIBB", body[:10])
            assert depth == 8 and ctype in (2, 6), "unexpected PNG format"
            bpp = 3 if ctype == 2 else 4
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    raw, stride, rows, prev = zlib.decompress(idat), width * bpp, [], bytearray(width * bpp)
    for y in range(height):
        f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b, c = prev[i], prev[i - bpp] if i >= bpp else 0
            if f == 1: line[i] = (line[i] + a) & 255
            elif f == 2: line[i] = (line[i] + b) & 255
            elif f == 3: line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line))
        prev = line
    return rows, bpp


def check(cond, message):
    if not cond:
        raise AssertionError(message)


def main():
    vigil, shared = sys.argv[1], sys.argv[2]
    if not os.path.exists(CHROMIUM):
        print("SKIP: %s not found (CI installs Debian's chromium through scripts/setup.sh)" % CHROMIUM)
        return SKIP
    backup = os.path.join(shared, "corpus/mvt-tests/ios_backup")
    stix = os.path.join(shared, "corpus/mvt-tests/stix2/mvt-test-generated.stix2")
    if not os.path.isdir(backup):
        print("SKIP: needs ../shared beside the checkout (absent at %s)" % shared)
        return SKIP
    with tempfile.TemporaryDirectory() as home:
        env = {k: v for k, v in os.environ.items() if k not in ("VIGIL_STIX2", "MVT_STIX2")}
        env.update(HOME=home, XDG_DATA_HOME=os.path.join(home, "xdg"))
        out = os.path.join(home, "out")
        run = subprocess.run([vigil, "check-backup", "--no-bundled-iocs", "--iocs", stix, "-o", out,
                              backup], capture_output=True, env=env, timeout=600)
        check(run.returncode == 0, "check-backup failed: %r" % run.stderr[-2000:])
        report = os.path.join(out, "report.html")
        page = open(report, encoding="utf-8").read()
        check("http://" not in page.split("<script type=\"application/json\"")[0].replace(
            "http://www.w3.org/2000/svg", ""), "the page head references the network")

        # Alerts: grouped by level, most severe first; MVT's three CRITICAL IOC matches lead.
        d = dom(report, home)
        expected = sorted((a["level"] for a in json.load(open(os.path.join(out, "alerts.json")))),
                          key=lambda l: -RANK[l])
        check(d.alerts == expected, "alert order %s, expected %s" % (d.alerts, expected))
        check(d.alerts[:3] == ["CRITICAL"] * 3 and "CRITICAL" not in d.alerts[3:],
              "the 3 CRITICAL alerts are not first: %s" % d.alerts)
        total = int(d.ids["tl-count"].split(" of ")[1].split()[0])
        check(total == 5981, "timeline has %d events, expected MVT's 5981" % total)
        check(len(d.rows) < 200, "the timeline table is not virtualised: %d rows in the DOM" % len(d.rows))

        # A filter (module and text, given in the fragment as a link would) narrows the table.
        d = dom(report, home, "#module=sms&q=badbadbad")
        shown = int(d.ids["tl-count"].split(" of ")[0])
        check(0 < shown < total, "filter kept %d of %d events" % (shown, total))
        check(d.rows and all("SMS" == r[2] and "badbadbad" in r[4] for r in d.rows),
              "filtered rows: %s" % d.rows[:5])

        # Screenshot: rendered, not blank.
        shot = os.path.join(home, "report.png")
        chromium("file://" + report, home, "--screenshot=" + shot)
        rows, bpp = png_pixels(shot)
        colours, ink = set(), 0
        for row in rows[::4]:
            for x in range(0, len(row), bpp * 4):
                px = row[x:x + 3]
                colours.add(px)
                ink += px != b"\xff\xff\xff"
        sampled = len(rows[::4]) * len(range(0, len(rows[0]), bpp * 4))
        check(len(colours) >= 8 and ink > sampled // 50,
              "the screenshot looks blank: %d colours, %d of %d sampled pixels not white" % (
                  len(colours), ink, sampled))

        # Hostile evidence: markup planted in a record, an alert and a timeline event stays text.
        evil = '</script><script>document.title="pwned"</script><img src=x onerror="document.title=\'pwned\'"><!--'
        alerts = json.load(open(os.path.join(out, "alerts.json")))
        alerts[0]["message"] += evil
        alerts[0]["event"]["text"] = evil
        json.dump(alerts, open(os.path.join(out, "alerts.json"), "w"))
        with open(os.path.join(out, "timeline.jsonl"), "a") as t:
            t.write(json.dumps({"message": evil, "datetime": "2030-01-01T00:00:00.000000+00:00",
                                "timestamp": 1893456000000000, "timestamp_desc": evil,
                                "data_type": "vigil:ios:sms", "module": "SMS"}) + "\n")
        with open(os.path.join(out, "sms.json"), "w") as s:
            s.write("[\n" + json.dumps({"text": evil}) + "\n]\n")
        run = subprocess.run([vigil, "report", out], capture_output=True, env=env, timeout=600)
        check(run.returncode == 0, "vigil report failed: %r" % run.stderr)
        check(open(report, encoding="utf-8").read().count("</script>") == 2,
              "evidence text closed a <script> element")
        d = dom(report, home, "#q=pwned")
        check(not any(t == "img" for t, _ in d.tags), "an <img> from the evidence was created")
        check(any("pwned" in (r[4] if len(r) > 4 else "") for r in d.rows), "the planted text is not shown as text")
        title = chromium("file://" + report, home, "--dump-dom").split("<title>")[1].split("</title>")[0]
        check("pwned" not in title, "planted script ran: title %r" % title)
    print("ok: alerts in order %s; filter kept %d of %d events; screenshot %d colours" % (
        ",".join(expected), shown, total, len(colours)))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except AssertionError as e:
        print("FAIL:", e)
        sys.exit(1)
