#include "client/ack_output.h"

#include <iostream>
#include <string>

#include "client/client_error.h"
#include "client/exit_codes.h"
#include "client/flush_stdout.h"

namespace ackd::client {

bool is_error_ack(std::string_view ack) { return ack.starts_with("ERR "); }

void print_ack(std::string_view ack) {
  if (is_error_ack(ack)) throw ClientError(kExitProtocol, "server error: " + std::string(ack));
  std::cout << ack << '\n';
  flush_stdout();
}

}  // namespace ackd::client
