#include "models/objects/access_token.h"

#include <gtest/gtest.h>

namespace cairn::objects {
namespace {

TEST(AccessTokenTest, SignVerifyScopeExpiryTamper) {
  auto env = core::NewMemEnv();
  ASSERT_TRUE(core::CreateDirs(env.get(), "/d").ok());
  EXPECT_EQ(AccessTokenKey::LoadOrCreate(env.get(), "/d/k", false).status().code(),
            StatusCode::kNotFound);
  auto key = AccessTokenKey::LoadOrCreate(env.get(), "/d/k", true).value();
  AccessGrant g{"photos", "2026/", true, false, 1000};
  std::string token = key.Sign(g);
  auto got = key.Verify(token, 999).value();
  EXPECT_EQ(got.bucket, "photos");
  EXPECT_EQ(got.key, "2026/");
  EXPECT_TRUE(got.prefix);
  EXPECT_FALSE(got.write);
  EXPECT_TRUE(got.Allows("photos", "2026/a.jpg", false));
  EXPECT_FALSE(got.Allows("photos", "2026/a.jpg", true));
  EXPECT_FALSE(got.Allows("photos", "2025/a.jpg", false));
  EXPECT_FALSE(got.Allows("other", "2026/a.jpg", false));
  EXPECT_EQ(key.Verify(token, 1000).status().code(), StatusCode::kPermissionDenied);
  // Every single-character change is refused.
  for (size_t i = 0; i < token.size(); ++i) {
    std::string bad = token;
    bad[i] = bad[i] == 'A' ? 'B' : 'A';
    EXPECT_FALSE(key.Verify(bad, 0).ok()) << i;
  }
  EXPECT_FALSE(key.Verify("", 0).ok());
  EXPECT_FALSE(key.Verify("!!!", 0).ok());
  // The key reloads from its file and still verifies; another key does not.
  auto again = AccessTokenKey::LoadOrCreate(env.get(), "/d/k", false).value();
  EXPECT_TRUE(again.Verify(token, 0).ok());
  auto other = AccessTokenKey::LoadOrCreate(env.get(), "/d/other", true).value();
  EXPECT_EQ(other.Verify(token, 0).status().code(), StatusCode::kPermissionDenied);
  // An object-scoped write grant covers exactly its key.
  auto w = key.Verify(key.Sign(AccessGrant{"b", "k", false, true, 50}), 10).value();
  EXPECT_TRUE(w.Allows("b", "k", true));
  EXPECT_FALSE(w.Allows("b", "k2", false));
}

}  // namespace
}  // namespace cairn::objects
