#!/usr/bin/python3
"""Run one oracle_cases_*.py module's cases against Redwire and stock
redis-server 7.0.15, replies byte for byte (oracle_compare.py runs them
all; this runs one, so a test can check counters around it), then DEBUG
DIGEST of both whole datasets.

Usage: case_module_check.py MODULE REDWIRE_HOST:PORT ORACLE_HOST:PORT
Prints "N passed, M failed" and exits non-zero on any failure."""
import importlib
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from oracle_compare import run_pair  # noqa: E402
from resp_client import encode as E  # noqa: E402


def main():
    mod = importlib.import_module(sys.argv[1])
    rw_addr, oracle_addr = sys.argv[2], sys.argv[3]
    passed, failed = 0, 0
    for name, chunks, n, close in mod.CASES + [("DEBUG DIGEST", [E("DEBUG", "DIGEST")], 1, False)]:
        want, got = run_pair(rw_addr, oracle_addr, chunks, n, close)
        if got == want:
            passed += 1
            continue
        failed += 1
        print("FAIL oracle case %s" % name)
        w, g = want[0], got[0]
        for i, (a, b) in enumerate(zip(w, g)):
            if a != b:
                print("  reply %d: redis-server %r\n           redwire      %r" % (i, a[:200], b[:200]))
                break
        else:
            print("  redis-server: %r\n  redwire:      %r" % (want, got))
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
