"""The graph model over cairnd's API port (/v1/graph): nodes and edges by id and key,
neighbours, BFS, hop and weighted shortest paths, JSON errors, and data surviving a restart."""
import json
import urllib.error
import urllib.parse
import urllib.request


def call(d, method, path, body=None, raw=None, timeout=10):
    """(status, JSON answer) of one request; `body` is sent as JSON, `raw` as is."""
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    req = urllib.request.Request(d.url(path), data=data, method=method)
    if data is not None:
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        payload = e.read()
        try:
            return e.code, json.loads(payload)
        except ValueError:
            return e.code, payload


def ok(d, method, path, body=None):
    status, answer = call(d, method, path, body)
    assert status == 200, (method, path, status, answer)
    return answer


def q(path, **params):
    return path + "?" + urllib.parse.urlencode(params)


def build_graph(d):
    # 1 -> 2 -> 3 -> 4, plus a shortcut 1 -> 4 that is heavy, and 5 isolated.
    for i in range(1, 6):
        node = ok(d, "POST", "/v1/graph/nodes", {"id": i, "props": {"name": f"n{i}", "rank": i}})
        assert node["id"] == i and node["props"]["rank"] == i and node["key"] is None
    edges = [(1, 2, 1.0), (2, 3, 1.5), (3, 4, 2), (1, 4, 10.0)]
    for src, dst, w in edges:
        e = ok(d, "POST", "/v1/graph/edges",
               {"src": src, "dst": dst, "label": "road", "props": {"w": w}})
        assert (e["src"], e["dst"], e["label"]) == (src, dst, "road")
        assert e["props"]["w"] == w


def test_nodes_edges_neighbors(cairnd):
    build_graph(cairnd)
    n = ok(cairnd, "GET", "/v1/graph/nodes/3")
    assert n == {"id": 3, "key": None, "props": {"name": "n3", "rank": 3}}

    # Keys: a keyed node gets a fresh id; edges between keys create their endpoints.
    alice = ok(cairnd, "POST", "/v1/graph/nodes",
               {"key": "alice", "props": {"ok": True, "x": 0.5, "s": "hi"}})
    assert alice["key"] == "alice" and alice["id"] > 5
    e = ok(cairnd, "POST", "/v1/graph/edges", {"src": "alice", "dst": "bob", "label": "knows"})
    assert e["src"] == alice["id"]
    bob = ok(cairnd, "GET", q("/v1/graph/nodes", key="bob"))
    assert bob["id"] == e["dst"] and bob["key"] == "bob"
    assert ok(cairnd, "GET", q("/v1/graph/nodes", key="alice"))["props"] == {
        "ok": True, "x": 0.5, "s": "hi"}
    # Merge updates named properties; null removes one.
    merged = ok(cairnd, "POST", "/v1/graph/nodes",
                {"key": "alice", "merge": True, "props": {"x": None, "y": 7}})
    assert merged["props"] == {"ok": True, "s": "hi", "y": 7}

    out = ok(cairnd, "GET", q("/v1/graph/neighbors", node=1))
    assert out["count"] == 2 and not out["truncated"]
    assert sorted(x["neighbor"] for x in out["edges"]) == [2, 4]
    into = ok(cairnd, "GET", q("/v1/graph/neighbors", node=4, dir="in"))
    assert sorted(x["neighbor"] for x in into["edges"]) == [1, 3]
    both = ok(cairnd, "GET", q("/v1/graph/neighbors", node=2, dir="both", props=1))
    assert sorted(x["neighbor"] for x in both["edges"]) == [1, 3]
    assert all("props" in x for x in both["edges"])
    limited = ok(cairnd, "GET", q("/v1/graph/neighbors", node=1, limit=1))
    assert limited["count"] == 1 and limited["truncated"]
    by_key = ok(cairnd, "GET", q("/v1/graph/neighbors", node="alice", label="knows"))
    assert [x["neighbor"] for x in by_key["edges"]] == [bob["id"]]
    assert ok(cairnd, "GET", q("/v1/graph/neighbors", node=1, label="none"))["count"] == 0

    got = ok(cairnd, "GET", q("/v1/graph/edges", src=1, dst=2, label="road"))
    assert got["props"] == {"w": 1.0}

    # Deletes.
    ok(cairnd, "DELETE", q("/v1/graph/edges", src=1, dst=2, label="road"))
    status, err = call(cairnd, "GET", q("/v1/graph/edges", src=1, dst=2, label="road"))
    assert status == 404 and err["error"]["code"] == "NOT_FOUND"
    status, _ = call(cairnd, "DELETE", q("/v1/graph/edges", src=1, dst=2, label="road"))
    assert status == 404
    ok(cairnd, "DELETE", "/v1/graph/nodes/5")
    assert call(cairnd, "GET", "/v1/graph/nodes/5")[0] == 404
    assert call(cairnd, "DELETE", "/v1/graph/nodes/5")[0] == 404
    ok(cairnd, "DELETE", q("/v1/graph/nodes", key="bob"))
    assert ok(cairnd, "GET", q("/v1/graph/neighbors", node="alice"))["count"] == 0

    stats = ok(cairnd, "GET", "/v1/graph/stats")
    assert stats["nodes"] == 5  # 1-4 and alice
    assert stats["edges"] == 3


def test_bfs_and_paths(cairnd):
    build_graph(cairnd)
    bfs = ok(cairnd, "GET", q("/v1/graph/bfs", root=1))
    assert bfs["reached"] == 4 and not bfs["truncated"]
    assert {x["id"]: x["depth"] for x in bfs["depths"]} == {1: 0, 2: 1, 4: 1, 3: 2}
    shallow = ok(cairnd, "GET", q("/v1/graph/bfs", root=1, max_depth=1))
    assert shallow["reached"] == 3
    back = ok(cairnd, "GET", q("/v1/graph/bfs", root=4, dir="in"))
    assert back["reached"] == 4
    bounded = ok(cairnd, "GET", q("/v1/graph/bfs", root=1, limit=2))
    assert bounded["reached"] == 4 and bounded["truncated"] and len(bounded["depths"]) == 2
    assert bounded["depths"][0] == {"id": 1, "depth": 0}

    hops = ok(cairnd, "GET", q("/v1/graph/path", **{"from": 1, "to": 4}))
    assert hops["found"] and hops["nodes"] == [1, 4] and hops["length"] == 1
    weighted = ok(cairnd, "GET", q("/v1/graph/path", weight="w", **{"from": 1, "to": 4}))
    assert weighted["nodes"] == [1, 2, 3, 4] and weighted["length"] == 3
    assert abs(weighted["cost"] - 4.5) < 1e-9
    none = ok(cairnd, "GET", q("/v1/graph/path", **{"from": 4, "to": 1}))
    assert none["found"] is False and none["nodes"] == []
    rev = ok(cairnd, "GET", q("/v1/graph/path", dir="in", **{"from": 4, "to": 1}))
    assert rev["nodes"] == [4, 1]


def test_errors(cairnd):
    build_graph(cairnd)
    for path in ["/v1/graph/nodes/999", q("/v1/graph/nodes", key="nobody"),
                 q("/v1/graph/neighbors", node=999), q("/v1/graph/bfs", root="nobody"),
                 q("/v1/graph/path", **{"from": 1, "to": 999})]:
        status, err = call(cairnd, "GET", path)
        assert status == 404, path
        assert err["error"]["code"] == "NOT_FOUND"
    status, err = call(cairnd, "POST", "/v1/graph/nodes", raw=b"{not json")
    assert status == 400 and err["error"]["code"] == "INVALID_ARGUMENT"
    for body in [{"props": {}}, {"id": 1, "key": "k"}, {"id": -1}, {"id": 1, "props": []},
                 {"id": 1, "props": {"a": [1]}}, {"id": 1, "props": {"a": None}}, [1, 2]]:
        status, err = call(cairnd, "POST", "/v1/graph/nodes", body)
        assert status == 400, body
    status, _ = call(cairnd, "POST", "/v1/graph/edges", {"src": 1, "dst": "nobody"})
    assert status == 404
    status, _ = call(cairnd, "GET", q("/v1/graph/neighbors", node=1, dir="sideways"))
    assert status == 400
    status, _ = call(cairnd, "GET", q("/v1/graph/bfs", root=1, max_depth="x"))
    assert status == 400
    status, _ = call(cairnd, "GET", "/v1/graph/neighbors")
    assert status == 400
    status, err = call(cairnd, "POST", "/v1/graph/stats", {})
    assert status == 405
    status, err = call(cairnd, "GET", "/v1/graph/nothing")
    assert status == 404 and err["error"]["code"] == "NOT_FOUND"
    # Negative weights are refused by Dijkstra.
    ok(cairnd, "POST", "/v1/graph/edges", {"src": 2, "dst": 4, "label": "road", "props": {"w": -1}})
    status, _ = call(cairnd, "GET", q("/v1/graph/path", weight="w", **{"from": 1, "to": 4}))
    assert status == 400


def test_survives_restart(cairnd):
    build_graph(cairnd)
    ok(cairnd, "POST", "/v1/graph/edges", {"src": "a", "dst": "b", "label": "x"})
    before = ok(cairnd, "GET", "/v1/graph/stats")
    cairnd.stop()
    cairnd.start()
    after = ok(cairnd, "GET", "/v1/graph/stats")
    assert (after["nodes"], after["edges"]) == (before["nodes"], before["edges"])
    assert ok(cairnd, "GET", "/v1/graph/nodes/2")["props"] == {"name": "n2", "rank": 2}
    weighted = ok(cairnd, "GET", q("/v1/graph/path", weight="w", **{"from": 1, "to": 4}))
    assert weighted["nodes"] == [1, 2, 3, 4]
    a = ok(cairnd, "GET", q("/v1/graph/nodes", key="a"))
    assert [x["neighbor"] for x in
            ok(cairnd, "GET", q("/v1/graph/neighbors", node=a["id"]))["edges"]] == [
        ok(cairnd, "GET", q("/v1/graph/nodes", key="b"))["id"]]
