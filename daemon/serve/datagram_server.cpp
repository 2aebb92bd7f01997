#include "daemon/serve/datagram_server.h"

#include <sys/socket.h>

#include <algorithm>
#include <cerrno>

#include "common/socket_address.h"
#include "daemon/access/refusal_log.h"
#include "daemon/serve/count_refusal.h"
#include "daemon/serve/handle_message.h"

namespace ackd {
namespace {
constexpr int kReceiveBatch = 64;
constexpr size_t kMaxUdpPayload = 65507;  // an IPv4 datagram's 64 KiB less its headers

// Room for the largest message the listener takes, and one byte to tell a
// longer one. A unix datagram may be larger than any UDP payload.
size_t buffer_size(const ListenerConfig& config) {
  size_t largest = config.protocol == Protocol::kUnixgram
                       ? config.max_message
                       : std::min(config.max_message, kMaxUdpPayload);
  return largest + 1;
}
}  // namespace

DatagramServer::DatagramServer(EventLoop& loop, ServedListener& listener, Recorder& recorder,
                               ReplyBudget& budget, uint64_t reply_burst)
    : loop_(loop),
      listener_(listener),
      recorder_(recorder),
      buffer_(buffer_size(*listener.config)),
      budget_(budget),
      reply_burst_(reply_burst) {
  loop_.add(listener_.fd.get(), EPOLLIN, this, /*exclusive=*/true);
}

void DatagramServer::handle_event(uint32_t /*events*/) {
  for (int i = 0; i < kReceiveBatch; ++i) {
    SocketAddress peer;
    peer.length = sizeof(peer.storage);
    // MSG_TRUNC: the real length, even of a datagram larger than the buffer.
    ssize_t n = recvfrom(listener_.fd.get(), buffer_.data(), buffer_.size(), MSG_TRUNC, peer.get(),
                         &peer.length);
    if (n < 0) return;  // EAGAIN, or an ICMP error left by an earlier reply
    // Linux reports an unbound unix sender with an address length of 0.
    if (peer.length == 0) peer.storage.ss_family = AF_UNIX;
    if (!admit(peer)) continue;
    size_t length = static_cast<size_t>(n);
    listener_.meter.counts().received_bytes += length;
    bool too_long = length > listener_.config->max_message || length > buffer_.size();
    serve(std::string_view(buffer_.data(), std::min(length, buffer_.size())), peer, too_long);
  }
}

bool DatagramServer::admit(const SocketAddress& peer) {
  const ListenerConfig& config = *listener_.config;
  std::optional<Refusal> refused = config.access.refuses(peer);
  const char* why = "not admitted by allow/deny";
  if (!refused) {
    uint32_t rate = config.source_limits.messages_per_second;
    if (rate == 0 || listener_.rates == nullptr ||
        listener_.rates->admit(peer, rate, config.source_limits.burst(),
                               std::chrono::steady_clock::now())) {
      return true;
    }
    refused = Refusal::kMessageRate;
    why = "over max_messages_per_second_per_source";
  }
  count_refusal(recorder_, listener_, *refused);
  log_refusal(config.name, peer, why);
  return false;
}

void DatagramServer::serve(std::string_view message, const SocketAddress& peer, bool too_long) {
  reply_.clear();
  if (too_long) {
    recorder_.count_error();
    ++listener_.meter.counts().errors;
    reply_.append(kErrTooLong);
  } else {
    Ticket ticket = handle_message(
        listener_, recorder_, message, [&peer] { return peer.to_raw_string(); }, this, reply_);
    if (ticket != 0) {
      held_.push_back({ticket, peer, message.size(), reply_, std::chrono::steady_clock::now()});
      return;
    }
  }
  reply(peer, message.size(), reply_);
}

void DatagramServer::settled(Ticket ticket, std::string_view error) {
  for (auto it = held_.begin(); it != held_.end(); ++it) {
    if (it->ticket != ticket) continue;
    if (error.empty()) {
      recorder_.count_reply();
      ++listener_.meter.counts().replies;
      listener_.meter.reply_released(it->held_at, std::chrono::steady_clock::now());
      reply(it->peer, it->received, it->reply);
    } else {
      recorder_.count_error();
      ++listener_.meter.counts().errors;
      reply(it->peer, it->received, "ERR " + std::string(error));
    }
    held_.erase(it);
    return;
  }
}

void DatagramServer::reply(const SocketAddress& peer, size_t received, std::string_view reply) {
  if (peer.is_unnamed_unix() || !listener_.fd) return;  // nobody to answer, or closed
  bool inet = peer.family() == AF_INET || peer.family() == AF_INET6;
  if (inet && !budget_.allow(peer, received, reply.size(), reply_burst_,
                             std::chrono::steady_clock::now())) {
    recorder_.count_dropped();  // over the amplification bound
    return;
  }
  // A full socket buffer or a vanished peer drops the reply, as UDP may.
  ssize_t sent = sendto(listener_.fd.get(), reply.data(), reply.size(), MSG_DONTWAIT | MSG_NOSIGNAL,
                        peer.get(), peer.length);
  if (sent > 0) listener_.meter.counts().sent_bytes += static_cast<uint64_t>(sent);
}

void DatagramServer::close() {
  if (!listener_.fd) return;
  loop_.remove(listener_.fd.get());
  listener_.fd.reset();
}

}  // namespace ackd
