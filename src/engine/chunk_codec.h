// ChunkCodec: turns a plaintext chunk into the sealed bytes stored on disk and back.
//
// Sealing = adaptive compression, then authenticated encryption:
//   - compression is chosen per chunk: a small sample is compressed with LZ4 first; if it does
//     not shrink by at least `min_gain`, the chunk is stored uncompressed (incompressible data
//     costs one cheap sample, not a full compression pass); otherwise the whole chunk is
//     compressed with zstd (level `zstd_level`) or, under the fast policy, LZ4. A result that is
//     not smaller than the input is discarded.
//   - encryption is XChaCha20-Poly1305 (libsodium) under a per-chunk key derived from the
//     store's master key and the chunk id (convergent: equal chunks get equal keys, so they
//     dedup), with a random 192-bit nonce. The associated data binds the header (format version,
//     codec, plaintext length, chunk id), so a sealed chunk cannot be passed off as another.
// Opening verifies the tag and then that BLAKE3(plaintext) equals the chunk id: corruption or
// a different master key is reported as kDataLoss, never returned as data.
//
// Sealed format: docs/engine.md ("Sealed chunk"). Thread safety: a ChunkCodec is immutable and
// safe to share; it keeps per-thread compression contexts.
#ifndef CAIRN_ENGINE_CHUNK_CODEC_H_
#define CAIRN_ENGINE_CHUNK_CODEC_H_

#include <array>
#include <cstdint>
#include <string>

#include "core/bytes.h"
#include "core/result.h"
#include "engine/merkle.h"

namespace cairn::engine {

using ChunkId = Hash32;  // BLAKE3 of the plaintext chunk

enum class Compression : uint8_t { kNone = 0, kLz4 = 1, kZstd = 2 };
const char* CompressionName(Compression c);

enum class CompressionPolicy {
  kAuto,  // sample, then zstd when it pays
  kFast,  // sample, then LZ4 when it pays (hot data)
  kNone,  // never compress
};

struct CodecOptions {
  CompressionPolicy policy = CompressionPolicy::kAuto;
  int zstd_level = 3;          // 1..19
  double min_gain = 0.10;      // the sample must shrink by at least this fraction
  size_t sample_bytes = 4096;  // how much of the chunk the sample looks at
};

struct MasterKey {
  std::array<uint8_t, 32> bytes{};
};

struct SealInfo {
  Compression compression = Compression::kNone;
  uint32_t plaintext_bytes = 0;
  uint32_t sealed_bytes = 0;
};

class ChunkCodec {
 public:
  static constexpr size_t kHeaderBytes = 64;  // version .. nonce
  static constexpr size_t kTagBytes = 16;
  static constexpr uint32_t kMaxChunkBytes = 64u << 20;

  // Errors: kInvalidArgument for a zstd level outside 1..19 or min_gain outside [0, 1).
  static Result<ChunkCodec> Create(const MasterKey& key, const CodecOptions& options);

  // Seals `plaintext`, whose BLAKE3 the caller has computed as `id` (it is not recomputed).
  // Appends the sealed bytes to `out`. Errors: kInvalidArgument (chunk too large), kInternal.
  Status Seal(const ChunkId& id, ByteSpan plaintext, Buffer* out, SealInfo* info) const;

  // Opens sealed bytes into `plaintext` (replacing its contents). If `expected_id` is given, the
  // sealed chunk must carry that id. Errors: kDataLoss (malformed, failed authentication, or the
  // plaintext does not hash to its id).
  Status Open(ByteSpan sealed, const ChunkId* expected_id, Buffer* plaintext) const;

  // Reads the chunk id out of sealed bytes without decrypting. Errors: kDataLoss (too short or
  // unknown version).
  static Result<ChunkId> PeekId(ByteSpan sealed);

 private:
  ChunkCodec(const MasterKey& key, const CodecOptions& options) : key_(key), options_(options) {}
  std::array<uint8_t, 32> ChunkKey(const ChunkId& id) const;
  Compression Choose(ByteSpan plaintext) const;

  MasterKey key_;
  CodecOptions options_;
};

}  // namespace cairn::engine

#endif  // CAIRN_ENGINE_CHUNK_CODEC_H_
