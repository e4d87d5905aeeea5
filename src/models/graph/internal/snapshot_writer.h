// SnapshotWriter: writes a new CSR snapshot directory (docs/graph.md) by streaming: node
// arrays in one call, then each direction's adjacency one slot at a time, then property columns
// one row at a time. Every file is synced when finished; Finish() writes `dict`, syncs the
// directory and its parent, and returns the file list for the MANIFEST. Compaction (merging the
// previous snapshot with a frozen delta) and the bulk loader both use it.
//
// Thread safety: one thread at a time.
#ifndef CAIRN_MODELS_GRAPH_INTERNAL_SNAPSHOT_WRITER_H_
#define CAIRN_MODELS_GRAPH_INTERNAL_SNAPSHOT_WRITER_H_

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/env/env.h"
#include "core/result.h"
#include "models/graph/graph_types.h"
#include "models/graph/internal/array_file.h"
#include "models/graph/internal/codec.h"

namespace cairn::graph::internal {

class SnapshotWriter {
 public:
  // Streams one direction's adjacency: AddList once per slot, in slot order.
  class TopologyWriter {
   public:
    // `labels` may be null (every label 0).
    Status AddList(const uint32_t* nbrs, const uint16_t* labels, size_t n);
    // The bulk form (instead of AddList): every list's offsets at once (lists + 1 entries,
    // from 0), then the edges of all lists in order, in pieces of any size.
    Status SetOffsets(const uint64_t* offsets, uint64_t lists);
    Status AppendEdges(const uint32_t* nbrs, const uint16_t* labels, size_t n);
    uint64_t edges() const { return offset_; }

   private:
    friend class SnapshotWriter;
    std::unique_ptr<ArrayFileWriter> off_, nbr_, lbl_;
    std::vector<uint16_t> zeros_;
    uint64_t offset_ = 0;
    uint64_t lists_ = 0;
    uint64_t expected_edges_ = ~0ull;  // set by SetOffsets
  };

  // Streams one property column: one Add per row, in row order.
  class ColumnWriter {
   public:
    // `v` null (or a null value): the row has no value. A fixed column takes only its type.
    Status Add(const PropertyValue* v);
    // Fixed columns: the raw 8-byte slot.
    Status AddFixed(uint64_t bits, bool present);
    const ColumnSpec& spec() const { return spec_; }

   private:
    friend class SnapshotWriter;
    ColumnSpec spec_;
    std::unique_ptr<ArrayFileWriter> fix_, off_, dat_;
    std::vector<uint64_t> bits_;
    uint64_t rows_ = 0;
    uint64_t offset_ = 0;
    std::string cell_;
  };

  // `dir` must not exist yet (it is created).
  SnapshotWriter(core::Env* env, std::string dir);
  ~SnapshotWriter();

  Status Begin();
  // slot -> id for every slot; `live` is a bitmap over slots (live_count bits set); `keys` are
  // (slot, key) pairs, ascending by slot, keys unique and non-empty.
  Status WriteNodes(const std::vector<NodeId>& ids, const std::vector<uint64_t>& live,
                    uint64_t live_count, const std::vector<std::pair<uint32_t, std::string>>& keys);
  // dir 0 = out, 1 = in. Call Finish* before starting the other direction is not required.
  Result<TopologyWriter*> StartTopology(int dir, bool has_labels);
  Result<ColumnWriter*> AddColumn(const ColumnSpec& spec);
  // Closes every writer, writes `dict` (labels and next_id from the caller; the rest from what
  // was written) and syncs. `manifest` receives the file list.
  Status Finish(const std::vector<std::string>& labels, NodeId next_id, Manifest* manifest);

  const std::string& dir() const { return dir_; }

 private:
  Result<std::unique_ptr<ArrayFileWriter>> Create(const std::string& name, uint32_t width);
  Status Done(ArrayFileWriter* w, const std::string& name);

  core::Env* env_;
  std::string dir_;
  SnapshotMeta meta_;
  std::vector<std::pair<std::string, uint64_t>> files_;
  std::unique_ptr<TopologyWriter> topo_[2];
  std::vector<std::unique_ptr<ColumnWriter>> columns_;
};

}  // namespace cairn::graph::internal

#endif  // CAIRN_MODELS_GRAPH_INTERNAL_SNAPSHOT_WRITER_H_
