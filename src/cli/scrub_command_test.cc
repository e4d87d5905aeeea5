#include "cli/scrub_command.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>

#include "engine/segment_log.h"
#include "models/objects/object_store.h"

namespace cairn::cli {
namespace {

int Scrub(const std::string& dir, std::string* out) {
  char* buf = nullptr;
  size_t len = 0;
  std::FILE* f = open_memstream(&buf, &len);
  int rc = RunScrub(ScrubOptions{dir, std::nullopt}, core::Env::Default(), f);
  std::fclose(f);
  out->assign(buf, len);
  free(buf);
  return rc;
}

TEST(ScrubCommandTest, CleanThenCorruptThenMissing) {
  char tmpl[] = "/tmp/cairn_scrub_test_XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  std::string dir = tmpl;
  {
    engine::ChunkStoreOptions o;
    o.env = core::Env::Default();
    o.dir = dir + "/engine";
    auto chunks = engine::ChunkStore::Open(o).value();
    objects::ObjectStore store(chunks.get(), core::Env::Default());
    ASSERT_TRUE(store.CreateBucket("b1b").ok());
    std::string data(300000, 'x');
    for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>(i * 7919 % 251);
    ASSERT_TRUE(store.PutBytes("b1b", "k", AsBytes(data)).ok());
  }
  std::string out;
  EXPECT_EQ(Scrub(dir, &out), 0) << out;
  EXPECT_NE(out.find("0 corrupt"), std::string::npos);
  {
    auto f = core::Env::Default()
                 ->OpenFile(dir + "/engine/segments/" + engine::SegmentLog::SegmentFileName(1), {})
                 .value();
    ASSERT_TRUE(f->WriteAt(200, AsBytes("CORRUPTION")).ok());
  }
  EXPECT_EQ(Scrub(dir, &out), 1);
  EXPECT_NE(out.find("corrupt chunk "), std::string::npos) << out;
  EXPECT_NE(out.find("DATA_LOSS"), std::string::npos) << out;
  EXPECT_EQ(Scrub(dir + "/nope", &out), 2);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace cairn::cli
