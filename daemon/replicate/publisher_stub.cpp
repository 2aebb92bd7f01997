// Without libnats there is no JetStream publisher: the config refuses a
// [replication] table first (see replication_config.cpp), so this is never
// reached.
#include "daemon/replicate/publisher.h"

#include <stdexcept>

namespace ackd {

#ifndef ACKD_HAVE_NATS
std::unique_ptr<Publisher> make_jetstream_publisher(const ReplicationConfig& /*config*/,
                                                    std::vector<std::string> /*subjects*/,
                                                    Handoff& /*handoff*/) {
  throw std::logic_error("replication: this ackd was built without libnats");
}
#endif

}  // namespace ackd
