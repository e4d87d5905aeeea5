// GraphApi: the graph model's HTTP face, JSON over HTTP under /v1/graph on cairnd's API port
// (docs/graph.md has every document). Parses the request, calls the Graph model and encodes the
// answer; it knows nothing of sockets.
//
//   POST   /v1/graph/nodes                        {"id":N | "key":"k", "props":{...}, "merge":b}
//   GET    /v1/graph/nodes/{id}   or  ?key=k      the node: id, key, props
//   DELETE /v1/graph/nodes/{id}   or  ?key=k      the node, its key and its edges
//   POST   /v1/graph/edges                        {"src":..,"dst":..,"label":"l","props":{...}}
//   GET    /v1/graph/edges?src=&dst=&label=       the edge with its props
//   DELETE /v1/graph/edges?src=&dst=&label=
//   GET    /v1/graph/neighbors?node=&dir=out|in|both&label=&limit=&props=1
//   GET    /v1/graph/bfs?root=&max_depth=&dir=&label=&limit=     reached, levels, depths
//   GET    /v1/graph/path?from=&to=&dir=&label=&weight=PROP&default_weight=
//   GET    /v1/graph/stats
//
// Node references: in JSON bodies a number is an id and a string a key; in query parameters a
// decimal value is an id and anything else a key (`<param>_key=` always names a key). An unknown
// key is 404, except in POST /edges with both endpoints named by key (they are created, as
// WriteBatch::PutEdgeByKeys does).
//
// Errors are JSON {"error": {"code": "NOT_FOUND", "message": "..."}} with the HTTP status of the
// model's Status code (one table, HttpStatusFor); a wrong method is 405 with Allow.
//
// Thread safety: Handle runs concurrently on the API server's threads; it blocks on the model
// (a write waits for its fdatasync, a traversal holds the graph's shared lock).
#ifndef CAIRN_FACES_GRAPH_GRAPH_API_H_
#define CAIRN_FACES_GRAPH_GRAPH_API_H_

#include <cstddef>
#include <string_view>

#include "core/status.h"
#include "net/http.h"

namespace cairn::graph {
class Graph;
}

namespace cairn::graph_face {

inline constexpr std::string_view kGraphPathPrefix = "/v1/graph";

struct GraphApiOptions {
  size_t default_neighbors = 1'000;  // /neighbors without limit=
  size_t max_neighbors = 100'000;    // limit= is clamped to this
  size_t default_depths = 1'000;     // /bfs depth entries without limit=
  size_t max_depths = 100'000;       // limit= is clamped to this
};

class GraphApi {
 public:
  // `graph` must outlive the GraphApi.
  GraphApi(graph::Graph* graph, GraphApiOptions options) : graph_(graph), options_(options) {}
  GraphApi(const GraphApi&) = delete;
  GraphApi& operator=(const GraphApi&) = delete;

  // Serves a request whose path starts with kGraphPathPrefix. Never throws.
  void Handle(const net::HttpRequest& request, net::HttpResponse* response) const;

  // The HTTP status for a model Status code, and the JSON error answer.
  static int HttpStatusFor(StatusCode code);
  static void SetError(const Status& status, net::HttpResponse* response);

 private:
  Status Dispatch(const net::HttpRequest& request, net::HttpResponse* response) const;

  graph::Graph* const graph_;
  const GraphApiOptions options_;
};

}  // namespace cairn::graph_face

#endif  // CAIRN_FACES_GRAPH_GRAPH_API_H_
