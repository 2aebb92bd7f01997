// ClientError: a failure that ends an ackctl command, with the exit code it
// maps to. Thrown where the failure is understood, reported once in main().
#pragma once

#include <exception>
#include <stdexcept>
#include <string>

namespace ackd::client {

class ClientError : public std::runtime_error {
 public:
  ClientError(int exit_code, const std::string& what)
      : std::runtime_error(what), exit_code_(exit_code) {}
  int exit_code() const { return exit_code_; }

 private:
  int exit_code_;
};

// Prints "ackctl: <what>" on stderr and returns the exit code: the
// ClientError's own, else kExitFailure.
int report_error(const std::exception& error);

}  // namespace ackd::client
