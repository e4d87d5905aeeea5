// graph_bench: bench/graph's driver for the graph model (models/graph), used directly (no HTTP),
// against igraph 0.10 on the same graph in the same process.
//
//   graph_bench DIR SCALE EDGE_FACTOR ROOTS PATH_SECS
//
// 1. R-MAT edge list (Graph500 parameters a=0.57, b=0.19, c=0.19; 2^SCALE node ids,
//    EDGE_FACTOR * 2^SCALE generated edges; no vertex permutation), made simple in advance
//    (duplicates removed, self-loops kept) so that cairn and igraph hold exactly the same edges.
// 2. Import: BulkLoader::AddEdges + Finish into DIR/graph (M edges/s over the simple edges).
// 3. BFS (out-edges) from ROOTS random roots with out-degree > 0, the same roots on both sides:
//    cairn's Graph::Bfs (query_threads = hardware threads) and igraph_bfs_simple. The depth of
//    every node must agree for every root (exit 1 otherwise). Edges traversed per second: the sum
//    of the out-degrees of the reached nodes (the same figure on both sides) over the BFS time.
// 4. Shortest paths (hops, out-edges) between random pairs of nodes for PATH_SECS seconds; the
//    first ones are checked against a BFS from their source.
//
// Prints readable lines, then one machine line:
//   result BFS_RATIO CAIRN_MTEPS IMPORT_MEDGES_PER_SEC
#include <igraph.h>

#include <algorithm>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "core/env/env.h"
#include "models/graph/bulk_load.h"
#include "models/graph/graph.h"

namespace {

using namespace cairn;
using Clock = std::chrono::steady_clock;

double Since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

[[noreturn]] void Die(const std::string& what, const Status& s) {
  std::fprintf(stderr, "graph_bench: %s: %s\n", what.c_str(), s.ToString().c_str());
  std::exit(1);
}

uint64_t SplitMix(uint64_t* state) {
  uint64_t z = (*state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

// R-MAT edges packed as src << 32 | dst, sorted and made unique; one slice per thread.
std::vector<uint64_t> Rmat(unsigned scale, uint64_t edges, unsigned threads) {
  // Quadrant thresholds on 16-bit draws: a, a+b, a+b+c.
  constexpr uint32_t kA = 37356, kAB = 37356 + 12452, kABC = 37356 + 2 * 12452;
  std::vector<uint64_t> out(edges);
  std::vector<std::thread> pool;
  for (unsigned t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      uint64_t state = 0x5eed0000ull + t;
      uint64_t lo = edges * t / threads, hi = edges * (t + 1) / threads;
      for (uint64_t e = lo; e < hi; ++e) {
        uint64_t src = 0, dst = 0, bits = 0;
        int left = 0;
        for (unsigned level = 0; level < scale; ++level) {
          if (left == 0) {
            bits = SplitMix(&state);
            left = 4;
          }
          uint32_t r = bits & 0xffff;
          bits >>= 16;
          --left;
          src <<= 1;
          dst <<= 1;
          if (r >= kABC) {
            src |= 1;
            dst |= 1;
          } else if (r >= kAB) {
            src |= 1;
          } else if (r >= kA) {
            dst |= 1;
          }
        }
        out[e] = src << 32 | dst;
      }
    });
  }
  for (auto& th : pool) th.join();
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

// BFS depths with igraph_bfs_simple: -1 when unreached.
void IgraphDepths(const igraph_t* g, igraph_integer_t root, igraph_vector_int_t* order,
                  igraph_vector_int_t* layers, std::vector<int32_t>* depth) {
  igraph_bfs_simple(g, root, IGRAPH_OUT, order, layers, nullptr);
  std::fill(depth->begin(), depth->end(), -1);
  igraph_integer_t nl = igraph_vector_int_size(layers);
  for (igraph_integer_t l = 0; l + 1 < nl; ++l) {
    for (igraph_integer_t i = VECTOR(*layers)[l]; i < VECTOR(*layers)[l + 1]; ++i) {
      (*depth)[static_cast<size_t>(VECTOR(*order)[i])] = static_cast<int32_t>(l);
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 6) {
    std::fprintf(stderr, "usage: graph_bench DIR SCALE EDGE_FACTOR ROOTS PATH_SECS\n");
    return 2;
  }
  std::setvbuf(stdout, nullptr, _IOLBF, 0);  // bench/graph shows the lines as they come
  const std::string dir = argv[1];
  const unsigned scale = static_cast<unsigned>(std::atoi(argv[2]));
  const uint64_t factor = std::strtoull(argv[3], nullptr, 10);
  const int roots_n = std::atoi(argv[4]);
  const double path_secs = std::atof(argv[5]);
  if (scale < 4 || scale > 31 || factor == 0 || roots_n <= 0) {
    std::fprintf(stderr, "graph_bench: bad arguments\n");
    return 2;
  }
  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  const uint64_t n = 1ull << scale;

  auto t = Clock::now();
  std::vector<uint64_t> edges = Rmat(scale, factor * n, cores);
  std::printf("rmat: scale %u, edge factor %" PRIu64 ": %" PRIu64 " ids, %" PRIu64
              " generated edges, %zu after removing duplicates (%.1f s)\n",
              scale, factor, n, factor * n, edges.size(), Since(t));
  std::fflush(stdout);

  // --- Import ---
  core::Env* env = core::Env::Default();
  double import_s = 0;
  {
    std::vector<graph::NodeId> src(edges.size()), dst(edges.size());
    for (size_t i = 0; i < edges.size(); ++i) {
      src[i] = edges[i] >> 32;
      dst[i] = edges[i] & 0xffffffffu;
    }
    t = Clock::now();
    graph::BulkLoader loader({.env = env, .dir = dir + "/graph", .threads = cores});
    loader.AddEdges(src, dst);
    src = {};
    dst = {};
    auto st = loader.Finish();
    if (!st.ok()) Die("bulk load", st.status());
    import_s = Since(t);
    std::printf("import (BulkLoader, %u threads): %" PRIu64 " nodes, %" PRIu64
                " edges, %.1f MiB in %.2f s: %.2f M edges/s\n",
                cores, st->nodes, st->edges, st->bytes / 1048576.0, import_s,
                st->edges / import_s / 1e6);
    if (st->edges != edges.size()) {
      std::fprintf(stderr, "graph_bench: loaded %" PRIu64 " edges, expected %zu\n", st->edges,
                   edges.size());
      return 1;
    }
  }
  const double import_meps = edges.size() / import_s / 1e6;

  graph::GraphOptions go;
  go.env = env;
  go.dir = dir + "/graph";
  go.query_threads = cores;
  go.compact_after_ops = 0;
  t = Clock::now();
  auto opened = graph::Graph::Open(go);
  if (!opened.ok()) Die("open", opened.status());
  std::unique_ptr<graph::Graph> g = std::move(opened).value();
  std::printf("open: %.2f s, read path %s\n", Since(t),
              std::string(graph::ReadPathName(g->read_path())).c_str());
  const std::vector<graph::NodeId> ids = g->NodeIds();

  // --- igraph ---
  t = Clock::now();
  igraph_t ig;
  {
    igraph_vector_int_t ev;
    igraph_vector_int_init(&ev, static_cast<igraph_integer_t>(2 * edges.size()));
    for (size_t i = 0; i < edges.size(); ++i) {
      VECTOR(ev)[2 * i] = static_cast<igraph_integer_t>(edges[i] >> 32);
      VECTOR(ev)[2 * i + 1] = static_cast<igraph_integer_t>(edges[i] & 0xffffffffu);
    }
    igraph_create(&ig, &ev, static_cast<igraph_integer_t>(n), IGRAPH_DIRECTED);
    igraph_vector_int_destroy(&ev);
  }
  std::printf("igraph %s: graph built in %.1f s\n", IGRAPH_VERSION, Since(t));

  // Roots: sources of random edges (out-degree > 0), the same for both.
  uint64_t rs = 0x12345;
  std::vector<graph::NodeId> roots;
  for (int i = 0; i < roots_n; ++i) roots.push_back(edges[SplitMix(&rs) % edges.size()] >> 32);
  edges = {};

  // --- BFS ---
  double cairn_s = 0, igraph_s = 0;
  uint64_t traversed = 0;
  std::vector<int32_t> idepth(n);
  igraph_vector_int_t order, layers;
  igraph_vector_int_init(&order, 0);
  igraph_vector_int_init(&layers, 0);
  for (graph::NodeId root : roots) {
    t = Clock::now();
    auto r = g->Bfs(root);
    double cs = Since(t);
    if (!r.ok()) Die("bfs", r.status());
    t = Clock::now();
    IgraphDepths(&ig, static_cast<igraph_integer_t>(root), &order, &layers, &idepth);
    double is = Since(t);
    // Every cairn node's depth matches igraph's; ids absent from cairn (isolated) are unreached
    // in igraph, which the reached counts then confirm.
    uint64_t mismatches = 0, ireached = 0;
    for (size_t i = 0; i < r->depth.size(); ++i) {
      if (ids[i] == graph::kNoNode) continue;
      if (r->depth[i] != idepth[ids[i]]) {
        if (mismatches++ < 5) {
          std::fprintf(
              stderr, "graph_bench: root %" PRIu64 ": node %" PRIu64 " depth cairn %d, igraph %d\n",
              root, ids[i], r->depth[i], idepth[ids[i]]);
        }
      }
    }
    for (int32_t d : idepth) ireached += d >= 0;
    if (mismatches != 0 || ireached != r->reached) {
      std::fprintf(stderr,
                   "graph_bench: BFS from %" PRIu64 " disagrees with igraph: %" PRIu64
                   " depths differ, reached cairn %" PRIu64 ", igraph %" PRIu64 "\n",
                   root, mismatches, r->reached, ireached);
      return 1;
    }
    cairn_s += cs;
    igraph_s += is;
    traversed += r->edges;
    std::printf("bfs root %-8" PRIu64 " reached %-8" PRIu64
                " levels %-2u (bottom-up %u) edges %-9" PRIu64 " cairn %7.3f s  igraph %7.3f s\n",
                root, r->reached, r->levels, r->bottom_up_levels, r->edges, cs, is);
    std::fflush(stdout);
  }
  igraph_vector_int_destroy(&order);
  igraph_vector_int_destroy(&layers);
  igraph_destroy(&ig);
  const double cairn_teps = traversed / cairn_s, igraph_teps = traversed / igraph_s;
  std::printf(
      "bfs: %d roots, depths identical; cairn (%u threads) %.1f M edges/s, igraph %.1f M "
      "edges/s: %.2fx\n",
      roots_n, cores, cairn_teps / 1e6, igraph_teps / 1e6, cairn_teps / igraph_teps);

  // --- Shortest paths ---
  // Check: path lengths from the first root agree with its BFS depths.
  {
    auto r = g->Bfs(roots[0]);
    if (!r.ok()) Die("bfs", r.status());
    int checked = 0;
    for (int i = 0; i < 2000 && checked < 50; ++i) {
      uint32_t idx = static_cast<uint32_t>(SplitMix(&rs) % ids.size());
      if (ids[idx] == graph::kNoNode) continue;
      auto p = g->ShortestPath(roots[0], ids[idx]);
      if (!p.ok()) Die("path", p.status());
      int32_t want = r->depth[idx];
      bool ok = want < 0 ? !p->has_value()
                         : p->has_value() && (*p)->cost == want &&
                               (*p)->nodes.size() == static_cast<size_t>(want) + 1;
      if (!ok) {
        std::fprintf(stderr, "graph_bench: path %" PRIu64 " -> %" PRIu64 " disagrees with BFS\n",
                     roots[0], ids[idx]);
        return 1;
      }
      ++checked;
    }
  }
  uint64_t paths = 0, found = 0, hops = 0;
  t = Clock::now();
  while (Since(t) < path_secs) {
    graph::NodeId a = ids[SplitMix(&rs) % ids.size()], b = ids[SplitMix(&rs) % ids.size()];
    if (a == graph::kNoNode || b == graph::kNoNode) continue;
    auto p = g->ShortestPath(a, b);
    if (!p.ok()) Die("path", p.status());
    ++paths;
    if (p->has_value()) {
      ++found;
      hops += (*p)->nodes.size() - 1;
    }
  }
  double ps = Since(t);
  std::printf("paths: %" PRIu64 " random pairs in %.1f s (%" PRIu64
              " connected, mean %.2f hops): %.0f paths/s\n",
              paths, ps, found, found ? static_cast<double>(hops) / found : 0.0, paths / ps);
  std::printf("result %.2f %.1f %.2f\n", cairn_teps / igraph_teps, cairn_teps / 1e6, import_meps);
  return 0;
}
