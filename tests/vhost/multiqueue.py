#!/usr/bin/python3
"""vhost-multiqueue: taasd receives on every queue pair of a vhost-user
port, not only on the first: a guest that spreads its transmissions over
two virtio queue pairs gets every frame switched and mirrored.

taasd runs one worker with three net_vhost ports of queues=2 -- vm1 and vm2
(VMs on net-a) and mon (a monitor) -- a tap service ts_0 on mon and a tap
flow tf_0 on vm1, BOTH. Every VM is a dpdk-testpmd on virtio-user
(vhost_rig.py):

  vm1  virtio_user queues=2 (cq=1), testpmd --rxq=2 --txq=2, io forward, and
       one net_pcap port with two rx_pcap and two tx_pcap files, i.e. two
       queues. testpmd's io forward with several queues maps stream
       (port, queue q) to (peer port, queue q), so pcap queue 0 (file Q0) is
       sent on virtio queue pair 0 and pcap queue 1 (file Q1) on virtio queue
       pair 1; what arrives on virtio RX queue q is recorded in tx_pcap #q.
  vm2  one queue pair; replays R (frames to vm1) and records what it gets.
  mon  one queue pair; records the mirrored copies.

Q0 and Q1 are 150 frames each from vm1 to vm2 (60..1514 B, one ARP broadcast
each); every frame carries its queue in the UDP source port (1000 + i for
queue 0, 2000 + i for queue 1) and in a payload marker ("taas-mq q0 #i"), so
no frame of one queue can stand for one of the other.

Asserted:
  - vm1's virtio_user really sent Q0 on TX queue 0 and Q1 on TX queue 1
    (testpmd xstats tx_q0_packets / tx_q1_packets of the virtio port), and
    received R on RX queue 0 (taasd, one worker, transmits on queue 0);
  - taasd's own view (DPDK telemetry /ethdev/xstats of its vm1 port):
    rx_q0_packets == |Q0| and rx_q1_packets == |Q1|;
  - vm2 recorded exactly Q0 and Q1 interleaved, byte-equal, each queue's
    frames in their order; vm1 recorded exactly R (all in its queue-0 file);
  - mon recorded exactly the copies: Q0, Q1 (OUT) and R (IN) interleaved;
  - --stats-out: vm1 rx_packets == |Q0| + |Q1| (bytes too), vm2 tx the same,
    mon tx and ts_0 / tf_0 == |Q0| + |Q1| + |R|, nothing dropped anywhere.

With the old behaviour (only RX queue 0 of a vhost port polled) Q1 never
leaves vm1's virtqueue: vm2 and mon miss exactly the frames marked q1 and the
counters stop at |Q0|. `--old-behaviour` reproduces that without touching
taasd: an LD_PRELOAD shim (built with cc and libdpdk's cflags) makes
rte_eth_dev_info_get report max_rx_queues = 1 for net_vhost ports, so taasd
sets up and polls queue 0 only, as before; the scenario must then fail, and
the run passes only if it does (a check of the test, not of taasd).

Exit 0 pass, 1 fail, 77 skip (not root, no dpdk-testpmd or no scapy).
"""

import argparse
import json
import os
import re
import socket
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from vhost_rig import (VM1_MAC, VM2_MAC, Fail, Rig, check, load_scapy, log, main, merged_frames,  # noqa: E402
                       read_pcap, same_frames, write_pcap, frames_of_vm2, one_flow_intent)

SIZES = [60, 64, 128, 512, 1000, 1514]
PER_QUEUE = 150   # unicast frames per queue (+ one ARP broadcast)
REPLIES = 40
QUEUES = 2


def frames_of_vm1(q):
    """Queue q's frames vm1 -> vm2, queue-marked in the UDP source port and
    the payload, an ARP broadcast in the middle."""
    sc = load_scapy()
    Ether, IP, UDP, ARP, Raw = sc['Ether'], sc['IP'], sc['UDP'], sc['ARP'], sc['Raw']
    out = []
    for i in range(PER_QUEUE):
        head = Ether(src=VM1_MAC, dst=VM2_MAC) / IP(src='10.0.0.1', dst='10.0.0.2') / \
            UDP(sport=1000 * (q + 1) + i, dport=4000)
        marker = f'taas-mq q{q} #{i:03d} '.encode()
        size = SIZES[i % len(SIZES)]
        fill = bytes((i * 7 + q * 101 + k) & 0xff for k in range(max(0, size - len(head) - len(marker))))
        out.append(bytes(head / Raw(marker + fill)))
        if i == PER_QUEUE // 2:
            out.append(bytes(Ether(src=VM1_MAC, dst='ff:ff:ff:ff:ff:ff') /
                             ARP(op=1, hwsrc=VM1_MAC, psrc='10.0.0.1', pdst=f'10.0.0.{200 + q}')))
    return out


def queue_of(frame):
    """The queue marker of one of vm1's frames (None for an ARP or a reply)."""
    m = re.search(rb'taas-mq q(\d) #', frame)
    return int(m.group(1)) if m else None


def nbytes(frames):
    return sum(len(f) for f in frames)


def testpmd_xstats(vm, port):
    """testpmd's `show port xstats <port>` as {name: value}."""
    start = len(vm.text())
    vm.cmd(f'show port xstats {port}')
    text = vm.text()[start:]
    xs = {k: int(v) for k, v in re.findall(r'^\s*(\w+):\s+(\d+)\s*$', text, re.M)}
    if not xs:
        raise Fail(f'{vm.name}: no xstats in "show port xstats {port}":\n{text[-2000:]}')
    return xs


def telemetry(prefix, command):
    """One DPDK telemetry command against taasd's EAL (socket dpdk_telemetry.v2)."""
    path = f'/var/run/dpdk/{prefix}/dpdk_telemetry.v2'
    with socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET) as s:
        s.settimeout(10)
        try:
            s.connect(path)
        except OSError as e:
            raise Fail(f'cannot connect to taasd telemetry at {path}: {e}')
        hello = json.loads(s.recv(65536).decode())
        s.send(command.encode())
        reply = json.loads(s.recv(max(65536, int(hello.get('max_output_len', 0)))).decode())
    return reply[command.split(',')[0]]


def ethdev_id(prefix, device_name):
    """The ethdev port id of taasd's device `device_name` (e.g. net_vhost0)."""
    for pid in telemetry(prefix, '/ethdev/list'):
        info = telemetry(prefix, f'/ethdev/info,{pid}')
        if info.get('name') == device_name:
            return pid
    raise Fail(f'taasd has no ethdev named {device_name} (telemetry /ethdev/list)')


def run(taasd, old_behaviour):
    rig = Rig(taasd, 'mq')
    try:
        if old_behaviour:
            shim = build_shim(rig.dir)
            os.environ['LD_PRELOAD'] = str(shim)
            try:
                scenario(rig, started_hook=lambda: os.environ.pop('LD_PRELOAD', None))
            except Fail as e:
                log(f'  ok    with only RX queue 0 polled the test fails, as it must: {e.args[0]}')
                rx = rig.call('stats')['ports']['vm1']['rx_packets']
                q0 = len(frames_of_vm1(0))
                check(rx == q0, f'taasd counted vm1 rx {rx} = the {q0} frames of queue 0: queue 1 was lost')
                return
            raise Fail('the test passed against the old behaviour (only RX queue 0 polled): it proves nothing')
        scenario(rig)
    finally:
        os.environ.pop('LD_PRELOAD', None)
        rig.close()


SHIM = r'''
#define _GNU_SOURCE
#include <dlfcn.h>
#include <string.h>
#include <rte_ethdev.h>
/* The old behaviour: taasd sees one RX queue on every net_vhost port. */
int rte_eth_dev_info_get(uint16_t port_id, struct rte_eth_dev_info *info) {
  static int (*real)(uint16_t, struct rte_eth_dev_info *);
  if (real == NULL) real = (int (*)(uint16_t, struct rte_eth_dev_info *))dlsym(RTLD_NEXT, "rte_eth_dev_info_get");
  int rc = real(port_id, info);
  if (rc == 0 && info->driver_name != NULL && strcmp(info->driver_name, "net_vhost") == 0) info->max_rx_queues = 1;
  return rc;
}
'''


def build_shim(folder):
    src, so = folder / 'one_rxq.c', folder / 'one_rxq.so'
    src.write_text(SHIM)
    cflags = subprocess.run(['pkg-config', '--cflags', 'libdpdk'], stdout=subprocess.PIPE, text=True,
                            check=True).stdout.split()
    subprocess.run(['cc', '-shared', '-fPIC', '-O1', *cflags, '-o', str(so), str(src), '-ldl'], check=True)
    log(f'  built {so}: net_vhost ports report max_rx_queues = 1 (the old behaviour)')
    return so


def scenario(rig, started_hook=None):
    q = [frames_of_vm1(k) for k in range(QUEUES)]
    r = frames_of_vm2(REPLIES, 30000, 11)
    sent = q[0] + q[1]
    every = sent + r
    assert len(set(every)) == len(every), 'test frames must be distinct'
    assert all(queue_of(f) in (k, None) for k in range(QUEUES) for f in q[k])
    assert sum(queue_of(f) == k for k in range(QUEUES) for f in q[k]) == QUEUES * PER_QUEUE
    for k in range(QUEUES):
        write_pcap(rig.dir / f'vm1-send-q{k}.pcap', q[k])
    write_pcap(rig.dir / 'vm2-send.pcap', r)

    rig.start(one_flow_intent(rig, QUEUES))
    if started_hook:
        started_hook()
    mon = rig.vm('mon', tx_pcap=rig.dir / 'mon-recv.pcap')
    vm2 = rig.vm('vm2', rx_pcap=rig.dir / 'vm2-send.pcap', tx_pcap=rig.dir / 'vm2-recv.pcap')
    vm1 = rig.vm('vm1', rx_pcap=[rig.dir / f'vm1-send-q{k}.pcap' for k in range(QUEUES)],
                 tx_pcap=[rig.dir / f'vm1-recv-q{k}.pcap' for k in range(QUEUES)], queues=QUEUES)
    for v in (mon, vm2, vm1):
        v.cmd('start')
    fwd = vm1.text()
    for k in range(QUEUES):
        check(re.search(rf'RX P=1/Q={k} \(socket \d+\) -> TX P=0/Q={k}', fwd) is not None,
              f'vm1: testpmd forwards pcap queue {k} to virtio queue {k}', fwd[-3000:])

    total = len(sent) + len(r)
    rig.wait_stats('every frame switched and mirrored',
                   lambda s: s['ports']['vm2']['tx_packets'] >= len(sent) and s['ports']['vm1']['tx_packets'] >= len(r)
                   and s['tap_services']['ts_0']['packets'] >= total)
    vm2.wait_received(len(sent))
    vm1.wait_received(len(r))
    mon.wait_received(total)

    log('the queues (vm1 testpmd xstats of its virtio_user port, taasd telemetry)')
    xs = testpmd_xstats(vm1, 0)
    for k in range(QUEUES):
        check(xs.get(f'tx_q{k}_good_packets') == len(q[k]) and xs.get(f'tx_q{k}_good_bytes') == nbytes(q[k]),
              f'vm1 sent {len(q[k])} frames ({nbytes(q[k])} B) on virtio TX queue {k} (tx_q{k}_good_*)',
              {n: v for n, v in xs.items() if n.startswith('tx_q')})
    check(xs.get('rx_q0_good_packets') == len(r) and xs.get('rx_q1_good_packets') == 0,
          f'vm1 received its {len(r)} frames on virtio RX queue 0 (taasd transmits on queue 0)',
          {n: v for n, v in xs.items() if n.startswith('rx_q')})
    txs = telemetry(rig.prefix, f'/ethdev/xstats,{ethdev_id(rig.prefix, "net_vhost0")}')
    for k in range(QUEUES):
        check(txs.get(f'rx_q{k}_packets') == len(q[k]),
              f'taasd received {len(q[k])} frames on RX queue {k} of vm1 (telemetry rx_q{k}_packets)',
              {n: v for n, v in txs.items() if n.startswith('rx_q')})

    for v in (vm1, mon, vm2):
        v.quit()
    rc, stats = rig.stop()
    text = rig.log_text()
    check(rc == 0, f'taasd exited 0 (got {rc})', text[-2000:])

    log('the frames (pcaps written by the VMs)')
    got = read_pcap(rig.dir / 'vm2-recv.pcap')
    marks = [queue_of(f) for f in got]
    check(marks.count(1) == PER_QUEUE, f'vm2 received all {PER_QUEUE} unicast frames marked q1 (sent on queue 1)',
          f'q0 {marks.count(0)}, q1 {marks.count(1)}')
    merged_frames(got, q, 'vm2 received Q0 and Q1')
    same_frames(read_pcap(rig.dir / 'vm1-recv-q0.pcap'), r, 'vm1 received R on queue 0')
    same_frames(read_pcap(rig.dir / 'vm1-recv-q1.pcap'), [], 'vm1 received nothing on queue 1')
    merged_frames(read_pcap(rig.dir / 'mon-recv.pcap'), [q[0], q[1], r],
                  'mon received OUT copies of Q0 and Q1, IN copies of R')

    log('the counters (--stats-out)')
    ports, ts, tf = stats['ports'], stats['tap_services']['ts_0'], stats['tap_flows']['tf_0']
    check(ports['vm1']['rx_packets'] == len(sent) and ports['vm1']['rx_bytes'] == nbytes(sent)
          and ports['vm1']['tx_packets'] == len(r),
          f'vm1: rx {len(sent)} frames ({nbytes(sent)} B) = both queues, tx {len(r)}', ports['vm1'])
    check(ports['vm2']['tx_packets'] == len(sent) and ports['vm2']['tx_bytes'] == nbytes(sent)
          and ports['vm2']['rx_packets'] == len(r),
          f'vm2: tx {len(sent)} frames ({nbytes(sent)} B), rx {len(r)}', ports['vm2'])
    for p in ('vm1', 'vm2', 'mon'):
        check(ports[p]['tx_dropped'] == 0 and ports[p]['rx_dropped'] == 0 and ports[p]['tx_link_down'] == 0,
              f'{p}: nothing dropped', ports[p])
    check(ports['mon']['tx_packets'] == len(every) and ports['mon']['tx_bytes'] == nbytes(every),
          f'mon: tx {len(every)} copies ({nbytes(every)} B)', ports['mon'])
    check(ts['packets'] == len(every) and ts['bytes'] == nbytes(every) and not any(ts['dropped'].values()),
          f'ts_0: {len(every)} copies sent, none dropped', ts)
    check(tf['packets'] == len(every) and tf['bytes'] == nbytes(every), f'tf_0: {len(every)} copies', tf)


if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--taasd', required=True)
    ap.add_argument('--old-behaviour', action='store_true',
                    help='check the test itself: make taasd poll RX queue 0 only (LD_PRELOAD shim); '
                         'pass only if the scenario then fails')
    opts = ap.parse_args()
    main(lambda: run(opts.taasd, opts.old_behaviour))
