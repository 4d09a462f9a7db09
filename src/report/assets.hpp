// The HTML report's page template, style sheet and script (src/report/assets), linked into the
// binary at build time so that a report never needs a file beside the executable.
#pragma once

#include <string_view>

namespace vigil::report::assets {

std::string_view page_html();
std::string_view style_css();
std::string_view script_js();

}  // namespace vigil::report::assets
