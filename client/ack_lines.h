// AckLines: cuts the byte stream a stream server sends back into ack lines.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace ackd::client {

class AckLines {
 public:
  void append(std::string_view bytes) { buffer_.append(bytes); }

  // The next complete line, without its LF and without a CR before the LF.
  std::optional<std::string> next();

  // What follows the last LF: after EOF, an ack the server ended by closing
  // (the tutorial's server sends "I got your message" with no LF).
  std::string_view rest() const { return std::string_view(buffer_).substr(start_); }

 private:
  std::string buffer_;
  size_t start_ = 0;  // lines before this offset were returned already
};

}  // namespace ackd::client
