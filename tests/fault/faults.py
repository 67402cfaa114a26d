#!/usr/bin/python3
"""fault-*: faults injected while vm1 sends at full rate (issue 8), on the
live rig (tests/live/live_rig.py: vm1 net_pcap infinite_rx -> vm2 net_null,
monitor ports net_null). One case per run, --case:

  pool    the mirror and clone pools at their minimum (64 mbufs each) and
          four tap services copying every frame: a burst of 32 frames asks
          for 128 copies, so the pools run dry in every burst. Copies that
          cannot be made are dropped as nombuf; production is untouched.
  sighup  a storm of SIGHUP reloads: 300 signals, the intent file switching
          between two versions (one tap flow to ts_0, or two flows to ts_0
          and ts_1, with ts_1's flow changing direction; each written to a
          temporary file and renamed), 100 of them with no pause at all. taasd keeps running, ends on the last file's
          state, and no copy is counted twice or lost.
  flood   a flood of control requests: four peer processes for 6 s, two
          pipelining read requests (stats, export, health, lists), two
          creating and deleting tap flows as fast as they are answered, plus
          malformed lines. Every request is answered; production untouched.

For each: every production frame delivered; per-port conservation
(received = forwarded + dropped by reason); copies per service = asked for
(one per vm1 frame per flow) = sent + dropped, by the reasons the fault
explains only; the monitor's tx = copies sent; every mempool back to its
size in the --stats-out file; taasd exits 0.

Usage: faults.py --taasd build/taasd --case pool|sighup|flood
"""

import argparse
import json
import os
import re
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'live'))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import judges as jd  # noqa: E402
import live_rig as lr  # noqa: E402


def with_params(intent, **params):
    """intent_yaml's text with more dataplane parameters."""
    extra = ''.join(f'\n  {k}: {v}' for k, v in params.items())
    return intent.replace('  workers: 1', '  workers: 1' + extra, 1)


def log_count(rig, pattern):
    """Lines of taasd's log matching `pattern` (a regex)."""
    return len(re.findall(pattern, rig.log_text()))


def full_rate(rig, seconds=0.5):
    a = rig.stats()['ports']['vm1']['rx_packets']
    time.sleep(seconds)
    rate = (rig.stats()['ports']['vm1']['rx_packets'] - a) / seconds
    lr.check(rate > 100000, f'vm1 receives at full rate: {rate:,.0f} frames/s')
    return rate


def finish(rig):
    """SIGTERM; the --stats-out account: exit 0, production, ports, pools."""
    rc, stats = rig.stop()
    lr.clean_exit(rig, rc)
    jd.production_delivered(stats)
    jd.port_conservation(stats)
    jd.pools_back(stats)
    return stats


# -- pool ------------------------------------------------------------------

def case_pool(rig):
    services = [f'ts_{i}' for i in range(4)]
    flows = [(f'tf_{i}', 'vm1', s, 'BOTH') for i, s in enumerate(services)]
    rig.write_intent(with_params(lr.intent_yaml(rig.pcap, services, flows),
                                 mirror_pool_size=64, clone_pool_size=64))
    rig.start()
    full_rate(rig)
    time.sleep(3)
    live = rig.stats()
    lr.check(all(live['tap_services'][s]['dropped']['nombuf'] > 0 for s in services),
             'while it runs, every service counts nombuf drops',
             {s: live['tap_services'][s]['dropped'] for s in services})
    lr.check(all(live['tap_services'][s]['packets'] > 0 for s in services),
             'and every service still sends copies')
    stats = finish(rig)
    frames = stats['ports']['vm1']['rx_packets']
    totals = jd.copies_by_reason(stats, dict.fromkeys(services, frames), allowed={'nombuf'}, need=('nombuf',))
    jd.monitor_account(stats, 'mon', services)
    sent = sum(stats['tap_services'][s]['packets'] for s in services)
    lr.log(f'RESULT fault_pool frames={frames} copies_sent={sent} nombuf={totals["nombuf"]}')


# -- sighup ----------------------------------------------------------------

def case_sighup(rig):
    one = lr.intent_yaml(rig.pcap, ['ts_0', 'ts_1'], [('tf_0', 'vm1', 'ts_0', 'BOTH')])
    two = [lr.intent_yaml(rig.pcap, ['ts_0', 'ts_1'], [('tf_0', 'vm1', 'ts_0', 'BOTH'),
                                                        ('tf_1', 'vm1', 'ts_1', d)]) for d in ('OUT', 'IN')]
    rig.write_intent(one)
    rig.start()
    full_rate(rig)
    gen0 = rig.generation()
    versions = [one, two[0], one, two[1]]
    sent = 0
    def write_atomic(text):  # as an operator's tool would: a reload never sees half a file
        tmp = rig.intent.with_suffix('.tmp')
        tmp.write_text(text)
        os.replace(tmp, rig.intent)

    for i in range(300):
        write_atomic(versions[i % len(versions)])
        rig.send(signal.SIGHUP)
        sent += 1
        if i >= 100:  # the first 100 back to back, then every 10 ms
            time.sleep(0.01)
    lr.check(rig.alive(), f'taasd survived {sent} SIGHUPs')
    # The last file written is versions[299 % 4] = two[1]; one more
    # SIGHUP after a pause makes sure it is the one applied.
    time.sleep(0.5)
    rig.send(signal.SIGHUP)
    time.sleep(0.5)
    applied = log_count(rig, 'SIGHUP: .* applied: generation')
    gen = rig.generation()
    lr.check(gen > gen0 and applied >= 2,
             f'the reloads were applied ({applied} logged, generation {gen0} -> {gen}); '
             f'SIGHUPs that arrive while one is handled coalesce')
    flows = rig.call('tap_flow.list')
    got = sorted((f['name'], f['direction']) for f in (flows if isinstance(flows, list) else flows['tap_flows']))
    lr.check(got == [('tf_0', 'BOTH'), ('tf_1', 'IN')], f'the state is the last file\'s: {got}')
    errors = log_count(rig, 'SIGHUP: .*(cannot|unchanged)')
    lr.check(errors == 0, f'no reload failed ({errors})')
    full_rate(rig, 0.3)
    stats = finish(rig)
    frames = stats['ports']['vm1']['rx_packets']
    # tf_0 (BOTH on vm1) asked for a copy of every frame, in every version;
    # tf_1 existed only part of the time: its copies are counted, current
    # or deleted, and add up with tf_0's to what mon sent.
    jd.copies_by_reason(stats, {'ts_0': frames}, allowed=set())
    lr.copies_conserved(stats)
    jd.monitor_account(stats, 'mon', ['ts_0', 'ts_1'])
    lr.log(f'RESULT fault_sighup signals={sent + 1} applied={applied} generation={gen}')


# -- flood -----------------------------------------------------------------

FLOOD_SECONDS = 6.0
READER = r'''
import json, socket, sys, time, threading
path, seconds = sys.argv[1], float(sys.argv[2])
s = socket.socket(socket.AF_UNIX); s.connect(path)
ops = ['stats', 'export', 'health', 'tap_service.list', 'tap_flow.list', 'port.list']
sent = 0; answered = 0; bad = []
def read():
    global answered
    buf = b''
    f = s.makefile('rb')
    for line in f:
        r = json.loads(line); answered += 1
        if r.get('ok') is not True and r.get('error', {}).get('code') != 400: bad.append(r)
t = threading.Thread(target=read, daemon=True); t.start()
end = time.monotonic() + seconds
while time.monotonic() < end:
    batch = b''.join(json.dumps({'v': 1, 'id': sent + k, 'op': ops[(sent + k) % len(ops)]}).encode() + b'\n'
                     for k in range(50))
    batch += b'{"v":1,"id":"junk","op":\n' if sent % 500 == 0 else b''
    s.sendall(batch); sent += 50 + (1 if sent % 500 == 0 else 0)
s.shutdown(socket.SHUT_WR)
t.join(120)
print(json.dumps({'sent': sent, 'answered': answered, 'bad': bad[:3]}))
'''
WRITER = r'''
import json, socket, sys, time
path, seconds, tag = sys.argv[1], float(sys.argv[2]), sys.argv[3]
s = socket.socket(socket.AF_UNIX); s.connect(path); f = s.makefile('rb')
def call(op, args):
    s.sendall(json.dumps({'v': 1, 'id': 1, 'op': op, 'args': args}).encode() + b'\n')
    return json.loads(f.readline())
n = 0; bad = []
end = time.monotonic() + seconds
while time.monotonic() < end:
    name = f'tf_{tag}_{n}'
    r = call('tap_flow.create', {'name': name, 'source_port': 'vm1', 'tap_service': 'ts_' + tag,
                                 'direction': 'BOTH'})
    if r.get('ok') is not True: bad.append(r)
    r = call('tap_flow.delete', {'ref': name})
    if r.get('ok') is not True: bad.append(r)
    n += 1
print(json.dumps({'pairs': n, 'bad': bad[:3]}))
'''


def case_flood(rig):
    rig.write_intent(lr.intent_yaml(rig.pcap, ['ts_0', 'ts_a', 'ts_b'], [('tf_0', 'vm1', 'ts_0', 'BOTH')]))
    rig.start()
    full_rate(rig)
    procs = [subprocess.Popen([sys.executable, '-c', READER, str(rig.sock_path), str(FLOOD_SECONDS)],
                              stdout=subprocess.PIPE, text=True) for _ in range(2)]
    procs += [subprocess.Popen([sys.executable, '-c', WRITER, str(rig.sock_path), str(FLOOD_SECONDS), tag],
                               stdout=subprocess.PIPE, text=True) for tag in ('a', 'b')]
    time.sleep(FLOOD_SECONDS / 2)
    during = full_rate(rig, 0.5)
    results = []
    for p in procs:
        out, _ = p.communicate(timeout=180)
        lr.check(p.returncode == 0, f'flooding peer {p.pid} finished', out)
        results.append(json.loads(out))
    for r in results[:2]:
        lr.check(r['answered'] == r['sent'] and not r['bad'],
                 f'reader: {r["sent"]:,} requests, every one answered ({r["answered"]:,}), malformed ones 400',
                 r['bad'])
    for r in results[2:]:
        lr.check(r['pairs'] > 50 and not r['bad'], f'writer: {r["pairs"]:,} creates + deletes, every one ok',
                 r['bad'])
    flows = rig.call('tap_flow.list')
    names = sorted(f['name'] for f in (flows if isinstance(flows, list) else flows['tap_flows']))
    lr.check(names == ['tf_0'], f'only tf_0 is left: {names}')
    stats = finish(rig)
    frames = stats['ports']['vm1']['rx_packets']
    jd.copies_by_reason(stats, {'ts_0': frames}, allowed=set())
    lr.copies_conserved(stats)
    jd.monitor_account(stats, 'mon', ['ts_0', 'ts_a', 'ts_b'])
    requests = sum(r['sent'] for r in results[:2]) + 2 * sum(r['pairs'] for r in results[2:])
    lr.log(f'RESULT fault_flood requests={requests} seconds={FLOOD_SECONDS} vm1_rate_during={during:.0f}')


CASES = {'pool': case_pool, 'sighup': case_sighup, 'flood': case_flood}


def run(args):
    rig = lr.Rig(args.taasd, f'fault-{args.case}')
    try:
        CASES[args.case](rig)
    finally:
        rig.close()


if __name__ == '__main__':
    p = argparse.ArgumentParser()
    p.add_argument('--taasd', required=True)
    p.add_argument('--case', required=True, choices=sorted(CASES))
    lr.main(lambda: run(p.parse_args()))
