// Test helpers for the graph model: scratch directories on a real filesystem, a naive in-memory
// model of the graph's semantics (the reference for randomised and crash tests), and whole-graph
// comparisons.
//
// Thread safety: for single-threaded tests.
#ifndef CAIRN_MODELS_GRAPH_INTERNAL_TEST_UTIL_H_
#define CAIRN_MODELS_GRAPH_INTERNAL_TEST_UTIL_H_

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <deque>
#include <filesystem>
#include <limits>
#include <map>
#include <queue>
#include <random>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "models/graph/graph.h"
#include "models/graph/write_batch.h"

namespace cairn::graph::testing {

// A fresh, empty directory on a disk filesystem (the build tree, else /var/tmp), not tmpfs.
inline std::string ScratchDir(const std::string& name) {
#ifdef CAIRN_GRAPH_TEST_ROOT
  std::string root = CAIRN_GRAPH_TEST_ROOT;
#else
  std::string root = "/var/tmp";
#endif
  std::string dir = root + "/graph_test_" + std::to_string(::getpid()) + "_" + name;
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

using EdgeKey = std::tuple<NodeId, std::string, NodeId>;

// The graph's semantics, naively.
struct Model {
  std::map<NodeId, Node> nodes;
  std::map<std::string, NodeId> keys;
  std::map<EdgeKey, Properties> edges;
  NodeId next_id = 0;

  static void Merge(const Properties& update, Properties* props) {
    for (const auto& [k, v] : update) {
      if (v.index() == 0) {
        props->erase(k);
      } else {
        (*props)[k] = v;
      }
    }
  }
  static Properties Clean(const Properties& p) {
    Properties out;
    Merge(p, &out);
    return out;
  }
  void Ensure(NodeId id) {
    next_id = std::max(next_id, id + 1);
    if (!nodes.count(id)) nodes[id] = Node{id, "", {}};
  }
  NodeId Resolve(const std::string& key, bool create) {
    auto it = keys.find(key);
    if (it != keys.end()) return it->second;
    if (!create) return kNoNode;
    NodeId id = next_id++;
    Ensure(id);
    nodes[id].key = key;
    keys[key] = id;
    return id;
  }
  void DeleteNode(NodeId id) {
    auto it = nodes.find(id);
    if (it == nodes.end()) return;
    for (auto e = edges.begin(); e != edges.end();) {
      if (std::get<0>(e->first) == id || std::get<2>(e->first) == id) {
        e = edges.erase(e);
      } else {
        ++e;
      }
    }
    if (!it->second.key.empty()) keys.erase(it->second.key);
    nodes.erase(it);
  }
  void Apply(const WriteBatch& b) {
    using K = WriteBatch::OpKind;
    for (const auto& op : b.ops()) {
      if (op.kind != K::kPutNode && op.kind != K::kPutEdge) continue;
      for (NodeId id : {op.src, op.dst}) {
        if (id != kNoNode) next_id = std::max(next_id, id + 1);
      }
    }
    for (const auto& op : b.ops()) {
      bool create = op.kind == K::kPutNode || op.kind == K::kPutEdge;
      NodeId src = op.src_key.empty() ? op.src : Resolve(op.src_key, create);
      NodeId dst = op.dst_key.empty() ? op.dst : Resolve(op.dst_key, create);
      switch (op.kind) {
        case K::kPutNode:
          Ensure(src);
          if (op.merge) {
            Merge(op.props, &nodes[src].props);
          } else {
            nodes[src].props = Clean(op.props);
          }
          break;
        case K::kDeleteNode:
          if (src != kNoNode) DeleteNode(src);
          break;
        case K::kPutEdge: {
          Ensure(src);
          Ensure(dst);
          EdgeKey k{src, op.label, dst};
          bool existed = edges.count(k) > 0;
          if (op.merge && existed) {
            Merge(op.props, &edges[k]);
          } else {
            edges[k] = Clean(op.props);
          }
          break;
        }
        case K::kDeleteEdge:
          if (src != kNoNode && dst != kNoNode) edges.erase(EdgeKey{src, op.label, dst});
          break;
      }
    }
  }

  // Neighbour lists as sets of edge keys.
  std::set<EdgeKey> Neighbors(NodeId id, Direction d, const std::optional<std::string>& label) {
    std::set<EdgeKey> out;
    for (const auto& [k, p] : edges) {
      if (label && std::get<1>(k) != *label) continue;
      bool o = std::get<0>(k) == id, i = std::get<2>(k) == id;
      if ((o && d != Direction::kIn) || (i && d != Direction::kOut)) out.insert(k);
    }
    return out;
  }

  // Hop distances from `src` (missing: unreachable).
  std::map<NodeId, uint32_t> Bfs(NodeId src, Direction d,
                                 const std::optional<std::string>& label) const {
    std::map<NodeId, std::vector<NodeId>> adj;
    for (const auto& [k, p] : edges) {
      if (label && std::get<1>(k) != *label) continue;
      if (d != Direction::kIn) adj[std::get<0>(k)].push_back(std::get<2>(k));
      if (d != Direction::kOut) adj[std::get<2>(k)].push_back(std::get<0>(k));
    }
    std::map<NodeId, uint32_t> dist{{src, 0}};
    std::deque<NodeId> q{src};
    while (!q.empty()) {
      NodeId u = q.front();
      q.pop_front();
      for (NodeId w : adj[u]) {
        if (dist.emplace(w, dist[u] + 1).second) q.push_back(w);
      }
    }
    return dist;
  }

  // Dijkstra on numeric property `w` (edges without it are skipped).
  std::map<NodeId, double> Dijkstra(NodeId src, Direction d, const std::string& w) const {
    std::map<NodeId, std::vector<std::pair<NodeId, double>>> adj;
    for (const auto& [k, p] : edges) {
      auto it = p.find(w);
      if (it == p.end()) continue;
      std::optional<double> x = AsNumber(it->second);
      if (!x) continue;
      if (d != Direction::kIn) adj[std::get<0>(k)].emplace_back(std::get<2>(k), *x);
      if (d != Direction::kOut) adj[std::get<2>(k)].emplace_back(std::get<0>(k), *x);
    }
    std::map<NodeId, double> dist{{src, 0.0}};
    using Item = std::pair<double, NodeId>;
    std::priority_queue<Item, std::vector<Item>, std::greater<Item>> pq;
    pq.emplace(0.0, src);
    while (!pq.empty()) {
      auto [dd, u] = pq.top();
      pq.pop();
      if (dd > dist[u]) continue;
      for (auto [v, x] : adj[u]) {
        auto it = dist.find(v);
        if (it == dist.end() || dd + x < it->second) {
          dist[v] = dd + x;
          pq.emplace(dd + x, v);
        }
      }
    }
    return dist;
  }
};

// R-MAT edges (Chakrabarti et al.; a = 0.57, b = c = 0.19, as Graph500): ids in [0, 2^scale),
// duplicates and self-loops included.
inline std::vector<std::pair<NodeId, NodeId>> RmatEdges(int scale, int edge_factor, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(0, 1);
  uint64_t m = (uint64_t{1} << scale) * static_cast<uint64_t>(edge_factor);
  std::vector<std::pair<NodeId, NodeId>> edges;
  edges.reserve(m);
  for (uint64_t i = 0; i < m; ++i) {
    NodeId a = 0, b = 0;
    for (int bit = 0; bit < scale; ++bit) {
      double r = u(rng);
      a <<= 1;
      b <<= 1;
      if (r < 0.57) {
      } else if (r < 0.76) {
        b |= 1;
      } else if (r < 0.95) {
        a |= 1;
      } else {
        a |= 1;
        b |= 1;
      }
    }
    edges.emplace_back(a, b);
  }
  return edges;
}

// Every node (id, key, props) and edge (with props) of `g` equals the model's.
inline void ExpectSameGraph(const Graph& g, const Model& m) {
  std::map<NodeId, Node> nodes;
  ASSERT_TRUE(g.ForEachNode([&](const Node& n) {
                 nodes[n.id] = n;
                 return true;
               }).ok());
  for (const auto& [id, n] : nodes) {
    EXPECT_TRUE(m.nodes.count(id)) << "extra node " << id << " key " << n.key;
  }
  for (const auto& [id, n] : m.nodes) {
    EXPECT_TRUE(nodes.count(id)) << "missing node " << id << " key " << n.key;
  }
  ASSERT_EQ(nodes.size(), m.nodes.size());
  for (const auto& [id, n] : m.nodes) {
    auto it = nodes.find(id);
    ASSERT_NE(it, nodes.end()) << "missing node " << id;
    EXPECT_EQ(it->second.key, n.key) << "node " << id;
    EXPECT_EQ(ToString(it->second.props), ToString(n.props)) << "node " << id;
  }
  std::map<EdgeKey, Properties> edges;
  ASSERT_TRUE(g.ForEachEdge(
                   [&](const Edge& e) {
                     edges[EdgeKey{e.src, e.label, e.dst}] = e.props;
                     return true;
                   },
                   true)
                  .ok());
  ASSERT_EQ(edges.size(), m.edges.size());
  for (const auto& [k, p] : m.edges) {
    auto it = edges.find(k);
    ASSERT_NE(it, edges.end()) << "missing edge " << std::get<0>(k) << " -" << std::get<1>(k)
                               << "-> " << std::get<2>(k);
    EXPECT_EQ(ToString(it->second), ToString(p));
  }
  for (const auto& [key, id] : m.keys) {
    auto r = g.LookupKey(key);
    ASSERT_TRUE(r.ok()) << key << ": " << r.status();
    EXPECT_EQ(*r, id);
  }
  GraphStats s = g.stats();
  EXPECT_EQ(s.nodes, m.nodes.size());
  EXPECT_EQ(s.edges, m.edges.size());
}

}  // namespace cairn::graph::testing

#endif  // CAIRN_MODELS_GRAPH_INTERNAL_TEST_UTIL_H_
