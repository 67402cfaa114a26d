#!/usr/bin/python3
"""netns-neighbor-refresh: taasd keeps its next hop fresh by ARP and follows
a collector whose MAC changes (DESIGN.md §5: the next-hop MAC is resolved
by ARP; while unresolved, copies are dropped and counted).

The rig of netns_rig.py (a kernel VXLAN receiver in a namespace), with
`underlay.neighbor_refresh: 1` (seconds):

  A  taasd resolves the collector; 3 frames, all decapsulated on vx0.
  B  3.5 refresh periods, one frame every 0.5 s: all decapsulated. taasd
     refreshed by unicast ARP to the collector's MAC (as Linux probes) and,
     the collector answering every time, never fell back to broadcast.
  C  The collector's veth changes MAC (a replaced gateway; the kernel sends
     no gratuitous ARP). The VM sends a probe every 0.1 s for 6 s. taasd's
     unicast refresh goes unanswered: it must forget the old MAC, broadcast,
     learn the new one, within 2 x refresh + 2 s. The probes that reach vx0
     are exactly the last ones (once at the new MAC, nothing is lost and
     nothing goes to the old MAC again).
  D  3 frames: all decapsulated.
  E  The collector asks "who-has 192.0.2.10" (a raw ARP request, as the
     kernel would once it forgets taasd; the kernel itself may not ask, it
     learns from taasd's own requests): taasd answers for its address.

Counters: every copy was sent or dropped as no_neighbor (no other reason),
and the copies counted as sent are the VXLAN frames on the wire.
Exit 0 pass, 1 fail, 77 skip (not root, or no `ip`/`dumpcap`).
"""

import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import netns_rig as vk  # noqa: E402
from netns_rig import Fail, log, mac_bytes, mac_str, ip_bytes  # noqa: E402

REFRESH = 1                       # seconds, underlay.neighbor_refresh
NEW_MAC = '02:00:00:0c:00:01'     # the collector's veth after phase C
RECOVERY_BOUND = 2 * REFRESH + 2.0
PROBES, PROBE_GAP = 60, 0.1


def frame(seq):
    """A unicast UDP frame from the VM that carries its sequence number."""
    from scapy.all import Ether, IP, UDP, Raw
    pkt = (Ether(dst=vk.UNICAST_DST, src=vk.VM_SRC_MACS[seq % 3]) / IP(src='10.0.0.1', dst='10.0.0.2') /
           UDP(sport=7000 + seq % 5, dport=7001) / Raw(seq.to_bytes(4, 'big') * (10 + seq % 40)))
    return bytes(pkt)


def seqs(frames):
    return [int.from_bytes(fr[42:46], 'big') if len(fr) >= 46 else None for fr in frames]


def check_vx0(got, before, probes, probe_times, after, t_change):
    errors = []
    n0 = len(before)
    if got[:n0] != before:
        errors.append(f'phases A+B: vx0 delivered sequence numbers {seqs(got[:n0])}, sent {seqs(before)}')
    if got[-len(after):] != after:
        errors.append(f'phase D: vx0 ends with {seqs(got[-len(after):])}, sent {seqs(after)}')
    arrived = got[n0:len(got) - len(after)]
    k = len(probes) - len(arrived)
    if k < 0 or arrived != probes[k:]:
        errors.append(f'phase C: the probes that reached vx0 must be the last ones, in order; got {seqs(arrived)}')
    elif not arrived:
        errors.append(f'phase C: none of the {len(probes)} probes reached the collector at its new MAC')
    else:
        recovery = probe_times[k] - t_change
        log(f'phase C: {k} probes lost, the first at the new MAC was sent {recovery:.2f} s after the change')
        if recovery > RECOVERY_BOUND:
            errors.append(f'phase C: taasd followed the new MAC only after {recovery:.2f} s '
                          f'(bound {RECOVERY_BOUND} s for neighbor_refresh {REFRESH} s)')
    return errors


def check_underlay(frames, ua_mac, old_mac, t_change, t_e):
    """ARP requests and VXLAN copies from taasd, before and after the change."""
    errors = []
    ua, old, new, bc = mac_bytes(ua_mac), mac_bytes(old_mac), mac_bytes(NEW_MAC), b'\xff' * 6
    requests, replies, copies, answers = [], [], [], []
    for t, fr in frames:
        if fr[12:14] == b'\x08\x06' and len(fr) >= 42:
            if fr[6:12] == ua and t >= t_e and fr[14:22] == bytes.fromhex('0001080006040002'):
                answers.append(fr[0:6] + fr[22:42])
            elif fr[6:12] == ua and fr[20:22] == b'\0\x01' and fr[38:42] == ip_bytes(vk.COLLECTOR_IP):
                requests.append((t, fr[0:6]))
            elif fr[20:22] == b'\0\x02' and fr[28:32] == ip_bytes(vk.COLLECTOR_IP):
                replies.append((t, fr[22:28]))
        elif fr[6:12] == ua and fr[12:14] == b'\x08\x00' and len(fr) >= 50 and fr[36:38] == b'\x12\xb5':
            copies.append((t, fr[0:6]))
    t_answered = min([t for t, mac in replies if mac == old] or [t_change])
    pre = [dst for t, dst in requests if t < t_change]
    refresh = [dst for t, dst in requests if t_answered < t < t_change]
    post = [dst for t, dst in requests if t >= t_change]
    show = lambda ds: [('broadcast' if d == bc else mac_str(d)) for d in ds]
    log(f'underlay: ARP requests before the change {show(pre)}, after {show(post)}')
    if not pre or pre[0] != bc:
        errors.append(f'the first ARP request must be a broadcast: {show(pre[:1])}')
    if refresh != [old] * len(refresh) or len(refresh) < 2:
        errors.append(f'once the collector had answered, and it answered every request before the change, every '
                      f'refresh must be unicast to {old_mac}, >= 2 of them in {3.5 * REFRESH + 1:.1f} s: '
                      f'{show(refresh)}')
    if bc not in post:
        errors.append('after the change no broadcast ARP request: taasd never gave up the old MAC')
    if not any(mac == new for t, mac in replies if t >= t_change):
        errors.append(f'no ARP reply from {NEW_MAC} on the wire after the change')
    dsts = [dst for t, dst in copies if t >= t_change]
    if any(dst != old for t, dst in copies if t < t_change):
        errors.append('before the change a copy went to a MAC other than the collector\'s')
    first_new = dsts.index(new) if new in dsts else len(dsts)
    if any(d != new for d in dsts[first_new:]):
        errors.append(f'after the first copy to {NEW_MAC} some went elsewhere: {show(dsts[first_new:])}')
    want = new + ua + ip_bytes(vk.TAASD_IP) + new + ip_bytes(vk.COLLECTOR_IP)
    if want not in answers:
        errors.append(f'phase E: no ARP reply "{vk.TAASD_IP} is-at {ua_mac}" to {NEW_MAC}: '
                      f'{[a.hex() for a in answers]}')
    return errors, len(copies)


def check_stats(path, total, on_wire):
    with open(path) as f:
        st = json.load(f)
    svc = st['tap_services']['ts_vx']
    dropped = svc['dropped']
    log(f'stats: tap_services.ts_vx = {json.dumps(svc)}')
    errors = []
    if svc['packets'] + dropped['no_neighbor'] != total:
        errors.append(f'stats: packets {svc["packets"]} + dropped.no_neighbor {dropped["no_neighbor"]} != '
                      f'{total} frames sent')
    others = {k: v for k, v in dropped.items() if v and k != 'no_neighbor'}
    if others:
        errors.append(f'stats: dropped {others}, expected only no_neighbor')
    if svc['packets'] != on_wire:
        errors.append(f'stats: packets {svc["packets"]}, but {on_wire} VXLAN copies were on the wire')
    hops = [h for h in st.get('neighbors', [{}]) if h.get('ip') == vk.COLLECTOR_IP]
    if not hops or hops[0].get('mac') != NEW_MAC or hops[0].get('static'):
        errors.append(f'stats: neighbors {hops}: {vk.COLLECTOR_IP} must end learned at {NEW_MAC}')
    return errors


def run_test(args, tmp):
    rig = vk.Rig(tmp)
    vx_path, ul_path = os.path.join(tmp, 'vx0.pcap'), os.path.join(tmp, 'underlay.pcap')
    taasd = None
    try:
        rig.up()
        old_mac = rig.ca_mac
        vx_cap = rig.start_capture(rig.ns_c, 'vx0', vx_path)
        ul_cap = rig.start_capture(rig.ns_c, rig.ca, ul_path)
        rig.assert_not_promiscuous()
        taasd = vk.Taasd(args.taasd, tmp, rig, vk.intent_text(rig, f', neighbor_refresh: {REFRESH}'))
        taasd.wait_resolved(rig, args.resolve_timeout, 1.0)
        vm = vk.VmSender(rig)

        phase_a = [frame(i) for i in range(3)]
        vm.send(phase_a)
        if rig.wait_vx0(3, 5) != 3:
            raise Fail(f'phase A: vx0 received {rig.vx0_rx()} of 3 frames')
        phase_b = [frame(10 + i) for i in range(7)]
        for fr in phase_b:
            time.sleep(0.5 * REFRESH)
            vm.send([fr])
        taasd.alive()
        if rig.wait_vx0(10, 5) != 10:
            raise Fail(f'phase B: vx0 received {rig.vx0_rx()} of 10 frames across the refreshes')

        t_change = time.time()
        vk.run('ip', '-n', rig.ns_c, 'link', 'set', rig.ca, 'address', NEW_MAC)
        probes, probe_times = [frame(100 + i) for i in range(PROBES)], []
        for fr in probes:
            probe_times.append(time.time())
            vm.send([fr])
            time.sleep(PROBE_GAP)
        phase_d = [frame(200 + i) for i in range(3)]
        vm.send(phase_d)
        rig.wait_vx0(10 + PROBES + 3, 3)
        taasd.alive()
        t_e = time.time()
        who_has = (b'\xff' * 6 + mac_bytes(NEW_MAC) + bytes.fromhex('08060001080006040001') + mac_bytes(NEW_MAC) +
                   ip_bytes(vk.COLLECTOR_IP) + b'\0' * 6 + ip_bytes(vk.TAASD_IP)).ljust(60, b'\0')
        rig.nsx(rig.ns_c, vk.PY, '-c', 'import socket, sys; s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW); '
                f's.bind(("{rig.ca}", 0)); s.send(bytes.fromhex("{who_has.hex()}"))')
        time.sleep(0.5)

        errors = taasd.stop()
        vk.Rig.stop(vx_cap)
        vk.Rig.stop(ul_cap)
        errors += check_vx0(vk.read_pcap(vx_path), phase_a + phase_b, probes, probe_times, phase_d, t_change)
        uerr, on_wire = check_underlay(vk.read_pcap(ul_path, times=True), rig.ua_mac, old_mac, t_change, t_e)
        errors += uerr
        errors += check_stats(taasd.stats, 10 + PROBES + 3, on_wire)
        if errors:
            raise Fail('\n'.join(errors))
        log('PASS: refreshed by unicast ARP while answered; followed the new MAC; counters agree')
        return 0
    except Fail as e:
        if taasd is None:
            raise
        raise taasd.failure(e, ul_cap, ul_path) from None
    finally:
        rig.down()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--taasd', required=True, help='the taasd binary')
    ap.add_argument('--resolve-timeout', type=float, default=30.0)
    ap.add_argument('--keep', action='store_true', help='keep the temporary directory')
    return vk.with_rig(run_test, ap.parse_args())


if __name__ == '__main__':
    sys.exit(main())
