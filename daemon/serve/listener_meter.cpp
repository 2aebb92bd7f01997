#include "daemon/serve/listener_meter.h"

namespace ackd {

ListenerMeter::ListenerMeter(ListenerBoard* board, std::string_view name) : board_(board) {
  if (board_ != nullptr) row_ = board_->row_for(name);
}

void ListenerMeter::end_turn(SteadyTime started, SteadyTime ended) {
  counts_.observe_latency(nanoseconds(ended - started), replies_in_turn_);
  replies_in_turn_ = 0;
}

void ListenerMeter::publish() {
  if (row_ && !counts_.empty()) board_->add(*row_, counts_);
}

}  // namespace ackd
