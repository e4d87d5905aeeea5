// Content-defined chunking (CDC): cuts a byte stream into chunks of variable length whose
// boundaries are chosen by the content itself, so that inserting or deleting bytes only changes
// the chunks around the edit; every other chunk keeps its bytes and deduplicates against the
// previous version of the data.
//
// Algorithm: a gear rolling hash in the FastCDC family (Xia et al., USENIX ATC 2016) with
// normalized chunking at level 2 and cut-point skipping. For a chunk starting at stream offset c,
// the byte at offset c + L - 1 ends the chunk (the chunk is L bytes long) when
//   * L == max_size, or
//   * min_size <= L < avg_size and h < floor(2^30 / avg_size)   (strict: 1/4 of the plain rate),
//   * avg_size <= L < max_size and h < floor(2^34 / avg_size)   (loose: 4 times the plain rate),
// taking the smallest such L; h is the 32-bit gear hash of the 32 bytes ending at that byte
// (internal/chunker_impl.h defines it and its gear function). Bytes before c + min_size - 1 are
// never hashed for a decision (cut-point skipping). So a boundary depends only on the 32 bytes
// before it and the distance from the previous boundary: after an edit, boundaries resynchronize
// at the first cut point past the edit, and from there on every boundary moves by exactly the
// edit's length. On random data, with the default ratios (min = avg / 4, max = 4 * avg), about
// 17% of the chunks end in the strict zone and the rest about avg_size / 4 past avg_size: the
// mean chunk length is about 1.14 * avg_size.
//
// FORMAT: boundaries decide what deduplicates against what, across versions and machines. The
// gear function, the hash width and window, the thresholds above and the rules for min/avg/max
// are therefore an on-disk format, versioned as kChunkerFormatVersion: changing any of them
// (even "improving" the gear table) means a new version. Every backend (portable C++, AVX2,
// AVX-512) gives bit-identical boundaries; tests pin golden lengths.
//
// Streaming: a Chunker sees the stream in buffers of any size (1 byte to the whole stream) and
// reports the same boundaries however the stream is split. It never copies or keeps the
// caller's bytes (it remembers only the last 32 bytes of the stream and a hash); callers keep
// the data and receive chunk lengths.
//
// Thread safety: the free functions are safe to call from any thread. A Chunker is a value that
// holds one stream's state: one thread at a time per instance (not thread-safe); distinct
// instances are independent. Copies are independent.
#ifndef CAIRN_ENGINE_CHUNKER_H_
#define CAIRN_ENGINE_CHUNKER_H_

#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/bytes.h"
#include "core/result.h"
#include "core/status.h"

namespace cairn::engine {

// Version of the boundary rules above; store it with anything that depends on boundaries.
inline constexpr uint32_t kChunkerFormatVersion = 1;

// Limits that ValidateChunkerOptions() enforces.
inline constexpr uint32_t kChunkerMinAvgSize = 64;
inline constexpr uint32_t kChunkerMaxMaxSize = 64u << 20;

struct ChunkerOptions {
  uint32_t min_size = 16u << 10;   // no chunk is shorter, except a stream's last
  uint32_t avg_size = 64u << 10;   // target; need not be a power of two
  uint32_t max_size = 256u << 10;  // no chunk is longer
};

// OK iff 1 <= min_size < avg_size < max_size, avg_size >= kChunkerMinAvgSize and
// max_size <= kChunkerMaxMaxSize. Errors: kInvalidArgument, naming the violated rule.
Status ValidateChunkerOptions(const ChunkerOptions& options);

// A scan implementation. All give identical boundaries; they differ only in speed.
enum class ChunkerBackend {
  kPortable,  // plain C++, every CPU (about 1 byte per cycle)
  kAvx2,      // x86-64 with AVX2 (and OS support for the YMM state): 8 lanes
  kAvx512,    // x86-64 with AVX-512F, VL and BW (and OS support for the ZMM state): 16 lanes
};

// Whether `backend` can run here: it was compiled in, the CPU reports the instructions (CPUID)
// and the OS saves the registers they use (XGETBV). kPortable: always.
bool ChunkerBackendSupported(ChunkerBackend backend);

// The fastest supported backend (AVX-512, then AVX2, then portable). Computed once and cached.
ChunkerBackend ChunkerBestBackend();

// "portable", "avx2" or "avx512"; "unknown" for a value outside the enum.
const char* ChunkerBackendName(ChunkerBackend backend);

// Incremental chunker for one stream. Feed the stream with Update() in pieces of any size, then
// call Finish(). Both append the lengths of the chunks they complete, in stream order, to
// *cut_lengths (they never clear it); the lengths add up to the bytes fed. A chunk ends inside
// the buffer in which its last byte arrives: Update never holds back a complete chunk, so the
// bytes of every reported chunk are exactly the ones fed since the previous report and the
// caller can hash/store them right away. About 80 bytes, no heap memory.
class Chunker {
 public:
  // Errors: kInvalidArgument (ValidateChunkerOptions), kFailedPrecondition (`backend` is not
  // supported here; see ChunkerBackendSupported).
  static Result<Chunker> Create(const ChunkerOptions& options = ChunkerOptions(),
                                ChunkerBackend backend = ChunkerBestBackend());

  // Feeds the next data.size() bytes of the stream (empty is fine). Appends one length for each
  // chunk whose last byte is in `data`. `data` is not retained. Precondition: cut_lengths is not
  // null.
  void Update(ByteSpan data, std::vector<uint64_t>* cut_lengths);

  // Ends the stream: appends the length of the final, partial chunk if any bytes are pending
  // (1 to max_size bytes; it may be shorter than min_size), then resets the chunker for a new
  // stream. Precondition: cut_lengths is not null.
  void Finish(std::vector<uint64_t>* cut_lengths);

  // Forgets the current stream (pending bytes are dropped without being reported).
  void Reset();

  // Bytes fed since the last reported boundary (what Finish() would report).
  uint64_t pending_bytes() const { return chunk_len_; }
  const ChunkerOptions& options() const { return options_; }
  ChunkerBackend backend() const { return backend_; }

 private:
  // internal::GearScanFn (internal/chunker_impl.h).
  using ScanFn = size_t (*)(const uint8_t*, size_t, uint32_t, uint32_t, uint32_t*);

  Chunker(const ChunkerOptions& options, ChunkerBackend backend, ScanFn scan);
  uint32_t WarmHash(ByteSpan data, size_t pos) const;
  void RememberTail(ByteSpan data);

  ChunkerOptions options_;
  ChunkerBackend backend_;
  ScanFn scan_;
  uint32_t strict_threshold_;  // 2^30 / avg_size
  uint32_t loose_threshold_;   // 2^34 / avg_size
  uint64_t chunk_len_ = 0;     // bytes of the current chunk fed so far
  uint32_t hash_ = 0;          // gear hash after the last byte fed, if hash_valid_
  bool hash_valid_ = true;     // false after skipped (unhashed) bytes
  uint8_t tail_len_ = 0;       // min(32, bytes fed)
  uint8_t tail_[32] = {};      // the last tail_len_ bytes fed, oldest first
};

// One-shot: the chunk lengths of `data` as a whole stream (same as Create, one Update and
// Finish). Empty data gives no chunks. Errors: as Chunker::Create.
Result<std::vector<uint64_t>> ChunkLengths(ByteSpan data,
                                           const ChunkerOptions& options = ChunkerOptions(),
                                           ChunkerBackend backend = ChunkerBestBackend());

}  // namespace cairn::engine

#endif  // CAIRN_ENGINE_CHUNKER_H_
