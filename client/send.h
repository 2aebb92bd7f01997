// `ackctl send`: sends messages to an ackd (or any tutorial-style server)
// over TCP, UDP, unix stream or unix datagram sockets and prints the acks.
#pragma once

#include <CLI/CLI.hpp>

#include "client/send_options.h"

namespace ackd::client {

// Adds the `send` subcommand to `app`; its callback runs run_send().
void setup_send(CLI::App& app);

// --tls, --ca, --cert, --key, --servername (send and bench).
void add_tls_options(CLI::App& app, TlsClientOptions& tls);

// Returns kExitOk; failures throw ClientError (reported by main()).
int run_send(const SendOptions& options);

}  // namespace ackd::client
