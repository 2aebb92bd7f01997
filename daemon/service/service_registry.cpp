#include "daemon/service/ack_service.h"
#include "daemon/service/service.h"

namespace ackd {

std::unique_ptr<Service> make_service(const ListenerConfig& listener) {
  if (listener.service == "ack") return std::make_unique<AckService>(listener.ack);
  return nullptr;
}

std::vector<std::string> service_names() { return {"ack"}; }

}  // namespace ackd
