"""The C ABI from Python through ctypes, as an embedding user would load it, and from Go
through cgo (tests/integration/go_kv; Debian's golang-go, installed by scripts/bootstrap)."""
import ctypes
import os
import subprocess
import sys
import time

import pytest

LIB_DIR = os.environ.get("CAIRN_LIB_DIR") or os.path.join(
    os.path.dirname(__file__), "..", "..", "build", "release", "lib")


def load():
    lib = ctypes.CDLL(os.path.join(LIB_DIR, "libcairn.so"))
    lib.cairn_version.restype = ctypes.c_char_p
    lib.cairn_status_name.restype = ctypes.c_char_p
    lib.cairn_blake3.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_void_p,
                                 ctypes.c_size_t]
    vp, sz, i64 = ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int64
    lib.cairn_kv_open.argtypes = [ctypes.c_char_p, vp, ctypes.POINTER(vp)]
    lib.cairn_kv_close.argtypes = [vp]
    lib.cairn_kv_close.restype = None
    lib.cairn_kv_set.argtypes = [vp, ctypes.c_char_p, sz, ctypes.c_char_p, sz, i64]
    lib.cairn_kv_get.argtypes = [vp, ctypes.c_char_p, sz, vp, sz, ctypes.POINTER(sz)]
    lib.cairn_kv_del.argtypes = [vp, ctypes.c_char_p, sz]
    lib.cairn_kv_expire.argtypes = [vp, ctypes.c_char_p, sz, i64, ctypes.POINTER(ctypes.c_int)]
    lib.cairn_kv_incr.argtypes = [vp, ctypes.c_char_p, sz, i64, ctypes.POINTER(i64)]
    lib.cairn_kv_publish.argtypes = [vp, ctypes.c_char_p, ctypes.c_char_p, sz,
                                     ctypes.POINTER(sz)]
    lib.cairn_kv_subscribe.argtypes = [vp, ctypes.c_char_p, ctypes.c_int, MESSAGE_FN, vp,
                                       ctypes.POINTER(vp)]
    lib.cairn_kv_unsubscribe.argtypes = [vp]
    lib.cairn_kv_unsubscribe.restype = None
    lib.cairn_kv_last_error.restype = ctypes.c_char_p
    return lib


MESSAGE_FN = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_char_p, ctypes.c_void_p,
                              ctypes.c_size_t)
OK, NOT_FOUND, UNAVAILABLE, BUFFER_TOO_SMALL, WRONG_TYPE = 0, 5, 14, 100, 101


class Kv:
    """A thin Python wrapper, as an embedding user would write one."""

    def __init__(self, lib, data_dir):
        self.lib = lib
        self.h = ctypes.c_void_p()
        st = lib.cairn_kv_open(str(data_dir).encode(), None, ctypes.byref(self.h))
        assert st == OK, lib.cairn_kv_last_error()

    def close(self):
        self.lib.cairn_kv_close(self.h)

    def set(self, key, val, ttl_ms=0):
        return self.lib.cairn_kv_set(self.h, key, len(key), val, len(val), ttl_ms)

    def get(self, key, size=64):
        buf = ctypes.create_string_buffer(size)
        n = ctypes.c_size_t()
        st = self.lib.cairn_kv_get(self.h, key, len(key), buf, size, ctypes.byref(n))
        return st, (buf.raw[:n.value] if st == OK else n.value)

    def incr(self, key, delta):
        out = ctypes.c_int64()
        st = self.lib.cairn_kv_incr(self.h, key, len(key), delta, ctypes.byref(out))
        return st, out.value


def test_version_and_abi():
    lib = load()
    assert lib.cairn_version().decode().count(".") == 2
    assert lib.cairn_abi_version() == 2
    assert lib.cairn_status_name(5) == b"NOT_FOUND"


def test_blake3_matches_reference_answers():
    lib = load()
    out = ctypes.create_string_buffer(32)
    data = b"abc"
    assert lib.cairn_blake3(data, len(data), out, 32) == 0
    assert out.raw.hex() == "6437b3ac38465133ffb63b75273a8db548c558465d79db03fd359c6cd5bd9d85"
    assert lib.cairn_blake3(None, 3, out, 32) == 3  # CAIRN_INVALID_ARGUMENT


def test_only_cairn_symbols_are_exported():
    # A C ABI that leaks C++ symbols invites accidental dependence on them.
    out = subprocess.run(["nm", "-D", "--defined-only", os.path.join(LIB_DIR, "libcairn.so")],
                         capture_output=True, text=True, check=True).stdout
    names = [line.split()[-1] for line in out.splitlines() if line.strip()]
    assert "cairn_blake3" in names
    leaked = [n for n in names if not n.startswith("cairn_") and n not in ("_init", "_fini")]
    assert leaked == []


def test_kv_values_ttl_and_counters(tmp_path):
    lib = load()
    kv = Kv(lib, tmp_path)
    assert kv.set(b"k", b"hello") == OK
    assert kv.get(b"k") == (OK, b"hello")
    assert kv.get(b"k", size=2) == (BUFFER_TOO_SMALL, 5)
    assert kv.get(b"nope")[0] == NOT_FOUND
    assert kv.set(b"b\0in", b"\x00\xff\x01") == OK
    assert kv.get(b"b\0in") == (OK, b"\x00\xff\x01")
    assert kv.incr(b"n", 10) == (OK, 10)
    assert kv.incr(b"n", -3) == (OK, 7)
    assert kv.incr(b"k", 1)[0] == WRONG_TYPE
    assert b"not an integer" in lib.cairn_kv_last_error()
    assert kv.set(b"t", b"v", ttl_ms=50) == OK
    existed = ctypes.c_int(-1)
    assert kv.set(b"e", b"v") == OK
    assert lib.cairn_kv_expire(kv.h, b"e", 1, 50, ctypes.byref(existed)) == OK
    assert existed.value == 1
    time.sleep(0.15)
    assert kv.get(b"t")[0] == NOT_FOUND
    assert kv.get(b"e")[0] == NOT_FOUND
    assert lib.cairn_kv_del(kv.h, b"b\0in", 4) == OK
    assert lib.cairn_kv_del(kv.h, b"b\0in", 4) == NOT_FOUND
    kv.close()
    kv = Kv(lib, tmp_path)  # persistence across close/open
    assert kv.get(b"k") == (OK, b"hello")
    assert kv.get(b"n") == (OK, b"7")
    assert kv.get(b"b\0in")[0] == NOT_FOUND
    kv.close()


def test_kv_data_dir_is_locked_against_other_processes(tmp_path):
    lib = load()
    kv = Kv(lib, tmp_path)
    try:
        # Another process opening the same directory fails cleanly with CAIRN_UNAVAILABLE.
        code = ("import ctypes, sys; lib = ctypes.CDLL(sys.argv[1]); h = ctypes.c_void_p(); "
                "sys.exit(lib.cairn_kv_open(sys.argv[2].encode(), None, ctypes.byref(h)))")
        rc = subprocess.run([sys.executable, "-c", code, os.path.join(LIB_DIR, "libcairn.so"),
                             str(tmp_path)], capture_output=True).returncode
        assert rc == UNAVAILABLE
    finally:
        kv.close()


def test_kv_pubsub_callback(tmp_path):
    lib = load()
    kv = Kv(lib, tmp_path)
    got = []

    @MESSAGE_FN
    def on_message(user, channel, msg, n):
        got.append((user, channel, ctypes.string_at(msg, n)))

    sub, psub = ctypes.c_void_p(), ctypes.c_void_p()
    assert lib.cairn_kv_subscribe(kv.h, b"chat", 0, on_message, 7, ctypes.byref(sub)) == OK
    assert lib.cairn_kv_subscribe(kv.h, b"ch*", 1, on_message, 8, ctypes.byref(psub)) == OK
    receivers = ctypes.c_size_t()
    assert lib.cairn_kv_publish(kv.h, b"chat", b"hi there", 8, ctypes.byref(receivers)) == OK
    assert receivers.value == 2
    # The callbacks ran on this (the publisher's) thread before publish returned.
    assert sorted(got) == [(7, b"chat", b"hi there"), (8, b"chat", b"hi there")]
    lib.cairn_kv_unsubscribe(sub)
    lib.cairn_kv_unsubscribe(psub)
    assert lib.cairn_kv_publish(kv.h, b"chat", b"x", 1, ctypes.byref(receivers)) == OK
    assert receivers.value == 0 and len(got) == 2
    kv.close()


def test_kv_from_go_through_cgo(tmp_path):
    lib_dir = os.path.abspath(LIB_DIR)
    env = dict(os.environ, GOFLAGS="-mod=mod", GOCACHE=str(tmp_path / "gocache"),
               GOPATH=str(tmp_path / "gopath"), CGO_ENABLED="1",
               CGO_LDFLAGS=f"-L{lib_dir} -Wl,-rpath,{lib_dir}")
    out = subprocess.run(["go", "run", ".", str(tmp_path / "data")],
                         cwd=os.path.join(os.path.dirname(__file__), "go_kv"), env=env,
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "go_kv: ok" in out.stdout
