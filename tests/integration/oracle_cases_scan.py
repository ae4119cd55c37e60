#!/usr/bin/python3
"""Differential cases for SCAN's argument checks (issue #4): the errors are
byte for byte redis-server 7.0.15's. Successful SCAN replies are not
compared here: the cursor is each server's own (Redwire's names a worker),
which clients treat as opaque; test_scan.sh checks what a walk returns."""
from resp_client import encode as E

CASES = [
    ("scan errors", [E("SCAN"), E("SCAN", "abc"), E("SCAN", "-"), E("SCAN", " 1"),
                     E("SCAN", "99999999999999999999"), E("SCAN", "0", "COUNT"),
                     E("SCAN", "0", "COUNT", "0"), E("SCAN", "0", "COUNT", "-1"),
                     E("SCAN", "0", "COUNT", "x"), E("SCAN", "0", "MATCH"),
                     E("SCAN", "0", "TYPE"), E("SCAN", "0", "FOO", "bar"),
                     E("SCAN", "0", "COUNT", "10", "MATCH")], 13, False),
]
