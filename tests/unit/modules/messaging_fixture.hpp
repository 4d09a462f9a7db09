// Fixtures for the messaging module tests (SMS, SMSAttachments, Whatsapp, WhatsappContacts,
// InteractionC): a writable copy of MVT's test backup in which a test creates, replaces or
// removes the payload of a (domain, relative path) with a SQLite database built at run time.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "unit/modules/backup_fixture.hpp"

namespace vigil::test {
using modules::Json;
}  // namespace vigil::test

namespace vigil::test::messaging {

using test::copy_backup;
using test::exec_sql;
using test::make_db;
using test::payload;

inline std::string hex(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char c : bytes) {
    auto b = static_cast<unsigned char>(c);
    out += kHex[b >> 4];
    out += kHex[b & 0xF];
  }
  return out;
}

/// A SQL string literal.
inline std::string q(std::string_view text) {
  std::string out = "'";
  for (char c : text) {
    out += c;
    if (c == '\'') out += '\'';
  }
  return out + "'";
}

inline std::size_t count_events(const ModuleRun& run, std::string_view event) {
  std::size_t n = 0;
  for (const auto& e : run.events) n += e.event == event;
  return n;
}

inline bool has_event(const ModuleRun& run, std::string_view event, std::string_view data) {
  for (const auto& e : run.events)
    if (e.event == event && e.data == data) return true;
  return false;
}

inline bool has_data(const ModuleRun& run, std::string_view data) {
  for (const auto& e : run.events)
    if (e.data == data) return true;
  return false;
}

inline std::string iso(core::Micros t) { return core::format_iso(t); }

}  // namespace vigil::test::messaging
