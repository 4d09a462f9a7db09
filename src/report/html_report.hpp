// report.html: one self-contained page (style, script and data inlined, no network access) built
// from the output files of a check already in its folder, so that check-backup, check-iocs and
// check-batch share it. The data is one JSON block made safe for HTML; the page renders it with
// a virtualised table, so that a timeline of millions of events stays usable.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

namespace vigil::report {

struct HtmlReportStats {
  std::uintmax_t bytes = 0;
  std::size_t events = 0;
};

/// Writes `<dir>/report.html` from info.json, backup_info.json, alerts.json, timeline.jsonl and
/// the `<module>.json` files in `dir` (only info.json is required). Returns false, with `error`
/// set, when info.json is unreadable or the page cannot be written.
bool write_html_report(const std::filesystem::path& dir, std::string& error,
                       HtmlReportStats* stats = nullptr);

/// Appends JSON text with `<`, `>`, `&`, U+2028 and U+2029 escaped as \uXXXX: still the same
/// JSON, but no evidence text can close the <script> element that holds it.
void append_html_safe_json(std::string& out, std::string_view json);

/// The newest "created"/"modified" date ("YYYY-MM-DD") in a STIX2 file, or "" when it has none.
std::string stix2_feed_date(std::string_view bytes);

}  // namespace vigil::report
