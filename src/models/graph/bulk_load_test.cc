#include "models/graph/bulk_load.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "core/env/env.h"
#include "models/graph/graph.h"
#include "models/graph/internal/test_util.h"

namespace cairn::graph {
namespace {

using testing::ExpectSameGraph;
using testing::Model;

class BulkLoadTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::ScratchDir(::testing::UnitTest::GetInstance()->current_test_info()->name());
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::unique_ptr<Graph> Open() {
    GraphOptions o;
    o.env = core::Env::Default();
    o.dir = dir_;
    o.compact_after_ops = 0;
    auto g = Graph::Open(o);
    EXPECT_TRUE(g.ok()) << g.status();
    return g.ok() ? std::move(*g) : nullptr;
  }
  std::string dir_;
};

TEST_F(BulkLoadTest, LabelsPropertiesKeysAndDuplicates) {
  Model m;
  BulkLoader loader({core::Env::Default(), dir_, 2});
  uint16_t knows = *loader.Label("knows");
  uint16_t likes = *loader.Label("likes");
  EXPECT_EQ(*loader.Label("knows"), knows);
  auto add = [&](NodeId s, NodeId d, uint16_t l, const std::string& name, Properties p) {
    loader.AddEdge(s, d, l, p);
    WriteBatch b;
    b.PutEdge(s, name, d, p);
    m.Apply(b);
  };
  add(1, 2, knows, "knows", {{"w", 1.0}});
  add(1, 2, knows, "knows", {{"w", 2.0}});  // duplicate: the last wins
  add(1, 2, likes, "likes", {});
  add(2, 1, 0, "", {{"s", std::string("x")}});
  add(7, 7, 0, "", {});
  loader.AddEdge(3, 4);
  loader.AddEdge(3, 4);
  {
    WriteBatch b;
    b.PutEdge(3, "", 4);
    m.Apply(b);
  }
  NodeId src[] = {10, 11, 12};
  NodeId dst[] = {11, 12, 10};
  loader.AddEdges(src, dst, likes);
  for (int i = 0; i < 3; ++i) {
    WriteBatch b;
    b.PutEdge(src[i], "likes", dst[i]);
    m.Apply(b);
  }
  loader.AddNode(99, {{"name", std::string("solo")}}, "solo");
  loader.AddNode(1, {{"age", int64_t{3}}}, "one");
  {
    WriteBatch b;
    b.PutNode(99, {{"name", std::string("solo")}});
    b.PutNode(1, {{"age", int64_t{3}}});
    m.Apply(b);
    m.nodes[99].key = "solo";
    m.nodes[1].key = "one";
    m.keys = {{"solo", 99}, {"one", 1}};
  }
  auto st = loader.Finish();
  ASSERT_TRUE(st.ok()) << st.status();
  EXPECT_EQ(st->edges, m.edges.size());
  EXPECT_EQ(st->duplicate_edges, 2u);
  EXPECT_EQ(st->nodes, m.nodes.size());
  auto g = Open();
  ASSERT_NE(g, nullptr);
  ExpectSameGraph(*g, m);
  EXPECT_EQ(g->stats().generation, 1u);
  // Fresh keys continue after the largest id.
  EXPECT_EQ(*g->PutNodeByKey("new"), 100u);
  // Writes and compactions go on from the loaded snapshot.
  WriteBatch b;
  b.DeleteNode(2);
  b.PutEdge(99, "knows", 1, {{"w", 5.0}});
  ASSERT_TRUE(g->Write(b).ok());
  m.Apply(b);
  m.Resolve("new", true);
  ASSERT_TRUE(g->Compact().ok());
  ExpectSameGraph(*g, m);
}

TEST_F(BulkLoadTest, SparseIdsAndEmptyGraph) {
  {
    BulkLoader empty({core::Env::Default(), dir_ + "/empty", 1});
    auto st = empty.Finish();
    ASSERT_TRUE(st.ok()) << st.status();
    EXPECT_EQ(st->nodes, 0u);
  }
  BulkLoader loader({core::Env::Default(), dir_, 3});
  Model m;
  const NodeId big = 1ull << 60;
  for (NodeId i = 0; i < 500; ++i) {
    NodeId s = big + i * 1'000'000'007ull, d = big + (i * 31 % 500) * 1'000'000'007ull;
    loader.AddEdge(s, d);
    WriteBatch b;
    b.PutEdge(s, "", d);
    m.Apply(b);
  }
  ASSERT_TRUE(loader.Finish().ok());
  auto g = Open();
  ASSERT_NE(g, nullptr);
  ExpectSameGraph(*g, m);
  auto r = g->Bfs(big);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->reached, m.Bfs(big, Direction::kOut, std::nullopt).size());
}

TEST_F(BulkLoadTest, RefusesExistingGraphAndBadInput) {
  {
    auto g = Open();
    ASSERT_TRUE(g->PutNode(1).ok());
  }
  BulkLoader loader({core::Env::Default(), dir_, 1});
  loader.AddEdge(1, 2);
  EXPECT_EQ(loader.Finish().status().code(), StatusCode::kAlreadyExists);
  BulkLoader bad({core::Env::Default(), dir_ + "/b", 1});
  bad.AddEdge(kNoNode, 2);
  EXPECT_EQ(bad.Finish().status().code(), StatusCode::kInvalidArgument);
  BulkLoader dup({core::Env::Default(), dir_ + "/c", 1});
  dup.AddNode(1, {}, "k");
  dup.AddNode(2, {}, "k");
  EXPECT_EQ(dup.Finish().status().code(), StatusCode::kInvalidArgument);
}

TEST_F(BulkLoadTest, ParseEdgeList) {
  BulkLoader loader({core::Env::Default(), dir_, 1});
  ASSERT_TRUE(
      ParseEdgeList("# comment\n% other\n\n1 2\n3\t4\tfollows\n 5  6  a label \r\n7 8", &loader)
          .ok());
  EXPECT_EQ(loader.edges_added(), 4u);
  Status s = ParseEdgeList("1 2\nx 3\n", &loader, 10);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("line 11"), std::string_view::npos) << s;
  EXPECT_FALSE(ParseEdgeList("1\n", &loader).ok());
  EXPECT_FALSE(ParseEdgeList("1 -2\n", &loader).ok());
  loader.AddEdge(0, 0);
  ASSERT_TRUE(loader.Finish().ok());
  auto g = Open();
  EXPECT_TRUE(g->GetEdge(5, "a label", 6).ok());
  EXPECT_TRUE(g->GetEdge(3, "follows", 4).ok());
  EXPECT_TRUE(g->GetEdge(7, "", 8).ok());
}

}  // namespace
}  // namespace cairn::graph
