#include "shared_memory/guarded_copy.h"

#include <atomic>
#include <csetjmp>
#include <csignal>
#include <cstring>
#include <mutex>

namespace tensord::shm {
namespace {

// volatile: the compiler knows memmove reads nothing but its arguments, and would otherwise
// drop the store that arms the guard as dead (it is overwritten right after the copy).
thread_local sigjmp_buf* volatile t_armed = nullptr;
struct sigaction g_previous {};

void OnSigbus(int signal_number, siginfo_t* info, void* context) {
  if (sigjmp_buf* armed = t_armed; armed != nullptr) {
    t_armed = nullptr;
    siglongjmp(*armed, 1);
  }
  // Not ours: give it to whoever had it before. SIG_DFL/SIG_IGN are restored, and returning
  // re-runs the faulting access under them.
  if ((g_previous.sa_flags & SA_SIGINFO) != 0 && g_previous.sa_sigaction != nullptr) {
    g_previous.sa_sigaction(signal_number, info, context);
    return;
  }
  sigaction(SIGBUS, &g_previous, nullptr);
}

void InstallOnce() {
  static std::once_flag once;
  std::call_once(once, [] {
    struct sigaction action {};
    action.sa_sigaction = &OnSigbus;
    action.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigemptyset(&action.sa_mask);
    sigaction(SIGBUS, &action, &g_previous);
  });
}

}  // namespace

bool GuardedCopy(void* destination, const void* source, size_t size) {
  if (size == 0) return true;
  InstallOnce();
  sigjmp_buf jump;
  // savemask = 1: the jump restores the signal mask, so SIGBUS is not left blocked.
  if (sigsetjmp(jump, 1) != 0) return false;
  t_armed = &jump;
  std::atomic_signal_fence(std::memory_order_seq_cst);
  std::memmove(destination, source, size);
  std::atomic_signal_fence(std::memory_order_seq_cst);
  t_armed = nullptr;
  return true;
}

}  // namespace tensord::shm
