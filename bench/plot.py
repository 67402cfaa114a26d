#!/usr/bin/python3
"""Turns bench/pipeline.py's results (bench/results/pipeline.json) into a
PNG (bench/results/pipeline.png): per rig, Mpps and cycles per packet of
each taasd case by frame size next to the dpdk-testpmd io forward baseline
of the same run; the 64 B variants (100,000 flows, two workers); and
taasd's resident memory by configured flows.

Needs matplotlib (Debian: python3-matplotlib). Without it, says so and
exits 3.

usage: bench/plot.py [--in JSON] [--out PNG]
"""

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXIT_NO_MATPLOTLIB = 3

CASE_ORDER = ['fwd', 'local', 'erspan3', 'vxlan', 'both']
CASE_SHORT = {'fwd': 'forward', 'local': '+ local mirror', 'erspan3': '+ ERSPAN III', 'vxlan': '+ VXLAN',
              'both': 'BOTH, 2 copies'}
RIG_TITLE = {'pcap': 'pcap -> null (source saturated: capacity of one core)',
             'memif': 'memif (testpmd peer on CPU 0 feeds and drains taasd)'}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--in', dest='src', default=str(ROOT / 'bench' / 'results' / 'pipeline.json'))
    ap.add_argument('--out', default=str(ROOT / 'bench' / 'results' / 'pipeline.png'))
    args = ap.parse_args()
    try:
        import matplotlib
        matplotlib.use('Agg')
        import matplotlib.pyplot as plt
    except ImportError as e:
        print(f'bench/plot.py: matplotlib is not importable by {sys.executable} ({e}); '
              'install it with: apt-get install -y python3-matplotlib (then run /usr/bin/python3 bench/plot.py)',
              file=sys.stderr)
        sys.exit(EXIT_NO_MATPLOTLIB)

    res = json.loads(Path(args.src).read_text())
    cases = res.get('cases', [])
    rigs = [r for r in ('pcap', 'memif') if any(c['rig'] == r and not c.get('variant') for c in cases)]
    rows = len(rigs) + 1
    fig, axes = plt.subplots(rows, 2, figsize=(15, 4.2 * rows), squeeze=False)
    colors = plt.rcParams['axes.prop_cycle'].by_key()['color']

    for row, rig in enumerate(rigs):
        main_cases = [c for c in cases if c['rig'] == rig and not c.get('variant')]
        sizes = sorted({c['size'] for c in main_cases})
        ids = [i for i in CASE_ORDER if any(c['case'] == i for c in main_cases)]
        width = 0.8 / (len(ids) + 1)
        for col, (key, base_key, ylabel) in enumerate((
                ('mpps', 'baseline_mpps', 'Mpps' if rig == 'pcap' else 'Mpps delivered'),
                ('cycles_per_packet', 'baseline_cycles_per_packet', 'cycles / packet (busy)'))):
            ax = axes[row][col]
            for j, cid in enumerate(ids):
                vals, err = [], [[], []]
                for s in sizes:
                    c = next((c for c in main_cases if c['case'] == cid and c['size'] == s), None)
                    v = None if c is None else (c['delivered_mpps'] if (rig == 'memif' and key == 'mpps') else c.get(key))
                    vals.append(v or 0)
                    lo, hi = (c or {}).get('mpps_range') or (v or 0, v or 0)
                    err[0].append(max(0, (v or 0) - lo) if key == 'mpps' else 0)
                    err[1].append(max(0, hi - (v or 0)) if key == 'mpps' else 0)
                xs = [i + (j + 1) * width - 0.4 for i in range(len(sizes))]
                ax.bar(xs, vals, width, label=f'taasd {CASE_SHORT.get(cid, cid)}', color=colors[j % len(colors)],
                       yerr=err if key == 'mpps' else None, capsize=2, error_kw={'linewidth': 0.8})
                if rig == 'memif' and key == 'mpps':
                    offered = [next((c['offered_mpps'] for c in main_cases if c['case'] == cid and c['size'] == s), 0)
                               for s in sizes]
                    ax.plot(xs, offered, 'k_', markersize=12, label='offered by the peer' if j == 0 else None)
            base, berr = [], [[], []]
            for s in sizes:
                c = next((c for c in main_cases if c['size'] == s), None)
                v = (c or {}).get(base_key) or 0
                base.append(v)
                runs = [(r.get('mpps') if key == 'mpps' else r.get('cycles_per_packet')) or v
                        for r in (c or {}).get('baseline_runs', [])] or [v]
                berr[0].append(max(0, v - min(runs)))
                berr[1].append(max(0, max(runs) - v))
            ax.bar([i - 0.4 for i in range(len(sizes))], base, width, label='testpmd io forward (baseline)',
                   color='lightgrey', edgecolor='black', hatch='//', yerr=berr, capsize=2, error_kw={'linewidth': 0.8})
            ax.set_xticks([i + (len(ids) + 1) * width / 2 - 0.4 - width / 2 for i in range(len(sizes))])
            ax.set_xticklabels([f'{s} B' for s in sizes])
            ax.set_ylabel(ylabel)
            ax.set_title(f'{RIG_TITLE[rig]}: {ylabel}', fontsize=10)
            ax.grid(axis='y', alpha=0.3)
            if col == 0:
                ax.legend(fontsize=8, loc='upper right')

    # Variants (pcap rig, 64 B) and memory.
    ax = axes[rows - 1][0]
    var = [c for c in cases if c.get('variant')]
    if var:
        labels = [f'{CASE_SHORT.get(c["case"], c["case"])}\n{c["variant"]}' for c in var]
        vals = [c['mpps'] for c in var]
        bars = ax.bar(range(len(var)), vals, color=[colors[(2 if 'erspan' in c['case'] else 0)] for c in var])
        for bar, c in zip(bars, var):
            cyc = c.get('cycles_per_packet')
            ax.annotate(f'{c["mpps"]:.2f} Mpps\n{cyc:.0f} cyc/pkt' if cyc else f'{c["mpps"]:.2f}',
                        (bar.get_x() + bar.get_width() / 2, bar.get_height()), ha='center', va='bottom', fontsize=8)
        base = var[0].get('baseline_mpps')
        if base:
            ax.axhline(base, color='black', linestyle='--', linewidth=1, label=f'testpmd io forward {base:.2f} Mpps')
            ax.legend(fontsize=8)
        ax.set_xticks(range(len(var)))
        ax.set_xticklabels(labels, fontsize=8)
        ax.set_ylabel('Mpps')
        ax.set_title('pcap -> null, 64 B: flow count and workers', fontsize=10)
        ax.grid(axis='y', alpha=0.3)
    else:
        ax.axis('off')
    ax = axes[rows - 1][1]
    mem = res.get('memory', [])
    if mem:
        flows = [m['flows'] for m in mem]
        ax.plot(flows, [m['VmRSS_kB'] / 1024 for m in mem], 'o-', label='VmRSS after start-up')
        ax.plot(flows, [m['VmHWM_kB'] / 1024 for m in mem], 's--', label='VmHWM (traffic, no scrape)')
        if all('VmHWM_after_scrape_kB' in m for m in mem):
            ax.plot(flows, [m['VmHWM_after_scrape_kB'] / 1024 for m in mem], '^:', label='VmHWM after one /metrics scrape')
        ax.set_xscale('log')
        ax.set_ylim(bottom=0)
        ax.set_xlabel('configured tap flows')
        ax.set_ylabel('MiB')
        ax.set_title('taasd resident memory', fontsize=10)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    else:
        ax.axis('off')

    fig.suptitle(f'taasd pipeline, one worker core ({res.get("when", "")}; medians of {res.get("repeat", 1)} '
                 f'round(s) of {res.get("seconds")} s, bars: min-max'
                 f'{", quick" if res.get("quick") else ""})', fontsize=12)
    fig.tight_layout()
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(args.out, dpi=110)
    print(f'written: {args.out}')


if __name__ == '__main__':
    main()
