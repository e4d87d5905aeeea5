#include "apps/cairnd/daemon.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <tuple>

#include "net/http_client.h"
#include "net/tls.h"

namespace cairn::cairnd {
namespace {

DaemonOptions TestOptions(const std::string& dir) {
  DaemonOptions o;
  o.data_dir = dir;
  o.s3_port = o.resp_port = o.rpc_port = 0;
  o.api_port = 0;
  o.threads = 1;
  return o;
}

// The engine's metadata (RocksDB) needs a real directory, so this test uses the real Env.
TEST(DaemonTest, SecondDaemonOnSameDataDirIsRefused) {
  core::Env* env = core::Env::Default();
  std::string dir = ::testing::TempDir() + "cairn-daemon-test-" + std::to_string(::getpid());
  Daemon first(TestOptions(dir), env);
  Status started = first.Start();
  ASSERT_TRUE(started.ok()) << started;
  Daemon second(TestOptions(dir), env);
  Status s = second.Start();
  EXPECT_EQ(s.code(), StatusCode::kUnavailable);
  EXPECT_EQ(s.message(), "data directory " + dir + " is locked by another cairnd process (LOCK)");
  first.Stop();
  started = second.Start();
  EXPECT_TRUE(started.ok()) << started;
  second.Stop();
  std::filesystem::remove_all(dir);
}

TEST(DaemonTest, DataDirThatIsAFileIsUnusable) {
  auto env = core::NewMemEnv();
  ASSERT_TRUE(core::WriteFileAtomically(env.get(), "/file", AsBytes("x")).ok());
  Daemon d(TestOptions("/file"), env.get());
  Status s = d.Start();
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("data directory /file is unusable"), std::string_view::npos) << s;
}

uint16_t FreePort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  socklen_t len = sizeof(addr);
  EXPECT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  ::close(fd);
  return ntohs(addr.sin_port);
}

// The API port's Session routes describe the running face (or say it is off).
TEST(DaemonTest, SessionApiOnTheApiPort) {
  using json = nlohmann::json;
  core::Env* env = core::Env::Default();
  std::string dir = ::testing::TempDir() + "cairn-daemon-api-test-" + std::to_string(::getpid());
  DaemonOptions o = TestOptions(dir);
  o.api_port = FreePort();
  o.rpc_port = FreePort();
  const std::string api = "http://127.0.0.1:" + std::to_string(o.api_port);
  {
    Daemon d(o, env);
    Status s = d.Start();
    ASSERT_TRUE(s.ok()) << s;
    auto info = net::HttpGet(api + "/api/v1/session/info");
    ASSERT_TRUE(info.ok()) << info.status();
    ASSERT_EQ(info->status, 200) << info->body;
    json j = json::parse(info->body);
    EXPECT_EQ(j["enabled"], true);
    EXPECT_EQ(j["rpc_port"], o.rpc_port);
    EXPECT_EQ(j["key_file"], dir + "/session/node-ed25519.key");
    auto key = core::ReadFileToString(env, dir + "/session/node-ed25519.key");
    ASSERT_TRUE(key.ok()) << key.status();
    EXPECT_EQ(j["pubkey_ed25519"], key->substr(64, 64));  // the public half of seed || pubkey
    auto stats = net::HttpGet(api + "/api/v1/session/stats");
    ASSERT_TRUE(stats.ok()) << stats.status();
    ASSERT_EQ(stats->status, 200) << stats->body;
    EXPECT_EQ(json::parse(stats->body)["messages"], 0);
  }
  o.rpc_port = 0;
  {
    Daemon d(o, env);
    Status s = d.Start();
    ASSERT_TRUE(s.ok()) << s;
    auto info = net::HttpGet(api + "/api/v1/session/info");
    ASSERT_TRUE(info.ok()) << info.status();
    EXPECT_EQ(json::parse(info->body)["enabled"], false);
    auto stats = net::HttpGet(api + "/api/v1/session/stats");
    ASSERT_TRUE(stats.ok()) << stats.status();
    EXPECT_EQ(stats->status, 404);
  }
  std::filesystem::remove_all(dir);
}

// The Session RPC face: opens the mailbox, serves on its port, keeps its node key across restarts.
TEST(DaemonTest, SessionRpcKeepsItsNodeKey) {
  core::Env* env = core::Env::Default();
  std::string dir = ::testing::TempDir() + "cairn-daemon-rpc-test-" + std::to_string(::getpid());
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  socklen_t len = sizeof(addr);
  ASSERT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  ::close(fd);
  DaemonOptions o = TestOptions(dir);
  o.rpc_port = ntohs(addr.sin_port);
  std::string key_path = dir + "/session/node-ed25519.key";
  std::string first_key;
  {
    Daemon d(o, env);
    Status s = d.Start();
    ASSERT_TRUE(s.ok()) << s;
    EXPECT_EQ(d.rpc_port(), o.rpc_port);
    auto key = core::ReadFileToString(env, key_path);
    ASSERT_TRUE(key.ok()) << key.status();
    first_key = *key;
    EXPECT_EQ(first_key.size(), 129u);
    d.Stop();
    EXPECT_EQ(d.rpc_port(), 0);
  }
  {
    Daemon d(o, env);
    Status s = d.Start();
    ASSERT_TRUE(s.ok()) << s;
    EXPECT_EQ(core::ReadFileToString(env, key_path).value_or(""), first_key);
  }
  std::filesystem::remove_all(dir);
}

// TLS on the Session RPC port: the option rules, and a self-signed pair made once and kept.
TEST(DaemonTest, SessionRpcSelfSignedTls) {
  using json = nlohmann::json;
  core::Env* env = core::Env::Default();
  std::string dir = ::testing::TempDir() + "cairn-daemon-tls-test-" + std::to_string(::getpid());
  DaemonOptions o = TestOptions(dir);
  o.api_port = FreePort();
  o.rpc_port = FreePort();
  for (auto [cert, key, self_signed, text] :
       {std::tuple{"", "", "maybe", "rpc_tls_self_signed must be yes or no, not 'maybe'"},
        std::tuple{"/c.pem", "", "no", "rpc_tls_cert and rpc_tls_key must be set together"},
        std::tuple{"/c.pem", "/k.pem", "yes", "exclude each other"}}) {
    DaemonOptions bad = o;
    bad.rpc_tls_cert = cert;
    bad.rpc_tls_key = key;
    bad.rpc_tls_self_signed = self_signed;
    Daemon d(bad, env);
    Status s = d.Start();
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << s;
    EXPECT_NE(s.message().find(text), std::string_view::npos) << s;
  }
  {
    DaemonOptions missing = o;
    missing.rpc_tls_cert = dir + "/nope-cert.pem";
    missing.rpc_tls_key = dir + "/nope-key.pem";
    Daemon d(missing, env);
    EXPECT_EQ(d.Start().code(), StatusCode::kNotFound);
  }

  o.rpc_tls_self_signed = "yes";
  const std::string cert_path = dir + "/session/tls-cert.pem";
  const std::string api = "http://127.0.0.1:" + std::to_string(o.api_port);
  std::string first_cert;
  json first_info;
  {
    Daemon d(o, env);
    Status s = d.Start();
    ASSERT_TRUE(s.ok()) << s;
    auto cert = core::ReadFileToString(env, cert_path);
    ASSERT_TRUE(cert.ok()) << cert.status();
    first_cert = *cert;
    EXPECT_TRUE(env->FileExists(dir + "/session/tls-key.pem"));
    auto info = net::HttpGet(api + "/api/v1/session/info");
    ASSERT_TRUE(info.ok()) << info.status();
    first_info = json::parse(info->body);
    EXPECT_EQ(first_info["tls"], true);
    EXPECT_EQ(first_info["rpc_url"],
              "https://127.0.0.1:" + std::to_string(o.rpc_port) + "/storage_rpc/v1");
    EXPECT_EQ(first_info["tls_cert_sha256"], net::CertificateFingerprintSha256(*cert).value());
  }
  {
    Daemon d(o, env);
    Status s = d.Start();
    ASSERT_TRUE(s.ok()) << s;
    EXPECT_EQ(core::ReadFileToString(env, cert_path).value_or(""), first_cert);
    auto info = net::HttpGet(api + "/api/v1/session/info");
    ASSERT_TRUE(info.ok()) << info.status();
    EXPECT_EQ(json::parse(info->body)["tls_cert_sha256"], first_info["tls_cert_sha256"]);
  }
  // The same pair as configured files; without any TLS setting the port is plain again.
  o.rpc_tls_self_signed = "no";
  o.rpc_tls_cert = cert_path;
  o.rpc_tls_key = dir + "/session/tls-key.pem";
  {
    Daemon d(o, env);
    Status s = d.Start();
    ASSERT_TRUE(s.ok()) << s;
    auto info = net::HttpGet(api + "/api/v1/session/info");
    ASSERT_TRUE(info.ok()) << info.status();
    EXPECT_EQ(json::parse(info->body)["tls_cert_sha256"], first_info["tls_cert_sha256"]);
  }
  o.rpc_tls_cert = o.rpc_tls_key = "";
  {
    Daemon d(o, env);
    Status s = d.Start();
    ASSERT_TRUE(s.ok()) << s;
    auto info = net::HttpGet(api + "/api/v1/session/info");
    ASSERT_TRUE(info.ok()) << info.status();
    EXPECT_EQ(json::parse(info->body)["tls"], false);
    EXPECT_EQ(json::parse(info->body)["tls_cert_sha256"], "");
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace cairn::cairnd
