// NatsCluster: a real three-node nats-server cluster with JetStream on
// loopback for the replication tests: random ports, its own directories,
// started and stopped by pid (only its own processes), a meta leader
// awaited before streams are made. Streams are created and read back
// through JetStream's API with nats.c, never through ackd. Built only with
// libnats (ACKD_HAVE_NATS); a test without nats-server skips.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace ackd::test {

struct StoredMessage {
  uint64_t sequence = 0;
  std::string subject;
  std::string body;
  std::map<std::string, std::string> headers;
};

// What a cluster asks of its clients: a token, and TLS (the nodes'
// certificate and key, the CA that signed them). Empty: nothing.
struct NatsSecurity {
  std::string token;
  std::string certificate, key, ca;
};

class NatsCluster {
 public:
  // Whether nats-server is installed (else tests skip, saying so).
  static bool available();

  // Starts every node; throws on failure.
  explicit NatsCluster(int nodes = 3, NatsSecurity security = {});
  ~NatsCluster();
  NatsCluster(const NatsCluster&) = delete;
  NatsCluster& operator=(const NatsCluster&) = delete;

  int size() const { return static_cast<int>(nodes_.size()); }
  std::string url(int node) const;
  // The [replication] servers value: ["nats://127.0.0.1:P", ...].
  std::string servers_toml() const;

  void kill(int node);   // SIGKILL, reaped
  void start(int node);  // again, on its own store
  bool running(int node) const;

  // Creates (or finds) a file stream, retrying until the cluster has a meta
  // leader and the stream a leader; false after `timeout`.
  bool create_stream(const std::string& name, const std::vector<std::string>& subjects,
                     int replicas, std::chrono::milliseconds timeout = std::chrono::seconds(20));
  // Every message of the stream, in order; false (with nothing) if the
  // stream cannot be read within `timeout` (no quorum).
  bool read_stream(const std::string& name, std::vector<StoredMessage>& out,
                   std::chrono::milliseconds timeout = std::chrono::seconds(20));

 private:
  struct Node {
    std::string name;
    uint16_t client_port = 0;
    uint16_t cluster_port = 0;
    std::string config;
    std::unique_ptr<Subprocess> process;
  };
  void write_config(int node);
  bool wait_listening(int node, std::chrono::milliseconds timeout);

  TempDir dir_;
  NatsSecurity security_;
  std::vector<Node> nodes_;
};

}  // namespace ackd::test
