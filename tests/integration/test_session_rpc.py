"""The Session storage RPC (POST /storage_rpc/v1) end to end, driven by a client written to
Session's rules with PyNaCl: an Ed25519 key, the Session ID derived from its X25519 form
("05" + hex), requests signed exactly as shared/specs/session-storage-rpc.md says, and the
network clock taken from `info`."""
import base64
import hashlib
import os
import re
import stat
import time

import nacl.bindings
import nacl.signing
import pytest
import requests

from conftest import Cairnd

DAY_MS = 86_400_000


def b64(raw):
    return base64.b64encode(raw).decode()


def message_hash(pubkey_hex, namespace, data):
    """Spec §4.1: unpadded base64 of BLAKE2b-256(prefix || key || ns-decimal-or-empty || data)."""
    ns = b"" if namespace == 0 else str(namespace).encode()
    digest = hashlib.blake2b(bytes.fromhex(pubkey_hex) + ns + data, digest_size=32).digest()
    return b64(digest).rstrip("=")


def ns_str(namespace):
    return "" if namespace == 0 else str(namespace)


class SessionUser:
    """A Session account: Ed25519 key, Session ID = 05 || X25519(ed25519 pubkey)."""

    def __init__(self, seed=None):
        self.key = nacl.signing.SigningKey(seed or os.urandom(32))
        self.ed25519 = bytes(self.key.verify_key)
        self.x25519 = nacl.bindings.crypto_sign_ed25519_pk_to_curve25519(self.ed25519)
        self.pubkey = "05" + self.x25519.hex()

    def sign(self, message):
        return b64(self.key.sign(message.encode() if isinstance(message, str) else message)
                   .signature)

    def auth(self, message):
        """The params that authenticate a request of this account signed over `message`."""
        return {"pubkey": self.pubkey, "pubkey_ed25519": self.ed25519.hex(),
                "signature": self.sign(message)}


class GroupUser(SessionUser):
    """A closed group (03) account: the 32 key bytes are the Ed25519 key itself."""

    def __init__(self, seed=None):
        super().__init__(seed)
        self.pubkey = "03" + self.ed25519.hex()

    def auth(self, message):
        return {"pubkey": self.pubkey, "signature": self.sign(message)}


class Client:
    """Talks to one storage node; keeps the network clock offset from `info`, as Session does."""

    def __init__(self, url):
        self.url = url
        self.http = requests.Session()
        local = int(time.time() * 1000)
        self.offset = self.ok("info", {})["t"] - local

    def now(self):
        return int(time.time() * 1000) + self.offset

    def call(self, method, params, **kw):
        r = self.http.post(self.url, json={"method": method, "params": params}, timeout=30, **kw)
        return r.status_code, (r.json() if r.headers.get("Content-Type") == "application/json"
                               else r.text)

    def ok(self, method, params):
        code, body = self.call(method, params)
        assert code == 200, (method, code, body)
        return body

    def store(self, user, data, namespace=0, ttl=DAY_MS, timestamp=None, signed=None):
        ts = timestamp if timestamp is not None else self.now()
        params = {"pubkey": user.pubkey, "timestamp": ts, "ttl": ttl, "data": b64(data)}
        if namespace != 0:
            params["namespace"] = namespace
        if signed if signed is not None else namespace % 10 != 0:
            params.update(user.auth(f"store{ns_str(namespace)}{ts}"))
            params["sig_timestamp"] = ts
        return self.call("store", params)

    def retrieve(self, user, namespace=0, **extra):
        ts = self.now()
        params = {"timestamp": ts, **user.auth(f"retrieve{ns_str(namespace)}{ts}"), **extra}
        if namespace != 0:
            params["namespace"] = namespace
        return self.ok("retrieve", params)

    def retrieve_all(self, user, namespace=0):
        messages, last = [], ""
        while True:
            page = self.retrieve(user, namespace, last_hash=last)
            messages += page["messages"]
            if not page["more"]:
                return messages
            last = page["messages"][-1]["hash"]


def node_key(client):
    swarm = client.ok("get_swarm", {"pubkey": SessionUser().pubkey})
    return bytes.fromhex(swarm["snodes"][0]["pubkey_ed25519"])


def node_verify(key, message, signature):
    nacl.signing.VerifyKey(key).verify(message.encode(), base64.b64decode(signature))


def mine(client, body):
    """The node's own entry of a swarm-shaped answer (§3.0)."""
    swarm = body["swarm"]
    assert len(swarm) == 1
    key = node_key(client)
    return swarm[key.hex()]


@pytest.fixture
def rpc(rpcd):
    return Client(rpcd.rpc_url)


# ---- store / retrieve ----

def test_store_in_namespace_zero_unsigned_and_retrieve_signed(rpc):
    user = SessionUser()
    ts = rpc.now()
    code, body = rpc.store(user, b"hello", timestamp=ts)
    assert code == 200, body
    h = message_hash(user.pubkey, 0, b"hello")
    assert body["hash"] == h
    assert body["hf"] == [19, 3] and abs(body["t"] - rpc.now()) < 5000
    entry = mine(rpc, body)
    assert entry["hash"] == h and entry["expiry"] == ts + DAY_MS and "already" not in entry
    node_verify(node_key(rpc), h, entry["signature"])
    got = rpc.retrieve(user)
    assert got["more"] is False
    assert got["messages"] == [{"hash": h, "timestamp": ts, "expiration": ts + DAY_MS,
                                "data": b64(b"hello")}]
    # Retrieving namespace 0 needs a signature.
    code, text = rpc.call("retrieve", {"pubkey": user.pubkey})
    assert (code, text) == (401, "retrieve: request signature required")
    # The same message again is a duplicate.
    code, body = rpc.store(user, b"hello", timestamp=ts, ttl=2 * DAY_MS)
    assert mine(rpc, body)["already"] is True
    assert mine(rpc, body)["expiry"] == ts + 2 * DAY_MS
    assert len(rpc.retrieve(user)["messages"]) == 1


def test_store_in_a_private_namespace_needs_the_signature(rpc):
    user = SessionUser()
    code, text = rpc.store(user, b"config", namespace=3, signed=False)
    assert (code, text) == (401, "store: signature required to store to namespace 3")
    code, body = rpc.store(user, b"config", namespace=3)
    assert code == 200, body
    assert body["hash"] == message_hash(user.pubkey, 3, b"config")
    assert [m["data"] for m in rpc.retrieve(user, 3)["messages"]] == [b64(b"config")]
    assert rpc.retrieve(user, 0)["messages"] == []  # namespaces are separate mailboxes


def test_closed_group_account_signs_with_its_own_key(rpc):
    group = GroupUser()
    code, body = rpc.store(group, b"group msg", namespace=11)
    assert code == 200, body
    assert [m["hash"] for m in rpc.retrieve(group, 11)["messages"]] == [
        message_hash(group.pubkey, 11, b"group msg")]


def test_public_outbox_keeps_one_message_and_reads_without_auth(rpc):
    user = SessionUser()
    assert rpc.store(user, b"first", namespace=-21)[0] == 200
    assert rpc.store(user, b"second", namespace=-21)[0] == 200
    got = rpc.ok("retrieve", {"pubkey": user.pubkey, "namespace": -21})
    assert [m["data"] for m in got["messages"]] == [b64(b"second")]


def test_retrieve_pages_with_max_count_and_last_hash(rpc):
    user = SessionUser()
    hashes = []
    for i in range(7):
        code, body = rpc.store(user, f"message {i}".encode())
        assert code == 200
        hashes.append(body["hash"])
    page = rpc.retrieve(user, max_count=3)
    assert [m["hash"] for m in page["messages"]] == hashes[:3] and page["more"] is True
    page = rpc.retrieve(user, max_count=3, last_hash=hashes[2])
    assert [m["hash"] for m in page["messages"]] == hashes[3:6] and page["more"] is True
    page = rpc.retrieve(user, last_hash=hashes[5])
    assert [m["hash"] for m in page["messages"]] == hashes[6:] and page["more"] is False
    # Session Desktop's legacy spelling.
    page = rpc.retrieve(user, lastHash=hashes[5])
    assert [m["hash"] for m in page["messages"]] == hashes[6:]
    # An unknown last_hash starts from the beginning.
    assert len(rpc.retrieve(user, last_hash="A" * 43)["messages"]) == 7
    assert [m["hash"] for m in rpc.retrieve_all(user)] == hashes


# ---- expiry changes ----

def expire(rpc, user, hashes, expiry, mode=""):
    params = {"messages": hashes, "expiry": expiry,
              **user.auth(f"expire{mode}{expiry}" + "".join(hashes))}
    if mode:
        params[mode] = True
    return rpc.ok("expire", params)


def get_expiries(rpc, user, hashes):
    ts = rpc.now()
    return rpc.ok("get_expiries", {"timestamp": ts, "messages": hashes,
                                   **user.auth(f"get_expiries{ts}" + "".join(hashes))})["expiries"]


def test_expire_shortens_extends_and_get_expiries_reports(rpc):
    user = SessionUser()
    ts = rpc.now()
    h = rpc.store(user, b"x", timestamp=ts)[1]["hash"]
    assert get_expiries(rpc, user, [h]) == {h: ts + DAY_MS}
    key = node_key(rpc)
    # shorten to a later time changes nothing
    later = ts + 2 * DAY_MS
    entry = mine(rpc, expire(rpc, user, [h], later, "shorten"))
    assert entry["updated"] == [] and entry["unchanged"] == {h: ts + DAY_MS}
    node_verify(key, f"{user.pubkey}{later}{h}{h}{ts + DAY_MS}", entry["signature"])
    # extend to it does
    entry = mine(rpc, expire(rpc, user, [h], later, "extend"))
    assert entry["updated"] == [h] and entry["expiry"] == later
    assert get_expiries(rpc, user, [h]) == {h: later}
    # shorten works
    sooner = ts + 3_600_000
    entry = mine(rpc, expire(rpc, user, [h], sooner, "shorten"))
    assert entry["updated"] == [h]
    node_verify(key, f"{user.pubkey}{sooner}{h}{h}", entry["signature"])
    # a plain expiry beyond 30 days is clamped to now + 30 days
    far = ts + 90 * DAY_MS
    entry = mine(rpc, expire(rpc, user, [h], far))
    assert rpc.now() + 30 * DAY_MS - entry["expiry"] < 10_000
    assert get_expiries(rpc, user, [h, "A" * 43]) == {h: entry["expiry"]}
    # an expiry in the past is refused (401, as upstream)
    past = ts - 120_000
    code, text = rpc.call("expire", {"messages": [h], "expiry": past,
                                     **user.auth(f"expire{past}{h}")})
    assert (code, text) == (401, "expire: timestamp should be >= current time")


def test_expire_all_shortens_every_message(rpc):
    user = SessionUser()
    a = rpc.store(user, b"a")[1]["hash"]
    b = rpc.store(user, b"b", namespace=2)[1]["hash"]
    expiry = rpc.now() + 600_000
    body = rpc.ok("expire_all", {"expiry": expiry, "namespace": "all",
                                 **user.auth(f"expire_allall{expiry}")})
    entry = mine(rpc, body)
    assert entry["updated"] == {"0": [a], "2": [b]}
    node_verify(node_key(rpc), f"{user.pubkey}{expiry}" + "".join(sorted([a, b])),
                entry["signature"])
    assert get_expiries(rpc, user, [a, b]) == {a: expiry, b: expiry}


# ---- deletion ----

def test_delete_specific_messages(rpc):
    user = SessionUser()
    a = rpc.store(user, b"a")[1]["hash"]
    b = rpc.store(user, b"b")[1]["hash"]
    body = rpc.ok("delete", {"messages": [a], **user.auth(f"delete{a}")})
    entry = mine(rpc, body)
    assert entry["deleted"] == [a]
    node_verify(node_key(rpc), f"{user.pubkey}{a}{a}", entry["signature"])
    assert [m["hash"] for m in rpc.retrieve(user)["messages"]] == [b]
    # required: 404 with the same JSON shape when nothing was deleted
    code, body = rpc.call("delete", {"messages": [a], "required": True,
                                     **user.auth(f"delete{a}")})
    assert code == 404 and mine(rpc, body)["deleted"] == []
    # someone else's signature deletes nothing
    other = SessionUser()
    code, text = rpc.call("delete", {"messages": [b], "pubkey": user.pubkey,
                                     "pubkey_ed25519": other.ed25519.hex(),
                                     "signature": other.sign(f"delete{b}")})
    assert (code, text) == (401, "delete_msgs signature verification failed")


def test_delete_all_and_delete_before(rpc):
    user = SessionUser()
    t0 = rpc.now() - 5000
    old = rpc.store(user, b"old", timestamp=t0)[1]["hash"]
    new = rpc.store(user, b"new")[1]["hash"]
    other_ns = rpc.store(user, b"ns10", namespace=10)[1]["hash"]
    before = t0 + 1
    body = rpc.ok("delete_before", {"before": before, **user.auth(f"delete_before{before}")})
    assert mine(rpc, body)["deleted"] == [old]
    ts = rpc.now()
    body = rpc.ok("delete_all", {"timestamp": ts, **user.auth(f"delete_all{ts}")})
    entry = mine(rpc, body)
    assert entry["deleted"] == [new]
    node_verify(node_key(rpc), f"{user.pubkey}{ts}{new}", entry["signature"])
    assert rpc.retrieve(user, 10)["messages"] != []
    ts = rpc.now()
    body = rpc.ok("delete_all", {"timestamp": ts, "namespace": "all",
                                 **user.auth(f"delete_allall{ts}")})
    assert mine(rpc, body)["deleted"] == {"10": [other_ns]}
    assert rpc.retrieve(user, 10)["messages"] == []


# ---- batch, sequence, ifelse ----

def retrieve_params(rpc, user, namespace=0, **extra):
    ts = rpc.now()
    p = {"timestamp": ts, **user.auth(f"retrieve{ns_str(namespace)}{ts}"), **extra}
    if namespace:
        p["namespace"] = namespace
    return p


def test_batch_runs_every_subrequest(rpc):
    user = SessionUser()
    rpc.store(user, b"dm")
    rpc.store(user, b"profile", namespace=2)
    bad = retrieve_params(rpc, user)
    bad["signature"] = user.sign("something else")
    body = rpc.ok("batch", {"requests": [
        {"method": "retrieve", "params": retrieve_params(rpc, user, max_size=-2)},
        {"method": "retrieve", "params": retrieve_params(rpc, user, 2, max_size=-2)},
        {"method": "retrieve", "params": bad},
        {"method": "info", "params": {}},
    ]})
    codes = [r["code"] for r in body["results"]]
    assert codes == [200, 200, 401, 200]
    assert body["results"][0]["body"]["messages"][0]["data"] == b64(b"dm")
    assert body["results"][1]["body"]["messages"][0]["data"] == b64(b"profile")
    assert body["results"][2]["body"] == "retrieve signature verification failed"
    assert "t" not in body
    # limits: 1..20 subrequests, no meta requests inside
    info = {"method": "info", "params": {}}
    assert len(rpc.ok("batch", {"requests": [info] * 20})["results"]) == 20
    assert rpc.call("batch", {"requests": [info] * 21}) == (
        400, "invalid request: Invalid batch request: subrequest limit exceeded")
    assert rpc.call("batch", {"requests": []}) == (
        400, 'invalid request: Invalid batch request: no valid "requests" field')
    assert rpc.call("batch", {"requests": [{"method": "batch", "params": {"requests": [info]}}]}) \
        == (400, "invalid request: Invalid batch subrequest: subrequests may not contain "
                 "meta-requests")
    # one invalid subrequest fails the whole batch, nothing runs
    code, _ = rpc.call("batch", {"requests": [
        {"method": "store", "params": {"pubkey": user.pubkey, "timestamp": rpc.now(),
                                       "ttl": DAY_MS, "data": b64(b"never")}},
        {"method": "retrieve", "params": {"pubkey": "05zz"}}]})
    assert code == 400
    assert b64(b"never") not in [m["data"] for m in rpc.retrieve_all(user)]


def test_sequence_stops_at_the_first_failure(rpc):
    user = SessionUser()
    ts = rpc.now()
    store = {"pubkey": user.pubkey, "timestamp": ts, "ttl": DAY_MS, "data": b64(b"seq")}
    unsigned_private = {**store, "namespace": 5}
    body = rpc.ok("sequence", {"requests": [
        {"method": "store", "params": store},
        {"method": "store", "params": unsigned_private},
        {"method": "store", "params": {**store, "data": b64(b"not reached")}},
    ]})
    assert [r["code"] for r in body["results"]] == [200, 401]
    assert [m["data"] for m in rpc.retrieve_all(user)] == [b64(b"seq")]


def test_ifelse(rpc):
    info = {"method": "info", "params": {}}
    body = rpc.ok("ifelse", {"if": {"hf_at_least": [19]}, "then": info,
                             "else": {"method": "get_swarm",
                                      "params": {"pubkey": SessionUser().pubkey}}})
    assert body["condition"] is True and body["result"]["code"] == 200
    assert body["result"]["body"]["version"] == [2, 6, 2]
    assert body["hf"] == [19, 3] and body["v"] == [2, 6, 2]
    body = rpc.ok("ifelse", {"if": {"v_before": [2, 0, 0]}, "then": info})
    assert body["condition"] is False and "result" not in body


# ---- errors: the spec's status and text ----

def test_wrong_signature_stale_timestamp_and_wrong_ed25519_key(rpc):
    user = SessionUser()
    ts = rpc.now()
    params = {"timestamp": ts, **user.auth(f"retrieve{ts + 1}")}
    assert rpc.call("retrieve", params) == (401, "retrieve signature verification failed")
    stale = ts - 61_000
    assert rpc.call("retrieve", {"timestamp": stale, **user.auth(f"retrieve{stale}")}) == (
        406, "retrieve timestamp too far from current time")
    future = ts + 61_000
    assert rpc.call("retrieve", {"timestamp": future, **user.auth(f"retrieve{future}")}) == (
        406, "retrieve timestamp too far from current time")
    # a valid signature by a key that is not the one behind this Session ID
    other = SessionUser()
    params = {"timestamp": ts, "pubkey": user.pubkey, "pubkey_ed25519": other.ed25519.hex(),
              "signature": other.sign(f"retrieve{ts}")}
    assert rpc.call("retrieve", params) == (401, "retrieve signature verification failed")
    # store: timestamps and TTLs
    assert rpc.store(user, b"x", timestamp=ts + 60_000) == (406, "Timestamp error: check your clock")
    assert rpc.store(user, b"x", ttl=5_000) == (403, "Provided expiry/TTL is not valid.")
    assert rpc.store(user, b"x", ttl=15 * DAY_MS) == (403, "Provided expiry/TTL is not valid.")
    sig_ts = ts - 120_000
    params = {"pubkey": user.pubkey, "namespace": 3, "timestamp": ts, "ttl": DAY_MS,
              "data": b64(b"x"), "sig_timestamp": sig_ts, **user.auth(f"store3{sig_ts}")}
    assert rpc.call("store", params) == (406, "store signature timestamp too far from current time")


def test_malformed_parameters(rpc):
    user = SessionUser()
    ts = rpc.now()
    store = {"pubkey": user.pubkey, "timestamp": ts, "ttl": DAY_MS, "data": b64(b"x")}
    assert rpc.call("store", {**store, "pubkey": user.pubkey[:-2]}) == (
        400, "invalid request: Pubkey must be 66 hex digits (33 bytes) long")
    assert rpc.call("store", {**store, "pubkey": "zz" + user.pubkey[2:]}) == (
        400, "invalid request: Pubkey must be 66 hex digits (33 bytes) long")
    assert rpc.call("store", {**store, "data": "not base64!"}) == (
        400, "invalid request: Invalid 'data' value: not base64 encoded")
    assert rpc.call("store", {**store, "data": b64(b"\0" * 76_801)}) == (
        400, "invalid request: Message body exceeds maximum allowed length of 76800 bytes")
    assert rpc.call("store", {**store, "signature": "c2ln"}) == (
        400, "invalid request: invalid signature: expected base64 encoded Ed25519 signature")
    assert rpc.call("store", {**store, "namespace": 40000}) == (
        400, "invalid request: Invalid value given for 'namespace': value out of range")
    assert rpc.call("store", {**store, "timestamp": 999_999_999}) == (
        400, "invalid request: Invalid timestamp for 'timestamp': timestamp must be in "
             "milliseconds")
    assert rpc.call("store", {k: v for k, v in store.items() if k != "ttl"}) == (
        400, "invalid request: Required field 'expiry' or 'ttl' missing")
    bad_hash = "tooshort"
    assert rpc.call("delete", {"messages": [bad_hash], **user.auth(f"delete{bad_hash}")}) == (
        400, f"invalid request: invalid message hash: {bad_hash}")
    assert rpc.call("retrieve", retrieve_params(rpc, user, last_hash="abc")) == (
        400, "invalid request: Invalid last_hash: expected base64 (43 chars)")
    assert rpc.call("retrieve", {"pubkey": user.pubkey, "pubkey_ed25519": "ab",
                                 "signature": user.sign("x"), "timestamp": ts}) == (
        400, "invalid request: Invalid pubkey_ed25519: expected 64 hex char or 32 byte pubkey")
    assert rpc.call("no_such_method", {}) == (400, "no method no_such_method")


def test_envelope_errors_and_http_routes(rpcd, rpc):
    post = lambda data, **kw: requests.post(rpcd.rpc_url, data=data, timeout=30, **kw)
    r = post(b"{not json")
    assert (r.status_code, r.text) == (400, "invalid json")
    assert r.headers["Content-Type"].startswith("text/plain")
    r = post(b'{"params": {}}')
    assert (r.status_code, r.text) == (400, "invalid json: no `method` field")
    r = post(b'{"method": "info"}')
    assert (r.status_code, r.text) == (400, "invalid json: no `params` field")
    r = post(b'{"method": "info", "params": {}}')
    assert r.status_code == 200 and r.headers["Content-Type"] == "application/json"
    base = f"http://127.0.0.1:{rpcd.rpc_port}"
    r = requests.get(base + "/storage_rpc/v1", timeout=30)
    assert (r.status_code, r.text) == (404, "GET /storage_rpc/v1 Not Found")
    r = requests.post(base + "/onion_req/v2", data=b"x", timeout=30)
    assert (r.status_code, r.text) == (404, "POST /onion_req/v2 Not Found")
    r = post(b'{"method": "info", "params": {}}', headers={"X-Loki-Long-Poll": "1"})
    assert r.status_code == 410
    assert requests.get(base + "/get_stats/v1", timeout=30).json() == {"version": "2.6.2"}
    code, text = rpc.call("oxend_request", {"endpoint": "get_service_nodes"})
    assert code == 501


def test_body_over_ten_mebibytes_is_413(rpcd, rpc):
    body = b'{"method":"info","params":{"x":"' + b"a" * (10 * 1024 * 1024) + b'"}}'
    r = requests.post(rpcd.rpc_url, data=body, timeout=30)
    assert (r.status_code, r.text) == (413, "Request body too large")

    def chunks():  # no Content-Length: refused once it grows past the limit
        for _ in range(11):
            yield b" " * (1024 * 1024)

    r = requests.post(rpcd.rpc_url, data=chunks(), timeout=30)
    assert (r.status_code, r.text) == (413, "Request body too large")
    # The node still serves.
    assert rpc.ok("info", {})["version"] == [2, 6, 2]


# ---- node identity ----

def test_node_identity_in_get_swarm_and_info(rpcd, rpc):
    user = SessionUser()
    swarm = rpc.ok("get_swarm", {"pubkey": user.pubkey})
    assert swarm["swarm"] == "0" and swarm["hf"] == [19, 3]
    (node,) = swarm["snodes"]
    assert node["ip"] == "127.0.0.1"
    assert node["port_https"] == rpcd.rpc_port and node["port"] == str(rpcd.rpc_port)
    ed = bytes.fromhex(node["pubkey_ed25519"])
    assert node["pubkey_x25519"] == nacl.bindings.crypto_sign_ed25519_pk_to_curve25519(ed).hex()
    assert node["address"].endswith(".snode")
    assert rpc.ok("get_snodes_for_pubkey", {"pubKey": user.pubkey})["snodes"] == [node]
    info = rpc.ok("info", {})
    assert info["version"] == [2, 6, 2] and info["timestamp"] == info["t"]
    assert abs(info["t"] - int(time.time() * 1000)) < 5000
    # The key file: created on first start, owner-only.
    path = os.path.join(rpcd.data_dir, "session", "node-ed25519.key")
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    with open(path) as f:
        secret = bytes.fromhex(f.read().strip())
    assert secret[32:] == ed
    # Every per-node signature of a store verifies under it.
    code, body = rpc.store(user, b"signed by the node")
    node_verify(ed, body["hash"], mine(rpc, body)["signature"])


# ---- expiry and the sweep ----

def metric(rpcd, name):
    with requests.get(f"http://127.0.0.1:{rpcd.api_port}/metrics", timeout=30) as r:
        m = re.search(rf"^{name}(?:{{[^}}]*}})? (\S+)$", r.text, re.M)
        return float(m.group(1)) if m else 0.0


def test_messages_past_their_ttl_are_never_returned_and_get_swept(rpcd, rpc):
    user = SessionUser()
    keep = rpc.store(user, b"keep")[1]["hash"]
    # timestamp 8 s in the past with the minimum TTL (10 s): expires in about two seconds
    code, body = rpc.store(user, b"short", timestamp=rpc.now() - 8_000, ttl=10_000)
    assert code == 200, body
    short = body["hash"]
    assert short in [m["hash"] for m in rpc.retrieve(user)["messages"]]
    swept_before = metric(rpcd, "cairn_mailbox_expired_removed_total")
    deadline = time.time() + 6
    while short in [m["hash"] for m in rpc.retrieve(user)["messages"]]:
        assert time.time() < deadline, "message outlived its expiry"
        time.sleep(0.1)
    got = rpc.retrieve(user)
    assert [m["hash"] for m in got["messages"]] == [keep]
    assert all(m["expiration"] > got["t"] for m in got["messages"])
    assert get_expiries(rpc, user, [short, keep]).keys() == {keep}
    # Reclaimed by the sweep (every second in this fixture).
    deadline = time.time() + 10
    while metric(rpcd, "cairn_mailbox_expired_removed_total") <= swept_before:
        assert time.time() < deadline, "the sweep never reclaimed the expired message"
        time.sleep(0.2)
    # A store whose expiry is already past is refused.
    assert rpc.store(user, b"late", timestamp=rpc.now() - 30_000, ttl=10_000) == (
        406, "Timestamp error: check your clock")


def test_metrics_count_requests_by_method(rpcd, rpc):
    rpc.ok("info", {})
    rpc.call("nope", {})
    with requests.get(f"http://127.0.0.1:{rpcd.api_port}/metrics", timeout=30) as r:
        text = r.text
    assert 'cairn_session_rpc_requests_total{code="200",method="info"}' in text
    assert 'cairn_session_rpc_requests_total{code="400",method="invalid"}' in text
    assert 'cairn_session_rpc_request_seconds_bucket' in text
    assert 'cairn_http_requests_total{code="200",server="session-rpc"}' in text


# ---- durability ----

@pytest.mark.parametrize("how", ["sigterm", "sigkill"])
def test_messages_survive_a_restart(tmp_path, how):
    d = Cairnd(tmp_path / "data", rpc=True).start()
    url = f"http://127.0.0.1:{d.rpc_port}/storage_rpc/v1"
    try:
        rpc = Client(url)
        key = node_key(rpc)
        users = [SessionUser() for _ in range(3)]
        stored = {}
        for i in range(30):
            user = users[i % 3]
            ns = [0, 3, -10][i % 3]
            data = f"message {i} for {user.pubkey[:8]}".encode()
            code, body = rpc.store(user, data, namespace=ns)
            assert code == 200, body
            stored.setdefault((user.pubkey, ns), []).append(body["hash"])
        if how == "sigkill":
            d.stop(sig=9)
        else:
            assert d.stop() == 0
            assert "stopped cleanly" in d.output()
        d.start()
        rpc = Client(url)
        assert node_key(rpc) == key  # the node keeps its identity
        for user in users:
            for ns in [0, 3, -10]:
                want = stored.get((user.pubkey, ns), [])
                assert [m["hash"] for m in rpc.retrieve_all(user, ns)] == want
    finally:
        d.stop()
