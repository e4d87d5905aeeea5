"""`cairn session info|stats` against the real cairnd: messages stored with the PyNaCl Session
client of test_session_rpc.py, then counted through the API port (GET /api/v1/session/stats,
/api/v1/session/info) by the CLI, as JSON and as a table."""
import json
import subprocess

import pytest
import requests

from conftest import Cairnd, binary, free_port
from test_session_rpc import Client, GroupUser, SessionUser


def cairn(*args):
    return subprocess.run([binary("cairn"), *args], capture_output=True, text=True, timeout=60)


def session(daemon, *args):
    return cairn("session", *args, "--api", f"http://127.0.0.1:{daemon.api_port}")


@pytest.fixture
def node(tmp_path):
    """cairnd with the Session RPC face and no sweep, so expired messages stay pending."""
    daemon = Cairnd(tmp_path / "data", rpc=True, extra_args=["--rpc-sweep-interval", "0"]).start()
    daemon.rpc_url = f"http://127.0.0.1:{daemon.rpc_port}/storage_rpc/v1"
    yield daemon
    daemon.stop()


def stats_json(daemon):
    r = session(daemon, "stats", "--json")
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def test_stats_count_what_was_stored(node):
    rpc = Client(node.rpc_url)
    alice, bob, expired_only, group = SessionUser(), SessionUser(), SessionUser(), GroupUser()
    dms = [b"hello bob", b"x" * 1000, b"third"]
    for data in dms:
        assert rpc.store(alice, data)[0] == 200
    assert rpc.store(alice, dms[0])[1]["swarm"]  # a duplicate: still one message
    assert rpc.store(bob, b"hi")[0] == 200
    configs = [b"contacts v1", b"contacts v2"]
    for data in configs:
        assert rpc.store(alice, data, namespace=3)[0] == 200  # signed
    assert rpc.store(group, b"group message", namespace=11)[0] == 200
    # Stored, but already expired (timestamp 15 s ago, the minimum TTL of 10 s).
    code, _ = rpc.store(expired_only, b"gone", timestamp=rpc.now() - 15_000, ttl=10_000)
    assert code == 200

    s = stats_json(node)
    ns0 = sum(map(len, dms)) + len(b"hi")
    ns3 = sum(map(len, configs))
    assert s["namespaces"] == [
        {"namespace": 0, "accounts": 2, "messages": 4, "data_bytes": ns0},
        {"namespace": 3, "accounts": 1, "messages": 2, "data_bytes": ns3},
        {"namespace": 11, "accounts": 1, "messages": 1, "data_bytes": len(b"group message")},
    ]
    assert (s["accounts"], s["messages"]) == (3, 7)
    assert s["data_bytes"] == ns0 + ns3 + len(b"group message")
    assert s["expired_pending"] == 1
    assert s["scan_ms"] >= 0

    # The same counts as a table.
    r = session(node, "stats")
    assert r.returncode == 0, r.stderr
    rows = {line.split("  ")[0].strip(): line.split() for line in r.stdout.splitlines()}
    assert rows["0 (direct messages)"][-4:-2] == ["2", "4"], r.stdout
    assert rows["3 (contacts)"][-4:-2] == ["1", "2"], r.stdout
    assert rows["11 (group messages)"][-4:-2] == ["1", "1"], r.stdout
    assert rows["total"][1:3] == ["3", "7"], r.stdout
    assert "expired, not yet swept: 1 messages" in r.stdout

    # Deleting through the RPC shows up at once.
    ts = rpc.now()
    rpc.ok("delete_all", {"timestamp": ts, "namespace": 3, **alice.auth(f"delete_all3{ts}")})
    s = stats_json(node)
    assert (s["accounts"], s["messages"]) == (3, 5)
    assert [n["namespace"] for n in s["namespaces"]] == [0, 11]


def test_info_names_the_node_key_and_port(node):
    rpc = Client(node.rpc_url)
    swarm = rpc.ok("get_swarm", {"pubkey": SessionUser().pubkey})
    (snode,) = swarm["snodes"]
    r = session(node, "info", "--json")
    assert r.returncode == 0, r.stderr
    info = json.loads(r.stdout)
    assert info["enabled"] is True
    assert info["pubkey_ed25519"] == snode["pubkey_ed25519"]
    assert info["pubkey_x25519"] == snode["pubkey_x25519"]
    assert info["snode_address"] == snode["address"]
    assert info["rpc_port"] == node.rpc_port
    assert info["rpc_url"] == node.rpc_url
    assert info["storage_server_version"] == "2.6.2" and info["hf"] == [19, 3]
    assert info["sweep_interval_s"] == 0
    assert cairn("version").stdout.startswith(f"cairn {info['version']} ")

    r = session(node, "info")
    assert r.returncode == 0, r.stderr
    assert f"node ed25519     {snode['pubkey_ed25519']}\n" in r.stdout
    assert f"POST {node.rpc_url} " in r.stdout
    assert "expiry sweep     never (rpc_sweep_interval = 0)" in r.stdout

    # The endpoints themselves: JSON, read-only.
    api = f"http://127.0.0.1:{node.api_port}/api/v1/session"
    got = requests.get(f"{api}/stats", timeout=30)
    assert got.status_code == 200 and got.headers["Content-Type"] == "application/json"
    assert requests.post(f"{api}/info", timeout=30).status_code == 405


def test_face_disabled_unreachable_and_bad_address(tmp_path):
    daemon = Cairnd(tmp_path / "data").start()  # rpc_port 0
    try:
        r = session(daemon, "stats")
        assert r.returncode == 1
        assert "answered 404: the Session RPC face is disabled on this node" in r.stderr
        r = session(daemon, "info", "--json")
        assert r.returncode == 0 and json.loads(r.stdout)["enabled"] is False
        r = session(daemon, "info")
        assert r.returncode == 0 and "Session RPC      disabled (rpc_port = 0)" in r.stdout
    finally:
        daemon.stop()
    r = cairn("session", "stats", "--api", f"127.0.0.1:{free_port()}")
    assert r.returncode == 1 and "cannot connect to 127.0.0.1:" in r.stderr, r.stderr
    r = cairn("session", "info", "--api", "ftp://example.org")
    assert r.returncode == 2, r.stderr
