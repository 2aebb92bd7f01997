#include "tests/support/nats_cluster.h"

#ifdef ACKD_HAVE_NATS

#include <nats/nats.h>
#include <sys/socket.h>
#include <unistd.h>

#include <csignal>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <thread>
#include <utility>

#include "tests/support/net.h"
#include "tests/support/ports.h"
#include "tests/support/wait.h"

namespace ackd::test {
namespace {

using namespace std::chrono_literals;

// A client connection to whichever nodes answer; nullptr if none does.
struct Client {
  natsConnection* connection = nullptr;
  jsCtx* js = nullptr;

  Client(const std::vector<std::string>& urls, const NatsSecurity& security) {
    natsOptions* options = nullptr;
    natsOptions_Create(&options);
    std::vector<const char*> servers;
    for (const std::string& url : urls) servers.push_back(url.c_str());
    natsOptions_SetServers(options, servers.data(), static_cast<int>(servers.size()));
    natsOptions_SetTimeout(options, 1000);
    natsOptions_SetAllowReconnect(options, false);
    if (!security.token.empty()) natsOptions_SetToken(options, security.token.c_str());
    if (!security.ca.empty()) {
      natsOptions_SetSecure(options, true);
      natsOptions_LoadCATrustedCertificates(options, security.ca.c_str());
    }
    if (natsConnection_Connect(&connection, options) != NATS_OK) connection = nullptr;
    natsOptions_Destroy(options);
    if (connection == nullptr) return;
    jsOptions js_options;
    jsOptions_Init(&js_options);
    js_options.Wait = 2000;
    if (natsConnection_JetStream(&js, connection, &js_options) != NATS_OK) js = nullptr;
  }
  ~Client() {
    if (js != nullptr) jsCtx_Destroy(js);
    if (connection != nullptr) natsConnection_Destroy(connection);
  }
  bool ok() const { return js != nullptr; }
};

bool stream_has_leader(jsCtx* js, const std::string& name) {
  jsStreamInfo* info = nullptr;
  if (js_GetStreamInfo(&info, js, name.c_str(), nullptr, nullptr) != NATS_OK) return false;
  bool led = info->Cluster == nullptr ||
             (info->Cluster->Leader != nullptr && info->Cluster->Leader[0] != '\0');
  jsStreamInfo_Destroy(info);
  return led;
}

StoredMessage stored(natsMsg* msg, uint64_t sequence) {
  StoredMessage m;
  m.sequence = sequence;
  m.subject = natsMsg_GetSubject(msg);
  m.body.assign(natsMsg_GetData(msg), static_cast<size_t>(natsMsg_GetDataLength(msg)));
  const char** keys = nullptr;
  int count = 0;
  if (natsMsgHeader_Keys(msg, &keys, &count) == NATS_OK) {
    for (int i = 0; i < count; ++i) {
      const char* value = nullptr;
      if (natsMsgHeader_Get(msg, keys[i], &value) == NATS_OK) m.headers[keys[i]] = value;
    }
    free(keys);
  }
  return m;
}

}  // namespace

// Debian installs it in /usr/sbin, which a test's PATH may lack.
static std::string nats_server_path() {
  for (const char* path : {"/usr/sbin/nats-server", "/usr/bin/nats-server"}) {
    if (access(path, X_OK) == 0) return path;
  }
  return "";
}

bool NatsCluster::available() { return !nats_server_path().empty(); }

NatsCluster::NatsCluster(int nodes, NatsSecurity security) : security_(std::move(security)) {
  for (int i = 0; i < nodes; ++i) {
    Node node;
    node.name = "n" + std::to_string(i + 1);
    node.client_port = free_port();
    node.cluster_port = free_port();
    nodes_.push_back(std::move(node));
  }
  for (int i = 0; i < nodes; ++i) write_config(i);
  for (int i = 0; i < nodes; ++i) start(i);
}

NatsCluster::~NatsCluster() {
  for (int i = 0; i < size(); ++i) kill(i);
}

std::string NatsCluster::url(int node) const {
  return (security_.certificate.empty() ? "nats://127.0.0.1:" : "tls://127.0.0.1:") +
         std::to_string(nodes_[static_cast<size_t>(node)].client_port);
}

std::string NatsCluster::servers_toml() const {
  std::string out = "[";
  for (int i = 0; i < size(); ++i) out += (i ? ", \"" : "\"") + url(i) + "\"";
  return out + "]";
}

void NatsCluster::write_config(int i) {
  Node& node = nodes_[static_cast<size_t>(i)];
  std::string routes;
  for (const Node& other : nodes_) {
    if (&other == &node) continue;
    routes += (routes.empty() ? "" : ", ") + std::string("\"nats-route://127.0.0.1:") +
              std::to_string(other.cluster_port) + "\"";
  }
  node.config = dir_.file(node.name + ".conf");
  std::ofstream out(node.config);
  out << "server_name: " << node.name << "\n"
      << "listen: \"127.0.0.1:" << node.client_port << "\"\n"
      << "jetstream { store_dir: \"" << dir_.file(node.name) << "\", max_memory_store: 64MB, "
      << "max_file_store: 1GB }\n"
      << "cluster { name: ackd_test, listen: \"127.0.0.1:" << node.cluster_port << "\", routes: ["
      << routes << "] }\n";
  // Clients only: the routes between the nodes stay as they are.
  if (!security_.token.empty()) out << "authorization { token: \"" << security_.token << "\" }\n";
  if (!security_.certificate.empty()) {
    out << "tls { cert_file: \"" << security_.certificate << "\", key_file: \"" << security_.key
        << "\" }\n";
  }
}

void NatsCluster::start(int i) {
  Node& node = nodes_[static_cast<size_t>(i)];
  std::string log = dir_.file(node.name + ".log");
  node.process =
      std::make_unique<Subprocess>(std::vector<std::string>{"nats-server", "-c", node.config},
                                   std::vector<std::string>{}, log, log);
  if (!wait_listening(i, 10s)) {
    std::ifstream file(log);
    std::string text((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
    throw std::runtime_error("nats-server " + node.name + " did not start; its log:\n" + text);
  }
}

void NatsCluster::kill(int i) {
  Node& node = nodes_[static_cast<size_t>(i)];
  if (!node.process) return;
  node.process->send_signal(SIGKILL);
  node.process->wait_for(5s);
  node.process.reset();
}

bool NatsCluster::running(int i) const { return nodes_[static_cast<size_t>(i)].process != nullptr; }

bool NatsCluster::wait_listening(int i, std::chrono::milliseconds timeout) {
  uint16_t port = nodes_[static_cast<size_t>(i)].client_port;
  return wait_until(
      [&] {
        try {
          return static_cast<bool>(connect_tcp(port));
        } catch (const std::exception&) {
          return false;
        }
      },
      timeout, 20ms);
}

bool NatsCluster::create_stream(const std::string& name, const std::vector<std::string>& subjects,
                                int replicas, std::chrono::milliseconds timeout) {
  std::vector<std::string> urls;
  for (int i = 0; i < size(); ++i) {
    if (running(i)) urls.push_back(url(i));
  }
  return wait_until(
      [&] {
        Client client(urls, security_);
        if (!client.ok()) return false;
        std::vector<const char*> names;
        for (const std::string& s : subjects) names.push_back(s.c_str());
        jsStreamConfig config;
        jsStreamConfig_Init(&config);
        config.Name = name.c_str();
        config.Subjects = names.data();
        config.SubjectsLen = static_cast<int>(names.size());
        config.Storage = js_FileStorage;
        config.Replicas = replicas;
        jsStreamInfo* info = nullptr;
        natsStatus s = js_AddStream(&info, client.js, &config, nullptr, nullptr);
        if (info != nullptr) jsStreamInfo_Destroy(info);
        return (s == NATS_OK || stream_has_leader(client.js, name)) &&
               stream_has_leader(client.js, name);
      },
      timeout, 200ms);
}

bool NatsCluster::read_stream(const std::string& name, std::vector<StoredMessage>& out,
                              std::chrono::milliseconds timeout) {
  std::vector<std::string> urls;
  for (int i = 0; i < size(); ++i) {
    if (running(i)) urls.push_back(url(i));
  }
  return wait_until(
      [&] {
        out.clear();
        Client client(urls, security_);
        if (!client.ok()) return false;
        jsStreamInfo* info = nullptr;
        if (js_GetStreamInfo(&info, client.js, name.c_str(), nullptr, nullptr) != NATS_OK) {
          return false;
        }
        uint64_t first = info->State.FirstSeq, last = info->State.LastSeq;
        jsStreamInfo_Destroy(info);
        for (uint64_t seq = first; seq <= last && seq > 0; ++seq) {
          natsMsg* msg = nullptr;
          jsErrCode code = static_cast<jsErrCode>(0);
          natsStatus s = js_GetMsg(&msg, client.js, name.c_str(), seq, nullptr, &code);
          if (s != NATS_OK) {
            if (code == JSNoMessageFoundErr) continue;  // deleted
            return false;
          }
          out.push_back(stored(msg, seq));
          natsMsg_Destroy(msg);
        }
        return true;
      },
      timeout, 200ms);
}

}  // namespace ackd::test

#endif  // ACKD_HAVE_NATS
