#!/usr/bin/python3
"""Checks the files in conf/ that no compiler checks.

conf/grafana/taasd-dashboard.json: valid JSON, a Prometheus data source
variable ${DS_PROMETHEUS} used by every panel and query, every query naming
only taasd's metrics (and, per metric, only its labels), the panels the
dashboard promises, panel ids unique and the grid without overlaps.

conf/taasd.service: the keys taasd needs (how it starts, reloads and
restarts, where its socket and state live, locked memory), no sandboxing
that would hide the devices DPDK needs, paths that agree with taasd's own
defaults, and `systemd-analyze verify` without a warning when it is there.

Usage: conf_test.py SOURCE_ROOT [unittest options]
"""

import configparser
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

ROOT = None  # set from argv[1]

# Every metric the dashboard may use, with its labels (besides the target
# labels instance and job). The histogram appears as its three series.
METRICS = {
    "taasd_port_rx_packets_total": {"port"},
    "taasd_port_tx_packets_total": {"port"},
    "taasd_port_rx_bytes_total": {"port"},
    "taasd_port_tx_bytes_total": {"port"},
    "taasd_port_rx_dropped_total": {"port", "reason"},
    "taasd_port_tx_dropped_total": {"port"},
    "taasd_port_tx_link_down_total": {"port"},
    "taasd_port_up": {"port"},
    "taasd_service_mirrored_packets_total": {"service", "service_id"},
    "taasd_service_mirrored_bytes_total": {"service", "service_id"},
    "taasd_mirror_dropped_total": {"service", "service_id", "reason"},
    "taasd_service_up": {"service", "service_id"},
    "taasd_flow_mirrored_packets_total": {"flow", "flow_id", "service"},
    "taasd_flow_mirrored_bytes_total": {"flow", "flow_id", "service"},
    "taasd_worker_busy_cycles_total": {"worker"},
    "taasd_worker_idle_cycles_total": {"worker"},
    "taasd_snapshot_generation": set(),
    "taasd_swap_duration_seconds_bucket": {"le"},
    "taasd_swap_duration_seconds_sum": set(),
    "taasd_swap_duration_seconds_count": set(),
    "taasd_neighbor_resolved": {"port", "vlan", "ip"},
}
TARGET_LABELS = {"instance", "job"}
DATASOURCE = {"type": "prometheus", "uid": "${DS_PROMETHEUS}"}

METRIC_RE = re.compile(r"\btaasd_[a-zA-Z0-9_]+")
SELECTOR_RE = re.compile(r"\{([^}]*)\}")
MATCHER_RE = re.compile(r"([a-zA-Z_][a-zA-Z0-9_]*)\s*(?:=~|!~|!=|=)\s*\"")
GROUPING_RE = re.compile(r"\b(?:by|without)\s*\(([^)]*)\)")


def conf(*parts):
    return os.path.join(ROOT, "conf", *parts)


def all_panels(dashboard):
    """Every panel, those inside collapsed rows included."""
    for panel in dashboard.get("panels", []):
        yield panel
        for inner in panel.get("panels", []):
            yield inner


def labels_used(expr):
    """Label names in selectors ({a="x"}) and groupings (by (a, b))."""
    names = set()
    for selector in SELECTOR_RE.findall(expr):
        names.update(MATCHER_RE.findall(selector))
    for grouping in GROUPING_RE.findall(expr):
        names.update(n.strip() for n in grouping.split(",") if n.strip())
    return names


class Dashboard(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        with open(conf("grafana", "taasd-dashboard.json"), encoding="utf-8") as f:
            cls.dash = json.load(f)
        cls.panels = [p for p in all_panels(cls.dash) if p.get("type") != "row"]
        cls.exprs = [(p["title"], t["expr"]) for p in cls.panels for t in p.get("targets", [])]

    def test_model(self):
        self.assertTrue(self.dash.get("title"))
        self.assertTrue(self.dash.get("uid"))
        self.assertTrue(34 <= self.dash.get("schemaVersion", 0) <= 39, self.dash.get("schemaVersion"))

    def test_datasource_variable(self):
        variables = {v["name"]: v for v in self.dash["templating"]["list"]}
        ds = variables.get("DS_PROMETHEUS")
        self.assertIsNotNone(ds, "no DS_PROMETHEUS variable")
        self.assertEqual(ds["type"], "datasource")
        self.assertEqual(ds["query"], "prometheus")
        for v in variables.values():
            if v["type"] == "query":
                self.assertEqual(v["datasource"], DATASOURCE, v["name"])
                for metric in METRIC_RE.findall(v["definition"]):
                    self.assertIn(metric, METRICS, v["name"])

    def test_every_panel_has_the_datasource(self):
        self.assertGreater(len(self.panels), 10)
        for p in self.panels:
            self.assertEqual(p.get("datasource"), DATASOURCE, p["title"])
            self.assertTrue(p.get("targets"), p["title"] + ": no queries")
            ref_ids = [t["refId"] for t in p["targets"]]
            self.assertEqual(len(ref_ids), len(set(ref_ids)), p["title"])
            for t in p["targets"]:
                self.assertEqual(t.get("datasource"), DATASOURCE, p["title"])

    def test_queries_use_only_taasd_metrics_and_their_labels(self):
        for title, expr in self.exprs:
            metrics = METRIC_RE.findall(expr)
            self.assertTrue(metrics, f"{title}: {expr}: names no taasd metric")
            allowed_labels = set(TARGET_LABELS)
            for m in metrics:
                self.assertIn(m, METRICS, f"{title}: {expr}")
                allowed_labels |= METRICS[m]
            self.assertLessEqual(labels_used(expr), allowed_labels, f"{title}: {expr}")
            # Every counter is read as a rate, never as its raw total.
            for m in metrics:
                if m.endswith(("_total", "_bucket", "_sum", "_count")):
                    self.assertRegex(expr, r"\brate\(\s*" + m + r"\b", f"{title}: {m} outside rate()")

    def test_every_metric_is_shown(self):
        used = {m for _, expr in self.exprs for m in METRIC_RE.findall(expr)}
        self.assertEqual(set(METRICS) - used, set())

    def test_promised_panels(self):
        def find(pattern):
            return [e for _, e in self.exprs if re.search(pattern, e)]

        self.assertTrue(find(r"rate\(taasd_port_rx_packets_total"), "port pps in")
        self.assertTrue(find(r"rate\(taasd_port_tx_packets_total"), "port pps out")
        self.assertTrue(find(r"by \(port, reason\) \(rate\(taasd_port_rx_dropped_total"), "port drops by reason")
        self.assertTrue(find(r"by \(service\) \(rate\(taasd_service_mirrored_packets_total"), "copies/s per service")
        self.assertTrue(find(r"by \(flow, service\) \(rate\(taasd_flow_mirrored_packets_total"), "copies/s per flow")
        self.assertTrue(find(r"by \(service, reason\) \(rate\(taasd_mirror_dropped_total"), "mirror drops by reason")
        busy = find(r"taasd_worker_busy_cycles_total")
        self.assertTrue(busy and "taasd_worker_idle_cycles_total" in busy[0] and " / " in busy[0], "busy %")
        self.assertTrue(find(r"histogram_quantile\(0\.5, .*taasd_swap_duration_seconds_bucket"), "swap p50")
        self.assertTrue(find(r"histogram_quantile\(0\.99, .*taasd_swap_duration_seconds_bucket"), "swap p99")
        self.assertTrue(find(r"taasd_snapshot_generation"), "generation")
        self.assertTrue(find(r"taasd_neighbor_resolved"), "neighbours")
        self.assertTrue(find(r"taasd_port_up"), "links up")

    def test_grid(self):
        ids = [p["id"] for p in all_panels(self.dash)]
        self.assertEqual(len(ids), len(set(ids)), "panel ids repeat")
        cells = {}
        for p in all_panels(self.dash):
            g = p["gridPos"]
            self.assertLessEqual(g["x"] + g["w"], 24, p["title"])
            for x in range(g["x"], g["x"] + g["w"]):
                for y in range(g["y"], g["y"] + g["h"]):
                    self.assertNotIn((x, y), cells, f"{p['title']} overlaps {cells.get((x, y))}")
                    cells[(x, y)] = p["title"]

    def test_metrics_are_the_exporters(self):
        # dataplane/metrics.hpp documents the names taasd exports.
        with open(os.path.join(ROOT, "dataplane", "metrics.hpp"), encoding="utf-8") as f:
            documented = set(METRIC_RE.findall(f.read()))
        for m in METRICS:
            base = re.sub(r"_(bucket|sum|count)$", "", m) if m.startswith("taasd_swap_duration") else m
            self.assertIn(base, documented, m)


class Unit(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        with open(conf("taasd.service"), encoding="utf-8") as f:
            cls.text = f.read()
        cls.unit = configparser.ConfigParser(strict=False, interpolation=None, delimiters=("=",),
                                             comment_prefixes=("#", ";"))
        cls.unit.optionxform = str  # systemd keys are case-sensitive
        cls.unit.read_string(cls.text)

    def test_required_keys(self):
        service = self.unit["Service"]
        self.assertEqual(service["Type"], "simple")
        self.assertEqual(service["ExecStart"], "/usr/local/bin/taasd --config /etc/taasd/intent.yaml")
        self.assertEqual(service["ExecReload"], "/bin/kill -HUP $MAINPID")
        self.assertEqual(service["RuntimeDirectory"], "taasd")
        self.assertEqual(service["StateDirectory"], "taasd")
        self.assertEqual(service["Restart"], "on-failure")
        self.assertEqual(service["LimitMEMLOCK"], "infinity")
        self.assertTrue(self.unit["Unit"]["Description"])
        self.assertEqual(self.unit["Install"]["WantedBy"], "multi-user.target")

    def test_dpdk_keeps_its_devices(self):
        service = self.unit["Service"]
        self.assertIn(service.get("PrivateDevices", "no"), ("no", "false", "0", "off"))
        for key in ("DeviceAllow", "DevicePolicy", "ProtectClock", "ProtectKernelTunables", "DynamicUser"):
            self.assertNotIn(key, service, key)

    def test_paths_agree_with_taasd(self):
        # RuntimeDirectory / StateDirectory are /run/taasd and /var/lib/taasd:
        # taasd's default socket and state file must be in them.
        with open(os.path.join(ROOT, "dataplane", "main.cpp"), encoding="utf-8") as f:
            main = f.read()
        self.assertIn('"/run/taasd/taasd.sock"', main)
        self.assertIn('"/var/lib/taasd/state.yaml"', main)

    def test_systemd_analyze_verify(self):
        analyze = shutil.which("systemd-analyze")
        if analyze is None:
            self.skipTest("systemd-analyze is not installed")
        with tempfile.TemporaryDirectory() as tmp:
            # verify wants ExecStart's program to exist; everything else as is.
            path = os.path.join(tmp, "taasd.service")
            with open(path, "w", encoding="utf-8") as f:
                f.write(self.text.replace("/usr/local/bin/taasd", "/bin/true"))
            r = subprocess.run([analyze, "verify", path], capture_output=True, text=True, check=False)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stderr.strip(), "", "systemd-analyze verify warned")


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit("usage: conf_test.py SOURCE_ROOT [unittest options]")
    ROOT = sys.argv[1]
    unittest.main(argv=[sys.argv[0]] + sys.argv[2:], verbosity=2)
