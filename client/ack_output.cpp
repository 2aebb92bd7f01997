#include "client/ack_output.h"

#include <iostream>
#include <string>

#include "client/client_error.h"
#include "client/exit_codes.h"
#include "client/flush_stdout.h"

namespace ackd::client {

bool is_error_reply(std::string_view reply, std::string_view sent) {
  if (!reply.starts_with("ERR ")) return false;
  // On a stream the server drops a CR before the LF: "ERR x\r" echoes as "ERR x".
  std::string_view line = sent.ends_with('\r') ? sent.substr(0, sent.size() - 1) : sent;
  return reply != sent && reply != line;
}

void print_reply(std::string_view reply, std::string_view sent) {
  if (is_error_reply(reply, sent)) {
    throw ClientError(kExitProtocol, "server error: " + std::string(reply));
  }
  std::cout << reply << '\n';
  flush_stdout();
}

}  // namespace ackd::client
