// Tests for src/core/blake3.h: the official test vectors on every backend, split and parallel
// input, extendable output with seeking, and agreement between backends.
#include "core/blake3.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "core/bytes.h"
#include "core/internal/blake3_impl.h"

namespace cairn::core {
namespace {

constexpr Blake3Backend kAllBackends[] = {Blake3Backend::kPortable, Blake3Backend::kAvx2,
                                          Blake3Backend::kAvx512};

struct VectorCase {
  size_t input_len = 0;
  std::string hash;
  std::string keyed_hash;
  std::string derive_key;
};

struct Vectors {
  bool ok = false;
  std::string key;
  std::string context;
  std::vector<VectorCase> cases;
};

Vectors ReadVectors() {
  Vectors v;
  std::ifstream in(CAIRN_TESTDATA_DIR "/blake3/test_vectors.json");
  if (!in) return v;
  const nlohmann::json j = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.contains("cases")) return v;
  v.key = j.value("key", "");
  v.context = j.value("context_string", "");
  for (const nlohmann::json& c : j["cases"]) {
    v.cases.push_back({c.value("input_len", size_t{0}), c.value("hash", ""),
                       c.value("keyed_hash", ""), c.value("derive_key", "")});
  }
  v.ok = v.key.size() == kBlake3KeyLen && !v.cases.empty();
  return v;
}

const Vectors& TestVectors() {
  static const Vectors vectors = ReadVectors();
  return vectors;
}

// The test vectors' input: 0, 1, ..., 250, 0, 1, ...
std::vector<uint8_t> VectorInput(size_t len) {
  std::vector<uint8_t> input(len);
  for (size_t i = 0; i < len; ++i) input[i] = static_cast<uint8_t>(i % 251);
  return input;
}

std::vector<uint8_t> RandomBytes(size_t len, uint32_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<uint8_t> bytes(len);
  for (size_t i = 0; i < len; i += 8) {
    const uint64_t r = rng();
    std::memcpy(bytes.data() + i, &r, std::min<size_t>(8, len - i));
  }
  return bytes;
}

enum class Mode { kHash, kKeyed, kDeriveKey };
constexpr Mode kAllModes[] = {Mode::kHash, Mode::kKeyed, Mode::kDeriveKey};

const char* ModeName(Mode mode) {
  switch (mode) {
    case Mode::kHash:
      return "hash";
    case Mode::kKeyed:
      return "keyed_hash";
    case Mode::kDeriveKey:
      return "derive_key";
  }
  return "?";
}

Blake3Hasher MakeHasher(Mode mode, Blake3Backend backend) {
  const Vectors& v = TestVectors();
  switch (mode) {
    case Mode::kHash:
      return Blake3Hasher(backend);
    case Mode::kKeyed: {
      std::array<uint8_t, kBlake3KeyLen> key{};
      std::memcpy(key.data(), v.key.data(), std::min(key.size(), v.key.size()));
      return Blake3Hasher::Keyed(key, backend);
    }
    case Mode::kDeriveKey:
      return Blake3Hasher::DeriveKey(v.context, backend);
  }
  return Blake3Hasher(backend);
}

const std::string& Expected(const VectorCase& c, Mode mode) {
  switch (mode) {
    case Mode::kHash:
      return c.hash;
    case Mode::kKeyed:
      return c.keyed_hash;
    case Mode::kDeriveKey:
      break;
  }
  return c.derive_key;
}

// Hex of the hasher's output, as long as `expected_hex`; also checks the 32-byte Finalize().
std::string OutputHex(const Blake3Hasher& hasher, const std::string& expected_hex) {
  std::vector<uint8_t> out(expected_hex.size() / 2);
  hasher.Finalize(out);
  EXPECT_EQ(HexEncode(hasher.Finalize()), expected_hex.substr(0, 2 * kBlake3OutLen));
  return HexEncode(out);
}

// Splits `data` into pieces of random length in [1, max_piece] and feeds them to `hasher`.
void UpdateInRandomPieces(Blake3Hasher& hasher, const std::vector<uint8_t>& data, size_t max_piece,
                          uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<size_t> piece(1, max_piece);
  size_t pos = 0;
  while (pos < data.size()) {
    const size_t n = std::min(piece(rng), data.size() - pos);
    hasher.Update(std::span<const uint8_t>(data).subspan(pos, n));
    pos += n;
  }
}

TEST(Blake3VectorsTest, FileLoads) {
  ASSERT_TRUE(TestVectors().ok) << "cannot read " CAIRN_TESTDATA_DIR "/blake3/test_vectors.json";
  EXPECT_EQ(TestVectors().cases.size(), 35u);
}

// ---------------------------------------------------------------------------------------------
// Every backend.

class Blake3BackendTest : public ::testing::TestWithParam<Blake3Backend> {
 protected:
  void SetUp() override {
    if (!Blake3BackendSupported(GetParam())) {
      GTEST_SKIP() << "this CPU (or OS) does not support the " << Blake3BackendName(GetParam())
                   << " backend";
    }
    ASSERT_TRUE(TestVectors().ok);
  }
  Blake3Backend backend() const { return GetParam(); }
};

TEST_P(Blake3BackendTest, UsesRequestedBackend) {
  EXPECT_EQ(Blake3Hasher(backend()).backend(), backend());
  EXPECT_EQ(Blake3Hasher::Keyed(std::array<uint8_t, 32>{}, backend()).backend(), backend());
  EXPECT_EQ(Blake3Hasher::DeriveKey("ctx", backend()).backend(), backend());
}

TEST_P(Blake3BackendTest, OfficialVectorsInOnePiece) {
  for (const VectorCase& c : TestVectors().cases) {
    const std::vector<uint8_t> input = VectorInput(c.input_len);
    for (Mode mode : kAllModes) {
      SCOPED_TRACE(testing::Message() << ModeName(mode) << " input_len=" << c.input_len);
      Blake3Hasher hasher = MakeHasher(mode, backend());
      hasher.Update(input);
      EXPECT_EQ(OutputHex(hasher, Expected(c, mode)), Expected(c, mode));
    }
  }
}

TEST_P(Blake3BackendTest, OfficialVectorsByteByByte) {
  for (const VectorCase& c : TestVectors().cases) {
    if (c.input_len > 9000) continue;
    const std::vector<uint8_t> input = VectorInput(c.input_len);
    for (Mode mode : kAllModes) {
      SCOPED_TRACE(testing::Message() << ModeName(mode) << " input_len=" << c.input_len);
      Blake3Hasher hasher = MakeHasher(mode, backend());
      for (uint8_t byte : input) hasher.Update(std::span<const uint8_t>(&byte, 1));
      EXPECT_EQ(OutputHex(hasher, Expected(c, mode)), Expected(c, mode));
    }
  }
}

TEST_P(Blake3BackendTest, OfficialVectorsInRandomPieces) {
  for (const VectorCase& c : TestVectors().cases) {
    const std::vector<uint8_t> input = VectorInput(c.input_len);
    for (Mode mode : kAllModes) {
      for (size_t max_piece : {7u, 100u, 1500u, 5000u, 40000u}) {
        SCOPED_TRACE(testing::Message() << ModeName(mode) << " input_len=" << c.input_len
                                        << " max_piece=" << max_piece);
        Blake3Hasher hasher = MakeHasher(mode, backend());
        UpdateInRandomPieces(hasher, input, max_piece, static_cast<uint32_t>(c.input_len));
        EXPECT_EQ(OutputHex(hasher, Expected(c, mode)), Expected(c, mode));
      }
    }
  }
}

TEST_P(Blake3BackendTest, StringViewUpdateMatchesSpan) {
  Blake3Hasher a(backend());
  Blake3Hasher b(backend());
  a.Update(std::string_view("hello, world"));
  const std::string s = "hello, world";
  b.Update(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(s.data()), s.size()));
  EXPECT_EQ(a.Finalize(), b.Finalize());
}

TEST_P(Blake3BackendTest, FinalizeSeekMatchesSlicesOfFinalize) {
  for (size_t len : {0u, 1u, 64u, 1024u, 1025u, 2048u, 5000u, 70000u}) {
    Blake3Hasher hasher(backend());
    hasher.Update(RandomBytes(len, 7));
    std::vector<uint8_t> full(1200);
    hasher.Finalize(full);
    for (size_t seek : {0u, 1u, 31u, 32u, 63u, 64u, 65u, 127u, 128u, 129u, 500u, 1000u}) {
      for (size_t n : {0u, 1u, 31u, 32u, 33u, 64u, 65u, 130u}) {
        if (seek + n > full.size()) continue;
        std::vector<uint8_t> part(n);
        hasher.FinalizeSeek(seek, part);
        EXPECT_TRUE(std::equal(part.begin(), part.end(), full.begin() + static_cast<long>(seek)))
            << "len=" << len << " seek=" << seek << " n=" << n;
      }
    }
  }
}

TEST_P(Blake3BackendTest, FinalizeSeekFarOffsets) {
  Blake3Hasher hasher(backend());
  hasher.Update(std::string_view("abc"));
  // Seeking to the last possible output blocks must not misbehave (the counter is 64-bit).
  std::vector<uint8_t> a(100);
  hasher.FinalizeSeek(UINT64_MAX - 200, a);
  std::vector<uint8_t> b(50);
  hasher.FinalizeSeek(UINT64_MAX - 150, b);
  EXPECT_TRUE(std::equal(b.begin(), b.end(), a.begin() + 50));
}

TEST_P(Blake3BackendTest, FinalizeDoesNotChangeState) {
  const std::vector<uint8_t> data = RandomBytes(10000, 3);
  Blake3Hasher whole(backend());
  whole.Update(data);
  Blake3Hasher pieces(backend());
  for (size_t pos = 0; pos < data.size(); pos += 999) {
    pieces.Update(
        std::span<const uint8_t>(data).subspan(pos, std::min<size_t>(999, data.size() - pos)));
    (void)pieces.Finalize();
  }
  EXPECT_EQ(pieces.Finalize(), whole.Finalize());
}

TEST_P(Blake3BackendTest, CopyResetAndEmptyUpdates) {
  Blake3Hasher a(backend());
  a.Update(RandomBytes(3000, 1));
  Blake3Hasher copy = a;
  a.Update(RandomBytes(3000, 2));
  Blake3Hasher reference(backend());
  reference.Update(RandomBytes(3000, 1));
  EXPECT_EQ(copy.Finalize(), reference.Finalize());
  a.Reset();
  a.Update(std::span<const uint8_t>());
  EXPECT_EQ(HexEncode(a.Finalize()), TestVectors().cases[0].hash.substr(0, 64));
  a.Update(std::string_view(""));
  a.UpdateParallel(std::span<const uint8_t>(), 4);
  EXPECT_EQ(HexEncode(a.Finalize()), TestVectors().cases[0].hash.substr(0, 64));
}

TEST_P(Blake3BackendTest, UpdateParallelMatchesSerial) {
  constexpr size_t kMiB = size_t{1} << 20;
  for (size_t len : {3 * kMiB + 12345, 4 * kMiB, 8 * kMiB + 1, 11 * kMiB - 1000}) {
    const std::vector<uint8_t> data = RandomBytes(len, static_cast<uint32_t>(len));
    for (Mode mode : {Mode::kHash, Mode::kKeyed}) {
      Blake3Hasher serial = MakeHasher(mode, backend());
      serial.Update(data);
      std::vector<uint8_t> expected(100);
      serial.Finalize(expected);
      for (unsigned threads : {0u, 1u, 2u, 3u, 4u, 8u}) {
        SCOPED_TRACE(testing::Message()
                     << ModeName(mode) << " len=" << len << " threads=" << threads);
        Blake3Hasher parallel = MakeHasher(mode, backend());
        parallel.UpdateParallel(data, threads);
        std::vector<uint8_t> got(100);
        parallel.Finalize(got);
        EXPECT_EQ(got, expected);
        // Starting at a chunk counter that is not a power of two, and mid-chunk.
        Blake3Hasher offset = MakeHasher(mode, backend());
        const size_t head = 5 * 1024 + 17;
        offset.Update(std::span<const uint8_t>(data).first(head));
        offset.UpdateParallel(std::span<const uint8_t>(data).subspan(head), threads);
        offset.Finalize(got);
        EXPECT_EQ(got, expected);
      }
    }
  }
}

TEST_P(Blake3BackendTest, LargeInputInRandomPiecesMatchesOnePiece) {
  const std::vector<uint8_t> data = RandomBytes((size_t{5} << 20) + 4321, 99);
  Blake3Hasher whole(backend());
  whole.Update(data);
  for (uint32_t seed = 1; seed <= 3; ++seed) {
    Blake3Hasher pieces(backend());
    UpdateInRandomPieces(pieces, data, 200000, seed);
    EXPECT_EQ(pieces.Finalize(), whole.Finalize()) << "seed " << seed;
  }
}

std::string BackendParamName(const testing::TestParamInfo<Blake3Backend>& info) {
  return Blake3BackendName(info.param);
}

INSTANTIATE_TEST_SUITE_P(AllBackends, Blake3BackendTest, testing::ValuesIn(kAllBackends),
                         BackendParamName);

// ---------------------------------------------------------------------------------------------
// Across backends and the API around them.

std::vector<Blake3Backend> SupportedBackends() {
  std::vector<Blake3Backend> backends;
  for (Blake3Backend b : kAllBackends) {
    if (Blake3BackendSupported(b)) backends.push_back(b);
  }
  return backends;
}

void ExpectBackendsAgree(const std::vector<uint8_t>& data, size_t out_len) {
  for (Mode mode : kAllModes) {
    Blake3Hasher portable = MakeHasher(mode, Blake3Backend::kPortable);
    portable.Update(data);
    std::vector<uint8_t> expected(out_len);
    portable.Finalize(expected);
    for (Blake3Backend b : SupportedBackends()) {
      Blake3Hasher hasher = MakeHasher(mode, b);
      hasher.Update(data);
      std::vector<uint8_t> got(out_len);
      hasher.Finalize(got);
      ASSERT_EQ(got, expected) << Blake3BackendName(b) << " " << ModeName(mode)
                               << " len=" << data.size();
    }
  }
}

TEST(Blake3BackendsTest, AgreeOnRandomInputs) {
  ASSERT_TRUE(TestVectors().ok);
  const std::vector<uint8_t> data = RandomBytes(10240, 42);
  for (size_t len = 0; len <= data.size(); len += (len < 4200 ? 1 : 7)) {
    ExpectBackendsAgree(std::vector<uint8_t>(data.begin(), data.begin() + static_cast<long>(len)),
                        len % 5 == 0 ? 200 : 32);
  }
  for (size_t len : {size_t{1} << 20, (size_t{3} << 20) + 777, (size_t{2} << 20) - 1}) {
    ExpectBackendsAgree(RandomBytes(len, static_cast<uint32_t>(len)), 300);
  }
}

const internal::Blake3Ops* OpsOf(Blake3Backend backend) {
  switch (backend) {
    case Blake3Backend::kPortable:
      return internal::Blake3PortableOps();
    case Blake3Backend::kAvx2:
      return internal::Blake3Avx2Ops();
    case Blake3Backend::kAvx512:
      return internal::Blake3Avx512Ops();
  }
  return nullptr;
}

// The backend primitives directly, on cases the tree never produces: input counts that are not
// powers of two (the SIMD kernels' padded leftovers), counters whose low word wraps between
// lanes, short blocks and arbitrary flags.
TEST(Blake3BackendsTest, PrimitivesAgreeWithPortable) {
  const internal::Blake3Ops& portable = *internal::Blake3PortableOps();
  const std::vector<uint8_t> data = RandomBytes(40 * 1024, 5);
  std::vector<const uint8_t*> inputs;
  for (size_t i = 0; i < 40; ++i) inputs.push_back(data.data() + 1024 * ((i * 7) % 40));
  uint32_t key[8];
  std::memcpy(key, data.data() + 100, sizeof(key));
  for (Blake3Backend b : SupportedBackends()) {
    const internal::Blake3Ops& ops = *OpsOf(b);
    SCOPED_TRACE(Blake3BackendName(b));
    for (size_t n = 0; n <= 40; ++n) {
      for (size_t blocks : {1u, 2u, 16u}) {
        for (uint64_t counter : {uint64_t{0}, uint64_t{0xFFFFFFFA}, uint64_t{0x1234FFFFFFFF}}) {
          const bool increment = n % 2 == 0;
          std::vector<uint8_t> want(32 * n + 1, 0xAA);
          std::vector<uint8_t> got(32 * n + 1, 0xAA);
          portable.hash_many(inputs.data(), n, blocks, key, counter, increment, 0x10, 0x01, 0x02,
                             want.data());
          ops.hash_many(inputs.data(), n, blocks, key, counter, increment, 0x10, 0x01, 0x02,
                        got.data());
          ASSERT_EQ(got, want) << "n=" << n << " blocks=" << blocks << " counter=" << counter;
        }
      }
    }
    for (int i = 0; i < 200; ++i) {
      const uint8_t* block = data.data() + 64 * i;
      const uint8_t block_len = static_cast<uint8_t>(i % 65);
      const uint64_t counter =
          (uint64_t{0x9E3779B97F4A7C15} * static_cast<uint64_t>(i)) >> (i % 64);
      const uint8_t flags = static_cast<uint8_t>(i * 37);
      uint32_t cv_want[8];
      uint32_t cv_got[8];
      std::memcpy(cv_want, data.data() + 13000 + 32 * i, sizeof(cv_want));
      std::memcpy(cv_got, cv_want, sizeof(cv_got));
      uint8_t xof_want[64];
      uint8_t xof_got[64];
      portable.compress_xof(cv_want, block, block_len, counter, flags, xof_want);
      ops.compress_xof(cv_got, block, block_len, counter, flags, xof_got);
      ASSERT_EQ(0, std::memcmp(xof_got, xof_want, 64)) << i;
      portable.compress_in_place(cv_want, block, block_len, counter, flags);
      ops.compress_in_place(cv_got, block, block_len, counter, flags);
      ASSERT_EQ(0, std::memcmp(cv_got, cv_want, sizeof(cv_want))) << i;
    }
  }
}

TEST(Blake3BackendsTest, UnsupportedBackendIsReplacedByBest) {
  for (Blake3Backend b : kAllBackends) {
    const Blake3Backend expected = Blake3BackendSupported(b) ? b : Blake3BestBackend();
    EXPECT_EQ(Blake3Hasher(b).backend(), expected) << Blake3BackendName(b);
  }
  EXPECT_EQ(Blake3Hasher(static_cast<Blake3Backend>(77)).backend(), Blake3BestBackend());
  EXPECT_TRUE(Blake3BackendSupported(Blake3Backend::kPortable));
  EXPECT_TRUE(Blake3BackendSupported(Blake3BestBackend()));
  EXPECT_EQ(Blake3Hasher().backend(), Blake3BestBackend());
}

TEST(Blake3BackendsTest, Names) {
  EXPECT_STREQ(Blake3BackendName(Blake3Backend::kPortable), "portable");
  EXPECT_STREQ(Blake3BackendName(Blake3Backend::kAvx2), "avx2");
  EXPECT_STREQ(Blake3BackendName(Blake3Backend::kAvx512), "avx512");
  EXPECT_STREQ(Blake3BackendName(static_cast<Blake3Backend>(77)), "unknown");
}

TEST(Blake3Test, OneShotMatchesHasher) {
  ASSERT_TRUE(TestVectors().ok);
  for (const VectorCase& c : TestVectors().cases) {
    EXPECT_EQ(HexEncode(Blake3(VectorInput(c.input_len))), c.hash.substr(0, 64)) << c.input_len;
  }
  EXPECT_EQ(HexEncode(Blake3(std::string_view("abc"))),
            "6437b3ac38465133ffb63b75273a8db548c558465d79db03fd359c6cd5bd9d85");
}

}  // namespace
}  // namespace cairn::core
