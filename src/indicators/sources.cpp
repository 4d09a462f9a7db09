#include "indicators/sources.hpp"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <map>
#include <optional>
#include <set>

#include "core/file.hpp"
#include "core/hash.hpp"
#include "core/text.hpp"
#include "indicators/bundled.hpp"
#include "indicators/stix2_loader.hpp"

namespace vigil::indicators {

namespace fs = std::filesystem;

namespace {

constexpr std::uintmax_t kMaxIocFileBytes = 512u << 20;

bool has_ioc_extension(const fs::path& path) {
  std::string ext = core::to_lower_ascii(path.extension().string());
  return ext == ".stix2" || ext == ".json";
}

std::optional<std::string> read_whole(const fs::path& path, std::string& error) {
  std::error_code ec;
  auto size = fs::file_size(path, ec);
  if (ec) {
    error = ec.message();
    return std::nullopt;
  }
  if (size > kMaxIocFileBytes) {
    error = "larger than 512 MiB";
    return std::nullopt;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = "cannot be opened";
    return std::nullopt;
  }
  std::string bytes(size, '\0');
  in.read(bytes.data(), static_cast<std::streamsize>(size));
  bytes.resize(static_cast<std::size_t>(in.gcount()));
  if (in.bad()) {
    error = "read error";
    return std::nullopt;
  }
  return bytes;
}

class Loader {
 public:
  Loader(IndicatorSet& set, LoadReport& report) : set_(set), report_(report) {}

  // `explicit_file`: the analyst named this file, so "not a STIX2 bundle" is an error; inside a
  // folder such files (other JSON documents) are passed over with a note.
  // `digest`: the bytes' SHA-256 when already known (the bundled files'), else computed here.
  void load_bytes(const std::string& display, std::string_view origin, std::string_view bytes,
                  bool explicit_file, std::string digest = {}) {
    if (digest.empty()) digest = core::sha256_hex(bytes);
    if (auto it = seen_.find(digest); it != seen_.end()) {
      report_.notes.push_back(display + ": same content as " + it->second + "; loaded once");
      return;
    }
    seen_.emplace(digest, display);
    SourceFile file;
    file.path = display;
    file.origin = std::string(origin);
    file.sha256 = std::move(digest);
    std::uint32_t index = set_.add_source(std::move(file));
    if (auto error = load_stix2(bytes, index, set_)) {
      if (!explicit_file && error->starts_with("not a STIX 2 bundle")) {
        report_.notes.push_back(display + ": " + *error + "; skipped");
      } else {
        report_.errors.push_back(display + ": " + *error);
      }
      set_.source(index).error = std::move(*error);
    }
  }

  void load_path(const fs::path& path, std::string_view origin) {
    std::error_code ec;
    if (fs::is_directory(path, ec)) {
      std::vector<fs::path> files;
      fs::recursive_directory_iterator it(path, fs::directory_options::skip_permission_denied, ec);
      for (; !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
        if (it->is_regular_file(ec) && has_ioc_extension(it->path())) files.push_back(it->path());
      }
      if (ec) report_.errors.push_back(path.string() + ": " + ec.message());
      std::sort(files.begin(), files.end());
      for (const auto& file : files) load_file(file, origin, false);
      return;
    }
    if (!fs::exists(path, ec)) {
      report_.errors.push_back(path.string() + ": no such file or folder");
      return;
    }
    load_file(path, origin, true);
  }

  void load_file(const fs::path& path, std::string_view origin, bool explicit_file) {
    std::string error;
    auto bytes = read_whole(path, error);
    if (!bytes) {
      report_.errors.push_back(path.string() + ": " + error);
      return;
    }
    load_bytes(path.string(), origin, *bytes, explicit_file);
  }

 private:
  IndicatorSet& set_;
  LoadReport& report_;
  std::map<std::string, std::string> seen_;  // sha256 -> first path with that content
};

std::vector<std::string> env_paths(const char* name) {
  std::vector<std::string> out;
  const char* value = std::getenv(name);
  if (value == nullptr) return out;
  for (std::string_view part : core::split(value, ':'))
    if (!core::trim(part).empty()) out.emplace_back(core::trim(part));
  return out;
}

}  // namespace

fs::path user_indicators_dir() {
  const char* xdg = std::getenv("XDG_DATA_HOME");
  if (xdg != nullptr && *xdg == '/') return fs::path(xdg) / "vigil" / "indicators";
  const char* home = std::getenv("HOME");
  return fs::path(home != nullptr && *home != '\0' ? home : ".") / ".local" / "share" / "vigil" /
         "indicators";
}

IndicatorSet load_indicators(const IocOptions& options, LoadReport& report) {
  IndicatorSet set;
  Loader loader(set, report);
  for (const auto& path : options.paths) loader.load_path(path, "cli");
  if (options.environment) {
    for (const char* variable : {"VIGIL_STIX2", "MVT_STIX2"})
      for (const auto& path : env_paths(variable)) loader.load_path(path, "env");
  }
  std::set<std::string> downloaded;
  if (options.user_folder) {
    fs::path folder = user_indicators_dir();
    std::error_code ec;
    if (fs::is_directory(folder, ec)) {
      std::vector<fs::path> files;
      for (const auto& entry : fs::directory_iterator(folder, ec))
        if (entry.is_regular_file(ec) && has_ioc_extension(entry.path()) &&
            !entry.path().filename().string().starts_with("."))
          files.push_back(entry.path());
      std::sort(files.begin(), files.end());
      for (const auto& file : files) {
        downloaded.insert(file.filename().string());
        loader.load_file(file, "user", false);
      }
    }
  }
  if (options.bundled) {
    for (const BundledFile& file : bundled_files()) {
      std::string display = "bundled:" + std::string(file.path);
      if (downloaded.count(std::string(file.downloaded_as)) != 0) {
        report.notes.push_back(display + ": superseded by the downloaded " +
                               std::string(file.downloaded_as));
        continue;
      }
      loader.load_bytes(display, "bundled", file.data, true, std::string(file.sha256));
      // Read once (10 MB): not kept in memory for the rest of the check.
      core::release_file_pages(file.data);
    }
  }
  set.finalize();
  return set;
}

}  // namespace vigil::indicators
