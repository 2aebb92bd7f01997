// The [metrics] socket: bound by the master (as root, before it drops
// privileges, like the listeners), kept across a reload while its address
// is unchanged, closed when the section goes away, passed to the new
// master at a binary upgrade. The exporter process serves on it; while
// none does (a respawn, a restart), scrapers wait in its backlog.
#pragma once

#include <optional>

#include "common/unique_fd.h"
#include "daemon/config/metrics_config.h"
#include "daemon/listener.h"

namespace ackd {

// The socket for `config` (none if it is not enabled): `passed` (from the
// previous master) if valid, else a new one. Throws std::system_error
// ("bind(metrics 127.0.0.1:9751): Address already in use").
std::optional<Listener> open_metrics_socket(const MetricsConfig& config, UniqueFd passed = {});

// A reload keeps `current` for `fresh` if it is bound to the same address.
bool keeps_metrics_socket(const std::optional<Listener>& current, const MetricsConfig& fresh);

}  // namespace ackd
