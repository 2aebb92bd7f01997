#include "client/client_error.h"

#include <iostream>

#include "client/exit_codes.h"

namespace ackd::client {

int report_error(const std::exception& error) {
  std::cout.flush();  // acks already printed come before the error on a shared terminal
  std::cerr << "ackctl: " << error.what() << std::endl;
  const auto* client_error = dynamic_cast<const ClientError*>(&error);
  return client_error != nullptr ? client_error->exit_code() : kExitFailure;
}

}  // namespace ackd::client
