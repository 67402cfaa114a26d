#!/usr/bin/python3
"""live-malformed: what the control socket does with peers that do not
follow the protocol, while vm1 sends at full rate.

Each case gets an error reply with the expected code and field (and the
request's id echoed when it could be read), or a closed connection, and
changes nothing: the export and the generation from `health` are the same
before and after, and taasd keeps running. Cases: not JSON, a JSON array,
wrong types, unknown op, missing v, v 2, an unknown top-level key, a
duplicate key, nesting 200,000 deep, unresolved references (404, 409),
several requests in one write (one reply each, in order), a 2 MiB line (400,
then closed), binary garbage, a peer that disconnects mid-line (even in the
middle of a valid create), peers that send requests and close without
reading (a complete create is still made), 70 simultaneous connections (the
ones over 64 get one 503 line and are closed; the 64 others still work -- run
last, it also shows that no earlier peer was left counted). Afterwards a
normal request and a change work, and taasd exits 0 on SIGTERM with
production complete and copies conserved.

Usage: malformed.py --taasd build/taasd
"""

import argparse
import json
import os
import random
import socket
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import live_rig as lr  # noqa: E402

MAX_CLIENTS = 64          # control/control_socket.hpp kMaxClients
MAX_LINE = 1 << 20        # control/protocol.hpp kMaxRequestBytes


class Unchanged:
    """`with Unchanged(rig, what):` -- export and generation must not move."""

    def __init__(self, rig, what):
        self.rig, self.what = rig, what

    def __enter__(self):
        self.export = self.rig.export()
        self.generation = self.rig.generation()
        return self

    def __exit__(self, kind, value, tb):
        if kind is not None:
            return False
        if not self.rig.alive():
            raise lr.Fail(f'{self.what}: taasd died\n{self.rig.log_text()[-2000:]}')
        gen = self.rig.generation()
        lr.check(gen == self.generation and self.rig.export() == self.export,
                 f'{self.what}: nothing changed (generation {gen})')
        return False


def expect_error(reply, code, field, rid, what):
    err = reply.get('error') or {}
    lr.check(reply['ok'] is False and err.get('code') == code and err.get('field') == field and
             reply.get('id') == rid and isinstance(err.get('message'), str) and err['message'],
             f'{what}: error {code}, field {field!r}, id {rid!r}', json.dumps(reply))


def one_line(rig, data, code, field, rid, what):
    """Sends `data` (one line) on a fresh connection; expects one error reply
    and the connection still usable."""
    with Unchanged(rig, what):
        c = rig.client()
        try:
            c.send_raw(data)
            expect_error(c.read_reply(), code, field, rid, what)
            c.ok('health')
        finally:
            c.close()


def request_cases(rig):
    good = {'v': 1, 'id': 7, 'op': 'tap_service.create', 'args': {'name': 'ts_new', 'port': 'mon'}}

    def variant(**change):
        r = dict(good)
        for k, v in change.items():
            if v is None:
                r.pop(k)
            else:
                r[k] = v
        return json.dumps(r).encode() + b'\n'

    one_line(rig, b'hello taasd\n', 400, '', None, 'not JSON')
    one_line(rig, b'{"v": 1, "id": 3, "op": "health"\n', 400, '', None, 'truncated JSON object')
    one_line(rig, b'[1, "v", {"op": "health"}]\n', 400, '', None, 'a JSON array')
    one_line(rig, b'"health"\n', 400, '', None, 'a JSON string')
    one_line(rig, variant(args={'name': 5, 'port': 'mon'}), 400, 'args.name', 7, 'name: 5')
    one_line(rig, variant(args={'name': 'ts_new', 'port': ['mon']}), 400, 'args.port', 7, 'port: [..]')
    one_line(rig, variant(args=['ts_new']), 400, 'args', 7, 'args: [..]')
    one_line(rig, variant(args={'name': 'ts_new', 'port': 'mon', 'colour': 'red'}), 400, 'args.colour', 7,
             'unknown key in args')
    one_line(rig, variant(op='tap_service.explode'), 400, 'op', 7, 'unknown op')
    one_line(rig, variant(op=3), 400, 'op', 7, 'op: 3')
    one_line(rig, variant(v=None), 400, 'v', 7, 'missing v')
    one_line(rig, variant(v=2), 400, 'v', 7, 'v: 2')
    one_line(rig, variant(v='1'), 400, 'v', 7, 'v: "1"')
    one_line(rig, variant(extra=1), 400, 'extra', 7, 'unknown top-level key')
    one_line(rig, variant(id=[1]), 400, 'id', None, 'id: [1]')
    one_line(rig, variant(v=10 ** 30), 400, 'v', 7, 'v: 10^30')
    one_line(rig, b'[' * 200000 + b'\n', 400, '', None, 'arrays nested 200,000 deep')
    one_line(rig, b'{"v": 1, "id": 9, "op": "health", "args": {}, "args": {}}\n', 400, 'args', None,
             'a duplicate key')
    # Valid requests whose references do not resolve: 404 / 409.
    one_line(rig, variant(args={'name': 'ts_new', 'port': 'nosuch'}), 404, 'args.port', 7, 'unknown port')
    one_line(rig, variant(args={'name': 'ts_keep', 'port': 'mon'}), 409, 'args.name', 7, 'duplicate name')
    one_line(rig, variant(op='tap_flow.delete', args={'ref': 'tf_nosuch'}), 404, 'args.ref', 7, 'unknown flow')


def pipelined(rig):
    """Several requests in one write, one of them bad: one reply each, in order."""
    with Unchanged(rig, 'pipelined requests'):
        c = rig.client()
        try:
            c.send_raw(b'{"v": 1, "id": "a", "op": "health"}\n{"v": 1, "id": "b", "op": "nope"}\r\n\n'
                       b'{"v": 1, "id": "c", "op": "tap_flow.show", "args": {"ref": "tf_keep"}}\n')
            replies = [c.read_reply() for _ in range(3)]
            lr.check([(r['id'], r['ok']) for r in replies] == [('a', True), ('b', False), ('c', True)] and
                     replies[2]['result']['name'] == 'tf_keep',
                     'three requests in one write: three replies in order (empty line ignored)', replies)
        finally:
            c.close()


def long_line(rig):
    """2 MiB without a newline: one 400 (field ''), then end of stream."""
    with Unchanged(rig, '2 MiB line'):
        c = rig.client()
        sent = [0]

        def sender():
            chunk = b'{"v": 1, "op": "health", "args": "' + b'a' * 65536
            try:
                while sent[0] < 2 * MAX_LINE:
                    c.sock.sendall(chunk)
                    sent[0] += len(chunk)
                c.sock.sendall(b'"}\n')
            except OSError:
                pass  # taasd stopped reading and closed: expected
        t = threading.Thread(target=sender, daemon=True)
        t.start()
        try:
            reply = c.read_reply()
            expect_error(reply, 400, '', None, '2 MiB line')
            lr.check('longer than' in reply['error']['message'], 'the message says the line is too long',
                     reply['error']['message'])
            try:
                rest = c.read_line()
            except ConnectionResetError:
                rest = None
            lr.check(rest is None, 'then the connection is closed', rest)
        finally:
            t.join(timeout=30)
            c.close()
        lr.log(f'  ({sent[0]:,} bytes were accepted before the close)')


def garbage(rig):
    rnd = random.Random(4)
    blob = bytes(rnd.randrange(256) for _ in range(4096)).replace(b'\n', b'') + b'\n'
    with Unchanged(rig, 'binary garbage'):
        c = rig.client()
        try:
            c.send_raw(blob)
            expect_error(c.read_reply(), 400, '', None, 'binary garbage')
            c.send_raw(b'\x00\x00\x00\n\xff\xfe{"v":1}\n')
            expect_error(c.read_reply(), 400, '', None, 'NUL bytes')
            expect_error(c.read_reply(), 400, '', None, 'invalid UTF-8 before a JSON object')
            c.send_raw(b'{"v": 1, "op": "health", "id": "\xc3\x28"}\n')
            reply = c.read_reply()
            lr.check(reply['ok'] is False and reply['error']['code'] == 400,
                     'invalid UTF-8 in a string: 400', json.dumps(reply))
            c.ok('health')
        finally:
            c.close()


def disconnects(rig):
    create = json.dumps({'v': 1, 'id': 1, 'op': 'tap_service.create',
                         'args': {'name': 'ts_half', 'port': 'mon'}}).encode()
    with Unchanged(rig, 'disconnect in the middle of a create'):
        c = rig.client()
        c.send_raw(create[:len(create) // 2])
        time.sleep(0.1)
        c.close()
        c = rig.client()
        c.send_raw(create)  # complete, but no newline: not a request yet
        time.sleep(0.1)
        c.sock.shutdown(socket.SHUT_WR)
        lr.check(c.read_line() is None, 'a line without newline at end of stream gets no reply')
        c.close()
    with Unchanged(rig, 'requests sent, then closed without reading'):
        for _ in range(20):
            c = rig.client()
            c.send_raw(b'{"v": 1, "op": "export"}\n' * 200 + b'{"v": 1, "op": "stats"}\n' * 50)
            c.close()
        c = rig.client()
        c.send_raw(b'{"v": 1, "op": "health"}\n' * 10)
        c.sock.shutdown(socket.SHUT_RDWR)
        c.close()
        time.sleep(0.2)
    # A complete change whose sender leaves without reading is still made.
    c = rig.client()
    c.send_raw(json.dumps({'v': 1, 'op': 'tap_service.create', 'args': {'name': 'ts_gone', 'port': 'mon'}})
               .encode() + b'\n')
    c.close()
    deadline = time.monotonic() + 10
    names = []
    while 'ts_gone' not in names and time.monotonic() < deadline:
        names = [s['name'] for s in rig.call('tap_service.list')]
        time.sleep(0.05)
    lr.check('ts_gone' in names, 'a create whose sender closed without reading was made', names)
    rig.call('tap_service.delete', {'ref': 'ts_gone'})


def many_connections(rig):
    n = MAX_CLIENTS + 6
    with Unchanged(rig, f'{n} simultaneous connections'):
        conns = []
        try:
            for _ in range(n):
                conns.append(rig.client(timeout=10))
                time.sleep(0.002)
            time.sleep(0.5)
            refused = []
            for i, c in enumerate(conns):
                c.sock.settimeout(0.05)
                try:
                    line = c.read_line()
                except socket.timeout:
                    continue  # accepted: nothing to read
                c.sock.settimeout(10)
                refused.append(i)
                reply = json.loads(line) if line else None
                lr.check(reply is not None and reply['ok'] is False and reply['error']['code'] == 503,
                         f'connection {i} refused with a 503 line', line)
                lr.check(c.read_line() is None, f'connection {i} then closed')
            lr.check(len(refused) == n - MAX_CLIENTS, f'{len(refused)} connections refused: {refused}')
            answered = 0
            for i, c in enumerate(conns):
                if i in refused:
                    continue
                c.sock.settimeout(10)
                c.ok('health')
                answered += 1
            lr.check(answered == MAX_CLIENTS, f'the {MAX_CLIENTS} others each answered a request')
        finally:
            for c in conns:
                c.close()
        time.sleep(0.2)


def run(args):
    rig = lr.Rig(args.taasd, 'malformed')
    try:
        rig.write_intent(lr.intent_yaml(rig.pcap, ['ts_keep'], [('tf_keep', 'vm1', 'ts_keep', 'BOTH')]))
        rig.start()
        request_cases(rig)
        pipelined(rig)
        long_line(rig)
        garbage(rig)
        disconnects(rig)
        many_connections(rig)
        # A normal request, and a change, still work.
        made = rig.call('tap_service.create', {'name': 'ts_after', 'port': 'mon', 'description': 'after'})
        lr.check(made['name'] == 'ts_after' and made['status'] == 'ACTIVE', 'a create works afterwards')
        lr.check([s['name'] for s in rig.call('tap_service.list')] == ['ts_keep', 'ts_after'],
                 'tap_service.list shows exactly ts_keep, ts_after')
        s1 = rig.stats()
        time.sleep(0.3)
        s2 = rig.stats()
        lr.check(s2['tap_flows']['tf_keep']['packets'] > s1['tap_flows']['tf_keep']['packets'],
                 'tf_keep still mirrors')
        rc, stats = rig.stop()
        lr.clean_exit(rig, rc)
        lr.production_complete(stats)
        lr.copies_conserved(stats)
    finally:
        rig.close()


if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--taasd', required=True)
    a = ap.parse_args()
    lr.main(lambda: run(a))
