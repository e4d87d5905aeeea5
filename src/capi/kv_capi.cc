// The embedded KV store of include/cairn/cairn.h (cairn_kv_*): a KvStore with KvPersistence under
// DATA_DIR/kv, a PubSub, and a background thread for active expiry, behind an opaque handle.
//
// Every entry point catches everything: no C++ exception may unwind into a C caller. The data
// paths (get/set/...) build their argv in thread-local strings whose capacity is reused, so a
// call allocates only what KvStore::Execute itself does.
#include <array>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstring>
#include <memory>
#include <mutex>
#include <new>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <utility>

#include "cairn/cairn.h"
#include "core/env/env.h"
#include "core/status.h"
#include "models/kv/kv_persistence.h"
#include "models/kv/kv_store.h"
#include "models/kv/pubsub.h"

namespace {

using cairn::Status;
namespace kv = cairn::kv;

constexpr const char* kLockFile = "LOCK";
// Expired keys are invisible at once (lazy expiry); this only reclaims the memory of ones never
// read again. Each KvStore::ExpireCycle call examines a slice of hash buckets and continues where
// the last stopped.
constexpr auto kExpiryPeriod = std::chrono::milliseconds(100);
constexpr size_t kExpiryBudget = 4096;

thread_local std::string last_error;

cairn_status Fail(cairn_status code, std::string_view message) {
  last_error.assign(message);
  return code;
}

cairn_status FromStatus(const Status& s) {
  if (s.ok()) return CAIRN_OK;
  last_error = s.ToString();
  // cairn_status mirrors cairn::StatusCode value for value.
  return static_cast<cairn_status>(s.code());
}

// Maps an error Reply (worded as Redis words it) to a status and records its text.
cairn_status FromErrorReply(const kv::Reply& r) {
  std::string_view text = r.str;
  cairn_status code = CAIRN_INTERNAL;
  if (text.starts_with("WRONGTYPE") || text.starts_with("ERR value is not an integer")) {
    code = CAIRN_WRONG_TYPE;
  } else if (text.find("overflow") != std::string_view::npos) {
    code = CAIRN_OUT_OF_RANGE;
  } else if (text.starts_with("OOM")) {
    code = CAIRN_RESOURCE_EXHAUSTED;
  } else if (text.starts_with("ERR invalid expire")) {
    code = CAIRN_INVALID_ARGUMENT;
  }
  return Fail(code, text);
}

cairn_status FromException() {
  try {
    throw;
  } catch (const std::bad_alloc&) {
    return Fail(CAIRN_RESOURCE_EXHAUSTED, "out of memory");
  } catch (const std::exception& e) {
    return Fail(CAIRN_INTERNAL, std::string("internal error: ") + e.what());
  } catch (...) {
    return Fail(CAIRN_INTERNAL, "internal error: unknown exception");
  }
}

// The argv of one command, reused by every call on this thread (assign() keeps capacity).
struct Argv {
  std::array<std::string, 5> args;

  kv::Args Build(std::initializer_list<std::string_view> parts) {
    size_t n = 0;
    for (std::string_view p : parts) args[n++].assign(p.data(), p.size());
    return kv::Args(args.data(), n);
  }
};
thread_local Argv argv_cache;

std::string_view View(const void* data, size_t len) {
  return std::string_view(static_cast<const char*>(data), len);
}

// Formats v in decimal into buf (at least 21 bytes); returns the view.
std::string_view FormatInt(int64_t v, char* buf) {
  char* end = buf + 21;
  char* p = end;
  uint64_t u = v < 0 ? 0 - static_cast<uint64_t>(v) : static_cast<uint64_t>(v);
  do {
    *--p = static_cast<char>('0' + u % 10);
    u /= 10;
  } while (u != 0);
  if (v < 0) *--p = '-';
  return std::string_view(p, static_cast<size_t>(end - p));
}

// A subscription's delivery target. `mutex_` is held while the callback runs, so deactivating
// under it waits for a call in progress; it is recursive so the callback may unsubscribe itself.
class CallbackSubscriber : public kv::Subscriber {
 public:
  CallbackSubscriber(cairn_kv_message_fn cb, void* user) : cb_(cb), user_(user) {}

  void Deliver(std::string_view, std::string_view channel, std::string_view message) override {
    std::lock_guard<std::recursive_mutex> lock(mutex_);
    if (!active_) return;
    std::string name(channel);  // the callback gets a NUL-terminated copy
    cb_(user_, name.c_str(), message.data(), message.size());
  }

  void Deactivate() {
    std::lock_guard<std::recursive_mutex> lock(mutex_);
    active_ = false;
  }

 private:
  cairn_kv_message_fn cb_;
  void* user_;
  std::recursive_mutex mutex_;
  bool active_ = true;
};

}  // namespace

struct cairn_kv {
  std::unique_ptr<cairn::core::FileLock> lock;
  std::unique_ptr<kv::KvStore> store;
  std::unique_ptr<kv::KvPersistence> persistence;
  kv::PubSub pubsub;

  std::mutex mutex;  // guards subscriptions and stop
  std::set<cairn_kv_subscription*> subscriptions;
  bool stop = false;
  std::condition_variable cv;
  std::thread expiry;

  // Runs a write command: refused once the write-ahead log has failed (as the RESP face does).
  bool WriteRefused(cairn_status* code) {
    Status broken = persistence->broken();
    if (broken.ok()) return false;
    *code = Fail(CAIRN_IO_ERROR, "the write-ahead log failed (" + broken.ToString() +
                                     "); writes are refused until the store is reopened");
    return true;
  }

  void ExpiryLoop() {
    std::unique_lock<std::mutex> l(mutex);
    while (!cv.wait_for(l, kExpiryPeriod, [this] { return stop; })) {
      l.unlock();
      store->ExpireCycle(kExpiryBudget);
      l.lock();
    }
  }
};

struct cairn_kv_subscription {
  cairn_kv* kv;
  std::shared_ptr<CallbackSubscriber> subscriber;
};

namespace {

// Unsubscribes and frees `sub`; the caller has removed it from kv->subscriptions.
void DestroySubscription(cairn_kv_subscription* sub) {
  sub->kv->pubsub.Forget(sub->subscriber.get());
  sub->subscriber->Deactivate();  // waits for a callback running on another thread
  delete sub;
}

void Destroy(cairn_kv* kv) {
  {
    std::lock_guard<std::mutex> l(kv->mutex);
    kv->stop = true;
  }
  kv->cv.notify_all();
  if (kv->expiry.joinable()) kv->expiry.join();
  std::set<cairn_kv_subscription*> subs;
  {
    std::lock_guard<std::mutex> l(kv->mutex);
    subs.swap(kv->subscriptions);
  }
  for (cairn_kv_subscription* sub : subs) DestroySubscription(sub);
  if (kv->persistence != nullptr) (void)kv->persistence->Close();
  kv->persistence.reset();
  kv->store.reset();
  kv->lock.reset();
  delete kv;
}

cairn_status OpenKv(const char* data_dir, const cairn_kv_options* opts, cairn_kv** out) {
  kv::KvPersistenceOptions po;
  if (opts != nullptr) {
    if (opts->struct_size < offsetof(cairn_kv_options, fsync) + sizeof(opts->fsync)) {
      return Fail(CAIRN_INVALID_ARGUMENT, "cairn_kv_options.struct_size is too small");
    }
    switch (opts->fsync) {
      case CAIRN_KV_FSYNC_EVERYSEC:
        po.fsync = kv::FsyncPolicy::kEverySec;
        break;
      case CAIRN_KV_FSYNC_ALWAYS:
        po.fsync = kv::FsyncPolicy::kAlways;
        break;
      case CAIRN_KV_FSYNC_NO:
        po.fsync = kv::FsyncPolicy::kNo;
        break;
      default:
        return Fail(CAIRN_INVALID_ARGUMENT, "unknown fsync policy");
    }
  }
  // The C ABI is an entry point like main(): the process environment is the one to use.
  cairn::core::Env* env = cairn::core::Env::Default();
  std::string dir = data_dir;
  Status s = cairn::core::CreateDirs(env, dir);
  if (!s.ok()) {
    return Fail(static_cast<cairn_status>(s.code()),
                "data directory " + dir + " is unusable: " + std::string(s.message()));
  }
  auto lock = env->LockFile(cairn::core::JoinPath(dir, kLockFile));
  if (!lock.ok()) {
    if (lock.status().code() == cairn::StatusCode::kUnavailable) {
      return Fail(CAIRN_UNAVAILABLE, "data directory " + dir +
                                         " is locked by another user (cairnd or an embedded "
                                         "store, in this or another process)");
    }
    return Fail(static_cast<cairn_status>(lock.status().code()),
                "data directory " + dir + " is unusable: " + lock.status().ToString());
  }
  auto kv = std::unique_ptr<cairn_kv, void (*)(cairn_kv*)>(new cairn_kv, Destroy);
  kv->lock = std::move(lock).value();
  kv::KvOptions ko;
  ko.env = env;
  kv->store = std::make_unique<kv::KvStore>(ko);
  po.env = env;
  po.dir = cairn::core::JoinPath(dir, "kv");  // the layout cairnd uses
  auto persistence = kv::KvPersistence::Open(po, kv->store.get());
  if (!persistence.ok()) return FromStatus(persistence.status());
  kv->persistence = std::move(persistence).value();
  cairn_kv* raw = kv.get();
  kv->expiry = std::thread([raw] { raw->ExpiryLoop(); });
  *out = kv.release();
  return CAIRN_OK;
}

}  // namespace

extern "C" {

void cairn_kv_options_init(cairn_kv_options* opts) {
  if (opts == nullptr) return;
  std::memset(opts, 0, sizeof *opts);
  opts->struct_size = sizeof *opts;
  opts->fsync = CAIRN_KV_FSYNC_EVERYSEC;
}

cairn_status cairn_kv_open(const char* data_dir, const cairn_kv_options* opts, cairn_kv** out) {
  if (data_dir == nullptr || out == nullptr || *data_dir == '\0') {
    return Fail(CAIRN_INVALID_ARGUMENT, "cairn_kv_open needs a data directory and an out handle");
  }
  *out = nullptr;
  try {
    return OpenKv(data_dir, opts, out);
  } catch (...) {
    return FromException();
  }
}

void cairn_kv_close(cairn_kv* kv) {
  if (kv == nullptr) return;
  try {
    Destroy(kv);
  } catch (...) {
    (void)FromException();
  }
}

cairn_status cairn_kv_set(cairn_kv* kv, const void* key, size_t key_len, const void* val,
                          size_t val_len, int64_t ttl_ms) {
  if (kv == nullptr || (key == nullptr && key_len > 0) || (val == nullptr && val_len > 0)) {
    return Fail(CAIRN_INVALID_ARGUMENT, "cairn_kv_set: NULL handle, key or value");
  }
  if (ttl_ms < 0) return Fail(CAIRN_INVALID_ARGUMENT, "cairn_kv_set: negative ttl_ms");
  try {
    cairn_status code;
    if (kv->WriteRefused(&code)) return code;
    char num[21];
    kv::Args argv = ttl_ms == 0 ? argv_cache.Build({"set", View(key, key_len), View(val, val_len)})
                                : argv_cache.Build({"set", View(key, key_len), View(val, val_len),
                                                    "PX", FormatInt(ttl_ms, num)});
    kv::Reply r = kv->store->Execute(0, argv);
    return r.is_error() ? FromErrorReply(r) : CAIRN_OK;
  } catch (...) {
    return FromException();
  }
}

cairn_status cairn_kv_get(cairn_kv* kv, const void* key, size_t key_len, void* buf, size_t buf_len,
                          size_t* val_len) {
  if (kv == nullptr || (key == nullptr && key_len > 0) || val_len == nullptr ||
      (buf == nullptr && buf_len > 0)) {
    return Fail(CAIRN_INVALID_ARGUMENT, "cairn_kv_get: NULL handle, key, buffer or val_len");
  }
  try {
    struct Out {
      void* buf;
      size_t buf_len;
      size_t* val_len;
    } out{buf, buf_len, val_len};
    auto copy = [](void* arg, std::string_view value) {
      auto* o = static_cast<Out*>(arg);
      *o->val_len = value.size();
      if (value.size() <= o->buf_len && !value.empty()) {
        std::memcpy(o->buf, value.data(), value.size());
      }
    };
    switch (kv->store->GetString(0, View(key, key_len), &out, copy)) {
      case kv::KvStore::GetResult::kMissing:
        return Fail(CAIRN_NOT_FOUND, "no such key");
      case kv::KvStore::GetResult::kWrongType:
        return Fail(CAIRN_WRONG_TYPE,
                    "WRONGTYPE Operation against a key holding the wrong kind of value");
      case kv::KvStore::GetResult::kFound:
        break;
    }
    if (*val_len > buf_len) {
      return Fail(CAIRN_BUFFER_TOO_SMALL, "the value is larger than the buffer");
    }
    return CAIRN_OK;
  } catch (...) {
    return FromException();
  }
}

cairn_status cairn_kv_del(cairn_kv* kv, const void* key, size_t key_len) {
  if (kv == nullptr || (key == nullptr && key_len > 0)) {
    return Fail(CAIRN_INVALID_ARGUMENT, "cairn_kv_del: NULL handle or key");
  }
  try {
    cairn_status code;
    if (kv->WriteRefused(&code)) return code;
    kv::Reply r = kv->store->Execute(0, argv_cache.Build({"del", View(key, key_len)}));
    if (r.is_error()) return FromErrorReply(r);
    return r.integer > 0 ? CAIRN_OK : Fail(CAIRN_NOT_FOUND, "no such key");
  } catch (...) {
    return FromException();
  }
}

cairn_status cairn_kv_expire(cairn_kv* kv, const void* key, size_t key_len, int64_t ttl_ms,
                             int* existed) {
  if (kv == nullptr || (key == nullptr && key_len > 0)) {
    return Fail(CAIRN_INVALID_ARGUMENT, "cairn_kv_expire: NULL handle or key");
  }
  try {
    cairn_status code;
    if (kv->WriteRefused(&code)) return code;
    char num[21];
    kv::Reply r = kv->store->Execute(
        0, argv_cache.Build({"pexpire", View(key, key_len), FormatInt(ttl_ms, num)}));
    if (r.is_error()) return FromErrorReply(r);
    if (existed != nullptr) *existed = r.integer > 0 ? 1 : 0;
    return CAIRN_OK;
  } catch (...) {
    return FromException();
  }
}

cairn_status cairn_kv_incr(cairn_kv* kv, const void* key, size_t key_len, int64_t delta,
                           int64_t* result) {
  if (kv == nullptr || (key == nullptr && key_len > 0)) {
    return Fail(CAIRN_INVALID_ARGUMENT, "cairn_kv_incr: NULL handle or key");
  }
  try {
    cairn_status code;
    if (kv->WriteRefused(&code)) return code;
    char num[21];
    kv::Reply r = kv->store->Execute(
        0, argv_cache.Build({"incrby", View(key, key_len), FormatInt(delta, num)}));
    if (r.is_error()) return FromErrorReply(r);
    if (result != nullptr) *result = r.integer;
    return CAIRN_OK;
  } catch (...) {
    return FromException();
  }
}

cairn_status cairn_kv_publish(cairn_kv* kv, const char* channel, const void* msg, size_t len,
                              size_t* receivers) {
  if (kv == nullptr || channel == nullptr || (msg == nullptr && len > 0)) {
    return Fail(CAIRN_INVALID_ARGUMENT, "cairn_kv_publish: NULL handle, channel or message");
  }
  try {
    size_t n = kv->pubsub.Publish(channel, std::string(View(msg, len)));
    if (receivers != nullptr) *receivers = n;
    return CAIRN_OK;
  } catch (...) {
    return FromException();
  }
}

cairn_status cairn_kv_subscribe(cairn_kv* kv, const char* channel_or_pattern, int is_pattern,
                                cairn_kv_message_fn cb, void* user, cairn_kv_subscription** out) {
  if (kv == nullptr || channel_or_pattern == nullptr || cb == nullptr || out == nullptr) {
    return Fail(CAIRN_INVALID_ARGUMENT,
                "cairn_kv_subscribe: NULL handle, channel, callback or out handle");
  }
  *out = nullptr;
  try {
    auto sub = std::make_unique<cairn_kv_subscription>();
    sub->kv = kv;
    sub->subscriber = std::make_shared<CallbackSubscriber>(cb, user);
    std::shared_ptr<kv::Subscriber> target = sub->subscriber;
    try {
      std::lock_guard<std::mutex> l(kv->mutex);
      kv->subscriptions.insert(sub.get());
      if (is_pattern != 0) {
        kv->pubsub.PSubscribe(target, channel_or_pattern);
      } else {
        kv->pubsub.Subscribe(target, channel_or_pattern);
      }
    } catch (...) {
      std::lock_guard<std::mutex> l(kv->mutex);
      kv->subscriptions.erase(sub.get());
      kv->pubsub.Forget(target.get());
      throw;
    }
    *out = sub.release();
    return CAIRN_OK;
  } catch (...) {
    return FromException();
  }
}

void cairn_kv_unsubscribe(cairn_kv_subscription* sub) {
  if (sub == nullptr) return;
  try {
    {
      std::lock_guard<std::mutex> l(sub->kv->mutex);
      sub->kv->subscriptions.erase(sub);
    }
    DestroySubscription(sub);
  } catch (...) {
    (void)FromException();
  }
}

const char* cairn_kv_last_error(void) { return last_error.c_str(); }

}  // extern "C"
