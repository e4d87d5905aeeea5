// eventlog_bench: bench/eventlog's driver for the event log model (models/eventlog), used
// directly (no HTTP). Prints "key value" lines.
//
//   eventlog_bench append DIR EVENTS SIZE BATCH   durable appends of EVENTS events of SIZE random
//       bytes in AppendBatch calls of BATCH (one thread, each call waits for its fdatasync) into
//       DIR/log, against the peer: the same bytes written with write(2) and fdatasync'ed after
//       every batch into DIR/raw. Then the tree is waited for (shown apart).
//   eventlog_bench proofs DIR SECONDS   inclusion proofs of random events against the current
//       head on this thread (page cache 1 GiB, warmed first), each one checked once in 1,000.
//   eventlog_bench fill DIR EVENTS SIZE BATCH   only the appends (sets up a node's data dir).
#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "core/env/env.h"
#include "models/eventlog/event_log.h"

namespace {

using namespace cairn;
using Clock = std::chrono::steady_clock;

constexpr const char* kStream = "bench";

double Since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

std::unique_ptr<eventlog::EventLog> OpenLog(const std::string& dir) {
  eventlog::EventLogOptions o;
  o.env = core::Env::Default();
  o.dir = dir;
  o.page_cache_bytes = 1ull << 30;
  o.hash_threads = 1;
  auto log = eventlog::EventLog::Open(o);
  if (!log.ok()) {
    std::fprintf(stderr, "open %s: %s\n", dir.c_str(), log.status().ToString().c_str());
    std::exit(1);
  }
  return std::move(log).value();
}

// Random batches, generated once and reused (the same bytes go to both sides).
std::vector<std::vector<std::string>> Batches(uint64_t size, uint64_t batch, int distinct) {
  std::mt19937_64 rng(42);
  std::vector<std::vector<std::string>> out(distinct);
  for (auto& b : out) {
    b.resize(batch);
    for (auto& e : b) {
      e.resize(size);
      for (char& c : e) c = static_cast<char>(rng());
    }
  }
  return out;
}

double Append(const std::string& dir, uint64_t events, uint64_t size, uint64_t batch) {
  auto log = OpenLog(dir);
  auto batches = Batches(size, batch, 16);
  const auto start = Clock::now();
  for (uint64_t done = 0, i = 0; done < events; done += batch, ++i) {
    auto r = log->AppendBatch(kStream, batches[i % batches.size()]);
    if (!r.ok()) {
      std::fprintf(stderr, "append: %s\n", r.status().ToString().c_str());
      std::exit(1);
    }
  }
  const double secs = Since(start);
  const auto tree_start = Clock::now();
  if (!log->WaitForTree().ok()) std::exit(1);
  std::printf("tree_wait_s %.3f\n", Since(tree_start));
  if (!log->Close().ok()) std::exit(1);
  return secs;
}

double Raw(const std::string& path, uint64_t events, uint64_t size, uint64_t batch) {
  auto batches = Batches(size, batch, 16);
  std::vector<std::string> joined;
  for (const auto& b : batches) {
    std::string s;
    for (const auto& e : b) s += e;
    joined.push_back(std::move(s));
  }
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0644);
  if (fd < 0) std::exit(1);
  const auto start = Clock::now();
  for (uint64_t done = 0, i = 0; done < events; done += batch, ++i) {
    const std::string& s = joined[i % joined.size()];
    if (::write(fd, s.data(), s.size()) != static_cast<ssize_t>(s.size())) std::exit(1);
    if (::fdatasync(fd) != 0) std::exit(1);
  }
  const double secs = Since(start);
  ::close(fd);
  return secs;
}

void Proofs(const std::string& dir, double seconds) {
  auto log = OpenLog(dir);
  const uint64_t n = log->Size(kStream).value();
  const eventlog::Hash root = log->Root(kStream, n).value();
  std::mt19937_64 rng(7);
  std::vector<eventlog::Hash> proof;
  // Warm the cache: every tier-0 page once.
  for (uint64_t i = 0; i < n; i += 256) {
    if (!log->InclusionProof(kStream, i, n, &proof).ok()) std::exit(1);
  }
  uint64_t count = 0;
  const auto start = Clock::now();
  double elapsed = 0;
  while (elapsed < seconds) {
    for (int k = 0; k < 1000; ++k) {
      const uint64_t index = rng() % n;
      if (!log->InclusionProof(kStream, index, n, &proof).ok()) std::exit(1);
      if (k == 0) {
        auto leaf = log->LeafHash(kStream, index).value();
        if (!eventlog::VerifyInclusion(index, n, leaf, proof, root).ok()) {
          std::fprintf(stderr, "proof of %llu does not verify\n",
                       static_cast<unsigned long long>(index));
          std::exit(1);
        }
      }
    }
    count += 1000;
    elapsed = Since(start);
  }
  std::printf("proofs %llu\nproof_secs %.3f\nproofs_per_sec %.0f\n",
              static_cast<unsigned long long>(count), elapsed, count / elapsed);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: eventlog_bench append|fill|proofs DIR ...\n");
    return 2;
  }
  const std::string mode = argv[1];
  const std::string dir = argv[2];
  if (mode == "proofs") {
    Proofs(dir + "/log", argc > 3 ? std::atof(argv[3]) : 2.0);
    return 0;
  }
  if (argc < 6) return 2;
  const uint64_t events = std::strtoull(argv[3], nullptr, 10);
  const uint64_t size = std::strtoull(argv[4], nullptr, 10);
  const uint64_t batch = std::strtoull(argv[5], nullptr, 10);
  if (mode == "fill") {
    Append(dir, events, size, batch);
    return 0;
  }
  const double log_secs = Append(dir + "/log", events, size, batch);
  const double raw_secs = Raw(dir + "/raw", events, size, batch);
  std::printf("append_secs %.3f\nappend_events_per_sec %.0f\n", log_secs, events / log_secs);
  std::printf("raw_secs %.3f\nraw_events_per_sec %.0f\n", raw_secs, events / raw_secs);
  std::printf("append_ratio %.3f\n", raw_secs / log_secs);
  return 0;
}
