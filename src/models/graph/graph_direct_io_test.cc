// The out-of-memory read path: a memory budget too small for the snapshot makes the graph read
// its CSR files with O_DIRECT through io_uring (or the logged fallback when this machine refuses
// O_DIRECT or io_uring); every answer must equal the mapped path's.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <liburing.h>
#include <spdlog/sinks/ringbuffer_sink.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>

#include "core/env/env.h"
#include "models/graph/bulk_load.h"
#include "models/graph/graph.h"
#include "models/graph/internal/test_util.h"

namespace cairn::graph {
namespace {

// Captures spdlog's default logger while alive.
class LogCapture {
 public:
  LogCapture() : sink_(std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(1024)) {
    old_ = spdlog::default_logger();
    spdlog::set_default_logger(std::make_shared<spdlog::logger>("capture", sink_));
  }
  ~LogCapture() { spdlog::set_default_logger(old_); }
  bool Contains(const std::string& text) const {
    for (const auto& line : sink_->last_formatted()) {
      if (line.find(text) != std::string::npos) return true;
    }
    return false;
  }

 private:
  std::shared_ptr<spdlog::sinks::ringbuffer_sink_mt> sink_;
  std::shared_ptr<spdlog::logger> old_;
};

// Does `dir`'s filesystem serve an aligned O_DIRECT read?
bool DirectIoWorks(const std::string& dir) {
  std::string path = dir + "/probe";
  {
    std::ofstream f(path, std::ios::binary);
    std::string block(8192, 'p');
    f.write(block.data(), static_cast<std::streamsize>(block.size()));
  }
  int fd = ::open(path.c_str(), O_RDONLY | O_DIRECT);
  bool ok = false;
  if (fd >= 0) {
    void* buf = std::aligned_alloc(4096, 4096);
    ok = ::pread(fd, buf, 4096, 4096) == 4096;
    std::free(buf);
    ::close(fd);
  }
  std::filesystem::remove(path);
  return ok;
}

bool IoUringWorks() {
  io_uring ring;
  if (io_uring_queue_init(4, &ring, 0) < 0) return false;
  io_uring_queue_exit(&ring);
  return true;
}

class GraphDirectIoTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::ScratchDir("direct_io");
    // A bulk-loaded R-MAT graph with two labels and weights, plus a delta on top.
    BulkLoader loader({core::Env::Default(), dir_, 2});
    uint16_t b = *loader.Label("b");
    std::mt19937_64 rng(7);
    for (auto [s, d] : testing::RmatEdges(12, 12, 3)) {
      loader.AddEdge(s, d, rng() % 4 == 0 ? b : 0, {{"w", static_cast<double>(rng() % 16)}});
    }
    ASSERT_TRUE(loader.Finish().ok());
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::unique_ptr<Graph> Open(ReadMode mode, uint64_t budget) {
    GraphOptions o;
    o.env = core::Env::Default();
    o.dir = dir_;
    o.read_mode = mode;
    o.memory_budget_bytes = budget;
    o.compact_after_ops = 0;
    o.query_threads = 2;
    o.io_queue_depth = 8;
    auto g = Graph::Open(o);
    EXPECT_TRUE(g.ok()) << g.status();
    return g.ok() ? std::move(*g) : nullptr;
  }

  // Every answer that touches the edge arrays, as text.
  std::string Answers(Graph& g) {
    std::string out;
    std::vector<NodeId> ids = g.NodeIds();
    for (NodeId root : {NodeId{0}, NodeId{1}, NodeId{77}}) {
      if (!g.GetNode(root).ok()) continue;
      for (Direction d : {Direction::kOut, Direction::kIn, Direction::kBoth}) {
        for (std::optional<std::string> label : {std::optional<std::string>(), {"b"}}) {
          auto r = g.Bfs(root, {d, label});
          EXPECT_TRUE(r.ok()) << r.status();
          out += "bfs " + std::to_string(r->reached) + " " + std::to_string(r->edges) + ":";
          for (size_t i = 0; i < r->depth.size(); ++i) {
            if (r->depth[i] >= 0)
              out += std::to_string(ids[i]) + "=" + std::to_string(r->depth[i]) + ",";
          }
        }
      }
      if (root != 0) continue;  // Dijkstra reads per node: once is enough on O_DIRECT
      PathOptions po;
      po.weight = "w";
      auto dist = g.Distances(root, po);
      EXPECT_TRUE(dist.ok()) << dist.status();
      out += "\ndijkstra:";
      for (size_t i = 0; i < dist->size(); ++i) {
        if (!std::isinf((*dist)[i]))
          out += std::to_string(ids[i]) + "=" + std::to_string((*dist)[i]) + ",";
      }
    }
    for (NodeId id = 0; id < 4096; id += 97) {
      auto n = g.Neighbors(id, {Direction::kBoth, std::nullopt, true});
      if (!n.ok()) continue;
      std::vector<std::string> es;
      for (const Edge& e : *n)
        es.push_back(std::to_string(e.src) + ">" + e.label + ">" + std::to_string(e.dst) +
                     ToString(e.props));
      std::sort(es.begin(), es.end());
      for (const auto& e : es) out += e + ";";
    }
    return out;
  }

  std::string dir_;
};

TEST_F(GraphDirectIoTest, TinyBudgetReadsWithODirectAndMatchesMmap) {
  const bool direct = DirectIoWorks(dir_);
  const bool uring = IoUringWorks();
  const ReadPath expected = !direct ? ReadPath::kBuffered
                            : uring ? ReadPath::kDirectUring
                                    : ReadPath::kDirectPread;
  std::cerr << "this machine: O_DIRECT " << (direct ? "works" : "refused") << ", io_uring "
            << (uring ? "works" : "refused") << "; expecting " << ReadPathName(expected) << "\n";
  std::string want;
  {
    auto g = Open(ReadMode::kMmap, 0);
    ASSERT_NE(g, nullptr);
    EXPECT_EQ(g->read_path(), ReadPath::kMmap);
    // A delta on top of the snapshot: new nodes, deleted nodes and edges, new weights.
    WriteBatch b;
    b.DeleteNode(1);
    b.PutEdge(0, "b", 5000, {{"w", 1.0}});
    b.PutEdge(5000, "", 77, {{"w", 0.5}});
    b.DeleteEdge(0, "", 0);
    b.MergeEdge(77, "", 0, {{"w", 3.0}});
    ASSERT_TRUE(g->Write(b).ok());
    want = Answers(*g);
  }
  {
    LogCapture log;
    auto g = Open(ReadMode::kAuto, 1);  // 1 byte of budget: nothing may be mapped
    ASSERT_NE(g, nullptr);
    EXPECT_EQ(g->read_path(), expected);
    EXPECT_TRUE(log.Contains("read via " + std::string(ReadPathName(expected))));
    if (expected != ReadPath::kDirectUring) {
      EXPECT_TRUE(log.Contains("graph: snapshot reads fall back")) << "the fallback is logged";
    }
    uint64_t reads_before = g->stats().io_reads;
    EXPECT_EQ(Answers(*g), want);
    EXPECT_GT(g->stats().io_reads, reads_before);
    // A compaction that reads the old snapshot through the same path.
    ASSERT_TRUE(g->Compact().ok());
    EXPECT_EQ(g->read_path(), expected);
    EXPECT_EQ(Answers(*g), want);
  }
  auto g = Open(ReadMode::kBuffered, 0);
  ASSERT_NE(g, nullptr);
  EXPECT_EQ(g->read_path(), ReadPath::kBuffered);
  EXPECT_EQ(Answers(*g), want);
}

// tmpfs: O_DIRECT is refused on some kernels; then the fallback must be the buffered path.
TEST_F(GraphDirectIoTest, FallsBackWhereODirectIsRefused) {
  std::string shm = "/dev/shm/graph_direct_io_" + std::to_string(::getpid());
  if (!std::filesystem::exists("/dev/shm")) GTEST_SKIP() << "no /dev/shm";
  std::filesystem::create_directories(shm);
  bool refused = !DirectIoWorks(shm);
  if (!refused) {
    std::filesystem::remove_all(shm);
    GTEST_SKIP() << "this kernel's tmpfs accepts O_DIRECT (Linux >= 6.6): the refusal path is "
                    "only reachable where O_DIRECT fails";
  }
  std::filesystem::remove_all(shm);
  std::filesystem::copy(dir_, shm, std::filesystem::copy_options::recursive);
  std::filesystem::remove(shm + "/LOCK");
  LogCapture log;
  GraphOptions o;
  o.env = core::Env::Default();
  o.dir = shm;
  o.read_mode = ReadMode::kDirect;
  o.compact_after_ops = 0;
  auto g = Graph::Open(o);
  ASSERT_TRUE(g.ok()) << g.status();
  EXPECT_EQ((*g)->read_path(), ReadPath::kBuffered);
  EXPECT_TRUE(log.Contains("O_DIRECT refused"));
  g->reset();
  std::filesystem::remove_all(shm);
}

}  // namespace
}  // namespace cairn::graph
