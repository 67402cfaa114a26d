#!/usr/bin/python3
"""The rig of the vhost-user tests: the real taasd with net_vhost ports
(server-mode sockets) and one dpdk-testpmd process per VM on the client side.

    taasd    vm1, vm2, mon: net_vhost<N>,iface=<dir>/<port>.sock,queues=1
    a "VM"   dpdk-testpmd -i --forward-mode=io --no-flush-rx with
             net_virtio_user0,path=<port>.sock,server=0,queues=1 (port 0)
             and net_pcap0 (port 1): it sends what its rx_pcap holds into
             taasd and records what taasd delivers to it in its tx_pcap.

Both sides run under --no-huge: EAL then backs its memory with memfd, which
vhost-user can pass to taasd, so no hugepages are needed (FIELD-NOTES).
taasd's worker polls on CPU 1 (-l 0,1); every testpmd puts both its lcores
on CPU 0 (--lcores 0@0,1@0), where taasd's main lcore also lives.

testpmd is driven through a pipe on its stdin (`-i`): a testpmd whose stdin
is not a terminal exits at once with `-a`. Its stdout goes through
`stdbuf -oL` so that the lines a command prints are in the log when its
next prompt is. Every process gets its own --file-prefix under the run's
prefix; the rig removes every runtime folder and its temporary directory at
the end, also after a failure.
"""

import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / 'live'))
from live_rig import Client, Fail, check, log, main, skip  # noqa: E402,F401

VM1_MAC = '02:00:00:00:01:01'
VM2_MAC = '02:00:00:00:02:02'
START_TIMEOUT = 30.0      # a process starts, a link comes up, a prompt shows
WAIT_TIMEOUT = 30.0       # frames reach their destination
STOP_TIMEOUT = 30.0
# Frames per VM burst stay below the virtqueue (queue_size=1024) and the
# testpmd rings (--rxd/--txd 1024): taasd never retries a full guest queue,
# it drops and counts (FIELD-NOTES: more than 256 needs the larger rings).
QUEUE_SIZE = 1024


def load_scapy():
    """scapy's modules, or exit 77 when /usr/bin/python3 has none."""
    try:
        import logging
        logging.getLogger('scapy.runtime').setLevel(logging.ERROR)
        from scapy.layers.inet import IP, UDP
        from scapy.layers.l2 import ARP, Ether
        from scapy.packet import Raw
        from scapy.utils import rdpcap, wrpcap
    except ImportError as e:
        skip(f'scapy is not importable by {sys.executable}: {e}')
    return {'IP': IP, 'UDP': UDP, 'ARP': ARP, 'Ether': Ether, 'Raw': Raw, 'rdpcap': rdpcap, 'wrpcap': wrpcap}


def write_pcap(path, frames):
    sc = load_scapy()
    sc['wrpcap'](str(path), [sc['Ether'](f) for f in frames])


def read_pcap(path):
    """The frames of a pcap file as bytes, in file order."""
    if not Path(path).exists():
        raise Fail(f'{path} was not written')
    return [bytes(p) for p in load_scapy()['rdpcap'](str(path))]


def require_root_and_testpmd():
    """Exits 77 with a reason when the tests cannot run here."""
    if os.geteuid() != 0:
        skip('needs root (DPDK runtime folders under /var/run/dpdk, vhost-user sockets)')
    testpmd = shutil.which('dpdk-testpmd')
    if testpmd is None:
        skip('dpdk-testpmd is not installed (Debian package dpdk)')
    if shutil.which('stdbuf') is None:
        skip('stdbuf (coreutils) is missing')
    load_scapy()
    return testpmd


class Vm:
    """One testpmd playing a VM on a taasd vhost-user socket."""

    def __init__(self, rig, name, sock, rx_pcap=None, tx_pcap=None, queues=1):
        """queues > 1: virtio_user gets that many queue pairs (and the
        control queue multiqueue needs), testpmd --rxq/--txq that many, and
        rx_pcap/tx_pcap are lists, one file per queue (net_pcap makes one
        queue per rx_pcap/tx_pcap); io forward then maps virtio queue q to
        pcap queue q both ways."""
        self.rig = rig
        self.name = name
        rig.vm_runs += 1
        self.prefix = f'{rig.prefix}-{name}-{rig.vm_runs}'
        self.log_path = rig.dir / f'{name}-{rig.vm_runs}.log'
        pcap = ['net_pcap0']
        for key, files in (('rx_pcap', rx_pcap), ('tx_pcap', tx_pcap)):
            if files is not None:
                pcap += [f'{key}={f}' for f in (files if isinstance(files, (list, tuple)) else [files])]
        virtio = f'net_virtio_user0,path={sock},server=0,queues={queues},queue_size={QUEUE_SIZE}'
        if queues > 1:
            virtio += ',cq=1'  # virtio_user: multiqueue needs the control queue
        argv = ['stdbuf', '-oL', '-eL', rig.testpmd,
                '--lcores', '0@0,1@0', '--no-huge', '-m', '256', '--no-pci', f'--file-prefix={self.prefix}',
                '--vdev', virtio,
                '--vdev', ','.join(pcap),
                '--', '-i', '--forward-mode=io', '--no-flush-rx', '--total-num-mbufs=8192',
                f'--rxd={QUEUE_SIZE}', f'--txd={QUEUE_SIZE}']
        if queues > 1:
            argv += [f'--rxq={queues}', f'--txq={queues}']
        log(f'  {name}: {" ".join(argv)}')
        self.out = open(self.log_path, 'wb')
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=self.out, stderr=subprocess.STDOUT)
        rig.vms.append(self)

    def text(self):
        return self.log_path.read_text(errors='replace') if self.log_path.exists() else ''

    def prompts(self):
        return self.text().count('testpmd> ')

    def wait_prompt(self, count=1, timeout=START_TIMEOUT):
        """Waits for the count-th prompt: testpmd has started (count 1), or
        has carried out the commands sent so far."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise Fail(f'{self.name}: testpmd exited with {self.proc.returncode}:\n{self.text()[-3000:]}')
            text = self.text()
            if 'connect error' in text:
                raise Fail(f'{self.name}: virtio_user could not connect to taasd:\n{text[-3000:]}')
            if text.count('testpmd> ') >= count:
                return
            time.sleep(0.05)
        raise Fail(f'{self.name}: no testpmd prompt #{count} within {timeout:.0f} s:\n{self.text()[-3000:]}')

    def cmd(self, line):
        """Sends one command and waits for the prompt after it."""
        before = self.prompts()
        self.proc.stdin.write(line.encode() + b'\n')
        self.proc.stdin.flush()
        self.wait_prompt(before + 1)

    def pcap_tx_packets(self):
        """What the VM has written to its tx_pcap so far: testpmd's TX count
        of port 1 (net_pcap)."""
        start = len(self.text())
        self.cmd('show port stats 1')
        block = re.search(r'NIC statistics for port 1\s+#+(.*?)#{20,}', self.text()[start:], re.S)
        m = re.search(r'TX-packets:\s*(\d+)', block.group(1)) if block else None
        if m is None:
            raise Fail(f'{self.name}: no TX-packets in "show port stats 1":\n{self.text()[start:]}')
        return int(m.group(1))

    def wait_received(self, want, timeout=WAIT_TIMEOUT):
        """Waits until the VM has recorded `want` frames (exactly: more fails)."""
        deadline = time.monotonic() + timeout
        got = -1
        while time.monotonic() < deadline:
            got = self.pcap_tx_packets()
            if got > want:
                raise Fail(f'{self.name} recorded {got} frames, more than the {want} expected')
            if got == want:
                return
            time.sleep(0.1)
        raise Fail(f'{self.name} recorded {got} frames within {timeout:.0f} s, expected {want}')

    def quit(self):
        """stop + quit: testpmd closes its ports, so its tx_pcap is complete."""
        if self.proc.poll() is None:
            with contextlib.suppress(OSError):
                self.proc.stdin.write(b'stop\nquit\n')
                self.proc.stdin.close()
            try:
                self.proc.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise Fail(f'{self.name}: testpmd did not quit within {STOP_TIMEOUT:.0f} s')
        self.out.close()
        shutil.rmtree(f'/var/run/dpdk/{self.prefix}', ignore_errors=True)
        check(self.proc.returncode == 0, f'{self.name}: testpmd exited 0 (got {self.proc.returncode})')

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        with contextlib.suppress(Exception):
            self.out.close()
        shutil.rmtree(f'/var/run/dpdk/{self.prefix}', ignore_errors=True)


class Rig:
    """One taasd with vhost-user ports in a temporary folder."""

    def __init__(self, taasd, name):
        self.testpmd = require_root_and_testpmd()
        self.taasd = str(Path(taasd).resolve())
        self.dir = Path(tempfile.mkdtemp(prefix=f'taas-vhost-{name}-'))
        self.prefix = f'taas-vhost-{name}-{os.getpid()}'
        self.intent = self.dir / 'intent.yaml'
        self.sock_path = self.dir / 'taasd.sock'
        self.state = self.dir / 'state.yaml'
        self.stats_path = self.dir / 'stats.json'
        self.log_path = self.dir / 'taasd.log'
        self.proc = None
        self.vms = []
        self.vm_runs = 0

    def port_sock(self, port):
        return self.dir / f'{port}.sock'

    def vhost_device(self, index, port, queues=1):
        return f'net_vhost{index},iface={self.port_sock(port)},queues={queues}'

    # -- taasd -----------------------------------------------------------

    def start(self, intent_text):
        """Starts taasd and waits until its socket answers `health` and every
        vhost socket exists."""
        self.intent.write_text(intent_text)
        argv = [self.taasd, '--config', str(self.intent), '--socket', str(self.sock_path),
                '--state-file', str(self.state), '--stats-out', str(self.stats_path), '--log-level', 'info']
        helptext = subprocess.run([self.taasd, '--help'], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                  text=True, timeout=30).stdout
        if '--no-metrics' in helptext:
            argv.append('--no-metrics')
        argv += ['--', '--no-huge', '-m', '512', f'--file-prefix={self.prefix}', '-l', '0,1']
        log(f'  taasd: {" ".join(argv)}')
        with open(self.log_path, 'wb') as out:
            self.proc = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise Fail(f'taasd exited with {self.proc.returncode} at start:\n{self.log_text()}')
            if self.sock_path.exists():
                with contextlib.suppress(OSError):
                    c = Client(self.sock_path, timeout=5)
                    try:
                        c.ok('health')
                        return
                    finally:
                        c.close()
            time.sleep(0.05)
        raise Fail(f'taasd did not answer on {self.sock_path} within {START_TIMEOUT:.0f} s:\n{self.log_text()}')

    def stop(self):
        """SIGTERM; returns (exit code, the --stats-out object)."""
        self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise Fail(f'taasd did not stop within {STOP_TIMEOUT:.0f} s:\n{self.log_text()[-3000:]}')
        self.proc = None
        if not self.stats_path.exists():
            raise Fail(f'taasd wrote no {self.stats_path}:\n{self.log_text()[-3000:]}')
        return rc, json.loads(self.stats_path.read_text())

    def log_text(self):
        return self.log_path.read_text(errors='replace') if self.log_path.exists() else ''

    def link_events(self, port, state):
        return len(re.findall(rf'^taasd: info: port {re.escape(port)}: link {state}$', self.log_text(), re.M))

    def wait_link(self, port, state, count, timeout=START_TIMEOUT):
        """Waits until taasd has logged `port P: link STATE` count times."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.link_events(port, state) >= count:
                return
            if self.proc.poll() is not None:
                raise Fail(f'taasd exited with {self.proc.returncode}:\n{self.log_text()[-3000:]}')
            time.sleep(0.05)
        raise Fail(f'taasd did not log "port {port}: link {state}" (#{count}) within {timeout:.0f} s:\n'
                   f'{self.log_text()[-3000:]}')

    def vm(self, name, rx_pcap=None, tx_pcap=None, queues=1):
        """Starts a VM on port `name`'s socket; waits until taasd sees its
        link up and testpmd shows its prompt (FIELD-NOTES: start forwarding
        earlier and the first frames are lost)."""
        ups = self.link_events(name, 'up')
        v = Vm(self, name, self.port_sock(name), rx_pcap, tx_pcap, queues)
        self.wait_link(name, 'up', ups + 1)
        v.wait_prompt()
        return v

    # -- the socket ------------------------------------------------------

    def call(self, op, args=None):
        c = Client(self.sock_path)
        try:
            return c.ok(op, args)
        finally:
            c.close()

    def wait_stats(self, what, pred, timeout=WAIT_TIMEOUT):
        """Polls `stats` until pred(stats) is true; returns those stats."""
        deadline = time.monotonic() + timeout
        stats = None
        while time.monotonic() < deadline:
            stats = self.call('stats')
            if pred(stats):
                return stats
            time.sleep(0.1)
        raise Fail(f'{what}: not reached within {timeout:.0f} s', json.dumps(stats))

    def close(self):
        for v in self.vms:
            v.kill()
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        shutil.rmtree(f'/var/run/dpdk/{self.prefix}', ignore_errors=True)
        if os.environ.get('TAAS_VHOST_KEEP'):
            log(f'  kept {self.dir}')
        else:
            shutil.rmtree(self.dir, ignore_errors=True)


# -- judges ---------------------------------------------------------------

def same_frames(got, want, what):
    """got must be want: same frames, byte-equal, same order."""
    if got == want:
        check(True, f'{what}: {len(want)} frames, byte-equal, in order')
        return
    extra = [i for i, f in enumerate(got) if f not in want]
    missing = [i for i, f in enumerate(want) if f not in got]
    raise Fail(f'{what}: got {len(got)} frames, expected {len(want)}; '
               f'unexpected frames at {extra[:10]}, expected frames missing: {missing[:10]}'
               + ('' if extra or missing else ' (same frames, other order or count)'))


def merged_frames(got, parts, what):
    """got must be an interleaving of the lists in `parts` (e.g. OUT and IN
    copies): every frame exactly once, each part's frames in their order."""
    pos = [0] * len(parts)
    for i, f in enumerate(got):
        for k, part in enumerate(parts):
            if pos[k] < len(part) and part[pos[k]] == f:
                pos[k] += 1
                break
        else:
            raise Fail(f'{what}: frame {i} ({len(f)} B) is not the next frame of any expected stream '
                       f'(positions {pos} of {[len(p) for p in parts]})')
    if pos != [len(p) for p in parts]:
        raise Fail(f'{what}: only {pos} of {[len(p) for p in parts]} expected frames arrived')
    check(True, f'{what}: {len(got)} frames = ' + ' + '.join(str(len(p)) for p in parts) +
          ', byte-equal, each stream in order')


# -- the scenario both tests share -----------------------------------------

def frames_of_vm2(count, port_base, step):
    """What vm2 sends back to vm1: `count` UDP frames, dport port_base + i,
    payload growing by `step` bytes a frame."""
    sc = load_scapy()
    Ether, IP, UDP, Raw = sc['Ether'], sc['IP'], sc['UDP'], sc['Raw']
    return [bytes(Ether(src=VM2_MAC, dst=VM1_MAC) / IP(src='10.0.0.2', dst='10.0.0.1') /
                  UDP(sport=4000, dport=port_base + i) / Raw(bytes([i]) * (18 + step * i))) for i in range(count)]


def one_flow_intent(rig, queues=1):
    """vm1 and vm2 on one network, mon a monitor, all net_vhost with
    `queues` queue pairs; tap service ts_0 on mon, tap flow tf_0 vm1 BOTH."""
    return '\n'.join([
        'version: 1',
        'dataplane:',
        '  workers: 1',
        'networks:',
        '  - {name: net-a, vlan: 100}',
        'ports:',
        f'  - {{name: vm1, device: "{rig.vhost_device(0, "vm1", queues)}", role: vm, network: net-a}}',
        f'  - {{name: vm2, device: "{rig.vhost_device(1, "vm2", queues)}", role: vm, network: net-a}}',
        f'  - {{name: mon, device: "{rig.vhost_device(2, "mon", queues)}", role: monitor}}',
        'tap_services:',
        '  - {name: ts_0, port: mon}',
        'tap_flows:',
        '  - {name: tf_0, source_port: vm1, tap_service: ts_0, direction: BOTH}',
    ]) + '\n'
