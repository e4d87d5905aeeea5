#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "models/kv/internal/test_util.h"

namespace cairn::kv {
namespace {

using internal::SortedElements;
using Strings = std::vector<std::string>;

const char* kWrongType = "-WRONGTYPE Operation against a key holding the wrong kind of value";

class SetCommandsTest : public ::testing::Test, public internal::KvHarness {};

TEST_F(SetCommandsTest, AddRemoveMembers) {
  EXPECT_EQ(Do({"SADD", "s", "a", "b", "a", "c"}), ":3");
  EXPECT_EQ(Do({"SADD", "s", "a"}), ":0");
  EXPECT_EQ(Do({"SCARD", "s"}), ":3");
  Reply members = Exec({"SMEMBERS", "s"});
  EXPECT_EQ(members.kind, Reply::Kind::kSet);
  EXPECT_EQ(SortedElements(members), (Strings{"a", "b", "c"}));
  EXPECT_EQ(Do({"SISMEMBER", "s", "a"}), ":1");
  EXPECT_EQ(Do({"SISMEMBER", "s", "z"}), ":0");
  EXPECT_EQ(Do({"SMISMEMBER", "s", "a", "z"}), "[:1,:0]");
  EXPECT_EQ(Do({"SMISMEMBER", "nokey", "a"}), "[:0]");
  EXPECT_EQ(Do({"SREM", "s", "a", "z"}), ":1");
  EXPECT_EQ(Do({"SREM", "s", "b", "c"}), ":2");
  EXPECT_EQ(store().DbSize(0), 0u);
  EXPECT_EQ(Do({"SMEMBERS", "s"}), "~[]");
  EXPECT_EQ(Do({"SCARD", "s"}), ":0");
}

TEST_F(SetCommandsTest, PopAndRandom) {
  EXPECT_EQ(Do({"SPOP", "nokey"}), "(nil)");
  EXPECT_EQ(Do({"SPOP", "nokey", "3"}), "[]");
  EXPECT_EQ(Do({"SRANDMEMBER", "nokey"}), "(nil)");
  EXPECT_EQ(Do({"SRANDMEMBER", "nokey", "3"}), "[]");
  Exec({"SADD", "s", "a", "b", "c"});
  EXPECT_EQ(Do({"SPOP", "s", "-1"}), "-ERR value is out of range, must be positive");
  EXPECT_EQ(Do({"SPOP", "s", "x"}), "-ERR value is not an integer or out of range");
  EXPECT_EQ(Do({"SPOP", "s", "1", "2"}), "-ERR syntax error");
  EXPECT_EQ(Exec({"SRANDMEMBER", "s", "2"}).elements.size(), 2u);
  EXPECT_EQ(SortedElements(Exec({"SRANDMEMBER", "s", "10"})), (Strings{"a", "b", "c"}));
  EXPECT_EQ(Exec({"SRANDMEMBER", "s", "-10"}).elements.size(), 10u);
  EXPECT_EQ(Do({"SRANDMEMBER", "s", "0"}), "[]");
  std::string one = Exec({"SPOP", "s"}).str;
  EXPECT_EQ(Do({"SISMEMBER", "s", one}), ":0");
  EXPECT_EQ(Exec({"SPOP", "s", "5"}).elements.size(), 2u);
  EXPECT_EQ(store().DbSize(0), 0u);
}

TEST_F(SetCommandsTest, Algebra) {
  Exec({"SADD", "a", "1", "2", "3", "4"});
  Exec({"SADD", "b", "3", "4", "5"});
  Exec({"SADD", "c", "4", "6"});
  EXPECT_EQ(SortedElements(Exec({"SINTER", "a", "b", "c"})), (Strings{"4"}));
  EXPECT_EQ(Do({"SINTER", "a", "nokey"}), "~[]");
  EXPECT_EQ(SortedElements(Exec({"SUNION", "a", "nokey", "c"})),
            (Strings{"1", "2", "3", "4", "6"}));
  EXPECT_EQ(SortedElements(Exec({"SDIFF", "a", "b", "c"})), (Strings{"1", "2"}));
  EXPECT_EQ(Do({"SINTERSTORE", "d", "a", "b"}), ":2");
  EXPECT_EQ(SortedElements(Exec({"SMEMBERS", "d"})), (Strings{"3", "4"}));
  EXPECT_EQ(Do({"SUNIONSTORE", "d", "b", "c"}), ":4");
  EXPECT_EQ(Do({"SDIFFSTORE", "a", "a", "b"}), ":2");  // the destination may be a source
  EXPECT_EQ(SortedElements(Exec({"SMEMBERS", "a"})), (Strings{"1", "2"}));
  Exec({"HSET", "hh", "f", "v"});
  EXPECT_EQ(Do({"SUNIONSTORE", "hh", "c"}), ":2");           // replaces a key of any type
  EXPECT_EQ(Do({"SINTERSTORE", "hh", "nokey", "b"}), ":0");  // an empty result deletes
  EXPECT_EQ(Do({"SCARD", "hh"}), ":0");
  EXPECT_EQ(Do({"SINTERCARD", "2", "b", "d"}), ":3");
  EXPECT_EQ(Do({"SINTERCARD", "2", "b", "d", "LIMIT", "2"}), ":2");
  EXPECT_EQ(Do({"SINTERCARD", "0", "b"}), "-ERR numkeys should be greater than 0");
  Exec({"HSET", "h", "f", "v"});
  EXPECT_EQ(Do({"SINTER", "nokey", "h"}), kWrongType);
  EXPECT_EQ(Do({"SUNIONSTORE", "d", "a", "h"}), kWrongType);
}

TEST_F(SetCommandsTest, Move) {
  Exec({"SADD", "src", "a", "b"});
  EXPECT_EQ(Do({"SMOVE", "src", "dst", "a"}), ":1");
  EXPECT_EQ(Do({"SMOVE", "src", "dst", "zz"}), ":0");
  EXPECT_EQ(Do({"SMOVE", "nokey", "dst", "a"}), ":0");
  EXPECT_EQ(Do({"SMOVE", "src", "src", "b"}), ":1");
  EXPECT_EQ(Do({"SMOVE", "src", "dst", "b"}), ":1");
  EXPECT_EQ(store().DbSize(0), 1u);  // src emptied and removed
  EXPECT_EQ(SortedElements(Exec({"SMEMBERS", "dst"})), (Strings{"a", "b"}));
  Exec({"LPUSH", "l", "x"});
  EXPECT_EQ(Do({"SMOVE", "dst", "l", "a"}), kWrongType);
  EXPECT_EQ(Do({"SMOVE", "l", "dst", "a"}), kWrongType);
}

TEST_F(SetCommandsTest, WrongTypeAndScan) {
  Exec({"LPUSH", "l", "x"});
  for (const Strings& cmd : std::vector<Strings>{{"SADD", "l", "a"},
                                                 {"SREM", "l", "a"},
                                                 {"SMEMBERS", "l"},
                                                 {"SISMEMBER", "l", "a"},
                                                 {"SCARD", "l"},
                                                 {"SPOP", "l"},
                                                 {"SRANDMEMBER", "l"},
                                                 {"SSCAN", "l", "0"}}) {
    EXPECT_EQ(Do(cmd), kWrongType) << cmd[0];
  }
  for (int i = 0; i < 30; ++i) Exec({"SADD", "s", "m" + std::to_string(i)});
  Strings seen;
  std::string cursor = "0";
  do {
    Reply r = Exec({"SSCAN", "s", cursor, "COUNT", "4"});
    cursor = r.elements[0].str;
    for (const auto& e : r.elements[1].elements) seen.push_back(e.str);
  } while (cursor != "0");
  std::sort(seen.begin(), seen.end());
  EXPECT_EQ(seen.size(), 30u);
  EXPECT_EQ(std::unique(seen.begin(), seen.end()), seen.end());
  EXPECT_EQ(Exec({"SSCAN", "s", "0", "MATCH", "m2?", "COUNT", "100"}).elements[1].elements.size(),
            10u);
}

}  // namespace
}  // namespace cairn::kv
