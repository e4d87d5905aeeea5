// Randomised: mutations interleaved with queries, compactions and reopens give the same answers
// as a naive in-memory model, on every read path.
#include <gtest/gtest.h>

#include <filesystem>
#include <random>

#include "core/env/env.h"
#include "models/graph/graph.h"
#include "models/graph/internal/test_util.h"

namespace cairn::graph {
namespace {

using testing::EdgeKey;
using testing::ExpectSameGraph;
using testing::Model;

struct Config {
  const char* name;
  bool mem_env;
  ReadMode mode;
  uint64_t compact_after_ops;
  int steps;  // O_DIRECT reads skip the page cache: fewer steps keep that run short
};

class GraphRandomTest : public ::testing::TestWithParam<Config> {
 protected:
  void SetUp() override {
    const Config& c = GetParam();
    if (c.mem_env) {
      mem_ = core::NewMemEnv();
      options_.env = mem_.get();
      options_.dir = "/graph";
    } else {
      options_.env = core::Env::Default();
      options_.dir = testing::ScratchDir(std::string("random_") + c.name);
    }
    options_.read_mode = c.mode;
    options_.compact_after_ops = c.compact_after_ops;
    options_.query_threads = 2;
    options_.memory_budget_bytes = 0;  // kAuto -> direct
    options_.sync = false;             // durability has its own tests; keep this one fast
    Reopen();
  }
  void TearDown() override {
    graph_.reset();
    if (!GetParam().mem_env) std::filesystem::remove_all(options_.dir);
  }
  void Reopen() {
    graph_.reset();
    auto g = Graph::Open(options_);
    ASSERT_TRUE(g.ok()) << g.status();
    graph_ = std::move(*g);
  }

  NodeId RandomId() { return rng_() % 40; }
  std::string RandomKey() { return "k" + std::to_string(rng_() % 12); }
  std::string RandomLabel() {
    static const char* kLabels[] = {"", "a", "b"};
    return kLabels[rng_() % 3];
  }
  Properties RandomProps() {
    Properties p;
    switch (rng_() % 6) {
      case 0:
        break;
      case 1:
        p["w"] = static_cast<int64_t>(rng_() % 10);
        break;
      case 2:
        p["w"] = static_cast<double>(rng_() % 20) / 2;
        break;
      case 3:
        p["w"] = std::string("heavy");
        break;
      case 4:
        p["s"] = std::string(rng_() % 5, 'x');
        p["w"] = std::monostate{};
        break;
      default:
        p["b"] = (rng_() % 2) == 0;
        p["w"] = static_cast<int64_t>(rng_() % 3);
    }
    return p;
  }
  WriteBatch RandomBatch() {
    WriteBatch b;
    int n = 1 + static_cast<int>(rng_() % 4);
    for (int i = 0; i < n; ++i) {
      bool by_key = rng_() % 4 == 0;
      switch (rng_() % 10) {
        case 0:
        case 1:
          if (by_key) {
            b.PutNodeByKey(RandomKey(), RandomProps());
          } else {
            b.PutNode(RandomId(), RandomProps());
          }
          break;
        case 2:
          if (by_key) {
            b.MergeNodeByKey(RandomKey(), RandomProps());
          } else {
            b.MergeNode(RandomId(), RandomProps());
          }
          break;
        case 3:
          if (rng_() % 3 != 0) break;  // deletions of nodes are rarer
          if (by_key) {
            b.DeleteNodeByKey(RandomKey());
          } else {
            b.DeleteNode(RandomId());
          }
          break;
        case 4:
        case 5:
        case 6:
          if (by_key) {
            b.PutEdgeByKeys(RandomKey(), RandomLabel(), RandomKey(), RandomProps());
          } else {
            b.PutEdge(RandomId(), RandomLabel(), RandomId(), RandomProps());
          }
          break;
        case 7:
          b.MergeEdge(RandomId(), RandomLabel(), RandomId(), RandomProps());
          break;
        default:
          b.DeleteEdge(RandomId(), RandomLabel(), RandomId());
      }
    }
    return b;
  }
  Direction RandomDir() { return static_cast<Direction>(rng_() % 3); }
  std::optional<std::string> RandomFilter() {
    if (rng_() % 3 != 0) return std::nullopt;
    return rng_() % 4 == 0 ? std::string("nope") : RandomLabel();
  }
  // A live node of the model, if any.
  std::optional<NodeId> LiveNode() {
    if (model_.nodes.empty()) return std::nullopt;
    auto it = model_.nodes.begin();
    std::advance(it, rng_() % model_.nodes.size());
    return it->first;
  }

  void CheckNeighbors() {
    auto id = LiveNode();
    if (!id) return;
    NeighborOptions o{RandomDir(), RandomFilter(), true};
    auto got = graph_->Neighbors(*id, o);
    ASSERT_TRUE(got.ok()) << got.status();
    std::set<EdgeKey> want = model_.Neighbors(*id, o.direction, o.label), have;
    for (const Edge& e : *got) {
      EdgeKey k{e.src, e.label, e.dst};
      have.insert(k);
      ASSERT_TRUE(model_.edges.count(k));
      EXPECT_EQ(ToString(e.props), ToString(model_.edges[k]));
    }
    EXPECT_EQ(have, want);
    // A self-loop is listed once per direction.
    size_t loops = 0;
    for (const auto& k : want) loops += std::get<0>(k) == std::get<2>(k);
    EXPECT_EQ(got->size(), want.size() + (o.direction == Direction::kBoth ? loops : 0));
    auto deg = graph_->Degree(*id, o.direction, o.label);
    ASSERT_TRUE(deg.ok());
    EXPECT_EQ(*deg, got->size());
  }

  void CheckBfs() {
    auto id = LiveNode();
    if (!id) return;
    Direction d = RandomDir();
    auto label = RandomFilter();
    auto got = graph_->Bfs(*id, {d, label});
    ASSERT_TRUE(got.ok()) << got.status();
    auto want = model_.Bfs(*id, d, label);
    for (const auto& [nid, n] : model_.nodes) {
      auto idx = graph_->NodeIndex(nid);
      ASSERT_TRUE(idx.ok());
      auto it = want.find(nid);
      EXPECT_EQ(got->depth[*idx], it == want.end() ? -1 : static_cast<int32_t>(it->second))
          << "bfs from " << *id << " to " << nid;
    }
    EXPECT_EQ(got->reached, want.size());
    // Shortest path to a random node has the BFS length.
    auto dst = LiveNode();
    auto p = graph_->ShortestPath(*id, *dst, {d, label});
    ASSERT_TRUE(p.ok()) << p.status();
    auto it = want.find(*dst);
    ASSERT_EQ(p->has_value(), it != want.end());
    if (it != want.end()) {
      EXPECT_EQ((*p)->cost, it->second);
      ASSERT_EQ((*p)->nodes.size(), it->second + 1);
      EXPECT_EQ((*p)->nodes.front(), *id);
      EXPECT_EQ((*p)->nodes.back(), *dst);
      for (size_t i = 0; i + 1 < (*p)->nodes.size(); ++i) {
        NodeId a = (*p)->nodes[i], b = (*p)->nodes[i + 1];
        bool found = false;
        for (const auto& [k, props] : model_.edges) {
          if (label && std::get<1>(k) != *label) continue;
          if ((d != Direction::kIn && std::get<0>(k) == a && std::get<2>(k) == b) ||
              (d != Direction::kOut && std::get<0>(k) == b && std::get<2>(k) == a)) {
            found = true;
          }
        }
        EXPECT_TRUE(found) << "path step " << a << " -> " << b;
      }
    }
    // k-hop = the BFS ball.
    uint32_t k = static_cast<uint32_t>(rng_() % 3);
    auto ball = graph_->KHop(*id, k, {d, label});
    ASSERT_TRUE(ball.ok());
    std::map<NodeId, uint32_t> want_ball, have_ball(ball->begin(), ball->end());
    for (const auto& [nid, dist] : want) {
      if (dist <= k) want_ball[nid] = dist;
    }
    EXPECT_EQ(have_ball, want_ball);
  }

  void CheckDijkstra() {
    auto id = LiveNode();
    if (!id) return;
    Direction d = RandomDir();
    PathOptions o;
    o.direction = d;
    o.weight = "w";
    auto got = graph_->Distances(*id, o);
    ASSERT_TRUE(got.ok()) << got.status();
    auto want = model_.Dijkstra(*id, d, "w");
    for (const auto& [nid, n] : model_.nodes) {
      auto it = want.find(nid);
      double g = (*got)[*graph_->NodeIndex(nid)];
      if (it == want.end()) {
        EXPECT_TRUE(std::isinf(g)) << nid;
      } else {
        EXPECT_EQ(g, it->second) << "dijkstra from " << *id << " to " << nid;
      }
    }
    auto dst = LiveNode();
    auto p = graph_->ShortestPath(*id, *dst, o);
    ASSERT_TRUE(p.ok());
    auto it = want.find(*dst);
    ASSERT_EQ(p->has_value(), it != want.end());
    if (it != want.end()) {
      EXPECT_EQ((*p)->cost, it->second);
    }
  }

  void CheckPoint() {
    NodeId id = RandomId();
    auto n = graph_->GetNode(id);
    auto it = model_.nodes.find(id);
    ASSERT_EQ(n.ok(), it != model_.nodes.end()) << id;
    if (n.ok()) {
      EXPECT_EQ(n->key, it->second.key);
      EXPECT_EQ(ToString(n->props), ToString(it->second.props));
    }
    EdgeKey k{RandomId(), RandomLabel(), RandomId()};
    auto e = graph_->GetEdge(std::get<0>(k), std::get<1>(k), std::get<2>(k));
    auto ei = model_.edges.find(k);
    ASSERT_EQ(e.ok(), ei != model_.edges.end());
    if (e.ok()) {
      EXPECT_EQ(ToString(e->props), ToString(ei->second));
    }
    std::string key = RandomKey();
    auto kid = graph_->LookupKey(key);
    auto ki = model_.keys.find(key);
    ASSERT_EQ(kid.ok(), ki != model_.keys.end()) << key;
    if (kid.ok()) {
      EXPECT_EQ(*kid, ki->second);
    }
  }

  std::unique_ptr<core::Env> mem_;
  GraphOptions options_;
  std::unique_ptr<Graph> graph_;
  Model model_;
  std::mt19937_64 rng_{20240601};
};

TEST_P(GraphRandomTest, MatchesNaiveModel) {
  for (int step = 0; step < GetParam().steps; ++step) {
    uint32_t r = rng_() % 100;
    if (r < 55) {
      WriteBatch b = RandomBatch();
      ASSERT_TRUE(graph_->Write(b).ok());
      model_.Apply(b);
    } else if (r < 68) {
      CheckPoint();
    } else if (r < 80) {
      CheckNeighbors();
    } else if (r < 88) {
      CheckBfs();
    } else if (r < 93) {
      CheckDijkstra();
    } else if (r < 98) {
      CheckPoint();
    } else if (r < 99) {  // compactions are rarer: each costs ~25 fsyncs
      ASSERT_TRUE(graph_->Compact().ok());
    } else {
      Reopen();
    }
    if (HasFatalFailure() || (::testing::Test::HasFailure() && step % 100 == 0)) {
      FAIL() << "at step " << step;
    }
  }
  ExpectSameGraph(*graph_, model_);
  ASSERT_TRUE(graph_->Compact().ok());
  Reopen();
  ExpectSameGraph(*graph_, model_);
}

INSTANTIATE_TEST_SUITE_P(
    ReadPaths, GraphRandomTest,
    ::testing::Values(Config{"mmap", false, ReadMode::kMmap, 0, 1200},
                      Config{"memenv", true, ReadMode::kEnv, 0, 4000},
                      Config{"memenv_background", true, ReadMode::kEnv, 150, 2500},
                      Config{"buffered", false, ReadMode::kBuffered, 0, 1200},
                      Config{"direct_background", false, ReadMode::kAuto, 150, 500}),
    [](const ::testing::TestParamInfo<Config>& i) { return std::string(i.param.name); });

}  // namespace
}  // namespace cairn::graph
