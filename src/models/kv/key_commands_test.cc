#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "core/env/env.h"
#include "models/kv/internal/test_util.h"
#include "models/kv/kv_store.h"

namespace cairn::kv {
namespace {

// An Env whose wall clock the test sets, so TTLs need no sleeping.
using internal::ClockEnv;

class KeyCommandsTest : public ::testing::Test {
 protected:
  KeyCommandsTest() : store_(Options(&env_)) {}
  static KvOptions Options(core::Env* env) {
    KvOptions o;
    o.env = env;
    o.shards = 8;
    o.databases = 2;
    return o;
  }
  Reply Run(std::vector<std::string> argv, int db = 0) { return store_.Execute(db, argv); }

  void ExpectInt(std::vector<std::string> argv, int64_t want) {
    Reply r = Run(argv);
    EXPECT_EQ(r.kind, Reply::Kind::kInt) << argv[0] << " " << r.str;
    EXPECT_EQ(r.integer, want) << argv[0] << " " << (argv.size() > 1 ? argv[1] : "");
  }
  void ExpectStatus(std::vector<std::string> argv, const std::string& want) {
    Reply r = Run(argv);
    EXPECT_EQ(r.kind, Reply::Kind::kStatus) << argv[0] << " " << r.str;
    EXPECT_EQ(r.str, want);
  }
  void ExpectError(std::vector<std::string> argv, const std::string& want) {
    Reply r = Run(argv);
    EXPECT_EQ(r.kind, Reply::Kind::kError) << argv[0];
    EXPECT_EQ(r.str, want) << argv[0];
  }
  void ExpectBulk(std::vector<std::string> argv, const std::string& want) {
    Reply r = Run(argv);
    EXPECT_EQ(r.kind, Reply::Kind::kBulk) << argv[0] << " " << r.str;
    EXPECT_EQ(r.str, want);
  }
  void Set(const std::string& k, const std::string& v = "v") {
    ASSERT_EQ(Run({"set", k, v}).str, "OK");
  }
  static std::set<std::string> Strings(const Reply& r) {
    std::set<std::string> out;
    for (const Reply& e : r.elements) out.insert(e.str);
    return out;
  }
  int64_t Now() const { return static_cast<int64_t>(env_.now_ms); }

  ClockEnv env_;
  KvStore store_;
};

TEST_F(KeyCommandsTest, DelUnlinkExists) {
  Set("a");
  Set("b");
  Set("c");
  ExpectInt({"exists", "a", "a", "b", "zz"}, 3);  // duplicates count
  ExpectInt({"del", "a", "zz", "a"}, 1);
  ExpectInt({"unlink", "b", "c"}, 2);
  ExpectInt({"exists", "a", "b", "c"}, 0);
  ExpectError({"del"}, "ERR wrong number of arguments for 'del' command");
}

TEST_F(KeyCommandsTest, Touch) {
  Set("a");
  ExpectInt({"touch", "a", "a", "missing"}, 2);
}

TEST_F(KeyCommandsTest, ExpireTtl) {
  ExpectInt({"ttl", "k"}, -2);
  ExpectInt({"pttl", "k"}, -2);
  ExpectInt({"expire", "k", "10"}, 0);
  Set("k");
  ExpectInt({"ttl", "k"}, -1);
  ExpectInt({"pttl", "k"}, -1);
  ExpectInt({"expire", "k", "10"}, 1);
  ExpectInt({"ttl", "k"}, 10);
  ExpectInt({"pttl", "k"}, 10000);
  env_.now_ms += 9'400;
  ExpectInt({"ttl", "k"}, 1);  // 600 ms rounds up
  ExpectInt({"pttl", "k"}, 600);
  env_.now_ms += 600;
  ExpectInt({"ttl", "k"}, -2);
  ExpectInt({"exists", "k"}, 0);
}

TEST_F(KeyCommandsTest, PExpireAndAbsolute) {
  Set("k");
  ExpectInt({"pexpire", "k", "1500"}, 1);
  ExpectInt({"pttl", "k"}, 1500);
  ExpectInt({"expireat", "k", std::to_string(Now() / 1000 + 100)}, 1);
  ExpectInt({"ttl", "k"}, 100);
  ExpectInt({"expiretime", "k"}, Now() / 1000 + 100);
  ExpectInt({"pexpireat", "k", std::to_string(Now() + 777)}, 1);
  ExpectInt({"pttl", "k"}, 777);
  ExpectInt({"pexpiretime", "k"}, Now() + 777);
  ExpectInt({"expiretime", "missing"}, -2);
  Set("p");
  ExpectInt({"pexpiretime", "p"}, -1);
}

TEST_F(KeyCommandsTest, PastExpireDeletes) {
  Set("a");
  ExpectInt({"expire", "a", "0"}, 1);
  ExpectInt({"exists", "a"}, 0);
  Set("b");
  ExpectInt({"pexpire", "b", "-100"}, 1);
  ExpectInt({"exists", "b"}, 0);
  Set("c");
  ExpectInt({"expireat", "c", "1"}, 1);
  ExpectInt({"exists", "c"}, 0);
}

TEST_F(KeyCommandsTest, ExpireErrors) {
  Set("k");
  ExpectError({"expire", "k", "abc"}, "ERR value is not an integer or out of range");
  ExpectError({"expire", "k", "9223372036854775807"},
              "ERR invalid expire time in 'expire' command");
  ExpectError({"pexpire", "k", "9223372036854775807"},
              "ERR invalid expire time in 'pexpire' command");
  ExpectError({"expire", "k", "10", "foo"}, "ERR Unsupported option foo");
  ExpectError({"expire", "k", "10", "nx", "xx"},
              "ERR NX and XX, GT or LT options at the same time are not compatible");
  ExpectError({"expire", "k", "10", "gt", "lt"},
              "ERR GT and LT options at the same time are not compatible");
  ExpectError({"expire", "k"}, "ERR wrong number of arguments for 'expire' command");
  ExpectInt({"ttl", "k"}, -1);
}

TEST_F(KeyCommandsTest, ExpireOptions) {
  Set("k");
  ExpectInt({"expire", "k", "100", "xx"}, 0);
  ExpectInt({"expire", "k", "100", "gt"}, 0);  // no TTL counts as infinite
  ExpectInt({"expire", "k", "100", "NX"}, 1);
  ExpectInt({"expire", "k", "200", "nx"}, 0);
  ExpectInt({"ttl", "k"}, 100);
  ExpectInt({"expire", "k", "50", "gt"}, 0);
  ExpectInt({"expire", "k", "150", "gt"}, 1);
  ExpectInt({"expire", "k", "200", "lt"}, 0);
  ExpectInt({"expire", "k", "120", "lt"}, 1);
  ExpectInt({"expire", "k", "130", "xx"}, 1);
  ExpectInt({"ttl", "k"}, 130);
  Set("n");
  ExpectInt({"expire", "n", "100", "lt"}, 1);  // no TTL: any finite one is less
  ExpectInt({"ttl", "n"}, 100);
}

TEST_F(KeyCommandsTest, Persist) {
  ExpectInt({"persist", "k"}, 0);
  Set("k");
  ExpectInt({"persist", "k"}, 0);
  ExpectInt({"expire", "k", "10"}, 1);
  ExpectInt({"persist", "k"}, 1);
  ExpectInt({"ttl", "k"}, -1);
}

TEST_F(KeyCommandsTest, Type) {
  ExpectStatus({"type", "k"}, "none");
  Set("k");
  ExpectStatus({"type", "k"}, "string");
  if (!Run({"hset", "h", "f", "v"}).is_error()) ExpectStatus({"type", "h"}, "hash");
  if (!Run({"rpush", "l", "a"}).is_error()) ExpectStatus({"type", "l"}, "list");
}

TEST_F(KeyCommandsTest, Rename) {
  ExpectError({"rename", "a", "b"}, "ERR no such key");
  ExpectError({"renamenx", "a", "b"}, "ERR no such key");
  Set("a", "1");
  ExpectInt({"expire", "a", "100"}, 1);
  ExpectStatus({"rename", "a", "b"}, "OK");
  ExpectInt({"exists", "a"}, 0);
  ExpectBulk({"get", "b"}, "1");
  ExpectInt({"ttl", "b"}, 100);  // the TTL moves with the value
  ExpectStatus({"rename", "b", "b"}, "OK");
  Set("c", "3");
  ExpectStatus({"rename", "c", "b"}, "OK");  // overwrites
  ExpectBulk({"get", "b"}, "3");
  ExpectInt({"ttl", "b"}, -1);
  Set("d", "4");
  ExpectInt({"renamenx", "d", "b"}, 0);
  ExpectInt({"renamenx", "d", "e"}, 1);
  ExpectBulk({"get", "e"}, "4");
  ExpectInt({"renamenx", "e", "e"}, 0);
  // Many names, so some pairs land in different shards.
  for (int i = 0; i < 20; ++i) {
    Set("src" + std::to_string(i), std::to_string(i));
    ExpectStatus({"rename", "src" + std::to_string(i), "dst" + std::to_string(i)}, "OK");
    ExpectBulk({"get", "dst" + std::to_string(i)}, std::to_string(i));
  }
}

TEST_F(KeyCommandsTest, Copy) {
  Set("a", "1");
  ExpectInt({"expire", "a", "100"}, 1);
  ExpectInt({"copy", "a", "b"}, 1);
  ExpectBulk({"get", "b"}, "1");
  ExpectInt({"ttl", "b"}, 100);
  Set("a", "2");
  ExpectInt({"copy", "a", "b"}, 0);
  ExpectInt({"copy", "a", "b", "REPLACE"}, 1);
  ExpectBulk({"get", "b"}, "2");
  ExpectInt({"copy", "missing", "b"}, 0);
  ExpectError({"copy", "a", "a"}, "ERR source and destination objects are the same");
  ExpectError({"copy", "a", "b", "bogus"}, "ERR syntax error");
}

TEST_F(KeyCommandsTest, KeysAndGlob) {
  for (const char* k : {"hello", "hallo", "hxllo", "hllo", "heeeello", "foo"}) Set(k);
  EXPECT_EQ(Strings(Run({"keys", "h?llo"})), (std::set<std::string>{"hello", "hallo", "hxllo"}));
  EXPECT_EQ(Strings(Run({"keys", "h*llo"})),
            (std::set<std::string>{"hello", "hallo", "hxllo", "hllo", "heeeello"}));
  EXPECT_EQ(Strings(Run({"keys", "h[ae]llo"})), (std::set<std::string>{"hello", "hallo"}));
  EXPECT_EQ(Strings(Run({"keys", "h[^e]llo"})), (std::set<std::string>{"hallo", "hxllo"}));
  EXPECT_EQ(Strings(Run({"keys", "h[a-b]llo"})), (std::set<std::string>{"hallo"}));
  EXPECT_EQ(Run({"keys", "*"}).elements.size(), 6u);
  EXPECT_EQ(Run({"keys", "nomatch*"}).elements.size(), 0u);
}

TEST_F(KeyCommandsTest, GlobMatchEdgeCases) {
  EXPECT_TRUE(GlobMatch("*", "anything"));
  EXPECT_TRUE(GlobMatch("*", ""));
  EXPECT_TRUE(GlobMatch("", ""));
  EXPECT_FALSE(GlobMatch("", "a"));
  EXPECT_TRUE(GlobMatch("a*b*c", "aXXbYYc"));
  EXPECT_FALSE(GlobMatch("a*b*c", "aXXbYY"));
  EXPECT_TRUE(GlobMatch("a\\*b", "a*b"));
  EXPECT_FALSE(GlobMatch("a\\*b", "aXb"));
  EXPECT_TRUE(GlobMatch("[\\]]", "]"));
  EXPECT_TRUE(GlobMatch("[z-a]", "m"));  // reversed ranges work
  EXPECT_FALSE(GlobMatch("HELLO", "hello"));
  EXPECT_TRUE(GlobMatch("HELLO", "hello", /*nocase=*/true));
  EXPECT_TRUE(GlobMatch("h[A-Z]llo", "hello", /*nocase=*/true));
  EXPECT_TRUE(GlobMatch("a[bc", "ab"));  // an unterminated class ends the pattern
  EXPECT_FALSE(GlobMatch("?", ""));
  EXPECT_TRUE(GlobMatch("a**", "a"));
  // Must not take exponential time.
  std::string s(200, 'a');
  EXPECT_FALSE(GlobMatch("a*a*a*a*a*a*a*a*a*a*a*a*a*b", s));
}

TEST_F(KeyCommandsTest, ScanVisitsEverything) {
  std::set<std::string> want;
  for (int i = 0; i < 100; ++i) {
    Set("key:" + std::to_string(i));
    want.insert("key:" + std::to_string(i));
  }
  std::set<std::string> seen;
  std::string cursor = "0";
  int calls = 0;
  do {
    Reply r = Run({"scan", cursor, "COUNT", "7"});
    ASSERT_EQ(r.kind, Reply::Kind::kArray);
    ASSERT_EQ(r.elements.size(), 2u);
    ASSERT_EQ(r.elements[0].kind, Reply::Kind::kBulk);
    cursor = r.elements[0].str;
    for (const Reply& k : r.elements[1].elements) seen.insert(k.str);
    // Churn while scanning: keys added and removed must not hide the others.
    Set("extra:" + std::to_string(calls));
    Run({"del", "extra:" + std::to_string(calls - 1)});
    ASSERT_LT(++calls, 1000);
  } while (cursor != "0");
  for (const auto& k : want) EXPECT_TRUE(seen.count(k)) << k;
}

TEST_F(KeyCommandsTest, ScanMatchAndType) {
  for (int i = 0; i < 30; ++i) Set("s" + std::to_string(i));
  bool have_hash = !Run({"hset", "h1", "f", "v"}).is_error();
  std::set<std::string> matched, strings, hashes;
  std::string cursor = "0";
  do {
    Reply r = Run({"scan", cursor, "match", "s1*", "count", "5"});
    cursor = r.elements[0].str;
    for (const Reply& k : r.elements[1].elements) matched.insert(k.str);
  } while (cursor != "0");
  EXPECT_EQ(matched.size(), 11u);  // s1, s10..s19
  Reply all = Run({"scan", "0", "count", "1000", "type", "string"});
  EXPECT_EQ(all.elements[0].str, "0");
  EXPECT_EQ(all.elements[1].elements.size(), 30u);
  if (have_hash) {
    Reply h = Run({"scan", "0", "count", "1000", "TYPE", "hash"});
    ASSERT_EQ(h.elements[1].elements.size(), 1u);
    EXPECT_EQ(h.elements[1].elements[0].str, "h1");
  }
}

TEST_F(KeyCommandsTest, ScanErrors) {
  ExpectError({"scan", "abc"}, "ERR invalid cursor");
  ExpectError({"scan", "-1"}, "ERR invalid cursor");
  ExpectError({"scan", "0", "count"}, "ERR syntax error");
  ExpectError({"scan", "0", "count", "0"}, "ERR syntax error");
  ExpectError({"scan", "0", "count", "x"}, "ERR value is not an integer or out of range");
  ExpectError({"scan", "0", "bogus", "1"}, "ERR syntax error");
  Reply r = Run({"scan", "0"});
  ASSERT_EQ(r.kind, Reply::Kind::kArray);
  EXPECT_EQ(r.elements[0].str, "0");
  EXPECT_TRUE(r.elements[1].elements.empty());
}

TEST_F(KeyCommandsTest, RandomKeyDbSizeFlushDb) {
  EXPECT_EQ(Run({"randomkey"}).kind, Reply::Kind::kNil);
  ExpectInt({"dbsize"}, 0);
  Set("a");
  Set("b");
  Reply r = Run({"randomkey"});
  EXPECT_EQ(r.kind, Reply::Kind::kBulk);
  EXPECT_TRUE(r.str == "a" || r.str == "b");
  ExpectInt({"dbsize"}, 2);
  Run({"set", "other", "v"}, 1);
  ExpectStatus({"flushdb"}, "OK");
  ExpectInt({"dbsize"}, 0);
  EXPECT_EQ(Run({"dbsize"}, 1).integer, 1);  // other databases untouched
  ExpectStatus({"flushdb", "ASYNC"}, "OK");
  ExpectError({"flushdb", "bogus"}, "ERR syntax error");
}

TEST_F(KeyCommandsTest, ExpiredKeysAreInvisible) {
  Set("a");
  Set("b");
  ExpectInt({"pexpire", "a", "10"}, 1);
  env_.now_ms += 10;
  EXPECT_EQ(Strings(Run({"keys", "*"})), (std::set<std::string>{"b"}));
  Reply r = Run({"scan", "0", "count", "100"});
  EXPECT_EQ(Strings(r.elements[1]), (std::set<std::string>{"b"}));
  EXPECT_EQ(Run({"randomkey"}).str, "b");
}

TEST_F(KeyCommandsTest, ExpirySeenByKeysStillBumpsWatchVersion) {
  Set("w");
  ExpectInt({"pexpire", "w", "10"}, 1);
  uint64_t before = store_.KeyVersion(0, "w");
  env_.now_ms += 10;
  Run({"keys", "*"});  // removes the expired key
  EXPECT_NE(store_.KeyVersion(0, "w"), before);
}

TEST_F(KeyCommandsTest, Flags) {
  const CommandSpec* keys = store_.registry().Find("keys");
  ASSERT_NE(keys, nullptr);
  EXPECT_TRUE(keys->flags & kAllKeys);
  const CommandSpec* rename = store_.registry().Find("rename");
  ASSERT_NE(rename, nullptr);
  EXPECT_EQ(rename->first_key, 1);
  EXPECT_EQ(rename->last_key, 2);
  EXPECT_EQ(store_.registry().Find("del")->arity, -2);
  EXPECT_TRUE(store_.registry().Find("flushdb")->flags & kWrite);
}

}  // namespace
}  // namespace cairn::kv
