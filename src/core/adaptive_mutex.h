// AdaptiveMutex: a mutex that spins briefly before sleeping (glibc's PTHREAD_MUTEX_ADAPTIVE_NP),
// for locks held for well under a microsecond by threads that rarely collide. Under a collision
// the waiter usually gets the lock without a futex sleep and wake-up (two system calls and two
// context switches), which is what a plain std::mutex costs. Meets the Lockable requirements,
// so std::lock_guard and std::unique_lock work with it.
//
// Thread safety: that of a mutex. Not recursive; not movable.
#ifndef CAIRN_CORE_ADAPTIVE_MUTEX_H_
#define CAIRN_CORE_ADAPTIVE_MUTEX_H_

#include <pthread.h>

namespace cairn::core {

class AdaptiveMutex {
 public:
  AdaptiveMutex() {
    pthread_mutexattr_t attr;
    pthread_mutexattr_init(&attr);
    pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_ADAPTIVE_NP);
    pthread_mutex_init(&mutex_, &attr);
    pthread_mutexattr_destroy(&attr);
  }
  ~AdaptiveMutex() { pthread_mutex_destroy(&mutex_); }
  AdaptiveMutex(const AdaptiveMutex&) = delete;
  AdaptiveMutex& operator=(const AdaptiveMutex&) = delete;

  void lock() { pthread_mutex_lock(&mutex_); }
  bool try_lock() { return pthread_mutex_trylock(&mutex_) == 0; }
  void unlock() { pthread_mutex_unlock(&mutex_); }

 private:
  pthread_mutex_t mutex_;
};

}  // namespace cairn::core

#endif  // CAIRN_CORE_ADAPTIVE_MUTEX_H_
