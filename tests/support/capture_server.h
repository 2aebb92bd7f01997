// CaptureServer: a tiny TCP server on a loopback port of its own, on its own
// thread, for testing clients: it records the bytes of each connection and
// answers each message (bytes ending with `end`) with one ack line, closing
// after `per_connection` of them (or at the client's EOF). Connections are
// served one at a time; everything is bounded in time.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/unique_fd.h"

namespace ackd::test {

class CaptureServer {
 public:
  // Throws std::system_error if it cannot listen.
  explicit CaptureServer(std::string end, size_t per_connection = 1,
                         std::string ack = "I got your message\n");
  ~CaptureServer();
  CaptureServer(const CaptureServer&) = delete;
  CaptureServer& operator=(const CaptureServer&) = delete;

  uint16_t port() const { return port_; }
  // What each connection sent, in order of arrival.
  std::vector<std::string> received() const;

 private:
  void run();
  void serve(int fd);

  std::string end_;
  size_t per_connection_;
  std::string ack_;
  UniqueFd listener_;
  uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  mutable std::mutex mutex_;
  std::vector<std::string> received_;
  std::thread thread_;
};

}  // namespace ackd::test
