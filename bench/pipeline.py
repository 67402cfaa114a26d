#!/usr/bin/env python3
"""The whole taasd process on one worker core, against dpdk-testpmd io
forward measured in the same run on the same ports.

Two rigs; each size group runs a testpmd baseline, the taasd cases, then
the baseline again (the machine drifts: compare within one run only;
see --repeat below):

  pcap   sources are net_pcap devices replaying a pcap held in memory
         (rx_pcap=FILE,infinite_rx=1), sinks are net_null (no-rx=1) or a
         net_pcap without tx devargs (it frees what it is given). vm2 is a
         net_pcap that sends ONE frame from its MAC, so taasd learns it and
         vm1 -> vm2 is known unicast; vm3 (net_null, same network) is a
         canary that would see any flooding. The source never runs dry: the
         rate is the capacity of the core. Baseline: testpmd io forward
         net_pcap (same pcap) -> net_null.
  memif  a peer dpdk-testpmd (CPU 0, memif servers) replays the same pcap
         into taasd's vm1 over net_memif and drains vm2, the monitor port
         and the uplink (memif -> net_null); taasd (or, as the baseline,
         testpmd io forward) is the memif client in the middle on CPU 1.
         The peer limits the rate here: offered / delivered Mpps are
         reported, and the worker's cycles per packet (busy cycles / frames
         received, from /metrics) tell what the core costs.

Cases (taasd intents written to a temporary folder): forward only; + a
local mirror (OUT copy of every vm1 frame to a monitor port); + ERSPAN III
(external mode: copies leave the uplink toward 198.51.100.7 via a static
next hop); + VXLAN; both VMs mirrored BOTH (two copies per frame) -- at 64,
512 and 1500-byte frames (frame length without FCS, as testpmd's --txpkts).
Plus, pcap rig at 64 B: forward + ERSPAN III with 100,000 configured tap
flows (filler flows on ten idle ports of another network) vs 1 flow on the
same ports; forward only with two source ports on 2 workers vs 1 worker.
Also taasd's resident memory with 1, 1,000 and 100,000 flows.

taasd's main lcore is on CPU 0, its worker on CPU 1; testpmd's forwarding
lcore likewise on CPU 1 (the memif peer on CPU 0). Every measurement holds
the machine's benchmark lock (/tmp/taas-bench.lock) and first waits a while
(--quiet-wait) for the rest of the machine to go quiet. The measured
processes run in a session of their own whose scheduler autogroup gets
nice -10 (--no-boost: not): with autogroups, a nice-19 job in another
session otherwise takes half of the CPU. A window in which the measured
lcore thread waited for its CPU (schedstat run delay) more than 3% of the
time is repeated once, and marked if it stays disturbed.

Checks (a failed one makes the exit code 1): taasd exits 0; production is
conserved over the whole run (frames in = delivered + counted drops); every
copy the flows select is sent or counted as a mirror drop; after warm-up no
frame is flooded (the canary gets nothing, the sink gets every frame); in
the memif rig, what the peer sent taasd received and what taasd sent on vm2
the peer received (less what was left in the ring at the end).

Results: bench/results/pipeline.json (bench/plot.py draws it); a markdown
table at the end.

Each size group runs in --repeat rounds (default 3): baseline, the cases,
baseline, the cases (each round starting one case later), ..., baseline;
the table gives medians, the JSON every round.

usage: bench/pipeline.py --build DIR [--seconds S] [--rig pcap|memif|all] [--quick] [--out JSON]
                         [--repeat N] [--memif-peer one|split] [--quiet-wait S] [--no-boost]
"""

import argparse
import contextlib
import json
import math
import os
import platform
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / 'bench' / 'rig'))
import frames  # noqa: E402
import procs  # noqa: E402
from procs import Fail, log  # noqa: E402

VM1_MAC = '02:00:00:00:01:01'
VM2_MAC = '02:00:00:00:02:02'
VM4_MAC = '02:00:00:00:04:04'
VM5_MAC = '02:00:00:00:05:05'
NEXT_HOP_MAC = '02:00:00:00:00:fe'
IDLE_PORTS = 10
MEMIF_RSIZE = 14          # log2 ring size: 16384 slots absorb the peer's jitter
MAIN_CPU, WORKER_CPU = 0, 1
TESTPMD_MBUFS = 16384
DISTURBED_PCT = 3.0       # a window where the measured lcore waited longer for its CPU is repeated
RETRIES = 1
RETRY_PAUSE_S = 15

UNDERLAY = ('underlay: {port: uplink, address: 192.0.2.10/24, gateway: 192.0.2.1, '
            f'next_hop_mac: "{NEXT_HOP_MAC}", mtu: 9000}}')

NOTES = [
    'Frame size: bytes from the Ethernet header to the end of the payload, no FCS (testpmd --txpkts).',
    'pcap rig: taasd polls five ports (vm1, vm2, the canary vm3, mon, uplink), testpmd two; '
    'the net_pcap source copies every frame out of its in-memory pcap into a new mbuf (both pay it).',
    'ERSPAN III / VXLAN run in external mode: copies leave the uplink toward the collector via '
    'underlay.next_hop_mac (static). taasd refuses remote_mac in external mode: it is for internal mode.',
    'Encapsulated copies: net_null (pcap rig) has no multi-segment TX, so they are linear copies; '
    'net_memif (memif rig) has it, so an outer-header mbuf is chained before a clone.',
    'memif rig: one testpmd both feeds and drains on CPU 0 (io forward, net_pcap -> memif, memif -> '
    'net_null/net_pcap); a txonly and an rxonly testpmd (--memif-peer split) are both busy-polling on '
    'CPU 0, so the kernel time-slices them and the receiver starves: the middle then drops on TX.',
    '2 workers: the second worker shares CPU 0 with taasd\'s main lcore (two CPUs only).',
]

# name -> (label, services, flows, copies per vm1 frame). Flows are
# (name, source, service, direction[, extra]).
CASES = {
    'fwd': ('forward only', [], [], 0),
    'local': ('+ local mirror (OUT)', ['{name: ts_mon, port: mon}'],
              [('tf_vm1', 'vm1', 'ts_mon', 'OUT')], 1),
    'erspan3': ('+ ERSPAN III (uplink)', ['{name: ts_e3, remote_ip: 198.51.100.7, encap: erspan3, erspan: {hwid: 1}}'],
                [('tf_vm1', 'vm1', 'ts_e3', 'OUT', 'erspan_session_id: 42')], 1),
    'vxlan': ('+ VXLAN (uplink)', ['{name: ts_vx, remote_ip: 198.51.100.8, encap: vxlan, vni: 5000}'],
              [('tf_vm1', 'vm1', 'ts_vx', 'OUT')], 1),
    'both': ('+ local mirror, vm1 and vm2 BOTH (2 copies/frame)', ['{name: ts_mon, port: mon}'],
             [('tf_vm1', 'vm1', 'ts_mon', 'BOTH'), ('tf_vm2', 'vm2', 'ts_mon', 'BOTH')], 2),
}


# ---------------------------------------------------------------- intents

def flow_line(f):
    name, src, svc, direction = f[:4]
    extra = f', {f[4]}' if len(f) > 4 else ''
    return f'  - {{name: {name}, source_port: {src}, tap_service: {svc}, direction: {direction}{extra}}}'


def intent(ports, services, flows, workers=1, idle=False, fillers=0):
    """The intent text. ports: (name, device, role[, network]) in snapshot
    order; fillers: that many BOTH flows on ten idle ports of another
    network (each port x service pair once, as bench/swap_latency.py)."""
    lines = ['version: 1',
             f'dataplane: {{workers: {workers}, mac_age_seconds: 86400}}',
             'networks: [{name: net-a, vlan: 100}' + (', {name: net-idle, vlan: 200}]' if idle else ']'),
             UNDERLAY, 'ports:']
    for p in ports:
        net = f', network: {p[3]}' if len(p) > 3 else ''
        lines.append(f'  - {{name: {p[0]}, device: "{p[1]}", role: {p[2]}{net}}}')
    if idle:
        lines += [f'  - {{name: idle{i}, device: "net_null{50 + i},no-rx=1", role: vm, network: net-idle}}'
                  for i in range(IDLE_PORTS)]
    svc = list(services)
    if fillers:
        svc += [f'{{name: s{j}, port: mon}}' for j in range(math.ceil(fillers / IDLE_PORTS))]
    lines.append('tap_services:' + ('' if svc else ' []'))
    lines += [f'  - {s}' for s in svc]
    fl = [flow_line(f) for f in flows]
    fl += [f'  - {{name: f{i}, source_port: idle{i % IDLE_PORTS}, tap_service: s{i // IDLE_PORTS}, direction: BOTH}}'
           for i in range(fillers)]
    lines.append('tap_flows:' + ('' if fl else ' []'))
    lines += fl
    return '\n'.join(lines) + '\n'


def pcap_ports(d):
    """pcap rig: vm1 replays, vm2 says hello once, vm3 is the flood canary."""
    return [('vm1', f'net_pcap0,rx_pcap={d}/src.pcap,infinite_rx=1', 'vm', 'net-a'),
            ('vm2', f'net_pcap1,rx_pcap={d}/hello_vm2.pcap', 'vm', 'net-a'),
            ('vm3', 'net_null0,no-rx=1', 'vm', 'net-a'),
            ('mon', 'net_null1,no-rx=1', 'monitor'),
            ('uplink', 'net_null2,no-rx=1', 'uplink')]


def two_pair_ports(d):
    """Two sources for two workers. Port p's queue q is polled by worker
    (p + q) % N: vm1 (0) and vm2 (2) on worker 0, vm4 (1) and vm5 (3) on
    worker 1, so each worker learns the sink it sends to (each worker has
    its own MAC table). Every port needs a TX queue per worker: a net_pcap
    gets one per rx_pcap argument (taasd polls RX queue 0 only)."""
    return [('vm1', f'net_pcap0,rx_pcap={d}/src.pcap,rx_pcap={d}/src.pcap,infinite_rx=1', 'vm', 'net-a'),
            ('vm4', f'net_pcap1,rx_pcap={d}/src45.pcap,rx_pcap={d}/src45.pcap,infinite_rx=1', 'vm', 'net-a'),
            ('vm2', f'net_pcap2,rx_pcap={d}/hello_vm2.pcap,rx_pcap={d}/hello_vm2.pcap', 'vm', 'net-a'),
            ('vm5', f'net_pcap3,rx_pcap={d}/hello_vm5.pcap,rx_pcap={d}/hello_vm5.pcap', 'vm', 'net-a'),
            ('vm3', 'net_null0,no-rx=1', 'vm', 'net-a'),
            ('mon', 'net_null1,no-rx=1', 'monitor'),
            ('uplink', 'net_null2,no-rx=1', 'uplink')]


def memif_dev(i, d, sock, role, mac=None):
    m = f',mac={mac}' if mac else ''
    return (f'net_memif{i},role={role},id=0,socket={d}/{sock}.sock,socket-abstract=no,'
            f'rsize={MEMIF_RSIZE}{m}')


def memif_ports(d, peer):
    """memif rig: taasd's memif ports are clients of the peer's sockets."""
    return [('vm1', memif_dev(0, d, f'{peer}-vm1', 'client'), 'vm', 'net-a'),
            ('vm2', memif_dev(1, d, f'{peer}-vm2', 'client'), 'vm', 'net-a'),
            ('vm3', 'net_null0,no-rx=1', 'vm', 'net-a'),
            ('mon', memif_dev(2, d, f'{peer}-mon', 'client'), 'monitor'),
            ('uplink', memif_dev(3, d, f'{peer}-uplink', 'client'), 'uplink')]


def lcores(workers):
    cpus = [WORKER_CPU, MAIN_CPU]
    return f'0@{MAIN_CPU},' + ','.join(f'{w}@{cpus[(w - 1) % 2]}' for w in range(1, workers + 1))


# ---------------------------------------------------------------- counters

def window(m0, m1, sources, workers):
    """What taasd did between two scrapes."""
    d = lambda name, **kw: m1.sum(name, **kw) - m0.sum(name, **kw)  # noqa: E731
    hz = m1.sum('taasd_tsc_hz')
    busy = d('taasd_worker_busy_cycles_total')
    w0 = str(0)
    span = (d('taasd_worker_busy_cycles_total', worker=w0) + d('taasd_worker_idle_cycles_total', worker=w0)) / hz
    rx = sum(d('taasd_port_rx_packets_total', port=s) for s in sources)
    by_reason = {}
    for labels, v in m1.samples.get('taasd_mirror_dropped_total', []):
        old = next((v0 for l0, v0 in m0.samples.get('taasd_mirror_dropped_total', []) if l0 == labels), 0)
        if v - old:
            by_reason[labels['reason']] = by_reason.get(labels['reason'], 0) + int(v - old)
    total_cycles = sum(d('taasd_worker_busy_cycles_total', worker=str(w)) +
                       d('taasd_worker_idle_cycles_total', worker=str(w)) for w in range(workers))
    return {
        'window_s': round(span, 3),
        'rx_frames': int(rx),
        'mpps': rx / span / 1e6 if span else 0.0,
        'cycles_per_packet': busy / rx if rx else None,
        'busy_fraction': busy / total_cycles if total_cycles else None,
        'copies_sent': int(d('taasd_service_mirrored_packets_total')),
        'mirror_drops': by_reason,
        'port_tx': {p: int(v - m0.by('taasd_port_tx_packets_total', 'port').get(p, 0))
                    for p, v in m1.by('taasd_port_tx_packets_total', 'port').items()},
        'port_rx': {p: int(v - m0.by('taasd_port_rx_packets_total', 'port').get(p, 0))
                    for p, v in m1.by('taasd_port_rx_packets_total', 'port').items()},
        'port_tx_dropped': {p: int(v - m0.by('taasd_port_tx_dropped_total', 'port').get(p, 0))
                            for p, v in m1.by('taasd_port_tx_dropped_total', 'port').items()},
    }


def judge(stats, sources, sinks, flows, canary='vm3'):
    """Whole-run checks on the --stats-out counters (exact: taasd has
    stopped). Production: frames in = delivered + counted drops, where a
    flooded frame (before the MACs were learned) that reached the other
    pair's sink is not a delivery (the canary saw each flooded frame once).
    Copies: every service's sent + dropped copies = what its flows select
    (OUT: frames the VM sent; IN: frames handed to the VM)."""
    ports = stats['ports']
    cross = ports[canary]['tx_packets'] if len(sinks) > 1 else 0
    fin = sum(ports[s]['rx_packets'] for s in sources)
    drops = sum(ports[s]['rx_dropped'] for s in sources) + sum(ports[s]['tx_dropped'] for s in sinks)
    delivered = sum(ports[s]['tx_packets'] for s in sinks) - cross
    prod = {'in': fin, 'delivered': delivered, 'drops': drops, 'flooded_to_canary': ports[canary]['tx_packets'],
            'conserved': fin == delivered + drops}
    want = 0
    for f in flows:
        p = ports[f[1]]
        if f[3] in ('OUT', 'BOTH'):
            want += p['rx_packets']
        if f[3] in ('IN', 'BOTH'):
            want += p['tx_packets'] + p['tx_dropped'] - p['tx_nombuf']
    svc = stats['tap_services']
    sent = sum(s['packets'] for s in svc.values())
    dropped = sum(sum(s['dropped'].values()) for s in svc.values())
    copies = {'expected': want, 'sent': sent, 'dropped': dropped, 'conserved': want == sent + dropped}
    return prod, copies


def check(cond, what, failures):
    log(f'      {"ok  " if cond else "FAIL"} {what}')
    if not cond:
        failures.append(what)


# ---------------------------------------------------------------- runner

class OnePeer:
    """The memif rig's peer (default): ONE dpdk-testpmd, io forward, one
    forwarding lcore on CPU 0, memif servers. P0 (net_pcap replaying the
    same pcap as the pcap rig) -> P1 (taasd's vm1); P2 (vm2) -> P3 (a
    net_pcap that sends one frame from vm2's MAC so taasd learns it, and
    frees what it is given); P4 (mon) -> P5 and P6 (uplink) -> P7 (net_null
    sinks). One lcore both feeds and drains: two busy-polling processes on
    CPU 0 would be time-sliced by the kernel (see 'split')."""

    kind = 'one'

    def __init__(self, bench, c, d, name, size):
        self.tp = procs.TestPmd(c, name, bench.dir, f'{MAIN_CPU}@{MAIN_CPU},1@{MAIN_CPU}', [
            f'net_pcap0,rx_pcap={d}/src.pcap,infinite_rx=1',
            memif_dev(0, bench.dir, f'{name}-vm1', 'server', VM1_MAC),
            memif_dev(1, bench.dir, f'{name}-vm2', 'server', VM2_MAC),
            f'net_pcap1,rx_pcap={d}/hello_vm2.pcap',
            memif_dev(2, bench.dir, f'{name}-mon', 'server'),
            'net_null0,no-rx=1',
            memif_dev(3, bench.dir, f'{name}-uplink', 'server'),
            'net_null1,no-rx=1'], ['--forward-mode=io'], mbufs=32768)
        self.procs = [self.tp]

    def start(self):
        self.tp.cmd('start')

    def stats(self):
        s = self.tp.port_stats()
        return {'vm1_tx': s[1]['tx'], 'vm2_rx': s[2]['rx'], 'mon_rx': s[4]['rx'], 'uplink_rx': s[6]['rx'],
                'offered_pps': s[1]['tx_pps'], 'delivered_pps': s[2]['rx_pps'],
                'copies_pps': s[4]['rx_pps'] + s[6]['rx_pps'], 'time': s[1]['time']}

    def clear(self):
        self.tp.cmd('clear fwd stats all')

    def fwd(self):
        f = self.tp.fwd_stats()
        return {'peer_cycles_per_packet': f.get('cycles_per_packet'),
                'offered_dropped_by_peer': f['ports'].get(1, {}).get('tx_dropped')}

    def stop_traffic(self):
        self.tp.cmd('stop')

    def quit(self):
        return [self.tp.quit()]


class SplitPeer:
    """The memif rig's peer as first planned (--memif-peer split): a
    dpdk-testpmd in txonly mode feeds vm1 (source MAC vm1's, --eth-peer
    vm2's) and a second one in rxonly mode drains vm2, mon and the uplink;
    it says hello from vm2's MAC with 'start tx_first'. Both poll on CPU 0,
    so the kernel time-slices them: each runs for a few ms while the other
    waits, and the rings fill or run dry in between."""

    kind = 'split'

    def __init__(self, bench, c, d, name, size):
        self.rx = procs.TestPmd(c, name + '-rx', bench.dir, f'{MAIN_CPU}@{MAIN_CPU},1@{MAIN_CPU}', [
            memif_dev(0, bench.dir, f'{name}-vm2', 'server', VM2_MAC),
            memif_dev(1, bench.dir, f'{name}-mon', 'server'),
            memif_dev(2, bench.dir, f'{name}-uplink', 'server')],
            ['--forward-mode=rxonly', f'--eth-peer=0,{VM1_MAC}'], mbufs=32768)
        self.gen = procs.TestPmd(c, name + '-gen', bench.dir, f'{MAIN_CPU}@{MAIN_CPU},1@{MAIN_CPU}', [
            memif_dev(0, bench.dir, f'{name}-vm1', 'server', VM1_MAC)],
            ['--forward-mode=txonly', f'--txpkts={size}', f'--eth-peer=0,{VM2_MAC}'], mbufs=32768)
        self.procs = [self.rx, self.gen]

    def start(self):
        self.rx.cmd('start tx_first')
        time.sleep(0.2)
        self.gen.cmd('start')

    def stats(self):
        g = self.gen.port_stats()
        r = self.rx.port_stats()
        return {'vm1_tx': g[0]['tx'], 'vm2_rx': r[0]['rx'], 'mon_rx': r[1]['rx'], 'uplink_rx': r[2]['rx'],
                'offered_pps': g[0]['tx_pps'], 'delivered_pps': r[0]['rx_pps'],
                'copies_pps': r[1]['rx_pps'] + r[2]['rx_pps'], 'time': g[0]['time']}

    def clear(self):
        self.gen.cmd('clear fwd stats all')
        self.rx.cmd('clear fwd stats all')

    def fwd(self):
        g = self.gen.fwd_stats()
        r = self.rx.fwd_stats()
        return {'peer_cycles_per_packet': g.get('cycles_per_packet'),
                'receiver_cycles_per_packet': r.get('cycles_per_packet'),
                'offered_dropped_by_peer': g['ports'].get(0, {}).get('tx_dropped')}

    def stop_traffic(self):
        self.gen.cmd('stop')

    def quit(self):
        rc = [self.gen.quit()]
        with contextlib.suppress(Exception):
            self.rx.cmd('stop')
        return rc + [self.rx.quit()]


def peer_window(s0, s1, f):
    return {'offered_mpps': s1['offered_pps'] / 1e6, 'delivered_mpps': s1['delivered_pps'] / 1e6,
            'peer_copies_mpps': s1['copies_pps'] / 1e6, 'peer_window_s': s1['time'] - s0['time'], **f}


class Bench:
    def __init__(self, args):
        self.args = args
        self.build = Path(args.build).resolve()
        self.seconds = args.seconds
        self.warmup = 1.0 if args.quick else 2.0
        self.top = procs.Cleanup()
        self.dir = self.top.path(tempfile.mkdtemp(prefix='taas-pipe-'))
        self.n = 0
        self.failures = []
        self.Peer = SplitPeer if getattr(args, 'memif_peer', 'one') == 'split' else OnePeer

    def close(self):
        self.top.close()

    def name(self, what):
        self.n += 1
        return f'{self.n:02d}-{what}'

    def make_pcaps(self, size):
        d = self.dir / f'{size}'
        d.mkdir(exist_ok=True)
        frames.stream(d / 'src.pcap', size, VM1_MAC, VM2_MAC)
        frames.stream(d / 'src45.pcap', size, VM4_MAC, VM5_MAC)
        frames.hello(d / 'hello_vm2.pcap', VM2_MAC)
        frames.hello(d / 'hello_vm5.pcap', VM5_MAC)
        return d

    # -- testpmd baselines -------------------------------------------------

    def baseline_pcap(self, d, size, when):
        name = self.name(f'base-pcap-{size}-{when}')
        c = procs.Cleanup()
        try:
            with procs.bench_lock():
                tp = procs.TestPmd(c, name, self.dir, f'{MAIN_CPU}@{MAIN_CPU},1@{WORKER_CPU}',
                                   [f'net_pcap0,rx_pcap={d}/src.pcap,infinite_rx=1', 'net_null0,no-rx=1'],
                                   ['--forward-mode=io'], mbufs=TESTPMD_MBUFS)
                tp.cmd('start')
                time.sleep(self.warmup)
                s0 = tp.port_stats()
                tp.cmd('clear fwd stats all')
                q0 = procs.worker_sched(tp.proc.pid)
                time.sleep(self.seconds)
                q1 = procs.worker_sched(tp.proc.pid)
                s1 = tp.port_stats()
                fwd = tp.fwd_stats()
                tp.cmd('stop')
                tp.quit()
        finally:
            c.close()
        span = s1[0]['time'] - s0[0]['time']
        rec = {'rig': 'pcap', 'size': size, 'when': when, 'mpps': s1[0]['rx_pps'] / 1e6,
               'mpps_wall': (s1[0]['rx'] - s0[0]['rx']) / span / 1e6,
               'cycles_per_packet': fwd.get('cycles_per_packet'), 'rx_nombuf': s1[0]['rx_nombuf'],
               'tx_frames': s1[1]['tx'] - s0[1]['tx'], 'rx_frames': s1[0]['rx'] - s0[0]['rx'], 'window_s': span,
               'disturbed_pct': procs.disturbed(q0, q1)}
        log(f'    baseline {when:6} testpmd io: {rec["mpps"]:6.2f} Mpps, {rec["cycles_per_packet"]} cycles/pkt')
        return rec

    def check_pcap_tx_drop(self, d):
        """net_pcap without tx devargs frees what it is given: testpmd
        forwards an infinite replay into one, on a pool far smaller than
        what passes; RX never runs out of mbufs and TX counts every frame."""
        name = self.name('pcap-tx-drop-check')
        c = procs.Cleanup()
        try:
            with procs.bench_lock():
                tp = procs.TestPmd(c, name, self.dir, f'{MAIN_CPU}@{MAIN_CPU},1@{WORKER_CPU}',
                                   [f'net_pcap0,rx_pcap={d}/src.pcap,infinite_rx=1',
                                    f'net_pcap1,rx_pcap={d}/hello_vm2.pcap'],
                                   ['--forward-mode=io'], mbufs=8192)
                tp.cmd('start')
                time.sleep(1.5)
                tp.cmd('stop')
                s = tp.port_stats()
                tp.quit()
        finally:
            c.close()
        ok = s[1]['tx'] > 20 * 8192 and s[0]['rx_nombuf'] == 0 and s[1]['tx'] >= s[0]['rx'] - 64 * 32
        log(f'    net_pcap without tx devargs: {s[1]["tx"]} frames sent through a pool of 8192 mbufs, '
            f'RX-nombuf {s[0]["rx_nombuf"]}: {"frees them" if ok else "DOES NOT free them?"}')
        if not ok:
            self.failures.append('net_pcap tx-drop check')
        return {'tx_frames': s[1]['tx'], 'pool_mbufs': 8192, 'rx_nombuf': s[0]['rx_nombuf'], 'drops_and_frees': ok}

    # -- taasd, pcap rig ---------------------------------------------------

    def taasd_pcap(self, d, size, case, workers=1, layout='one', fillers=0, idle=False, label=None):
        tag = label or case
        name = self.name(f'taasd-pcap-{tag}-{size}')
        lbl, services, flows, k = CASES[case]
        ports = pcap_ports(d) if layout == 'one' else two_pair_ports(d)
        sources = ['vm1'] if layout == 'one' else ['vm1', 'vm4']
        sinks = ['vm2'] if layout == 'one' else ['vm2', 'vm5']
        text = intent(ports, services, flows, workers, idle=idle, fillers=fillers)
        c = procs.Cleanup()
        fails = []
        try:
            with procs.bench_lock():
                t = procs.Taasd(c, self.build, self.dir, name, text, lcores(workers), extra=['--workers', str(workers)])
                t.wait_running()
                time.sleep(self.warmup)
                q0 = procs.worker_sched(t.proc.pid)
                m0 = t.scrape()
                time.sleep(self.seconds)
                m1 = t.fresh_scrape(m0)
                q1 = procs.worker_sched(t.proc.pid)
                mem = t.memory()
                rc, stats = t.stop()
        finally:
            c.close()
        w = window(m0, m1, sources, workers)
        w['window_production_drops'] = sum(w['port_tx_dropped'].get(s, 0) for s in sinks)
        rec = {'rig': 'pcap', 'case': case, 'label': lbl, 'tag': tag, 'size': size, 'workers': workers,
               'flows': len(flows) + fillers, 'copies_per_frame': k, 'startup_s': round(t.startup_s, 2),
               'taasd_exit': rc, 'vm_rss_kB': mem.get('VmRSS'), 'disturbed_pct': procs.disturbed(q0, q1), **w}
        log(f'    taasd {tag:24} {w["mpps"]:6.2f} Mpps, {w["cycles_per_packet"] or 0:7.1f} cycles/pkt, '
            f'copies {w["copies_sent"]}, mirror drops {sum(w["mirror_drops"].values())}')
        check(rc == 0 and stats is not None, f'taasd exited 0 with its counters (rc {rc})', fails)
        if stats:
            prod, copies = judge(stats, sources, sinks, flows)
            rec['production'] = prod
            rec['copies'] = copies
            check(prod['conserved'], f'production conserved: in {prod["in"]} = delivered {prod["delivered"]} '
                  f'+ drops {prod["drops"]}', fails)
            check(copies['conserved'], f'copies: expected {copies["expected"]} = sent {copies["sent"]} '
                  f'+ dropped {copies["dropped"]}', fails)
        # Learned: in the window nothing was flooded to the canary and every
        # frame went to its sink (within a burst or two of board skew).
        delivered = sum(w['port_tx'].get(s, 0) for s in sinks)
        check(w['port_tx'].get('vm3', 0) == 0 and abs(delivered - w['rx_frames']) <= 64 * workers,
              f'unicast after warm-up: canary got {w["port_tx"].get("vm3", 0)}, sinks {delivered} of '
              f'{w["rx_frames"]}', fails)
        if k:
            check(abs(w['copies_sent'] + sum(w['mirror_drops'].values()) - k * w['rx_frames']) <= 64 * k,
                  f'window: {k} copy(ies) per frame', fails)
        rec['checks_failed'] = fails
        rec['_failures'] = [f'{name}: {f}' for f in fails]
        self.failures += rec['_failures']
        return rec

    # -- memif rig ---------------------------------------------------------

    def baseline_memif(self, d, size, when):
        name = self.name(f'base-memif-{size}-{when}')
        c = procs.Cleanup()
        try:
            with procs.bench_lock():
                peer = self.Peer(self, c, d, name + '-peer', size)
                mid = procs.TestPmd(c, name, self.dir, f'{MAIN_CPU}@{MAIN_CPU},1@{WORKER_CPU}', [
                    memif_dev(0, self.dir, f'{name}-peer-vm1', 'client'),
                    memif_dev(1, self.dir, f'{name}-peer-vm2', 'client')], ['--forward-mode=io'],
                    mbufs=TESTPMD_MBUFS)
                self.wait_links(mid, 2)
                mid.cmd('start')
                peer.start()
                time.sleep(self.warmup)
                p0 = peer.stats()
                s0 = mid.port_stats()
                mid.cmd('clear fwd stats all')
                peer.clear()
                q0 = procs.worker_sched(mid.proc.pid)
                time.sleep(self.seconds)
                q1 = procs.worker_sched(mid.proc.pid)
                s1 = mid.port_stats()
                p1 = peer.stats()
                fm = mid.fwd_stats()
                fp = peer.fwd()
                peer.stop_traffic()
                time.sleep(0.3)
                mid.cmd('stop')
                mid.quit()
                peer_rc = peer.quit()
        finally:
            c.close()
        rec = {'rig': 'memif', 'peer': peer.kind, 'size': size, 'when': when, 'forwarded_mpps': s1[0]['rx_pps'] / 1e6,
               'cycles_per_packet': fm.get('cycles_per_packet'),
               'busy_fraction': (fm.get('busy_cycles', 0) / (fm['mhz'] * 1e6 * (s1[0]['time'] - s0[0]['time'])))
               if fm.get('mhz') else None,
               'fwd_tx_dropped': sum(p['tx_dropped'] for p in fm['ports'].values()),
               'peer_exit': peer_rc, 'disturbed_pct': procs.disturbed(q0, q1), **peer_window(p0, p1, fp)}
        rec['mpps'] = rec['delivered_mpps']   # compared with taasd's delivered rate
        log(f'    baseline {when:6} testpmd io: offered {rec["offered_mpps"]:5.2f}, forwarded {rec["forwarded_mpps"]:5.2f}, '
            f'delivered {rec["delivered_mpps"]:5.2f} Mpps, {rec["cycles_per_packet"]} cycles/pkt '
            f'(busy {100 * (rec["busy_fraction"] or 0):.0f}%)')
        return rec

    @staticmethod
    def wait_links(tp, n, timeout=20.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            out = tp.cmd('show port summary all')
            if out.count(' up ') >= n:
                return
            time.sleep(0.1)
        raise Fail(f'{tp.name}: memif links not up within {timeout:.0f} s:\n{out}')

    def taasd_memif(self, d, size, case):
        name = self.name(f'taasd-memif-{case}-{size}')
        lbl, services, flows, k = CASES[case]
        text = intent(memif_ports(self.dir, name + '-peer'), services, flows, 1)
        c = procs.Cleanup()
        fails = []
        try:
            with procs.bench_lock():
                peer = self.Peer(self, c, d, name + '-peer', size)
                t = procs.Taasd(c, self.build, self.dir, name, text, lcores(1), extra=['--workers', '1'])
                t.wait_running()
                for p in ('vm1', 'vm2', 'mon', 'uplink'):
                    t.wait_log(rf'port {p}: link up', timeout=20)
                peer.start()
                time.sleep(self.warmup)
                p0 = peer.stats()
                q0 = procs.worker_sched(t.proc.pid)
                m0 = t.scrape()
                peer.clear()
                time.sleep(self.seconds)
                m1 = t.fresh_scrape(m0)
                q1 = procs.worker_sched(t.proc.pid)
                p1 = peer.stats()
                fp = peer.fwd()
                peer.stop_traffic()
                time.sleep(0.5)           # taasd drains what the peer sent
                final = peer.stats()
                rc, stats = t.stop()
                peer_rc = peer.quit()
        finally:
            c.close()
        w = window(m0, m1, ['vm1'], 1)
        w['window_production_drops'] = w['port_tx_dropped'].get('vm2', 0)
        pw = peer_window(p0, p1, fp)
        rec = {'rig': 'memif', 'case': case, 'label': lbl, 'size': size, 'workers': 1, 'flows': len(flows),
               'copies_per_frame': k, 'taasd_exit': rc, 'peer': peer.kind, 'peer_exit': peer_rc,
               'disturbed_pct': procs.disturbed(q0, q1), **w, **pw}
        log(f'    taasd {case:24} offered {pw["offered_mpps"]:5.2f}, taasd {w["mpps"]:5.2f}, delivered '
            f'{pw["delivered_mpps"]:5.2f} Mpps, {w["cycles_per_packet"] or 0:7.1f} cycles/pkt (busy '
            f'{100 * (w["busy_fraction"] or 0):.0f}%), copies {w["copies_sent"]}, mirror drops '
            f'{sum(w["mirror_drops"].values())}')
        check(rc == 0 and stats is not None, f'taasd exited 0 with its counters (rc {rc})', fails)
        if stats:
            prod, copies = judge(stats, ['vm1'], ['vm2'], flows)
            rec['production'] = prod
            rec['copies'] = copies
            check(prod['conserved'], f'production conserved: in {prod["in"]} = delivered {prod["delivered"]} '
                  f'+ drops {prod["drops"]}', fails)
            check(copies['conserved'], f'copies: expected {copies["expected"]} = sent {copies["sent"]} '
                  f'+ dropped {copies["dropped"]}', fails)
            # End to end: what the peer put into vm1's ring taasd received;
            # what taasd sent the peer received (less what was still in the
            # ring when the peer stopped).
            ports = stats['ports']
            check(final['vm1_tx'] == ports['vm1']['rx_packets'],
                  f'peer sent {final["vm1_tx"]} = taasd vm1 received {ports["vm1"]["rx_packets"]}', fails)
            gap = ports['vm2']['tx_packets'] - final['vm2_rx']
            check(0 <= gap <= (1 << MEMIF_RSIZE), f'taasd vm2 sent {ports["vm2"]["tx_packets"]}, peer received '
                  f'{final["vm2_rx"]} (left in the ring: {gap})', fails)
            rec['end_to_end'] = {'peer_sent': final['vm1_tx'], 'taasd_received': ports['vm1']['rx_packets'],
                                 'taasd_sent_vm2': ports['vm2']['tx_packets'], 'peer_received_vm2': final['vm2_rx'],
                                 'taasd_sent_mon_uplink': ports['mon']['tx_packets'] + ports['uplink']['tx_packets'],
                                 'peer_received_mon_uplink': final['mon_rx'] + final['uplink_rx']}
        check(w['port_tx'].get('vm3', 0) == 0 and abs(w['port_tx'].get('vm2', 0) + w['port_tx_dropped'].get('vm2', 0)
                                                       - w['rx_frames']) <= 64,
              f'unicast after warm-up: canary got {w["port_tx"].get("vm3", 0)}, vm2 {w["port_tx"].get("vm2", 0)} '
              f'(+{w["port_tx_dropped"].get("vm2", 0)} dropped) of {w["rx_frames"]}', fails)
        rec['checks_failed'] = fails
        rec['_failures'] = [f'{name}: {f}' for f in fails]
        self.failures += rec['_failures']
        return rec

    # -- memory ------------------------------------------------------------

    def memory(self, d, n_flows):
        name = self.name(f'memory-{n_flows}')
        flows = [('tf_vm1', 'vm1', 'ts_mon', 'OUT')]
        text = intent(pcap_ports(d), ['{name: ts_mon, port: mon}'], flows, 1, idle=True, fillers=n_flows - 1)
        c = procs.Cleanup()
        try:
            with procs.bench_lock():
                t = procs.Taasd(c, self.build, self.dir, name, text, lcores(1))
                t.wait_running(scrape=False)
                after_start = t.memory()
                time.sleep(self.warmup)
                later = t.memory()
                t.wait_scrape(timeout=120)   # one Prometheus exposition of every flow
                scraped = t.memory()
                rc, _ = t.stop()
        finally:
            c.close()
        rec = {'flows': n_flows, 'VmRSS_kB': after_start['VmRSS'], 'VmHWM_kB': later['VmHWM'],
               'VmRSS_after_warmup_kB': later['VmRSS'], 'VmSize_kB': later['VmSize'],
               'VmRSS_after_scrape_kB': scraped['VmRSS'], 'VmHWM_after_scrape_kB': scraped['VmHWM'],
               'startup_s': round(t.startup_s, 2), 'taasd_exit': rc,
               'note': 'VmRSS read once start-up is done (log line "running:"); VmHWM after a warm-up with '
                       'traffic and no /metrics scrape yet; *_after_scrape after one /metrics scrape'}
        log(f'    {n_flows:>7} flows: VmRSS {rec["VmRSS_kB"] / 1024:7.1f} MiB, VmHWM {rec["VmHWM_kB"] / 1024:7.1f} MiB,'
            f' after one /metrics scrape VmHWM {rec["VmHWM_after_scrape_kB"] / 1024:7.1f} MiB,'
            f' start-up {rec["startup_s"]} s')
        if rc != 0:
            self.failures.append(f'{name}: taasd exited {rc}')
        return rec


def aggregate(samples, baselines):
    """One record per case from its rounds. Round r of a size group ran
    between baselines r and r + 1; its ratio is the case's Mpps over the
    mean of those two (drift-robust), and the case's ratio the median of
    its rounds' ratios. Mpps and cycles/packet: medians over the rounds
    (the record's other fields come from the round with the median Mpps);
    baseline Mpps and cycles: medians over the group's baseline runs."""
    ok = [b for b in baselines if b is not None]
    base_mpps = statistics.median(b['mpps'] for b in ok) if ok else None
    cyc = [b['cycles_per_packet'] for b in ok if b.get('cycles_per_packet')]
    base_cyc = statistics.median(cyc) if cyc else None
    out = []
    for recs in samples:
        recs = [r for r in recs if r is not None]
        if not recs:
            continue
        key = lambda r: r['delivered_mpps'] if r['rig'] == 'memif' else r['mpps']  # noqa: E731
        rounds = []
        for r in recs:
            adj = [bb['mpps'] for bb in baselines[r['round']:r['round'] + 2] if bb is not None]
            rounds.append({'round': r['round'], 'mpps': key(r), 'cycles_per_packet': r.get('cycles_per_packet'),
                           'baseline_mpps_adjacent': statistics.mean(adj) if adj else None,
                           'ratio': key(r) / statistics.mean(adj) if adj else None,
                           'disturbed_pct': r.get('disturbed_pct'), 'checks_failed': r.get('checks_failed')})
        by_mpps = sorted(recs, key=key)
        rec = dict(by_mpps[(len(by_mpps) - 1) // 2])
        rec['rounds'] = rounds
        rec['mpps'] = statistics.median(r['mpps'] for r in recs)
        if rec['rig'] == 'memif':
            rec['delivered_mpps'] = statistics.median(r['delivered_mpps'] for r in recs)
            rec['offered_mpps'] = statistics.median(r['offered_mpps'] for r in recs)
        c = [r['cycles_per_packet'] for r in recs if r.get('cycles_per_packet')]
        rec['cycles_per_packet'] = statistics.median(c) if c else None
        rec['mpps_range'] = [min(key(r) for r in recs), max(key(r) for r in recs)]
        rec['disturbed_pct'] = max((r.get('disturbed_pct') or 0) for r in recs)
        rec['checks_failed'] = [f for r in recs for f in (r.get('checks_failed') or [])]
        rec['baseline_mpps'] = base_mpps
        rec['baseline_cycles_per_packet'] = base_cyc
        rec['baseline_runs'] = [{'when': bb['when'], 'mpps': bb['mpps'], 'cycles_per_packet': bb['cycles_per_packet'],
                                 'disturbed_pct': bb.get('disturbed_pct')} for bb in ok]
        ratios = [x['ratio'] for x in rounds if x['ratio'] is not None]
        rec['ratio'] = statistics.median(ratios) if ratios else None
        rec['cycles_ratio'] = base_cyc / rec['cycles_per_packet'] if base_cyc and rec['cycles_per_packet'] else None
        rec.pop('round', None)
        out.append(rec)
    return out


def case_name(r):
    extra = ''
    if r.get('variant'):
        extra = f' [{r["variant"]}]'
    rig = 'pcap->null' if r['rig'] == 'pcap' else 'memif'
    return f'{rig} · {r["label"]}{extra} · {r["size"]} B'


def markdown(results):
    rows = ['| case | Mpps | cycles/pkt | baseline Mpps | baseline cycles | ratio |', '|---|---|---|---|---|---|']
    f = lambda v, p=2: '—' if v is None else f'{v:.{p}f}'  # noqa: E731
    for r in results['cases']:
        mpps = f(r['mpps'])
        if r['rig'] == 'memif':
            mpps = f'{r["delivered_mpps"]:.2f} ({r["offered_mpps"]:.2f} offered)'
        if (r.get('disturbed_pct') or 0) > DISTURBED_PCT or any((b.get('disturbed_pct') or 0) > DISTURBED_PCT
                                                                for b in r.get('baseline_runs', [])):
            mpps += ' †'
        rows.append(f'| {case_name(r)} | {mpps} | {f(r.get("cycles_per_packet"), 0)} | {f(r.get("baseline_mpps"))} '
                    f'| {f(r.get("baseline_cycles_per_packet"), 0)} | {f(r.get("ratio"))} |')
    return '\n'.join(rows)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--build', required=True, help='meson build folder holding taasd')
    ap.add_argument('--seconds', type=float, default=None, help='measured window per case (default 5, quick 2)')
    ap.add_argument('--rig', choices=('pcap', 'memif', 'all'), default='all')
    ap.add_argument('--quick', action='store_true',
                    help='64 B only, one round, 2 s windows, no 100k-flow / 2-worker cases, memory with 1 and '
                         '1,000 flows')
    ap.add_argument('--out', default=str(ROOT / 'bench' / 'results' / 'pipeline.json'))
    ap.add_argument('--memif-peer', choices=('one', 'split'), default='one',
                    help='memif rig peer: one testpmd that feeds and drains (default), or split: testpmd '
                         'txonly + testpmd rxonly, both on CPU 0')
    ap.add_argument('--repeat', type=int, default=None,
                    help='rounds per size group: baseline, cases, baseline, cases, ..., baseline; medians are '
                         'reported (default 3, quick 1)')
    ap.add_argument('--quiet-wait', type=float, default=20.0,
                    help='before each measurement, wait up to this many seconds for other processes to use '
                         'under a quarter of a CPU (0: do not wait)')
    ap.add_argument('--no-boost', action='store_true',
                    help='do not give the measured processes\' session (autogroup) nice -10')
    args = ap.parse_args()
    procs.QUIET['max_wait'] = args.quiet_wait
    if args.no_boost:
        procs.PRIORITY['autogroup_nice'] = None
    if args.seconds is None:
        args.seconds = 2.0 if args.quick else 5.0
    if args.repeat is None:
        args.repeat = 1 if args.quick else 3
    if os.geteuid() != 0:
        sys.exit('bench/pipeline.py: run as root (DPDK)')
    if not (Path(args.build) / 'taasd').exists():
        sys.exit(f'bench/pipeline.py: no taasd in {args.build}')

    def on_term(signum, _frame):
        raise KeyboardInterrupt(f'signal {signum}')
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):  # also when started with SIGINT ignored
        signal.signal(sig, on_term)

    sizes = [64] if args.quick else [64, 512, 1500]
    case_ids = list(CASES)
    rigs = ['pcap', 'memif'] if args.rig == 'all' else [args.rig]
    b = Bench(args)
    results = {'when': time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime()), 'quick': args.quick,
               'seconds': args.seconds, 'repeat': args.repeat, 'warmup_s': b.warmup,
               'autogroup_nice': procs.PRIORITY['autogroup_nice'], 'build': str(b.build), 'memif_peer': args.memif_peer,
               'host': {'cpus': os.cpu_count(), 'kernel': platform.release(),
                        'taasd_lcores': lcores(1), 'testpmd_forward_cpu': WORKER_CPU},
               'frame_size': 'bytes from the Ethernet header to the end of the payload (no FCS), as testpmd --txpkts',
               'baselines': [], 'cases': [], 'memory': [], 'checks': {}, 'notes': NOTES}
    def run(fn, *a, **kw):
        """One measurement; a failure is recorded and the run goes on. The
        machine is shared: when the measured lcore thread waited for its CPU
        more than DISTURBED_PCT of the window (another process ran there),
        the measurement is repeated, up to RETRIES times, and the least
        disturbed one kept."""
        best = None
        for attempt in range(RETRIES + 1):
            try:
                rec = fn(*a, **kw)
            except Fail as e:
                log(f'    FAIL: {e}')
                b.failures.append(f'{fn.__name__}{tuple(x for x in a if not isinstance(x, Path))}: '
                                  f'{str(e).splitlines()[0]}')
                return best
            dist = rec.get('disturbed_pct') if isinstance(rec, dict) else None
            rec['attempts'] = attempt + 1
            if dist is not None and dist > 0.5:
                log(f'      (the measured lcore waited for its CPU {dist:.1f}% of the window)')
            if best is None or (dist or 0) < (best.get('disturbed_pct') or 0):
                if best is not None:
                    b.failures = [f for f in b.failures if f not in best.get('_failures', [])]
                best = rec
            else:
                b.failures = [f for f in b.failures if f not in rec.get('_failures', [])]
            if dist is None or dist <= DISTURBED_PCT or attempt == RETRIES:
                break
            log(f'    (disturbed: the lcore waited for its CPU {dist:.1f}% of the window; again in {RETRY_PAUSE_S} s)')
            time.sleep(RETRY_PAUSE_S)
        best.pop('_failures', None)
        return best

    def add(kind, rec, variant=None):
        if rec is not None:
            if variant:
                rec['variant'] = variant
            results[kind].append(rec)

    try:
        for rig in rigs:
            log(f'== rig {rig}')
            for size in sizes:
                d = b.make_pcaps(size)
                log(f'  -- {size} B')
                if rig == 'pcap':
                    if size == sizes[0]:
                        results['checks']['net_pcap_tx_drop'] = run(b.check_pcap_tx_drop, d)
                    base = lambda when: run(b.baseline_pcap, d, size, when)  # noqa: E731
                    jobs = [(None, b.taasd_pcap, (d, size, cid), {}) for cid in case_ids]
                    if size == 64 and not args.quick:
                        jobs += [('1 flow, 10 idle ports', b.taasd_pcap, (d, size, 'erspan3'),
                                  {'idle': True, 'label': 'erspan3-1flow'}),
                                 ('100,000 flows, 10 idle ports', b.taasd_pcap, (d, size, 'erspan3'),
                                  {'idle': True, 'fillers': 100000 - 1, 'label': 'erspan3-100kflows'})]
                        jobs += [(f'2 sources, {w} worker{"s" if w > 1 else ""}', b.taasd_pcap, (d, size, 'fwd'),
                                  {'workers': w, 'layout': 'two', 'label': f'fwd-2src-{w}w'}) for w in (1, 2)]
                else:
                    base = lambda when: run(b.baseline_memif, d, size, when)  # noqa: E731
                    jobs = [(None, b.taasd_memif, (d, size, cid), {}) for cid in case_ids]
                # baseline, cases, baseline, cases, ..., baseline; each round
                # starts one case later than the one before
                baselines = [base('r0')]
                samples = [[] for _ in jobs]
                for rnd in range(args.repeat):
                    for k in range(len(jobs)):
                        j = (k + rnd) % len(jobs)
                        variant, fn, a, kw = jobs[j]
                        if args.repeat > 1:
                            log(f'    [round {rnd + 1}/{args.repeat}]')
                        rec = run(fn, *a, **kw)
                        if rec is not None:
                            rec['round'] = rnd
                            if variant:
                                rec['variant'] = variant
                        samples[j].append(rec)
                    baselines.append(base(f'r{rnd + 1}'))
                results['baselines'] += [x for x in baselines if x is not None]
                results['cases'] += aggregate(samples, baselines)
        log('== memory')
        d = b.make_pcaps(64)
        for n in ((1, 1000) if args.quick else (1, 1000, 100000)):
            add('memory', run(b.memory, d, n))
    except KeyboardInterrupt as e:
        log(f'interrupted ({e or "SIGINT"}): cleaning up')
        b.close()
        sys.exit(130)
    finally:
        b.close()
    results['checks']['failed'] = b.failures
    for r in results['cases']:
        r['name'] = case_name(r)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=1) + '\n')
    log(f'written: {out}')
    print()
    print(markdown(results))
    print()
    print(f'Medians over {args.repeat} round(s) of {args.seconds:g} s windows. '
          'Mpps: pcap rig, frames received per second by the one worker (the replay never runs dry); '
          'memif rig, frames the peer received back on vm2 (offered: what it got into taasd\'s ring). '
          'cycles/pkt: busy worker TSC cycles (iterations that received frames) per frame received; '
          'testpmd: its --record-core-cycles figure. Baseline: testpmd io forward, same ports and frame size, '
          'run before, between and after the rounds. ratio: per round, Mpps / mean of the baselines run just '
          'before and after it; median over the rounds. '
          f'†: another process took the measured core for more than {DISTURBED_PCT:.0f}% of the window '
          f'(after {RETRIES} retry).')
    print()
    print('| flows | VmRSS after start-up | VmHWM | start-up |')
    print('|---|---|---|---|')
    for m in results['memory']:
        print(f'| {m["flows"]:,} | {m["VmRSS_kB"] / 1024:.1f} MiB | {m["VmHWM_kB"] / 1024:.1f} MiB | {m["startup_s"]} s |')
    if b.failures:
        print(f'\n{len(b.failures)} check(s) failed:')
        for f in b.failures:
            print(f'  {f}')
        sys.exit(1)


if __name__ == '__main__':
    main()
