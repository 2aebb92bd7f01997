// LocalSink: prefork's AcceptSink. Every accepted connection is served in
// this worker's own event loop, up to max_connections at once; nothing is
// served elsewhere.
#pragma once

#include <utility>

#include "daemon/serve/accept_sink.h"
#include "daemon/serve/connection_set.h"

namespace ackd {

class LocalSink final : public AcceptSink {
 public:
  LocalSink(ConnectionSet& connections, unsigned max_connections)
      : connections_(connections), max_connections_(max_connections) {}

  void accepted(UniqueFd fd, const SocketAddress& peer, const ServedListener& listener) override {
    connections_.open(std::move(fd), peer, listener);
  }
  bool full() const override { return connections_.size() >= max_connections_; }
  size_t open_from(const SocketAddress& source) const override {
    return connections_.open_from(source);
  }

  size_t open_elsewhere() const override { return 0; }
  bool idle() const override { return true; }
  uint64_t handed_off() const override { return 0; }
  void after_commit() override {}
  void reap() override {}
  void pass_signal(int /*signo*/) override {}

 private:
  ConnectionSet& connections_;
  unsigned max_connections_;
};

}  // namespace ackd
