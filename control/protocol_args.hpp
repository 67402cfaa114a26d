#pragma once
// The args of each operation (protocol.hpp): typed decoding with the field
// named in every error, and encoding for the client. Internal to the codec;
// control thread only.

#include <yaml-cpp/yaml.h>

#include "control/json_read.hpp"
#include "control/json_writer.hpp"
#include "control/protocol.hpp"

namespace taas::ctl {

/// Decodes `args` (nullptr when the request has none, or it is null) for
/// `op` into `out`. False with the error in `reader`.
bool decode_args(JsonReader& reader, Op op, const YAML::Node* args, Args& out);

/// Writes `args` as the value of the request's "args"; nothing (the caller
/// leaves "args" out) for std::monostate. Returns whether it wrote.
bool encode_args(JsonWriter& writer, const Args& args);

}  // namespace taas::ctl
