// Plain-language explanations of alerts for the HTML report: what an alert of a given kind is,
// why it matters, and what it does NOT prove — written for a help-desk reader, so that a visit
// to a vendor's website is not read as an infection.
#pragma once

#include <span>
#include <string_view>

#include "modules/module.hpp"

namespace vigil::report {

struct AlertExplanation {
  std::string_view kind;  ///< stable id, e.g. "ioc-web-visit"
  std::string_view title;
  std::string_view what;
  std::string_view why;
  std::string_view not_proof;
};

std::span<const AlertExplanation> alert_explanations();

/// The kind of an alert (vigil's or MVT's alerts.json shape): from the type of the matched
/// indicator and the module for indicator matches, from the message for heuristics.
std::string_view alert_kind(const modules::Json& alert);

const AlertExplanation& explain(std::string_view kind);

}  // namespace vigil::report
