#!/usr/bin/python3
"""fault-monitor: the monitoring VM misbehaves while vm1 sends at full rate
(issue 8). taasd: vm1 net_pcap infinite_rx -> vm2 net_null (production at
full rate), mon a net_vhost port whose VM is a dpdk-testpmd on virtio-user
(tests/vhost/vhost_rig.py) forwarding what it receives into a net_null.
ts_0 on mon, tf_0 on vm1 BOTH: one copy per vm1 frame.

  down0   no monitoring VM yet: copies are dropped as port_down
  up      the VM connects and forwards: copies are delivered
  full    the VM stops polling (testpmd `stop`): its virtqueue fills and
          stays full; copies are dropped as tx_full, no more are delivered
  resume  the VM polls again (`start`): copies are delivered again
  down    the VM is killed (SIGKILL, no goodbye): taasd sees the link go
          down, copies are dropped as port_down
  up2     a new VM connects: copies are delivered again

Throughout, production runs at full rate. At the end (SIGTERM, the
--stats-out account): every production frame delivered, per-port
conservation, ts_0's copies = vm1's frames = sent + tx_full + port_down (no
other reason, both seen), mon's tx = copies sent and its tx_dropped =
tx_full copies, every mempool back, exit 0.

Exit 0 pass, 1 fail, 77 skip (not root, no dpdk-testpmd or no scapy).
"""

import argparse
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / 'vhost'))
sys.path.insert(0, str(HERE.parent / 'live'))
import judges as jd  # noqa: E402
import live_rig as lr  # noqa: E402
from vhost_rig import QUEUE_SIZE, Rig, Vm, check, log, main  # noqa: E402

PHASE_S = 1.5


class MonitorVm(Vm):
    """A monitoring VM: virtio-user port 0, io-forwarded into net_null."""

    def __init__(self, rig, name, sock):  # noqa: super().__init__ starts a pcap VM; this one sinks
        self.rig = rig
        self.name = name
        rig.vm_runs += 1
        self.prefix = f'{rig.prefix}-{name}-{rig.vm_runs}'
        self.log_path = rig.dir / f'{name}-{rig.vm_runs}.log'
        argv = ['stdbuf', '-oL', '-eL', rig.testpmd,
                '--lcores', '0@0,1@0', '--no-huge', '-m', '256', '--no-pci', f'--file-prefix={self.prefix}',
                '--vdev', f'net_virtio_user0,path={sock},server=0,queues=1,queue_size={QUEUE_SIZE}',
                '--vdev', 'net_null0,no-rx=1',
                '--', '-i', '--forward-mode=io', '--total-num-mbufs=8192',
                f'--rxd={QUEUE_SIZE}', f'--txd={QUEUE_SIZE}']
        log(f'  {name}: {" ".join(argv)}')
        self.out = open(self.log_path, 'wb')
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=self.out, stderr=subprocess.STDOUT)
        rig.vms.append(self)


def intent(rig, pcap):
    return '\n'.join(lr.intent_head() + [
        'ports:',
        f'  - {{name: vm1, device: "net_pcap0,rx_pcap={pcap},infinite_rx=1", role: vm, network: net-a}}',
        '  - {name: vm2, device: "net_null0,no-rx=1", role: vm, network: net-a}',
        f'  - {{name: mon, device: "{rig.vhost_device(0, "mon")}", role: monitor}}',
        'tap_services:',
        '  - {name: ts_0, port: mon}',
        'tap_flows:',
        '  - {name: tf_0, source_port: vm1, tap_service: ts_0, direction: BOTH}',
    ]) + '\n'


def snapshot(rig):
    s = rig.call('stats')
    svc = s['tap_services']['ts_0']
    return {'vm1': s['ports']['vm1']['rx_packets'], 'vm2': s['ports']['vm2']['tx_packets'],
            'sent': svc['packets'], 'tx_full': svc['dropped']['tx_full'],
            'port_down': svc['dropped']['port_down'], 'mon': s['ports']['mon']['tx_packets']}


def phase(rig, name, seconds=PHASE_S):
    """Counter deltas over `seconds`; production must have run at full rate."""
    a = snapshot(rig)
    time.sleep(seconds)
    b = snapshot(rig)
    d = {k: b[k] - a[k] for k in a}
    rate = d['vm1'] / seconds
    check(rate > 100000, f'{name}: production at full rate ({rate:,.0f} frames/s), '
                         f'copies sent {d["sent"]:,}, tx_full {d["tx_full"]:,}, port_down {d["port_down"]:,}')
    return d


def connect_monitor(rig, name):
    """A new monitoring VM: taasd sees its link up, it forwards, and copies
    are delivered (none dropped as port_down any more)."""
    ups = rig.link_events('mon', 'up')
    vm = MonitorVm(rig, 'mon', rig.port_sock('mon'))
    rig.wait_link('mon', 'up', ups + 1)
    vm.wait_prompt()
    vm.cmd('start')
    time.sleep(0.3)
    d = phase(rig, name)
    check(d['sent'] > 100000 and d['port_down'] == 0, f'{name}: copies delivered ({d["sent"]:,}), no port_down')
    return vm


def run(args):
    rig = Rig(args.taasd, 'fault-mon')
    try:
        pcap = rig.dir / 'vm1.pcap'
        lr.write_pcap(pcap)
        rig.start(intent(rig, pcap))

        d = phase(rig, 'down0 (no monitoring VM)')
        check(d['port_down'] > 0 and d['sent'] == 0, 'down0: every copy dropped as port_down, none sent')

        mon = connect_monitor(rig, 'up (the VM forwards)')

        mon.cmd('stop')
        time.sleep(0.3)  # the virtqueue fills
        d = phase(rig, 'full (the VM stopped polling)')
        check(d['sent'] == 0 and d['tx_full'] > 100000,
              f'full: nothing delivered ({d["sent"]}), copies dropped as tx_full ({d["tx_full"]:,})')

        mon.cmd('start')
        time.sleep(0.3)
        d = phase(rig, 'resume (the VM polls again)')
        check(d['sent'] > 100000, f'resume: copies delivered again ({d["sent"]:,})')

        downs = rig.link_events('mon', 'down')
        mon.kill()
        rig.wait_link('mon', 'down', downs + 1)
        time.sleep(0.3)
        d = phase(rig, 'down (the VM was killed)')
        check(d['sent'] == 0 and d['port_down'] > 100000,
              f'down: nothing delivered, copies dropped as port_down ({d["port_down"]:,})')

        mon2 = connect_monitor(rig, 'up2 (a new VM)')

        mon2.quit()  # before taasd: its socket gone, testpmd would die of SIGPIPE
        rc, stats = rig.stop()
        lr.clean_exit(rig, rc)  # it reads rig.log_text(), which the vhost Rig has
        jd.production_delivered(stats)
        jd.port_conservation(stats)
        frames = stats['ports']['vm1']['rx_packets']
        totals = jd.copies_by_reason(stats, {'ts_0': frames}, allowed={'tx_full', 'port_down'},
                                     need=('tx_full', 'port_down'))
        jd.monitor_account(stats, 'mon', ['ts_0'])
        jd.pools_back(stats)
        log(f'RESULT fault_monitor frames={frames} sent={stats["tap_services"]["ts_0"]["packets"]} '
            f'tx_full={totals["tx_full"]} port_down={totals["port_down"]}')
    finally:
        rig.close()


if __name__ == '__main__':
    p = argparse.ArgumentParser()
    p.add_argument('--taasd', required=True)
    main(lambda: run(p.parse_args()))
