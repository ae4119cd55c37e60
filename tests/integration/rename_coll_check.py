#!/usr/bin/python3
"""Run oracle_cases_renamecoll.py's cases against Redwire and stock
redis-server 7.0.15, replies byte for byte.

Usage: rename_coll_check.py REDWIRE_HOST:PORT ORACLE_HOST:PORT
Prints "N passed, M failed" and exits non-zero on any failure."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import oracle_cases_renamecoll  # noqa: E402
from oracle_compare import run_case  # noqa: E402


def main():
    rw_addr, oracle_addr = sys.argv[1], sys.argv[2]
    passed, failed = 0, 0
    for name, chunks, n, close in oracle_cases_renamecoll.CASES:
        want = run_case(oracle_addr, chunks, n, close)
        got = run_case(rw_addr, chunks, n, close)
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
