// KvStore: the in-memory key-value model behind the RESP face and the embedded C ABI — Redis's
// data types (strings, hashes, lists, sets, sorted sets) with TTLs, in numbered databases.
//
// Commands are small handlers registered in a CommandRegistry (Register*Commands, one file per
// data type). Execute() checks a command's arity, locks the shards that hold its keys (in
// ascending order, so multi-key commands never deadlock), and runs the handler with a
// CommandContext through which the handler finds, creates and erases keys. A key past its expiry
// is invisible and removed on access (lazy expiry); ExpireCycle() removes expired keys in the
// background (active expiry). Handlers return a protocol-neutral Reply.
//
// Thread safety: Execute() and the other public methods may be called concurrently from any
// thread; commands on keys in different shards run in parallel.
#ifndef CAIRN_MODELS_KV_KV_STORE_H_
#define CAIRN_MODELS_KV_KV_STORE_H_

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <variant>
#include <vector>

#include "core/env/env.h"
#include "models/kv/reply.h"
#include "models/kv/small_string.h"

namespace cairn::kv {

// Hashing that accepts string_view lookups without building a std::string.
struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>()(s); }
};
using StringMap = std::unordered_map<std::string, std::string, StringHash, std::equal_to<>>;
using StringSet = std::unordered_set<std::string, StringHash, std::equal_to<>>;

struct ZSet {
  std::unordered_map<std::string, double, StringHash, std::equal_to<>> scores;
  std::set<std::pair<double, std::string>> order;  // by score, then member
};

enum class Type : uint8_t { kString, kHash, kList, kSet, kZSet };
const char* TypeName(Type t);  // "string", "hash", ...

using List = std::deque<std::string>;

// A key's value: a string, or a collection. Compact, because a store holds millions: a string
// lives in the value itself (up to 23 bytes without an allocation, see small_string.h), a
// collection behind one pointer; 48 bytes in all on x86-64.
class Value {
 public:
  Value() = default;  // the empty string
  explicit Value(std::string s) : str_(std::move(s)) {}
  explicit Value(std::string_view s) : str_(s) {}
  explicit Value(StringMap h) { Assign(std::move(h)); }
  explicit Value(List l) { Assign(std::move(l)); }
  explicit Value(StringSet s) { Assign(std::move(s)); }
  explicit Value(ZSet z) { Assign(std::move(z)); }
  static Value Empty(Type type);  // an empty value of `type`
  Value(const Value& other);
  Value& operator=(const Value& other);
  Value(Value&&) noexcept = default;
  Value& operator=(Value&&) noexcept = default;
  ~Value() = default;

  Type type() const { return type_; }
  // Replace the contents (and the type); the expiry and access time stay.
  void Assign(std::string s);
  void Assign(StringMap h);
  void Assign(List l);
  void Assign(StringSet s);
  void Assign(ZSet z);

  // Accessors; precondition: type() is the one named.
  std::string_view str() const { return str_.view(); }
  // The string to edit in place (APPEND, SETRANGE); call Compact() after a shrinking edit.
  std::string& MutableStr() { return str_.MutableString(); }
  void Compact() { str_.Compact(); }
  StringMap& hash() { return std::get<StringMap>(coll_->data); }
  const StringMap& hash() const { return std::get<StringMap>(coll_->data); }
  List& list() { return std::get<List>(coll_->data); }
  const List& list() const { return std::get<List>(coll_->data); }
  StringSet& set() { return std::get<StringSet>(coll_->data); }
  const StringSet& set() const { return std::get<StringSet>(coll_->data); }
  ZSet& zset() { return std::get<ZSet>(coll_->data); }
  const ZSet& zset() const { return std::get<ZSet>(coll_->data); }
  // A collection with no elements (a string is never empty in this sense).
  bool empty_collection() const;

 private:
  struct Collection {
    std::variant<StringMap, List, StringSet, ZSet> data;
  };
  template <typename T>
  void AssignCollection(T c, Type type);
  SmallString str_;
  std::unique_ptr<Collection> coll_;

 public:
  int64_t expire_at_ms = 0;    // unix ms; 0: no expiry
  uint32_t last_access_s = 0;  // unix seconds (LRU eviction)

 private:
  Type type_ = Type::kString;
};

using Args = std::span<const std::string>;  // argv, argv[0] the command name
class CommandContext;
using Handler = std::function<Reply(CommandContext&, Args)>;

enum CommandFlags : uint32_t {
  kWrite = 1,  // modifies data (logged to the WAL, refused under OOM when it may grow)
  kReadOnly = 2,
  kAllKeys = 4,  // touches the whole database (locks every shard): DBSIZE, KEYS, FLUSHDB...
  kDenyOom = 8,  // refused when maxmemory is reached and nothing can be evicted
  kFast = 16,
};

struct CommandSpec {
  std::string name;  // lower case
  int arity = 0;     // Redis convention: N exactly N arguments (name included), -N at least N
  uint32_t flags = 0;
  int first_key = 0;  // 0: no keys
  int last_key = 0;   // -1: the last argument
  int step = 1;
  Handler handler;
};

class CommandRegistry {
 public:
  void Register(CommandSpec spec);
  const CommandSpec* Find(std::string_view name) const;  // case-insensitive, no allocation
  // Every command by name, unordered.
  const std::unordered_map<std::string, CommandSpec, StringHash, std::equal_to<>>& all() const {
    return commands_;
  }

 private:
  std::unordered_map<std::string, CommandSpec, StringHash, std::equal_to<>> commands_;
};

void RegisterStringCommands(CommandRegistry* registry);
void RegisterKeyCommands(CommandRegistry* registry);
void RegisterHashCommands(CommandRegistry* registry);
void RegisterListCommands(CommandRegistry* registry);
void RegisterSetCommands(CommandRegistry* registry);
void RegisterZSetCommands(CommandRegistry* registry);

enum class EvictionPolicy { kNoEviction, kAllKeysLru, kVolatileTtl };

struct KvOptions {
  core::Env* env = nullptr;  // clock and randomness; must outlive the store
  unsigned shards = 0;       // per database; 0: 4 per hardware thread (rounded to a power of 2)
  int databases = 16;
  uint64_t maxmemory = 0;  // bytes; 0: no limit
  EvictionPolicy eviction = EvictionPolicy::kNoEviction;
};

class KvStore {
 public:
  explicit KvStore(const KvOptions& options);
  ~KvStore();

  // Runs one command in database `db`. Unknown commands and wrong arity are error replies, as
  // Redis words them.
  Reply Execute(int db, Args argv);
  // Execute() for a command already looked up: `spec` is registry().Find(argv[0]).
  Reply Execute(int db, const CommandSpec& spec, Args argv);
  // Runs `commands` as one atomic unit (MULTI/EXEC): every shard any of them touches stays locked
  // for the whole batch. Returns one reply per command. With `watched` (key, KeyVersion() when
  // WATCHed, in database `watched_db`), nothing runs and *aborted is set when any of those keys
  // changed since; the check happens under the same locks as the commands.
  std::vector<Reply> ExecuteAll(int db, const std::vector<std::vector<std::string>>& commands,
                                const std::vector<std::pair<std::string, uint64_t>>& watched = {},
                                int watched_db = 0, bool* aborted = nullptr);

  // GET without building a command (the embedded C ABI's fast path): with the key's shard
  // locked, calls fn(arg, value) when `key` holds a live string. Same effects as GET (lazy
  // expiry, access time).
  enum class GetResult { kFound, kMissing, kWrongType };
  GetResult GetString(int db, std::string_view key, void* arg,
                      void (*fn)(void* arg, std::string_view value));

  const CommandRegistry& registry() const { return registry_; }
  int databases() const { return static_cast<int>(dbs_.size()); }
  uint64_t DbSize(int db);
  // WATCH: starts watching `key` and returns a number that changes whenever the key is written.
  // Every KeyVersion() is paired with an Unwatch() when the watch ends (EXEC, DISCARD, UNWATCH,
  // disconnect), which frees the key's version when nobody watches it any more.
  uint64_t KeyVersion(int db, std::string_view key);
  void Unwatch(int db, std::string_view key);
  size_t WatchedKeys();  // keys with a version kept (tests)
  // Active expiry: examines about `budget` hash buckets spread over every shard, continuing where
  // the previous call stopped (so repeated calls sweep the whole keyspace), and removes the
  // expired keys found. Returns how many it removed. Cheap enough to call ten times a second.
  size_t ExpireCycle(size_t budget);
  // Approximate bytes held by keys and values.
  uint64_t used_memory() const;
  // The memory limit and what happens at it; changeable while serving (CONFIG SET).
  void SetMemoryLimit(uint64_t maxmemory, EvictionPolicy eviction);
  uint64_t maxmemory() const { return maxmemory_.load(std::memory_order_relaxed); }
  EvictionPolicy eviction() const { return eviction_.load(std::memory_order_relaxed); }
  uint64_t keys_expired() const;
  uint64_t keys_evicted() const;
  int64_t NowMs() const;

  // Called after every successful write command, with its shards still locked (so per key, the
  // order of calls is the order of application) and the context to read the keys' new state.
  // Used for the write-ahead log. Set before serving; not thread-safe to change.
  using WriteObserver = std::function<void(CommandContext&, const CommandSpec&, Args argv)>;
  void SetWriteObserver(WriteObserver observer);
  // Called by ExecuteAll with its locks held and on its thread: true before the first command of
  // the transaction, false after the last, so the write observer can keep them together.
  using TransactionObserver = std::function<void(bool begin)>;
  void SetTransactionObserver(TransactionObserver observer);
  // Called whenever a command marks a key written (CommandContext::Modified: pushes, sets,
  // deletes...), with the key's shard locked: must be quick and must not call into the store.
  // Used to wake clients blocked on a key (BLPOP). Set before serving; nullptr to remove.
  using KeyListener = std::function<void(int db, std::string_view key)>;
  void SetKeyListener(KeyListener listener);
  // Locks every shard of every database (so no command runs), calls `start`, then `fn` on every
  // live key (database, key, value): a consistent point-in-time view for snapshots.
  void ForEachKeyLocked(const std::function<void()>& start,
                        const std::function<void(int, std::string_view, const Value&)>& fn);
  // Locks every shard of every database and calls `fn` (which may fork: the child then sees a
  // consistent keyspace and reads it with ForEachKeyUnlocked).
  void WithAllLocked(const std::function<void()>& fn);
  // ForEachKeyLocked's walk without taking any lock: only for a forked child of WithAllLocked
  // (no other thread exists there) or a caller that holds every shard lock.
  void ForEachKeyUnlocked(const std::function<void(int, std::string_view, const Value&)>& fn);
  // Inserts or removes one key outside any command (recovery).
  void Restore(int db, std::string key, std::optional<Value> value);
  void RestoreFlush(int db);

  struct Shard;
  struct Db;

 private:
  friend class CommandContext;
  Reply Run(const CommandSpec& spec, int db, Args argv, bool locked_all);
  std::vector<size_t> ShardsFor(const CommandSpec& spec, int db, Args argv) const;
  size_t ShardOf(std::string_view key) const;
  uint64_t VersionLocked(Shard& shard, std::string_view key);
  bool EvictIfNeeded(int db);

  KvOptions options_;
  CommandRegistry registry_;
  std::vector<std::unique_ptr<Db>> dbs_;
  WriteObserver observer_;
  TransactionObserver txn_observer_;
  std::atomic<uint64_t> maxmemory_{0};
  std::atomic<EvictionPolicy> eviction_{EvictionPolicy::kNoEviction};
  KeyListener key_listener_;
};

// What a command handler works with. The shards of the command's keys are locked.
class CommandContext {
 public:
  CommandContext(KvStore* store, KvStore::Db* db, int db_index, int64_t now_ms)
      : store_(store), db_(db), db_index_(db_index), now_ms_(now_ms) {}

  int64_t now_ms() const { return now_ms_; }
  int db_index() const { return db_index_; }
  KvStore* store() { return store_; }

  // The live value of `key`, or nullptr (an expired key is removed here).
  Value* Find(std::string_view key);
  // Find() restricted to `type`: nullptr with *wrong_type set when the key holds another type.
  Value* FindTyped(std::string_view key, Type type, bool* wrong_type);
  // The value of `key` of `type`, created empty when missing; nullptr when the key holds
  // another type.
  Value* FindOrCreate(std::string_view key, Type type);
  // Stores `value` under `key`, replacing anything there (and its TTL).
  Value* Put(std::string_view key, Value value);
  bool Erase(std::string_view key);
  // Marks `key` written (WATCH versions) and erases it when its collection became empty.
  void Modified(std::string_view key);
  // Every live key of the database (for KEYS, SCAN, RANDOMKEY); only with kAllKeys.
  void ForEachKey(const std::function<void(std::string_view, Value&)>& fn);
  uint64_t KeyCount();
  void Clear();

 private:
  KvStore::Shard& ShardFor(std::string_view key);
  KvStore* store_;
  KvStore::Db* db_;
  int db_index_;
  int64_t now_ms_;
};

// Parsing helpers shared by the command files.
bool ParseInt64(std::string_view s, int64_t* out);
bool ParseDouble(std::string_view s, double* out);  // also "inf", "-inf", "+inf"
std::string FormatDouble(double d);                 // as Redis prints scores and INCRBYFLOAT
bool EqualsIgnoreCase(std::string_view a, std::string_view b);
// Redis's glob matching (KEYS, SCAN MATCH, PSUBSCRIBE): `*`, `?`, `[abc]`, `[^a]`, `[a-z]` and
// `\x` escapes; `nocase` compares ASCII letters case-insensitively. Defined in key_commands.cc.
bool GlobMatch(std::string_view pattern, std::string_view s, bool nocase = false);
// Redis's memory sizes: "4096", "100mb", "2gb" (k = 1000, kb = 1024, m, mb, g, gb; any case).
bool ParseMemorySize(std::string_view s, uint64_t* out);
// "noeviction", "allkeys-lru", "volatile-ttl" <-> EvictionPolicy.
bool ParseEvictionPolicy(std::string_view s, EvictionPolicy* out);
const char* EvictionPolicyName(EvictionPolicy p);

}  // namespace cairn::kv

#endif  // CAIRN_MODELS_KV_KV_STORE_H_
