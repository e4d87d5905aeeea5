"""TLS on the Session storage RPC port (spec §1.1: upstream serves HTTPS with a self-signed
certificate that clients do not verify). cairnd started with `--rpc-tls-self-signed yes` (or a
configured certificate) serves the same RPC over HTTPS only; the PyNaCl Session client of
test_session_rpc.py talks to it with `requests` (verify=False), and plain HTTP gets no answer."""
import hashlib
import os
import socket
import ssl
import stat
import subprocess

import pytest
import requests

from conftest import Cairnd
from test_session_rpc import Client, SessionUser, b64, message_hash

# verify=False is the point (Session clients pin node keys, not certificates).
pytestmark = pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning")


class HttpsClient(Client):
    """The Session client over HTTPS, not verifying the node's certificate (as Session does)."""

    def call(self, method, params, **kw):
        return super().call(method, params, verify=False, **kw)


def start_tls(tmp_path, *args, name="data"):
    daemon = Cairnd(tmp_path / name, rpc=True, extra_args=list(args)).start()
    daemon.rpc_url = f"https://127.0.0.1:{daemon.rpc_port}/storage_rpc/v1"
    return daemon


def served_certificate(port):
    """The DER certificate the port presents, and the TLS version negotiated."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    with socket.create_connection(("127.0.0.1", port), timeout=10) as raw:
        with ctx.wrap_socket(raw) as tls:
            return tls.getpeercert(binary_form=True), tls.version()


def fingerprint(der):
    return ":".join(f"{b:02X}" for b in hashlib.sha256(der).digest())


def pem_file_der(path):
    with open(path) as f:
        return ssl.PEM_cert_to_DER_cert(f.read())


@pytest.fixture
def tlsd(tmp_path):
    daemon = start_tls(tmp_path, "--rpc-tls-self-signed", "yes")
    yield daemon
    daemon.stop()


def test_store_and_retrieve_over_https(tlsd):
    rpc = HttpsClient(tlsd.rpc_url)
    user = SessionUser()
    ts = rpc.now()
    code, body = rpc.store(user, b"over tls", timestamp=ts)
    assert code == 200, body
    assert body["hash"] == message_hash(user.pubkey, 0, b"over tls")
    got = rpc.retrieve(user)
    assert [m["data"] for m in got["messages"]] == [b64(b"over tls")]
    code, body = rpc.store(user, b"signed config", namespace=3)
    assert code == 200, body
    assert [m["data"] for m in rpc.retrieve(user, 3)["messages"]] == [b64(b"signed config")]
    # get_swarm announces the RPC port as port_https.
    snode = rpc.ok("get_swarm", {"pubkey": user.pubkey})["snodes"][0]
    assert snode["port_https"] == tlsd.rpc_port
    # Errors are answered inside TLS too.
    code, text = rpc.call("retrieve", {"pubkey": user.pubkey})
    assert (code, text) == (401, "retrieve: request signature required")


def test_plain_http_to_the_tls_port_fails(tlsd):
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.post(f"http://127.0.0.1:{tlsd.rpc_port}/storage_rpc/v1",
                      json={"method": "info", "params": {}}, timeout=10)
    # Raw bytes: the connection closes without an HTTP answer.
    with socket.create_connection(("127.0.0.1", tlsd.rpc_port), timeout=10) as s:
        s.sendall(b"GET /get_stats/v1 HTTP/1.1\r\nHost: x\r\n\r\n")
        try:
            data = s.recv(4096)
        except ConnectionResetError:
            data = b""
        assert b"HTTP/1.1" not in data
    # The server goes on serving HTTPS.
    assert HttpsClient(tlsd.rpc_url).ok("info", {})["hf"] == [19, 3]
    metrics = requests.get(tlsd.url("/metrics"), timeout=10).text
    assert 'cairn_http_tls_handshake_failures_total{server="session-rpc"} 2' in metrics


def test_self_signed_certificate_is_generated_once_and_logged(tmp_path):
    daemon = start_tls(tmp_path, "--rpc-tls-self-signed", "yes")
    session_dir = os.path.join(daemon.data_dir, "session")
    cert_path = os.path.join(session_dir, "tls-cert.pem")
    key_path = os.path.join(session_dir, "tls-key.pem")
    try:
        assert stat.S_IMODE(os.stat(key_path).st_mode) == 0o600
        der, version = served_certificate(daemon.rpc_port)
        assert version in ("TLSv1.2", "TLSv1.3")
        assert der == pem_file_der(cert_path)
        log = daemon.output()
        assert (f"session-rpc: HTTPS only, self-signed certificate generated into {cert_path} "
                f"(key {key_path}), SHA-256 {fingerprint(der)}") in log
        assert f"POST https://127.0.0.1:{daemon.rpc_port}/storage_rpc/v1" in log
        info = requests.get(daemon.url("/api/v1/session/info"), timeout=10).json()
        assert info["tls"] is True and info["tls_cert_sha256"] == fingerprint(der)
        assert info["rpc_url"] == daemon.rpc_url
    finally:
        assert daemon.stop() == 0
    # A restart serves the same certificate, read back from the data directory.
    again = Cairnd(tmp_path / "data", rpc=True,
                   extra_args=["--rpc-tls-self-signed", "yes"]).start()
    try:
        assert served_certificate(again.rpc_port)[0] == der
        assert f"self-signed certificate from {cert_path}" in again.output()
    finally:
        again.stop()


def test_configured_certificate(tmp_path):
    cert, key = str(tmp_path / "cert.pem"), str(tmp_path / "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:P-256", "-nodes", "-keyout", key, "-out", cert, "-days",
                    "2", "-subj", "/CN=configured.example"], check=True, capture_output=True)
    daemon = start_tls(tmp_path, "--rpc-tls-cert", cert, "--rpc-tls-key", key)
    try:
        assert served_certificate(daemon.rpc_port)[0] == pem_file_der(cert)
        assert f"session-rpc: HTTPS only, certificate {cert} (key {key})" in daemon.output()
        assert HttpsClient(daemon.rpc_url).ok("info", {})["version"] == [2, 6, 2]
        assert not os.path.exists(os.path.join(daemon.data_dir, "session", "tls-cert.pem"))
    finally:
        daemon.stop()


@pytest.mark.parametrize("args, text", [
    (["--rpc-tls-cert", "/nonexistent/cert.pem"],
     "rpc_tls_cert and rpc_tls_key must be set together"),
    (["--rpc-tls-self-signed", "true"], "rpc_tls_self_signed must be yes or no, not 'true'"),
    (["--rpc-tls-cert", "/nonexistent/c.pem", "--rpc-tls-key", "/nonexistent/k.pem"],
     "/nonexistent/c.pem"),
])
def test_bad_tls_settings_stop_cairnd(tmp_path, args, text):
    daemon = Cairnd(tmp_path / "data", rpc=True, extra_args=args).start(wait=False)
    assert daemon.proc.wait(timeout=30) == 1
    assert text in daemon.output()


def test_without_tls_settings_the_port_stays_plain_http(rpcd):
    assert Client(rpcd.rpc_url).ok("info", {})["hf"] == [19, 3]
    assert "session-rpc: plain HTTP" in rpcd.output()
    with pytest.raises(requests.exceptions.SSLError):
        requests.post(f"https://127.0.0.1:{rpcd.rpc_port}/storage_rpc/v1", verify=False,
                      json={"method": "info", "params": {}}, timeout=10)
