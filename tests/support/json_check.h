// JSON for tests: a strict checker (RFC 8259: one value, UTF-8 text, no lone
// surrogate, nothing after it) and a decoder of one JSON string literal, so
// tests can tell that what ackd and ackctl print is JSON any parser reads.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace ackd::test {

bool is_valid_json(std::string_view text);

// The code points of the JSON string literal `literal` ("..." and nothing
// else), or nullopt if it is not one.
std::optional<std::u32string> decode_json_string(std::string_view literal);

}  // namespace ackd::test
