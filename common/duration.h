// Durations as users write them in the config and on command lines:
// "250ms", "10s", "1.5s", "2m", "1h", or a sum such as "1m30s".
#pragma once

#include <chrono>
#include <string>
#include <string_view>

namespace ackd {

using Duration = std::chrono::milliseconds;

// Throws std::invalid_argument with a sentence saying what is wrong.
Duration parse_duration(std::string_view text);

// The shortest exact spelling, e.g. "10s", "250ms", "1m30s".
std::string format_duration(Duration duration);

}  // namespace ackd
