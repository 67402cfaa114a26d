#!/usr/bin/python3
"""vhost-mirror-reconnect: taasd switches and mirrors between VMs on
vhost-user, and a monitoring VM that disconnects and comes back costs the
production traffic nothing (issue 5).

taasd has three net_vhost ports: vm1 and vm2 (VMs on net-a) and mon (a
monitor), a tap service ts_0 on mon and a tap flow tf_0 on vm1, BOTH. Every
VM is a dpdk-testpmd on virtio-user (vhost_rig.py). vm2 and the taasd run
last the whole test; vm1 is one testpmd per phase, since a net_pcap replays
its rx_pcap once.

  phase 1  mon connected. vm2 sends R (50 frames to vm1) when it starts;
           vm1 sends A1 (200 frames to vm2 of 60..1514 B, one ARP
           broadcast). vm2 records exactly A1, vm1 exactly R, mon exactly
           A1 (OUT copies) interleaved with R (IN copies).
  phase 2  mon quits: taasd logs "port mon: link down", the control socket
           shows ts_0, tf_0 and port mon DOWN. vm1 sends A2: vm2 records all
           of it, and every copy is counted as ts_0 dropped.port_down.
  phase 3  a new mon connects: "port mon: link up", everything ACTIVE
           again. vm1 sends A3: vm2 records it, the new mon exactly A3.

At the end (SIGTERM) the --stats-out file must hold the same account: vm2
sent A1+A2+A3 and dropped nothing, mon sent the copies of phases 1 and 3,
ts_0 counted phase 2's copies as port_down and nothing else as dropped.

--self-test checks the pcap judges against planted defects, without taasd.

Exit 0 pass, 1 fail, 77 skip (not root, no dpdk-testpmd or no scapy).
"""

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from vhost_rig import (VM1_MAC, VM2_MAC, Fail, Rig, check, load_scapy, log, main, merged_frames,  # noqa: E402
                       read_pcap, same_frames, write_pcap, frames_of_vm2, one_flow_intent)

SIZES = [60, 64, 128, 512, 1000, 1514]
UNICAST_PER_PHASE = 200
REPLIES = 50


def frames_of_vm1(phase):
    """200 UDP frames vm1 -> vm2 of SIZES, an ARP broadcast in the middle;
    the phase is in the UDP source port, so phases never share a frame."""
    sc = load_scapy()
    Ether, IP, UDP, ARP, Raw = sc['Ether'], sc['IP'], sc['UDP'], sc['ARP'], sc['Raw']
    out = []
    for i in range(UNICAST_PER_PHASE):
        head = Ether(src=VM1_MAC, dst=VM2_MAC) / IP(src='10.0.0.1', dst='10.0.0.2') / \
            UDP(sport=10000 * phase + i, dport=4000)
        size = SIZES[i % len(SIZES)]
        out.append(bytes(head / Raw(bytes((i + k) & 0xff for k in range(size - len(head))))))
        if i == UNICAST_PER_PHASE // 2:
            out.append(bytes(Ether(src=VM1_MAC, dst='ff:ff:ff:ff:ff:ff') /
                             ARP(op=1, hwsrc=VM1_MAC, psrc='10.0.0.1', pdst=f'10.0.0.{100 + phase}')))
    return out


def statuses(rig):
    return (rig.call('tap_service.show', {'ref': 'ts_0'})['status'],
            rig.call('tap_flow.show', {'ref': 'tf_0'})['status'],
            rig.call('port.show', {'ref': 'mon'})['status'])


def nbytes(frames):
    return sum(len(f) for f in frames)


def run(taasd):
    rig = Rig(taasd, 'mirror')
    try:
        scenario(rig)
    finally:
        rig.close()


def scenario(rig):
    a = {p: frames_of_vm1(p) for p in (1, 2, 3)}
    r = frames_of_vm2(REPLIES, 20000, 7)
    every = a[1] + a[2] + a[3] + r
    assert len(set(every)) == len(every), 'test frames must be distinct'
    for p in (1, 2, 3):
        write_pcap(rig.dir / f'vm1-send-{p}.pcap', a[p])
    write_pcap(rig.dir / 'vm2-send.pcap', r)
    n = len(a[1])  # per phase

    rig.start(one_flow_intent(rig))
    for port in ('vm1', 'vm2', 'mon'):
        check(rig.port_sock(port).exists(), f'taasd created the vhost-user socket of {port}')
    check(statuses(rig) == ('DOWN', 'DOWN', 'DOWN'), 'before any VM connects ts_0, tf_0 and port mon are DOWN',
          statuses(rig))

    log('phase 1: every VM connected')
    mon = rig.vm('mon', tx_pcap=rig.dir / 'mon-recv-1.pcap')
    vm2 = rig.vm('vm2', rx_pcap=rig.dir / 'vm2-send.pcap', tx_pcap=rig.dir / 'vm2-recv.pcap')
    vm1 = rig.vm('vm1', rx_pcap=rig.dir / 'vm1-send-1.pcap', tx_pcap=rig.dir / 'vm1-recv-1.pcap')
    check(statuses(rig) == ('ACTIVE', 'ACTIVE', 'ACTIVE'), 'with every VM connected ts_0, tf_0 and mon are ACTIVE',
          statuses(rig))
    for v in (mon, vm2, vm1):
        v.cmd('start')
    rig.wait_stats('phase 1 delivered',
                   lambda s: s['ports']['vm2']['tx_packets'] == n and s['ports']['vm1']['tx_packets'] == REPLIES
                   and s['tap_services']['ts_0']['packets'] == n + REPLIES)
    vm2.wait_received(n)
    vm1.wait_received(REPLIES)
    mon.wait_received(n + REPLIES)
    check(True, f'phase 1: vm2 received {n}, vm1 {REPLIES}, mon {n + REPLIES} copies')
    vm1.quit()
    mon.quit()
    rig.wait_link('mon', 'down', 1)
    check(True, 'taasd logged "port mon: link down"')

    log('phase 2: the monitoring VM is gone')
    vm1 = rig.vm('vm1', rx_pcap=rig.dir / 'vm1-send-2.pcap', tx_pcap=rig.dir / 'vm1-recv-2.pcap')
    check(statuses(rig) == ('DOWN', 'DOWN', 'DOWN'),
          'while mon is disconnected tap_service.show ts_0, tap_flow.show tf_0 and port.show mon say DOWN',
          statuses(rig))
    vm1.cmd('start')
    s = rig.wait_stats('phase 2 delivered',
                       lambda s: s['ports']['vm2']['tx_packets'] == 2 * n
                       and s['tap_services']['ts_0']['dropped']['port_down'] == n)
    check(s['tap_services']['ts_0']['packets'] == n + REPLIES and s['ports']['mon']['tx_packets'] == n + REPLIES,
          f'no copy was sent while mon was down; its {n} copies are ts_0 dropped.port_down', s['tap_services'])
    vm2.wait_received(2 * n)
    check(True, f'vm2 received all {2 * n} production frames so far (before {n}, during the outage {n})')
    vm1.quit()

    log('phase 3: the monitoring VM is back')
    mon = rig.vm('mon', tx_pcap=rig.dir / 'mon-recv-2.pcap')
    check(True, 'taasd logged "port mon: link up" again')
    vm1 = rig.vm('vm1', rx_pcap=rig.dir / 'vm1-send-3.pcap', tx_pcap=rig.dir / 'vm1-recv-3.pcap')
    check(statuses(rig) == ('ACTIVE', 'ACTIVE', 'ACTIVE'), 'after the reconnection ts_0, tf_0 and mon are ACTIVE',
          statuses(rig))
    mon.cmd('start')
    vm1.cmd('start')
    rig.wait_stats('phase 3 delivered',
                   lambda s: s['ports']['vm2']['tx_packets'] == 3 * n
                   and s['tap_services']['ts_0']['packets'] == 2 * n + REPLIES)
    vm2.wait_received(3 * n)
    mon.wait_received(n)
    for v in (vm1, mon, vm2):
        v.quit()

    rc, stats = rig.stop()
    text = rig.log_text()
    check(rc == 0, f'taasd exited 0 (got {rc})', text[-2000:])
    for bad in ('did not return', 'did not report done', 'could not be freed'):
        check(bad not in text, f'the log has no "{bad}"', text[-2000:])
    check(rig.link_events('mon', 'down') == 2 and rig.link_events('mon', 'up') == 2,
          'mon went up, down, up, down in the log (connect, outage, reconnect, final quit)',
          text[-2000:])

    log('the frames (pcaps written by the VMs)')
    same_frames(read_pcap(rig.dir / 'vm2-recv.pcap'), a[1] + a[2] + a[3], 'vm2 received A1 + A2 + A3')
    same_frames(read_pcap(rig.dir / 'vm1-recv-1.pcap'), r, 'vm1 received R (phase 1)')
    same_frames(read_pcap(rig.dir / 'vm1-recv-2.pcap'), [], 'vm1 received nothing (phase 2)')
    same_frames(read_pcap(rig.dir / 'vm1-recv-3.pcap'), [], 'vm1 received nothing (phase 3)')
    merged_frames(read_pcap(rig.dir / 'mon-recv-1.pcap'), [a[1], r], 'mon received OUT copies of A1 and IN copies of R')
    same_frames(read_pcap(rig.dir / 'mon-recv-2.pcap'), a[3], 'the reconnected mon received the copies of A3')

    log('the counters (--stats-out)')
    ports, ts, tf = stats['ports'], stats['tap_services']['ts_0'], stats['tap_flows']['tf_0']
    copies = a[1] + r + a[3]
    check(ports['vm1']['rx_packets'] == 3 * n and ports['vm1']['tx_packets'] == REPLIES,
          f'vm1: rx {3 * n}, tx {REPLIES}', ports['vm1'])
    check(ports['vm2']['tx_packets'] == 3 * n and ports['vm2']['tx_bytes'] == nbytes(a[1] + a[2] + a[3])
          and ports['vm2']['rx_packets'] == REPLIES,
          f'vm2: tx {3 * n} frames ({nbytes(a[1] + a[2] + a[3])} B), rx {REPLIES}', ports['vm2'])
    for p in ('vm1', 'vm2', 'mon'):
        check(ports[p]['tx_dropped'] == 0 and ports[p]['rx_dropped'] == 0 and ports[p]['tx_link_down'] == 0,
              f'{p}: nothing dropped', ports[p])
    check(ports['mon']['tx_packets'] == len(copies) and ports['mon']['tx_bytes'] == nbytes(copies),
          f'mon: tx {len(copies)} copies ({nbytes(copies)} B)', ports['mon'])
    want_dropped = {k: 0 for k in ts['dropped']}
    want_dropped['port_down'] = n
    check(ts['packets'] == len(copies) and ts['bytes'] == nbytes(copies) and ts['dropped'] == want_dropped,
          f'ts_0: {len(copies)} copies sent, {n} dropped.port_down, no other drop', ts)
    check(tf['packets'] == len(copies) and tf['bytes'] == nbytes(copies), f'tf_0: {len(copies)} copies', tf)


def self_test():
    """The pcap judges must catch a lost, an extra, a changed and a
    reordered frame."""
    a = [bytes([1, i]) * 30 for i in range(5)]
    b = [bytes([2, i]) * 30 for i in range(3)]
    same_frames(list(a), a, 'identical lists pass')
    merged_frames([a[0], b[0], a[1], a[2], b[1], a[3], b[2], a[4]], [a, b], 'an interleaving passes')
    changed = bytearray(a[2])
    changed[-1] ^= 1
    defects = [
        (same_frames, (a[:-1], a), 'a lost frame'),
        (same_frames, (a + [a[0]], a), 'a duplicated frame'),
        (same_frames, (a[:2] + [bytes(changed)] + a[3:], a), 'a changed byte'),
        (same_frames, ([a[1], a[0]] + a[2:], a), 'a reordered pair'),
        (merged_frames, (a + b[:2], [a, b]), 'a lost IN copy'),
        (merged_frames, ([a[1], a[0]] + a[2:] + b, [a, b]), 'OUT copies reordered'),
        (merged_frames, (a + b + [b[0]], [a, b]), 'an extra copy'),
    ]
    for judge, args, what in defects:
        try:
            judge(*args, 'planted')
        except Fail as e:
            log(f'  ok    {what} is caught: {str(e).splitlines()[0]}')
            continue
        raise Fail(f'{judge.__name__} accepted {what}')


if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--taasd')
    ap.add_argument('--self-test', action='store_true')
    opts = ap.parse_args()
    if opts.self_test:
        main(self_test)
    if not opts.taasd:
        ap.error('--taasd is required')
    main(lambda: run(opts.taasd))
