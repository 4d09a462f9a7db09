// `vigil download-iocs`: refresh the per-user indicators folder from the mvt-indicators index.
#include <fmt/core.h>

#include "cli/commands.hpp"
#include "cli/exit_codes.hpp"
#include "indicators/sources.hpp"
#include "indicators/stix2_loader.hpp"
#include "net/ioc_update.hpp"

namespace vigil::cli {

namespace {

struct DownloadArgs {
  std::string index = net::kDefaultIndexUrl;
  std::string raw_base = net::kDefaultRawBase;
  std::string destination;
};

int run_download(const DownloadArgs& args) {
  net::DownloadOptions options;
  options.index_url = args.index;
  options.raw_base = args.raw_base;
  options.destination = args.destination.empty() ? indicators::user_indicators_dir()
                                                 : std::filesystem::path(args.destination);
  options.validate = [](const std::string& bytes) { return indicators::validate_stix2(bytes); };
  fmt::print("Downloading indicators listed in {}\ninto {}\n", options.index_url,
             options.destination.string());
  net::DownloadResult result = net::download_iocs(options);
  for (const auto& error : result.errors) fmt::print(stderr, "vigil: error: {}\n", error);
  std::size_t updated = 0, unchanged = 0, failed = 0;
  for (const auto& file : result.files) {
    if (!file.error.empty()) {
      ++failed;
      fmt::print(stderr, "vigil: error: {} ({}): {}; the previous copy is kept\n", file.name,
                 file.url, file.error);
    } else if (file.updated) {
      ++updated;
      fmt::print("updated   {}\n", file.path.filename().string());
    } else {
      ++unchanged;
      fmt::print("unchanged {}\n", file.path.filename().string());
    }
  }
  fmt::print("{} updated, {} unchanged, {} failed\n", updated, unchanged, failed);
  return result.ok() ? kExitOk : kExitNetwork;
}

}  // namespace

Runner add_download_iocs_command(CLI::App& app) {
  auto args = std::make_shared<DownloadArgs>();
  CLI::App* command =
      app.add_subcommand("download-iocs",
                         "Download the STIX2 files of the mvt-indicators index into the per-user "
                         "indicators folder (the only command that goes online)");
  command->add_option("--index", args->index, "URL of an indicators.yaml index")
      ->capture_default_str();
  command
      ->add_option(
          "--raw-base", args->raw_base,
          "base URL for the index's GitHub entries (a mirror of raw.githubusercontent.com)")
      ->capture_default_str();
  command->add_option("--dest", args->destination,
                      "folder to write to (default: the per-user indicators folder)");
  return [args]() { return run_download(*args); };
}

}  // namespace vigil::cli
