// Snapshot: one immutable CSR generation of the graph, opened from the files that MANIFEST
// names (docs/graph.md). Nodes live in slots 0..slots()-1 (a deleted node's slot stays, dead,
// until the graph is rebuilt by a bulk load); each direction (0 = out, 1 = in) has an offsets
// array (slots + 1 entries) and neighbour / label arrays sorted by (label, neighbour slot)
// within each node. Edge property rows follow the out arrays' positions.
//
// Per-node arrays are always in memory (mapped or loaded); edge arrays and property columns are
// mapped, loaded, or read on demand, depending on the read path (see GraphOptions::read_mode).
//
// Thread safety: immutable after Open; every method is safe to call concurrently.
#ifndef CAIRN_MODELS_GRAPH_INTERNAL_SNAPSHOT_H_
#define CAIRN_MODELS_GRAPH_INTERNAL_SNAPSHOT_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/env/env.h"
#include "core/result.h"
#include "models/graph/graph_options.h"
#include "models/graph/graph_types.h"
#include "models/graph/internal/array_file.h"
#include "models/graph/internal/codec.h"

namespace cairn::graph::internal {

struct SnapshotOpenOptions {
  core::Env* env = nullptr;
  std::string dir;  // the snapshot directory (graph dir / snap-NNNNNNNN)
  ReadMode mode = ReadMode::kAuto;
  uint64_t memory_budget_bytes = 0;
  unsigned queue_depth = 64;
  bool verify = true;
};

// A range of one direction's edge positions to read, and where to put it (labels may be null).
struct AdjReq {
  uint64_t begin = 0;
  uint64_t end = 0;
  uint32_t* nbrs = nullptr;
  uint16_t* labels = nullptr;
};

// Reads an array file sequentially in windows (a monotone walk costs about one read per MiB).
class ArrayCursor {
 public:
  explicit ArrayCursor(const ArrayFile* file) : file_(file) {}
  // Elements [begin, end) of the file. The pointer is valid until the next call.
  Result<const uint8_t*> Get(uint64_t begin, uint64_t end);

 private:
  const ArrayFile* file_;
  std::vector<uint8_t> buf_;
  uint64_t wbegin_ = 0, wend_ = 0;  // the window's element range
};

class Snapshot {
 public:
  struct Column {
    ColumnSpec spec;
    std::unique_ptr<ArrayFile> fixed;  // kFixed: 8-byte slots
    std::unique_ptr<ArrayFile> bits;   // kFixed: presence bitmap (u64 words, always in memory)
    std::unique_ptr<ArrayFile> off;    // kVar: rows + 1 byte offsets
    std::unique_ptr<ArrayFile> dat;    // kVar: cells
  };

  // An empty snapshot (generation 0).
  static std::unique_ptr<Snapshot> Empty();
  // Errors: kDataLoss (missing or corrupt files, sizes not as the manifest says), Env/OS errors.
  static Result<std::unique_ptr<Snapshot>> Open(const SnapshotOpenOptions& options,
                                                const Manifest& manifest);
  ~Snapshot();

  const SnapshotMeta& meta() const { return meta_; }
  uint32_t slots() const { return static_cast<uint32_t>(meta_.slots); }
  uint64_t edges() const { return meta_.out_edges; }
  ReadPath read_path() const;
  const IoContext* io() const { return io_.get(); }
  uint64_t generation() const { return generation_; }

  // Nodes.
  NodeId IdOf(uint32_t slot) const;
  bool Live(uint32_t slot) const;
  // The slot holding `id` (live or dead), if any.
  std::optional<uint32_t> SlotOf(NodeId id) const;
  Result<std::string> KeyOf(uint32_t slot) const;  // "" when none
  Result<std::optional<uint32_t>> SlotOfKey(std::string_view key) const;
  Status NodeProps(uint32_t slot, Properties* out) const;
  // Calls fn(slot, key) for every slot that has a key, in slot order.
  Status ForEachKey(const std::function<void(uint32_t, std::string_view)>& fn) const;

  // Topology; dir 0 = out, 1 = in.
  const uint64_t* Offsets(int dir) const { return off_[dir]; }
  uint64_t Begin(int dir, uint32_t slot) const { return slot < slots() ? off_[dir][slot] : 0; }
  uint64_t End(int dir, uint32_t slot) const { return slot < slots() ? off_[dir][slot + 1] : 0; }
  // Neighbour and label arrays in memory (mapped or loaded)?
  bool topology_resident() const { return nbr_[0] != nullptr && nbr_[0]->data() != nullptr; }
  const uint32_t* Nbrs(int dir) const { return nbr_[dir] ? nbr_[dir]->as<uint32_t>() : nullptr; }
  // nullptr when the snapshot has no label arrays (every edge has label 0) or they are on disk.
  const uint16_t* Labels(int dir) const { return lbl_[dir] ? lbl_[dir]->as<uint16_t>() : nullptr; }
  bool has_labels() const { return meta_.has_labels; }
  // Fills each request (labels only where asked and stored; otherwise set to 0).
  Status ReadAdj(int dir, std::span<AdjReq> reqs) const;
  const ArrayFile* nbr_file(int dir) const { return nbr_[dir].get(); }
  const ArrayFile* lbl_file(int dir) const { return lbl_[dir].get(); }

  // Properties.
  Status EdgeProps(uint64_t pos, Properties* out) const;
  const std::vector<Column>& columns() const { return columns_; }
  // Index of the edge-row column for `key`, or -1.
  int EdgeColumn(std::string_view key) const;
  // The cell at `row` of column `col` (nullopt when absent).
  Result<std::optional<PropertyValue>> Cell(int col, uint64_t row) const;
  // Numbers of edge-row column `col` for positions [begin, end): vals[i] = NaN when absent or
  // not a number.
  Status ReadNumbers(int col, uint64_t begin, uint64_t end, double* vals) const;

  // The label dictionary of this snapshot (id -> label).
  const std::vector<std::string>& labels() const { return meta_.labels; }
  // Total bytes of the snapshot's files.
  uint64_t file_bytes() const { return file_bytes_; }

 private:
  Snapshot() = default;
  Result<std::unique_ptr<ArrayFile>> OpenArray(const SnapshotOpenOptions& o,
                                               const std::string& name, uint32_t width,
                                               bool resident, uint64_t expect_count);
  Status OpenColumns(const SnapshotOpenOptions& o);
  bool Present(const Column& c, uint64_t row) const;

  uint64_t generation_ = 0;
  SnapshotMeta meta_;
  uint64_t file_bytes_ = 0;
  std::unique_ptr<IoContext> io_;
  std::unique_ptr<ArrayFile> ids_, live_, byid_, keys_off_, keys_dat_, bykey_;
  std::unique_ptr<ArrayFile> offf_[2], nbr_[2], lbl_[2];
  const uint64_t* off_[2] = {nullptr, nullptr};
  std::vector<uint64_t> empty_offsets_{0};
  std::vector<Column> columns_;
};

}  // namespace cairn::graph::internal

#endif  // CAIRN_MODELS_GRAPH_INTERNAL_SNAPSHOT_H_
