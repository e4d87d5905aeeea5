#include "models/graph/graph.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <thread>

#include "core/env/env.h"
#include "models/graph/bulk_load.h"
#include "models/graph/internal/test_util.h"

namespace cairn::graph {
namespace {

using testing::ExpectSameGraph;
using testing::Model;
using testing::ScratchDir;

class GraphTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = ScratchDir(::testing::UnitTest::GetInstance()->current_test_info()->name());
  }
  void TearDown() override {
    graph_.reset();
    std::filesystem::remove_all(dir_);
  }
  GraphOptions Options() {
    GraphOptions o;
    o.env = core::Env::Default();
    o.dir = dir_;
    o.compact_after_ops = 0;
    o.query_threads = 2;
    return o;
  }
  void Open(GraphOptions o) {
    graph_.reset();
    auto g = Graph::Open(o);
    ASSERT_TRUE(g.ok()) << g.status();
    graph_ = std::move(*g);
  }
  void Open() { Open(Options()); }
  // Applies to the graph and the model.
  void Write(const WriteBatch& b) {
    ASSERT_TRUE(graph_->Write(b).ok());
    model_.Apply(b);
  }

  std::string dir_;
  std::unique_ptr<Graph> graph_;
  Model model_;
};

TEST_F(GraphTest, EmptyGraph) {
  Open();
  GraphStats s = graph_->stats();
  EXPECT_EQ(s.nodes, 0u);
  EXPECT_EQ(s.edges, 0u);
  EXPECT_EQ(s.generation, 0u);
  EXPECT_EQ(graph_->GetNode(1).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(graph_->Bfs(1).status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(graph_->Compact().ok());  // nothing to do
  EXPECT_EQ(graph_->stats().generation, 0u);
}

TEST_F(GraphTest, NodePropertiesPutMergeReplace) {
  Open();
  Properties p{{"name", std::string("ada")}, {"age", int64_t{36}}, {"score", 2.5}, {"admin", true}};
  ASSERT_TRUE(graph_->PutNode(7, p).ok());
  auto n = graph_->GetNode(7);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(ToString(n->props), ToString(p));
  WriteBatch b;
  b.MergeNode(7, {{"age", int64_t{37}}, {"admin", std::monostate{}}, {"city", std::string("x")}});
  ASSERT_TRUE(graph_->Write(b).ok());
  n = graph_->GetNode(7);
  EXPECT_EQ(ToString(n->props), "{age: 37, city: \"x\", name: \"ada\", score: 2.5}");
  ASSERT_TRUE(graph_->PutNode(7, {{"only", int64_t{1}}}).ok());
  EXPECT_EQ(ToString(graph_->GetNode(7)->props), "{only: 1}");
  ASSERT_TRUE(graph_->Compact().ok());
  EXPECT_EQ(ToString(graph_->GetNode(7)->props), "{only: 1}");
  EXPECT_EQ(graph_->stats().generation, 1u);
}

TEST_F(GraphTest, EdgesNeighborsDegree) {
  Open();
  WriteBatch b;
  b.PutEdge(1, "knows", 2, {{"since", int64_t{2001}}});
  b.PutEdge(1, "knows", 3);
  b.PutEdge(1, "likes", 3, {{"w", 0.5}});
  b.PutEdge(4, "knows", 1);
  b.PutEdge(1, "knows", 1);  // self-loop
  Write(b);
  for (bool compacted : {false, true}) {
    SCOPED_TRACE(compacted);
    auto out = graph_->Neighbors(1, {Direction::kOut, std::nullopt, true});
    ASSERT_TRUE(out.ok());
    ASSERT_EQ(out->size(), 4u);
    EXPECT_EQ(*graph_->Degree(1, Direction::kOut), 4u);
    EXPECT_EQ(*graph_->Degree(1, Direction::kIn), 2u);
    EXPECT_EQ(*graph_->Degree(1, Direction::kBoth), 6u);
    EXPECT_EQ(*graph_->Degree(1, Direction::kOut, "likes"), 1u);
    EXPECT_EQ(*graph_->Degree(1, Direction::kOut, "nope"), 0u);
    auto likes = graph_->Neighbors(1, {Direction::kOut, "likes", true});
    ASSERT_EQ(likes->size(), 1u);
    EXPECT_EQ((*likes)[0].dst, 3u);
    EXPECT_EQ(ToString((*likes)[0].props), "{w: 0.5}");
    auto in = graph_->Neighbors(1, {Direction::kIn, std::nullopt, true});
    ASSERT_EQ(in->size(), 2u);
    std::set<NodeId> srcs;
    for (const Edge& e : *in) {
      srcs.insert(e.src);
      EXPECT_EQ(e.dst, 1u);
    }
    EXPECT_EQ(srcs, (std::set<NodeId>{1, 4}));
    auto e = graph_->GetEdge(1, "knows", 2);
    ASSERT_TRUE(e.ok());
    EXPECT_EQ(ToString(e->props), "{since: 2001}");
    EXPECT_EQ(graph_->GetEdge(2, "knows", 1).status().code(), StatusCode::kNotFound);
    auto limited = graph_->Neighbors(1, {Direction::kBoth, std::nullopt, false, 3});
    EXPECT_EQ(limited->size(), 3u);
    ExpectSameGraph(*graph_, model_);
    ASSERT_TRUE(graph_->Compact().ok());
  }
}

TEST_F(GraphTest, KeysBindResolveAndRebind) {
  Open();
  ASSERT_TRUE(graph_->PutNode(100).ok());
  auto alice = graph_->PutNodeByKey("alice", {{"x", int64_t{1}}});
  ASSERT_TRUE(alice.ok());
  EXPECT_EQ(*alice, 101u);  // largest id seen + 1
  WriteBatch b;
  b.PutEdgeByKeys("alice", "knows", "bob");
  WriteResult r;
  ASSERT_TRUE(graph_->Write(b, &r).ok());
  ASSERT_EQ(r.keys.size(), 2u);
  EXPECT_EQ(r.keys[0], (std::pair<std::string, NodeId>("alice", 101)));
  EXPECT_EQ(r.keys[1], (std::pair<std::string, NodeId>("bob", 102)));
  EXPECT_EQ(*graph_->LookupKey("bob"), 102u);
  EXPECT_EQ(graph_->GetNodeByKey("alice")->key, "alice");
  ASSERT_TRUE(graph_->Compact().ok());
  EXPECT_EQ(*graph_->LookupKey("alice"), 101u);
  WriteBatch d;
  d.DeleteNodeByKey("alice");
  d.PutNodeByKey("alice");  // a fresh node for the key
  ASSERT_TRUE(graph_->Write(d, &r).ok());
  EXPECT_EQ(*graph_->LookupKey("alice"), 103u);
  EXPECT_EQ(graph_->GetNode(101).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(*graph_->Degree(102, Direction::kIn), 0u);
  WriteBatch bad;
  bad.PutNodeByKey("");
  EXPECT_EQ(graph_->Write(bad).code(), StatusCode::kInvalidArgument);
  WriteBatch bad2;
  bad2.PutNode(kNoNode);
  EXPECT_EQ(graph_->Write(bad2).code(), StatusCode::kInvalidArgument);
  Open();  // reopen: WAL replay after the snapshot
  EXPECT_EQ(*graph_->LookupKey("alice"), 103u);
  EXPECT_EQ(*graph_->LookupKey("bob"), 102u);
}

TEST_F(GraphTest, DeleteNodeRemovesIncidentEdges) {
  Open();
  WriteBatch b;
  for (NodeId i = 0; i < 10; ++i) {
    b.PutEdge(i, "e", (i + 1) % 10);
    b.PutEdge(5, "hub", i);
  }
  Write(b);
  ASSERT_TRUE(graph_->Compact().ok());
  WriteBatch d;
  d.DeleteNode(5);
  d.DeleteEdge(0, "e", 1);
  d.DeleteEdge(0, "e", 1);  // already gone
  d.DeleteNode(12345);      // never existed
  Write(d);
  ExpectSameGraph(*graph_, model_);
  EXPECT_EQ(*graph_->Degree(4, Direction::kOut), 0u);
  EXPECT_EQ(*graph_->Degree(6, Direction::kIn), 0u);
  ASSERT_TRUE(graph_->Compact().ok());
  ExpectSameGraph(*graph_, model_);
  // The slot of node 5 comes back to life with nothing attached.
  ASSERT_TRUE(graph_->PutNode(5).ok());
  model_.Ensure(5);
  EXPECT_EQ(*graph_->Degree(5, Direction::kBoth), 0u);
  ExpectSameGraph(*graph_, model_);
}

TEST_F(GraphTest, ReopenReplaysWalAndCompactionTruncatesIt) {
  GraphOptions o = Options();
  o.wal_segment_bytes = 4096;  // several segments
  Open(o);
  for (int i = 0; i < 200; ++i) {
    WriteBatch b;
    b.PutEdge(i % 17, "l" + std::to_string(i % 3), (i * 7) % 23, {{"i", int64_t{i}}});
    b.MergeNode(i % 17, {{"last", int64_t{i}}});
    Write(b);
  }
  Open(o);
  ExpectSameGraph(*graph_, model_);
  uint64_t before = graph_->stats().wal_bytes;
  ASSERT_TRUE(graph_->Compact().ok());
  EXPECT_LT(graph_->stats().wal_bytes, before);
  EXPECT_EQ(graph_->stats().delta_ops, 0u);
  WriteBatch b;
  b.DeleteEdge(1, "l1", 7);
  b.PutEdge(99, "new", 1);
  Write(b);
  Open(o);
  ExpectSameGraph(*graph_, model_);
  EXPECT_EQ(graph_->stats().generation, 1u);
  // Only the current snapshot directory is left.
  int snaps = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir_)) {
    if (e.path().filename().string().rfind("snap-", 0) == 0) ++snaps;
  }
  EXPECT_EQ(snaps, 1);
}

TEST_F(GraphTest, ColumnsKeepTypesAcrossCompactions) {
  Open();
  WriteBatch b;
  b.PutEdge(1, "", 2, {{"w", 1.5}, {"s", std::string("a")}, {"n", int64_t{3}}});
  b.PutEdge(2, "", 3, {{"w", 2.5}, {"flag", true}});
  b.PutNode(1, {{"mixed", int64_t{1}}});
  b.PutNode(2, {{"mixed", std::string("two")}});
  Write(b);
  ASSERT_TRUE(graph_->Compact().ok());
  ExpectSameGraph(*graph_, model_);
  WriteBatch c;
  c.MergeEdge(1, "", 2, {{"w", int64_t{7}}});  // the w column becomes variable-width
  c.MergeNode(3, {{"mixed", 2.0}});
  Write(c);
  ASSERT_TRUE(graph_->Compact().ok());
  ExpectSameGraph(*graph_, model_);
  Open();
  ExpectSameGraph(*graph_, model_);
}

TEST_F(GraphTest, Traversals) {
  Open();
  // 0 -> 1 -> 2 -> 3, 0 -> 4 -> 3 (weights make the long way cheaper), 5 isolated, 6 -> 0.
  WriteBatch b;
  b.PutEdge(0, "r", 1, {{"w", 1.0}});
  b.PutEdge(1, "r", 2, {{"w", 1.0}});
  b.PutEdge(2, "r", 3, {{"w", 1.0}});
  b.PutEdge(0, "r", 4, {{"w", 5.0}});
  b.PutEdge(4, "s", 3, {{"w", int64_t{5}}});
  b.PutEdge(6, "r", 0);
  b.PutNode(5);
  Write(b);
  for (int round = 0; round < 2; ++round) {
    auto bfs = graph_->Bfs(0, {Direction::kOut, std::nullopt, UINT32_MAX, true});
    ASSERT_TRUE(bfs.ok());
    auto idx = [&](NodeId id) { return *graph_->NodeIndex(id); };
    EXPECT_EQ(bfs->depth[idx(0)], 0);
    EXPECT_EQ(bfs->depth[idx(3)], 2);
    EXPECT_EQ(bfs->depth[idx(5)], -1);
    EXPECT_EQ(bfs->depth[idx(6)], -1);
    EXPECT_EQ(bfs->reached, 5u);
    EXPECT_EQ(bfs->edges, 5u);
    EXPECT_EQ(bfs->parent[idx(1)], idx(0));
    auto in = graph_->Bfs(3, {Direction::kIn});
    EXPECT_EQ(in->depth[idx(6)], 3);
    auto labelled = graph_->Bfs(0, {Direction::kOut, "r"});
    EXPECT_EQ(labelled->depth[idx(3)], 3);
    auto khop = graph_->KHop(0, 1);
    ASSERT_TRUE(khop.ok());
    EXPECT_EQ(khop->size(), 3u);
    auto both = graph_->KHop(0, 1, {Direction::kBoth});
    EXPECT_EQ(both->size(), 4u);
    auto p = graph_->ShortestPath(0, 3);
    ASSERT_TRUE(p.ok() && p->has_value());
    EXPECT_EQ((*p)->cost, 2);
    EXPECT_EQ((*p)->nodes.size(), 3u);
    PathOptions w;
    w.weight = "w";
    p = graph_->ShortestPath(0, 3, w);
    ASSERT_TRUE(p.ok() && p->has_value());
    EXPECT_EQ((*p)->cost, 3);
    EXPECT_EQ((*p)->nodes, (std::vector<NodeId>{0, 1, 2, 3}));
    EXPECT_FALSE(graph_->ShortestPath(0, 5)->has_value());
    EXPECT_FALSE(graph_->ShortestPath(0, 6, w)->has_value());
    auto dist = graph_->Distances(6, w);  // 6 -> 0 has no weight: not traversable
    EXPECT_TRUE(std::isinf((*dist)[idx(0)]));
    w.default_weight = 10;
    dist = graph_->Distances(6, w);
    EXPECT_EQ((*dist)[idx(3)], 13);
    ASSERT_TRUE(graph_->Compact().ok());
  }
  ASSERT_TRUE(graph_->PutEdge(1, "neg", 2, {{"w", -1.0}}).ok());
  PathOptions w;
  w.weight = "w";
  EXPECT_EQ(graph_->Distances(0, w).status().code(), StatusCode::kInvalidArgument);
}

TEST_F(GraphTest, ConcurrentWritersReadersAndBackgroundCompaction) {
  GraphOptions o = Options();
  o.compact_after_ops = 300;
  Open(o);
  constexpr int kWriters = 3, kPerWriter = 400;
  std::atomic<bool> stop{false};
  std::thread reader([&] {
    while (!stop) {
      auto r = graph_->Bfs(0);
      if (r.ok()) {
        EXPECT_GE(r->reached, 1u);
      }
      auto n = graph_->Neighbors(0, {Direction::kBoth});
      (void)n;
    }
  });
  std::vector<std::thread> writers;
  for (int t = 0; t < kWriters; ++t) {
    writers.emplace_back([&, t] {
      for (int i = 0; i < kPerWriter; ++i) {
        WriteBatch b;
        b.PutEdge(static_cast<NodeId>(t * 1000 + i), "w", static_cast<NodeId>(i % 50),
                  {{"t", int64_t{t}}});
        EXPECT_TRUE(graph_->Write(b).ok());
      }
    });
  }
  for (auto& w : writers) w.join();
  stop = true;
  reader.join();
  EXPECT_EQ(graph_->stats().edges, uint64_t{kWriters * kPerWriter});
  // The background compactions the writes triggered finish on their own.
  for (int i = 0; i < 2000 && graph_->stats().compactions == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_GE(graph_->stats().compactions, 1u);
  uint64_t edges = graph_->stats().edges;
  Open(o);
  EXPECT_EQ(graph_->stats().edges, edges);
}

TEST_F(GraphTest, MemEnvReadsThroughTheEnv) {
  auto env = core::NewMemEnv();
  GraphOptions o = Options();
  o.env = env.get();
  o.dir = "/g";
  o.read_mode = ReadMode::kEnv;
  Open(o);
  WriteBatch b;
  for (NodeId i = 0; i < 50; ++i) b.PutEdge(i, "x", (i * 3) % 50, {{"v", int64_t(i)}});
  Write(b);
  ASSERT_TRUE(graph_->Compact().ok());
  EXPECT_EQ(graph_->stats().read_path, ReadPath::kEnvMemory);
  Open(o);
  ExpectSameGraph(*graph_, model_);
  graph_.reset();  // before the Env goes
}

TEST_F(GraphTest, SecondOpenIsRefused) {
  Open();
  EXPECT_EQ(Graph::Open(Options()).status().code(), StatusCode::kUnavailable);
}

TEST_F(GraphTest, ExportThenBulkLoadRoundTrip) {
  Open();
  WriteBatch b;
  for (NodeId i = 0; i < 300; ++i) {
    b.PutEdge(i * 1000003, i % 3 ? "a" : "b c", (i * 7919) % 300 * 1000003);
  }
  Write(b);
  ASSERT_TRUE(graph_->Compact().ok());
  ASSERT_TRUE(graph_->DeleteEdge(0, "b c", 0).ok());
  model_.edges.erase({0, "b c", 0});
  std::string path = dir_ + "/edges.tsv";
  auto n = graph_->ExportEdgeList(path);
  ASSERT_TRUE(n.ok()) << n.status();
  EXPECT_EQ(*n, model_.edges.size());
  std::string dir2 = dir_ + "/copy";
  BulkLoader loader({core::Env::Default(), dir2, 2});
  auto added = LoadEdgeListFile(core::Env::Default(), path, &loader);
  ASSERT_TRUE(added.ok()) << added.status();
  EXPECT_EQ(*added, *n);
  auto st = loader.Finish();
  ASSERT_TRUE(st.ok()) << st.status();
  GraphOptions o = Options();
  o.dir = dir2;
  auto g2 = Graph::Open(o);
  ASSERT_TRUE(g2.ok()) << g2.status();
  std::set<testing::EdgeKey> a, c;
  for (const auto& [k, p] : model_.edges) a.insert(k);
  ASSERT_TRUE((*g2)
                  ->ForEachEdge([&](const Edge& e) {
                    c.insert({e.src, e.label, e.dst});
                    return true;
                  })
                  .ok());
  EXPECT_EQ(a, c);
}

}  // namespace
}  // namespace cairn::graph
