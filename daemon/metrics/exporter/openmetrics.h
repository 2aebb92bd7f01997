// OpenMetrics 1.0.0 text format (the OpenMetrics specification, "Text
// format"), written from prometheus-cpp's MetricFamily model, whose 1.0.1
// has only the Prometheus text serializer. What differs from that format:
// a counter's family is named without its "_total" (TYPE, UNIT and HELP
// lines), its sample with it; a family whose name ends in a base unit
// (_seconds, _bytes) has a UNIT line; HELP escapes double quotes too; `le`
// and `quantile` values are canonical numbers ("1.0", "0.005", "1e-05");
// untyped is "unknown"; the exposition ends with "# EOF".
#pragma once

#include <string>
#include <vector>

#include <prometheus/metric_family.h>

namespace ackd {

inline constexpr const char* kOpenMetricsFormat =
    "application/openmetrics-text; version=1.0.0; charset=utf-8";

std::string render_openmetrics(const std::vector<prometheus::MetricFamily>& families);

// OpenMetrics' canonical rendering of a number (its "Canonical Numbers":
// Go's %g, with ".0" added to a value that has neither point nor exponent):
// 0.0, 0.001, 1.0, 10.0, 1e-05, 2.5e-05, 1e+06, +Inf, -Inf, NaN.
std::string canonical_number(double value);

}  // namespace ackd
