"""The fault-injection tests' account of a run (issue 8), on taasd's stats
(the control socket's `stats`, or the --stats-out file written at exit):

  production_delivered  every frame vm1 received reached vm2, none dropped
  port_conservation     per port: received = forwarded + dropped by reason
                        (flooded to one port, vm1's frames are vm2's tx)
  copies_by_reason      per tap service: the copies asked for (one per frame
                        of its flows' sources) = sent + dropped by reason,
                        and only the reasons the fault explains
  pools_back            every mempool holds all its mbufs again

Each raises live_rig.Fail naming the numbers, or logs its "ok" line.
"""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'live'))
from live_rig import Fail, check  # noqa: E402,F401

REASONS = ('nombuf', 'tx_full', 'no_neighbor', 'port_down', 'too_big')


def production_delivered(stats, src='vm1', dst='vm2'):
    s, d = stats['ports'][src], stats['ports'][dst]
    check(s['rx_packets'] > 0, f'{src} received frames ({s["rx_packets"]:,})')
    check(s['rx_packets'] == d['tx_packets'] and s['rx_dropped'] == 0 and d['tx_dropped'] == 0,
          f'every production frame delivered: {src} rx {s["rx_packets"]:,} == {dst} tx {d["tx_packets"]:,}, '
          f'rx_dropped {s["rx_dropped"]}, tx_dropped {d["tx_dropped"]}', s['rx_dropped_by'])


def port_conservation(stats, src='vm1', dsts=('vm2',)):
    """src's frames are forwarded (flooded) to dsts or dropped with a reason."""
    s = stats['ports'][src]
    by_reason = sum(s['rx_dropped_by'].values())
    check(s['rx_dropped'] == by_reason,
          f'{src}: rx_dropped {s["rx_dropped"]} == the sum of its reasons {by_reason}', s['rx_dropped_by'])
    for d in dsts:
        t = stats['ports'][d]
        check(s['rx_packets'] == t['tx_packets'] + t['tx_dropped'] + s['rx_dropped'],
              f'{src} -> {d}: received {s["rx_packets"]:,} == forwarded {t["tx_packets"]:,} + '
              f'dropped at tx {t["tx_dropped"]} + dropped at rx {s["rx_dropped"]}')


def copies_by_reason(stats, asked, allowed, need=()):
    """asked: {service: copies asked for}. Each service's packets + drops
    equal its asked; drops only for `allowed` reasons, and at least one for
    each reason in `need`. Returns {reason: total drops}."""
    totals = dict.fromkeys(REASONS, 0)
    for name, want in asked.items():
        svc = stats['tap_services'][name]
        dropped = svc['dropped']
        got = svc['packets'] + sum(dropped.values())
        check(got == want, f'{name}: sent {svc["packets"]:,} + dropped {sum(dropped.values()):,} == '
                           f'copies asked for {want:,}', dropped)
        for r, n in dropped.items():
            totals[r] += n
    bad = {r: n for r, n in totals.items() if n and r not in allowed}
    check(not bad, f'copies dropped only for {sorted(allowed) or "no reason"}: {totals}', bad)
    for r in need:
        check(totals[r] > 0, f'copies were dropped as {r} ({totals[r]:,})')
    return totals


def monitor_account(stats, port, services):
    """A monitor port's tx = its services' sent copies; its tx_dropped = the
    copies the services count as dropped at tx (tx_full)."""
    p = stats['ports'][port]
    sent = sum(stats['tap_services'][s]['packets'] for s in services)
    full = sum(stats['tap_services'][s]['dropped']['tx_full'] for s in services)
    check(p['tx_packets'] == sent, f'{port} tx_packets {p["tx_packets"]:,} == copies its services sent {sent:,}')
    check(p['tx_dropped'] == full, f'{port} tx_dropped {p["tx_dropped"]:,} == tx_full copies {full:,}')


def pools_back(stats):
    pools = stats.get('pools')
    check(bool(pools), f'the stats name the pools: {sorted(pools or {})}')
    for name, p in pools.items():
        check(p['available'] == p['size'] and p['in_use'] == 0,
              f'pool {name}: {p["available"]:,} of {p["size"]:,} mbufs back')
