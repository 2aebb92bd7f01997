// AckService: the tutorial's service. Every message is answered with the
// listener's ack text ("I got your message").
#pragma once

#include "daemon/service/service.h"

namespace ackd {

class AckService final : public Service {
 public:
  explicit AckService(std::string ack) : ack_(std::move(ack)) {}
  void respond(std::string_view /*message*/, std::string& reply) override { reply += ack_; }

 private:
  std::string ack_;
};

}  // namespace ackd
