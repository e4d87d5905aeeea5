#include "models/eventlog/event_log.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "core/env/env.h"
#include "core/env/fault_env.h"
#include "engine/merkle.h"
#include "models/eventlog/proofs.h"
#include "models/eventlog/signed_note.h"

namespace cairn::eventlog {
namespace {

std::string Event(const std::string& tag, uint64_t i, size_t extra = 0) {
  return tag + "#" + std::to_string(i) + std::string(extra, static_cast<char>('a' + i % 26));
}

std::vector<std::string> Events(const std::string& tag, uint64_t first, uint64_t n) {
  std::vector<std::string> out;
  for (uint64_t i = 0; i < n; ++i) out.push_back(Event(tag, first + i, (first + i) % 50));
  return out;
}

Hash NaiveRoot(const std::vector<std::string>& events) {
  std::vector<Hash> leaves;
  for (const auto& e : events) leaves.push_back(EventLeafHash(AsBytes(e)));
  return engine::MerkleRoot(engine::Sha256Merkle(), leaves);
}

class EventLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    base_ = core::NewMemEnv();
    fault_ = std::make_unique<core::FaultEnv>(base_.get(), 11);
  }
  EventLogOptions Options(const std::string& dir = "/el") {
    EventLogOptions o;
    o.env = fault_.get();
    o.dir = dir;
    o.origin_prefix = "cairn.test/eventlog";
    o.segment_bytes = 1 << 20;
    return o;
  }
  std::unique_ptr<EventLog> Open(const EventLogOptions& o) {
    auto log = EventLog::Open(o);
    EXPECT_TRUE(log.ok()) << log.status();
    return log.ok() ? std::move(log).value() : nullptr;
  }
  std::unique_ptr<EventLog> Open() { return Open(Options()); }

  // Every event of the stream, read back.
  std::vector<std::string> All(EventLog* log, const std::string& stream) {
    auto size = log->Size(stream);
    if (!size.ok()) return {};
    std::vector<std::string> out;
    while (out.size() < *size) {
      auto part = log->Read(stream, out.size(), *size, 1 << 20);
      EXPECT_TRUE(part.ok()) << part.status();
      if (!part.ok() || part->empty()) break;
      out.insert(out.end(), part->begin(), part->end());
    }
    return out;
  }

  std::unique_ptr<core::Env> base_;
  std::unique_ptr<core::FaultEnv> fault_;
};

TEST_F(EventLogTest, AppendAndRead) {
  auto log = Open();
  EXPECT_EQ(log->Append("orders", AsBytes("first")).value(), 0u);
  EXPECT_EQ(log->AppendBatch("orders", Events("o", 1, 9)).value(), 1u);
  EXPECT_EQ(log->Append("orders", AsBytes("")).value(), 10u);  // empty events are events
  EXPECT_EQ(log->Append("audit", AsBytes("x")).value(), 0u);
  EXPECT_EQ(log->Size("orders").value(), 11u);
  EXPECT_EQ(log->ReadEvent("orders", 0).value(), "first");
  EXPECT_EQ(log->ReadEvent("orders", 3).value(), Event("o", 3, 3));
  EXPECT_EQ(log->ReadEvent("orders", 10).value(), "");
  EXPECT_EQ(log->ReadEvent("orders", 11).status().code(), StatusCode::kOutOfRange);
  auto range = log->Read("orders", 2, 5).value();
  ASSERT_EQ(range.size(), 3u);
  EXPECT_EQ(range[0], Event("o", 2, 2));
  EXPECT_EQ(range[2], Event("o", 4, 4));
  EXPECT_TRUE(log->Read("orders", 11, 20).value().empty());  // at the end: nothing yet
  EXPECT_EQ(log->Read("orders", 12, 20).status().code(), StatusCode::kOutOfRange);
  EXPECT_EQ(log->Read("orders", 0, 100).value().size(), 11u);
  // max_bytes stops early but always returns one event.
  EXPECT_EQ(log->Read("orders", 1, 11, 1).value().size(), 1u);
  EXPECT_EQ(
      log->Read("orders", 1, 11, Event("o", 1, 1).size() + Event("o", 2, 2).size()).value().size(),
      2u);
  auto streams = log->ListStreams();
  ASSERT_EQ(streams.size(), 2u);
  EXPECT_EQ(streams[0].name, "audit");
  EXPECT_EQ(streams[1].name, "orders");
  EXPECT_EQ(streams[1].size, 11u);
  EXPECT_EQ(log->Size("nope").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(log->Read("nope", 0, 1).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(log->Root("orders", 11).value(), NaiveRoot(All(log.get(), "orders")));
}

TEST_F(EventLogTest, StreamNamesAndCreation) {
  for (std::string_view good :
       std::vector<std::string_view>{"a", "Z9", "orders.v2", "a-b_c", "0"}) {
    EXPECT_TRUE(EventLog::IsValidStreamName(good)) << good;
  }
  const std::string long_ok(128, 'x'), too_long(129, 'x');
  EXPECT_TRUE(EventLog::IsValidStreamName(long_ok));
  for (std::string_view bad : std::vector<std::string_view>{"", ".hidden", "-x", "_x", "a/b", "a b",
                                                            "a+b", "..", "\xC3\xA9", too_long}) {
    EXPECT_FALSE(EventLog::IsValidStreamName(bad)) << bad;
  }
  auto log = Open();
  EXPECT_EQ(log->Append("a/b", AsBytes("x")).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(log->CreateStream("../x").code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(log->CreateStream("empty").ok());
  EXPECT_EQ(log->CreateStream("empty").code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(log->Size("empty").value(), 0u);
  AppendOptions no_create;
  no_create.create = false;
  std::vector<ByteSpan> one = {AsBytes("x")};
  EXPECT_EQ(log->AppendBatch("missing", one, no_create).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(log->AppendBatch("empty", one, no_create).value(), 0u);
  log.reset();
  log = Open();
  EXPECT_EQ(log->Size("empty").value(), 1u);
  EXPECT_EQ(log->Size("missing").status().code(), StatusCode::kNotFound);
}

TEST_F(EventLogTest, SizeLimits) {
  EventLogOptions o = Options();
  o.max_event_bytes = 1000;
  o.max_batch_bytes = 5000;
  auto log = Open(o);
  EXPECT_TRUE(log->Append("s", AsBytes(std::string(1000, 'x'))).ok());
  EXPECT_EQ(log->Append("s", AsBytes(std::string(1001, 'x'))).status().code(),
            StatusCode::kInvalidArgument);
  std::vector<std::string> big(5, std::string(1000, 'y'));
  EXPECT_EQ(log->AppendBatch("s", big).status().code(), StatusCode::kInvalidArgument);
  big.pop_back();
  EXPECT_EQ(log->AppendBatch("s", big).value(), 1u);
  EXPECT_EQ(log->AppendBatch("s", std::vector<std::string>{}).status().code(),
            StatusCode::kInvalidArgument);
  // The default limit is 1 MiB.
  auto def = Open(Options("/el2"));
  EXPECT_TRUE(def->Append("s", AsBytes(std::string(1 << 20, 'z'))).ok());
  EXPECT_EQ(def->Append("s", AsBytes(std::string((1 << 20) + 1, 'z'))).status().code(),
            StatusCode::kInvalidArgument);
  EventLogOptions bad = Options("/el3");
  bad.origin_prefix = "has space";
  EXPECT_EQ(EventLog::Open(bad).status().code(), StatusCode::kInvalidArgument);
}

TEST_F(EventLogTest, ReopenKeepsEventsTreeAndKey) {
  EventLogOptions o = Options();
  o.checkpoint_pages = 2;  // checkpoints every 512 events
  std::map<std::string, std::vector<std::string>> want;
  PublicKey key;
  std::vector<Hash> roots;
  {
    auto log = Open(o);
    key = log->public_key();
    for (int round = 0; round < 12; ++round) {
      for (std::string stream : {"a", "b"}) {
        auto batch = Events(stream, want[stream].size(), 97 + round * 31);
        ASSERT_TRUE(log->AppendBatch(stream, batch).ok());
        want[stream].insert(want[stream].end(), batch.begin(), batch.end());
      }
    }
    for (uint64_t size : {0, 1, 255, 256, 257, 1000, 2000}) {
      roots.push_back(log->Root("a", size).value());
    }
    ASSERT_TRUE(log->Close().ok());
  }
  auto log = Open(o);
  EXPECT_EQ(log->public_key(), key);
  EXPECT_EQ(log->recovery().streams, 2u);
  EXPECT_EQ(log->recovery().events, want["a"].size() + want["b"].size());
  // A clean close checkpoints everything but the last partial page of each stream.
  EXPECT_LT(log->recovery().leaves_rehashed, 2u * 256);
  EXPECT_TRUE(log->recovery().trees_rebuilt.empty());
  for (const auto& [stream, events] : want) {
    EXPECT_EQ(All(log.get(), stream), events);
    EXPECT_EQ(log->Root(stream, events.size()).value(), NaiveRoot(events));
    EXPECT_TRUE(log->VerifyStream(stream).ok());
  }
  int k = 0;
  for (uint64_t size : {0, 1, 255, 256, 257, 1000, 2000}) {
    EXPECT_EQ(log->Root("a", size).value(), roots[k++]) << size;
  }
  // It goes on where it stopped.
  EXPECT_EQ(log->Append("a", AsBytes("more")).value(), want["a"].size());
}

TEST_F(EventLogTest, VerifyOnOpen) {
  EventLogOptions o = Options();
  {
    auto log = Open(o);
    ASSERT_TRUE(log->AppendBatch("s", Events("s", 0, 1000)).ok());
  }
  o.verify_on_open = true;
  auto log = Open(o);
  EXPECT_EQ(log->Size("s").value(), 1000u);
}

// Appenders on three threads; the machine loses power at a random moment (unsynced bytes dropped
// or torn); after reopening, every acknowledged event reads back, anything else read back is
// something that was attempted, and the tree verifies and matches the events.
TEST_F(EventLogTest, CrashesKeepEveryAcknowledgedAppend) {
  std::mt19937_64 rng(77);
  std::map<std::string, std::map<uint64_t, std::string>> acked;
  std::set<std::string> attempted;
  std::mutex mu;
  for (int trial = 0; trial < 12; ++trial) {
    EventLogOptions o = Options();
    o.checkpoint_pages = 1 + rng() % 3;
    auto log = Open(o);
    ASSERT_NE(log, nullptr) << "trial " << trial;
    // Checkpoints vouch only for synced pages, so a crash never costs more than re-hashing.
    EXPECT_TRUE(log->recovery().trees_rebuilt.empty()) << "trial " << trial;
    // What earlier trials acknowledged is all there.
    for (const auto& [stream, events] : acked) {
      std::vector<std::string> got = All(log.get(), stream);
      for (const auto& [index, content] : events) {
        ASSERT_LT(index, got.size()) << stream << " trial " << trial;
        ASSERT_EQ(got[index], content) << stream << "[" << index << "] trial " << trial;
      }
      for (const std::string& e : got) ASSERT_TRUE(attempted.count(e)) << e;
      ASSERT_TRUE(log->VerifyStream(stream).ok()) << stream << " trial " << trial;
      ASSERT_EQ(log->Root(stream, got.size()).value(), NaiveRoot(got));
    }
    // The crash comes after a random number of acknowledged batches, while the others are in
    // flight (or at rest, when the threads finish first).
    std::condition_variable cv;
    int acked_batches = 0, finished = 0;
    const int crash_after = static_cast<int>(rng() % 130);
    std::vector<std::thread> threads;
    for (int t = 0; t < 3; ++t) {
      threads.emplace_back([&, t, seed = rng()] {
        std::mt19937_64 r(seed);
        const std::string stream = t == 2 ? "shared" : "s" + std::to_string(t);
        for (int i = 0; i < 40; ++i) {
          std::vector<std::string> batch;
          const size_t n = 1 + r() % (r() % 4 == 0 ? 600 : 20);
          for (size_t k = 0; k < n; ++k) {
            batch.push_back("t" + std::to_string(trial) + "." + std::to_string(t) + "." +
                            std::to_string(i) + "." + std::to_string(k) +
                            std::string(r() % 40, 'p'));
          }
          {
            std::lock_guard<std::mutex> lock(mu);
            attempted.insert(batch.begin(), batch.end());
          }
          auto first = log->AppendBatch(stream, batch);
          std::lock_guard<std::mutex> lock(mu);
          if (!first.ok()) break;  // the crash happened
          for (size_t k = 0; k < n; ++k) acked[stream][*first + k] = batch[k];
          ++acked_batches;
          cv.notify_all();
        }
        std::lock_guard<std::mutex> lock(mu);
        ++finished;
        cv.notify_all();
      });
    }
    {
      std::unique_lock<std::mutex> lock(mu);
      cv.wait(lock, [&] { return acked_batches >= crash_after || finished == 3; });
    }
    ASSERT_TRUE(fault_->SimulateCrash(core::CrashOptions{.torn_tail = rng() % 2 == 0}).ok());
    for (auto& th : threads) th.join();
    log.reset();  // its handles died with the crash; nothing it does now reaches the disk
  }
  auto log = Open();
  for (const auto& [stream, events] : acked) {
    std::vector<std::string> got = All(log.get(), stream);
    for (const auto& [index, content] : events) ASSERT_EQ(got.at(index), content);
    EXPECT_TRUE(log->VerifyStream(stream).ok());
  }
}

TEST_F(EventLogTest, TornTailIsCutAndSaved) {
  {
    auto log = Open();
    ASSERT_TRUE(log->AppendBatch("s", Events("s", 0, 300)).ok());
  }
  // Half a record at the end of the active segment, as a crash mid-write leaves it.
  auto names = base_->ListDir("/el/log").value();
  std::string seg;
  for (const auto& n : names) {
    if (n.rfind("seg-", 0) == 0 && n.find(".tail") == std::string::npos) seg = n;
  }
  ASSERT_FALSE(seg.empty());
  {
    auto f = base_->OpenFile("/el/log/" + seg, {}).value();
    ASSERT_TRUE(f->Append(AsBytes(std::string("CARN\x01\x02\x03\x04\x10\x00\x00\x00", 12))).ok());
    ASSERT_TRUE(f->Append(AsBytes("garbage")).ok());
  }
  auto log = Open();
  EXPECT_GT(log->recovery().truncated_bytes, 0u);
  EXPECT_EQ(All(log.get(), "s"), Events("s", 0, 300));
  EXPECT_EQ(log->Append("s", AsBytes("after")).value(), 300u);
  EXPECT_TRUE(log->VerifyStream("s").ok());
}

TEST_F(EventLogTest, CorruptPagesAreRebuiltOrReported) {
  EventLogOptions o = Options();
  o.checkpoint_pages = 1;
  const uint64_t n = 65536 + 600;  // one complete tier-1 page
  std::vector<std::string> events;
  {
    auto log = Open(o);
    for (uint64_t i = 0; i < n; i += 4096) {
      auto batch = Events("e", i, std::min<uint64_t>(4096, n - i));
      ASSERT_TRUE(log->AppendBatch("s", batch).ok());
      events.insert(events.end(), batch.begin(), batch.end());
    }
  }
  const Hash root = NaiveRoot(events);
  auto flip = [&](const std::string& path, uint64_t offset) {
    auto f = base_->OpenFile(path, {}).value();
    uint8_t b;
    ASSERT_EQ(f->ReadAt(offset, MutableByteSpan(&b, 1)).value(), 1u);
    b ^= 0x40;
    ASSERT_TRUE(f->WriteAt(offset, ByteSpan(&b, 1)).ok());
  };
  // Page 5 of tier 0 sits under the complete tier-1 page: recovery does not read it, but every
  // read of it checks it, and VerifyStream finds it.
  flip("/el/tree/1/tier-0.pages", 5 * kPageBytes + 1000);
  {
    auto log = Open(o);
    EXPECT_TRUE(log->recovery().trees_rebuilt.empty());
    EXPECT_EQ(log->Root("s", n).value(), root);
    EXPECT_EQ(log->InclusionProof("s", 5 * 256 + 3, n).status().code(), StatusCode::kDataLoss);
    EXPECT_EQ(log->VerifyStream("s").code(), StatusCode::kDataLoss);
  }
  // A page recovery needs (under the last, incomplete tier-1 page): the tree is rebuilt.
  flip("/el/tree/1/tier-0.pages", 257 * kPageBytes + 5);
  auto log = Open(o);
  ASSERT_EQ(log->recovery().trees_rebuilt, std::vector<std::string>{"s"});
  EXPECT_EQ(log->recovery().leaves_rehashed, n);
  EXPECT_EQ(log->Root("s", n).value(), root);
  EXPECT_TRUE(log->VerifyStream("s").ok());  // page 5 was rewritten too
  std::vector<Hash> proof;
  ASSERT_TRUE(log->InclusionProof("s", 5 * 256 + 3, n, &proof).ok());
  EXPECT_TRUE(
      VerifyInclusion(5 * 256 + 3, n, EventLeafHash(AsBytes(events[5 * 256 + 3])), proof, root)
          .ok());
}

TEST_F(EventLogTest, ConditionalAppends) {
  auto log = Open();
  AppendOptions at0;
  at0.expected_size = 0;
  std::vector<ByteSpan> one = {AsBytes("a")};
  EXPECT_EQ(log->AppendBatch("s", one, at0).value(), 0u);
  EXPECT_EQ(log->AppendBatch("s", one, at0).status().code(), StatusCode::kFailedPrecondition);
  AppendOptions at1;
  at1.expected_size = 1;
  EXPECT_EQ(log->AppendBatch("s", one, at1).value(), 1u);
  AppendOptions root_only;
  root_only.expected_root = Hash{};
  EXPECT_EQ(log->AppendBatch("s", one, root_only).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(log->Size("s").value(), 2u);
}

// A follower copies a stream from a leader, verifying every chunk against the leader's signed
// head before committing it (the loop docs/eventlog.md describes).
TEST_F(EventLogTest, FollowerCommitsOnlyVerifiedEvents) {
  auto leader = Open(Options("/leader"));
  auto follower = Open(Options("/follower"));
  ASSERT_TRUE(leader->AppendBatch("s", Events("s", 0, 1000)).ok());
  auto head = leader->SignedHead("s").value();
  auto vkey = ParseVerifierKey(leader->VerifierKeyText("s")).value();
  auto cp = OpenCheckpoint(head.note, vkey.key, vkey.name);
  ASSERT_TRUE(cp.ok()) << cp.status();
  ASSERT_EQ(cp->size, 1000u);

  uint64_t have = 0;
  while (have < cp->size) {
    const uint64_t to = std::min<uint64_t>(cp->size, have + 300);
    // The chunk's end root, proven consistent with the signed head.
    Hash root_to = leader->Root("s", to).value();
    if (to < cp->size) {
      auto proof = leader->ConsistencyProof("s", to, cp->size).value();
      ASSERT_TRUE(VerifyConsistency(to, cp->size, root_to, cp->root, proof).ok());
    } else {
      ASSERT_EQ(root_to, cp->root);
    }
    auto events = leader->Read("s", have, to).value();
    std::vector<ByteSpan> spans;
    for (const auto& e : events) spans.push_back(AsBytes(e));
    if (have == 300) {
      // A peer that sends something else is refused, and nothing is written.
      std::vector<std::string> forged = events;
      forged[7] += "!";
      std::vector<ByteSpan> fs;
      for (const auto& e : forged) fs.push_back(AsBytes(e));
      EXPECT_EQ(follower->AppendVerified("s", have, fs, root_to).status().code(),
                StatusCode::kInvalidArgument);
      EXPECT_EQ(follower->Size("s").value(), have);
      EXPECT_EQ(follower->AppendVerified("s", have + 1, spans, root_to).status().code(),
                StatusCode::kFailedPrecondition);
    }
    ASSERT_EQ(follower->AppendVerified("s", have, spans, root_to).value(), have);
    have = to;
  }
  EXPECT_EQ(follower->Root("s", 1000).value(), cp->root);
  EXPECT_EQ(All(follower.get(), "s"), All(leader.get(), "s"));
  // The follower signs the same tree with its own key.
  auto fhead = follower->SignedHead("s").value();
  EXPECT_EQ(fhead.root, cp->root);
  EXPECT_NE(follower->public_key(), leader->public_key());
}

TEST_F(EventLogTest, SignedHeads) {
  auto log = Open();
  ASSERT_TRUE(log->AppendBatch("orders", Events("o", 0, 10)).ok());
  auto head = log->SignedHead("orders");
  ASSERT_TRUE(head.ok()) << head.status();
  EXPECT_EQ(head->origin, "cairn.test/eventlog/orders");
  EXPECT_EQ(head->size, 10u);
  EXPECT_EQ(head->root, log->Root("orders", 10).value());
  EXPECT_EQ(head->note.rfind("cairn.test/eventlog/orders\n10\n", 0), 0u) << head->note;
  auto cp = OpenCheckpoint(head->note, log->public_key());
  ASSERT_TRUE(cp.ok()) << cp.status();
  EXPECT_EQ(cp->origin, head->origin);
  EXPECT_EQ(cp->size, 10u);
  EXPECT_EQ(cp->root, head->root);
  EXPECT_EQ(CheckpointTimestamp(*cp), head->timestamp_ns);
  EXPECT_GT(head->timestamp_ns, 0u);
  // Tampered heads and other keys fail.
  std::string bad = head->note;
  bad[bad.find("\n10\n") + 2] = '1';
  EXPECT_FALSE(OpenCheckpoint(bad, log->public_key()).ok());
  auto other = Open(Options("/other"));
  EXPECT_FALSE(OpenCheckpoint(head->note, other->public_key()).ok());
  // Old sizes can be signed too.
  auto old = log->SignHead("orders", 3).value();
  EXPECT_EQ(OpenCheckpoint(old.note, log->public_key()).value().root,
            log->Root("orders", 3).value());
  EXPECT_EQ(log->SignHead("orders", 11).status().code(), StatusCode::kOutOfRange);
  // An explicit key name.
  EventLogOptions o = Options("/named");
  o.key_name = "node-7";
  auto named = Open(o);
  ASSERT_TRUE(named->Append("x", AsBytes("y")).ok());
  auto nh = named->SignedHead("x").value();
  EXPECT_NE(nh.note.find("\xE2\x80\x94 node-7 "), std::string::npos);
  EXPECT_TRUE(OpenCheckpoint(nh.note, named->public_key(), "node-7").ok());
  EXPECT_EQ(ParseVerifierKey(named->VerifierKeyText("x")).value().name, "node-7");
}

TEST_F(EventLogTest, ConcurrentAppendersGetContiguousIndices) {
  auto log = Open();
  constexpr int kThreads = 8, kEach = 60;
  std::vector<std::vector<std::pair<uint64_t, std::string>>> got(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      const std::string stream = t % 2 == 0 ? "even" : "odd";
      for (int i = 0; i < kEach; ++i) {
        std::vector<std::string> batch = {Event("t" + std::to_string(t), i),
                                          Event("u" + std::to_string(t), i)};
        auto first = log->AppendBatch(stream, batch);
        ASSERT_TRUE(first.ok()) << first.status();
        got[t].emplace_back(*first, batch[0]);
        got[t].emplace_back(*first + 1, batch[1]);
      }
    });
  }
  for (auto& th : threads) th.join();
  for (std::string stream : {"even", "odd"}) {
    std::vector<std::string> all = All(log.get(), stream);
    ASSERT_EQ(all.size(), size_t{kThreads / 2 * kEach * 2});
    for (int t = stream == "even" ? 0 : 1; t < kThreads; t += 2) {
      for (const auto& [index, content] : got[t]) EXPECT_EQ(all[index], content);
    }
    EXPECT_EQ(log->Root(stream, all.size()).value(), NaiveRoot(all));
  }
  EXPECT_LE(log->stats().commits, uint64_t{kThreads * kEach});
  EXPECT_EQ(log->stats().events_appended, uint64_t{kThreads * kEach * 2});
}

// Proofs and roots asked for while the tree grows under them: each verifies against the root of
// its size, and every root ever seen matches the final events.
TEST_F(EventLogTest, ProofsWhileAppending) {
  EventLogOptions o = Options();
  o.page_cache_bytes = 1;  // readers go to the page files too
  auto log = Open(o);
  std::atomic<bool> done{false};
  std::vector<std::string> all;
  std::thread writer([&] {
    std::mt19937_64 r(5);
    for (int i = 0; i < 60; ++i) {
      auto batch = Events("w", all.size(), 1 + r() % 700);
      ASSERT_EQ(log->AppendBatch("s", batch).value(), all.size());
      all.insert(all.end(), batch.begin(), batch.end());
    }
    done = true;
  });
  std::mutex mu;
  std::map<uint64_t, Hash> roots_seen;
  std::vector<std::thread> readers;
  for (int t = 0; t < 2; ++t) {
    readers.emplace_back([&, t] {
      std::mt19937_64 r(100 + t);
      std::vector<Hash> proof;
      while (!done) {
        const uint64_t size = log->Size("s").value_or(0);
        if (size == 0) continue;
        const uint64_t at = 1 + r() % size;
        const Hash root = log->Root("s", at).value();
        const uint64_t index = r() % at;
        ASSERT_TRUE(log->InclusionProof("s", index, at, &proof).ok());
        ASSERT_TRUE(
            VerifyInclusion(index, at, log->LeafHash("s", index).value(), proof, root).ok());
        const uint64_t older = 1 + r() % at;
        ASSERT_TRUE(log->ConsistencyProof("s", older, at, &proof).ok());
        ASSERT_TRUE(VerifyConsistency(older, at, log->Root("s", older).value(), root, proof).ok());
        std::lock_guard<std::mutex> lock(mu);
        roots_seen[at] = root;
      }
    });
  }
  writer.join();
  for (auto& th : readers) th.join();
  for (const auto& [size, root] : roots_seen) {
    std::vector<std::string> prefix(all.begin(), all.begin() + static_cast<ptrdiff_t>(size));
    ASSERT_EQ(root, NaiveRoot(prefix)) << size;
  }
  EXPECT_FALSE(roots_seen.empty());
}

TEST_F(EventLogTest, FailedSyncIsStickyUntilReopened) {
  auto log = Open();
  ASSERT_TRUE(log->AppendBatch("s", Events("s", 0, 10)).ok());
  fault_->InjectFault(core::FaultRule{.op = core::FaultOp::kSync,
                                      .kind = core::FaultKind::kSyncFailure,
                                      .path_contains = "/el/log/"});
  EXPECT_EQ(log->Append("s", AsBytes("doomed")).status().code(), StatusCode::kIoError);
  EXPECT_EQ(log->Append("s", AsBytes("later")).status().code(), StatusCode::kIoError);
  EXPECT_EQ(log->Size("s").value(), 10u);
  log.reset();
  ASSERT_TRUE(fault_->SimulateCrash().ok());
  log = Open();
  EXPECT_EQ(All(log.get(), "s"), Events("s", 0, 10));
  EXPECT_EQ(log->Append("s", AsBytes("works")).value(), 10u);
}

TEST_F(EventLogTest, FailedTreeWriteBreaksAppendsUntilReopened) {
  auto log = Open();
  fault_->InjectFault(core::FaultRule{
      .op = core::FaultOp::kWrite, .kind = core::FaultKind::kIoError, .path_contains = "tier-0"});
  ASSERT_TRUE(log->AppendBatch("s", Events("s", 0, 300)).ok());  // durable; the tree fails later
  EXPECT_EQ(log->WaitForTree().code(), StatusCode::kIoError);
  EXPECT_EQ(log->Append("s", AsBytes("x")).status().code(), StatusCode::kIoError);
  EXPECT_EQ(log->Root("s", 300).status().code(), StatusCode::kIoError);
  EXPECT_TRUE(log->Root("s", 0).ok());
  log.reset();
  fault_->ClearFaults();
  log = Open();
  EXPECT_EQ(log->Root("s", 300).value(), NaiveRoot(Events("s", 0, 300)));
  EXPECT_TRUE(log->Append("s", AsBytes("x")).ok());
}

TEST_F(EventLogTest, HashThreadsAndBackpressureGiveTheSameTree) {
  EventLogOptions o = Options();
  o.hash_threads = 2;
  o.max_unhashed_bytes = 1;  // every commit waits for the previous one to be hashed
  o.page_cache_bytes = 1;
  auto log = Open(o);
  std::vector<std::string> all;
  for (uint64_t n : {5u, 9000u, 3u, 4096u, 300u}) {
    auto batch = Events("h", all.size(), n);
    ASSERT_EQ(log->AppendBatch("s", batch).value(), all.size());
    all.insert(all.end(), batch.begin(), batch.end());
  }
  EXPECT_EQ(log->Root("s", all.size()).value(), NaiveRoot(all));
  EXPECT_TRUE(log->VerifyStream("s").ok());
  ASSERT_TRUE(log->WaitForTree().ok());
  EXPECT_EQ(log->stats().unhashed_bytes, 0u);
}

}  // namespace
}  // namespace cairn::eventlog
