#!/usr/bin/python3
"""Runs one taasd e2e case and judges its output.

A case is a folder:
  intent.yaml          the intent; devices are net_pcap with paths relative
                       to the run directory (in/X.pcap, out/X.pcap)
  in/*.pcap            what the ports replay
  expect/X.pcap        what out/X.pcap must hold, one per tx_pcap in the intent
                       (an empty pcap for a port that must transmit nothing)
  expect/X.streams.json  optional: per tap flow, which expected frames it
                       produced (see below)
  expect-stats.json    a subset of the --stats-out JSON
  expect/X.encap.json  optional: port X also carries encapsulated copies
                       (remote mirroring); encap_judge.py judges them and
                       the rest of out/X.pcap is compared with expect/X.pcap
or, for an invalid intent:
  expect-error.json    {"exit_code": 2, "stderr_contains": [...]}

The runner copies intent.yaml and in/ into a temporary directory, creates
out/, and runs there
  taasd --config intent.yaml --stats-out stats.json --exit-idle 300 -- EAL...
A valid case must exit 0 and then, for every expect/X.pcap:
  - out/X.pcap holds the same multiset of frames (byte-equal, untruncated);
  - grouped by source MAC, the frames are in the same order (frames of
    different senders may interleave differently; one sender's order is
    kept). Where expect/X.streams.json exists (a monitor port fed by several
    flows), one sender's frames must instead be an interleaving of the
    per-flow sequences: each flow keeps its order, flows may interleave.
and every key in expect-stats.json must equal the actual value (recursively;
extra actual keys are fine). An invalid case must exit with exit_code, its
stderr must contain every fragment, and no out/*.pcap may exist.

Usage:
  run_e2e.py --taasd build/taasd --case tests/e2e/both [--keep] [--timeout 60]
  run_e2e.py --self-test       check the runner itself against a fake taasd
"""

import argparse
import collections
import contextlib
import io
import json
import logging
import os
import re
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path

DEFAULT_EAL = "--no-huge -m 512 --no-pci"

# --------------------------------------------------------------------------
# pcap reading (plain struct parsing; scapy only for human-readable summaries)


class PcapError(Exception):
    pass


def read_pcap(path):
    """[(frame bytes, original length)]. Accepts µs/ns pcap of either byte order."""
    data = Path(path).read_bytes()
    if len(data) == 0:
        return []
    if len(data) < 24:
        raise PcapError(f"{path}: {len(data)} B, shorter than a pcap header")
    magic = data[:4]
    endian = {b"\xd4\xc3\xb2\xa1": "<", b"\x4d\x3c\xb2\xa1": "<",
              b"\xa1\xb2\xc3\xd4": ">", b"\xa1\xb2\x3c\x4d": ">"}.get(magic)
    if endian is None:
        raise PcapError(f"{path}: not a pcap file (magic {magic.hex()})")
    linktype = struct.unpack(endian + "I", data[20:24])[0]
    if linktype != 1:
        raise PcapError(f"{path}: link type {linktype}, expected 1 (Ethernet)")
    frames, off = [], 24
    while off < len(data):
        if off + 16 > len(data):
            raise PcapError(f"{path}: truncated record header at offset {off}")
        _, _, caplen, wirelen = struct.unpack(endian + "IIII", data[off:off + 16])
        off += 16
        if off + caplen > len(data):
            raise PcapError(f"{path}: truncated record at offset {off}")
        frames.append((data[off:off + caplen], wirelen))
        off += caplen
    return frames


_scapy = None


def summary(frame):
    global _scapy
    try:
        if _scapy is None:
            logging.getLogger("scapy.runtime").setLevel(logging.ERROR)
            from scapy.layers.l2 import Ether
            _scapy = Ether
        return _scapy(frame).summary()
    except Exception as e:  # a summary is a courtesy; never fail because of it
        return f"<no summary: {e}>"


def mac(b):
    return ":".join(f"{x:02x}" for x in b)


def describe(frame):
    return f"{len(frame)} B {mac(frame[6:12])} > {mac(frame[0:6])}: {summary(frame)}"


def hex_at(frame, off, n=16):
    return frame[off:off + n].hex(" ") or "(end of frame)"


def first_diff(a, b):
    n = min(len(a), len(b))
    for i in range(n):
        if a[i] != b[i]:
            return i
    return n


# --------------------------------------------------------------------------
# comparisons


class Report:
    def __init__(self):
        self.failures = 0

    def ok(self, msg):
        print(f"  ok    {msg}")

    def fail(self, msg, details=()):
        self.failures += 1
        print(f"  FAIL  {msg}")
        for d in details:
            print(f"          {d}")


def compare_multiset(name, expected, actual, rep):
    exp_count = collections.Counter(expected)
    act_count = collections.Counter(actual)
    missing = exp_count - act_count
    extra = act_count - exp_count
    if not missing and not extra:
        return True
    details = [f"expected {len(expected)} frames, got {len(actual)}; "
               f"{sum(missing.values())} missing, {sum(extra.values())} unexpected"]
    extra_list = list(extra.elements())
    shown = 0
    for frame in missing.elements():
        if shown == 6:
            details.append("... (more)")
            break
        shown += 1
        idx = expected.index(frame)
        details.append(f"missing expect[{idx}]: {describe(frame)}")
        if extra_list:  # the closest unexpected frame: same sender, longest common prefix
            best = max(extra_list, key=lambda f: (f[6:12] == frame[6:12], first_diff(f, frame)))
            off = first_diff(best, frame)
            details.append(f"  closest out[{actual.index(best)}] first differs at byte {off}:")
            details.append(f"    expected  {hex_at(frame, off)}")
            details.append(f"    got       {hex_at(best, off)}")
            details.append(f"    got frame {describe(best)}")
    for frame in extra_list[:6]:
        details.append(f"unexpected out[{actual.index(frame)}]: {describe(frame)}")
    rep.fail(f"out/{name}: frames differ from expect/{name}", details)
    return False


def interleaving_break(seq, streams):
    """Index in seq of the first frame that no stream can produce next, or
    None when seq is an interleaving of the streams (each keeps its order)."""
    states = {tuple(0 for _ in streams)}
    for t, frame in enumerate(seq):
        nxt = set()
        for st in states:
            for k, s in enumerate(streams):
                if st[k] < len(s) and s[st[k]] == frame:
                    nxt.add(st[:k] + (st[k] + 1,) + st[k + 1:])
        if not nxt:
            return t, states
        states = nxt
    return None, states


def compare_order(name, expected, actual, streams_idx, rep):
    """Per source MAC: same order, or an interleaving of the per-flow streams."""
    groups = collections.OrderedDict()
    for i, f in enumerate(expected):
        groups.setdefault(f[6:12], []).append(i)
    ok = True
    for src, exp_idx in groups.items():
        act_idx = [i for i, f in enumerate(actual) if f[6:12] == src]
        seq = [actual[i] for i in act_idx]
        if streams_idx:
            members = set(exp_idx)
            streams = [[expected[i] for i in s if i in members] for s in streams_idx.values()]
            streams = [s for s in streams if s]
            covered = sum(len(s) for s in streams)
            if covered != len(exp_idx):
                rep.fail(f"expect/{name}.streams.json does not cover every frame of {mac(src)}")
                return False
        else:
            streams = [[expected[i] for i in exp_idx]]
        t, heads = interleaving_break(seq, streams)
        if t is None:
            continue
        ok = False
        details = [f"frame {t} of sender {mac(src)} (out[{act_idx[t]}]) is out of order:",
                   f"  got       {describe(seq[t])}"]
        for st in sorted(heads)[:3]:
            for k, s in enumerate(streams):
                if st[k] < len(s):
                    where = expected.index(s[st[k]])
                    label = list(streams_idx)[k] if streams_idx else "expected"
                    details.append(f"  {label} next: expect[{where}] {describe(s[st[k]])}")
        rep.fail(f"out/{name}: order within sender {mac(src)} differs", details)
    return ok


def compare_port(case_dir, run_dir, name, rep, ctx=None):
    exp_path = case_dir / "expect" / name
    out_path = run_dir / "out" / name
    expected = [f for f, _ in read_pcap(exp_path)]
    if not out_path.exists():
        rep.fail(f"out/{name}: missing (taasd must create every tx_pcap)")
        return
    try:
        records = read_pcap(out_path)
    except PcapError as e:
        rep.fail(f"out/{name}: {e}")
        return
    truncated = [i for i, (f, wl) in enumerate(records) if len(f) != wl]
    if truncated:
        rep.fail(f"out/{name}: frames {truncated[:8]} captured shorter than their length")
    actual = [f for f, _ in records]
    encap_path = case_dir / "expect" / (Path(name).stem + ".encap.json")
    if encap_path.exists():  # remote mirroring: judge the copies, keep the rest
        import encap_judge
        actual = encap_judge.judge_port(case_dir, run_dir, name, actual, encap_path, rep, ctx or {})
    streams_path = case_dir / "expect" / (Path(name).stem + ".streams.json")
    streams = json.loads(streams_path.read_text())["streams"] if streams_path.exists() else None
    if not compare_multiset(name, expected, actual, rep):
        return
    if not compare_order(name, expected, actual, streams, rep):
        return
    senders = len({f[6:12] for f in expected})
    how = "per-flow order" if streams else "order"
    rep.ok(f"out/{name}: {len(actual)} frames == expect/{name} "
           f"(byte-equal multiset; {how} within {senders} sender(s))")


def subset_mismatches(expected, actual, path=""):
    out = []
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return [f"{path or '<root>'}: expected an object, got {json.dumps(actual)}"]
        for k, v in expected.items():
            p = f"{path}.{k}" if path else k
            if k not in actual:
                out.append(f"{p}: missing (expected {json.dumps(v)})")
            else:
                out += subset_mismatches(v, actual[k], p)
        return out
    if expected != actual or type(expected) is not type(actual):
        out.append(f"{path}: expected {json.dumps(expected)}, got {json.dumps(actual)}")
    return out


def count_leaves(obj):
    return sum(count_leaves(v) for v in obj.values()) if isinstance(obj, dict) else 1


def load_stats(run_dir):
    try:
        return json.loads((run_dir / "stats.json").read_text())
    except (OSError, ValueError):
        return None  # compare_stats reports it


def compare_stats(case_dir, run_dir, rep):
    expected = json.loads((case_dir / "expect-stats.json").read_text())
    path = run_dir / "stats.json"
    if not path.exists():
        rep.fail("stats.json: not written (--stats-out)")
        return
    try:
        actual = json.loads(path.read_text())
    except ValueError as e:
        rep.fail(f"stats.json: not JSON: {e}")
        return
    bad = subset_mismatches(expected, actual)
    if bad:
        rep.fail(f"stats.json: {len(bad)} of {count_leaves(expected)} expected counters differ", bad)
    else:
        rep.ok(f"stats.json: {count_leaves(expected)} counters == expect-stats.json")


# --------------------------------------------------------------------------
# running taasd


def tx_pcaps(intent_text):
    """Basenames of every tx_pcap in the intent's devices, in order."""
    return [Path(m).name for m in re.findall(r"tx_pcap=([^,\"'\s}]+)", intent_text)]


def run_taasd(args, case_dir, run_dir):
    shutil.copy2(case_dir / "intent.yaml", run_dir / "intent.yaml")
    if (case_dir / "in").is_dir():
        shutil.copytree(case_dir / "in", run_dir / "in")
    (run_dir / "out").mkdir()
    prefix = f"taasd-e2e-{case_dir.name}-{os.getpid()}"
    cmd = [str(Path(args.taasd).resolve()), "--config", "intent.yaml", "--stats-out", "stats.json",
           "--socket", "taasd.sock", "--state-file", "state.yaml", "--no-metrics",
           "--exit-idle", str(args.exit_idle), "--"] + args.eal.split() + [f"--file-prefix={prefix}"]
    print(f"  run   (cd {run_dir} && {' '.join(cmd)})")
    with open(run_dir / "taasd.stdout", "wb") as so, open(run_dir / "taasd.stderr", "wb") as se:
        wall0 = time.time()
        start = time.monotonic()
        proc = subprocess.Popen(cmd, cwd=run_dir, stdout=so, stderr=se, stdin=subprocess.DEVNULL,
                                start_new_session=True)
        try:
            rc = proc.wait(timeout=args.timeout)
            timed_out = False
        except subprocess.TimeoutExpired:
            timed_out = True
            os.killpg(proc.pid, signal.SIGTERM)   # the group we created, nothing else
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
            rc = None
        elapsed = time.monotonic() - start
        wall1 = time.time()
    for base in ("/var/run/dpdk", os.path.join(os.environ.get("XDG_RUNTIME_DIR", "/nonexistent"), "dpdk"),
                 "/tmp/dpdk"):
        shutil.rmtree(os.path.join(base, prefix), ignore_errors=True)
    stderr = (run_dir / "taasd.stderr").read_text(errors="replace")
    return rc, timed_out, elapsed, stderr, (wall0, wall1)


def show_output(run_dir, stderr):
    stdout = (run_dir / "taasd.stdout").read_text(errors="replace")
    for label, text in (("stderr", stderr), ("stdout", stdout)):
        lines = text.rstrip("\n").splitlines()
        if lines:
            print(f"  --- taasd {label} (last 40 lines) ---")
            for line in lines[-40:]:
                print(f"  | {line}")


def run_case(args):
    case_dir = Path(args.case).resolve()
    rep = Report()
    print(f"e2e case {case_dir.name} ({case_dir})")
    if not Path(args.taasd).is_file():
        rep.fail(f"taasd binary not found: {args.taasd}")
        return 1
    error_case = (case_dir / "expect-error.json").exists()
    intent_text = (case_dir / "intent.yaml").read_text()
    names = []
    if not error_case:  # check the fixture before spending a run on it
        names = tx_pcaps(intent_text)
        exp = {p.name for p in (case_dir / "expect").glob("*.pcap")}
        for n in names:
            if n not in exp:
                rep.fail(f"fixture: no expect/{n} for a tx_pcap in intent.yaml")
        for n in sorted(exp - set(names)):
            rep.fail(f"fixture: expect/{n} matches no tx_pcap in intent.yaml")
        if not (case_dir / "expect-stats.json").exists():
            rep.fail("fixture: expect-stats.json missing")
        if rep.failures:
            return 1
    run_dir = Path(tempfile.mkdtemp(prefix=f"taasd-e2e-{case_dir.name}-"))
    rc, timed_out, elapsed, stderr, window = run_taasd(args, case_dir, run_dir)
    if timed_out:
        rep.fail(f"taasd did not exit within {args.timeout} s; killed")
    elif error_case:
        judge_error(case_dir, run_dir, rc, elapsed, stderr, rep)
    elif rc != 0:
        rep.fail(f"taasd exited {rc} after {elapsed:.1f} s, expected 0")
    else:
        rep.ok(f"taasd exited 0 after {elapsed:.1f} s")
        ctx = {"stats": load_stats(run_dir), "window": window}
        for n in names:
            compare_port(case_dir, run_dir, n, rep, ctx)
        compare_stats(case_dir, run_dir, rep)
        if list((case_dir / "expect").glob("*.encap.json")):
            __import__("encap_judge").check_port_totals(run_dir, ctx["stats"], names, rep, read_pcap)
    if rep.failures:
        show_output(run_dir, stderr)
        if getattr(args, "keep_failed", True):
            print(f"e2e case {case_dir.name}: FAILED ({rep.failures} problem(s)); "
                  f"run directory kept: {run_dir}")
        else:
            shutil.rmtree(run_dir, ignore_errors=True)
            print(f"e2e case {case_dir.name}: FAILED ({rep.failures} problem(s))")
        return 1
    if args.keep:
        print(f"  run directory kept: {run_dir}")
    else:
        shutil.rmtree(run_dir, ignore_errors=True)
    print(f"e2e case {case_dir.name}: passed")
    return 0


def judge_error(case_dir, run_dir, rc, elapsed, stderr, rep):
    want = json.loads((case_dir / "expect-error.json").read_text())
    if rc == want["exit_code"]:
        rep.ok(f"taasd exited {rc} after {elapsed:.1f} s")
    else:
        rep.fail(f"taasd exited {rc}, expected {want['exit_code']}")
    for frag in want.get("stderr_contains", []):
        if frag in stderr:
            rep.ok(f"stderr contains {frag!r}")
        else:
            rep.fail(f"stderr lacks {frag!r}")
    for line in stderr.splitlines():
        if "error" in line:
            print(f"  info  stderr: {line}")
    written = sorted(str(p.relative_to(run_dir)) for p in (run_dir / "out").rglob("*.pcap"))
    if written:
        rep.fail(f"an invalid intent must start nothing, but taasd wrote {written}")
    else:
        rep.ok("no out/*.pcap written")


# --------------------------------------------------------------------------
# self-test: the runner against a fake taasd that replays the expectations,
# faithfully or with one defect each; every defect must be caught.

FAKE_TAASD = r'''#!/usr/bin/python3
import json, os, shutil, struct, sys, time
from pathlib import Path
mode, case = os.environ["FAKE_MODE"], Path(os.environ["FAKE_CASE"])
sys.path.insert(0, os.environ["FAKE_LIB"])
encap = sorted((case / "expect").glob("*.encap.json"))
ports, written = list(json.loads((case / "expect-stats.json").read_text())["ports"]) if encap else [], {}
def rd(p):
    d = p.read_bytes(); out, off = [], 24
    while off < len(d):
        n = struct.unpack("<IIII", d[off:off+16])[2]; out.append(d[off+16:off+16+n]); off += 16 + n
    return out
def wr(p, frames, short=()):
    b = [struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1)]
    for i, f in enumerate(frames):
        cap = f[:-1] if i in short else f
        b += [struct.pack("<IIII", 1, i, len(cap), len(f)), cap]
    p.write_bytes(b"".join(b))
if mode == "hang":
    time.sleep(3600)
if mode == "exit1":
    sys.exit(1)
err = case / "expect-error.json"
if err.exists():
    e = json.loads(err.read_text())
    if mode == "err_writes":
        wr(Path("out/vm1.pcap"), [])
    frags = e["stderr_contains"]
    if mode == "err_wrong_line":
        frags = [f.replace("intent.yaml:", "intent.yaml:9") for f in frags]
    print("taasd: error: " + " ".join(f for f in frags if f != "taasd: error:"), file=sys.stderr)
    sys.exit(1 if mode == "err_rc1" else e["exit_code"])
for p in sorted((case / "expect").glob("*.pcap")):
    frames, short = rd(p), ()
    name = p.name
    sj = p.with_suffix(".streams.json")
    if mode == "ok_interleaved":        # senders interleave differently: fine
        frames = sorted(frames, key=lambda f: f[6:12], reverse=True)
    if mode == "ok_streams" and sj.exists():   # flow after flow: fine
        st = json.loads(sj.read_text())["streams"]
        frames = [frames[i] for s in st.values() for i in s]
    if mode == "flip_byte" and name == "vm2.pcap":
        frames[0] = frames[0][:-1] + bytes([frames[0][-1] ^ 1])
    if mode == "drop_frame" and name == "uplink.pcap":
        frames = frames[:-1]
    if mode == "extra_frame" and name == "mon2.pcap":
        frames = frames + [rd(case / "expect" / "vm2.pcap")[0]]
    if mode == "reorder_same_src" and name == "uplink.pcap":
        src = frames[0][6:12]
        j = next(i for i in range(1, len(frames)) if frames[i][6:12] == src and frames[i] != frames[0])
        frames[0], frames[j] = frames[j], frames[0]
    if mode == "broken_stream" and sj.exists():
        src = frames[0][6:12]
        j = next(i for i in range(1, len(frames)) if frames[i][6:12] == src and frames[i] != frames[0])
        frames[0], frames[j] = frames[j], frames[0]
    if mode == "truncated" and name == "vm1.pcap":
        short = (0,)
    if mode == "missing_out" and name == "mon2.pcap":
        continue
    if (case / "expect" / (p.stem + ".encap.json")).exists():
        import encap_fake
        frames = encap_fake.port_frames(case, name, frames, ports, mode)
    wr(Path("out") / name, frames, short)
    written[name] = frames
stats = json.loads((case / "expect-stats.json").read_text())
if encap:
    import encap_fake
    stats = encap_fake.fix_stats(stats, written, ports)
    if mode == "enc_nomac":
        del stats["ports"]["uplink"]["mac"]
stats["uptime_s"] = 1                   # extra keys are fine
for p in stats["ports"].values():
    p["rx_nombuf"] = 0
if mode == "stats_off":
    stats["ports"]["vm1"]["rx_dropped"] += 1
if mode == "stats_missing":
    del stats["tap_flows"]
if mode == "stats_type":
    stats["ports"]["vm1"]["rx_packets"] = str(stats["ports"]["vm1"]["rx_packets"])
Path(sys.argv[sys.argv.index("--stats-out") + 1]).write_text(json.dumps(stats))
'''

SELF_TESTS = [  # (case, mode, should pass[, text a FAIL line must contain])
    ("both", "ok", True),
    ("both", "ok_interleaved", True),
    ("several_flows_one_service", "ok", True),
    ("several_flows_one_service", "ok_streams", True),
    ("several_flows_one_service", "ok_interleaved", True),
    ("several_flows_one_service", "broken_stream", False),
    ("monitor_rx_dropped", "ok", True),
    ("both", "flip_byte", False),
    ("both", "drop_frame", False),
    ("both", "extra_frame", False),
    ("both", "reorder_same_src", False),
    ("both", "truncated", False),
    ("both", "missing_out", False),
    ("both", "stats_off", False),
    ("both", "stats_missing", False),
    ("both", "stats_type", False),
    ("both", "exit1", False),
    ("both", "hang", False),
    ("bad_direction", "ok", True),
    ("duplicate_flow", "ok", True),
    ("bad_direction", "err_rc1", False),
    ("bad_direction", "err_writes", False),
    ("bad_direction", "err_wrong_line", False),
]


def self_test(args):
    import encap_fake  # remote mirroring: faithful and defective encapsulated copies
    root = Path(args.cases_dir).resolve()
    failures = []
    scenarios = SELF_TESTS + encap_fake.SELF_TESTS
    with tempfile.TemporaryDirectory(prefix="taasd-e2e-selftest-") as tmp:
        fake = Path(tmp) / "fake_taasd"
        fake.write_text(FAKE_TAASD)
        fake.chmod(0o755)
        for case, mode, should_pass, *why in scenarios:
            os.environ["FAKE_MODE"], os.environ["FAKE_CASE"] = mode, str(root / case)
            os.environ["FAKE_LIB"] = str(Path(__file__).resolve().parent)
            sub = argparse.Namespace(taasd=str(fake), case=str(root / case), keep=False,
                                     timeout=2 if mode == "hang" else args.timeout,
                                     exit_idle=args.exit_idle, eal=args.eal, keep_failed=False)
            print(f"### self-test {case} / {mode}: must {'pass' if should_pass else 'fail'}"
                  + (f" because of {why[0]!r}" if why else ""))
            out = io.StringIO()
            with contextlib.redirect_stdout(out):
                rc = run_case(sub)
            print(out.getvalue(), end="")
            fails = "\n".join(line for line in out.getvalue().splitlines() if line.startswith("  FAIL"))
            if (rc == 0) != should_pass or (why and why[0] not in fails):
                failures.append(f"{case}/{mode}")
    print()
    if failures:
        print(f"self-test FAILED: the runner judged wrongly: {failures}")
        return 1
    print(f"self-test passed: {len(scenarios)} scenarios judged as intended")
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--taasd", help="path to the taasd binary")
    ap.add_argument("--case", help="case folder, e.g. tests/e2e/both")
    ap.add_argument("--timeout", type=float, default=60, help="seconds before taasd is killed (60)")
    ap.add_argument("--exit-idle", type=int, default=300, help="taasd --exit-idle in ms (300)")
    ap.add_argument("--eal", default=DEFAULT_EAL, help=f"EAL arguments (default: {DEFAULT_EAL!r}); "
                    "a unique --file-prefix is added")
    ap.add_argument("--keep", action="store_true", help="keep the run directory even on success")
    ap.add_argument("--self-test", action="store_true", help="check the runner with a fake taasd")
    ap.add_argument("--cases-dir", default=str(Path(__file__).resolve().parent),
                    help="where the self-test finds its cases (default: next to this script)")
    args = ap.parse_args()
    if args.self_test:
        return self_test(args)
    if not args.taasd or not args.case:
        ap.error("--taasd and --case are required (or --self-test)")
    return run_case(args)


if __name__ == "__main__":
    sys.exit(main())
