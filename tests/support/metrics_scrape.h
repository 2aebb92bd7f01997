// For the tests of [metrics]: the table that turns it on, a scrape of
// what ackd-metrics serves, a value read from it, and promtool's verdict.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace ackd::test {

// "[metrics]\naddress = ..." on 127.0.0.1:port, then `extra` lines.
std::string metrics_section(uint16_t port, const std::string& extra = "");

// The body of GET /metrics, or nullopt while the exporter cannot answer.
std::optional<std::string> scrape(uint16_t port);

// The value of `series` in `body`; a test failure (and -1) if it is missing.
double value_in(const std::string& body, const std::string& series);

// Whether promtool is installed (Debian: prometheus).
bool promtool_found();
// Adds a test failure with promtool's complaints unless
// `promtool check metrics` accepts `body`.
void expect_promtool_accepts(const std::string& body);

}  // namespace ackd::test
