#include "faces/session_rpc/encoding.h"

#include <gtest/gtest.h>

#include <string>

namespace cairn::session_rpc {
namespace {

TEST(Base64Test, Rfc4648Vectors) {
  const std::pair<std::string, std::string> cases[] = {
      {"", ""},
      {"f", "Zg=="},
      {"fo", "Zm8="},
      {"foo", "Zm9v"},
      {"foob", "Zm9vYg=="},
      {"fooba", "Zm9vYmE="},
      {"foobar", "Zm9vYmFy"},
  };
  for (const auto& [plain, encoded] : cases) {
    EXPECT_EQ(Base64Encode(plain), encoded);
    std::string unpadded = encoded;
    while (!unpadded.empty() && unpadded.back() == '=') unpadded.pop_back();
    EXPECT_EQ(Base64EncodeUnpadded(AsBytes(plain)), unpadded);
    EXPECT_EQ(Base64Decode(encoded).value(), plain) << encoded;
    EXPECT_EQ(Base64Decode(unpadded).value(), plain) << unpadded;
  }
}

TEST(Base64Test, StandardAlphabetBytes) {
  const std::string all = {'\xfb', '\xff', '\xbf'};
  EXPECT_EQ(Base64Encode(all), "+/+/");
  EXPECT_EQ(Base64Decode("+/+/").value(), all);
}

TEST(Base64Test, AcceptanceFollowsUpstream) {
  EXPECT_TRUE(IsBase64(""));
  EXPECT_TRUE(IsBase64("aGVsbG8="));
  EXPECT_TRUE(IsBase64("aGVsbG8"));  // padding optional
  EXPECT_TRUE(IsBase64("aGVsbA=="));
  EXPECT_FALSE(IsBase64("aGVsbG8=="));  // padding beyond a multiple of 4
  EXPECT_FALSE(IsBase64("aGVsb"));      // 4n+1 characters
  EXPECT_TRUE(IsBase64("aGU="));        // "he"
  EXPECT_FALSE(
      IsBase64("aGU"
               "=="));                 // 5 characters
  EXPECT_FALSE(IsBase64("aG="));       // '=' that does not pad to a multiple of 4
  EXPECT_FALSE(IsBase64("a==="));      // three '='
  EXPECT_FALSE(IsBase64("aG=sbG8="));  // '=' in the middle
  EXPECT_FALSE(IsBase64("aGVs-G8="));  // URL-safe alphabet is not accepted
  EXPECT_FALSE(IsBase64("aGVs_G8="));
  EXPECT_FALSE(IsBase64("aGVs bG8="));  // whitespace
  EXPECT_FALSE(Base64Decode("aGVs!G8=").ok());
}

TEST(Base64Test, UnusedLowBitsAreIgnored) {
  // "hello" is aGVsbG8=; the last character's two unused bits may be anything (upstream).
  EXPECT_EQ(Base64Decode("aGVsbG9=").value(), "hello");
  EXPECT_EQ(Base64Decode("aGVsbG/").value(), "hello");
}

TEST(HexTest, IsHex) {
  EXPECT_TRUE(IsHex(""));
  EXPECT_TRUE(IsHex("00ffAB"));
  EXPECT_FALSE(IsHex("0"));
  EXPECT_FALSE(IsHex("0g"));
  EXPECT_FALSE(IsHex("0x00"));
}

}  // namespace
}  // namespace cairn::session_rpc
