#include "models/graph/internal/snapshot_writer.h"

#include <algorithm>
#include <numeric>

namespace cairn::graph::internal {

Status SnapshotWriter::TopologyWriter::AddList(const uint32_t* nbrs, const uint16_t* labels,
                                               size_t n) {
  if (n > 0) {
    CAIRN_RETURN_IF_ERROR(nbr_->Append(nbrs, n * 4));
    if (lbl_) {
      if (labels == nullptr) {
        if (zeros_.size() < n) zeros_.resize(n, 0);
        labels = zeros_.data();
      }
      CAIRN_RETURN_IF_ERROR(lbl_->Append(labels, n * 2));
    }
  }
  offset_ += n;
  ++lists_;
  return off_->Add<uint64_t>(offset_);
}

Status SnapshotWriter::TopologyWriter::SetOffsets(const uint64_t* offsets, uint64_t lists) {
  if (lists_ != 0 || offsets[0] != 0) return InternalError("graph topology: SetOffsets late");
  CAIRN_RETURN_IF_ERROR(off_->Append(offsets + 1, lists * 8));
  lists_ = lists;
  expected_edges_ = offsets[lists];
  return Status();
}

Status SnapshotWriter::TopologyWriter::AppendEdges(const uint32_t* nbrs, const uint16_t* labels,
                                                   size_t n) {
  if (n == 0) return Status();
  CAIRN_RETURN_IF_ERROR(nbr_->Append(nbrs, n * 4));
  if (lbl_) {
    if (labels == nullptr) {
      if (zeros_.size() < n) zeros_.resize(n, 0);
      labels = zeros_.data();
    }
    CAIRN_RETURN_IF_ERROR(lbl_->Append(labels, n * 2));
  }
  offset_ += n;
  return Status();
}

Status SnapshotWriter::ColumnWriter::Add(const PropertyValue* v) {
  bool present = v != nullptr && TypeOf(*v) != ValueType::kNull;
  if (spec_.kind == ColumnSpec::kFixed) {
    if (present && TypeOf(*v) != spec_.type) {
      return InternalError("graph column " + spec_.key + ": value of the wrong type");
    }
    return AddFixed(present ? FixedBits(*v) : 0, present);
  }
  if (present) {
    cell_.clear();
    EncodeCell(*v, &cell_);
    CAIRN_RETURN_IF_ERROR(dat_->Append(cell_.data(), cell_.size()));
    offset_ += cell_.size();
  }
  ++rows_;
  return off_->Add<uint64_t>(offset_);
}

Status SnapshotWriter::ColumnWriter::AddFixed(uint64_t bits, bool present) {
  if ((rows_ >> 6) >= bits_.size()) bits_.push_back(0);
  if (present) bits_[rows_ >> 6] |= 1ull << (rows_ & 63);
  ++rows_;
  return fix_->Add<uint64_t>(present ? bits : 0);
}

SnapshotWriter::SnapshotWriter(core::Env* env, std::string dir) : env_(env), dir_(std::move(dir)) {}

SnapshotWriter::~SnapshotWriter() = default;

Status SnapshotWriter::Begin() {
  if (env_->FileExists(dir_)) {
    return AlreadyExistsError("graph snapshot directory exists: " + dir_);
  }
  return core::CreateDirs(env_, dir_);
}

Result<std::unique_ptr<ArrayFileWriter>> SnapshotWriter::Create(const std::string& name,
                                                                uint32_t width) {
  return ArrayFileWriter::Create(env_, core::JoinPath(dir_, name), name, width);
}

Status SnapshotWriter::Done(ArrayFileWriter* w, const std::string& name) {
  CAIRN_ASSIGN_OR_RETURN(uint64_t size, w->Finish());
  files_.emplace_back(name, size);
  return Status();
}

Status SnapshotWriter::WriteNodes(const std::vector<NodeId>& ids, const std::vector<uint64_t>& live,
                                  uint64_t live_count,
                                  const std::vector<std::pair<uint32_t, std::string>>& keys) {
  const uint64_t n = ids.size();
  meta_.slots = n;
  meta_.live_nodes = live_count;
  meta_.all_live = live_count == n;
  meta_.ids_identity = true;
  meta_.ids_sorted = true;
  for (uint64_t s = 0; s < n; ++s) {
    if (ids[s] != s) meta_.ids_identity = false;
    if (s > 0 && ids[s] <= ids[s - 1]) meta_.ids_sorted = false;
  }
  auto write = [&](const std::string& name, uint32_t width, const void* data,
                   uint64_t count) -> Status {
    CAIRN_ASSIGN_OR_RETURN(
        uint64_t size, WriteArrayFile(env_, core::JoinPath(dir_, name), name, width, data, count));
    files_.emplace_back(name, size);
    return Status();
  };
  if (!meta_.ids_identity) CAIRN_RETURN_IF_ERROR(write("nodes.ids", 8, ids.data(), n));
  if (!meta_.ids_sorted) {
    std::vector<uint32_t> byid(n);
    std::iota(byid.begin(), byid.end(), 0u);
    std::sort(byid.begin(), byid.end(), [&](uint32_t a, uint32_t b) { return ids[a] < ids[b]; });
    CAIRN_RETURN_IF_ERROR(write("nodes.byid", 4, byid.data(), n));
  }
  if (!meta_.all_live) {
    std::vector<uint64_t> words(live);
    words.resize((n + 63) / 64, 0);
    CAIRN_RETURN_IF_ERROR(write("nodes.live", 8, words.data(), words.size()));
  }
  meta_.has_keys = !keys.empty();
  if (meta_.has_keys) {
    CAIRN_ASSIGN_OR_RETURN(auto off, Create("nodes.keys.off", 8));
    CAIRN_ASSIGN_OR_RETURN(auto dat, Create("nodes.keys.dat", 1));
    uint64_t pos = 0;
    size_t k = 0;
    CAIRN_RETURN_IF_ERROR(off->Add<uint64_t>(0));
    for (uint64_t s = 0; s < n; ++s) {
      if (k < keys.size() && keys[k].first == s) {
        CAIRN_RETURN_IF_ERROR(dat->Append(keys[k].second.data(), keys[k].second.size()));
        pos += keys[k].second.size();
        ++k;
      }
      CAIRN_RETURN_IF_ERROR(off->Add<uint64_t>(pos));
    }
    CAIRN_RETURN_IF_ERROR(Done(off.get(), "nodes.keys.off"));
    CAIRN_RETURN_IF_ERROR(Done(dat.get(), "nodes.keys.dat"));
    std::vector<uint32_t> order(keys.size());
    std::iota(order.begin(), order.end(), 0u);
    std::sort(order.begin(), order.end(),
              [&](uint32_t a, uint32_t b) { return keys[a].second < keys[b].second; });
    std::vector<uint32_t> bykey(keys.size());
    for (size_t i = 0; i < order.size(); ++i) bykey[i] = keys[order[i]].first;
    CAIRN_RETURN_IF_ERROR(write("nodes.bykey", 4, bykey.data(), bykey.size()));
  }
  return Status();
}

Result<SnapshotWriter::TopologyWriter*> SnapshotWriter::StartTopology(int dir, bool has_labels) {
  static const char* kDir[2] = {"out", "in"};
  std::string p = kDir[dir];
  auto t = std::make_unique<TopologyWriter>();
  CAIRN_ASSIGN_OR_RETURN(t->off_, Create(p + ".off", 8));
  CAIRN_ASSIGN_OR_RETURN(t->nbr_, Create(p + ".nbr", 4));
  if (has_labels) {
    CAIRN_ASSIGN_OR_RETURN(t->lbl_, Create(p + ".lbl", 2));
  }
  CAIRN_RETURN_IF_ERROR(t->off_->Add<uint64_t>(0));
  meta_.has_labels = has_labels;
  topo_[dir] = std::move(t);
  return topo_[dir].get();
}

Result<SnapshotWriter::ColumnWriter*> SnapshotWriter::AddColumn(const ColumnSpec& spec) {
  auto c = std::make_unique<ColumnWriter>();
  c->spec_ = spec;
  std::string p = ColumnFilePrefix(spec, columns_.size());
  if (spec.kind == ColumnSpec::kFixed) {
    CAIRN_ASSIGN_OR_RETURN(c->fix_, Create(p + ".fix", 8));
  } else {
    CAIRN_ASSIGN_OR_RETURN(c->off_, Create(p + ".off", 8));
    CAIRN_ASSIGN_OR_RETURN(c->dat_, Create(p + ".dat", 1));
    CAIRN_RETURN_IF_ERROR(c->off_->Add<uint64_t>(0));
  }
  columns_.push_back(std::move(c));
  return columns_.back().get();
}

Status SnapshotWriter::Finish(const std::vector<std::string>& labels, NodeId next_id,
                              Manifest* manifest) {
  static const char* kDir[2] = {"out", "in"};
  for (int d = 0; d < 2; ++d) {
    TopologyWriter* t = topo_[d].get();
    if (t == nullptr || t->lists_ != meta_.slots ||
        (t->expected_edges_ != ~0ull && t->expected_edges_ != t->offset_)) {
      return InternalError("graph snapshot writer: adjacency not written for every slot");
    }
    std::string p = kDir[d];
    CAIRN_RETURN_IF_ERROR(Done(t->off_.get(), p + ".off"));
    CAIRN_RETURN_IF_ERROR(Done(t->nbr_.get(), p + ".nbr"));
    if (t->lbl_) CAIRN_RETURN_IF_ERROR(Done(t->lbl_.get(), p + ".lbl"));
  }
  meta_.out_edges = topo_[0]->edges();
  if (topo_[1]->edges() != meta_.out_edges) {
    return InternalError("graph snapshot writer: out and in edge counts differ");
  }
  for (size_t i = 0; i < columns_.size(); ++i) {
    ColumnWriter* c = columns_[i].get();
    uint64_t rows = c->spec_.rows == ColumnSpec::kNodeRows ? meta_.slots : meta_.out_edges;
    if (c->rows_ != rows) {
      return InternalError("graph snapshot writer: column " + c->spec_.key + " has " +
                           std::to_string(c->rows_) + " rows, expected " + std::to_string(rows));
    }
    std::string p = ColumnFilePrefix(c->spec_, i);
    if (c->spec_.kind == ColumnSpec::kFixed) {
      CAIRN_RETURN_IF_ERROR(Done(c->fix_.get(), p + ".fix"));
      c->bits_.resize((rows + 63) / 64, 0);
      CAIRN_ASSIGN_OR_RETURN(uint64_t size,
                             WriteArrayFile(env_, core::JoinPath(dir_, p + ".bits"), p + ".bits", 8,
                                            c->bits_.data(), c->bits_.size()));
      files_.emplace_back(p + ".bits", size);
    } else {
      CAIRN_RETURN_IF_ERROR(Done(c->off_.get(), p + ".off"));
      CAIRN_RETURN_IF_ERROR(Done(c->dat_.get(), p + ".dat"));
    }
    meta_.columns.push_back(c->spec_);
  }
  meta_.labels = labels;
  meta_.next_id = next_id;
  std::string dict = EncodeSnapshotMeta(meta_);
  CAIRN_ASSIGN_OR_RETURN(uint64_t size, WriteArrayFile(env_, core::JoinPath(dir_, "dict"), "dict",
                                                       1, dict.data(), dict.size()));
  files_.emplace_back("dict", size);
  CAIRN_RETURN_IF_ERROR(env_->SyncDir(dir_));
  CAIRN_RETURN_IF_ERROR(env_->SyncDir(core::DirName(dir_)));
  manifest->files = files_;
  return Status();
}

}  // namespace cairn::graph::internal
