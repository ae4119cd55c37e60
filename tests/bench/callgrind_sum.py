#!/usr/bin/python3
"""Sum callgrind dump files of one dump (one per thread, --separate-threads=yes):
prints `worker_ir idle_calls missed_calls timed_ir` -- the instructions of the
threads that run worker_poll_once, their calls of the markers worker_cg_idle()
and worker_cg_missed() (dataplane/core/worker.c), and the instructions spent
in the time-driven work (TIMED: the millisecond tick, the timer wheel), whose
weight per request grows with valgrind's slowness and the machine's load.
Used by tests/bench/instructions.sh."""

TIMED = ("worker_tick", "tcp_timers_run")
import re
import sys

worker_ir = idle = missed = timed = 0
for path in sys.argv[1:]:
    names, total, calls, last_cfn, is_worker = {}, 0, {}, None, False
    incl, want_cost = {}, None
    with open(path, errors="replace") as f:
        for line in f:
            m = re.match(r"(c?fn)=\((\d+)\)(?: (.*))?", line)
            if m:
                if m.group(3):
                    names[m.group(2)] = m.group(3).strip()
                if names.get(m.group(2), "").startswith("worker_poll_once"):
                    is_worker = True
                if m.group(1) == "cfn":
                    last_cfn = m.group(2)
                continue
            if line.startswith("calls=") and last_cfn is not None:
                n = int(line.split("=")[1].split()[0])
                name = names.get(last_cfn, "")
                calls[name] = calls.get(name, 0) + n
                want_cost = name
                continue
            if want_cost is not None:
                # the line after calls=: position, then the call's inclusive cost
                parts = line.split()
                if len(parts) >= 2 and parts[1].isdigit():
                    incl[want_cost] = incl.get(want_cost, 0) + int(parts[1])
                want_cost = None
                continue
            m = re.match(r"(summary|totals):\s+(\d+)", line)
            if m and total == 0:
                total = int(m.group(2))
    if is_worker:
        worker_ir += total
        idle += calls.get("worker_cg_idle", 0)
        missed += calls.get("worker_cg_missed", 0)
        # a timed function calling another timed one is counted once: only
        # calls from outside them are summed (neither calls the other)
        timed += sum(v for k, v in incl.items() if k.split("'")[0] in TIMED)
print(worker_ir, idle, missed, timed)
