#include "core/config.h"

#include <gtest/gtest.h>

namespace cairn::core {
namespace {

TEST(ConfigTest, TypedLookups) {
  auto config = Config::Parse(
      "s3_port = 9000\nbind = \"127.0.0.1\"\n[log]\nlevel = \"debug\"\nverbose = true\n",
      "test.toml");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->GetInt("s3_port", 0, 65535).value(), std::optional<int64_t>(9000));
  EXPECT_EQ(config->GetString("bind").value(), std::optional<std::string>("127.0.0.1"));
  EXPECT_EQ(config->GetString("log.level").value(), std::optional<std::string>("debug"));
  EXPECT_EQ(config->GetBool("log.verbose").value(), std::optional<bool>(true));
  EXPECT_FALSE(config->GetInt("missing", 0, 1).value().has_value());
  EXPECT_TRUE(config->CheckKnownKeys({"s3_port", "bind", "log.level", "log.verbose"}).ok());
}

TEST(ConfigTest, ErrorsNameTheKey) {
  auto config = Config::Parse("s3_port = \"abc\"\nresp_port = 70000\nname = 3\n", "c.toml");
  ASSERT_TRUE(config.ok());
  Status s = config->GetInt("s3_port", 0, 65535).status();
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "c.toml: key 's3_port': expected an integer in [0, 65535], got \"abc\"");
  EXPECT_EQ(config->GetInt("resp_port", 0, 65535).status().message(),
            "c.toml: key 'resp_port': expected an integer in [0, 65535], got 70000");
  EXPECT_EQ(config->GetString("name").status().message(),
            "c.toml: key 'name': expected a string, got 3");
  Status unknown = config->CheckKnownKeys({"s3_port", "resp_port"});
  EXPECT_EQ(unknown.message(), "c.toml: unknown key 'name'");
}

TEST(ConfigTest, SyntaxErrorsGiveLineAndColumn) {
  auto config = Config::Parse("a = 1\nb = = 2\n", "bad.toml");
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(config.status().message().substr(0, 11), "bad.toml:2:") << config.status();
}

TEST(ConfigTest, LoadFileThroughEnv) {
  auto env = NewMemEnv();
  ASSERT_TRUE(WriteFileAtomically(env.get(), "/c.toml", AsBytes("api_port = 1234\n")).ok());
  auto config = Config::LoadFile(env.get(), "/c.toml");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->GetInt("api_port", 0, 65535).value(), std::optional<int64_t>(1234));
  auto missing = Config::LoadFile(env.get(), "/nope.toml");
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace cairn::core
