#include "client/message_input.h"

#include <unistd.h>

#include <iostream>

#include "common/syscall.h"

namespace ackd::client {
namespace {

std::string read_all(int fd) {
  std::string text;
  char buffer[65536];
  while (true) {
    ssize_t n = retry_eintr([&] { return ::read(fd, buffer, sizeof(buffer)); });
    if (n < 0) throw_errno("read", "stdin");
    if (n == 0) return text;
    text.append(buffer, static_cast<size_t>(n));
  }
}

}  // namespace

std::vector<std::string> split_messages(std::string_view input) {
  std::vector<std::string> messages;
  size_t start = 0;
  while (start < input.size()) {
    size_t end = input.find('\n', start);
    if (end == std::string_view::npos) end = input.size();
    messages.emplace_back(input.substr(start, end - start));
    start = end + 1;
  }
  if (messages.empty()) messages.emplace_back();  // "" and "\n" are one empty message
  return messages;
}

std::string read_stdin_text() {
  if (!::isatty(STDIN_FILENO)) return read_all(STDIN_FILENO);
  std::cout << "Please enter the message: " << std::flush;
  std::string line;
  std::getline(std::cin, line);
  return line;
}

}  // namespace ackd::client
