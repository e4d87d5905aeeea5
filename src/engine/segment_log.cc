#include "engine/segment_log.h"

#include <spdlog/spdlog.h>

#include <cinttypes>
#include <cstdio>

#include "core/coding.h"
#include "core/hash.h"

namespace cairn::engine {
namespace {

using core::DecodeFixed32;
using core::EncodeFixed32;

constexpr uint32_t kRecordMagic = 0x4E524143;  // bytes "CARN"
constexpr uint8_t kSegmentMagic[8] = {'C', 'A', 'I', 'R', 'N', 'S', 'G', '1'};

void EncodeSegmentHeader(uint32_t id, uint8_t out[SegmentLog::kSegmentHeaderBytes]) {
  std::memcpy(out, kSegmentMagic, 8);
  EncodeFixed32(out + 8, id);
  EncodeFixed32(out + 12, core::MaskCrc(core::Crc32c(ByteSpan(out, 12))));
}

Status CheckSegmentHeader(uint32_t id, const uint8_t* h, const std::string& path) {
  if (std::memcmp(h, kSegmentMagic, 8) != 0 ||
      core::UnmaskCrc(DecodeFixed32(h + 12)) != core::Crc32c(ByteSpan(h, 12))) {
    return DataLossError("segment header is corrupt: " + path);
  }
  if (DecodeFixed32(h + 8) != id) {
    return DataLossError("segment header names segment " + std::to_string(DecodeFixed32(h + 8)) +
                         ": " + path);
  }
  return Status();
}

bool ParseSegmentName(const std::string& name, uint32_t* id) {
  unsigned v = 0;
  int consumed = 0;
  if (name.size() != 16 || std::sscanf(name.c_str(), "seg-%8u.log%n", &v, &consumed) != 1 ||
      consumed != 16 || v == 0) {
    return false;
  }
  *id = v;
  return true;
}

uint32_t RecordCrc(const uint8_t* header, ByteSpan payload) {
  return core::Crc32cExtend(core::Crc32c(ByteSpan(header + 8, 8)), payload);
}

}  // namespace

void EncodeRecord(uint8_t type, ByteSpan payload, Buffer* out) {
  uint8_t h[SegmentLog::kRecordHeaderBytes] = {};
  EncodeFixed32(h, kRecordMagic);
  EncodeFixed32(h + 8, static_cast<uint32_t>(payload.size()));
  h[12] = type;  // h[13] flags, h[14..15] reserved: zero
  EncodeFixed32(h + 4, core::MaskCrc(RecordCrc(h, payload)));
  out->Append(ByteSpan(h, sizeof(h)));
  out->Append(payload);
}

Status DecodeRecord(ByteSpan data, uint32_t max_payload, uint8_t* type, ByteSpan* payload,
                    uint64_t* record_bytes) {
  if (data.size() < SegmentLog::kRecordHeaderBytes) return OutOfRangeError("short record header");
  const uint8_t* h = data.data();
  if (DecodeFixed32(h) != kRecordMagic) return DataLossError("bad record magic");
  uint32_t length = DecodeFixed32(h + 8);
  if (length > max_payload || h[13] != 0 || h[14] != 0 || h[15] != 0) {
    return DataLossError("bad record header");
  }
  if (data.size() - SegmentLog::kRecordHeaderBytes < length) {
    return OutOfRangeError("short record payload");
  }
  ByteSpan body = data.subspan(SegmentLog::kRecordHeaderBytes, length);
  if (core::UnmaskCrc(DecodeFixed32(h + 4)) != RecordCrc(h, body)) {
    return DataLossError("record checksum mismatch");
  }
  *type = h[12];
  *payload = body;
  *record_bytes = SegmentLog::kRecordHeaderBytes + uint64_t{length};
  return Status();
}

struct SegmentLog::Writer {
  uint8_t type = 0;
  ByteSpan payload;
  bool sync = false;
  bool barrier = false;  // Sync(): no record, only the fdatasync
  bool done = false;
  Result<RecordAddress> result{InternalError("pending")};
};

std::string SegmentLog::SegmentFileName(uint32_t segment) {
  char name[32];
  std::snprintf(name, sizeof(name), "seg-%08" PRIu32 ".log", segment);
  return name;
}

SegmentLog::SegmentLog(const SegmentLogOptions& options) : options_(options) {}

SegmentLog::~SegmentLog() {
  std::lock_guard<std::mutex> lock(mutex_);
  for (auto& [id, file] : files_) file->Close().IgnoreError();
}

Result<std::unique_ptr<SegmentLog>> SegmentLog::Open(const SegmentLogOptions& options) {
  if (options.env == nullptr || options.dir.empty()) {
    return InvalidArgumentError("SegmentLog needs an env and a directory");
  }
  if (options.segment_bytes < 4096 || options.max_record_bytes == 0) {
    return InvalidArgumentError("SegmentLog: segment_bytes must be >= 4096");
  }
  std::unique_ptr<SegmentLog> log(new SegmentLog(options));
  CAIRN_RETURN_IF_ERROR(log->Recover());
  return log;
}

Status SegmentLog::OpenNewSegmentLocked(uint32_t id) {
  core::Env* env = options_.env;
  std::string path = core::JoinPath(options_.dir, SegmentFileName(id));
  CAIRN_ASSIGN_OR_RETURN(std::unique_ptr<core::File> file,
                         env->OpenFile(path, core::OpenOptions{.create = true, .truncate = true}));
  uint8_t header[kSegmentHeaderBytes];
  EncodeSegmentHeader(id, header);
  CAIRN_RETURN_IF_ERROR(file->WriteAt(0, ByteSpan(header, sizeof(header))));
  CAIRN_RETURN_IF_ERROR(file->Sync());
  CAIRN_RETURN_IF_ERROR(env->SyncDir(options_.dir));
  files_[id] = std::shared_ptr<core::File>(std::move(file));
  sizes_[id] = kSegmentHeaderBytes;
  active_ = id;
  active_size_ = synced_size_ = kSegmentHeaderBytes;
  return Status();
}

Result<bool> SegmentLog::ValidRecordAfter(core::File* file, uint64_t pos, uint64_t size) {
  // Look for a whole, checksummed record starting anywhere after `pos`, reading the rest of the
  // segment in windows that overlap by a maximal record.
  constexpr uint64_t kWindow = 8u << 20;
  Buffer buf;
  for (uint64_t start = pos + 1; start < size; start += kWindow) {
    uint64_t len = std::min<uint64_t>(
        size - start, kWindow + kRecordHeaderBytes + uint64_t{options_.max_record_bytes});
    buf.ResizeUninitialized(static_cast<size_t>(len));
    CAIRN_ASSIGN_OR_RETURN(size_t got, file->ReadAt(start, buf.mutable_span()));
    ByteSpan data = buf.span().first(got);
    for (size_t i = 0; i < std::min<uint64_t>(got, kWindow); ++i) {
      if (data[i] != 0x43 || got - i < kRecordHeaderBytes ||
          DecodeFixed32(data.data() + i) != kRecordMagic) {
        continue;
      }
      uint8_t type;
      ByteSpan payload;
      uint64_t n;
      if (DecodeRecord(data.subspan(i), options_.max_record_bytes, &type, &payload, &n).ok()) {
        return true;
      }
    }
  }
  return false;
}

Status SegmentLog::Recover() {
  core::Env* env = options_.env;
  CAIRN_RETURN_IF_ERROR(core::CreateDirs(env, options_.dir));
  CAIRN_ASSIGN_OR_RETURN(std::vector<std::string> names, env->ListDir(options_.dir));
  std::vector<uint32_t> ids;
  for (const std::string& name : names) {
    uint32_t id;
    if (ParseSegmentName(name, &id)) ids.push_back(id);
  }
  std::sort(ids.begin(), ids.end());
  std::lock_guard<std::mutex> lock(mutex_);
  recovery_.segments = static_cast<uint32_t>(ids.size());
  if (ids.empty()) return OpenNewSegmentLocked(1);

  for (uint32_t id : ids) {
    std::string path = core::JoinPath(options_.dir, SegmentFileName(id));
    CAIRN_ASSIGN_OR_RETURN(std::unique_ptr<core::File> file, env->OpenFile(path, {}));
    CAIRN_ASSIGN_OR_RETURN(uint64_t size, file->Size());
    uint8_t header[kSegmentHeaderBytes];
    CAIRN_ASSIGN_OR_RETURN(size_t n, file->ReadAt(0, MutableByteSpan(header, sizeof(header))));
    bool newest = id == ids.back();
    if (n < kSegmentHeaderBytes && newest) {
      // Created but its header never became durable: nothing in it was ever acknowledged.
      spdlog::warn("segment log: {} has a torn header; starting it afresh", path);
      file->Close().IgnoreError();
      return OpenNewSegmentLocked(id);
    }
    CAIRN_RETURN_IF_ERROR(CheckSegmentHeader(id, header, path));
    files_[id] = std::shared_ptr<core::File>(std::move(file));
    sizes_[id] = size;
  }
  active_ = ids.back();
  std::shared_ptr<core::File> file = files_[active_];
  uint64_t size = sizes_[active_];
  uint64_t pos = kSegmentHeaderBytes;
  Buffer buf;
  while (pos < size) {
    uint8_t h[kRecordHeaderBytes];
    CAIRN_ASSIGN_OR_RETURN(size_t got, file->ReadAt(pos, MutableByteSpan(h, sizeof(h))));
    if (got < kRecordHeaderBytes || DecodeFixed32(h) != kRecordMagic) break;
    uint32_t length = DecodeFixed32(h + 8);
    if (length > options_.max_record_bytes || pos + kRecordHeaderBytes + length > size) break;
    buf.ResizeUninitialized(kRecordHeaderBytes + length);
    CAIRN_ASSIGN_OR_RETURN(got, file->ReadAt(pos, buf.mutable_span()));
    uint8_t type;
    ByteSpan payload;
    uint64_t record_bytes;
    if (got != buf.size() ||
        !DecodeRecord(buf.span(), options_.max_record_bytes, &type, &payload, &record_bytes).ok()) {
      break;
    }
    pos += record_bytes;
    ++recovery_.records_scanned;
  }
  if (pos < size) {
    CAIRN_ASSIGN_OR_RETURN(bool later_valid, ValidRecordAfter(file.get(), pos, size));
    if (later_valid) {
      // Not a torn tail: a damaged record with valid ones after it (bit rot, a stray write).
      // Cutting would destroy acknowledged records, so keep the segment exactly as it is —
      // reads of the damaged record fail with kDataLoss and scrub reports it — and append to
      // a fresh segment from now on.
      spdlog::error(
          "segment log: {} has a corrupt record at offset {} followed by valid records; "
          "keeping it as is and starting a new segment",
          SegmentFileName(active_), pos);
      recovery_.corrupt_offset = pos;
      return OpenNewSegmentLocked(active_ + 1);
    }
    // A torn tail. Keep the bytes before cutting them, so a mistake here is never silent.
    std::string cut(size - pos, '\0');
    CAIRN_ASSIGN_OR_RETURN(
        size_t got,
        file->ReadAt(pos, MutableByteSpan(reinterpret_cast<uint8_t*>(cut.data()), cut.size())));
    cut.resize(got);
    std::string tail =
        core::JoinPath(options_.dir, SegmentFileName(active_) + ".tail-" + std::to_string(pos));
    CAIRN_RETURN_IF_ERROR(core::WriteFileAtomically(env, tail, AsBytes(cut)));
    CAIRN_RETURN_IF_ERROR(file->Truncate(pos));
    CAIRN_RETURN_IF_ERROR(file->Sync());
    recovery_.truncated_bytes = size - pos;
    recovery_.saved_tail = tail;
    spdlog::warn("segment log: cut {} bytes of torn tail from {} at offset {} (saved in {})",
                 size - pos, SegmentFileName(active_), pos, tail);
  }
  sizes_[active_] = pos;
  active_size_ = synced_size_ = pos;
  return Status();
}

Result<RecordAddress> SegmentLog::Append(uint8_t type, ByteSpan payload, bool sync) {
  if (payload.size() > options_.max_record_bytes) {
    return InvalidArgumentError("record of " + std::to_string(payload.size()) +
                                " bytes exceeds the limit of " +
                                std::to_string(options_.max_record_bytes));
  }
  Writer w;
  w.type = type;
  w.payload = payload;
  w.sync = sync;
  std::unique_lock<std::mutex> lock(mutex_);
  writers_.push_back(&w);
  cv_.wait(lock, [&] { return w.done || writers_.front() == &w; });
  if (w.done) return std::move(w.result);

  // This writer leads: take every waiting writer that fits into one batch.
  std::vector<Writer*> batch;
  uint64_t bytes = 0;
  bool any_sync = false;
  for (Writer* x : writers_) {
    uint64_t size = x->barrier ? 0 : kRecordHeaderBytes + x->payload.size();
    if (!batch.empty() && bytes + size > options_.max_batch_bytes) break;
    batch.push_back(x);
    bytes += size;
    any_sync |= x->sync;
  }
  Status broken = broken_;
  lock.unlock();
  Status s = broken.ok() ? WriteBatch(batch, any_sync) : broken;
  lock.lock();
  for (Writer* x : batch) {
    if (!s.ok()) x->result = s;
    x->done = true;
    writers_.pop_front();
  }
  cv_.notify_all();
  return std::move(w.result);
}

Status SegmentLog::WriteBatch(std::vector<Writer*>& batch, bool sync) {
  uint64_t bytes = 0;
  for (Writer* x : batch) bytes += x->barrier ? 0 : kRecordHeaderBytes + x->payload.size();
  std::shared_ptr<core::File> file;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (bytes > 0 && active_size_ > kSegmentHeaderBytes &&
        active_size_ + bytes > options_.segment_bytes) {
      // Seal the full segment (durable before anything lands in the next) and start a new one.
      Status s = files_[active_]->Sync();
      if (s.ok()) s = OpenNewSegmentLocked(active_ + 1);
      if (!s.ok()) {
        broken_ = s.WithContext("segment log broken while starting a new segment");
        return broken_;
      }
    }
    file = files_[active_];
  }
  uint64_t start = active_size_;
  Buffer buf;
  buf.Reserve(bytes);
  for (Writer* x : batch) {
    if (x->barrier) {
      x->result = RecordAddress{};
      continue;
    }
    x->result =
        RecordAddress{active_, start + buf.size(), static_cast<uint32_t>(x->payload.size())};
    EncodeRecord(x->type, x->payload, &buf);
  }
  if (!buf.empty()) {
    Status s = file->WriteAt(start, buf.span());
    if (!s.ok()) {
      // Roll back a partial write so the next batch does not land after garbage.
      Status undo = file->Truncate(start);
      if (!undo.ok()) {
        std::lock_guard<std::mutex> lock(mutex_);
        broken_ = undo.WithContext("segment log broken: cannot undo a failed write");
      }
      return s;
    }
    std::lock_guard<std::mutex> lock(mutex_);
    active_size_ = start + buf.size();
    sizes_[active_] = active_size_;
  }
  if (sync) {
    Status s = file->Sync();
    std::lock_guard<std::mutex> lock(mutex_);
    if (!s.ok()) {
      // After a failed fdatasync the kernel may have dropped our dirty pages while reporting the
      // error only once: nothing after this point can be trusted until recovery.
      broken_ = s.WithContext("segment log broken after a failed fdatasync; reopen to recover");
      return s;
    }
    synced_size_ = active_size_;
  }
  return Status();
}

Status SegmentLog::Sync() {
  Writer w;
  w.barrier = true;
  w.sync = true;
  std::unique_lock<std::mutex> lock(mutex_);
  writers_.push_back(&w);
  cv_.wait(lock, [&] { return w.done || writers_.front() == &w; });
  if (w.done) return w.result.status();
  lock.unlock();
  // Lead a batch of one barrier (appenders behind it will lead their own).
  std::vector<Writer*> batch{&w};
  Status s;
  {
    std::lock_guard<std::mutex> guard(mutex_);
    s = broken_;
  }
  if (s.ok()) s = WriteBatch(batch, true);
  lock.lock();
  w.done = true;
  writers_.pop_front();
  cv_.notify_all();
  return s;
}

Result<std::shared_ptr<core::File>> SegmentLog::FileFor(uint32_t segment) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = files_.find(segment);
  if (it == files_.end()) return NotFoundError("no segment " + std::to_string(segment));
  return it->second;
}

Result<Buffer> SegmentLog::Read(const RecordAddress& address, uint8_t* type) {
  CAIRN_ASSIGN_OR_RETURN(std::shared_ptr<core::File> file, FileFor(address.segment));
  uint64_t end = 0;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    end = sizes_[address.segment];
  }
  if (address.offset < kSegmentHeaderBytes ||
      address.offset + kRecordHeaderBytes + address.length > end) {
    return OutOfRangeError("record address past the end of segment " +
                           std::to_string(address.segment));
  }
  uint8_t h[kRecordHeaderBytes];
  CAIRN_ASSIGN_OR_RETURN(size_t got, file->ReadAt(address.offset, MutableByteSpan(h, sizeof(h))));
  if (got != sizeof(h) || DecodeFixed32(h) != kRecordMagic ||
      DecodeFixed32(h + 8) != address.length) {
    return DataLossError("record header mismatch at segment " + std::to_string(address.segment) +
                         " offset " + std::to_string(address.offset));
  }
  Buffer payload;
  payload.ResizeUninitialized(address.length);
  CAIRN_ASSIGN_OR_RETURN(got,
                         file->ReadAt(address.offset + kRecordHeaderBytes, payload.mutable_span()));
  if (got != address.length ||
      core::UnmaskCrc(DecodeFixed32(h + 4)) != RecordCrc(h, payload.span())) {
    return DataLossError("record checksum mismatch at segment " + std::to_string(address.segment) +
                         " offset " + std::to_string(address.offset));
  }
  if (type != nullptr) *type = h[12];
  return payload;
}

Status SegmentLog::Scan(uint32_t segment, const ScanFn& fn) {
  CAIRN_ASSIGN_OR_RETURN(std::shared_ptr<core::File> file, FileFor(segment));
  uint64_t end;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    end = sizes_[segment];
  }
  uint64_t pos = kSegmentHeaderBytes;
  while (pos < end) {
    uint8_t h[kRecordHeaderBytes];
    CAIRN_ASSIGN_OR_RETURN(size_t got, file->ReadAt(pos, MutableByteSpan(h, sizeof(h))));
    if (got != sizeof(h) || DecodeFixed32(h) != kRecordMagic) {
      return DataLossError("corrupt record in segment " + std::to_string(segment) + " at " +
                           std::to_string(pos));
    }
    RecordAddress addr{segment, pos, DecodeFixed32(h + 8)};
    uint8_t type;
    CAIRN_ASSIGN_OR_RETURN(Buffer payload, Read(addr, &type));
    if (!fn(addr, type, payload.span())) return Status();
    pos += kRecordHeaderBytes + addr.length;
  }
  return Status();
}

std::vector<uint32_t> SegmentLog::Segments() {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<uint32_t> ids;
  for (const auto& [id, f] : files_) ids.push_back(id);
  return ids;
}

uint32_t SegmentLog::active_segment() {
  std::lock_guard<std::mutex> lock(mutex_);
  return active_;
}

uint64_t SegmentLog::total_bytes() {
  std::lock_guard<std::mutex> lock(mutex_);
  uint64_t total = 0;
  for (const auto& [id, size] : sizes_) total += size;
  return total;
}

uint64_t SegmentLog::segment_size(uint32_t segment) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = sizes_.find(segment);
  return it == sizes_.end() ? 0 : it->second;
}

Status SegmentLog::DeleteSegment(uint32_t segment) {
  std::shared_ptr<core::File> file;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (segment == active_) return FailedPreconditionError("cannot delete the active segment");
    auto it = files_.find(segment);
    if (it == files_.end()) return NotFoundError("no segment " + std::to_string(segment));
    file = it->second;
    files_.erase(it);
    sizes_.erase(segment);
  }
  file->Close().IgnoreError();
  CAIRN_RETURN_IF_ERROR(
      options_.env->DeleteFile(core::JoinPath(options_.dir, SegmentFileName(segment))));
  return options_.env->SyncDir(options_.dir);
}

}  // namespace cairn::engine
