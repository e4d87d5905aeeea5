// Byte encodings of the graph model (docs/graph.md): WAL operations, the MANIFEST, the snapshot
// dictionary (`dict` file) and property values. All integers little-endian.
//
// Thread safety: pure functions and plain values.
#ifndef CAIRN_MODELS_GRAPH_INTERNAL_CODEC_H_
#define CAIRN_MODELS_GRAPH_INTERNAL_CODEC_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "models/graph/graph_types.h"

namespace cairn::graph::internal {

// Segment-log record types of the graph WAL.
inline constexpr uint8_t kWalBatch = 1;  // payload: EncodeLogOps
inline constexpr uint8_t kWalMark = 2;   // empty: a compaction's place in the log

// A resolved mutation as logged (keys already bound to ids).
struct LogOp {
  enum Kind : uint8_t {
    kPutNode = 1,
    kDeleteNode = 2,
    kPutEdge = 3,
    kDeleteEdge = 4,
    kBindKey = 5
  };
  Kind kind = kPutNode;
  bool merge = false;
  NodeId src = kNoNode;
  NodeId dst = kNoNode;
  std::string text;  // the label (edges) or the key (kBindKey)
  Properties props;
};

void EncodeLogOps(const std::vector<LogOp>& ops, std::string* out);
// Errors: kDataLoss on malformed input.
Status DecodeLogOps(std::string_view data, std::vector<LogOp>* ops);

// Little-endian appenders and a bounds-checked reader.
void PutU8(std::string* o, uint8_t v);
void PutU16(std::string* o, uint16_t v);
void PutU32(std::string* o, uint32_t v);
void PutU64(std::string* o, uint64_t v);
void PutStr(std::string* o, std::string_view s);         // u32 length + bytes
void PutValue(std::string* o, const PropertyValue& v);   // type u8 + payload (strings: PutStr)
void PutProps(std::string* o, const Properties& props);  // u32 count, then (key, value)

struct Reader {
  std::string_view d;
  bool U8(uint8_t* v);
  bool U16(uint16_t* v);
  bool U32(uint32_t* v);
  bool U64(uint64_t* v);
  bool Str(std::string* s);
  bool Value(PropertyValue* v);
  bool Props(Properties* props);
};

// A property value stored in one cell of a variable-width column: type u8, then bool u8,
// int64 / double bits u64, or the string's bytes up to the end of the cell.
void EncodeCell(const PropertyValue& v, std::string* out);
bool DecodeCell(std::string_view cell, PropertyValue* v);
// The 8-byte slot of a fixed-width column (bool 0/1, int64 two's complement, double bits).
uint64_t FixedBits(const PropertyValue& v);
PropertyValue FromFixedBits(ValueType type, uint64_t bits);

// MANIFEST: the current snapshot and where WAL replay starts.
struct Manifest {
  uint64_t generation = 0;  // 0: no snapshot (empty graph)
  // Replay applies the WAL records after this address (segment 0: every record).
  uint32_t mark_segment = 0;
  uint64_t mark_offset = 0;
  std::vector<std::pair<std::string, uint64_t>> files;  // snapshot file names and sizes
};
std::string EncodeManifest(const Manifest& m);
// Errors: kDataLoss (magic, CRC, truncation).
Result<Manifest> DecodeManifest(std::string_view data);

// One property column of a snapshot.
struct ColumnSpec {
  enum Rows : uint8_t { kNodeRows = 0, kEdgeRows = 1 };
  enum Kind : uint8_t { kFixed = 0, kVar = 1 };
  Rows rows = kNodeRows;
  Kind kind = kVar;
  ValueType type = ValueType::kNull;  // kFixed only: bool, int or double
  std::string key;
};

// The snapshot's dictionary and shape (file `dict`).
struct SnapshotMeta {
  uint64_t slots = 0;      // node slots (live and deleted)
  uint64_t out_edges = 0;  // edges (each once)
  uint64_t live_nodes = 0;
  uint64_t next_id = 0;             // smallest id never used (fresh key bindings start here)
  bool ids_identity = false;        // slot s holds id s for every slot: no nodes.ids file
  bool ids_sorted = false;          // ids ascend with the slot: no nodes.byid file
  bool all_live = false;            // no nodes.live file
  bool has_keys = false;            // nodes.keys.* and nodes.bykey exist
  bool has_labels = false;          // {out,in}.lbl exist; else every edge has label 0
  std::vector<std::string> labels;  // label id -> label
  std::vector<ColumnSpec> columns;
};
std::string EncodeSnapshotMeta(const SnapshotMeta& m);
Result<SnapshotMeta> DecodeSnapshotMeta(std::string_view data);

// File name prefix of column `index`: "np-3" (node rows) or "ep-3" (edge rows).
std::string ColumnFilePrefix(const ColumnSpec& spec, size_t index);

}  // namespace cairn::graph::internal

#endif  // CAIRN_MODELS_GRAPH_INTERNAL_CODEC_H_
