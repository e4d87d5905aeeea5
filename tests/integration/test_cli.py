"""`cairn hash` must agree with b3sum, the reference BLAKE3 tool, on real files."""
import os
import subprocess

from conftest import binary


def run(*args, **kw):
    return subprocess.run(list(args), capture_output=True, text=True, timeout=120, **kw)


def test_hash_matches_b3sum(tmp_path):
    files = []
    for size in (0, 1, 1023, 1024, 1025, 65536, 3 * 1024 * 1024 + 17):
        p = tmp_path / f"f{size}"
        p.write_bytes(os.urandom(size))
        files.append(str(p))
    ours = run(binary("cairn"), "hash", *files)
    theirs = run("b3sum", *files)
    assert ours.returncode == 0, ours.stderr
    assert ours.stdout == theirs.stdout
    one = run(binary("cairn"), "hash", "--threads", "1", "--simd", "portable", *files)
    assert one.stdout == theirs.stdout


def test_hash_stdin_and_length(tmp_path):
    data = os.urandom(100000)
    ours = run(binary("cairn"), "hash", "--length", "100", "-", input=None,
               stdin=open(write(tmp_path / "in", data), "rb"))
    theirs = run("b3sum", "--length", "100", "-", stdin=open(tmp_path / "in", "rb"))
    assert ours.stdout == theirs.stdout


def write(path, data):
    path.write_bytes(data)
    return path


def test_missing_file_fails_but_hashes_the_rest(tmp_path):
    good = write(tmp_path / "good", b"abc")
    r = run(binary("cairn"), "hash", str(tmp_path / "missing"), str(good))
    assert r.returncode == 1
    assert "No such file or directory" in r.stderr
    assert r.stdout.startswith("6437b3ac38465133ffb63b75273a8db548c558465d79db03fd359c6cd5bd9d85")


def test_version():
    r = run(binary("cairn"), "version")
    assert r.returncode == 0 and r.stdout.startswith("cairn ")
