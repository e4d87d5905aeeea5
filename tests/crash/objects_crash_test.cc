// Crash test for the object store (run by ctest; `make soak` runs it with many more trials).
//
//   objects_crash_test [TRIALS] [SEED]
//
// Each trial forks a child that puts (and sometimes deletes) objects in a store and, after each
// operation returns OK, appends an acknowledgement line to a log file and fsyncs it. The parent
// kills the child with SIGKILL at a random moment, reopens the store itself and checks that every
// acknowledged put reads back byte-exact (the latest acknowledged version of each key) and every
// acknowledged delete is still deleted. Some trials run garbage collection in the child, so kills
// also land inside GC. Ends with "crash test: N passed, 0 failed" or exits non-zero.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <thread>

#include "models/objects/object_store.h"

namespace {

using namespace cairn;

// Object contents are a pure function of (seed, size), so the parent can regenerate them.
std::string Content(uint64_t seed, size_t size) {
  std::mt19937_64 rng(seed);
  std::string s(size, '\0');
  bool text = seed % 2 == 0;  // half compressible, half random
  for (size_t i = 0; i < size; i += 8) {
    uint64_t v = text ? (rng() % 26) * 0x0101010101010101ull + 0x6161616161616161ull : rng();
    std::memcpy(s.data() + i, &v, std::min<size_t>(8, size - i));
  }
  return s;
}

std::unique_ptr<engine::ChunkStore> OpenChunks(const std::string& dir) {
  engine::ChunkStoreOptions o;
  o.env = core::Env::Default();
  o.dir = dir;
  o.segment_bytes = 4 << 20;  // small segments so GC has work
  auto s = engine::ChunkStore::Open(o);
  if (!s.ok()) {
    std::fprintf(stderr, "open failed: %s\n", s.status().ToString().c_str());
    std::exit(2);
  }
  return std::move(s).value();
}

void Ack(int fd, const std::string& line) {
  std::string l = line + "\n";
  if (::write(fd, l.data(), l.size()) != static_cast<ssize_t>(l.size()) || ::fsync(fd) != 0) {
    std::_Exit(3);
  }
}

[[noreturn]] void Child(const std::string& dir, const std::string& ack_path, uint64_t seed,
                        bool run_gc) {
  auto chunks = OpenChunks(dir);
  objects::ObjectStore store(chunks.get(), core::Env::Default());
  Status s = store.CreateBucket("crash");
  if (!s.ok() && s.code() != StatusCode::kAlreadyExists) std::_Exit(4);
  int fd = ::open(ack_path.c_str(), O_WRONLY | O_APPEND | O_CREAT, 0644);
  std::mt19937_64 rng(seed);
  for (uint64_t op = 0;; ++op) {
    std::string key = "k" + std::to_string(rng() % 40);
    uint64_t r = rng() % 100;
    if (r < 10) {
      Ack(fd, "intent del " + key);
      if (!store.Delete("crash", key).ok()) std::_Exit(5);
      Ack(fd, "ack del " + key);
    } else if (r < 13 && run_gc) {
      if (!chunks->CollectGarbage(0.6).ok()) std::_Exit(6);
    } else {
      uint64_t content_seed = rng();
      size_t size = rng() % 3 == 0 ? rng() % 2000 : rng() % (1536 << 10);
      std::string data = Content(content_seed, size);
      std::string what = key + " " + std::to_string(content_seed) + " " + std::to_string(size);
      Ack(fd, "intent put " + what);
      if (!store.PutBytes("crash", key, AsBytes(data)).ok()) std::_Exit(7);
      Ack(fd, "ack put " + what);
    }
  }
}

struct KeyState {
  bool present = false;
  uint64_t seed = 0;
  size_t size = 0;
};

// Reads back `key`; returns true if it matches `want` (absent, or present with that content).
bool Matches(objects::ObjectStore& store, const std::string& key, const KeyState& want,
             std::string* why) {
  auto g = store.Get("crash", key);
  if (!g.ok()) {
    if (g.status().code() == StatusCode::kNotFound && !want.present) return true;
    *why = g.status().ToString();
    return false;
  }
  if (!want.present) {
    *why = "present but deleted";
    return false;
  }
  std::string got;
  uint8_t buf[65536];
  for (;;) {
    auto n = (*g)->Read(MutableByteSpan(buf, sizeof(buf)));
    if (!n.ok()) {
      *why = n.status().ToString();
      return false;
    }
    if (*n == 0) break;
    got.append(reinterpret_cast<char*>(buf), *n);
  }
  std::string expect = Content(want.seed, want.size);
  if (got != expect) {
    size_t diff = 0;
    while (diff < std::min(got.size(), expect.size()) && got[diff] == expect[diff]) ++diff;
    *why = "different bytes: got " + std::to_string(got.size()) + " bytes, want " +
           std::to_string(expect.size()) + ", first difference at " + std::to_string(diff);
    return false;
  }
  return true;
}

// Returns the number of keys checked, or -1 on a failure (printed). Each key must be in its last
// acknowledged state, or in the state of an operation on it that was in flight when some child
// was killed (an intent after the key's last acknowledgement): such an operation may or may not
// have taken effect, but never partly.
int Verify(const std::string& dir, const std::string& ack_path) {
  std::map<std::string, KeyState> acked;
  std::map<std::string, std::vector<KeyState>> unacked;     // intents since the key's last ack
  std::map<std::string, std::vector<std::string>> history;  // for diagnostics
  std::ifstream acks(ack_path);
  std::string line;
  while (std::getline(acks, line)) {
    if (acks.eof()) break;  // defensive: main() drops torn lines before verifying
    std::istringstream in(line);
    std::string phase, op, key;
    in >> phase >> op >> key;
    KeyState st;
    if (op == "put") {
      st.present = true;
      in >> st.seed >> st.size;
    }
    history[key].push_back(line);
    if (phase == "intent") {
      unacked[key].push_back(st);
      if (!acked.count(key)) acked[key] = KeyState{};  // never acknowledged: absent is fine
    } else {
      acked[key] = st;
      unacked[key].clear();
    }
  }
  auto chunks = OpenChunks(dir);
  objects::ObjectStore store(chunks.get(), core::Env::Default());
  int checks = 0;
  for (const auto& [key, want] : acked) {
    ++checks;
    std::string why, why2;
    if (Matches(store, key, want, &why)) continue;
    bool ok = false;
    for (const KeyState& maybe : unacked[key]) ok = ok || Matches(store, key, maybe, &why2);
    if (ok) continue;
    std::fprintf(stderr, "key %s: not as acknowledged (%s)%s%s\n", key.c_str(), why.c_str(),
                 why2.empty() ? "" : "; nor as in flight: ", why2.c_str());
    const auto& h = history[key];
    for (size_t i = h.size() > 6 ? h.size() - 6 : 0; i < h.size(); ++i) {
      std::fprintf(stderr, "  history: %s\n", h[i].c_str());
    }
    return -1;
  }
  auto scrub = chunks->Scrub();
  if (!scrub.ok() || !scrub->corrupt.empty()) {
    std::fprintf(stderr, "scrub after crash found corruption\n");
    return -1;
  }
  return checks;
}

}  // namespace

int main(int argc, char** argv) {
  int trials = argc > 1 ? std::atoi(argv[1]) : 50;
  uint64_t seed = argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 20261125;
  std::string dir =
      std::filesystem::temp_directory_path() / ("cairn_crash_" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  std::string acks = dir + "/acks.log";
  std::mt19937_64 rng(seed);
  int passed = 0, failed = 0;
  long keys_checked = 0;
  for (int t = 0; t < trials; ++t) {
    bool gc = t % 3 == 0;
    pid_t pid = ::fork();
    if (pid == 0) Child(dir + "/store", acks, rng(), gc);
    std::this_thread::sleep_for(std::chrono::milliseconds(30 + rng() % 400));
    ::kill(pid, SIGKILL);
    int status = 0;
    ::waitpid(pid, &status, 0);
    if (WIFEXITED(status)) {
      std::fprintf(stderr, "trial %d: child exited with %d before the kill\n", t,
                   WEXITSTATUS(status));
      ++failed;
      break;
    }
    // A line the kill tore in half was never acknowledged: drop it, so the next child's lines
    // do not get glued onto it.
    {
      std::string text;
      std::ifstream in(acks, std::ios::binary);
      text.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
      size_t keep = text.rfind('\n');
      std::filesystem::resize_file(acks, keep == std::string::npos ? 0 : keep + 1);
    }
    int checks = Verify(dir + "/store", acks);
    if (checks < 0) {
      std::fprintf(stderr, "trial %d FAILED (seed %llu)\n", t,
                   static_cast<unsigned long long>(seed));
      ++failed;
      break;
    }
    keys_checked += checks;
    ++passed;
  }
  std::filesystem::remove_all(dir);
  std::printf("crash test: %ld key checks over %d trials\n", keys_checked, passed + failed);
  std::printf("crash test: %d passed, %d failed\n", passed, failed);
  return failed == 0 ? 0 : 1;
}
