// Crash test for the graph model's durability (run by ctest as crash.graph).
//
//   graph_crash_test [TRIALS] [SEED]
//
// Each trial forks a child that opens a Graph on one directory (shared by all trials, so every
// trial also recovers what the previous crashes left) and writes random batches (1-8 mutations:
// PutNode, MergeNode, DeleteNode, PutEdge, DeleteEdge with int and string properties, on 100
// node ids and two labels), one after the other, each acknowledged by an fsync'ed line in an ack
// file after Graph::Write returned. Compaction runs all the time: in the background
// (compact_after_ops is small) and through explicit Compact() calls every few batches (logged
// as "C" / "D" lines, so the parent knows when a kill hit one). The parent kills the child with
// SIGKILL after a random 10-250 ms, reopens the graph itself and checks it against a model: the
// child is one thread, so with P batches acknowledged the recovered graph must equal the model
// after exactly P batches, or P + 1 (the one in flight). The model then continues from it.
// Ends with "graph crash test: N passed, 0 failed" or exits non-zero.
#include <fcntl.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "core/env/env.h"
#include "models/graph/graph.h"

namespace {

using namespace cairn;
using namespace cairn::graph;

constexpr uint64_t kNodes = 100;

using EdgeKey = std::tuple<NodeId, std::string, NodeId>;

// The expected graph: live nodes with their properties, live edges with theirs.
struct Model {
  std::map<NodeId, Properties> nodes;
  std::map<EdgeKey, Properties> edges;
  bool operator==(const Model&) const = default;

  void Apply(const WriteBatch& batch) {
    for (const WriteBatch::Op& op : batch.ops()) {
      switch (op.kind) {
        case WriteBatch::OpKind::kPutNode:
          if (op.merge) {
            for (const auto& [k, v] : op.props) nodes[op.src][k] = v;
          } else {
            nodes[op.src] = op.props;
          }
          break;
        case WriteBatch::OpKind::kDeleteNode:
          nodes.erase(op.src);
          std::erase_if(edges, [&](const auto& e) {
            return std::get<0>(e.first) == op.src || std::get<2>(e.first) == op.src;
          });
          break;
        case WriteBatch::OpKind::kPutEdge:
          nodes.try_emplace(op.src);
          nodes.try_emplace(op.dst);
          edges[{op.src, op.label, op.dst}] = op.props;
          break;
        case WriteBatch::OpKind::kDeleteEdge:
          edges.erase({op.src, op.label, op.dst});
          break;
      }
    }
  }
};

// Batch `i` of the trial whose child runs with `seed` (the parent regenerates them).
std::vector<WriteBatch> Batches(uint64_t seed, size_t count) {
  std::mt19937_64 rng(seed);
  std::vector<WriteBatch> out(count);
  for (size_t i = 0; i < count; ++i) {
    int ops = 1 + static_cast<int>(rng() % 8);
    for (int j = 0; j < ops; ++j) {
      NodeId a = rng() % kNodes, b = rng() % kNodes;
      std::string label = rng() % 2 ? "a" : "b";
      int64_t v = static_cast<int64_t>(seed % 1000000 * 100000 + i);
      uint64_t r = rng() % 100;
      if (r < 15) {
        out[i].PutNode(a, {{"v", v}, {"s", "n" + std::to_string(v)}});
      } else if (r < 25) {
        out[i].MergeNode(a, {{"m", v}});
      } else if (r < 30) {
        out[i].DeleteNode(a);
      } else if (r < 80) {
        out[i].PutEdge(a, label, b, {{"w", v}});
      } else {
        out[i].DeleteEdge(a, label, b);
      }
    }
  }
  return out;
}

GraphOptions Options(const std::string& dir) {
  GraphOptions o;
  o.env = core::Env::Default();
  o.dir = dir;
  o.compact_after_ops = 48;  // background compactions all the time
  o.wal_segment_bytes = 64 << 10;
  o.query_threads = 1;
  return o;
}

void Line(int fd, const std::string& line) {
  std::string l = line + "\n";
  if (::write(fd, l.data(), l.size()) != static_cast<ssize_t>(l.size()) || ::fsync(fd) != 0) {
    std::_Exit(3);
  }
}

[[noreturn]] void Child(const std::string& dir, const std::string& ack_path, uint64_t seed,
                        size_t max_batches) {
  int fd = ::open(ack_path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) std::_Exit(4);
  auto g = Graph::Open(Options(dir));
  if (!g.ok()) {
    std::fprintf(stderr, "child: open failed: %s\n", g.status().ToString().c_str());
    std::_Exit(4);
  }
  std::vector<WriteBatch> batches = Batches(seed, max_batches);
  for (size_t i = 0; i < batches.size(); ++i) {
    if (i % 16 == 15) {
      Line(fd, "C");
      if (Status s = (*g)->Compact(); !s.ok()) {
        std::fprintf(stderr, "child: compact failed: %s\n", s.ToString().c_str());
        std::_Exit(6);
      }
      Line(fd, "D");
    }
    if (Status s = (*g)->Write(batches[i]); !s.ok()) {
      std::fprintf(stderr, "child: write failed: %s\n", s.ToString().c_str());
      std::_Exit(5);
    }
    Line(fd, "A " + std::to_string(i));
  }
  // Out of batches: wait for the kill.
  for (;;) std::this_thread::sleep_for(std::chrono::seconds(1));
}

Result<Model> Recover(const std::string& dir, uint64_t* compactions) {
  auto opened = Graph::Open(Options(dir));
  if (!opened.ok()) return opened.status();
  std::unique_ptr<Graph> g = std::move(opened).value();
  Model m;
  CAIRN_RETURN_IF_ERROR(g->ForEachNode([&](const Node& n) {
    m.nodes[n.id] = n.props;
    return true;
  }));
  CAIRN_RETURN_IF_ERROR(g->ForEachEdge(
      [&](const Edge& e) {
        m.edges[{e.src, e.label, e.dst}] = e.props;
        return true;
      },
      /*with_props=*/true));
  // Reads through the recovered indexes agree with the scan.
  for (const auto& [k, props] : m.edges) {
    auto e = g->GetEdge(std::get<0>(k), std::get<1>(k), std::get<2>(k));
    if (!e.ok() || e->props != props) return DataLossError("GetEdge disagrees with the scan");
  }
  for (const auto& [id, props] : m.nodes) {
    uint64_t out = 0;
    for (const auto& [k, unused] : m.edges) out += std::get<0>(k) == id;
    auto d = g->Degree(id);
    if (!d.ok() || *d != out) return DataLossError("Degree disagrees with the scan");
  }
  *compactions = g->stats().generation;
  CAIRN_RETURN_IF_ERROR(g->Close());
  return m;
}

std::string Describe(const Model& m) {
  return std::to_string(m.nodes.size()) + " nodes, " + std::to_string(m.edges.size()) + " edges";
}

}  // namespace

int main(int argc, char** argv) {
  int trials = argc > 1 ? std::atoi(argv[1]) : 50;
  uint64_t seed = argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 20261126;
  spdlog::set_level(spdlog::level::warn);
  std::string dir =
      std::filesystem::temp_directory_path() / ("cairn_graph_crash_" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  std::string acks = dir + "/acks.log";
  std::string graph_dir = dir + "/graph";
  constexpr size_t kMaxBatches = 20000;
  std::mt19937_64 rng(seed);
  Model model;
  int passed = 0, failed = 0;
  uint64_t batches_acked = 0, in_flight_kept = 0, kills_in_compact = 0, generation = 0;
  for (int t = 0; t < trials; ++t) {
    uint64_t child_seed = rng();
    int64_t sleep_ms = 10 + static_cast<int64_t>(rng() % 241);
    std::ofstream(acks, std::ios::trunc).close();
    pid_t pid = ::fork();
    if (pid == 0) Child(graph_dir, acks, child_seed, kMaxBatches);
    std::this_thread::sleep_for(std::chrono::milliseconds(sleep_ms));
    ::kill(pid, SIGKILL);
    int status = 0;
    ::waitpid(pid, &status, 0);
    if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGKILL) {
      std::fprintf(stderr, "trial %d: child ended before the kill (status %d)\n", t, status);
      ++failed;
      break;
    }
    // Acknowledged batches (a line torn by the kill was never acknowledged).
    size_t acked = 0;
    bool in_compact = false;
    {
      std::ifstream in(acks);
      std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      size_t pos = 0;
      for (size_t nl; (nl = text.find('\n', pos)) != std::string::npos; pos = nl + 1) {
        std::string line = text.substr(pos, nl - pos);
        if (line == "C") {
          in_compact = true;
        } else if (line == "D") {
          in_compact = false;
        } else if (line.rfind("A ", 0) == 0) {
          acked = std::stoull(line.substr(2)) + 1;
        }
      }
    }
    std::vector<WriteBatch> batches = Batches(child_seed, acked + 1);
    Model want = model;
    for (size_t i = 0; i < acked; ++i) want.Apply(batches[i]);
    Model with_in_flight = want;
    with_in_flight.Apply(batches[acked]);

    auto got = Recover(graph_dir, &generation);
    if (!got.ok()) {
      std::fprintf(stderr, "trial %d: recovery failed: %s\n", t, got.status().ToString().c_str());
      ++failed;
      break;
    }
    if (*got == want) {
      model = std::move(want);
    } else if (*got == with_in_flight) {
      model = std::move(with_in_flight);
      ++in_flight_kept;
    } else {
      std::fprintf(stderr,
                   "trial %d FAILED (seed %llu): %zu batches acknowledged; recovered %s, "
                   "expected %s (or %s with the batch in flight)\n",
                   t, static_cast<unsigned long long>(seed), acked, Describe(*got).c_str(),
                   Describe(want).c_str(), Describe(with_in_flight).c_str());
      int shown = 0;
      for (const auto& [k, p] : want.edges) {
        if (!got->edges.count(k) && shown++ < 5) {
          std::fprintf(stderr, "  missing edge %llu -%s-> %llu\n",
                       static_cast<unsigned long long>(std::get<0>(k)), std::get<1>(k).c_str(),
                       static_cast<unsigned long long>(std::get<2>(k)));
        }
      }
      for (const auto& [k, p] : got->edges) {
        if (!want.edges.count(k) && shown++ < 10) {
          std::fprintf(stderr, "  extra edge %llu -%s-> %llu\n",
                       static_cast<unsigned long long>(std::get<0>(k)), std::get<1>(k).c_str(),
                       static_cast<unsigned long long>(std::get<2>(k)));
        }
      }
      ++failed;
      break;
    }
    batches_acked += acked;
    kills_in_compact += in_compact;
    ++passed;
  }
  std::filesystem::remove_all(dir);
  std::printf(
      "graph crash test: %llu acknowledged batches over %d trials; in-flight batch kept %llu "
      "times; %llu kills inside Compact(); snapshot generation %llu; final graph %s\n",
      static_cast<unsigned long long>(batches_acked), passed + failed,
      static_cast<unsigned long long>(in_flight_kept),
      static_cast<unsigned long long>(kills_in_compact),
      static_cast<unsigned long long>(generation), Describe(model).c_str());
  std::printf("graph crash test: %d passed, %d failed\n", passed, failed);
  return failed == 0 ? 0 : 1;
}
