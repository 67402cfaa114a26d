"""Processes of bench/pipeline.py: dpdk-testpmd driven over a pipe, taasd
with its Prometheus endpoint, and the clean-up of everything they leave
(processes, sockets, /var/run/dpdk/<prefix>), also after a failure or
Ctrl-C. Stdlib only.
"""

import contextlib
import fcntl
import json
import os
import re
import shutil
import signal
import subprocess
import threading
import time
import urllib.request
from pathlib import Path

LOCK_PATH = '/tmp/taas-bench.lock'
PROMPT = 'testpmd> '


class Fail(Exception):
    pass


def log(msg):
    print(msg, flush=True)


QUIET = {'max_busy_cpus': 0.25, 'max_wait': 20.0}


@contextlib.contextmanager
def bench_lock(path=LOCK_PATH):
    """The machine-wide benchmark lock: one timed measurement at a time.
    Once held, waits a while for the rest of the machine to go quiet
    (other processes, e.g. builds, do not take the lock)."""
    with open(path, 'a+') as f:
        t = time.monotonic()
        fcntl.flock(f, fcntl.LOCK_EX)
        waited = time.monotonic() - t
        if waited > 1:
            log(f'    (waited {waited:.0f} s for {path})')
        if QUIET['max_wait'] > 0:
            quiet_wait, busy = wait_quiet(QUIET['max_busy_cpus'], QUIET['max_wait'])
            if quiet_wait > 1:
                log(f'    (waited {quiet_wait:.0f} s for the machine to go quiet; other processes use {busy:.2f} CPUs)')
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


PRIORITY = {'autogroup_nice': -10}


def boost(pid):
    """Puts a measured process ahead of the machine's background work.
    With autogroup scheduling (sched_autogroup_enabled) every session is
    one group and groups share a CPU equally whatever their tasks' nice
    values: a nice-19 fuzzer in another session takes half of the CPU our
    lcore polls on. The process runs in a session of its own (Popen
    start_new_session) and its group gets a negative nice (root)."""
    n = PRIORITY['autogroup_nice']
    if n is None:
        return
    with contextlib.suppress(OSError):
        Path(f'/proc/{pid}/autogroup').write_text(str(n))


def _cpu_times():
    with open('/proc/stat') as f:
        v = [int(x) for x in f.readline().split()[1:]]
    idle = v[3] + v[4]  # idle + iowait
    return sum(v[:8]) - idle, sum(v[:8])


def wait_quiet(max_busy_cpus=0.25, max_wait=120.0, sample=0.5):
    """Waits (up to max_wait s) until the rest of the machine uses less
    than max_busy_cpus CPUs (/proc/stat over `sample` s); call it while
    nothing of ours runs. Returns (seconds waited, busy CPUs last seen)."""
    t0 = time.monotonic()
    while True:
        b0, a0 = _cpu_times()
        time.sleep(sample)
        b1, a1 = _cpu_times()
        ncpu = os.cpu_count() or 1
        busy = (b1 - b0) / max(1, a1 - a0) * ncpu
        waited = time.monotonic() - t0
        if busy <= max_busy_cpus or waited >= max_wait:
            return waited, busy
        time.sleep(2.0)


class Cleanup:
    """Everything started or created, undone in reverse order by close()."""

    def __init__(self):
        self.procs = []       # objects with .kill()
        self.prefixes = []    # EAL file prefixes
        self.paths = []       # files and folders

    def prefix(self, name):
        self.prefixes.append(name)
        return name

    def path(self, p):
        self.paths.append(Path(p))
        return Path(p)

    def close(self):
        for p in reversed(self.procs):
            with contextlib.suppress(Exception):
                p.kill()
        self.procs.clear()
        for pre in self.prefixes:
            shutil.rmtree(f'/var/run/dpdk/{pre}', ignore_errors=True)
        self.prefixes.clear()
        for p in reversed(self.paths):
            if p.is_dir() and not p.is_symlink():
                shutil.rmtree(p, ignore_errors=True)
            else:
                with contextlib.suppress(FileNotFoundError):
                    p.unlink()
        self.paths.clear()


def _stop_process(proc, grace=10.0, first=signal.SIGTERM):
    """Signals a process group leader and waits; SIGKILL after `grace`."""
    if proc.poll() is not None:
        return proc.returncode
    with contextlib.suppress(ProcessLookupError):
        proc.send_signal(first)
    try:
        return proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            proc.kill()
        return proc.wait()


def worker_sched(pid, prefix='rte-worker-'):
    """{tid: (on-CPU ns, run-queue wait ns)} of a process's DPDK lcore
    threads (/proc/PID/task/TID/schedstat). Wait time is time the thread
    was runnable but another task had its CPU: a measurement disturbed by
    something else on the machine."""
    out = {}
    for t in Path(f'/proc/{pid}/task').glob('*'):
        try:
            if not (t / 'comm').read_text().startswith(prefix):
                continue
            cpu, wait, _ = (int(x) for x in (t / 'schedstat').read_text().split())
        except (OSError, ValueError):
            continue
        out[t.name] = (cpu, wait)
    return out


def disturbed(s0, s1):
    """Percent of the window the lcore threads spent waiting for a CPU."""
    cpu = sum(s1[t][0] - s0[t][0] for t in s1 if t in s0)
    wait = sum(s1[t][1] - s0[t][1] for t in s1 if t in s0)
    return 100.0 * wait / (cpu + wait) if cpu + wait else None


class TestPmd:
    """dpdk-testpmd in interactive mode with its commands piped in (-i; see
    FIELD-NOTES) and its output read by a thread; cmd() waits for the next
    prompt, so commands run synchronously."""

    def __init__(self, cleanup, name, workdir, lcores, vdevs, args, mbufs=16384, memory=512):
        self.name = name
        self.prefix = cleanup.prefix(f'taas-pipe-{name}-{os.getpid()}')
        self.log_path = Path(workdir) / f'{name}.log'
        argv = ['stdbuf', '-oL', 'dpdk-testpmd', '--no-huge', '-m', str(memory), '--no-pci',
                f'--file-prefix={self.prefix}', f'--lcores={lcores}', '--log-level=error']
        for v in vdevs:
            argv += ['--vdev', v]
        argv += ['--', '-i', f'--total-num-mbufs={mbufs}', '--no-flush-rx', '--record-core-cycles', *args]
        self.argv = argv
        self.out = ''
        self.lock = threading.Lock()
        self.logf = open(self.log_path, 'w')
        self.logf.write(' '.join(argv) + '\n')
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, bufsize=0, start_new_session=True)
        cleanup.procs.append(self)
        boost(self.proc.pid)
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()
        self.prompts = 0
        self.wait_prompts(1, timeout=60)

    def _read(self):
        f = self.proc.stdout
        while True:
            chunk = os.read(f.fileno(), 65536)
            if not chunk:
                break
            text = chunk.decode(errors='replace')
            with self.lock:
                self.out += text
            self.logf.write(text)
            self.logf.flush()

    def text(self):
        with self.lock:
            return self.out

    def wait_prompts(self, n, timeout=30.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.text().count(PROMPT) >= n:
                return
            if self.proc.poll() is not None:
                time.sleep(0.2)  # let the reader catch the last lines
                raise Fail(f'{self.name}: dpdk-testpmd exited with {self.proc.returncode}:\n{self.text()[-3000:]}')
            time.sleep(0.01)
        raise Fail(f'{self.name}: no testpmd prompt within {timeout:.0f} s:\n{self.text()[-3000:]}')

    def cmd(self, line, timeout=30.0):
        """Runs one command; returns what it printed."""
        before = self.text()
        n = before.count(PROMPT)
        try:
            self.proc.stdin.write((line + '\n').encode())
        except OSError as e:
            raise Fail(f'{self.name}: cannot send {line!r} ({e}); exit code {self.proc.poll()}:\n{before[-2000:]}')
        self.wait_prompts(n + 1, timeout)
        after = self.text()
        start = len(before)
        end = after.rfind(PROMPT)
        return after[start:end]

    def port_stats(self):
        """'show port stats all' -> {port: {rx, tx, rx_missed, rx_nombuf, rx_errors,
        tx_errors, rx_pps, tx_pps}} (pps: since the previous show)."""
        text = self.cmd('show port stats all')
        stats = {}
        for m in re.finditer(r'NIC statistics for port (\d+)\s+#+(.*?)#{20,}', text, re.S):
            body = m.group(2)

            def num(pat):
                mm = re.search(pat, body)
                return int(mm.group(1)) if mm else 0
            stats[int(m.group(1))] = {
                'rx': num(r'RX-packets:\s*(\d+)'), 'tx': num(r'TX-packets:\s*(\d+)'),
                'rx_missed': num(r'RX-missed:\s*(\d+)'), 'rx_nombuf': num(r'RX-nombuf:\s*(\d+)'),
                'rx_errors': num(r'RX-errors:\s*(\d+)'), 'tx_errors': num(r'TX-errors:\s*(\d+)'),
                'rx_pps': num(r'Rx-pps:\s*(\d+)'), 'tx_pps': num(r'Tx-pps:\s*(\d+)'),
                'time': time.monotonic()}
        if not stats:
            raise Fail(f'{self.name}: no port statistics in:\n{text[-2000:]}')
        return stats

    @staticmethod
    def parse_fwd(text):
        """Forward statistics (since start / clear): per port rx, tx,
        tx_dropped; and cycles/packet with its busy cycles and packets."""
        ports = {}
        for m in re.finditer(r'Forward statistics for port (\d+)\s+-+\s+'
                             r'RX-packets:\s*(\d+)\s+RX-dropped:\s*(\d+)\s+RX-total:\s*(\d+)\s+'
                             r'TX-packets:\s*(\d+)\s+TX-dropped:\s*(\d+)', text):
            ports[int(m.group(1))] = {'rx': int(m.group(2)), 'rx_dropped': int(m.group(3)),
                                      'tx': int(m.group(5)), 'tx_dropped': int(m.group(6))}
        cyc = re.search(r'CPU cycles/packet=([\d.]+) \(\w+ cycles=(\d+) / total (\S+) packets=(\d+)\) at (\d+) MHz',
                        text)
        res = {'ports': ports}
        if cyc:
            res.update(cycles_per_packet=float(cyc.group(1)), busy_cycles=int(cyc.group(2)),
                       mode=cyc.group(3), packets=int(cyc.group(4)), mhz=int(cyc.group(5)))
        return res

    def fwd_stats(self):
        return self.parse_fwd(self.cmd('show fwd stats all'))

    def alive(self):
        return self.proc.poll() is None

    def quit(self, timeout=20.0):
        """'stop' (if forwarding) and 'quit'; SIGINT, then SIGKILL, if it hangs.
        Returns the exit code."""
        if self.proc.poll() is None:
            with contextlib.suppress(Exception):
                self.proc.stdin.write(b'quit\n')
                self.proc.stdin.close()
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                _stop_process(self.proc, grace=5, first=signal.SIGINT)
        self.reader.join(timeout=5)
        self.logf.close()
        return self.proc.returncode

    def kill(self):
        if self.proc.poll() is None:
            _stop_process(self.proc, grace=5, first=signal.SIGINT)
        with contextlib.suppress(Exception):
            self.logf.close()


class Metrics:
    """One Prometheus scrape: {name: [(labels, value)]}."""

    LINE = re.compile(r'^([a-zA-Z_:][\w:]*)(\{(.*)\})?\s+(\S+)$')
    LABEL = re.compile(r'(\w+)="((?:[^"\\]|\\.)*)"')

    def __init__(self, text):
        self.samples = {}
        self.time = time.monotonic()
        for line in text.splitlines():
            if not line or line.startswith('#'):
                continue
            m = self.LINE.match(line)
            if not m:
                continue
            labels = dict(self.LABEL.findall(m.group(3) or ''))
            try:
                value = float(m.group(4))
            except ValueError:
                continue
            self.samples.setdefault(m.group(1), []).append((labels, value))

    def sum(self, name, **want):
        return sum(v for labels, v in self.samples.get(name, [])
                   if all(labels.get(k) == w for k, w in want.items()))

    def by(self, name, key, **want):
        out = {}
        for labels, v in self.samples.get(name, []):
            if all(labels.get(k) == w for k, w in want.items()):
                out[labels.get(key)] = out.get(labels.get(key), 0) + v
        return out


class Taasd:
    """The real taasd: --config, --no-socket, --no-state, --metrics on a free
    loopback port, --stats-out; EAL arguments after --."""

    def __init__(self, cleanup, build, workdir, name, intent_text, lcores, memory=512, extra=()):
        self.name = name
        self.dir = Path(workdir)
        self.prefix = cleanup.prefix(f'taas-pipe-{name}-{os.getpid()}')
        self.intent = self.dir / f'{name}.yaml'
        self.intent.write_text(intent_text)
        self.stats_path = self.dir / f'{name}.stats.json'
        self.log_path = self.dir / f'{name}.log'
        with contextlib.suppress(FileNotFoundError):
            self.stats_path.unlink()
        binary = Path(build) / 'taasd'
        if not binary.exists():
            raise Fail(f'no taasd at {binary}')
        self.argv = [str(binary), '--config', str(self.intent), '--no-socket', '--no-state',
                     '--metrics', '127.0.0.1:0', '--stats-out', str(self.stats_path), *extra, '--',
                     '--no-huge', '-m', str(memory), f'--file-prefix={self.prefix}', f'--lcores={lcores}']
        self.logf = open(self.log_path, 'wb')
        self.started = time.monotonic()
        self.proc = subprocess.Popen(self.argv, stdout=self.logf, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                     start_new_session=True)
        cleanup.procs.append(self)
        boost(self.proc.pid)
        self.url = None
        self.rc = None

    def log_text(self):
        return self.log_path.read_text(errors='replace') if self.log_path.exists() else ''

    def wait_log(self, pattern, timeout=120.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            m = re.search(pattern, self.log_text(), re.M)
            if m:
                return m
            if self.proc.poll() is not None:
                raise Fail(f'{self.name}: taasd exited with {self.proc.returncode}:\n{self.log_text()[-3000:]}')
            time.sleep(0.02)
        raise Fail(f'{self.name}: no log line matching {pattern!r} within {timeout:.0f} s:\n{self.log_text()[-3000:]}')

    def wait_running(self, timeout=300.0, scrape=True):
        """Waits for 'running:' (start-up done) and, with scrape, for a
        first filled /metrics board."""
        self.url = self.wait_log(r'metrics: (http://127\.0\.0\.1:\d+/metrics)$', timeout).group(1)
        self.wait_log(r'running: \d+ ports', timeout)
        self.startup_s = time.monotonic() - self.started
        if scrape:
            self.wait_scrape()

    def scrape(self):
        with urllib.request.urlopen(self.url, timeout=10) as r:
            return Metrics(r.read().decode())

    def wait_scrape(self, timeout=10.0):
        """A scrape once the board has been filled (the first 250 ms after
        start it may be empty)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            m = self.scrape()
            if 'taasd_worker_busy_cycles_total' in m.samples:
                return m
            time.sleep(0.05)
        raise Fail(f'{self.name}: /metrics has no worker counters after {timeout:.0f} s')

    def fresh_scrape(self, after):
        """A scrape whose board was refreshed after the `after` scrape (the
        control loop refreshes it every 250 ms)."""
        for _ in range(200):
            m = self.scrape()
            if m.samples != after.samples:
                return m
            time.sleep(0.02)
        return m

    def memory(self):
        """VmRSS, VmHWM (kB) from /proc/PID/status."""
        out = {}
        for line in Path(f'/proc/{self.proc.pid}/status').read_text().splitlines():
            k, _, v = line.partition(':')
            if k in ('VmRSS', 'VmHWM', 'VmSize', 'VmPeak'):
                out[k] = int(v.split()[0])
        return out

    def stop(self, timeout=120.0):
        """SIGTERM; returns (exit code, stats dict or None)."""
        self.rc = _stop_process(self.proc, grace=timeout)
        self.logf.close()
        stats = json.loads(self.stats_path.read_text()) if self.stats_path.exists() else None
        return self.rc, stats

    def kill(self):
        if self.proc.poll() is None:
            _stop_process(self.proc, grace=30)
        with contextlib.suppress(Exception):
            self.logf.close()
