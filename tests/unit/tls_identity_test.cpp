#include "daemon/transport/tls_identity.h"

#include <gtest/gtest.h>

namespace ackd {
namespace {

using Names = std::vector<std::string>;

TEST(TlsIdentity, AdmittedNameIsTheFirstOnTheList) {
  struct Case {
    Names names;
    Names allowed;
    std::optional<std::string> expected;
  };
  const Case cases[] = {
      {{"CN=sensor-1", "DNS:a.example"}, {}, "CN=sensor-1"},
      {{"DNS:a.example"}, {}, "DNS:a.example"},
      {{}, {}, ""},
      {{"CN=sensor-1", "DNS:a.example"}, {"DNS:a.example"}, "DNS:a.example"},
      {{"CN=sensor-1", "DNS:a.example"}, {"CN=sensor-1", "DNS:a.example"}, "CN=sensor-1"},
      {{"CN=sensor-9"}, {"CN=sensor-1"}, std::nullopt},
      {{}, {"CN=sensor-1"}, std::nullopt},
      {{"CN=Sensor-1"}, {"CN=sensor-1"}, std::nullopt},  // exact, as configured
      {{std::string("CN=sensor-1\0.evil", 17)}, {"CN=sensor-1"}, std::nullopt},
      {{std::string("CN=a\0b", 6), "DNS:b"}, {}, "DNS:b"},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(admitted_name(c.names, c.allowed), c.expected)
        << (c.names.empty() ? "(none)" : c.names[0]);
  }
}

TEST(TlsIdentity, NoCertificateHasNoNames) { EXPECT_TRUE(client_names(nullptr).empty()); }

}  // namespace
}  // namespace ackd
