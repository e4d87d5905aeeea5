#include "faces/eventlog/log_codec.h"

#include <gtest/gtest.h>

namespace cairn::eventlog_face {
namespace {

TEST(LogCodecTest, Base64RoundTripsAndIsStrict) {
  for (std::string s : {"", "f", "fo", "foo", "foob", "fooba", "foobar"}) {
    auto d = Base64Decode(Base64Encode(s));
    ASSERT_TRUE(d.ok());
    EXPECT_EQ(*d, s);
  }
  EXPECT_EQ(Base64Encode(std::string_view("foobar")), "Zm9vYmFy");
  EXPECT_FALSE(Base64Decode("Zm9").ok());
  EXPECT_FALSE(Base64Decode("Zm9=v===").ok());
  EXPECT_FALSE(Base64Decode("Zh==").ok());  // non-zero hidden bits
  EXPECT_FALSE(Base64Decode("Zm 9").ok());
}

TEST(LogCodecTest, Query) {
  auto q = ParseQuery("start=5&count=10&x=a%20b+c");
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(q->at("start"), "5");
  EXPECT_EQ(q->at("x"), "a b c");
  EXPECT_FALSE(ParseQuery("a=%4").ok());
  EXPECT_FALSE(ParseU64("-1", "n").ok());
  EXPECT_FALSE(ParseU64("", "n").ok());
  EXPECT_FALSE(ParseU64("18446744073709551616", "n").ok());
  EXPECT_EQ(*ParseU64("18446744073709551615", "n"), UINT64_MAX);
}

TEST(LogCodecTest, AppendBodies) {
  auto raw = ParseAppendBody("text/plain", "hello", 100);
  ASSERT_TRUE(raw.ok());
  EXPECT_EQ(raw->events, std::vector<std::string>{"hello"});
  auto js = ParseAppendBody("application/json; charset=utf-8",
                            R"({"events":["aGk=",""],"expected_size":3})", 100);
  ASSERT_TRUE(js.ok()) << js.status().ToString();
  EXPECT_EQ(js->events, (std::vector<std::string>{"hi", ""}));
  EXPECT_EQ(js->expected_size, 3u);
  auto bin = ParseAppendBody("application/x-cairn-events", EncodeEventsBody({"a", "", "ccc"}), 100);
  ASSERT_TRUE(bin.ok());
  EXPECT_EQ(bin->events, (std::vector<std::string>{"a", "", "ccc"}));

  EXPECT_FALSE(ParseAppendBody("text/plain", std::string(101, 'x'), 100).ok());
  EXPECT_FALSE(ParseAppendBody("application/json", R"({"events":[]})", 100).ok());
  EXPECT_FALSE(ParseAppendBody("application/json", R"({"events":[1]})", 100).ok());
  EXPECT_FALSE(ParseAppendBody("application/json", R"({"events":["!!"]})", 100).ok());
  EXPECT_FALSE(ParseAppendBody("application/json", R"([1,2])", 100).ok());
  EXPECT_FALSE(
      ParseAppendBody("application/json", R"({"events":["aGk="],"expected_size":-1})", 100).ok());
  EXPECT_FALSE(
      ParseAppendBody("application/x-cairn-events", std::string("\0\0\0\5ab", 6), 100).ok());
  EXPECT_FALSE(ParseAppendBody("application/x-cairn-events", "", 100).ok());
  EXPECT_FALSE(
      ParseAppendBody("application/x-cairn-events", EncodeEventsBody({"a", "b"}), 100, 1).ok());
}

TEST(LogCodecTest, SyncBatchRoundTrip) {
  SyncBatch b;
  b.start = 7;
  b.head_size = 100;
  b.end_root.fill(3);
  b.proof.resize(2);
  b.proof[1].fill(9);
  b.events = {"x", "", "zz"};
  auto d = DecodeSyncBatch(EncodeSyncBatch(b));
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(d->start, 7u);
  EXPECT_EQ(d->head_size, 100u);
  EXPECT_EQ(d->end_root, b.end_root);
  EXPECT_EQ(d->proof, b.proof);
  EXPECT_EQ(d->events, b.events);
  std::string enc = EncodeSyncBatch(b);
  EXPECT_FALSE(DecodeSyncBatch(enc.substr(0, enc.size() - 1)).ok());
  EXPECT_FALSE(DecodeSyncBatch(enc + "x").ok());
  EXPECT_FALSE(DecodeSyncBatch("CSB0" + enc.substr(4)).ok());
  b.start = 99;  // 3 events past a head of 100
  EXPECT_FALSE(DecodeSyncBatch(EncodeSyncBatch(b)).ok());
}

}  // namespace
}  // namespace cairn::eventlog_face
