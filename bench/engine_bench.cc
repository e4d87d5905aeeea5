// Engine benchmarks, driven by bench/ingest and bench/get.
//
//   engine_bench ingest DIR GIB   full put pipeline (CDC, BLAKE3, adaptive compression, AEAD,
//                                 segment writes, synced metadata) on GIB GiB of mixed data,
//                                 half random and half text-like, in 64 MiB objects put by
//                                 $CAIRN_BENCH_WRITERS threads (default 1: one stream already
//                                 seals on every core); then the same bytes written raw to a
//                                 file with fdatasync.
//   engine_bench get DIR MIB      streaming read of one MIB MiB object: warm (chunk cache) vs
//                                 memcpy, and cold (caches dropped) vs a raw file read.
// Prints "key value" lines that the scripts format.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "models/objects/object_store.h"

namespace {

using namespace cairn;
using Clock = std::chrono::steady_clock;

double Secs(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

void FillRandom(uint8_t* p, size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  for (size_t i = 0; i + 8 <= n; i += 8) {
    uint64_t v = rng();
    std::memcpy(p + i, &v, 8);
  }
}

// Log-like text: timestamps, a small vocabulary, numbers. zstd shrinks it about 4-6x.
void FillText(uint8_t* p, size_t n, uint64_t seed) {
  static const char* kWords[] = {
      "GET",        "PUT",   "/api/v1/objects", "200",    "404",   "user",   "bucket",
      "latency_ms", "ok",    "error",           "retry",  "cache", "miss",   "hit",
      "session",    "chunk", "segment",         "commit", "shard", "replica"};
  std::mt19937_64 rng(seed);
  size_t i = 0;
  while (i < n) {
    char line[160];
    int len = std::snprintf(line, sizeof(line), "2026-11-25T%02u:%02u:%02u.%03uZ %s %s %s=%u\n",
                            static_cast<unsigned>(rng() % 24), static_cast<unsigned>(rng() % 60),
                            static_cast<unsigned>(rng() % 60), static_cast<unsigned>(rng() % 1000),
                            kWords[rng() % 20], kWords[rng() % 20], kWords[rng() % 20],
                            static_cast<unsigned>(rng() % 100000));
    size_t take = std::min<size_t>(static_cast<size_t>(len), n - i);
    std::memcpy(p + i, line, take);
    i += take;
  }
}

std::unique_ptr<engine::ChunkStore> OpenStore(const std::string& dir, size_t cache_bytes) {
  engine::ChunkStoreOptions o;
  o.env = core::Env::Default();
  o.dir = dir;
  o.cache_bytes = cache_bytes;
  auto s = engine::ChunkStore::Open(o);
  if (!s.ok()) {
    std::fprintf(stderr, "open: %s\n", s.status().ToString().c_str());
    std::exit(1);
  }
  return std::move(s).value();
}

double RawWrite(const std::string& path, const std::vector<uint8_t>& data) {
  auto t0 = Clock::now();
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  for (size_t off = 0; off < data.size(); off += 8 << 20) {
    size_t n = std::min<size_t>(8 << 20, data.size() - off);
    if (::write(fd, data.data() + off, n) != static_cast<ssize_t>(n)) std::exit(1);
  }
  ::fdatasync(fd);
  ::close(fd);
  return Secs(t0, Clock::now());
}

int Ingest(const std::string& dir, double gib) {
  size_t total = static_cast<size_t>(gib * (1ull << 30));
  std::vector<uint8_t> data(total);
  FillRandom(data.data(), total / 2, 1);
  FillText(data.data() + total / 2, total - total / 2, 2);
  double raw = RawWrite(dir + "/raw.bin", data);
  std::filesystem::remove(dir + "/raw.bin");

  auto chunks = OpenStore(dir + "/store", 64 << 20);
  objects::ObjectStore store(chunks.get(), core::Env::Default());
  if (!store.CreateBucket("bench").ok()) return 1;
  constexpr size_t kObject = 64 << 20;
  size_t objects = (total + kObject - 1) / kObject;
  std::atomic<size_t> next{0};
  std::atomic<bool> failed{false};
  auto t0 = Clock::now();
  auto worker = [&] {
    for (size_t i = next++; i < objects; i = next++) {
      size_t off = i * kObject, n = std::min(kObject, total - off);
      auto put = store.Put("bench", "o" + std::to_string(i));
      // Feed in 1 MiB writes, as a network face would.
      for (size_t p = 0; put.ok() && p < n; p += 1 << 20) {
        if (!(*put)
                 ->Write(ByteSpan(data.data() + off + p, std::min<size_t>(1 << 20, n - p)))
                 .ok()) {
          failed = true;
        }
      }
      if (!put.ok() || !(*put)->Finish().ok()) failed = true;
    }
  };
  const char* env_writers = std::getenv("CAIRN_BENCH_WRITERS");
  int writers = env_writers != nullptr ? std::max(1, std::atoi(env_writers)) : 1;
  std::vector<std::thread> threads;
  for (int i = 0; i < writers; ++i) threads.emplace_back(worker);
  for (std::thread& t : threads) t.join();
  double ours = Secs(t0, Clock::now());
  if (failed) return 1;
  auto stats = chunks->Stats().value();
  std::printf("bytes %zu\nraw_secs %.4f\ncairn_secs %.4f\nwriters %d\n", total, raw, ours, writers);
  std::printf("dedup %.3f\ncompression %.3f\n",
              static_cast<double>(total) / static_cast<double>(stats.plain_bytes),
              static_cast<double>(stats.plain_bytes) / static_cast<double>(stats.sealed_bytes));
  return 0;
}

void DropCaches(const std::string& dir) {
  ::sync();
  std::ofstream drop("/proc/sys/vm/drop_caches");
  if (drop) drop << "3\n";
  // Where /proc/sys is read-only, ask the kernel to forget each file instead.
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) {
    if (!e.is_regular_file()) continue;
    int fd = ::open(e.path().c_str(), O_RDONLY);
    if (fd >= 0) {
      ::posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
      ::close(fd);
    }
  }
}

double ReadObject(objects::ObjectStore& store, std::vector<uint8_t>* sink) {
  auto t0 = Clock::now();
  auto g = store.Get("bench", "big").value();
  size_t off = 0;
  for (;;) {
    auto n =
        g->Read(MutableByteSpan(sink->data() + off, std::min<size_t>(1 << 20, sink->size() - off)));
    if (!n.ok()) std::exit(1);
    if (*n == 0) break;
    off += *n;
  }
  return Secs(t0, Clock::now());
}

int Get(const std::string& dir, size_t mib) {
  size_t total = mib << 20;
  std::vector<uint8_t> data(total), sink(total), copy(total);
  FillRandom(data.data(), total / 2, 3);
  FillText(data.data() + total / 2, total - total / 2, 4);
  {
    auto chunks = OpenStore(dir + "/store", 0);
    objects::ObjectStore store(chunks.get(), core::Env::Default());
    if (!store.CreateBucket("bench").ok()) return 1;
    if (!store.PutBytes("bench", "big", ByteSpan(data)).ok()) return 1;
  }
  // Cold: fresh process state (no chunk cache), page cache dropped.
  DropCaches(dir);
  double cold;
  {
    auto chunks = OpenStore(dir + "/store", 0);
    objects::ObjectStore store(chunks.get(), core::Env::Default());
    cold = ReadObject(store, &sink);
  }
  if (std::memcmp(sink.data(), data.data(), total) != 0) return 1;
  // Raw: the same number of bytes from a plain file, page cache dropped.
  RawWrite(dir + "/raw.bin", data);
  DropCaches(dir);
  auto t0 = Clock::now();
  int fd = ::open((dir + "/raw.bin").c_str(), O_RDONLY);
  for (size_t off = 0; off < total;) {
    ssize_t n = ::read(fd, sink.data() + off, std::min<size_t>(1 << 20, total - off));
    if (n <= 0) return 1;
    off += static_cast<size_t>(n);
  }
  ::close(fd);
  double raw = Secs(t0, Clock::now());
  // Warm: every chunk in the chunk cache.
  double warm = 1e9;
  {
    auto chunks = OpenStore(dir + "/store", total * 2);
    objects::ObjectStore store(chunks.get(), core::Env::Default());
    ReadObject(store, &sink);
    for (int i = 0; i < 3; ++i) warm = std::min(warm, ReadObject(store, &sink));
  }
  double mem = 1e9;
  for (int i = 0; i < 3; ++i) {
    auto m0 = Clock::now();
    std::memcpy(copy.data(), data.data(), total);
    mem = std::min(mem, Secs(m0, Clock::now()));
  }
  std::printf("bytes %zu\nwarm_secs %.4f\nmemcpy_secs %.4f\ncold_secs %.4f\nraw_secs %.4f\n", total,
              warm, mem, cold, raw);
  return copy[12345] == data[12345] ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: engine_bench ingest DIR GIB | get DIR MIB\n");
    return 2;
  }
  std::string mode = argv[1], dir = argv[2];
  std::filesystem::create_directories(dir);
  if (mode == "ingest") return Ingest(dir, std::atof(argv[3]));
  if (mode == "get") return Get(dir, std::strtoul(argv[3], nullptr, 10));
  return 2;
}
