#include "daemon/recorder.h"

#include <spdlog/spdlog.h>

#include "common/escape.h"
#include "daemon/logging.h"
#include "daemon/spool.h"

namespace ackd {

void Recorder::record(std::string_view listener, std::string_view peer, std::string_view message) {
  ++counters_.messages;
  counters_.bytes += message.size();
  if (spool_ != nullptr) spool_->append(listener, peer, message);
  if (log_messages_) {
    // The peer is raw (a unix client names its own path): escaped here. The
    // journal gets LISTENER= and PEER= as fields of their own.
    std::string shown_peer = escape_for_log(peer);
    MessageLogFields fields{listener, shown_peer};
    set_message_log_fields(&fields);
    const char* quote = needs_quotes_in_log(shown_peer) ? "\"" : "";
    spdlog::info("message listener={} peer={}{}{} size={} text=\"{}\"", listener, quote, shown_peer,
                 quote, message.size(), escape_for_log(message));
    set_message_log_fields(nullptr);
  }
}

}  // namespace ackd
