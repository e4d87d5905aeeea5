// In-memory content-defined chunking throughput (default options), one thread, per backend,
// against memcpy of the same buffer into another (best of `reps` rounds each). Usage:
// chunker_mem [MiB (default 512)] [reps (default 5)].
// Prints, for bench/chunker to read:
//   chunker <backend> <GB/s> <chunks> <mean chunk bytes>   (or "chunker <backend> unsupported")
//   memcpy <GB/s>
// and exits non-zero if a backend disagrees with the portable one on the boundaries.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <vector>

#include "engine/chunker.h"

using cairn::engine::ChunkerBackend;

namespace {

double Seconds(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// Fills `data` with xorshift64* output: incompressible, like the payloads that matter for dedup.
void FillRandom(uint8_t* data, size_t n) {
  uint64_t x = 0x9E3779B97F4A7C15ull;
  for (size_t i = 0; i + 8 <= n; i += 8) {
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    const uint64_t v = x * 0x2545F4914F6CDD1Dull;
    std::memcpy(data + i, &v, 8);
  }
  for (size_t i = n & ~size_t{7}; i < n; ++i) data[i] = static_cast<uint8_t>(i);
}

}  // namespace

int main(int argc, char** argv) {
  const size_t mib = argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 512;
  const int reps = std::max(1, argc > 2 ? std::atoi(argv[2]) : 5);
  const size_t size = mib << 20;
  // Both buffers are written once before timing, so no run pays for page faults.
  std::unique_ptr<uint8_t[]> src(new uint8_t[size]);
  std::unique_ptr<uint8_t[]> dst(new uint8_t[size]);
  FillRandom(src.get(), size);
  std::memset(dst.get(), 1, size);

  // Rounds alternate all backends and memcpy, so that a burst of noise from elsewhere on the
  // machine does not hit one contender's runs only; each reports its best round.
  const ChunkerBackend backends[] = {ChunkerBackend::kPortable, ChunkerBackend::kAvx2,
                                     ChunkerBackend::kAvx512};
  double best[3] = {1e30, 1e30, 1e30};
  double best_copy = 1e30;
  std::vector<uint64_t> lengths[3];
  for (int r = 0; r < reps; ++r) {
    for (int i = 0; i < 3; ++i) {
      if (!cairn::engine::ChunkerBackendSupported(backends[i])) continue;
      lengths[i].clear();
      lengths[i].reserve(size / 16384 + 2);
      const auto start = std::chrono::steady_clock::now();
      auto chunker = cairn::engine::Chunker::Create(cairn::engine::ChunkerOptions(), backends[i]);
      if (!chunker.ok()) {
        std::fprintf(stderr, "chunker_mem: %s\n", chunker.status().ToString().c_str());
        return 1;
      }
      chunker->Update(cairn::ByteSpan(src.get(), size), &lengths[i]);
      chunker->Finish(&lengths[i]);
      best[i] = std::min(best[i], Seconds(start));
    }
    const auto start = std::chrono::steady_clock::now();
    std::memcpy(dst.get(), src.get(), size);
    best_copy = std::min(best_copy, Seconds(start));
    // Keep the copy observable so it cannot be elided.
    if (dst[size / 2] != src[size / 2]) return 1;
  }

  for (int i = 0; i < 3; ++i) {
    const char* name = cairn::engine::ChunkerBackendName(backends[i]);
    if (!cairn::engine::ChunkerBackendSupported(backends[i])) {
      std::printf("chunker %s unsupported\n", name);
      continue;
    }
    if (lengths[i] != lengths[0]) {
      std::fprintf(stderr, "chunker_mem: backend %s disagrees with the portable one\n", name);
      return 1;
    }
    std::printf("chunker %s %.2f %zu %.0f\n", name, static_cast<double>(size) / best[i] / 1e9,
                lengths[i].size(),
                static_cast<double>(size) / static_cast<double>(lengths[i].size()));
  }
  std::printf("memcpy %.2f\n", static_cast<double>(size) / best_copy / 1e9);
  return 0;
}
