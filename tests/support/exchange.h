// Client round trips and control requests for the supervisor tests: one
// message over a fresh connection (TCP, unix, UDP), and `ackctl status
// --json` read into a small struct. Stream errors throw as net.h's do.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tests/support/process.h"

namespace ackd::test {

// Connects to 127.0.0.1:port, sends `message`, half-closes and reads until
// EOF: the reply. Throws std::system_error (e.g. ECONNREFUSED) or
// std::runtime_error ("reset").
std::string tcp_exchange(uint16_t port, std::string_view message,
                         std::chrono::milliseconds timeout = std::chrono::seconds(5));
// The same over a unix stream socket.
std::string unix_exchange(const std::string& path, std::string_view message,
                          std::chrono::milliseconds timeout = std::chrono::seconds(5));
// One datagram to 127.0.0.1:port, one reply datagram (empty on timeout).
std::string udp_exchange(uint16_t port, std::string_view message,
                         std::chrono::milliseconds timeout = std::chrono::seconds(5));

// Runs ackctl with `args` (10 s at most).
RunResult ackctl(std::vector<std::string> args);

struct WorkerStatus {
  pid_t pid = 0;
  uint64_t generation = 0;
  std::string state;
  uint64_t open_connections = 0;
  uint64_t replies = 0;
};

struct AuxStatus {  // an auxiliary process of the master (the metrics exporter)
  std::string role;
  pid_t pid = 0;
  std::string state;
};

struct DaemonStatus {
  pid_t master_pid = 0;
  uint64_t generation = 0;
  std::vector<WorkerStatus> workers;
  std::vector<AuxStatus> aux;
  uint64_t total_replies = 0;
  std::string json;  // as ackctl printed it

  // Connections accepted and held open, summed over the workers (or the
  // fork-mode dispatchers' children).
  uint64_t open_connections() const;
  // The pid of the auxiliary process of `role` ("metrics"), 0 if none runs.
  pid_t aux_pid(const std::string& role) const;
};

// `ackctl status --json --socket socket`, parsed; nullopt if ackctl failed.
std::optional<DaemonStatus> daemon_status(const std::string& socket);

// The unsigned integer after "key": in `json`, searching from `from`.
std::optional<uint64_t> json_number(std::string_view json, std::string_view key, size_t from = 0);

}  // namespace ackd::test
