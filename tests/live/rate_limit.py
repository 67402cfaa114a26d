#!/usr/bin/python3
"""live-rate-limit: requests per second per peer on the control socket
(--control-rate, control/peer_rate.hpp), while vm1 sends at full rate.

taasd runs with --control-rate RATE (as many at once). This process floods
it with FLOOD pipelined `health` requests spread over three connections
(the limit is per peer process, not per connection), reading the replies in
threads. Checks:
  - every request is answered, ok, in order per connection, none refused:
    a flood slows down, it does not fail;
  - the flood cannot go faster than the limit: its last reply comes no
    sooner than (FLOOD - RATE) / RATE seconds after the first request, and
    within its first second no more than the burst plus a second's worth
    were answered;
  - the limit is a limit, not a stall: the flood is answered at no less than
    half the rate;
  - another peer (taasctl, another process) asking during the flood is
    answered at once (under a second, where the flood has seconds to go);
  - afterwards the flooding process is answered normally again;
  - production is untouched: every vm1 frame reached vm2, copies conserved,
    taasd exits 0 (every mbuf back in its pool).

Usage: rate_limit.py --taasd build/taasd --taasctl build/taasctl/taasctl
"""

import argparse
import json
import os
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import live_rig as lr  # noqa: E402

RATE = 200
FLOOD = 1200          # requests, over CONNECTIONS connections
CONNECTIONS = 3


def flood(rig):
    """Sends FLOOD health requests at once over CONNECTIONS connections;
    returns (start time, per-connection lists of (arrival time, reply))."""
    clients = [rig.client(timeout=120) for _ in range(CONNECTIONS)]
    per = FLOOD // CONNECTIONS
    replies = [[] for _ in clients]
    errors = []

    def reader(i, c):
        try:
            for _ in range(per):
                r = c.read_reply()
                replies[i].append((time.monotonic(), r))
        except Exception as e:  # noqa: BLE001 -- reported by the main thread
            errors.append(f'connection {i}: {e}')

    threads = [threading.Thread(target=reader, args=(i, c), daemon=True) for i, c in enumerate(clients)]
    for t in threads:
        t.start()
    start = time.monotonic()
    for i, c in enumerate(clients):
        lines = b''.join(json.dumps({'v': 1, 'id': i * per + k, 'op': 'health'}).encode() + b'\n'
                         for k in range(per))
        threading.Thread(target=c.send_raw, args=(lines,), daemon=True).start()
    return start, clients, threads, replies, errors


def run(args):
    rig = lr.Rig(args.taasd, 'rate', taasctl=args.taasctl, extra_args=['--control-rate', str(RATE)])
    try:
        rig.write_intent(lr.intent_yaml(rig.pcap, ['ts_0'], [('tf_0', 'vm1', 'ts_0', 'BOTH')]))
        rig.start()
        rig.wait_log(rf'control socket: .*\({RATE} requests/s per peer\)', timeout=5)
        lr.log(f'  taasd answers each peer at most {RATE} requests/s ({RATE} at once)')
        time.sleep(1.5)  # the health check of start() refills

        start, clients, threads, replies, errors = flood(rig)
        # Another peer during the flood.
        time.sleep(1.0)
        t0 = time.monotonic()
        other = rig.ctl('health')
        other_s = time.monotonic() - t0
        answered_then = sum(len(r) for r in replies)
        lr.check(answered_then < FLOOD,
                 f'the flood was still going when the other peer asked ({answered_then} of {FLOOD} answered)')
        lr.check(other_s < 1.0, f'another peer (taasctl) is answered at once during the flood: {other_s:.3f} s',
                 other.stdout)
        for t in threads:
            t.join(timeout=120)
        lr.check(not errors, 'every flood connection read all its replies', errors)
        arrivals = sorted(a for r in replies for a, _ in r)
        lr.check(len(arrivals) == FLOOD, f'{len(arrivals)} of {FLOOD} flood requests answered')
        for i, r in enumerate(replies):
            per = FLOOD // CONNECTIONS
            ids = [rep['id'] for _, rep in r]
            lr.check(ids == list(range(i * per, (i + 1) * per)), f'connection {i}: replies in order, ids echoed')
            bad = [rep for _, rep in r if rep['ok'] is not True]
            lr.check(not bad, f'connection {i}: every reply ok (none refused)', bad[:3])
        elapsed = arrivals[-1] - start
        floor = (FLOOD - RATE) / RATE
        lr.check(elapsed >= floor * 0.98,
                 f'the flood took {elapsed:.2f} s, no less than (FLOOD - burst) / rate = {floor:.2f} s')
        first_second = sum(1 for a in arrivals if a - start <= 1.0)
        lr.check(first_second <= 2 * RATE + 5,
                 f'{first_second} answered in the first second: at most the burst + a second ({2 * RATE})')
        achieved = (FLOOD - RATE) / max(elapsed, 1e-9)
        lr.check(achieved >= RATE / 2, f'after the burst the flood was answered at {achieved:.0f}/s (limit {RATE})')
        for c in clients:
            c.close()

        time.sleep(1.5)
        t0 = time.monotonic()
        rig.call('health')
        lr.check(time.monotonic() - t0 < 0.5, 'the flooding process is answered at once again afterwards')

        rc, stats = rig.stop()
        lr.clean_exit(rig, rc)
        lr.production_complete(stats)
        lr.copies_conserved(stats)
        lr.log(f'RESULT control_rate_limit_s={elapsed:.2f} other_peer_ms={other_s * 1000:.0f}')
    finally:
        rig.close()


if __name__ == '__main__':
    p = argparse.ArgumentParser()
    p.add_argument('--taasd', required=True)
    p.add_argument('--taasctl', required=True)
    lr.main(lambda: run(p.parse_args()))
