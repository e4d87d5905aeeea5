// `cairn graph ...`: a graph directory (models/graph, docs/graph.md) opened directly with the
// model — cairnd serves no graph API yet, so the directory must not be open elsewhere (the
// model's LOCK refuses a second process: exit 1).
//
//   import --dir DIR FILE      bulk-loads an edge list ("src dst [label]" per line, '#' and '%'
//                              comments) into DIR, which must not hold a graph yet; a progress
//                              bar on a terminal; prints nodes, edges and the rate
//   neighbors --dir DIR NODE   prints the node's neighbours, one per line: "ID" or "ID<TAB>LABEL"
//                              (--direction out|in|both, --label L, --limit N)
//   bfs --dir DIR NODE         prints "ID<TAB>DEPTH" per reached node in BFS order
//                              (--direction, --label, --max-depth D, --limit N); with --summary
//                              only "reached N", "levels L", "edges E" (the parallel BFS)
//   path --dir DIR SRC DST     prints the shortest path "A -> B -> C" and "cost C" (hops, or the
//                              sum of --weight PROP); exit 1 when there is none
//   stats --dir DIR            prints "key: value" lines (nodes, edges, snapshot, read path ...)
//   export --dir DIR FILE      writes every edge as "src<TAB>dst[<TAB>label]" (import reads it)
// NODE arguments are node ids (decimal), or string keys of keyed nodes.
//
// Exit status: 0 done; 1 a model error, an unknown node, no path; 2 bad usage.
#ifndef CAIRN_CLI_GRAPH_COMMAND_H_
#define CAIRN_CLI_GRAPH_COMMAND_H_

#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>

namespace cairn::core {
class Env;
}  // namespace cairn::core

namespace cairn::cli {

enum class GraphAction { kImport, kNeighbors, kBfs, kPath, kStats, kExport };

struct GraphCliOptions {
  std::string dir;
  std::string file;               // import: the edge list; export: the output
  std::string node;               // neighbors, bfs: the node; path: the source
  std::string dst;                // path: the destination
  std::string direction = "out";  // out, in, both
  std::optional<std::string> label;
  std::optional<std::string> weight;  // path: Dijkstra on this edge property
  std::optional<uint64_t> limit;
  std::optional<uint32_t> max_depth;
  bool summary = false;  // bfs
  unsigned threads = 0;  // import sorting / BFS threads (0: all cores)
  bool progress = true;  // import: draw a bar when stderr is a terminal
};

int RunGraph(GraphAction action, const GraphCliOptions& options, core::Env* env, std::FILE* out,
             std::FILE* err);

}  // namespace cairn::cli

#endif  // CAIRN_CLI_GRAPH_COMMAND_H_
