// KeepAliveClients: clients on threads, each on a persistent connection
// (reconnecting when it ends), sending unique messages one at a time and
// waiting for each reply, until stopped or a time bound. Each one checks for
// the server's close before it sends again, as a keep-alive client should:
// a FIN that came with an ack means "reconnect", not "failure"; so does a
// send that fails with EPIPE (a unix server that stopped reading: the
// message was not delivered, and goes again on a new connection). Records
// which messages were acked, which got an ERR, and every failure (no reply:
// closed, reset, timed out).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "common/unique_fd.h"

namespace ackd::test {

struct KeepAliveOptions {
  unsigned clients = 4;
  std::string ack = "I got your message";
  std::string payload;  // appended to each message (to make records bigger)
  std::chrono::milliseconds bound = std::chrono::seconds(60);
  std::chrono::milliseconds reply_timeout = std::chrono::seconds(5);
  // While refused (the daemon restarting), retry this often.
  std::chrono::milliseconds retry = std::chrono::milliseconds(10);
};

class KeepAliveClients {
 public:
  // connect(): a new connection to the server (throws when it cannot).
  KeepAliveClients(std::function<UniqueFd()> connect, KeepAliveOptions options = {});
  ~KeepAliveClients() { stop(); }
  KeepAliveClients(const KeepAliveClients&) = delete;
  KeepAliveClients& operator=(const KeepAliveClients&) = delete;

  void stop();  // joins the threads
  // Waits until `n` more exchanges (acks or ERRs) are done; false on timeout.
  bool wait_for_progress(uint64_t n, std::chrono::milliseconds timeout);

  uint64_t acks() const { return acks_; }
  uint64_t errs() const { return errs_; }
  uint64_t failures() const { return failures_; }
  std::set<std::string> acked() const;
  // Per client, the last message it saw acked.
  std::vector<std::string> last_acked() const;
  std::string first_failures() const;
  // The first few ERR replies, with the message each answered.
  std::string first_errs() const;

 private:
  void run(unsigned id);
  enum class Outcome { kAnswered, kNotDelivered, kBroken };
  Outcome exchange(int fd, const std::string& message, unsigned id);
  void fail(const std::string& why);

  std::function<UniqueFd()> connect_;
  KeepAliveOptions options_;
  std::atomic<bool> stop_{false};
  std::atomic<uint64_t> acks_{0}, errs_{0}, failures_{0};
  mutable std::mutex mutex_;
  std::set<std::string> acked_;
  std::vector<std::string> last_acked_;
  std::vector<std::string> failure_lines_;
  std::vector<std::string> err_replies_;
  std::vector<std::thread> threads_;
};

}  // namespace ackd::test
