// session_load: the load generator of bench/session. It drives cairnd's Session storage RPC
// (POST /storage_rpc/v1, shared/specs/session-storage-rpc.md) the way Session clients do, and
// measures the one cost a signed request cannot avoid: libsodium's Ed25519 verify.
//
//   session_load --port P [--accounts N] [--messages M] [--size B] [--conns C] [--retrieves R]
//                [--reps K] [--namespace NS] [--verify-threads T] [--verify-secs S]
//                [--client-threads J] [--server-pid PID] [--seed X]
//
// Setup (untimed): N Session accounts (Ed25519 key pairs from seed X; the Session ID is "05" +
// the X25519 form of the key, crypto_sign_ed25519_pk_to_curve25519), and the network clock from
// `info`, as Session clients take it.
//
// Phases (each request body is built, and signed where the spec asks, before the clock starts, so
// the client spends its time on sockets only; one thread (J) runs C keep-alive connections with
// epoll, each sending its next request as soon as the previous answer is complete):
//   store     N x M messages of B bytes (distinct pseudo-random data), request i for account
//             i % N, TTL one day, into namespace NS. NS % 10 == 0 (default 0, Session's DM inbox)
//             is a public inbox: stores are unsigned, as Session sends DMs; any other namespace
//             gets a signature over "store" NS sig_timestamp with pubkey_ed25519 (§3.1).
//   retrieve  R retrieves (account i % N) of namespace NS, each signed over "retrieve" NS
//             timestamp (§2.5, §3.2) with its own timestamp, with pubkey_ed25519; default limits.
//   verify    crypto_sign_verify_detached over exactly the retrieve phase's (key, bytes,
//             signature) triples on T threads (default: cairnd's rpc_threads default, max(8, 2
//             per core)) for S seconds while cairnd is idle.
// retrieve and verify alternate K times (freshly signed each time; the VM is noisy, so the best of
// each is reported, and every rep's figure too); at the end one more verify pass also converts
// each key Ed25519 -> X25519, the check a 05 request needs as well (§2.1). Each retrieve pass
// must finish within the spec's 60 s signature window.
//
// Checks (after each phase's clock stops): every answer is 200; each store answers the message's
// hash (§4.1, computed here with libsodium); each retrieve returns exactly the account's M
// messages with their data, timestamp and expiration, and `more` false. The first failure is
// printed with the start of the answer and the exit status is 1, so failing requests never
// count as throughput.
//
// Prints "key value" lines for the script: per phase requests, secs, ops_per_sec, p50_ms,
// p99_ms, server_cpu_us / client_cpu_us (CPU per request of --server-pid from /proc and of this
// process); retrieve_ops_per_sec_each, retrieve_messages (returned, all reps) and
// retrieve_messages_expected; verify_threads, verify_ops_per_sec (best), verify_ops_per_sec_each,
// verify_x25519_ops_per_sec.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sodium.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;
using json = nlohmann::json;

constexpr int64_t kTtlMs = 86'400'000;  // one day: within every namespace's TTL bounds

struct Options {
  uint16_t port = 0;
  uint64_t accounts = 10'000;
  uint64_t messages = 1;  // per account
  size_t size = 1024;
  int conns = 64;
  uint64_t retrieves = 0;  // 0: one per account
  int ns = 0;
  unsigned verify_threads = 0;  // 0: cairnd's default rpc_threads, max(8, 2 per core)
  double verify_secs = 2;
  int client_threads = 1;
  long server_pid = 0;
  uint64_t seed = 1;
  int reps = 1;
};

[[noreturn]] void Die(const std::string& message) {
  std::fprintf(stderr, "session_load: %s\n", message.c_str());
  std::exit(1);
}

std::string Base64(const uint8_t* p, size_t n, bool pad) {
  const int variant =
      pad ? sodium_base64_VARIANT_ORIGINAL : sodium_base64_VARIANT_ORIGINAL_NO_PADDING;
  std::string out(sodium_base64_ENCODED_LEN(n, variant), '\0');
  sodium_bin2base64(out.data(), out.size(), p, n, variant);
  out.resize(std::strlen(out.c_str()));
  return out;
}

std::string Hex(const uint8_t* p, size_t n) {
  std::string out(2 * n + 1, '\0');
  sodium_bin2hex(out.data(), out.size(), p, n);
  out.pop_back();
  return out;
}

// splitmix64 stream, distinct per (seed, index).
void Fill(uint8_t* p, size_t n, uint64_t seed, uint64_t index) {
  uint64_t state = seed * 0x9E3779B97F4A7C15ull + index * 0xD1B54A32D192ED03ull + 1;
  for (size_t i = 0; i < n; i += 8) {
    uint64_t z = (state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z ^= z >> 31;
    std::memcpy(p + i, &z, std::min<size_t>(8, n - i));
  }
}

// Runs fn(i) for i in [0, n) on `threads` threads.
template <typename Fn>
void ParallelFor(uint64_t n, unsigned threads, Fn fn) {
  std::atomic<uint64_t> next{0};
  std::vector<std::thread> pool;
  for (unsigned t = 0; t < std::max(1u, threads); ++t) {
    pool.emplace_back([&] {
      for (uint64_t i = next++; i < n; i = next++) fn(i);
    });
  }
  for (std::thread& t : pool) t.join();
}

struct Account {
  std::array<uint8_t, 64> secret{};
  std::array<uint8_t, 32> ed25519{};
  std::string pubkey;  // "05" + hex(X25519)
  std::string ed25519_hex;
  std::array<uint8_t, 33> raw{};  // 0x05 || X25519: the message hash input
};

Account MakeAccount(uint64_t seed, uint64_t index) {
  Account a;
  std::array<uint8_t, 32> key_seed;
  Fill(key_seed.data(), key_seed.size(), seed ^ 0x5e5510ull, index);
  crypto_sign_seed_keypair(a.ed25519.data(), a.secret.data(), key_seed.data());
  a.raw[0] = 0x05;
  if (crypto_sign_ed25519_pk_to_curve25519(a.raw.data() + 1, a.ed25519.data()) != 0) {
    Die("crypto_sign_ed25519_pk_to_curve25519 failed");
  }
  a.pubkey = Hex(a.raw.data(), a.raw.size());
  a.ed25519_hex = Hex(a.ed25519.data(), a.ed25519.size());
  return a;
}

std::string NsString(int ns) { return ns == 0 ? "" : std::to_string(ns); }

std::string SignBase64(const Account& a, const std::string& bytes) {
  uint8_t sig[crypto_sign_BYTES];
  crypto_sign_detached(sig, nullptr, reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(),
                       a.secret.data());
  return Base64(sig, sizeof(sig), true);
}

// §4.1: unpadded base64 of BLAKE2b-256(prefix || key || namespace-decimal-or-empty || data).
std::string MessageHash(const Account& a, int ns, const std::vector<uint8_t>& data) {
  crypto_generichash_state st;
  crypto_generichash_init(&st, nullptr, 0, 32);
  crypto_generichash_update(&st, a.raw.data(), a.raw.size());
  std::string nss = NsString(ns);
  crypto_generichash_update(&st, reinterpret_cast<const uint8_t*>(nss.data()), nss.size());
  crypto_generichash_update(&st, data.data(), data.size());
  uint8_t out[32];
  crypto_generichash_final(&st, out, sizeof(out));
  return Base64(out, sizeof(out), false);
}

// ---- HTTP over epoll ----

struct Answer {
  int status = 0;
  std::string body;
  double latency_ms = 0;
};

struct PhaseResult {
  std::vector<Answer> answers;
  double secs = 0;
  double server_cpu_secs = 0;
  double client_cpu_secs = 0;
};

std::string HttpRequest(uint16_t port, const std::string& body) {
  return "POST /storage_rpc/v1 HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port) +
         "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
         "\r\n\r\n" + body;
}

// CPU seconds (user + system) of a process, from /proc/PID/stat; 0 when unreadable.
double ProcessCpuSecs(long pid) {
  if (pid <= 0) return 0;
  std::ifstream f("/proc/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  size_t paren = stat.rfind(')');
  if (paren == std::string::npos) return 0;
  // Fields after the command: state is field 3; utime and stime are fields 14 and 15.
  const char* p = stat.c_str() + paren + 2;
  unsigned long long ticks[2] = {0, 0};
  for (int field = 3; field <= 15 && *p; ++field) {
    if (field == 14 || field == 15) ticks[field - 14] = std::strtoull(p, nullptr, 10);
    p = std::strchr(p, ' ');
    if (!p) break;
    ++p;
  }
  return static_cast<double>(ticks[0] + ticks[1]) / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

double SelfCpuSecs() {
  rusage ru{};
  ::getrusage(RUSAGE_SELF, &ru);
  auto secs = [](timeval tv) { return static_cast<double>(tv.tv_sec) + tv.tv_usec / 1e6; };
  return secs(ru.ru_utime) + secs(ru.ru_stime);
}

// One keep-alive connection of an epoll loop: sends request `index`, collects its answer.
struct Conn {
  int fd = -1;
  uint64_t index = 0;
  bool busy = false;
  size_t sent = 0;
  std::string in;
  Clock::time_point start;
};

class Loop {
 public:
  Loop(const Options& o, const std::vector<std::string>& requests, std::vector<Answer>* answers,
       std::atomic<uint64_t>* next, std::atomic<bool>* failed, std::string* error,
       std::mutex* error_mu)
      : o_(o),
        requests_(requests),
        answers_(answers),
        next_(next),
        failed_(failed),
        error_(error),
        error_mu_(error_mu) {}

  void Run(int conns) {
    epfd_ = ::epoll_create1(EPOLL_CLOEXEC);
    if (epfd_ < 0) return Fail("epoll_create1", nullptr);
    conns_.resize(static_cast<size_t>(conns));
    for (size_t i = 0; i < conns_.size(); ++i) {
      if (!Connect(&conns_[i], i)) break;
      StartNext(&conns_[i]);
    }
    std::vector<epoll_event> events(conns_.size());
    while (active_ > 0 && !*failed_) {
      int n = ::epoll_wait(epfd_, events.data(), static_cast<int>(events.size()), 1000);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return Fail("epoll_wait", nullptr);
      for (int e = 0; e < n && !*failed_; ++e) {
        Conn* c = &conns_[events[e].data.u64];
        if (events[e].events & EPOLLOUT) Send(c);
        if (events[e].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) Receive(c);
      }
    }
    for (Conn& c : conns_) {
      if (c.fd >= 0) ::close(c.fd);
    }
    ::close(epfd_);
  }

 private:
  void Fail(const std::string& what, const Conn* c) {
    std::lock_guard lock(*error_mu_);
    if (!failed_->exchange(true)) {
      *error_ = what + (errno ? std::string(": ") + std::strerror(errno) : "") +
                (c && c->busy ? " (request " + std::to_string(c->index) + ")" : "");
    }
  }

  bool Connect(Conn* c, size_t slot) {
    c->fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(o_.port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (c->fd < 0 || ::connect(c->fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
      Fail("connect 127.0.0.1:" + std::to_string(o_.port), nullptr);
      return false;
    }
    int one = 1;
    ::setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    if (::fcntl(c->fd, F_SETFL, ::fcntl(c->fd, F_GETFL) | O_NONBLOCK) != 0) {
      Fail("fcntl", nullptr);
      return false;
    }
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = slot;
    if (::epoll_ctl(epfd_, EPOLL_CTL_ADD, c->fd, &ev) != 0) {
      Fail("epoll_ctl", nullptr);
      return false;
    }
    ++active_;
    return true;
  }

  void Watch(Conn* c, bool out) {
    epoll_event ev{};
    ev.events = EPOLLIN | (out ? EPOLLOUT : 0u);
    ev.data.u64 = static_cast<uint64_t>(c - conns_.data());
    ::epoll_ctl(epfd_, EPOLL_CTL_MOD, c->fd, &ev);
  }

  void StartNext(Conn* c) {
    uint64_t i = (*next_)++;
    if (i >= requests_.size()) {
      c->busy = false;
      --active_;
      return;
    }
    c->index = i;
    c->busy = true;
    c->sent = 0;
    c->start = Clock::now();
    Send(c);
  }

  void Send(Conn* c) {
    if (!c->busy) return Watch(c, false);
    const std::string& req = requests_[c->index];
    bool was_partial = c->sent > 0;
    while (c->sent < req.size()) {
      ssize_t n = ::send(c->fd, req.data() + c->sent, req.size() - c->sent, MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        if (!was_partial) Watch(c, true);
        return;
      }
      if (n <= 0) return Fail("send", c);
      c->sent += static_cast<size_t>(n);
    }
    if (was_partial) Watch(c, false);
  }

  void Receive(Conn* c) {
    char buf[65536];
    for (;;) {
      ssize_t n = ::recv(c->fd, buf, sizeof(buf), 0);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
      if (n == 0) errno = ECONNRESET;
      if (n <= 0) return Fail("recv", c);
      c->in.append(buf, static_cast<size_t>(n));
    }
    while (c->busy) {
      size_t end = c->in.find("\r\n\r\n");
      if (end == std::string::npos) return;
      std::string_view head(c->in.data(), end);
      if (!head.starts_with("HTTP/1.1 ") || head.size() < 12) {
        errno = 0;
        return Fail("bad status line: " + std::string(head.substr(0, 40)), c);
      }
      int status = std::atoi(c->in.c_str() + 9);
      std::optional<size_t> length;
      for (size_t at = head.find("\r\n"); at != std::string_view::npos;) {
        size_t next = head.find("\r\n", at + 2);
        std::string_view line =
            head.substr(at + 2, (next == std::string_view::npos ? head.size() : next) - at - 2);
        constexpr std::string_view kLength = "content-length:";
        if (line.size() > kLength.size() &&
            std::equal(kLength.begin(), kLength.end(), line.begin(), [](char a, char b) {
              return a == std::tolower(static_cast<unsigned char>(b));
            })) {
          length = std::strtoull(std::string(line.substr(kLength.size())).c_str(), nullptr, 10);
        }
        at = next;
      }
      if (!length) {
        errno = 0;
        return Fail("answer without Content-Length", c);
      }
      if (c->in.size() < end + 4 + *length) return;
      Answer& a = (*answers_)[c->index];
      a.status = status;
      a.body = c->in.substr(end + 4, *length);
      a.latency_ms = std::chrono::duration<double, std::milli>(Clock::now() - c->start).count();
      c->in.erase(0, end + 4 + *length);
      StartNext(c);
    }
    if (!c->in.empty()) {
      errno = 0;
      Fail("bytes after an answer, with no request outstanding", c);
    }
  }

  const Options& o_;
  const std::vector<std::string>& requests_;
  std::vector<Answer>* answers_;
  std::atomic<uint64_t>* next_;
  std::atomic<bool>* failed_;
  std::string* error_;
  std::mutex* error_mu_;
  int epfd_ = -1;
  int active_ = 0;
  std::vector<Conn> conns_;
};

PhaseResult RunPhase(const Options& o, const std::string& name,
                     const std::vector<std::string>& requests) {
  PhaseResult r;
  r.answers.resize(requests.size());
  std::atomic<uint64_t> next{0};
  std::atomic<bool> failed{false};
  std::string error;
  std::mutex error_mu;
  const int threads = std::max(1, std::min(o.client_threads, o.conns));
  const double server0 = ProcessCpuSecs(o.server_pid), client0 = SelfCpuSecs();
  const auto t0 = Clock::now();
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    int conns = o.conns / threads + (t < o.conns % threads ? 1 : 0);
    pool.emplace_back([&, conns] {
      Loop loop(o, requests, &r.answers, &next, &failed, &error, &error_mu);
      loop.Run(conns);
    });
  }
  for (std::thread& t : pool) t.join();
  r.secs = std::chrono::duration<double>(Clock::now() - t0).count();
  r.server_cpu_secs = ProcessCpuSecs(o.server_pid) - server0;
  r.client_cpu_secs = SelfCpuSecs() - client0;
  if (failed) Die(name + ": " + error);
  return r;
}

// ---- Checks ----

[[noreturn]] void BadAnswer(const std::string& phase, uint64_t index, const Answer& a,
                            const std::string& why) {
  std::string snippet = a.body.substr(0, 300);
  std::replace(snippet.begin(), snippet.end(), '\n', ' ');
  std::string hint;
  if (a.status == 406) hint = " (signature timestamps are only valid for 60 s: fewer requests?)";
  Die(phase + " request " + std::to_string(index) + ": " + why + ", status " +
      std::to_string(a.status) + hint + ": " + snippet);
}

json ParseJson(const std::string& phase, uint64_t index, const Answer& a) {
  if (a.status != 200) BadAnswer(phase, index, a, "not 200");
  json j = json::parse(a.body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) BadAnswer(phase, index, a, "not a JSON object");
  return j;
}

struct Stored {
  std::string hash;
  std::string data_b64;
};

void PrintPhase(const std::string& name, PhaseResult r) {
  std::vector<double> lat;
  lat.reserve(r.answers.size());
  for (const Answer& a : r.answers) lat.push_back(a.latency_ms);
  std::sort(lat.begin(), lat.end());
  auto pct = [&](double p) {
    return lat.empty() ? 0.0 : lat[static_cast<size_t>(p * static_cast<double>(lat.size() - 1))];
  };
  const double n = static_cast<double>(r.answers.size());
  std::printf("%s_requests %zu\n%s_secs %.4f\n%s_ops_per_sec %.1f\n", name.c_str(),
              r.answers.size(), name.c_str(), r.secs, name.c_str(), n / r.secs);
  std::printf("%s_p50_ms %.3f\n%s_p99_ms %.3f\n", name.c_str(), pct(0.50), name.c_str(), pct(0.99));
  std::printf("%s_server_cpu_us %.1f\n%s_client_cpu_us %.1f\n", name.c_str(),
              r.server_cpu_secs * 1e6 / n, name.c_str(), r.client_cpu_secs * 1e6 / n);
}

// ---- Setup ----

int64_t WallMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// The network clock offset (server `t` minus the local clock), from one `info` request.
int64_t ClockOffsetMs(const Options& o) {
  std::vector<std::string> req = {HttpRequest(o.port, R"({"method":"info","params":{}})")};
  Options one = o;
  one.conns = 1;
  one.client_threads = 1;
  const int64_t before = WallMs();
  PhaseResult r = RunPhase(one, "info", req);
  json j = ParseJson("info", 0, r.answers[0]);
  if (!j.contains("t") || !j["t"].is_number_integer()) BadAnswer("info", 0, r.answers[0], "no t");
  return j["t"].get<int64_t>() - (before + WallMs()) / 2;
}

// Verifies `sigs` on `threads` threads for about `secs`; with `x25519` each verify also converts
// the key (the check of a 05 pubkey against pubkey_ed25519). Returns verifies per second.
struct Signed {
  const Account* account;
  std::string bytes;
  std::array<uint8_t, 64> sig;
};

double VerifyRate(const std::vector<Signed>& sigs, unsigned threads, double secs, bool x25519) {
  std::atomic<uint64_t> total{0};
  std::atomic<bool> bad{false};
  const auto t0 = Clock::now();
  const auto deadline = t0 + std::chrono::duration<double>(secs);
  std::vector<std::thread> pool;
  for (unsigned t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      uint64_t done = 0;
      size_t i = (sigs.size() * t) / threads;  // each thread starts at its own slice
      while ((done & 63) != 0 || Clock::now() < deadline) {
        const Signed& s = sigs[i];
        if (x25519) {
          uint8_t x[32];
          if (crypto_sign_ed25519_pk_to_curve25519(x, s.account->ed25519.data()) != 0 ||
              std::memcmp(x, s.account->raw.data() + 1, 32) != 0) {
            bad = true;
          }
        }
        if (crypto_sign_verify_detached(s.sig.data(),
                                        reinterpret_cast<const uint8_t*>(s.bytes.data()),
                                        s.bytes.size(), s.account->ed25519.data()) != 0) {
          bad = true;
        }
        ++done;
        if (++i == sigs.size()) i = 0;
      }
      total += done;
    });
  }
  for (std::thread& t : pool) t.join();
  const double elapsed = std::chrono::duration<double>(Clock::now() - t0).count();
  if (bad) Die("verify: a signature did not verify");
  return static_cast<double>(total) / elapsed;
}

// R retrieve requests (account i % N), each signed over "retrieve" NS timestamp with its own
// timestamp (spread over the second before `now_ms`); *sigs gets what was signed.
std::vector<std::string> BuildRetrieves(const Options& o, const std::vector<Account>& accounts,
                                        int64_t now_ms, std::vector<Signed>* sigs) {
  const std::string nss = NsString(o.ns);
  std::vector<std::string> requests(o.retrieves);
  sigs->assign(o.retrieves, {});
  ParallelFor(o.retrieves, std::thread::hardware_concurrency(), [&](uint64_t i) {
    const Account& a = accounts[i % o.accounts];
    const int64_t ts = now_ms - static_cast<int64_t>(i % 1000);
    Signed& s = (*sigs)[i];
    s.account = &a;
    s.bytes = "retrieve" + nss + std::to_string(ts);
    crypto_sign_detached(s.sig.data(), nullptr, reinterpret_cast<const uint8_t*>(s.bytes.data()),
                         s.bytes.size(), a.secret.data());
    std::string body = R"({"method":"retrieve","params":{"pubkey":")" + a.pubkey +
                       R"(","pubkey_ed25519":")" + a.ed25519_hex + R"(","timestamp":)" +
                       std::to_string(ts) + R"(,"signature":")" +
                       Base64(s.sig.data(), s.sig.size(), true) + "\"";
    if (o.ns != 0) body += R"(,"namespace":)" + std::to_string(o.ns);
    requests[i] = HttpRequest(o.port, body + "}}");
  });
  return requests;
}

// Each retrieve must return exactly its account's messages as stored (any order), `more` false.
// Returns the number of messages returned.
uint64_t CheckRetrieves(const Options& o, const PhaseResult& r, const std::vector<Stored>& expected,
                        int64_t store_ts) {
  uint64_t returned = 0;
  for (uint64_t i = 0; i < r.answers.size(); ++i) {
    const Answer& ans = r.answers[i];
    json j = ParseJson("retrieve", i, ans);
    const uint64_t acct = i % o.accounts;
    if (!j.contains("messages") || !j["messages"].is_array() || j.value("more", true)) {
      BadAnswer("retrieve", i, ans, "no messages array, or more is not false");
    }
    const json& got = j["messages"];
    if (got.size() != o.messages) {
      BadAnswer("retrieve", i, ans,
                std::to_string(got.size()) + " messages, want " + std::to_string(o.messages));
    }
    std::vector<bool> seen(o.messages, false);
    for (const json& m : got) {
      const std::string hash = m.value("hash", "");
      uint64_t k = 0;
      while (k < o.messages && expected[acct + k * o.accounts].hash != hash) ++k;
      if (k == o.messages || seen[k]) BadAnswer("retrieve", i, ans, "unexpected hash " + hash);
      seen[k] = true;
      if (m.value("data", "") != expected[acct + k * o.accounts].data_b64 ||
          m.value("timestamp", int64_t{0}) != store_ts ||
          m.value("expiration", int64_t{0}) != store_ts + kTtlMs) {
        BadAnswer("retrieve", i, ans, "message " + hash + " differs from what was stored");
      }
      ++returned;
    }
  }
  return returned;
}

Options ParseArgs(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; i += 2) {
    std::string flag = argv[i];
    if (i + 1 >= argc) Die("missing value for " + flag);
    std::string value = argv[i + 1];
    char* end = nullptr;
    long long n = std::strtoll(value.c_str(), &end, 10);
    bool integer = end && *end == '\0' && !value.empty();
    auto need = [&](long long lo) {
      if (!integer || n < lo) Die(flag + " wants an integer >= " + std::to_string(lo));
      return n;
    };
    if (flag == "--port")
      o.port = static_cast<uint16_t>(need(1));
    else if (flag == "--accounts")
      o.accounts = static_cast<uint64_t>(need(1));
    else if (flag == "--messages")
      o.messages = static_cast<uint64_t>(need(1));
    else if (flag == "--size")
      o.size = static_cast<size_t>(need(1));
    else if (flag == "--conns")
      o.conns = static_cast<int>(need(1));
    else if (flag == "--retrieves")
      o.retrieves = static_cast<uint64_t>(need(0));
    else if (flag == "--namespace")
      o.ns = static_cast<int>(need(-32768));
    else if (flag == "--verify-threads")
      o.verify_threads = static_cast<unsigned>(need(0));
    else if (flag == "--verify-secs")
      o.verify_secs = std::strtod(value.c_str(), nullptr);
    else if (flag == "--client-threads")
      o.client_threads = static_cast<int>(need(1));
    else if (flag == "--server-pid")
      o.server_pid = static_cast<long>(need(0));
    else if (flag == "--reps")
      o.reps = static_cast<int>(need(1));
    else if (flag == "--seed")
      o.seed = static_cast<uint64_t>(need(0));
    else
      Die("unknown flag " + flag);
  }
  if (o.port == 0)
    Die("usage: session_load --port P [--accounts N] [--messages M] ... (see the source)");
  if (o.ns > 32767) Die("--namespace must be in -32768..32767");
  if (o.size > 76'800) Die("--size: at most 76800 bytes (the spec's limit)");
  if (o.retrieves == 0) o.retrieves = o.accounts;
  if (o.verify_threads == 0)
    o.verify_threads = std::max(8u, 2 * std::thread::hardware_concurrency());
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  if (sodium_init() < 0) Die("sodium_init failed");
  const Options o = ParseArgs(argc, argv);
  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  const std::string nss = NsString(o.ns);
  const bool signed_store = o.ns % 10 != 0;

  std::vector<Account> accounts(o.accounts);
  ParallelFor(o.accounts, cores, [&](uint64_t i) { accounts[i] = MakeAccount(o.seed, i); });
  int64_t offset = ClockOffsetMs(o);

  // Store: request i is message i / N of account i % N.
  const uint64_t stores = o.accounts * o.messages;
  std::vector<std::string> requests(stores);
  std::vector<Stored> expected(stores);
  const int64_t store_ts = WallMs() + offset;
  ParallelFor(stores, cores, [&](uint64_t i) {
    const Account& a = accounts[i % o.accounts];
    std::vector<uint8_t> data(o.size);
    Fill(data.data(), data.size(), o.seed, i);
    expected[i] = {MessageHash(a, o.ns, data), Base64(data.data(), data.size(), true)};
    std::string body = R"({"method":"store","params":{"pubkey":")" + a.pubkey +
                       R"(","timestamp":)" + std::to_string(store_ts) + R"(,"ttl":)" +
                       std::to_string(kTtlMs) + R"(,"data":")" + expected[i].data_b64 + "\"";
    if (o.ns != 0) body += R"(,"namespace":)" + std::to_string(o.ns);
    if (signed_store) {
      body += R"(,"pubkey_ed25519":")" + a.ed25519_hex + R"(","sig_timestamp":)" +
              std::to_string(store_ts) + R"(,"signature":")" +
              SignBase64(a, "store" + nss + std::to_string(store_ts)) + "\"";
    }
    requests[i] = HttpRequest(o.port, body + "}}");
  });
  PhaseResult store = RunPhase(o, "store", requests);
  for (uint64_t i = 0; i < stores; ++i) {
    json j = ParseJson("store", i, store.answers[i]);
    if (j.value("hash", "") != expected[i].hash) {
      BadAnswer("store", i, store.answers[i], "hash is not " + expected[i].hash);
    }
  }

  // Retrieve, `reps` times, each rep followed by the verify rate (cairnd idle): the VM is noisy,
  // so the best of each is reported.
  PhaseResult best_retrieve;
  std::vector<Signed> sigs;
  double best_verify = 0;
  uint64_t returned = 0;
  std::string all_retrieve, all_verify;
  for (int rep = 0; rep < o.reps; ++rep) {
    offset = ClockOffsetMs(o);
    requests = BuildRetrieves(o, accounts, WallMs() + offset, &sigs);
    PhaseResult r = RunPhase(o, "retrieve", requests);
    returned += CheckRetrieves(o, r, expected, store_ts);
    const double ops = static_cast<double>(r.answers.size()) / r.secs;
    if (rep == 0 || r.secs < best_retrieve.secs) best_retrieve = std::move(r);
    const double verify = VerifyRate(sigs, o.verify_threads, o.verify_secs, false);
    best_verify = std::max(best_verify, verify);
    all_retrieve += (rep ? "," : "") + std::to_string(static_cast<int64_t>(ops));
    all_verify += (rep ? "," : "") + std::to_string(static_cast<int64_t>(verify));
  }
  const double verify_x = VerifyRate(sigs, o.verify_threads, o.verify_secs, true);

  std::printf("accounts %llu\nmessages_per_account %llu\nmessage_bytes %zu\nnamespace %d\n",
              static_cast<unsigned long long>(o.accounts),
              static_cast<unsigned long long>(o.messages), o.size, o.ns);
  std::printf("signed_stores %d\nconns %d\nclient_threads %d\ncores %u\nreps %d\n",
              signed_store ? 1 : 0, o.conns, o.client_threads, cores, o.reps);
  PrintPhase("store", std::move(store));
  PrintPhase("retrieve", std::move(best_retrieve));
  std::printf("retrieve_ops_per_sec_each %s\n", all_retrieve.c_str());
  std::printf("retrieve_messages %llu\nretrieve_messages_expected %llu\n",
              static_cast<unsigned long long>(returned),
              static_cast<unsigned long long>(o.retrieves * o.messages * o.reps));
  std::printf("verify_threads %u\nverify_ops_per_sec %.1f\nverify_ops_per_sec_each %s\n",
              o.verify_threads, best_verify, all_verify.c_str());
  std::printf("verify_x25519_ops_per_sec %.1f\n", verify_x);
  return 0;
}
