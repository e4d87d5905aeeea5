// Crash test for the KV store's persistence (run by ctest; `make soak` runs it with many more
// trials).
//
//   kv_crash_test [TRIALS] [SEED]
//
// Each trial forks a child that opens a KvStore with KvPersistence on one directory (shared by
// all trials, so every trial also recovers what the previous crashes left) and runs random writes
// on a few hundred keys: SET (sometimes with a long EX), INCR, HSET, RPUSH, LTRIM and DEL, plus an
// occasional Save() (and background rewrites, as the log is kept small). Before each command it
// appends an intent line, after it an acknowledgement line, each fsync'ed. The parent kills the
// child with SIGKILL after a random 20-300 ms, recovers the store itself and checks it against a
// model: the child is one thread, so the recovered state must be the model's state after some
// prefix of the trial's commands. With fsync = always that prefix holds every acknowledged
// command (and at most the one in flight); in every tenth trial the child uses fsync = everysec,
// runs for about two seconds and the prefix must hold every command acknowledged more than 1.5 s
// before the kill. The model then continues from the recovered state. Ends with
// "kv crash test: N passed, 0 failed" or exits non-zero.
#include <fcntl.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "models/kv/kv_persistence.h"
#include "models/kv/kv_store.h"

namespace {

using namespace cairn;
using namespace cairn::kv;

constexpr int kKeysPerType = 100;
constexpr int64_t kEverySecWindowMs = 1500;
constexpr int64_t kExpiryToleranceMs = 2000;  // the model replays SET EX at the intent's time

int64_t WallMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// The model's clock: set to each command's intent time while replaying it.
class ClockEnv : public core::EnvWrapper {
 public:
  ClockEnv() : core::EnvWrapper(core::Env::Default()) {}
  uint64_t UnixMicros() override { return static_cast<uint64_t>(now_ms) * 1000; }
  int64_t now_ms = 0;
};

KvOptions StoreOptions(core::Env* env) {
  KvOptions o;
  o.env = env;
  o.shards = 8;
  o.databases = 1;
  return o;
}

KvPersistenceOptions PersistenceOptions(const std::string& dir, FsyncPolicy fsync) {
  KvPersistenceOptions o;
  o.env = core::Env::Default();
  o.dir = dir;
  o.fsync = fsync;
  o.rewrite_bytes = 2 << 20;  // background snapshots now and then
  o.segment_bytes = 1 << 20;
  return o;
}

void Ack(int fd, const std::string& line) {
  std::string l = line + "\n";
  if (::write(fd, l.data(), l.size()) != static_cast<ssize_t>(l.size()) || ::fsync(fd) != 0) {
    std::_Exit(3);
  }
}

std::vector<std::string> RandomCommand(std::mt19937_64& rng, uint64_t counter) {
  std::string k = std::to_string(rng() % kKeysPerType);
  std::string val = std::to_string(counter);
  uint64_t r = rng() % 100;
  if (r < 25) return {"set", "s:" + k, val};
  if (r < 35) return {"set", "s:" + k, val, "ex", std::to_string(100000 + rng() % 1000)};
  if (r < 50) return {"incr", "s:" + k};
  if (r < 65) return {"hset", "h:" + k, "f" + std::to_string(rng() % 8), val};
  if (r < 82) return {"rpush", "l:" + k, val};
  if (r < 87) return {"ltrim", "l:" + k, "-10", "-1"};
  const char* types[] = {"s:", "h:", "l:"};
  return {"del", types[rng() % 3] + k};
}

[[noreturn]] void Child(const std::string& dir, const std::string& ack_path, uint64_t seed,
                        FsyncPolicy fsync) {
  KvStore store(StoreOptions(core::Env::Default()));
  auto p = KvPersistence::Open(PersistenceOptions(dir, fsync), &store);
  if (!p.ok()) {
    std::fprintf(stderr, "child: open failed: %s\n", p.status().ToString().c_str());
    std::_Exit(4);
  }
  int fd = ::open(ack_path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) std::_Exit(4);
  std::mt19937_64 rng(seed);
  for (uint64_t op = 0;; ++op) {
    if (rng() % 200 == 0) {
      if (!(*p)->Save().ok()) std::_Exit(6);
      Ack(fd, "S");
      continue;
    }
    std::vector<std::string> argv = RandomCommand(rng, seed % 1000000 * 1000000 + op);
    std::string line = "I " + std::to_string(op) + " " + std::to_string(WallMs());
    for (const auto& a : argv) line += " " + a;
    Ack(fd, line);
    Reply r = store.Execute(0, argv);
    if (r.kind == Reply::Kind::kError) {
      std::fprintf(stderr, "child: %s failed: %s\n", argv[0].c_str(), r.str.c_str());
      std::_Exit(5);
    }
    Ack(fd, "A " + std::to_string(op) + " " + std::to_string(WallMs()));
  }
}

struct KeyState {
  bool present = false;
  size_t hash = 0;  // of the value's canonical form without its expiry
  int64_t expire_at_ms = 0;
};

bool Same(const KeyState& a, const KeyState& b) {
  if (a.present != b.present) return false;
  if (!a.present) return true;
  if (a.hash != b.hash || (a.expire_at_ms == 0) != (b.expire_at_ms == 0)) return false;
  return std::llabs(a.expire_at_ms - b.expire_at_ms) <= kExpiryToleranceMs;
}

std::string Describe(const KeyState& s) {
  if (!s.present) return "absent";
  return "hash " + std::to_string(s.hash) + " expire " + std::to_string(s.expire_at_ms);
}

// Hash and set orders are not stable across instances: sort them.
std::string Canon(const Value& v) {
  std::string o = TypeName(v.type());
  o += ":";
  auto item = [&o](const std::string& s) { o += std::to_string(s.size()) + ":" + s + ","; };
  switch (v.type()) {
    case Type::kString:
      item(std::string(v.str()));
      break;
    case Type::kHash: {
      const auto& h = v.hash();
      std::map<std::string, std::string> m(h.begin(), h.end());
      for (const auto& [f, x] : m) {
        item(f);
        item(x);
      }
      break;
    }
    case Type::kList:
      for (const auto& x : v.list()) item(x);
      break;
    case Type::kSet: {
      const auto& s = v.set();
      std::map<std::string, int> m;
      for (const auto& x : s) m[x] = 0;
      for (const auto& [x, unused] : m) item(x);
      break;
    }
    case Type::kZSet:
      for (const auto& [score, member] : v.zset().order) {
        item(std::to_string(score));
        item(member);
      }
      break;
  }
  return o;
}

KeyState StateOf(const Value& v) {
  return KeyState{true, std::hash<std::string>()(Canon(v)), v.expire_at_ms};
}

std::map<std::string, KeyState> Dump(KvStore& store) {
  std::map<std::string, KeyState> out;
  store.ForEachKeyLocked([] {},
                         [&](int db, std::string_view k, const Value& v) {
                           if (db == 0) out[std::string(k)] = StateOf(v);
                         });
  return out;
}

KeyState KeyStateOf(KvStore& store, const std::string& key) {
  KeyState st;
  store.ForEachKeyLocked([] {},
                         [&](int db, std::string_view k, const Value& v) {
                           if (db == 0 && k == key) st = StateOf(v);
                         });
  return st;
}

struct Op {
  std::vector<std::string> argv;
  int64_t intent_ms = 0;
  bool acked = false;
  int64_t ack_ms = 0;
};

std::vector<Op> ReadOps(const std::string& ack_path) {
  std::vector<Op> ops;
  std::ifstream in(ack_path);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream s(line);
    std::string kind;
    uint64_t index = 0;
    int64_t ms = 0;
    s >> kind;
    if (kind == "S") continue;
    s >> index >> ms;
    if (kind == "I") {
      Op op;
      op.intent_ms = ms;
      for (std::string a; s >> a;) op.argv.push_back(a);
      ops.push_back(std::move(op));
    } else if (kind == "A" && index + 1 == ops.size()) {
      ops.back().acked = true;
      ops.back().ack_ms = ms;
    }
  }
  return ops;
}

// Checks the store recovered from `dir` against `*model` (the state before the trial) advanced by
// a prefix of `ops` of at least `min_prefix` commands. On success, *model becomes the recovered
// store and *prefix the matching prefix length; on failure returns false (printed).
bool Verify(const std::string& dir, const std::vector<Op>& ops, size_t min_prefix, ClockEnv* clock,
            std::unique_ptr<KvStore>* model, size_t* prefix) {
  const size_t n = ops.size();
  std::map<std::string, KeyState> initial = Dump(**model);
  std::map<std::string, std::vector<std::pair<size_t, KeyState>>> history;  // op index, after
  for (size_t i = 0; i < n; ++i) {
    clock->now_ms = ops[i].intent_ms;
    (*model)->Execute(0, ops[i].argv);
    history[ops[i].argv[1]].emplace_back(i, KeyStateOf(**model, ops[i].argv[1]));
  }

  clock->now_ms = WallMs();
  auto recovered = std::make_unique<KvStore>(StoreOptions(clock));
  auto p = KvPersistence::Open(PersistenceOptions(dir, FsyncPolicy::kAlways), recovered.get());
  if (!p.ok()) {
    std::fprintf(stderr, "recovery failed: %s\n", p.status().ToString().c_str());
    return false;
  }
  std::map<std::string, KeyState> got = Dump(*recovered);
  if (!(*p)->Close().ok()) return false;
  p->reset();

  auto state = [&got](const std::string& key) {
    auto it = got.find(key);
    return it == got.end() ? KeyState{} : it->second;
  };
  auto initial_state = [&initial](const std::string& key) {
    auto it = initial.find(key);
    return it == initial.end() ? KeyState{} : it->second;
  };
  // Keys no command of the trial touched stay as they were.
  std::map<std::string, int> keys;
  for (const auto& [k, unused] : initial) keys[k] = 0;
  for (const auto& [k, unused] : got) keys[k] = 0;
  for (const auto& [key, unused] : keys) {
    if (history.count(key)) continue;
    if (!Same(state(key), initial_state(key))) {
      std::fprintf(stderr, "untouched key %s: %s, was %s\n", key.c_str(),
                   Describe(state(key)).c_str(), Describe(initial_state(key)).c_str());
      return false;
    }
  }
  // Each touched key allows the prefixes P (commands applied) whose state of it matches:
  // P in [0, i1] for the initial state, [i_j + 1, i_{j+1}] after its j-th command.
  std::vector<int> diff(n + 2, 0);
  for (const auto& [key, h] : history) {
    KeyState want = state(key);
    size_t from = 0;
    KeyState before = initial_state(key);
    for (size_t j = 0; j <= h.size(); ++j) {
      size_t to = j < h.size() ? h[j].first : n;  // `before` holds for P in [from, to]
      if (Same(before, want)) {
        ++diff[from];
        --diff[to + 1];
      }
      if (j < h.size()) {
        before = h[j].second;
        from = h[j].first + 1;
      }
    }
  }
  int count = 0;
  std::vector<size_t> ok_prefixes;
  for (size_t P = 0; P <= n; ++P) {
    count += diff[P];
    if (count == static_cast<int>(history.size())) ok_prefixes.push_back(P);
  }
  for (auto it = ok_prefixes.rbegin(); it != ok_prefixes.rend(); ++it) {
    if (*it >= min_prefix) {
      *prefix = *it;
      *model = std::move(recovered);
      return true;
    }
  }
  std::fprintf(stderr, "no prefix of the %zu commands (at least %zu) matches the recovered state",
               n, min_prefix);
  for (size_t P : ok_prefixes) std::fprintf(stderr, " [%zu matches]", P);
  std::fprintf(stderr, "\n");
  // Show the keys that differ from the model after the acknowledged prefix.
  int shown = 0;
  for (const auto& [key, h] : history) {
    KeyState want = initial_state(key);
    for (const auto& [i, st] : h) {
      if (i < min_prefix) want = st;
    }
    if (!Same(want, state(key)) && shown++ < 8) {
      std::fprintf(stderr, "  key %s: recovered %s, acknowledged %s\n", key.c_str(),
                   Describe(state(key)).c_str(), Describe(want).c_str());
      for (const auto& [i, st] : h) {
        std::string cmd;
        for (const auto& a : ops[i].argv) cmd += a + " ";
        std::fprintf(stderr, "    #%zu %s%s-> %s\n", i, cmd.c_str(),
                     ops[i].acked ? "(acked) " : "(in flight) ", Describe(st).c_str());
      }
    }
  }
  return false;
}

}  // namespace

int main(int argc, char** argv) {
  int trials = argc > 1 ? std::atoi(argv[1]) : 50;
  uint64_t seed = argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 20261126;
  spdlog::set_level(spdlog::level::warn);
  std::string dir =
      std::filesystem::temp_directory_path() / ("cairn_kv_crash_" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  std::string acks = dir + "/acks.log";
  std::ofstream(acks).close();
  std::string store_dir = dir + "/store";
  std::mt19937_64 rng(seed);
  ClockEnv clock;
  auto model = std::make_unique<KvStore>(StoreOptions(&clock));
  int passed = 0, failed = 0;
  uint64_t commands = 0, lost_unacked = 0, lost_everysec = 0;
  for (int t = 0; t < trials; ++t) {
    bool everysec = t % 10 == 9;
    FsyncPolicy fsync = everysec ? FsyncPolicy::kEverySec : FsyncPolicy::kAlways;
    uint64_t child_seed = rng();
    int64_t sleep_ms = everysec ? 1800 + static_cast<int64_t>(rng() % 1200)
                                : 20 + static_cast<int64_t>(rng() % 281);
    // Empty the ack log before the child starts: a child killed while still opening the store
    // (before it gets to its own truncation) must not leave the previous trial's lines behind.
    std::filesystem::resize_file(acks, 0);
    pid_t pid = ::fork();
    if (pid == 0) Child(store_dir, acks, child_seed, fsync);
    std::this_thread::sleep_for(std::chrono::milliseconds(sleep_ms));
    int64_t kill_ms = WallMs();
    ::kill(pid, SIGKILL);
    int status = 0;
    ::waitpid(pid, &status, 0);
    if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGKILL) {
      std::fprintf(stderr, "trial %d: child ended before the kill (status %d)\n", t, status);
      ++failed;
      break;
    }
    // A line the kill tore in half was never written: drop it.
    {
      std::string text;
      std::ifstream in(acks, std::ios::binary);
      text.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
      size_t keep = text.rfind('\n');
      std::filesystem::resize_file(acks, keep == std::string::npos ? 0 : keep + 1);
    }
    std::vector<Op> ops = ReadOps(acks);
    size_t min_prefix = 0;
    for (const Op& op : ops) {
      if (!op.acked || (everysec && op.ack_ms >= kill_ms - kEverySecWindowMs)) break;
      ++min_prefix;
    }
    size_t acked = 0;
    while (acked < ops.size() && ops[acked].acked) ++acked;
    size_t prefix = 0;
    if (!Verify(store_dir, ops, min_prefix, &clock, &model, &prefix)) {
      std::fprintf(stderr, "trial %d (%s) FAILED (seed %llu)\n", t,
                   everysec ? "everysec" : "always", static_cast<unsigned long long>(seed));
      ++failed;
      break;
    }
    commands += ops.size();
    if (prefix < ops.size()) ++lost_unacked;
    if (prefix < acked) lost_everysec += acked - prefix;
    ++passed;
  }
  std::filesystem::remove_all(dir);
  std::printf(
      "kv crash test: %llu commands over %d trials; %llu in-flight commands lost, "
      "%llu acknowledged commands lost under everysec\n",
      static_cast<unsigned long long>(commands), passed + failed,
      static_cast<unsigned long long>(lost_unacked),
      static_cast<unsigned long long>(lost_everysec));
  std::printf("kv crash test: %d passed, %d failed\n", passed, failed);
  return failed == 0 ? 0 : 1;
}
