#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "models/kv/internal/test_util.h"

namespace cairn::kv {
namespace {

using internal::SortedElements;
using Strings = std::vector<std::string>;

const char* kWrongType = "-WRONGTYPE Operation against a key holding the wrong kind of value";

class HashCommandsTest : public ::testing::Test, public internal::KvHarness {};

TEST_F(HashCommandsTest, SetGetAndDelete) {
  EXPECT_EQ(Do({"HSET", "h", "a", "1", "b", "2"}), ":2");
  EXPECT_EQ(Do({"hset", "h", "a", "10", "c", "3"}), ":1");
  EXPECT_EQ(Do({"HGET", "h", "a"}), "10");
  EXPECT_EQ(Do({"HGET", "h", "zz"}), "(nil)");
  EXPECT_EQ(Do({"HGET", "nokey", "a"}), "(nil)");
  EXPECT_EQ(Do({"HMGET", "h", "a", "zz", "c"}), "[10,(nil),3]");
  EXPECT_EQ(Do({"HMGET", "nokey", "a"}), "[(nil)]");
  EXPECT_EQ(Do({"HLEN", "h"}), ":3");
  EXPECT_EQ(Do({"HEXISTS", "h", "b"}), ":1");
  EXPECT_EQ(Do({"HEXISTS", "h", "x"}), ":0");
  EXPECT_EQ(Do({"HSTRLEN", "h", "a"}), ":2");
  EXPECT_EQ(Do({"HSTRLEN", "h", "x"}), ":0");
  EXPECT_EQ(Do({"HDEL", "h", "a", "x", "b"}), ":2");
  EXPECT_EQ(Do({"HDEL", "nokey", "a"}), ":0");
  EXPECT_EQ(store().DbSize(0), 1u);
  EXPECT_EQ(Do({"HDEL", "h", "c"}), ":1");
  EXPECT_EQ(store().DbSize(0), 0u);  // the empty hash is gone
  EXPECT_EQ(Do({"HLEN", "h"}), ":0");
}

TEST_F(HashCommandsTest, GetAllKeysValsAndMSet) {
  EXPECT_EQ(Do({"HMSET", "h", "a", "1", "b", "2"}), "+OK");
  Reply all = Exec({"HGETALL", "h"});
  EXPECT_EQ(all.kind, Reply::Kind::kMap);
  ASSERT_EQ(all.elements.size(), 4u);
  EXPECT_EQ(SortedElements(all), (Strings{"1", "2", "a", "b"}));
  EXPECT_EQ(SortedElements(Exec({"HKEYS", "h"})), (Strings{"a", "b"}));
  EXPECT_EQ(SortedElements(Exec({"HVALS", "h"})), (Strings{"1", "2"}));
  EXPECT_EQ(Do({"HGETALL", "nokey"}), "{}");
  EXPECT_EQ(Do({"HKEYS", "nokey"}), "[]");
  EXPECT_EQ(Do({"HSET", "h", "a"}), "-ERR wrong number of arguments for 'hset' command");
  EXPECT_EQ(Do({"HMSET", "h", "a", "1", "b"}),
            "-ERR wrong number of arguments for 'hmset' command");
  EXPECT_EQ(Do({"HSETNX", "h", "a", "9"}), ":0");
  EXPECT_EQ(Do({"HSETNX", "h", "c", "9"}), ":1");
  EXPECT_EQ(Do({"HGET", "h", "c"}), "9");
}

TEST_F(HashCommandsTest, Increments) {
  EXPECT_EQ(Do({"HINCRBY", "h", "n", "5"}), ":5");
  EXPECT_EQ(Do({"HINCRBY", "h", "n", "-7"}), ":-2");
  EXPECT_EQ(Do({"HINCRBY", "h", "n", "x"}), "-ERR value is not an integer or out of range");
  EXPECT_EQ(Do({"HSET", "h", "s", "abc", "big", "9223372036854775807"}), ":2");
  EXPECT_EQ(Do({"HINCRBY", "h", "s", "1"}), "-ERR hash value is not an integer");
  EXPECT_EQ(Do({"HINCRBY", "h", "big", "1"}), "-ERR increment or decrement would overflow");
  EXPECT_EQ(Do({"HINCRBYFLOAT", "h", "f", "10.5"}), "10.5");
  EXPECT_EQ(Do({"HINCRBYFLOAT", "h", "f", "0.1"}), "10.6");
  EXPECT_EQ(Do({"HINCRBYFLOAT", "h", "f", "-0.6"}), "10");
  EXPECT_EQ(Do({"HINCRBYFLOAT", "h", "s", "1"}), "-ERR hash value is not a float");
  EXPECT_EQ(Do({"HINCRBYFLOAT", "h", "f", "x"}), "-ERR value is not a valid float");
  EXPECT_EQ(Do({"HINCRBYFLOAT", "h", "f", "inf"}), "-ERR increment would produce NaN or Infinity");
  // A failed increment on a missing key leaves no empty hash behind.
  EXPECT_EQ(Do({"HINCRBY", "fresh", "n", "x"}), "-ERR value is not an integer or out of range");
  EXPECT_EQ(Do({"HLEN", "fresh"}), ":0");
}

TEST_F(HashCommandsTest, WrongType) {
  EXPECT_EQ(Do({"SADD", "s", "m"}), ":1");
  for (const Strings& cmd : std::vector<Strings>{{"HSET", "s", "a", "1"},
                                                 {"HSETNX", "s", "a", "1"},
                                                 {"HGET", "s", "a"},
                                                 {"HMGET", "s", "a"},
                                                 {"HGETALL", "s"},
                                                 {"HDEL", "s", "a"},
                                                 {"HLEN", "s"},
                                                 {"HKEYS", "s"},
                                                 {"HINCRBY", "s", "a", "1"},
                                                 {"HINCRBYFLOAT", "s", "a", "1"},
                                                 {"HSCAN", "s", "0"}}) {
    EXPECT_EQ(Do(cmd), kWrongType) << cmd[0];
  }
  EXPECT_EQ(Do({"HGET", "h"}), "-ERR wrong number of arguments for 'hget' command");
}

TEST_F(HashCommandsTest, ScanVisitsEveryFieldOnce) {
  for (int i = 0; i < 50; ++i) {
    Exec({"HSET", "h", "f" + std::to_string(i), std::to_string(i)});
  }
  Strings fields;
  std::string cursor = "0";
  int calls = 0;
  do {
    Reply r = Exec({"HSCAN", "h", cursor, "COUNT", "7"});
    ASSERT_EQ(r.elements.size(), 2u);
    cursor = r.elements[0].str;
    const auto& items = r.elements[1].elements;
    ASSERT_EQ(items.size() % 2, 0u);
    for (size_t i = 0; i < items.size(); i += 2) {
      EXPECT_EQ("f" + items[i + 1].str, items[i].str);
      fields.push_back(items[i].str);
    }
    ++calls;
  } while (cursor != "0" && calls < 100);
  EXPECT_EQ(fields.size(), 50u);
  std::sort(fields.begin(), fields.end());
  EXPECT_EQ(std::unique(fields.begin(), fields.end()), fields.end());
  EXPECT_GT(calls, 5);

  Reply m = Exec({"HSCAN", "h", "0", "MATCH", "f1*", "COUNT", "1000", "NOVALUES"});
  EXPECT_EQ(m.elements[0].str, "0");
  EXPECT_EQ(SortedElements(m.elements[1]).size(), 11u);  // f1, f10..f19
  EXPECT_EQ(Do({"HSCAN", "nokey", "0"}), "[0,[]]");
  EXPECT_EQ(Do({"HSCAN", "h", "x"}), "-ERR invalid cursor");
  EXPECT_EQ(Do({"HSCAN", "h", "0", "COUNT", "0"}), "-ERR syntax error");
  EXPECT_EQ(Do({"HSCAN", "h", "0", "BOGUS"}), "-ERR syntax error");
}

}  // namespace
}  // namespace cairn::kv
