// Test helpers: reproducible pseudo-random data. For tests and benchmarks only.
//
// Thread safety: pure functions.
#ifndef CAIRN_CORE_TESTING_RANDOM_DATA_H_
#define CAIRN_CORE_TESTING_RANDOM_DATA_H_

#include <cstdint>
#include <random>
#include <string>

namespace cairn::testing {

// `n` bytes from a 64-bit Mersenne Twister seeded with `seed` (the same for the same seed).
inline std::string RandomData(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(rng());
  return s;
}

}  // namespace cairn::testing

#endif  // CAIRN_CORE_TESTING_RANDOM_DATA_H_
