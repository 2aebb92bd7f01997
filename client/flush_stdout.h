// Flushing ackctl's stdout: output lost to a full disk or a closed pipe is an
// error (exit 1), as in coreutils, never a silent success.
#pragma once

namespace ackd::client {

// Flushes std::cout. Throws ClientError(kExitFailure, "write error: <strerror>")
// if the flush, or an earlier write, failed.
void flush_stdout();

}  // namespace ackd::client
