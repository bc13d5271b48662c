#!/usr/bin/python3
"""tests/html_check.py: loads an HTML report in headless Chromium and acts
on it as a person would, through the DevTools protocol (real mouse
clicks), printing what it sees as "name=value" lines for run-html.sh.

  html_check.py CHROMIUM REPORT.html SCREENSHOT.png [filters]

With "filters", only the filter by program and run is driven (a report of
two programs).

Exit status 2 when Chromium cannot be started or talked to (the caller
says SKIP only when Chromium is not installed)."""
import base64
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request

import websocket


class Page:
    def __init__(self, ws):
        self.ws, self.n, self.errors = ws, 0, []

    def call(self, method, **params):
        self.n += 1
        self.ws.send(json.dumps({"id": self.n, "method": method, "params": params}))
        while True:
            msg = json.loads(self.ws.recv())
            if msg.get("method") == "Runtime.exceptionThrown":
                self.errors.append(msg["params"]["exceptionDetails"].get("text", "?"))
            if msg.get("id") == self.n:
                if "error" in msg:
                    raise RuntimeError("%s: %s" % (method, msg["error"]))
                return msg["result"]

    def js(self, expr):
        r = self.call("Runtime.evaluate", expression=expr, returnByValue=True)
        if "exceptionDetails" in r:
            raise RuntimeError("%s: %s" % (expr, r["exceptionDetails"]))
        return r["result"].get("value")

    def type(self, selector, text):
        """Clicks into the element, then types TEXT as keystrokes would."""
        self.click(selector)
        self.call("Input.insertText", text=text)

    def shown(self, selector):
        return self.js("""Array.prototype.filter.call(document.querySelectorAll(%s),
            function (r) { return r.offsetParent !== null; }).length""" % json.dumps(selector))

    def click(self, selector, index=0):
        """A real click: the mouse pressed and released at the middle of
        the element (scrolled into view first)."""
        box = self.js("""(function () {
            var e = document.querySelectorAll(%s)[%d];
            if (!e) return null;
            e.scrollIntoView({block: "center"});
            var r = e.getBoundingClientRect();
            return [r.left + r.width / 2, r.top + r.height / 2];
        })()""" % (json.dumps(selector), index))
        if box is None:
            raise RuntimeError("nothing to click: %s[%d]" % (selector, index))
        for kind in ("mousePressed", "mouseReleased"):
            self.call("Input.dispatchMouseEvent", type=kind, x=box[0], y=box[1],
                      button="left", clickCount=1)


def start(chromium, profile):
    proc = subprocess.Popen(
        [chromium, "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
         "--no-default-browser-check", "--remote-debugging-port=0",
         "--user-data-dir=" + profile, "--window-size=1280,1400", "about:blank"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 60
    while time.time() < deadline:
        line = proc.stderr.readline()
        if not line:
            break
        m = re.search(r"DevTools listening on ws://127\.0\.0\.1:(\d+)/", line)
        if m:
            return proc, int(m.group(1))
    proc.kill()
    raise RuntimeError("chromium did not start")


def filters(p, out):
    """The program and run filter, on a report of two programs."""
    out["rows"] = p.shown("#findings tr.finding")
    out["options"] = p.js("Array.prototype.map.call(document.querySelectorAll('#program option'), function (o) { return o.value; }).join('|')")
    for value in [v for v in ("leaks", "graph", "run 0:2") if v in out["options"].split("|")]:
        p.js("var s = document.getElementById('program'); s.value = %s; s.dispatchEvent(new Event('change'));" % json.dumps(value))
        out["rows_" + value.replace(" ", "_").replace(":", "_")] = p.shown("#findings tr.finding")
    out["functions"] = p.js("""Array.prototype.map.call(document.querySelectorAll('#findings tr.finding'),
        function (r) { return r.children[3].textContent; }).join('|')""")
    out["js_errors"] = len(p.errors)


def main():
    chromium, report, shot = sys.argv[1:4]
    only_filters = len(sys.argv) > 4 and sys.argv[4] == "filters"
    profile = tempfile.mkdtemp(prefix="leakaudit-chromium-")
    proc = None
    try:
        proc, port = start(chromium, profile)
        targets = json.load(urllib.request.urlopen("http://127.0.0.1:%d/json/list" % port))
        page_ws = next(t["webSocketDebuggerUrl"] for t in targets if t["type"] == "page")
        p = Page(websocket.create_connection(page_ws, timeout=60, suppress_origin=True))
    except Exception as e:  # no browser to talk to
        print("chromium: %s" % e, file=sys.stderr)
        if proc:
            proc.kill()
        shutil.rmtree(profile, ignore_errors=True)
        sys.exit(2)
    try:
        p.call("Runtime.enable")
        p.call("Page.enable")
        p.call("Page.navigate", url="file://" + os.path.abspath(report))
        for _ in range(300):
            if p.js("document.body && document.body.getAttribute('data-ready')") == "1":
                break
            time.sleep(0.1)
        out = {}
        if only_filters:
            filters(p, out)
            for k, v in out.items():
                print("%s=%s" % (k, str(v).replace("\n", " ")))
            return
        out["ready"] = p.js("document.body.getAttribute('data-ready')")
        out["title"] = p.js("document.title")
        out["verdict"] = p.js("document.getElementById('verdict').textContent")
        out["summary_rows"] = p.js("document.querySelectorAll('#summary tbody tr').length")
        out["rows"] = p.js("document.querySelectorAll('#findings tr.finding').length")
        out["flame_nodes"] = p.js("document.querySelectorAll('#flame .node').length")
        colours = """['lost', 'intentional', 'reachable'].filter(function (c) {
            return document.querySelector('#flame .c-' + c); }).join(',')"""
        out["flame_colours"] = p.js(colours)
        p.click("#flame-all")
        out["flame_colours_all"] = p.js(colours)
        out["flame_nodes_all"] = p.js("document.querySelectorAll('#flame .node').length")
        p.click("#flame-all")
        # The runs, collapsed to their totals; a click opens the list.
        out["runs_open"] = p.js("document.getElementById('runs').open ? 1 : 0")
        out["runs_summary"] = p.js("document.querySelector('#runs summary').textContent")
        p.click("#runs summary")
        out["runs_open_after_click"] = p.js("document.getElementById('runs').open ? 1 : 0")
        out["runs_listed"] = p.shown("#runs li")
        p.click("#runs summary")
        # What the text report says of each site.
        out["notes"] = p.js("""Array.prototype.map.call(document.querySelectorAll('#findings tr.finding'),
            function (r) { return r.children[3].textContent + '=' + r.children[5].textContent; }).join('|')""")
        # The search box: keystrokes filter the rows.
        p.type("#search", "triangle")
        out["rows_searched"] = p.shown("#findings tr.finding")
        p.js("var s = document.getElementById('search'); s.value = ''; s.dispatchEvent(new Event('input'));")
        out["rows_after_clearing"] = p.shown("#findings tr.finding")
        # A failing finding's source lines, read when the report was made.
        p.click("#findings tr.finding[data-kind=leak]", 0)
        out["source_lines"] = p.js("document.querySelectorAll('#findings tr.detail pre.source .line').length")
        out["source_here"] = p.js("(document.querySelector('#findings tr.detail pre.source .here') || {}).textContent")
        p.click("#findings tr.finding[data-kind=leak]", 0)
        # A click on the first row opens its stack.
        p.click("#findings tr.finding", 0)
        out["open_after_click"] = p.js("document.querySelectorAll('#findings tr.detail').length")
        out["first_stack_frames"] = p.js("document.querySelectorAll('#findings tr.detail ol.stack li').length")
        out["first_stack_text"] = p.js("document.querySelector('#findings tr.detail').textContent")
        # A second click closes it.
        p.click("#findings tr.finding", 0)
        out["open_after_second_click"] = p.js("document.querySelectorAll('#findings tr.detail').length")
        # A cycle is drawn: a circle per member.
        p.click("#findings tr.finding[data-kind=cycle]", 0)
        out["cycle_circles"] = p.js("document.querySelectorAll('#findings tr.detail svg.cycle circle').length")
        # Sorting by bytes: largest first; then filtering.
        p.click("#findings th", 1)
        out["bytes_desc"] = p.js("""Array.prototype.map.call(document.querySelectorAll('#findings tr.finding'),
            function (r) { return r.children[1].textContent; }).join(' ')""")
        p.click("#show-reachable")
        out["rows_without_reachable"] = p.js("""Array.prototype.filter.call(
            document.querySelectorAll('#findings tr.finding'),
            function (r) { return r.offsetParent !== null; }).length""")
        p.click("#show-reachable")
        # Zoom into the flame graph: the clicked frame becomes the top row.
        out["flame_top_before"] = p.js("document.querySelector('#flame .node .label').textContent")
        p.click("#flame .node", 1)
        out["flame_top_after"] = p.js("document.querySelector('#flame .node .label').textContent")
        out["pwned"] = p.js("typeof window.pwned")
        out["js_errors"] = len(p.errors)
        p.click("#findings tr.finding[data-kind=leak]", 0)
        png = p.call("Page.captureScreenshot", format="png", captureBeyondViewport=True)["data"]
        with open(shot, "wb") as f:
            f.write(base64.b64decode(png))
        for k, v in out.items():
            print("%s=%s" % (k, str(v).replace("\n", " ")))
    finally:
        proc.kill()
        proc.wait()
        shutil.rmtree(profile, ignore_errors=True)


if __name__ == "__main__":
    main()
