#include "daemon/metrics/exporter/http_server.h"

#include <microhttpd.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstdarg>
#include <cstring>
#include <stdexcept>

#include <spdlog/spdlog.h>

#include "common/socket_address.h"
#include "daemon/metrics/exporter/exposition.h"
#include "daemon/metrics/exporter/openmetrics.h"

namespace ackd {
namespace {

constexpr unsigned kMaxConnections = 16;
constexpr unsigned kMaxPerClient = 4;
constexpr unsigned kConnectionTimeoutSeconds = 10;

MHD_Result accept_policy(void* server, const sockaddr* peer, socklen_t /*length*/) {
  return static_cast<HttpServer*>(server)->admits(peer) ? MHD_YES : MHD_NO;
}

MHD_Result reply(MHD_Connection* connection, unsigned status, const std::string& body,
                 const char* content_type, const char* allow = nullptr, bool negotiated = false) {
  MHD_Response* response = MHD_create_response_from_buffer(
      body.size(), const_cast<char*>(body.data()), MHD_RESPMEM_MUST_COPY);
  if (response == nullptr) return MHD_NO;
  MHD_add_response_header(response, MHD_HTTP_HEADER_CONTENT_TYPE, content_type);
  if (allow != nullptr) MHD_add_response_header(response, MHD_HTTP_HEADER_ALLOW, allow);
  if (negotiated) MHD_add_response_header(response, MHD_HTTP_HEADER_VARY, "Accept");
  MHD_Result queued = MHD_queue_response(connection, status, response);
  MHD_destroy_response(response);
  return queued;
}

// GET (or HEAD) /metrics, in the format negotiated; anything else gets a
// short answer saying so.
MHD_Result handle(void* server, MHD_Connection* connection, const char* url, const char* method,
                  const char* /*version*/, const char* /*upload*/, size_t* /*upload_size*/,
                  void** /*request_state*/) {
  constexpr const char* kPlain = "text/plain; charset=utf-8";
  bool get = std::strcmp(method, MHD_HTTP_METHOD_GET) == 0 ||
             std::strcmp(method, MHD_HTTP_METHOD_HEAD) == 0;
  if (std::strcmp(url, "/metrics") != 0) {
    return reply(connection, MHD_HTTP_NOT_FOUND, "ackd serves its metrics at /metrics\n", kPlain);
  }
  if (!get) {
    return reply(connection, MHD_HTTP_METHOD_NOT_ALLOWED, "GET /metrics\n", kPlain, "GET, HEAD");
  }
  const char* accept =
      MHD_lookup_connection_value(connection, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT);
  Exposition format = choose_exposition(accept != nullptr ? accept : "");
  const char* type = format == Exposition::kOpenMetrics ? kOpenMetricsFormat : kTextFormat;
  return reply(connection, MHD_HTTP_OK, static_cast<HttpServer*>(server)->render_body(format), type,
               nullptr, /*negotiated=*/true);
}

void log_from_library(void* /*context*/, const char* format, va_list arguments) {
  char line[512];
  vsnprintf(line, sizeof(line), format, arguments);
  size_t length = std::strlen(line);
  while (length > 0 && line[length - 1] == '\n') line[--length] = '\0';
  spdlog::warn("http: {}", line);
}

SocketAddress address_of(const sockaddr* peer) {
  SocketAddress address;
  address.length = peer->sa_family == AF_INET6 ? sizeof(sockaddr_in6) : sizeof(sockaddr_in);
  std::memcpy(&address.storage, peer, address.length);
  return address;
}

}  // namespace

HttpServer::HttpServer(int listen_fd, CidrList allow, Render render)
    : allow_(std::move(allow)), render_(std::move(render)) {
  // External polling with epoll: one fd for our poll loop, no thread.
  unsigned flags = MHD_USE_EPOLL | MHD_USE_ERROR_LOG;
  daemon_ = MHD_start_daemon(
      flags, 0, &accept_policy, this, &handle, this, MHD_OPTION_EXTERNAL_LOGGER, &log_from_library,
      nullptr, MHD_OPTION_LISTEN_SOCKET, listen_fd, MHD_OPTION_CONNECTION_LIMIT, kMaxConnections,
      MHD_OPTION_PER_IP_CONNECTION_LIMIT, kMaxPerClient, MHD_OPTION_CONNECTION_TIMEOUT,
      kConnectionTimeoutSeconds, MHD_OPTION_END);
  if (daemon_ == nullptr) throw std::runtime_error("libmicrohttpd did not start on the socket");
}

HttpServer::~HttpServer() {
  if (daemon_ != nullptr) MHD_stop_daemon(daemon_);
}

int HttpServer::poll_fd() const {
  const MHD_DaemonInfo* info = MHD_get_daemon_info(daemon_, MHD_DAEMON_INFO_EPOLL_FD);
  return info != nullptr ? info->epoll_fd : -1;
}

int HttpServer::timeout_ms(int at_most) const {
  MHD_UNSIGNED_LONG_LONG timeout = 0;
  if (MHD_get_timeout(daemon_, &timeout) != MHD_YES) return at_most;
  return timeout < static_cast<MHD_UNSIGNED_LONG_LONG>(at_most) ? static_cast<int>(timeout)
                                                                : at_most;
}

void HttpServer::run() { MHD_run(daemon_); }

bool HttpServer::admits(const sockaddr* peer) {
  SocketAddress address = address_of(peer);
  if (allow_.empty() || allow_.contains(address)) return true;
  if (auto note = refused_log_.admit(std::chrono::steady_clock::now())) {
    spdlog::warn("refused a scrape from {}: not in metrics.allow{}", address.to_string(), *note);
  }
  return false;
}

}  // namespace ackd
