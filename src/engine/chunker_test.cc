#include "engine/chunker.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "engine/internal/chunker_impl.h"

namespace cairn::engine {
namespace {

// Deterministic bytes (splitmix64 of a counter), the same on every platform: golden lengths
// below depend on them.
std::vector<uint8_t> PseudoRandomBytes(size_t n, uint64_t seed) {
  std::vector<uint8_t> out(n);
  uint64_t state = seed;
  for (size_t i = 0; i < n; i += 8) {
    uint64_t z = (state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z ^= z >> 31;
    for (size_t j = 0; j < 8 && i + j < n; ++j) out[i + j] = static_cast<uint8_t>(z >> (8 * j));
  }
  return out;
}

std::vector<uint8_t> RepeatingText(size_t n) {
  const std::string text =
      "The quick brown fox jumps over the lazy dog; pack my box with five dozen liquor jugs.\n";
  std::vector<uint8_t> out(n);
  for (size_t i = 0; i < n; ++i) out[i] = static_cast<uint8_t>(text[i % text.size()]);
  return out;
}

// Low-entropy but aperiodic: words drawn pseudo-randomly from a small vocabulary.
std::vector<uint8_t> WordSalad(size_t n, uint64_t seed) {
  static const char* const kWords[] = {
      "the ", "of ", "chunk ", "store ",   "cairn ", "a ",     "byte ",     "hash ",
      "and ", "to ", "in ",    "stream\n", "is ",    "dedup ", "boundary ", "gear "};
  const std::vector<uint8_t> choices = PseudoRandomBytes(n, seed);
  std::vector<uint8_t> out;
  out.reserve(n + 16);
  for (size_t i = 0; out.size() < n; ++i) {
    for (const char* w = kWords[choices[i] & 15]; *w != 0; ++w)
      out.push_back(static_cast<uint8_t>(*w));
  }
  out.resize(n);
  return out;
}

ChunkerOptions Options(uint32_t min_size, uint32_t avg_size, uint32_t max_size) {
  ChunkerOptions o;
  o.min_size = min_size;
  o.avg_size = avg_size;
  o.max_size = max_size;
  return o;
}

// Small sizes give many chunks per megabyte, so the rules get exercised often.
const ChunkerOptions kSmall = Options(256, 1024, 4096);
const ChunkerOptions kOdd = Options(1000, 3000, 7001);  // not powers of two
const ChunkerOptions kTiny = Options(1, 64, 65);        // the smallest legal sizes

std::vector<uint64_t> OneShot(const std::vector<uint8_t>& data, const ChunkerOptions& options,
                              ChunkerBackend backend) {
  auto lengths = ChunkLengths(data, options, backend);
  EXPECT_TRUE(lengths.ok()) << lengths.status();
  return lengths.ok() ? *lengths : std::vector<uint64_t>{};
}

// Feeds `data` in pieces of the given sizes (cycled), then finishes.
std::vector<uint64_t> Streamed(const std::vector<uint8_t>& data, const ChunkerOptions& options,
                               ChunkerBackend backend, const std::vector<size_t>& pieces) {
  auto chunker = Chunker::Create(options, backend);
  EXPECT_TRUE(chunker.ok()) << chunker.status();
  if (!chunker.ok()) return {};
  std::vector<uint64_t> lengths;
  size_t pos = 0;
  for (size_t i = 0; pos < data.size(); ++i) {
    const size_t n = std::min(pieces[i % pieces.size()], data.size() - pos);
    const size_t reported_before = lengths.size();
    const uint64_t pending_before = chunker->pending_bytes();
    chunker->Update(ByteSpan(data.data() + pos, n), &lengths);
    // Every byte is either in a reported chunk or pending.
    uint64_t reported = 0;
    for (size_t j = reported_before; j < lengths.size(); ++j) reported += lengths[j];
    EXPECT_EQ(pending_before + n, reported + chunker->pending_bytes());
    pos += n;
  }
  chunker->Finish(&lengths);
  EXPECT_EQ(chunker->pending_bytes(), 0u);
  return lengths;
}

void ExpectValidChunks(const std::vector<uint64_t>& lengths, size_t total,
                       const ChunkerOptions& o) {
  EXPECT_EQ(std::accumulate(lengths.begin(), lengths.end(), uint64_t{0}), total);
  for (size_t i = 0; i < lengths.size(); ++i) {
    EXPECT_LE(lengths[i], o.max_size) << "chunk " << i;
    if (i + 1 < lengths.size()) {
      EXPECT_GE(lengths[i], o.min_size) << "chunk " << i;
    } else {
      EXPECT_GE(lengths[i], 1u);
    }
  }
}

// Order-sensitive digest of a length list, for pinning long lists.
uint64_t Digest(const std::vector<uint64_t>& lengths) {
  uint64_t d = 14695981039346656037ull;
  for (uint64_t v : lengths) d = (d ^ v) * 1099511628211ull;
  return d;
}

// ---------------------------------------------------------------------------------------------
// Options and backends.

TEST(ChunkerOptionsTest, DefaultsAreValid) {
  EXPECT_TRUE(ValidateChunkerOptions(ChunkerOptions()).ok());
  EXPECT_TRUE(ValidateChunkerOptions(kSmall).ok());
  EXPECT_TRUE(ValidateChunkerOptions(kOdd).ok());
  EXPECT_TRUE(ValidateChunkerOptions(kTiny).ok());
  EXPECT_TRUE(ValidateChunkerOptions(Options(1 << 20, 16 << 20, 64 << 20)).ok());
}

TEST(ChunkerOptionsTest, InvalidOptionsAreRejected) {
  for (const ChunkerOptions& o : {
           Options(0, 1024, 4096),                      // min 0
           Options(1024, 1024, 4096),                   // min == avg
           Options(2048, 1024, 4096),                   // min > avg
           Options(256, 4096, 4096),                    // avg == max
           Options(256, 4096, 1024),                    // avg > max
           Options(16, 63, 4096),                       // avg < 64
           Options(1 << 20, 16 << 20, (64 << 20) + 1),  // max > 64 MiB
           Options(1, 2, 3),
       }) {
    const Status s = ValidateChunkerOptions(o);
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument)
        << o.min_size << "/" << o.avg_size << "/" << o.max_size << ": " << s;
    auto chunker = Chunker::Create(o, ChunkerBackend::kPortable);
    EXPECT_EQ(chunker.status().code(), StatusCode::kInvalidArgument);
    std::vector<uint8_t> data(100);
    EXPECT_EQ(ChunkLengths(data, o).status().code(), StatusCode::kInvalidArgument);
  }
}

TEST(ChunkerBackendsTest, NamesAndSupport) {
  EXPECT_STREQ(ChunkerBackendName(ChunkerBackend::kPortable), "portable");
  EXPECT_STREQ(ChunkerBackendName(ChunkerBackend::kAvx2), "avx2");
  EXPECT_STREQ(ChunkerBackendName(ChunkerBackend::kAvx512), "avx512");
  EXPECT_STREQ(ChunkerBackendName(static_cast<ChunkerBackend>(42)), "unknown");
  EXPECT_TRUE(ChunkerBackendSupported(ChunkerBackend::kPortable));
  EXPECT_TRUE(ChunkerBackendSupported(ChunkerBestBackend()));
  EXPECT_FALSE(ChunkerBackendSupported(static_cast<ChunkerBackend>(42)));
  auto chunker = Chunker::Create();
  ASSERT_TRUE(chunker.ok()) << chunker.status();
  EXPECT_EQ(chunker->backend(), ChunkerBestBackend());
}

// Catches a build that forgot the ISA flags of a SIMD file (which then compiles to a stub): on a
// CPU (and OS) with the instructions, the backend must be there.
#if (defined(__x86_64__) || defined(__i386__)) && (defined(__GNUC__) || defined(__clang__))
TEST(ChunkerBackendsTest, SimdBackendsCompiledInWhereSupported) {
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx2")) {
    EXPECT_TRUE(ChunkerBackendSupported(ChunkerBackend::kAvx2))
        << "the CPU has AVX2 but the avx2 backend is missing: chunker_avx2.cc built without "
           "-mavx2?";
  }
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") &&
      __builtin_cpu_supports("avx512bw")) {
    EXPECT_TRUE(ChunkerBackendSupported(ChunkerBackend::kAvx512))
        << "the CPU has AVX-512 but the avx512 backend is missing: chunker_avx512.cc built "
           "without -mavx512f -mavx512vl -mavx512bw?";
  }
}
#endif

TEST(ChunkerBackendsTest, UnsupportedBackendIsRejected) {
  for (ChunkerBackend b : {ChunkerBackend::kAvx2, ChunkerBackend::kAvx512}) {
    if (ChunkerBackendSupported(b)) continue;
    EXPECT_EQ(Chunker::Create(ChunkerOptions(), b).status().code(),
              StatusCode::kFailedPrecondition);
  }
  EXPECT_EQ(Chunker::Create(ChunkerOptions(), static_cast<ChunkerBackend>(42)).status().code(),
            StatusCode::kFailedPrecondition);
}

TEST(ChunkerGearTest, TableIsTheDocumentedFunction) {
  using internal::kGear;
  using internal::kGearHigh;
  using internal::kGearLow;
  // The first output of splitmix64 seeded with 0 is 0xE220A8397B1DCDAF; kGearLow[0] is its top
  // 16 bits.
  EXPECT_EQ(kGearLow.v[0], 0xE220u);
  for (int b = 0; b < 256; ++b) {
    const auto h = static_cast<int16_t>(kGearLow.v[b & 15] ^ kGearHigh.v[b >> 4]);
    EXPECT_EQ(kGear.v[b], static_cast<uint32_t>(int32_t{h} * internal::kGearMul)) << b;
  }
  EXPECT_EQ(kGear.v[0], 0xD7D65151u);
  EXPECT_EQ(kGear.v[255], 0xE06D4DF6u);
  // All 256 values distinct (a collision would make two bytes indistinguishable) and non-zero.
  std::vector<uint32_t> sorted(std::begin(kGear.v), std::end(kGear.v));
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(std::adjacent_find(sorted.begin(), sorted.end()), sorted.end());
  EXPECT_NE(sorted[0], 0u);
}

// ---------------------------------------------------------------------------------------------
// Per backend. A backend the CPU lacks is skipped.

class ChunkerBackendTest : public ::testing::TestWithParam<ChunkerBackend> {
 protected:
  void SetUp() override {
    if (!ChunkerBackendSupported(GetParam())) {
      GTEST_SKIP() << "this CPU (or build) lacks the " << ChunkerBackendName(GetParam())
                   << " chunker backend";
    }
  }
  ChunkerBackend backend() const { return GetParam(); }
};

INSTANTIATE_TEST_SUITE_P(All, ChunkerBackendTest,
                         ::testing::Values(ChunkerBackend::kPortable, ChunkerBackend::kAvx2,
                                           ChunkerBackend::kAvx512),
                         [](const ::testing::TestParamInfo<ChunkerBackend>& info) {
                           return std::string(ChunkerBackendName(info.param));
                         });

// Golden boundaries, computed once by the portable backend. A failure here means the boundary
// rules changed: that is a format change (kChunkerFormatVersion), not a test to update lightly.
TEST_P(ChunkerBackendTest, GoldenBoundaries) {
  const std::vector<uint8_t> data = PseudoRandomBytes(1 << 20, 1);
  EXPECT_EQ(OneShot(data, ChunkerOptions(), backend()),
            (std::vector<uint64_t>{133091, 66439, 68649, 65556, 75925, 127270, 70276, 91686, 85248,
                                   118290, 105400, 40746}));
  const std::vector<uint8_t> small = PseudoRandomBytes(64 << 10, 2);
  EXPECT_EQ(OneShot(small, kSmall, backend()),
            (std::vector<uint64_t>{1090, 679,  1121, 1982, 1068, 1443, 948,  1201, 1082, 1031, 1530,
                                   1304, 1142, 1359, 1281, 1090, 1090, 1129, 1271, 1075, 1039, 1201,
                                   1054, 2563, 1451, 482,  1044, 891,  1034, 1045, 1025, 1341, 1528,
                                   1078, 1946, 1131, 1284, 1078, 1243, 1052, 1301, 1071, 1388, 1452,
                                   1123, 1053, 1236, 1725, 1234, 2093, 1263, 1103, 268,  800}));
  const std::vector<uint64_t> big = OneShot(PseudoRandomBytes(8 << 20, 3), kSmall, backend());
  EXPECT_EQ(big.size(), 7164u);
  EXPECT_EQ(Digest(big), 0x2ca0b562fd831611ull);
  const std::vector<uint64_t> text = OneShot(WordSalad(1 << 20, 4), kOdd, backend());
  ASSERT_EQ(text.size(), 293u);
  EXPECT_EQ(std::vector<uint64_t>(text.begin(), text.begin() + 8),
            (std::vector<uint64_t>{3029, 4088, 3652, 3597, 3034, 4222, 3280, 3009}));
  EXPECT_EQ(Digest(text), 0x4890c82f17ba5945ull);
  // All zeros: the hash is constant and above both thresholds, so every chunk is max_size.
  EXPECT_EQ(OneShot(std::vector<uint8_t>(1 << 20, 0), ChunkerOptions(), backend()),
            (std::vector<uint64_t>{262144, 262144, 262144, 262144}));
}

TEST_P(ChunkerBackendTest, ChunkSizesWithinBounds) {
  const std::vector<uint8_t> data = PseudoRandomBytes(6 << 20, 4);
  for (const ChunkerOptions& o : {ChunkerOptions(), kSmall, kOdd, kTiny}) {
    SCOPED_TRACE(std::to_string(o.min_size) + "/" + std::to_string(o.avg_size));
    ExpectValidChunks(OneShot(data, o, backend()), data.size(), o);
  }
}

TEST_P(ChunkerBackendTest, EmptyAndTinyInputs) {
  EXPECT_TRUE(OneShot({}, ChunkerOptions(), backend()).empty());
  EXPECT_EQ(OneShot({7}, ChunkerOptions(), backend()), (std::vector<uint64_t>{1}));
  auto chunker = Chunker::Create(kSmall, backend());
  ASSERT_TRUE(chunker.ok());
  std::vector<uint64_t> lengths;
  chunker->Update({}, &lengths);
  chunker->Finish(&lengths);
  EXPECT_TRUE(lengths.empty());
}

TEST_P(ChunkerBackendTest, MatchesPortableOnManySizes) {
  std::mt19937_64 rng(5);
  std::vector<size_t> sizes = {0, 1, 31, 32, 33, 63, 64, 255, 256, 257, 511, 4095, 4096, 4097};
  for (int i = 0; i < 40; ++i) sizes.push_back(rng() % (3 << 20));
  for (size_t size : sizes) {
    const std::vector<uint8_t> data = PseudoRandomBytes(size, 100 + size);
    for (const ChunkerOptions& o : {ChunkerOptions(), kSmall, kOdd, kTiny}) {
      ASSERT_EQ(OneShot(data, o, backend()), OneShot(data, o, ChunkerBackend::kPortable))
          << "size " << size << " options " << o.min_size << "/" << o.avg_size;
    }
  }
}

TEST_P(ChunkerBackendTest, MatchesPortableOnLowEntropyInputs) {
  std::vector<std::vector<uint8_t>> inputs;
  inputs.push_back(std::vector<uint8_t>(3 << 20, 0));
  inputs.push_back(std::vector<uint8_t>(3 << 20, 0xFF));
  inputs.push_back(RepeatingText(3 << 20));
  std::vector<uint8_t> period32(3 << 20);
  for (size_t i = 0; i < period32.size(); ++i) period32[i] = static_cast<uint8_t>(i * 37 % 32);
  inputs.push_back(period32);
  std::vector<uint8_t> sparse(3 << 20, 0);
  std::mt19937_64 rng(6);
  for (int i = 0; i < 2000; ++i) sparse[rng() % sparse.size()] = static_cast<uint8_t>(rng());
  inputs.push_back(sparse);
  inputs.push_back(WordSalad(3 << 20, 17));
  for (size_t i = 0; i < inputs.size(); ++i) {
    for (const ChunkerOptions& o : {ChunkerOptions(), kSmall, kOdd, kTiny}) {
      const std::vector<uint64_t> lengths = OneShot(inputs[i], o, backend());
      ExpectValidChunks(lengths, inputs[i].size(), o);
      ASSERT_EQ(lengths, OneShot(inputs[i], o, ChunkerBackend::kPortable))
          << "input " << i << " options " << o.min_size << "/" << o.avg_size;
    }
  }
}

TEST_P(ChunkerBackendTest, StreamingMatchesOneShot) {
  const std::vector<uint8_t> data = PseudoRandomBytes(3 << 20, 7);
  std::mt19937_64 rng(8);
  for (const ChunkerOptions& o : {ChunkerOptions(), kSmall, kOdd, kTiny}) {
    SCOPED_TRACE(std::to_string(o.min_size) + "/" + std::to_string(o.avg_size));
    const std::vector<uint64_t> expected = OneShot(data, o, backend());
    std::vector<std::vector<size_t>> patterns = {
        {1000},
        {31, 32, 33},
        {o.min_size - 1, o.min_size, o.min_size + 1},
        {o.avg_size - 1, o.avg_size, o.avg_size + 1},
        {o.max_size - 1, o.max_size, o.max_size + 1},
        {1 << 20},
        {data.size()},
        {0, 5, 0, 1 << 16},
    };
    std::vector<size_t> random_small, random_mixed;
    for (int i = 0; i < 1000; ++i) random_small.push_back(rng() % 300);
    for (int i = 0; i < 100; ++i) random_mixed.push_back(rng() % (rng() % 2 ? 100 : 300000));
    patterns.push_back(random_small);
    patterns.push_back(random_mixed);
    for (const std::vector<size_t>& pattern : patterns) {
      ASSERT_EQ(Streamed(data, o, backend(), pattern), expected) << "pattern[0] " << pattern[0];
    }
  }
}

TEST_P(ChunkerBackendTest, StreamingOneByteAtATime) {
  const std::vector<uint8_t> data = PseudoRandomBytes(300 << 10, 9);
  for (const ChunkerOptions& o : {kSmall, kTiny}) {
    EXPECT_EQ(Streamed(data, o, backend(), {1}), OneShot(data, o, backend()));
  }
}

TEST_P(ChunkerBackendTest, FinishResetsForANewStream) {
  const std::vector<uint8_t> a = PseudoRandomBytes(500 << 10, 10);
  const std::vector<uint8_t> b = PseudoRandomBytes(700 << 10, 11);
  auto chunker = Chunker::Create(kSmall, backend());
  ASSERT_TRUE(chunker.ok());
  std::vector<uint64_t> lengths;
  chunker->Update(a, &lengths);
  chunker->Finish(&lengths);
  EXPECT_EQ(lengths, OneShot(a, kSmall, backend()));
  lengths.clear();
  chunker->Update(ByteSpan(a.data(), 12345), &lengths);
  chunker->Reset();
  lengths.clear();
  chunker->Update(b, &lengths);
  chunker->Finish(&lengths);
  EXPECT_EQ(lengths, OneShot(b, kSmall, backend()));
}

// The SIMD kernels against the portable one on their own, with thresholds high enough to hit
// every few bytes: exercises hits in every lane, in the same group, at group edges and in the
// scalar tail, far more often than real thresholds would.
TEST_P(ChunkerBackendTest, ScanKernelMatchesPortable) {
  internal::GearScanFn scan = nullptr;
  switch (backend()) {
    case ChunkerBackend::kPortable:
      scan = internal::GearScanPortableFn();
      break;
    case ChunkerBackend::kAvx2:
      scan = internal::GearScanAvx2Fn();
      break;
    case ChunkerBackend::kAvx512:
      scan = internal::GearScanAvx512Fn();
      break;
  }
  ASSERT_NE(scan, nullptr);
  internal::GearScanFn portable = internal::GearScanPortableFn();
  const std::vector<uint8_t> random = PseudoRandomBytes(1 << 16, 12);
  const std::vector<uint8_t> text = RepeatingText(1 << 16);
  std::mt19937_64 rng(13);
  const uint32_t thresholds[] = {1,        16,       1u << 12, 1u << 18,    1u << 22,
                                 1u << 24, 1u << 26, 1u << 28, 0x80000000u, 0xFFFFFFFFu};
  for (int iter = 0; iter < 20000; ++iter) {
    const std::vector<uint8_t>& data = iter % 4 == 3 ? text : random;
    const size_t offset = rng() % 4096;
    const size_t n = iter % 2 ? rng() % 600 : rng() % (data.size() - offset);
    const uint32_t h_in = static_cast<uint32_t>(rng());
    const uint32_t threshold = thresholds[rng() % std::size(thresholds)];
    uint32_t h_expected = 0, h_got = 0;
    const size_t expected = portable(data.data() + offset, n, h_in, threshold, &h_expected);
    const size_t got = scan(data.data() + offset, n, h_in, threshold, &h_got);
    ASSERT_EQ(got, expected) << "iter " << iter << " n " << n << " threshold " << threshold;
    ASSERT_EQ(h_got, h_expected) << "iter " << iter << " n " << n << " threshold " << threshold;
  }
}

// ---------------------------------------------------------------------------------------------
// Properties of the boundaries.

// Cut offsets (ends of chunks) from lengths.
std::vector<uint64_t> Cuts(const std::vector<uint64_t>& lengths) {
  std::vector<uint64_t> cuts(lengths.size());
  std::partial_sum(lengths.begin(), lengths.end(), cuts.begin());
  return cuts;
}

// Chunks of `after` (a version of the data with `inserted` bytes inserted at offset `at`) that
// are not chunks of `before`, byte for byte.
size_t ChangedChunks(const std::vector<uint64_t>& before, const std::vector<uint64_t>& after,
                     uint64_t at, uint64_t inserted) {
  std::vector<uint64_t> old_cuts = Cuts(before);
  old_cuts.insert(old_cuts.begin(), 0);
  const std::vector<uint64_t> new_cuts = Cuts(after);
  // Position in `after` -> position in `before`; UINT64_MAX inside the inserted bytes.
  auto map = [&](uint64_t p) {
    if (p <= at) return p;
    return p >= at + inserted ? p - inserted : UINT64_MAX;
  };
  size_t changed = 0;
  uint64_t start = 0;
  for (uint64_t end : new_cuts) {
    const uint64_t s = map(start), e = map(end);
    const bool holds_inserted = start < at + inserted && end > at;
    auto it = std::lower_bound(old_cuts.begin(), old_cuts.end(), s);
    const bool same = !holds_inserted && s != UINT64_MAX && e != UINT64_MAX &&
                      it != old_cuts.end() && *it == s && it + 1 != old_cuts.end() &&
                      *(it + 1) == e;
    changed += same ? 0 : 1;
    start = end;
  }
  return changed;
}

TEST(ChunkerPropertiesTest, InsertNearStartChangesOnlyTheFirstChunks) {
  const std::vector<uint8_t> data = PseudoRandomBytes(4 << 20, 14);
  const std::vector<uint64_t> before = OneShot(data, ChunkerOptions(), ChunkerBestBackend());
  ASSERT_GT(before.size(), 40u);
  EXPECT_EQ(ChangedChunks(before, before, 0, 0), 0u);
  for (size_t at : {0, 100, 5000, 40000}) {
    for (size_t inserted : {1, 7, 64, 3000}) {
      std::vector<uint8_t> edited = data;
      const std::vector<uint8_t> extra = PseudoRandomBytes(inserted, 15 + at);
      edited.insert(edited.begin() + static_cast<ptrdiff_t>(at), extra.begin(), extra.end());
      const std::vector<uint64_t> after = OneShot(edited, ChunkerOptions(), ChunkerBestBackend());
      // Every boundary past the first one or two moved by exactly `inserted`.
      const size_t changed = ChangedChunks(before, after, at, inserted);
      EXPECT_GE(changed, 1u);
      EXPECT_LE(changed, 2u) << "insert " << inserted << " at " << at;
      EXPECT_GE(after.size() + 2, before.size());
    }
  }
}

TEST(ChunkerPropertiesTest, AverageChunkSizeOnRandomData) {
  const std::vector<uint8_t> data = PseudoRandomBytes(32 << 20, 16);
  for (const ChunkerOptions& o : {ChunkerOptions(), kSmall, kOdd, Options(2048, 8192, 65536)}) {
    const std::vector<uint64_t> lengths = OneShot(data, o, ChunkerBestBackend());
    const double mean = static_cast<double>(data.size()) / static_cast<double>(lengths.size());
    EXPECT_GE(mean, 0.75 * o.avg_size) << o.avg_size;
    EXPECT_LE(mean, 1.25 * o.avg_size) << o.avg_size;
  }
}

}  // namespace
}  // namespace cairn::engine
