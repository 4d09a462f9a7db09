// A parser for STIX 2.x patterns (the STIX Patterning grammar, not MVT's "split on =").
// vigil can act on a pattern that is an OR of equality tests, in one observation or several
// ("[a:x = '1' OR a:x = '2']", "[a:x = '1'] OR [b:y = '2']", "a:x IN ('1', '2')"). Everything
// else (AND, FOLLOWEDBY, NOT, LIKE, MATCHES, qualifiers…) parses but is reported as unsupported,
// so that one odd indicator never stops a file from loading.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace vigil::indicators {

/// One "object-type:property.path = 'value'" test. Path components are unquoted
/// (file:hashes.'SHA-256' -> object_type "file", path {"hashes", "SHA-256"}).
struct PatternComparison {
  std::string object_type;
  std::vector<std::string> path;
  std::string value;
};

struct ParsedPattern {
  std::vector<PatternComparison> comparisons;  ///< alternatives: any one of them indicates
  /// Empty when the pattern is usable. Otherwise why not: "syntax error at offset N: …" or
  /// "unsupported: …".
  std::string problem;
  bool syntax_error = false;
};

ParsedPattern parse_stix_pattern(std::string_view pattern);

}  // namespace vigil::indicators
