"""The RESP face against real clients: redis-py and redis-cli, on the real cairnd."""
import socket
import subprocess
import threading
import time

import pytest

from conftest import Cairnd

import redis  # noqa: E402  (python3-redis, installed by scripts/bootstrap)


def client(d, **kw):
    kw.setdefault("socket_timeout", 10)
    return redis.Redis(host="127.0.0.1", port=d.resp_port, **kw)


def test_strings_keys_and_errors(respd):
    r = client(respd)
    assert r.ping()
    assert r.set("k", "v") and r.get("k") == b"v"
    assert r.set("k", "w", nx=True) is None
    assert r.set("k", "w", xx=True, get=True) == b"v"
    assert r.incr("n") == 1 and r.incrby("n", 41) == 42 and r.decr("n") == 41
    assert r.incrbyfloat("f", 1.5) == 1.5
    assert r.append("k", "xyz") == 4 and r.strlen("k") == 4
    assert r.mset({"a": "1", "b": "2"}) and r.mget("a", "b", "nope") == [b"1", b"2", None]
    assert r.exists("a", "b", "nope") == 2
    assert r.delete("a", "b") == 2
    r.set("t", "x", ex=100)
    assert 0 < r.ttl("t") <= 100 and r.pttl("t") > 0
    assert r.persist("t") and r.ttl("t") == -1 and r.ttl("missing") == -2
    r.set("gone", "x", px=50)
    time.sleep(0.15)
    assert r.get("gone") is None
    assert r.type("k") == b"string" and r.type("missing") == b"none"
    assert sorted(r.keys("*")) == sorted([b"k", b"n", b"f", b"t"])
    with pytest.raises(redis.ResponseError, match="value is not an integer"):
        r.incr("k")
    r.rpush("list", "x")
    with pytest.raises(redis.ResponseError, match="WRONGTYPE"):
        r.get("list")
    with pytest.raises(redis.ResponseError, match="unknown command"):
        r.execute_command("NOSUCHCMD", "x")
    with pytest.raises(redis.ResponseError, match="wrong number of arguments"):
        r.execute_command("GET")
    assert r.dbsize() == 5
    r.select(1)
    assert r.dbsize() == 0
    assert r.flushall()
    r.select(0)
    assert r.dbsize() == 0


def test_collections(respd):
    r = client(respd)
    assert r.hset("h", mapping={"f1": "v1", "f2": "v2"}) == 2
    assert r.hgetall("h") == {b"f1": b"v1", b"f2": b"v2"}
    assert r.hincrby("h", "n", 5) == 5
    assert r.lpush("l", "a", "b") == 2 and r.rpush("l", "c") == 3
    assert r.lrange("l", 0, -1) == [b"b", b"a", b"c"]
    assert r.lpop("l") == b"b" and r.rpop("l") == b"c"
    assert r.sadd("s", "x", "y", "x") == 2 and r.smembers("s") == {b"x", b"y"}
    assert r.sismember("s", "x") and r.scard("s") == 2
    assert r.zadd("z", {"a": 1, "b": 2, "c": 3}) == 3
    assert r.zrange("z", 0, -1, withscores=True) == [(b"a", 1.0), (b"b", 2.0), (b"c", 3.0)]
    assert r.zscore("z", "b") == 2.0 and r.zrank("z", "c") == 2
    assert r.zrangebyscore("z", "(1", "+inf") == [b"b", b"c"]


def test_pipelines_and_transactions(respd):
    r = client(respd)
    with r.pipeline(transaction=False) as p:
        for i in range(1000):
            p.set(f"p{i}", i)
        p.get("p999")
        out = p.execute()
    assert out[-1] == b"999" and all(out[:-1])
    with r.pipeline() as p:  # MULTI/EXEC
        p.incr("c").incr("c").get("c")
        assert p.execute() == [1, 2, b"2"]
    # WATCH: a concurrent change aborts the transaction.
    r.set("w", "1")
    other = client(respd)
    with r.pipeline() as p:
        p.watch("w")
        other.set("w", "2")
        p.multi()
        p.set("w", "3")
        with pytest.raises(redis.WatchError):
            p.execute()
    assert r.get("w") == b"2"
    # A command error inside MULTI aborts with EXECABORT.
    with pytest.raises(redis.ResponseError):
        r.execute_command("MULTI")
        r.execute_command("SET", "x")
    r.execute_command("DISCARD")


def test_pubsub_with_patterns(respd):
    r = client(respd)
    p = r.pubsub()
    p.subscribe("news")
    p.psubscribe("ne*")
    for _ in range(2):
        assert p.get_message(timeout=5)["type"] in ("subscribe", "psubscribe")
    assert r.publish("news", "hello") == 2
    got = [p.get_message(timeout=5) for _ in range(2)]
    kinds = sorted((m["type"], m["data"]) for m in got)
    assert kinds == [("message", b"hello"), ("pmessage", b"hello")]
    assert r.pubsub_numsub("news") == [(b"news", 1)]
    assert r.pubsub_numpat() == 1
    p.close()


def test_blocking_pop(respd):
    r = client(respd)
    got = {}

    def waiter():
        got["v"] = client(respd).blpop(["q"], timeout=5)

    t = threading.Thread(target=waiter)
    t.start()
    time.sleep(0.2)
    r.rpush("q", "job")
    t.join(10)
    assert got["v"] == (b"q", b"job")
    assert r.blpop(["q"], timeout=0.2) is None


def test_resp3_and_hello(respd):
    import socket
    r = client(respd)
    r.hset("h", mapping={"a": "1"})
    r.zadd("z", {"m": 1.5})
    s = socket.create_connection(("127.0.0.1", respd.resp_port), timeout=5)
    s.sendall(b"HELLO 3\r\nHGETALL h\r\nZSCORE z m\r\nGET missing\r\nSMEMBERS nokey\r\n")
    out = b""
    while out.count(b"\r\n") < 22:
        piece = s.recv(65536)
        if not piece:
            break
        out += piece
    s.close()
    assert out.startswith(b"%7\r\n$6\r\nserver\r\n")
    assert b"$5\r\nproto\r\n:3\r\n" in out
    assert b"%1\r\n$1\r\na\r\n$1\r\n1\r\n" in out  # HGETALL is a map in RESP3
    assert b"_\r\n" in out  # RESP3 null
    assert b"~0\r\n" in out  # an empty set
    assert b",1.5\r\n" in out  # ZSCORE is a double in RESP3 (a bulk string in RESP2)
    assert r.zscore("z", "m") == 1.5
    cli = subprocess.run(["redis-cli", "-3", "-p", str(respd.resp_port), "HGETALL", "h"],
                         capture_output=True, timeout=10)
    assert cli.returncode == 0 and b"a" in cli.stdout


def test_redis_cli(respd):
    def cli(*args, sock=False):
        target = ["-s", respd.unix_socket] if sock else ["-p", str(respd.resp_port)]
        r = subprocess.run(["redis-cli", *target, *args], capture_output=True, timeout=10)
        assert r.returncode == 0, r.stderr
        return r.stdout.decode().strip()

    assert cli("PING") == "PONG"
    assert cli("SET", "greeting", "hello world") == "OK"
    assert cli("GET", "greeting", sock=True) == "hello world"
    assert cli("INCR", "counter") == "1"
    assert "ERR unknown command" in cli("FOO")
    assert "redis_version" in cli("INFO")
    # Inline commands work too.
    r = subprocess.run(["redis-cli", "-p", str(respd.resp_port)], input=b"GET greeting\n",
                       capture_output=True, timeout=10)
    assert b"hello world" in r.stdout


def test_auth(tmp_path):
    d = Cairnd(tmp_path / "data", resp=True, extra_args=["--requirepass", "s3cret"]).start()
    try:
        with pytest.raises(redis.AuthenticationError):
            client(d).get("x")
        with pytest.raises(redis.ResponseError, match="WRONGPASS"):
            client(d, password="wrong").get("x")
        r = client(d, password="s3cret")
        assert r.set("x", "1") and r.get("x") == b"1"
    finally:
        d.stop()


def test_writes_survive_kill_and_restart(tmp_path):
    import signal
    d = Cairnd(tmp_path / "data", resp=True, extra_args=["--appendfsync", "always"]).start()
    try:
        r = client(d)
        for i in range(200):
            r.set(f"k{i}", f"v{i}")
        r.hset("h", mapping={"a": "1"})
        r.rpush("l", "x", "y")
        r.zadd("z", {"m": 2.5})
        r.set("ttl", "x", ex=1000)
        r.delete("k0")
    finally:
        d.stop(sig=signal.SIGKILL)
    d2 = Cairnd(tmp_path / "data", resp=True).start()
    try:
        r = client(d2)
        assert r.get("k0") is None and r.get("k199") == b"v199" and r.dbsize() == 203
        assert r.hgetall("h") == {b"a": b"1"} and r.lrange("l", 0, -1) == [b"x", b"y"]
        assert r.zscore("z", "m") == 2.5 and 900 < r.ttl("ttl") <= 1000
        assert r.save()
        assert r.lastsave()
        r.set("after", "save")
    finally:
        d2.stop()  # clean shutdown: everysec loses nothing
    d3 = Cairnd(tmp_path / "data", resp=True).start()
    try:
        r = client(d3)
        assert r.get("after") == b"save" and r.get("k5") == b"v5"
    finally:
        d3.stop()


def test_maxmemory_noeviction_refuses_writes(tmp_path):
    # The limit is below what the process already uses, so every write that may grow memory is
    # refused with Redis's OOM error while reads and deletes still work.
    d = Cairnd(tmp_path / "data", resp=True,
               extra_args=["--maxmemory", "1mb", "--maxmemory-policy", "noeviction"]).start()
    try:
        r = client(d)
        with pytest.raises(redis.ResponseError, match="OOM command not allowed"):
            r.set("k", "v")
        assert r.get("k") is None and r.delete("k") == 0
        assert r.config_get("maxmemory*") == {"maxmemory": "1048576",
                                             "maxmemory-policy": "noeviction"}
        # CONFIG SET lifts the limit at run time; bad values and other settings are refused.
        assert r.config_set("maxmemory", "0")
        assert r.set("k", "v") and r.get("k") == b"v"
        assert r.config_set("maxmemory-policy", "allkeys-lru")
        assert r.config_get("maxmemory*") == {"maxmemory": "0",
                                             "maxmemory-policy": "allkeys-lru"}
        with pytest.raises(redis.ResponseError, match="CONFIG SET failed"):
            r.config_set("maxmemory", "lots")
        with pytest.raises(redis.ResponseError, match="Unknown option"):
            r.config_set("appendfsync", "always")
    finally:
        d.stop()
    bad = Cairnd(tmp_path / "data2", resp=True, extra_args=["--maxmemory", "lots"])
    bad.start(wait=False)
    assert bad.proc.wait(timeout=20) != 0
    assert "maxmemory" in bad.output()


def test_acl_users_from_config(tmp_path):
    d = Cairnd(tmp_path / "data", resp=True,
               extra_args=["--resp-users", "alice:pw1,bob:pw2"]).start()
    try:
        with pytest.raises(redis.AuthenticationError):
            client(d).get("x")
        alice = client(d, username="alice", password="pw1")
        assert alice.set("x", "1")
        assert client(d, username="bob", password="pw2").get("x") == b"1"
        with pytest.raises(redis.ResponseError, match="WRONGPASS"):
            client(d, username="alice", password="pw2").get("x")
        with pytest.raises(redis.ResponseError, match="WRONGPASS"):
            client(d, password="pw1").get("x")  # the default user has no password here
    finally:
        d.stop()


def read_reply_line(sock):
    data = b""
    while not data.endswith(b"\r\n"):
        chunk = sock.recv(4096)
        if not chunk:
            break
        data += chunk
    return data


def test_100mb_value_accepted_or_refused_per_limit(tmp_path):
    big = b"v" * (100 << 20)
    d = Cairnd(tmp_path / "data", resp=True, extra_args=["--appendfsync", "no"]).start()
    try:
        r = client(d, socket_timeout=60)
        assert r.set("big", big)
        assert r.strlen("big") == len(big)
        assert r.get("big") == big
        assert r.delete("big") == 1
    finally:
        d.stop()
    d = Cairnd(tmp_path / "data2", resp=True, extra_args=["--proto-max-bulk-len", "64mb"]).start()
    try:
        # The header alone is refused with Redis's error, and the connection is closed.
        with socket.create_connection(("127.0.0.1", d.resp_port), timeout=10) as s:
            s.sendall(b"*3\r\n$3\r\nSET\r\n$3\r\nbig\r\n$104857600\r\n")
            assert read_reply_line(s) == b"-ERR Protocol error: invalid bulk length\r\n"
            assert s.recv(1) == b""
        # redis-py sending the whole value sees the error or the closed connection.
        with pytest.raises((redis.ResponseError, redis.ConnectionError)):
            client(d, socket_timeout=60).set("big", big)
        r = client(d)
        assert r.set("small", "fits") and r.get("small") == b"fits"
        assert r.exists("big") == 0
        assert r.config_get("proto-max-bulk-len") == {"proto-max-bulk-len": str(64 << 20)}
    finally:
        d.stop()


def test_shutdown_stops_cleanly_and_loses_nothing(tmp_path):
    d = Cairnd(tmp_path / "data", resp=True, extra_args=["--appendfsync", "no"]).start()
    r = client(d)
    r.set("before", "shutdown")
    r.rpush("l", "a", "b")
    with pytest.raises(redis.ResponseError, match="syntax error"):
        r.execute_command("SHUTDOWN", "BOGUS")
    r.shutdown()  # no reply: the connection closes and cairnd exits
    assert d.proc.wait(timeout=20) == 0
    d.start()
    try:
        r = client(d)
        assert r.get("before") == b"shutdown" and r.lrange("l", 0, -1) == [b"a", b"b"]
    finally:
        d.stop()
