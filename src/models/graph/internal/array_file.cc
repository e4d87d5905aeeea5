#include "models/graph/internal/array_file.h"

#include <fcntl.h>
#include <liburing.h>
#include <spdlog/spdlog.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <numeric>

#include "core/coding.h"
#include "core/hash.h"

namespace cairn::graph {

std::string_view ReadPathName(ReadPath path) {
  switch (path) {
    case ReadPath::kNone:
      return "none";
    case ReadPath::kMmap:
      return "mmap";
    case ReadPath::kDirectUring:
      return "O_DIRECT+io_uring";
    case ReadPath::kDirectPread:
      return "O_DIRECT+pread";
    case ReadPath::kBuffered:
      return "buffered pread";
    case ReadPath::kEnvMemory:
      return "memory (Env)";
  }
  return "unknown";
}

}  // namespace cairn::graph

namespace cairn::graph::internal {
namespace {

static_assert(std::endian::native == std::endian::little,
              "graph snapshot arrays are little-endian and read in place");

constexpr char kMagic[8] = {'C', 'A', 'I', 'R', 'N', 'G', 'A', '1'};
constexpr uint32_t kVersion = 1;
constexpr size_t kWriteBuffer = 1 << 20;
constexpr uint64_t kMaxExtent = 4ull << 20;   // largest merged O_DIRECT read
constexpr uint64_t kLoadChunk = 16ull << 20;  // resident loads and CRC checks

struct AlignedFree {
  void operator()(void* p) const { std::free(p); }
};
using AlignedBuffer = std::unique_ptr<uint8_t, AlignedFree>;

AlignedBuffer AllocAligned(uint64_t bytes) {
  uint64_t n = RoundUp(std::max<uint64_t>(bytes, 1), kBlock);
  return AlignedBuffer(static_cast<uint8_t*>(std::aligned_alloc(kBlock, n)));
}

void EncodeHeader(uint8_t* h, std::string_view name, uint32_t width, uint64_t count, uint32_t crc) {
  std::memset(h, 0, kArrayHeaderBytes);
  std::memcpy(h, kMagic, 8);
  core::EncodeFixed32(h + 8, kVersion);
  core::EncodeFixed32(h + 12, width);
  core::EncodeFixed64(h + 16, count);
  core::EncodeFixed32(h + 24, core::MaskCrc(crc));
  std::memcpy(h + 32, name.data(), std::min<size_t>(name.size(), 31));
  uint32_t hcrc = core::Crc32c(ByteSpan(h, kArrayHeaderBytes - 4));
  core::EncodeFixed32(h + kArrayHeaderBytes - 4, core::MaskCrc(hcrc));
}

// pread until `len` bytes arrived. Errors: kIoError (or EINVAL's kInvalidArgument), kDataLoss
// on a short file.
Status PreadAll(int fd, void* dst, uint64_t len, uint64_t off, const std::string& path) {
  auto* p = static_cast<uint8_t*>(dst);
  while (len > 0) {
    ssize_t n = ::pread(fd, p, len, static_cast<off_t>(off));
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoToStatus(errno, "pread " + path);
    }
    if (n == 0) return DataLossError("graph array file shorter than its header says: " + path);
    p += n;
    off += static_cast<uint64_t>(n);
    len -= static_cast<uint64_t>(n);
  }
  return Status();
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Writer

ArrayFileWriter::ArrayFileWriter(std::unique_ptr<core::File> file, std::string_view name,
                                 uint32_t width)
    : file_(std::move(file)), name_(name), width_(width) {
  buf_.reserve(kWriteBuffer);
}

ArrayFileWriter::~ArrayFileWriter() = default;

Result<std::unique_ptr<ArrayFileWriter>> ArrayFileWriter::Create(core::Env* env,
                                                                 const std::string& path,
                                                                 std::string_view name,
                                                                 uint32_t width) {
  if (name.size() > 31 || (width != 1 && width != 2 && width != 4 && width != 8)) {
    return InvalidArgumentError("bad array file name or width");
  }
  core::OpenOptions o;
  o.create = true;
  o.truncate = true;
  CAIRN_ASSIGN_OR_RETURN(auto file, env->OpenFile(path, o));
  auto w = std::unique_ptr<ArrayFileWriter>(new ArrayFileWriter(std::move(file), name, width));
  w->buf_.assign(kArrayHeaderBytes, '\0');  // placeholder; the real header is written last
  return w;
}

Status ArrayFileWriter::Append(const void* data, size_t bytes) {
  crc_ = core::Crc32cExtend(crc_, ByteSpan(static_cast<const uint8_t*>(data), bytes));
  bytes_ += bytes;
  const char* p = static_cast<const char*>(data);
  while (bytes > 0) {
    size_t n = std::min(bytes, kWriteBuffer - buf_.size());
    buf_.append(p, n);
    p += n;
    bytes -= n;
    if (buf_.size() == kWriteBuffer) CAIRN_RETURN_IF_ERROR(Flush());
  }
  return Status();
}

Status ArrayFileWriter::Flush() {
  if (buf_.empty()) return Status();
  Status s = file_->Append(AsBytes(buf_));
  buf_.clear();
  return s;
}

Result<uint64_t> ArrayFileWriter::Finish() {
  if (bytes_ % width_ != 0) return InternalError("array file " + name_ + ": partial element");
  uint64_t padded = RoundUp(bytes_, kBlock);
  buf_.append(padded - bytes_, '\0');
  CAIRN_RETURN_IF_ERROR(Flush());
  uint8_t header[kArrayHeaderBytes];
  EncodeHeader(header, name_, width_, bytes_ / width_, crc_);
  CAIRN_RETURN_IF_ERROR(file_->WriteAt(0, ByteSpan(header, kArrayHeaderBytes)));
  CAIRN_RETURN_IF_ERROR(file_->Sync());
  CAIRN_RETURN_IF_ERROR(file_->Close());
  return kArrayHeaderBytes + padded;
}

Result<uint64_t> WriteArrayFile(core::Env* env, const std::string& path, std::string_view name,
                                uint32_t width, const void* data, uint64_t count) {
  CAIRN_ASSIGN_OR_RETURN(auto w, ArrayFileWriter::Create(env, path, name, width));
  CAIRN_RETURN_IF_ERROR(w->Append(data, count * width));
  return w->Finish();
}

// ---------------------------------------------------------------------------------------------
// IoContext

struct IoContext::Ring {
  IoContext* owner = nullptr;
  io_uring ring;
};

IoContext::IoContext(ReadPath path, unsigned queue_depth)
    : path_(path), queue_depth_(std::clamp(queue_depth, 1u, 4096u)) {}

IoContext::~IoContext() {
  for (Ring* r : all_rings_) {
    io_uring_queue_exit(&r->ring);
    delete r;
  }
}

void IoContext::Downgrade(ReadPath fallback, const std::string& why) {
  ReadPath cur = path_.load();
  while (static_cast<int>(cur) < static_cast<int>(fallback)) {
    if (path_.compare_exchange_weak(cur, fallback)) {
      spdlog::warn("graph: snapshot reads fall back from {} to {}: {}", ReadPathName(cur),
                   ReadPathName(fallback), why);
      return;
    }
  }
}

void IoContext::ReleaseRing(Ring* ring) {
  if (ring == nullptr) return;
  std::lock_guard<std::mutex> lock(ring->owner->mutex_);
  ring->owner->free_rings_.push_back(ring);
}

std::unique_ptr<IoContext::Ring, void (*)(IoContext::Ring*)> IoContext::AcquireRing() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!free_rings_.empty()) {
      Ring* r = free_rings_.back();
      free_rings_.pop_back();
      return {r, &IoContext::ReleaseRing};
    }
  }
  auto r = std::make_unique<Ring>();
  r->owner = this;
  int rc = io_uring_queue_init(queue_depth_, &r->ring, 0);
  if (rc < 0) {
    Downgrade(ReadPath::kDirectPread, std::string("io_uring_queue_init: ") + std::strerror(-rc));
    return {nullptr, &IoContext::ReleaseRing};
  }
  std::lock_guard<std::mutex> lock(mutex_);
  all_rings_.push_back(r.get());
  return {r.release(), &IoContext::ReleaseRing};
}

// ---------------------------------------------------------------------------------------------
// Reader

ArrayFile::~ArrayFile() {
  if (map_ != nullptr) ::munmap(map_, map_len_);
  if (fd_ >= 0) ::close(fd_);
  std::free(owned_);
}

Result<std::unique_ptr<ArrayFile>> ArrayFile::Open(const OpenArgs& args) {
  auto f = std::unique_ptr<ArrayFile>(new ArrayFile());
  f->path_name_ = args.path;
  f->io_ = args.io;
  f->width_ = args.width;
  if (args.io->path() == ReadPath::kEnvMemory) {
    CAIRN_RETURN_IF_ERROR(f->LoadFromEnv(args));
  } else {
    CAIRN_RETURN_IF_ERROR(f->OpenOs(args));
  }
  if (args.verify) CAIRN_RETURN_IF_ERROR(f->VerifyCrc());
  return f;
}

Status ArrayFile::CheckHeader(const uint8_t* h, const OpenArgs& args, uint64_t file_size) {
  uint32_t hcrc = core::Crc32c(ByteSpan(h, kArrayHeaderBytes - 4));
  if (std::memcmp(h, kMagic, 8) != 0 ||
      core::UnmaskCrc(core::DecodeFixed32(h + kArrayHeaderBytes - 4)) != hcrc ||
      core::DecodeFixed32(h + 8) != kVersion) {
    return DataLossError("graph array file " + args.path + ": bad header");
  }
  std::string_view name(reinterpret_cast<const char*>(h + 32),
                        strnlen(reinterpret_cast<const char*>(h + 32), 32));
  if (name != args.name || core::DecodeFixed32(h + 12) != args.width) {
    return DataLossError("graph array file " + args.path + ": holds " + std::string(name) +
                         ", expected " + std::string(args.name));
  }
  count_ = core::DecodeFixed64(h + 16);
  crc_ = core::UnmaskCrc(core::DecodeFixed32(h + 24));
  if (count_ > (1ull << 40) || file_size < kArrayHeaderBytes + RoundUp(count_ * width_, kBlock)) {
    return DataLossError("graph array file " + args.path + ": truncated");
  }
  return Status();
}

Status ArrayFile::LoadFromEnv(const OpenArgs& args) {
  path_ = ReadPath::kEnvMemory;
  core::OpenOptions o;
  o.read_only = true;
  CAIRN_ASSIGN_OR_RETURN(auto file, args.env->OpenFile(args.path, o));
  CAIRN_ASSIGN_OR_RETURN(uint64_t size, file->Size());
  uint8_t header[kArrayHeaderBytes];
  CAIRN_ASSIGN_OR_RETURN(size_t n, file->ReadAt(0, MutableByteSpan(header, kArrayHeaderBytes)));
  if (n != kArrayHeaderBytes) return DataLossError("graph array file " + args.path + ": short");
  CAIRN_RETURN_IF_ERROR(CheckHeader(header, args, size));
  owned_ = AllocAligned(data_bytes()).release();
  CAIRN_ASSIGN_OR_RETURN(
      n, file->ReadAt(kArrayHeaderBytes,
                      MutableByteSpan(static_cast<uint8_t*>(owned_), data_bytes())));
  if (n != data_bytes()) return DataLossError("graph array file " + args.path + ": short");
  data_ = static_cast<const uint8_t*>(owned_);
  return Status();
}

Status ArrayFile::OpenOs(const OpenArgs& args) {
  ReadPath want = args.io->path();
  bool direct = want == ReadPath::kDirectUring || want == ReadPath::kDirectPread;
  AlignedBuffer header = AllocAligned(kArrayHeaderBytes);
  for (;;) {
    fd_ = ::open(args.path.c_str(), O_RDONLY | O_CLOEXEC | (direct ? O_DIRECT : 0));
    if (fd_ < 0 && direct && errno == EINVAL) {
      args.io->Downgrade(ReadPath::kBuffered,
                         "O_DIRECT refused on " + args.path + ": " + std::strerror(errno));
      direct = false;
      continue;
    }
    if (fd_ < 0) return ErrnoToStatus(errno, "open " + args.path);
    Status s = PreadAll(fd_, header.get(), kArrayHeaderBytes, 0, args.path);
    if (!s.ok() && direct && s.code() == StatusCode::kInvalidArgument) {
      // Some filesystems accept O_DIRECT at open and refuse the read.
      ::close(fd_);
      fd_ = -1;
      args.io->Downgrade(ReadPath::kBuffered,
                         "O_DIRECT read refused on " + args.path + ": " + std::string(s.message()));
      direct = false;
      continue;
    }
    CAIRN_RETURN_IF_ERROR(s);
    break;
  }
  struct stat st;
  if (::fstat(fd_, &st) != 0) return ErrnoToStatus(errno, "fstat " + args.path);
  CAIRN_RETURN_IF_ERROR(CheckHeader(header.get(), args, static_cast<uint64_t>(st.st_size)));
  if (want == ReadPath::kMmap) {
    path_ = ReadPath::kMmap;
    map_len_ = static_cast<uint64_t>(st.st_size);
    map_ = ::mmap(nullptr, map_len_, PROT_READ, MAP_SHARED, fd_, 0);
    if (map_ == MAP_FAILED) {
      map_ = nullptr;
      return ErrnoToStatus(errno, "mmap " + args.path);
    }
    data_ = static_cast<const uint8_t*>(map_) + kArrayHeaderBytes;
    return Status();
  }
  path_ = direct ? ReadPath::kDirectUring : ReadPath::kBuffered;
  if (args.resident) CAIRN_RETURN_IF_ERROR(LoadResident());
  return Status();
}

Status ArrayFile::LoadResident() {
  owned_ = AllocAligned(data_bytes()).release();
  auto* dst = static_cast<uint8_t*>(owned_);
  std::vector<ReadReq> reqs;
  for (uint64_t off = 0; off < data_bytes(); off += kLoadChunk) {
    reqs.push_back(ReadReq{off, std::min(kLoadChunk, data_bytes() - off), dst + off});
  }
  CAIRN_RETURN_IF_ERROR(ReadBatch(reqs));
  data_ = dst;
  return Status();
}

Status ArrayFile::VerifyCrc() const {
  uint32_t crc = 0;
  if (data_ != nullptr) {
    crc = core::Crc32c(ByteSpan(data_, data_bytes()));
  } else {
    AlignedBuffer buf = AllocAligned(kLoadChunk);
    for (uint64_t off = 0; off < data_bytes(); off += kLoadChunk) {
      uint64_t n = std::min(kLoadChunk, data_bytes() - off);
      CAIRN_RETURN_IF_ERROR(Read(off, n, buf.get()));
      crc = core::Crc32cExtend(crc, ByteSpan(buf.get(), n));
    }
  }
  if (crc != crc_) return DataLossError("graph array file " + path_name_ + ": checksum mismatch");
  return Status();
}

Status ArrayFile::Read(uint64_t off, uint64_t len, void* dst) const {
  ReadReq r{off, len, dst};
  return ReadBatch(std::span<ReadReq>(&r, 1));
}

Status ArrayFile::ReadBatch(std::span<ReadReq> reqs) const {
  for (const ReadReq& r : reqs) {
    if (r.off + r.len > data_bytes() || r.off + r.len < r.off) {
      return OutOfRangeError("graph array file " + path_name_ + ": read past the end");
    }
  }
  if (data_ != nullptr) {
    for (const ReadReq& r : reqs) {
      if (r.len > 0) std::memcpy(r.dst, data_ + r.off, r.len);
    }
    return Status();
  }
  if (path_ == ReadPath::kBuffered) {
    for (const ReadReq& r : reqs) {
      if (r.len == 0) continue;
      CAIRN_RETURN_IF_ERROR(PreadAll(fd_, r.dst, r.len, kArrayHeaderBytes + r.off, path_name_));
      io_->reads.fetch_add(1, std::memory_order_relaxed);
      io_->bytes_read.fetch_add(r.len, std::memory_order_relaxed);
    }
    return Status();
  }
  return ReadDirect(reqs);
}

// O_DIRECT: block-aligned extents (neighbouring requests merged), read into one aligned buffer
// through io_uring (or pread), then copied out.
Status ArrayFile::ReadDirect(std::span<ReadReq> reqs) const {
  std::vector<uint32_t> order(reqs.size());
  std::iota(order.begin(), order.end(), 0u);
  std::sort(order.begin(), order.end(),
            [&](uint32_t a, uint32_t b) { return reqs[a].off < reqs[b].off; });
  struct Extent {
    uint64_t start, end, buf;
  };
  std::vector<Extent> ext;
  std::vector<uint32_t> ext_of(reqs.size(), 0);
  uint64_t total = 0;
  for (uint32_t i : order) {
    const ReadReq& r = reqs[i];
    if (r.len == 0) continue;
    uint64_t a = r.off / kBlock * kBlock, b = RoundUp(r.off + r.len, kBlock);
    if (!ext.empty() && a <= ext.back().end && b - ext.back().start <= kMaxExtent) {
      if (b > ext.back().end) {
        total += b - ext.back().end;
        ext.back().end = b;
      }
    } else {
      ext.push_back(Extent{a, b, total});
      total += b - a;
    }
    ext_of[i] = static_cast<uint32_t>(ext.size() - 1);
  }
  if (ext.empty()) return Status();
  AlignedBuffer buf = AllocAligned(total);
  if (buf == nullptr) return ResourceExhaustedError("graph: no memory for a read batch");
  bool done = false;
  if (io_->path() == ReadPath::kDirectUring) {
    auto ring = io_->AcquireRing();
    if (ring != nullptr) {
      io_uring* r = &ring->ring;
      size_t next = 0, inflight = 0, completed = 0;
      Status err;
      while (completed < ext.size()) {
        while (next < ext.size() && inflight < io_->queue_depth()) {
          io_uring_sqe* sqe = io_uring_get_sqe(r);
          if (sqe == nullptr) break;
          const Extent& e = ext[next];
          io_uring_prep_read(sqe, fd_, buf.get() + e.buf, static_cast<unsigned>(e.end - e.start),
                             kArrayHeaderBytes + e.start);
          io_uring_sqe_set_data64(sqe, next);
          ++next;
          ++inflight;
        }
        int rc = io_uring_submit_and_wait(r, 1);
        if (rc < 0 && rc != -EINTR) {
          err = ErrnoToStatus(-rc, "io_uring_submit " + path_name_);
          // Drain whatever is still in flight before giving the ring back.
          while (inflight > 0) {
            io_uring_cqe* cqe = nullptr;
            if (io_uring_wait_cqe(r, &cqe) != 0) break;
            io_uring_cqe_seen(r, cqe);
            --inflight;
          }
          return err;
        }
        io_uring_cqe* cqe = nullptr;
        unsigned head;
        unsigned seen = 0;
        io_uring_for_each_cqe(r, head, cqe) {
          const Extent& e = ext[io_uring_cqe_get_data64(cqe)];
          uint64_t want = e.end - e.start;
          if (cqe->res < 0) {
            if (err.ok()) err = ErrnoToStatus(-cqe->res, "io_uring read " + path_name_);
          } else if (static_cast<uint64_t>(cqe->res) < want && err.ok()) {
            // A short read (rare): finish it synchronously.
            uint64_t got = static_cast<uint64_t>(cqe->res);
            err = PreadAll(fd_, buf.get() + e.buf + got, want - got,
                           kArrayHeaderBytes + e.start + got, path_name_);
          }
          ++seen;
        }
        io_uring_cq_advance(r, seen);
        inflight -= seen;
        completed += seen;
      }
      CAIRN_RETURN_IF_ERROR(err);
      done = true;
    }
  }
  if (!done) {
    for (const Extent& e : ext) {
      CAIRN_RETURN_IF_ERROR(PreadAll(fd_, buf.get() + e.buf, e.end - e.start,
                                     kArrayHeaderBytes + e.start, path_name_));
    }
  }
  io_->reads.fetch_add(ext.size(), std::memory_order_relaxed);
  io_->bytes_read.fetch_add(total, std::memory_order_relaxed);
  for (size_t i = 0; i < reqs.size(); ++i) {
    const ReadReq& r = reqs[i];
    if (r.len == 0) continue;
    const Extent& e = ext[ext_of[i]];
    std::memcpy(r.dst, buf.get() + e.buf + (r.off - e.start), r.len);
  }
  return Status();
}

}  // namespace cairn::graph::internal
