"""cairnd as an operator sees it: health, metrics, config, locking, clear start-up errors."""
import os
import signal
import socket
import subprocess

from conftest import Cairnd, binary, free_port


def curl(*args):
    return subprocess.run(["curl", "-sS", *args], capture_output=True, text=True, timeout=30)


def test_health_answers_ok(cairnd):
    r = curl("-i", cairnd.url("/health"))
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("HTTP/1.1 200 OK")
    assert r.stdout.endswith("\n\nok\n")  # text mode folds \r\n


def test_metrics_are_prometheus_text(cairnd):
    curl(cairnd.url("/health"))
    r = curl("-i", cairnd.url("/metrics"))
    assert "HTTP/1.1 200 OK" in r.stdout
    assert "Content-Type: text/plain; version=0.0.4" in r.stdout
    assert '# TYPE cairn_build_info gauge' in r.stdout
    assert 'cairn_build_info{version="' in r.stdout
    assert 'cairn_http_requests_total{code="200",server="api"}' in r.stdout
    assert "cairn_http_request_duration_seconds_bucket" in r.stdout
    assert "cairn_uptime_seconds" in r.stdout


def test_unknown_path_and_wrong_method(cairnd):
    assert curl("-o", "/dev/null", "-w", "%{http_code}", cairnd.url("/nope")).stdout == "404"
    r = curl("-i", "-X", "DELETE", cairnd.url("/health"))
    assert "405 Method Not Allowed" in r.stdout and "Allow: GET" in r.stdout


def test_keep_alive_reuses_one_connection(cairnd):
    r = curl("-v", cairnd.url("/health"), cairnd.url("/health"))
    assert r.stdout == "ok\nok\n"
    assert "Re-using existing connection" in r.stderr


def test_second_daemon_on_same_data_dir_is_refused(cairnd, tmp_path):
    second = Cairnd(tmp_path / "data")
    r = subprocess.run(second.args, capture_output=True, text=True, timeout=30)
    assert r.returncode != 0
    assert "data directory" in r.stderr and "is locked" in r.stderr, r.stderr
    # The first one is unharmed.
    assert curl(cairnd.url("/health")).stdout == "ok\n"


def test_port_in_use_is_a_clear_error(tmp_path):
    with socket.socket() as blocker:
        blocker.bind(("127.0.0.1", 0))
        blocker.listen()
        port = blocker.getsockname()[1]
        d = Cairnd(tmp_path / "data")
        args = [a if a != str(d.api_port) else str(port) for a in d.args]
        r = subprocess.run(args, capture_output=True, text=True, timeout=30)
    assert r.returncode == 1
    assert f"api port 127.0.0.1:{port} is already in use" in r.stderr, r.stderr


def test_unusable_data_dir(tmp_path):
    not_a_dir = tmp_path / "file"
    not_a_dir.write_text("x")
    d = Cairnd(not_a_dir)
    r = subprocess.run(d.args, capture_output=True, text=True, timeout=30)
    assert r.returncode == 1
    assert f"data directory {not_a_dir} is unusable" in r.stderr, r.stderr


def test_sigterm_and_sigint_stop_cleanly(tmp_path):
    for sig in (signal.SIGTERM, signal.SIGINT):
        d = Cairnd(tmp_path / f"data{int(sig)}").start()
        assert d.stop(sig) == 0
        assert "stopped cleanly" in d.output()
        # The lock is released: a new daemon can take the directory at once.
        again = Cairnd(tmp_path / f"data{int(sig)}").start()
        assert again.stop() == 0


def test_config_file_env_and_flags(tmp_path):
    port = free_port()
    cfg = tmp_path / "cairn.toml"
    cfg.write_text(f'api_port = {port}\ns3_port = 0\nresp_port = 0\nrpc_port = 0\n'
                   f'data_dir = "{tmp_path / "from-config"}"\n')
    proc = subprocess.Popen([binary("cairnd"), "--config", str(cfg)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        d = Cairnd(tmp_path / "unused")
        d.api_port = port
        d.proc = proc
        d.log_path = os.devnull
        d.wait_healthy()
        assert (tmp_path / "from-config" / "LOCK").exists()
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    # Environment variables name the same settings.
    env_port = free_port()
    d = Cairnd(tmp_path / "envdata")
    d.args = [binary("cairnd"), "--data-dir", str(tmp_path / "envdata")]
    d.env.update(CAIRN_API_PORT=str(env_port), CAIRN_S3_PORT="0", CAIRN_RESP_PORT="0",
                 CAIRN_RPC_PORT="0")
    d.api_port = env_port
    d.start()
    assert d.stop() == 0


def test_bad_config_names_the_key(tmp_path):
    cfg = tmp_path / "bad.toml"
    cfg.write_text('api_port = "ninety"\n')
    r = subprocess.run([binary("cairnd"), "--config", str(cfg)], capture_output=True, text=True,
                       timeout=30)
    assert r.returncode == 2
    assert f"key 'api_port': expected an integer in [0, 65535], got \"ninety\"" in r.stderr
    cfg.write_text('s3_prot = 1\n')
    r = subprocess.run([binary("cairnd"), "--config", str(cfg)], capture_output=True, text=True,
                       timeout=30)
    assert r.returncode == 2 and "unknown key 's3_prot'" in r.stderr


def test_version_and_help():
    r = subprocess.run([binary("cairnd"), "--version"], capture_output=True, text=True)
    assert r.returncode == 0 and r.stdout.startswith("cairnd ")
    r = subprocess.run([binary("cairnd"), "--help"], capture_output=True, text=True)
    assert r.returncode == 0 and "--data-dir" in r.stdout and "CAIRN_API_PORT" in r.stdout
