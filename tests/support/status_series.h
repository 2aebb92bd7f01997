// For the tests that hold `ackctl status --json` against GET /metrics: each
// read into series (`name{label="value",...}` -> value, labels sorted, `le`
// bounds normalised), the status under the names of the series the metrics
// serve its numbers as, so that the two compare as maps.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "tests/support/json_value.h"

namespace ackd::test {

using Series = std::map<std::string, double>;

// Every sample of a Prometheus text-format body.
Series exposition_series(const std::string& body);
// The numbers of ackd's status JSON, named as the metrics name them.
Series status_series(const JsonValue& status);
// One line per series whose values differ, or that only one side has.
std::vector<std::string> series_differences(const Series& metrics, const Series& status);

}  // namespace ackd::test
