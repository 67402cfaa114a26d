#!/usr/bin/python3
"""The rig of the live tests: a real taasd with its control socket, fed at
full rate, driven through the socket (raw or by taasctl) while it forwards.

    vm1  net_pcap, rx_pcap=vm1.pcap, infinite_rx=1: replays unicast frames to
         vm2's MAC in a loop, as fast as the worker polls (its TX, unused,
         would count frames as sent and discard them: net_pcap without
         tx_pcap)
    vm2  net_null, no-rx=1: a sink that receives nothing, so its MAC is never
         learned and vm1's frames are flooded -- to vm2 only, the one other
         port of the network
    mon  net_null, no-rx=1: the monitor port every tap service uses

taasd serves no Prometheus metrics unless the rig is made with metrics=True:
then it listens on a free loopback port (--metrics 127.0.0.1:0), which
Rig.metrics_url() reads from taasd's log. extra_args go before the EAL's.

Every run gets its own temporary folder (intent, pcap, socket, state file,
stats file, log) and its own EAL --file-prefix, whose runtime folder is
removed at the end. Rig.close() stops a taasd that is still running (SIGKILL
after a grace period) and removes both, also after a failure.
"""

import contextlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SKIP = 77
VM1_MAC = '02:00:00:00:01:01'
VM2_MAC = '02:00:00:00:02:02'
FRAMES = 32            # held in taasd's production pool while it runs (infinite_rx)
START_TIMEOUT = 60.0
STOP_TIMEOUT = 60.0
UUID_RE = re.compile(r'^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$')
EXPORT_HEADER_RE = re.compile(r'^# taasd intent export: generation \d+, source .*$')


class Fail(Exception):
    pass


def log(msg):
    print(msg, flush=True)


def skip(why):
    log(f'SKIP: {why}')
    sys.exit(SKIP)


def check(cond, msg, details=None):
    """Raises Fail(msg) when cond is false; prints 'ok msg' otherwise."""
    if not cond:
        raise Fail(msg + ('' if details is None else f'\n    {details}'))
    log(f'  ok    {msg}')


def main(run):
    """Runs run() and maps its outcome to an exit code: 0, 1 (Fail) or 77."""
    try:
        run()
    except Fail as e:
        log(f'FAIL: {e}')
        sys.exit(1)
    log('PASS')
    sys.exit(0)


def write_pcap(path):
    """vm1's frames: FRAMES UDP/IPv4 frames of 60 B from VM1_MAC to VM2_MAC,
    built by scapy. Exits 77 when scapy is missing."""
    try:
        import logging
        logging.getLogger('scapy.runtime').setLevel(logging.ERROR)
        from scapy.layers.inet import IP, UDP
        from scapy.layers.l2 import Ether
        from scapy.packet import Raw
        from scapy.utils import wrpcap
    except ImportError as e:
        skip(f'scapy is not importable by {sys.executable}: {e}')
    frames = [Ether(src=VM1_MAC, dst=VM2_MAC) / IP(src='10.0.0.1', dst='10.0.0.2') /
              UDP(sport=1024 + i, dport=4000) / Raw(b'x' * 18) for i in range(FRAMES)]
    wrpcap(str(path), frames)


def intent_head(vlan=100):
    """The first lines of the rigs' intents: version, one worker, net-a."""
    return ['version: 1', 'dataplane:', '  workers: 1', 'networks:', f'  - {{name: net-a, vlan: {vlan}}}']


def intent_yaml(pcap, services=(), flows=(), vlan=100):
    """The intent text: vm1, vm2, mon as above; services are names (port
    mode on mon), flows are (name, source, service, direction)."""
    lines = intent_head(vlan) + [
        'ports:',
        f'  - {{name: vm1, device: "net_pcap0,rx_pcap={pcap},infinite_rx=1", role: vm, network: net-a}}',
        '  - {name: vm2, device: "net_null0,no-rx=1", role: vm, network: net-a}',
        '  - {name: mon, device: "net_null1,no-rx=1", role: monitor}',
    ]
    lines.append('tap_services:' + ('' if services else ' []'))
    lines += [f'  - {{name: {s}, port: mon}}' for s in services]
    lines.append('tap_flows:' + ('' if flows else ' []'))
    lines += [f'  - {{name: {n}, source_port: {src}, tap_service: {svc}, direction: {d}}}'
              for n, src, svc, d in flows]
    return '\n'.join(lines) + '\n'


class Client:
    """A raw connection to the control socket: newline-delimited JSON."""

    def __init__(self, path, timeout=30.0):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        self.sock.connect(str(path))
        self.buf = b''
        self.next_id = 1

    def close(self):
        with contextlib.suppress(OSError):
            self.sock.close()

    def send_raw(self, data):
        self.sock.sendall(data)

    def read_line(self):
        """One reply line (bytes, no '\\n'), or None at end of stream."""
        while b'\n' not in self.buf:
            chunk = self.sock.recv(1 << 16)
            if not chunk:
                return None
            self.buf += chunk
        line, self.buf = self.buf.split(b'\n', 1)
        return line

    def read_reply(self):
        line = self.read_line()
        if line is None:
            raise Fail('the connection closed where a reply was expected')
        try:
            reply = json.loads(line)
        except ValueError as e:
            raise Fail(f'reply is not JSON ({e}): {line[:200]!r}')
        if not isinstance(reply, dict) or reply.get('v') != 1 or 'ok' not in reply:
            raise Fail(f'not a reply envelope: {line[:200]!r}')
        return reply

    def call(self, op, args=None):
        """Sends one request, returns its reply (checking the echoed id)."""
        rid = self.next_id
        self.next_id += 1
        req = {'v': 1, 'id': rid, 'op': op}
        if args is not None:
            req['args'] = args
        self.send_raw(json.dumps(req).encode() + b'\n')
        reply = self.read_reply()
        if reply.get('id') != rid:
            raise Fail(f'{op}: reply id {reply.get("id")!r}, sent {rid}')
        return reply

    def ok(self, op, args=None):
        """call() that must succeed; returns its result."""
        reply = self.call(op, args)
        if reply['ok'] is not True:
            raise Fail(f'{op} {json.dumps(args)} failed: {reply.get("error")}')
        return reply['result']


class Rig:
    """One taasd run directory; start()/stop() may be repeated (restart)."""

    def __init__(self, taasd, name, taasctl=None, metrics=False, extra_args=()):
        self.taasd = str(Path(taasd).resolve())
        self.metrics = metrics
        self.extra_args = list(extra_args)
        self.taasctl = str(Path(taasctl).resolve()) if taasctl else None
        self.dir = Path(tempfile.mkdtemp(prefix=f'taas-live-{name}-'))
        self.prefix = f'taas-live-{name}-{os.getpid()}'
        self.pcap = self.dir / 'vm1.pcap'
        self.intent = self.dir / 'intent.yaml'
        self.sock_path = self.dir / 'taasd.sock'
        self.state = self.dir / 'state.yaml'
        self.stats_path = self.dir / 'stats.json'
        self.proc = None
        self.runs = 0
        self.log_path = None
        write_pcap(self.pcap)

    # -- the daemon ------------------------------------------------------

    def write_intent(self, text):
        self.intent.write_text(text)

    def start(self):
        """Starts taasd and waits until its socket answers `health`."""
        if not os.path.exists(self.taasd):
            raise Fail(f'no taasd at {self.taasd}')
        self.runs += 1
        self.log_path = self.dir / f'taasd-{self.runs}.log'
        with contextlib.suppress(FileNotFoundError):
            self.stats_path.unlink()
        argv = [self.taasd, '--config', str(self.intent), '--socket', str(self.sock_path),
                '--state-file', str(self.state), '--stats-out', str(self.stats_path),
                *(['--metrics', '127.0.0.1:0'] if self.metrics else ['--no-metrics']), *self.extra_args, '--',
                '--no-huge', '-m', '512', f'--file-prefix={self.prefix}', '-l', '0,1']
        log(f'  start: {" ".join(argv)}')
        with open(self.log_path, 'wb') as out:
            self.proc = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise Fail(f'taasd exited with {self.proc.returncode} at start:\n{self.log_text()}')
            if self.sock_path.exists():
                try:
                    c = Client(self.sock_path, timeout=5)
                    try:
                        c.ok('health')
                        return
                    finally:
                        c.close()
                except OSError:
                    pass
            time.sleep(0.05)
        raise Fail(f'taasd did not answer on {self.sock_path} within {START_TIMEOUT:.0f} s:\n{self.log_text()}')

    def metrics_url(self):
        """http://127.0.0.1:PORT/metrics of the current run, from its log."""
        line = self.wait_log(r'metrics: http://127\.0\.0\.1:\d+/metrics$', timeout=5)
        return line.split('metrics: ', 1)[1]

    def send(self, sig):
        self.proc.send_signal(sig)

    def stop(self, sig=signal.SIGTERM):
        """Stops taasd with `sig`; returns (exit code, stats dict or None)."""
        self.proc.send_signal(sig)
        try:
            rc = self.proc.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise Fail(f'taasd did not stop within {STOP_TIMEOUT:.0f} s of {sig.name}:\n{self.log_text()}')
        self.proc = None
        stats = json.loads(self.stats_path.read_text()) if self.stats_path.exists() else None
        return rc, stats

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def log_text(self):
        return self.log_path.read_text(errors='replace') if self.log_path and self.log_path.exists() else ''

    def wait_log(self, pattern, timeout=15.0):
        """Waits until the current log has a line matching `pattern` (regex)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            m = re.search(pattern, self.log_text(), re.M)
            if m:
                return m.group(0)
            time.sleep(0.05)
        raise Fail(f'no log line matching {pattern!r} within {timeout:.0f} s:\n{self.log_text()}')

    def close(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        shutil.rmtree(f'/var/run/dpdk/{self.prefix}', ignore_errors=True)
        if os.environ.get('TAAS_LIVE_KEEP'):
            log(f'  kept {self.dir}')
        else:
            shutil.rmtree(self.dir, ignore_errors=True)

    # -- the socket ------------------------------------------------------

    def client(self, timeout=30.0):
        return Client(self.sock_path, timeout)

    def call(self, op, args=None):
        """One request on a fresh connection; the result (must succeed)."""
        c = self.client()
        try:
            return c.ok(op, args)
        finally:
            c.close()

    def stats(self):
        return self.call('stats')

    def export(self):
        return self.call('export')['intent']

    def generation(self):
        return self.call('health')['generation']

    # -- taasctl ---------------------------------------------------------

    def ctl(self, *args, ok=True, timeout=60):
        """Runs taasctl --socket SOCK ARGS; returns the CompletedProcess.
        ok=True: it must exit 0 with nothing on stderr; ok=False: it must
        exit 1 with exactly one stderr line."""
        argv = [self.taasctl, '--socket', str(self.sock_path), *args]
        p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=timeout)
        shown = ' '.join(args)
        if ok and (p.returncode != 0 or p.stderr):
            raise Fail(f'taasctl {shown}: exit {p.returncode}, stderr {p.stderr!r}, stdout {p.stdout[:500]!r}')
        if not ok:
            lines = p.stderr.splitlines()
            if p.returncode != 1 or len(lines) != 1:
                raise Fail(f'taasctl {shown}: expected exit 1 and one stderr line, got exit {p.returncode}, '
                           f'stderr {p.stderr!r}')
        return p

    def ctl_json(self, *args):
        p = self.ctl(*args, '-f', 'json')
        try:
            return json.loads(p.stdout)
        except ValueError as e:
            raise Fail(f'taasctl {" ".join(args)} -f json: not JSON ({e}): {p.stdout[:500]!r}')


def without_header(export_text):
    """The export without its first line, which must be the generation comment."""
    first, _, rest = export_text.partition('\n')
    if not EXPORT_HEADER_RE.match(first):
        raise Fail(f'export does not start with the generation comment: {first!r}')
    return rest


def copies_conserved(stats):
    """Checks that every copy the monitor sent is counted by exactly one
    service and one flow (current or deleted). Returns the mon tx count."""
    mon = stats['ports']['mon']['tx_packets']
    mon_bytes = stats['ports']['mon']['tx_bytes']
    deleted = stats.get('deleted', {})
    dflows = deleted.get('tap_flows', {'packets': 0, 'bytes': 0})
    dsvcs = deleted.get('tap_services', {'packets': 0, 'bytes': 0})
    flows = sum(f['packets'] for f in stats['tap_flows'].values()) + dflows['packets']
    flow_bytes = sum(f['bytes'] for f in stats['tap_flows'].values()) + dflows['bytes']
    svcs = sum(s['packets'] for s in stats['tap_services'].values()) + dsvcs['packets']
    svc_bytes = sum(s['bytes'] for s in stats['tap_services'].values()) + dsvcs['bytes']
    check(mon == flows and mon_bytes == flow_bytes,
          f'mon tx_packets {mon} == current + deleted tap flow packets {flows} (bytes {mon_bytes} == {flow_bytes})')
    check(mon == svcs and mon_bytes == svc_bytes,
          f'mon tx_packets {mon} == current + deleted tap service packets {svcs} (bytes {mon_bytes} == {svc_bytes})')
    return mon


def production_complete(stats):
    """vm1's frames all reached vm2 (flooded to it, the only other port)."""
    vm1, vm2 = stats['ports']['vm1'], stats['ports']['vm2']
    check(vm1['rx_packets'] == vm2['tx_packets'] + vm1['rx_dropped'],
          f'vm1 rx_packets {vm1["rx_packets"]} == vm2 tx_packets {vm2["tx_packets"]} + '
          f'vm1 rx_dropped {vm1["rx_dropped"]}')
    check(vm1['rx_dropped'] == 0 and vm2['tx_dropped'] == 0,
          f'no production frame dropped (vm1 rx_dropped {vm1["rx_dropped"]}, vm2 tx_dropped {vm2["tx_dropped"]})',
          vm1['rx_dropped_by'])


def clean_exit(rig, rc):
    text = rig.log_text()
    check(rc == 0, f'taasd exited 0 (got {rc})', text[-2000:])
    for bad in ('did not return', 'did not report done', 'could not be freed'):
        check(bad not in text, f'the log has no "{bad}"', text[-2000:])


def self_test():
    """The judges without taasd: consistent counters pass, and each planted
    defect (a lost production frame, a copy counted by no flow, by no
    service, a wrong byte count, a drop) is caught."""
    port = {'rx_packets': 0, 'tx_packets': 0, 'tx_bytes': 0, 'rx_dropped': 0, 'tx_dropped': 0,
            'rx_dropped_by': {}}
    good = {'ports': {'vm1': dict(port, rx_packets=100), 'vm2': dict(port, tx_packets=100),
                      'mon': dict(port, tx_packets=150, tx_bytes=9000)},
            'tap_services': {'ts_0': {'packets': 100, 'bytes': 6000}},
            'tap_flows': {'tf_0': {'packets': 90, 'bytes': 5400}},
            'deleted': {'tap_services': {'packets': 50, 'bytes': 3000},
                        'tap_flows': {'packets': 60, 'bytes': 3600}}}

    def planted(path, value):
        bad = json.loads(json.dumps(good))
        node = bad
        for k in path[:-1]:
            node = node[k]
        node[path[-1]] = value
        return bad

    production_complete(good)
    copies_conserved(good)
    defects = [
        (production_complete, planted(('ports', 'vm2', 'tx_packets'), 99)),
        (production_complete, planted(('ports', 'vm1', 'rx_dropped'), 1)),
        (copies_conserved, planted(('tap_flows', 'tf_0', 'packets'), 89)),
        (copies_conserved, planted(('deleted', 'tap_flows', 'packets'), 61)),
        (copies_conserved, planted(('tap_services', 'ts_0', 'packets'), 101)),
        (copies_conserved, planted(('tap_flows', 'tf_0', 'bytes'), 5401)),
        (copies_conserved, planted(('deleted',), {})),
    ]
    for judge, stats in defects:
        try:
            judge(stats)
        except Fail as e:
            log(f'  ok    planted defect caught: {str(e).splitlines()[0]}')
            continue
        raise Fail(f'{judge.__name__} accepted a planted defect: {stats}')
    try:
        without_header('version: 1\n')
    except Fail:
        log('  ok    an export without its generation comment is refused')
    else:
        raise Fail('without_header accepted an export without the comment')


if __name__ == '__main__':
    if sys.argv[1:] != ['--self-test']:
        sys.exit('usage: live_rig.py --self-test')
    main(self_test)
