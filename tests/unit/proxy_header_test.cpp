#include "daemon/transport/proxy_header.h"
#include "daemon/transport/proxy_v2.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>

#include <string>

#include "common/crc32c.h"

namespace ackd {
namespace {

using namespace std::string_literals;

const std::string kSignature = "\r\n\r\n\0\r\nQUIT\n"s;

std::string be16(size_t value) {
  return {static_cast<char>((value >> 8) & 0xff), static_cast<char>(value & 0xff)};
}

std::string tlv(unsigned char type, const std::string& value) {
  return std::string(1, static_cast<char>(type)) + be16(value.size()) + value;
}

// A v2 header: signature, version/command, family/transport, length, body.
std::string v2(unsigned char version_command, unsigned char family, const std::string& body) {
  return kSignature + static_cast<char>(version_command) + static_cast<char>(family) +
         be16(body.size()) + body;
}

std::string ip4(const char* text) {
  std::string bytes(4, '\0');
  inet_pton(AF_INET, text, bytes.data());
  return bytes;
}

std::string ip6(const char* text) {
  std::string bytes(16, '\0');
  inet_pton(AF_INET6, text, bytes.data());
  return bytes;
}

// 192.0.2.1:4000 -> 198.51.100.1:51717, TCP over IPv4.
const std::string kTcp4Block = ip4("192.0.2.1") + ip4("198.51.100.1") + be16(4000) + be16(51717);
const std::string kTcp6Block = ip6("2001:db8::1") + ip6("2001:db8::2") + be16(4000) + be16(443);

std::string unix_block(const std::string& source, const std::string& destination) {
  std::string a = source, b = destination;
  a.resize(108, '\0');
  b.resize(108, '\0');
  return a + b;
}

// A v2 header whose TLVs end with a correct CRC32C (PROXY TCP4 by default),
// or have `after` after it.
std::string with_crc(const std::string& tlvs, unsigned char version_command = 0x21,
                     unsigned char family = 0x11, const std::string& block = kTcp4Block,
                     const std::string& after = "") {
  std::string header =
      v2(version_command, family, block + tlvs + tlv(0x03, std::string(4, '\0')) + after);
  uint32_t crc = crc32c(header.data(), header.size());
  size_t at = header.size() - after.size() - 4;
  for (int i = 0; i < 4; ++i) header[at + i] = static_cast<char>(crc >> (24 - 8 * i));
  return header;
}

struct Valid {
  const char* name;
  std::string input;
  ProxyProtocol accepted;
  bool proxied;
  std::string source;  // when proxied
  std::string destination;
  std::string unique_id;
};

std::vector<Valid> valid_cases() {
  std::string crc = with_crc(tlv(0x05, "id-1"));
  return {
      {"v1 TCP4", "PROXY TCP4 192.0.2.1 198.51.100.1 4000 51717\r\n", ProxyProtocol::kV1, true,
       "192.0.2.1:4000", "198.51.100.1:51717", ""},
      {"v1 TCP6", "PROXY TCP6 2001:db8::1 2001:db8::2 4000 443\r\n", ProxyProtocol::kAny, true,
       "[2001:db8::1]:4000", "[2001:db8::2]:443", ""},
      {"v1 TCP6 mapped", "PROXY TCP6 ::ffff:192.0.2.1 ::1 0 65535\r\n", ProxyProtocol::kV1, true,
       "192.0.2.1:0", "[::1]:65535", ""},
      {"v1 UNKNOWN", "PROXY UNKNOWN\r\n", ProxyProtocol::kV1, false, "", "", ""},
      {"v1 UNKNOWN with ignored rest", "PROXY UNKNOWN ffff:: garbage  here 1\r\n",
       ProxyProtocol::kAny, false, "", "", ""},
      {"v1 longest", "PROXY UNKNOWN " + std::string(107 - 16, 'f') + "\r\n", ProxyProtocol::kV1,
       false, "", "", ""},
      {"v2 PROXY TCP4", v2(0x21, 0x11, kTcp4Block), ProxyProtocol::kV2, true, "192.0.2.1:4000",
       "198.51.100.1:51717", ""},
      {"v2 PROXY TCP6", v2(0x21, 0x21, kTcp6Block), ProxyProtocol::kAny, true, "[2001:db8::1]:4000",
       "[2001:db8::2]:443", ""},
      {"v2 PROXY unix stream", v2(0x21, 0x31, unix_block("/run/client.sock", "/run/ackd.sock")),
       ProxyProtocol::kV2, true, "unix:/run/client.sock", "unix:/run/ackd.sock", ""},
      {"v2 PROXY unix abstract and unnamed", v2(0x21, 0x31, unix_block("\0abstract"s, "")),
       ProxyProtocol::kV2, true, "unix:@abstract", "unix:(unnamed)", ""},
      {"v2 PROXY unix path without NUL", v2(0x21, 0x31, unix_block(std::string(108, 'p'), "/b")),
       ProxyProtocol::kV2, true, "unix:" + std::string(107, 'p'), "unix:/b", ""},
      {"v2 LOCAL without addresses", v2(0x20, 0x00, ""), ProxyProtocol::kV2, false, "", "", ""},
      {"v2 LOCAL with addresses, ignored", v2(0x20, 0x11, kTcp4Block), ProxyProtocol::kV2, false,
       "", "", ""},
      {"v2 LOCAL with a short block", v2(0x20, 0x21, "abc"), ProxyProtocol::kV2, false, "", "", ""},
      {"v2 PROXY UNSPEC", v2(0x21, 0x00, tlv(0x04, "pad")), ProxyProtocol::kV2, false, "", "", ""},
      {"v2 LOCAL health check with CRC32C", with_crc(tlv(0x05, "chk"), 0x20, 0x00, ""),
       ProxyProtocol::kV2, false, "", "", "chk"},
      {"v2 PROXY UDP4: real endpoints", v2(0x21, 0x12, kTcp4Block), ProxyProtocol::kV2, false, "",
       "", ""},
      {"v2 PROXY unix dgram: real endpoints", v2(0x21, 0x32, unix_block("/a", "/b")),
       ProxyProtocol::kV2, false, "", "", ""},
      {"v2 unknown TLVs skipped",
       v2(0x21, 0x11,
          kTcp4Block + tlv(0x01, "h2") + tlv(0x02, "example.org") + tlv(0x04, "") +
              tlv(0x20, std::string(5, '\1')) + tlv(0xe0, "app")),
       ProxyProtocol::kV2, true, "192.0.2.1:4000", "198.51.100.1:51717", ""},
      {"v2 UNIQUE_ID recorded", v2(0x21, 0x11, kTcp4Block + tlv(0x05, "\x01unique\xff"s)),
       ProxyProtocol::kAny, true, "192.0.2.1:4000", "198.51.100.1:51717", "\x01unique\xff"s},
      {"v2 UNIQUE_ID of 128 bytes", v2(0x21, 0x11, kTcp4Block + tlv(0x05, std::string(128, 'u'))),
       ProxyProtocol::kV2, true, "192.0.2.1:4000", "198.51.100.1:51717", std::string(128, 'u')},
      {"v2 CRC32C verified", crc, ProxyProtocol::kV2, true, "192.0.2.1:4000", "198.51.100.1:51717",
       "id-1"},
      {"v2 CRC32C before other TLVs", with_crc("", 0x21, 0x11, kTcp4Block, tlv(0x05, "id-2")),
       ProxyProtocol::kV2, true, "192.0.2.1:4000", "198.51.100.1:51717", "id-2"},
      {"v2 at the length bound",
       v2(0x21, 0x11, kTcp4Block + tlv(0xe1, std::string(2048 - 15, 'x'))), ProxyProtocol::kV2,
       true, "192.0.2.1:4000", "198.51.100.1:51717", ""},
  };
}

TEST(ProxyHeader, ParsesValidHeaders) {
  for (const Valid& c : valid_cases()) {
    SCOPED_TRACE(c.name);
    ProxyParseResult r = parse_proxy_header(c.input, c.accepted);
    ASSERT_EQ(r.status, ProxyParseStatus::kDone) << r.error;
    EXPECT_EQ(r.header.version, c.input[0] == 'P' ? 1 : 2);
    EXPECT_EQ(r.header.length, c.input.size());
    EXPECT_EQ(r.header.proxied, c.proxied);
    if (c.proxied) {
      EXPECT_EQ(r.header.source.to_string(), c.source);
      EXPECT_EQ(r.header.destination.to_string(), c.destination);
    }
    EXPECT_EQ(r.header.unique_id, c.unique_id);
  }
}

// Every beginning of a valid header needs more; bytes after it are the
// stream's and change nothing.
// The quick path takes the header a proxy sends per TCP connection (v2,
// PROXY, TCP4 or TCP6, no TLV) and gives what the full v2 parser gives;
// every other valid header is the full parser's.
TEST(ProxyHeader, TheUsualV2HeaderTakesTheQuickPathToTheSameResult) {
  std::vector<std::string> quick;
  for (const Valid& c : valid_cases()) {
    SocketAddress source;
    size_t length = parse_proxy_v2_usual(c.input + "next message\n", source);
    if (length == 0) continue;
    quick.push_back(c.name);
    ProxyHeader full;
    std::string error;
    ASSERT_EQ(parse_proxy_v2(c.input, full, error), ProxyParseStatus::kDone) << c.name;
    EXPECT_EQ(length, full.length);
    EXPECT_TRUE(full.proxied);
    EXPECT_TRUE(full.unique_id.empty());
    EXPECT_EQ(source.to_string(), c.source);
  }
  EXPECT_EQ(quick, (std::vector<std::string>{"v2 PROXY TCP4", "v2 PROXY TCP6"}));
  SocketAddress source;
  EXPECT_EQ(parse_proxy_v2_usual(v2(0x21, 0x11, kTcp4Block).substr(0, 27), source), 0u);
}

TEST(ProxyHeader, IsIncremental) {
  for (const Valid& c : valid_cases()) {
    SCOPED_TRACE(c.name);
    for (size_t n = 0; n < c.input.size(); ++n) {
      ProxyParseResult r = parse_proxy_header(c.input.substr(0, n), c.accepted);
      ASSERT_EQ(r.status, ProxyParseStatus::kNeedMore) << n << " bytes: " << r.error;
    }
    ProxyParseResult r = parse_proxy_header(c.input + "hello\r\n\0PROXY "s, c.accepted);
    ASSERT_EQ(r.status, ProxyParseStatus::kDone) << r.error;
    EXPECT_EQ(r.header.length, c.input.size());
  }
}

struct Invalid {
  const char* name;
  std::string input;
  ProxyProtocol accepted;
  const char* says;  // part of the reason
};

std::vector<Invalid> invalid_cases() {
  std::string bad_crc = with_crc("");
  bad_crc[20] ^= 1;  // an address byte, after the checksum was computed
  std::string bad_tail = with_crc("", 0x21, 0x11, kTcp4Block, tlv(0x05, "id-2"));
  bad_tail.back() ^= 1;  // a byte after the checksum's TLV
  return {
      // Which header, by configuration.
      {"off never sniffs", "PROXY TCP4 192.0.2.1 198.51.100.1 1 2\r\n", ProxyProtocol::kOff,
       "expects no PROXY header"},
      {"off, even empty", "", ProxyProtocol::kOff, "expects no PROXY header"},
      {"no header", "hello\n", ProxyProtocol::kAny, "no PROXY header"},
      {"no header, one byte", "G", ProxyProtocol::kV1, "no PROXY header"},
      {"lowercase", "proxy TCP4", ProxyProtocol::kV1, "no PROXY header"},
      {"v2 where v1 only", kSignature, ProxyProtocol::kV1, "takes v1 only"},
      {"v1 where v2 only", "PROXY ", ProxyProtocol::kV2, "takes v2 only"},
      // v1 framing.
      {"v1 too long", "PROXY UNKNOWN " + std::string(100, 'f'), ProxyProtocol::kV1,
       "no CRLF within 107 bytes"},
      {"v1 CRLF at 108", "PROXY UNKNOWN " + std::string(107 - 15, 'f') + "\r\n", ProxyProtocol::kV1,
       "no CRLF within 107 bytes"},
      {"v1 LF alone", "PROXY UNKNOWN\n", ProxyProtocol::kV1, "a LF without its CR"},
      {"v1 CR alone", "PROXY UNKNOWN\rX", ProxyProtocol::kV1, "a CR not followed by LF"},
      {"v1 NUL", "PROXY TCP4\0"s, ProxyProtocol::kV1, "not printable US-ASCII"},
      {"v1 8-bit", "PROXY TCP4 \xc3\xa9", ProxyProtocol::kAny, "not printable US-ASCII"},
      {"v1 short line", "PROXY\r\n", ProxyProtocol::kV1, "no PROXY header"},
      // v1 fields.
      {"v1 protocol", "PROXY UDP4 192.0.2.1 198.51.100.1 1 2\r\n", ProxyProtocol::kV1,
       "unknown protocol \"UDP4\""},
      {"v1 empty protocol", "PROXY \r\n", ProxyProtocol::kV1, "unknown protocol \"\""},
      {"v1 UNKNOWN prefix only", "PROXY UNKNOWNX\r\n", ProxyProtocol::kV1, "unknown protocol"},
      {"v1 two spaces", "PROXY TCP4  192.0.2.1 198.51.100.1 1 2\r\n", ProxyProtocol::kV1,
       "exactly one space"},
      {"v1 trailing space", "PROXY TCP4 192.0.2.1 198.51.100.1 1 2 \r\n", ProxyProtocol::kV1,
       "exactly one space"},
      {"v1 missing port", "PROXY TCP4 192.0.2.1 198.51.100.1 1\r\n", ProxyProtocol::kV1,
       "expected \"PROXY TCP4|TCP6"},
      {"v1 extra field", "PROXY TCP4 192.0.2.1 198.51.100.1 1 2 3\r\n", ProxyProtocol::kV1,
       "expected \"PROXY TCP4|TCP6"},
      {"v1 source port range", "PROXY TCP4 192.0.2.1 198.51.100.1 65536 2\r\n", ProxyProtocol::kV1,
       "bad source port \"65536\""},
      {"v1 source port zero-led", "PROXY TCP4 192.0.2.1 198.51.100.1 01 2\r\n", ProxyProtocol::kV1,
       "bad source port"},
      {"v1 destination port text", "PROXY TCP4 192.0.2.1 198.51.100.1 1 http\r\n",
       ProxyProtocol::kV1, "bad destination port \"http\""},
      {"v1 destination port sign", "PROXY TCP4 192.0.2.1 198.51.100.1 1 +2\r\n", ProxyProtocol::kV1,
       "bad destination port"},
      {"v1 source octal", "PROXY TCP4 192.0.2.01 198.51.100.1 1 2\r\n", ProxyProtocol::kV1,
       "bad source address \"192.0.2.01\""},
      {"v1 source name", "PROXY TCP4 localhost 198.51.100.1 1 2\r\n", ProxyProtocol::kV1,
       "bad source address"},
      {"v1 TCP4 with IPv6", "PROXY TCP4 ::1 198.51.100.1 1 2\r\n", ProxyProtocol::kV1,
       "expected an IPv4 address"},
      {"v1 TCP6 with IPv4", "PROXY TCP6 ::1 198.51.100.1 1 2\r\n", ProxyProtocol::kV1,
       "bad destination address \"198.51.100.1\" (expected IPv6)"},
      {"v1 long address", "PROXY TCP6 ::1 " + std::string(50, 'f') + " 1 2\r\n", ProxyProtocol::kV1,
       "bad destination address"},
      // v2 fixed part.
      {"v2 version 1", kSignature + "\x11", ProxyProtocol::kV2, "version 1 (expected 2)"},
      {"v2 version 3", v2(0x31, 0x11, kTcp4Block), ProxyProtocol::kV2, "version 3"},
      {"v2 command 2", kSignature + "\x22", ProxyProtocol::kV2, "command 2"},
      {"v2 family 4", kSignature + "\x21\x41", ProxyProtocol::kV2, "address family 4"},
      {"v2 transport 3", kSignature + "\x21\x13", ProxyProtocol::kV2, "transport 3"},
      {"v2 length past the bound", kSignature + "\x21\x11" + be16(2049), ProxyProtocol::kV2,
       "length 2049 past the bound of 2048"},
      {"v2 bad signature", "\r\n\r\n\0\r\nQUIT\r"s, ProxyProtocol::kV2, "no PROXY header"},
      // v2 addresses and TLVs.
      {"v2 TCP4 block short", v2(0x21, 0x11, kTcp4Block.substr(0, 11)), ProxyProtocol::kV2,
       "an address block of 11 bytes, the family needs 12"},
      {"v2 TCP6 block short", v2(0x21, 0x21, kTcp4Block), ProxyProtocol::kV2, "needs 36"},
      {"v2 unix block short", v2(0x21, 0x31, kTcp6Block), ProxyProtocol::kV2, "needs 216"},
      {"v2 UDP4 block short", v2(0x21, 0x12, ""), ProxyProtocol::kV2, "needs 12"},
      {"v2 truncated TLV", v2(0x21, 0x11, kTcp4Block + "\x05\x00"s), ProxyProtocol::kV2,
       "a truncated TLV"},
      {"v2 TLV past the end",
       v2(0x21, 0x11,
          kTcp4Block + "\xe0\x00\x05"
                       "abcd"s),
       ProxyProtocol::kV2, "TLV 0xe0 runs past the header"},
      {"v2 TLV in a LOCAL header", v2(0x20, 0x00, "\x04\x00\x09"s), ProxyProtocol::kV2,
       "TLV 0x04 runs past"},
      {"v2 CRC32C size", v2(0x21, 0x11, kTcp4Block + tlv(0x03, "abc")), ProxyProtocol::kV2,
       "a CRC32C TLV of 3 bytes (expected 4)"},
      {"v2 two CRC32C", v2(0x21, 0x11, kTcp4Block + tlv(0x03, "abcd") + tlv(0x03, "abcd")),
       ProxyProtocol::kV2, "two CRC32C TLVs"},
      {"v2 CRC32C mismatch", bad_crc, ProxyProtocol::kV2, "CRC32C checksum does not match"},
      {"v2 CRC32C mismatch after it", bad_tail, ProxyProtocol::kV2,
       "CRC32C checksum does not match"},
      {"v2 CRC32C zeroed", v2(0x21, 0x11, kTcp4Block + tlv(0x03, std::string(4, '\0'))),
       ProxyProtocol::kV2, "CRC32C checksum does not match"},
      {"v2 UNIQUE_ID too long", v2(0x21, 0x11, kTcp4Block + tlv(0x05, std::string(129, 'u'))),
       ProxyProtocol::kV2, "UNIQUE_ID TLV longer than 128 bytes"},
      {"v2 two UNIQUE_ID", v2(0x21, 0x11, kTcp4Block + tlv(0x05, "a") + tlv(0x05, "b")),
       ProxyProtocol::kAny, "two UNIQUE_ID TLVs"},
  };
}

TEST(ProxyHeader, RejectsWithAReason) {
  for (const Invalid& c : invalid_cases()) {
    SCOPED_TRACE(c.name);
    ProxyParseResult r = parse_proxy_header(c.input, c.accepted);
    ASSERT_EQ(r.status, ProxyParseStatus::kError);
    EXPECT_NE(r.error.find(c.says), std::string::npos) << r.error;
    for (char ch : r.error) EXPECT_TRUE(ch >= 0x20 && ch < 0x7f) << r.error;
  }
}

// The same mistake is an error as soon as the bytes show it, not at 107.
TEST(ProxyHeader, RejectsEarly) {
  EXPECT_EQ(parse_proxy_header("PROXY UNKNOWN\n", ProxyProtocol::kV1).status,
            ProxyParseStatus::kError);
  EXPECT_EQ(parse_proxy_header(kSignature + "\x31", ProxyProtocol::kV2).status,
            ProxyParseStatus::kError);
  EXPECT_EQ(parse_proxy_header(kSignature + "\x21\x11\xff", ProxyProtocol::kV2).status,
            ProxyParseStatus::kNeedMore);  // the length's second byte decides
  EXPECT_EQ(parse_proxy_header(kSignature + "\x21\x11\x08\x01", ProxyProtocol::kV2).status,
            ProxyParseStatus::kError);
}

TEST(ProxyHeader, HeaderSizesStayWithinTheBound) {
  EXPECT_EQ(kProxyHeaderMaxSize, 16u + 2048u);
  for (const Valid& c : valid_cases()) EXPECT_LE(c.input.size(), kProxyHeaderMaxSize) << c.name;
}

TEST(ProxyProtocolName, RoundTrips) {
  for (const char* text : {"off", "v1", "v2", "any"}) {
    EXPECT_EQ(to_string(parse_proxy_protocol(text)), text);
  }
  for (const char* text : {"", "on", "V1", "v3", "any "}) {
    EXPECT_THROW(parse_proxy_protocol(text), std::invalid_argument) << text;
  }
}

}  // namespace
}  // namespace ackd
