// The replication room's entry for a serving process: the stage that
// mode = "sync" puts between a message and its reply, made only where
// records are stored (a worker, a fork-mode dispatcher), never in the
// master (nats.c starts threads, and the master forks).
#pragma once

#include <memory>

#include "daemon/config/config.h"
#include "daemon/event_loop.h"
#include "daemon/record/reply_gate.h"
#include "daemon/replicate/replication_stage.h"
#include "daemon/scoreboard.h"

namespace ackd {

// The started stage, or nullptr when the config asks for no sync
// replication. Throws std::system_error.
std::unique_ptr<ReplicationStage> start_replication(const Config& config, ReplyGate& gate,
                                                    EventLoop& loop, ScoreboardEntry* entry);

}  // namespace ackd
