// Crash test for the event log end to end (run by ctest; `make soak` runs it with more trials).
//
//   eventlog_crash_test [TRIALS] [SEED] [CAIRND]
//
// Each trial starts the real cairnd (only the API port) on one data directory shared by all
// trials, and first checks what the previous crashes left, through the HTTP API:
//   - the signed head verifies with the log's key (the same key every trial);
//   - the head is consistent with the head verified after the previous trial (a consistency
//     proof from the old size, checked against the old root);
//   - every event the previous trials had acknowledged (HTTP 200 with its first index) is
//     there, at its index, with its bytes;
//   - the tree verifies: the head's root equals the RFC 9162 root this test computes itself over
//     every event of the stream (leaf hashes kept from earlier trials, new events read now).
// Then two client threads append batches of 1-64 random events (binary bodies) while the test
// kills cairnd with SIGKILL after a random 30-200 ms. The clients are threads of this process, so
// they know exactly which appends were acknowledged. After the last trial cairnd is started once
// more for a final check and stopped with SIGTERM. Ends with "eventlog crash test: N passed, 0
// failed" or exits non-zero.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "faces/eventlog/log_codec.h"
#include "models/eventlog/proofs.h"
#include "models/eventlog/signed_note.h"
#include "net/http_client.h"

#ifndef CAIRN_CAIRND_PATH
#define CAIRN_CAIRND_PATH "cairnd"
#endif

namespace {

using namespace cairn;
using eventlog::Hash;
using json = nlohmann::json;

constexpr int kClients = 2;
constexpr const char* kStream = "crash";

uint16_t FreePort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  socklen_t len = sizeof(addr);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

pid_t StartNode(const std::string& cairnd, const std::string& dir, uint16_t port) {
  std::string data = dir + "/data";
  std::string api = std::to_string(port);
  std::string log = dir + "/cairnd.log";
  pid_t pid = ::fork();
  if (pid == 0) {
    int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0) {
      ::dup2(fd, 1);
      ::dup2(fd, 2);
    }
    const char* argv[] = {cairnd.c_str(),
                          "--data-dir",
                          data.c_str(),
                          "--api-port",
                          api.c_str(),
                          "--s3-port",
                          "0",
                          "--resp-port",
                          "0",
                          "--rpc-port",
                          "0",
                          "--threads",
                          "4",
                          "--log-level",
                          "warn",
                          "--gc-interval",
                          "0",
                          nullptr};
    ::execv(cairnd.c_str(), const_cast<char* const*>(argv));
    std::_Exit(127);
  }
  return pid;
}

std::string Url(uint16_t port, const std::string& path) {
  return "http://127.0.0.1:" + std::to_string(port) + path;
}

bool WaitReady(pid_t pid, uint16_t port) {
  net::HttpClientOptions o;
  o.timeout = std::chrono::milliseconds(500);
  for (int i = 0; i < 2000; ++i) {
    int status = 0;
    if (::waitpid(pid, &status, WNOHANG) == pid) return false;
    auto r = net::HttpGet(Url(port, "/health"), o);
    if (r.ok() && r->status == 200) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return false;
}

// What the clients were told: index -> event, for every acknowledged append.
struct Ledger {
  std::mutex mutex;
  std::map<uint64_t, std::string> acked;
  uint64_t batches = 0;
  std::string error;
};

void Client(uint16_t port, Ledger* ledger, uint64_t seed, std::atomic<bool>* stop) {
  std::mt19937_64 rng(seed);
  net::HttpClientOptions o;
  o.timeout = std::chrono::milliseconds(10'000);
  while (!stop->load()) {
    std::vector<std::string> events(1 + rng() % 64);
    for (auto& e : events) {
      e.resize(rng() % 200);
      for (char& c : e) c = static_cast<char>(rng());
    }
    auto r = net::HttpFetch("POST", Url(port, std::string("/v1/log/") + kStream + "/append"),
                            eventlog_face::EncodeEventsBody(events), eventlog_face::kEventsType, o);
    if (!r.ok()) return;  // the node died: this batch is in flight forever
    std::lock_guard<std::mutex> lock(ledger->mutex);
    json body = json::parse(r->body, nullptr, false);
    if (r->status != 200 || !body.is_object() || !body.contains("first_index")) {
      if (ledger->error.empty()) {
        ledger->error = "append answered " + std::to_string(r->status) + ": " + r->body;
      }
      return;
    }
    uint64_t first = body["first_index"].get<uint64_t>();
    for (size_t i = 0; i < events.size(); ++i) ledger->acked[first + i] = std::move(events[i]);
    ++ledger->batches;
  }
}

// RFC 9162 roots over a growing list of leaves: the compact range (perfect subtrees, largest
// first), folded from the right.
class Tree {
 public:
  void Add(const Hash& leaf) {
    stack_.push_back({1, leaf});
    while (stack_.size() >= 2 && stack_[stack_.size() - 2].first == stack_.back().first) {
      auto right = stack_.back();
      stack_.pop_back();
      stack_.back().second = eventlog::NodeHash(stack_.back().second, right.second);
      stack_.back().first *= 2;
    }
    ++size_;
  }
  Hash Root() const {
    if (stack_.empty()) return eventlog::EmptyTreeRoot();
    Hash r = stack_.back().second;
    for (size_t i = stack_.size() - 1; i-- > 0;) r = eventlog::NodeHash(stack_[i].second, r);
    return r;
  }
  uint64_t size() const { return size_; }

 private:
  std::vector<std::pair<uint64_t, Hash>> stack_;
  uint64_t size_ = 0;
};

struct Verified {
  Tree tree;
  std::optional<eventlog::VerifierKey> key;
  uint64_t size = 0;
  Hash root = eventlog::EmptyTreeRoot();
};

#define CHECK_OR_FAIL(cond, ...)         \
  do {                                   \
    if (!(cond)) {                       \
      std::fprintf(stderr, __VA_ARGS__); \
      std::fprintf(stderr, "\n");        \
      return false;                      \
    }                                    \
  } while (0)

bool Verify(uint16_t port, Ledger* ledger, Verified* v) {
  const std::string base = std::string("/v1/log/") + kStream;
  auto head = net::HttpGet(Url(port, base + "/head"));
  CHECK_OR_FAIL(head.ok(), "head: %s", head.status().ToString().c_str());
  if (head->status == 404 && v->size == 0) {
    std::lock_guard<std::mutex> lock(ledger->mutex);
    CHECK_OR_FAIL(ledger->acked.empty(), "the stream is gone but appends were acknowledged");
    return true;
  }
  CHECK_OR_FAIL(head->status == 200, "head: HTTP %d %s", head->status, head->body.c_str());
  json h = json::parse(head->body);
  auto key = eventlog::ParseVerifierKey(h["key"].get<std::string>());
  CHECK_OR_FAIL(key.ok(), "bad key");
  if (!v->key) v->key = *key;
  CHECK_OR_FAIL(v->key->key == key->key, "the log's key changed across a crash");
  auto cp = eventlog::OpenCheckpoint(h["note"].get<std::string>(), v->key->key, v->key->name);
  CHECK_OR_FAIL(cp.ok(), "signed head: %s", cp.status().ToString().c_str());
  const uint64_t size = cp->size;
  CHECK_OR_FAIL(size >= v->size, "the stream shrank from %llu to %llu",
                static_cast<unsigned long long>(v->size), static_cast<unsigned long long>(size));
  if (v->size > 0 && size > v->size) {
    auto p = net::HttpGet(Url(port, base + "/proof/consistency?first=" + std::to_string(v->size) +
                                        "&second=" + std::to_string(size)));
    CHECK_OR_FAIL(p.ok() && p->status == 200, "consistency proof failed");
    std::vector<Hash> proof;
    const json doc = json::parse(p->body);
    for (const auto& x : doc["proof"]) {
      proof.push_back(*eventlog_face::HashFromBase64(x.get<std::string>()));
    }
    Status s = eventlog::VerifyConsistency(v->size, size, v->root, cp->root, proof);
    CHECK_OR_FAIL(s.ok(), "not consistent with the previous head: %s", s.ToString().c_str());
  }
  // Read the new events and check the acknowledged ones.
  std::lock_guard<std::mutex> lock(ledger->mutex);
  if (!ledger->acked.empty()) {
    const uint64_t last = ledger->acked.rbegin()->first;
    CHECK_OR_FAIL(last < size, "acknowledged index %llu is missing (size %llu)",
                  static_cast<unsigned long long>(last), static_cast<unsigned long long>(size));
  }
  uint64_t at = v->tree.size();
  while (at < size) {
    auto r = net::HttpGet(
        Url(port, base + "/sync?start=" + std::to_string(at) + "&head=" + std::to_string(size)));
    CHECK_OR_FAIL(r.ok() && r->status == 200, "sync read failed");
    auto batch = eventlog_face::DecodeSyncBatch(r->body);
    CHECK_OR_FAIL(batch.ok() && batch->start == at && !batch->events.empty(), "bad sync batch");
    for (const std::string& e : batch->events) {
      auto it = ledger->acked.find(at);
      if (it != ledger->acked.end()) {
        CHECK_OR_FAIL(it->second == e, "event %llu differs from the acknowledged one",
                      static_cast<unsigned long long>(at));
      }
      v->tree.Add(eventlog::EventLeafHash(AsBytes(e)));
      ++at;
    }
  }
  const Hash root = v->tree.Root();
  CHECK_OR_FAIL(root == cp->root, "the head's root is not the root over the events (size %llu)",
                static_cast<unsigned long long>(size));
  v->size = size;
  v->root = root;
  // Verified: everything so far is now history the next trials must keep.
  ledger->acked.erase(ledger->acked.begin(), ledger->acked.lower_bound(size));
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  const int trials = argc > 1 ? std::atoi(argv[1]) : 50;
  const uint64_t seed = argc > 2 ? std::strtoull(argv[2], nullptr, 10)
                                 : static_cast<uint64_t>(std::random_device{}());
  const std::string cairnd = argc > 3 ? argv[3] : CAIRN_CAIRND_PATH;
  char tmpl[] = "/tmp/cairn-eventlog-crash-XXXXXX";
  const std::string dir = ::mkdtemp(tmpl);
  std::printf("eventlog crash test: %d trials, seed %llu, dir %s\n", trials,
              static_cast<unsigned long long>(seed), dir.c_str());
  std::mt19937_64 rng(seed);
  Ledger ledger;
  Verified verified;
  int passed = 0;
  for (int t = 0; t <= trials; ++t) {
    const uint16_t port = FreePort();
    pid_t pid = StartNode(cairnd, dir, port);
    if (!WaitReady(pid, port)) {
      std::fprintf(stderr, "trial %d: cairnd did not start (see %s/cairnd.log)\n", t, dir.c_str());
      return 1;
    }
    if (!Verify(port, &ledger, &verified)) {
      std::fprintf(stderr, "trial %d FAILED (seed %llu, dir %s)\n", t,
                   static_cast<unsigned long long>(seed), dir.c_str());
      ::kill(pid, SIGKILL);
      return 1;
    }
    if (t == trials) {  // the final check passed: stop cleanly
      ::kill(pid, SIGTERM);
      int status = 0;
      ::waitpid(pid, &status, 0);
      break;
    }
    std::atomic<bool> stop{false};
    std::vector<std::thread> clients;
    for (int c = 0; c < kClients; ++c) {
      clients.emplace_back(Client, port, &ledger, rng(), &stop);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(30 + rng() % 170));
    ::kill(pid, SIGKILL);
    int status = 0;
    ::waitpid(pid, &status, 0);
    stop = true;
    for (auto& c : clients) c.join();
    if (!ledger.error.empty()) {
      std::fprintf(stderr, "trial %d: %s\n", t, ledger.error.c_str());
      return 1;
    }
    ++passed;
  }
  std::printf("eventlog crash test: %llu events in %llu acknowledged batches verified\n",
              static_cast<unsigned long long>(verified.size),
              static_cast<unsigned long long>(ledger.batches));
  std::printf("eventlog crash test: %d passed, 0 failed\n", passed);
  std::filesystem::remove_all(dir);
  return 0;
}
