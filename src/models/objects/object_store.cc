#include "models/objects/object_store.h"

#include <openssl/evp.h>

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <tuple>

#include "core/hash.h"
#include "models/objects/manifest.h"

namespace cairn::objects {

using engine::Cf;
using engine::ChunkRef;
using engine::MetaBatch;

namespace {

constexpr size_t kMaxKeyBytes = 1024;
constexpr uint32_t kMaxParts = 10000;

std::string ObjectKey(const std::string& bucket, const std::string& key) {
  std::string k = bucket;
  k.push_back('\0');
  k += key;
  return k;
}

bool ValidBucketName(const std::string& n) {
  if (n.size() < 3 || n.size() > 63) return false;
  auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  if (!alnum(n.front()) || !alnum(n.back())) return false;
  for (size_t i = 0; i < n.size(); ++i) {
    char c = n[i];
    if (!alnum(c) && c != '-' && c != '.') return false;
    if (c == '.' && i > 0 && (n[i - 1] == '.' || n[i - 1] == '-')) return false;
    if (c == '-' && i > 0 && n[i - 1] == '.') return false;
  }
  int dots = 0;
  bool digits_only = true;
  for (char c : n) {
    if (c == '.')
      ++dots;
    else if (c < '0' || c > '9')
      digits_only = false;
  }
  if (dots == 3 && digits_only) return false;  // looks like an IPv4 address
  return !n.starts_with("xn--") && !n.ends_with("-s3alias");
}

Status CheckKey(const std::string& key) {
  if (key.empty() || key.size() > kMaxKeyBytes) {
    return InvalidArgumentError("object key must be 1 to 1024 bytes");
  }
  return Status();
}

engine::Hash32 RootOf(const std::vector<ChunkRef>& chunks) {
  const engine::MerkleHasher& h = engine::Blake3Merkle();
  std::vector<engine::Hash32> leaves;
  leaves.reserve(chunks.size());
  for (const ChunkRef& c : chunks) leaves.push_back(h.LeafHash(ByteSpan(c.id)));
  return engine::MerkleRoot(h, leaves);
}

std::string Md5Hex(const uint8_t digest[16]) { return HexEncode(ByteSpan(digest, 16)); }

}  // namespace

// ----- PutStream --------------------------------------------------------------------------------

namespace {
class Md5Ctx {
 public:
  Md5Ctx() { EVP_DigestInit_ex(ctx_, EVP_md5(), nullptr); }
  ~Md5Ctx() { EVP_MD_CTX_free(ctx_); }
  Md5Ctx(const Md5Ctx&) = delete;
  Md5Ctx& operator=(const Md5Ctx&) = delete;
  void Update(ByteSpan d) { EVP_DigestUpdate(ctx_, d.data(), d.size()); }
  void Final(uint8_t out[16]) {
    unsigned n = 0;
    EVP_DigestFinal_ex(ctx_, out, &n);
  }

 private:
  EVP_MD_CTX* ctx_ = EVP_MD_CTX_new();
};
}  // namespace

struct PutStream::Md5 : Md5Ctx {};
struct PartStream::Md5 : Md5Ctx {};

PutStream::PutStream(ObjectStore* store, std::string bucket, std::string key, PutOptions options,
                     std::unique_ptr<engine::ChunkStore::Writer> writer)
    : store_(store),
      bucket_(std::move(bucket)),
      key_(std::move(key)),
      options_(std::move(options)),
      writer_(std::move(writer)),
      md5_(std::make_unique<Md5>()) {}

PutStream::~PutStream() = default;

Status PutStream::Write(ByteSpan data) {
  if (finished_) return FailedPreconditionError("put stream already finished");
  md5_->Update(data);
  return writer_->Append(data);
}

Result<ObjectInfo> PutStream::Finish() {
  if (finished_) return FailedPreconditionError("put stream already finished");
  finished_ = true;
  CAIRN_ASSIGN_OR_RETURN(std::vector<ChunkRef> chunks, writer_->Finish());
  StoredManifest m;
  m.info.bucket = bucket_;
  m.info.key = key_;
  m.info.size = writer_->bytes();
  uint8_t digest[16];
  md5_->Final(digest);
  m.info.etag = Md5Hex(digest);
  m.info.content_type = options_.content_type;
  m.info.headers = options_.headers;
  m.info.user_meta = options_.user_meta;
  m.chunks = std::move(chunks);
  // The writer holds GC off until the references are committed.
  Result<ObjectInfo> info = store_->CommitObject(std::move(m), options_);
  writer_.reset();
  return info;
}

// ----- GetStream --------------------------------------------------------------------------------

GetStream::GetStream(engine::ChunkStore* chunks, std::vector<ChunkRef> refs, uint64_t begin,
                     uint64_t end)
    : chunks_(chunks), refs_(std::move(refs)), pos_(begin), end_(end) {
  uint64_t off = 0;
  for (const ChunkRef& r : refs_) {
    starts_.push_back(off);
    off += r.length;
  }
  index_ = static_cast<size_t>(std::upper_bound(starts_.begin(), starts_.end(), begin) -
                               starts_.begin());
  if (index_ > 0) --index_;
}

Result<size_t> GetStream::Read(MutableByteSpan out) {
  size_t done = 0;
  while (done < out.size() && pos_ < end_) {
    while (index_ < refs_.size() && pos_ >= starts_[index_] + refs_[index_].length) {
      ++index_;
      current_.reset();
    }
    if (index_ >= refs_.size()) return DataLossError("object shorter than its manifest says");
    if (!current_) {
      CAIRN_ASSIGN_OR_RETURN(current_, chunks_->GetChunk(refs_[index_].id));
      if (current_->size() != refs_[index_].length) {
        return DataLossError("chunk length differs from the manifest");
      }
    }
    uint64_t in_chunk = pos_ - starts_[index_];
    size_t n = static_cast<size_t>(
        std::min<uint64_t>({out.size() - done, current_->size() - in_chunk, end_ - pos_}));
    std::memcpy(out.data() + done, current_->data() + in_chunk, n);
    done += n;
    pos_ += n;
  }
  return done;
}

// ----- ObjectStore ------------------------------------------------------------------------------

ObjectStore::ObjectStore(engine::ChunkStore* chunks, core::Env* env) : chunks_(chunks), env_(env) {}

std::mutex& ObjectStore::UploadLock(const std::string& upload_id) {
  return upload_locks_[core::XxHash64(AsBytes(upload_id)) % upload_locks_.size()];
}

std::mutex& ObjectStore::KeyLock(const std::string& bucket, const std::string& key) {
  uint64_t h = core::XxHash64(AsBytes(ObjectKey(bucket, key)));
  return key_locks_[h % key_locks_.size()];
}

namespace {

// Bucket record: version u8 (2), created u64 µs, flags u8 (bit 0: public-read). Version 1 has no
// flags.
std::string EncodeBucket(const BucketInfo& b) {
  ByteWriter w;
  w.U8(2);
  w.U64(b.created_micros);
  w.U8(b.public_read ? 1 : 0);
  return w.Take();
}

bool DecodeBucket(const std::string& name, std::string_view data, BucketInfo* b) {
  ByteReader r(data);
  uint8_t version = 0, flags = 0;
  b->name = name;
  if (!r.U8(&version) || (version != 1 && version != 2) || !r.U64(&b->created_micros)) {
    return false;
  }
  if (version == 2 && !r.U8(&flags)) return false;
  b->public_read = (flags & 1) != 0;
  return r.done();
}

}  // namespace

Status ObjectStore::CheckBucket(const std::string& bucket) {
  CAIRN_ASSIGN_OR_RETURN(auto v, chunks_->metadata()->Get(Cf::kBuckets, bucket));
  if (!v) return NotFoundError("no such bucket: " + bucket);
  return Status();
}

Status ObjectStore::CreateBucket(const std::string& name) {
  if (!ValidBucketName(name)) return InvalidArgumentError("invalid bucket name: " + name);
  std::lock_guard<std::mutex> lock(bucket_mutex_);
  CAIRN_ASSIGN_OR_RETURN(auto v, chunks_->metadata()->Get(Cf::kBuckets, name));
  if (v) return AlreadyExistsError("bucket already exists: " + name);
  MetaBatch b;
  b.Put(Cf::kBuckets, name, EncodeBucket(BucketInfo{name, env_->UnixMicros(), false}));
  return chunks_->metadata()->Write(b);
}

Status ObjectStore::SetBucketPublic(const std::string& name, bool public_read) {
  std::lock_guard<std::mutex> lock(bucket_mutex_);
  CAIRN_ASSIGN_OR_RETURN(BucketInfo info, HeadBucket(name));
  info.public_read = public_read;
  MetaBatch b;
  b.Put(Cf::kBuckets, name, EncodeBucket(info));
  return chunks_->metadata()->Write(b);
}

Status ObjectStore::DeleteBucket(const std::string& name) {
  std::lock_guard<std::mutex> lock(bucket_mutex_);
  CAIRN_RETURN_IF_ERROR(CheckBucket(name));
  bool empty = true;
  CAIRN_RETURN_IF_ERROR(chunks_->metadata()->Scan(Cf::kObjects, ObjectKey(name, ""), "",
                                                  [&](std::string_view, std::string_view) {
                                                    empty = false;
                                                    return false;
                                                  }));
  if (!empty) return FailedPreconditionError("bucket is not empty: " + name);
  MetaBatch b;
  b.Delete(Cf::kBuckets, name);
  return chunks_->metadata()->Write(b);
}

Result<BucketInfo> ObjectStore::HeadBucket(const std::string& name) {
  CAIRN_ASSIGN_OR_RETURN(auto v, chunks_->metadata()->Get(Cf::kBuckets, name));
  if (!v) return NotFoundError("no such bucket: " + name);
  BucketInfo info;
  if (!DecodeBucket(name, *v, &info)) return DataLossError("bucket record is malformed: " + name);
  return info;
}

Result<std::vector<BucketInfo>> ObjectStore::ListBuckets() {
  std::vector<std::string> names;
  CAIRN_RETURN_IF_ERROR(
      chunks_->metadata()->Scan(Cf::kBuckets, "", "", [&](std::string_view k, std::string_view) {
        names.emplace_back(k);
        return true;
      }));
  std::vector<BucketInfo> out;
  for (const std::string& n : names) {
    CAIRN_ASSIGN_OR_RETURN(BucketInfo b, HeadBucket(n));
    out.push_back(b);
  }
  return out;
}

Result<std::optional<StoredManifest>> ObjectStore::LoadManifest(const std::string& bucket,
                                                                const std::string& key) {
  CAIRN_ASSIGN_OR_RETURN(auto v, chunks_->metadata()->Get(Cf::kObjects, ObjectKey(bucket, key)));
  if (!v) return std::optional<StoredManifest>();
  CAIRN_ASSIGN_OR_RETURN(StoredManifest m, DecodeManifest(*v));
  m.info.bucket = bucket;
  m.info.key = key;
  return std::optional<StoredManifest>(std::move(m));
}

Result<std::unique_ptr<PutStream>> ObjectStore::Put(const std::string& bucket,
                                                    const std::string& key, PutOptions options) {
  CAIRN_RETURN_IF_ERROR(CheckKey(key));
  CAIRN_RETURN_IF_ERROR(CheckBucket(bucket));
  return std::unique_ptr<PutStream>(
      new PutStream(this, bucket, key, std::move(options), chunks_->NewWriter()));
}

Result<ObjectInfo> ObjectStore::PutBytes(const std::string& bucket, const std::string& key,
                                         ByteSpan data, PutOptions options) {
  CAIRN_ASSIGN_OR_RETURN(auto put, Put(bucket, key, std::move(options)));
  CAIRN_RETURN_IF_ERROR(put->Write(data));
  return put->Finish();
}

Result<ObjectInfo> ObjectStore::CommitObject(StoredManifest m, const PutOptions& options,
                                             std::vector<ChunkRef> extra_removes) {
  m.info.mtime_micros = env_->UnixMicros();
  m.info.merkle_root = RootOf(m.chunks);
  std::lock_guard<std::mutex> lock(KeyLock(m.info.bucket, m.info.key));
  // The bucket may have been deleted while the bytes streamed in.
  CAIRN_RETURN_IF_ERROR(CheckBucket(m.info.bucket));
  CAIRN_ASSIGN_OR_RETURN(std::optional<StoredManifest> old,
                         LoadManifest(m.info.bucket, m.info.key));
  if (options.if_none_match_any && old) {
    return FailedPreconditionError("object exists (If-None-Match: *)");
  }
  if (options.if_match && (!old || old->info.etag != *options.if_match)) {
    return FailedPreconditionError("ETag does not match (If-Match)");
  }
  std::vector<ChunkRef> removes = std::move(extra_removes);
  if (old) removes.insert(removes.end(), old->chunks.begin(), old->chunks.end());
  MetaBatch batch;
  batch.Put(Cf::kObjects, ObjectKey(m.info.bucket, m.info.key), EncodeManifest(m));
  CAIRN_RETURN_IF_ERROR(chunks_->Commit(&batch, m.chunks, removes));
  return m.info;
}

Result<ObjectInfo> ObjectStore::Head(const std::string& bucket, const std::string& key) {
  CAIRN_RETURN_IF_ERROR(CheckBucket(bucket));
  CAIRN_ASSIGN_OR_RETURN(std::optional<StoredManifest> m, LoadManifest(bucket, key));
  if (!m) return NotFoundError("no such key: " + key);
  return m->info;
}

Result<std::unique_ptr<GetStream>> ObjectStore::Get(
    const std::string& bucket, const std::string& key,
    std::optional<std::pair<uint64_t, uint64_t>> range, ObjectInfo* info) {
  CAIRN_RETURN_IF_ERROR(CheckBucket(bucket));
  CAIRN_ASSIGN_OR_RETURN(std::optional<StoredManifest> m, LoadManifest(bucket, key));
  if (!m) return NotFoundError("no such key: " + key);
  uint64_t begin = 0, end = m->info.size;
  if (range) {
    if (range->first >= m->info.size || range->first > range->second) {
      return OutOfRangeError("range not satisfiable for an object of " +
                             std::to_string(m->info.size) + " bytes");
    }
    begin = range->first;
    end = std::min(range->second + 1, m->info.size);
  }
  if (info != nullptr) *info = m->info;
  return std::unique_ptr<GetStream>(new GetStream(chunks_, std::move(m->chunks), begin, end));
}

Status ObjectStore::Delete(const std::string& bucket, const std::string& key) {
  CAIRN_RETURN_IF_ERROR(CheckBucket(bucket));
  std::lock_guard<std::mutex> lock(KeyLock(bucket, key));
  CAIRN_ASSIGN_OR_RETURN(std::optional<StoredManifest> m, LoadManifest(bucket, key));
  if (!m) return Status();
  MetaBatch batch;
  batch.Delete(Cf::kObjects, ObjectKey(bucket, key));
  return chunks_->Commit(&batch, {}, m->chunks);
}

Result<ListResult> ObjectStore::List(const std::string& bucket, const ListOptions& options) {
  CAIRN_RETURN_IF_ERROR(CheckBucket(bucket));
  ListResult result;
  std::string base = ObjectKey(bucket, "");
  std::string scan_prefix = base + options.prefix;
  std::string after = options.start_after.empty() ? "" : base + options.start_after;
  uint32_t max = std::min<uint32_t>(options.max_keys, 1000);
  Status decode_error;
  std::string last_prefix;
  CAIRN_RETURN_IF_ERROR(chunks_->metadata()->Scan(
      Cf::kObjects, scan_prefix, after, [&](std::string_view k, std::string_view v) {
        std::string key(k.substr(base.size()));
        if (!options.delimiter.empty()) {
          size_t d = key.find(options.delimiter, options.prefix.size());
          if (d != std::string::npos) {
            std::string cp = key.substr(0, d + options.delimiter.size());
            if (cp == last_prefix) return true;  // rolled up already
            if (result.objects.size() + result.common_prefixes.size() >= max) {
              result.truncated = true;
              return false;
            }
            last_prefix = cp;
            result.common_prefixes.push_back(cp);
            result.next_start_after = key;
            return true;
          }
        }
        if (result.objects.size() + result.common_prefixes.size() >= max) {
          result.truncated = true;
          return false;
        }
        Result<StoredManifest> m = DecodeManifest(v);
        if (!m.ok()) {
          decode_error = m.status();
          return false;
        }
        m->info.bucket = bucket;
        m->info.key = key;
        result.objects.push_back(std::move(m->info));
        result.next_start_after = key;
        return true;
      }));
  CAIRN_RETURN_IF_ERROR(decode_error);
  // Continuing after a common prefix skips every key under it.
  if (result.truncated && !result.common_prefixes.empty() &&
      result.next_start_after.starts_with(result.common_prefixes.back())) {
    result.next_start_after = result.common_prefixes.back() + "\xff";
  }
  if (!result.truncated) result.next_start_after.clear();
  return result;
}

Result<ObjectInfo> ObjectStore::Copy(const std::string& src_bucket, const std::string& src_key,
                                     const std::string& dst_bucket, const std::string& dst_key,
                                     bool replace_metadata, PutOptions options) {
  CAIRN_RETURN_IF_ERROR(CheckKey(dst_key));
  CAIRN_RETURN_IF_ERROR(CheckBucket(src_bucket));
  CAIRN_RETURN_IF_ERROR(CheckBucket(dst_bucket));
  // Hold GC off between reading the source's chunk list and committing new references to it.
  auto guard = chunks_->NewWriter();
  CAIRN_ASSIGN_OR_RETURN(std::optional<StoredManifest> src, LoadManifest(src_bucket, src_key));
  if (!src) return NotFoundError("no such key: " + src_key);
  StoredManifest m = std::move(*src);
  m.info.bucket = dst_bucket;
  m.info.key = dst_key;
  if (replace_metadata) {
    m.info.content_type = options.content_type;
    m.info.headers = options.headers;
    m.info.user_meta = options.user_meta;
  }
  return CommitObject(std::move(m), options);
}

Result<ChunkProof> ObjectStore::ProveChunk(const std::string& bucket, const std::string& key,
                                           uint64_t index) {
  CAIRN_RETURN_IF_ERROR(CheckBucket(bucket));
  CAIRN_ASSIGN_OR_RETURN(std::optional<StoredManifest> m, LoadManifest(bucket, key));
  if (!m) return NotFoundError("no such key: " + key);
  const engine::MerkleHasher& h = engine::Blake3Merkle();
  std::vector<engine::Hash32> leaves;
  for (const ChunkRef& c : m->chunks) leaves.push_back(h.LeafHash(ByteSpan(c.id)));
  ChunkProof proof;
  CAIRN_ASSIGN_OR_RETURN(proof.path, engine::InclusionProof(h, leaves, index));
  proof.index = index;
  proof.chunk_count = leaves.size();
  proof.chunk_id = m->chunks[index].id;
  proof.length = m->chunks[index].length;
  for (uint64_t i = 0; i < index; ++i) proof.offset += m->chunks[i].length;
  proof.root = m->info.merkle_root;
  return proof;
}

// ----- Multipart --------------------------------------------------------------------------------
// Cf::kUploads holds "<id>" -> upload record and "<id>\0<part, 5 digits>" -> part record. A
// part's chunks are referenced while the upload lives, so GC leaves them alone.

namespace {

std::string PartKey(const std::string& upload_id, uint32_t n) {
  char buf[8];
  std::snprintf(buf, sizeof(buf), "%05" PRIu32, n);
  return upload_id + '\0' + buf;
}

// Version 2 appends the initiation time (u64 micros); version 1 records read as time 0.
std::string EncodeUpload(const std::string& bucket, const std::string& key, const PutOptions& o,
                         uint64_t initiated_micros) {
  ByteWriter w;
  w.U8(2);
  w.Str(bucket);
  w.Str(key);
  w.Str(o.content_type);
  w.U32(static_cast<uint32_t>(o.headers.size()));
  for (const auto& [k, v] : o.headers) {
    w.Str(k);
    w.Str(v);
  }
  w.U32(static_cast<uint32_t>(o.user_meta.size()));
  for (const auto& [k, v] : o.user_meta) {
    w.Str(k);
    w.Str(v);
  }
  w.U64(initiated_micros);
  return w.Take();
}

bool DecodeUpload(std::string_view data, std::string* bucket, std::string* key, PutOptions* o,
                  uint64_t* initiated_micros) {
  ByteReader r(data);
  uint8_t version;
  uint32_t n;
  *initiated_micros = 0;
  if (!r.U8(&version) || (version != 1 && version != 2) || !r.Str(bucket) || !r.Str(key) ||
      !r.Str(&o->content_type)) {
    return false;
  }
  for (auto* map : {&o->headers, &o->user_meta}) {
    if (!r.U32(&n) || n > 10000) return false;
    for (uint32_t i = 0; i < n; ++i) {
      std::string k, v;
      if (!r.Str(&k) || !r.Str(&v)) return false;
      (*map)[k] = v;
    }
  }
  if (version >= 2 && !r.U64(initiated_micros)) return false;
  return r.done();
}

struct StoredPart {
  std::string etag;
  std::array<uint8_t, 16> md5{};
  uint64_t size = 0;
  uint64_t mtime_micros = 0;
  std::vector<ChunkRef> chunks;
};

std::string EncodePart(const StoredPart& p) {
  StoredManifest m;
  m.info.size = p.size;
  m.info.etag = p.etag;
  m.info.mtime_micros = p.mtime_micros;
  m.chunks = p.chunks;
  return EncodeManifest(m);
}

Result<StoredPart> DecodePart(std::string_view data) {
  CAIRN_ASSIGN_OR_RETURN(StoredManifest m, DecodeManifest(data));
  StoredPart p;
  p.etag = m.info.etag;
  p.size = m.info.size;
  p.mtime_micros = m.info.mtime_micros;
  p.chunks = std::move(m.chunks);
  std::string raw;
  if (!HexDecode(p.etag, &raw) || raw.size() != 16) return DataLossError("part ETag malformed");
  std::memcpy(p.md5.data(), raw.data(), 16);
  return p;
}

// Every uploaded part of `upload_id`: their chunks (appended to *refs) and record keys.
Status UploadedParts(engine::Metadata* meta, const std::string& upload_id,
                     std::vector<ChunkRef>* refs, std::vector<std::string>* part_keys) {
  Status error;
  CAIRN_RETURN_IF_ERROR(
      meta->Scan(Cf::kUploads, upload_id + '\0', "", [&](std::string_view k, std::string_view v) {
        Result<StoredPart> p = DecodePart(v);
        if (!p.ok()) {
          error = p.status();
          return false;
        }
        refs->insert(refs->end(), p->chunks.begin(), p->chunks.end());
        part_keys->emplace_back(k);
        return true;
      }));
  return error;
}

}  // namespace

Result<std::string> ObjectStore::CreateMultipart(const std::string& bucket, const std::string& key,
                                                 PutOptions options) {
  CAIRN_RETURN_IF_ERROR(CheckKey(key));
  CAIRN_RETURN_IF_ERROR(CheckBucket(bucket));
  uint8_t raw[16];
  env_->RandomBytes(MutableByteSpan(raw, sizeof(raw)));
  std::string id = HexEncode(ByteSpan(raw, sizeof(raw)));
  MetaBatch b;
  b.Put(Cf::kUploads, id, EncodeUpload(bucket, key, options, env_->UnixMicros()));
  CAIRN_RETURN_IF_ERROR(chunks_->metadata()->Write(b));
  return id;
}

PartStream::PartStream(ObjectStore* store, std::string upload_id, uint32_t number,
                       std::unique_ptr<engine::ChunkStore::Writer> writer)
    : store_(store),
      upload_id_(std::move(upload_id)),
      number_(number),
      writer_(std::move(writer)),
      md5_(std::make_unique<Md5>()) {}

PartStream::~PartStream() = default;

uint64_t PartStream::bytes() const { return writer_ ? writer_->bytes() : 0; }

Status PartStream::Write(ByteSpan data) {
  if (finished_) return FailedPreconditionError("part stream already finished");
  md5_->Update(data);
  return writer_->Append(data);
}

Result<std::string> PartStream::Finish() {
  if (finished_) return FailedPreconditionError("part stream already finished");
  finished_ = true;
  CAIRN_ASSIGN_OR_RETURN(std::vector<ChunkRef> chunks, writer_->Finish());
  uint8_t digest[16];
  md5_->Final(digest);
  // The writer holds GC off until the references are committed.
  Result<std::string> etag =
      store_->CommitPart(upload_id_, number_, writer_->bytes(), digest, std::move(chunks));
  writer_.reset();
  return etag;
}

Result<std::unique_ptr<PartStream>> ObjectStore::PutPart(const std::string& upload_id,
                                                         uint32_t part_number) {
  if (part_number < 1 || part_number > kMaxParts) {
    return InvalidArgumentError("part number must be between 1 and 10000");
  }
  CAIRN_ASSIGN_OR_RETURN(auto upload, chunks_->metadata()->Get(Cf::kUploads, upload_id));
  if (!upload) return NotFoundError("no such upload: " + upload_id);
  return std::unique_ptr<PartStream>(
      new PartStream(this, upload_id, part_number, chunks_->NewWriter()));
}

Result<std::string> ObjectStore::UploadPart(const std::string& upload_id, uint32_t part_number,
                                            ByteSpan data) {
  CAIRN_ASSIGN_OR_RETURN(auto part, PutPart(upload_id, part_number));
  CAIRN_RETURN_IF_ERROR(part->Write(data));
  return part->Finish();
}

Result<std::string> ObjectStore::CommitPart(const std::string& upload_id, uint32_t number,
                                            uint64_t size, const uint8_t md5[16],
                                            std::vector<ChunkRef> chunks) {
  StoredPart part;
  part.size = size;
  part.chunks = std::move(chunks);
  std::memcpy(part.md5.data(), md5, 16);
  part.etag = Md5Hex(part.md5.data());
  part.mtime_micros = env_->UnixMicros();
  std::lock_guard<std::mutex> lock(UploadLock(upload_id));
  CAIRN_ASSIGN_OR_RETURN(auto upload, chunks_->metadata()->Get(Cf::kUploads, upload_id));
  if (!upload) return NotFoundError("no such upload: " + upload_id);
  std::vector<ChunkRef> replaced;
  CAIRN_ASSIGN_OR_RETURN(auto old,
                         chunks_->metadata()->Get(Cf::kUploads, PartKey(upload_id, number)));
  if (old) {
    CAIRN_ASSIGN_OR_RETURN(StoredPart prev, DecodePart(*old));
    replaced = std::move(prev.chunks);
  }
  MetaBatch b;
  b.Put(Cf::kUploads, PartKey(upload_id, number), EncodePart(part));
  CAIRN_RETURN_IF_ERROR(chunks_->Commit(&b, part.chunks, replaced));
  return part.etag;
}

Result<ObjectStore::UploadInfo> ObjectStore::GetUpload(const std::string& upload_id) {
  CAIRN_ASSIGN_OR_RETURN(auto upload, chunks_->metadata()->Get(Cf::kUploads, upload_id));
  if (!upload) return NotFoundError("no such upload: " + upload_id);
  UploadInfo info;
  PutOptions options;
  info.upload_id = upload_id;
  if (!DecodeUpload(*upload, &info.bucket, &info.key, &options, &info.initiated_micros)) {
    return DataLossError("corrupt upload record " + upload_id);
  }
  return info;
}

Result<std::vector<ObjectStore::UploadInfo>> ObjectStore::ListUploads(const std::string& bucket) {
  CAIRN_RETURN_IF_ERROR(CheckBucket(bucket));
  std::vector<UploadInfo> uploads;
  Status error;
  CAIRN_RETURN_IF_ERROR(
      chunks_->metadata()->Scan(Cf::kUploads, "", "", [&](std::string_view k, std::string_view v) {
        if (k.find('\0') != std::string_view::npos) return true;  // a part record
        UploadInfo info;
        PutOptions options;
        info.upload_id = std::string(k);
        if (!DecodeUpload(v, &info.bucket, &info.key, &options, &info.initiated_micros)) {
          error = DataLossError("corrupt upload record " + info.upload_id);
          return false;
        }
        if (info.bucket == bucket) uploads.push_back(std::move(info));
        return true;
      }));
  CAIRN_RETURN_IF_ERROR(error);
  std::sort(uploads.begin(), uploads.end(), [](const UploadInfo& a, const UploadInfo& b) {
    return std::tie(a.key, a.initiated_micros, a.upload_id) <
           std::tie(b.key, b.initiated_micros, b.upload_id);
  });
  return uploads;
}

Result<std::vector<ObjectStore::PartInfo>> ObjectStore::ListParts(const std::string& upload_id) {
  CAIRN_ASSIGN_OR_RETURN(auto upload, chunks_->metadata()->Get(Cf::kUploads, upload_id));
  if (!upload) return NotFoundError("no such upload: " + upload_id);
  std::vector<PartInfo> parts;
  Status error;
  std::string prefix = upload_id + '\0';
  CAIRN_RETURN_IF_ERROR(chunks_->metadata()->Scan(
      Cf::kUploads, prefix, "", [&](std::string_view k, std::string_view v) {
        Result<StoredPart> p = DecodePart(v);
        if (!p.ok()) {
          error = p.status();
          return false;
        }
        parts.push_back(
            PartInfo{static_cast<uint32_t>(std::stoul(std::string(k.substr(prefix.size())))),
                     p->etag, p->size, p->mtime_micros});
        return true;
      }));
  CAIRN_RETURN_IF_ERROR(error);
  return parts;
}

Result<ObjectInfo> ObjectStore::CompleteMultipart(
    const std::string& upload_id, const std::vector<std::pair<uint32_t, std::string>>& parts) {
  // Hold GC off while the parts' chunks change hands from the upload to the object. Taken first:
  // the lock order is GC guard, then upload lock, then key lock.
  auto guard = chunks_->NewWriter();
  std::lock_guard<std::mutex> lock(UploadLock(upload_id));
  CAIRN_ASSIGN_OR_RETURN(auto upload, chunks_->metadata()->Get(Cf::kUploads, upload_id));
  if (!upload) return NotFoundError("no such upload: " + upload_id);
  std::string bucket, key;
  PutOptions options;
  uint64_t initiated = 0;
  if (!DecodeUpload(*upload, &bucket, &key, &options, &initiated)) {
    return DataLossError("upload record is malformed: " + upload_id);
  }
  if (parts.empty()) return InvalidArgumentError("MalformedXML: no parts given");
  StoredManifest m;
  m.info.bucket = bucket;
  m.info.key = key;
  m.info.content_type = options.content_type;
  m.info.headers = options.headers;
  m.info.user_meta = options.user_meta;
  m.info.parts = static_cast<uint32_t>(parts.size());
  std::string md5s;
  uint32_t previous = 0;
  for (size_t i = 0; i < parts.size(); ++i) {
    auto [number, etag] = parts[i];
    if (number <= previous) return InvalidArgumentError("InvalidPartOrder: parts must ascend");
    previous = number;
    CAIRN_ASSIGN_OR_RETURN(auto v,
                           chunks_->metadata()->Get(Cf::kUploads, PartKey(upload_id, number)));
    std::string want = etag;
    if (want.size() >= 2 && want.front() == '"' && want.back() == '"')
      want = want.substr(1, want.size() - 2);
    if (!v)
      return InvalidArgumentError("InvalidPart: part " + std::to_string(number) +
                                  " was not uploaded");
    CAIRN_ASSIGN_OR_RETURN(StoredPart p, DecodePart(*v));
    if (p.etag != want)
      return InvalidArgumentError("InvalidPart: ETag of part " + std::to_string(number) +
                                  " does not match");
    if (i + 1 < parts.size() && p.size < min_part_bytes_) {
      return InvalidArgumentError("EntityTooSmall: part " + std::to_string(number) +
                                  " is smaller than the minimum part size");
    }
    md5s.append(reinterpret_cast<const char*>(p.md5.data()), 16);
    m.info.size += p.size;
    m.chunks.insert(m.chunks.end(), p.chunks.begin(), p.chunks.end());
  }
  uint8_t digest[16];
  {
    PutStream::Md5 md5;
    md5.Update(AsBytes(md5s));
    md5.Final(digest);
  }
  m.info.etag = Md5Hex(digest) + "-" + std::to_string(parts.size());
  // Every uploaded part (listed or not) gives up its references; the object takes its own.
  std::vector<ChunkRef> upload_refs;
  std::vector<std::string> part_keys;
  CAIRN_RETURN_IF_ERROR(UploadedParts(chunks_->metadata(), upload_id, &upload_refs, &part_keys));
  m.info.mtime_micros = env_->UnixMicros();
  m.info.merkle_root = RootOf(m.chunks);
  std::lock_guard<std::mutex> key_lock(KeyLock(bucket, key));
  CAIRN_RETURN_IF_ERROR(CheckBucket(bucket));
  CAIRN_ASSIGN_OR_RETURN(std::optional<StoredManifest> old, LoadManifest(bucket, key));
  if (options.if_none_match_any && old)
    return FailedPreconditionError("object exists (If-None-Match: *)");
  if (old) upload_refs.insert(upload_refs.end(), old->chunks.begin(), old->chunks.end());
  MetaBatch batch;
  batch.Put(Cf::kObjects, ObjectKey(bucket, key), EncodeManifest(m));
  batch.Delete(Cf::kUploads, upload_id);
  for (const std::string& k : part_keys) batch.Delete(Cf::kUploads, k);
  CAIRN_RETURN_IF_ERROR(chunks_->Commit(&batch, m.chunks, upload_refs));
  return m.info;
}

Status ObjectStore::AbortMultipart(const std::string& upload_id) {
  std::lock_guard<std::mutex> lock(UploadLock(upload_id));
  CAIRN_ASSIGN_OR_RETURN(auto upload, chunks_->metadata()->Get(Cf::kUploads, upload_id));
  if (!upload) return NotFoundError("no such upload: " + upload_id);
  std::vector<ChunkRef> refs;
  std::vector<std::string> part_keys;
  CAIRN_RETURN_IF_ERROR(UploadedParts(chunks_->metadata(), upload_id, &refs, &part_keys));
  MetaBatch batch;
  for (const std::string& k : part_keys) batch.Delete(Cf::kUploads, k);
  batch.Delete(Cf::kUploads, upload_id);
  return chunks_->Commit(&batch, {}, refs);
}

}  // namespace cairn::objects
