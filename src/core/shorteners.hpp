// Well-known URL-shortener hosts: a link through one of them hides its target, which vigil can
// only learn online (--resolve-shorteners), so checks report such links as "shortened".
#pragma once

#include <span>
#include <string_view>

#include "core/url.hpp"

namespace vigil::core {

/// True when the URL's host is exactly one of the built-in shortener domains (no subdomains),
/// except Google Maps links on goo.gl ("goo.gl/maps/…"), whose target is always Google Maps.
bool is_url_shortener(const Url& url);

/// True when a canonical host is on the built-in list (whatever the path).
bool is_url_shortener_host(std::string_view host) noexcept;

/// The built-in list, sorted and unique (for tests and documentation).
std::span<const std::string_view> url_shortener_hosts() noexcept;

}  // namespace vigil::core
