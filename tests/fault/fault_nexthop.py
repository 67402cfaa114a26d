#!/usr/bin/python3
"""fault-nexthop: the underlay next hop is lost and regained while vm1 sends
at full rate (issue 8). The namespace rig of tests/netns (a collector
namespace with a kernel VXLAN device vx0 behind a veth pair, taasd's uplink
on the root end as net_af_packet), with vm1 a net_pcap infinite_rx and vm2
a net_null on taasd's side: production runs at full rate, its copies go
VXLAN to the collector, which is taasd's gateway. neighbor_refresh: 1 s.

  resolved  taasd has ARPed the collector: copies leave on the uplink (as
            fast as af_packet takes them; the rest are dropped as tx_full)
            and the collector's kernel decapsulates them on vx0
  lost      the collector's address is removed (the link stays up, so it
            is the next hop, not the port, that goes): taasd's refreshes go
            unanswered, it forgets the MAC within 2 x refresh + 2 s, then
            drops every copy as no_neighbor and sends none
  regained  the address is back: taasd resolves it again by broadcast ARP,
            copies reach vx0 again

At the end (SIGTERM, --stats-out): every production frame delivered, per-port
conservation, ts_vx's copies = vm1's frames = sent + tx_full + no_neighbor
(only those; no_neighbor seen), every mempool back, exit 0.

Exit 0 pass, 1 fail, 77 skip (not root, no `ip`/`dumpcap`, no scapy).
"""

import argparse
import json
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, '..', 'netns'))
sys.path.insert(0, os.path.join(HERE, '..', 'live'))
import judges as jd  # noqa: E402
import live_rig as lr  # noqa: E402
import netns_rig as vk  # noqa: E402
from netns_rig import Fail, log  # noqa: E402

REFRESH = 1
FORGET_BOUND = 2 * REFRESH + 2.0
PHASE_S = 1.5

INTENT = """\
version: 1
dataplane: {{workers: 1, eal: ["--no-huge", "-m", "512", "--no-pci", "-l", "0,1"]}}
networks: [{{name: tenant-a, vlan: {vlan}}}]
underlay: {{port: uplink, address: {taasd_ip}/24, gateway: {coll_ip}, mtu: {mtu}, neighbor_refresh: {refresh}}}
ports:
  - {{name: vm1, device: "net_pcap0,rx_pcap={pcap},infinite_rx=1", role: vm, network: tenant-a}}
  - {{name: vm2, device: "net_null0,no-rx=1", role: vm, network: tenant-a}}
  - {{name: uplink, device: "net_af_packet0,iface={ua}", role: uplink}}
tap_services:
  - {{name: ts_vx, remote_ip: {coll_ip}, encap: vxlan, vni: {vni}}}
tap_flows:
  - {{name: tf_vm1, source_port: vm1, tap_service: ts_vx, direction: BOTH}}
"""


def check(cond, msg, details=None):
    if not cond:
        raise Fail(msg + ('' if details is None else f'\n    {details}'))
    log(f'  ok    {msg}')


def run_test(args, tmp):
    rig = vk.Rig(tmp)
    try:
        rig.up()
        pcap = os.path.join(tmp, 'vm1.pcap')
        lr.write_pcap(pcap)
        text = INTENT.format(vlan=vk.NETWORK_VLAN, taasd_ip=vk.TAASD_IP, coll_ip=vk.COLLECTOR_IP, mtu=vk.MTU,
                             refresh=REFRESH, pcap=pcap, ua=rig.ua, vni=vk.VNI)
        taasd = vk.Taasd(args.taasd, tmp, rig, text)
        sock = os.path.join(tmp, 'taasd.sock')

        def stats():
            deadline = time.time() + 30
            while True:
                taasd.alive()
                try:
                    c = lr.Client(sock, timeout=10)
                    try:
                        return c.ok('stats')
                    finally:
                        c.close()
                except (OSError, lr.Fail):
                    if time.time() > deadline:
                        raise
                    time.sleep(0.1)

        def snap():
            s = stats()
            svc = s['tap_services']['ts_vx']
            return {'vm1': s['ports']['vm1']['rx_packets'], 'sent': svc['packets'],
                    'no_neighbor': svc['dropped']['no_neighbor'], 'tx_full': svc['dropped']['tx_full'],
                    'vx0': rig.vx0_rx(), 'mac': s['neighbors'][0]['mac']}

        def phase(name):
            a = snap()
            time.sleep(PHASE_S)
            b = snap()
            d = {k: b[k] - a[k] for k in a if k != 'mac'}
            rate = d['vm1'] / PHASE_S
            check(rate > 100000, f'{name}: production at full rate ({rate:,.0f} frames/s); copies sent '
                                 f'{d["sent"]:,}, tx_full {d["tx_full"]:,}, no_neighbor {d["no_neighbor"]:,}, '
                                 f'decapsulated on vx0 {d["vx0"]:,}')
            return d, b['mac']

        def wait_mac(want_resolved, timeout):
            t0 = time.time()
            while time.time() - t0 < timeout:
                mac = stats()['neighbors'][0]['mac']
                if (mac is not None) == want_resolved:
                    return time.time() - t0, mac
                time.sleep(0.05)
            raise Fail(f'the next hop was not {"resolved" if want_resolved else "forgotten"} within {timeout} s')

        took, mac = wait_mac(True, 30)
        check(mac == rig.ca_mac, f'taasd resolved the collector at {mac} ({took:.1f} s)')
        d, _ = phase('resolved')
        check(d['sent'] > 1000 and d['vx0'] > 1000 and d['no_neighbor'] == 0,
              'resolved: copies sent and decapsulated by the collector\'s kernel, none dropped as no_neighbor')

        vk.run('ip', '-n', rig.ns_c, 'addr', 'del', f'{vk.COLLECTOR_IP}/24', 'dev', rig.ca)
        took, _ = wait_mac(False, FORGET_BOUND + 5)
        check(took <= FORGET_BOUND, f'lost: taasd forgot the next hop {took:.1f} s after it stopped answering '
                                    f'(bound {FORGET_BOUND:.0f} s)')
        d, mac = phase('lost')
        check(d['sent'] == 0 and d['no_neighbor'] > 100000 and mac is None,
              'lost: no copy sent, every copy dropped as no_neighbor')

        vk.run('ip', '-n', rig.ns_c, 'addr', 'add', f'{vk.COLLECTOR_IP}/24', 'dev', rig.ca)
        took, mac = wait_mac(True, FORGET_BOUND + 5)
        check(mac == rig.ca_mac, f'regained: resolved again at {mac} {took:.1f} s after the address came back')
        d, _ = phase('regained')
        check(d['sent'] > 1000 and d['vx0'] > 1000 and d['no_neighbor'] == 0,
              'regained: copies sent and decapsulated again, none dropped as no_neighbor')

        errors = taasd.stop()
        check(not errors, 'taasd exited 0 on SIGTERM', errors)
        with open(taasd.stats) as f:
            final = json.load(f)
        jd.production_delivered(final)
        jd.port_conservation(final)
        frames = final['ports']['vm1']['rx_packets']
        totals = jd.copies_by_reason(final, {'ts_vx': frames}, allowed={'tx_full', 'no_neighbor'},
                                     need=('no_neighbor',))
        jd.pools_back(final)
        log(f'RESULT fault_nexthop frames={frames} sent={final["tap_services"]["ts_vx"]["packets"]} '
            f'tx_full={totals["tx_full"]} no_neighbor={totals["no_neighbor"]}')
        return 0
    except lr.Fail as e:  # the judges' failures, as the rig's
        raise Fail(str(e))
    finally:
        rig.down(quiet=True)


if __name__ == '__main__':
    p = argparse.ArgumentParser()
    p.add_argument('--taasd', required=True)
    p.add_argument('--keep', action='store_true')
    sys.exit(vk.with_rig(run_test, p.parse_args()))
