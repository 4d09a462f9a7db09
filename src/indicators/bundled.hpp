// The offline IOC snapshot linked into the vigil binary (data/iocs, listed in bundled.tsv): the
// freely licensed STIX2 feeds, so that a check works on a machine that never went online.
#pragma once

#include <span>
#include <string_view>

namespace vigil::indicators {

struct BundledFile {
  std::string_view path;   ///< relative to data/iocs, e.g. "mvt-indicators/candiru/candiru.stix2"
  std::string_view owner;  ///< upstream GitHub owner
  std::string_view repo;   ///< upstream repository
  std::string_view repo_path;        ///< path in the upstream repository
  std::string_view snapshot_commit;  ///< repository commit the copy was taken from
  std::string_view last_commit;      ///< last upstream commit that touched the file
  std::string_view licence;          ///< SPDX-like licence id
  std::string_view downloaded_as;    ///< the name `download-iocs` gives the same feed
  std::string_view sha256;           ///< of `data`, computed when vigil was built
  std::string_view data;             ///< the file's bytes
};

std::span<const BundledFile> bundled_files();

}  // namespace vigil::indicators
