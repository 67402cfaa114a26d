#!/usr/bin/python3
"""The soak (issue 8): taasd at full rate for MINUTES with flow churn, then
its account. Run by scripts/soak (30 minutes by default); a 30 s version is
the meson test soak-short.

    vm1     net_pcap infinite_rx: 60 B frames to vm2, as fast as the worker
            polls
    vm2     net_null (flooded to: the only other port of the network)
    mon     net_null: ts_local, ts_local_0, ts_local_1 (port mode)
    uplink  net_null with a static next hop: ts_erspan_0/1 (ERSPAN III) and
            ts_vxlan_0/1 (VXLAN), so the encapsulation path soaks too

Churn, all the time, on one control connection at up to CHURN_RATE
operations/s: tap flows on vm1 (BOTH, IN, OUT, and a vlan_filter now and
then) created on a rotating service and deleted oldest first, 2 to 6 alive
besides the intent's tf_keep;
every SAMPLE_S seconds a sample: resident memory (VmRSS), the mempools'
mbufs in use, counters, and a /metrics scrape (whose series of deleted
flows must go). Every 60 s a SIGHUP (the intent file is unchanged: the
intent's flows come back, the churned ones go; the churn waits until the
reload is applied).

At the end (SIGTERM): production delivered (vm1 rx == vm2 tx, no drop),
copies conserved (every flow's copies, current or deleted == every
service's; mon tx == the local services' copies; uplink tx == vm1's frames,
flooded to the trunk, + the remote services' copies), no copy dropped,
every mempool back, exit 0.
Memory: after a warm-up of a tenth of the run, resident memory may not grow
by more than 8 MiB to the end (not judged for a taasd built with ASan, whose
quarantine keeps freed memory resident; LeakSanitizer judges it at exit) (a leak of a few bytes per churned flow, or
per swap, would: the churn makes tens of thousands); the mbufs in use stay
under a bound at every sample.

Writes the result as JSON (--out) and prints it.
Usage: soak.py --taasd build/taasd --minutes 30 [--out build/soak.json]
"""

import argparse
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'live'))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'fault'))
import judges as jd  # noqa: E402
import live_rig as lr  # noqa: E402

CHURN_RATE = 50.0        # operations per second at most
SAMPLE_S = 10.0
HUP_S = 60.0
RSS_GROWTH_MIB = 8.0
IN_USE_BOUND = 4096      # mbufs out of the pools at a sample (queues, caches, the pcap's 32)
# The churned flows' services, two of each kind: flow n goes to
# SERVICES[n % 6] and at most 6 churned flows live, consecutive ones, so
# no two ever share a service (TaaS: one flow per source and service).
SERVICES = ['ts_local_0', 'ts_erspan_0', 'ts_vxlan_0', 'ts_local_1', 'ts_erspan_1', 'ts_vxlan_1']
DIRECTIONS = ['BOTH', 'IN', 'OUT', 'BOTH']


def intent(pcap):
    return '\n'.join(lr.intent_head() + [
        'underlay: {port: uplink, address: 192.0.2.10/24, next_hop_mac: "02:00:00:00:00:fe"}',
        'ports:',
        f'  - {{name: vm1, device: "net_pcap0,rx_pcap={pcap},infinite_rx=1", role: vm, network: net-a}}',
        '  - {name: vm2, device: "net_null0,no-rx=1", role: vm, network: net-a}',
        '  - {name: mon, device: "net_null1,no-rx=1", role: monitor}',
        '  - {name: uplink, device: "net_null2,no-rx=1", role: uplink}',
        'tap_services:',
        '  - {name: ts_local, port: mon}',
        '  - {name: ts_local_0, port: mon}',
        '  - {name: ts_local_1, port: mon}',
        '  - {name: ts_erspan_0, remote_ip: 192.0.2.1, encap: erspan3}',
        '  - {name: ts_erspan_1, remote_ip: 192.0.2.2, encap: erspan3}',
        '  - {name: ts_vxlan_0, remote_ip: 192.0.2.1, encap: vxlan, vni: 5000}',
        '  - {name: ts_vxlan_1, remote_ip: 192.0.2.2, encap: vxlan, vni: 5001}',
        'tap_flows:',
        '  - {name: tf_keep, source_port: vm1, tap_service: ts_local, direction: BOTH}',
    ]) + '\n'


def rss_kib(pid):
    with open(f'/proc/{pid}/status') as f:
        for line in f:
            if line.startswith('VmRSS:'):
                return int(line.split()[1])
    raise lr.Fail(f'no VmRSS for pid {pid}')


def sanitized(binary):
    """True when `binary` links AddressSanitizer's runtime."""
    out = subprocess.run(['ldd', binary], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True).stdout
    return 'libasan' in out


def in_use(stats):
    return sum(p['in_use'] for p in stats['pools'].values())


def scrape(url):
    with urllib.request.urlopen(url, timeout=10) as r:
        return r.read().decode()


def run(args):
    rig = lr.Rig(args.taasd, 'soak', metrics=True)
    result = {'minutes': args.minutes}
    try:
        rig.write_intent(intent(rig.pcap))
        rig.start()
        url = rig.metrics_url()
        pid = rig.proc.pid
        c = rig.client(timeout=60)
        t0 = time.monotonic()
        end = t0 + args.minutes * 60
        warm = t0 + args.minutes * 6  # a tenth of the run
        next_sample, next_hup = t0, t0 + HUP_S
        samples, alive, n, ops, hups = [], [], 0, 0, 0
        max_in_use = 0
        scraped_deleted = []
        while time.monotonic() < end:
            now = time.monotonic()
            if now >= next_sample:
                next_sample += SAMPLE_S
                stats = c.ok('stats')
                use = in_use(stats)
                max_in_use = max(max_in_use, use)
                lr.check(use <= IN_USE_BOUND, f'{now - t0:7.1f} s: {use} mbufs out of the pools '
                                              f'(bound {IN_USE_BOUND})')
                text = scrape(url)
                # The metrics board is refreshed every 250 ms: flows deleted
                # over a second ago must be gone.
                old_enough = [f for f, t in scraped_deleted if now - t > 1.0]
                gone = [f for f in old_enough if f'flow="{f}"' in text]
                lr.check(not gone, f'the /metrics series of deleted flows are gone ({len(old_enough)} checked)',
                         gone[:3])
                samples.append({'t': round(now - t0, 1), 'rss_kib': rss_kib(pid), 'in_use': use,
                                'vm1_rx': stats['ports']['vm1']['rx_packets'], 'ops': ops,
                                'generation': stats['generation'], 'metrics_bytes': len(text)})
                lr.log(f'  sample {samples[-1]}')
            if now >= next_hup:
                next_hup += HUP_S
                gen = c.ok('health')['generation']
                rig.send(signal.SIGHUP)
                hups += 1
                deadline = time.monotonic() + 30
                while c.ok('health')['generation'] == gen:  # applied: the churned flows are gone
                    lr.check(time.monotonic() < deadline, 'a SIGHUP was applied within 30 s')
                    time.sleep(0.01)
                alive = []
            # One churn operation.
            if len(alive) < 2 or (len(alive) < 6 and n % 3 != 2):
                name = f'tf_{n}'
                args_ = {'name': name, 'source_port': 'vm1', 'tap_service': SERVICES[n % len(SERVICES)],
                         'direction': DIRECTIONS[n % len(DIRECTIONS)]}
                if n % 7 == 0:
                    args_['vlan_filter'] = '100,200-300'
                reply = c.call('tap_flow.create', args_)
                n += 1
                if reply['ok'] is not True:
                    raise lr.Fail(f'tap_flow.create {args_}: {reply}')
                alive.append(name)
            else:
                old = alive.pop(0)
                reply = c.call('tap_flow.delete', {'ref': old})
                if reply['ok'] is not True:
                    raise lr.Fail(f'tap_flow.delete {old}: {reply}')
                scraped_deleted = (scraped_deleted + [(old, time.monotonic())])[-50:]
            ops += 1
            time.sleep(1.0 / CHURN_RATE)
        c.close()
        stats = rig.stats()
        samples.append({'t': round(time.monotonic() - t0, 1), 'rss_kib': rss_kib(pid), 'in_use': in_use(stats),
                        'vm1_rx': stats['ports']['vm1']['rx_packets'], 'ops': ops,
                        'generation': stats['generation']})
        rc, final = rig.stop()
        lr.clean_exit(rig, rc)
        jd.production_delivered(final)
        jd.port_conservation(final)
        jd.pools_back(final)
        lr.check(all(sum(s['dropped'].values()) == 0 for s in final['tap_services'].values()) and
                 sum(final.get('deleted', {}).get('tap_services', {}).get('dropped', {}).values()) == 0,
                 'no copy dropped')
        flows = sum(f['packets'] for f in final['tap_flows'].values()) + \
            final.get('deleted', {}).get('tap_flows', {}).get('packets', 0)
        svcs = sum(s['packets'] for s in final['tap_services'].values()) + \
            final.get('deleted', {}).get('tap_services', {}).get('packets', 0)
        lr.check(flows == svcs, f'copies conserved: every flow\'s (current or deleted) {flows:,} == every '
                                f'service\'s {svcs:,}')
        local = sum(v['packets'] for k, v in final['tap_services'].items() if k.startswith('ts_local'))
        remote = sum(v['packets'] for k, v in final['tap_services'].items() if not k.startswith('ts_local'))
        mon, up = (final['ports'][p]['tx_packets'] for p in ('mon', 'uplink'))
        vm1_rx = final['ports']['vm1']['rx_packets']
        lr.check(mon == local, f'mon tx {mon:,} == the local services\' copies {local:,}')
        # The uplink is the tenant networks' trunk too: vm1's frames, flooded
        # (vm2 never sends, so its MAC is never learned), leave on it as well.
        lr.check(up == vm1_rx + remote, f'uplink tx {up:,} == vm1\'s frames flooded {vm1_rx:,} + the remote '
                                        f'services\' copies {remote:,}')
        sent = local + remote
        after_warm = [s for s in samples if s['t'] >= warm - t0] or samples[-1:]
        start_rss, end_rss = after_warm[0]['rss_kib'], samples[-1]['rss_kib']
        growth = (end_rss - start_rss) / 1024
        memory = (f'resident memory {start_rss / 1024:.1f} MiB after warm-up -> {end_rss / 1024:.1f} MiB at the '
                  f'end (+{growth:.1f} MiB')
        if sanitized(args.taasd):
            # ASan's quarantine (256 MiB) keeps freed memory resident and its
            # allocator does not reuse it at once: growth is expected there,
            # and LeakSanitizer at exit (clean_exit: exit 0) judges leaks.
            lr.log(f'  note  {memory}): not bounded, taasd is built with AddressSanitizer')
        else:
            lr.check(growth <= RSS_GROWTH_MIB, f'{memory}, bound {RSS_GROWTH_MIB:.0f})')
        frames = final['ports']['vm1']['rx_packets']
        elapsed = samples[-1]['t']
        result.update({
            'seconds': elapsed, 'frames': frames, 'mpps': round(frames / elapsed / 1e6, 2),
            'copies': sent, 'churn_ops': ops, 'flows_created': n, 'sighups': hups,
            'generation': samples[-1]['generation'],
            'rss_mib': {'first': round(samples[0]['rss_kib'] / 1024, 1), 'after_warmup': round(start_rss / 1024, 1),
                        'end': round(end_rss / 1024, 1), 'max': round(max(s['rss_kib'] for s in samples) / 1024, 1)},
            'mbufs_in_use_max': max_in_use, 'pools_at_exit': final['pools'],
            'production_lost': final['ports']['vm1']['rx_packets'] - final['ports']['vm2']['tx_packets'],
            'copies_dropped': 0, 'exit_code': rc, 'samples': samples,
        })
        if args.out:
            with open(args.out, 'w') as f:
                json.dump(result, f, indent=1)
        lr.log('RESULT ' + json.dumps({k: v for k, v in result.items() if k not in ('samples', 'pools_at_exit')}))
    finally:
        rig.close()


if __name__ == '__main__':
    p = argparse.ArgumentParser()
    p.add_argument('--taasd', required=True)
    p.add_argument('--minutes', type=float, default=30.0)
    p.add_argument('--out')
    lr.main(lambda: run(p.parse_args()))
