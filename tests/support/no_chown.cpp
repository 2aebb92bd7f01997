// no_chown PROGRAM ARGS...: runs PROGRAM where every chown call fails with
// EPERM (a seccomp filter), as under the packaged unit, whose
// SystemCallFilter= leaves out @privileged and which grants no CAP_CHOWN.
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdio>

namespace {

#if defined(__x86_64__)
constexpr unsigned kArch = AUDIT_ARCH_X86_64;
#elif defined(__aarch64__)
constexpr unsigned kArch = AUDIT_ARCH_AARCH64;
#else
#error "no_chown: add this architecture's AUDIT_ARCH_"
#endif
#ifdef __NR_chown
constexpr unsigned kChown = __NR_chown, kLchown = __NR_lchown;
#else
constexpr unsigned kChown = ~0U, kLchown = ~0U;  // only fchownat there
#endif

// Jumps to the filter's last instruction (deny) when the call is `nr`.
constexpr sock_filter deny_if(unsigned nr, unsigned char to_deny) {
  return BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, nr, to_deny, 0);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: no_chown PROGRAM [ARGS...]\n");
    return 2;
  }
  sock_filter filter[] = {
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, arch)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, kArch, 1, 0),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),  // another ABI: not ours to judge
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr)),
      deny_if(kChown, 4),
      deny_if(kLchown, 3),
      deny_if(__NR_fchown, 2),
      deny_if(__NR_fchownat, 1),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
  };
  sock_fprog program{static_cast<unsigned short>(sizeof(filter) / sizeof(filter[0])), filter};
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
      prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &program) != 0) {
    std::perror("no_chown: seccomp");
    return 1;
  }
  execvp(argv[1], argv + 1);
  std::perror("no_chown: exec");
  return 127;
}
