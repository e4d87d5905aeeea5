#include "engine/chunk_codec.h"

#include <lz4.h>
#include <sodium.h>
#include <zstd.h>

#include <cstring>
#include <memory>

#include "core/blake3.h"
#include "core/coding.h"

namespace cairn::engine {
namespace {

constexpr uint8_t kVersion = 1;
constexpr std::string_view kKeyContext = "cairn chunk key v1";

struct ZstdContexts {
  ZSTD_CCtx* cctx = ZSTD_createCCtx();
  ZSTD_DCtx* dctx = ZSTD_createDCtx();
  ~ZstdContexts() {
    ZSTD_freeCCtx(cctx);
    ZSTD_freeDCtx(dctx);
  }
};

ZstdContexts& ThreadZstd() {
  thread_local ZstdContexts contexts;
  return contexts;
}

bool SodiumReady() {
  static const bool ready = sodium_init() >= 0;
  return ready;
}

}  // namespace

const char* CompressionName(Compression c) {
  switch (c) {
    case Compression::kNone:
      return "none";
    case Compression::kLz4:
      return "lz4";
    case Compression::kZstd:
      return "zstd";
  }
  return "unknown";
}

Result<ChunkCodec> ChunkCodec::Create(const MasterKey& key, const CodecOptions& options) {
  if (options.zstd_level < 1 || options.zstd_level > 19) {
    return InvalidArgumentError("zstd level must be in [1, 19]");
  }
  if (!(options.min_gain >= 0 && options.min_gain < 1)) {
    return InvalidArgumentError("min_gain must be in [0, 1)");
  }
  if (!SodiumReady()) return InternalError("libsodium failed to initialise");
  return ChunkCodec(key, options);
}

std::array<uint8_t, 32> ChunkCodec::ChunkKey(const ChunkId& id) const {
  core::Blake3Hasher h = core::Blake3Hasher::Keyed(key_.bytes);
  h.Update(kKeyContext);
  h.Update(ByteSpan(id));
  return h.Finalize();
}

Compression ChunkCodec::Choose(ByteSpan plaintext) const {
  if (options_.policy == CompressionPolicy::kNone || plaintext.size() < 64) {
    return Compression::kNone;
  }
  size_t n = std::min(plaintext.size(), options_.sample_bytes);
  // Sample from the middle: headers at the start of files are often more compressible than
  // the body.
  size_t start = (plaintext.size() - n) / 2;
  int bound = LZ4_compressBound(static_cast<int>(n));
  std::unique_ptr<char[]> tmp(new char[static_cast<size_t>(bound)]);
  int got = LZ4_compress_default(reinterpret_cast<const char*>(plaintext.data() + start), tmp.get(),
                                 static_cast<int>(n), bound);
  if (got <= 0 || static_cast<double>(got) > static_cast<double>(n) * (1.0 - options_.min_gain)) {
    return Compression::kNone;
  }
  return options_.policy == CompressionPolicy::kFast ? Compression::kLz4 : Compression::kZstd;
}

Status ChunkCodec::Seal(const ChunkId& id, ByteSpan plaintext, Buffer* out, SealInfo* info) const {
  if (plaintext.size() > kMaxChunkBytes) {
    return InvalidArgumentError("chunk of " + std::to_string(plaintext.size()) +
                                " bytes exceeds the 64 MiB limit");
  }
  Compression c = Choose(plaintext);
  Buffer compressed;
  ByteSpan body = plaintext;
  if (c == Compression::kZstd) {
    compressed.ResizeUninitialized(ZSTD_compressBound(plaintext.size()));
    size_t n = ZSTD_compressCCtx(ThreadZstd().cctx, compressed.data(), compressed.size(),
                                 plaintext.data(), plaintext.size(), options_.zstd_level);
    if (ZSTD_isError(n)) return InternalError(std::string("zstd: ") + ZSTD_getErrorName(n));
    compressed.ResizeUninitialized(n);
  } else if (c == Compression::kLz4) {
    int bound = LZ4_compressBound(static_cast<int>(plaintext.size()));
    compressed.ResizeUninitialized(static_cast<size_t>(bound));
    int n = LZ4_compress_default(reinterpret_cast<const char*>(plaintext.data()),
                                 reinterpret_cast<char*>(compressed.data()),
                                 static_cast<int>(plaintext.size()), bound);
    if (n <= 0) return InternalError("lz4 compression failed");
    compressed.ResizeUninitialized(static_cast<size_t>(n));
  }
  if (c != Compression::kNone) {
    if (compressed.size() >= plaintext.size()) {
      c = Compression::kNone;  // the sample lied: keep the plaintext
    } else {
      body = compressed.span();
    }
  }

  size_t base = out->size();
  out->ResizeUninitialized(base + kHeaderBytes + body.size() + kTagBytes);
  uint8_t* h = out->data() + base;
  h[0] = kVersion;
  h[1] = static_cast<uint8_t>(c);
  h[2] = h[3] = 0;
  core::EncodeFixed32(h + 4, static_cast<uint32_t>(plaintext.size()));
  std::memcpy(h + 8, id.data(), 32);
  randombytes_buf(h + 40, crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
  std::array<uint8_t, 32> key = ChunkKey(id);
  unsigned long long clen = 0;
  crypto_aead_xchacha20poly1305_ietf_encrypt(h + kHeaderBytes, &clen, body.data(), body.size(), h,
                                             40, nullptr, h + 40, key.data());
  sodium_memzero(key.data(), key.size());
  if (info != nullptr) {
    info->compression = c;
    info->plaintext_bytes = static_cast<uint32_t>(plaintext.size());
    info->sealed_bytes = static_cast<uint32_t>(kHeaderBytes + clen);
  }
  return Status();
}

Result<ChunkId> ChunkCodec::PeekId(ByteSpan sealed) {
  if (sealed.size() < kHeaderBytes + kTagBytes || sealed[0] != kVersion) {
    return DataLossError("sealed chunk is malformed");
  }
  ChunkId id;
  std::memcpy(id.data(), sealed.data() + 8, 32);
  return id;
}

Status ChunkCodec::Open(ByteSpan sealed, const ChunkId* expected_id, Buffer* plaintext) const {
  CAIRN_ASSIGN_OR_RETURN(ChunkId id, PeekId(sealed));
  if (expected_id != nullptr && id != *expected_id) {
    return DataLossError("sealed chunk carries a different chunk id");
  }
  const uint8_t* h = sealed.data();
  auto c = static_cast<Compression>(h[1]);
  uint32_t plain_len = core::DecodeFixed32(h + 4);
  if (h[1] > 2 || h[2] != 0 || h[3] != 0 || plain_len > kMaxChunkBytes) {
    return DataLossError("sealed chunk header is malformed");
  }
  size_t body_len = sealed.size() - kHeaderBytes - kTagBytes;
  Buffer body;
  body.ResizeUninitialized(body_len);
  std::array<uint8_t, 32> key = ChunkKey(id);
  unsigned long long mlen = 0;
  int rc =
      crypto_aead_xchacha20poly1305_ietf_decrypt(body.data(), &mlen, nullptr, h + kHeaderBytes,
                                                 body_len + kTagBytes, h, 40, h + 40, key.data());
  sodium_memzero(key.data(), key.size());
  if (rc != 0) {
    return DataLossError(
        "chunk failed authentication: it is corrupt or was sealed with another master key");
  }
  if (c == Compression::kNone) {
    if (body_len != plain_len) return DataLossError("chunk length mismatch");
    *plaintext = std::move(body);
  } else {
    plaintext->ResizeUninitialized(plain_len);
    size_t n = 0;
    if (c == Compression::kZstd) {
      n = ZSTD_decompressDCtx(ThreadZstd().dctx, plaintext->data(), plain_len, body.data(),
                              body_len);
      if (ZSTD_isError(n)) return DataLossError("chunk does not decompress (zstd)");
    } else {
      int got = LZ4_decompress_safe(reinterpret_cast<const char*>(body.data()),
                                    reinterpret_cast<char*>(plaintext->data()),
                                    static_cast<int>(body_len), static_cast<int>(plain_len));
      if (got < 0) return DataLossError("chunk does not decompress (lz4)");
      n = static_cast<size_t>(got);
    }
    if (n != plain_len) return DataLossError("chunk length mismatch after decompression");
  }
  if (core::Blake3(plaintext->span()) != id) {
    return DataLossError("chunk content does not match its id");
  }
  return Status();
}

}  // namespace cairn::engine
