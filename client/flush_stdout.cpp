#include "client/flush_stdout.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <string>

#include "client/client_error.h"
#include "client/exit_codes.h"

namespace ackd::client {

void flush_stdout() {
  errno = 0;
  std::cout.flush();
  // std::cout writes through stdio: a failed write earlier leaves its bytes
  // in stdout's buffer, so fflush tries again and tells why it fails.
  if (std::fflush(stdout) == 0 && !std::ferror(stdout) && std::cout.good()) return;
  int err = errno;
  throw ClientError(kExitFailure,
                    err == 0 ? "write error" : std::string("write error: ") + std::strerror(err));
}

}  // namespace ackd::client
