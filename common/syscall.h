// Helpers for system calls: retry on EINTR in one place, and turn a failure
// into a std::system_error that names the call and the object.
#pragma once

#include <cerrno>
#include <string>
#include <system_error>

namespace ackd {

// Calls f() until it does not fail with EINTR; returns its last result.
template <typename F>
auto retry_eintr(F&& f) -> decltype(f()) {
  decltype(f()) result;
  do {
    result = f();
  } while (result == -1 && errno == EINTR);
  return result;
}

// Throws std::system_error for errno, as "call(object): strerror".
[[noreturn]] inline void throw_errno(const std::string& call, const std::string& object,
                                     int err = errno) {
  std::string what = object.empty() ? call : call + "(" + object + ")";
  throw std::system_error(err, std::generic_category(), what);
}

}  // namespace ackd
