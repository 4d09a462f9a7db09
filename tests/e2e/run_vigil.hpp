// Runs the vigil executable as a script would, with an isolated home folder.
#pragma once

#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

namespace vigil::test {

struct CliRun {
  int status = -1;
  std::string out;
};

// Runs vigil with an isolated HOME/XDG folder and no STIX2 variables; stderr is discarded unless
// `with_stderr`.
inline CliRun run_vigil(const std::string& args, const std::filesystem::path& home,
                        bool with_stderr = false) {
  std::string command =
      "env -u VIGIL_STIX2 -u MVT_STIX2 -u http_proxy -u https_proxy -u all_proxy -u HTTPS_PROXY "
      "-u ALL_PROXY HOME='" +
      home.string() + "' XDG_DATA_HOME='" + (home / "xdg").string() + "' '" VIGIL_BINARY "' " +
      args + (with_stderr ? " 2>&1" : " 2>/dev/null");
  CliRun run;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return run;
  std::array<char, 4096> buf{};
  std::size_t got = 0;
  while ((got = fread(buf.data(), 1, buf.size(), pipe)) > 0) run.out.append(buf.data(), got);
  int raw = pclose(pipe);
  run.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  return run;
}

inline std::vector<nlohmann::json> json_lines(const std::string& text) {
  std::vector<nlohmann::json> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) out.push_back(nlohmann::json::parse(line));
  return out;
}

}  // namespace vigil::test
