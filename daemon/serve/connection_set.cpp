#include "daemon/serve/connection_set.h"

#include <spdlog/spdlog.h>

namespace ackd {

ConnectionSet::ConnectionSet(EventLoop& loop, Recorder& recorder, ConnectionLimits limits)
    : ConnectionOwner(loop, recorder, limits) {}

ConnectionSet::~ConnectionSet() = default;

void ConnectionSet::open(UniqueFd fd, const SocketAddress& peer, const ServedListener& listener) {
  auto connection = std::make_unique<StreamConnection>(
      *this, listener.transport->open(std::move(fd), peer), listener);
  StreamConnection* raw = connection.get();
  raw->index = open_.size();
  if (source_counting(*listener.config) == SourceCounting::kAtAccept) {
    raw->source = source_key(peer);
    sources_.opened(*raw->source);
  }
  open_.push_back(std::move(connection));
  raw->start();
}

bool ConnectionSet::count_source(StreamConnection& connection, const SocketAddress& source,
                                 unsigned limit) {
  if (slots_ != nullptr) return slots_->claim(slot_, source, limit);  // released by the dispatcher
  SourceKey key = source_key(source);
  if (sources_.count(key) >= limit) return false;
  connection.source = key;  // released at the close
  sources_.opened(key);
  return true;
}

void ConnectionSet::closed(StreamConnection* connection) {
  size_t index = connection->index;
  if (connection->source) sources_.closed(*connection->source);
  std::swap(open_[index], open_.back());
  open_[index]->index = index;
  closed_.push_back(std::move(open_.back()));
  open_.pop_back();
}

void ConnectionSet::failed(const ServedListener& listener, const std::system_error& error) {
  recorder_.count_error();
  ++listener.meter.counts().errors;
  if (auto note = failure_log_.admit(now_)) {
    spdlog::warn("listener {}: closed a connection: {}{}", listener.config->name, error.what(),
                 *note);
  }
}

void ConnectionSet::drain_all(bool keep_idle) {
  // begin_drain may close (and so move) connections: walk a snapshot.
  std::vector<StreamConnection*> snapshot;
  snapshot.reserve(open_.size());
  for (auto& connection : open_) snapshot.push_back(connection.get());
  for (StreamConnection* connection : snapshot) connection->begin_drain(keep_idle);
}

void ConnectionSet::sweep(SteadyTime now) {
  std::vector<StreamConnection*> snapshot;
  snapshot.reserve(open_.size());
  for (auto& connection : open_) snapshot.push_back(connection.get());
  for (StreamConnection* connection : snapshot) connection->check_deadline(now);
}

void ConnectionSet::collect() { closed_.clear(); }

void ConnectionSet::flush_released() {
  // Closed connections stay allocated until collect(): flush skips them.
  std::vector<StreamConnection*> pending;
  pending.swap(to_flush_);
  for (StreamConnection* connection : pending) connection->flush_released();
}

void ConnectionSet::resume_reading() {
  for (auto& connection : open_) connection->resume_reading();
}

}  // namespace ackd
