// Exactness against igraph 0.10: BFS distances, shortest-path lengths (unweighted and Dijkstra)
// and neighbour sets on R-MAT and grid graphs, for a bulk-loaded snapshot, for a snapshot with
// delta layers on top, and after compacting them.
#include "models/graph/graph.h"

#include <gtest/gtest.h>
#include <igraph.h>

#include <filesystem>
#include <map>
#include <random>
#include <set>

#include "core/env/env.h"
#include "models/graph/bulk_load.h"
#include "models/graph/internal/test_util.h"

namespace cairn::graph {
namespace {

using EdgeList = std::map<std::pair<NodeId, NodeId>, double>;  // (src, dst) -> weight

// An igraph copy of a weighted edge list over vertices [0, n).
class Reference {
 public:
  Reference(igraph_integer_t n, const EdgeList& edges) {
    igraph_vector_int_t ev;
    igraph_vector_int_init(&ev, 0);
    igraph_vector_init(&weights_, 0);
    for (const auto& [e, w] : edges) {
      igraph_vector_int_push_back(&ev, static_cast<igraph_integer_t>(e.first));
      igraph_vector_int_push_back(&ev, static_cast<igraph_integer_t>(e.second));
      igraph_vector_push_back(&weights_, w);
    }
    igraph_create(&g_, &ev, n, IGRAPH_DIRECTED);
    igraph_vector_int_destroy(&ev);
  }
  ~Reference() {
    igraph_destroy(&g_);
    igraph_vector_destroy(&weights_);
  }

  // Distances from `src` to every vertex (infinity when unreachable).
  std::vector<double> Distances(NodeId src, igraph_neimode_t mode, bool weighted) {
    igraph_matrix_t res;
    igraph_matrix_init(&res, 0, 0);
    if (weighted) {
      igraph_distances_dijkstra(&g_, &res, igraph_vss_1(static_cast<igraph_integer_t>(src)),
                                igraph_vss_all(), &weights_, mode);
    } else {
      igraph_distances(&g_, &res, igraph_vss_1(static_cast<igraph_integer_t>(src)),
                       igraph_vss_all(), mode);
    }
    std::vector<double> d(static_cast<size_t>(igraph_matrix_ncol(&res)));
    for (size_t i = 0; i < d.size(); ++i) d[i] = MATRIX(res, 0, static_cast<igraph_integer_t>(i));
    igraph_matrix_destroy(&res);
    return d;
  }

  std::set<NodeId> Neighbors(NodeId v, igraph_neimode_t mode) {
    igraph_vector_int_t neis;
    igraph_vector_int_init(&neis, 0);
    igraph_neighbors(&g_, &neis, static_cast<igraph_integer_t>(v), mode);
    std::set<NodeId> out;
    for (igraph_integer_t i = 0; i < igraph_vector_int_size(&neis); ++i) {
      out.insert(static_cast<NodeId>(VECTOR(neis)[i]));
    }
    igraph_vector_int_destroy(&neis);
    return out;
  }

 private:
  igraph_t g_;
  igraph_vector_t weights_;
};

igraph_neimode_t ModeOf(Direction d) {
  return d == Direction::kOut ? IGRAPH_OUT : d == Direction::kIn ? IGRAPH_IN : IGRAPH_ALL;
}

class GraphIgraphTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::ScratchDir(::testing::UnitTest::GetInstance()->current_test_info()->name());
  }
  void TearDown() override {
    graph_.reset();
    std::filesystem::remove_all(dir_);
  }

  // Bulk-loads `edges` over nodes [0, n) (every node present, isolated or not).
  void Load(NodeId n, const EdgeList& edges) {
    BulkLoader loader({core::Env::Default(), dir_, 2});
    for (NodeId v = 0; v < n; ++v) loader.AddNode(v);
    for (const auto& [e, w] : edges) loader.AddEdge(e.first, e.second, 0, {{"w", w}});
    auto st = loader.Finish();
    ASSERT_TRUE(st.ok()) << st.status();
    GraphOptions o;
    o.env = core::Env::Default();
    o.dir = dir_;
    o.compact_after_ops = 0;
    o.query_threads = 2;
    o.sync = false;
    auto g = Graph::Open(o);
    ASSERT_TRUE(g.ok()) << g.status();
    graph_ = std::move(*g);
  }

  // Every comparison, from `roots`, against igraph on the same edges.
  void Compare(NodeId n, const EdgeList& edges, const std::vector<NodeId>& roots) {
    Reference ref(static_cast<igraph_integer_t>(n), edges);
    std::vector<uint32_t> index(n);
    for (NodeId v = 0; v < n; ++v) index[v] = *graph_->NodeIndex(v);
    std::mt19937_64 rng(n);
    for (NodeId root : roots) {
      for (Direction d : {Direction::kOut, Direction::kIn, Direction::kBoth}) {
        SCOPED_TRACE("root " + std::to_string(root) + " dir " + std::to_string(int(d)));
        std::vector<double> want = ref.Distances(root, ModeOf(d), false);
        auto bfs = graph_->Bfs(root, {d});
        ASSERT_TRUE(bfs.ok()) << bfs.status();
        uint64_t reached = 0;
        for (NodeId v = 0; v < n; ++v) {
          int32_t got = bfs->depth[index[v]];
          if (std::isinf(want[v])) {
            ASSERT_EQ(got, -1) << "node " << v;
          } else {
            ASSERT_EQ(got, static_cast<int32_t>(want[v])) << "node " << v;
            ++reached;
          }
        }
        EXPECT_EQ(bfs->reached, reached);
        PathOptions po;
        po.direction = d;
        po.weight = "w";
        std::vector<double> wwant = ref.Distances(root, ModeOf(d), true);
        auto wgot = graph_->Distances(root, po);
        ASSERT_TRUE(wgot.ok()) << wgot.status();
        for (NodeId v = 0; v < n; ++v) {
          ASSERT_EQ((*wgot)[index[v]], wwant[v]) << "weighted, node " << v;
        }
        // Point-to-point: bidirectional BFS and Dijkstra with early exit.
        for (int i = 0; i < 20; ++i) {
          NodeId dst = rng() % n;
          PathOptions hops;
          hops.direction = d;
          auto p = graph_->ShortestPath(root, dst, hops);
          ASSERT_TRUE(p.ok());
          ASSERT_EQ(p->has_value(), !std::isinf(want[dst])) << root << " -> " << dst;
          if (p->has_value()) {
            EXPECT_EQ((*p)->cost, want[dst]);
            EXPECT_EQ((*p)->nodes.size(), static_cast<size_t>(want[dst]) + 1);
          }
          auto wp = graph_->ShortestPath(root, dst, po);
          ASSERT_TRUE(wp.ok());
          ASSERT_EQ(wp->has_value(), !std::isinf(wwant[dst]));
          if (wp->has_value()) {
            EXPECT_EQ((*wp)->cost, wwant[dst]);
          }
        }
      }
    }
    for (int i = 0; i < 200; ++i) {
      NodeId v = rng() % n;
      for (Direction d : {Direction::kOut, Direction::kIn, Direction::kBoth}) {
        auto got = graph_->Neighbors(v, {d});
        ASSERT_TRUE(got.ok());
        std::set<NodeId> have;
        for (const Edge& e : *got) have.insert(e.src == v && (d != Direction::kIn) ? e.dst : e.src);
        // A self-loop's other end is the node itself.
        for (const Edge& e : *got) {
          if (e.src == v && e.dst == v) have.insert(v);
        }
        EXPECT_EQ(have, ref.Neighbors(v, ModeOf(d))) << "node " << v << " dir " << int(d);
      }
    }
  }

  std::string dir_;
  std::unique_ptr<Graph> graph_;
};

EdgeList Rmat(int scale, int edge_factor, uint64_t seed) {
  EdgeList edges;
  std::mt19937_64 rng(seed);
  for (auto [s, d] : testing::RmatEdges(scale, edge_factor, seed)) {
    edges[{s, d}] = static_cast<double>(rng() % 20 + 1);  // duplicates: the last weight wins
  }
  return edges;
}

TEST_F(GraphIgraphTest, RmatSnapshot) {
  const NodeId n = 1 << 11;
  EdgeList edges = Rmat(11, 8, 42);
  Load(n, edges);
  Compare(n, edges, {0, 1, 5, 1000, 2047});
}

TEST_F(GraphIgraphTest, GridSnapshot) {
  // A 40 x 40 directed lattice with edges both ways (igraph builds it; we load its edges).
  igraph_t lattice;
  igraph_vector_int_t dims;
  igraph_vector_int_init(&dims, 2);
  VECTOR(dims)[0] = 40;
  VECTOR(dims)[1] = 40;
  igraph_vector_bool_t periodic;
  igraph_vector_bool_init(&periodic, 2);
  igraph_square_lattice(&lattice, &dims, 1, IGRAPH_DIRECTED, /*mutual=*/true, &periodic);
  igraph_vector_int_t ev;
  igraph_vector_int_init(&ev, 0);
  igraph_get_edgelist(&lattice, &ev, 0);
  EdgeList edges;
  std::mt19937_64 rng(9);
  for (igraph_integer_t i = 0; i < igraph_vector_int_size(&ev); i += 2) {
    edges[{static_cast<NodeId>(VECTOR(ev)[i]), static_cast<NodeId>(VECTOR(ev)[i + 1])}] =
        static_cast<double>(rng() % 9 + 1);
  }
  NodeId n = static_cast<NodeId>(igraph_vcount(&lattice));
  igraph_vector_int_destroy(&ev);
  igraph_vector_bool_destroy(&periodic);
  igraph_vector_int_destroy(&dims);
  igraph_destroy(&lattice);
  Load(n, edges);
  Compare(n, edges, {0, 41, 799, 1599});
}

// Half the edges bulk-loaded, the rest written through the WAL, some deleted, some reweighted:
// traversals over snapshot + delta must still match, and again after compaction.
TEST_F(GraphIgraphTest, RmatSnapshotPlusDelta) {
  const NodeId n = 1 << 10;
  EdgeList all = Rmat(10, 8, 7), base, edges;
  size_t i = 0;
  for (const auto& e : all) (i++ % 2 == 0 ? base : edges).insert(e);
  Load(n, base);
  std::mt19937_64 rng(3);
  edges.insert(base.begin(), base.end());
  WriteBatch b;
  for (const auto& [e, w] : all) {
    if (base.count(e)) continue;
    b.PutEdge(e.first, "", e.second, {{"w", w}});
  }
  ASSERT_TRUE(graph_->Write(b).ok());
  b.Clear();
  for (auto it = edges.begin(); it != edges.end();) {
    uint64_t r = rng() % 10;
    if (r == 0) {
      b.DeleteEdge(it->first.first, "", it->first.second);
      it = edges.erase(it);
      continue;
    }
    if (r == 1) {
      it->second = static_cast<double>(rng() % 5 + 1);
      b.MergeEdge(it->first.first, "", it->first.second, {{"w", it->second}});
    }
    ++it;
  }
  ASSERT_TRUE(graph_->Write(b).ok());
  Compare(n, edges, {0, 3, 512});
  ASSERT_TRUE(graph_->Compact().ok());
  Compare(n, edges, {0, 3, 512});
}

}  // namespace
}  // namespace cairn::graph
