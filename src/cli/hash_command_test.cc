#include "cli/hash_command.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <fstream>

#include "core/bytes.h"

namespace cairn::cli {
namespace {

std::string TempFile(const std::string& content) {
  char path[] = "/tmp/cairn_hash_test_XXXXXX";
  int fd = mkstemp(path);
  EXPECT_GE(fd, 0);
  EXPECT_EQ(write(fd, content.data(), content.size()), static_cast<ssize_t>(content.size()));
  close(fd);
  return path;
}

std::string RunCapture(const HashOptions& options, Status* status) {
  char* buf = nullptr;
  size_t len = 0;
  std::FILE* out = open_memstream(&buf, &len);
  *status = RunHash(options, out);
  std::fclose(out);
  std::string result(buf, len);
  free(buf);
  return result;
}

TEST(HashCommandTest, PrintsLikeB3sum) {
  std::string empty = TempFile("");
  std::string abc = TempFile("abc");
  HashOptions options;
  options.files = {empty, abc};
  Status s;
  std::string out = RunCapture(options, &s);
  ASSERT_TRUE(s.ok()) << s;
  // BLAKE3("") and BLAKE3("abc") from the reference implementation.
  EXPECT_EQ(out, "af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262  " + empty +
                     "\n" + "6437b3ac38465133ffb63b75273a8db548c558465d79db03fd359c6cd5bd9d85  " +
                     abc + "\n");
  unlink(empty.c_str());
  unlink(abc.c_str());
}

TEST(HashCommandTest, LargeFileSameOnEveryPathAndThreadCount) {
  std::string data(5 * 1024 * 1024 + 123, '\0');
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>(i * 31 + (i >> 13));
  std::string path = TempFile(data);
  core::Blake3Hasher ref(core::Blake3Backend::kPortable);
  ref.Update(AsBytes(data));
  std::string expect = HexEncode(ref.Finalize()) + "  " + path + "\n";
  for (unsigned threads : {1u, 2u, 0u}) {
    HashOptions options;
    options.files = {path};
    options.threads = threads;
    Status s;
    EXPECT_EQ(RunCapture(options, &s), expect) << threads;
    EXPECT_TRUE(s.ok());
  }
  unlink(path.c_str());
}

TEST(HashCommandTest, MissingFileIsReportedAndOthersStillHashed) {
  std::string abc = TempFile("abc");
  HashOptions options;
  options.files = {"/nonexistent/file", abc};
  Status s;
  std::string out = RunCapture(options, &s);
  EXPECT_EQ(s.code(), StatusCode::kNotFound);
  EXPECT_NE(out.find("6437b3ac"), std::string::npos);
  options.files = {"/tmp"};
  RunCapture(options, &s);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  unlink(abc.c_str());
}

TEST(HashCommandTest, ExtendedLength) {
  std::string empty = TempFile("");
  HashOptions options;
  options.files = {empty};
  options.length = 64;
  Status s;
  std::string out = RunCapture(options, &s);
  // First 64 bytes of the XOF of the empty input (official vectors, input_len 0).
  EXPECT_EQ(out.substr(0, 128),
            "af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262"
            "e00f03e7b69af26b7faaf09fcd333050338ddfe085b8cc869ca98b206c08243a");
  unlink(empty.c_str());
}

}  // namespace
}  // namespace cairn::cli
