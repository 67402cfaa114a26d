#pragma once
// Loads exactly one YAML document from text, turning every yaml-cpp failure
// into an Error with the position it reports. Control thread only.

#include <string>
#include <string_view>

#include <yaml-cpp/yaml.h>

#include "control/result.hpp"

namespace taas::ctl {

/// The single document of `text`. Errors: YAML syntax (with line and
/// column), an empty stream or a null document, more than one document.
/// `file` labels errors.
Result<YAML::Node> load_single_document(std::string_view text, const std::string& file);

}  // namespace taas::ctl
