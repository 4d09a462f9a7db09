// Fuzzes property-list parsing (libplist, XML and binary) and vigil's view over the result: every
// node is visited, converted to JSON and serialised.
#include <cstdint>
#include <string>
#include <string_view>

#include "core/plist.hpp"

namespace {
void visit(vigil::core::PlistRef node, int depth) {
  if (depth > 64) return;
  (void)node.string();
  (void)node.integer();
  (void)node.real();
  (void)node.boolean();
  (void)node.data();
  (void)node.date();
  for (std::size_t i = 0; i < node.size() && i < 1000; ++i) visit(node.at(i), depth + 1);
  for (auto& [key, value] : node.items()) visit(value, depth + 1);
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string error;
  auto plist =
      vigil::core::Plist::parse(std::string_view(reinterpret_cast<const char*>(data), size), error);
  if (!plist) return 0;
  visit(plist->root(), 0);
  (void)plist->root().to_json().dump(-1, ' ', false, vigil::core::Json::error_handler_t::replace);
  return 0;
}
