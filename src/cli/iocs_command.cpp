// `vigil iocs stats|check|list`: what the loaded indicators are, and whether values are known.
#include <fmt/core.h>

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "cli/commands.hpp"
#include "cli/exit_codes.hpp"
#include "cli/ioc_options.hpp"
#include "core/text.hpp"
#include "core/url.hpp"
#include "indicators/ioc_type.hpp"
#include "net/http.hpp"

namespace vigil::cli {

namespace {

using indicators::IndicatorSet;
using indicators::IocType;
using indicators::Match;
using Json = nlohmann::ordered_json;

struct IocsArgs {
  IocFlags iocs;
  bool json = false;
  bool verbose = false;
  std::vector<std::string> values;
  std::string type;
  std::string platform = "any";
  bool resolve_shorteners = false;
  bool exit_code = false;
};

// Loads the indicators and reports load problems on stderr. Returns the exit status the load
// alone calls for.
int load(const IocFlags& flags, IndicatorSet& set) {
  indicators::LoadReport report;
  set = indicators::load_indicators(flags.resolved(), report);
  for (const auto& error : report.errors) fmt::print(stderr, "vigil: error: {}\n", error);
  if (!report.errors.empty()) return kExitIocError;
  if (set.size() == 0) {
    fmt::print(stderr,
               "vigil: error: no indicators loaded (give --iocs or drop --no-bundled-iocs)\n");
    return kExitIocError;
  }
  return kExitOk;
}

// One output row per (indicator, source file), as documented in docs/cli.md.
Json matches_json(const IndicatorSet& set, const std::vector<Match>& matches) {
  Json out = Json::array();
  std::set<std::pair<const indicators::Indicator*, std::uint32_t>> seen;
  for (const Match& match : matches) {
    std::map<std::uint32_t, std::vector<std::string>> by_source;
    for (const auto& attribution : match.indicator->attributions) {
      auto& names = by_source[attribution.source];
      if (std::find(names.begin(), names.end(), attribution.name) == names.end())
        names.push_back(attribution.name);
    }
    for (auto& [source, names] : by_source) {
      if (!seen.emplace(match.indicator, source).second) continue;
      Json row;
      row["type"] = std::string(indicators::to_string(match.indicator->type));
      row["indicator"] = match.indicator->value;
      std::sort(names.begin(), names.end());
      row["malware"] = names;
      row["source"] = set.sources()[source].path;
      row["match"] = match.truncated       ? "truncated-process-name"
                     : match.parent_domain ? "parent-domain"
                                           : "exact";
      out.push_back(std::move(row));
    }
  }
  return out;
}

// -- stats -------------------------------------------------------------------------------------

Json by_type_json(const std::array<std::size_t, indicators::kIocTypeCount>& counts) {
  Json out = Json::object();
  for (IocType t : indicators::kAllIocTypes)
    if (counts[indicators::index_of(t)] != 0)
      out[std::string(indicators::to_string(t))] = counts[indicators::index_of(t)];
  return out;
}

std::string by_type_text(const std::array<std::size_t, indicators::kIocTypeCount>& counts) {
  std::string out;
  for (IocType t : indicators::kAllIocTypes) {
    std::size_t n = counts[indicators::index_of(t)];
    if (n == 0) continue;
    if (!out.empty()) out += ", ";
    out += fmt::format("{} {}", indicators::to_string(t), n);
  }
  return out.empty() ? "-" : out;
}

int run_stats(const IocsArgs& args) {
  IndicatorSet set;
  int status = load(args.iocs, set);
  std::array<std::size_t, indicators::kIocTypeCount> distinct{};
  for (const auto& indicator : set.indicators()) ++distinct[indicators::index_of(indicator.type)];

  if (args.json) {
    Json out;
    out["indicators"] = set.size();
    out["by_type"] = by_type_json(distinct);
    Json files = Json::array();
    for (const auto& source : set.sources()) {
      Json file;
      file["path"] = source.path;
      file["origin"] = source.origin;
      file["sha256"] = source.sha256;
      file["indicators"] = source.indicators;
      file["by_type"] = by_type_json(source.by_type);
      file["warnings"] = source.warnings;
      if (source.error) file["error"] = *source.error;
      files.push_back(std::move(file));
    }
    out["files"] = std::move(files);
    fmt::print("{}\n", out.dump(2));
    return status;
  }

  std::size_t values = 0, warnings = 0;
  for (const auto& source : set.sources()) {
    values += source.indicators;
    warnings += source.warnings.size();
    fmt::print(
        "{}\n  {} indicators: {}{}\n", source.path, source.indicators, by_type_text(source.by_type),
        source.warnings.empty() ? "" : fmt::format(" ({} warnings)", source.warnings.size()));
    if (source.error) fmt::print("  error: {}\n", *source.error);
    if (args.verbose)
      for (const auto& warning : source.warnings) fmt::print("  warning: {}\n", warning);
  }
  fmt::print("\n{} distinct indicators ({} published values in {} files): {}\n", set.size(), values,
             set.sources().size(), by_type_text(distinct));
  if (warnings != 0 && !args.verbose) fmt::print("{} warnings; --verbose lists them\n", warnings);
  return status;
}

// -- check -------------------------------------------------------------------------------------

bool looks_like_uuid(std::string_view v) {
  if (v.size() != 36) return false;
  for (std::size_t i = 0; i < v.size(); ++i) {
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? v[i] != '-' : !core::is_ascii_hex(v[i])) return false;
  }
  return true;
}

struct CheckResult {
  std::vector<std::string> checked_as;
  std::vector<Match> matches;
  bool shortened = false;
  std::optional<std::string> expanded;
};

// Recognises what a value can be and runs every matcher that applies (or only --type's).
CheckResult check_value(const IndicatorSet& set, std::string_view raw, std::optional<IocType> only,
                        indicators::Platform platform,
                        const indicators::ShortUrlResolver& resolver) {
  CheckResult result;
  std::string_view value = core::trim(raw);
  auto want = [&](std::initializer_list<IocType> types) {
    if (!only) return true;
    return std::find(types.begin(), types.end(), *only) != types.end();
  };
  auto add = [&](std::string_view kind, std::vector<Match> found) {
    result.checked_as.emplace_back(kind);
    result.matches.insert(result.matches.end(), found.begin(), found.end());
  };
  auto check_url = [&](std::string_view kind) {
    auto url = set.match_url(value, resolver);
    result.shortened = url.shortened;
    result.expanded = url.expanded;
    add(kind, std::move(url.matches));
  };

  if (value.find("://") != std::string_view::npos) {
    if (want({IocType::url, IocType::domain, IocType::ipv4, IocType::ipv6})) check_url("url");
    return result;
  }
  bool hex = core::is_hex_string(value);
  if (hex && (value.size() == 32 || value.size() == 40 || value.size() == 64)) {
    if (want({IocType::md5, IocType::sha1, IocType::sha256})) add("hash", set.match_hash(value));
    if (want({IocType::app_cert})) add("app-cert", set.match_app_cert(value));
    return result;
  }
  if (value.find(':') != std::string_view::npos && value.size() >= 47 &&
      value.find_first_not_of("0123456789abcdefABCDEF:") == std::string_view::npos) {
    if (want({IocType::app_cert})) add("app-cert", set.match_app_cert(value));
    return result;
  }
  if (value.find('@') != std::string_view::npos && value.find('/') == std::string_view::npos) {
    if (want({IocType::email})) add("email", set.match_email(value));
    return result;
  }
  if (auto host = core::normalize_host(value); host && host->kind != core::HostKind::domain) {
    if (want({IocType::ipv4, IocType::ipv6})) add("ip", set.match_ip(value));
    return result;
  }
  if (looks_like_uuid(value)) {
    if (want({IocType::profile})) add("profile", set.match_profile(value));
    return result;
  }
  if (value.starts_with('/')) {
    if (want({IocType::file_path, IocType::file_name}))
      add("file-path", set.match_file_path(value));
    if (want({IocType::process})) add("process", set.match_process(value, platform));
    return result;
  }
  if (value.find('/') != std::string_view::npos || value.find('.') != std::string_view::npos) {
    if (want({IocType::url, IocType::domain, IocType::ipv4, IocType::ipv6}))
      check_url(value.find('/') != std::string_view::npos ? "url" : "domain");
  }
  if (value.find('/') == std::string_view::npos) {
    if (want({IocType::app_id})) add("app-id", set.match_app_id(value));
    if (want({IocType::android_property}))
      add("android-property", set.match_android_property(value));
    if (want({IocType::process})) add("process", set.match_process(value, platform));
    if (want({IocType::file_name})) add("file-name", set.match_file_name(value));
  }
  return result;
}

int run_check(const IocsArgs& args) {
  IndicatorSet set;
  int status = load(args.iocs, set);
  if (set.size() == 0) return status;
  std::optional<IocType> only;
  if (!args.type.empty()) only = indicators::ioc_type_from_string(args.type);
  auto platform = args.platform == "ios"       ? indicators::Platform::ios
                  : args.platform == "android" ? indicators::Platform::android
                                               : indicators::Platform::any;
  indicators::ShortUrlResolver resolver;
  if (args.resolve_shorteners)
    resolver = [](const std::string& url) { return net::resolve_redirects(url); };

  bool any_match = false;
  for (const auto& value : args.values) {
    CheckResult result = check_value(set, value, only, platform, resolver);
    Json matches = matches_json(set, result.matches);
    any_match = any_match || !matches.empty();
    if (args.json) {
      Json line;
      line["value"] = value;
      line["matches"] = matches;
      line["checked_as"] = result.checked_as;
      line["shortened"] = result.shortened;
      line["expanded"] = result.expanded ? Json(*result.expanded) : Json(nullptr);
      fmt::print("{}\n", line.dump());
      continue;
    }
    if (matches.empty()) {
      fmt::print("{}: no match", core::printable(value));
      if (result.checked_as.empty()) fmt::print(" (not a kind of value vigil can check)");
    } else {
      fmt::print("{}: MATCH", core::printable(value));
    }
    if (result.shortened && !result.expanded)
      fmt::print(
          " — unresolved shortened link (the target is unknown offline; "
          "--resolve-shorteners follows it)");
    if (result.expanded) fmt::print(" — expands to {}", core::printable(*result.expanded));
    fmt::print("\n");
    for (const auto& row : matches) {
      std::string how =
          row["match"] == "exact" ? "" : fmt::format(" ({})", row["match"].get<std::string>());
      std::string names;
      for (const auto& name : row["malware"])
        names += (names.empty() ? "" : ", ") + name.get<std::string>();
      fmt::print("  {} {}{} — {} [{}]\n", row["type"].get<std::string>(),
                 row["indicator"].get<std::string>(), how, names, row["source"].get<std::string>());
    }
  }
  if (status != kExitOk) return status;
  return args.exit_code && any_match ? kExitFound : kExitOk;
}

// -- list --------------------------------------------------------------------------------------

int run_list(const IocsArgs& args) {
  IndicatorSet set;
  int status = load(args.iocs, set);
  std::optional<IocType> only;
  if (!args.type.empty()) only = indicators::ioc_type_from_string(args.type);
  std::vector<const indicators::Indicator*> rows;
  for (const auto& indicator : set.indicators())
    if (!only || indicator.type == *only) rows.push_back(&indicator);
  std::sort(rows.begin(), rows.end(), [](const auto* a, const auto* b) {
    return std::tie(a->type, a->key) < std::tie(b->type, b->key);
  });
  for (const auto* indicator : rows) {
    std::set<std::string> names, sources;
    for (const auto& attribution : indicator->attributions) {
      names.insert(attribution.name);
      sources.insert(set.sources()[attribution.source].path);
    }
    if (args.json) {
      Json line;
      line["type"] = std::string(indicators::to_string(indicator->type));
      line["indicator"] = indicator->value;
      line["malware"] = names;
      line["sources"] = sources;
      fmt::print("{}\n", line.dump());
    } else {
      std::string joined;
      for (const auto& name : names) joined += (joined.empty() ? "" : ", ") + name;
      fmt::print("{}\t{}\t{}\n", indicators::to_string(indicator->type), indicator->value, joined);
    }
  }
  return status;
}

}  // namespace

Runner add_iocs_command(CLI::App& app) {
  auto args = std::make_shared<IocsArgs>();
  CLI::App* iocs = app.add_subcommand("iocs", "Inspect the loaded indicators of compromise");
  iocs->require_subcommand(1);
  std::vector<std::string> type_names;
  for (IocType t : indicators::kAllIocTypes) type_names.emplace_back(indicators::to_string(t));

  CLI::App* stats = iocs->add_subcommand("stats", "Indicators per source file and per type");
  CLI::App* check = iocs->add_subcommand(
      "check", "Is this domain, URL, IP, hash, process, path, app id, email… a known indicator?");
  CLI::App* list = iocs->add_subcommand("list", "List the loaded indicators (one per line)");
  for (CLI::App* command : {stats, check, list}) {
    args->iocs.add_to(*command);
    command->add_flag("--json", args->json, "machine-readable output (docs/cli.md)");
  }
  stats->add_flag("-v,--verbose", args->verbose, "list every load warning");
  check->add_option("values", args->values, "values to look up")->required();
  check->add_option("--type", args->type, "check only as this kind of indicator")
      ->check(CLI::IsMember(type_names));
  check
      ->add_option("--platform", args->platform,
                   "process-name truncation rule: ios (16 bytes), android (15) or any")
      ->check(CLI::IsMember({"any", "ios", "android"}));
  check->add_flag("--resolve-shorteners", args->resolve_shorteners,
                  "follow shortened links with HTTP HEAD requests (sends the link to its host)");
  check->add_flag("--exit-code", args->exit_code,
                  "exit with status 1 when any value matches (like git diff --exit-code)");
  list->add_option("--type", args->type, "only this kind of indicator")
      ->check(CLI::IsMember(type_names));

  return [args, stats, check, list]() {
    if (stats->parsed()) return run_stats(*args);
    if (check->parsed()) return run_check(*args);
    if (list->parsed()) return run_list(*args);
    return static_cast<int>(kExitUsage);
  };
}

}  // namespace vigil::cli
