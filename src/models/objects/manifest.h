// Binary encoding of object manifests, multipart upload records and part records (the values
// in Cf::kObjects / Cf::kUploads). Layouts: docs/engine.md ("Object manifest").
//
// Thread safety: pure functions.
#ifndef CAIRN_MODELS_OBJECTS_MANIFEST_H_
#define CAIRN_MODELS_OBJECTS_MANIFEST_H_

#include <string>
#include <vector>

#include "core/result.h"
#include "engine/chunk_store.h"
#include "models/objects/object_store.h"

namespace cairn::objects {

struct StoredManifest {
  ObjectInfo info;  // bucket and key are not stored (they are the record's key)
  std::vector<engine::ChunkRef> chunks;
};

std::string EncodeManifest(const StoredManifest& m);
// Errors: kDataLoss on malformed input.
Result<StoredManifest> DecodeManifest(std::string_view data);

// A small append-only writer / bounds-checked reader used by the encodings above.
class ByteWriter {
 public:
  void U8(uint8_t v) { out_.push_back(static_cast<char>(v)); }
  void U32(uint32_t v);
  void U64(uint64_t v);
  void Str(std::string_view s);  // u32 length + bytes
  void Raw(const void* p, size_t n) { out_.append(static_cast<const char*>(p), n); }
  std::string Take() { return std::move(out_); }

 private:
  std::string out_;
};

class ByteReader {
 public:
  explicit ByteReader(std::string_view in) : in_(in) {}
  bool U8(uint8_t* v);
  bool U32(uint32_t* v);
  bool U64(uint64_t* v);
  bool Str(std::string* s);
  bool Raw(void* p, size_t n);
  bool done() const { return in_.empty(); }

 private:
  std::string_view in_;
};

}  // namespace cairn::objects

#endif  // CAIRN_MODELS_OBJECTS_MANIFEST_H_
