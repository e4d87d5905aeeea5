"""The event log over cairnd's API port (/v1/log): appends, reads, signed heads and proofs checked
independently here (RFC 9162 with hashlib, Ed25519 with `cryptography`), and peer sync between
two real cairnd processes, including a forked leader that the follower must refuse."""
import base64
import hashlib
import json
import os
import shutil
import struct
import time
import urllib.error
import urllib.request

import pytest

from conftest import Cairnd

# ---- RFC 9162 with hashlib ----


def leaf_hash(event):
    return hashlib.sha256(b"\x00" + event).digest()


def node_hash(left, right):
    return hashlib.sha256(b"\x01" + left + right).digest()


def mth(leaves):
    """Merkle tree hash over leaf hashes (RFC 9162 §2.1.1)."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return leaves[0]
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return node_hash(mth(leaves[:k]), mth(leaves[k:]))


def verify_inclusion(index, size, leaf, proof, root):
    """RFC 9162 §2.1.3.2."""
    if index >= size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while True:
                    fn >>= 1
                    sn >>= 1
                    if fn & 1 or fn == 0:
                        break
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def verify_consistency(first, second, first_root, second_root, proof):
    """RFC 9162 §2.1.4.2."""
    if first == second:
        return not proof and first_root == second_root
    if first == 0 or first > second or not proof:
        return False
    if first & (first - 1) == 0:  # a power of two: first_root is the first proof node
        proof = [first_root] + list(proof)
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = proof[0]
    for c in proof[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while True:
                    fn >>= 1
                    sn >>= 1
                    if fn & 1 or fn == 0:
                        break
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == first_root and sr == second_root


# ---- Signed notes (C2SP) ----


def verify_note(note, vkey):
    """Checks `note` carries a valid Ed25519 signature by verifier key `vkey`; returns
    (origin, size, root)."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
    name, key_id_hex, key_b64 = vkey.split("+", 2)
    raw = base64.b64decode(key_b64)
    assert raw[0] == 1 and len(raw) == 33
    assert hashlib.sha256(name.encode() + b"\n" + raw).digest()[:4] == bytes.fromhex(key_id_hex)
    text, sigs = note.split("\n\n", 1)
    text += "\n"
    ok = False
    for line in sigs.strip("\n").split("\n"):
        dash, sig_name, sig_b64 = line.split(" ")
        assert dash == "\u2014"
        sig = base64.b64decode(sig_b64)
        if sig_name == name and sig[:4] == bytes.fromhex(key_id_hex):
            Ed25519PublicKey.from_public_bytes(raw[1:]).verify(sig[4:], text.encode())
            ok = True
    assert ok, "no signature by the key"
    lines = text.split("\n")
    return lines[0], int(lines[1]), base64.b64decode(lines[2])


# ---- HTTP ----


def call(d, method, path, body=None, ctype=None, timeout=60):
    req = urllib.request.Request(d.url(path), data=body, method=method)
    if ctype:
        req.add_header("Content-Type", ctype)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.read(), r.headers.get("Content-Type")
    except urllib.error.HTTPError as e:
        return e.code, e.read(), e.headers.get("Content-Type")


def get_json(d, path):
    status, body, _ = call(d, "GET", path)
    assert status == 200, body
    return json.loads(body)


def append_batch(d, stream, events):
    body = json.dumps({"events": [base64.b64encode(e).decode() for e in events]}).encode()
    status, out, _ = call(d, "POST", f"/v1/log/{stream}/append", body, "application/json")
    assert status == 200, out
    return json.loads(out)


def append_binary(d, stream, events):
    body = b"".join(struct.pack(">I", len(e)) + e for e in events)
    status, out, _ = call(d, "POST", f"/v1/log/{stream}/append", body,
                          "application/x-cairn-events")
    assert status == 200, out
    return json.loads(out)


def b64hashes(items):
    return [base64.b64decode(h) for h in items]


def test_append_read_head_and_proofs(cairnd):
    status, out, ctype = call(cairnd, "POST", "/v1/log/orders/append", b"first event",
                              "application/octet-stream")
    assert status == 200 and ctype.startswith("application/json")
    assert json.loads(out)["first_index"] == 0
    events = [b"first event"]
    batch = [f"event {i}".encode() * (i % 7) for i in range(1, 1000)]
    assert append_batch(cairnd, "orders", batch)["first_index"] == 1
    events += batch
    more = [os.urandom(i % 300) for i in range(1000)]
    assert append_binary(cairnd, "orders", more)["first_index"] == 1000
    events += more
    n = len(events)

    # Reads, in pages.
    got, start = [], 0
    while start < n:
        j = get_json(cairnd, f"/v1/log/orders/events?start={start}&count=700")
        assert j["size"] == n and j["start"] == start
        got += [base64.b64decode(e) for e in j["events"]]
        start = j["next"]
    assert got == events
    assert get_json(cairnd, f"/v1/log/orders/events?start={n}")["events"] == []

    # The signed head: its root is the RFC 9162 tree hash of the events, signed by the log's key.
    leaves = [leaf_hash(e) for e in events]
    head = get_json(cairnd, "/v1/log/orders/head")
    key = get_json(cairnd, "/v1/log/orders/key")
    assert head["key"] == key["verifier_key"]
    origin, size, root = verify_note(head["note"], key["verifier_key"])
    assert size == n == head["size"]
    assert root == mth(leaves) == base64.b64decode(head["root"])
    assert origin == head["origin"] and origin.endswith("/orders")
    status, note, ctype = call(cairnd, "GET", "/v1/log/orders/checkpoint")
    assert status == 200 and ctype.startswith("text/plain")
    verify_note(note.decode(), key["verifier_key"])

    # Inclusion proofs at the head and at older sizes.
    for index, at in [(0, n), (n - 1, n), (777, n), (5, 6), (1023, 1024), (1500, 1999)]:
        p = get_json(cairnd, f"/v1/log/orders/proof/inclusion?index={index}&size={at}")
        assert base64.b64decode(p["leaf_hash"]) == leaves[index]
        assert verify_inclusion(index, at, leaves[index], b64hashes(p["proof"]), mth(leaves[:at]))
        assert not verify_inclusion(index, at, leaf_hash(b"forged"), b64hashes(p["proof"]),
                                    mth(leaves[:at]))
    # Consistency proofs.
    for first, second in [(1, n), (1000, n), (999, 1999), (512, 1024), (n, n), (3, 7)]:
        p = get_json(cairnd, f"/v1/log/orders/proof/consistency?first={first}&second={second}")
        r1, r2 = mth(leaves[:first]), mth(leaves[:second])
        assert base64.b64decode(p["first_root"]) == r1
        assert verify_consistency(first, second, r1, r2, b64hashes(p["proof"]))
        if first != second:
            assert not verify_consistency(first, second, mth(leaves[1:first + 1]), r2,
                                          b64hashes(p["proof"]))

    # Streams list; survives a restart with the same head.
    assert {"name": "orders", "size": n} in get_json(cairnd, "/v1/log")["streams"]
    cairnd.stop()
    cairnd.start()
    again = get_json(cairnd, "/v1/log/orders/head")
    assert again["size"] == n and again["root"] == head["root"]


def test_errors_are_json_with_http_codes(cairnd):
    def err(method, path, body=None, ctype=None):
        status, out, ctype_out = call(cairnd, method, path, body, ctype)
        assert ctype_out.startswith("application/json"), out
        return status, json.loads(out)["error"]["code"]

    assert err("GET", "/v1/log/missing/head") == (404, "NOT_FOUND")
    assert err("GET", "/v1/log/-bad/head")[0] == 400
    assert err("POST", "/v1/log/s/append", b'{"events": ["not base64!"]}',
               "application/json") == (400, "INVALID_ARGUMENT")
    assert err("POST", "/v1/log/s/append", b'{"events": []}', "application/json")[0] == 400
    assert call(cairnd, "POST", "/v1/log/s/append", b"x")[0] == 200
    assert err("GET", "/v1/log/s/events?start=9") == (400, "OUT_OF_RANGE")
    assert err("GET", "/v1/log/s/proof/inclusion?index=3") == (400, "OUT_OF_RANGE")
    assert err("GET", "/v1/log/s/proof/inclusion")[0] == 400
    assert err("GET", "/v1/log/s/append")[0] == 405
    assert err("POST", "/v1/log/s/append", json.dumps(
        {"events": ["eA=="], "expected_size": 5}).encode(), "application/json")[0] == 409
    assert err("POST", "/v1/log/s/append", b"y" * (1024 * 1024 + 1))[0] == 400
    assert call(cairnd, "GET", "/v1/log/s/nothing")[0] == 404


def wait_for(predicate, timeout, what):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def follower_state(d):
    return get_json(d, "/v1/log-follow")["followers"][0]


def test_follower_mirrors_200k_events_and_refuses_a_fork(tmp_path):
    leader = Cairnd(tmp_path / "leader", extra_args=["--log-origin-prefix", "leader.test/log"])
    leader.start()
    follower = Cairnd(tmp_path / "follower",
                      extra_args=["--log-follow", f"http://127.0.0.1:{leader.api_port}/feed"])
    forked = None
    try:
        follower.start()
        # 200,000 events in batches of 10,000, while the follower is already following.
        events = []
        for b in range(20):
            batch = [b"feed %06d " % (b * 10000 + i) + os.urandom(i % 40)
                     for i in range(10000)]
            append_binary(leader, "feed", batch)
            events += batch
        lead = get_json(leader, "/v1/log/feed/head")
        assert lead["size"] == 200000

        def caught_up():
            st = follower_state(follower)
            return st["state"] == "following" and st["local_size"] == 200000
        wait_for(caught_up, 120, "the follower to catch up")
        mine = get_json(follower, "/v1/log/feed/head")
        assert mine["size"] == lead["size"] and mine["root"] == lead["root"]
        assert base64.b64decode(mine["root"]) == mth([leaf_hash(e) for e in events])
        # It signs with its own key; the leader's key was pinned on first use.
        assert mine["key"] != lead["key"]
        pinned = open(os.path.join(follower.data_dir, "eventlog", "peers", "feed.vkey")).read()
        assert pinned.strip() == lead["key"]
        # The mirrored stream is read-only on the follower.
        assert call(follower, "POST", "/v1/log/feed/append", b"x")[0] == 409
        j = get_json(follower, "/v1/log/feed/events?start=123456&count=2")
        assert [base64.b64decode(e) for e in j["events"]] == events[123456:123458]

        # More appends reach the follower.
        append_batch(leader, "feed", [b"late 1", b"late 2"])
        wait_for(lambda: follower_state(follower)["local_size"] == 200002, 30, "late events")
        late = get_json(leader, "/v1/log/feed/head")
        leader.stop()

        # A forked leader: the same key and origin (a stolen key, or a leader that rewrote its
        # history), the same first 150,000 events, then others, and more of them.
        fork_dir = tmp_path / "forked"
        os.makedirs(fork_dir / "eventlog")
        shutil.copy(os.path.join(leader.data_dir, "eventlog", "node-ed25519.key"),
                    fork_dir / "eventlog" / "node-ed25519.key")
        forked = Cairnd(fork_dir, extra_args=["--log-origin-prefix", "leader.test/log"])
        forked.api_port = leader.api_port  # where the follower looks
        forked.args[forked.args.index("--api-port") + 1] = str(leader.api_port)
        forked.start()
        for b in range(15):
            append_binary(forked, "feed", events[b * 10000:(b + 1) * 10000])
        append_binary(forked, "feed", [b"forged %d" % i for i in range(60000)])
        assert get_json(forked, "/v1/log/feed/head")["key"] == lead["key"]

        def refused():
            st = follower_state(follower)
            return st if st["state"] == "diverged" and st["refused"] > 0 else None
        st = wait_for(refused, 30, "the follower to refuse the fork")
        assert "REFUSED" in follower.output()
        time.sleep(0.5)
        head = get_json(follower, "/v1/log/feed/head")
        assert head["size"] == 200002 and head["root"] == late["root"]
        j = get_json(follower, "/v1/log/feed/events?start=150000&count=1")
        assert base64.b64decode(j["events"][0]) == events[150000]
        forked.stop()

        # A leader with another key is refused too (the pinned key does not verify it).
        other = Cairnd(tmp_path / "other", extra_args=["--log-origin-prefix", "leader.test/log"])
        other.args[other.args.index("--api-port") + 1] = str(leader.api_port)
        other.api_port = leader.api_port
        other.start()
        try:
            append_binary(other, "feed", events[:200002 - 2] + [b"late 1", b"late 2", b"x"])
            st = wait_for(lambda: follower_state(follower)["state"] == "untrusted", 30,
                          "the follower to refuse another key")
            head = get_json(follower, "/v1/log/feed/head")
            assert head["size"] == 200002 and head["root"] == late["root"]
        finally:
            other.stop()
    finally:
        if forked:
            forked.stop()
        follower.stop()
        leader.stop()


def test_cli_append_tail_head_prove_verify(cairnd, tmp_path):
    import subprocess
    from conftest import binary

    def cairn(*args, stdin=None, check=True):
        r = subprocess.run([binary("cairn"), "log", *args], input=stdin, capture_output=True,
                           timeout=60)
        if check:
            assert r.returncode == 0, r.stderr
        return r

    api = ["--api", f"127.0.0.1:{cairnd.api_port}"]
    out = cairn("append", "audit", "alpha", "beta", *api).stdout.decode()
    assert "at index 0" in out
    cairn("append", "audit", "--lines", *api, stdin=b"gamma\ndelta\n")
    assert cairn("tail", "audit", "-n", "3", *api).stdout == b"beta\ngamma\ndelta\n"
    note = cairn("head", "audit", *api).stdout
    key = cairn("key", "audit", *api).stdout.decode().strip()
    assert key == get_json(cairnd, "/v1/log/audit/key")["verifier_key"]
    (tmp_path / "head").write_bytes(note)
    (tmp_path / "incl.json").write_bytes(cairn("prove", "audit", "--index", "2", *api).stdout)
    (tmp_path / "event").write_bytes(b"gamma")
    (tmp_path / "wrong").write_bytes(b"gamma!")
    ok = cairn("verify", "--key", key, "--head", str(tmp_path / "head"), "--proof",
               str(tmp_path / "incl.json"), "--event", str(tmp_path / "event"))
    assert b"OK" in ok.stdout
    bad = cairn("verify", "--key", key, "--head", str(tmp_path / "head"), "--proof",
                str(tmp_path / "incl.json"), "--event", str(tmp_path / "wrong"), check=False)
    assert bad.returncode == 1
    forged = note.replace(b"\n4\n", b"\n5\n")
    (tmp_path / "forged").write_bytes(forged)
    assert cairn("verify", "--key", key, "--head", str(tmp_path / "forged"),
                 check=False).returncode == 1
    # Consistency from an older head.
    (tmp_path / "old").write_bytes(note)
    cairn("append", "audit", "epsilon", *api)
    (tmp_path / "head").write_bytes(cairn("head", "audit", "--json", *api).stdout)
    (tmp_path / "cons.json").write_bytes(cairn("prove", "audit", "--first", "4", *api).stdout)
    ok = cairn("verify", "--key", key, "--head", str(tmp_path / "head"), "--proof",
               str(tmp_path / "cons.json"), "--old-head", str(tmp_path / "old"))
    assert b"consistency 4 -> 5: OK" in ok.stdout
    assert cairn("head", "missing", *api, check=False).returncode == 1
