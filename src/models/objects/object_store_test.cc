#include "models/objects/object_store.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <stdlib.h>

#include <atomic>
#include <filesystem>
#include <map>
#include <random>
#include <thread>

#include "core/testing/random_data.h"
#include "models/objects/manifest.h"

namespace cairn::objects {
namespace {

using ::cairn::testing::RandomData;

std::string Md5Hex(std::string_view data) {
  uint8_t out[16];
  unsigned n = 0;
  EVP_Digest(data.data(), data.size(), out, &n, EVP_md5(), nullptr);
  return HexEncode(ByteSpan(out, 16));
}

class ObjectStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/cairn_objects_test_XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    Reopen();
    ASSERT_TRUE(store_->CreateBucket("photos").ok());
  }
  void TearDown() override {
    store_.reset();
    chunks_.reset();
    std::filesystem::remove_all(dir_);
  }
  void Reopen() {
    store_.reset();
    chunks_.reset();
    engine::ChunkStoreOptions o;
    o.env = core::Env::Default();
    o.dir = dir_;
    o.segment_bytes = 1 << 20;
    chunks_ = engine::ChunkStore::Open(o).value();
    store_ = std::make_unique<ObjectStore>(chunks_.get(), core::Env::Default());
  }
  std::string GetAll(const std::string& bucket, const std::string& key,
                     std::optional<std::pair<uint64_t, uint64_t>> range = std::nullopt) {
    auto g = store_->Get(bucket, key, range);
    if (!g.ok()) return "<" + g.status().ToString() + ">";
    std::string out;
    uint8_t buf[7777];
    for (;;) {
      auto n = (*g)->Read(MutableByteSpan(buf, sizeof(buf)));
      if (!n.ok()) return "<" + n.status().ToString() + ">";
      if (*n == 0) break;
      out.append(reinterpret_cast<char*>(buf), *n);
    }
    return out;
  }

  std::string dir_;
  std::unique_ptr<engine::ChunkStore> chunks_;
  std::unique_ptr<ObjectStore> store_;
};

TEST_F(ObjectStoreTest, BucketLifecycleAndNameRules) {
  EXPECT_EQ(store_->CreateBucket("photos").code(), StatusCode::kAlreadyExists);
  for (const std::string& bad :
       std::vector<std::string>{"ab", "Upper", "-start", "end-", "a..b", "192.168.1.1", "a_b",
                                "xn--abc", std::string(64, 'a')}) {
    EXPECT_EQ(store_->CreateBucket(bad).code(), StatusCode::kInvalidArgument) << bad;
  }
  ASSERT_TRUE(store_->CreateBucket("my.bucket-2").ok());
  auto list = store_->ListBuckets().value();
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0].name, "my.bucket-2");
  EXPECT_GT(list[1].created_micros, 0u);
  ASSERT_TRUE(store_->PutBytes("photos", "a", AsBytes("x")).ok());
  EXPECT_EQ(store_->DeleteBucket("photos").code(), StatusCode::kFailedPrecondition);
  ASSERT_TRUE(store_->Delete("photos", "a").ok());
  EXPECT_TRUE(store_->DeleteBucket("photos").ok());
  EXPECT_EQ(store_->HeadBucket("photos").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->PutBytes("photos", "a", AsBytes("x")).status().code(), StatusCode::kNotFound);
}

TEST_F(ObjectStoreTest, PutGetHeadRangeDeleteSurviveReopen) {
  std::string data = RandomData(1'500'000, 1);
  PutOptions o;
  o.content_type = "image/jpeg";
  o.user_meta["camera"] = "x100";
  o.headers["Cache-Control"] = "max-age=60";
  auto info = store_->PutBytes("photos", "2024/cat.jpg", AsBytes(data), o).value();
  EXPECT_EQ(info.size, data.size());
  EXPECT_EQ(info.etag, Md5Hex(data));
  Reopen();
  auto head = store_->Head("photos", "2024/cat.jpg").value();
  EXPECT_EQ(head.etag, info.etag);
  EXPECT_EQ(head.content_type, "image/jpeg");
  EXPECT_EQ(head.user_meta.at("camera"), "x100");
  EXPECT_EQ(head.headers.at("Cache-Control"), "max-age=60");
  EXPECT_EQ(GetAll("photos", "2024/cat.jpg"), data);
  EXPECT_EQ(GetAll("photos", "2024/cat.jpg", std::make_pair(1000, 1999)), data.substr(1000, 1000));
  EXPECT_EQ(GetAll("photos", "2024/cat.jpg", std::make_pair(1'499'990, 9'999'999)),
            data.substr(1'499'990));
  EXPECT_EQ(
      store_->Get("photos", "2024/cat.jpg", std::make_pair(1'500'000, 1'500'001)).status().code(),
      StatusCode::kOutOfRange);
  ASSERT_TRUE(store_->Delete("photos", "2024/cat.jpg").ok());
  ASSERT_TRUE(store_->Delete("photos", "2024/cat.jpg").ok());  // idempotent
  EXPECT_EQ(store_->Head("photos", "2024/cat.jpg").status().code(), StatusCode::kNotFound);
}

TEST_F(ObjectStoreTest, EmptyObject) {
  auto info = store_->PutBytes("photos", "empty", ByteSpan()).value();
  EXPECT_EQ(info.size, 0u);
  EXPECT_EQ(info.etag, "d41d8cd98f00b204e9800998ecf8427e");
  EXPECT_EQ(GetAll("photos", "empty"), "");
}

TEST_F(ObjectStoreTest, ListPrefixDelimiterAndPages) {
  for (const char* k : {"a.txt", "docs/1", "docs/2", "docs/sub/3", "img/x", "z"}) {
    ASSERT_TRUE(store_->PutBytes("photos", k, AsBytes(k)).ok());
  }
  auto all = store_->List("photos", {}).value();
  ASSERT_EQ(all.objects.size(), 6u);
  EXPECT_FALSE(all.truncated);
  auto rolled = store_->List("photos", ListOptions{.delimiter = "/"}).value();
  std::vector<std::string> keys, prefixes = rolled.common_prefixes;
  for (auto& o : rolled.objects) keys.push_back(o.key);
  EXPECT_EQ(keys, (std::vector<std::string>{"a.txt", "z"}));
  EXPECT_EQ(prefixes, (std::vector<std::string>{"docs/", "img/"}));
  auto docs = store_->List("photos", ListOptions{.prefix = "docs/", .delimiter = "/"}).value();
  ASSERT_EQ(docs.objects.size(), 2u);
  EXPECT_EQ(docs.common_prefixes, (std::vector<std::string>{"docs/sub/"}));
  // Pages of two, continuing from next_start_after, visit everything exactly once.
  std::vector<std::string> seen;
  ListOptions page{.delimiter = "/", .max_keys = 2};
  for (int i = 0; i < 10; ++i) {
    auto r = store_->List("photos", page).value();
    for (auto& o : r.objects) seen.push_back(o.key);
    for (auto& p : r.common_prefixes) seen.push_back(p);
    if (!r.truncated) break;
    page.start_after = r.next_start_after;
  }
  std::sort(seen.begin(), seen.end());
  EXPECT_EQ(seen, (std::vector<std::string>{"a.txt", "docs/", "img/", "z"}));
}

TEST_F(ObjectStoreTest, OverwriteCopyAndDedup) {
  std::string data = RandomData(2 << 20, 2);
  ASSERT_TRUE(store_->PutBytes("photos", "a", AsBytes(data)).ok());
  uint64_t stored = chunks_->Stats()->sealed_bytes;
  auto copy = store_->Copy("photos", "a", "photos", "b", false).value();
  EXPECT_EQ(chunks_->Stats()->sealed_bytes, stored);  // metadata-only
  EXPECT_EQ(GetAll("photos", "b"), data);
  PutOptions replace;
  replace.content_type = "text/plain";
  auto c2 = store_->Copy("photos", "a", "photos", "c", true, replace).value();
  EXPECT_EQ(c2.content_type, "text/plain");
  EXPECT_EQ(c2.etag, copy.etag);
  // Overwriting and deleting drops references; GC then reclaims nothing still in use.
  ASSERT_TRUE(store_->PutBytes("photos", "a", AsBytes("small now")).ok());
  ASSERT_TRUE(store_->Delete("photos", "b").ok());
  ASSERT_TRUE(chunks_->CollectGarbage(0.5).ok());
  EXPECT_EQ(GetAll("photos", "c"), data);
  EXPECT_EQ(GetAll("photos", "a"), "small now");
  ASSERT_TRUE(store_->Delete("photos", "c").ok());
  auto gc = chunks_->CollectGarbage(0.9).value();
  EXPECT_GT(gc.dead_chunks, 0u);
  EXPECT_LT(chunks_->Stats()->sealed_bytes, 1000u);
}

TEST_F(ObjectStoreTest, ConditionalWrites) {
  PutOptions create_only;
  create_only.if_none_match_any = true;
  auto first = store_->PutBytes("photos", "k", AsBytes("v1"), create_only).value();
  EXPECT_EQ(store_->PutBytes("photos", "k", AsBytes("v2"), create_only).status().code(),
            StatusCode::kFailedPrecondition);
  PutOptions match;
  match.if_match = "wrong";
  EXPECT_EQ(store_->PutBytes("photos", "k", AsBytes("v2"), match).status().code(),
            StatusCode::kFailedPrecondition);
  match.if_match = first.etag;
  EXPECT_TRUE(store_->PutBytes("photos", "k", AsBytes("v2"), match).ok());
  EXPECT_EQ(GetAll("photos", "k"), "v2");
}

TEST_F(ObjectStoreTest, MultipartUpload) {
  store_->set_min_part_bytes(1 << 20);
  auto id =
      store_->CreateMultipart("photos", "big", PutOptions{.content_type = "video/mp4"}).value();
  std::string p1 = RandomData(1 << 20, 11), p2 = RandomData(1 << 20, 12), p3 = RandomData(1000, 13);
  auto e1 = store_->UploadPart(id, 1, AsBytes(p1)).value();
  auto e3 = store_->UploadPart(id, 3, AsBytes(p3)).value();
  auto e2 = store_->UploadPart(id, 2, AsBytes(p2)).value();
  EXPECT_EQ(e1, Md5Hex(p1));
  auto listed = store_->ListParts(id).value();
  ASSERT_EQ(listed.size(), 3u);
  EXPECT_EQ(listed[1].number, 2u);
  EXPECT_EQ(store_->CompleteMultipart(id, {{2, e2}, {1, e1}}).status().message().substr(0, 16),
            "InvalidPartOrder");
  EXPECT_EQ(store_->CompleteMultipart(id, {{1, e1}, {2, "bad"}}).status().message().substr(0, 11),
            "InvalidPart");
  EXPECT_EQ(store_->CompleteMultipart(id, {{3, e3}, {4, e3}}).status().code(),
            StatusCode::kInvalidArgument);
  auto info = store_->CompleteMultipart(id, {{1, "\"" + e1 + "\""}, {2, e2}, {3, e3}}).value();
  std::string md5s;
  for (const std::string* e : {&e1, &e2, &e3}) {
    std::string raw;
    ASSERT_TRUE(HexDecode(*e, &raw));
    md5s += raw;
  }
  EXPECT_EQ(info.etag, Md5Hex(md5s) + "-3");
  EXPECT_EQ(info.content_type, "video/mp4");
  EXPECT_EQ(GetAll("photos", "big"), p1 + p2 + p3);
  EXPECT_EQ(store_->ListParts(id).status().code(), StatusCode::kNotFound);
  // The parts' chunks now belong to the object only: GC keeps them.
  ASSERT_TRUE(chunks_->CollectGarbage(0.9).ok());
  EXPECT_EQ(GetAll("photos", "big"), p1 + p2 + p3);
  // An aborted upload releases its parts.
  auto id2 = store_->CreateMultipart("photos", "other").value();
  ASSERT_TRUE(store_->UploadPart(id2, 1, AsBytes(RandomData(300000, 14))).ok());
  ASSERT_TRUE(store_->AbortMultipart(id2).ok());
  EXPECT_EQ(store_->AbortMultipart(id2).code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->UploadPart(id2, 1, AsBytes("x")).status().code(), StatusCode::kNotFound);
}

TEST_F(ObjectStoreTest, PublicBuckets) {
  EXPECT_FALSE(store_->HeadBucket("photos").value().public_read);
  ASSERT_TRUE(store_->SetBucketPublic("photos", true).ok());
  EXPECT_TRUE(store_->HeadBucket("photos").value().public_read);
  EXPECT_TRUE(store_->ListBuckets().value()[0].public_read);
  ASSERT_TRUE(store_->SetBucketPublic("photos", false).ok());
  EXPECT_FALSE(store_->HeadBucket("photos").value().public_read);
  EXPECT_EQ(store_->SetBucketPublic("nope", true).code(), StatusCode::kNotFound);
}

TEST_F(ObjectStoreTest, StreamedPartsAndUploadListing) {
  store_->set_min_part_bytes(1 << 20);
  ASSERT_TRUE(store_->CreateBucket("other").ok());
  auto b = store_->CreateMultipart("photos", "b").value();
  auto a1 = store_->CreateMultipart("photos", "a").value();
  auto a2 = store_->CreateMultipart("photos", "a").value();
  ASSERT_TRUE(store_->CreateMultipart("other", "a").ok());
  EXPECT_EQ(store_->PutPart("nope", 1).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->PutPart(b, 0).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->PutPart(b, 10001).status().code(), StatusCode::kInvalidArgument);

  auto uploads = store_->ListUploads("photos").value();
  ASSERT_EQ(uploads.size(), 3u);
  EXPECT_EQ(uploads[0].key, "a");
  EXPECT_EQ(uploads[1].key, "a");
  EXPECT_LE(uploads[0].initiated_micros, uploads[1].initiated_micros);
  EXPECT_GT(uploads[0].initiated_micros, 0u);
  EXPECT_EQ(uploads[2].upload_id, b);
  EXPECT_EQ(store_->ListUploads("missing").status().code(), StatusCode::kNotFound);
  auto got = store_->GetUpload(a1).value();
  EXPECT_EQ(got.bucket, "photos");
  EXPECT_EQ(got.key, "a");

  // A part streamed in uneven pieces equals the same bytes uploaded at once.
  std::string p1 = RandomData(3 << 20, 21);
  auto stream = store_->PutPart(a2, 1).value();
  for (size_t off = 0; off < p1.size(); off += 77777) {
    ASSERT_TRUE(
        stream->Write(AsBytes(p1).subspan(off, std::min<size_t>(77777, p1.size() - off))).ok());
  }
  EXPECT_EQ(stream->bytes(), p1.size());
  std::string e1 = stream->Finish().value();
  EXPECT_EQ(e1, Md5Hex(p1));
  EXPECT_EQ(stream->Finish().status().code(), StatusCode::kFailedPrecondition);
  auto parts = store_->ListParts(a2).value();
  ASSERT_EQ(parts.size(), 1u);
  EXPECT_EQ(parts[0].size, p1.size());
  EXPECT_GT(parts[0].mtime_micros, 0u);
  // A part whose upload is aborted while it streams is refused at Finish.
  auto late = store_->PutPart(a1, 1).value();
  ASSERT_TRUE(late->Write(AsBytes(p1)).ok());
  ASSERT_TRUE(store_->AbortMultipart(a1).ok());
  EXPECT_EQ(late->Finish().status().code(), StatusCode::kNotFound);
  ASSERT_TRUE(store_->CompleteMultipart(a2, {{1, e1}}).ok());
  EXPECT_EQ(GetAll("photos", "a"), p1);
  EXPECT_EQ(store_->ListUploads("photos").value().size(), 1u);
}

TEST_F(ObjectStoreTest, MerkleProofsVerify) {
  std::string data = RandomData(3 << 20, 3);
  auto info = store_->PutBytes("photos", "m", AsBytes(data)).value();
  auto p0 = store_->ProveChunk("photos", "m", 0).value();
  ASSERT_GT(p0.chunk_count, 4u);
  const engine::MerkleHasher& h = engine::Blake3Merkle();
  for (uint64_t i = 0; i < p0.chunk_count; ++i) {
    auto p = store_->ProveChunk("photos", "m", i).value();
    EXPECT_EQ(p.root, info.merkle_root);
    EXPECT_TRUE(engine::VerifyInclusion(h, i, p.chunk_count, h.LeafHash(ByteSpan(p.chunk_id)),
                                        p.path, p.root)
                    .ok());
  }
  EXPECT_EQ(store_->ProveChunk("photos", "m", p0.chunk_count).status().code(),
            StatusCode::kOutOfRange);
}

// Writers, deleters and GC at once: every key ends in its last written state, and shared
// (deduplicated) chunks survive GC as long as any object references them.
TEST_F(ObjectStoreTest, ConcurrentPutsDeletesAndGc) {
  constexpr int kThreads = 3, kOps = 25;
  std::vector<std::string> bases;
  for (int i = 0; i < 4; ++i) bases.push_back(RandomData(600 << 10, 100 + i));
  std::vector<std::map<std::string, std::string>> final_state(kThreads);
  std::atomic<bool> done{false};
  std::thread gc([&] {
    while (!done) ASSERT_TRUE(chunks_->CollectGarbage(0.7).ok());
  });
  std::vector<std::thread> writers;
  for (int t = 0; t < kThreads; ++t) {
    writers.emplace_back([&, t] {
      std::mt19937_64 rng(t);
      for (int op = 0; op < kOps; ++op) {
        std::string key = "t" + std::to_string(t) + "/" + std::to_string(rng() % 5);
        if (rng() % 4 == 0) {
          ASSERT_TRUE(store_->Delete("photos", key).ok());
          final_state[t].erase(key);
        } else {
          // Shared prefixes across threads make chunks shared (deduplicated) between objects.
          std::string data = bases[rng() % bases.size()] + std::to_string(rng());
          ASSERT_TRUE(store_->PutBytes("photos", key, AsBytes(data)).ok());
          final_state[t][key] = data;
        }
      }
    });
  }
  for (auto& w : writers) w.join();
  done = true;
  gc.join();
  ASSERT_TRUE(chunks_->CollectGarbage(0.7).ok());
  for (const auto& state : final_state) {
    for (const auto& [key, data] : state) EXPECT_EQ(GetAll("photos", key), data) << key;
  }
  Reopen();
  for (const auto& state : final_state) {
    for (const auto& [key, data] : state) EXPECT_EQ(GetAll("photos", key), data) << key;
  }
  auto scrub = chunks_->Scrub().value();
  EXPECT_TRUE(scrub.corrupt.empty());
}

TEST(ManifestTest, RoundTripAndRejectsGarbage) {
  StoredManifest m;
  m.info.size = 10;
  m.info.etag = "abc";
  m.info.user_meta["k"] = "v";
  m.chunks.push_back(engine::ChunkRef{{1, 2, 3}, 10});
  std::string enc = EncodeManifest(m);
  auto back = DecodeManifest(enc).value();
  EXPECT_EQ(back.info.etag, "abc");
  EXPECT_EQ(back.info.user_meta.at("k"), "v");
  EXPECT_EQ(back.chunks, m.chunks);
  for (size_t cut = 0; cut < enc.size(); ++cut) {
    EXPECT_FALSE(DecodeManifest(enc.substr(0, cut)).ok()) << cut;
  }
}

}  // namespace
}  // namespace cairn::objects
