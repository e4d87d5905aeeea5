#include "engine/metadata.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>

namespace cairn::engine {
namespace {

class MetadataTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/cairn_meta_test_XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::unique_ptr<Metadata> OpenMeta() {
    auto m = Metadata::Open(MetadataOptions{.dir = dir_ + "/meta"});
    EXPECT_TRUE(m.ok()) << m.status();
    return m.ok() ? std::move(m).value() : nullptr;
  }
  std::string dir_;
};

TEST_F(MetadataTest, PutGetDeleteAcrossReopen) {
  {
    auto m = OpenMeta();
    MetaBatch b;
    b.Put(Cf::kObjects, "bucket/a", "manifest-a");
    b.Put(Cf::kBuckets, "bucket", "b");
    ASSERT_TRUE(m->Write(b).ok());
    EXPECT_EQ(m->Get(Cf::kObjects, "bucket/a").value(), std::optional<std::string>("manifest-a"));
    EXPECT_FALSE(m->Get(Cf::kChunks, "bucket/a").value().has_value());  // other family
  }
  auto m = OpenMeta();
  EXPECT_EQ(m->Get(Cf::kBuckets, "bucket").value(), std::optional<std::string>("b"));
  MetaBatch del;
  del.Delete(Cf::kBuckets, "bucket");
  ASSERT_TRUE(m->Write(del).ok());
  EXPECT_FALSE(m->Get(Cf::kBuckets, "bucket").value().has_value());
}

TEST_F(MetadataTest, ReferenceCountsMerge) {
  auto m = OpenMeta();
  MetaBatch b;
  b.AddRef("chunk1", 1);
  b.AddRef("chunk1", 2);
  b.AddRef("chunk2", 1);
  ASSERT_TRUE(m->Write(b).ok());
  EXPECT_EQ(m->RefCount("chunk1").value(), 3);
  MetaBatch dec;
  dec.AddRef("chunk1", -3);
  ASSERT_TRUE(m->Write(dec).ok());
  EXPECT_EQ(m->RefCount("chunk1").value(), 0);
  EXPECT_EQ(m->RefCount("chunk2").value(), 1);
  EXPECT_EQ(m->RefCount("never").value(), 0);
  ASSERT_TRUE(m->Flush().ok());
  m.reset();
  m = OpenMeta();
  EXPECT_EQ(m->RefCount("chunk2").value(), 1);
}

TEST_F(MetadataTest, ScanPrefixAndStartAfter) {
  auto m = OpenMeta();
  MetaBatch b;
  for (std::string k : {"a/1", "a/2", "a/3", "b/1", "a"}) b.Put(Cf::kObjects, k, "v" + k);
  ASSERT_TRUE(m->Write(b).ok());
  std::vector<std::string> keys;
  auto collect = [&](std::string_view k, std::string_view v) {
    EXPECT_EQ(v, "v" + std::string(k));
    keys.emplace_back(k);
    return true;
  };
  ASSERT_TRUE(m->Scan(Cf::kObjects, "a/", "", collect).ok());
  EXPECT_EQ(keys, (std::vector<std::string>{"a/1", "a/2", "a/3"}));
  keys.clear();
  ASSERT_TRUE(m->Scan(Cf::kObjects, "a/", "a/1", collect).ok());
  EXPECT_EQ(keys, (std::vector<std::string>{"a/2", "a/3"}));
  keys.clear();
  ASSERT_TRUE(m->Scan(Cf::kObjects, "", "a/3", collect).ok());
  EXPECT_EQ(keys, (std::vector<std::string>{"b/1"}));
  keys.clear();
  ASSERT_TRUE(m->Scan(Cf::kObjects, "", "", [&](std::string_view k, std::string_view) {
                 keys.emplace_back(k);
                 return keys.size() < 2;
               }).ok());
  EXPECT_EQ(keys.size(), 2u);
}

TEST_F(MetadataTest, MailboxFamilyIsSeparateAndDurable) {
  {
    auto m = OpenMeta();
    MetaBatch b;
    b.Put(Cf::kMailbox, "m/1", "message");
    b.Put(Cf::kObjects, "m/1", "object");
    ASSERT_TRUE(m->Write(b).ok());
  }
  auto m = OpenMeta();
  EXPECT_EQ(m->Get(Cf::kMailbox, "m/1").value(), std::optional<std::string>("message"));
  EXPECT_EQ(m->Get(Cf::kObjects, "m/1").value(), std::optional<std::string>("object"));
  std::vector<std::string> keys;
  ASSERT_TRUE(m->Scan(Cf::kMailbox, "", "", [&](std::string_view k, std::string_view) {
                 keys.emplace_back(k);
                 return true;
               }).ok());
  EXPECT_EQ(keys, std::vector<std::string>{"m/1"});
}

TEST_F(MetadataTest, SecondOpenIsRefused) {
  auto m = OpenMeta();
  auto second = Metadata::Open(MetadataOptions{.dir = dir_ + "/meta"});
  EXPECT_EQ(second.status().code(), StatusCode::kUnavailable) << second.status();
}

}  // namespace
}  // namespace cairn::engine
