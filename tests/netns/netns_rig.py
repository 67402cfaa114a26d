#!/usr/bin/python3
"""The namespace rig of the netns tests: a kernel VXLAN receiver (the
"collector") and a "VM", wired to taasd's net_af_packet ports by veths.

    collector netns: <ca> 192.0.2.1/24, MTU 1600  +  vx0 (vxlan id 5000, 4789)
         |  veth pair A (MTU 1600 on both ends)
    root netns: <ua>  = taasd port "uplink" (net_af_packet)
    root netns: <ub>  = taasd port "vm1"    (net_af_packet)
         |  veth pair B
    VM netns:   <vb>  (no address) -- the "VM" sends frames from a raw socket

Names carry the pid; IPv6 is off on every end (no chatter in captures); GRO
is off on the collector (it could merge TCP segments). Rig.down() removes
it all, and kills what the rig started, also after a failure.

Run as `netns_rig.py --sender IFACE` it is the VM's sender (VmSender).
"""

import json
import os
import shutil
import signal
import struct
import subprocess
import sys
import time

SKIP = 77
PY = '/usr/bin/python3'              # the interpreter that has scapy
COLLECTOR_IP = '192.0.2.1'
TAASD_IP = '192.0.2.10'
VNI = 5000
VXLAN_PORT = 4789
NETWORK_VLAN = 100
MTU = 1600                            # veth pair A, both ends (FIELD-NOTES)
VM_SRC_MACS = ['02:00:00:0a:00:01', '02:00:00:0a:00:02', '02:00:00:0a:00:03']
UNICAST_DST = '02:00:00:0b:00:01'


class Fail(Exception):
    pass


def log(msg):
    print(msg, flush=True)


def run(*argv, check=True, quiet=False):
    p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if check and p.returncode != 0:
        raise Fail(f"command failed ({p.returncode}): {' '.join(argv)}\n{p.stdout}")
    if not quiet and p.returncode != 0:
        log(f"  (ignored) {' '.join(argv)}: {p.stdout.strip()}")
    return p.stdout


def mac_bytes(mac):
    return bytes.fromhex(mac.replace(':', ''))


def mac_str(b):
    return ':'.join(f'{x:02x}' for x in b)


def ip_bytes(ip):
    return bytes(int(x) for x in ip.split('.'))


def csum16(data):
    if len(data) % 2:
        data += b'\0'
    s = sum(struct.unpack(f'!{len(data) // 2}H', data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return s


def read_pcap(path, times=False):
    """Frames of a libpcap file (dumpcap -P), or (time, frame) pairs.
    Refuses truncated records."""
    with open(path, 'rb') as f:
        data = f.read()
    if len(data) < 24:
        raise Fail(f'{path}: not a pcap file ({len(data)} bytes)')
    magic = data[:4]
    endian = {b'\xd4\xc3\xb2\xa1': '<', b'\xa1\xb2\xc3\xd4': '>',
              b'\x4d\x3c\xb2\xa1': '<', b'\xa1\xb2\x3c\x4d': '>'}.get(magic)
    if endian is None:
        raise Fail(f'{path}: unknown pcap magic {magic.hex()}')
    tick = 1e9 if magic in (b'\x4d\x3c\xb2\xa1', b'\xa1\xb2\x3c\x4d') else 1e6  # ns or us
    linktype = struct.unpack(endian + 'I', data[20:24])[0]
    if linktype != 1:
        raise Fail(f'{path}: link type {linktype}, expected Ethernet')
    frames, off = [], 24
    while off + 16 <= len(data):
        sec, usec, caplen, wirelen = struct.unpack(endian + 'IIII', data[off:off + 16])
        if caplen != wirelen:
            raise Fail(f'{path}: frame {len(frames)} captured {caplen} of {wirelen} bytes')
        fr = data[off + 16:off + 16 + caplen]
        frames.append((sec + usec / tick, fr) if times else fr)
        off += 16 + caplen
    return frames

def sender_mode(iface):
    """Runs inside the VM namespace: one frame per stdin line (hex), sent
    out of `iface` by a raw packet socket; "ok" on stdout after each line."""
    import socket
    sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    sock.bind((iface, 0))
    for line in sys.stdin:
        fr = bytes.fromhex(line.strip())
        if sock.send(fr) != len(fr):
            return 1
        print('ok', flush=True)
    return 0


class VmSender:
    """The "VM": frames leave its namespace end of veth pair B, in order."""

    def __init__(self, rig):
        self.proc = subprocess.Popen(['ip', 'netns', 'exec', rig.ns_v, PY, os.path.abspath(__file__),
                                      '--sender', rig.vb], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        rig.procs.append(('sender', self.proc))

    def send(self, frames):
        for fr in frames:
            self.proc.stdin.write(fr.hex() + '\n')
            self.proc.stdin.flush()
            if self.proc.stdout.readline().strip() != 'ok':
                raise Fail(f'the VM sender failed (exit {self.proc.poll()})')


# ------------------------------------------------------------ the plumbing

class Rig:
    def __init__(self, tmp):
        pid = os.getpid()
        self.tmp = tmp
        self.ns_c = f'taas-coll-{pid}'
        self.ns_v = f'taas-vm-{pid}'
        self.ua, self.ca = f'tsu{pid}a', f'tsc{pid}a'   # <= 15 characters
        self.ub, self.vb = f'tsu{pid}b', f'tsv{pid}b'
        self.procs = []                                  # (name, Popen) to stop at the end
        self.ua_mac = self.ca_mac = None

    def nsx(self, ns, *argv, **kw):
        return run('ip', 'netns', 'exec', ns, *argv, **kw)

    def up(self):
        self.down(quiet=True)  # leftovers of an earlier run with the same pid
        run('ip', 'netns', 'add', self.ns_c)
        run('ip', 'netns', 'add', self.ns_v)
        for ns in (self.ns_c, self.ns_v):
            self.nsx(ns, 'sysctl', '-qw', 'net.ipv6.conf.all.disable_ipv6=1',
                     'net.ipv6.conf.default.disable_ipv6=1')
            run('ip', '-n', ns, 'link', 'set', 'lo', 'up')
        run('ip', 'link', 'add', self.ua, 'mtu', str(MTU), 'type', 'veth',
            'peer', 'name', self.ca, 'mtu', str(MTU), 'netns', self.ns_c)
        run('ip', 'link', 'add', self.ub, 'type', 'veth', 'peer', 'name', self.vb, 'netns', self.ns_v)
        for ifname in (self.ua, self.ub):
            run('sysctl', '-qw', f'net.ipv6.conf.{ifname}.disable_ipv6=1')
        self.nsx(self.ns_c, 'sysctl', '-qw', f'net.ipv6.conf.{self.ca}.disable_ipv6=1')
        self.nsx(self.ns_v, 'sysctl', '-qw', f'net.ipv6.conf.{self.vb}.disable_ipv6=1')
        run('ip', '-n', self.ns_c, 'addr', 'add', f'{COLLECTOR_IP}/24', 'dev', self.ca)
        run('ip', '-n', self.ns_c, 'link', 'add', 'vx0', 'type', 'vxlan', 'id', str(VNI),
            'dstport', str(VXLAN_PORT), 'local', COLLECTOR_IP, 'nolearning')
        # GRO could merge TCP segments and break the frame-for-frame check.
        if shutil.which('ethtool'):
            for dev in (self.ca, 'vx0'):
                self.nsx(self.ns_c, 'ethtool', '-K', dev, 'gro', 'off', check=False)
        for ns, dev in ((self.ns_c, self.ca), (self.ns_c, 'vx0'), (self.ns_v, self.vb),
                        (None, self.ua), (None, self.ub)):
            run('ip', *(['-n', ns] if ns else []), 'link', 'set', dev, 'up')
        self.ua_mac = self.link(None, self.ua)['address']
        self.ca_mac = self.link(self.ns_c, self.ca)['address']
        log(f'rig: {self.ns_c} ({self.ca} {self.ca_mac}, vx0), {self.ns_v} ({self.vb}); '
            f'root: {self.ua} {self.ua_mac} (uplink), {self.ub} (vm1)')

    def link(self, ns, dev):
        out = run('ip', '-d', '-j', '-s', *(['-n', ns] if ns else []), 'link', 'show', 'dev', dev)
        return json.loads(out)[0]

    def down(self, quiet=False):
        for name, p in reversed(self.procs):
            if p.poll() is None:
                p.kill()
                p.wait()
                if name == 'taasd':  # it removes its EAL runtime folder only when it exits itself
                    shutil.rmtree(f'/var/run/dpdk/taasd-{p.pid}', ignore_errors=True)
        self.procs = []
        for ns in (self.ns_c, self.ns_v):
            run('ip', 'netns', 'del', ns, check=False, quiet=True)
        for dev in (self.ua, self.ub):  # gone with their peers, unless a namespace was missing
            run('ip', 'link', 'del', dev, check=False, quiet=True)

    def start_capture(self, ns, dev, path):
        errf = open(path + '.log', 'w+')
        p = subprocess.Popen(['ip', 'netns', 'exec', ns, 'dumpcap', '-p', '-P', '-q', '-i', dev, '-w', path],
                             stdout=subprocess.DEVNULL, stderr=errf)
        self.procs.append((f'dumpcap {dev}', p))
        deadline = time.time() + 15
        while time.time() < deadline:
            errf.seek(0)
            if 'Capturing on' in errf.read():
                return p
            if p.poll() is not None:
                break
            time.sleep(0.05)
        errf.seek(0)
        raise Fail(f'dumpcap on {dev} did not start: {errf.read()}')

    @staticmethod
    def stop(p, sig=signal.SIGINT, timeout=15):
        if p.poll() is None:
            p.send_signal(sig)
        try:
            return p.wait(timeout)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
            raise Fail(f'{p.args[0]} ignored signal {sig} for {timeout} s')

    def neighbor_lladdr(self, ip):
        out = json.loads(run('ip', '-j', '-n', self.ns_c, 'neigh', 'show', ip, 'dev', self.ca) or '[]')
        return out[0].get('lladdr') if out else None

    def wait_neighbor(self, ip, timeout, alive=lambda: None):
        deadline = time.time() + timeout
        while time.time() < deadline:
            mac = self.neighbor_lladdr(ip)
            if mac:
                return mac
            alive()
            time.sleep(0.1)
        raise Fail(f'after {timeout} s the collector kernel has not learned {ip} '
                   f'(`ip -n {self.ns_c} neigh` shows none): no ARP request "who-has {COLLECTOR_IP} '
                   f'tell {ip}" reached it')

    def vx0_rx(self):
        return self.link(self.ns_c, 'vx0')['stats64']['rx']['packets']

    def wait_vx0(self, n, timeout):
        deadline = time.time() + timeout
        while time.time() < deadline and self.vx0_rx() < n:
            time.sleep(0.05)
        time.sleep(0.5)  # let late extras arrive, and the capture see the last frame
        return self.vx0_rx()

    def assert_not_promiscuous(self):
        for ns, dev in ((self.ns_c, 'vx0'), (self.ns_c, self.ca)):
            info = self.link(ns, dev)
            if info.get('promiscuity', 0) != 0 or 'PROMISC' in info.get('flags', []):
                raise Fail(f'{dev} is promiscuous ({info.get("promiscuity")}): the capture must not need it')


def summarize(frames):
    """'3 x 08:06 from 02:..:01, ...' for a failure message."""
    counts = {}
    for fr in frames:
        kind = fr[12:14].hex()
        if kind == '8100':
            kind += f' vid {struct.unpack("!H", fr[14:16])[0] & 0xfff} ' + fr[16:18].hex()
        key = f'{kind} from {mac_str(fr[6:12])} to {mac_str(fr[0:6])}'
        counts[key] = counts.get(key, 0) + 1
    return f'{len(frames)} frames' + ''.join(f'\n  {n} x ethertype {k}' for k, n in counts.items())


INTENT = """\
version: 1
dataplane: {{workers: 1, eal: ["--no-huge", "-m", "512", "--no-pci"]}}
networks: [{{name: tenant-a, vlan: {vlan}}}]
# No next_hop_mac: taasd must ARP for the gateway. mtu is the veth's, so
# that a 1514-byte inner frame (1550-byte outer IP packet) fits.
underlay: {{port: uplink, address: {taasd_ip}/24, gateway: {coll_ip}, mtu: {mtu}{extra}}}
ports:
  - {{name: vm1, device: "net_af_packet0,iface={ub}", role: vm, network: tenant-a}}
  - {{name: uplink, device: "net_af_packet1,iface={ua}", role: uplink}}
tap_services:
  - {{name: ts_vx, remote_ip: {coll_ip}, encap: vxlan, vni: {vni}}}
tap_flows:
  - {{name: tf_vm1, source_port: vm1, tap_service: ts_vx, direction: OUT}}
"""


class Taasd:
    """taasd on the rig: started on an intent, watched, stopped by SIGTERM."""

    def __init__(self, binary, tmp, rig, intent_text):
        self.intent = os.path.join(tmp, 'intent.yaml')
        self.stats = os.path.join(tmp, 'stats.json')
        with open(self.intent, 'w') as f:
            f.write(intent_text)
        self.logf = open(os.path.join(tmp, 'taasd.log'), 'w+')
        self.proc = subprocess.Popen([binary, '--config', self.intent, '--stats-out', self.stats,
                                      '--socket', os.path.join(tmp, 'taasd.sock'),
                                      '--state-file', os.path.join(tmp, 'state.yaml'), '--no-metrics'],
                                     stdout=self.logf, stderr=subprocess.STDOUT)
        rig.procs.append(('taasd', self.proc))

    def log_tail(self, n=3000):
        self.logf.seek(0)
        return self.logf.read()[-n:]

    def alive(self):
        if self.proc.poll() is not None:
            raise Fail(f'taasd exited with {self.proc.returncode} while it should run')

    def wait_resolved(self, rig, timeout, settle):
        """Until the collector kernel has learned taasd at its uplink MAC.
        The kernel learns taasd when the request arrives; taasd learns the
        collector when the answer has come back: hence `settle` seconds."""
        t0 = time.time()
        mac = rig.wait_neighbor(TAASD_IP, timeout, self.alive)
        log(f'collector learned {TAASD_IP} at {mac} after {time.time() - t0:.1f} s')
        if mac != rig.ua_mac:
            raise Fail(f'the collector learned {TAASD_IP} at {mac}, not at the uplink MAC {rig.ua_mac}')
        time.sleep(settle)
        self.alive()

    def stop(self):
        """[] or the error: taasd must exit 0 on SIGTERM."""
        rc = Rig.stop(self.proc, signal.SIGTERM, 30)
        return [] if rc == 0 else [f'taasd exited {rc} on SIGTERM']

    def failure(self, e, ul_cap, underlay_pcap):
        """`e` with what the underlay saw and taasd's log."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                pass
        notes = [str(e)]
        if ul_cap.poll() is None:
            Rig.stop(ul_cap)
        try:
            notes.append('underlay capture: ' + summarize(read_pcap(underlay_pcap)))
        except Fail as e2:
            notes.append(f'underlay capture unreadable: {e2}')
        notes.append(f'--- taasd (exit {self.proc.returncode}) log, tail ---\n' + self.log_tail())
        return Fail('\n'.join(notes))


def intent_text(rig, underlay_extra=''):
    return INTENT.format(vlan=NETWORK_VLAN, taasd_ip=TAASD_IP, coll_ip=COLLECTOR_IP, mtu=MTU,
                         ub=rig.ub, ua=rig.ua, vni=VNI, extra=underlay_extra)


def with_rig(run_test, args):
    """Skip (77) without root, `ip` or `dumpcap`; clean up on SIGTERM (meson's
    timeout) and SIGINT; run_test(args, tmpdir) -> 0, or raises Fail -> 1."""
    import tempfile
    if os.geteuid() != 0:
        log('SKIP: needs root (network namespaces, veth, vxlan)')
        return SKIP
    for tool in ('ip', 'dumpcap'):
        if not shutil.which(tool):
            log(f'SKIP: needs `{tool}` on PATH')
            return SKIP

    def on_signal(signum, _frame):
        raise Fail(f'interrupted by signal {signum}')
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    tmp = tempfile.mkdtemp(prefix='taas-netns-')
    try:
        return run_test(args, tmp)
    except Fail as e:
        log(f'FAIL: {e}')
        return 1
    finally:
        if getattr(args, 'keep', False):
            log(f'kept {tmp}')
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == '__main__':
    if len(sys.argv) == 3 and sys.argv[1] == '--sender':
        sys.exit(sender_mode(sys.argv[2]))
    sys.exit(__doc__)
