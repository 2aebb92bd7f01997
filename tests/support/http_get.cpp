#include "tests/support/http_get.h"

#include <sstream>
#include <stdexcept>

#include "tests/support/net.h"

namespace ackd::test {

HttpReply http_get(uint16_t port, const std::string& target, std::chrono::milliseconds timeout,
                   const std::string& headers) {
  UniqueFd fd = connect_tcp(port);
  send_all(fd.get(), "GET " + target + " HTTP/1.0\r\nHost: 127.0.0.1\r\n" + headers + "\r\n");
  std::string text = read_until_eof(fd.get(), timeout);
  size_t end_of_headers = text.find("\r\n\r\n");
  if (text.rfind("HTTP/1.", 0) != 0 || end_of_headers == std::string::npos) {
    throw std::runtime_error("not an HTTP reply: \"" + text.substr(0, 200) + "\"");
  }
  HttpReply reply;
  reply.status = std::stoi(text.substr(9, 3));
  reply.headers = text.substr(0, end_of_headers);
  reply.body = text.substr(end_of_headers + 4);
  return reply;
}

std::optional<double> metric_value(const std::string& body, const std::string& series) {
  std::istringstream lines(body);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.rfind(series + " ", 0) == 0) return std::stod(line.substr(series.size() + 1));
  }
  return std::nullopt;
}

}  // namespace ackd::test
