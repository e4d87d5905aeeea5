#include "models/objects/manifest.h"

#include <cstring>

#include "core/coding.h"

namespace cairn::objects {

void ByteWriter::U32(uint32_t v) {
  uint8_t b[4];
  core::EncodeFixed32(b, v);
  Raw(b, 4);
}
void ByteWriter::U64(uint64_t v) {
  uint8_t b[8];
  core::EncodeFixed64(b, v);
  Raw(b, 8);
}
void ByteWriter::Str(std::string_view s) {
  U32(static_cast<uint32_t>(s.size()));
  Raw(s.data(), s.size());
}

bool ByteReader::Raw(void* p, size_t n) {
  if (in_.size() < n) return false;
  std::memcpy(p, in_.data(), n);
  in_.remove_prefix(n);
  return true;
}
bool ByteReader::U8(uint8_t* v) { return Raw(v, 1); }
bool ByteReader::U32(uint32_t* v) {
  uint8_t b[4];
  if (!Raw(b, 4)) return false;
  *v = core::DecodeFixed32(b);
  return true;
}
bool ByteReader::U64(uint64_t* v) {
  uint8_t b[8];
  if (!Raw(b, 8)) return false;
  *v = core::DecodeFixed64(b);
  return true;
}
bool ByteReader::Str(std::string* s) {
  uint32_t n;
  if (!U32(&n) || in_.size() < n) return false;
  s->assign(in_.data(), n);
  in_.remove_prefix(n);
  return true;
}

namespace {
constexpr uint8_t kManifestVersion = 1;

void PutMap(ByteWriter* w, const std::map<std::string, std::string>& m) {
  w->U32(static_cast<uint32_t>(m.size()));
  for (const auto& [k, v] : m) {
    w->Str(k);
    w->Str(v);
  }
}

bool GetMap(ByteReader* r, std::map<std::string, std::string>* m) {
  uint32_t n;
  if (!r->U32(&n) || n > 10000) return false;
  for (uint32_t i = 0; i < n; ++i) {
    std::string k, v;
    if (!r->Str(&k) || !r->Str(&v)) return false;
    (*m)[k] = v;
  }
  return true;
}
}  // namespace

std::string EncodeManifest(const StoredManifest& m) {
  ByteWriter w;
  w.U8(kManifestVersion);
  w.U64(m.info.size);
  w.U64(m.info.mtime_micros);
  w.Str(m.info.etag);
  w.Str(m.info.content_type);
  PutMap(&w, m.info.headers);
  PutMap(&w, m.info.user_meta);
  w.Raw(m.info.merkle_root.data(), 32);
  w.U32(m.info.parts);
  w.U32(static_cast<uint32_t>(m.chunks.size()));
  for (const engine::ChunkRef& c : m.chunks) {
    w.Raw(c.id.data(), 32);
    w.U32(c.length);
  }
  return w.Take();
}

Result<StoredManifest> DecodeManifest(std::string_view data) {
  ByteReader r(data);
  StoredManifest m;
  uint8_t version = 0;
  uint32_t count = 0;
  bool ok = r.U8(&version) && version == kManifestVersion && r.U64(&m.info.size) &&
            r.U64(&m.info.mtime_micros) && r.Str(&m.info.etag) && r.Str(&m.info.content_type) &&
            GetMap(&r, &m.info.headers) && GetMap(&r, &m.info.user_meta) &&
            r.Raw(m.info.merkle_root.data(), 32) && r.U32(&m.info.parts) && r.U32(&count);
  if (!ok || count > data.size() / 36) return DataLossError("object manifest is malformed");
  uint64_t total = 0;
  m.chunks.resize(count);
  for (engine::ChunkRef& c : m.chunks) {
    if (!r.Raw(c.id.data(), 32) || !r.U32(&c.length)) {
      return DataLossError("object manifest is truncated");
    }
    total += c.length;
  }
  if (!r.done() || total != m.info.size) {
    return DataLossError("object manifest does not add up");
  }
  return m;
}

}  // namespace cairn::objects
