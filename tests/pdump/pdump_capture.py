#!/usr/bin/env python3
"""dpdk-dumpcap captures taasd's ports (issue 5): taasd calls rte_pdump_init,
so when it runs on hugepages a dpdk-dumpcap secondary process can attach and
capture any port by its DPDK name (net_null0 ...).

The test allocates hugepages (root), mounts hugetlbfs when nothing is
mounted on /dev/hugepages, runs taasd on them with net_null ports (vm1
generates 64-byte frames at full rate, vm2 and the monitor are sinks, one
tap flow vm1 BOTH), captures at least 40 frames of vm1 (RX) and of the monitor
(mirror copies) with dpdk-dumpcap, and checks both captures with tshark:
the counts and frame lengths, and that the monitor's frames equal vm1's.
Then taasd must exit 0 (every mbuf back), and everything it took is given
back: its hugepage files, the page count, the mount.

Skips (exit 77) with a reason only when not root, or when dpdk-dumpcap or
tshark is missing, or when the kernel gives no hugepages.

usage: pdump_capture.py --taasd build/taasd
"""

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HUGE_DIR = Path('/dev/hugepages')
NR_HUGE = Path('/proc/sys/vm/nr_hugepages')
PAGES = 512  # 1 GiB of 2 MiB pages


def skip(why):
    print(f'SKIP: {why}')
    sys.exit(77)


def free_hugepages():
    for line in Path('/proc/meminfo').read_text().splitlines():
        if line.startswith('HugePages_Free:'):
            return int(line.split()[1])
    return 0


def tshark_frames(path):
    out = subprocess.run(['tshark', '-r', str(path), '-T', 'fields', '-e', 'frame.len', '-e', 'data.data',
                          '-e', 'eth.dst'], capture_output=True, text=True, check=True).stdout
    return [line for line in out.splitlines() if line]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--taasd', required=True)
    args = ap.parse_args()
    if os.geteuid() != 0:
        skip('needs root to allocate hugepages')
    for tool in ('dpdk-dumpcap', 'tshark'):
        if shutil.which(tool) is None:
            skip(f'{tool} is not installed')

    mounted_here = False
    old_pages = int(NR_HUGE.read_text())
    work = Path(tempfile.mkdtemp(prefix='taas-pdump-'))
    prefix = f'taas-pdump-{os.getpid()}'
    proc = None
    failures = []
    try:
        HUGE_DIR.mkdir(exist_ok=True)
        if subprocess.run(['mountpoint', '-q', str(HUGE_DIR)]).returncode != 0:
            subprocess.run(['mount', '-t', 'hugetlbfs', 'none', str(HUGE_DIR)], check=True)
            mounted_here = True
        if free_hugepages() < PAGES:
            NR_HUGE.write_text(str(old_pages + PAGES))
        if free_hugepages() < 64:
            skip(f'the kernel gave no hugepages (asked for {PAGES})')

        (work / 'intent.yaml').write_text('''version: 1
networks: [{name: net-a, vlan: 100}]
ports:
  - {name: vm1, device: "net_null0", role: vm, network: net-a}
  - {name: vm2, device: "net_null1,no-rx=1", role: vm, network: net-a}
  - {name: mon, device: "net_null2,no-rx=1", role: monitor}
tap_services: [{name: ts_0, port: mon}]
tap_flows: [{name: tf_0, source_port: vm1, tap_service: ts_0, direction: BOTH}]
''')
        argv = [str(Path(args.taasd).resolve()), '--config', 'intent.yaml', '--socket', str(work / 's.sock'),
                '--state-file', str(work / 'state.yaml')]
        help_text = subprocess.run([argv[0], '--help'], capture_output=True, text=True).stdout
        if '--no-metrics' in help_text:
            argv.append('--no-metrics')
        argv += ['--', f'--file-prefix={prefix}', '-l', '0,1']  # no --no-huge: hugepages are free
        log = open(work / 'taasd.log', 'w+')
        proc = subprocess.Popen(argv, cwd=work, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while 'running:' not in (work / 'taasd.log').read_text():
            if proc.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f'FAIL: taasd did not start:\n{(work / "taasd.log").read_text()}')
            time.sleep(0.1)
        if '--no-huge' in (work / 'taasd.log').read_text():
            failures.append('taasd ran with --no-huge although hugepages were free')

        captures = {}
        for port in ('net_null0', 'net_null2'):  # vm1 (RX), the monitor (mirror copies)
            out = work / f'{port}.pcapng'
            r = subprocess.run(['dpdk-dumpcap', f'--file-prefix={prefix}', '-i', port, '-c', '40', '-w', str(out)],
                               capture_output=True, text=True, timeout=60)
            print(f'  dumpcap -i {port}: rc {r.returncode}: {r.stderr.strip().splitlines()[-1:]}')
            if r.returncode != 0 or not out.exists():
                failures.append(f'dpdk-dumpcap -i {port} failed ({r.returncode}): {r.stderr}')
                continue
            captures[port] = tshark_frames(out)
            print(f'  {port}: {len(captures[port])} frames, first {captures[port][:1]}')
            if len(captures[port]) < 40:  # dumpcap writes whole bursts: at least 40
                failures.append(f'{port}: captured {len(captures[port])} frames, asked for 40')
            if any(not f.startswith('64\t') for f in captures[port]):
                failures.append(f'{port}: a frame is not the 64 bytes net_null sends')
        if len(captures) == 2 and set(captures['net_null2']) - set(captures['net_null0']):
            failures.append('the monitor captured a frame vm1 never sent')

        proc.send_signal(signal.SIGTERM)
        rc = proc.wait(timeout=60)
        text = (work / 'taasd.log').read_text()
        if rc != 0 or 'did not return' in text:
            failures.append(f'taasd exited {rc}:\n{text}')
    finally:
        if proc is not None and proc.poll() is None:
            proc.kill()
            proc.wait()
        for f in HUGE_DIR.glob(f'{prefix}map_*'):
            f.unlink()
        shutil.rmtree(f'/var/run/dpdk/{prefix}', ignore_errors=True)
        NR_HUGE.write_text(str(old_pages))
        if mounted_here:
            subprocess.run(['umount', str(HUGE_DIR)])
        shutil.rmtree(work, ignore_errors=True)
    if failures:
        print('FAIL:\n- ' + '\n- '.join(failures))
        sys.exit(1)
    print('PASS')


if __name__ == '__main__':
    main()
