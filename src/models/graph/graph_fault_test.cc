// Crash safety through FaultEnv: acknowledged writes survive crashes; unsynced ones recover as a
// prefix; a fault or crash at any step of a compaction leaves the last manifest + WAL intact;
// corrupt files are reported, never served.
#include <gtest/gtest.h>

#include <random>

#include "core/env/env.h"
#include "core/env/fault_env.h"
#include "models/graph/graph.h"
#include "models/graph/internal/test_util.h"

namespace cairn::graph {
namespace {

#define ASSERT_OK(expr)         \
  do {                          \
    Status s_ = (expr);         \
    ASSERT_TRUE(s_.ok()) << s_; \
  } while (0)

using testing::ExpectSameGraph;
using testing::Model;

// A canonical rendering of every node and edge, to compare states.
std::string Canon(const Graph& g) {
  std::map<NodeId, std::string> nodes;
  std::set<std::string> edges;
  EXPECT_TRUE(g.ForEachNode([&](const Node& n) {
                 nodes[n.id] = n.key + ToString(n.props);
                 return true;
               }).ok());
  EXPECT_TRUE(g.ForEachEdge(
                   [&](const Edge& e) {
                     edges.insert(std::to_string(e.src) + ">" + e.label + ">" +
                                  std::to_string(e.dst) + ToString(e.props));
                     return true;
                   },
                   true)
                  .ok());
  std::string out;
  for (const auto& [id, s] : nodes) out += std::to_string(id) + s + ";";
  for (const auto& e : edges) out += e + ";";
  return out;
}

std::string Canon(const Model& m) {
  std::string out;
  for (const auto& [id, n] : m.nodes) out += std::to_string(id) + n.key + ToString(n.props) + ";";
  std::set<std::string> edges;
  for (const auto& [k, p] : m.edges) {
    edges.insert(std::to_string(std::get<0>(k)) + ">" + std::get<1>(k) + ">" +
                 std::to_string(std::get<2>(k)) + ToString(p));
  }
  for (const auto& e : edges) out += e + ";";
  return out;
}

class GraphFaultTest : public ::testing::Test {
 protected:
  void SetUp() override { Reset(1); }
  void TearDown() override { graph_.reset(); }

  void Reset(uint64_t seed) {
    graph_.reset();
    fault_.reset();
    mem_ = core::NewMemEnv();
    fault_ = std::make_unique<core::FaultEnv>(mem_.get(), seed);
    options_.env = fault_.get();
    options_.dir = "/g";
    options_.read_mode = ReadMode::kEnv;
    options_.compact_after_ops = 0;
    options_.query_threads = 1;
    options_.wal_segment_bytes = 4096;  // compactions also drop WAL segments
    model_ = Model();
    rng_.seed(seed);
  }
  Status Open() {
    graph_.reset();
    auto g = Graph::Open(options_);
    if (!g.ok()) return g.status();
    graph_ = std::move(*g);
    return Status();
  }
  // Power loss: unsynced bytes and directory entries go, then the process is gone too.
  void Crash(bool torn = true) {
    ASSERT_TRUE(fault_->SimulateCrash({torn}).ok());
    graph_.reset();
    fault_->ClearFaults();
  }
  WriteBatch RandomBatch() {
    WriteBatch b;
    for (int i = 0; i < 3; ++i) {
      NodeId a = rng_() % 30, c = rng_() % 30;
      switch (rng_() % 6) {
        case 0:
          b.MergeNode(a, {{"v", static_cast<int64_t>(rng_() % 100)}});
          break;
        case 1:
          b.DeleteEdge(a, "x", c);
          break;
        case 2:
          if (rng_() % 4 == 0) b.DeleteNode(a);
          break;
        case 3:
          b.PutNodeByKey("k" + std::to_string(a % 7), {{"s", std::string("y")}});
          break;
        default:
          b.PutEdge(a, rng_() % 2 ? "x" : "y", c, {{"w", static_cast<double>(rng_() % 9)}});
      }
    }
    return b;
  }
  // Writes `n` batches, each acknowledged (or the test fails).
  void WriteSome(int n) {
    for (int i = 0; i < n; ++i) {
      WriteBatch b = RandomBatch();
      ASSERT_TRUE(graph_->Write(b).ok());
      model_.Apply(b);
    }
  }

  std::unique_ptr<core::Env> mem_;
  std::unique_ptr<core::FaultEnv> fault_;
  GraphOptions options_;
  std::unique_ptr<Graph> graph_;
  Model model_;
  std::mt19937_64 rng_;
};

TEST_F(GraphFaultTest, AcknowledgedWritesSurviveCrashes) {
  ASSERT_OK(Open());
  for (int round = 0; round < 4; ++round) {
    WriteSome(40);
    if (round % 2 == 1) {
      ASSERT_TRUE(graph_->Compact().ok());
    }
    Crash();
    ASSERT_OK(Open());
    ExpectSameGraph(*graph_, model_);
  }
}

TEST_F(GraphFaultTest, UnsyncedWritesRecoverAsAPrefix) {
  options_.sync = false;
  for (uint64_t seed = 1; seed <= 6; ++seed) {
    Reset(seed);
    options_.sync = false;
    ASSERT_OK(Open());
    WriteSome(10);
    ASSERT_TRUE(graph_->Compact().ok());  // syncs the WAL up to its mark
    std::vector<std::string> states{Canon(model_)};
    for (int i = 0; i < 30; ++i) {
      WriteBatch b = RandomBatch();
      ASSERT_TRUE(graph_->Write(b).ok());
      model_.Apply(b);
      states.push_back(Canon(model_));
    }
    Crash(/*torn=*/true);
    ASSERT_OK(Open());
    std::string got = Canon(*graph_);
    EXPECT_NE(std::find(states.begin(), states.end(), got), states.end())
        << "seed " << seed << ": recovered state is not a prefix of the writes";
  }
}

// A fault at the k-th file operation of a compaction, for every k, then a crash: the graph
// recovers exactly the acknowledged state, and compacts fine afterwards.
TEST_F(GraphFaultTest, FaultAndCrashAtEveryStepOfCompaction) {
  struct Kind {
    core::FaultOp op;
    core::FaultKind kind;
  };
  for (Kind k : {Kind{core::FaultOp::kAny, core::FaultKind::kIoError},
                 Kind{core::FaultOp::kWrite, core::FaultKind::kTornWrite},
                 Kind{core::FaultOp::kSync, core::FaultKind::kSyncFailure}}) {
    bool finished = false;
    for (int skip = 0; !finished && skip < 400; ++skip) {
      SCOPED_TRACE("op " + std::to_string(static_cast<int>(k.op)) + " skip " +
                   std::to_string(skip));
      Reset(static_cast<uint64_t>(skip) + 1);
      ASSERT_OK(Open());
      WriteSome(15);
      ASSERT_TRUE(graph_->Compact().ok());
      WriteSome(15);
      int fired = fault_->faults_fired();
      fault_->InjectFault(core::FaultRule{k.op, k.kind, "", skip, 1});
      Status s = graph_->Compact();
      finished = fault_->faults_fired() == fired;
      if (finished) {
        EXPECT_TRUE(s.ok()) << s;
      } else {
        // Whatever failed, reads still see everything (the frozen layer stays).
        EXPECT_EQ(graph_->stats().edges, model_.edges.size());
      }
      Crash();
      Status o = Open();
      ASSERT_TRUE(o.ok()) << o;
      ExpectSameGraph(*graph_, model_);
      WriteSome(5);
      ASSERT_TRUE(graph_->Compact().ok());
      Crash(false);
      ASSERT_OK(Open());
      ExpectSameGraph(*graph_, model_);
      if (HasFailure()) return;
    }
    EXPECT_TRUE(finished) << "compaction never ran without the fault";
  }
}

TEST_F(GraphFaultTest, FailedWalSyncStopsWritesUntilReopen) {
  ASSERT_OK(Open());
  WriteSome(10);
  fault_->InjectFault(
      core::FaultRule{core::FaultOp::kSync, core::FaultKind::kSyncFailure, "wal", 0, 1});
  WriteBatch b;
  b.PutNode(1000);
  EXPECT_FALSE(graph_->Write(b).ok());
  EXPECT_EQ(graph_->Write(b).code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(graph_->Compact().code(), StatusCode::kFailedPrecondition);
  EXPECT_TRUE(graph_->GetNode(1000).ok());  // applied (visible), just not durable
  Crash();
  ASSERT_OK(Open());
  // Node 1000 may or may not have survived; everything acknowledged did.
  if (graph_->GetNode(1000).ok()) model_.Apply(b);
  ExpectSameGraph(*graph_, model_);
}

TEST_F(GraphFaultTest, CorruptOrMissingFilesAreDataLoss) {
  ASSERT_OK(Open());
  WriteSome(30);
  ASSERT_TRUE(graph_->Compact().ok());
  graph_.reset();
  std::string nbr = "/g/snap-00000001/out.nbr";
  {
    auto f = mem_->OpenFile(nbr, {});
    ASSERT_TRUE(f.ok());
    uint8_t byte = 0x5a;
    ASSERT_TRUE((*f)->WriteAt(4096 + 1, ByteSpan(&byte, 1)).ok());
  }
  EXPECT_EQ(Open().code(), StatusCode::kDataLoss);
  options_.verify_checksums = false;  // then at least the sizes are checked
  ASSERT_TRUE(mem_->OpenFile(nbr, {}).value()->Truncate(4096).ok());
  EXPECT_EQ(Open().code(), StatusCode::kDataLoss);
  {
    auto f = mem_->OpenFile("/g/MANIFEST", {});
    ASSERT_TRUE(f.ok());
    uint8_t byte = 0;
    ASSERT_TRUE((*f)->WriteAt(12, ByteSpan(&byte, 1)).ok());
  }
  EXPECT_EQ(Open().code(), StatusCode::kDataLoss);
}

}  // namespace
}  // namespace cairn::graph
