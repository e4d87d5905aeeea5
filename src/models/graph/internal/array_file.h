// Array files: the unit of the graph's CSR snapshots. Each file holds one array of fixed-width
// little-endian elements after a 4 KiB header, padded with zeros to a 4 KiB multiple, so every
// read is block-aligned for O_DIRECT (format: docs/graph.md).
//
// ArrayFileWriter streams a new file through the Env (so FaultEnv sees every byte and sync).
// ArrayFile reads one through a ReadPath: mapped, loaded into memory, or on demand (O_DIRECT
// with io_uring, O_DIRECT pread, buffered pread). The IoContext shared by a snapshot's files
// records the path in use, downgrades it once (logged) when the kernel or filesystem refuses
// O_DIRECT or io_uring, pools io_uring rings and counts reads.
//
// Thread safety: ArrayFile and IoContext are safe for concurrent reads; a writer is used by one
// thread.
#ifndef CAIRN_MODELS_GRAPH_INTERNAL_ARRAY_FILE_H_
#define CAIRN_MODELS_GRAPH_INTERNAL_ARRAY_FILE_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/env/env.h"
#include "core/result.h"
#include "models/graph/graph_options.h"

namespace cairn::graph::internal {

inline constexpr uint64_t kBlock = 4096;
inline constexpr uint64_t kArrayHeaderBytes = 4096;

inline uint64_t RoundUp(uint64_t v, uint64_t a) { return (v + a - 1) / a * a; }

class ArrayFileWriter {
 public:
  // Creates (truncating) `path`. `name` (at most 31 bytes) is stored in the header and checked
  // on open; `width` is the element size (1, 2, 4 or 8).
  static Result<std::unique_ptr<ArrayFileWriter>> Create(core::Env* env, const std::string& path,
                                                         std::string_view name, uint32_t width);
  ~ArrayFileWriter();

  // Appends whole elements (bytes must be a multiple of the width).
  Status Append(const void* data, size_t bytes);
  template <typename T>
  Status Add(T v) {
    return Append(&v, sizeof(T));  // little-endian hosts only (checked in array_file.cc)
  }
  // Pads, writes the header, syncs and closes. Returns the file's size.
  Result<uint64_t> Finish();

  uint64_t count() const { return bytes_ / width_; }

 private:
  ArrayFileWriter(std::unique_ptr<core::File> file, std::string_view name, uint32_t width);
  Status Flush();

  std::unique_ptr<core::File> file_;
  std::string name_;
  uint32_t width_;
  uint64_t bytes_ = 0;  // data bytes appended
  uint32_t crc_ = 0;    // running CRC32C of the data
  std::string buf_;
};

// Writes a whole array file in one call.
Result<uint64_t> WriteArrayFile(core::Env* env, const std::string& path, std::string_view name,
                                uint32_t width, const void* data, uint64_t count);

// Shared by the files of one snapshot: the read path and its fallbacks, io_uring rings, stats.
class IoContext {
 public:
  IoContext(ReadPath path, unsigned queue_depth);
  ~IoContext();

  ReadPath path() const { return path_.load(std::memory_order_acquire); }
  // Moves to `fallback` (only ever downward: direct uring -> direct pread -> buffered) and logs
  // why, once per transition.
  void Downgrade(ReadPath fallback, const std::string& why);

  struct Ring;
  // A ring for one batch of reads (created on demand, returned to the pool by the deleter);
  // nullptr when io_uring is unavailable (the context has then been downgraded).
  std::unique_ptr<Ring, void (*)(Ring*)> AcquireRing();
  unsigned queue_depth() const { return queue_depth_; }

  std::atomic<uint64_t> reads{0};       // read requests issued to the OS (O_DIRECT / pread)
  std::atomic<uint64_t> bytes_read{0};  // bytes those requests moved

 private:
  static void ReleaseRing(Ring* ring);

  std::atomic<ReadPath> path_;
  unsigned queue_depth_;
  std::mutex mutex_;
  std::vector<Ring*> free_rings_;  // guarded by mutex_
  std::vector<Ring*> all_rings_;   // guarded by mutex_
};

// One read of a batch: `len` bytes at data offset `off` (from the first element) into `dst`.
struct ReadReq {
  uint64_t off = 0;
  uint64_t len = 0;
  void* dst = nullptr;
};

class ArrayFile {
 public:
  struct OpenArgs {
    core::Env* env = nullptr;
    std::string path;
    std::string_view name;
    uint32_t width = 0;
    IoContext* io = nullptr;  // required; its path() decides how the file is read
    bool resident = false;    // load into memory (direct / buffered paths)
    bool verify = true;       // check the data CRC now
  };
  // Errors: kDataLoss (header magic / CRC / name / width / size), kNotFound, kIoError.
  static Result<std::unique_ptr<ArrayFile>> Open(const OpenArgs& args);
  ~ArrayFile();
  ArrayFile(const ArrayFile&) = delete;
  ArrayFile& operator=(const ArrayFile&) = delete;

  uint64_t count() const { return count_; }
  uint32_t width() const { return width_; }
  uint64_t data_bytes() const { return count_ * width_; }
  // The elements, when mapped or loaded; nullptr when reads go to the file.
  const uint8_t* data() const { return data_; }
  template <typename T>
  const T* as() const {
    return reinterpret_cast<const T*>(data_);
  }
  // Copies data bytes [off, off + len). Errors: kOutOfRange, kIoError.
  Status Read(uint64_t off, uint64_t len, void* dst) const;
  // Serves many reads; on the direct path their blocks are merged and submitted through one
  // io_uring ring, queue_depth at a time.
  Status ReadBatch(std::span<ReadReq> reqs) const;
  ReadPath path() const { return path_; }

 private:
  ArrayFile() = default;
  Status OpenOs(const OpenArgs& args);
  Status LoadFromEnv(const OpenArgs& args);
  Status CheckHeader(const uint8_t* header, const OpenArgs& args, uint64_t file_size);
  Status ReadDirect(std::span<ReadReq> reqs) const;
  Status LoadResident();
  Status VerifyCrc() const;

  std::string path_name_;
  ReadPath path_ = ReadPath::kNone;
  IoContext* io_ = nullptr;
  int fd_ = -1;
  uint64_t count_ = 0;
  uint32_t width_ = 0;
  uint32_t crc_ = 0;
  const uint8_t* data_ = nullptr;
  void* map_ = nullptr;  // mmap base (header included)
  uint64_t map_len_ = 0;
  void* owned_ = nullptr;  // aligned heap copy (resident / Env)
};

}  // namespace cairn::graph::internal

#endif  // CAIRN_MODELS_GRAPH_INTERNAL_ARRAY_FILE_H_
