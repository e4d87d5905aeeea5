#include "models/kv/kv_store.h"

#include <malloc.h>
#include <strings.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <thread>

#include "core/adaptive_mutex.h"

namespace cairn::kv {

struct KvStore::Shard {
  core::AdaptiveMutex mutex;  // held for one command: usually well under a microsecond
  std::unordered_map<SmallString, Value, StringHash, std::equal_to<>> map;
  // Keys some connection WATCHes: their version (bumped by every write) and how many watch
  // them; an entry goes when its last watcher stops (Unwatch).
  struct Watch {
    uint64_t version = 0;
    uint32_t watchers = 0;
  };
  std::unordered_map<std::string, Watch, StringHash, std::equal_to<>> versions;
  uint64_t version_clock = 0;
  size_t expire_cursor = 0;  // next hash bucket ExpireCycle examines
};

struct KvStore::Db {
  std::vector<std::unique_ptr<Shard>> shards;
};

namespace {
std::atomic<uint64_t> g_expired{0};
std::atomic<uint64_t> g_evicted{0};
}  // namespace

const char* TypeName(Type t) {
  switch (t) {
    case Type::kString:
      return "string";
    case Type::kHash:
      return "hash";
    case Type::kList:
      return "list";
    case Type::kSet:
      return "set";
    case Type::kZSet:
      return "zset";
  }
  return "none";
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && ::strncasecmp(a.data(), b.data(), a.size()) == 0;
}

bool ParseInt64(std::string_view s, int64_t* out) {
  if (s.empty() || s.size() > 20) return false;
  // Redis refuses leading '+', spaces and leading zeros ("01"); "-0" too.
  if (s[0] == '+' || (s.size() > 1 && s[0] == '0') ||
      (s.size() > 1 && s[0] == '-' && s[1] == '0')) {
    return false;
  }
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && p == s.data() + s.size();
}

bool ParseDouble(std::string_view s, double* out) {
  if (s.empty() || s.size() > 256 || std::isspace(static_cast<unsigned char>(s[0]))) return false;
  if (EqualsIgnoreCase(s, "inf") || EqualsIgnoreCase(s, "+inf") ||
      EqualsIgnoreCase(s, "infinity") || EqualsIgnoreCase(s, "+infinity")) {
    *out = HUGE_VAL;
    return true;
  }
  if (EqualsIgnoreCase(s, "-inf") || EqualsIgnoreCase(s, "-infinity")) {
    *out = -HUGE_VAL;
    return true;
  }
  std::string copy(s);
  char* end = nullptr;
  errno = 0;
  double v = std::strtod(copy.c_str(), &end);
  if (end != copy.c_str() + copy.size() || std::isnan(v) || errno == ERANGE) return false;
  *out = v;
  return true;
}

std::string FormatDouble(double d) {
  if (std::isinf(d)) return d > 0 ? "inf" : "-inf";
  char buf[64];
  // Integers print without a fraction, as Redis's INCRBYFLOAT and scores do.
  if (std::floor(d) == d && std::fabs(d) < 1e17) {
    std::snprintf(buf, sizeof(buf), "%.17g", d);
    return buf;
  }
  std::snprintf(buf, sizeof(buf), "%.17g", d);
  // Shortest form that round-trips.
  for (int prec = 1; prec <= 17; ++prec) {
    char tmp[64];
    std::snprintf(tmp, sizeof(tmp), "%.*g", prec, d);
    if (std::strtod(tmp, nullptr) == d) return tmp;
  }
  return buf;
}

// ---- Value ----

static_assert(sizeof(Value) <= 48, "Value grew: every key pays for it");

Value Value::Empty(Type type) {
  switch (type) {
    case Type::kString:
      break;
    case Type::kHash:
      return Value(StringMap());
    case Type::kList:
      return Value(List());
    case Type::kSet:
      return Value(StringSet());
    case Type::kZSet:
      return Value(ZSet());
  }
  return Value();
}

Value::Value(const Value& other)
    : str_(other.str_),
      coll_(other.coll_ ? std::make_unique<Collection>(*other.coll_) : nullptr),
      expire_at_ms(other.expire_at_ms),
      last_access_s(other.last_access_s),
      type_(other.type_) {}

Value& Value::operator=(const Value& other) {
  if (this != &other) *this = Value(other);
  return *this;
}

void Value::Assign(std::string s) {
  str_ = SmallString(std::move(s));
  coll_.reset();
  type_ = Type::kString;
}
template <typename T>
void Value::AssignCollection(T c, Type type) {
  str_ = SmallString();
  coll_ = std::make_unique<Collection>(Collection{std::move(c)});
  type_ = type;
}
void Value::Assign(StringMap h) { AssignCollection(std::move(h), Type::kHash); }
void Value::Assign(List l) { AssignCollection(std::move(l), Type::kList); }
void Value::Assign(StringSet s) { AssignCollection(std::move(s), Type::kSet); }
void Value::Assign(ZSet z) { AssignCollection(std::move(z), Type::kZSet); }

bool Value::empty_collection() const {
  switch (type_) {
    case Type::kString:
      return false;
    case Type::kHash:
      return hash().empty();
    case Type::kList:
      return list().empty();
    case Type::kSet:
      return set().empty();
    case Type::kZSet:
      return zset().scores.empty();
  }
  return false;
}

// ---- CommandRegistry ----

void CommandRegistry::Register(CommandSpec spec) {
  std::string name = spec.name;
  for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  spec.name = name;
  commands_[name] = std::move(spec);
}

const CommandSpec* CommandRegistry::Find(std::string_view name) const {
  char lower[64] = {};
  if (name.size() > sizeof(lower)) return nullptr;
  for (size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    lower[i] = c >= 'A' && c <= 'Z' ? static_cast<char>(c + ('a' - 'A')) : c;
  }
  auto it = commands_.find(std::string_view(lower, name.size()));
  return it == commands_.end() ? nullptr : &it->second;
}

// ---- KvStore ----

KvStore::KvStore(const KvOptions& options) : options_(options) {
  if (options_.env == nullptr) options_.env = core::Env::Default();
  unsigned n = options_.shards;
  if (n == 0) n = 4 * std::max(1u, std::thread::hardware_concurrency());
  unsigned pow2 = 1;
  while (pow2 < n) pow2 <<= 1;
  options_.shards = pow2;
  SetMemoryLimit(options_.maxmemory, options_.eviction);
  for (int d = 0; d < std::max(1, options_.databases); ++d) {
    auto db = std::make_unique<Db>();
    for (unsigned i = 0; i < pow2; ++i) db->shards.push_back(std::make_unique<Shard>());
    dbs_.push_back(std::move(db));
  }
  RegisterStringCommands(&registry_);
  RegisterKeyCommands(&registry_);
  RegisterHashCommands(&registry_);
  RegisterListCommands(&registry_);
  RegisterSetCommands(&registry_);
  RegisterZSetCommands(&registry_);
}

KvStore::~KvStore() = default;

void KvStore::SetMemoryLimit(uint64_t maxmemory, EvictionPolicy eviction) {
  maxmemory_.store(maxmemory);
  eviction_.store(eviction);
}

bool ParseMemorySize(std::string_view s, uint64_t* out) {
  size_t digits = 0;
  while (digits < s.size() && std::isdigit(static_cast<unsigned char>(s[digits]))) ++digits;
  if (digits == 0 || digits > 15) return false;
  std::string_view unit = s.substr(digits);
  uint64_t mult = unit.empty()                   ? 1
                  : EqualsIgnoreCase(unit, "k")  ? 1000
                  : EqualsIgnoreCase(unit, "kb") ? 1024
                  : EqualsIgnoreCase(unit, "m")  ? 1000 * 1000
                  : EqualsIgnoreCase(unit, "mb") ? 1024 * 1024
                  : EqualsIgnoreCase(unit, "g")  ? 1000ull * 1000 * 1000
                  : EqualsIgnoreCase(unit, "gb") ? 1024ull * 1024 * 1024
                                                 : 0;
  if (mult == 0) return false;
  uint64_t n = 0;
  std::from_chars(s.data(), s.data() + digits, n);
  *out = n * mult;
  return true;
}

bool ParseEvictionPolicy(std::string_view s, EvictionPolicy* out) {
  for (EvictionPolicy p :
       {EvictionPolicy::kNoEviction, EvictionPolicy::kAllKeysLru, EvictionPolicy::kVolatileTtl}) {
    if (EqualsIgnoreCase(s, EvictionPolicyName(p))) {
      *out = p;
      return true;
    }
  }
  return false;
}

const char* EvictionPolicyName(EvictionPolicy p) {
  switch (p) {
    case EvictionPolicy::kNoEviction:
      return "noeviction";
    case EvictionPolicy::kAllKeysLru:
      return "allkeys-lru";
    case EvictionPolicy::kVolatileTtl:
      return "volatile-ttl";
  }
  return "noeviction";
}

int64_t KvStore::NowMs() const { return static_cast<int64_t>(options_.env->UnixMicros() / 1000); }

size_t KvStore::ShardOf(std::string_view key) const {
  return StringHash()(key) & (options_.shards - 1);
}

std::vector<size_t> KvStore::ShardsFor(const CommandSpec& spec, int, Args argv) const {
  std::vector<size_t> shards;
  if (spec.flags & kAllKeys) {
    for (size_t i = 0; i < options_.shards; ++i) shards.push_back(i);
    return shards;
  }
  if (spec.first_key > 0) {
    int last = spec.last_key < 0 ? static_cast<int>(argv.size()) + spec.last_key : spec.last_key;
    for (int i = spec.first_key; i <= last && i < static_cast<int>(argv.size());
         i += std::max(1, spec.step)) {
      shards.push_back(ShardOf(argv[static_cast<size_t>(i)]));
    }
  }
  std::sort(shards.begin(), shards.end());
  shards.erase(std::unique(shards.begin(), shards.end()), shards.end());
  return shards;
}

namespace {

bool ArityOk(const CommandSpec& spec, size_t argc) {
  return spec.arity >= 0 ? argc == static_cast<size_t>(spec.arity)
                         : argc >= static_cast<size_t>(-spec.arity);
}

Reply UnknownCommand(Args argv) {
  std::string args;
  for (size_t i = 1; i < argv.size() && args.size() < 128; ++i) args += "'" + argv[i] + "' ";
  return Reply::Error("ERR unknown command '" + std::string(argv.empty() ? "" : argv[0]) +
                      "', with args beginning with: " + args);
}

}  // namespace

Reply KvStore::Run(const CommandSpec& spec, int db, Args argv, bool) {
  CommandContext ctx(this, dbs_[static_cast<size_t>(db)].get(), db, NowMs());
  Reply reply;
  try {
    reply = spec.handler(ctx, argv);
  } catch (const std::bad_alloc&) {
    reply = Reply::Error("OOM command not allowed when used memory > 'maxmemory'.");
  } catch (const std::exception& e) {
    reply = Reply::Error(std::string("ERR internal error: ") + e.what());
  }
  if ((spec.flags & kWrite) && !reply.is_error() && observer_) observer_(ctx, spec, argv);
  return reply;
}

Reply KvStore::Execute(int db, Args argv) {
  if (argv.empty()) return Reply::Error("ERR empty command");
  const CommandSpec* spec = registry_.Find(argv[0]);
  if (spec == nullptr) return UnknownCommand(argv);
  return Execute(db, *spec, argv);
}

Reply KvStore::Execute(int db, const CommandSpec& spec, Args argv) {
  if (!ArityOk(spec, argv.size())) return WrongArityError(spec.name);
  if (db < 0 || db >= databases()) return Reply::Error("ERR DB index is out of range");
  if ((spec.flags & kDenyOom) && maxmemory() > 0 && !EvictIfNeeded(db)) {
    return Reply::Error("OOM command not allowed when used memory > 'maxmemory'.");
  }
  Db& d = *dbs_[static_cast<size_t>(db)];
  if (spec.first_key > 0 && spec.first_key == spec.last_key && !(spec.flags & kAllKeys) &&
      static_cast<size_t>(spec.first_key) < argv.size()) {
    // One key (most commands): one lock, nothing allocated.
    std::lock_guard<core::AdaptiveMutex> lock(
        d.shards[ShardOf(argv[static_cast<size_t>(spec.first_key)])]->mutex);
    return Run(spec, db, argv, options_.shards == 1);
  }
  std::vector<size_t> shards = ShardsFor(spec, db, argv);
  std::vector<std::unique_lock<core::AdaptiveMutex>> locks;
  locks.reserve(shards.size());
  for (size_t s : shards) locks.emplace_back(d.shards[s]->mutex);
  return Run(spec, db, argv, shards.size() == options_.shards);
}

KvStore::GetResult KvStore::GetString(int db, std::string_view key, void* arg,
                                      void (*fn)(void* arg, std::string_view value)) {
  if (db < 0 || db >= databases()) return GetResult::kMissing;
  Db& d = *dbs_[static_cast<size_t>(db)];
  std::lock_guard<core::AdaptiveMutex> lock(d.shards[ShardOf(key)]->mutex);
  CommandContext ctx(this, &d, db, NowMs());
  Value* v = ctx.Find(key);
  if (v == nullptr) return GetResult::kMissing;
  if (v->type() != Type::kString) return GetResult::kWrongType;
  fn(arg, v->str());
  return GetResult::kFound;
}

std::vector<Reply> KvStore::ExecuteAll(int db,
                                       const std::vector<std::vector<std::string>>& commands,
                                       const std::vector<std::pair<std::string, uint64_t>>& watched,
                                       int watched_db, bool* aborted) {
  std::vector<Reply> replies;
  if (aborted != nullptr) *aborted = false;
  if (db < 0 || db >= databases()) {
    replies.assign(commands.size(), Reply::Error("ERR DB index is out of range"));
    return replies;
  }
  bool same_db = watched_db == db;
  if (!same_db) {
    // Keys watched in another database: checked just before (not under the same locks).
    for (const auto& [key, version] : watched) {
      if (KeyVersion(watched_db, key) != version) {
        if (aborted != nullptr) *aborted = true;
        return replies;
      }
    }
  }
  std::vector<size_t> shards;
  for (const auto& argv : commands) {
    const CommandSpec* spec = argv.empty() ? nullptr : registry_.Find(argv[0]);
    if (spec == nullptr) continue;
    auto s = ShardsFor(*spec, db, argv);
    shards.insert(shards.end(), s.begin(), s.end());
  }
  if (same_db) {
    for (const auto& [key, version] : watched) shards.push_back(ShardOf(key));
  }
  std::sort(shards.begin(), shards.end());
  shards.erase(std::unique(shards.begin(), shards.end()), shards.end());
  Db& d = *dbs_[static_cast<size_t>(db)];
  std::vector<std::unique_lock<core::AdaptiveMutex>> locks;
  for (size_t s : shards) locks.emplace_back(d.shards[s]->mutex);
  if (same_db) {
    for (const auto& [key, version] : watched) {
      if (VersionLocked(*d.shards[ShardOf(key)], key) != version) {
        if (aborted != nullptr) *aborted = true;
        return replies;
      }
    }
  }
  if (txn_observer_) txn_observer_(true);
  for (const auto& argv : commands) {
    const CommandSpec* spec = argv.empty() ? nullptr : registry_.Find(argv[0]);
    if (spec == nullptr) {
      replies.push_back(UnknownCommand(argv));
    } else if (!ArityOk(*spec, argv.size())) {
      replies.push_back(WrongArityError(spec->name));
    } else {
      replies.push_back(Run(*spec, db, argv, shards.size() == options_.shards));
    }
  }
  if (txn_observer_) txn_observer_(false);
  return replies;
}

uint64_t KvStore::DbSize(int db) {
  if (db < 0 || db >= databases()) return 0;
  uint64_t n = 0;
  for (auto& s : dbs_[static_cast<size_t>(db)]->shards) {
    std::lock_guard<core::AdaptiveMutex> lock(s->mutex);
    n += s->map.size();
  }
  return n;
}

uint64_t KvStore::KeyVersion(int db, std::string_view key) {
  if (db < 0 || db >= databases()) return 0;
  Shard& s = *dbs_[static_cast<size_t>(db)]->shards[ShardOf(key)];
  std::lock_guard<core::AdaptiveMutex> lock(s.mutex);
  auto it = s.versions.find(key);
  if (it == s.versions.end()) {
    // Start tracking: later writes bump it.
    it = s.versions.emplace(std::string(key), Shard::Watch{++s.version_clock, 0}).first;
  }
  ++it->second.watchers;
  return VersionLocked(s, key);
}

void KvStore::Unwatch(int db, std::string_view key) {
  if (db < 0 || db >= databases()) return;
  Shard& s = *dbs_[static_cast<size_t>(db)]->shards[ShardOf(key)];
  std::lock_guard<core::AdaptiveMutex> lock(s.mutex);
  auto it = s.versions.find(key);
  if (it == s.versions.end()) return;
  if (it->second.watchers > 0) --it->second.watchers;
  if (it->second.watchers == 0) s.versions.erase(it);
}

size_t KvStore::WatchedKeys() {
  size_t n = 0;
  for (auto& db : dbs_) {
    for (auto& s : db->shards) {
      std::lock_guard<core::AdaptiveMutex> lock(s->mutex);
      n += s->versions.size();
    }
  }
  return n;
}

uint64_t KvStore::VersionLocked(Shard& s, std::string_view key) {
  auto it = s.versions.find(key);
  // Not watched any more (cannot happen while a caller holds its watch): counts as changed.
  if (it == s.versions.end()) return ~0ull;
  uint64_t v = it->second.version;
  // An expired key counts as changed (as in Redis: WATCH sees expiry as a modification).
  auto kv = s.map.find(key);
  if (kv != s.map.end() && kv->second.expire_at_ms != 0 && kv->second.expire_at_ms <= NowMs()) {
    v ^= 1ull << 63;
  }
  return v;
}

size_t KvStore::ExpireCycle(size_t budget) {
  size_t removed = 0;
  int64_t now = NowMs();
  size_t shard_count = dbs_.size() * options_.shards;
  size_t per_shard = std::max<size_t>(1, budget / std::max<size_t>(1, shard_count));
  std::vector<std::string> expired;
  for (auto& db : dbs_) {
    for (auto& s : db->shards) {
      std::lock_guard<core::AdaptiveMutex> lock(s->mutex);
      if (s->map.empty()) continue;
      size_t buckets = s->map.bucket_count();
      expired.clear();
      for (size_t i = 0; i < per_shard && i < buckets; ++i) {
        size_t b = s->expire_cursor++ % buckets;
        for (auto it = s->map.begin(b); it != s->map.end(b); ++it) {
          if (it->second.expire_at_ms != 0 && it->second.expire_at_ms <= now) {
            expired.push_back(it->first.str());
          }
        }
      }
      for (const std::string& key : expired) {
        auto v = s->versions.find(key);
        if (v != s->versions.end()) v->second.version = ++s->version_clock;
        s->map.erase(key);
        ++removed;
        g_expired.fetch_add(1, std::memory_order_relaxed);
      }
    }
  }
  return removed;
}

uint64_t KvStore::used_memory() const {
  struct mallinfo2 mi = ::mallinfo2();
  return mi.uordblks + mi.hblkhd;
}

uint64_t KvStore::keys_expired() const { return g_expired.load(); }
uint64_t KvStore::keys_evicted() const { return g_evicted.load(); }

bool KvStore::EvictIfNeeded(int db) {
  if (used_memory() <= maxmemory()) return true;
  if (eviction() == EvictionPolicy::kNoEviction) return false;
  // Sample a few keys per shard and evict the best candidates until under the limit.
  Db& d = *dbs_[static_cast<size_t>(db)];
  for (int round = 0; round < 64 && used_memory() > maxmemory(); ++round) {
    bool evicted = false;
    for (auto& s : d.shards) {
      std::lock_guard<core::AdaptiveMutex> lock(s->mutex);
      auto best = s->map.end();
      int sampled = 0;
      for (auto it = s->map.begin(); it != s->map.end() && sampled < 5; ++it, ++sampled) {
        if (eviction() == EvictionPolicy::kVolatileTtl) {
          if (it->second.expire_at_ms == 0) continue;
          if (best == s->map.end() || it->second.expire_at_ms < best->second.expire_at_ms) {
            best = it;
          }
        } else if (best == s->map.end() || it->second.last_access_s < best->second.last_access_s) {
          best = it;
        }
      }
      if (best != s->map.end()) {
        s->map.erase(best);
        g_evicted.fetch_add(1, std::memory_order_relaxed);
        evicted = true;
      }
    }
    if (!evicted) break;
  }
  return used_memory() <= maxmemory();
}

void KvStore::SetWriteObserver(WriteObserver observer) { observer_ = std::move(observer); }

void KvStore::SetKeyListener(KeyListener listener) { key_listener_ = std::move(listener); }

void KvStore::SetTransactionObserver(TransactionObserver observer) {
  txn_observer_ = std::move(observer);
}

void KvStore::WithAllLocked(const std::function<void()>& fn) {
  std::vector<std::unique_lock<core::AdaptiveMutex>> locks;
  for (auto& db : dbs_) {
    for (auto& s : db->shards) locks.emplace_back(s->mutex);
  }
  fn();
}

void KvStore::ForEachKeyUnlocked(
    const std::function<void(int, std::string_view, const Value&)>& fn) {
  int64_t now = NowMs();
  for (size_t d = 0; d < dbs_.size(); ++d) {
    for (auto& s : dbs_[d]->shards) {
      for (const auto& [key, value] : s->map) {
        if (value.expire_at_ms != 0 && value.expire_at_ms <= now) continue;
        fn(static_cast<int>(d), key, value);
      }
    }
  }
}

void KvStore::ForEachKeyLocked(const std::function<void()>& start,
                               const std::function<void(int, std::string_view, const Value&)>& fn) {
  WithAllLocked([&] {
    start();
    ForEachKeyUnlocked(fn);
  });
}

void KvStore::Restore(int db, std::string key, std::optional<Value> value) {
  if (db < 0 || db >= databases()) return;
  Shard& s = *dbs_[static_cast<size_t>(db)]->shards[ShardOf(key)];
  std::lock_guard<core::AdaptiveMutex> lock(s.mutex);
  if (value) {
    s.map.insert_or_assign(SmallString(std::move(key)), std::move(*value));
  } else {
    s.map.erase(key);
  }
}

void KvStore::RestoreFlush(int db) {
  if (db < 0 || db >= databases()) return;
  for (auto& s : dbs_[static_cast<size_t>(db)]->shards) {
    std::lock_guard<core::AdaptiveMutex> lock(s->mutex);
    s->map.clear();
  }
}

// ---- CommandContext ----

KvStore::Shard& CommandContext::ShardFor(std::string_view key) {
  return *db_->shards[store_->ShardOf(key)];
}

Value* CommandContext::Find(std::string_view key) {
  KvStore::Shard& s = ShardFor(key);
  auto it = s.map.find(key);
  if (it == s.map.end()) return nullptr;
  if (it->second.expire_at_ms != 0 && it->second.expire_at_ms <= now_ms_) {
    auto v = s.versions.find(key);
    if (v != s.versions.end()) v->second.version = ++s.version_clock;
    s.map.erase(it);
    g_expired.fetch_add(1, std::memory_order_relaxed);
    return nullptr;
  }
  it->second.last_access_s = static_cast<uint32_t>(now_ms_ / 1000);
  return &it->second;
}

Value* CommandContext::FindTyped(std::string_view key, Type type, bool* wrong_type) {
  Value* v = Find(key);
  *wrong_type = v != nullptr && v->type() != type;
  return *wrong_type ? nullptr : v;
}

Value* CommandContext::FindOrCreate(std::string_view key, Type type) {
  Value* v = Find(key);
  if (v != nullptr) return v->type() == type ? v : nullptr;
  Value fresh = Value::Empty(type);
  fresh.last_access_s = static_cast<uint32_t>(now_ms_ / 1000);
  KvStore::Shard& s = ShardFor(key);
  return &s.map.insert_or_assign(SmallString(key), std::move(fresh)).first->second;
}

Value* CommandContext::Put(std::string_view key, Value value) {
  value.last_access_s = static_cast<uint32_t>(now_ms_ / 1000);
  KvStore::Shard& s = ShardFor(key);
  Value* v = &s.map.insert_or_assign(SmallString(key), std::move(value)).first->second;
  Modified(key);
  return v;
}

bool CommandContext::Erase(std::string_view key) {
  KvStore::Shard& s = ShardFor(key);
  auto it = s.map.find(key);
  if (it == s.map.end()) return false;
  bool live = it->second.expire_at_ms == 0 || it->second.expire_at_ms > now_ms_;
  s.map.erase(it);
  Modified(key);
  return live;
}

void CommandContext::Modified(std::string_view key) {
  if (store_->key_listener_) store_->key_listener_(db_index_, key);
  KvStore::Shard& s = ShardFor(key);
  auto v = s.versions.find(key);
  if (v != s.versions.end()) v->second.version = ++s.version_clock;
  auto it = s.map.find(key);
  if (it == s.map.end()) return;
  bool empty = it->second.empty_collection();
  if (empty) s.map.erase(it);
}

void CommandContext::ForEachKey(const std::function<void(std::string_view, Value&)>& fn) {
  for (auto& s : db_->shards) {
    for (auto it = s->map.begin(); it != s->map.end();) {
      if (it->second.expire_at_ms != 0 && it->second.expire_at_ms <= now_ms_) {
        // As in Find(): an expiry is a write for WATCH, and counts as expired.
        auto v = s->versions.find(it->first.view());
        if (v != s->versions.end()) v->second.version = ++s->version_clock;
        it = s->map.erase(it);
        g_expired.fetch_add(1, std::memory_order_relaxed);
        continue;
      }
      fn(it->first, it->second);
      ++it;
    }
  }
}

uint64_t CommandContext::KeyCount() {
  uint64_t n = 0;
  for (auto& s : db_->shards) n += s->map.size();
  return n;
}

void CommandContext::Clear() {
  for (auto& s : db_->shards) {
    s->map.clear();
    for (auto& [k, v] : s->versions) v.version = ++s->version_clock;
  }
}

}  // namespace cairn::kv
