// In-memory BLAKE3 throughput (no file I/O), per SIMD path, one thread; then all threads on the
// best path. Prints lines "mem <path> <threads> <GB/s>" for bench/blake3 to read.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <thread>
#include <vector>

#include "core/blake3.h"

using cairn::core::Blake3Backend;

namespace {

double Measure(const std::vector<uint8_t>& data, Blake3Backend backend, unsigned threads,
               int reps) {
  double best = 1e30;
  for (int r = 0; r < reps; ++r) {
    auto start = std::chrono::steady_clock::now();
    cairn::core::Blake3Hasher h(backend);
    if (threads == 1) {
      h.Update(data);
    } else {
      h.UpdateParallel(data, threads);
    }
    auto out = h.Finalize();
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (out[0] == 0 && out[1] == 0 && out[2] == 0 && out[3] == 0) std::fprintf(stderr, " ");
    best = std::min(best, secs);
  }
  return static_cast<double>(data.size()) / best / 1e9;
}

}  // namespace

int main(int argc, char** argv) {
  size_t mib = argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 256;
  std::vector<uint8_t> data(mib << 20);
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<uint8_t>(i * 131 + (i >> 11));
  for (Blake3Backend b : {Blake3Backend::kPortable, Blake3Backend::kAvx2, Blake3Backend::kAvx512}) {
    if (!cairn::core::Blake3BackendSupported(b)) {
      std::printf("mem %s 1 unsupported\n", cairn::core::Blake3BackendName(b));
      continue;
    }
    std::printf("mem %s 1 %.2f\n", cairn::core::Blake3BackendName(b), Measure(data, b, 1, 5));
    std::fflush(stdout);
  }
  unsigned all = std::max(1u, std::thread::hardware_concurrency());
  Blake3Backend best = cairn::core::Blake3BestBackend();
  std::printf("mem %s %u %.2f\n", cairn::core::Blake3BackendName(best), all,
              Measure(data, best, all, 5));
  return 0;
}
