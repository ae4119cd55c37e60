#!/usr/bin/python3
"""Print one per-worker counter from `redwirectl stats --json` (read on stdin)
as "w0 w1 ...", so shell tests can compare before/after.

usage: redwirectl stats --json | stats.py COUNTER
"""
import json
import sys


def per_worker(doc, name):
    out = []
    for w in doc["workers"]:
        src = w.get("stats", w)
        out.append(int(src[name]))
    return out


if __name__ == "__main__":
    print(" ".join(str(v) for v in per_worker(json.load(sys.stdin), sys.argv[1])))
