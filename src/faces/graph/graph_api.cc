#include "faces/graph/graph_api.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <exception>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "models/graph/graph.h"
#include "models/graph/write_batch.h"

namespace cairn::graph_face {

namespace {

using json = nlohmann::json;
using graph::Direction;
using graph::Graph;
using graph::NodeId;
using graph::Properties;
using graph::PropertyValue;
using Query = std::map<std::string, std::string, std::less<>>;

constexpr const char* kJson = "application/json";

void SetJson(net::HttpResponse* response, const json& j, int status = 200) {
  response->Set(status, kJson, j.dump() + "\n");
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

Result<std::string> PercentDecode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out.push_back(' ');
    } else if (s[i] == '%') {
      if (i + 2 >= s.size()) {
        return InvalidArgumentError("bad %-escape in the query");
      }
      const int hi = HexValue(s[i + 1]), lo = HexValue(s[i + 2]);
      if (hi < 0 || lo < 0) return InvalidArgumentError("bad %-escape in the query");
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

// "a=1&b=x" -> {a: 1, b: x}, percent-decoded; a repeated key keeps the last value.
Result<Query> ParseQuery(std::string_view query) {
  Query q;
  while (!query.empty()) {
    const size_t amp = query.find('&');
    std::string_view part = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (part.empty()) continue;
    const size_t eq = part.find('=');
    CAIRN_ASSIGN_OR_RETURN(std::string name, PercentDecode(part.substr(0, eq)));
    std::string value;
    if (eq != std::string_view::npos) {
      CAIRN_ASSIGN_OR_RETURN(value, PercentDecode(part.substr(eq + 1)));
    }
    q[std::move(name)] = std::move(value);
  }
  return q;
}

// Decimal u64 without sign; nullopt when `text` is not one.
std::optional<uint64_t> ToU64(std::string_view text) {
  uint64_t v = 0;
  if (text.empty() || text.front() < '0' || text.front() > '9') return std::nullopt;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || ptr != text.data() + text.size()) return std::nullopt;
  return v;
}

// The query parameter `name` as a u64; `fallback` when absent (nullopt: required).
Result<uint64_t> QueryU64(const Query& q, std::string_view name,
                          std::optional<uint64_t> fallback = std::nullopt) {
  auto it = q.find(name);
  if (it == q.end() || it->second.empty()) {
    if (fallback) return *fallback;
    return InvalidArgumentError("missing query parameter '" + std::string(name) + "'");
  }
  std::optional<uint64_t> v = ToU64(it->second);
  if (!v) {
    return InvalidArgumentError("query parameter '" + std::string(name) +
                                "' is not a non-negative integer");
  }
  return *v;
}

std::optional<std::string> QueryString(const Query& q, std::string_view name) {
  auto it = q.find(name);
  if (it == q.end()) return std::nullopt;
  return it->second;
}

Result<Direction> QueryDirection(const Query& q, std::string_view name) {
  auto it = q.find(name);
  if (it == q.end() || it->second.empty() || it->second == "out") return Direction::kOut;
  if (it->second == "in") return Direction::kIn;
  if (it->second == "both") return Direction::kBoth;
  return InvalidArgumentError("'" + std::string(name) + "' must be out, in or both");
}

std::string_view DirectionName(Direction d) {
  switch (d) {
    case Direction::kIn:
      return "in";
    case Direction::kBoth:
      return "both";
    default:
      return "out";
  }
}

Result<NodeId> CheckId(uint64_t id) {
  if (id == graph::kNoNode) return InvalidArgumentError("node id 2^64-1 is reserved");
  return id;
}

// A node named by the query parameter `name` (decimal: an id; else a key) or `name`_key (a key).
// Keys must be bound (kNotFound otherwise).
Result<NodeId> QueryNode(const Graph& g, const Query& q, std::string_view name) {
  if (auto it = q.find(std::string(name) + "_key"); it != q.end()) return g.LookupKey(it->second);
  auto it = q.find(name);
  if (it == q.end() || it->second.empty()) {
    return InvalidArgumentError("missing query parameter '" + std::string(name) + "'");
  }
  if (std::optional<uint64_t> id = ToU64(it->second)) return CheckId(*id);
  return g.LookupKey(it->second);
}

// A JSON node reference: a number is an id, a string a key.
struct NodeRef {
  std::optional<NodeId> id;
  std::string key;
};

Result<NodeRef> JsonNodeRef(const json& body, const char* name) {
  auto it = body.find(name);
  if (it == body.end()) return InvalidArgumentError(std::string("missing '") + name + "'");
  NodeRef ref;
  if (it->is_number_unsigned()) {
    CAIRN_ASSIGN_OR_RETURN(NodeId id, CheckId(it->get<uint64_t>()));
    ref.id = id;
  } else if (it->is_string()) {
    ref.key = it->get<std::string>();
    if (ref.key.empty()) return InvalidArgumentError(std::string("'") + name + "' is empty");
  } else {
    return InvalidArgumentError(std::string("'") + name +
                                "' must be a node id (non-negative integer) or key (string)");
  }
  return ref;
}

Result<NodeId> Resolve(const Graph& g, const NodeRef& ref) {
  if (ref.id) return *ref.id;
  return g.LookupKey(ref.key);
}

json ValueJson(const PropertyValue& v) {
  switch (v.index()) {
    case 1:
      return std::get<bool>(v);
    case 2:
      return std::get<int64_t>(v);
    case 3: {
      const double d = std::get<double>(v);
      return std::isfinite(d) ? json(d) : json(graph::ToString(v));
    }
    case 4:
      return std::get<std::string>(v);
    default:
      return nullptr;
  }
}

json PropsJson(const Properties& props) {
  json out = json::object();
  for (const auto& [k, v] : props) out[k] = ValueJson(v);
  return out;
}

// {"name": value, ...} -> Properties. Null values are kept only when `allow_null` (merges).
Result<Properties> JsonProps(const json& body, bool allow_null) {
  Properties props;
  auto it = body.find("props");
  if (it == body.end() || it->is_null()) return props;
  if (!it->is_object()) return InvalidArgumentError("'props' must be an object");
  for (const auto& [k, v] : it->items()) {
    if (v.is_null()) {
      if (!allow_null) {
        return InvalidArgumentError("property '" + k + "' is null (only merges remove properties)");
      }
      props.emplace(k, std::monostate{});
    } else if (v.is_boolean()) {
      props.emplace(k, v.get<bool>());
    } else if (v.is_number_integer()) {
      if (v.is_number_unsigned() &&
          v.get<uint64_t>() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
        return InvalidArgumentError("property '" + k + "' does not fit a signed 64-bit integer");
      }
      props.emplace(k, v.get<int64_t>());
    } else if (v.is_number_float()) {
      props.emplace(k, v.get<double>());
    } else if (v.is_string()) {
      props.emplace(k, v.get<std::string>());
    } else {
      return InvalidArgumentError("property '" + k +
                                  "' must be null, a boolean, a number or a string");
    }
  }
  return props;
}

Result<json> ParseBody(const net::HttpRequest& request) {
  json body = json::parse(request.body, nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded()) return InvalidArgumentError("the body is not valid JSON");
  if (!body.is_object()) return InvalidArgumentError("the body must be a JSON object");
  return body;
}

Result<bool> JsonBool(const json& body, const char* name) {
  auto it = body.find(name);
  if (it == body.end() || it->is_null()) return false;
  if (!it->is_boolean())
    return InvalidArgumentError(std::string("'") + name + "' must be a boolean");
  return it->get<bool>();
}

json NodeJson(const graph::Node& n) {
  json j = {{"id", n.id}, {"props", PropsJson(n.props)}};
  j["key"] = n.key.empty() ? json(nullptr) : json(n.key);
  return j;
}

json EdgeJson(const graph::Edge& e, bool with_props) {
  json j = {{"src", e.src}, {"dst", e.dst}, {"label", e.label}};
  if (with_props) j["props"] = PropsJson(e.props);
  return j;
}

bool QueryFlag(const Query& q, std::string_view name) {
  auto it = q.find(name);
  return it != q.end() && (it->second == "1" || it->second == "true" || it->second.empty());
}

}  // namespace

int GraphApi::HttpStatusFor(StatusCode code) { return net::HttpStatusForStatus(code); }

void GraphApi::SetError(const Status& status, net::HttpResponse* response) {
  net::SetJsonError(status, response);
}

void GraphApi::Handle(const net::HttpRequest& request, net::HttpResponse* response) const {
  try {
    Status s = Dispatch(request, response);
    if (!s.ok()) SetError(s, response);
  } catch (const std::exception& e) {
    SetError(InternalError(std::string("graph API: ") + e.what()), response);
  } catch (...) {
    SetError(InternalError("graph API: unknown exception"), response);
  }
}

Status GraphApi::Dispatch(const net::HttpRequest& request, net::HttpResponse* response) const {
  std::string_view path = request.path;
  if (path.substr(0, kGraphPathPrefix.size()) != kGraphPathPrefix) {
    return NotFoundError("not a graph path");
  }
  path.remove_prefix(kGraphPathPrefix.size());
  if (path.empty() || path.front() != '/') return NotFoundError("expected /v1/graph/{operation}");
  path.remove_prefix(1);
  CAIRN_ASSIGN_OR_RETURN(Query q, ParseQuery(request.query));
  const std::string_view method = request.method;
  const bool get = method == "GET" || method == "HEAD";
  // A wrong method: 405 with Allow (an OK Status: the answer is set).
  auto not_allowed = [&](const char* want) {
    SetError(
        InvalidArgumentError(std::string("use ") + want + " for /v1/graph/" + std::string(path)),
        response);
    response->status = 405;
    response->SetHeader("Allow", want);
    return Status();
  };

  // --- nodes ---------------------------------------------------------------------------------
  if (path == "nodes" || path.substr(0, 6) == "nodes/") {
    std::optional<NodeId> id;
    if (path.size() > 6) {
      std::optional<uint64_t> v = ToU64(path.substr(6));
      if (!v) return InvalidArgumentError("expected /v1/graph/nodes/{id} with a decimal id");
      CAIRN_ASSIGN_OR_RETURN(NodeId checked, CheckId(*v));
      id = checked;
    }
    if (method == "POST") {
      if (id) return not_allowed("GET, DELETE");
      CAIRN_ASSIGN_OR_RETURN(json body, ParseBody(request));
      CAIRN_ASSIGN_OR_RETURN(bool merge, JsonBool(body, "merge"));
      CAIRN_ASSIGN_OR_RETURN(Properties props, JsonProps(body, merge));
      const bool has_id = body.contains("id"), has_key = body.contains("key");
      if (has_id == has_key) return InvalidArgumentError("name the node by one of 'id' or 'key'");
      CAIRN_ASSIGN_OR_RETURN(NodeRef ref, JsonNodeRef(body, has_id ? "id" : "key"));
      if (has_id && !ref.id) return InvalidArgumentError("'id' must be a non-negative integer");
      if (has_key && ref.id) return InvalidArgumentError("'key' must be a string");
      graph::WriteBatch batch;
      if (ref.id) {
        merge ? batch.MergeNode(*ref.id, std::move(props))
              : batch.PutNode(*ref.id, std::move(props));
      } else {
        merge ? batch.MergeNodeByKey(ref.key, std::move(props))
              : batch.PutNodeByKey(ref.key, std::move(props));
      }
      graph::WriteResult wr;
      CAIRN_RETURN_IF_ERROR(graph_->Write(batch, &wr));
      NodeId written = ref.id.value_or(graph::kNoNode);
      if (!ref.id && !wr.keys.empty()) written = wr.keys.front().second;
      CAIRN_ASSIGN_OR_RETURN(graph::Node node, graph_->GetNode(written));
      SetJson(response, NodeJson(node));
      return Status();
    }
    if (!id) {
      if (auto key = QueryString(q, "key")) {
        CAIRN_ASSIGN_OR_RETURN(NodeId found, graph_->LookupKey(*key));
        id = found;
      } else if (get || method == "DELETE") {
        return InvalidArgumentError("expected /v1/graph/nodes/{id} or /v1/graph/nodes?key=");
      }
    }
    if (get) {
      CAIRN_ASSIGN_OR_RETURN(graph::Node node, graph_->GetNode(*id));
      SetJson(response, NodeJson(node));
      return Status();
    }
    if (method == "DELETE") {
      CAIRN_RETURN_IF_ERROR(graph_->GetNode(*id).status());  // 404 for an unknown node
      CAIRN_RETURN_IF_ERROR(graph_->DeleteNode(*id));
      SetJson(response, {{"id", *id}, {"deleted", true}});
      return Status();
    }
    return not_allowed(path == "nodes" ? "GET, POST, DELETE" : "GET, DELETE");
  }

  // --- edges ---------------------------------------------------------------------------------
  if (path == "edges") {
    if (method == "POST") {
      CAIRN_ASSIGN_OR_RETURN(json body, ParseBody(request));
      CAIRN_ASSIGN_OR_RETURN(bool merge, JsonBool(body, "merge"));
      CAIRN_ASSIGN_OR_RETURN(Properties props, JsonProps(body, merge));
      CAIRN_ASSIGN_OR_RETURN(NodeRef src, JsonNodeRef(body, "src"));
      CAIRN_ASSIGN_OR_RETURN(NodeRef dst, JsonNodeRef(body, "dst"));
      std::string label;
      if (auto it = body.find("label"); it != body.end() && !it->is_null()) {
        if (!it->is_string()) return InvalidArgumentError("'label' must be a string");
        label = it->get<std::string>();
      }
      graph::WriteBatch batch;
      NodeId src_id = graph::kNoNode, dst_id = graph::kNoNode;
      if (!src.id && !dst.id && !merge) {
        // Both by key: unknown keys are bound to fresh nodes.
        batch.PutEdgeByKeys(src.key, label, dst.key, std::move(props));
        graph::WriteResult wr;
        CAIRN_RETURN_IF_ERROR(graph_->Write(batch, &wr));
        for (const auto& [key, id] : wr.keys) {
          if (key == src.key) src_id = id;
          if (key == dst.key) dst_id = id;
        }
      } else {
        CAIRN_ASSIGN_OR_RETURN(src_id, Resolve(*graph_, src));
        CAIRN_ASSIGN_OR_RETURN(dst_id, Resolve(*graph_, dst));
        merge ? batch.MergeEdge(src_id, label, dst_id, std::move(props))
              : batch.PutEdge(src_id, label, dst_id, std::move(props));
        CAIRN_RETURN_IF_ERROR(graph_->Write(batch));
      }
      CAIRN_ASSIGN_OR_RETURN(graph::Edge edge, graph_->GetEdge(src_id, label, dst_id));
      SetJson(response, EdgeJson(edge, true));
      return Status();
    }
    if (!get && method != "DELETE") return not_allowed("GET, POST, DELETE");
    CAIRN_ASSIGN_OR_RETURN(NodeId src_id, QueryNode(*graph_, q, "src"));
    CAIRN_ASSIGN_OR_RETURN(NodeId dst_id, QueryNode(*graph_, q, "dst"));
    const std::string label = QueryString(q, "label").value_or("");
    CAIRN_ASSIGN_OR_RETURN(graph::Edge edge, graph_->GetEdge(src_id, label, dst_id));
    if (get) {
      SetJson(response, EdgeJson(edge, true));
      return Status();
    }
    CAIRN_RETURN_IF_ERROR(graph_->DeleteEdge(src_id, label, dst_id));
    json j = EdgeJson(edge, false);
    j["deleted"] = true;
    SetJson(response, j);
    return Status();
  }

  if (!get) return not_allowed("GET");

  if (path == "neighbors") {
    CAIRN_ASSIGN_OR_RETURN(NodeId node, QueryNode(*graph_, q, "node"));
    graph::NeighborOptions no;
    CAIRN_ASSIGN_OR_RETURN(no.direction, QueryDirection(q, "dir"));
    no.label = QueryString(q, "label");
    no.with_props = QueryFlag(q, "props");
    CAIRN_ASSIGN_OR_RETURN(uint64_t limit, QueryU64(q, "limit", options_.default_neighbors));
    limit = std::min<uint64_t>(limit, options_.max_neighbors);
    no.limit = limit + 1;
    CAIRN_ASSIGN_OR_RETURN(std::vector<graph::Edge> edges, graph_->Neighbors(node, no));
    const bool truncated = edges.size() > limit;
    if (truncated) edges.resize(limit);
    json list = json::array();
    for (const graph::Edge& e : edges) {
      json j = EdgeJson(e, no.with_props);
      j["neighbor"] = e.src == node ? e.dst : e.src;
      list.push_back(std::move(j));
    }
    SetJson(response, {{"node", node},
                       {"dir", DirectionName(no.direction)},
                       {"count", list.size()},
                       {"truncated", truncated},
                       {"edges", std::move(list)}});
    return Status();
  }
  if (path == "bfs") {
    CAIRN_ASSIGN_OR_RETURN(NodeId root, QueryNode(*graph_, q, "root"));
    graph::BfsOptions bo;
    CAIRN_ASSIGN_OR_RETURN(bo.direction, QueryDirection(q, "dir"));
    bo.label = QueryString(q, "label");
    CAIRN_ASSIGN_OR_RETURN(uint64_t max_depth,
                           QueryU64(q, "max_depth", std::numeric_limits<uint32_t>::max()));
    bo.max_depth =
        static_cast<uint32_t>(std::min<uint64_t>(max_depth, std::numeric_limits<uint32_t>::max()));
    CAIRN_ASSIGN_OR_RETURN(uint64_t limit, QueryU64(q, "limit", options_.default_depths));
    limit = std::min<uint64_t>(limit, options_.max_depths);
    CAIRN_ASSIGN_OR_RETURN(graph::BfsResult r, graph_->Bfs(root, bo));
    const std::vector<NodeId> ids = graph_->NodeIds();
    std::vector<std::pair<int32_t, NodeId>> reached;
    for (size_t i = 0; i < r.depth.size() && i < ids.size(); ++i) {
      if (r.depth[i] >= 0 && ids[i] != graph::kNoNode) reached.emplace_back(r.depth[i], ids[i]);
    }
    std::sort(reached.begin(), reached.end());
    const bool truncated = reached.size() > limit;
    if (truncated) reached.resize(limit);
    json depths = json::array();
    for (const auto& [d, id] : reached) depths.push_back({{"id", id}, {"depth", d}});
    SetJson(response, {{"root", root},
                       {"dir", DirectionName(bo.direction)},
                       {"reached", r.reached},
                       {"edges", r.edges},
                       {"levels", r.levels},
                       {"truncated", truncated},
                       {"depths", std::move(depths)}});
    return Status();
  }
  if (path == "path") {
    CAIRN_ASSIGN_OR_RETURN(NodeId from, QueryNode(*graph_, q, "from"));
    CAIRN_ASSIGN_OR_RETURN(NodeId to, QueryNode(*graph_, q, "to"));
    graph::PathOptions po;
    CAIRN_ASSIGN_OR_RETURN(po.direction, QueryDirection(q, "dir"));
    po.label = QueryString(q, "label");
    if (auto w = QueryString(q, "weight"); w && !w->empty()) po.weight = *w;
    if (auto dw = QueryString(q, "default_weight"); dw && !dw->empty()) {
      size_t used = 0;
      double v = 0;
      try {
        v = std::stod(*dw, &used);
      } catch (const std::exception&) {
        used = 0;
      }
      if (used != dw->size() || !std::isfinite(v) || v < 0) {
        return InvalidArgumentError("'default_weight' must be a non-negative number");
      }
      po.default_weight = v;
    }
    CAIRN_ASSIGN_OR_RETURN(std::optional<graph::Path> p, graph_->ShortestPath(from, to, po));
    json j = {{"from", from},
              {"to", to},
              {"dir", DirectionName(po.direction)},
              {"weight", po.weight ? json(*po.weight) : json(nullptr)},
              {"found", p.has_value()}};
    if (p) {
      j["nodes"] = p->nodes;
      j["length"] = p->nodes.empty() ? 0 : p->nodes.size() - 1;
      j["cost"] = p->cost;
    } else {
      j["nodes"] = json::array();
      j["length"] = nullptr;
      j["cost"] = nullptr;
    }
    SetJson(response, j);
    return Status();
  }
  if (path == "stats") {
    const graph::GraphStats s = graph_->stats();
    SetJson(response, {{"nodes", s.nodes},
                       {"edges", s.edges},
                       {"node_index_bound", s.node_index_bound},
                       {"generation", s.generation},
                       {"snapshot_edges", s.snapshot_edges},
                       {"snapshot_bytes", s.snapshot_bytes},
                       {"delta_ops", s.delta_ops},
                       {"compactions", s.compactions},
                       {"read_path", std::string(graph::ReadPathName(s.read_path))},
                       {"io_reads", s.io_reads},
                       {"io_bytes", s.io_bytes},
                       {"wal_bytes", s.wal_bytes}});
    return Status();
  }
  return NotFoundError("no graph operation '" + std::string(path) + "'");
}

}  // namespace cairn::graph_face
