"""The C ABI from Python through ctypes, as an embedding user would load it."""
import ctypes
import os
import subprocess

LIB_DIR = os.environ.get("CAIRN_LIB_DIR") or os.path.join(
    os.path.dirname(__file__), "..", "..", "build", "release", "lib")


def load():
    lib = ctypes.CDLL(os.path.join(LIB_DIR, "libcairn.so"))
    lib.cairn_version.restype = ctypes.c_char_p
    lib.cairn_status_name.restype = ctypes.c_char_p
    lib.cairn_blake3.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_void_p,
                                 ctypes.c_size_t]
    return lib


def test_version_and_abi():
    lib = load()
    assert lib.cairn_version().decode().count(".") == 2
    assert lib.cairn_abi_version() == 1
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
