// ExchangeLoad: connection-per-message exchanges with the daemon on a thread,
// back to back until stopped (or a 60 s bound), counting every failure:
// refused, reset, timed out, or a reply that is not one of the expected acks.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace ackd::test {

class ExchangeLoad {
 public:
  // `acks`: the replies that count as success (each with its LF).
  ExchangeLoad(uint16_t port, std::vector<std::string> acks);
  ~ExchangeLoad() { stop(); }
  ExchangeLoad(const ExchangeLoad&) = delete;
  ExchangeLoad& operator=(const ExchangeLoad&) = delete;

  void stop();  // joins the thread
  int done() const { return done_; }
  int failed() const { return failed_; }
  // The first failures, one per line.
  std::string failures() const;

 private:
  void run();
  void fail(const std::string& why);

  uint16_t port_;
  std::vector<std::string> acks_;
  std::atomic<bool> stop_{false};
  std::atomic<int> done_{0}, failed_{0};
  mutable std::mutex mutex_;
  std::vector<std::string> failures_;
  std::thread thread_;
};

}  // namespace ackd::test
