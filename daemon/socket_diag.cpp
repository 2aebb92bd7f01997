#include "daemon/socket_diag.h"

#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <linux/unix_diag.h>
#include <sys/socket.h>
#include <sys/sysmacros.h>

#include <cstdint>

#include "common/unique_fd.h"

namespace ackd {
namespace {

constexpr uint64_t kLow32 = 0xffffffffu;

// The kernel's own dev_t encoding (major << 20 | minor), as sock_diag gives it.
dev_t from_kernel_dev(uint32_t dev) { return makedev(dev >> 20, dev & 0xfffff); }

std::optional<FileIdentity> parse_reply(const char* data, ssize_t size) {
  const auto* header = reinterpret_cast<const nlmsghdr*>(data);
  if (size < static_cast<ssize_t>(sizeof(nlmsghdr)) ||
      !NLMSG_OK(header, static_cast<uint32_t>(size)) || header->nlmsg_type != SOCK_DIAG_BY_FAMILY) {
    return std::nullopt;  // NLMSG_ERROR: no such socket, or no unix_diag
  }
  const auto* message = static_cast<const unix_diag_msg*>(NLMSG_DATA(header));
  int length = static_cast<int>(header->nlmsg_len - NLMSG_LENGTH(sizeof(*message)));
  const auto* attribute = reinterpret_cast<const rtattr*>(message + 1);
  for (; RTA_OK(attribute, length); attribute = RTA_NEXT(attribute, length)) {
    if (attribute->rta_type != UNIX_DIAG_VFS) continue;
    const auto* vfs = static_cast<const unix_diag_vfs*>(RTA_DATA(attribute));
    return FileIdentity{from_kernel_dev(vfs->udiag_vfs_dev), vfs->udiag_vfs_ino};
  }
  return std::nullopt;
}

}  // namespace

bool FileIdentity::same_as(const struct stat& st) const {
  return known() && st.st_dev == dev && (st.st_ino & kLow32) == (ino & kLow32);
}

std::optional<FileIdentity> bound_socket_file(int socket_fd) {
  struct stat st {};
  if (fstat(socket_fd, &st) != 0 || !S_ISSOCK(st.st_mode)) return std::nullopt;
  UniqueFd netlink(socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG));
  if (!netlink) return std::nullopt;
  struct {
    nlmsghdr header;
    unix_diag_req request;
  } query{};
  query.header.nlmsg_len = sizeof(query);
  query.header.nlmsg_type = SOCK_DIAG_BY_FAMILY;
  query.header.nlmsg_flags = NLM_F_REQUEST;
  query.request.sdiag_family = AF_UNIX;
  query.request.udiag_states = ~0u;
  query.request.udiag_ino = static_cast<uint32_t>(st.st_ino);  // the socket's own inode
  query.request.udiag_show = UDIAG_SHOW_VFS;
  query.request.udiag_cookie[0] = query.request.udiag_cookie[1] = ~0u;  // any cookie
  sockaddr_nl kernel{};
  kernel.nl_family = AF_NETLINK;
  if (sendto(netlink.get(), &query, sizeof(query), 0, reinterpret_cast<sockaddr*>(&kernel),
             sizeof(kernel)) != static_cast<ssize_t>(sizeof(query))) {
    return std::nullopt;
  }
  // The kernel answers within sendto(): never wait for it.
  alignas(nlmsghdr) char reply[1024];
  ssize_t n = recv(netlink.get(), reply, sizeof(reply), MSG_DONTWAIT);
  return n > 0 ? parse_reply(reply, n) : std::nullopt;
}

}  // namespace ackd
