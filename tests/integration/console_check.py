#!/usr/bin/python3
"""Drive the web console in headless Chromium through the DevTools protocol.

usage: console_check.py URL TOKEN OUTDIR -- LOAD_COMMAND...

Opens URL (the console), checks the sign-in form is shown without a token,
signs in with TOKEN through the form, waits for live updates, runs
LOAD_COMMAND (a bounded redis-benchmark) and checks that the figures move
while it runs, takes a screenshot (OUTDIR/console.png) and fails on any
console error, uncaught exception or CSP violation the page caused. The one
network error allowed is the 501 of /v1/replication, which the API answers
until replication lands (the page shows it as "not available yet").
Prints one JSON line of what it read.
"""
import base64
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request

import websocket  # Debian's python3-websocket

ALLOWED_NETWORK = ("/v1/replication",)


class Page:
    def __init__(self, ws_url):
        self.ws = websocket.create_connection(ws_url, timeout=10, suppress_origin=True)
        self.next_id = 0
        self.errors = []

    def _event(self, m):
        method, p = m.get("method"), m.get("params", {})
        if method == "Runtime.exceptionThrown":
            d = p["exceptionDetails"]
            self.errors.append("exception: %s" % d.get("exception", {}).get("description", d.get("text")))
        elif method == "Runtime.consoleAPICalled" and p["type"] in ("error", "assert", "warning"):
            self.errors.append("console.%s: %s" % (p["type"], [a.get("value", a.get("description")) for a in p["args"]]))
        elif method == "Log.entryAdded" and p["entry"]["level"] in ("error", "warning"):
            e = p["entry"]
            url = e.get("url", "")
            if e.get("source") == "network" and url.split("?")[0].endswith(ALLOWED_NETWORK) and "501" in e.get("text", ""):
                return
            self.errors.append("log(%s): %s %s" % (e.get("source"), e.get("text"), url))

    def call(self, method, **params):
        self.next_id += 1
        mid = self.next_id
        self.ws.send(json.dumps({"id": mid, "method": method, "params": params}))
        deadline = time.time() + 15
        while time.time() < deadline:
            m = json.loads(self.ws.recv())
            if m.get("id") == mid:
                if "error" in m:
                    raise RuntimeError("%s: %s" % (method, m["error"]))
                return m.get("result", {})
            self._event(m)
        raise RuntimeError("%s: no answer" % method)

    def pump(self, seconds):
        """Take the events that arrive within @seconds."""
        end = time.time() + seconds
        self.ws.settimeout(0.1)
        try:
            while time.time() < end:
                try:
                    self._event(json.loads(self.ws.recv()))
                except websocket.WebSocketTimeoutException:
                    pass
        finally:
            self.ws.settimeout(10)

    def js(self, expr):
        r = self.call("Runtime.evaluate", expression=expr, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in r:
            raise RuntimeError("evaluate %s: %s" % (expr, r["exceptionDetails"]))
        return r["result"].get("value")

    def wait(self, expr, seconds, what):
        end = time.time() + seconds
        while time.time() < end:
            if self.js(expr):
                return
            self.pump(0.2)
        raise AssertionError("timed out waiting for %s" % what)


T0 = time.time()


def stage(what):
    print("console_check: %5.1fs %s" % (time.time() - T0, what), file=sys.stderr)


def fail(msg):
    print("console_check: FAIL: " + msg, file=sys.stderr)
    sys.exit(1)


def launch(profile):
    exe = shutil.which("chromium") or fail("chromium is not installed")
    args = [exe, "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
            "--disable-extensions", "--disable-background-networking", "--disable-sync",
            "--ignore-certificate-errors", "--window-size=1280,1500",
            "--user-data-dir=" + profile, "--remote-debugging-port=0", "about:blank"]
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    port_file = os.path.join(profile, "DevToolsActivePort")
    for _ in range(300):  # bounded: 30 s on a loaded machine
        if os.path.exists(port_file) and open(port_file).read().count("\n") >= 1:
            break
        time.sleep(0.1)
    else:
        proc.kill()
        fail("chromium did not open its DevTools port")
    port = open(port_file).read().split("\n")[0]
    targets = json.load(urllib.request.urlopen("http://127.0.0.1:%s/json/list" % port, timeout=10))
    page = [t for t in targets if t["type"] == "page"][0]
    return proc, page["webSocketDebuggerUrl"]


def read_figures(p):
    return p.js("""(() => { const v = (id) => document.getElementById(id).dataset.value;
        return {ops: v('ops'), keys: v('keys'), clients: v('clients'), mem: v('mem'),
                hit: v('hit'), p50: v('p50'), p99: v('p99'), rx: v('ports'),
                slowlog: v('slowlog'), replication: v('replication'), health: v('health'),
                updates: document.body.dataset.updates,
                version: document.getElementById('version').textContent,
                busy: [...document.querySelectorAll('#lcores meter')].map(m => m.value),
                chart: Number(document.getElementById('ops-chart').dataset.points || 0),
                chart_max: Number(document.getElementById('ops-chart').dataset.max || 0),
                commands: document.querySelectorAll('#commands tbody tr').length,
                events: document.querySelectorAll('#events li').length}; })()""")


def main():
    sep = sys.argv.index("--")
    url, token, outdir = sys.argv[1:4]
    load = sys.argv[sep + 1:]
    profile = tempfile.mkdtemp(prefix="rwchrome.", dir=outdir)
    proc, ws_url = launch(profile)
    stage("chromium up")
    p = None
    try:
        p = Page(ws_url)
        for d in ("Runtime", "Log", "Page"):
            p.call(d + ".enable")
        p.call("Page.navigate", url=url)
        p.wait("document.readyState === 'complete' && !!document.getElementById('login')", 15, "the page to load")
        stage("page loaded")
        p.pump(0.5)
        if not p.js("!document.getElementById('login').hidden && document.getElementById('dash').hidden"):
            fail("without a token the sign-in form should be shown, and only it")
        # sign in through the form, as an operator would
        p.js("document.getElementById('token').value = %s; "
             "document.getElementById('login-form').requestSubmit(); true" % json.dumps(token))
        p.wait("sessionStorage.getItem('redwire.token') !== null && "
               "Number(document.body.dataset.updates || 0) >= 3", 20, "three live updates")
        if p.js("document.cookie") != "":
            fail("the console set a cookie")
        before = read_figures(p)
        stage("signed in, live")
        bench = subprocess.Popen(load, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        during, peak_ops = None, 0
        end = time.time() + 20
        while time.time() < end:  # bounded by time; the benchmark is bounded by its request count
            p.pump(0.5)
            f = read_figures(p)
            ops = int(f["ops"] or 0)
            if ops > peak_ops:
                peak_ops, during = ops, f
            if bench.poll() is not None and during is not None:
                break
        rc = bench.wait(timeout=30)
        stage("load done")
        if rc != 0:
            fail("load command exited %d: %s" % (rc, bench.stderr.read().decode()[-300:]))
        # after the load: one more update so the totals include all of it
        n = int(p.js("document.body.dataset.updates"))
        p.wait("Number(document.body.dataset.updates) >= %d" % (n + 2), 10, "updates after the load")
        after = read_figures(p)
        shot = p.call("Page.captureScreenshot", format="png", captureBeyondViewport=True)
        png = base64.b64decode(shot["data"])
        stage("screenshot taken")
        with open(os.path.join(outdir, "console.png"), "wb") as fh:
            fh.write(png)
        p.pump(0.3)
        if p.errors:
            fail("the page caused console errors:\n  " + "\n  ".join(p.errors))
        print(json.dumps({"before": before, "during": during, "after": after, "peak_ops": peak_ops,
                          "screenshot_bytes": len(png)}))
    finally:
        try:  # Browser.close ends every chromium process at once; a signal if it does not
            p.call("Browser.close")
        except Exception:
            proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        shutil.rmtree(profile, ignore_errors=True)
        stage("chromium closed")


if __name__ == "__main__":
    main()
