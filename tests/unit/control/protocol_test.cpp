// The control-socket codec (control/protocol.hpp): every operation's args,
// every envelope error with its code and field, type errors, ids echoed,
// hostile input, and the client side round trips.

#include "control/protocol.hpp"

#include <chrono>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "control/json_read.hpp"

namespace taas::ctl {
namespace {

/// Parses a line that must be accepted.
Request accept(const std::string& line) {
  ParsedRequest parsed = parse_request(line);
  EXPECT_TRUE(parsed.request.ok()) << line << "\n  -> " << parsed.request.error().to_string();
  return parsed.request.ok() ? parsed.request.value() : Request{};
}

/// Parses a line that must be rejected; returns the error.
Error reject(const std::string& line) {
  ParsedRequest parsed = parse_request(line);
  EXPECT_FALSE(parsed.request.ok()) << "accepted: " << line;
  return parsed.request.ok() ? Error{} : parsed.request.error();
}

/// A request line with `op` and `args` (JSON text, or empty for none).
std::string line(const std::string& op, const std::string& args = "") {
  return R"({"v":1,"id":7,"op":")" + op + "\"" + (args.empty() ? "" : ",\"args\":" + args) + "}";
}

void expect_field(const std::string& text, const std::string& field, const std::string& needle = "") {
  const Error e = reject(text);
  EXPECT_EQ(e.field, field) << text << "\n  -> " << e.message;
  if (!needle.empty()) {
    EXPECT_NE(e.message.find(needle), std::string::npos) << text << "\n  -> " << e.message;
  }
}

TEST(ProtocolOps, NamesRoundTrip) {
  for (int i = 0; i <= static_cast<int>(Op::kHealth); ++i) {
    const Op op = static_cast<Op>(i);
    EXPECT_EQ(op_from_name(op_name(op)), op) << op_name(op);
  }
  EXPECT_EQ(op_from_name("TAP_SERVICE.CREATE"), std::nullopt);
  EXPECT_NE(op_names().find("tap_flow.update"), std::string::npos);
}

TEST(ProtocolArgs, ServiceCreateWithEveryField) {
  const Request r = accept(line("tap_service.create",
                                R"({"id":"0F576381-E461-4807-BB11-5D57624B30A0","name":"ts_0","description":"d",)"
                                R"("port":"mon","remote_ip":"2001:db8::7","encap":"erspan3","vni":5000,)"
                                R"("udp_port":4789,"erspan":{"index":7,"hwid":1,"granularity":"100ns",)"
                                R"("platform_subheader":true,"platform_id":7},"remote_mac":"02:00:00:00:00:0a"})"));
  EXPECT_EQ(r.op, Op::kServiceCreate);
  const auto* s = std::get_if<ServiceCreateArgs>(&r.args);
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->id, "0f576381-e461-4807-bb11-5d57624b30a0");
  EXPECT_EQ(s->name, "ts_0");
  EXPECT_EQ(s->description, "d");
  EXPECT_EQ(s->port, "mon");
  EXPECT_EQ(s->remote_ip, "2001:db8::7");
  EXPECT_EQ(s->encap, Encap::kErspan3);
  EXPECT_EQ(s->vni, 5000u);
  EXPECT_EQ(s->udp_port, 4789u);
  ASSERT_TRUE(s->erspan.has_value());
  EXPECT_EQ(s->erspan->index, 7u);
  EXPECT_EQ(s->erspan->hwid, 1u);
  EXPECT_EQ(s->erspan->granularity, ErspanGranularity::k100ns);
  EXPECT_EQ(s->erspan->platform_subheader, true);
  EXPECT_EQ(s->erspan->platform_id, 7u);
  EXPECT_EQ(s->remote_mac, "02:00:00:00:00:0a");
}

TEST(ProtocolArgs, ServiceCreateMinimalLeavesOptionalsEmpty) {
  const Request r = accept(line("tap_service.create", R"({"name":"ts","description":"","port":null})"));
  const auto& s = std::get<ServiceCreateArgs>(r.args);
  EXPECT_EQ(s.name, "ts");
  EXPECT_EQ(s.description, "");  // empty description allowed
  EXPECT_FALSE(s.port || s.id || s.remote_ip || s.encap || s.vni || s.udp_port || s.erspan || s.remote_mac);
}

TEST(ProtocolArgs, FlowCreateWithEveryField) {
  const Request r = accept(line("tap_flow.create",
                                R"({"id":"11111111-2222-4333-8444-555555555555","name":"tf_0","description":"x",)"
                                R"("source_port":"vm1","tap_service":"ts_0","direction":"both",)"
                                R"("erspan_session_id":1023,"vlan_filter":"9,18,27-36"})"));
  const auto& f = std::get<FlowCreateArgs>(r.args);
  EXPECT_EQ(f.id, "11111111-2222-4333-8444-555555555555");
  EXPECT_EQ(f.name, "tf_0");
  EXPECT_EQ(f.description, "x");
  EXPECT_EQ(f.source_port, "vm1");
  EXPECT_EQ(f.tap_service, "ts_0");
  EXPECT_EQ(f.direction, Direction::kBoth);
  EXPECT_EQ(f.erspan_session_id, 1023u);
  EXPECT_EQ(f.vlan_filter, "9,18,27-36");
  EXPECT_EQ(std::get<FlowCreateArgs>(accept(line("tap_flow.create",
                                                 R"({"name":"a","source_port":"p","tap_service":"s","direction":"In"})"))
                                         .args)
                .direction,
            Direction::kIn);
}

TEST(ProtocolArgs, RefOperations) {
  for (const char* op : {"tap_service.show", "tap_service.delete", "tap_flow.show", "tap_flow.delete", "port.show"}) {
    const Request r = accept(line(op, R"({"ref":"ts_0"})"));
    EXPECT_EQ(op_name(r.op), op);
    EXPECT_EQ(std::get<RefArgs>(r.args).ref, "ts_0") << op;
    expect_field(line(op), "args", "needs args");
    expect_field(line(op, "{}"), "args.ref", "missing");
    expect_field(line(op, R"({"ref":""})"), "args.ref", "empty");
    expect_field(line(op, R"({"ref":3})"), "args.ref", "expected a string");
    expect_field(line(op, R"({"ref":"a","name":"b"})"), "args.name", "unknown field");
  }
}

TEST(ProtocolArgs, UpdateNameAndDescription) {
  for (const char* op : {"tap_service.update", "tap_flow.update"}) {
    const Request r = accept(line(op, R"({"ref":"ts_0","name":"ts_1","description":"new"})"));
    const auto& u = std::get<UpdateArgs>(r.args);
    EXPECT_EQ(u.ref, "ts_0");
    EXPECT_EQ(u.name, "ts_1");
    EXPECT_EQ(u.description, "new");
    EXPECT_FALSE(std::get<UpdateArgs>(accept(line(op, R"({"ref":"x","description":""})")).args).name);
    expect_field(line(op, R"({"ref":"ts_0"})"), "args", "nothing to update");
    expect_field(line(op, R"({"name":"x"})"), "args.ref", "missing");
    expect_field(line(op, R"({"ref":"x","name":""})"), "args.name", "empty");
  }
}

TEST(ProtocolArgs, UpdateOfAnyOtherFieldIsRefusedNamingIt) {
  const Error e = reject(line("tap_service.update", R"({"ref":"ts_0","port":"mon2"})"));
  EXPECT_EQ(e.field, "args.port");
  EXPECT_NE(e.message.find("only name and description"), std::string::npos) << e.message;
  expect_field(line("tap_flow.update", R"({"ref":"tf","direction":"IN"})"), "args.direction", "only name");
  expect_field(line("tap_flow.update", R"({"ref":"tf","vlan_filter":"1"})"), "args.vlan_filter", "only name");
}

TEST(ProtocolArgs, ApplyCarriesTheIntentText) {
  const Request r = accept(line("apply", R"({"intent":"version: 1\nports: []\n"})"));
  EXPECT_EQ(std::get<ApplyArgs>(r.args).intent, "version: 1\nports: []\n");
  expect_field(line("apply"), "args");
  expect_field(line("apply", R"({"intent":{"version":1}})"), "args.intent", "expected a string");
  expect_field(line("apply", R"({"file":"x.yaml"})"), "args.intent", "missing required field");
  expect_field(line("apply", R"({"intent":"version: 1\n","file":7})"), "args.file", "expected a string");
  expect_field(line("apply", R"({"intent":"version: 1\n","path":"x.yaml"})"), "args.path", "unknown field");
  EXPECT_EQ(std::get<ApplyArgs>(accept(line("apply", R"({"intent":"v","file":"x.yaml"})")).args).file, "x.yaml");
}

TEST(ProtocolArgs, OperationsWithoutArgs) {
  for (const char* op : {"tap_service.list", "tap_flow.list", "port.list", "export", "stats", "health"}) {
    EXPECT_TRUE(std::holds_alternative<std::monostate>(accept(line(op)).args)) << op;
    EXPECT_TRUE(std::holds_alternative<std::monostate>(accept(line(op, "{}")).args)) << op;
    EXPECT_TRUE(std::holds_alternative<std::monostate>(accept(line(op, "null")).args)) << op;
    expect_field(line(op, R"({"all":true})"), "args.all", "takes no args");
  }
}

TEST(ProtocolArgs, RequiredFieldsAreNamed) {
  expect_field(line("tap_service.create"), "args", "needs args");
  expect_field(line("tap_service.create", "{}"), "args.name", "missing");
  expect_field(line("tap_service.create", R"({"name":null})"), "args.name", "null");
  const std::vector<std::pair<std::string, std::string>> flow = {
      {"name", "\"f\""}, {"source_port", "\"p\""}, {"tap_service", "\"s\""}, {"direction", "\"IN\""}};
  for (const auto& [missing, unused] : flow) {
    std::string args;
    for (const auto& [key, value] : flow) {
      if (key == missing) continue;
      args += (args.empty() ? "{" : ",") + ("\"" + key + "\":" + value);
    }
    expect_field(line("tap_flow.create", args + "}"), "args." + missing, "missing");
  }
}

TEST(ProtocolArgs, TypeErrorsNameTheField) {
  const std::string svc = R"({"name":"ts","remote_ip":"192.0.2.1","encap":"vxlan",)";
  expect_field(line("tap_service.create", svc + R"("vni":"5"})"), "args.vni", "the string \"5\"");
  expect_field(line("tap_service.create", svc + R"("vni":5.0})"), "args.vni", "the number 5.0");
  expect_field(line("tap_service.create", svc + R"("vni":-1})"), "args.vni", "[0, 16777215]");
  expect_field(line("tap_service.create", svc + R"("vni":16777216})"), "args.vni");
  expect_field(line("tap_service.create", svc + R"("vni":true})"), "args.vni", "true");
  expect_field(line("tap_service.create", svc + R"("udp_port":0})"), "args.udp_port");
  expect_field(line("tap_service.create", R"({"name":5})"), "args.name", "the number 5");
  expect_field(line("tap_service.create", R"({"name":["a"]})"), "args.name", "an array");
  expect_field(line("tap_service.create", R"({"name":"a","port":{}})"), "args.port", "an object");
  expect_field(line("tap_service.create", R"({"name":"a","encap":"ERSPAN3"})"), "args.encap", "erspan3");
  expect_field(line("tap_service.create", R"({"name":"a","remote_ip":"1.2.3"})"), "args.remote_ip");
  expect_field(line("tap_service.create", R"({"name":"a","remote_mac":"02:00"})"), "args.remote_mac");
  expect_field(line("tap_service.create", R"({"name":"a","id":"nope"})"), "args.id", "not a UUID");
  expect_field(line("tap_service.create", R"({"name":"a","erspan":[]})"), "args.erspan", "expected an object");
  expect_field(line("tap_service.create", R"({"name":"a","erspan":{"platform_subheader":"true"}})"),
               "args.erspan.platform_subheader", "the string \"true\"");
  expect_field(line("tap_service.create", R"({"name":"a","erspan":{"hwid":"1"}})"), "args.erspan.hwid");
  expect_field(line("tap_service.create", R"({"name":"a","erspan":{"hwid":64}})"), "args.erspan.hwid", "[0, 63]");
  expect_field(line("tap_service.create", R"({"name":"a","erspan":{"platform_id":5}})"), "args.erspan.platform_id");
  expect_field(line("tap_service.create", R"({"name":"a","erspan":{"granularity":"1ms"}})"),
               "args.erspan.granularity");
  const std::string flow = R"({"name":"f","source_port":"p","tap_service":"s",)";
  expect_field(line("tap_flow.create", flow + R"("direction":1})"), "args.direction", "the number 1");
  expect_field(line("tap_flow.create", flow + R"("direction":"SIDEWAYS"})"), "args.direction", "IN, OUT, BOTH");
  expect_field(line("tap_flow.create", flow + R"("direction":"IN","erspan_session_id":"5"})"),
               "args.erspan_session_id");
  expect_field(line("tap_flow.create", flow + R"("direction":"IN","erspan_session_id":1024})"),
               "args.erspan_session_id", "[0, 1023]");
  expect_field(line("tap_flow.create", flow + R"("direction":"IN","vlan_filter":"9,4096"})"), "args.vlan_filter",
               "4096");
  expect_field(line("tap_flow.create", flow + R"("direction":"IN","vlan_filter":[9,18]})"), "args.vlan_filter",
               "expected a string");
}

TEST(ProtocolArgs, UnknownKeysInArgsAndErspan) {
  expect_field(line("tap_service.create", R"({"name":"a","erspan_dst_ip":"192.0.2.1"})"), "args.erspan_dst_ip",
               "unknown field");
  expect_field(line("tap_service.create", R"({"name":"a","erspan":{"index":1,"version":3}})"),
               "args.erspan.version", "index, hwid");
  expect_field(line("tap_flow.create", R"({"name":"a","status":"ACTIVE"})"), "args.status", "unknown field");
  expect_field(line("tap_service.create", R"({"name":"a","name":"b"})"), "args.name", "twice");
}

TEST(ProtocolEnvelope, ErrorsNameTheirField) {
  struct Case {
    std::string text;
    std::string field;
    std::string needle;
  };
  const std::vector<Case> cases = {
      {"", "", "empty"},
      {"not json", "", "not valid JSON"},
      {"{\"v\":1,\"op\":\"health\"", "", "not valid JSON"},
      {"[1]", "", "JSON object"},
      {"\"health\"", "", "JSON object"},
      {R"({"op":"health"})", "v", "speaks version 1"},
      {R"({"v":"1","op":"health"})", "v", "the string \"1\""},
      {R"({"v":1.5,"op":"health"})", "v", "integer"},
      {R"({"v":null,"op":"health"})", "v", "integer"},
      {R"({"v":2,"op":"health"})", "v", "unsupported protocol version 2; this side speaks version 1"},
      {R"({"v":0,"op":"health"})", "v", "unsupported"},
      {R"({"v":1})", "op", "tap_service.create"},
      {R"({"v":1,"op":"tap_service.frobnicate"})", "op", "expected one of tap_service.create"},
      {R"({"v":1,"op":"Health"})", "op", "unknown operation"},
      {R"({"v":1,"op":5})", "op", "the number 5"},
      {R"({"v":1,"op":"health","args":[]})", "args", "expected an object"},
      {R"({"v":1,"op":"health","args":"x"})", "args", "expected an object"},
      {R"({"v":1,"op":"health","extra":1})", "extra", "unknown field"},
      {R"({"v":1,"id":{},"op":"health"})", "id", "string or an integer"},
      {R"({"v":1,"id":1.5,"op":"health"})", "id", "string or an integer"},
      {R"({"v":1,"id":true,"op":"health"})", "id", "string or an integer"},
      {R"({"v":1,"v":1,"op":"health"})", "v", "twice"},
  };
  for (const Case& c : cases) expect_field(c.text, c.field, c.needle);
}

TEST(ProtocolEnvelope, ErrorReplyCarriesCode400AndTheField) {
  const ParsedRequest parsed = parse_request(R"({"v":1,"id":"q1","op":"nope"})");
  ASSERT_FALSE(parsed.request.ok());
  const std::string reply = encode_error(parsed.id, kInvalid, parsed.request.error());
  auto back = parse_reply(reply);
  ASSERT_TRUE(back.ok()) << back.error().to_string();
  EXPECT_FALSE(back.value().ok);
  EXPECT_EQ(back.value().code, 400);
  EXPECT_EQ(back.value().field, "op");
  EXPECT_EQ(back.value().id, RequestId(std::string("q1")));
}

TEST(ProtocolIds, EchoedAsStringIntegerOrNull) {
  EXPECT_EQ(parse_request(R"({"v":1,"id":"abc","op":"health"})").id, RequestId(std::string("abc")));
  EXPECT_EQ(parse_request(R"({"v":1,"id":-9223372036854775808,"op":"health"})").id,
            RequestId(std::int64_t{INT64_MIN}));
  EXPECT_EQ(parse_request(R"({"v":1,"op":"health"})").id, RequestId());
  EXPECT_EQ(parse_request(R"({"v":1,"id":null,"op":"health"})").id, RequestId());
  // The id is echoed also when the rest of the request is rejected.
  EXPECT_EQ(parse_request(R"({"v":2,"id":42,"op":"health"})").id, RequestId(std::int64_t{42}));
  EXPECT_EQ(parse_request(R"({"v":1,"id":"x","op":"tap_service.create","args":{"name":1}})").id,
            RequestId(std::string("x")));

  EXPECT_EQ(encode_ok(std::string("abc"), nullptr), R"({"v":1,"id":"abc","ok":true,"result":null})");
  EXPECT_EQ(encode_ok(std::int64_t{-3}, [](JsonWriter& w) { w.begin_array().unsigned_int(1).end_array(); }),
            R"({"v":1,"id":-3,"ok":true,"result":[1]})");
  EXPECT_EQ(encode_error(RequestId(), kNotFound, "args.ref", "no tap service \"x\""),
            R"({"v":1,"id":null,"ok":false,"error":{"code":404,"field":"args.ref","message":"no tap service \"x\""}})");
}

TEST(ProtocolHostile, LineOverOneMebibyteIsRejected) {
  EXPECT_FALSE(request_too_long(kMaxRequestBytes));
  EXPECT_TRUE(request_too_long(kMaxRequestBytes + 1));
  // A valid request of exactly the limit is accepted...
  const std::string head = R"({"v":1,"op":"apply","args":{"intent":")";
  const std::string tail = R"("}})";
  std::string at_limit = head + std::string(kMaxRequestBytes - head.size() - tail.size(), 'x') + tail;
  ASSERT_EQ(at_limit.size(), kMaxRequestBytes);
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(std::get<ApplyArgs>(accept(at_limit).args).intent.size(), kMaxRequestBytes - head.size() - tail.size());
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  // ...one byte more is not, before any parsing.
  const std::string over = head + std::string(kMaxRequestBytes + 1 - head.size() - tail.size(), 'x') + tail;
  const Error e = reject(over);
  EXPECT_EQ(e.field, "");
  EXPECT_NE(e.message.find("1048576"), std::string::npos) << e.message;
}

TEST(ProtocolHostile, StrayCommaDoesNotHang) {
  for (const char* text : {",{}", ",", "{},", ",,,,", "[,]", "{,}", "{\"v\":1,,\"op\":\"health\"}"}) {
    const auto start = std::chrono::steady_clock::now();
    const Error e = reject(text);
    EXPECT_EQ(e.field, "") << text;
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(1)) << text;
  }
}

TEST(ProtocolHostile, DeepNestingIsRejectedWithoutCrashing) {
  const std::string arrays = R"({"v":1,"op":"health","args":{"x":)" + std::string(10000, '[') +
                             std::string(10000, ']') + "}}";
  const Error e = reject(arrays);
  EXPECT_EQ(e.field, "");
  EXPECT_NE(e.message.find("deeper than"), std::string::npos) << e.message;
  // Unbalanced and deep: still an error, not a crash.
  EXPECT_EQ(reject(std::string(200000, '[')).field, "");
  EXPECT_EQ(reject(std::string(200000, '{')).field, "");
}

TEST(ProtocolHostile, YamlOnlySyntaxIsNotJson) {
  for (const char* text : {"{v: 1, op: health}", "{\"v\": 1, \"op\": health}", "{\"v\": 1, \"op\": 'health'}",
                           "{\"v\": 1, \"op\": \"health\", \"args\": ~}", "{\"v\": !!int 1, \"op\": \"health\"}",
                           "{\"v\": &a 1, \"op\": \"health\"}", "v: 1\nop: health",
                           "{\"v\": 1, \"op\": \"health\"} # comment", "{\"v\": 0x1, \"op\": \"health\"}"}) {
    EXPECT_EQ(reject(text).field, "") << text;
  }
}

TEST(ProtocolClient, EveryRequestRoundTrips) {
  ServiceCreateArgs service;
  service.id = "0f576381-e461-4807-bb11-5d57624b30a0";
  service.name = "ts \"quoted\"\n";
  service.description = "";
  service.port = "mon";
  service.remote_ip = "198.51.100.7";
  service.encap = Encap::kErspan2;
  service.vni = 0;
  service.udp_port = 65535;
  service.erspan = ErspanArgs{7, 63, ErspanGranularity::k100us, false, 3};
  service.remote_mac = "02:00:00:00:00:0a";
  FlowCreateArgs flow;
  flow.name = "tf_\xc3\xa9";
  flow.source_port = "vm1";
  flow.tap_service = "ts";
  flow.direction = Direction::kOut;
  flow.erspan_session_id = 0;
  flow.vlan_filter = "9,18,27-36";
  ServiceCreateArgs bare;
  bare.name = "bare";
  const std::vector<Request> requests = {
      {Op::kServiceCreate, service},
      {Op::kServiceCreate, bare},
      {Op::kFlowCreate, flow},
      {Op::kServiceShow, RefArgs{"ts"}},
      {Op::kFlowDelete, RefArgs{"0f576381-e461-4807-bb11-5d57624b30a0"}},
      {Op::kPortShow, RefArgs{"vm1"}},
      {Op::kServiceUpdate, UpdateArgs{"ts", "ts2", std::nullopt}},
      {Op::kFlowUpdate, UpdateArgs{"tf", std::nullopt, "\t"}},
      {Op::kApply, ApplyArgs{"version: 1\n", "intent.yaml"}},
      {Op::kServiceList, {}},
      {Op::kFlowList, {}},
      {Op::kPortList, {}},
      {Op::kExport, {}},
      {Op::kStats, {}},
      {Op::kHealth, {}},
  };
  std::int64_t n = 0;
  for (const Request& request : requests) {
    const RequestId id = (n % 3 == 0) ? RequestId() : (n % 3 == 1) ? RequestId(n) : RequestId("c" + std::to_string(n));
    ++n;
    const std::string text = encode_request(id, request);
    EXPECT_EQ(text.find('\n'), std::string::npos) << text;
    const ParsedRequest parsed = parse_request(text);
    ASSERT_TRUE(parsed.request.ok()) << text << "\n  -> " << parsed.request.error().to_string();
    EXPECT_EQ(parsed.request.value(), request) << text;
    EXPECT_EQ(parsed.id, id) << text;
  }
  EXPECT_EQ(encode_request(std::int64_t{1}, Request{Op::kServiceShow, RefArgs{"ts"}}),
            R"({"v":1,"id":1,"op":"tap_service.show","args":{"ref":"ts"}})");
  EXPECT_EQ(encode_request(RequestId(), Request{Op::kHealth, {}}), R"({"v":1,"op":"health"})");
}

TEST(ProtocolClient, RepliesRoundTrip) {
  const std::string ok = encode_ok(std::string("r1"), [](JsonWriter& w) {
    w.begin_array().begin_object().field("name", "ts_0").field("status", "ACTIVE").field_uint("vni", 5000).end_object();
    w.end_array();
  });
  auto reply = parse_reply(ok);
  ASSERT_TRUE(reply.ok()) << reply.error().to_string();
  EXPECT_TRUE(reply.value().ok);
  EXPECT_EQ(reply.value().id, RequestId(std::string("r1")));
  ASSERT_EQ(json_kind(reply.value().result), JsonKind::kArray);
  EXPECT_EQ(reply.value().result[0]["name"].Scalar(), "ts_0");
  JsonWriter again;
  write_json_node(again, reply.value().result);
  EXPECT_EQ(again.str(), R"([{"name":"ts_0","status":"ACTIVE","vni":5000}])");

  auto null_result = parse_reply(encode_ok(RequestId(), nullptr));
  ASSERT_TRUE(null_result.ok());
  EXPECT_EQ(json_kind(null_result.value().result), JsonKind::kNull);
  EXPECT_EQ(null_result.value().id, RequestId());

  auto err = parse_reply(encode_error(std::int64_t{9}, kConflict, "args.source_port", "already a service port"));
  ASSERT_TRUE(err.ok()) << err.error().to_string();
  EXPECT_FALSE(err.value().ok);
  EXPECT_EQ(err.value().code, kConflict);
  EXPECT_EQ(err.value().field, "args.source_port");
  EXPECT_EQ(err.value().message, "already a service port");
  EXPECT_EQ(err.value().id, RequestId(std::int64_t{9}));

  const Error intent_error{"<apply>", 3, 5, "tap_flows[0].direction", "expected one of IN, OUT, BOTH"};
  auto located = parse_reply(encode_error(RequestId(), kInvalid, intent_error));
  ASSERT_TRUE(located.ok());
  EXPECT_EQ(located.value().field, "tap_flows[0].direction");
  EXPECT_EQ(located.value().message, "<apply>:3:5: expected one of IN, OUT, BOTH");
  EXPECT_EQ(kInternal, 500);
}

TEST(ProtocolClient, MalformedRepliesAreErrors) {
  struct Case {
    std::string text;
    std::string field;
  };
  const std::vector<Case> cases = {
      {"garbage", ""},
      {R"({"v":2,"id":null,"ok":true,"result":1})", "v"},
      {R"({"v":1,"id":null,"result":1})", "ok"},
      {R"({"v":1,"id":null,"ok":"true","result":1})", "ok"},
      {R"({"v":1,"id":null,"ok":true})", "result"},
      {R"({"v":1,"id":null,"ok":false})", "error"},
      {R"({"v":1,"id":null,"ok":false,"error":{"code":"400","field":"","message":"m"}})", "error.code"},
      {R"({"v":1,"id":null,"ok":false,"error":{"code":400,"message":"m"}})", "error.field"},
      {R"({"v":1,"id":null,"ok":false,"error":{"code":400,"field":"","message":"m","x":1}})", "error.x"},
      {R"({"v":1,"id":[],"ok":true,"result":1})", "id"},
      {R"({"v":1,"id":null,"ok":true,"result":1,"extra":0})", "extra"},
  };
  for (const Case& c : cases) {
    auto reply = parse_reply(c.text);
    EXPECT_FALSE(reply.ok()) << c.text;
    if (!reply.ok()) {
      EXPECT_EQ(reply.error().field, c.field) << c.text << "\n  -> " << reply.error().message;
    }
  }
}

}  // namespace
}  // namespace taas::ctl
