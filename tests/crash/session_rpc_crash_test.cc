// Crash test for the Session storage RPC end to end (run by ctest; `make soak` runs it with many
// more trials).
//
//   session_rpc_crash_test [TRIALS] [SEED] [CAIRND]
//
// Each trial starts the real cairnd (only the RPC face, sweeping expired messages every second)
// on one data directory shared by all trials, and first checks what the previous crashes left:
// it retrieves every mailbox of the test's accounts (signed retrieves, paging with last_hash)
// and requires that
//   - every acknowledged store (HTTP 200) whose expiry is still ahead is there, with its data and
//     an expiry at least the acknowledged one,
//   - every message returned was sent by the test (acknowledged or in flight at a kill), with an
//     expiry no later than the latest one sent for it,
//   - no message returned has expired (expiration > the response's `t`).
// Then four client threads store messages (Session IDs in namespaces 0 unsigned and 3 signed, a
// closed group in namespace 11; some duplicates with a longer TTL, some that expire within
// seconds, some already expired on arrival) while the test kills cairnd with SIGKILL after a
// random 30-250 ms. The clients are threads of this process, so they see exactly which stores
// were acknowledged. After the last trial cairnd is started once more for a final check and
// stopped with SIGTERM. Ends with "session rpc crash test: N passed, 0 failed" or exits
// non-zero.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sodium.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "faces/session_rpc/auth.h"
#include "faces/session_rpc/encoding.h"
#include "faces/session_rpc/message_hash.h"

#ifndef CAIRN_CAIRND_PATH
#define CAIRN_CAIRND_PATH "cairnd"
#endif

namespace {

using namespace cairn;
using namespace cairn::session_rpc;
using json = nlohmann::json;

constexpr int kClients = 4;
constexpr int64_t kDayMs = 86'400'000;
// A message must be returned when its acknowledged expiry is this far past the response's `t`
// (the node filters with its clock a moment after it took `t`).
constexpr int64_t kPresenceMarginMs = 1000;

int64_t WallMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// ---- A minimal blocking HTTP/1.1 client (keep-alive, Content-Length bodies) ----

class HttpClient {
 public:
  explicit HttpClient(uint16_t port) : port_(port) {}
  ~HttpClient() { Close(); }

  // POSTs `body` to /storage_rpc/v1; (status, body), or nullopt when the connection failed
  // (the node died): the request may or may not have been carried out.
  std::optional<std::pair<int, std::string>> Post(const std::string& body) {
    if (fd_ < 0 && !Connect()) return std::nullopt;
    std::string req =
        "POST /storage_rpc/v1 HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        "Content-Type: application/json\r\nContent-Length: " +
        std::to_string(body.size()) + "\r\n\r\n" + body;
    if (!SendAll(req)) return Fail();
    std::string head;
    size_t end;
    while ((end = buf_.find("\r\n\r\n")) == std::string::npos) {
      if (!Fill()) return Fail();
    }
    head = buf_.substr(0, end);
    buf_.erase(0, end + 4);
    int status = 0;
    if (std::sscanf(head.c_str(), "HTTP/1.1 %d", &status) != 1) return Fail();
    size_t length = 0;
    size_t pos = head.find("Content-Length: ");
    if (pos == std::string::npos) pos = head.find("content-length: ");
    if (pos != std::string::npos) length = std::strtoull(head.c_str() + pos + 16, nullptr, 10);
    while (buf_.size() < length) {
      if (!Fill()) return Fail();
    }
    std::string out = buf_.substr(0, length);
    buf_.erase(0, length);
    return std::make_pair(status, std::move(out));
  }

  void Close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
    buf_.clear();
  }

 private:
  bool Connect() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd_ < 0) return false;
    timeval tv{10, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port_);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
      Close();
      return false;
    }
    return true;
  }
  bool SendAll(const std::string& data) {
    for (size_t off = 0; off < data.size();) {
      ssize_t n = ::send(fd_, data.data() + off, data.size() - off, MSG_NOSIGNAL);
      if (n <= 0) return false;
      off += static_cast<size_t>(n);
    }
    return true;
  }
  bool Fill() {
    char tmp[65536];
    ssize_t n = ::recv(fd_, tmp, sizeof(tmp), 0);
    if (n <= 0) return false;
    buf_.append(tmp, static_cast<size_t>(n));
    return true;
  }
  std::nullopt_t Fail() {
    Close();
    return std::nullopt;
  }

  uint16_t port_;
  int fd_ = -1;
  std::string buf_;
};

// ---- Accounts ----

struct Account {
  std::array<uint8_t, 64> secret{};
  Ed25519PublicKey ed25519{};
  AccountId id;
  bool session = true;  // 05 Session ID (signs with pubkey_ed25519); else an 03 group
  int16_t signed_ns = 3;

  // Params that authenticate a request of this account signed over `bytes`.
  json Auth(const std::string& bytes) const {
    Ed25519Signature sig = SignEd25519(secret, bytes);
    json p = {{"pubkey", id.Hex()}, {"signature", Base64Encode(ByteSpan(sig))}};
    if (session) p["pubkey_ed25519"] = HexEncode(ByteSpan(ed25519));
    return p;
  }
};

Account MakeAccount(uint8_t seed_byte, bool session) {
  Account a;
  std::array<uint8_t, 32> seed;
  seed.fill(seed_byte);
  crypto_sign_seed_keypair(a.ed25519.data(), a.secret.data(), seed.data());
  a.session = session;
  a.id.prefix = session ? 0x05 : 0x03;
  a.id.key = session ? Ed25519ToX25519(a.ed25519).value() : a.ed25519;
  a.signed_ns = session ? 3 : 11;
  return a;
}

// ---- What the node was asked to store, and what it acknowledged ----

struct Expected {
  std::string data;
  int64_t acked_expiry = -1;  // the latest expiry of an acknowledged store; -1: none
  int64_t max_expiry = -1;    // the latest expiry of any store sent
};

using MailboxKey = std::pair<int, int16_t>;  // (account index, namespace)

struct Ledger {
  std::mutex mutex;
  std::map<MailboxKey, std::map<std::string, Expected>> mailboxes;  // hash -> expected
  uint64_t acked = 0;
  uint64_t sent = 0;
  std::string error;  // the first unexpected answer a client saw
};

struct Store {
  int account;
  int16_t ns;
  std::string data;
  int64_t timestamp;
  int64_t ttl;
};

json StoreParams(const Account& a, const Store& s) {
  json p = {{"pubkey", a.id.Hex()},
            {"timestamp", s.timestamp},
            {"ttl", s.ttl},
            {"data", Base64Encode(s.data)}};
  if (s.ns != 0) {
    p.update(a.Auth("store" + std::to_string(s.ns) + std::to_string(s.timestamp)));
    p["namespace"] = s.ns;
  }
  return p;
}

void Client(uint16_t port, const std::vector<Account>* accounts, Ledger* ledger, uint64_t seed,
            int trial, int worker, std::atomic<bool>* stop) {
  HttpClient http(port);
  std::mt19937_64 rng(seed);
  std::vector<Store> mine;  // for duplicates
  for (uint64_t op = 0; !stop->load(); ++op) {
    const int64_t now = WallMs();
    Store s;
    uint64_t r = rng() % 100;
    if (r < 10 && !mine.empty()) {
      s = mine[rng() % mine.size()];  // a duplicate with a later expiry
      s.timestamp = now;
      s.ttl = kDayMs + static_cast<int64_t>(rng() % kDayMs);
    } else {
      s.account = static_cast<int>(rng() % accounts->size());
      const Account& a = (*accounts)[static_cast<size_t>(s.account)];
      s.ns = a.session && rng() % 2 == 0 ? 0 : a.signed_ns;
      s.data = "trial " + std::to_string(trial) + " worker " + std::to_string(worker) + " op " +
               std::to_string(op) + " " +
               std::string(rng() % 300, static_cast<char>('a' + op % 26));
      if (r < 25) {
        // Expires within 0.2-3 s: the minimum TTL from a timestamp in the past.
        s.ttl = 10'000;
        s.timestamp = now - s.ttl + 200 + static_cast<int64_t>(rng() % 2800);
      } else if (r < 30) {
        s.ttl = 10'000;  // already expired on arrival (but within the 10 s clock tolerance)
        s.timestamp = now - 18'000;
      } else {
        s.ttl = kDayMs;
        s.timestamp = now;
      }
      if (s.ttl == kDayMs) mine.push_back(s);
    }
    const Account& a = (*accounts)[static_cast<size_t>(s.account)];
    const std::string hash = ComputeMessageHash(a.id, s.ns, s.data);
    const int64_t expiry = s.timestamp + s.ttl;
    {
      std::lock_guard<std::mutex> lock(ledger->mutex);
      Expected& e = ledger->mailboxes[{s.account, s.ns}][hash];
      e.data = s.data;
      e.max_expiry = std::max(e.max_expiry, expiry);
      ++ledger->sent;
    }
    auto reply = http.Post(json{{"method", "store"}, {"params", StoreParams(a, s)}}.dump());
    if (!reply) return;  // the node is gone: this store is in flight forever
    std::lock_guard<std::mutex> lock(ledger->mutex);
    json body = reply->first == 200 ? json::parse(reply->second, nullptr, false) : json();
    if (reply->first != 200 || !body.is_object() || body.value("hash", "") != hash) {
      if (ledger->error.empty()) {
        ledger->error = "store answered " + std::to_string(reply->first) + ": " + reply->second +
                        " (expected hash " + hash + ")";
      }
      return;
    }
    Expected& e = ledger->mailboxes[{s.account, s.ns}][hash];
    e.acked_expiry = std::max(e.acked_expiry, expiry);
    ++ledger->acked;
  }
}

// ---- The node ----

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
  std::string rpc = std::to_string(port);
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
                          "0",
                          "--s3-port",
                          "0",
                          "--resp-port",
                          "0",
                          "--rpc-port",
                          rpc.c_str(),
                          "--rpc-sweep-interval",
                          "1",
                          "--threads",
                          "2",
                          "--log-level",
                          "warn",
                          nullptr};
    ::execv(cairnd.c_str(), const_cast<char* const*>(argv));
    std::_Exit(127);
  }
  return pid;
}

// Waits until the node answers `info`. False when it exited or never answered.
bool WaitReady(pid_t pid, uint16_t port) {
  for (int i = 0; i < 1000; ++i) {
    int status = 0;
    if (::waitpid(pid, &status, WNOHANG) == pid) return false;
    HttpClient http(port);
    auto r = http.Post(R"({"method":"info","params":{}})");
    if (r && r->first == 200) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

// Checks every mailbox against the ledger; returns the number of messages seen, or -1.
long Verify(uint16_t port, const std::vector<Account>& accounts, Ledger* ledger) {
  HttpClient http(port);
  std::lock_guard<std::mutex> lock(ledger->mutex);
  long seen = 0;
  for (const auto& [key, expected] : ledger->mailboxes) {
    const Account& a = accounts[static_cast<size_t>(key.first)];
    const int16_t ns = key.second;
    std::map<std::string, int64_t> got;  // hash -> expiration
    std::string last_hash;
    int64_t t = 0;
    for (;;) {
      const int64_t ts = WallMs();
      json p = a.Auth("retrieve" + NamespaceSignatureString(ns) + std::to_string(ts));
      p["timestamp"] = ts;
      p["namespace"] = ns;
      p["last_hash"] = last_hash;
      auto reply = http.Post(json{{"method", "retrieve"}, {"params", p}}.dump());
      if (!reply || reply->first != 200) {
        std::fprintf(stderr, "retrieve failed: %s\n", reply ? reply->second.c_str() : "no answer");
        return -1;
      }
      json body = json::parse(reply->second);
      t = t == 0 ? body["t"].get<int64_t>() : t;
      for (const json& m : body["messages"]) {
        const std::string hash = m["hash"];
        const int64_t expiration = m["expiration"];
        ++seen;
        auto it = expected.find(hash);
        if (it == expected.end()) {
          std::fprintf(stderr, "account %d ns %d: message %s was never sent\n", key.first, ns,
                       hash.c_str());
          return -1;
        }
        if (Base64Decode(m["data"].get<std::string>()).value_or("") != it->second.data) {
          std::fprintf(stderr, "message %s: different data\n", hash.c_str());
          return -1;
        }
        if (expiration <= body["t"].get<int64_t>()) {
          std::fprintf(stderr, "message %s returned after its expiry (%lld <= t %lld)\n",
                       hash.c_str(), static_cast<long long>(expiration),
                       static_cast<long long>(body["t"].get<int64_t>()));
          return -1;
        }
        if (expiration > it->second.max_expiry || expiration < it->second.acked_expiry) {
          std::fprintf(stderr, "message %s: expiry %lld outside [%lld, %lld]\n", hash.c_str(),
                       static_cast<long long>(expiration),
                       static_cast<long long>(it->second.acked_expiry),
                       static_cast<long long>(it->second.max_expiry));
          return -1;
        }
        got[hash] = expiration;
      }
      if (!body["more"].get<bool>()) break;
      last_hash = body["messages"].back()["hash"];
    }
    for (const auto& [hash, e] : expected) {
      if (e.acked_expiry > t + kPresenceMarginMs && !got.count(hash)) {
        std::fprintf(stderr, "account %d ns %d: acknowledged message %s (expiry %lld) is lost\n",
                     key.first, ns, hash.c_str(), static_cast<long long>(e.acked_expiry));
        return -1;
      }
    }
  }
  return seen;
}

void ShowLog(const std::string& dir) {
  std::ifstream in(dir + "/cairnd.log");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::fprintf(stderr, "--- cairnd log (tail) ---\n%s\n",
               text.substr(text.size() > 4000 ? text.size() - 4000 : 0).c_str());
}

}  // namespace

int main(int argc, char** argv) {
  int trials = argc > 1 ? std::atoi(argv[1]) : 50;
  uint64_t seed = argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 20261126;
  std::string cairnd = argc > 3 ? argv[3] : CAIRN_CAIRND_PATH;
  if (sodium_init() < 0) return 2;
  ::signal(SIGPIPE, SIG_IGN);
  std::string dir = std::filesystem::temp_directory_path() /
                    ("cairn_session_crash_" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  std::vector<Account> accounts;
  for (uint8_t i = 0; i < 4; ++i) accounts.push_back(MakeAccount(0x10 + i, true));
  accounts.push_back(MakeAccount(0x20, false));

  std::mt19937_64 rng(seed);
  Ledger ledger;
  int passed = 0, failed = 0;
  long seen_total = 0;
  for (int t = 0; t <= trials && failed == 0; ++t) {
    const uint16_t port = FreePort();
    pid_t pid = StartNode(cairnd, dir, port);
    if (!WaitReady(pid, port)) {
      std::fprintf(stderr, "trial %d: cairnd did not start\n", t);
      ::kill(pid, SIGKILL);
      ::waitpid(pid, nullptr, 0);
      ShowLog(dir);
      ++failed;
      break;
    }
    long seen = Verify(port, accounts, &ledger);
    if (seen < 0) {
      std::fprintf(stderr, "trial %d FAILED (seed %llu)\n", t,
                   static_cast<unsigned long long>(seed));
      ShowLog(dir);
      ++failed;
      ::kill(pid, SIGKILL);
      ::waitpid(pid, nullptr, 0);
      break;
    }
    seen_total += seen;
    if (t > 0) ++passed;  // trial t-1's crash recovered correctly
    if (t == trials) {    // the final check: a clean stop
      ::kill(pid, SIGTERM);
      int status = 0;
      ::waitpid(pid, &status, 0);
      if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        std::fprintf(stderr, "cairnd did not stop cleanly\n");
        ShowLog(dir);
        ++failed;
      }
      break;
    }
    std::atomic<bool> stop{false};
    std::vector<std::thread> clients;
    for (int w = 0; w < kClients; ++w) {
      clients.emplace_back(Client, port, &accounts, &ledger, rng(), t, w, &stop);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(30 + rng() % 220));
    ::kill(pid, SIGKILL);
    int status = 0;
    ::waitpid(pid, &status, 0);
    stop = true;
    for (std::thread& c : clients) c.join();
    if (!ledger.error.empty()) {
      std::fprintf(stderr, "trial %d: %s\n", t, ledger.error.c_str());
      ShowLog(dir);
      ++failed;
    } else if (!WIFSIGNALED(status)) {
      std::fprintf(stderr, "trial %d: cairnd exited before the kill\n", t);
      ShowLog(dir);
      ++failed;
    }
  }
  std::filesystem::remove_all(dir);
  std::printf("session rpc crash test: %llu stores sent, %llu acknowledged, %ld messages checked\n",
              static_cast<unsigned long long>(ledger.sent),
              static_cast<unsigned long long>(ledger.acked), seen_total);
  std::printf("session rpc crash test: %d passed, %d failed\n", passed, failed);
  return failed == 0 ? 0 : 1;
}
