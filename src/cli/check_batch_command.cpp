// `vigil check-batch CASES -o OUT`: every acquisition found under CASES (recognised by its
// content: today iOS backups, plain or encrypted) checked in parallel by a bounded number of
// workers, each into OUT/cases/<case>, then OUT/summary.csv and OUT/summary.html. A case that
// fails is reported and the others go on.
#include <fmt/core.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <optional>
#include <thread>

#include "cli/check_backup.hpp"
#include "cli/commands.hpp"
#include "cli/exit_codes.hpp"
#include "core/text.hpp"
#include "report/writers.hpp"

namespace vigil::cli {

namespace {

namespace fs = std::filesystem;
using modules::Json;

struct BatchArgs {
  CheckBackupArgs check;  // the options every case is checked with
  std::string cases;
  std::string output;
  std::string passwords;
  unsigned workers = 0;
};

struct Case {
  fs::path path;
  std::string id;                    // relative path under CASES, the output folder's name
  std::optional<fs::path> password;  // a password file given for it
  std::string status;
  bool checked = false;  // the check ran to the end (perhaps with warnings)
  std::vector<std::string> messages;
};

bool starts_with_bytes(const fs::path& file, std::string_view magic) {
  std::ifstream in(file, std::ios::binary);
  std::string head(magic.size(), '\0');
  return in.read(head.data(), static_cast<std::streamsize>(head.size())) && head == magic;
}

// An iTunes/Finder backup holds Manifest.plist (binary or XML plist) or Manifest.db (SQLite).
bool is_ios_backup(const fs::path& dir) {
  return starts_with_bytes(dir / "Manifest.plist", "bplist00") ||
         starts_with_bytes(dir / "Manifest.plist", "<?xml") ||
         starts_with_bytes(dir / "Manifest.db", std::string_view("SQLite format 3\0", 16));
}

// Acquisitions under `root`, sorted; the inside of an acquisition is not searched further.
std::vector<Case> find_cases(const fs::path& root) {
  std::vector<Case> cases;
  std::error_code ec;
  if (is_ios_backup(root)) return {{root, root.filename().string(), {}, {}, false, {}}};
  for (auto it = fs::recursive_directory_iterator(root, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (!it->is_directory(ec) || it->is_symlink(ec)) continue;
    if (!is_ios_backup(it->path())) continue;
    it.disable_recursion_pending();
    std::string id = it->path().lexically_relative(root).generic_string();
    std::replace(id.begin(), id.end(), '/', '_');
    cases.push_back({it->path(), id, {}, {}, false, {}});
  }
  std::sort(cases.begin(), cases.end(), [](const Case& a, const Case& b) { return a.id < b.id; });
  return cases;
}

// --passwords FILE: lines "CASE<TAB>PASSWORD_FILE", CASE relative to CASES (as listed in the
// summary) and PASSWORD_FILE relative to FILE's folder; '#' starts a comment. Without an entry,
// a file "<case folder>.password" beside the case is used.
bool assign_passwords(std::vector<Case>& cases, const std::string& list, std::string& error) {
  std::map<std::string, fs::path> given;
  if (!list.empty()) {
    std::ifstream in(list);
    if (!in) {
      error = "cannot read the password list " + list;
      return false;
    }
    for (std::string line; std::getline(in, line);) {
      if (line.empty() || line.front() == '#') continue;
      auto tab = line.find('\t');
      if (tab == std::string::npos) {
        error = list + ": expected CASE<TAB>PASSWORD_FILE in: " + line;
        return false;
      }
      std::string id = line.substr(0, tab);
      std::replace(id.begin(), id.end(), '/', '_');
      given[id] = fs::path(list).parent_path() / line.substr(tab + 1);
    }
  }
  for (auto& c : cases) {
    if (auto it = given.find(c.id); it != given.end())
      c.password = it->second;
    else if (fs::path beside = c.path.string() + ".password"; fs::is_regular_file(beside))
      c.password = beside;
  }
  return true;
}

std::optional<Json> read_json(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  auto j = Json::parse(in, nullptr, false);
  if (j.is_discarded()) return std::nullopt;
  return j;
}

// "ok", or the number of warnings of a checked case and the first one (what could not be read).
std::string checked_status(const fs::path& dir) {
  auto info = read_json(dir / "info.json").value_or(Json::object());
  std::size_t count = 0;
  std::string first;
  for (const auto& m : modules::field(info, "modules"))
    for (const auto& w : modules::field(m, "warnings")) {
      if (count++ == 0)
        first = m.value("module", "") + ": " + (w.is_string() ? w.get<std::string>() : w.dump());
    }
  if (count == 0) return "ok";
  return fmt::format("checked with {} warning{}: {}", count, count == 1 ? "" : "s", first);
}

std::string case_status(int code, const Case& c, const fs::path& dir) {
  switch (code) {
    case kExitOk:
    case kExitFound:
      return checked_status(dir);
    case kExitEncrypted:
      return "encrypted: needs password";
    case kExitWrongKey:
      return c.password ? "encrypted: wrong password in " + c.password->string()
                        : "encrypted: wrong password ($VIGIL_BACKUP_PASSWORD)";
    case kExitIocError:
      return "indicators could not be loaded";
    default:
      return c.messages.empty() ? "failed" : "failed: " + c.messages.back();
  }
}

std::string html(std::string_view text) {
  std::string out;
  for (char ch : text) {
    switch (ch) {
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '&':
        out += "&amp;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += ch;
    }
  }
  return out;
}

constexpr std::array<const char*, 5> kLevels = {"CRITICAL", "HIGH", "MEDIUM", "LOW",
                                                "INFORMATIONAL"};

// One summary row: case, type, device, iOS, date, alerts by level, warnings, status, report.
std::vector<std::string> summary_row(const Case& c, const fs::path& dir) {
  auto device = read_json(dir / "backup_info.json").value_or(Json::object());
  auto info = read_json(dir / "info.json").value_or(Json::object());
  auto alerts = read_json(dir / "alerts.json").value_or(Json::array());
  auto text = [&](const char* key) {
    const Json& v = modules::field(device, key);
    return v.is_string() ? v.get<std::string>() : std::string();
  };
  std::string name = text("Device Name"), product = text("Product Type");
  std::vector<std::string> row = {c.id, "ios-backup",
                                  name + (product.empty() ? "" : " (" + product + ")"),
                                  text("Product Version"), text("Last Backup Date")};
  for (const char* level : kLevels)
    row.push_back(std::to_string(std::count_if(alerts.begin(), alerts.end(), [&](const Json& a) {
      return a.is_object() && a.value("level", "") == level;
    })));
  const Json& warnings = modules::field(info, "warnings");
  row.push_back(warnings.is_number() ? warnings.dump() : "");
  row.push_back(c.status);
  row.push_back(fs::exists(dir / "report.html") ? "cases/" + c.id + "/report.html" : "");
  return row;
}

bool write_summaries(const fs::path& out, const std::vector<Case>& cases) {
  const std::vector<std::string> header = {
      "case",   "type", "device",        "ios_version", "date",   "critical", "high",
      "medium", "low",  "informational", "warnings",    "status", "report"};
  std::string csv, rows;
  auto csv_line = [&](const std::vector<std::string>& fields) {
    for (std::size_t i = 0; i < fields.size(); ++i) {
      if (i) csv += ',';
      report::append_csv_field(csv, fields[i]);
    }
    csv += "\r\n";
  };
  csv_line(header);
  for (const auto& c : cases) {
    auto row = summary_row(c, out / "cases" / c.id);
    csv_line(row);
    rows += "<tr class=\"" + std::string(c.status == "ok" ? "ok" : "bad") + "\">";
    for (std::size_t i = 0; i + 1 < row.size(); ++i) rows += "<td>" + html(row[i]) + "</td>";
    rows += row.back().empty() ? "<td></td>"
                               : "<td><a href=\"" + html(row.back()) + "\">report</a></td>";
    rows += "</tr>\n";
  }
  std::string head;
  for (const auto& h : header) head += "<th>" + html(h) + "</th>";
  std::string page =
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src "
      "'unsafe-inline'; base-uri 'none'; form-action 'none'\">\n"
      "<title>vigil batch summary</title><style>body{font:14px system-ui,sans-serif;margin:24px}"
      "table{border-collapse:collapse}td,th{border-bottom:1px solid #d0d7de;padding:4px 8px;"
      "text-align:left}tr.bad td{background:#fff1e5}</style></head><body>\n"
      "<h1>vigil batch summary</h1><p>" +
      std::to_string(cases.size()) +
      " cases. Alerts are counted by level; open each case's report for what they mean.</p>\n"
      "<table><tr>" +
      head + "</tr>\n" + rows + "</table></body></html>\n";
  return report::write_text(out / "summary.csv", csv) &&
         report::write_text(out / "summary.html", page);
}

int run_batch(BatchArgs& args) {
  const fs::path root = args.cases, out = args.output;
  if (!fs::is_directory(root)) {
    fmt::print(stderr, "vigil: error: {} is not a folder\n", root.string());
    return kExitBadInput;
  }
  auto rel = fs::weakly_canonical(fs::absolute(out)).lexically_relative(fs::weakly_canonical(root));
  if (!rel.empty() && *rel.begin() != "..") {
    fmt::print(stderr, "vigil: error: the output folder must not be inside {}\n", root.string());
    return kExitUsage;
  }
  auto cases = find_cases(root);
  if (cases.empty()) {
    fmt::print(stderr, "vigil: error: no acquisition found under {}\n", root.string());
    return kExitBadInput;
  }
  std::string error;
  if (!assign_passwords(cases, args.passwords, error)) {
    fmt::print(stderr, "vigil: error: {}\n", error);
    return kExitUsage;
  }
  std::error_code ec;
  fs::create_directories(out / "cases", ec);
  if (ec) {
    fmt::print(stderr, "vigil: error: cannot create {}: {}\n", out.string(), ec.message());
    return kExitBadInput;
  }

  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  const unsigned workers = std::clamp(args.workers ? args.workers : std::min(cores, 4u), 1u,
                                      static_cast<unsigned>(cases.size()));
  std::atomic<std::size_t> next = 0;
  std::mutex print;
  auto work = [&]() {
    for (std::size_t i = next++; i < cases.size(); i = next++) {
      Case& c = cases[i];
      CheckBackupArgs check = args.check;
      check.backup = c.path.string();
      check.output = (out / "cases" / c.id).string();
      check.jobs = args.check.jobs ? args.check.jobs : std::max(1u, cores / workers);
      check.messages = &c.messages;
      check.keys.interactive = false;
      if (c.password) check.keys.password_file = c.password->string();
      int code = kExitInternal;
      try {
        code = run_check_backup(check);
      } catch (const std::exception& e) {
        c.messages.push_back(std::string("internal error: ") + e.what());
      }
      c.checked = code == kExitOk || code == kExitFound;
      c.status = case_status(code, c, check.output);
      std::lock_guard lock(print);
      fmt::print("[{}/{}] {}: {}\n", i + 1, cases.size(), c.id, core::printable(c.status));
    }
  };
  std::vector<std::thread> pool;
  for (unsigned w = 0; w < workers; ++w) pool.emplace_back(work);
  for (auto& t : pool) t.join();

  if (!write_summaries(out, cases)) {
    fmt::print(stderr, "vigil: error: cannot write the summary into {}\n", out.string());
    return kExitBadInput;
  }
  auto failed = static_cast<std::size_t>(
      std::count_if(cases.begin(), cases.end(), [](const Case& c) { return !c.checked; }));
  fmt::print("\n{} cases, {} checked, {} not; summary in {}\n", cases.size(), cases.size() - failed,
             failed, (out / "summary.html").string());
  return failed == 0 ? kExitOk : kExitBadInput;
}

}  // namespace

Runner add_check_batch_command(CLI::App& app) {
  auto args = std::make_shared<BatchArgs>();
  CLI::App* command = app.add_subcommand(
      "check-batch", "Check every acquisition under a folder, in parallel, with a summary");
  command->add_option("cases", args->cases, "folder holding the acquisitions (any depth)")
      ->required();
  command->add_option("-o,--output", args->output, "folder for the results and summary")
      ->required();
  args->check.iocs.add_to(*command);
  command->add_option("-w,--workers", args->workers, "cases checked at once (default: up to 4)");
  command->add_option("--passwords", args->passwords,
                      "file of CASE<TAB>PASSWORD_FILE lines for encrypted backups");
  command->add_flag("--hashes", args->check.hashes,
                    "record the SHA-256 of every evidence file in each case's info.json");
  return [args]() { return run_batch(*args); };
}

}  // namespace vigil::cli
