#include "models/graph/internal/compaction.h"

#include <cstring>
#include <map>
#include <set>

namespace cairn::graph::internal {
namespace {

// Sequential reads of one old column (rows visited in ascending order).
class ColumnSource {
 public:
  explicit ColumnSource(const Snapshot::Column* c)
      : c_(c),
        fix_(c->fixed.get()),
        off_(c->off ? c->off.get() : nullptr),
        dat_(c->dat ? c->dat.get() : nullptr) {}

  const ColumnSpec& spec() const { return c_->spec; }

  Status GetFixed(uint64_t row, uint64_t* bits, bool* present) {
    *present = (c_->bits->as<uint64_t>()[row >> 6] >> (row & 63)) & 1;
    *bits = 0;
    if (!*present) return Status();
    CAIRN_ASSIGN_OR_RETURN(const uint8_t* p, fix_.Get(row, row + 1));
    std::memcpy(bits, p, 8);
    return Status();
  }

  Status Get(uint64_t row, PropertyValue* v, bool* present) {
    if (c_->spec.kind == ColumnSpec::kFixed) {
      uint64_t bits = 0;
      CAIRN_RETURN_IF_ERROR(GetFixed(row, &bits, present));
      if (*present) *v = FromFixedBits(c_->spec.type, bits);
      return Status();
    }
    CAIRN_ASSIGN_OR_RETURN(const uint8_t* p, off_.Get(row, row + 2));
    uint64_t range[2];
    std::memcpy(range, p, 16);
    *present = range[1] > range[0];
    if (!*present) return Status();
    CAIRN_ASSIGN_OR_RETURN(const uint8_t* cell, dat_.Get(range[0], range[1]));
    if (!DecodeCell(std::string_view(reinterpret_cast<const char*>(cell), range[1] - range[0]),
                    v)) {
      return DataLossError("graph snapshot: malformed property cell");
    }
    return Status();
  }

 private:
  const Snapshot::Column* c_;
  ArrayCursor fix_, off_, dat_;
};

// One column of the new snapshot and where its old values come from.
struct OutColumn {
  SnapshotWriter::ColumnWriter* writer = nullptr;
  std::unique_ptr<ColumnSource> source;  // null: no old column for this key

  Status CopyRow(uint64_t row) {
    if (!source) return writer->Add(nullptr);
    if (writer->spec().kind == ColumnSpec::kFixed && source->spec().kind == ColumnSpec::kFixed &&
        writer->spec().type == source->spec().type) {
      uint64_t bits = 0;
      bool present = false;
      CAIRN_RETURN_IF_ERROR(source->GetFixed(row, &bits, &present));
      return writer->AddFixed(bits, present);
    }
    PropertyValue v;
    bool present = false;
    CAIRN_RETURN_IF_ERROR(source->Get(row, &v, &present));
    return writer->Add(present ? &v : nullptr);
  }

  Status AddFrom(const Properties& props) {
    auto it = props.find(writer->spec().key);
    return writer->Add(it == props.end() ? nullptr : &it->second);
  }
};

struct KeyTypes {
  bool var = false;
  std::set<ValueType> types;
  int old_col = -1;
};

ColumnSpec SpecFor(ColumnSpec::Rows rows, const std::string& key, const KeyTypes& t) {
  ColumnSpec c;
  c.rows = rows;
  c.key = key;
  bool fixed = !t.var && t.types.size() == 1 && *t.types.begin() != ValueType::kString;
  c.kind = fixed ? ColumnSpec::kFixed : ColumnSpec::kVar;
  c.type = fixed ? *t.types.begin() : ValueType::kNull;
  return c;
}

Status PlanColumns(const View& view, SnapshotWriter* writer, std::vector<OutColumn>* node_cols,
                   std::vector<OutColumn>* edge_cols) {
  std::map<std::string, KeyTypes> keys[2];
  const auto& old = view.snap().columns();
  for (size_t i = 0; i < old.size(); ++i) {
    KeyTypes& t = keys[old[i].spec.rows][old[i].spec.key];
    t.old_col = static_cast<int>(i);
    if (old[i].spec.kind == ColumnSpec::kVar) {
      t.var = true;
    } else {
      t.types.insert(old[i].spec.type);
    }
  }
  for (const DeltaLayer* l : view.layers()) {
    for (const auto& [slot, st] : l->nodes) {
      for (const auto& [k, v] : st.props) keys[0][k].types.insert(TypeOf(v));
    }
    for (const auto& [slot, m] : l->adj[0]) {
      for (const auto& [key, st] : m) {
        for (const auto& [k, v] : st.props) keys[1][k].types.insert(TypeOf(v));
      }
    }
  }
  for (int r = 0; r < 2; ++r) {
    for (const auto& [key, t] : keys[r]) {
      OutColumn c;
      CAIRN_ASSIGN_OR_RETURN(c.writer,
                             writer->AddColumn(SpecFor(static_cast<ColumnSpec::Rows>(r), key, t)));
      if (t.old_col >= 0) {
        c.source = std::make_unique<ColumnSource>(&old[static_cast<size_t>(t.old_col)]);
      }
      (r == 0 ? node_cols : edge_cols)->push_back(std::move(c));
    }
  }
  return Status();
}

Status WriteNodeArrays(const View& view, SnapshotWriter* writer) {
  const uint32_t n = view.total_slots();
  std::vector<NodeId> ids(n);
  std::vector<uint64_t> live((n + 63) / 64, 0);
  uint64_t live_count = 0;
  for (uint32_t s = 0; s < n; ++s) {
    ids[s] = view.IdOf(s);
    if (view.Live(s)) {
      live[s >> 6] |= 1ull << (s & 63);
      ++live_count;
    }
  }
  std::map<uint32_t, std::string> keyed;
  CAIRN_RETURN_IF_ERROR(view.snap().ForEachKey(
      [&](uint32_t slot, std::string_view key) { keyed.emplace(slot, std::string(key)); }));
  for (const DeltaLayer* l : view.layers()) {
    for (const auto& [slot, st] : l->nodes) {
      if (st.key.empty()) {
        keyed.erase(slot);
      } else {
        keyed[slot] = st.key;
      }
    }
  }
  std::vector<std::pair<uint32_t, std::string>> keys(keyed.begin(), keyed.end());
  return writer->WriteNodes(ids, live, live_count, keys);
}

// The newest layer's state of node `slot`, or null.
const NodeState* LayerNode(const View& view, uint32_t slot) {
  for (auto it = view.layers().rbegin(); it != view.layers().rend(); ++it) {
    auto f = (*it)->nodes.find(slot);
    if (f != (*it)->nodes.end()) return &f->second;
  }
  return nullptr;
}

Status WriteNodeColumns(const View& view, std::vector<OutColumn>* cols) {
  const uint32_t n = view.total_slots();
  const uint32_t old_slots = view.snap().slots();
  for (uint32_t s = 0; s < n; ++s) {
    const NodeState* st = LayerNode(view, s);
    for (OutColumn& c : *cols) {
      if (st != nullptr) {
        CAIRN_RETURN_IF_ERROR(c.AddFrom(st->props));
      } else if (s < old_slots) {
        CAIRN_RETURN_IF_ERROR(c.CopyRow(s));
      } else {
        CAIRN_RETURN_IF_ERROR(c.writer->Add(nullptr));
      }
    }
  }
  return Status();
}

Status WriteDirection(const View& view, int dir, bool has_labels, SnapshotWriter* writer,
                      std::vector<OutColumn>* cols) {
  CAIRN_ASSIGN_OR_RETURN(SnapshotWriter::TopologyWriter * tw,
                         writer->StartTopology(dir, has_labels));
  const Snapshot& snap = view.snap();
  std::unique_ptr<ArrayCursor> ncur, lcur;
  if (snap.nbr_file(dir)) ncur = std::make_unique<ArrayCursor>(snap.nbr_file(dir));
  if (snap.lbl_file(dir)) lcur = std::make_unique<ArrayCursor>(snap.lbl_file(dir));
  std::vector<AdjEntry> entries;
  std::vector<uint32_t> nb;
  std::vector<uint16_t> lb;
  const uint32_t n = view.total_slots();
  for (uint32_t s = 0; s < n; ++s) {
    if (!view.Touched(dir, s)) {
      uint64_t b = snap.Begin(dir, s), e = snap.End(dir, s);
      if (e == b) {
        CAIRN_RETURN_IF_ERROR(tw->AddList(nullptr, nullptr, 0));
        continue;
      }
      CAIRN_ASSIGN_OR_RETURN(const uint8_t* np, ncur->Get(b, e));
      const uint16_t* lp = nullptr;
      if (lcur) {
        CAIRN_ASSIGN_OR_RETURN(const uint8_t* p, lcur->Get(b, e));
        lp = reinterpret_cast<const uint16_t*>(p);
      }
      CAIRN_RETURN_IF_ERROR(tw->AddList(reinterpret_cast<const uint32_t*>(np), lp, e - b));
      for (OutColumn& c : *cols) {
        for (uint64_t r = b; r < e; ++r) CAIRN_RETURN_IF_ERROR(c.CopyRow(r));
      }
      continue;
    }
    CAIRN_RETURN_IF_ERROR(view.Adj(dir, s, std::nullopt, &entries));
    nb.resize(entries.size());
    lb.resize(entries.size());
    for (size_t i = 0; i < entries.size(); ++i) {
      nb[i] = entries[i].nbr;
      lb[i] = entries[i].label;
    }
    CAIRN_RETURN_IF_ERROR(tw->AddList(nb.data(), lb.data(), nb.size()));
    for (OutColumn& c : *cols) {
      for (const AdjEntry& e : entries) {
        if (e.state) {
          CAIRN_RETURN_IF_ERROR(c.AddFrom(e.state->props));
        } else {
          CAIRN_RETURN_IF_ERROR(c.CopyRow(e.pos));
        }
      }
    }
  }
  return Status();
}

}  // namespace

Status WriteMergedSnapshot(const View& view, NodeId next_id, SnapshotWriter* writer,
                           Manifest* manifest) {
  CAIRN_RETURN_IF_ERROR(writer->Begin());
  CAIRN_RETURN_IF_ERROR(WriteNodeArrays(view, writer));
  std::vector<OutColumn> node_cols, edge_cols, no_cols;
  CAIRN_RETURN_IF_ERROR(PlanColumns(view, writer, &node_cols, &edge_cols));
  CAIRN_RETURN_IF_ERROR(WriteNodeColumns(view, &node_cols));
  bool has_labels = view.labels().names.size() > 1;
  CAIRN_RETURN_IF_ERROR(WriteDirection(view, 0, has_labels, writer, &edge_cols));
  CAIRN_RETURN_IF_ERROR(WriteDirection(view, 1, has_labels, writer, &no_cols));
  return writer->Finish(view.labels().names, next_id, manifest);
}

}  // namespace cairn::graph::internal
