#include "daemon/config/tls_keys.h"

#include <gtest/gtest.h>

#include <string>

namespace ackd {
namespace {

std::string listener(const std::string& protocol, const std::string& tls) {
  std::string where = protocol == "unix" || protocol == "unixgram" ? "path = '/tmp/x.sock'\n"
                                                                   : "address = '127.0.0.1:1'\n";
  return "[[listener]]\nname = 't'\nprotocol = '" + protocol + "'\n" + where + "[listener.tls]\n" +
         tls;
}

std::string problems_of(const std::string& text) {
  try {
    parse_config(text, "x");
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

const std::string kFiles = "certificate = '/c.pem'\nkey = '/c.key'\n";

TEST(TlsKeys, ReadsEveryKey) {
  Config c = parse_config(
      listener("tcp", kFiles + "client_ca = '/ca.pem'\nverify_client = 'require'\n"
                               "allowed_clients = ['CN=sensor-1', 'DNS:sensor-2.example']\n"),
      "x");
  ASSERT_TRUE(c.listeners[0].tls);
  const TlsSettings& tls = *c.listeners[0].tls;
  EXPECT_EQ(tls.certificate, "/c.pem");
  EXPECT_EQ(tls.key, "/c.key");
  EXPECT_EQ(tls.client_ca, "/ca.pem");
  EXPECT_EQ(tls.verify_client, VerifyClient::kRequire);
  EXPECT_EQ(tls.allowed_clients, (std::vector<std::string>{"CN=sensor-1", "DNS:sensor-2.example"}));
  EXPECT_FALSE(tls.context) << "files are loaded only when checked against the machine";
}

TEST(TlsKeys, NoTableIsPlainAndUnixMaySpeakTls) {
  Config plain =
      parse_config("[[listener]]\nname='t'\nprotocol='tcp'\naddress='127.0.0.1:1'\n", "x");
  EXPECT_FALSE(plain.listeners[0].tls);
  Config local = parse_config(listener("unix", kFiles), "x");
  EXPECT_TRUE(local.listeners[0].tls);
  EXPECT_EQ(local.listeners[0].tls->verify_client, VerifyClient::kOff);
}

TEST(TlsKeys, ProblemsNameTheKeyAndWhy) {
  struct Case {
    std::string text;
    const char* expected;
  };
  const Case cases[] = {
      {listener("udp", kFiles), "x:5:1: listener[0].tls: only tcp and unix (stream) listeners"},
      {listener("unixgram", kFiles), "listener[0].tls: only tcp and unix (stream)"},
      {listener("tcp", "key = '/k'\n"), "listener[0].tls.certificate: missing (required for TLS)"},
      {listener("tcp", "certificate = '/c'\n"), "listener[0].tls.key: missing"},
      {listener("tcp", kFiles + "verify_client = 'always'\n"),
       "x:8:17: listener[0].tls.verify_client: unknown verify_client \"always\" (expected off, "
       "optional or require)"},
      {listener("tcp", kFiles + "verify_client = 'require'\n"),
       "listener[0].tls.verify_client: needs client_ca"},
      {listener("tcp", kFiles + "client_ca = '/ca'\nverify_client = 'optional'\n"
                                "allowed_clients = ['CN=a']\n"),
       "listener[0].tls.allowed_clients: needs verify_client = \"require\""},
      {listener("tcp", kFiles + "client_ca = '/ca'\nverify_client = 'require'\n"
                                "allowed_clients = ['CN=a', 'sensor']\n"),
       "listener[0].tls.allowed_clients[1]: \"sensor\" is not \"CN=name\" or \"DNS:name\""},
      {listener("tcp", kFiles + "client_ca = '/ca'\nverify_client = 'require'\n"
                                "allowed_clients = []\n"),
       "listener[0].tls.allowed_clients: empty"},
      {listener("tcp", kFiles + "ciphers = 'x'\n"), "listener[0].tls.ciphers: unknown key"},
      {"[[listener]]\nname='t'\nprotocol='tcp'\naddress='127.0.0.1:1'\ntls = 'yes'\n",
       "listener[0].tls: must be a table: [listener.tls]"},
  };
  for (const Case& c : cases) {
    EXPECT_NE(problems_of(c.text).find(c.expected), std::string::npos)
        << c.text << "\n=> " << problems_of(c.text);
  }
}

}  // namespace
}  // namespace ackd
