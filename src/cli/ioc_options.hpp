// The indicator-source options every command that matches shares (--iocs, --no-bundled-iocs…).
#pragma once

#include <CLI/CLI.hpp>

#include "indicators/sources.hpp"

namespace vigil::cli {

struct IocFlags {
  indicators::IocOptions options;
  bool no_bundled = false;
  bool no_user = false;
  bool no_env = false;

  void add_to(CLI::App& command) {
    command
        .add_option("--iocs", options.paths,
                    "STIX2 file or folder (recursive: every .stix2/.json) to load; repeatable")
        ->allow_extra_args(false)
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
    command.add_flag("--no-bundled-iocs", no_bundled,
                     "do not load the IOC snapshot bundled in vigil");
    command.add_flag("--no-user-iocs", no_user,
                     "do not load the per-user folder that download-iocs fills");
    command.add_flag("--no-env-iocs", no_env, "ignore $VIGIL_STIX2 and $MVT_STIX2");
  }

  [[nodiscard]] indicators::IocOptions resolved() const {
    indicators::IocOptions out = options;
    out.bundled = !no_bundled;
    out.user_folder = !no_user;
    out.environment = !no_env;
    return out;
  }
};

}  // namespace vigil::cli
