#!/usr/bin/env python3
"""Swap latency of the control plane (issue 4): how long from a change
arriving on the control socket until the first frame is mirrored under the
new snapshot generation, with 1, 1,000 and 100,000 tap flows configured.

The real taasd runs with vm1 replaying frames at full rate (net_pcap
infinite_rx) toward vm2 and a monitor port (net_null sinks). N filler flows
sit on ten idle VM ports of another network (each port x service pair
once), so they are in every snapshot but see no frame. Each sample deletes
the previous probe flow, then creates a probe flow vm1 -> ts_probe over the
socket, and reads taasd's own timing from `health`'s last_swap:

  apply_us         request received -> new generation published (copy,
                   validation and compilation of the whole state, RCU
                   publication)
  first_mirror_us  published -> a worker sent the first copy under it
  round trip       what the client saw for the create (adds writing the
                   state file and the reply)

Not a test: run by hand or from scripts/bench; results go to
bench/results/swap_latency.json.

usage: bench/swap_latency.py [--taasd build/taasd] [--flows 1,1000,100000] [--samples 5]
"""

import argparse
import json
import math
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / 'tests' / 'live'))
import live_rig  # noqa: E402  (shared with the live tests: taasd runner, socket client)

IDLE_PORTS = 10


def intent(pcap, n_flows):
    services = max(1, math.ceil(n_flows / IDLE_PORTS))
    lines = [
        'version: 1',
        'dataplane: {workers: 1}',
        # The idle ports have a network of their own: vm1's frames flood to
        # vm2 only, never into the filler flows' IN targets.
        'networks: [{name: net-a, vlan: 100}, {name: net-idle, vlan: 200}]',
        'ports:',
        f'  - {{name: vm1, device: "net_pcap0,rx_pcap={pcap},infinite_rx=1", role: vm, network: net-a}}',
        '  - {name: vm2, device: "net_null0,no-rx=1", role: vm, network: net-a}',
        '  - {name: mon, device: "net_null1,no-rx=1", role: monitor}',
    ]
    lines += [f'  - {{name: idle{i}, device: "net_null{i + 2},no-rx=1", role: vm, network: net-idle}}'
              for i in range(IDLE_PORTS)]
    lines.append('tap_services:')
    lines.append('  - {name: ts_probe, port: mon}')
    lines += [f'  - {{name: s{j}, port: mon}}' for j in range(services)]
    lines.append('tap_flows:')
    lines += [f'  - {{name: f{i}, source_port: idle{i % IDLE_PORTS}, tap_service: s{i // IDLE_PORTS}, '
              f'direction: BOTH}}' for i in range(n_flows)]
    return '\n'.join(lines) + '\n'


def measure(taasd, n_flows, samples):
    rig = live_rig.Rig(taasd, f'swap{n_flows}')
    try:
        rig.write_intent(intent(rig.pcap, n_flows))
        t0 = time.monotonic()
        live_rig.START_TIMEOUT = 600
        rig.start()
        startup = time.monotonic() - t0
        client = rig.client(timeout=600)
        rows = []
        for k in range(samples + 1):  # the first sample warms up and is dropped
            if k > 0:
                client.ok('tap_flow.delete', {'ref': f'probe{k - 1}'})
            t = time.monotonic()
            client.ok('tap_flow.create', {'name': f'probe{k}', 'source_port': 'vm1',
                                          'tap_service': 'ts_probe', 'direction': 'OUT'})
            rtt = (time.monotonic() - t) * 1e6
            swap = None
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                swap = client.ok('health')['last_swap']
                if swap and swap['first_mirror_us'] is not None:
                    break
                time.sleep(0.001)
            if not swap or swap['first_mirror_us'] is None:
                raise live_rig.Fail(f'no frame mirrored under generation {swap and swap["generation"]}')
            if k > 0:
                rows.append({'apply_us': swap['apply_us'], 'first_mirror_us': swap['first_mirror_us'],
                             'round_trip_us': round(rtt)})
        client.close()
        rc, _ = rig.stop()
        if rc != 0:
            raise live_rig.Fail(f'taasd exited with {rc}:\n{rig.log_text()}')
        return {'flows': n_flows, 'startup_s': round(startup, 2), 'samples': rows}
    finally:
        rig.close()


def median(rows, key):
    return statistics.median(r[key] for r in rows)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--taasd', default=str(ROOT / 'build' / 'taasd'))
    ap.add_argument('--flows', default='1,1000,100000')
    ap.add_argument('--samples', type=int, default=5)
    ap.add_argument('--out', default=str(ROOT / 'bench' / 'results' / 'swap_latency.json'))
    args = ap.parse_args()
    results = []
    print(f'{"flows":>8} {"apply ms":>10} {"first mirror us":>16} {"round trip ms":>14} {"startup s":>10}')
    for n in (int(x) for x in args.flows.split(',')):
        r = measure(args.taasd, n, args.samples)
        results.append(r)
        s = r['samples']
        print(f'{n:>8} {median(s, "apply_us") / 1000:>10.2f} {median(s, "first_mirror_us"):>16.1f} '
              f'{median(s, "round_trip_us") / 1000:>14.2f} {r["startup_s"]:>10.1f}', flush=True)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps({'when': time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime()),
                                          'medians_of': args.samples, 'results': results}, indent=1) + '\n')
    print(f'written: {args.out}')


if __name__ == '__main__':
    main()
