#include "models/graph/internal/codec.h"

#include <cstring>

#include "core/coding.h"
#include "core/hash.h"

namespace cairn::graph::internal {
namespace {

constexpr char kManifestMagic[8] = {'C', 'A', 'I', 'R', 'N', 'G', 'M', '1'};
constexpr char kMetaMagic[8] = {'C', 'A', 'I', 'R', 'N', 'G', 'D', '1'};
constexpr uint32_t kVersion = 1;

// Appends a masked CRC32C of everything in `o` so far.
void SealWithCrc(std::string* o) { PutU32(o, core::MaskCrc(core::Crc32c(AsBytes(*o)))); }

// Checks and strips the trailing CRC that SealWithCrc added.
bool CheckCrc(std::string_view* data) {
  if (data->size() < 4) return false;
  std::string_view body = data->substr(0, data->size() - 4);
  uint32_t stored =
      core::DecodeFixed32(reinterpret_cast<const uint8_t*>(data->data()) + body.size());
  if (core::UnmaskCrc(stored) != core::Crc32c(AsBytes(body))) return false;
  *data = body;
  return true;
}

}  // namespace

void PutU8(std::string* o, uint8_t v) { o->push_back(static_cast<char>(v)); }
void PutU16(std::string* o, uint16_t v) {
  uint8_t b[2];
  core::EncodeFixed16(b, v);
  o->append(reinterpret_cast<char*>(b), 2);
}
void PutU32(std::string* o, uint32_t v) {
  uint8_t b[4];
  core::EncodeFixed32(b, v);
  o->append(reinterpret_cast<char*>(b), 4);
}
void PutU64(std::string* o, uint64_t v) {
  uint8_t b[8];
  core::EncodeFixed64(b, v);
  o->append(reinterpret_cast<char*>(b), 8);
}
void PutStr(std::string* o, std::string_view s) {
  PutU32(o, static_cast<uint32_t>(s.size()));
  o->append(s);
}

void PutValue(std::string* o, const PropertyValue& v) {
  PutU8(o, static_cast<uint8_t>(TypeOf(v)));
  switch (TypeOf(v)) {
    case ValueType::kNull:
      break;
    case ValueType::kBool:
      PutU8(o, std::get<bool>(v) ? 1 : 0);
      break;
    case ValueType::kInt:
    case ValueType::kDouble:
      PutU64(o, FixedBits(v));
      break;
    case ValueType::kString:
      PutStr(o, std::get<std::string>(v));
      break;
  }
}

void PutProps(std::string* o, const Properties& props) {
  PutU32(o, static_cast<uint32_t>(props.size()));
  for (const auto& [k, v] : props) {
    PutStr(o, k);
    PutValue(o, v);
  }
}

bool Reader::U8(uint8_t* v) {
  if (d.size() < 1) return false;
  *v = static_cast<uint8_t>(d[0]);
  d.remove_prefix(1);
  return true;
}
bool Reader::U16(uint16_t* v) {
  if (d.size() < 2) return false;
  *v = core::DecodeFixed16(reinterpret_cast<const uint8_t*>(d.data()));
  d.remove_prefix(2);
  return true;
}
bool Reader::U32(uint32_t* v) {
  if (d.size() < 4) return false;
  *v = core::DecodeFixed32(reinterpret_cast<const uint8_t*>(d.data()));
  d.remove_prefix(4);
  return true;
}
bool Reader::U64(uint64_t* v) {
  if (d.size() < 8) return false;
  *v = core::DecodeFixed64(reinterpret_cast<const uint8_t*>(d.data()));
  d.remove_prefix(8);
  return true;
}
bool Reader::Str(std::string* s) {
  uint32_t n = 0;
  if (!U32(&n) || d.size() < n) return false;
  s->assign(d.substr(0, n));
  d.remove_prefix(n);
  return true;
}
bool Reader::Value(PropertyValue* v) {
  uint8_t type = 0;
  if (!U8(&type)) return false;
  switch (static_cast<ValueType>(type)) {
    case ValueType::kNull:
      *v = std::monostate{};
      return true;
    case ValueType::kBool: {
      uint8_t b = 0;
      if (!U8(&b) || b > 1) return false;
      *v = b == 1;
      return true;
    }
    case ValueType::kInt:
    case ValueType::kDouble: {
      uint64_t bits = 0;
      if (!U64(&bits)) return false;
      *v = FromFixedBits(static_cast<ValueType>(type), bits);
      return true;
    }
    case ValueType::kString: {
      std::string s;
      if (!Str(&s)) return false;
      *v = std::move(s);
      return true;
    }
  }
  return false;
}
bool Reader::Props(Properties* props) {
  uint32_t n = 0;
  if (!U32(&n)) return false;
  props->clear();
  for (uint32_t i = 0; i < n; ++i) {
    std::string k;
    PropertyValue v;
    if (!Str(&k) || !Value(&v)) return false;
    (*props)[std::move(k)] = std::move(v);
  }
  return true;
}

void EncodeLogOps(const std::vector<LogOp>& ops, std::string* out) {
  PutU32(out, static_cast<uint32_t>(ops.size()));
  for (const LogOp& op : ops) {
    PutU8(out, op.kind);
    switch (op.kind) {
      case LogOp::kPutNode:
        PutU64(out, op.src);
        PutU8(out, op.merge ? 1 : 0);
        PutProps(out, op.props);
        break;
      case LogOp::kDeleteNode:
        PutU64(out, op.src);
        break;
      case LogOp::kPutEdge:
        PutU64(out, op.src);
        PutU64(out, op.dst);
        PutStr(out, op.text);
        PutU8(out, op.merge ? 1 : 0);
        PutProps(out, op.props);
        break;
      case LogOp::kDeleteEdge:
        PutU64(out, op.src);
        PutU64(out, op.dst);
        PutStr(out, op.text);
        break;
      case LogOp::kBindKey:
        PutU64(out, op.src);
        PutStr(out, op.text);
        break;
    }
  }
}

Status DecodeLogOps(std::string_view data, std::vector<LogOp>* ops) {
  Reader r{data};
  uint32_t n = 0;
  if (!r.U32(&n)) return DataLossError("graph WAL batch: truncated count");
  ops->clear();
  ops->reserve(std::min<uint32_t>(n, 1u << 16));
  for (uint32_t i = 0; i < n; ++i) {
    LogOp op;
    uint8_t kind = 0, merge = 0;
    bool ok = r.U8(&kind);
    op.kind = static_cast<LogOp::Kind>(kind);
    switch (kind) {
      case LogOp::kPutNode:
        ok = ok && r.U64(&op.src) && r.U8(&merge) && r.Props(&op.props);
        break;
      case LogOp::kDeleteNode:
        ok = ok && r.U64(&op.src);
        break;
      case LogOp::kPutEdge:
        ok = ok && r.U64(&op.src) && r.U64(&op.dst) && r.Str(&op.text) && r.U8(&merge) &&
             r.Props(&op.props);
        break;
      case LogOp::kDeleteEdge:
        ok = ok && r.U64(&op.src) && r.U64(&op.dst) && r.Str(&op.text);
        break;
      case LogOp::kBindKey:
        ok = ok && r.U64(&op.src) && r.Str(&op.text);
        break;
      default:
        ok = false;
    }
    if (!ok || merge > 1) return DataLossError("graph WAL batch: malformed operation");
    op.merge = merge == 1;
    ops->push_back(std::move(op));
  }
  if (!r.d.empty()) return DataLossError("graph WAL batch: trailing bytes");
  return Status();
}

void EncodeCell(const PropertyValue& v, std::string* out) {
  PutU8(out, static_cast<uint8_t>(TypeOf(v)));
  switch (TypeOf(v)) {
    case ValueType::kNull:
      break;
    case ValueType::kBool:
      PutU8(out, std::get<bool>(v) ? 1 : 0);
      break;
    case ValueType::kInt:
    case ValueType::kDouble:
      PutU64(out, FixedBits(v));
      break;
    case ValueType::kString:
      out->append(std::get<std::string>(v));
      break;
  }
}

bool DecodeCell(std::string_view cell, PropertyValue* v) {
  if (cell.empty()) return false;
  auto type = static_cast<ValueType>(cell[0]);
  cell.remove_prefix(1);
  const auto* p = reinterpret_cast<const uint8_t*>(cell.data());
  switch (type) {
    case ValueType::kNull:
      *v = std::monostate{};
      return cell.empty();
    case ValueType::kBool:
      if (cell.size() != 1 || p[0] > 1) return false;
      *v = p[0] == 1;
      return true;
    case ValueType::kInt:
    case ValueType::kDouble:
      if (cell.size() != 8) return false;
      *v = FromFixedBits(type, core::DecodeFixed64(p));
      return true;
    case ValueType::kString:
      *v = std::string(cell);
      return true;
  }
  return false;
}

uint64_t FixedBits(const PropertyValue& v) {
  switch (TypeOf(v)) {
    case ValueType::kBool:
      return std::get<bool>(v) ? 1 : 0;
    case ValueType::kInt:
      return static_cast<uint64_t>(std::get<int64_t>(v));
    case ValueType::kDouble: {
      uint64_t bits;
      double d = std::get<double>(v);
      std::memcpy(&bits, &d, 8);
      return bits;
    }
    default:
      return 0;
  }
}

PropertyValue FromFixedBits(ValueType type, uint64_t bits) {
  switch (type) {
    case ValueType::kBool:
      return bits != 0;
    case ValueType::kInt:
      return static_cast<int64_t>(bits);
    case ValueType::kDouble: {
      double d;
      std::memcpy(&d, &bits, 8);
      return d;
    }
    default:
      return std::monostate{};
  }
}

std::string EncodeManifest(const Manifest& m) {
  std::string o(kManifestMagic, 8);
  PutU32(&o, kVersion);
  PutU64(&o, m.generation);
  PutU32(&o, m.mark_segment);
  PutU64(&o, m.mark_offset);
  PutU32(&o, static_cast<uint32_t>(m.files.size()));
  for (const auto& [name, size] : m.files) {
    PutStr(&o, name);
    PutU64(&o, size);
  }
  SealWithCrc(&o);
  return o;
}

Result<Manifest> DecodeManifest(std::string_view data) {
  if (data.size() < 8 || data.substr(0, 8) != std::string_view(kManifestMagic, 8) ||
      !CheckCrc(&data)) {
    return DataLossError("graph MANIFEST: bad magic or checksum");
  }
  Reader r{data.substr(8)};
  Manifest m;
  uint32_t version = 0, n = 0;
  if (!r.U32(&version) || version != kVersion || !r.U64(&m.generation) || !r.U32(&m.mark_segment) ||
      !r.U64(&m.mark_offset) || !r.U32(&n)) {
    return DataLossError("graph MANIFEST: malformed header");
  }
  for (uint32_t i = 0; i < n; ++i) {
    std::string name;
    uint64_t size = 0;
    if (!r.Str(&name) || !r.U64(&size)) return DataLossError("graph MANIFEST: malformed file list");
    m.files.emplace_back(std::move(name), size);
  }
  if (!r.d.empty()) return DataLossError("graph MANIFEST: trailing bytes");
  return m;
}

std::string EncodeSnapshotMeta(const SnapshotMeta& m) {
  std::string o(kMetaMagic, 8);
  PutU32(&o, kVersion);
  PutU64(&o, m.slots);
  PutU64(&o, m.out_edges);
  PutU64(&o, m.live_nodes);
  PutU64(&o, m.next_id);
  uint32_t flags = (m.ids_identity ? 1u : 0u) | (m.ids_sorted ? 2u : 0u) | (m.all_live ? 4u : 0u) |
                   (m.has_keys ? 8u : 0u) | (m.has_labels ? 16u : 0u);
  PutU32(&o, flags);
  PutU32(&o, static_cast<uint32_t>(m.labels.size()));
  for (const auto& l : m.labels) PutStr(&o, l);
  PutU32(&o, static_cast<uint32_t>(m.columns.size()));
  for (const auto& c : m.columns) {
    PutU8(&o, c.rows);
    PutU8(&o, c.kind);
    PutU8(&o, static_cast<uint8_t>(c.type));
    PutStr(&o, c.key);
  }
  SealWithCrc(&o);
  return o;
}

Result<SnapshotMeta> DecodeSnapshotMeta(std::string_view data) {
  if (data.size() < 8 || data.substr(0, 8) != std::string_view(kMetaMagic, 8) || !CheckCrc(&data)) {
    return DataLossError("graph snapshot dict: bad magic or checksum");
  }
  Reader r{data.substr(8)};
  SnapshotMeta m;
  uint32_t version = 0, flags = 0, n = 0;
  if (!r.U32(&version) || version != kVersion || !r.U64(&m.slots) || !r.U64(&m.out_edges) ||
      !r.U64(&m.live_nodes) || !r.U64(&m.next_id) || !r.U32(&flags) || !r.U32(&n)) {
    return DataLossError("graph snapshot dict: malformed header");
  }
  m.ids_identity = flags & 1;
  m.ids_sorted = flags & 2;
  m.all_live = flags & 4;
  m.has_keys = flags & 8;
  m.has_labels = flags & 16;
  for (uint32_t i = 0; i < n; ++i) {
    std::string l;
    if (!r.Str(&l)) return DataLossError("graph snapshot dict: malformed labels");
    m.labels.push_back(std::move(l));
  }
  if (!r.U32(&n)) return DataLossError("graph snapshot dict: malformed columns");
  for (uint32_t i = 0; i < n; ++i) {
    ColumnSpec c;
    uint8_t rows = 0, kind = 0, type = 0;
    if (!r.U8(&rows) || !r.U8(&kind) || !r.U8(&type) || !r.Str(&c.key) || rows > 1 || kind > 1 ||
        type > static_cast<uint8_t>(ValueType::kString)) {
      return DataLossError("graph snapshot dict: malformed column");
    }
    c.rows = static_cast<ColumnSpec::Rows>(rows);
    c.kind = static_cast<ColumnSpec::Kind>(kind);
    c.type = static_cast<ValueType>(type);
    m.columns.push_back(std::move(c));
  }
  if (!r.d.empty() || m.slots > 0xffffffffull) {
    return DataLossError("graph snapshot dict: trailing bytes or too many slots");
  }
  return m;
}

std::string ColumnFilePrefix(const ColumnSpec& spec, size_t index) {
  return (spec.rows == ColumnSpec::kNodeRows ? "np-" : "ep-") + std::to_string(index);
}

}  // namespace cairn::graph::internal
