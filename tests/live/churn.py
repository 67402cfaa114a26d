#!/usr/bin/python3
"""live-churn: 10,000 tap flow changes over one control connection while
vm1 sends at full rate, then SIGTERM.

The intent has five tap services (ts_0..ts_4, all on mon) and four flows.
The churn creates tf_0 .. tf_4999 and after each create deletes the oldest
flow still there (the intent's four first), so four or five flows exist at
any time and each lives for about four changes; flow j of the sequence goes
to ts_(j mod 5), so no two live flows ever share a service, and sources and
directions rotate (vm1 BOTH, vm2 IN, vm1 OUT, vm1 BOTH): every flow but IN on
vm1 has traffic to copy. At the end one service with a flow is deleted, so
the deleted-service counters are exercised too. Every reply must be ok.

After SIGTERM (taasd must exit 0: every mbuf back in its pool):
  - production: vm1 rx_packets == vm2 tx_packets + vm1 rx_dropped, no drops;
  - copies: mon tx_packets == sum of current tap_flows packets +
    deleted.tap_flows.packets, the same for tap_services, and bytes too;
  - the churn ran under traffic: vm1 received frames during it and deleted
    flows had counted copies.
Prints the operations per second.

Usage: churn.py --taasd build/taasd [--ops 10000]
"""

import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import live_rig as lr  # noqa: E402

SERVICES = 5
LIVE = 4
# (source, direction) by position in the sequence of flows
ROTATION = [('vm1', 'BOTH'), ('vm2', 'IN'), ('vm1', 'OUT'), ('vm1', 'BOTH')]


def flow_args(name, j):
    source, direction = ROTATION[j % len(ROTATION)]
    return {'name': name, 'source_port': source, 'tap_service': f'ts_{j % SERVICES}', 'direction': direction}


def run(args):
    rig = lr.Rig(args.taasd, 'churn')
    try:
        services = [f'ts_{i}' for i in range(SERVICES)]
        initial = [(f'tf_init_{j}',) + ROTATION[j % len(ROTATION)] for j in range(LIVE)]
        rig.write_intent(lr.intent_yaml(rig.pcap, services,
                                        [(n, s, f'ts_{j}', d) for j, (n, s, d) in enumerate(initial)]))
        rig.start()

        before = rig.stats()
        time.sleep(0.5)
        warm = rig.stats()
        rate = (warm['ports']['vm1']['rx_packets'] - before['ports']['vm1']['rx_packets']) / 0.5
        lr.check(rate > 10000, f'vm1 receives at full rate before the churn: {rate:,.0f} frames/s')

        creates = args.ops // 2
        alive = [n for n, _, _ in initial]
        c = rig.client(timeout=60)
        t0 = time.monotonic()
        ops = 0
        for i in range(creates):
            name = f'tf_{i}'
            reply = c.call('tap_flow.create', flow_args(name, i + LIVE))
            if not reply['ok']:
                raise lr.Fail(f'create {name} (op {ops}): {reply["error"]}')
            if reply['result']['name'] != name or not lr.UUID_RE.match(reply['result']['id']):
                raise lr.Fail(f'create {name}: unexpected result {reply["result"]}')
            alive.append(name)
            ops += 1
            old = alive.pop(0)
            reply = c.call('tap_flow.delete', {'ref': old})
            if not reply['ok']:
                raise lr.Fail(f'delete {old} (op {ops}): {reply["error"]}')
            ops += 1
        elapsed = time.monotonic() - t0
        ops_per_s = ops / elapsed
        during = rig.stats()
        c.close()
        lr.log(f'  churn: {ops} operations ({creates} creates, {ops - creates} deletes) in {elapsed:.2f} s: '
               f'{ops_per_s:,.0f} ops/s')
        pps = (during['ports']['vm1']['rx_packets'] - warm['ports']['vm1']['rx_packets']) / elapsed
        lr.log(f'  traffic during the churn: {pps:,.0f} frames/s into vm1')
        lr.check(ops == args.ops, f'{ops} operations, every reply ok')
        lr.check(pps > 10000, f'traffic kept flowing during the churn ({pps:,.0f} frames/s)')
        lr.check(sorted(during['tap_flows']) == sorted(alive),
                 f'the flows left are the last {LIVE}: {sorted(alive)}', sorted(during['tap_flows']))
        deleted = during.get('deleted', {}).get('tap_flows', {}).get('packets', 0)
        lr.check(deleted > 0, f'deleted flows had counted copies: {deleted}')
        listed = {f['name'] for f in rig.call('tap_flow.list')}
        lr.check(listed == set(alive), 'tap_flow.list agrees')

        # A service with a flow goes too: its copies move to deleted.tap_services.
        victim = flow_args(alive[-1], creates - 1 + LIVE)['tap_service']
        gone = rig.call('tap_service.delete', {'ref': victim})
        lr.check(len(gone['deleted_flows']) == 1, f'deleting {victim} deleted its flow {alive[-1]}')
        time.sleep(0.5)
        generation = rig.generation()

        rc, stats = rig.stop()
        lr.clean_exit(rig, rc)
        lr.check(stats is not None and stats['generation'] == generation,
                 f'the stats file is of the last generation ({generation})')
        lr.production_complete(stats)
        mon = lr.copies_conserved(stats)
        lr.check(stats['deleted']['tap_services']['packets'] > 0,
                 f'the deleted service counted copies: {stats["deleted"]["tap_services"]["packets"]}')
        drops = {k: sum(s['dropped'][k] for s in stats['tap_services'].values()) +
                 stats['deleted']['tap_services']['dropped'][k]
                 for k in ('nombuf', 'tx_full', 'no_neighbor', 'port_down', 'too_big')}
        lr.check(stats['ports']['mon']['tx_dropped'] == drops['tx_full'],
                 f'mon tx_dropped {stats["ports"]["mon"]["tx_dropped"]} == copies dropped tx_full {drops["tx_full"]}')
        lr.log(f'  totals: vm1 rx {stats["ports"]["vm1"]["rx_packets"]:,}, mon tx {mon:,}, copy drops {drops}')
        lr.log(f'RESULT churn_ops_per_s={ops_per_s:.0f}')
    finally:
        rig.close()


def parse():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--taasd', required=True)
    ap.add_argument('--ops', type=int, default=10000, help='creates + deletes (even)')
    return ap.parse_args()


if __name__ == '__main__':
    a = parse()
    lr.main(lambda: run(a))
