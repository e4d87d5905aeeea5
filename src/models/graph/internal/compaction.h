// Compaction: writes the snapshot that a view (an immutable snapshot plus frozen delta layers)
// describes, by one sequential walk over the slots. Untouched adjacency lists and their property
// rows are copied in runs from the old snapshot (mapped, or read in 1 MiB windows); touched ones
// are merged with the delta. Column kinds are chosen from the old columns and the delta's values
// (a key whose values are all one numeric type gets a fixed 8-byte column).
//
// Thread safety: reads only immutable structures; one writer.
#ifndef CAIRN_MODELS_GRAPH_INTERNAL_COMPACTION_H_
#define CAIRN_MODELS_GRAPH_INTERNAL_COMPACTION_H_

#include "core/result.h"
#include "models/graph/internal/codec.h"
#include "models/graph/internal/delta.h"
#include "models/graph/internal/snapshot_writer.h"

namespace cairn::graph::internal {

// `view`'s layers must not change while this runs. On success `manifest->files` is set.
Status WriteMergedSnapshot(const View& view, NodeId next_id, SnapshotWriter* writer,
                           Manifest* manifest);

}  // namespace cairn::graph::internal

#endif  // CAIRN_MODELS_GRAPH_INTERNAL_COMPACTION_H_
