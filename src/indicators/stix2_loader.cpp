#include "indicators/stix2_loader.hpp"

#include <simdjson.h>

#include <array>
#include <map>
#include <nlohmann/json.hpp>
#include <unordered_map>
#include <unordered_set>

#include "core/text.hpp"
#include "indicators/stix2_pattern.hpp"

namespace vigil::indicators {

namespace {

constexpr std::size_t kWarningsPerKind = 20;  // then "… and N more"

// Finds where a document stops being valid JSON, for an error a person can act on.
std::string json_error_position(std::string_view bytes) {
  struct Sax : nlohmann::json_sax<nlohmann::json> {
    std::size_t position = 0;
    std::string message;
    bool null() override { return true; }
    bool boolean(bool) override { return true; }
    bool number_integer(number_integer_t) override { return true; }
    bool number_unsigned(number_unsigned_t) override { return true; }
    bool number_float(number_float_t, const string_t&) override { return true; }
    bool string(string_t&) override { return true; }
    bool binary(binary_t&) override { return true; }
    bool start_object(std::size_t) override { return true; }
    bool key(string_t&) override { return true; }
    bool end_object() override { return true; }
    bool start_array(std::size_t) override { return true; }
    bool end_array() override { return true; }
    bool parse_error(std::size_t pos, const std::string&,
                     const nlohmann::detail::exception& ex) override {
      position = pos;
      message = ex.what();
      return false;
    }
  } sax;
  nlohmann::json::sax_parse(bytes.begin(), bytes.end(), &sax, nlohmann::json::input_format_t::json,
                            true, true);
  if (sax.message.empty()) return "invalid JSON";
  // nlohmann positions are 1-based byte counts of what was read.
  std::size_t offset = sax.position > 0 ? sax.position - 1 : 0;
  std::size_t line = 1, column = 1;
  for (std::size_t i = 0; i < offset && i < bytes.size(); ++i) {
    if (bytes[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  // Drop nlohmann's "[json.exception.parse_error.101] parse error at line 1, column 2: " prefix.
  std::string detail = sax.message;
  if (auto colon = detail.find(": ", detail.find("column")); colon != std::string::npos)
    detail = detail.substr(colon + 2);
  return "invalid JSON at line " + std::to_string(line) + ", column " + std::to_string(column) +
         " (byte " + std::to_string(offset) + "): " + detail;
}

std::string hash_algorithm(std::string_view name) {
  std::string out;
  for (char c : name)
    if (c != '\'' && c != '-' && c != '_' && c != ' ') out += core::ascii_lower(c);
  return out;
}

std::string_view get_string(simdjson::dom::object object, std::string_view key) {
  std::string_view value;
  if (object[key].get_string().get(value) != simdjson::SUCCESS) return {};
  return value;
}

// Collects warnings per kind so a file with thousands of odd values says so in a few lines.
class Warnings {
 public:
  void add(const std::string& kind, std::string text) {
    auto& entry = kinds_[kind];
    if (entry.shown.size() < kWarningsPerKind) entry.shown.push_back(std::move(text));
    ++entry.total;
  }
  void flush(std::vector<std::string>& out) {
    for (auto& [kind, entry] : kinds_) {
      for (auto& line : entry.shown) out.push_back(std::move(line));
      if (entry.total > entry.shown.size())
        out.push_back("… and " + std::to_string(entry.total - entry.shown.size()) +
                      " more: " + kind);
    }
  }

 private:
  struct Entry {
    std::vector<std::string> shown;
    std::size_t total = 0;
  };
  std::map<std::string, Entry> kinds_;
};

struct Named {
  std::string_view type;
  std::string_view name;
};

bool is_attribution_target(std::string_view type) {
  return type == "malware" || type == "intrusion-set" || type == "threat-actor" ||
         type == "campaign" || type == "tool";
}

}  // namespace

std::optional<IocType> ioc_type_for(const PatternComparison& c) {
  const auto& t = c.object_type;
  const auto& p = c.path;
  auto is = [&](std::initializer_list<std::string_view> path) {
    if (p.size() != path.size()) return false;
    std::size_t i = 0;
    for (std::string_view part : path)
      if (!core::iequals_ascii(p[i++], part)) return false;
    return true;
  };
  if (t == "domain-name" && is({"value"})) return IocType::domain;
  if (t == "url" && is({"value"})) return IocType::url;
  if (t == "ipv4-addr" && is({"value"})) return IocType::ipv4;
  if (t == "ipv6-addr" && is({"value"})) return IocType::ipv6;
  if (t == "email-addr" && is({"value"})) return IocType::email;
  if (t == "process" && (is({"name"}) || is({"image_ref", "name"}))) return IocType::process;
  if (t == "file" && is({"name"})) return IocType::file_name;
  if (t == "file" && (is({"path"}) || is({"parent_directory_ref", "path"})))
    return IocType::file_path;
  if (t == "directory" && is({"path"})) return IocType::file_path;
  if (t == "file" && p.size() == 2 && core::iequals_ascii(p[0], "hashes")) {
    std::string algorithm = hash_algorithm(p[1]);
    if (algorithm == "md5") return IocType::md5;
    if (algorithm == "sha1") return IocType::sha1;
    if (algorithm == "sha256") return IocType::sha256;
    return std::nullopt;
  }
  if (t == "app" && is({"id"})) return IocType::app_id;
  if (t == "app" && p.size() == 2 && core::iequals_ascii(p[0], "cert")) {
    std::string algorithm = hash_algorithm(p[1]);
    if (algorithm == "md5" || algorithm == "sha1" || algorithm == "sha256")
      return IocType::app_cert;
    return std::nullopt;
  }
  if (t == "configuration-profile" && is({"id"})) return IocType::profile;
  if (t == "android-property" && is({"name"})) return IocType::android_property;
  return std::nullopt;
}

std::optional<std::string> load_stix2(std::string_view bytes, std::uint32_t source,
                                      IndicatorSet& set) {
  // One parser per file: its buffers (several times the file's size) are freed when the file is
  // loaded, not kept for the whole check.
  simdjson::dom::parser parser;
  simdjson::padded_string padded(bytes);
  simdjson::dom::element root;
  if (parser.parse(padded).get(root) != simdjson::SUCCESS) return json_error_position(bytes);

  simdjson::dom::object bundle;
  if (root.get_object().get(bundle) != simdjson::SUCCESS)
    return "not a STIX 2 bundle: the top-level JSON value is not an object";
  std::string_view bundle_type = get_string(bundle, "type");
  simdjson::dom::array objects;
  if (bundle["objects"].get_array().get(objects) != simdjson::SUCCESS) {
    if (bundle_type == "bundle") return std::nullopt;  // an empty bundle is valid STIX
    return "not a STIX 2 bundle: no \"objects\" array";
  }
  if (!bundle_type.empty() && bundle_type != "bundle")
    return "not a STIX 2 bundle: top-level type is \"" + std::string(bundle_type) + "\"";

  // Pass 1: who can own an indicator, and who says so.
  std::unordered_map<std::string_view, Named> named;
  std::unordered_map<std::string_view, std::vector<std::string_view>> reports_of;
  std::unordered_map<std::string_view, std::vector<std::string_view>> malware_of;
  std::vector<std::array<std::string_view, 3>> relationships;  // (id, source, target)
  std::unordered_set<std::string_view> indicator_ids;
  std::size_t position = 0;
  Warnings warnings;
  std::string_view newest;  // the feed's date, shown with it in the report
  for (simdjson::dom::element element : objects) {
    ++position;
    simdjson::dom::object object;
    if (element.get_object().get(object) != simdjson::SUCCESS) {
      warnings.add("objects that are not JSON objects",
                   "objects[" + std::to_string(position - 1) + "] is not a JSON object; skipped");
      continue;
    }
    for (std::string_view key : {"created", "modified"}) {
      std::string_view day = get_string(object, key).substr(0, 10);
      if (day.size() == 10 && day[4] == '-' && day[7] == '-' && day > newest) newest = day;
    }
    std::string_view type = get_string(object, "type");
    std::string_view id = get_string(object, "id");
    if (type == "relationship") {
      std::string_view kind = get_string(object, "relationship_type");
      std::string_view from = get_string(object, "source_ref");
      std::string_view to = get_string(object, "target_ref");
      if (kind == "indicates" && from.starts_with("indicator--")) {
        malware_of[from].push_back(to);
        relationships.push_back({id, from, to});
      }
      continue;
    }
    if (type == "report") {
      std::string_view name = get_string(object, "name");
      named[id] = Named{type, name.empty() ? id : name};
      simdjson::dom::array refs;
      if (object["object_refs"].get_array().get(refs) == simdjson::SUCCESS) {
        for (simdjson::dom::element ref : refs) {
          std::string_view ref_id;
          if (ref.get_string().get(ref_id) == simdjson::SUCCESS &&
              ref_id.starts_with("indicator--"))
            reports_of[ref_id].push_back(id);
        }
      }
      continue;
    }
    if (type == "indicator") indicator_ids.insert(id);
    if (!id.empty() && type != "indicator") {
      std::string_view name = get_string(object, "name");
      named[id] = Named{type, name.empty() ? id : name};
    }
  }
  set.source(source).date = std::string(newest);
  for (const auto& [id, from, to] : relationships) {
    for (std::string_view end : {from, to}) {
      if (indicator_ids.count(end) != 0 || named.count(end) != 0) continue;
      warnings.add("relationships to missing objects", "relationship " + std::string(id) +
                                                           " refers to " + std::string(end) +
                                                           ", which is not in the file");
    }
  }

  // Pass 2: the indicators themselves.
  std::string file_stem;
  {
    const std::string& path = set.source(source).path;
    std::string_view base = core::path_basename(path);
    file_stem = std::string(base.substr(0, base.find('.')));
    if (file_stem.empty()) file_stem = std::string(base);
  }
  for (simdjson::dom::element element : objects) {
    simdjson::dom::object object;
    if (element.get_object().get(object) != simdjson::SUCCESS) continue;
    if (get_string(object, "type") != "indicator") continue;
    std::string_view id = get_string(object, "id");
    std::string who = id.empty() ? std::string("an indicator without an id") : std::string(id);
    bool revoked = false;
    if (object["revoked"].get_bool().get(revoked) == simdjson::SUCCESS && revoked) {
      warnings.add("revoked indicators", "indicator " + who + " is revoked; skipped");
      continue;
    }
    std::string_view pattern_type = get_string(object, "pattern_type");
    if (!pattern_type.empty() && pattern_type != "stix") {
      warnings.add("non-STIX patterns", "indicator " + who + " has pattern_type \"" +
                                            std::string(pattern_type) + "\"; skipped");
      continue;
    }
    std::string_view pattern = get_string(object, "pattern");
    if (pattern.empty()) {
      warnings.add("indicators without a pattern", "indicator " + who + " has no pattern; skipped");
      continue;
    }
    ParsedPattern parsed = parse_stix_pattern(pattern);
    if (!parsed.problem.empty()) {
      warnings.add(parsed.syntax_error ? "pattern syntax errors" : "unsupported patterns",
                   "indicator " + who + ": " + parsed.problem + " in " +
                       core::printable(pattern.substr(0, 200)) + "; skipped");
      continue;
    }

    std::vector<Attribution> attributions;
    if (auto it = malware_of.find(id); it != malware_of.end()) {
      for (std::string_view target : it->second) {
        auto owner = named.find(target);
        if (owner == named.end() || !is_attribution_target(owner->second.type)) continue;
        attributions.push_back(Attribution{source, AttributionKind::malware,
                                           std::string(owner->second.name), std::string(id)});
      }
    }
    if (attributions.empty()) {
      if (auto it = reports_of.find(id); it != reports_of.end()) {
        for (std::string_view report : it->second)
          attributions.push_back(Attribution{source, AttributionKind::report,
                                             std::string(named[report].name), std::string(id)});
      }
    }
    if (attributions.empty())
      attributions.push_back(
          Attribution{source, AttributionKind::file, file_stem, std::string(id)});

    for (const PatternComparison& comparison : parsed.comparisons) {
      auto type = ioc_type_for(comparison);
      std::string path = comparison.object_type + ":";
      for (std::size_t i = 0; i < comparison.path.size(); ++i)
        path += (i ? "." : "") + comparison.path[i];
      if (!type) {
        warnings.add("unsupported object paths",
                     "indicator " + who + ": no matcher for " + path + "; skipped");
        continue;
      }
      // Published values are counted as the publisher wrote them, even one vigil must refuse.
      SourceFile& file = set.source(source);
      file.indicators += 1;
      file.by_type[index_of(*type)] += 1;
      auto added = set.add(*type, comparison.value, attributions);
      if (!added.problem.empty()) {
        warnings.add(added.problem, "indicator " + who + ": " + path + " '" +
                                        core::printable(comparison.value.substr(0, 200)) + "': " +
                                        added.problem + (added.stored_as ? "" : "; skipped"));
      }
    }
  }
  warnings.flush(set.source(source).warnings);
  return std::nullopt;
}

std::optional<std::string> validate_stix2(std::string_view bytes) {
  IndicatorSet scratch;
  auto source = scratch.add_source(SourceFile{.path = "download", .origin = "download"});
  if (auto error = load_stix2(bytes, source, scratch)) return error;
  if (scratch.size() == 0) return "no usable indicator in the file";
  return std::nullopt;
}

}  // namespace vigil::indicators
