#!/usr/bin/python3
"""live-metrics: taasd's Prometheus exposition, scraped with curl while vm1
sends at full rate (live_rig.py), judged against the control socket and the
--stats-out file.

The intent has tap services ts_a and ts_b on mon and flows tf_a (vm1 BOTH ->
ts_a) and tf_b (vm1 OUT -> ts_b). taasd listens on a free loopback port
(--metrics 127.0.0.1:0, read from its log).

  0. --metrics: a malformed address exits 2 before anything starts; an
     address in use exits 1 and names it;
  1. format: every line of a scrape is a HELP, a TYPE or a sample line that
     parses (name, labels, value); each family has HELP and TYPE before its
     samples, no series repeats, counters end in _total and hold integers,
     the histogram's buckets are cumulative with +Inf == _count; the
     Content-Type is text/plain;
  2. names and labels: exactly the families of dataplane/metrics.hpp with
     exactly their label names, one series per port / reason / service /
     flow / worker, ids equal to the control socket's UUIDs, no
     taasd_neighbor_resolved (no remote service here); gauges: ports up,
     services up (ACTIVE), tsc_hz > 0, generation == health's;
  3. a scrape lies between the control socket's stats before and after it
     (ports, services, flows);
  4. a second scrape a second later: no counter went down, vm1 rx, mon tx,
     the flows and the busy cycles grew;
  5. changes: create ts_c, create tf_c (vm1 OUT -> ts_c), a failing create,
     delete tf_c: generation +3, swap_duration_seconds_count +3 (the failure
     is not a swap), tf_c's series appeared with copies and then disappeared
     from every family, taasd_deleted_mirrored_packets_total took them over;
  6. freeze: apply the export with every direction IN (nothing is delivered
     to vm1, so no more copies): one more swap; two scrapes later the mirror
     counters stand still while vm1 rx still grows, and are exact:
     ts_a == tf_a, ts_b == tf_b, ts_c == the deleted count, mon tx ==
     tf_a + tf_b + deleted (packets), mon tx bytes == the services' bytes;
  7. SIGTERM: exit 0; the last scrape <= --stats-out for every port, service
     and flow counter, the frozen mirror counters equal it exactly, the
     generation matches; the listener is gone.

Usage: metrics.py --taasd build/taasd
"""

import argparse
import math
import os
import re
import shutil
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import live_rig as lr  # noqa: E402

PORTS = ['vm1', 'vm2', 'mon']
RX_REASONS = {'monitor_port', 'malformed', 'vlan_mismatch', 'hairpin', 'no_path', 'nombuf'}
MIRROR_REASONS = {'nombuf', 'tx_full', 'no_neighbor', 'port_down', 'too_big'}
# family -> (type, label names), as dataplane/metrics.hpp lists them
FAMILIES = {
    'taasd_port_rx_packets_total': ('counter', ('port',)),
    'taasd_port_rx_bytes_total': ('counter', ('port',)),
    'taasd_port_tx_packets_total': ('counter', ('port',)),
    'taasd_port_tx_bytes_total': ('counter', ('port',)),
    'taasd_port_rx_dropped_total': ('counter', ('port', 'reason')),
    'taasd_port_tx_dropped_total': ('counter', ('port',)),
    'taasd_port_tx_nombuf_total': ('counter', ('port',)),
    'taasd_port_tx_link_down_total': ('counter', ('port',)),
    'taasd_port_up': ('gauge', ('port',)),
    'taasd_service_mirrored_packets_total': ('counter', ('service', 'service_id')),
    'taasd_service_mirrored_bytes_total': ('counter', ('service', 'service_id')),
    'taasd_mirror_dropped_total': ('counter', ('service', 'service_id', 'reason')),
    'taasd_service_up': ('gauge', ('service', 'service_id')),
    'taasd_flow_mirrored_packets_total': ('counter', ('flow', 'flow_id', 'service')),
    'taasd_flow_mirrored_bytes_total': ('counter', ('flow', 'flow_id', 'service')),
    'taasd_deleted_mirrored_packets_total': ('counter', ()),
    'taasd_worker_busy_cycles_total': ('counter', ('worker',)),
    'taasd_worker_idle_cycles_total': ('counter', ('worker',)),
    'taasd_tsc_hz': ('gauge', ()),
    'taasd_snapshot_generation': ('gauge', ()),
    'taasd_swap_duration_seconds': ('histogram', ()),
}
# taasd_<...>_total families whose series are per port / service / flow
PORT_COUNTERS = {'taasd_port_rx_packets_total': 'rx_packets', 'taasd_port_rx_bytes_total': 'rx_bytes',
                 'taasd_port_tx_packets_total': 'tx_packets', 'taasd_port_tx_bytes_total': 'tx_bytes',
                 'taasd_port_tx_dropped_total': 'tx_dropped', 'taasd_port_tx_nombuf_total': 'tx_nombuf',
                 'taasd_port_tx_link_down_total': 'tx_link_down'}

NAME = r'[a-zA-Z_:][a-zA-Z0-9_:]*'
SAMPLE_RE = re.compile(rf'^({NAME})(?:\{{(.*)\}})? (\S+)(?: -?\d+)?$')
LABEL_RE = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\.)*)"(,|$)')
HELP_RE = re.compile(rf'^# HELP ({NAME}) (.*)$')
TYPE_RE = re.compile(rf'^# TYPE ({NAME}) (counter|gauge|histogram|summary|untyped)$')
FAIL = lr.Fail
check = lr.check


class Scrape:
    """One parsed exposition: samples[(name, ((label, value), ...))] = value,
    types[family] = type, family_of[sample name] = family."""

    def __init__(self, text):
        self.text = text
        self.samples = {}
        self.types = {}
        self.helps = {}
        self.order = []
        family = None
        for n, line in enumerate(text.splitlines(), 1):
            where = f'line {n}: {line!r}'
            if not line:
                continue
            if line.startswith('# HELP '):
                m = HELP_RE.match(line)
                if not m or m.group(1) in self.helps:
                    raise FAIL(f'exposition: bad or repeated HELP, {where}')
                self.helps[m.group(1)] = m.group(2)
                family = m.group(1)
                continue
            if line.startswith('# TYPE '):
                m = TYPE_RE.match(line)
                if not m or m.group(1) != family or m.group(1) in self.types:
                    raise FAIL(f'exposition: TYPE must follow its HELP once, {where}')
                self.types[family] = m.group(2)
                self.order.append(family)
                continue
            if line.startswith('#'):
                continue
            m = SAMPLE_RE.match(line)
            if not m:
                raise FAIL(f'exposition: not a sample line, {where}')
            name, labels_text, value_text = m.groups()
            if family is None or family not in self.types:
                raise FAIL(f'exposition: a sample before its family\'s HELP and TYPE, {where}')
            suffixes = {'histogram': ('_bucket', '_sum', '_count'), 'summary': ('', '_sum', '_count')}
            allowed = {family + s for s in suffixes.get(self.types[family], ('',))}
            if name not in allowed:
                raise FAIL(f'exposition: sample {name} outside its family {family}, {where}')
            labels = []
            rest = labels_text or ''
            while rest:
                lm = LABEL_RE.match(rest)
                if not lm:
                    raise FAIL(f'exposition: bad labels, {where}')
                labels.append((lm.group(1), lm.group(2)))
                rest = rest[lm.end():]
            try:
                value = float(value_text)
            except ValueError:
                raise FAIL(f'exposition: value is not a number, {where}')
            key = (name, tuple(labels))
            if key in self.samples:
                raise FAIL(f'exposition: series repeated, {where}')
            self.samples[key] = value

    def series(self, name):
        """{labels dict as a sorted tuple: value} of one sample name."""
        return {labels: v for (n, labels), v in self.samples.items() if n == name}

    def one(self, name, **labels):
        want = tuple(labels.items())
        for (n, got), v in self.samples.items():
            if n == name and dict(got) == dict(want):
                return v
        raise FAIL(f'no series {name}{labels}')

    def counters(self):
        """{(name, labels): value} of the taasd counters."""
        return {k: v for k, v in self.samples.items()
                if k[0] in FAMILIES and FAMILIES[k[0]][0] == 'counter'}


def curl(url):
    p = subprocess.run(['curl', '-sS', '--max-time', '10', '-w', '\n%{content_type}', url],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if p.returncode != 0:
        raise FAIL(f'curl {url}: exit {p.returncode}: {p.stderr.strip()}')
    body, _, ctype = p.stdout.rpartition('\n')
    if not ctype.startswith('text/plain'):  # prometheus-cpp 1.0 says text/plain; charset=utf-8
        raise FAIL(f'curl {url}: Content-Type {ctype!r}, expected text/plain')
    return Scrape(body)


def fresh_scrape(rig, url, stats, timeout=10.0):
    """A scrape taken after `stats` (the board refreshes every 250 ms): its
    generation is stats' and vm1 rx has reached stats' count."""
    deadline = time.monotonic() + timeout
    while True:
        s = curl(url)
        if (s.series('taasd_snapshot_generation') and
                s.one('taasd_snapshot_generation') == stats['generation'] and
                s.one('taasd_port_rx_packets_total', port='vm1') >= stats['ports']['vm1']['rx_packets']):
            return s
        if time.monotonic() > deadline:
            raise FAIL(f'no scrape caught up with the control socket within {timeout:.0f} s')
        time.sleep(0.05)


def check_format(s):
    bad = [f for f, t in s.types.items() if f.startswith('taasd_') and t == 'counter' and not f.endswith('_total')]
    check(not bad, 'every taasd counter family ends in _total', bad)
    for (name, labels), v in s.counters().items():
        if not (v >= 0 and float(v).is_integer()):
            raise FAIL(f'counter {name}{dict(labels)} = {v}: not a non-negative integer')
    buckets = sorted(((float(dict(l)['le']), v) for l, v in s.series('taasd_swap_duration_seconds_bucket').items()))
    check(len(buckets) >= 2 and math.isinf(buckets[-1][0]), 'the swap histogram has buckets up to +Inf')
    counts = [v for _, v in buckets]
    check(counts == sorted(counts) and counts[-1] == s.one('taasd_swap_duration_seconds_count'),
          f'its buckets are cumulative and +Inf == _count ({counts[-1]:.0f})')
    check(len(s.text.splitlines()) > 100, f'every one of {len(s.text.splitlines())} lines parses')


def check_names(s, services, flows, workers):
    """The taasd families and label sets, exactly."""
    got = {f for f in s.types if f.startswith('taasd_')}
    check(got == set(FAMILIES), 'exactly the taasd families of metrics.hpp',
          f'missing {set(FAMILIES) - got}, unexpected {got - set(FAMILIES)}')
    for fam, (typ, names) in FAMILIES.items():
        if s.types[fam] != typ:
            raise FAIL(f'{fam}: TYPE {s.types[fam]}, expected {typ}')
        if typ == 'histogram':
            continue
        for labels in s.series(fam):
            if tuple(n for n, _ in labels) != names:
                raise FAIL(f'{fam}: labels {labels}, expected {names}')
    check(True, 'every series has exactly its family\'s label names')
    for fam in PORT_COUNTERS:
        check(sorted(dict(l)['port'] for l in s.series(fam)) == sorted(PORTS), f'{fam}: one series per port')
    want = {(p, r) for p in PORTS for r in RX_REASONS}
    check({tuple(v for _, v in l) for l in s.series('taasd_port_rx_dropped_total')} == want,
          'taasd_port_rx_dropped_total: one series per port and reason')
    svc = {(x['name'], x['id']) for x in services}
    for fam in ('taasd_service_mirrored_packets_total', 'taasd_service_mirrored_bytes_total', 'taasd_service_up'):
        check({tuple(v for _, v in l) for l in s.series(fam)} == svc, f'{fam}: the services with their UUIDs')
    check({tuple(v for _, v in l) for l in s.series('taasd_mirror_dropped_total')} ==
          {(n, i, r) for n, i in svc for r in MIRROR_REASONS},
          'taasd_mirror_dropped_total: one series per service and reason')
    fl = {(x['name'], x['id'], x['tap_service']) for x in flows}
    for fam in ('taasd_flow_mirrored_packets_total', 'taasd_flow_mirrored_bytes_total'):
        check({tuple(v for _, v in l) for l in s.series(fam)} == fl, f'{fam}: the flows with UUID and service')
    check({dict(l)['worker'] for l in s.series('taasd_worker_busy_cycles_total')} ==
          {str(w) for w in range(workers)}, f'one busy/idle series per worker ({workers})')
    check(not s.series('taasd_neighbor_resolved'), 'no taasd_neighbor_resolved series: no next hop to resolve')


def check_between(s, before, after, what):
    """before <= scrape <= after for every port, service and flow counter."""
    n = 0
    for fam, key in PORT_COUNTERS.items():
        for p in PORTS:
            v = s.one(fam, port=p)
            lo, hi = before['ports'][p][key], after['ports'][p][key]
            if not lo <= v <= hi:
                raise FAIL(f'{what}: {fam}{{port="{p}"}} {v:.0f} not within [{lo}, {hi}]')
            n += 1
    for labels, v in s.series('taasd_service_mirrored_packets_total').items():
        name = dict(labels)['service']
        lo, hi = before['tap_services'][name]['packets'], after['tap_services'][name]['packets']
        if not lo <= v <= hi:
            raise FAIL(f'{what}: service {name} {v:.0f} not within [{lo}, {hi}]')
        n += 1
    for labels, v in s.series('taasd_flow_mirrored_packets_total').items():
        name = dict(labels)['flow']
        lo, hi = before['tap_flows'][name]['packets'], after['tap_flows'][name]['packets']
        if not lo <= v <= hi:
            raise FAIL(f'{what}: flow {name} {v:.0f} not within [{lo}, {hi}]')
        n += 1
    check(True, f'{what}: {n} counters lie between the control socket\'s stats before and after')


def check_monotonic(a, b, what):
    ca, cb = a.counters(), b.counters()
    for k, v in ca.items():
        if k in cb and cb[k] < v:
            raise FAIL(f'{what}: {k[0]}{dict(k[1])} went down: {v:.0f} -> {cb[k]:.0f}')
    check(True, f'{what}: none of {len(ca)} counters went down')


def mirror_values(s):
    out = {}
    for fam in ('taasd_service_mirrored_packets_total', 'taasd_service_mirrored_bytes_total',
                'taasd_flow_mirrored_packets_total', 'taasd_flow_mirrored_bytes_total',
                'taasd_deleted_mirrored_packets_total'):
        for labels, v in s.series(fam).items():
            out[(fam, labels)] = v
    out['mon_tx'] = s.one('taasd_port_tx_packets_total', port='mon')
    out['mon_tx_bytes'] = s.one('taasd_port_tx_bytes_total', port='mon')
    return out


def check_bad_addresses(rig):
    base = [rig.taasd, '--config', str(rig.intent), '--no-socket', '--no-state']
    eal = ['--', '--no-huge', '-m', '512', f'--file-prefix={rig.prefix}-busy', '-l', '0,1']
    p = subprocess.run(base + ['--metrics', '127.0.0.1'] + eal, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True, timeout=60)
    check(p.returncode == 2 and '--metrics' in p.stdout and 'EAL' not in p.stdout,
          f'--metrics 127.0.0.1 (no port): exit {p.returncode}, before EAL: {p.stdout.strip()[:200]}')
    busy = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        busy.bind(('127.0.0.1', 0))
        busy.listen(1)
        addr = f'127.0.0.1:{busy.getsockname()[1]}'
        p = subprocess.run(base + ['--metrics', addr] + eal, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           text=True, timeout=60)
    finally:
        busy.close()
        shutil.rmtree(f'/var/run/dpdk/{rig.prefix}-busy', ignore_errors=True)
    check(p.returncode == 1 and f'cannot listen on {addr}' in p.stdout,
          f'--metrics {addr} in use: exit {p.returncode}: {p.stdout.strip().splitlines()[-1:]}')


def run(args):
    if shutil.which('curl') is None:
        lr.skip('curl is not installed')
    rig = lr.Rig(args.taasd, 'metrics', metrics=True)
    try:
        rig.write_intent(lr.intent_yaml(rig.pcap, ['ts_a', 'ts_b'],
                                        [('tf_a', 'vm1', 'ts_a', 'BOTH'), ('tf_b', 'vm1', 'ts_b', 'OUT')]))
        lr.log('0. bad --metrics addresses')
        check_bad_addresses(rig)
        rig.start()
        url = rig.metrics_url()
        lr.log(f'  metrics at {url}')
        health = rig.call('health')
        services, flows = rig.call('tap_service.list'), rig.call('tap_flow.list')
        ids = {x['name']: x['id'] for x in services}
        fid = {x['name']: x['id'] for x in flows}

        lr.log('1-3. format, names, values against the control socket')
        before = rig.stats()
        s1 = fresh_scrape(rig, url, before)
        after = rig.stats()
        check_format(s1)
        check_names(s1, services, flows, health['workers'])
        check(s1.one('taasd_snapshot_generation') == health['generation'],
              f'taasd_snapshot_generation {s1.one("taasd_snapshot_generation"):.0f} == health generation')
        check(all(s1.one('taasd_port_up', port=p) == 1 for p in PORTS), 'taasd_port_up is 1 on every port')
        check(all(x['status'] == 'ACTIVE' for x in services) and
              all(v == 1 for v in s1.series('taasd_service_up').values()),
              'taasd_service_up is 1 for every service, ACTIVE on the socket')
        check(s1.one('taasd_tsc_hz') > 1e6, f'taasd_tsc_hz {s1.one("taasd_tsc_hz"):.0f}')
        check(s1.one('taasd_swap_duration_seconds_count') == 0, 'no swap yet')
        check(s1.one('taasd_deleted_mirrored_packets_total') == 0, 'nothing deleted yet')
        check_between(s1, before, after, 'scrape 1')

        lr.log('4. a second scrape a second later')
        time.sleep(1.0)
        s2 = curl(url)
        check_monotonic(s1, s2, 'scrape 1 -> 2')
        for fam, labels in (('taasd_port_rx_packets_total', {'port': 'vm1'}),
                            ('taasd_port_tx_packets_total', {'port': 'mon'}),
                            ('taasd_flow_mirrored_packets_total', {'flow': 'tf_a', 'flow_id': fid['tf_a'],
                                                                   'service': 'ts_a'}),
                            ('taasd_worker_busy_cycles_total', {'worker': '0'})):
            a, b = s1.one(fam, **labels), s2.one(fam, **labels)
            check(b > a, f'{fam}{labels} grows: {a:.0f} -> {b:.0f}')

        lr.log('5. changes: generation, swap count, a deleted flow\'s series')
        g0, c0 = health['generation'], s2.one('taasd_swap_duration_seconds_count')
        ts_c = rig.call('tap_service.create', {'name': 'ts_c', 'port': 'mon'})
        tf_c = rig.call('tap_flow.create', {'name': 'tf_c', 'source_port': 'vm1', 'tap_service': 'ts_c',
                                            'direction': 'OUT'})
        c = rig.client()
        try:
            bad = c.call('tap_flow.create', {'name': 'tf_x', 'source_port': 'vm1', 'tap_service': 'ts_none',
                                             'direction': 'OUT'})
        finally:
            c.close()
        check(bad['ok'] is False, 'a create naming no service fails (no swap)')
        labels_c = {'flow': 'tf_c', 'flow_id': tf_c['id'], 'service': 'ts_c'}
        deadline = time.monotonic() + 10
        seen = 0
        while seen == 0:
            s = fresh_scrape(rig, url, rig.stats())
            seen = s.one('taasd_flow_mirrored_packets_total', **labels_c)
            if time.monotonic() > deadline:
                raise FAIL('tf_c never counted a copy')
        check(seen > 0, f'tf_c\'s series appeared with its UUID and counts copies ({seen:.0f})')
        rig.call('tap_flow.delete', {'ref': 'tf_c'})
        health = rig.call('health')
        s = fresh_scrape(rig, url, rig.stats())
        check(health['generation'] == g0 + 3 and s.one('taasd_snapshot_generation') == g0 + 3,
              f'generation {g0} -> {g0 + 3} after three changes, on the socket and in the scrape')
        check(s.one('taasd_swap_duration_seconds_count') == c0 + 3,
              f'taasd_swap_duration_seconds_count {c0:.0f} -> {s.one("taasd_swap_duration_seconds_count"):.0f} '
              f'(+3; the failed create is no swap)')
        check(0 < s.one('taasd_swap_duration_seconds_sum') < 30,
              f'taasd_swap_duration_seconds_sum {s.one("taasd_swap_duration_seconds_sum"):.6f} s')
        check_format(s)
        gone = [k for k in s.samples if any(v == 'tf_c' or v == tf_c['id'] for _, v in k[1])]
        check(not gone, 'tf_c\'s series disappeared from every family', gone)
        deleted = s.one('taasd_deleted_mirrored_packets_total')
        check(deleted >= seen, f'taasd_deleted_mirrored_packets_total {deleted:.0f} >= tf_c\'s last count {seen:.0f}')
        check(s.one('taasd_service_mirrored_packets_total', service='ts_c', service_id=ts_c['id']) >= seen,
              'ts_c keeps what tf_c sent it')

        lr.log('6. freeze: every flow IN (vm1 receives nothing), exact mirror counters')
        intent = lr.without_header(rig.export())
        frozen = re.sub(r'direction: (BOTH|OUT)', 'direction: IN', intent)
        check(frozen != intent, 'the export names OUT / BOTH directions to change')
        rig.call('apply', {'intent': frozen})
        check(all(f['direction'] == 'IN' for f in rig.call('tap_flow.list')), 'every flow is IN now')
        fresh_scrape(rig, url, rig.stats())
        time.sleep(0.6)
        s3 = curl(url)
        time.sleep(0.6)
        s4 = curl(url)
        check(s4.one('taasd_swap_duration_seconds_count') == c0 + 4, 'the apply was one more swap')
        m3, m4 = mirror_values(s3), mirror_values(s4)
        check(m3 == m4, f'mirror counters stand still ({len(m4)} series)')
        check(s4.one('taasd_port_rx_packets_total', port='vm1') > s3.one('taasd_port_rx_packets_total', port='vm1'),
              'while vm1 still receives')
        ids['ts_c'] = ts_c['id']
        for svc, flow in (('ts_a', 'tf_a'), ('ts_b', 'tf_b')):
            for unit in ('packets', 'bytes'):
                sv = s4.one(f'taasd_service_mirrored_{unit}_total', service=svc, service_id=ids[svc])
                fv = s4.one(f'taasd_flow_mirrored_{unit}_total', flow=flow, flow_id=fid[flow], service=svc)
                check(sv == fv and sv > 0, f'{svc} mirrored {unit} {sv:.0f} == {flow}\'s {fv:.0f}')
        deleted = s4.one('taasd_deleted_mirrored_packets_total')
        tsc = s4.one('taasd_service_mirrored_packets_total', service='ts_c', service_id=ids['ts_c'])
        check(tsc == deleted, f'ts_c mirrored {tsc:.0f} == deleted flows\' {deleted:.0f} (tf_c was its one flow)')
        flows_sum = sum(s4.series('taasd_flow_mirrored_packets_total').values())
        check(m4['mon_tx'] == flows_sum + deleted,
              f'mon tx {m4["mon_tx"]:.0f} == flows {flows_sum:.0f} + deleted {deleted:.0f}')
        svc_bytes = sum(s4.series('taasd_service_mirrored_bytes_total').values())
        check(m4['mon_tx_bytes'] == svc_bytes, f'mon tx bytes {m4["mon_tx_bytes"]:.0f} == services\' {svc_bytes:.0f}')
        pre_last = rig.stats()
        last = fresh_scrape(rig, url, pre_last)
        check_monotonic(s4, last, 'scrape 4 -> last')

        lr.log('7. SIGTERM: the last scrape against --stats-out')
        rc, final = rig.stop()
        lr.clean_exit(rig, rc)
        check(final is not None, 'taasd wrote --stats-out')
        lr.production_complete(final)
        lr.copies_conserved(final)
        check_between(last, pre_last, final, 'the last scrape (upper bound: --stats-out)')
        for svc in ('ts_a', 'ts_b', 'ts_c'):
            check(last.one('taasd_service_mirrored_packets_total', service=svc, service_id=ids[svc]) ==
                  final['tap_services'][svc]['packets'], f'{svc}: frozen count == --stats-out')
        for flow, svc in (('tf_a', 'ts_a'), ('tf_b', 'ts_b')):
            check(last.one('taasd_flow_mirrored_packets_total', flow=flow, flow_id=fid[flow], service=svc) ==
                  final['tap_flows'][flow]['packets'], f'{flow}: frozen count == --stats-out')
        check(last.one('taasd_deleted_mirrored_packets_total') == final['deleted']['tap_flows']['packets'],
              'deleted count == --stats-out deleted.tap_flows')
        check(last.one('taasd_snapshot_generation') == final['generation'], 'generation == --stats-out\'s')
        p = subprocess.run(['curl', '-sS', '--max-time', '5', url], stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
        check(p.returncode != 0, 'the listener is gone after exit')
    finally:
        rig.close()


if __name__ == '__main__':
    ap = argparse.ArgumentParser()
    ap.add_argument('--taasd', required=True)
    lr.main(lambda: run(ap.parse_args()))
