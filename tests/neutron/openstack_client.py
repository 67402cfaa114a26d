#!/usr/bin/python3
"""neutron-openstack-client: the real `openstack tap ...` client
(python3-openstackclient + python3-neutron-taas) against taasd's Neutron
Tap-as-a-Service API (issue 7), while source_port sends at full rate.

The intent (both runs):
    source_port       net_pcap, infinite_rx: vm1's frames (live_rig) to vm2's
                      MAC, as fast as the worker polls; a fixed Neutron id
    vm2               net_pcap, rx_pcap of one frame from vm2's MAC (so it is
                      learned and source_port's frames stop flooding), TX
                      discarded
    port_tap_service  net_null monitor (the service port of the two commands)
    mon2              net_null monitor (a second service, internal mode)
    uplink            net_pcap tx_pcap=uplink.pcap: the underlay port, static
                      next_hop_mac (no ARP), collector 198.51.100.7 off-link

Run 1, tokens disabled, the client as `openstack --os-auth-type none
--os-endpoint http://127.0.0.1:PORT` (it then sends `X-Auth-Token: notused`):
  1. GET /v2.0/ports (curl): every intent port with its id, ?name= and ?id=
     filters, GET /v2.0/ports/{id}, an unknown id is a 404 NeutronError.
  2. The two commands verbatim (`tap service create --name ts_0 --port
     port_tap_service`, `tap flow create --name tf_0 --port source_port
     --tap-service ts_0 --direction BOTH`) exit 0, print the new ids; the
     socket sees the same service and flow; the flow mirrors (ts_0's and
     tf_0's counters and port_tap_service's TX grow).
  3. list, show (by name and by ID), update --description, each -f json
     parsed: the columns the client builds from taasd's fields (ID, Tenant,
     Name, Port, Status / ID, Tenant, Name, Status, source_port,
     tap_service_id, Direction) hold the right values.
  4. A second service/flow: --direction in arrives as IN, --vlan-filter 1-5,9
     round-trips as "1-5,9".
  5. Errors: a bad vlan_filter and a service port used as a source reach
     taasd and the client prints taasd's message (the same as a direct
     request's NeutronError message) and exits 1. An unknown port and a bad
     direction never reach taasd through this client (it resolves the port
     name itself, `Unable to find port ...`, exit 1; argparse refuses the
     direction, exit 2): both are checked through the client AND by a
     direct request, whose 404 / 400 NeutronError names the field. Nothing
     changed (generation).
  6. delete: tap flow delete tf_0 -> ts_0 stops growing; deleting ts_1
     deletes its flow; show of a deleted name exits 1; lists end empty.

Run 2, --neutron-token: no token / a wrong token (curl, and the client with
--os-auth-type none or a wrong --os-token) -> 401, nothing created; the
right token works. The ERSPAN extension fields with curl: a tap service
with erspan_dst_ip and no port_id is an external-mode service; a flow into
it with erspan_session_id 42 mirrors; its copies leave on the uplink
encapsulated (every one decoded from uplink.pcap: next-hop MAC, outer IPv4
to the collector, GRE ERSPAN II/III with session 42, the inner frame one of
source_port's), as many as the service counted; tshark agrees. erspan_dst_ip
with a port_id is internal mode.

Skips (77) only when the openstack client or its tap commands are missing.

Usage: openstack_client.py --taasd build/taasd
"""

import argparse
import json
import os
import shutil
import socket
import struct
import subprocess
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / 'live'))
import live_rig as lr  # noqa: E402

OPENSTACK = '/usr/bin/openstack'
SOURCE_ID = '5b3c1e52-7d0b-4a52-9a70-4f1f3b7c0a01'
TOKEN = 'taas-test-token-7'
COLLECTOR = '198.51.100.7'
UNDERLAY_IP = '192.0.2.10'
NEXT_HOP_MAC = '02:00:00:00:00:fe'
SESSION = 42
SERVICE_COLUMNS = {'ID', 'Name', 'Port', 'Status', 'Tenant', 'description', 'project_id'}
FLOW_COLUMNS = {'ID', 'Name', 'Status', 'Tenant', 'description', 'project_id', 'source_port', 'tap_service_id',
                'Direction'}
SERVICE_LIST_COLUMNS = ['ID', 'Tenant', 'Name', 'Port', 'Status']
REQUEST_IDS_LINE = 'Neutron server returns request_ids: '
FLOW_LIST_COLUMNS = ['ID', 'Tenant', 'Name', 'Status', 'source_port', 'tap_service_id', 'Direction']

failures = []


def expect(cond, msg, details=None):
    """A check that records a failure and lets the test go on."""
    try:
        lr.check(cond, msg, details)
    except lr.Fail as e:
        lr.log(f'  FAIL  {e}')
        failures.append(str(e).splitlines()[0])
    return cond


def fields(got, want, what):
    bad = {k: (got.get(k), v) for k, v in want.items() if got.get(k) != v}
    return expect(not bad, f'{what}: {", ".join(f"{k}={v!r}" for k, v in want.items())}',
                  f'differs (got, want): {bad}; all: {got}')


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def clean_env():
    """The environment without OS_* settings: a stray OS_CLOUD or OS_TOKEN
    would change what the client sends."""
    return {k: v for k, v in os.environ.items() if not k.startswith('OS_')}


# -- the API directly (curl) ---------------------------------------------

class Api:
    def __init__(self, url, token=None):
        self.url = url
        self.token = token

    def request(self, method, path, body=None, token='default', raw=None):
        """curl METHOD URL+path; returns (status, parsed JSON or None, text)."""
        tok = self.token if token == 'default' else token
        argv = ['curl', '-sS', '--max-time', '30', '-o', '-', '-w', '\n%{http_code}', '-X', method,
                '-H', 'Accept: application/json']
        if tok is not None:
            argv += ['-H', f'X-Auth-Token: {tok}']
        data = None
        if body is not None or raw is not None:
            data = raw if raw is not None else json.dumps(body)
            argv += ['-H', 'Content-Type: application/json', '--data-binary', '@-']
        argv.append(self.url + path)
        p = subprocess.run(argv, input=data, capture_output=True, text=True, timeout=60)
        if p.returncode != 0:
            raise lr.Fail(f'curl {method} {path}: exit {p.returncode}: {p.stderr.strip()}')
        text, _, code = p.stdout.rpartition('\n')
        try:
            parsed = json.loads(text) if text else None
        except ValueError:
            parsed = None
        return int(code), parsed, text

    def ok(self, method, path, body=None, status=200):
        code, parsed, text = self.request(method, path, body)
        if code != status:
            raise lr.Fail(f'{method} {path} {json.dumps(body) if body else ""}: HTTP {code}, want {status}: '
                          f'{text[:500]}')
        return parsed


def neutron_error(parsed):
    """The NeutronError object of an error body, or None."""
    if isinstance(parsed, dict) and isinstance(parsed.get('NeutronError'), dict):
        return parsed['NeutronError']
    return None


def expect_error(api, method, path, body, status, field, what):
    """A direct request that must fail with `status` and a NeutronError
    {type, message, detail} whose message names `field`. Returns the message."""
    code, parsed, text = api.request(method, path, body)
    err = neutron_error(parsed)
    expect(code == status, f'{what}: HTTP {status}', f'got {code}: {text[:300]}')
    shaped = err is not None and isinstance(err.get('type'), str) and isinstance(err.get('message'), str) \
        and err.get('detail') == ''
    expect(shaped, f'{what}: the body is {{"NeutronError": {{"type", "message", "detail": ""}}}}', text[:300])
    msg = err.get('message', '') if err else ''
    expect(field in msg, f'{what}: the message names {field}: {msg!r}')
    return msg


# -- the real client -------------------------------------------------------

class Osc:
    def __init__(self, url, token=None):
        self.url = url
        self.token = token

    def run(self, *args, token='default', auth_none=None):
        tok = self.token if token == 'default' else token
        if auth_none is None:
            auth_none = tok is None
        argv = [OPENSTACK]
        if auth_none:
            argv += ['--os-auth-type', 'none']
        if tok is not None:
            argv += ['--os-token', tok]
        argv += ['--os-endpoint', self.url, *args]
        lr.log(f'  $ openstack {" ".join(args)}')
        return subprocess.run(argv, capture_output=True, text=True, timeout=120, env=clean_env())

    def ok(self, *args, **kw):
        p = self.run(*args, **kw)
        if p.returncode != 0:
            raise lr.Fail(f'openstack {" ".join(args)}: exit {p.returncode}, stderr {p.stderr.strip()!r}, '
                          f'stdout {p.stdout[:300]!r}')
        return p

    def json(self, *args, **kw):
        p = self.ok(*args, '-f', 'json', **kw)
        try:
            return json.loads(p.stdout)
        except ValueError as e:
            raise lr.Fail(f'openstack {" ".join(args)} -f json: not JSON ({e}): {p.stdout[:500]!r}')

    def fails(self, *args, rc=1, what, message=None, **kw):
        """Runs a command that must exit `rc`; when `message` is given, the
        stderr must be exactly it, but for the line the client adds when the
        reply carries X-Openstack-Request-Id ("Neutron server returns
        request_ids: [...]"). Returns the stderr text."""
        p = self.run(*args, **kw)
        err = p.stderr.strip()
        expect(p.returncode == rc, f'{what}: exit {rc}', f'got {p.returncode}, stderr {err!r}, stdout {p.stdout!r}')
        if message is not None:
            lines = [ln for ln in err.splitlines() if not ln.startswith(REQUEST_IDS_LINE)]
            expect(lines == [message], f'{what}: prints {message!r}', f'stderr {err!r}')
        return err


# -- the rig -----------------------------------------------------------------

def make_rig(taasd, name, port, extra=()):
    rig = lr.Rig(taasd, name, extra_args=['--neutron-api', f'127.0.0.1:{port}', *extra])
    from scapy.layers.inet import IP, UDP
    from scapy.layers.l2 import Ether
    from scapy.utils import wrpcap
    vm2_pcap = rig.dir / 'vm2.pcap'
    wrpcap(str(vm2_pcap), [Ether(src=lr.VM2_MAC, dst=lr.VM1_MAC) / IP(src='10.0.0.2', dst='10.0.0.1') /
                           UDP(sport=4000, dport=1024)])
    rig.uplink_pcap = rig.dir / 'uplink.pcap'
    rig.write_intent(f'''version: 1
dataplane:
  workers: 1
underlay:
  port: uplink
  address: {UNDERLAY_IP}/24
  gateway: 192.0.2.1
  next_hop_mac: {NEXT_HOP_MAC}
networks:
  - {{name: net-a, vlan: 100}}
ports:
  - name: source_port
    id: {SOURCE_ID}
    device: "net_pcap0,rx_pcap={rig.pcap},infinite_rx=1"
    role: vm
    network: net-a
  - {{name: vm2, device: "net_pcap1,rx_pcap={vm2_pcap}", role: vm, network: net-a}}
  - {{name: port_tap_service, device: "net_null0,no-rx=1", role: monitor}}
  - {{name: mon2, device: "net_null1,no-rx=1", role: monitor}}
  - {{name: uplink, device: "net_pcap2,tx_pcap={rig.uplink_pcap}", role: uplink}}
tap_services: []
tap_flows: []
''')
    return rig


def wait_api(api, rig, timeout=30.0):
    """taasd answers health before the listener may be up: wait for it."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        if not rig.alive():
            raise lr.Fail(f'taasd exited:\n{rig.log_text()[-3000:]}')
        try:
            code, _, _ = api.request('GET', '/v2.0/ports')
            if code in (200, 401):
                return
            last = code
        except lr.Fail as e:
            last = e
        time.sleep(0.1)
    raise lr.Fail(f'the Neutron API did not answer within {timeout:.0f} s (last: {last}):\n{rig.log_text()[-3000:]}')


def counter(rig, kind, name, key='packets'):
    return rig.stats()[kind].get(name, {}).get(key)


def wait_growing(rig, kind, name, timeout=10.0):
    """Waits until the named service/flow has counted copies; returns the count."""
    deadline = time.monotonic() + timeout
    n = None
    while time.monotonic() < deadline:
        n = counter(rig, kind, name)
        if n:
            return n
        time.sleep(0.02)
    return n


def port_tx(rig, port):
    return rig.stats()['ports'][port]['tx_packets']


def settled(rig, sample, pause=0.5, tries=10):
    """sample() stops changing: two readings `pause` apart are equal (a
    deletion is in effect once its swap is done). Returns (ok, readings)."""
    seen = []
    for _ in range(tries):
        a = sample()
        time.sleep(pause)
        b = sample()
        seen.append((a, b))
        if a == b:
            return True, seen
    return False, seen


# -- run 1: the two commands and CRUD ------------------------------------------

def ports_api(api):
    lr.log('ports:')
    ports = api.ok('GET', '/v2.0/ports').get('ports')
    expect(isinstance(ports, list), 'GET /v2.0/ports answers {"ports": [...]}')
    by_name = {p.get('name'): p for p in ports or []}
    expect(set(by_name) == {'source_port', 'vm2', 'port_tap_service', 'mon2', 'uplink'},
           f'every intent port is listed: {sorted(by_name)}')
    expect(all(lr.UUID_RE.match(str(p.get('id'))) for p in ports or []), 'every port has a UUID id')
    expect(by_name.get('source_port', {}).get('id') == SOURCE_ID, 'source_port has the id from the intent')
    got = api.ok('GET', '/v2.0/ports?name=source_port')['ports']
    expect([p.get('id') for p in got] == [SOURCE_ID], '?name=source_port: exactly source_port', got)
    got = api.ok('GET', f'/v2.0/ports?id={SOURCE_ID}')['ports']
    expect([p.get('name') for p in got] == ['source_port'], '?id=: exactly source_port', got)
    got = api.ok('GET', '/v2.0/ports?name=no_such_port')['ports']
    expect(got == [], '?name=no_such_port: an empty list', got)
    one = api.ok('GET', f'/v2.0/ports/{SOURCE_ID}')
    expect(isinstance(one, dict) and one.get('port', {}).get('name') == 'source_port',
           'GET /v2.0/ports/{id} answers {"port": source_port}', one)
    expect_error(api, 'GET', f'/v2.0/ports/{uuid.uuid4()}', None, 404, 'id', 'GET an unknown port id')
    return {name: p.get('id') for name, p in by_name.items()}


def two_commands(rig, osc, port_ids):
    lr.log('the two commands, verbatim:')
    expect(port_tx(rig, 'port_tap_service') == 0, 'port_tap_service sends nothing before the commands')
    gen = rig.generation()
    p = osc.ok('tap', 'service', 'create', '--name', 'ts_0', '--port', 'port_tap_service')
    expect('ts_0' in p.stdout and port_ids['port_tap_service'] in p.stdout,
           'tap service create prints ts_0 and port_tap_service\'s id', p.stdout)
    p = osc.ok('tap', 'flow', 'create', '--name', 'tf_0', '--port', 'source_port', '--tap-service', 'ts_0',
               '--direction', 'BOTH')
    expect('tf_0' in p.stdout and SOURCE_ID in p.stdout and 'BOTH' in p.stdout,
           'tap flow create prints tf_0, source_port\'s id and BOTH', p.stdout)
    expect(rig.generation() == gen + 2, 'each create is one swap (generation +2)')

    svcs = {s['name']: s for s in rig.call('tap_service.list')}
    flows = {f['name']: f for f in rig.call('tap_flow.list')}
    expect('ts_0' in svcs and svcs['ts_0'].get('port') == 'port_tap_service',
           'the control socket sees ts_0 on port_tap_service', svcs)
    expect('tf_0' in flows and flows['tf_0'].get('source_port') == 'source_port'
           and flows['tf_0'].get('direction') == 'BOTH', 'the control socket sees tf_0 source_port BOTH', flows)

    n = wait_growing(rig, 'tap_services', 'ts_0')
    expect(bool(n), f'ts_0 counts copies after the create ({n})')
    expect(bool(wait_growing(rig, 'tap_flows', 'tf_0')), 'tf_0 counts copies')
    a = port_tx(rig, 'port_tap_service')
    time.sleep(0.3)
    b = port_tx(rig, 'port_tap_service')
    expect(b > a > 0, f'port_tap_service sends the copies ({a} -> {b})')
    return svcs.get('ts_0', {}).get('id'), flows.get('tf_0', {}).get('id')


def crud(rig, osc, api, port_ids, ts0_id, tf0_id):
    lr.log('list / show / update, -f json:')
    lst = osc.json('tap', 'service', 'list')
    expect(isinstance(lst, list) and len(lst) == 1, 'tap service list: one service', lst)
    if lst:
        expect(list(lst[0]) == SERVICE_LIST_COLUMNS, f'service list columns {SERVICE_LIST_COLUMNS}', list(lst[0]))
        fields(lst[0], {'ID': ts0_id, 'Name': 'ts_0', 'Port': port_ids['port_tap_service'], 'Status': 'ACTIVE'},
               'tap service list row')
        expect(isinstance(lst[0].get('Tenant'), str), 'the Tenant column is filled', lst[0])
    lst = osc.json('tap', 'flow', 'list')
    expect(isinstance(lst, list) and len(lst) == 1, 'tap flow list: one flow', lst)
    if lst:
        expect(list(lst[0]) == FLOW_LIST_COLUMNS, f'flow list columns {FLOW_LIST_COLUMNS}', list(lst[0]))
        fields(lst[0], {'ID': tf0_id, 'Name': 'tf_0', 'Status': 'ACTIVE', 'source_port': SOURCE_ID,
                        'tap_service_id': ts0_id, 'Direction': 'BOTH'}, 'tap flow list row')

    for ref in ('ts_0', ts0_id):
        s = osc.json('tap', 'service', 'show', ref)
        expect(SERVICE_COLUMNS <= set(s), f'tap service show {ref}: columns {sorted(SERVICE_COLUMNS)}', sorted(s))
        fields(s, {'ID': ts0_id, 'Name': 'ts_0', 'Port': port_ids['port_tap_service'], 'Status': 'ACTIVE',
                   'description': ''}, f'tap service show {ref}')
        expect(s.get('Tenant') == s.get('project_id'), 'Tenant == project_id', s)
    for ref in ('tf_0', tf0_id):
        f = osc.json('tap', 'flow', 'show', ref)
        expect(FLOW_COLUMNS <= set(f), f'tap flow show {ref}: columns {sorted(FLOW_COLUMNS)}', sorted(f))
        fields(f, {'ID': tf0_id, 'Name': 'tf_0', 'Status': 'ACTIVE', 'source_port': SOURCE_ID,
                   'tap_service_id': ts0_id, 'Direction': 'BOTH', 'description': ''}, f'tap flow show {ref}')

    gen = rig.generation()
    s = osc.json('tap', 'service', 'update', '--description', 'mirror of source_port', 'ts_0')
    fields(s, {'ID': ts0_id, 'Name': 'ts_0', 'description': 'mirror of source_port'}, 'tap service update')
    f = osc.json('tap', 'flow', 'update', '--description', 'both ways', 'tf_0')
    fields(f, {'ID': tf0_id, 'Name': 'tf_0', 'description': 'both ways', 'Direction': 'BOTH'}, 'tap flow update')
    expect(rig.generation() == gen + 2, 'each update is one swap')
    fields(osc.json('tap', 'service', 'show', 'ts_0'), {'description': 'mirror of source_port'},
           'the update is kept (show)')
    svc = {s['name']: s for s in rig.call('tap_service.list')}.get('ts_0', {})
    expect(svc.get('description') == 'mirror of source_port' and svc.get('id') == ts0_id,
           'the control socket sees the new description, same id', svc)
    expect(bool(wait_growing(rig, 'tap_flows', 'tf_0')), 'tf_0 still counts after the updates')

    lr.log('a second service and flow: --direction in, --vlan-filter 1-5,9:')
    s1 = osc.json('tap', 'service', 'create', '--name', 'ts_1', '--port', 'mon2', '--description', 'second')
    fields(s1, {'Name': 'ts_1', 'Port': port_ids['mon2'], 'description': 'second', 'Status': 'ACTIVE'},
           'tap service create ts_1 -f json')
    f1 = osc.json('tap', 'flow', 'create', '--name', 'tf_1', '--port', 'source_port', '--tap-service', 'ts_1',
                  '--direction', 'in', '--vlan-filter', '1-5,9')
    fields(f1, {'Name': 'tf_1', 'Direction': 'IN', 'vlan_filter': '1-5,9', 'source_port': SOURCE_ID,
                'tap_service_id': s1.get('ID')}, 'tap flow create --direction in --vlan-filter 1-5,9')
    flows = {f['name']: f for f in rig.call('tap_flow.list')}
    expect(flows.get('tf_1', {}).get('direction') == 'IN' and flows['tf_1'].get('vlan_filter') == '1-5,9',
           'the control socket sees tf_1 IN with vlan_filter 1-5,9', flows.get('tf_1'))
    expect(len(osc.json('tap', 'service', 'list')) == 2 and len(osc.json('tap', 'flow', 'list')) == 2,
           'two services and two flows listed')
    fields(osc.json('tap', 'service', 'show', 'ts_0'), {'ID': ts0_id}, 'show ts_0 still finds ts_0 among two')
    return s1.get('ID'), f1.get('ID')


def errors(rig, osc, api, port_ids, ts0_id):
    lr.log('errors through the real client:')
    gen = rig.generation()
    n_svcs, n_flows = len(rig.call('tap_service.list')), len(rig.call('tap_flow.list'))

    # A bad vlan_filter reaches taasd: the client prints taasd's message.
    body = {'tap_flow': {'name': 'tf_bad', 'source_port': SOURCE_ID, 'tap_service_id': ts0_id,
                         'direction': 'IN', 'vlan_filter': '1-5,x'}}
    msg = expect_error(api, 'POST', '/v2.0/taas/tap_flows', body, 400, 'vlan_filter', 'a bad vlan_filter (direct)')
    osc.fails('tap', 'flow', 'create', '--name', 'tf_bad', '--port', 'source_port', '--tap-service', 'ts_0',
              '--direction', 'IN', '--vlan-filter', '1-5,x', what='a bad --vlan-filter', message=msg)
    for bad in ('4096', '5-1', '1,,2'):
        b = json.loads(json.dumps(body))
        b['tap_flow']['vlan_filter'] = bad
        expect_error(api, 'POST', '/v2.0/taas/tap_flows', b, 400, 'vlan_filter', f'vlan_filter {bad!r} (direct)')

    # The service port as a flow source reaches taasd.
    body = {'tap_flow': {'name': 'tf_bad', 'source_port': port_ids['port_tap_service'], 'tap_service_id': ts0_id,
                         'direction': 'BOTH'}}
    code, parsed, text = api.request('POST', '/v2.0/taas/tap_flows', body)
    err = neutron_error(parsed) or {}
    expect(code in (400, 409), f'a service port as a source (direct): HTTP 400/409 ({code})', text[:300])
    expect('source_port' in err.get('message', ''), f'its message names source_port: {err.get("message")!r}')
    osc.fails('tap', 'flow', 'create', '--name', 'tf_bad', '--port', 'port_tap_service', '--tap-service', 'ts_0',
              '--direction', 'BOTH', what='--port port_tap_service as a flow source', message=err.get('message'))

    # A source port that is already a service port, as a service port again:
    # (not in the issue, but the other 409 a client can reach)
    body = {'tap_service': {'name': 'ts_bad', 'port_id': port_ids['source_port']}}
    code, parsed, text = api.request('POST', '/v2.0/taas/tap_services', body)
    err = neutron_error(parsed) or {}
    expect(code in (400, 409) and 'port' in err.get('message', ''),
           f'a VM port as a service port (direct): HTTP 400/409 naming port ({code} {err.get("message")!r})')
    osc.fails('tap', 'service', 'create', '--name', 'ts_bad', '--port', 'source_port',
              what='--port source_port (a VM port) as a service port', message=err.get('message'))

    # An unknown port: the client resolves names itself (GET /v2.0/ports?name=
    # answers []), so it prints its own message; taasd's shows directly.
    osc.fails('tap', 'service', 'create', '--name', 'ts_bad', '--port', 'no_such_port',
              what='an unknown --port (service)', message="Unable to find port with name or id 'no_such_port'")
    osc.fails('tap', 'flow', 'create', '--name', 'tf_bad', '--port', 'no_such_port', '--tap-service', 'ts_0',
              '--direction', 'BOTH', what='an unknown --port (flow)',
              message="Unable to find port with name or id 'no_such_port'")
    osc.fails('tap', 'flow', 'create', '--name', 'tf_bad', '--port', 'source_port', '--tap-service', 'no_such_ts',
              '--direction', 'BOTH', what='an unknown --tap-service',
              message="Unable to find tap_service with name or id 'no_such_ts'")
    expect_error(api, 'POST', '/v2.0/taas/tap_services',
                 {'tap_service': {'name': 'ts_bad', 'port_id': str(uuid.uuid4())}}, 404, 'port_id',
                 'an unknown port_id (direct)')
    expect_error(api, 'POST', '/v2.0/taas/tap_flows',
                 {'tap_flow': {'name': 'tf_bad', 'source_port': str(uuid.uuid4()), 'tap_service_id': ts0_id,
                               'direction': 'BOTH'}}, 404, 'source_port', 'an unknown source_port (direct)')
    expect_error(api, 'POST', '/v2.0/taas/tap_flows',
                 {'tap_flow': {'name': 'tf_bad', 'source_port': SOURCE_ID, 'tap_service_id': str(uuid.uuid4()),
                               'direction': 'BOTH'}}, 404, 'tap_service_id', 'an unknown tap_service_id (direct)')

    # A bad direction: argparse refuses it before any request; taasd's own
    # check shows directly.
    err = osc.fails('tap', 'flow', 'create', '--name', 'tf_bad', '--port', 'source_port', '--tap-service', 'ts_0',
                    '--direction', 'sideways', rc=2, what='a bad --direction (refused by the client)')
    expect('invalid choice' in err, 'the client says invalid choice', err[-300:])
    expect_error(api, 'POST', '/v2.0/taas/tap_flows',
                 {'tap_flow': {'name': 'tf_bad', 'source_port': SOURCE_ID, 'tap_service_id': ts0_id,
                               'direction': 'SIDEWAYS'}}, 400, 'direction', 'a bad direction (direct)')

    # Other shapes the API must refuse.
    expect_error(api, 'POST', '/v2.0/taas/tap_services', {'tap_flow': {'name': 'x'}}, 400, 'tap_service',
                 'a body without "tap_service"')
    code, parsed, text = api.request('POST', '/v2.0/taas/tap_services', raw='{"tap_service": ')
    expect(code == 400 and neutron_error(parsed) is not None, f'malformed JSON: 400 NeutronError ({code})',
           text[:300])
    expect_error(api, 'GET', f'/v2.0/taas/tap_services/{uuid.uuid4()}', None, 404, 'id',
                 'GET an unknown tap service id')
    expect_error(api, 'DELETE', f'/v2.0/taas/tap_flows/{uuid.uuid4()}', None, 404, 'id',
                 'DELETE an unknown tap flow id')
    code, parsed, text = api.request('GET', '/v2.0/networks')
    expect(code == 404 and neutron_error(parsed) is not None, f'an unknown path: 404 NeutronError ({code})',
           text[:300])

    expect(rig.generation() == gen, 'no error changed anything (generation)')
    expect(len(rig.call('tap_service.list')) == n_svcs and len(rig.call('tap_flow.list')) == n_flows,
           'no service or flow was created by an error')


def deletes(rig, osc, api, ts0_id, tf0_id, ts1_id, tf1_id):
    lr.log('delete:')
    expect(bool(wait_growing(rig, 'tap_services', 'ts_0')), 'ts_0 counts before the delete')
    p = osc.ok('tap', 'flow', 'delete', 'tf_0')
    expect(f'Tap flow {tf0_id} deleted' in p.stderr, 'tap flow delete tf_0 reports the deleted id', p.stderr)
    ok, seen = settled(rig, lambda: (counter(rig, 'tap_services', 'ts_0'), port_tx(rig, 'port_tap_service')))
    expect(ok, 'after tap flow delete, ts_0 and port_tap_service stop growing', seen)
    a = counter(rig, 'tap_services', 'ts_0')
    time.sleep(0.5)
    expect(counter(rig, 'tap_services', 'ts_0') == a, f'... and stay still ({a})')
    expect('tf_0' not in {f['name'] for f in rig.call('tap_flow.list')}, 'the control socket no longer has tf_0')
    osc.fails('tap', 'flow', 'show', 'tf_0', what='show of the deleted tf_0',
              message="Unable to find tap_flow with name or id 'tf_0'")
    expect_error(api, 'GET', f'/v2.0/taas/tap_flows/{tf0_id}', None, 404, 'id', 'GET the deleted flow id')

    # Deleting a service deletes its flows (TaaS). (tf_1 copies nothing:
    # source_port receives nothing, and its filter leaves VLAN 100 out.)
    expect({f['name'] for f in rig.call('tap_flow.list')} == {'tf_1'}, 'tf_1 is there before ts_1 is deleted')
    p = osc.ok('tap', 'service', 'delete', 'ts_1')
    expect(f'Tap service {ts1_id} deleted' in p.stderr, 'tap service delete ts_1 reports the deleted id',
           p.stderr)
    expect(osc.json('tap', 'flow', 'list') == [], 'deleting ts_1 deleted tf_1 too (flow list empty)')

    code, parsed, text = api.request('DELETE', f'/v2.0/taas/tap_services/{ts0_id}')
    expect(code == 204 and text == '', f'DELETE ts_0 directly: 204 with an empty body ({code} {text[:100]!r})')
    expect(osc.json('tap', 'service', 'list') == [], 'tap service list is empty')
    expect(rig.call('tap_service.list') == [] and rig.call('tap_flow.list') == [],
           'the control socket has no service and no flow')


def run1(taasd):
    port = free_port()
    url = f'http://127.0.0.1:{port}'
    rig = make_rig(taasd, 'neutron1', port)
    try:
        rig.start()
        api, osc = Api(url), Osc(url)
        wait_api(api, rig)
        port_ids = ports_api(api)
        ts0_id, tf0_id = two_commands(rig, osc, port_ids)
        ts1_id, tf1_id = crud(rig, osc, api, port_ids, ts0_id, tf0_id)
        errors(rig, osc, api, port_ids, ts0_id)
        deletes(rig, osc, api, ts0_id, tf0_id, ts1_id, tf1_id)
        rc, _ = rig.stop()
        lr.clean_exit(rig, rc)
    except lr.Fail as e:
        lr.log(f'  FAIL  {e}')
        failures.append(str(e).splitlines()[0])
        lr.log(rig.log_text()[-3000:])
    finally:
        rig.close()


# -- run 2: tokens, ERSPAN -----------------------------------------------------

def tokens(rig, api, osc):
    lr.log('tokens:')
    for tok, what in ((None, 'no X-Auth-Token'), ('wrong', 'a wrong token'), ('notused', '"notused"'),
                      (TOKEN + 'x', 'the token plus a character'), (TOKEN[:-1], 'a prefix of the token')):
        for method, path, body in (('GET', '/v2.0/ports', None), ('GET', '/v2.0/taas/tap_services', None),
                                   ('POST', '/v2.0/taas/tap_services',
                                    {'tap_service': {'name': 'ts_x', 'port_id': None}})):
            code, _, text = api.request(method, path, body, token=tok)
            expect(code == 401, f'{what}: {method} {path} -> 401', f'got {code}: {text[:200]}')
    expect(rig.call('tap_service.list') == [], 'nothing was created without the token')
    api.ok('GET', '/v2.0/taas/tap_services')
    lr.log('  ok    the right token: 200')
    _, parsed, _ = api.request('GET', '/v2.0/taas/tap_services', token='notused')
    msg = (neutron_error(parsed) or {}).get('message')
    expect(bool(msg), f'the 401 is a NeutronError with a message: {msg!r}')
    osc.fails('tap', 'service', 'list', token=None, what='the client with --os-auth-type none (token "notused")',
              message=msg)
    osc.fails('tap', 'service', 'list', token='wrong', what='the client with a wrong --os-token', message=msg)
    osc.fails('tap', 'service', 'create', '--name', 'ts_x', '--port', 'port_tap_service', token='wrong',
              what='create with a wrong --os-token', message=msg)
    expect(rig.call('tap_service.list') == [], 'nothing was created with a wrong token')
    expect(osc.json('tap', 'service', 'list') == [], 'the client with the right --os-token lists (empty)')


def read_pcap(path):
    """(linktype, [frame bytes]) of a classic pcap file."""
    data = Path(path).read_bytes()
    magic = data[:4]
    if magic in (b'\xd4\xc3\xb2\xa1', b'\x4d\x3c\xb2\xa1'):
        end = '<'
    elif magic in (b'\xa1\xb2\xc3\xd4', b'\xa1\xb2\x3c\x4d'):
        end = '>'
    else:
        raise lr.Fail(f'{path}: not a pcap file')
    linktype = struct.unpack(end + 'I', data[20:24])[0]
    frames, off = [], 24
    while off + 16 <= len(data):
        incl = struct.unpack(end + 'I', data[off + 8:off + 12])[0]
        frames.append(data[off + 16:off + 16 + incl])
        off += 16 + incl
    return linktype, frames


def mac(b):
    return ':'.join(f'{x:02x}' for x in b)


def decode_erspan(frame):
    """The copy's parts, or a string saying what is wrong with it."""
    if len(frame) < 14 + 20 + 8 + 8 or frame[12:14] != b'\x08\x00':
        return 'not IPv4'
    ip = frame[14:]
    ihl = (ip[0] & 0x0f) * 4
    if ip[0] >> 4 != 4 or ip[9] != 47:
        return 'not IPv4 / GRE'
    src, dst = socket.inet_ntoa(ip[12:16]), socket.inet_ntoa(ip[16:20])
    gre = ip[ihl:]
    flags, proto = struct.unpack('!HH', gre[:4])
    off = 4 + (4 if flags & 0x8000 else 0) + (4 if flags & 0x2000 else 0) + (4 if flags & 0x1000 else 0)
    if proto == 0x88BE:
        kind, hlen = 'erspan2', 8
    elif proto == 0x22EB:
        kind, hlen = 'erspan3', 12
    else:
        return f'GRE protocol {proto:#06x} is not ERSPAN'
    er = gre[off:]
    word = struct.unpack('!I', er[:4])[0]
    ver = word >> 28
    session = word & 0x3ff
    if kind == 'erspan3' and er[11] & 0x01:  # O: an 8-byte platform subheader follows
        hlen += 8
    inner = er[hlen:]
    return {'dst_mac': mac(frame[0:6]), 'src': src, 'dst': dst, 'df': bool(ip[6] & 0x40), 'kind': kind,
            'ver': ver, 'session': session, 'seq': bool(flags & 0x1000), 'inner': inner}


def erspan(rig, api, osc, port_ids):
    lr.log('ERSPAN extension fields (curl):')
    gen = rig.generation()
    svc = api.ok('POST', '/v2.0/taas/tap_services',
                 {'tap_service': {'name': 'ts_er', 'description': 'external', 'erspan_dst_ip': COLLECTOR}},
                 status=201).get('tap_service', {})
    fields(svc, {'name': 'ts_er', 'erspan_dst_ip': COLLECTOR, 'status': 'ACTIVE', 'description': 'external'},
           'POST tap_services {erspan_dst_ip} -> 201')
    expect(svc.get('port_id') in (None, ''), f'... without a port_id ({svc.get("port_id")!r})')
    expect(lr.UUID_RE.match(str(svc.get('id'))) is not None, '... and a UUID')
    sock = {s['name']: s for s in rig.call('tap_service.list')}.get('ts_er', {})
    expect(sock.get('mode') == 'external' and sock.get('remote_ip') == COLLECTOR
           and sock.get('encap') in ('erspan2', 'erspan3'),
           'the control socket sees an external-mode ERSPAN service to the collector', sock)
    show = osc.json('tap', 'service', 'show', 'ts_er')
    fields(show, {'ID': svc.get('id'), 'erspan_dst_ip': COLLECTOR}, 'openstack tap service show ts_er')

    flow = api.ok('POST', '/v2.0/taas/tap_flows',
                  {'tap_flow': {'name': 'tf_er', 'source_port': SOURCE_ID, 'tap_service_id': svc.get('id'),
                                'direction': 'OUT', 'erspan_session_id': SESSION}}, status=201).get('tap_flow', {})
    fields(flow, {'name': 'tf_er', 'source_port': SOURCE_ID, 'tap_service_id': svc.get('id'), 'direction': 'OUT',
                  'erspan_session_id': SESSION, 'status': 'ACTIVE'}, 'POST tap_flows {erspan_session_id: 42} -> 201')
    expect(rig.generation() == gen + 2, 'two swaps')
    n = wait_growing(rig, 'tap_services', 'ts_er')
    expect(bool(n), f'ts_er counts copies ({n})')
    # Stop the copies soon: every one is written to uplink.pcap.
    code, _, text = api.request('DELETE', f'/v2.0/taas/tap_flows/{flow.get("id")}')
    expect(code == 204 and text == '', f'DELETE tf_er: 204, empty body ({code})')
    ok, seen = settled(rig, lambda: counter(rig, 'tap_services', 'ts_er'), pause=0.3)
    expect(ok, 'ts_er stops counting after the delete', seen)
    st = rig.stats()['tap_services'].get('ts_er', {})
    expect(not any(st.get('dropped', {}).values()), f'ts_er dropped nothing (no_neighbor etc.): {st.get("dropped")}')

    # Internal mode: erspan_dst_ip with a port_id.
    svc2 = api.ok('POST', '/v2.0/taas/tap_services',
                  {'tap_service': {'name': 'ts_in', 'port_id': port_ids['mon2'], 'erspan_dst_ip': '192.0.2.99'}},
                  status=201).get('tap_service', {})
    fields(svc2, {'port_id': port_ids['mon2'], 'erspan_dst_ip': '192.0.2.99'}, 'erspan_dst_ip + port_id -> 201')
    sock = {s['name']: s for s in rig.call('tap_service.list')}.get('ts_in', {})
    expect(sock.get('mode') == 'internal' and sock.get('port') == 'mon2', 'the socket sees internal mode on mon2',
           sock)
    expect_error(api, 'POST', '/v2.0/taas/tap_services',
                 {'tap_service': {'name': 'ts_bad', 'erspan_dst_ip': 'not-an-ip'}}, 400, 'erspan_dst_ip',
                 'a bad erspan_dst_ip')
    expect_error(api, 'POST', '/v2.0/taas/tap_flows',
                 {'tap_flow': {'name': 'tf_bad', 'source_port': SOURCE_ID, 'tap_service_id': svc.get('id'),
                               'direction': 'IN', 'erspan_session_id': 1024}}, 400, 'erspan_session_id',
                 'erspan_session_id 1024')
    code, _, _ = api.request('DELETE', f'/v2.0/taas/tap_services/{svc2.get("id")}')
    expect(code == 204, 'DELETE ts_in: 204')
    return n


def judge_uplink(rig, stats):
    lr.log('the copies on the uplink (uplink.pcap):')
    svc = stats['tap_services'].get('ts_er', {})
    expect(svc.get('packets', 0) > 0, f'--stats-out: ts_er counted {svc.get("packets")} copies')
    linktype, frames = read_pcap(rig.uplink_pcap)
    expect(linktype == 1, 'Ethernet link type')
    copies = [d for d in (decode_erspan(f) for f in frames) if isinstance(d, dict)]
    others = [f for f in frames if not isinstance(decode_erspan(f), dict)]
    expect(len(copies) == svc.get('packets'), f'{len(copies)} ERSPAN copies on the uplink == ts_er packets '
                                              f'{svc.get("packets")}')
    expect(len(copies) + len(others) == stats['ports']['uplink']['tx_packets'],
           f'uplink.pcap holds the uplink\'s {stats["ports"]["uplink"]["tx_packets"]} frames')
    # The rest: source_port's frames flooded (tagged 100) before vm2's MAC was learned.
    expect(all(f[12:14] == b'\x81\x00' for f in others), f'the {len(others)} other frames are tagged production '
                                                         'frames (flooded before vm2 was learned)')
    if not copies:
        return
    src_frames = {bytes(f) for f in read_pcap(rig.pcap)[1]}
    bad = [d for d in copies if not (d['dst_mac'] == NEXT_HOP_MAC and d['src'] == UNDERLAY_IP and
                                     d['dst'] == COLLECTOR and d['session'] == SESSION and d['seq'] and
                                     bytes(d['inner']) in src_frames)]
    expect(not bad, f'every copy: to {NEXT_HOP_MAC}, {UNDERLAY_IP} -> {COLLECTOR} GRE with a sequence number, '
                    f'ERSPAN session {SESSION}, inner frame one of source_port\'s',
           {k: v for k, v in bad[0].items() if k != 'inner'} if bad else None)
    kinds = {d['kind'] for d in copies}
    expect(len(kinds) == 1, f'one encapsulation: {kinds}')
    if shutil.which('tshark'):
        p = subprocess.run(['tshark', '-r', str(rig.uplink_pcap), '-c', '2000', '-Y', 'erspan', '-T', 'fields',
                            '-E', 'occurrence=f', '-e', 'ip.dst', '-e', 'erspan.spanid', '-e', 'eth.dst'],
                           capture_output=True, text=True, timeout=120)
        rows = [ln.split('\t') for ln in p.stdout.splitlines() if ln]
        expect(rows and all(r[0] == COLLECTOR and r[1] == str(SESSION) for r in rows),
               f'tshark decodes the copies as ERSPAN, span id {SESSION}, to {COLLECTOR} ({len(rows)} checked)',
               p.stdout[:300] + p.stderr[:300])


def run2(taasd):
    port = free_port()
    url = f'http://127.0.0.1:{port}'
    rig = make_rig(taasd, 'neutron2', port, extra=['--neutron-token', TOKEN])
    try:
        rig.start()
        api, osc = Api(url, TOKEN), Osc(url, TOKEN)
        wait_api(api, rig)
        port_ids = {p['name']: p['id'] for p in api.ok('GET', '/v2.0/ports')['ports']}
        tokens(rig, api, osc)
        erspan(rig, api, osc, port_ids)
        rc, stats = rig.stop()
        lr.clean_exit(rig, rc)
        judge_uplink(rig, stats)
    except lr.Fail as e:
        lr.log(f'  FAIL  {e}')
        failures.append(str(e).splitlines()[0])
        lr.log(rig.log_text()[-3000:])
    finally:
        rig.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--taasd', required=True)
    args = ap.parse_args()
    if not os.access(OPENSTACK, os.X_OK):
        lr.skip(f'{OPENSTACK} is not installed (scripts/setup installs python3-openstackclient)')
    p = subprocess.run([OPENSTACK, 'tap', 'service', 'create', '--help'], capture_output=True, text=True,
                       timeout=120, env=clean_env())
    if p.returncode != 0:
        lr.skip('the openstack client has no `tap` commands (scripts/setup installs python3-neutron-taas): '
                + p.stderr.strip()[-300:])
    if not shutil.which('curl'):
        raise SystemExit('curl is missing (scripts/setup installs it)')
    lr.log('run 1: no tokens, openstack --os-auth-type none')
    run1(args.taasd)
    lr.log('run 2: --neutron-token, ERSPAN')
    run2(args.taasd)
    if failures:
        lr.log(f'FAIL: {len(failures)} check(s) failed:')
        for f in failures:
            lr.log(f'  - {f}')
        sys.exit(1)
    lr.log('PASS')


if __name__ == '__main__':
    main()
