#include "models/graph/internal/snapshot.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

namespace cairn::graph::internal {
namespace {

bool TestBit(const uint64_t* words, uint64_t i) { return (words[i >> 6] >> (i & 63)) & 1; }

}  // namespace

Result<const uint8_t*> ArrayCursor::Get(uint64_t begin, uint64_t end) {
  const uint32_t w = file_->width();
  if (file_->data() != nullptr) {
    if (end > file_->count()) return OutOfRangeError("array cursor past the end");
    return file_->data() + begin * w;
  }
  if (begin >= wbegin_ && end <= wend_ && wend_ > wbegin_) {
    return buf_.data() + (begin - wbegin_) * w;
  }
  constexpr uint64_t kWindowBytes = 1 << 20;
  uint64_t n = std::max<uint64_t>(end - begin, kWindowBytes / w);
  n = std::min<uint64_t>(n, file_->count() - std::min(begin, file_->count()));
  if (begin + n < end) return OutOfRangeError("array cursor past the end");
  buf_.resize(std::max<uint64_t>(n * w, 1));
  CAIRN_RETURN_IF_ERROR(file_->Read(begin * w, n * w, buf_.data()));
  wbegin_ = begin;
  wend_ = begin + n;
  return buf_.data();
}

std::unique_ptr<Snapshot> Snapshot::Empty() {
  auto s = std::unique_ptr<Snapshot>(new Snapshot());
  s->meta_.all_live = true;
  s->meta_.ids_identity = s->meta_.ids_sorted = true;
  s->meta_.labels = {""};
  s->off_[0] = s->off_[1] = s->empty_offsets_.data();
  return s;
}

Snapshot::~Snapshot() = default;

ReadPath Snapshot::read_path() const { return io_ ? io_->path() : ReadPath::kNone; }

Result<std::unique_ptr<ArrayFile>> Snapshot::OpenArray(const SnapshotOpenOptions& o,
                                                       const std::string& name, uint32_t width,
                                                       bool resident, uint64_t expect_count) {
  ArrayFile::OpenArgs a;
  a.env = o.env;
  a.path = core::JoinPath(o.dir, name);
  a.name = name;
  a.width = width;
  a.io = io_.get();
  a.resident = resident;
  a.verify = o.verify;
  CAIRN_ASSIGN_OR_RETURN(auto f, ArrayFile::Open(a));
  if (expect_count != ~0ull && f->count() != expect_count) {
    return DataLossError("graph snapshot file " + a.path + ": " + std::to_string(f->count()) +
                         " elements, expected " + std::to_string(expect_count));
  }
  return f;
}

Result<std::unique_ptr<Snapshot>> Snapshot::Open(const SnapshotOpenOptions& o,
                                                 const Manifest& manifest) {
  auto s = std::unique_ptr<Snapshot>(new Snapshot());
  s->generation_ = manifest.generation;
  for (const auto& [name, size] : manifest.files) {
    auto actual = o.env->GetFileSize(core::JoinPath(o.dir, name));
    if (!actual.ok() || *actual != size) {
      return DataLossError("graph snapshot " + o.dir + ": file " + name +
                           (actual.ok() ? " has the wrong size" : " is missing"));
    }
    s->file_bytes_ += size;
  }
  ReadPath path = ReadPath::kMmap;
  switch (o.mode) {
    case ReadMode::kAuto:
      path = s->file_bytes_ <= o.memory_budget_bytes ? ReadPath::kMmap : ReadPath::kDirectUring;
      break;
    case ReadMode::kMmap:
      path = ReadPath::kMmap;
      break;
    case ReadMode::kDirect:
      path = ReadPath::kDirectUring;
      break;
    case ReadMode::kBuffered:
      path = ReadPath::kBuffered;
      break;
    case ReadMode::kEnv:
      path = ReadPath::kEnvMemory;
      break;
  }
  s->io_ = std::make_unique<IoContext>(path, o.queue_depth);

  CAIRN_ASSIGN_OR_RETURN(auto dict, s->OpenArray(o, "dict", 1, true, ~0ull));
  CAIRN_ASSIGN_OR_RETURN(
      s->meta_, DecodeSnapshotMeta(std::string_view(reinterpret_cast<const char*>(dict->data()),
                                                    dict->data_bytes())));
  const SnapshotMeta& m = s->meta_;
  const uint64_t n = m.slots;
  if (!m.ids_identity) {
    CAIRN_ASSIGN_OR_RETURN(s->ids_, s->OpenArray(o, "nodes.ids", 8, true, n));
  }
  if (!m.ids_sorted) {
    CAIRN_ASSIGN_OR_RETURN(s->byid_, s->OpenArray(o, "nodes.byid", 4, true, n));
  }
  if (!m.all_live) {
    CAIRN_ASSIGN_OR_RETURN(s->live_, s->OpenArray(o, "nodes.live", 8, true, (n + 63) / 64));
  }
  if (m.has_keys) {
    CAIRN_ASSIGN_OR_RETURN(s->keys_off_, s->OpenArray(o, "nodes.keys.off", 8, false, n + 1));
    CAIRN_ASSIGN_OR_RETURN(s->keys_dat_, s->OpenArray(o, "nodes.keys.dat", 1, false, ~0ull));
    CAIRN_ASSIGN_OR_RETURN(s->bykey_, s->OpenArray(o, "nodes.bykey", 4, false, ~0ull));
  }
  static const char* kDir[2] = {"out", "in"};
  for (int d = 0; d < 2; ++d) {
    std::string p = kDir[d];
    CAIRN_ASSIGN_OR_RETURN(s->offf_[d], s->OpenArray(o, p + ".off", 8, true, n + 1));
    s->off_[d] = s->offf_[d]->as<uint64_t>();
    if (s->off_[d][0] != 0 || s->off_[d][n] != m.out_edges) {
      return DataLossError("graph snapshot " + o.dir + ": " + p + ".off does not add up");
    }
    CAIRN_ASSIGN_OR_RETURN(s->nbr_[d], s->OpenArray(o, p + ".nbr", 4, false, m.out_edges));
    if (m.has_labels) {
      CAIRN_ASSIGN_OR_RETURN(s->lbl_[d], s->OpenArray(o, p + ".lbl", 2, false, m.out_edges));
    }
  }
  CAIRN_RETURN_IF_ERROR(s->OpenColumns(o));
  spdlog::info("graph: snapshot {} opened: {} nodes, {} edges, {:.1f} MiB, read via {}", o.dir,
               m.live_nodes, m.out_edges, static_cast<double>(s->file_bytes_) / (1 << 20),
               ReadPathName(s->read_path()));
  return s;
}

Status Snapshot::OpenColumns(const SnapshotOpenOptions& o) {
  for (size_t i = 0; i < meta_.columns.size(); ++i) {
    Column c;
    c.spec = meta_.columns[i];
    uint64_t rows = c.spec.rows == ColumnSpec::kNodeRows ? meta_.slots : meta_.out_edges;
    std::string p = ColumnFilePrefix(c.spec, i);
    if (c.spec.kind == ColumnSpec::kFixed) {
      CAIRN_ASSIGN_OR_RETURN(c.fixed, OpenArray(o, p + ".fix", 8, false, rows));
      CAIRN_ASSIGN_OR_RETURN(c.bits, OpenArray(o, p + ".bits", 8, true, (rows + 63) / 64));
    } else {
      CAIRN_ASSIGN_OR_RETURN(c.off, OpenArray(o, p + ".off", 8, false, rows + 1));
      CAIRN_ASSIGN_OR_RETURN(c.dat, OpenArray(o, p + ".dat", 1, false, ~0ull));
    }
    columns_.push_back(std::move(c));
  }
  return Status();
}

NodeId Snapshot::IdOf(uint32_t slot) const {
  return ids_ ? ids_->as<uint64_t>()[slot] : static_cast<NodeId>(slot);
}

bool Snapshot::Live(uint32_t slot) const {
  if (slot >= slots()) return false;
  return live_ == nullptr || TestBit(live_->as<uint64_t>(), slot);
}

std::optional<uint32_t> Snapshot::SlotOf(NodeId id) const {
  const uint64_t n = meta_.slots;
  if (meta_.ids_identity) {
    if (id < n) return static_cast<uint32_t>(id);
    return std::nullopt;
  }
  const uint64_t* ids = ids_->as<uint64_t>();
  if (meta_.ids_sorted) {
    const uint64_t* it = std::lower_bound(ids, ids + n, id);
    if (it != ids + n && *it == id) return static_cast<uint32_t>(it - ids);
    return std::nullopt;
  }
  const uint32_t* byid = byid_->as<uint32_t>();
  const uint32_t* it =
      std::lower_bound(byid, byid + n, id, [&](uint32_t s, NodeId v) { return ids[s] < v; });
  if (it != byid + n && ids[*it] == id) return *it;
  return std::nullopt;
}

Result<std::string> Snapshot::KeyOf(uint32_t slot) const {
  if (!keys_off_ || slot >= slots()) return std::string();
  uint64_t range[2];
  CAIRN_RETURN_IF_ERROR(keys_off_->Read(uint64_t{slot} * 8, 16, range));
  std::string key(range[1] - range[0], '\0');
  CAIRN_RETURN_IF_ERROR(keys_dat_->Read(range[0], key.size(), key.data()));
  return key;
}

Result<std::optional<uint32_t>> Snapshot::SlotOfKey(std::string_view key) const {
  if (!bykey_) return std::optional<uint32_t>();
  uint64_t lo = 0, hi = bykey_->count();
  while (lo < hi) {
    uint64_t mid = (lo + hi) / 2;
    uint32_t slot = 0;
    CAIRN_RETURN_IF_ERROR(bykey_->Read(mid * 4, 4, &slot));
    CAIRN_ASSIGN_OR_RETURN(std::string k, KeyOf(slot));
    int c = k.compare(key);
    if (c == 0) return std::optional<uint32_t>(slot);
    if (c < 0) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return std::optional<uint32_t>();
}

Status Snapshot::ForEachKey(const std::function<void(uint32_t, std::string_view)>& fn) const {
  if (!keys_off_) return Status();
  ArrayCursor off(keys_off_.get()), dat(keys_dat_.get());
  const uint64_t n = meta_.slots;
  for (uint64_t s = 0; s < n; ++s) {
    CAIRN_ASSIGN_OR_RETURN(const uint8_t* p, off.Get(s, s + 2));
    uint64_t range[2];
    std::memcpy(range, p, 16);
    if (range[1] == range[0]) continue;
    CAIRN_ASSIGN_OR_RETURN(const uint8_t* k, dat.Get(range[0], range[1]));
    fn(static_cast<uint32_t>(s),
       std::string_view(reinterpret_cast<const char*>(k), range[1] - range[0]));
  }
  return Status();
}

bool Snapshot::Present(const Column& c, uint64_t row) const {
  return TestBit(c.bits->as<uint64_t>(), row);
}

Result<std::optional<PropertyValue>> Snapshot::Cell(int col, uint64_t row) const {
  const Column& c = columns_[static_cast<size_t>(col)];
  if (c.spec.kind == ColumnSpec::kFixed) {
    if (!Present(c, row)) return std::optional<PropertyValue>();
    uint64_t bits = 0;
    CAIRN_RETURN_IF_ERROR(c.fixed->Read(row * 8, 8, &bits));
    return std::optional<PropertyValue>(FromFixedBits(c.spec.type, bits));
  }
  uint64_t range[2];
  CAIRN_RETURN_IF_ERROR(c.off->Read(row * 8, 16, range));
  if (range[1] == range[0]) return std::optional<PropertyValue>();
  std::string cell(range[1] - range[0], '\0');
  CAIRN_RETURN_IF_ERROR(c.dat->Read(range[0], cell.size(), cell.data()));
  PropertyValue v;
  if (!DecodeCell(cell, &v)) return DataLossError("graph snapshot: malformed property cell");
  return std::optional<PropertyValue>(std::move(v));
}

Status Snapshot::NodeProps(uint32_t slot, Properties* out) const {
  out->clear();
  for (size_t i = 0; i < columns_.size(); ++i) {
    if (columns_[i].spec.rows != ColumnSpec::kNodeRows) continue;
    CAIRN_ASSIGN_OR_RETURN(auto v, Cell(static_cast<int>(i), slot));
    if (v) (*out)[columns_[i].spec.key] = std::move(*v);
  }
  return Status();
}

Status Snapshot::EdgeProps(uint64_t pos, Properties* out) const {
  out->clear();
  for (size_t i = 0; i < columns_.size(); ++i) {
    if (columns_[i].spec.rows != ColumnSpec::kEdgeRows) continue;
    CAIRN_ASSIGN_OR_RETURN(auto v, Cell(static_cast<int>(i), pos));
    if (v) (*out)[columns_[i].spec.key] = std::move(*v);
  }
  return Status();
}

int Snapshot::EdgeColumn(std::string_view key) const {
  for (size_t i = 0; i < columns_.size(); ++i) {
    if (columns_[i].spec.rows == ColumnSpec::kEdgeRows && columns_[i].spec.key == key) {
      return static_cast<int>(i);
    }
  }
  return -1;
}

Status Snapshot::ReadNumbers(int col, uint64_t begin, uint64_t end, double* vals) const {
  const Column& c = columns_[static_cast<size_t>(col)];
  constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
  if (c.spec.kind == ColumnSpec::kFixed) {
    if (end == begin) return Status();
    const uint64_t* raw = c.fixed->as<uint64_t>();  // raw[i] holds row begin + i
    std::vector<uint64_t> buf;
    if (raw != nullptr) {
      raw += begin;
    } else {
      buf.resize(end - begin);
      CAIRN_RETURN_IF_ERROR(c.fixed->Read(begin * 8, (end - begin) * 8, buf.data()));
      raw = buf.data();
    }
    for (uint64_t r = begin; r < end; ++r) {
      uint64_t bits = raw[r - begin];
      if (!Present(c, r)) {
        vals[r - begin] = kNaN;
      } else if (c.spec.type == ValueType::kDouble) {
        std::memcpy(&vals[r - begin], &bits, 8);
      } else if (c.spec.type == ValueType::kInt) {
        vals[r - begin] = static_cast<double>(static_cast<int64_t>(bits));
      } else {
        vals[r - begin] = bits != 0 ? 1.0 : 0.0;
      }
    }
    return Status();
  }
  for (uint64_t r = begin; r < end; ++r) {
    CAIRN_ASSIGN_OR_RETURN(auto v, Cell(col, r));
    std::optional<double> d = v ? AsNumber(*v) : std::nullopt;
    vals[r - begin] = d ? *d : kNaN;
  }
  return Status();
}

Status Snapshot::ReadAdj(int dir, std::span<AdjReq> reqs) const {
  const ArrayFile* nbr = nbr_[dir].get();
  const ArrayFile* lbl = lbl_[dir].get();
  if (nbr == nullptr) return Status();  // empty snapshot: no positions to read
  std::vector<ReadReq> rn, rl;
  rn.reserve(reqs.size());
  for (const AdjReq& r : reqs) {
    rn.push_back(ReadReq{r.begin * 4, (r.end - r.begin) * 4, r.nbrs});
    if (r.labels != nullptr) {
      if (lbl != nullptr) {
        rl.push_back(ReadReq{r.begin * 2, (r.end - r.begin) * 2, r.labels});
      } else {
        std::fill(r.labels, r.labels + (r.end - r.begin), uint16_t{0});
      }
    }
  }
  CAIRN_RETURN_IF_ERROR(nbr->ReadBatch(rn));
  if (!rl.empty()) CAIRN_RETURN_IF_ERROR(lbl->ReadBatch(rl));
  return Status();
}

}  // namespace cairn::graph::internal
