// Chunking rules (min / normalized avg / max, streaming state) on top of a gear-hash scan
// kernel, the portable kernel, and backend dispatch. See chunker.h for the contract and
// internal/chunker_impl.h for the kernel interface.
#include "engine/chunker.h"

#include <algorithm>
#include <cstring>
#include <string>

#include "core/cpu.h"
#include "engine/internal/chunker_impl.h"

#if defined(__x86_64__) || defined(__i386__)
#endif

namespace cairn::engine {
namespace {

using internal::GearScanFn;
using internal::kGear;
using internal::kGearWindow;

// ---------------------------------------------------------------------------------------------
// CPU feature detection (CPUID for the instructions, XGETBV for the OS saving their registers).

struct CpuFeatures {
  bool avx2 = false;
  bool avx512 = false;  // AVX-512F, AVX-512VL and AVX-512BW
};

const CpuFeatures& Cpu() {
  static const CpuFeatures features = [] {
    const core::CpuFeatures& cpu = core::DetectedCpuFeatures();
    CpuFeatures f;
    f.avx2 = cpu.avx2;
    f.avx512 = cpu.avx2 && cpu.avx512f && cpu.avx512vl && cpu.avx512bw;
#if defined(CAIRN_CHUNKER_AVX512_EMULATION)
    // Test build: chunker_avx512.cc runs on scalar stand-ins for the intrinsics, on any CPU.
    f.avx512 = true;
#endif
    return f;
  }();
  return features;
}

GearScanFn ScanFnFor(ChunkerBackend backend) {
  switch (backend) {
    case ChunkerBackend::kPortable:
      return internal::GearScanPortableFn();
    case ChunkerBackend::kAvx2:
      return Cpu().avx2 ? internal::GearScanAvx2Fn() : nullptr;
    case ChunkerBackend::kAvx512:
      return Cpu().avx512 ? internal::GearScanAvx512Fn() : nullptr;
  }
  return nullptr;
}

// ---------------------------------------------------------------------------------------------
// Portable kernel: one byte per step; the loop-carried work is a shift-add (about a cycle).

size_t GearScanPortable(const uint8_t* data, size_t n, uint32_t h, uint32_t threshold,
                        uint32_t* h_out) {
  for (size_t i = 0; i < n; ++i) {
    h = (h << 1) + kGear.v[data[i]];
    if (h < threshold) {
      *h_out = h;
      return i;
    }
  }
  *h_out = h;
  return n;
}

}  // namespace

namespace internal {
GearScanFn GearScanPortableFn() { return &GearScanPortable; }
}  // namespace internal

// ---------------------------------------------------------------------------------------------
// Backends and options.

bool ChunkerBackendSupported(ChunkerBackend backend) { return ScanFnFor(backend) != nullptr; }

ChunkerBackend ChunkerBestBackend() {
  static const ChunkerBackend best = [] {
    if (ChunkerBackendSupported(ChunkerBackend::kAvx512)) return ChunkerBackend::kAvx512;
    if (ChunkerBackendSupported(ChunkerBackend::kAvx2)) return ChunkerBackend::kAvx2;
    return ChunkerBackend::kPortable;
  }();
  return best;
}

const char* ChunkerBackendName(ChunkerBackend backend) {
  switch (backend) {
    case ChunkerBackend::kPortable:
      return "portable";
    case ChunkerBackend::kAvx2:
      return "avx2";
    case ChunkerBackend::kAvx512:
      return "avx512";
  }
  return "unknown";
}

Status ValidateChunkerOptions(const ChunkerOptions& o) {
  const std::string sizes = "min_size " + std::to_string(o.min_size) + ", avg_size " +
                            std::to_string(o.avg_size) + ", max_size " + std::to_string(o.max_size);
  if (o.min_size < 1) return InvalidArgumentError("chunker: min_size must be >= 1 (" + sizes + ")");
  if (o.avg_size < kChunkerMinAvgSize) {
    return InvalidArgumentError(
        "chunker: avg_size must be >= " + std::to_string(kChunkerMinAvgSize) + " (" + sizes + ")");
  }
  if (o.min_size >= o.avg_size || o.avg_size >= o.max_size) {
    return InvalidArgumentError("chunker: need min_size < avg_size < max_size (" + sizes + ")");
  }
  if (o.max_size > kChunkerMaxMaxSize) {
    return InvalidArgumentError(
        "chunker: max_size must be <= " + std::to_string(kChunkerMaxMaxSize) + " (" + sizes + ")");
  }
  return Status::Ok();
}

// ---------------------------------------------------------------------------------------------
// Chunker.

Result<Chunker> Chunker::Create(const ChunkerOptions& options, ChunkerBackend backend) {
  CAIRN_RETURN_IF_ERROR(ValidateChunkerOptions(options));
  GearScanFn scan = ScanFnFor(backend);
  if (scan == nullptr) {
    return FailedPreconditionError(std::string("chunker: backend ") + ChunkerBackendName(backend) +
                                   " is not supported here");
  }
  return Chunker(options, backend, scan);
}

Chunker::Chunker(const ChunkerOptions& options, ChunkerBackend backend, ScanFn scan)
    : options_(options),
      backend_(backend),
      scan_(scan),
      // avg_size >= 64 keeps both below 2^32; avg_size < 2^26 keeps the strict one >= 16.
      strict_threshold_(static_cast<uint32_t>((uint64_t{1} << 30) / options.avg_size)),
      loose_threshold_(static_cast<uint32_t>((uint64_t{1} << 34) / options.avg_size)) {}

void Chunker::Reset() {
  chunk_len_ = 0;
  hash_ = 0;
  hash_valid_ = true;
  tail_len_ = 0;
}

// The hash after the byte before data[pos]: replays the (up to) 32 bytes before it, from `data`
// and, for what lies before data[0], from tail_.
uint32_t Chunker::WarmHash(ByteSpan data, size_t pos) const {
  const size_t from_data = std::min(pos, kGearWindow);
  const size_t from_tail = std::min<size_t>(kGearWindow - from_data, tail_len_);
  uint32_t h = 0;
  for (size_t i = tail_len_ - from_tail; i < tail_len_; ++i) h = (h << 1) + kGear.v[tail_[i]];
  for (size_t i = pos - from_data; i < pos; ++i) h = (h << 1) + kGear.v[data[i]];
  return h;
}

void Chunker::RememberTail(ByteSpan data) {
  const size_t n = data.size();
  if (n >= kGearWindow) {
    std::memcpy(tail_, data.data() + n - kGearWindow, kGearWindow);
    tail_len_ = kGearWindow;
    return;
  }
  const size_t keep = std::min<size_t>(tail_len_, kGearWindow - n);
  std::memmove(tail_, tail_ + tail_len_ - keep, keep);
  if (n > 0) std::memcpy(tail_ + keep, data.data(), n);
  tail_len_ = static_cast<uint8_t>(keep + n);
}

// Each pass of the loop handles one zone of the current chunk: the skipped prefix (lengths below
// min_size are never cut, so their bytes are not even hashed), the strict zone, the loose zone,
// or the forced cut at max_size. Zones are expressed as offsets within the chunk: the byte at
// offset k would end a chunk of length k + 1.
void Chunker::Update(ByteSpan data, std::vector<uint64_t>* cut_lengths) {
  const uint64_t first_tested = options_.min_size - 1;
  const uint64_t loose_from = options_.avg_size - 1;
  const uint64_t forced_at = options_.max_size - 1;
  const size_t n = data.size();
  size_t pos = 0;
  while (pos < n) {
    size_t avail = n - pos;
    if (chunk_len_ < first_tested) {
      const uint64_t skip = first_tested - chunk_len_;
      hash_valid_ = false;
      if (skip >= avail) {
        chunk_len_ += avail;
        break;
      }
      pos += skip;
      avail -= skip;
      chunk_len_ = first_tested;
    }
    uint32_t h = hash_valid_ ? hash_ : WarmHash(data, pos);
    if (chunk_len_ == forced_at) {
      hash_ = (h << 1) + kGear.v[data[pos]];
      hash_valid_ = true;
      cut_lengths->push_back(options_.max_size);
      chunk_len_ = 0;
      ++pos;
      continue;
    }
    const bool strict = chunk_len_ < loose_from;
    const uint64_t zone_end = strict ? loose_from : forced_at;
    const size_t len = static_cast<size_t>(std::min<uint64_t>(zone_end - chunk_len_, avail));
    const size_t hit =
        scan_(data.data() + pos, len, h, strict ? strict_threshold_ : loose_threshold_, &hash_);
    hash_valid_ = true;
    if (hit < len) {
      cut_lengths->push_back(chunk_len_ + hit + 1);
      chunk_len_ = 0;
      pos += hit + 1;
    } else {
      chunk_len_ += len;
      pos += len;
    }
  }
  RememberTail(data);
}

void Chunker::Finish(std::vector<uint64_t>* cut_lengths) {
  if (chunk_len_ > 0) cut_lengths->push_back(chunk_len_);
  Reset();
}

Result<std::vector<uint64_t>> ChunkLengths(ByteSpan data, const ChunkerOptions& options,
                                           ChunkerBackend backend) {
  CAIRN_ASSIGN_OR_RETURN(Chunker chunker, Chunker::Create(options, backend));
  std::vector<uint64_t> lengths;
  lengths.reserve(data.size() / options.avg_size + 2);
  chunker.Update(data, &lengths);
  chunker.Finish(&lengths);
  return lengths;
}

}  // namespace cairn::engine
