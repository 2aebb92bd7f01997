// HttpServer: GET /metrics over HTTP/1.1 with libmicrohttpd, on a listening
// socket the master bound, in this process's own poll loop (no thread), in
// the format the client's Accept header prefers (content_negotiation.h).
// Clients outside the allow list are closed at accept; a slow client holds
// one of a few connection slots until its timeout, never the loop.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "common/cidr.h"
#include "daemon/log/log_throttle.h"
#include "daemon/metrics/exporter/content_negotiation.h"

struct MHD_Daemon;

namespace ackd {

class HttpServer {
 public:
  // The body of GET /metrics in `format`, made at each request.
  using Render = std::function<std::string(Exposition format)>;

  // Throws std::runtime_error if libmicrohttpd cannot start on `listen_fd`.
  HttpServer(int listen_fd, CidrList allow, Render render);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Poll this fd for POLLIN, at most timeout_ms(), then call run().
  int poll_fd() const;
  int timeout_ms(int at_most) const;
  void run();

  // For libmicrohttpd's callbacks.
  bool admits(const struct sockaddr* peer);
  const std::string& render_body(Exposition format) { return body_ = render_(format); }

 private:
  CidrList allow_;
  Render render_;
  std::string body_;
  LogThrottle refused_log_;
  MHD_Daemon* daemon_ = nullptr;
};

}  // namespace ackd
