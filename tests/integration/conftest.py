"""Fixtures that start the real cairnd binary on free loopback ports."""
import os
import socket
import subprocess
import time
import urllib.request

import pytest

BIN_DIR = os.environ.get("CAIRN_BIN_DIR") or os.path.join(
    os.path.dirname(__file__), "..", "..", "bin")


def binary(name):
    path = os.path.join(BIN_DIR, name)
    assert os.access(path, os.X_OK), f"{path} is not built"
    return path


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cairnd:
    """A running cairnd process with its own data dir and ports."""

    def __init__(self, data_dir, extra_args=(), env=None, s3=False, resp=False, rpc=False):
        self.data_dir = str(data_dir)
        self.api_port = free_port()
        self.s3_port = free_port() if s3 else 0
        self.resp_port = free_port() if resp else 0
        self.rpc_port = free_port() if rpc else 0
        self.args = [binary("cairnd"), "--data-dir", self.data_dir,
                     "--api-port", str(self.api_port), "--s3-port", str(self.s3_port),
                     "--resp-port", str(self.resp_port), "--rpc-port", str(self.rpc_port),
                     *extra_args]
        self.env = dict(os.environ, **(env or {}))
        self.proc = None
        self.log_path = os.path.join(os.path.dirname(self.data_dir),
                                     os.path.basename(self.data_dir) + ".log")

    def start(self, wait=True):
        self.log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(self.args, stdout=self.log, stderr=subprocess.STDOUT,
                                     env=self.env)
        if wait:
            self.wait_healthy()
        return self

    def url(self, path):
        return f"http://127.0.0.1:{self.api_port}{path}"

    def wait_healthy(self, timeout=20):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"cairnd exited early:\n{self.output()}")
            try:
                with urllib.request.urlopen(self.url("/health"), timeout=1) as r:
                    if r.status == 200:
                        return
            except OSError:
                time.sleep(0.05)
        raise AssertionError(f"cairnd not healthy after {timeout}s:\n{self.output()}")

    def output(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode(errors="replace")

    def stop(self, sig=15, timeout=20):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            self.proc.wait(timeout=timeout)
        return self.proc.returncode


@pytest.fixture
def cairnd(tmp_path):
    daemon = Cairnd(tmp_path / "data").start()
    yield daemon
    daemon.stop()


S3_ACCESS_KEY = "CAIRNTESTACCESSKEY01"
S3_SECRET_KEY = "cairn/test/secret/key/0123456789abcdefghij"


@pytest.fixture
def s3d(tmp_path):
    """cairnd with the S3 face on a free port and known credentials."""
    daemon = Cairnd(tmp_path / "data", s3=True,
                    extra_args=["--s3-access-key", S3_ACCESS_KEY,
                                "--s3-secret-key", S3_SECRET_KEY]).start()
    daemon.s3_url = f"http://127.0.0.1:{daemon.s3_port}"
    yield daemon
    daemon.stop()


@pytest.fixture
def respd(tmp_path):
    """cairnd with the RESP face on a free port (and a Unix socket)."""
    sock = str(tmp_path / "cairn.sock")
    daemon = Cairnd(tmp_path / "data", resp=True,
                    extra_args=["--resp-unix-socket", sock]).start()
    daemon.unix_socket = sock
    yield daemon
    daemon.stop()


@pytest.fixture
def rpcd(tmp_path):
    """cairnd with the Session storage RPC face on a free port, sweeping expired messages every
    second."""
    daemon = Cairnd(tmp_path / "data", rpc=True,
                    extra_args=["--rpc-sweep-interval", "1"]).start()
    daemon.rpc_url = f"http://127.0.0.1:{daemon.rpc_port}/storage_rpc/v1"
    yield daemon
    daemon.stop()
