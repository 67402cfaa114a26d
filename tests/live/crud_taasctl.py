#!/usr/bin/python3
"""live-crud-taasctl: taasctl against a running taasd while vm1 sends at
full rate.

  1. CRUD: tap service / tap flow create, show (by name and by id), list,
     update (name and description), delete, each -f json parsed and checked
     against what was asked, status ACTIVE; the new flow mirrors (its
     counters and its service's grow), a renamed flow keeps its counters,
     after the delete its service stops growing (while another service
     still grows) and the deleted flow's copies show under "deleted"; show
     of a deleted name exits 1 with one stderr line (404). Every change
     bumps the generation by one.
  2. apply of invalid files (bad YAML, an unknown port, a changed network
     VLAN) exits 1 with one stderr line naming the code, the file and line
     and the field; nothing changes (export and generation identical).
  3. export, then apply it: the second export is identical but for its
     generation comment, and no counter restarts.
  4. restart: SIGTERM (exit 0, clean), then the same command line: the same
     services and flows with the same ids (the state file).
  5. SIGHUP with an edited intent file: it replaces the socket's changes
     (services of the same name keep their ids); SIGHUP with an invalid
     intent (bad YAML, a changed port) changes nothing and is logged.

Checks after a failure in one part go on where they can; the test fails at
the end if any failed.

Usage: crud_taasctl.py --taasd build/taasd --taasctl build/taasctl/taasctl
"""

import argparse
import os
import re
import signal
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import live_rig as lr  # noqa: E402

failures = []


def expect(cond, msg, details=None):
    """A check that records a failure and lets the test go on."""
    try:
        lr.check(cond, msg, details)
    except lr.Fail as e:
        lr.log(f'  FAIL  {e}')
        failures.append(str(e).splitlines()[0])


def fields(got, want, what):
    bad = {k: (got.get(k), v) for k, v in want.items() if got.get(k) != v}
    expect(not bad, f'{what}: {", ".join(f"{k}={v!r}" for k, v in want.items())}',
           f'differs (got, want): {bad}')


def counter(rig, kind, name, key='packets'):
    return rig.stats()[kind].get(name, {}).get(key)


def grows(rig, kind, name, pause=0.3, key='packets'):
    a = counter(rig, kind, name, key)
    time.sleep(pause)
    b = counter(rig, kind, name, key)
    return a is not None and b is not None and b > a, (a, b)


def crud(rig):
    gen0 = rig.generation()
    svc = rig.ctl_json('tap', 'service', 'create', '--name', 'ts_0', '--port', 'mon', '--description', 'first')
    fields(svc, {'name': 'ts_0', 'description': 'first', 'port': 'mon', 'mode': 'port', 'encap': 'none',
                 'remote_ip': None, 'status': 'ACTIVE', 'flows': 0}, 'service create')
    expect(bool(lr.UUID_RE.match(svc.get('id', ''))), f'the service has a UUID: {svc.get("id")}')
    ports = {p['Name']: p for p in rig.ctl_json('port', 'list')}
    expect(svc.get('port_id') == ports['mon']['ID'], 'port_id is mon\'s id from port list')

    flow = rig.ctl_json('tap', 'flow', 'create', '--name', 'tf_0', '--port', 'vm1', '--tap-service', 'ts_0',
                        '--direction', 'BOTH', '--description', 'mirror vm1')
    fields(flow, {'name': 'tf_0', 'description': 'mirror vm1', 'source_port': 'vm1',
                  'source_port_id': ports['vm1']['ID'], 'tap_service': 'ts_0', 'tap_service_id': svc['id'],
                  'direction': 'BOTH', 'vlan_filter': None, 'status': 'ACTIVE'}, 'flow create')
    expect(rig.ctl_json('tap', 'flow', 'show', 'tf_0') == flow, 'flow show by name == the create result')
    expect(rig.ctl_json('tap', 'flow', 'show', flow['id']) == flow, 'flow show by id == the create result')
    shown = rig.ctl_json('tap', 'service', 'show', svc['id'])
    fields(shown, {'id': svc['id'], 'name': 'ts_0', 'flows': 1, 'status': 'ACTIVE'}, 'service show by id')
    value = rig.ctl('tap', 'service', 'show', 'ts_0', '-f', 'value', '-c', 'id').stdout.strip()
    expect(value == svc['id'], f'-f value -c id prints the id ({value})')
    listed = rig.ctl_json('tap', 'service', 'list')
    expect([(s['Name'], s['Status']) for s in listed] == [('ts_base', 'ACTIVE'), ('ts_0', 'ACTIVE')]
           and listed[1]['ID'] == svc['id'], 'service list: ts_base, ts_0, ACTIVE', listed)
    listed = rig.ctl_json('tap', 'flow', 'list')
    expect([(f['Name'], f['ID']) for f in listed][1:] == [('tf_0', flow['id'])] and len(listed) == 2,
           'flow list: tf_base, tf_0', listed)
    table = rig.ctl('tap', 'flow', 'list').stdout
    expect('tf_0' in table and flow['id'] in table, 'the table lists tf_0')

    ok, ab = grows(rig, 'tap_flows', 'tf_0')
    expect(ok, f'tf_0 mirrors: its packets grow {ab}')
    ok, ab = grows(rig, 'tap_services', 'ts_0')
    expect(ok, f'ts_0 packets grow {ab}')

    svc2 = rig.ctl_json('tap', 'service', 'update', 'ts_0', '--name', 'ts_0r', '--description', 'second')
    fields(svc2, {'id': svc['id'], 'name': 'ts_0r', 'description': 'second', 'flows': 1}, 'service update')
    before = counter(rig, 'tap_flows', 'tf_0')
    flow2 = rig.ctl_json('tap', 'flow', 'update', flow['id'], '--name', 'tf_0r', '--description', 'third')
    fields(flow2, {'id': flow['id'], 'name': 'tf_0r', 'description': 'third', 'tap_service': 'ts_0r',
                   'tap_service_id': svc['id'], 'direction': 'BOTH', 'status': 'ACTIVE'}, 'flow update')
    stats = rig.stats()
    expect('tf_0' not in stats['tap_flows'] and stats['tap_flows'].get('tf_0r', {}).get('packets', -1) >= before,
           f'the renamed flow keeps its counter ({before} -> {stats["tap_flows"].get("tf_0r")})')
    ok, ab = grows(rig, 'tap_flows', 'tf_0r')
    expect(ok, f'tf_0r still mirrors {ab}')

    rig.ctl('tap', 'flow', 'delete', 'tf_0r')
    err = rig.ctl('tap', 'flow', 'show', 'tf_0r', ok=False).stderr
    expect('404' in err and 'tf_0r' in err, f'show of the deleted flow: {err.strip()}')
    time.sleep(0.1)
    ok, ab = grows(rig, 'tap_services', 'ts_0r', pause=0.5)
    expect(not ok and ab[0] == ab[1], f'ts_0r stops growing once its only flow is deleted {ab}')
    ok, ab2 = grows(rig, 'tap_services', 'ts_base')
    expect(ok, f'while ts_base still grows {ab2}')
    deleted = rig.stats().get('deleted', {}).get('tap_flows', {}).get('packets', 0)
    expect(deleted >= before, f'deleted.tap_flows counts the deleted flow\'s copies ({deleted})')
    expect(rig.ctl_json('tap', 'service', 'show', 'ts_0r').get('flows') == 0, 'ts_0r has no flows left')
    rig.ctl('tap', 'service', 'delete', 'ts_0r')
    err = rig.ctl('tap', 'service', 'show', svc['id'], ok=False).stderr
    expect('404' in err, f'show of the deleted service: {err.strip()}')
    gen = rig.generation()
    expect(gen == gen0 + 6, f'six changes, six generations ({gen0} -> {gen})')


def line_of(text, needle, nth=0):
    """1-based line number of the nth line containing `needle`."""
    hits = [i + 1 for i, line in enumerate(text.splitlines()) if needle in line]
    if len(hits) <= nth:
        raise lr.Fail(f'no line with {needle!r} in the export')
    return hits[nth]


def invalid_applies(rig):
    # Some state made through the socket, so that "nothing changed" means something.
    rig.ctl('tap', 'service', 'create', '--name', 'ts_a', '--port', 'mon')
    rig.ctl('tap', 'flow', 'create', '--name', 'tf_a', '--port', 'vm2', '--tap-service', 'ts_a',
            '--direction', 'IN')
    export = rig.export()
    gen = rig.generation()
    body = lr.without_header(export)
    src_line = line_of(export, 'source_port: "vm2"')
    vlan_line = line_of(export, 'vlan: 100')
    cases = [
        ('bad_yaml.yaml', body.replace('tap_flows:', 'tap_flows: [', 1), 400, None, None),
        ('unknown_port.yaml', export.replace('source_port: "vm2"', 'source_port: "vm9"'), 404,
         'tap_flows[1].source_port', src_line),
        ('fixed_section.yaml', export.replace('vlan: 100', 'vlan: 101'), 409, 'networks[0].vlan', vlan_line),
    ]
    for name, text, code, field, line in cases:
        path = rig.dir / name
        path.write_text(text)
        err = rig.ctl('apply', str(path), ok=False).stderr.strip()
        expect(f'error {code}' in err, f'apply {name}: code {code}: {err}')
        where = re.escape(name) + (rf':{line}:\d+:' if line else r':\d+:\d+:')
        expect(re.search(where, err) is not None, f'apply {name}: the message names {name}:{line or "LINE"}')
        if field:
            expect(field in err, f'apply {name}: the message names the field {field}')
        expect(rig.export() == export and rig.generation() == gen, f'apply {name}: nothing changed')


def round_trip(rig):
    export = rig.export()
    flows = {f['Name']: f['ID'] for f in rig.ctl_json('tap', 'flow', 'list')}
    before = counter(rig, 'tap_flows', 'tf_base')
    path = rig.dir / 'exported.yaml'
    path.write_text(rig.ctl('export').stdout)
    expect(path.read_text() == export, 'taasctl export prints the export')
    out = rig.ctl('apply', str(path)).stdout
    expect('generation' in out, f'apply of the export: {out.strip()}')
    again = rig.export()
    expect(again != export and lr.without_header(again) == lr.without_header(export),
           'export again: identical but for the generation comment',
           '\n'.join(a + ' | ' + b for a, b in zip(export.splitlines(), again.splitlines()) if a != b))
    expect({f['Name']: f['ID'] for f in rig.ctl_json('tap', 'flow', 'list')} == flows, 'the flows keep their ids')
    after = counter(rig, 'tap_flows', 'tf_base')
    expect(after >= before, f'tf_base\'s counter did not restart ({before} -> {after})')


def snapshot_of(rig):
    out = {}
    for kind in ('service', 'flow'):
        for row in rig.ctl_json('tap', kind, 'list'):
            shown = rig.ctl_json('tap', kind, 'show', row['ID'])
            shown.pop('status', None)
            out[(kind, shown['name'])] = shown
    return out


def restart(rig):
    want = snapshot_of(rig)
    rc, stats = rig.stop()
    lr.clean_exit(rig, rc)
    lr.production_complete(stats)
    lr.copies_conserved(stats)
    rig.start()
    rig.wait_log(r'state restored from ')
    got = snapshot_of(rig)
    expect(got == want, f'after the restart: the same {len(want)} services and flows with the same ids',
           f'before {want}\n    after {got}')
    ok, ab = grows(rig, 'tap_flows', 'tf_a')
    expect(ok, f'tf_a mirrors again after the restart {ab}')


def sighup(rig):
    base_id = rig.ctl_json('tap', 'service', 'show', 'ts_base')['id']
    gen = rig.generation()
    rig.write_intent(lr.intent_yaml(rig.pcap, ['ts_base', 'ts_hup'],
                                    [('tf_base', 'vm1', 'ts_base', 'OUT'), ('tf_hup', 'vm2', 'ts_hup', 'IN')]))
    rig.send(signal.SIGHUP)
    rig.wait_log(r'SIGHUP: .* applied: generation')
    expect(rig.generation() == gen + 1, 'SIGHUP: one new generation')
    services = rig.ctl_json('tap', 'service', 'list')
    flows = rig.ctl_json('tap', 'flow', 'list')
    expect([s['Name'] for s in services] == ['ts_base', 'ts_hup'] and
           [f['Name'] for f in flows] == ['tf_base', 'tf_hup'],
           'SIGHUP: the services and flows are the edited intent\'s (ts_a, tf_a are gone)', (services, flows))
    expect(services[0]['ID'] == base_id, 'SIGHUP: ts_base keeps its id')
    ok, ab = grows(rig, 'tap_flows', 'tf_hup')
    expect(ok, f'SIGHUP: tf_hup mirrors {ab}')

    export, gen = rig.export(), rig.generation()
    good = rig.intent.read_text()
    bad = [('bad YAML', good.replace('tap_flows:', 'tap_flows: [', 1), r'YAML'),
           ('a changed port', good.replace('net_null1,no-rx=1', 'net_null2,no-rx=1'), r'ports\[2\]\.device')]
    for i, (what, text, pattern) in enumerate(bad):
        rig.write_intent(text)
        rig.send(signal.SIGHUP)
        deadline = time.monotonic() + 15
        hits = []
        while len(hits) <= i and time.monotonic() < deadline:
            hits = re.findall(r'^.*SIGHUP: .*the running state is unchanged.*$', rig.log_text(), re.M)
            time.sleep(0.05)
        expect(len(hits) > i and re.search(pattern, hits[i]) is not None and 'intent.yaml:' in hits[i],
               f'SIGHUP with {what}: logged with file, line and field', hits)
        expect(rig.export() == export and rig.generation() == gen, f'SIGHUP with {what}: nothing changed')
    rig.write_intent(good)


def run(args):
    if not os.path.exists(args.taasctl):
        lr.skip(f'no taasctl at {args.taasctl}')
    rig = lr.Rig(args.taasd, 'crud', args.taasctl)
    try:
        rig.write_intent(lr.intent_yaml(rig.pcap, ['ts_base'], [('tf_base', 'vm1', 'ts_base', 'OUT')]))
        rig.start()
        health = rig.ctl_json('health')
        fields(health, {'workers': 1, 'workers_alive': 1, 'intent_file': str(rig.intent),
                        'state_file': str(rig.state)}, 'health')
        ok, ab = grows(rig, 'ports', 'vm1', key='rx_packets')
        lr.check(ok, f'traffic runs: vm1 rx_packets grow {ab}')
        for part in (crud, invalid_applies, round_trip, restart, sighup):
            lr.log(f'-- {part.__name__}')
            part(rig)
        rc, stats = rig.stop()
        lr.clean_exit(rig, rc)
        lr.production_complete(stats)
        lr.copies_conserved(stats)
    finally:
        rig.close()
    if failures:
        raise lr.Fail(f'{len(failures)} check(s) failed:\n    ' + '\n    '.join(failures))


if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--taasd', required=True)
    ap.add_argument('--taasctl', required=True)
    a = ap.parse_args()
    lr.main(lambda: run(a))
