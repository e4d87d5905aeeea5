#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "models/kv/internal/test_util.h"

namespace cairn::kv {
namespace {

using Strings = std::vector<std::string>;

const char* kWrongType = "-WRONGTYPE Operation against a key holding the wrong kind of value";

class ZSetCommandsTest : public ::testing::Test, public internal::KvHarness {
 protected:
  void SetUp() override { Exec({"ZADD", "z", "1", "a", "2", "b", "2", "c", "3.5", "d"}); }
};

TEST_F(ZSetCommandsTest, AddOptions) {
  EXPECT_EQ(Do({"ZADD", "z", "5", "a", "6", "e"}), ":1");
  EXPECT_EQ(Do({"ZADD", "z", "CH", "6", "a", "6", "e"}), ":1");
  EXPECT_EQ(Do({"ZADD", "z", "NX", "1", "a", "1", "f"}), ":1");
  EXPECT_EQ(Do({"ZSCORE", "z", "a"}), ",6");  // a double (a bulk string in RESP2)
  EXPECT_EQ(Do({"ZADD", "z", "XX", "CH", "7", "a", "7", "g"}), ":1");
  EXPECT_EQ(Do({"ZSCORE", "z", "g"}), "(nil)");
  EXPECT_EQ(Do({"ZADD", "z", "GT", "CH", "1", "a", "8", "b"}), ":1");
  EXPECT_EQ(Do({"ZSCORE", "z", "a"}), ",7");
  EXPECT_EQ(Do({"ZADD", "z", "LT", "CH", "1", "a"}), ":1");
  EXPECT_EQ(Do({"ZADD", "z", "INCR", "2.5", "a"}), ",3.5");
  EXPECT_EQ(Do({"ZADD", "z", "NX", "INCR", "2.5", "a"}), "(nil)");
  EXPECT_EQ(Do({"ZADD", "z", "GT", "INCR", "-1", "a"}), "(nil)");
  EXPECT_EQ(Do({"ZADD", "nokey", "XX", "1", "a"}), ":0");
  EXPECT_EQ(Do({"ZADD", "nokey", "XX", "INCR", "1", "a"}), "(nil)");
  EXPECT_EQ(store().DbSize(0), 1u);
  EXPECT_EQ(Do({"ZADD", "z", "NX", "XX", "1", "a"}),
            "-ERR XX and NX options at the same time are not compatible");
  EXPECT_EQ(Do({"ZADD", "z", "GT", "LT", "1", "a"}),
            "-ERR GT, LT, and/or NX options at the same time are not compatible");
  EXPECT_EQ(Do({"ZADD", "z", "NX", "GT", "1", "a"}),
            "-ERR GT, LT, and/or NX options at the same time are not compatible");
  EXPECT_EQ(Do({"ZADD", "z", "INCR", "1", "a", "2", "b"}),
            "-ERR INCR option supports a single increment-element pair");
  EXPECT_EQ(Do({"ZADD", "z", "x", "a"}), "-ERR value is not a valid float");
  EXPECT_EQ(Do({"ZADD", "z", "1", "a", "2"}), "-ERR syntax error");
  EXPECT_EQ(Do({"ZADD", "z", "-inf", "lo", "+inf", "hi"}), ":2");
  EXPECT_EQ(Do({"ZSCORE", "z", "lo"}), ",-inf");
  EXPECT_EQ(Do({"ZINCRBY", "z", "1.5", "new"}), ",1.5");
  EXPECT_EQ(Do({"ZINCRBY", "z", "x", "new"}), "-ERR value is not a valid float");
  EXPECT_EQ(Do({"ZINCRBY", "z", "-inf", "hi"}), "-ERR resulting score is not a number (NaN)");
}

TEST_F(ZSetCommandsTest, Reads) {
  EXPECT_EQ(Do({"ZCARD", "z"}), ":4");
  EXPECT_EQ(Do({"ZCARD", "nokey"}), ":0");
  EXPECT_EQ(Do({"ZSCORE", "z", "d"}), ",3.5");
  EXPECT_EQ(Do({"ZMSCORE", "z", "a", "zz", "d"}), "[,1,(nil),,3.5]");
  EXPECT_EQ(Do({"ZMSCORE", "nokey", "a"}), "[(nil)]");
  EXPECT_EQ(Do({"ZCOUNT", "z", "2", "+inf"}), ":3");
  EXPECT_EQ(Do({"ZCOUNT", "z", "(2", "3.5"}), ":1");
  EXPECT_EQ(Do({"ZCOUNT", "z", "-inf", "(2"}), ":1");
  EXPECT_EQ(Do({"ZCOUNT", "z", "x", "1"}), "-ERR min or max is not a float");
  EXPECT_EQ(Do({"ZRANK", "z", "c"}), ":2");
  EXPECT_EQ(Do({"ZREVRANK", "z", "c"}), ":1");
  EXPECT_EQ(Do({"ZRANK", "z", "d", "WITHSCORE"}), "[:3,3.5]");
  EXPECT_EQ(Do({"ZRANK", "z", "zz"}), "(nil)");
  EXPECT_EQ(Do({"ZRANK", "z", "zz", "WITHSCORE"}), "(nil-array)");
}

TEST_F(ZSetCommandsTest, Ranges) {
  EXPECT_EQ(Do({"ZRANGE", "z", "0", "-1"}), "[a,b,c,d]");
  EXPECT_EQ(Do({"ZRANGE", "z", "1", "2", "WITHSCORES"}), "[b,2,c,2]");
  EXPECT_EQ(Do({"ZRANGE", "z", "0", "1", "REV"}), "[d,c]");
  EXPECT_EQ(Do({"ZREVRANGE", "z", "0", "1", "WITHSCORES"}), "[d,3.5,c,2]");
  EXPECT_EQ(Do({"ZRANGE", "z", "(1", "3", "BYSCORE"}), "[b,c]");
  EXPECT_EQ(Do({"ZRANGE", "z", "+inf", "-inf", "BYSCORE", "REV", "LIMIT", "1", "2"}), "[c,b]");
  EXPECT_EQ(Do({"ZRANGEBYSCORE", "z", "-inf", "+inf", "LIMIT", "1", "-1"}), "[b,c,d]");
  EXPECT_EQ(Do({"ZREVRANGEBYSCORE", "z", "2", "1", "WITHSCORES"}), "[c,2,b,2,a,1]");
  EXPECT_EQ(Do({"ZRANGEBYSCORE", "z", "1", "x"}), "-ERR min or max is not a float");
  EXPECT_EQ(Do({"ZRANGE", "nokey", "0", "-1"}), "[]");
  EXPECT_EQ(Do({"ZRANGE", "z", "0", "1", "LIMIT", "0", "1"}),
            "-ERR syntax error, LIMIT is only supported in combination with either BYSCORE or "
            "BYLEX");
  EXPECT_EQ(Do({"ZRANGE", "z", "-", "+", "BYLEX", "WITHSCORES"}),
            "-ERR syntax error, WITHSCORES not supported in combination with BYLEX");
  EXPECT_EQ(Do({"ZRANGE", "z", "0", "1", "BYSCORE", "BYLEX"}), "-ERR syntax error");
  EXPECT_EQ(Do({"ZRANGE", "z", "x", "1"}), "-ERR value is not an integer or out of range");

  Exec({"ZADD", "lex", "0", "a", "0", "b", "0", "c", "0", "d"});
  EXPECT_EQ(Do({"ZRANGEBYLEX", "lex", "-", "+"}), "[a,b,c,d]");
  EXPECT_EQ(Do({"ZRANGEBYLEX", "lex", "[b", "(d"}), "[b,c]");
  EXPECT_EQ(Do({"ZRANGE", "lex", "+", "(b", "BYLEX", "REV", "LIMIT", "0", "1"}), "[d]");
  EXPECT_EQ(Do({"ZREVRANGEBYLEX", "lex", "[c", "-"}), "[c,b,a]");
  EXPECT_EQ(Do({"ZLEXCOUNT", "lex", "(a", "+"}), ":3");
  EXPECT_EQ(Do({"ZRANGEBYLEX", "lex", "b", "+"}), "-ERR min or max not valid string range item");
  EXPECT_EQ(Do({"ZRANGEBYLEX", "lex", "-", "+", "WITHSCORES"}), "-ERR syntax error");
}

TEST_F(ZSetCommandsTest, RemovalsAndPops) {
  EXPECT_EQ(Do({"ZPOPMIN", "z"}), "[a,1]");
  EXPECT_EQ(Do({"ZPOPMAX", "z", "2"}), "[d,3.5,c,2]");
  EXPECT_EQ(Do({"ZPOPMIN", "nokey"}), "[]");
  EXPECT_EQ(Do({"ZPOPMIN", "z", "-1"}), "-ERR value is out of range, must be positive");
  EXPECT_EQ(Do({"ZREM", "z", "b", "zz"}), ":1");
  EXPECT_EQ(store().DbSize(0), 0u);

  Exec({"ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e"});
  EXPECT_EQ(Do({"ZREMRANGEBYRANK", "z", "0", "1"}), ":2");
  EXPECT_EQ(Do({"ZREMRANGEBYSCORE", "z", "(3", "4"}), ":1");
  EXPECT_EQ(Do({"ZRANGE", "z", "0", "-1", "WITHSCORES"}), "[c,3,e,5]");
  EXPECT_EQ(Do({"ZREMRANGEBYSCORE", "z", "-inf", "+inf"}), ":2");
  EXPECT_EQ(store().DbSize(0), 0u);
  EXPECT_EQ(Do({"ZREMRANGEBYRANK", "z", "0", "-1"}), ":0");
}

TEST_F(ZSetCommandsTest, WrongTypeAndScan) {
  Exec({"RPUSH", "l", "a"});
  for (const Strings& cmd : std::vector<Strings>{{"ZADD", "l", "1", "a"},
                                                 {"ZINCRBY", "l", "1", "a"},
                                                 {"ZREM", "l", "a"},
                                                 {"ZSCORE", "l", "a"},
                                                 {"ZCARD", "l"},
                                                 {"ZRANGE", "l", "0", "1"},
                                                 {"ZRANGEBYSCORE", "l", "0", "1"},
                                                 {"ZRANK", "l", "a"},
                                                 {"ZPOPMIN", "l"},
                                                 {"ZREMRANGEBYRANK", "l", "0", "1"},
                                                 {"ZSCAN", "l", "0"}}) {
    EXPECT_EQ(Do(cmd), kWrongType) << cmd[0];
  }
  Reply r = Exec({"ZSCAN", "z", "0", "COUNT", "100"});
  EXPECT_EQ(r.elements[0].str, "0");
  EXPECT_EQ(r.elements[1].elements.size(), 8u);
  EXPECT_EQ(Do({"ZSCAN", "z", "0", "MATCH", "d"}), "[0,[d,3.5]]");
}

}  // namespace
}  // namespace cairn::kv
