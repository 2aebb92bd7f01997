// AckHandler: what an exchange does with each ack as it arrives (print it,
// count it); it may throw to end the exchange (an ERR ack).
#pragma once

#include <functional>
#include <string_view>

namespace ackd::client {

using AckHandler = std::function<void(std::string_view ack)>;

}  // namespace ackd::client
