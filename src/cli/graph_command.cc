#include "cli/graph_command.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cinttypes>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "cli/progress.h"
#include "core/env/env.h"
#include "models/graph/bulk_load.h"
#include "models/graph/graph.h"

namespace cairn::cli {
namespace {

using graph::Direction;
using graph::Graph;
using graph::NodeId;

constexpr size_t kImportPiece = 16u << 20;

int Fail(std::FILE* err, const std::string& what, const Status& s) {
  std::fprintf(err, "cairn graph: %s: %s\n", what.c_str(), s.ToString().c_str());
  return 1;
}

bool ParseDirection(const std::string& s, Direction* d) {
  if (s == "out")
    *d = Direction::kOut;
  else if (s == "in")
    *d = Direction::kIn;
  else if (s == "both")
    *d = Direction::kBoth;
  else
    return false;
  return true;
}

// A decimal node id, else a node key.
Result<NodeId> Resolve(const Graph& g, const std::string& node) {
  bool numeric = !node.empty() && node.size() <= 20 &&
                 node.find_first_not_of("0123456789") == std::string::npos;
  if (numeric) {
    errno = 0;
    unsigned long long id = std::strtoull(node.c_str(), nullptr, 10);
    if (errno == 0 && id != graph::kNoNode) {
      CAIRN_RETURN_IF_ERROR(g.NodeIndex(id).status());
      return NodeId{id};
    }
  }
  return g.LookupKey(node);
}

// Streams the edge list through the parser in pieces of whole lines, so that the bar can follow.
Result<uint64_t> ImportFile(core::Env* env, const std::string& path, graph::BulkLoader* loader,
                            bool progress) {
  CAIRN_ASSIGN_OR_RETURN(auto file, env->OpenFile(path, {.read_only = true}));
  CAIRN_ASSIGN_OR_RETURN(uint64_t size, file->Size());
  ProgressBar bar("import", size, progress);
  std::string buf;
  uint64_t offset = 0, line = 1;
  const uint64_t before = loader->edges_added();
  while (offset < size) {
    size_t keep = buf.size();
    size_t want = static_cast<size_t>(std::min<uint64_t>(kImportPiece, size - offset));
    buf.resize(keep + want);
    CAIRN_ASSIGN_OR_RETURN(
        size_t got,
        file->ReadAt(offset, MutableByteSpan(reinterpret_cast<uint8_t*>(buf.data()) + keep, want)));
    if (got == 0) break;
    buf.resize(keep + got);
    offset += got;
    size_t end = offset < size ? buf.rfind('\n') : buf.size();
    if (end == std::string::npos) continue;  // one very long line so far
    if (offset < size) ++end;
    std::string_view text(buf.data(), end);
    CAIRN_RETURN_IF_ERROR(graph::ParseEdgeList(text, loader, line));
    for (char c : text) line += c == '\n';
    buf.erase(0, end);
    bar.Update(offset);
  }
  if (!buf.empty()) CAIRN_RETURN_IF_ERROR(graph::ParseEdgeList(buf, loader, line));
  bar.Finish();
  return loader->edges_added() - before;
}

int Import(const GraphCliOptions& o, core::Env* env, std::FILE* out, std::FILE* err) {
  auto start = std::chrono::steady_clock::now();
  graph::BulkLoader loader({.env = env, .dir = o.dir, .threads = o.threads});
  auto read = ImportFile(env, o.file, &loader, o.progress && StderrIsTty());
  if (!read.ok()) return Fail(err, o.file, read.status());
  auto st = loader.Finish();
  if (!st.ok()) return Fail(err, "import into " + o.dir, st.status());
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::fprintf(out,
               "imported %" PRIu64 " nodes, %" PRIu64 " edges (%" PRIu64
               " duplicates merged), %s, in %.2f s (%.2f M edges/s)\n",
               st->nodes, st->edges, st->duplicate_edges, HumanBytes(st->bytes).c_str(), secs,
               static_cast<double>(*read) / secs / 1e6);
  return 0;
}

int Query(GraphAction action, const GraphCliOptions& o, const Graph& g, std::FILE* out,
          std::FILE* err) {
  Direction dir;
  ParseDirection(o.direction, &dir);
  const uint64_t limit = o.limit.value_or(UINT64_MAX);
  if (action == GraphAction::kStats) {
    graph::GraphStats s = g.stats();
    std::fprintf(out,
                 "nodes: %" PRIu64 "\nedges: %" PRIu64
                 "\nnode_index_bound: %u\n"
                 "generation: %" PRIu64 "\nsnapshot_edges: %" PRIu64 "\nsnapshot_bytes: %" PRIu64
                 "\ndelta_ops: %" PRIu64 "\nwal_bytes: %" PRIu64 "\nread_path: %s\n",
                 s.nodes, s.edges, s.node_index_bound, s.generation, s.snapshot_edges,
                 s.snapshot_bytes, s.delta_ops, s.wal_bytes,
                 std::string(graph::ReadPathName(s.read_path)).c_str());
    return 0;
  }
  if (action == GraphAction::kExport) {
    auto n = g.ExportEdgeList(o.file);
    if (!n.ok()) return Fail(err, "export to " + o.file, n.status());
    std::fprintf(out, "exported %" PRIu64 " edges to %s\n", *n, o.file.c_str());
    return 0;
  }
  auto src = Resolve(g, o.node);
  if (!src.ok()) return Fail(err, "node " + o.node, src.status());
  if (action == GraphAction::kNeighbors) {
    graph::NeighborOptions no;
    no.direction = dir;
    no.label = o.label;
    no.limit = static_cast<size_t>(limit);
    auto edges = g.Neighbors(*src, no);
    if (!edges.ok()) return Fail(err, "neighbors", edges.status());
    for (const graph::Edge& e : *edges) {
      NodeId other = e.src == *src ? e.dst : e.src;
      if (dir == Direction::kIn) other = e.src;
      if (e.label.empty()) {
        std::fprintf(out, "%" PRIu64 "\n", other);
      } else {
        std::fprintf(out, "%" PRIu64 "\t%s\n", other, e.label.c_str());
      }
    }
    return 0;
  }
  if (action == GraphAction::kBfs) {
    graph::BfsOptions bo;
    bo.direction = dir;
    bo.label = o.label;
    if (o.max_depth) bo.max_depth = *o.max_depth;
    if (o.summary) {
      auto r = g.Bfs(*src, bo);
      if (!r.ok()) return Fail(err, "bfs", r.status());
      std::fprintf(out, "reached %" PRIu64 "\nlevels %u\nedges %" PRIu64 "\n", r->reached,
                   r->levels, r->edges);
      return 0;
    }
    auto r = g.KHop(*src, bo.max_depth, bo, static_cast<size_t>(limit));
    if (!r.ok()) return Fail(err, "bfs", r.status());
    for (const auto& [id, depth] : *r) std::fprintf(out, "%" PRIu64 "\t%u\n", id, depth);
    return 0;
  }
  // kPath
  auto dst = Resolve(g, o.dst);
  if (!dst.ok()) return Fail(err, "node " + o.dst, dst.status());
  graph::PathOptions po;
  po.direction = dir;
  po.label = o.label;
  po.weight = o.weight;
  auto p = g.ShortestPath(*src, *dst, po);
  if (!p.ok()) return Fail(err, "path", p.status());
  if (!p->has_value()) {
    std::fprintf(err, "cairn graph: no path from %s to %s\n", o.node.c_str(), o.dst.c_str());
    return 1;
  }
  std::string line;
  for (NodeId id : (*p)->nodes) line += (line.empty() ? "" : " -> ") + std::to_string(id);
  std::fprintf(out, "%s\ncost %g\n", line.c_str(), (*p)->cost);
  return 0;
}

}  // namespace

int RunGraph(GraphAction action, const GraphCliOptions& options, core::Env* env, std::FILE* out,
             std::FILE* err) {
  // The model logs opens and loads at info level; the command prints its own results.
  spdlog::set_level(spdlog::level::warn);
  Direction unused;
  if (options.dir.empty() || !ParseDirection(options.direction, &unused)) {
    std::fprintf(err, "cairn graph: --dir is required; --direction is out, in or both\n");
    return 2;
  }
  if (action == GraphAction::kImport) return Import(options, env, out, err);
  graph::GraphOptions go;
  go.env = env;
  go.dir = options.dir;
  go.query_threads = options.threads;
  go.compact_after_ops = 0;  // a short-lived process: never start a background merge
  if (!env->FileExists(options.dir + "/MANIFEST")) {
    std::fprintf(err, "cairn graph: %s holds no graph (run `cairn graph import` first)\n",
                 options.dir.c_str());
    return 1;
  }
  auto g = Graph::Open(go);
  if (!g.ok()) return Fail(err, "open " + options.dir, g.status());
  int rc = Query(action, options, **g, out, err);
  if (Status s = (*g)->Close(); !s.ok() && rc == 0) return Fail(err, "close", s);
  return rc;
}

}  // namespace cairn::cli
