// ObjectStore: buckets and objects (the S3 data model) on the ChunkStore, in pure C++ — no HTTP.
//
// An object is a manifest (size, ETag, times, content headers, user metadata, the BLAKE3 Merkle
// root of its chunk ids, and the chunk list) stored in Cf::kObjects under "bucket\0key"; its
// bytes are chunks in the ChunkStore. A put streams data through a PutStream (content-defined
// chunking, dedup, compression, encryption as it goes); Finish commits the manifest and the
// chunk references, and drops the references of the object it replaces, in one atomic, synced
// metadata write. Before Finish returns OK nothing is visible; after it, the object survives a
// crash.
//
// ETags follow S3: hex MD5 of the body for single puts; for multipart uploads, hex MD5 of the
// concatenated binary part MD5s followed by "-<part count>".
//
// Errors (mapped by faces to their protocol): kNotFound (no such bucket / key / upload),
// kAlreadyExists (bucket exists), kFailedPrecondition (bucket not empty; precondition failed),
// kInvalidArgument (bad names, ranges, part lists), kOutOfRange (unsatisfiable range), plus the
// engine's kResourceExhausted / kIoError / kDataLoss.
//
// Thread safety: all methods may be called concurrently; a PutStream or GetStream is used by one
// thread at a time.
#ifndef CAIRN_MODELS_OBJECTS_OBJECT_STORE_H_
#define CAIRN_MODELS_OBJECTS_OBJECT_STORE_H_

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/env/env.h"
#include "engine/chunk_store.h"
#include "engine/merkle.h"

namespace cairn::objects {

struct ObjectInfo {
  std::string bucket;
  std::string key;
  uint64_t size = 0;
  std::string etag;  // without quotes
  uint64_t mtime_micros = 0;
  std::string content_type;
  std::map<std::string, std::string> headers;    // Content-Encoding, Cache-Control, ...
  std::map<std::string, std::string> user_meta;  // x-amz-meta-* without the prefix
  engine::Hash32 merkle_root{};
  uint32_t parts = 0;  // multipart part count (0 for single puts)
};

struct BucketInfo {
  std::string name;
  uint64_t created_micros = 0;
  bool public_read = false;  // anonymous GET/HEAD/list allowed (S3 canned ACL public-read)
};

// What to write along with the bytes.
struct PutOptions {
  std::string content_type;
  std::map<std::string, std::string> headers;
  std::map<std::string, std::string> user_meta;
  // Conditional writes, evaluated atomically with the commit: if_none_match_any fails with
  // kFailedPrecondition when the key exists; if_match when the current ETag differs.
  bool if_none_match_any = false;
  std::optional<std::string> if_match;
};

struct ListOptions {
  std::string prefix;
  std::string delimiter;
  std::string start_after;  // keys strictly greater
  uint32_t max_keys = 1000;
};

struct ListResult {
  std::vector<ObjectInfo> objects;
  std::vector<std::string> common_prefixes;
  bool truncated = false;
  std::string next_start_after;  // pass as start_after to continue
};

struct ChunkProof {
  uint64_t index = 0;
  uint64_t chunk_count = 0;
  uint64_t offset = 0;  // the chunk's first byte in the object
  uint32_t length = 0;  // its length
  engine::ChunkId chunk_id{};
  std::vector<engine::Hash32> path;
  engine::Hash32 root{};
};

class ObjectStore;
struct StoredManifest;  // manifest.h

// Streams an object's bytes into the store.
class PutStream {
 public:
  ~PutStream();
  Status Write(ByteSpan data);
  // Commits. Returns the new object's info.
  Result<ObjectInfo> Finish();

 private:
  friend class ObjectStore;
  PutStream(ObjectStore* store, std::string bucket, std::string key, PutOptions options,
            std::unique_ptr<engine::ChunkStore::Writer> writer);
  struct Md5;
  ObjectStore* store_;
  std::string bucket_, key_;
  PutOptions options_;
  std::unique_ptr<engine::ChunkStore::Writer> writer_;
  std::unique_ptr<Md5> md5_;
  bool finished_ = false;
};

// Streams one multipart part's bytes into the store (see ObjectStore::PutPart).
class PartStream {
 public:
  ~PartStream();
  Status Write(ByteSpan data);
  // Commits the part (replacing an earlier upload of the same number) and returns its ETag (hex
  // MD5, no quotes). Errors: kNotFound when the upload was completed or aborted meanwhile.
  Result<std::string> Finish();
  uint64_t bytes() const;

 private:
  friend class ObjectStore;
  PartStream(ObjectStore* store, std::string upload_id, uint32_t number,
             std::unique_ptr<engine::ChunkStore::Writer> writer);
  ObjectStore* store_;
  std::string upload_id_;
  uint32_t number_;
  std::unique_ptr<engine::ChunkStore::Writer> writer_;
  struct Md5;
  std::unique_ptr<Md5> md5_;
  bool finished_ = false;
};

// Reads an object (or a byte range of it) chunk by chunk, verifying each chunk.
class GetStream {
 public:
  // Fills `out` with up to out.size() bytes; returns 0 at the end.
  Result<size_t> Read(MutableByteSpan out);
  uint64_t remaining() const { return end_ - pos_; }

 private:
  friend class ObjectStore;
  GetStream(engine::ChunkStore* chunks, std::vector<engine::ChunkRef> refs, uint64_t begin,
            uint64_t end);
  engine::ChunkStore* chunks_;
  std::vector<engine::ChunkRef> refs_;
  std::vector<uint64_t> starts_;  // object offset of each chunk
  uint64_t pos_, end_;
  size_t index_ = 0;
  std::shared_ptr<const Buffer> current_;
};

class ObjectStore {
 public:
  // `chunks` must outlive the ObjectStore.
  explicit ObjectStore(engine::ChunkStore* chunks, core::Env* env);

  // Bucket names follow S3's rules (3-63 chars, lower-case letters, digits, '.', '-', start and
  // end alphanumeric, not an IP address). Errors: kInvalidArgument, kAlreadyExists.
  Status CreateBucket(const std::string& name);
  // Errors: kNotFound, kFailedPrecondition (not empty).
  Status DeleteBucket(const std::string& name);
  Result<BucketInfo> HeadBucket(const std::string& name);
  // Makes a bucket readable by anyone (or private again). Errors: kNotFound.
  Status SetBucketPublic(const std::string& name, bool public_read);
  Result<std::vector<BucketInfo>> ListBuckets();

  // Errors: kNotFound (bucket), kInvalidArgument (empty key or key over 1024 bytes).
  Result<std::unique_ptr<PutStream>> Put(const std::string& bucket, const std::string& key,
                                         PutOptions options = {});
  // Convenience: put a whole buffer.
  Result<ObjectInfo> PutBytes(const std::string& bucket, const std::string& key, ByteSpan data,
                              PutOptions options = {});
  Result<ObjectInfo> Head(const std::string& bucket, const std::string& key);
  // Range [first, last] inclusive, clamped to the object; kOutOfRange if first >= size (and the
  // object is not empty).
  Result<std::unique_ptr<GetStream>> Get(
      const std::string& bucket, const std::string& key,
      std::optional<std::pair<uint64_t, uint64_t>> range = std::nullopt,
      ObjectInfo* info = nullptr);
  // Deleting a missing key is not an error (S3 semantics); a missing bucket is.
  Status Delete(const std::string& bucket, const std::string& key);
  Result<ListResult> List(const std::string& bucket, const ListOptions& options);
  // Server-side copy: new references to the same chunks, no data copied. With
  // `replace_metadata`, `options` supplies the new metadata; otherwise the source's is kept.
  Result<ObjectInfo> Copy(const std::string& src_bucket, const std::string& src_key,
                          const std::string& dst_bucket, const std::string& dst_key,
                          bool replace_metadata, PutOptions options = {});
  // Merkle inclusion proof for chunk `index` of an object.
  Result<ChunkProof> ProveChunk(const std::string& bucket, const std::string& key, uint64_t index);

  // Multipart uploads.
  Result<std::string> CreateMultipart(const std::string& bucket, const std::string& key,
                                      PutOptions options = {});
  // Starts streaming part `part_number` (1..10000) of an upload. Errors: kInvalidArgument (part
  // number), kNotFound (no such upload).
  Result<std::unique_ptr<PartStream>> PutPart(const std::string& upload_id, uint32_t part_number);
  // Convenience: a whole part from a buffer. Returns the part's ETag (hex MD5).
  Result<std::string> UploadPart(const std::string& upload_id, uint32_t part_number, ByteSpan data);
  struct PartInfo {
    uint32_t number = 0;
    std::string etag;
    uint64_t size = 0;
    uint64_t mtime_micros = 0;  // when the part was uploaded
  };
  struct UploadInfo {
    std::string upload_id;
    std::string bucket;
    std::string key;
    uint64_t initiated_micros = 0;
  };
  // The bucket's multipart uploads in progress, ordered by key, then initiation time.
  // Errors: kNotFound (bucket).
  Result<std::vector<UploadInfo>> ListUploads(const std::string& bucket);
  // The upload's bucket and key. Errors: kNotFound.
  Result<UploadInfo> GetUpload(const std::string& upload_id);
  Result<std::vector<PartInfo>> ListParts(const std::string& upload_id);
  // `parts`: (number, etag) in ascending order, each uploaded; all but the last >= 5 MiB
  // unless `min_part_bytes` says otherwise. Errors: kNotFound (upload), kInvalidArgument
  // (InvalidPart / InvalidPartOrder / EntityTooSmall, named in the message).
  Result<ObjectInfo> CompleteMultipart(const std::string& upload_id,
                                       const std::vector<std::pair<uint32_t, std::string>>& parts);
  Status AbortMultipart(const std::string& upload_id);
  void set_min_part_bytes(uint64_t n) { min_part_bytes_ = n; }

 private:
  friend class PutStream;
  friend class PartStream;
  // Records a finished part under the upload's lock.
  Result<std::string> CommitPart(const std::string& upload_id, uint32_t number, uint64_t size,
                                 const uint8_t md5[16], std::vector<engine::ChunkRef> chunks);
  Result<std::optional<StoredManifest>> LoadManifest(const std::string& bucket,
                                                     const std::string& key);
  Status CheckBucket(const std::string& bucket);
  // Writes `manifest` as bucket/key, replacing (and dereferencing) any previous object, under
  // the key's lock, after checking `options`' conditions.
  Result<ObjectInfo> CommitObject(StoredManifest manifest, const PutOptions& options,
                                  std::vector<engine::ChunkRef> extra_removes = {});
  // Lock order: the chunk store's GC guard (a live Writer), then an upload's lock, then a key's
  // lock.
  std::mutex& KeyLock(const std::string& bucket, const std::string& key);
  std::mutex& UploadLock(const std::string& upload_id);

  engine::ChunkStore* chunks_;
  core::Env* env_;
  uint64_t min_part_bytes_ = 5ull << 20;
  std::array<std::mutex, 64> key_locks_;
  std::array<std::mutex, 64> upload_locks_;
  std::mutex bucket_mutex_;
};

}  // namespace cairn::objects

#endif  // CAIRN_MODELS_OBJECTS_OBJECT_STORE_H_
