// BLAKE3 cryptographic hash (https://github.com/BLAKE3-team/BLAKE3-specs), written from the
// specification: the three modes (hash, keyed hash, key derivation), extendable output of any
// length from any offset, and incremental hashing.
//
// Compression runs on one of three backends, picked at run time from what the CPU and the OS
// support: portable C++, AVX2 (8 inputs at once) or AVX-512 (16 inputs at once). All three give
// bit-identical results; they differ only in speed. Large inputs are cut along BLAKE3's tree
// into whole chunks that are hashed side by side in SIMD lanes, and, with UpdateParallel, in
// subtrees spread over several threads.
//
// Thread safety: the free functions are safe to call from any thread. A Blake3Hasher is a plain
// value: concurrent const calls (Finalize*) on one instance are safe, anything else on one
// instance needs outside synchronization; distinct instances are independent.
//
// Errors: nothing here fails; every input, including empty ones, is valid. (Hex spelling of
// digests: HexEncode in core/bytes.h.)
#ifndef CAIRN_CORE_BLAKE3_H_
#define CAIRN_CORE_BLAKE3_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace cairn::core {

namespace internal {
struct Blake3Ops;
struct Blake3Output;
}  // namespace internal

// Default output length and the key length of keyed mode, in bytes.
inline constexpr size_t kBlake3OutLen = 32;
inline constexpr size_t kBlake3KeyLen = 32;

// A compression implementation. All give identical output.
enum class Blake3Backend {
  kPortable,  // plain C++, every CPU
  kAvx2,      // x86-64 with AVX2 (and OS support for the YMM state)
  kAvx512,    // x86-64 with AVX-512F, AVX-512VL and AVX2 (and OS support for the ZMM state)
};

// Whether `backend` can run on this machine: it was compiled in, the CPU reports the
// instructions (CPUID) and the OS saves the registers they use (XGETBV). kPortable: always.
bool Blake3BackendSupported(Blake3Backend backend);

// The fastest supported backend (AVX-512, then AVX2, then portable). Computed once and cached.
Blake3Backend Blake3BestBackend();

// "portable", "avx2" or "avx512"; "unknown" for a value outside the enum.
const char* Blake3BackendName(Blake3Backend backend);

// Incremental BLAKE3 hasher. Feed input with Update()/UpdateParallel() in any number of pieces,
// then read the output with Finalize*(), as often as wanted: finalizing does not change the
// state, so more input may follow. Copyable (copies are independent) and about 2 KiB; it
// allocates nothing. Not thread-safe per instance (see the file comment).
class Blake3Hasher {
 public:
  // Plain hash mode on `backend`. A backend that Blake3BackendSupported() rejects is replaced by
  // Blake3BestBackend(); backend() reports the one in use.
  explicit Blake3Hasher(Blake3Backend backend = Blake3BestBackend());

  // Keyed hash mode (a MAC / PRF) with a 32-byte key. Backend as for the constructor.
  static Blake3Hasher Keyed(std::span<const uint8_t, kBlake3KeyLen> key,
                            Blake3Backend backend = Blake3BestBackend());

  // Key derivation mode: `context` should be a hard-coded, globally unique, application-specific
  // string; the key material is then fed with Update(). Backend as for the constructor.
  static Blake3Hasher DeriveKey(std::string_view context,
                                Blake3Backend backend = Blake3BestBackend());

  // Appends `data` to the input.
  void Update(std::span<const uint8_t> data);
  void Update(std::string_view data);

  // Same result as Update(data), but hashes a large `data` with up to `threads` threads
  // (0: std::thread::hardware_concurrency()). Each extra thread gets at least about 1 MiB of
  // input, so small inputs stay on the calling thread; a thread the system cannot start is
  // replaced by the calling thread. Returns when all threads have finished.
  void UpdateParallel(std::span<const uint8_t> data, unsigned threads);

  // Writes the first out.size() bytes of the output (any length; the first 32 bytes are the
  // default hash). Does not change the state.
  void Finalize(std::span<uint8_t> out) const;

  // Writes out.size() bytes of the output starting at byte offset `seek`: the same bytes as
  // bytes [seek, seek + out.size()) of a longer Finalize(). Does not change the state.
  void FinalizeSeek(uint64_t seek, std::span<uint8_t> out) const;

  // The default 32-byte hash. Does not change the state.
  std::array<uint8_t, kBlake3OutLen> Finalize() const;

  // Forgets all input; keeps the mode, key and backend.
  void Reset();

  // The backend actually in use (after any replacement by the constructor).
  Blake3Backend backend() const { return backend_; }

 private:
  static constexpr size_t kMaxDepth = 54;  // log2(2^64 bytes / 1024-byte chunks)

  Blake3Hasher(const uint32_t key[8], uint8_t flags, Blake3Backend backend);

  void UpdateImpl(const uint8_t* input, size_t len, unsigned threads);
  size_t ChunkLen() const;
  void ChunkUpdate(const uint8_t* input, size_t len);
  void ChunkResetTo(uint64_t chunk_counter);
  internal::Blake3Output ChunkOutput() const;
  void PushCv(const uint8_t cv[kBlake3OutLen], uint64_t chunk_counter);
  void MergeCvStack(uint64_t total_chunks);
  internal::Blake3Output RootOutput() const;

  const internal::Blake3Ops* ops_;
  Blake3Backend backend_;
  uint8_t flags_;                // mode flag for every compression
  std::array<uint32_t, 8> key_;  // key words (the IV in plain hash mode)
  // The chunk being filled: its chaining value, counter and not yet compressed last block.
  std::array<uint32_t, 8> chunk_cv_;
  uint64_t chunk_counter_;
  std::array<uint8_t, 64> block_;
  uint8_t block_len_;
  uint8_t blocks_compressed_;
  // Chaining values of completed subtrees, largest first; merged lazily, when more input shows
  // that they cannot be the root.
  uint8_t cv_stack_len_;
  std::array<std::array<uint8_t, kBlake3OutLen>, kMaxDepth + 2> cv_stack_;
};

// One-shot plain hash of `data` on the best backend.
std::array<uint8_t, kBlake3OutLen> Blake3(std::span<const uint8_t> data);
std::array<uint8_t, kBlake3OutLen> Blake3(std::string_view data);

}  // namespace cairn::core

#endif  // CAIRN_CORE_BLAKE3_H_
