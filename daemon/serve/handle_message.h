// handle_message: what every transport does with one framed message:
// record it (Recorder::record: the log, the durability stages), append the
// listener's service's reply, and count the reply if it may leave now. A
// transport only frames messages and sends the replies; a new transport or
// a new service never repeats this.
#pragma once

#include <string>
#include <string_view>

#include "daemon/record/recorder.h"
#include "daemon/serve/served_listener.h"

namespace ackd {

// Whether the reply leaves as soon as its ticket allows (kNext), or after
// replies of the same connection still held (kBehindHeld: the transport
// counts it when it releases it).
enum class ReplyOrder { kNext, kBehindHeld };

// Appends the reply to `reply` and returns the ticket it waits for (0: it
// may leave now). peer_text() gives the client as the recorder stores it;
// it is called only if the recorder uses it (formatting an address costs
// more than the rest of the exchange).
template <typename PeerText>
Ticket handle_message(const ServedListener& listener, Recorder& recorder, std::string_view message,
                      PeerText&& peer_text, ReplyWaiter* waiter, std::string& reply,
                      ReplyOrder order = ReplyOrder::kNext) {
  Ticket ticket;
  if (recorder.wants_peer()) {
    decltype(auto) peer = peer_text();  // a string or a view; it lives until recorded
    ticket = recorder.record(listener.config->name, peer, message, waiter);
  } else {
    ticket = recorder.record(listener.config->name, std::string_view(), message, waiter);
  }
  listener.service->respond(message, reply);
  ListenerCounts& counts = listener.meter.counts();
  ++counts.messages;
  if (ticket == 0 && order == ReplyOrder::kNext) {
    recorder.count_reply();
    ++counts.replies;
    listener.meter.reply_in_turn();
  }
  return ticket;
}

}  // namespace ackd
