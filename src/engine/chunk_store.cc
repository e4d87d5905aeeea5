#include "engine/chunk_store.h"

#include <spdlog/spdlog.h>

#include <map>

#include "core/blake3.h"
#include "core/coding.h"
#include "engine/keys.h"

namespace cairn::engine {
namespace {

constexpr uint8_t kChunkRecordType = 1;

std::string_view IdKey(const ChunkId& id) {
  return std::string_view(reinterpret_cast<const char*>(id.data()), id.size());
}

ChunkId IdFromKey(std::string_view key) {
  ChunkId id{};
  std::memcpy(id.data(), key.data(), std::min(key.size(), id.size()));
  return id;
}

}  // namespace

std::string EncodeChunkLocation(const ChunkLocation& loc) {
  std::string out(24, '\0');
  auto* p = reinterpret_cast<uint8_t*>(out.data());
  core::EncodeFixed32(p, loc.segment);
  core::EncodeFixed64(p + 4, loc.offset);
  core::EncodeFixed32(p + 12, loc.record_bytes);
  core::EncodeFixed32(p + 16, loc.plain_bytes);
  p[20] = loc.compression;  // 21..23 reserved
  return out;
}

bool DecodeChunkLocation(std::string_view data, ChunkLocation* loc) {
  if (data.size() != 24) return false;
  auto* p = reinterpret_cast<const uint8_t*>(data.data());
  loc->segment = core::DecodeFixed32(p);
  loc->offset = core::DecodeFixed64(p + 4);
  loc->record_bytes = core::DecodeFixed32(p + 12);
  loc->plain_bytes = core::DecodeFixed32(p + 16);
  loc->compression = p[20];
  return true;
}

ChunkStore::ChunkStore(const ChunkStoreOptions& options) : options_(options) {}

ChunkStore::~ChunkStore() = default;

Result<std::unique_ptr<ChunkStore>> ChunkStore::Open(const ChunkStoreOptions& options) {
  if (options.env == nullptr || options.dir.empty()) {
    return InvalidArgumentError("ChunkStore needs an env and a directory");
  }
  CAIRN_RETURN_IF_ERROR(ValidateChunkerOptions(options.chunker));
  std::unique_ptr<ChunkStore> store(new ChunkStore(options));
  store->sealers_ = std::make_unique<core::ThreadPool>(options.seal_threads);
  CAIRN_ASSIGN_OR_RETURN(MasterKey key,
                         LoadOrCreateMasterKey(options.env, core::JoinPath(options.dir, "keys"),
                                               options.master_key_hex));
  CAIRN_ASSIGN_OR_RETURN(ChunkCodec codec, ChunkCodec::Create(key, options.codec));
  store->codec_.emplace(std::move(codec));
  SegmentLogOptions log_options;
  log_options.env = options.env;
  log_options.dir = core::JoinPath(options.dir, "segments");
  log_options.segment_bytes = options.segment_bytes;
  CAIRN_ASSIGN_OR_RETURN(store->log_, SegmentLog::Open(log_options));
  MetadataOptions meta_options;
  meta_options.dir = core::JoinPath(options.dir, "meta");
  meta_options.sync_writes = options.sync;
  CAIRN_ASSIGN_OR_RETURN(store->meta_, Metadata::Open(meta_options));
  return store;
}

Result<std::optional<ChunkLocation>> ChunkStore::Locate(const ChunkId& id) {
  {
    std::lock_guard<std::mutex> lock(pending_mutex_);
    auto it = pending_.find(id);
    if (it != pending_.end()) return std::optional<ChunkLocation>(it->second);
  }
  CAIRN_ASSIGN_OR_RETURN(std::optional<std::string> v, meta_->Get(Cf::kChunks, IdKey(id)));
  if (!v) return std::optional<ChunkLocation>();
  ChunkLocation loc;
  if (!DecodeChunkLocation(*v, &loc)) {
    return DataLossError("corrupt chunk index entry for " + HexEncode(ByteSpan(id)));
  }
  return std::optional<ChunkLocation>(loc);
}

Result<ChunkRef> ChunkStore::PutChunk(ByteSpan plaintext, bool* was_new) {
  ChunkRef ref{core::Blake3(plaintext), static_cast<uint32_t>(plaintext.size())};
  if (was_new != nullptr) *was_new = false;
  CAIRN_ASSIGN_OR_RETURN(std::optional<ChunkLocation> existing, Locate(ref.id));
  if (existing) return ref;
  Buffer sealed;
  SealInfo info;
  CAIRN_RETURN_IF_ERROR(codec_->Seal(ref.id, plaintext, &sealed, &info));
  CAIRN_ASSIGN_OR_RETURN(RecordAddress addr,
                         log_->Append(kChunkRecordType, sealed.span(), /*sync=*/false));
  ChunkLocation loc{addr.segment, addr.offset, addr.length, info.plaintext_bytes,
                    static_cast<uint8_t>(info.compression)};
  {
    std::lock_guard<std::mutex> lock(pending_mutex_);
    // A concurrent writer may have stored the same chunk meanwhile; either record will do, and
    // the other becomes garbage for GC.
    pending_.emplace(ref.id, loc);
  }
  if (was_new != nullptr) *was_new = true;
  return ref;
}

Result<std::shared_ptr<const Buffer>> ChunkStore::GetChunk(const ChunkId& id) {
  if (auto hit = CacheGet(id)) return hit;
  CAIRN_ASSIGN_OR_RETURN(std::optional<ChunkLocation> loc, Locate(id));
  if (!loc) return NotFoundError("no chunk " + HexEncode(ByteSpan(id)));
  uint8_t type = 0;
  Result<Buffer> sealed =
      log_->Read(RecordAddress{loc->segment, loc->offset, loc->record_bytes}, &type);
  if (!sealed.ok()) return sealed.status().WithContext("chunk " + HexEncode(ByteSpan(id)));
  if (type != kChunkRecordType) return DataLossError("index points at a non-chunk record");
  auto plain = std::make_shared<Buffer>();
  Status s = codec_->Open(sealed->span(), &id, plain.get());
  if (!s.ok()) return s.WithContext("chunk " + HexEncode(ByteSpan(id)));
  CachePut(id, plain);
  return std::shared_ptr<const Buffer>(std::move(plain));
}

Status ChunkStore::Commit(MetaBatch* batch, const std::vector<ChunkRef>& add,
                          const std::vector<ChunkRef>& remove) {
  // 1. Take the pending locations first: each was appended before it became pending, so the
  //    sync below covers it. (Taking them after the sync could publish a record appended in
  //    between, not yet durable, into a synced index.)
  std::vector<std::pair<ChunkId, ChunkLocation>> published;
  {
    std::lock_guard<std::mutex> lock(pending_mutex_);
    published.assign(pending_.begin(), pending_.end());
  }
  // 2. Every record written so far becomes durable (one fdatasync, group-committed).
  if (options_.sync) CAIRN_RETURN_IF_ERROR(log_->Sync());
  // 3. The locations join this batch; references change with it; all in one synced write.
  for (const auto& [id, loc] : published)
    batch->Put(Cf::kChunks, IdKey(id), EncodeChunkLocation(loc));
  for (const ChunkRef& r : add) batch->AddRef(IdKey(r.id), 1);
  for (const ChunkRef& r : remove) batch->AddRef(IdKey(r.id), -1);
  CAIRN_RETURN_IF_ERROR(meta_->Write(*batch));
  std::lock_guard<std::mutex> lock(pending_mutex_);
  for (const auto& [id, loc] : published) {
    auto it = pending_.find(id);
    if (it != pending_.end() && it->second.segment == loc.segment &&
        it->second.offset == loc.offset) {
      pending_.erase(it);
    }
  }
  return Status();
}

std::unique_ptr<ChunkStore::Writer> ChunkStore::NewWriter() {
  // Options were validated at Open, so Create cannot fail here.
  Chunker chunker = Chunker::Create(options_.chunker).value();
  return std::unique_ptr<Writer>(new Writer(this, std::move(chunker)));
}

void ChunkStore::CachePut(const ChunkId& id, std::shared_ptr<const Buffer> chunk) {
  if (options_.cache_bytes == 0 || chunk->size() > options_.cache_bytes / 4) return;
  std::lock_guard<std::mutex> lock(cache_mutex_);
  if (cache_.count(id)) return;
  cache_used_ += chunk->size();
  lru_.emplace_front(id, std::move(chunk));
  cache_[id] = lru_.begin();
  while (cache_used_ > options_.cache_bytes && !lru_.empty()) {
    cache_used_ -= lru_.back().second->size();
    cache_.erase(lru_.back().first);
    lru_.pop_back();
  }
}

std::shared_ptr<const Buffer> ChunkStore::CacheGet(const ChunkId& id) {
  std::lock_guard<std::mutex> lock(cache_mutex_);
  auto it = cache_.find(id);
  if (it == cache_.end()) return nullptr;
  lru_.splice(lru_.begin(), lru_, it->second);
  return it->second->second;
}

Result<GcStats> ChunkStore::CollectGarbage(double live_ratio_threshold) {
  std::unique_lock<std::shared_mutex> exclusive(gc_mutex_);
  GcStats stats;
  {
    // No writer is alive, so nothing will ever reference a still-pending chunk: its record is
    // garbage like any other unindexed record.
    std::lock_guard<std::mutex> lock(pending_mutex_);
    pending_.clear();
  }
  MetaBatch batch;
  std::map<uint32_t, uint64_t> live_bytes;
  std::map<uint32_t, std::vector<std::pair<ChunkId, ChunkLocation>>> live_chunks;
  Status scan_error;
  CAIRN_RETURN_IF_ERROR(
      meta_->Scan(Cf::kChunks, "", "", [&](std::string_view k, std::string_view v) {
        ChunkLocation loc;
        if (!DecodeChunkLocation(v, &loc)) return true;  // Scrub reports these
        Result<int64_t> refs = meta_->RefCount(k);
        if (!refs.ok()) {
          scan_error = refs.status();
          return false;
        }
        if (*refs <= 0) {
          batch.Delete(Cf::kChunks, k);
          batch.Delete(Cf::kRefs, k);
          ++stats.dead_chunks;
        } else {
          live_bytes[loc.segment] += SegmentLog::kRecordHeaderBytes + loc.record_bytes;
          live_chunks[loc.segment].emplace_back(IdFromKey(k), loc);
        }
        return true;
      }));
  CAIRN_RETURN_IF_ERROR(scan_error);

  uint32_t active = log_->active_segment();
  std::vector<uint32_t> victims;
  for (uint32_t seg : log_->Segments()) {
    if (seg == active) continue;
    uint64_t size = log_->segment_size(seg);
    double ratio = size == 0 ? 0 : static_cast<double>(live_bytes[seg]) / static_cast<double>(size);
    if (ratio < live_ratio_threshold) victims.push_back(seg);
  }
  for (uint32_t seg : victims) {
    for (const auto& [id, loc] : live_chunks[seg]) {
      uint8_t type = 0;
      CAIRN_ASSIGN_OR_RETURN(Buffer sealed,
                             log_->Read(RecordAddress{seg, loc.offset, loc.record_bytes}, &type));
      CAIRN_ASSIGN_OR_RETURN(RecordAddress moved, log_->Append(type, sealed.span(), false));
      ChunkLocation now = loc;
      now.segment = moved.segment;
      now.offset = moved.offset;
      batch.Put(Cf::kChunks, IdKey(id), EncodeChunkLocation(now));
      ++stats.moved_chunks;
    }
  }
  // Copies durable first, then the index that points at them, and only then delete the old.
  CAIRN_RETURN_IF_ERROR(log_->Sync());
  CAIRN_RETURN_IF_ERROR(meta_->Write(batch));
  for (uint32_t seg : victims) {
    stats.bytes_reclaimed += log_->segment_size(seg);
    CAIRN_RETURN_IF_ERROR(log_->DeleteSegment(seg));
    ++stats.segments_deleted;
  }
  spdlog::info("gc: {} dead chunks, {} moved, {} segments deleted, {} bytes reclaimed",
               stats.dead_chunks, stats.moved_chunks, stats.segments_deleted,
               stats.bytes_reclaimed);
  return stats;
}

Result<ScrubReport> ChunkStore::Scrub() {
  ScrubReport report;
  std::vector<ChunkId> ids;
  CAIRN_RETURN_IF_ERROR(meta_->Scan(Cf::kChunks, "", "", [&](std::string_view k, std::string_view) {
    ids.push_back(IdFromKey(k));
    return true;
  }));
  for (const ChunkId& id : ids) {
    ++report.chunks_checked;
    {
      std::lock_guard<std::mutex> lock(cache_mutex_);  // scrub reads the disk, not the cache
      auto it = cache_.find(id);
      if (it != cache_.end()) {
        cache_used_ -= it->second->second->size();
        lru_.erase(it->second);
        cache_.erase(it);
      }
    }
    Result<std::shared_ptr<const Buffer>> chunk = GetChunk(id);
    if (!chunk.ok()) report.corrupt.emplace_back(id, chunk.status());
  }
  return report;
}

Result<ChunkStoreStats> ChunkStore::Stats() {
  ChunkStoreStats stats;
  CAIRN_RETURN_IF_ERROR(meta_->Scan(Cf::kChunks, "", "", [&](std::string_view, std::string_view v) {
    ChunkLocation loc;
    if (DecodeChunkLocation(v, &loc)) {
      ++stats.chunks;
      stats.plain_bytes += loc.plain_bytes;
      stats.sealed_bytes += loc.record_bytes;
    }
    return true;
  }));
  stats.segment_bytes = log_->total_bytes();
  return stats;
}

ChunkStore::Writer::Writer(ChunkStore* store, Chunker chunker)
    : store_(store),
      gc_guard_(store->gc_mutex_),
      window_(2 * store->sealers_->size() + 2),
      chunker_(std::move(chunker)) {}

ChunkStore::Writer::~Writer() {
  // Sealing tasks use the store and must finish while this writer still holds GC off.
  for (auto& f : inflight_) f.wait();
}

Status ChunkStore::Writer::CollectOne() {
  Sealed s = inflight_.front().get();
  inflight_.pop_front();
  if (!s.status.ok()) {
    if (error_.ok()) error_ = s.status;
    return error_;
  }
  if (s.fresh) new_bytes_ += s.ref.length;
  refs_.push_back(s.ref);
  return Status();
}

Status ChunkStore::Writer::Store(ByteSpan chunk) {
  CAIRN_RETURN_IF_ERROR(error_);
  while (inflight_.size() >= window_) CAIRN_RETURN_IF_ERROR(CollectOne());
  auto copy = std::make_shared<Buffer>();
  copy->Append(chunk);
  ChunkStore* store = store_;
  inflight_.push_back(store_->sealers_->Async([store, copy] {
    Sealed s;
    Result<ChunkRef> ref = store->PutChunk(copy->span(), &s.fresh);
    if (ref.ok()) {
      s.ref = *ref;
    } else {
      s.status = ref.status();
    }
    return s;
  }));
  return Status();
}

Status ChunkStore::Writer::Append(ByteSpan data) {
  bytes_ += data.size();
  cuts_.clear();
  chunker_.Update(data, &cuts_);
  size_t pos = 0;
  for (uint64_t len : cuts_) {
    // The first cut may include bytes buffered from earlier calls.
    size_t need = static_cast<size_t>(len - pending_.size());
    if (pending_.empty()) {
      CAIRN_RETURN_IF_ERROR(Store(data.subspan(pos, need)));
    } else {
      pending_.Append(data.subspan(pos, need));
      CAIRN_RETURN_IF_ERROR(Store(pending_.span()));
      pending_.Clear();
    }
    pos += need;
  }
  pending_.Append(data.subspan(pos));
  return Status();
}

Result<std::vector<ChunkRef>> ChunkStore::Writer::Finish() {
  cuts_.clear();
  chunker_.Finish(&cuts_);
  while (!inflight_.empty()) CAIRN_RETURN_IF_ERROR(CollectOne());
  CAIRN_RETURN_IF_ERROR(error_);
  if (!pending_.empty()) {
    // The last piece is sealed here: a small object then costs no thread hand-off at all.
    bool fresh = false;
    CAIRN_ASSIGN_OR_RETURN(ChunkRef ref, store_->PutChunk(pending_.span(), &fresh));
    if (fresh) new_bytes_ += ref.length;
    refs_.push_back(ref);
    pending_.Clear();
  }
  return std::move(refs_);
}

}  // namespace cairn::engine
