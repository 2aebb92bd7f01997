#include "client/send.h"

#include <sys/socket.h>

#include <cerrno>
#include <memory>
#include <optional>

#include "client/ack_output.h"
#include "client/client_error.h"
#include "client/connect.h"
#include "client/datagram_exchange.h"
#include "client/exit_codes.h"
#include "client/message_input.h"
#include "client/send_target.h"
#include "client/stream_exchange.h"

namespace ackd::client {
namespace {

constexpr const char* kFooter =
    "Forms:\n"
    "  ackctl send [OPTIONS] HOST PORT [MESSAGE]           TCP, or UDP with --udp\n"
    "  ackctl send [OPTIONS] --unix|--unixgram PATH [MESSAGE]\n"
    "\n"
    "The message is MESSAGE, else stdin: one line after a prompt on a terminal, all of it\n"
    "otherwise. Each line is one message. On a stream each message is sent with an LF and\n"
    "answered by one reply line (the ack; with service = \"echo\", the message itself); on\n"
    "a datagram socket each message is one datagram, answered by one datagram. Replies are\n"
    "printed one per line, as they are.\n\n";

CLI::Validator duration_validator() {
  return CLI::Validator(
      [](std::string& text) {
        try {
          parse_duration(text);
          return std::string();
        } catch (const std::invalid_argument& e) {
          return std::string(e.what());
        }
      },
      "");
}

}  // namespace

void add_tls_options(CLI::App& app, TlsClientOptions& tls) {
  app.add_flag("--tls", tls.enabled, "Speak TLS on each connection (TCP, --unix)");
  app.add_option("--ca", tls.ca, "Trust the CA certificates in FILE (PEM; default: the system's)")
      ->type_name("FILE");
  app.add_option("--cert", tls.cert, "Present the client certificate (chain) in FILE (PEM)")
      ->type_name("FILE");
  app.add_option("--key", tls.key, "The key of --cert (PEM)")->type_name("FILE");
  app.add_option("--servername", tls.servername,
                 "The name to send (SNI) and to check the server's certificate against "
                 "(default: HOST)")
      ->type_name("NAME");
}

namespace {

void add_transport_options(CLI::App& send, SendOptions& options) {
  CLI::Option* udp = send.add_flag("--udp", options.udp, "Use UDP instead of TCP");
  CLI::Option* unix_stream =
      send.add_option("--unix", options.unix_path, "Use the unix stream socket PATH (no HOST PORT)")
          ->type_name("PATH");
  CLI::Option* unixgram = send.add_option("--unixgram", options.unixgram_path,
                                          "Use the unix datagram socket PATH (no HOST PORT)")
                              ->type_name("PATH");
  udp->excludes(unix_stream)->excludes(unixgram);
  unix_stream->excludes(unixgram);
  send.add_option("--timeout", options.timeout,
                  "Deadline for connecting and every ack (datagrams: across all sends)")
      ->type_name("DURATION")
      ->check(duration_validator())
      ->capture_default_str();
  send.add_flag("--proxy-v1", options.proxy_v1,
                "Begin each connection with a PROXY protocol v1 header (HAProxy's send-proxy)");
  send.add_flag("--proxy-v2", options.proxy_v2,
                "Begin each connection with a PROXY protocol v2 header (send-proxy-v2)");
  send.add_option("--proxy-source", options.proxy_source,
                  "The client address and port the PROXY header announces")
      ->type_name("ADDR:PORT");
  add_tls_options(send, options.tls);
  send.add_option("--retries", options.retries,
                  "Datagram resends without a reply, after 250ms, 500ms, 1s...")
      ->type_name("N")
      ->check(CLI::Range(0, 100).description(""))
      ->capture_default_str();
}

// HOST, PORT and MESSAGE all land in `operands`, in order: with --unix, the
// first positional is the message, which CLI11 alone cannot express.
void add_operands(CLI::App& send, const std::shared_ptr<SendOptions>& options) {
  auto push = [options](const std::string& value) { options->operands.push_back(value); };
  send.add_option_function<std::string>("HOST", push, "Server name or address (IPv4 or IPv6)")
      ->type_name("");
  send.add_option_function<std::string>("PORT", push, "Server port")->type_name("");
  send.add_option_function<std::string>("MESSAGE", push, "The message; default: read stdin")
      ->type_name("");
}

std::vector<SocketAddress> target_addresses(const SendTarget& target) {
  if (!target.path.empty()) {
    try {
      return {SocketAddress::unix_path(target.path)};
    } catch (const std::invalid_argument& e) {
      throw ClientError(kExitUsage, e.what());
    }
  }
  try {
    return resolve(target.endpoint, is_datagram(target.transport) ? SOCK_DGRAM : SOCK_STREAM,
                   false);
  } catch (const ResolveError& e) {
    if (!e.unknown_host()) throw ClientError(kExitFailure, e.what());
    throw ClientError(kExitUnknownHost, "unknown host \"" + target.endpoint.host + "\"");
  }
}

// Prints the replies as they come, in order: the n-th answers the n-th
// message (which tells the echo of an "ERR ..." message from an error).
class ReplyPrinter {
 public:
  explicit ReplyPrinter(const std::vector<std::string>& messages) : messages_(messages) {}
  void operator()(std::string_view reply) {
    std::string_view sent;
    if (printed_ < messages_.size()) sent = messages_[printed_];
    ++printed_;
    print_reply(reply, sent);
  }
  size_t printed() const { return printed_; }

 private:
  const std::vector<std::string>& messages_;
  size_t printed_ = 0;
};

// Tries each address while the server refuses before any reply (a name may
// resolve to ::1 and 127.0.0.1 and the server listen on one only).
void send_datagrams(const SendTarget& target, const std::vector<SocketAddress>& addresses,
                    const std::vector<std::string>& messages, const Deadline& deadline) {
  ReplyPrinter printer(messages);
  AckHandler on_reply = [&printer](std::string_view reply) { printer(reply); };
  for (size_t i = 0; i < addresses.size(); ++i) {
    try {
      UniqueFd fd = connect_datagram(addresses[i]);
      datagram_exchange(fd.get(), addresses[i], messages, target.retries, deadline, on_reply);
      return;
    } catch (const ClientError& e) {
      if (e.exit_code() != kExitRefused || printer.printed() > 0 || i + 1 == addresses.size()) {
        throw;
      }
    }
  }
}

// The PROXY header of a TLS connection, whole, before the handshake.
void send_preamble(const Connection& connection, std::string_view preamble,
                   const Deadline& deadline) {
  PlainClientStream plain(connection.fd.get());
  size_t sent = 0;
  while (sent < preamble.size()) {
    ssize_t n = plain.send(preamble.data() + sent, preamble.size() - sent);
    if (n > 0) {
      sent += static_cast<size_t>(n);
    } else if (errno != EAGAIN && errno != EINTR) {
      throw_socket_error("send", connection.peer, errno);
    } else if (poll_until(connection.fd.get(), POLLOUT, deadline) == 0) {
      throw ClientError(kExitTimeout, "cannot send to " + connection.peer.to_string());
    }
  }
}

// A server that closes after some acks (draining, messages_per_connection)
// took none of the messages after them: those go on a new connection.
// Each connection makes progress, or stream_exchange throws.
// With --proxy-v1/-v2, each connection begins with the PROXY header.
void send_stream(const SendTarget& target, const std::vector<SocketAddress>& addresses,
                 const std::vector<std::string>& messages, const ProxyPreamble& proxy,
                 const Deadline& deadline) {
  ReplyPrinter printer(messages);
  AckHandler on_reply = [&printer](std::string_view reply) { printer(reply); };
  std::vector<std::string> rest = messages;
  std::optional<TlsClient> tls;
  if (target.tls.enabled) tls.emplace(target.tls, target.path.empty() ? target.endpoint.host : "");
  while (!rest.empty()) {
    Connection connection = connect_stream(addresses, deadline);
    std::string preamble = proxy.header_for(connection.peer);
    std::unique_ptr<ClientStream> stream;
    if (tls) {
      // The PROXY header goes first, in clear, as HAProxy's send-proxy does.
      if (!preamble.empty()) send_preamble(connection, preamble, deadline);
      preamble.clear();
      stream = tls->open(connection.fd.get(), connection.peer, deadline);
    } else {
      stream = std::make_unique<PlainClientStream>(connection.fd.get());
    }
    size_t acked = stream_exchange(*stream, connection.peer, rest, deadline, on_reply, preamble);
    rest.erase(rest.begin(), rest.begin() + static_cast<std::ptrdiff_t>(acked));
  }
}

}  // namespace

void setup_send(CLI::App& app) {
  auto options = std::make_shared<SendOptions>();
  CLI::App* send = app.add_subcommand("send", "Send messages and print the replies");
  add_operands(*send, options);
  add_transport_options(*send, *options);
  send->footer(std::string(kFooter) + kSendExitCodesHelp);
  send->callback([options] {
    if (int code = run_send(*options); code != kExitOk) throw CLI::RuntimeError(code);
  });
}

int run_send(const SendOptions& options) {
  SendTarget target = parse_send_target(options);
  // Resolve before the prompt: a typo in HOST is reported before any typing.
  std::vector<SocketAddress> addresses = target_addresses(target);
  std::vector<std::string> messages =
      split_messages(target.message ? *target.message : read_stdin_text());
  Deadline deadline(target.timeout);  // from now: time spent typing does not count
  if (is_datagram(target.transport)) {
    send_datagrams(target, addresses, messages, deadline);
  } else {
    send_stream(target, addresses, messages, target.proxy, deadline);
  }
  return kExitOk;
}

}  // namespace ackd::client
