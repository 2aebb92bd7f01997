// The JetStream Publisher (nats.c 3.4): one connection per process, asynchronous
// publishes (js_PublishMsgAsync) with Nats-Msg-Id and a MaxWait, so that the
// library itself reports a publish ack that does not come in time. Its
// callbacks run on the library's threads and only push to the Handoff.
// The loop thread never calls into the connection: nats.c holds the
// connection's lock while it reconnects (connect, CONNECT, PING: up to the
// timeout per server), so publishing happens on a sender thread of ours
// (the loop only hands it messages), and looking up or making the stream
// on a keeper thread (a request that may wait for its timeout must not
// hold up publishing).
//
// The sender thread is also the connection's event loop (nats.c's
// natsOptions_SetEventLoop): it reads the socket for the library and
// writes what the library buffered once per batch, so a loop turn's
// messages reach the server in one write, not one write each (a server
// spends less per message that comes in batches), and nats.c runs no
// reader or flusher thread of its own.
#include <nats/nats.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <system_error>
#include <thread>
#include <unordered_map>
#include <utility>

#include "common/syscall.h"
#include "common/unique_fd.h"
#include "daemon/replicate/publisher.h"
#include "daemon/replicate/record_headers.h"

namespace ackd {
namespace {

constexpr int64_t kReconnectWaitMs = 250;
constexpr int64_t kLibraryCloseWaitMs = 2000;
constexpr auto kStreamRetry = std::chrono::seconds(1);

// Set on the sender thread: a change it makes itself needs no wake (it
// polls next anyway).
thread_local bool t_on_sender_thread = false;

constexpr natsSock kNoSocket = -1;

std::string status_text(natsStatus status) {
  const char* last = nats_GetLastError(nullptr);
  std::string text = natsStatus_GetText(status);
  if (last != nullptr && *last != '\0' && text != last) text += std::string(": ") + last;
  return text;
}

[[noreturn]] void throw_nats(const char* call, natsStatus status) {
  throw std::system_error(EINVAL, std::generic_category(),
                          std::string(call) + ": " + status_text(status));
}

void check(const char* call, natsStatus status) {
  if (status != NATS_OK) throw_nats(call, status);
}

class JetStreamPublisher final : public Publisher {
 public:
  JetStreamPublisher(const ReplicationConfig& config, std::vector<std::string> subjects,
                     Handoff& handoff);
  ~JetStreamPublisher() override;

  std::string publish(const OutgoingMessage& message, uint64_t sequence) override;
  void flush() override;

 private:
  // A message as the loop thread hands it over: copies, made into a
  // natsMsg by the sender thread.
  struct Queued {
    uint64_t sequence;
    uint64_t time_ns;
    std::string subject, msg_id, listener, peer, body;
    natsMsg* msg = nullptr;
  };
  std::string make_msg(Queued& queued);
  void send_loop();
  void keep_loop();
  void send(Queued& queued);
  void fail(uint64_t sequence, std::string why) {
    handoff_.push(PublishResult{sequence, std::move(why), false});
  }
  void release();
  void set_options();
  void connect();
  bool ensure_stream();
  void connected();
  static void on_connected(natsConnection* nc, void* self);
  static void on_disconnected(natsConnection* nc, void* self);
  static void on_ack(jsCtx* js, natsMsg* msg, jsPubAck* ack, jsPubAckErr* error, void* self);
  // nats.c's event loop callbacks: any thread, with the connection's lock
  // held; they only note what to poll and wake the sender thread.
  static natsStatus on_attach(void** user, void* self, natsConnection* nc, natsSock socket);
  static natsStatus on_read(void* self, bool add);
  static natsStatus on_write(void* self, bool add);
  static natsStatus on_detach(void* self);
  void wake_sender();
  // What the sender thread polls, changed under its lock; a change made on
  // another thread wakes it (on its own, it polls next anyway).
  template <typename Change>
  natsStatus poll_socket(Change change) {
    {
      std::lock_guard lock(socket_mutex_);
      change(*this);
    }
    if (!t_on_sender_thread) wake_sender();
    return NATS_OK;
  }
  void serve_socket();

  ReplicationConfig config_;
  const std::string host_ = header_safe(host_name());  // Ackd-Host, for every message
  std::vector<std::string> subjects_;
  Handoff& handoff_;
  natsOptions* options_ = nullptr;
  natsConnection* connection_ = nullptr;
  jsCtx* js_ = nullptr;
  std::mutex start_mutex_;  // guards started_, connected_early_
  bool started_ = false;
  bool connected_early_ = false;
  std::mutex mutex_;  // guards sequences_ (the sender thread and the ack thread)
  std::unordered_map<natsMsg*, uint64_t> sequences_;
  // The loop thread's hand to the sender thread.
  std::mutex outbox_mutex_;
  std::vector<Queued> outbox_;
  std::vector<Queued> filling_;  // the loop thread's, until flush()
  std::condition_variable check_due_;
  bool stream_check_due_ = false;  // guarded by outbox_mutex_ too
  bool stopping_ = false;
  // Wakes the sender thread: a batch, a socket to poll, a stop.
  UniqueFd wake_;
  // The socket the sender thread polls for the library, and for what.
  std::mutex socket_mutex_;
  natsSock socket_ = kNoSocket;
  bool poll_read_ = false;
  bool poll_write_ = false;
  std::thread sender_;
  std::thread keeper_;
};

JetStreamPublisher::JetStreamPublisher(const ReplicationConfig& config,
                                       std::vector<std::string> subjects, Handoff& handoff)
    : config_(config), subjects_(std::move(subjects)), handoff_(handoff) {
  wake_.reset(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  if (!wake_) throw_errno("eventfd", "the replication sender");
  try {
    set_options();
    connect();
  } catch (...) {
    release();
    throw;
  }
  sender_ = std::thread([this] { send_loop(); });
  keeper_ = std::thread([this] { keep_loop(); });
}

JetStreamPublisher::~JetStreamPublisher() { release(); }

void JetStreamPublisher::release() {
  if (sender_.joinable()) {
    {
      std::lock_guard lock(outbox_mutex_);
      stopping_ = true;
    }
    wake_sender();
    check_due_.notify_one();
    sender_.join();
    if (keeper_.joinable()) keeper_.join();
  }
  for (auto* queue : {&outbox_, &filling_}) {
    for (Queued& queued : *queue) natsMsg_Destroy(queued.msg);
    queue->clear();
  }
  if (options_ == nullptr) return;
  if (js_ != nullptr) jsCtx_Destroy(js_);
  if (connection_ != nullptr) {
    natsConnection_Close(connection_);
    natsConnection_Destroy(connection_);
  }
  if (options_ != nullptr) natsOptions_Destroy(options_);
  js_ = nullptr;
  connection_ = nullptr;
  options_ = nullptr;
  // No callback may run once this object is gone: wait for the library's threads.
  nats_CloseAndWait(kLibraryCloseWaitMs);
}

void JetStreamPublisher::set_options() {
  check("natsOptions_Create", natsOptions_Create(&options_));
  std::vector<const char*> servers;
  bool tls = !config_.tls_ca.empty();
  for (const std::string& server : config_.servers) {
    servers.push_back(server.c_str());
    tls = tls || server.rfind("tls://", 0) == 0;
  }
  check("servers",
        natsOptions_SetServers(options_, servers.data(), static_cast<int>(servers.size())));
  check("name", natsOptions_SetName(options_, "ackd"));
  int64_t timeout_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(config_.timeout).count();
  check("timeout", natsOptions_SetTimeout(options_, timeout_ms));
  check("reconnect", natsOptions_SetMaxReconnect(options_, -1));  // forever
  check("reconnect wait", natsOptions_SetReconnectWait(options_, kReconnectWaitMs));
  // No flusher thread (it waits up to 1 ms for more before it writes, and
  // in sync mode every client would wait that long): the sender thread
  // writes what a batch buffered as soon as the socket takes it.
  check("send asap", natsOptions_SetSendAsap(options_, true));
  check("event loop",
        natsOptions_SetEventLoop(options_, this, on_attach, on_read, on_write, on_detach));
  check("retry", natsOptions_SetRetryOnFailedConnect(options_, true, on_connected, this));
  check("callback", natsOptions_SetReconnectedCB(options_, on_connected, this));
  check("callback", natsOptions_SetDisconnectedCB(options_, on_disconnected, this));
  if (!config_.user.empty()) {
    check("user",
          natsOptions_SetUserInfo(options_, config_.user.c_str(), config_.password.c_str()));
  }
  if (!config_.token.empty()) check("token", natsOptions_SetToken(options_, config_.token.c_str()));
  if (!config_.credentials.empty()) {
    check("credentials",
          natsOptions_SetUserCredentialsFromFiles(options_, config_.credentials.c_str(), nullptr));
  }
  if (tls) check("tls", natsOptions_SetSecure(options_, true));
  if (!config_.tls_ca.empty()) {
    natsStatus status = natsOptions_LoadCATrustedCertificates(options_, config_.tls_ca.c_str());
    if (status != NATS_OK) throw_nats(("tls_ca " + config_.tls_ca).c_str(), status);
  }
}

void JetStreamPublisher::connect() {
  natsStatus status = natsConnection_Connect(&connection_, options_);
  if (status != NATS_OK && status != NATS_NOT_YET_CONNECTED) throw_nats("connect", status);
  jsOptions options;
  jsOptions_Init(&options);
  options.PublishAsync.AckHandler = on_ack;
  options.PublishAsync.AckHandlerClosure = this;
  options.Wait = std::chrono::duration_cast<std::chrono::milliseconds>(config_.timeout).count();
  check("jetstream", natsConnection_JetStream(&js_, connection_, &options));
  bool connected_meanwhile;
  {
    std::lock_guard lock(start_mutex_);
    started_ = true;
    connected_meanwhile = std::exchange(connected_early_, false);
  }
  if (status == NATS_OK || connected_meanwhile) {
    connected();
  } else {
    // The connection's own last error says why (a refused token, say),
    // where the call's status says only "not yet connected".
    const char* why = nullptr;
    natsConnection_GetLastError(connection_, &why);
    std::string text = why != nullptr && *why != '\0' ? std::string(why) : status_text(status);
    handoff_.push(LinkNote{LinkEvent::kLost, "no server reachable yet: " + text});
  }
}

// On the caller's thread at start, else on the library's callback thread
// (which may call before the JetStream context exists: then start does).
void JetStreamPublisher::connected() {
  {
    std::lock_guard lock(start_mutex_);
    if (!started_) {
      connected_early_ = true;
      return;
    }
  }
  char url[256] = {};
  natsConnection_GetConnectedUrl(connection_, url, sizeof(url));
  handoff_.push(LinkNote{LinkEvent::kConnected, url});
  {
    std::lock_guard lock(outbox_mutex_);
    stream_check_due_ = true;
  }
  check_due_.notify_one();
}

// The stream must exist and take our subjects; with create_stream, ackd
// makes it, or adds the subjects it lacks.
bool JetStreamPublisher::ensure_stream() {
  jsStreamInfo* info = nullptr;
  jsErrCode code = static_cast<jsErrCode>(0);
  natsStatus status = js_GetStreamInfo(&info, js_, config_.stream.c_str(), nullptr, &code);
  if (status != NATS_OK && code != JSStreamNotFoundErr) {
    handoff_.push(LinkNote{LinkEvent::kStreamProblem, "cannot look it up: " + status_text(status)});
    return false;
  }
  std::vector<const char*> subjects;
  if (info != nullptr) {
    for (int i = 0; i < info->Config->SubjectsLen; ++i)
      subjects.push_back(info->Config->Subjects[i]);
  }
  size_t known = subjects.size();
  for (const std::string& subject : subjects_) {
    bool present = false;
    for (size_t i = 0; i < known; ++i) present = present || subject == subjects[i];
    if (!present) subjects.push_back(subject.c_str());
  }
  if (info != nullptr && subjects.size() == known) {
    jsStreamInfo_Destroy(info);
    return true;
  }
  if (!config_.create_stream) {
    handoff_.push(LinkNote{LinkEvent::kStreamProblem,
                           info == nullptr ? "not found (create it, or set create_stream = true)"
                                           : "does not take every listener's subject"});
    if (info != nullptr) jsStreamInfo_Destroy(info);
    return false;
  }
  jsStreamConfig stream;
  jsStreamConfig_Init(&stream);
  if (info != nullptr) stream = *info->Config;
  stream.Name = config_.stream.c_str();
  stream.Subjects = subjects.data();
  stream.SubjectsLen = static_cast<int>(subjects.size());
  if (info == nullptr) {
    stream.Storage = js_FileStorage;
    stream.Replicas = config_.replicas;
  }
  jsStreamInfo* made = nullptr;
  status = info == nullptr ? js_AddStream(&made, js_, &stream, nullptr, &code)
                           : js_UpdateStream(&made, js_, &stream, nullptr, &code);
  if (status != NATS_OK) {
    handoff_.push(
        LinkNote{LinkEvent::kStreamProblem, "cannot create or update it: " + status_text(status)});
  }
  if (made != nullptr) jsStreamInfo_Destroy(made);
  if (info != nullptr) jsStreamInfo_Destroy(info);
  return status == NATS_OK;
}

// On the loop thread: copies only (the sender thread formats and sends).
std::string JetStreamPublisher::publish(const OutgoingMessage& m, uint64_t sequence) {
  filling_.push_back(Queued{sequence, m.time_ns, std::string(m.subject), std::string(m.msg_id),
                            std::string(m.listener), std::string(m.peer), std::string(m.body)});
  return {};
}

// On the sender thread: the natsMsg with its headers.
std::string JetStreamPublisher::make_msg(Queued& q) {
  natsStatus status = natsMsg_Create(&q.msg, q.subject.c_str(), nullptr, q.body.data(),
                                     static_cast<int>(q.body.size()));
  auto header = [&](const char* key, const std::string& value) {
    if (status == NATS_OK) status = natsMsgHeader_Set(q.msg, key, value.c_str());
  };
  header("Ackd-Time", rfc3339_ns(q.time_ns));
  header("Ackd-Listener", q.listener);
  header("Ackd-Peer", header_safe(q.peer));
  header("Ackd-Host", host_);
  if (status == NATS_OK) return {};
  natsMsg_Destroy(q.msg);
  q.msg = nullptr;
  return status_text(status);
}

// Once per loop turn: the turn's messages go to the sender in one batch.
void JetStreamPublisher::flush() {
  if (filling_.empty()) return;
  {
    std::lock_guard lock(outbox_mutex_);
    if (outbox_.empty()) {
      outbox_.swap(filling_);
    } else {
      for (Queued& queued : filling_) outbox_.push_back(std::move(queued));
      filling_.clear();
    }
  }
  wake_sender();
}

void JetStreamPublisher::wake_sender() {
  uint64_t one = 1;
  [[maybe_unused]] ssize_t n = ::write(wake_.get(), &one, sizeof(one));
}

// The batch the loop thread handed over is published (buffered by the
// library), then the socket is served: what was buffered goes out in one
// write, the publish acks come in.
void JetStreamPublisher::send_loop() {
  t_on_sender_thread = true;
  std::vector<Queued> batch;
  while (true) {
    {
      std::lock_guard lock(outbox_mutex_);
      if (stopping_) return;
      batch.swap(outbox_);
    }
    for (Queued& queued : batch) send(queued);
    batch.clear();
    serve_socket();
  }
}

// Waits for the wake, or for the socket to be ready for what the library
// asked, and lets the library read or write.
void JetStreamPublisher::serve_socket() {
  pollfd fds[2] = {{wake_.get(), POLLIN, 0}, {kNoSocket, 0, 0}};
  {
    std::lock_guard lock(socket_mutex_);
    fds[1].fd = socket_;
    fds[1].events = static_cast<short>((poll_read_ ? POLLIN : 0) | (poll_write_ ? POLLOUT : 0));
  }
  nfds_t count = fds[1].fd != kNoSocket && fds[1].events != 0 ? 2 : 1;
  if (::poll(fds, count, -1) <= 0) return;  // EINTR: the caller comes back
  if (fds[0].revents & POLLIN) {
    uint64_t wakes = 0;
    [[maybe_unused]] ssize_t n = ::read(wake_.get(), &wakes, sizeof(wakes));
  }
  if (count < 2) return;
  if (fds[1].revents & (POLLIN | POLLHUP | POLLERR)) natsConnection_ProcessReadEvent(connection_);
  if (fds[1].revents & POLLOUT) natsConnection_ProcessWriteEvent(connection_);
}

natsStatus JetStreamPublisher::on_attach(void** user, void* self, natsConnection* /*nc*/,
                                         natsSock socket) {
  *user = self;
  return static_cast<JetStreamPublisher*>(self)->poll_socket([&](JetStreamPublisher& p) {
    p.socket_ = socket;
    p.poll_read_ = true;
  });
}

natsStatus JetStreamPublisher::on_read(void* self, bool add) {
  return static_cast<JetStreamPublisher*>(self)->poll_socket(
      [add](JetStreamPublisher& p) { p.poll_read_ = add; });
}

natsStatus JetStreamPublisher::on_write(void* self, bool add) {
  return static_cast<JetStreamPublisher*>(self)->poll_socket(
      [add](JetStreamPublisher& p) { p.poll_write_ = add; });
}

natsStatus JetStreamPublisher::on_detach(void* self) {
  return static_cast<JetStreamPublisher*>(self)->poll_socket([](JetStreamPublisher& p) {
    p.socket_ = kNoSocket;
    p.poll_read_ = p.poll_write_ = false;
  });
}

// A failed check (no meta leader yet, no quorum) is tried again, once a
// second, until it succeeds or the connection is lost.
void JetStreamPublisher::keep_loop() {
  bool retry = false;
  while (true) {
    {
      std::unique_lock lock(outbox_mutex_);
      auto due = [&] { return stopping_ || stream_check_due_; };
      if (retry) {
        check_due_.wait_for(lock, kStreamRetry, due);
      } else {
        check_due_.wait(lock, due);
      }
      if (stopping_) return;
      stream_check_due_ = false;
    }
    retry = natsConnection_Status(connection_) == NATS_CONN_STATUS_CONNECTED && !ensure_stream();
  }
}

void JetStreamPublisher::send(Queued& queued) {
  // Not buffered while disconnected: the reply is ERR now, not after the timeout.
  if (natsConnection_Status(connection_) != NATS_CONN_STATUS_CONNECTED) {
    fail(queued.sequence, "not connected");
    return;
  }
  if (std::string error = make_msg(queued); !error.empty()) {
    fail(queued.sequence, error);
    return;
  }
  jsPubOptions options;
  jsPubOptions_Init(&options);
  options.MsgId = queued.msg_id.c_str();
  options.ExpectStream = config_.stream.c_str();
  options.MaxWait = std::chrono::duration_cast<std::chrono::milliseconds>(config_.timeout).count();
  natsMsg* msg = queued.msg;
  {
    std::lock_guard lock(mutex_);
    sequences_[msg] = queued.sequence;
  }
  natsStatus status = js_PublishMsgAsync(js_, &queued.msg, &options);
  if (status != NATS_OK) {  // still ours: no callback will come for it
    {
      std::lock_guard lock(mutex_);
      sequences_.erase(msg);
    }
    natsMsg_Destroy(queued.msg);
    fail(queued.sequence, status_text(status));
  }
}

void JetStreamPublisher::on_connected(natsConnection* /*nc*/, void* self) {
  static_cast<JetStreamPublisher*>(self)->connected();
}

void JetStreamPublisher::on_disconnected(natsConnection* nc, void* self) {
  const char* error = nullptr;
  natsConnection_GetLastError(nc, &error);
  static_cast<JetStreamPublisher*>(self)->handoff_.push(
      LinkNote{LinkEvent::kLost, error != nullptr ? error : ""});
}

// On the library's thread: the sequence out of the map, the result onto the handoff.
void JetStreamPublisher::on_ack(jsCtx* /*js*/, natsMsg* msg, jsPubAck* ack, jsPubAckErr* error,
                                void* self) {
  auto* publisher = static_cast<JetStreamPublisher*>(self);
  PublishResult result;
  {
    std::lock_guard lock(publisher->mutex_);
    auto it = publisher->sequences_.find(msg);
    if (it == publisher->sequences_.end()) {
      natsMsg_Destroy(msg);
      return;
    }
    result.sequence = it->second;
    publisher->sequences_.erase(it);
  }
  natsMsg_Destroy(msg);
  if (ack != nullptr) {
    result.duplicate = ack->Duplicate;
  } else if (error != nullptr && error->Err == NATS_TIMEOUT) {
    result.error = "no publish ack within the timeout";
  } else if (error != nullptr) {
    result.error = error->ErrText != nullptr && *error->ErrText != '\0'
                       ? std::string(error->ErrText)
                       : std::string(natsStatus_GetText(error->Err));
  } else {
    result.error = "no publish ack";
  }
  publisher->handoff_.push(std::move(result));
}

}  // namespace

std::unique_ptr<Publisher> make_jetstream_publisher(const ReplicationConfig& config,
                                                    std::vector<std::string> subjects,
                                                    Handoff& handoff) {
  return std::make_unique<JetStreamPublisher>(config, std::move(subjects), handoff);
}

}  // namespace ackd
