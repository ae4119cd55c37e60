#!/usr/bin/python3
"""FLUSHALL, across every worker and DB. The file name sorts last so this
runs after every other module's cases (it empties both servers)."""
from resp_client import encode as E

CASES = [
    ("flushall", [E("SELECT", "3"), E("SET", "it:f:a", "1"), E("SELECT", "0"), E("FLUSHALL"),
                  E("DBSIZE"), E("SELECT", "3"), E("DBSIZE"), E("FLUSHALL", "bad"), E("SELECT", "0")],
     9, False),
]
