"""`cairn graph ...` on a graph directory: import an edge list, then neighbours, BFS, shortest
paths, stats and export, checked against a plain Python BFS over the same edges."""
import collections
import random
import subprocess

from conftest import binary


def cairn(*args):
    return subprocess.run([binary("cairn"), "graph", *map(str, args)], capture_output=True,
                          text=True, timeout=120)


def ok(*args):
    r = cairn(*args)
    assert r.returncode == 0, r.stderr
    return r.stdout


SMALL = """# a small graph
1 2
2 3
3 4
1 5 knows
5 4
4 6
7 8
% another comment style

"""


def small_graph(tmp_path):
    edges = tmp_path / "edges.txt"
    edges.write_text(SMALL)
    g = tmp_path / "g"
    out = ok("import", "--dir", g, "--no-progress", edges)
    assert out.startswith("imported 8 nodes, 7 edges (0 duplicates merged)"), out
    return g


def test_neighbors(tmp_path):
    g = small_graph(tmp_path)
    assert ok("neighbors", "--dir", g, 1).splitlines() == ["2", "5\tknows"]
    assert ok("neighbors", "--dir", g, 1, "--label", "knows").splitlines() == ["5\tknows"]
    assert sorted(ok("neighbors", "--dir", g, 4, "--direction", "in").split()) == ["3", "5"]
    assert sorted(ok("neighbors", "--dir", g, 4, "--direction", "both").split()) == ["3", "5", "6"]
    assert ok("neighbors", "--dir", g, 6) == ""
    r = cairn("neighbors", "--dir", g, 99)
    assert r.returncode == 1 and "99" in r.stderr


def test_bfs_and_path(tmp_path):
    g = small_graph(tmp_path)
    depths = dict(line.split("\t") for line in ok("bfs", "--dir", g, 1).splitlines())
    assert depths == {"1": "0", "2": "1", "5": "1", "3": "2", "4": "2", "6": "3"}
    assert ok("bfs", "--dir", g, 1, "--max-depth", 1).count("\n") == 3
    assert ok("bfs", "--dir", g, 1, "--summary").splitlines() == [
        "reached 6", "levels 4", "edges 6"]
    assert ok("path", "--dir", g, 1, 6).splitlines() == ["1 -> 5 -> 4 -> 6", "cost 3"]
    assert ok("path", "--dir", g, 6, 1, "--direction", "in").splitlines()[1] == "cost 3"
    r = cairn("path", "--dir", g, 1, 7)
    assert r.returncode == 1 and "no path" in r.stderr


def test_stats_export_and_reimport(tmp_path):
    g = small_graph(tmp_path)
    stats = dict(line.split(": ") for line in ok("stats", "--dir", g).splitlines())
    assert stats["nodes"] == "8" and stats["edges"] == "7" and stats["generation"] == "1"
    out = tmp_path / "out.txt"
    assert ok("export", "--dir", g, out).startswith("exported 7 edges")
    lines = sorted(out.read_text().splitlines())
    assert "1\t5\tknows" in lines and "7\t8" in lines and len(lines) == 7
    ok("import", "--dir", tmp_path / "g2", "--no-progress", out)
    assert ok("neighbors", "--dir", tmp_path / "g2", 1).splitlines() == ["2", "5\tknows"]
    # A directory that holds a graph is refused; so is a malformed line.
    r = cairn("import", "--dir", g, "--no-progress", out)
    assert r.returncode == 1
    bad = tmp_path / "bad.txt"
    bad.write_text("1 2\n3 x\n")
    r = cairn("import", "--dir", tmp_path / "g3", "--no-progress", bad)
    assert r.returncode == 1 and "line 2" in r.stderr
    r = cairn("stats", "--dir", tmp_path / "nothing")
    assert r.returncode == 1


def test_random_graph_matches_python_bfs(tmp_path):
    rng = random.Random(7)
    n = 300
    edges = {(rng.randrange(n), rng.randrange(n)) for _ in range(900)}
    (tmp_path / "e.txt").write_text("".join(f"{a} {b}\n" for a, b in edges))
    g = tmp_path / "g"
    ok("import", "--dir", g, "--no-progress", tmp_path / "e.txt")
    adj = collections.defaultdict(list)
    for a, b in edges:
        adj[a].append(b)
    nodes = sorted({x for e in edges for x in e})
    for src in rng.sample(nodes, 5):
        want = {src: 0}
        queue = collections.deque([src])
        while queue:
            v = queue.popleft()
            for w in adj[v]:
                if w not in want:
                    want[w] = want[v] + 1
                    queue.append(w)
        got = {int(a): int(d) for a, d in
               (line.split("\t") for line in ok("bfs", "--dir", g, src).splitlines())}
        assert got == want
        for dst in rng.sample(nodes, 5):
            r = cairn("path", "--dir", g, src, dst)
            if dst not in want:
                assert r.returncode == 1
                continue
            assert r.returncode == 0, r.stderr
            hops = [int(x) for x in r.stdout.splitlines()[0].split(" -> ")]
            assert hops[0] == src and hops[-1] == dst and len(hops) - 1 == want[dst]
            assert all((a, b) in edges for a, b in zip(hops, hops[1:]))
