#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/env/env.h"
#include "models/kv/internal/test_util.h"
#include "models/kv/kv_store.h"

namespace cairn::kv {
namespace {

// An Env whose wall clock the test sets, so TTLs need no sleeping.
using internal::ClockEnv;

class StringCommandsTest : public ::testing::Test {
 protected:
  StringCommandsTest() : store_(Options(&env_)) {}
  static KvOptions Options(core::Env* env) {
    KvOptions o;
    o.env = env;
    o.shards = 4;
    return o;
  }
  Reply Run(std::vector<std::string> argv) { return store_.Execute(0, argv); }

  void ExpectBulk(std::vector<std::string> argv, const std::string& want) {
    Reply r = Run(argv);
    EXPECT_EQ(r.kind, Reply::Kind::kBulk) << argv[0] << " " << r.str;
    EXPECT_EQ(r.str, want) << argv[0];
  }
  void ExpectInt(std::vector<std::string> argv, int64_t want) {
    Reply r = Run(argv);
    EXPECT_EQ(r.kind, Reply::Kind::kInt) << argv[0] << " " << r.str;
    EXPECT_EQ(r.integer, want) << argv[0];
  }
  void ExpectNil(std::vector<std::string> argv) {
    Reply r = Run(argv);
    EXPECT_EQ(r.kind, Reply::Kind::kNil) << argv[0] << " " << r.str;
  }
  void ExpectOk(std::vector<std::string> argv) {
    Reply r = Run(argv);
    EXPECT_EQ(r.kind, Reply::Kind::kStatus) << argv[0] << " " << r.str;
    EXPECT_EQ(r.str, "OK");
  }
  void ExpectError(std::vector<std::string> argv, const std::string& want) {
    Reply r = Run(argv);
    EXPECT_EQ(r.kind, Reply::Kind::kError) << argv[0];
    EXPECT_EQ(r.str, want) << argv[0];
  }
  void MakeHash(const std::string& key) {
    Reply r = Run({"hset", key, "f", "v"});
    if (r.is_error()) GTEST_SKIP() << "HSET not available: " << r.str;
  }

  ClockEnv env_;
  KvStore store_;
};

constexpr char kWrongType[] = "WRONGTYPE Operation against a key holding the wrong kind of value";
constexpr char kNotInt[] = "ERR value is not an integer or out of range";

TEST_F(StringCommandsTest, GetSetBasics) {
  ExpectNil({"get", "k"});
  ExpectOk({"set", "k", "v"});
  ExpectBulk({"GET", "k"}, "v");
  ExpectOk({"set", "k", ""});
  ExpectBulk({"get", "k"}, "");
  ExpectError({"get"}, "ERR wrong number of arguments for 'get' command");
  ExpectError({"set", "k"}, "ERR wrong number of arguments for 'set' command");
}

TEST_F(StringCommandsTest, SetNxXx) {
  ExpectNil({"set", "k", "v", "xx"});
  ExpectNil({"get", "k"});
  ExpectOk({"set", "k", "v", "NX"});
  ExpectNil({"set", "k", "w", "nx"});
  ExpectBulk({"get", "k"}, "v");
  ExpectOk({"set", "k", "w", "xx"});
  ExpectBulk({"get", "k"}, "w");
  ExpectError({"set", "k", "v", "nx", "xx"}, "ERR syntax error");
  ExpectError({"set", "k", "v", "bogus"}, "ERR syntax error");
}

TEST_F(StringCommandsTest, SetGet) {
  ExpectNil({"set", "k", "a", "get"});
  ExpectBulk({"set", "k", "b", "GET"}, "a");
  ExpectBulk({"get", "k"}, "b");
  // NX with GET: the old value comes back and nothing is written.
  ExpectBulk({"set", "k", "c", "nx", "get"}, "b");
  ExpectBulk({"get", "k"}, "b");
  ExpectNil({"set", "missing", "c", "xx", "get"});
  ExpectNil({"get", "missing"});
}

TEST_F(StringCommandsTest, SetGetWrongType) {
  MakeHash("h");
  ExpectError({"set", "h", "v", "get"}, kWrongType);
  ExpectOk({"set", "h", "v"});  // plain SET replaces any type
  ExpectBulk({"get", "h"}, "v");
}

TEST_F(StringCommandsTest, SetExpiry) {
  ExpectOk({"set", "k", "v", "ex", "10"});
  ExpectInt({"ttl", "k"}, 10);
  ExpectOk({"set", "k", "v", "px", "1500"});
  ExpectInt({"pttl", "k"}, 1500);
  int64_t now = static_cast<int64_t>(env_.now_ms);
  ExpectOk({"set", "k", "v", "exat", std::to_string(now / 1000 + 100)});
  ExpectInt({"ttl", "k"}, 100);
  ExpectOk({"set", "k", "v", "pxat", std::to_string(now + 2000)});
  ExpectInt({"pttl", "k"}, 2000);
  env_.now_ms += 2000;
  ExpectNil({"get", "k"});
}

TEST_F(StringCommandsTest, SetKeepTtl) {
  ExpectOk({"set", "k", "v", "ex", "100"});
  ExpectOk({"set", "k", "w", "keepttl"});
  ExpectInt({"ttl", "k"}, 100);
  ExpectOk({"set", "k", "x"});
  ExpectInt({"ttl", "k"}, -1);
  ExpectError({"set", "k", "v", "keepttl", "ex", "10"}, "ERR syntax error");
  ExpectError({"set", "k", "v", "ex", "10", "keepttl"}, "ERR syntax error");
}

TEST_F(StringCommandsTest, SetExpiryErrors) {
  ExpectError({"set", "k", "v", "ex", "0"}, "ERR invalid expire time in 'set' command");
  ExpectError({"set", "k", "v", "px", "-5"}, "ERR invalid expire time in 'set' command");
  ExpectError({"set", "k", "v", "ex", "9223372036854775807"},
              "ERR invalid expire time in 'set' command");
  ExpectError({"set", "k", "v", "px", "9223372036854775807"},
              "ERR invalid expire time in 'set' command");
  ExpectError({"set", "k", "v", "ex", "abc"}, kNotInt);
  ExpectError({"set", "k", "v", "ex"}, "ERR syntax error");
  ExpectError({"set", "k", "v", "ex", "10", "px", "100"}, "ERR syntax error");
  ExpectOk({"set", "k", "v", "ex", "10", "ex", "20"});  // the same option twice: last wins
  ExpectInt({"ttl", "k"}, 20);
  ExpectNil({"get", "nothing"});
}

TEST_F(StringCommandsTest, SetNxCommand) {
  ExpectInt({"setnx", "k", "a"}, 1);
  ExpectInt({"setnx", "k", "b"}, 0);
  ExpectBulk({"get", "k"}, "a");
}

TEST_F(StringCommandsTest, SetExPSetEx) {
  ExpectOk({"setex", "k", "10", "v"});
  ExpectInt({"ttl", "k"}, 10);
  ExpectBulk({"get", "k"}, "v");
  ExpectOk({"psetex", "k", "2500", "w"});
  ExpectInt({"pttl", "k"}, 2500);
  ExpectError({"setex", "k", "0", "v"}, "ERR invalid expire time in 'setex' command");
  ExpectError({"psetex", "k", "-1", "v"}, "ERR invalid expire time in 'psetex' command");
  ExpectError({"setex", "k", "x", "v"}, kNotInt);
}

TEST_F(StringCommandsTest, GetSetGetDel) {
  ExpectNil({"getset", "k", "a"});
  ExpectOk({"set", "k", "b", "ex", "100"});
  ExpectBulk({"getset", "k", "c"}, "b");
  ExpectInt({"ttl", "k"}, -1);  // GETSET drops the TTL
  ExpectBulk({"getdel", "k"}, "c");
  ExpectNil({"getdel", "k"});
  ExpectInt({"exists", "k"}, 0);
  MakeHash("h");
  ExpectError({"getset", "h", "v"}, kWrongType);
  ExpectError({"getdel", "h"}, kWrongType);
}

TEST_F(StringCommandsTest, GetEx) {
  ExpectNil({"getex", "k"});
  ExpectOk({"set", "k", "v"});
  ExpectBulk({"getex", "k"}, "v");
  ExpectInt({"ttl", "k"}, -1);
  ExpectBulk({"getex", "k", "EX", "50"}, "v");
  ExpectInt({"ttl", "k"}, 50);
  ExpectBulk({"getex", "k", "px", "1234"}, "v");
  ExpectInt({"pttl", "k"}, 1234);
  int64_t now = static_cast<int64_t>(env_.now_ms);
  ExpectBulk({"getex", "k", "exat", std::to_string(now / 1000 + 30)}, "v");
  ExpectInt({"ttl", "k"}, 30);
  ExpectBulk({"getex", "k", "persist"}, "v");
  ExpectInt({"ttl", "k"}, -1);
  // An absolute time in the past deletes the key after returning it.
  ExpectBulk({"getex", "k", "pxat", std::to_string(now - 1)}, "v");
  ExpectInt({"exists", "k"}, 0);
  ExpectOk({"set", "k", "v"});
  ExpectError({"getex", "k", "ex", "0"}, "ERR invalid expire time in 'getex' command");
  ExpectError({"getex", "k", "ex", "1", "persist"}, "ERR syntax error");
  ExpectError({"getex", "k", "persist", "px", "1"}, "ERR syntax error");
  ExpectError({"getex", "k", "ex"}, "ERR syntax error");
  ExpectError({"getex", "k", "bogus"}, "ERR syntax error");
  ExpectError({"getex", "k", "ex", "nope"}, kNotInt);
  MakeHash("h");
  ExpectError({"getex", "h"}, kWrongType);
}

TEST_F(StringCommandsTest, MGetMSet) {
  ExpectOk({"mset", "a", "1", "b", "2"});
  Reply r = Run({"mget", "a", "missing", "b"});
  ASSERT_EQ(r.kind, Reply::Kind::kArray);
  ASSERT_EQ(r.elements.size(), 3u);
  EXPECT_EQ(r.elements[0].kind, Reply::Kind::kBulk);
  EXPECT_EQ(r.elements[0].str, "1");
  EXPECT_EQ(r.elements[1].kind, Reply::Kind::kNil);
  EXPECT_EQ(r.elements[2].str, "2");
  ExpectError({"mset", "a", "1", "b"}, "ERR wrong number of arguments for 'mset' command");
  ExpectError({"msetnx", "a"}, "ERR wrong number of arguments for 'msetnx' command");
  ExpectInt({"msetnx", "a", "x", "c", "3"}, 0);
  ExpectNil({"get", "c"});
  ExpectBulk({"get", "a"}, "1");
  ExpectInt({"msetnx", "c", "3", "d", "4"}, 1);
  ExpectBulk({"get", "d"}, "4");
  MakeHash("h");
  r = Run({"mget", "h", "a"});
  ASSERT_EQ(r.elements.size(), 2u);
  EXPECT_EQ(r.elements[0].kind, Reply::Kind::kNil);  // MGET never errors on type
}

TEST_F(StringCommandsTest, AppendStrLen) {
  ExpectInt({"strlen", "k"}, 0);
  ExpectInt({"append", "k", "Hello"}, 5);
  ExpectInt({"append", "k", " World"}, 11);
  ExpectBulk({"get", "k"}, "Hello World");
  ExpectInt({"strlen", "k"}, 11);
  ExpectOk({"set", "t", "x", "ex", "100"});
  ExpectInt({"append", "t", "y"}, 2);
  ExpectInt({"ttl", "t"}, 100);  // APPEND keeps the TTL
  MakeHash("h");
  ExpectError({"append", "h", "x"}, kWrongType);
  ExpectError({"strlen", "h"}, kWrongType);
}

TEST_F(StringCommandsTest, IncrDecr) {
  ExpectInt({"incr", "n"}, 1);
  ExpectInt({"incrby", "n", "10"}, 11);
  ExpectInt({"decr", "n"}, 10);
  ExpectInt({"decrby", "n", "-5"}, 15);
  ExpectBulk({"get", "n"}, "15");
  ExpectOk({"set", "n", "-3"});
  ExpectInt({"incr", "n"}, -2);
  ExpectOk({"set", "s", "abc"});
  ExpectError({"incr", "s"}, kNotInt);
  ExpectOk({"set", "s", " 1"});
  ExpectError({"incr", "s"}, kNotInt);
  ExpectOk({"set", "s", "01"});
  ExpectError({"incr", "s"}, kNotInt);
  ExpectError({"incrby", "n", "1.5"}, kNotInt);
  ExpectOk({"set", "max", "9223372036854775807"});
  ExpectError({"incr", "max"}, "ERR increment or decrement would overflow");
  ExpectOk({"set", "min", "-9223372036854775808"});
  ExpectError({"decr", "min"}, "ERR increment or decrement would overflow");
  ExpectError({"decrby", "n", "-9223372036854775808"}, "ERR decrement would overflow");
  ExpectOk({"set", "t", "1", "ex", "100"});
  ExpectInt({"incr", "t"}, 2);
  ExpectInt({"ttl", "t"}, 100);
  MakeHash("h");
  ExpectError({"incr", "h"}, kWrongType);
}

TEST_F(StringCommandsTest, IncrByFloat) {
  ExpectOk({"set", "f", "10.50"});
  ExpectBulk({"incrbyfloat", "f", "0.1"}, "10.6");
  ExpectBulk({"incrbyfloat", "f", "-5"}, "5.6");
  ExpectOk({"set", "f", "5.0e3"});
  ExpectBulk({"incrbyfloat", "f", "2.0e2"}, "5200");
  ExpectBulk({"incrbyfloat", "new", "3"}, "3");
  ExpectBulk({"incrbyfloat", "new", "-3"}, "0");
  ExpectError({"incrbyfloat", "new", "abc"}, "ERR value is not a valid float");
  ExpectError({"incrbyfloat", "new", "inf"}, "ERR increment would produce NaN or Infinity");
  ExpectOk({"set", "s", "x"});
  ExpectError({"incrbyfloat", "s", "1"}, "ERR value is not a valid float");
  MakeHash("h");
  ExpectError({"incrbyfloat", "h", "1"}, kWrongType);
}

TEST_F(StringCommandsTest, GetRange) {
  ExpectOk({"set", "k", "This is a string"});
  ExpectBulk({"getrange", "k", "0", "3"}, "This");
  ExpectBulk({"getrange", "k", "-3", "-1"}, "ing");
  ExpectBulk({"getrange", "k", "0", "-1"}, "This is a string");
  ExpectBulk({"getrange", "k", "10", "100"}, "string");
  ExpectBulk({"getrange", "k", "5", "3"}, "");
  ExpectBulk({"getrange", "k", "-1", "-5"}, "");
  ExpectBulk({"getrange", "k", "-100", "2"}, "Thi");
  ExpectBulk({"substr", "k", "0", "0"}, "T");
  ExpectBulk({"getrange", "missing", "0", "-1"}, "");
  ExpectError({"getrange", "k", "a", "1"}, kNotInt);
}

TEST_F(StringCommandsTest, SetRange) {
  ExpectOk({"set", "k", "Hello World"});
  ExpectInt({"setrange", "k", "6", "Redis"}, 11);
  ExpectBulk({"get", "k"}, "Hello Redis");
  ExpectInt({"setrange", "p", "3", "ab"}, 5);
  ExpectBulk({"get", "p"}, std::string("\0\0\0ab", 5));
  ExpectInt({"setrange", "empty", "5", ""}, 0);
  ExpectInt({"exists", "empty"}, 0);
  ExpectInt({"setrange", "k", "100", ""}, 11);
  ExpectError({"setrange", "k", "-1", "x"}, "ERR offset is out of range");
  ExpectError({"setrange", "k", "536870912", "x"},
              "ERR string exceeds maximum allowed size (proto-max-bulk-len)");
  ExpectError({"setrange", "k", "x", "x"}, kNotInt);
  MakeHash("h");
  ExpectError({"setrange", "h", "0", "x"}, kWrongType);
}

TEST_F(StringCommandsTest, WritesBumpKeyVersion) {
  ExpectOk({"set", "k", "1"});
  uint64_t v0 = store_.KeyVersion(0, "k");
  ExpectInt({"incr", "k"}, 2);
  uint64_t v1 = store_.KeyVersion(0, "k");
  EXPECT_NE(v0, v1);
  ExpectInt({"append", "k", "x"}, 2);
  EXPECT_NE(v1, store_.KeyVersion(0, "k"));
}

TEST_F(StringCommandsTest, Flags) {
  const CommandSpec* get = store_.registry().Find("get");
  ASSERT_NE(get, nullptr);
  EXPECT_EQ(get->arity, 2);
  EXPECT_TRUE(get->flags & kReadOnly);
  const CommandSpec* mset = store_.registry().Find("mset");
  ASSERT_NE(mset, nullptr);
  EXPECT_EQ(mset->arity, -3);
  EXPECT_EQ(mset->step, 2);
  EXPECT_EQ(mset->last_key, -1);
  EXPECT_TRUE(mset->flags & kWrite);
  EXPECT_TRUE(mset->flags & kDenyOom);
}

}  // namespace
}  // namespace cairn::kv
