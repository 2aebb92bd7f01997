// SendOptions: the command line of `ackctl send`, as CLI11 fills it in.
#pragma once

#include <string>
#include <vector>

#include "client/tls_client.h"

namespace ackd::client {

struct SendOptions {
  // HOST PORT [MESSAGE], or [MESSAGE] alone with --unix/--unixgram.
  std::vector<std::string> operands;
  bool udp = false;
  std::string unix_path;      // --unix: a unix stream socket
  std::string unixgram_path;  // --unixgram: a unix datagram socket
  std::string timeout = "5s";
  int retries = 3;           // datagram resends after the first send
  bool proxy_v1 = false;     // --proxy-v1: a PROXY header first on each connection
  bool proxy_v2 = false;     // --proxy-v2
  std::string proxy_source;  // --proxy-source ADDR:PORT: the client it announces
  TlsClientOptions tls;      // --tls, --ca, --cert, --key, --servername
};

}  // namespace ackd::client
