// Which exposition format a scrape gets, from its Accept header (RFC 9110
// content negotiation): OpenMetrics 1.0.0 when the client prefers it to the
// Prometheus text format (Prometheus 2.x asks for
// "application/openmetrics-text;version=1.0.0,...,text/plain;version=0.0.4;q=0.5,*/*;q=0.1"),
// the text format otherwise: without an Accept header, for "*/*", on a tie,
// and when nothing the client accepts is served (a curl, a browser).
#pragma once

#include <string_view>

namespace ackd {

enum class Exposition { kText, kOpenMetrics };

Exposition choose_exposition(std::string_view accept);

}  // namespace ackd
