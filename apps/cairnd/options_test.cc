#include "apps/cairnd/options.h"

#include <gtest/gtest.h>

#include <map>

namespace cairn::cairnd {
namespace {

class OptionsTest : public ::testing::Test {
 protected:
  Result<DaemonOptions> Resolve(std::vector<const char*> args) {
    args.insert(args.begin(), "cairnd");
    GetEnvFn getenv = [this](const std::string& k) -> std::optional<std::string> {
      auto it = vars_.find(k);
      if (it == vars_.end()) return std::nullopt;
      return it->second;
    };
    return ResolveOptions(static_cast<int>(args.size()), args.data(), getenv, env_.get(),
                          &outcome_);
  }
  void WriteConfig(const std::string& text) {
    ASSERT_TRUE(core::WriteFileAtomically(env_.get(), "/c.toml", AsBytes(text)).ok());
  }

  std::unique_ptr<core::Env> env_ = core::NewMemEnv();
  std::map<std::string, std::string> vars_;
  ParseOutcome outcome_;
};

TEST_F(OptionsTest, Defaults) {
  auto o = Resolve({});
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_EQ(o->data_dir, "./data");
  EXPECT_EQ(o->bind, "127.0.0.1");
  EXPECT_EQ(o->s3_port, 9000);
  EXPECT_EQ(o->resp_port, 6379);
  EXPECT_EQ(o->rpc_port, 22021);
  EXPECT_EQ(o->api_port, 9100);
  EXPECT_EQ(outcome_, ParseOutcome::kRun);
}

TEST_F(OptionsTest, FlagsBeatEnvBeatConfig) {
  WriteConfig("data_dir = \"/from-config\"\napi_port = 1111\nresp_port = 2222\ns3_port = 0\n");
  vars_["CAIRN_API_PORT"] = "3333";
  vars_["CAIRN_CONFIG"] = "/c.toml";
  auto o = Resolve({"--resp-port", "4444", "--bind", "0.0.0.0"});
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_EQ(o->data_dir, "/from-config");
  EXPECT_EQ(o->api_port, 3333);
  EXPECT_EQ(o->resp_port, 4444);
  EXPECT_EQ(o->s3_port, 0);
  EXPECT_EQ(o->bind, "0.0.0.0");
  EXPECT_EQ(o->config_file, "/c.toml");
}

TEST_F(OptionsTest, ErrorsNameTheirSource) {
  auto bad_flag = Resolve({"--api-port", "99999"});
  EXPECT_EQ(bad_flag.status().message(),
            "--api-port: expected an integer in [0, 65535], got \"99999\"");
  vars_["CAIRN_S3_PORT"] = "abc";
  EXPECT_EQ(Resolve({}).status().message(),
            "CAIRN_S3_PORT: expected an integer in [0, 65535], got \"abc\"");
  vars_.clear();
  WriteConfig("api_prot = 1\n");
  EXPECT_EQ(Resolve({"--config", "/c.toml"}).status().message(), "/c.toml: unknown key 'api_prot'");
  WriteConfig("api_port = \"x\"\n");
  EXPECT_EQ(Resolve({"--config", "/c.toml"}).status().message(),
            "/c.toml: key 'api_port': expected an integer in [0, 65535], got \"x\"");
  EXPECT_EQ(Resolve({"--config", "/missing.toml"}).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(Resolve({"--no-such-flag"}).status().code(), StatusCode::kInvalidArgument);
}

TEST_F(OptionsTest, RpcTlsSettings) {
  auto defaults = Resolve({});
  ASSERT_TRUE(defaults.ok()) << defaults.status();
  EXPECT_EQ(defaults->rpc_tls_cert, "");
  EXPECT_EQ(defaults->rpc_tls_key, "");
  EXPECT_EQ(defaults->rpc_tls_self_signed, "no");
  WriteConfig("rpc_tls_cert = \"/etc/cairn/cert.pem\"\n");
  vars_["CAIRN_RPC_TLS_KEY"] = "/etc/cairn/key.pem";
  auto o = Resolve({"--config", "/c.toml", "--rpc-tls-self-signed", "yes"});
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_EQ(o->rpc_tls_cert, "/etc/cairn/cert.pem");
  EXPECT_EQ(o->rpc_tls_key, "/etc/cairn/key.pem");
  EXPECT_EQ(o->rpc_tls_self_signed, "yes");
}

TEST_F(OptionsTest, HelpExits) {
  testing::internal::CaptureStdout();
  auto o = Resolve({"--help"});
  std::string out = testing::internal::GetCapturedStdout();
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(outcome_, ParseOutcome::kExit);
  EXPECT_NE(out.find("--data-dir"), std::string::npos);
  EXPECT_NE(out.find("CAIRN_S3_PORT"), std::string::npos);
}

}  // namespace
}  // namespace cairn::cairnd
