#include "daemon/service/echo_service.h"

namespace ackd {
namespace {

class EchoService final : public Service {
 public:
  void respond(std::string_view message, std::string& reply) override { reply.append(message); }
};

// Echo has no keys of its own.
ServiceOptionsPtr read_options(ConfigReader& /*reader*/, const ServiceTable& /*listener*/) {
  return nullptr;
}

std::unique_ptr<Service> make(const ServiceOptions* /*options*/,
                              const ServiceContext& /*context*/) {
  return std::make_unique<EchoService>();
}

}  // namespace

const ServiceEntry& echo_service() {
  static const ServiceEntry entry{"echo", {}, read_options, make};
  return entry;
}

}  // namespace ackd
