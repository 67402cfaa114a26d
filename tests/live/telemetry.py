#!/usr/bin/python3
"""live-telemetry: taasd's DPDK telemetry commands, queried with
`dpdk-telemetry.py -f <file-prefix>` (commands piped on stdin; the socket is
/var/run/dpdk/<prefix>/dpdk_telemetry.v2) while vm1 sends at full rate
(live_rig.py), judged against the control socket. taasd runs with
--no-metrics: telemetry does not depend on the HTTP listener.

The intent has tap services ts_a and ts_b on mon and flows tf_a (vm1 BOTH ->
ts_a), tf_b (vm1 OUT -> ts_b) and tf_c (vm2 IN -> ts_a: the frames flooded
to vm2).

  1. `/` lists /taasd/services, /taasd/flows and /taasd/stats; /help has
     their help; the socket is where DPDK puts it;
  2. /taasd/services: count == shown == 2, and name, id, status, port,
     encap, flows equal tap_service.list entry by entry; mirrored packets
     between the control socket's stats before and after the query; the
     same for /taasd/services,NAME and /taasd/services,UUID, whose "dropped"
     has every drop reason;
  3. /taasd/flows: name, id, tap_service(_id), source_port, direction,
     status equal tap_flow.list; counters bounded the same way; one flow by
     name and by UUID;
  4. /taasd/stats: the generation is health's, the ports are the stats
     file's in order with up == port.list's ACTIVE, every port counter is
     bounded by the stats before and after, one worker, no swap yet;
     /taasd/stats,vm1 has rx_dropped_by with the stats file's reasons;
  5. an unknown name, UUID or port answers null;
  6. after deleting tf_b and creating tf_d, /taasd/flows catches up with
     health's generation: the names are tap_flow.list's, swaps == 2 and
     the deleted count is at least what tf_b had counted;
  7. more flows than a reply holds: apply 75 services and 150 flows (vm1
     IN, vm2 OUT: no copies); /taasd/flows says count 150 and shows the
     first `shown` (fewer) of tap_flow.list, every column as long, the
     reply between 14 and 16 KB; the last flow answers by name;
     /taasd/services shows all 75;
  8. SIGTERM: exit 0, and the last answers <= --stats-out.

Usage: telemetry.py --taasd build/taasd
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import live_rig as lr  # noqa: E402

check = lr.check
FAIL = lr.Fail
PORT_KEYS = ['rx_packets', 'rx_bytes', 'tx_packets', 'tx_bytes', 'rx_dropped', 'tx_dropped', 'tx_nombuf',
             'tx_link_down']


def query(tool, prefix, *commands):
    """Runs dpdk-telemetry.py -f PREFIX with `commands` on stdin; returns the
    replies' values (the reply is {command: value}), in order."""
    p = subprocess.run([tool, '-f', prefix], input='\n'.join(commands) + '\n', stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True, timeout=30)
    if p.returncode != 0 or 'Error' in p.stdout:
        raise FAIL(f'dpdk-telemetry.py -f {prefix}: exit {p.returncode}: {p.stdout[-500:]} {p.stderr[-500:]}')
    lines = [line for line in p.stdout.splitlines() if line.strip()]
    if len(lines) != len(commands):
        raise FAIL(f'{len(commands)} commands, {len(lines)} replies: {p.stdout[-1000:]}')
    out = []
    for cmd, line in zip(commands, lines):
        reply = json.loads(line)
        key = cmd.split(',', 1)[0]
        if list(reply) != [key]:
            raise FAIL(f'{cmd}: the reply is not keyed by the command: {line[:300]}')
        out.append(reply[key])
    return out


def bounded(what, value, lo, hi):
    if not lo <= value <= hi:
        raise FAIL(f'{what}: {value} not within the control socket\'s [{lo}, {hi}]')


def fresh(tool, prefix, stats, timeout=10.0):
    """Waits until /taasd/stats has caught up with `stats` (the board is at
    most 250 ms old): same generation, vm1 rx at least stats'."""
    deadline = time.monotonic() + timeout
    while True:
        st, = query(tool, prefix, '/taasd/stats')
        vm1 = st['port'].index('vm1')
        if st['generation'] == stats['generation'] and st['rx_packets'][vm1] >= stats['ports']['vm1']['rx_packets']:
            return st
        if time.monotonic() > deadline:
            raise FAIL(f'/taasd/stats did not catch up with the control socket within {timeout:.0f} s: {st}')
        time.sleep(0.05)


def check_services(svc, listed, before, after):
    check(svc['count'] == svc['shown'] == len(listed), f'/taasd/services: count == shown == {len(listed)}')
    for key, lkey in (('name', 'name'), ('id', 'id'), ('status', 'status'), ('port', 'port'), ('encap', 'encap'),
                      ('flows', 'flows')):
        want = [x[lkey] for x in listed]
        check(svc[key] == want, f'/taasd/services {key} == tap_service.list: {want}')
    for i, name in enumerate(svc['name']):
        bounded(f'service {name} mirrored_packets', svc['mirrored_packets'][i],
                before['tap_services'][name]['packets'], after['tap_services'][name]['packets'])
        bounded(f'service {name} mirrored_bytes', svc['mirrored_bytes'][i],
                before['tap_services'][name]['bytes'], after['tap_services'][name]['bytes'])
    check(min(svc['mirrored_packets']) > 0, f'/taasd/services counters bounded by the stats: {svc["mirrored_packets"]}')


def check_one_service(one, listed, before, after):
    for key in ('name', 'id', 'status', 'port', 'encap', 'flows'):
        if one[key] != listed[key]:
            raise FAIL(f'/taasd/services,{listed["name"]}: {key} {one[key]!r}, tap_service.list {listed[key]!r}')
    name = listed['name']
    bounded(f'/taasd/services,{name} mirrored_packets', one['mirrored_packets'],
            before['tap_services'][name]['packets'], after['tap_services'][name]['packets'])
    check(set(one['dropped']) == set(after['tap_services'][name]['dropped']) and
          all(one['dropped'][r] <= after['tap_services'][name]['dropped'][r] for r in one['dropped']),
          f'/taasd/services,{name} equals its list entry; "dropped" has every reason: {sorted(one["dropped"])}')


def check_flows(fl, listed, before, after):
    check(fl['count'] == fl['shown'] == len(listed), f'/taasd/flows: count == shown == {len(listed)}')
    for key in ('name', 'id', 'tap_service', 'tap_service_id', 'source_port', 'direction', 'status'):
        want = [x[key] for x in listed]
        check(fl[key] == want, f'/taasd/flows {key} == tap_flow.list: {want}')
    for i, name in enumerate(fl['name']):
        bounded(f'flow {name} mirrored_packets', fl['mirrored_packets'][i],
                before['tap_flows'][name]['packets'], after['tap_flows'][name]['packets'])
        bounded(f'flow {name} mirrored_bytes', fl['mirrored_bytes'][i],
                before['tap_flows'][name]['bytes'], after['tap_flows'][name]['bytes'])
    check(min(fl['mirrored_packets']) > 0, f'/taasd/flows counters bounded by the stats: {fl["mirrored_packets"]}')


def check_stats(st, health, ports, before, after):
    names = list(after['ports'])
    check(st['generation'] == health['generation'], f'/taasd/stats generation {st["generation"]} == health\'s')
    check(st['count'] == st['shown'] == len(names) and st['port'] == names,
          f'/taasd/stats ports == the stats file\'s, in order: {names}')
    check(st['up'] == [1 if p['status'] == 'ACTIVE' else 0 for p in ports], f'up == port.list status: {st["up"]}')
    for key in PORT_KEYS:
        for i, name in enumerate(names):
            bounded(f'/taasd/stats {key}[{name}]', st[key][i], before['ports'][name][key], after['ports'][name][key])
    check(True, f'{len(PORT_KEYS) * len(names)} port counters bounded by the stats before and after')
    check(len(st['worker_busy_cycles']) == len(st['worker_idle_cycles']) == health['workers'] and
          st['worker_busy_cycles'][0] > 0, f'one busy/idle cycle count per worker ({health["workers"]})')
    check(st['tsc_hz'] > 1e6 and st['neighbor_ip'] == [] and st['neighbor_resolved'] == [],
          f'tsc_hz {st["tsc_hz"]}, no next hop')


def run(args):
    tool = shutil.which('dpdk-telemetry.py')
    if tool is None:
        lr.skip('dpdk-telemetry.py is not installed (Debian package dpdk)')
    rig = lr.Rig(args.taasd, 'telemetry')
    try:
        rig.write_intent(lr.intent_yaml(rig.pcap, ['ts_a', 'ts_b'],
                                        [('tf_a', 'vm1', 'ts_a', 'BOTH'), ('tf_b', 'vm1', 'ts_b', 'OUT'),
                                         ('tf_c', 'vm2', 'ts_a', 'IN')]))
        rig.start()
        sock = f'/var/run/dpdk/{rig.prefix}/dpdk_telemetry.v2'
        check(os.path.exists(sock), f'the telemetry socket is {sock}')
        check('metrics:' not in rig.log_text(), 'no metrics listener (--no-metrics)')

        lr.log('1. the commands')
        cmds, help_s, help_f, help_t = query(tool, rig.prefix, '/', '/help,/taasd/services', '/help,/taasd/flows',
                                             '/help,/taasd/stats')
        check({'/taasd/services', '/taasd/flows', '/taasd/stats'} <= set(cmds), '/ lists the three /taasd/ commands')
        check(all(h and next(iter(h.values())) for h in (help_s, help_f, help_t)), '/help has their help')

        lr.log('2-5. the answers against the control socket')
        health = rig.call('health')
        services, flows, ports = rig.call('tap_service.list'), rig.call('tap_flow.list'), rig.call('port.list')
        before = rig.stats()
        fresh(tool, rig.prefix, before)
        sid = {x['name']: x['id'] for x in services}
        fid = {x['name']: x['id'] for x in flows}
        (svc, fl, st, one_a, one_b, flow_c, flow_a, port_vm1, no_port, no_flow, no_svc) = query(
            tool, rig.prefix, '/taasd/services', '/taasd/flows', '/taasd/stats', '/taasd/services,ts_a',
            f'/taasd/services,{sid["ts_b"]}', '/taasd/flows,tf_c', f'/taasd/flows,{fid["tf_a"]}',
            '/taasd/stats,vm1', '/taasd/stats,nope', '/taasd/flows,nope',
            '/taasd/services,00000000-0000-4000-8000-000000000000')
        after = rig.stats()
        check_services(svc, services, before, after)
        check_one_service(one_a, services[0], before, after)
        check_one_service(one_b, services[1], before, after)
        check_flows(fl, flows, before, after)
        for one, listed in ((flow_c, flows[2]), (flow_a, flows[0])):
            for key in ('name', 'id', 'tap_service', 'tap_service_id', 'source_port', 'direction', 'status'):
                if one[key] != listed[key]:
                    raise FAIL(f'/taasd/flows,{listed["name"]}: {key} {one[key]!r}, tap_flow.list {listed[key]!r}')
            bounded(f'/taasd/flows,{listed["name"]}', one['mirrored_packets'],
                    before['tap_flows'][listed['name']]['packets'], after['tap_flows'][listed['name']]['packets'])
        check(True, '/taasd/flows,tf_c and /taasd/flows,UUID of tf_a equal their list entries')
        check_stats(st, health, ports, before, after)
        check(st['swaps'] == 0 and st['deleted_mirrored_packets'] == 0, 'no swap, nothing deleted yet')
        check(port_vm1['name'] == 'vm1' and port_vm1['up'] == 1 and
              set(port_vm1['rx_dropped_by']) == set(after['ports']['vm1']['rx_dropped_by']),
              f'/taasd/stats,vm1 has rx_dropped_by with every reason: {sorted(port_vm1["rx_dropped_by"])}')
        for key in PORT_KEYS:
            bounded(f'/taasd/stats,vm1 {key}', port_vm1[key], before['ports']['vm1'][key], after['ports']['vm1'][key])
        check(no_port is None and no_flow is None and no_svc is None,
              'an unknown port, flow name or service UUID answers null')

        lr.log('6. after changes')
        tf_b_before = rig.stats()['tap_flows']['tf_b']['packets']
        rig.call('tap_flow.delete', {'ref': 'tf_b'})
        rig.call('tap_flow.create', {'name': 'tf_d', 'source_port': 'vm1', 'tap_service': 'ts_b',
                                     'direction': 'OUT'})
        health = rig.call('health')
        flows = rig.call('tap_flow.list')
        before = rig.stats()
        st = fresh(tool, rig.prefix, before)
        fl, = query(tool, rig.prefix, '/taasd/flows')
        check(fl['generation'] == health['generation'] and fl['name'] == [f['name'] for f in flows],
              f'/taasd/flows caught up: generation {fl["generation"]}, flows {fl["name"]}')
        check(fl['id'] == [f['id'] for f in flows], '... with tap_flow.list\'s UUIDs')
        check(st['swaps'] == 2 and st['swap_us_sum'] > 0, f'/taasd/stats swaps == 2 ({st["swap_us_sum"]} us)')
        check(st['deleted_mirrored_packets'] >= tf_b_before > 0,
              f'deleted_mirrored_packets {st["deleted_mirrored_packets"]} >= tf_b\'s {tf_b_before}')

        lr.log('7. more flows than one reply holds')
        many_svcs = [f'ts_many_{i:02d}' for i in range(75)]
        many_flows = [(f'tf_many_{i:02d}_{src}', src, svc, d)
                      for i, svc in enumerate(many_svcs) for src, d in (('vm1', 'IN'), ('vm2', 'OUT'))]
        rig.call('apply', {'intent': lr.intent_yaml(rig.pcap, many_svcs, many_flows)})
        flows = rig.call('tap_flow.list')
        before = rig.stats()
        fresh(tool, rig.prefix, before)
        fl, svc, one = query(tool, rig.prefix, '/taasd/flows', '/taasd/services', f'/taasd/flows,{flows[-1]["name"]}')
        check(fl['count'] == len(flows) == 150 and 40 <= fl['shown'] < 150,
              f'/taasd/flows: count {fl["count"]}, shown {fl["shown"]} (what fits 16 KB)')
        check(fl['name'] == [f['name'] for f in flows[:fl['shown']]] and
              all(len(fl[k]) == fl['shown'] for k in ('id', 'tap_service', 'tap_service_id', 'source_port',
                                                      'direction', 'status', 'mirrored_packets', 'mirrored_bytes')),
              'the shown rows are the first of tap_flow.list, every column as long')
        size = len(json.dumps({'/taasd/flows': fl}, separators=(',', ':')))
        check(14 * 1024 < size < 16 * 1024, f'the reply uses {size} of 16384 bytes')
        check(one['id'] == flows[-1]['id'], f'the last flow answers by name ({flows[-1]["name"]})')
        check(svc['count'] == svc['shown'] == 75 and svc['name'] == many_svcs, '/taasd/services shows all 75')

        lr.log('8. SIGTERM')
        last, = query(tool, rig.prefix, '/taasd/stats')
        rc, final = rig.stop()
        lr.clean_exit(rig, rc)
        lr.production_complete(final)
        lr.copies_conserved(final)
        for key in PORT_KEYS:
            for i, name in enumerate(last['port']):
                bounded(f'last /taasd/stats {key}[{name}]', last[key][i], 0, final['ports'][name][key])
        check(last['deleted_mirrored_packets'] <= final['deleted']['tap_flows']['packets'],
              'the last /taasd/stats <= --stats-out')
    finally:
        rig.close()


if __name__ == '__main__':
    ap = argparse.ArgumentParser()
    ap.add_argument('--taasd', required=True)
    lr.main(lambda: run(ap.parse_args()))
