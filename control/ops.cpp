// handle_request: the control socket's operations over the desired state
// (state.hpp) and the running dataplane (OpsHooks). See ops.hpp for every
// result's shape.

#include "control/ops.hpp"

#include <exception>
#include <vector>

#include "control/intent_model.hpp"
#include "control/protocol.hpp"
#include "control/resource_status.hpp"
#include "control/state.hpp"

namespace taas::ctl {
namespace {

void write_service(JsonWriter& w, const Snapshot& snap, const OpsHooks& hooks, std::size_t i,
                   const std::vector<std::uint16_t>& neighbors) {
  const ServiceEntry& s = snap.services[i];
  const bool ext = external_service(snap, s);
  std::size_t flows = 0;
  for (const FlowEntry& f : snap.flows) flows += f.service == i ? 1 : 0;
  w.begin_object().field("id", s.uuid).field("name", s.name).field("description", s.description);
  if (ext || s.port == kNone) {
    w.key("port").null().key("port_id").null();
  } else {
    w.field("port", snap.ports[s.port].name).field("port_id", snap.ports[s.port].uuid);
  }
  w.field("mode", s.encap == Encap::kNone ? "port" : ext ? "external" : "internal");
  w.field("encap", encap_name(s.encap));
  if (s.remote_ip.empty()) w.key("remote_ip").null(); else w.field("remote_ip", s.remote_ip);
  if (s.encap == Encap::kVxlan) w.field_uint("vni", s.vni); else w.key("vni").null();
  w.field("status", service_status(snap, hooks, i, neighbors)).field_uint("flows", flows).end_object();
}

void write_flow(JsonWriter& w, const Snapshot& snap, const OpsHooks& hooks, std::size_t i,
                const std::vector<std::uint16_t>& neighbors) {
  const FlowEntry& f = snap.flows[i];
  const PortEntry& src = snap.ports[f.source_port];
  const ServiceEntry& s = snap.services[f.service];
  w.begin_object().field("id", f.uuid).field("name", f.name).field("description", f.description);
  w.field("source_port", src.name).field("source_port_id", src.uuid);
  w.field("tap_service", s.name).field("tap_service_id", s.uuid);
  w.field("direction", direction_name(f.direction));
  if (f.vlan_filter.empty()) w.key("vlan_filter").null(); else w.field("vlan_filter", f.vlan_filter);
  if (f.erspan_session_id == kNone) w.key("erspan_session_id").null();
  else w.field_uint("erspan_session_id", f.erspan_session_id);
  w.field("status", flow_status(snap, hooks, i, neighbors)).end_object();
}

void write_port(JsonWriter& w, const Snapshot& snap, const OpsHooks& hooks, std::size_t i) {
  const PortEntry& p = snap.ports[i];
  const auto index = static_cast<std::uint16_t>(i);
  w.begin_object().field("id", p.uuid).field("name", p.name).field("role", role_name(p.role));
  w.field("device", p.device);
  if (p.network == kNone) w.key("network").null(); else w.field("network", snap.networks[p.network].name);
  w.field("mac", hooks.port_mac(index)).field("status", hooks.port_up(index) ? "ACTIVE" : "DOWN");
  w.field_bool("service_port", p.service_port).end_object();
}

std::string fail(const RequestId& id, const Error& e) {
  return encode_error(id, e.code == 0 ? kInvalid : e.code, e);
}

class Dispatch {
 public:
  Dispatch(const RequestId& id, DesiredState& state, OpsHooks& hooks) : id_(id), state_(state), hooks_(hooks) {}

  /// After a successful change: publish the new snapshot, persist.
  std::string changed(const std::function<void(JsonWriter&)>& result) {
    auto published = hooks_.publish(state_.snapshot());
    if (!published) return encode_error(id_, kInternal, published.error());
    hooks_.changed(state_);
    return encode_ok(id_, result);
  }

  std::function<void(JsonWriter&)> service_writer(std::uint16_t i) {
    return [this, i](JsonWriter& w) {
      const Snapshot& snap = state_.snapshot();
      write_service(w, snap, hooks_, i, service_neighbors(snap));
    };
  }
  std::function<void(JsonWriter&)> flow_writer(std::uint16_t i) {
    return [this, i](JsonWriter& w) {
      const Snapshot& snap = state_.snapshot();
      write_flow(w, snap, hooks_, i, service_neighbors(snap));
    };
  }

  std::string list_services() {
    const Snapshot& snap = state_.snapshot();
    const auto nb = service_neighbors(snap);
    return encode_ok(id_, [&](JsonWriter& w) {
      w.begin_array();
      for (std::size_t i = 0; i < snap.services.size(); ++i) write_service(w, snap, hooks_, i, nb);
      w.end_array();
    });
  }
  std::string list_flows() {
    const Snapshot& snap = state_.snapshot();
    const auto nb = service_neighbors(snap);
    return encode_ok(id_, [&](JsonWriter& w) {
      w.begin_array();
      for (std::size_t i = 0; i < snap.flows.size(); ++i) write_flow(w, snap, hooks_, i, nb);
      w.end_array();
    });
  }
  std::string list_ports() {
    const Snapshot& snap = state_.snapshot();
    return encode_ok(id_, [&](JsonWriter& w) {
      w.begin_array();
      for (std::size_t i = 0; i < snap.ports.size(); ++i) write_port(w, snap, hooks_, i);
      w.end_array();
    });
  }

  const RequestId& id_;
  DesiredState& state_;
  OpsHooks& hooks_;
};

std::string run(const RequestId& id, const Request& r, DesiredState& state, OpsHooks& hooks,
                const std::string& intent_file, const std::string& state_file) {
  Dispatch d(id, state, hooks);
  switch (r.op) {
    case Op::kServiceCreate: {
      auto i = state.create_service(std::get<ServiceCreateArgs>(r.args));
      return i ? d.changed(d.service_writer(i.value())) : fail(id, i.error());
    }
    case Op::kServiceList:
      return d.list_services();
    case Op::kServiceShow: {
      auto i = state.find_service(std::get<RefArgs>(r.args).ref);
      return i ? encode_ok(id, d.service_writer(i.value())) : fail(id, i.error());
    }
    case Op::kServiceUpdate: {
      auto i = state.update_service(std::get<UpdateArgs>(r.args));
      return i ? d.changed(d.service_writer(i.value())) : fail(id, i.error());
    }
    case Op::kServiceDelete: {
      auto found = state.find_service(std::get<RefArgs>(r.args).ref);
      if (!found) return fail(id, found.error());
      const std::string uuid = state.snapshot().services[found.value()].uuid;
      auto flows = state.delete_service(std::get<RefArgs>(r.args));
      if (!flows) return fail(id, flows.error());
      return d.changed([&](JsonWriter& w) {
        w.begin_object().field("id", uuid).key("deleted_flows").begin_array();
        for (const std::string& f : flows.value()) w.string(f);
        w.end_array().end_object();
      });
    }
    case Op::kFlowCreate: {
      auto i = state.create_flow(std::get<FlowCreateArgs>(r.args));
      return i ? d.changed(d.flow_writer(i.value())) : fail(id, i.error());
    }
    case Op::kFlowList:
      return d.list_flows();
    case Op::kFlowShow: {
      auto i = state.find_flow(std::get<RefArgs>(r.args).ref);
      return i ? encode_ok(id, d.flow_writer(i.value())) : fail(id, i.error());
    }
    case Op::kFlowUpdate: {
      auto i = state.update_flow(std::get<UpdateArgs>(r.args));
      return i ? d.changed(d.flow_writer(i.value())) : fail(id, i.error());
    }
    case Op::kFlowDelete: {
      auto uuid = state.delete_flow(std::get<RefArgs>(r.args));
      if (!uuid) return fail(id, uuid.error());
      return d.changed([&](JsonWriter& w) { w.begin_object().field("id", uuid.value()).end_object(); });
    }
    case Op::kPortList:
      return d.list_ports();
    case Op::kPortShow: {
      auto i = state.find_port(std::get<RefArgs>(r.args).ref);
      if (!i) return fail(id, i.error());
      return encode_ok(id, [&](JsonWriter& w) { write_port(w, state.snapshot(), hooks, i.value()); });
    }
    case Op::kApply: {
      const ApplyArgs& a = std::get<ApplyArgs>(r.args);
      auto g = state.apply(a.intent, a.file.empty() ? std::string("<apply>") : a.file);
      if (!g) return fail(id, g.error());
      return d.changed([&](JsonWriter& w) {
        const Snapshot& snap = state.snapshot();
        w.begin_object().field_uint("generation", snap.generation).field_uint("tap_services", snap.services.size());
        w.field_uint("tap_flows", snap.flows.size()).end_object();
      });
    }
    case Op::kExport:
      return encode_ok(id, [&](JsonWriter& w) { w.begin_object().field("intent", state.export_yaml()).end_object(); });
    case Op::kStats: {
      // One line: the stats text breaks lines between tokens only (JSON
      // strings cannot hold a raw newline).
      std::string stats = hooks.stats_json();
      std::erase(stats, '\n');
      return encode_ok(id, [&](JsonWriter& w) { w.raw_value(stats); });
    }
    case Op::kHealth:
      return encode_ok(id, [&](JsonWriter& w) {
        w.begin_object().field_uint("generation", state.snapshot().generation);
        w.field_uint("workers", hooks.workers()).field_uint("workers_alive", hooks.workers_alive());
        w.field_uint("uptime_seconds", hooks.uptime_seconds());
        w.field("intent_file", intent_file).field("state_file", state_file).key("last_swap");
        if (const auto swap = hooks.last_swap()) {
          w.begin_object().field_uint("generation", swap->generation);
          w.key("apply_us").raw_number(std::to_string(static_cast<std::uint64_t>(swap->apply_us)));
          w.key("first_mirror_us");
          if (swap->first_mirror_us) {
            w.raw_number(std::to_string(static_cast<std::uint64_t>(*swap->first_mirror_us)));
          } else {
            w.null();
          }
          w.end_object();
        } else {
          w.null();
        }
        w.end_object();
      });
  }
  return encode_error(id, kInternal, "op", "operation not implemented");
}

}  // namespace

std::string handle_request(std::string_view line, DesiredState& state, OpsHooks& hooks,
                           const std::string& intent_file, const std::string& state_file) {
  ParsedRequest parsed = parse_request(line);
  if (!parsed.request) return fail(parsed.id, parsed.request.error());
  try {
    return run(parsed.id, parsed.request.value(), state, hooks, intent_file, state_file);
  } catch (const std::exception& e) {  // bad_alloc and the like: taasd's fault
    return encode_error(parsed.id, kInternal, "", std::string("internal error: ") + e.what());
  }
}

}  // namespace taas::ctl
