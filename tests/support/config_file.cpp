#include "tests/support/config_file.h"

#include <cstdio>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace ackd::test {

std::string rewrite_config(const Daemon& daemon, const std::string& config) {
  std::string line = "control_socket = \"" + daemon.control_socket() + "\"\n";
  std::string text = config;
  if (text.find("control_socket") == std::string::npos) {
    size_t at = text.find("[daemon]\n");
    text = at == std::string::npos ? "[daemon]\n" + line + text
                                   : text.substr(0, at + 9) + line + text.substr(at + 9);
  }
  std::string temporary = daemon.config_path() + ".new";
  {
    std::ofstream out(temporary);
    out << text;
    if (!out.flush()) throw std::runtime_error("cannot write " + temporary);
  }
  if (std::rename(temporary.c_str(), daemon.config_path().c_str()) != 0) {
    throw std::runtime_error("cannot rename " + temporary);
  }
  return text;
}

std::string tcp_listener(const std::string& name, uint16_t port, const std::string& extra) {
  return "[[listener]]\nname = \"" + name +
         "\"\nprotocol = \"tcp\"\naddress = \"127.0.0.1:" + std::to_string(port) + "\"\n" + extra;
}

std::string udp_listener(const std::string& name, uint16_t port) {
  return "[[listener]]\nname = \"" + name +
         "\"\nprotocol = \"udp\"\naddress = \"127.0.0.1:" + std::to_string(port) + "\"\n";
}

std::string unix_listener(const std::string& name, const std::string& path,
                          const std::string& extra) {
  return "[[listener]]\nname = \"" + name + "\"\nprotocol = \"unix\"\npath = \"" + path + "\"\n" +
         extra;
}

std::vector<std::string> lines_with(const std::string& text, const std::string& needle) {
  std::vector<std::string> found;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    if (line.find(needle) != std::string::npos) found.push_back(line);
  }
  return found;
}

}  // namespace ackd::test
