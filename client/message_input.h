// The messages ackctl sends: the MESSAGE argument or stdin, split on LF.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace ackd::client {

// Splits on LF: "a\nb\n" and "a\nb" are {"a", "b"}; a CR before an LF stays
// (the bytes are sent as given); an empty input is one empty message.
std::vector<std::string> split_messages(std::string_view input);

// The text to send from stdin: on a terminal, the tutorial's prompt
// "Please enter the message: " on stdout and one line; otherwise all of
// stdin. Throws std::system_error if stdin cannot be read.
std::string read_stdin_text();

}  // namespace ackd::client
