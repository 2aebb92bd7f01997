// Haproxy: a real HAProxy (Debian's haproxy 2.6) for the fleet tests. It
// writes its configuration into a temp dir of its own (a global section with
// an admin socket there and the log on stderr, TCP defaults, then the
// sections a test gives), checks it (haproxy -c), starts haproxy in the
// foreground on loopback, waits until the given ports listen, and stops
// exactly its own process, by pid. CI installs haproxy (scripts/install-deps);
// elsewhere the tests skip when it is missing.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace ackd::test {

class Haproxy {
 public:
  // The haproxy program, or "" if it is not installed.
  static std::string program();

  // `sections`: frontends, backends, listens ("listen fleet\n bind
  // 127.0.0.1:PORT\n server a 127.0.0.1:PORT send-proxy-v2\n"); `ports`:
  // the ports they bind, waited for. Throws std::runtime_error with
  // haproxy's words if the configuration is refused or it does not listen.
  Haproxy(const std::string& sections, std::vector<uint16_t> ports);
  ~Haproxy();
  Haproxy(const Haproxy&) = delete;
  Haproxy& operator=(const Haproxy&) = delete;

  pid_t pid() const { return process_->pid(); }
  const TempDir& dir() const { return *dir_; }
  // What haproxy wrote to stderr (its log, its warnings).
  std::string log() const;
  // A command on the admin socket ("show servers state", "disable server
  // b/s1"): its answer.
  std::string command(const std::string& line) const;
  // The operational state of server `server` of backend `backend` from
  // "show stat": "UP", "DOWN", "DRAIN", "MAINT", "no check"... ("" if absent).
  std::string server_status(const std::string& backend, const std::string& server) const;
  // Stops haproxy (SIGTERM, then SIGKILL after `timeout`) and reaps it.
  void stop(std::chrono::milliseconds timeout = std::chrono::seconds(5));

 private:
  std::unique_ptr<TempDir> dir_;
  std::unique_ptr<Subprocess> process_;
};

}  // namespace ackd::test
