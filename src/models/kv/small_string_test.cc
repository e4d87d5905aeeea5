#include "models/kv/small_string.h"

#include <gtest/gtest.h>

#include <string>
#include <unordered_map>
#include <vector>

#include "models/kv/kv_store.h"

namespace cairn::kv {
namespace {

TEST(SmallStringTest, HoldsEveryLengthAroundTheInlineLimit) {
  for (size_t n : {0u, 1u, 15u, 16u, 22u, 23u, 24u, 25u, 100u, 100000u}) {
    std::string s(n, 'x');
    if (n > 0) s[0] = '\0';  // embedded NULs are bytes like any other
    SmallString a(s);
    EXPECT_EQ(a.view(), s) << n;
    EXPECT_EQ(a.size(), n);
    SmallString b{std::string(s)};  // from an rvalue std::string
    EXPECT_EQ(b, a);
    SmallString c = a;  // copy
    EXPECT_EQ(c.view(), s);
    SmallString d = std::move(c);  // move leaves the source empty
    EXPECT_EQ(d.view(), s);
    EXPECT_TRUE(c.empty());  // NOLINT(bugprone-use-after-move): the moved-from state is defined
    c = d;
    EXPECT_EQ(c.view(), s);
    c = std::move(a);
    EXPECT_EQ(c.view(), s);
  }
}

TEST(SmallStringTest, MutableStringEditsInPlaceAndCompactMovesBackInline) {
  SmallString s("abc");
  s.MutableString() += "def";
  EXPECT_EQ(s.view(), "abcdef");
  s.MutableString().append(100, 'z');
  EXPECT_EQ(s.size(), 106u);
  s.MutableString().resize(4);
  s.Compact();
  EXPECT_EQ(s.view(), "abcd");
  SmallString copy = s;
  EXPECT_EQ(copy, std::string_view("abcd"));
}

TEST(SmallStringTest, WorksAsAHashMapKeyWithStringViewLookups) {
  std::unordered_map<SmallString, int, StringHash, std::equal_to<>> m;
  std::vector<std::string> keys = {"", "k", std::string(23, 'a'), std::string(24, 'b'),
                                   std::string(1000, 'c')};
  for (size_t i = 0; i < keys.size(); ++i) m.emplace(SmallString(keys[i]), static_cast<int>(i));
  for (size_t i = 0; i < keys.size(); ++i) {
    auto it = m.find(std::string_view(keys[i]));
    ASSERT_NE(it, m.end()) << i;
    EXPECT_EQ(it->second, static_cast<int>(i));
  }
  EXPECT_EQ(m.find(std::string_view("missing")), m.end());
}

TEST(ValueTest, StringsAndCollectionsKeepTheirContentsThroughCopiesAndAssignments) {
  Value v(std::string(30, 'v'));
  v.expire_at_ms = 5;
  Value copy = v;
  EXPECT_EQ(copy.str(), std::string(30, 'v'));
  EXPECT_EQ(copy.expire_at_ms, 5);
  v.Assign(StringMap{{"f", "x"}});
  EXPECT_EQ(v.type(), Type::kHash);
  EXPECT_EQ(v.hash().at("f"), "x");
  EXPECT_EQ(v.expire_at_ms, 5);  // Assign keeps the expiry
  Value h = v;
  h.hash()["g"] = "y";
  EXPECT_EQ(v.hash().size(), 1u);  // a deep copy
  v.Assign(std::string("back"));
  EXPECT_EQ(v.type(), Type::kString);
  EXPECT_EQ(v.str(), "back");
  EXPECT_TRUE(Value::Empty(Type::kZSet).empty_collection());
  EXPECT_FALSE(Value().empty_collection());
}

}  // namespace
}  // namespace cairn::kv
