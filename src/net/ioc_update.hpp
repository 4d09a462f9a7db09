// `vigil download-iocs`: fetches the mvt-indicators `indicators.yaml` index and every STIX2 file it
// lists into the per-user indicators folder. Each file is validated as STIX2 and replaced
// atomically (temporary file + rename in the same folder): a failed download keeps the old file.
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "net/http.hpp"

namespace vigil::net {

inline constexpr const char* kDefaultIndexUrl =
    "https://raw.githubusercontent.com/mvt-project/mvt-indicators/main/indicators.yaml";
inline constexpr const char* kDefaultRawBase = "https://raw.githubusercontent.com";

/// One entry of indicators.yaml.
struct IndexEntry {
  std::string name;
  std::string url;        ///< where the STIX2 file is downloaded from
  std::string file_name;  ///< deterministic local name, e.g.
                          ///< "mvt-project_mvt-indicators_candiru_candiru.stix2"
};

/// Parses the index format (top-level `indicators:` list; `type: github` entries with
/// `github: {owner, repo, branch (default main), path}` resolved against `raw_base`; other entries
/// with `download_url`). Problems with single entries go to `errors`; a malformed document returns
/// nullopt with the reason in `errors`.
std::optional<std::vector<IndexEntry>> parse_index(const std::string& yaml_text,
                                                   const std::string& raw_base,
                                                   std::vector<std::string>& errors);

/// Local file name for a github entry: "<owner>_<repo>_<path with '/' as '_'>", only
/// [A-Za-z0-9._-] kept. Shared with the bundled snapshot so a downloaded copy supersedes it.
std::string local_name_for_github(const std::string& owner, const std::string& repo,
                                  const std::string& path);

struct DownloadOptions {
  std::string index_url = kDefaultIndexUrl;
  std::string raw_base = kDefaultRawBase;  ///< --raw-base: a mirror of raw.githubusercontent.com
  std::filesystem::path destination;       ///< the per-user indicators folder
  /// Returns an error message when the bytes are not a loadable STIX2 bundle.
  std::function<std::optional<std::string>(const std::string& bytes)> validate;
  /// Per request (the index and each file). Generous: some files are several megabytes.
  HttpOptions http{std::chrono::seconds{120}};
};

struct DownloadResult {
  struct File {
    std::string name;
    std::string url;
    std::filesystem::path path;
    bool updated = false;  ///< written (new or changed)
    std::string error;     ///< why it was not
  };
  std::vector<File> files;
  std::vector<std::string> errors;  ///< index-level problems
  [[nodiscard]] bool ok() const;
};

DownloadResult download_iocs(const DownloadOptions& options);

}  // namespace vigil::net
