#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "models/kv/internal/test_util.h"

namespace cairn::kv {
namespace {

using Strings = std::vector<std::string>;

const char* kWrongType = "-WRONGTYPE Operation against a key holding the wrong kind of value";

class ListCommandsTest : public ::testing::Test, public internal::KvHarness {};

TEST_F(ListCommandsTest, PushPopRange) {
  EXPECT_EQ(Do({"RPUSH", "l", "a", "b"}), ":2");
  EXPECT_EQ(Do({"LPUSH", "l", "x", "y"}), ":4");
  EXPECT_EQ(Do({"LRANGE", "l", "0", "-1"}), "[y,x,a,b]");
  EXPECT_EQ(Do({"LRANGE", "l", "-2", "100"}), "[a,b]");
  EXPECT_EQ(Do({"LRANGE", "l", "3", "1"}), "[]");
  EXPECT_EQ(Do({"LRANGE", "nokey", "0", "-1"}), "[]");
  EXPECT_EQ(Do({"LRANGE", "l", "a", "1"}), "-ERR value is not an integer or out of range");
  EXPECT_EQ(Do({"LPUSHX", "nokey", "a"}), ":0");
  EXPECT_EQ(Do({"RPUSHX", "l", "z"}), ":5");
  EXPECT_EQ(Do({"LLEN", "l"}), ":5");
  EXPECT_EQ(Do({"LPOP", "l"}), "y");
  EXPECT_EQ(Do({"RPOP", "l"}), "z");
  EXPECT_EQ(Do({"LPOP", "l", "2"}), "[x,a]");
  EXPECT_EQ(Do({"RPOP", "l", "0"}), "[]");
  EXPECT_EQ(Do({"RPOP", "l", "5"}), "[b]");
  EXPECT_EQ(store().DbSize(0), 0u);
  EXPECT_EQ(Do({"LPOP", "l"}), "(nil)");
  EXPECT_EQ(Do({"LPOP", "l", "2"}), "(nil-array)");
  EXPECT_EQ(Do({"LPOP", "l", "-2"}), "-ERR value is out of range, must be positive");
  EXPECT_EQ(Do({"LPOP", "l", "1", "2"}), "-ERR wrong number of arguments for 'lpop' command");
}

TEST_F(ListCommandsTest, IndexSetRemTrimInsert) {
  Exec({"RPUSH", "l", "a", "b", "a", "c", "a"});
  EXPECT_EQ(Do({"LINDEX", "l", "1"}), "b");
  EXPECT_EQ(Do({"LINDEX", "l", "-1"}), "a");
  EXPECT_EQ(Do({"LINDEX", "l", "9"}), "(nil)");
  EXPECT_EQ(Do({"LSET", "l", "1", "B"}), "+OK");
  EXPECT_EQ(Do({"LSET", "l", "9", "B"}), "-ERR index out of range");
  EXPECT_EQ(Do({"LSET", "nokey", "0", "B"}), "-ERR no such key");
  EXPECT_EQ(Do({"LREM", "l", "-1", "a"}), ":1");
  EXPECT_EQ(Do({"LRANGE", "l", "0", "-1"}), "[a,B,a,c]");
  EXPECT_EQ(Do({"LREM", "l", "1", "a"}), ":1");
  EXPECT_EQ(Do({"LRANGE", "l", "0", "-1"}), "[B,a,c]");
  EXPECT_EQ(Do({"LINSERT", "l", "BEFORE", "a", "x"}), ":4");
  EXPECT_EQ(Do({"LINSERT", "l", "after", "c", "y"}), ":5");
  EXPECT_EQ(Do({"LINSERT", "l", "after", "zz", "y"}), ":-1");
  EXPECT_EQ(Do({"LINSERT", "nokey", "after", "zz", "y"}), ":0");
  EXPECT_EQ(Do({"LINSERT", "l", "middle", "a", "y"}), "-ERR syntax error");
  EXPECT_EQ(Do({"LRANGE", "l", "0", "-1"}), "[B,x,a,c,y]");
  EXPECT_EQ(Do({"LTRIM", "l", "1", "-2"}), "+OK");
  EXPECT_EQ(Do({"LRANGE", "l", "0", "-1"}), "[x,a,c]");
  EXPECT_EQ(Do({"LREM", "l", "0", "a"}), ":1");
  EXPECT_EQ(Do({"LTRIM", "l", "5", "10"}), "+OK");
  EXPECT_EQ(store().DbSize(0), 0u);
}

TEST_F(ListCommandsTest, MoveAndPos) {
  Exec({"RPUSH", "src", "a", "b", "c"});
  EXPECT_EQ(Do({"LMOVE", "src", "dst", "LEFT", "RIGHT"}), "a");
  EXPECT_EQ(Do({"RPOPLPUSH", "src", "dst"}), "c");
  EXPECT_EQ(Do({"LRANGE", "dst", "0", "-1"}), "[c,a]");
  EXPECT_EQ(Do({"LMOVE", "dst", "dst", "LEFT", "RIGHT"}), "c");  // rotation
  EXPECT_EQ(Do({"LRANGE", "dst", "0", "-1"}), "[a,c]");
  EXPECT_EQ(Do({"LMOVE", "src", "dst", "UP", "RIGHT"}), "-ERR syntax error");
  EXPECT_EQ(Do({"LMOVE", "nokey", "dst", "LEFT", "RIGHT"}), "(nil)");
  EXPECT_EQ(Do({"RPOPLPUSH", "src", "dst"}), "b");
  EXPECT_EQ(Do({"LLEN", "src"}), ":0");
  EXPECT_EQ(store().DbSize(0), 1u);

  Exec({"RPUSH", "p", "a", "b", "c", "1", "2", "3", "c", "c"});
  EXPECT_EQ(Do({"LPOS", "p", "c"}), ":2");
  EXPECT_EQ(Do({"LPOS", "p", "c", "RANK", "2"}), ":6");
  EXPECT_EQ(Do({"LPOS", "p", "c", "RANK", "-1"}), ":7");
  EXPECT_EQ(Do({"LPOS", "p", "c", "COUNT", "2"}), "[:2,:6]");
  EXPECT_EQ(Do({"LPOS", "p", "c", "COUNT", "0"}), "[:2,:6,:7]");
  EXPECT_EQ(Do({"LPOS", "p", "c", "RANK", "-1", "COUNT", "2"}), "[:7,:6]");
  EXPECT_EQ(Do({"LPOS", "p", "c", "COUNT", "0", "MAXLEN", "3"}), "[:2]");
  EXPECT_EQ(Do({"LPOS", "p", "zz"}), "(nil)");
  EXPECT_EQ(Do({"LPOS", "nokey", "zz", "COUNT", "1"}), "[]");
  EXPECT_EQ(Do({"LPOS", "p", "c", "RANK", "0"}),
            "-ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... "
            "or use negative to start from the end of the list");
  EXPECT_EQ(Do({"LPOS", "p", "c", "COUNT", "-1"}), "-ERR COUNT can't be negative");
  EXPECT_EQ(Do({"LPOS", "p", "c", "MAXLEN", "-1"}), "-ERR MAXLEN can't be negative");
  EXPECT_EQ(Do({"LPOS", "p", "c", "FOO", "1"}), "-ERR syntax error");
}

TEST_F(ListCommandsTest, WrongType) {
  Exec({"SADD", "s", "m"});
  Exec({"RPUSH", "l", "a"});
  for (const Strings& cmd : std::vector<Strings>{{"LPUSH", "s", "a"},
                                                 {"RPUSHX", "s", "a"},
                                                 {"LPOP", "s"},
                                                 {"RPOP", "s", "2"},
                                                 {"LRANGE", "s", "0", "1"},
                                                 {"LLEN", "s"},
                                                 {"LINDEX", "s", "0"},
                                                 {"LSET", "s", "0", "a"},
                                                 {"LREM", "s", "0", "a"},
                                                 {"LTRIM", "s", "0", "1"},
                                                 {"LINSERT", "s", "BEFORE", "a", "b"},
                                                 {"LMOVE", "s", "l", "LEFT", "LEFT"},
                                                 {"LMOVE", "l", "s", "LEFT", "LEFT"},
                                                 {"LPOS", "s", "a"}}) {
    EXPECT_EQ(Do(cmd), kWrongType) << cmd[0];
  }
  EXPECT_EQ(Do({"LRANGE", "l", "0", "-1"}), "[a]");  // the failed LMOVE moved nothing
}

}  // namespace
}  // namespace cairn::kv
