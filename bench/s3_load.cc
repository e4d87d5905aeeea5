// s3_load: a small HTTP/1.1 load generator for bench/s3, so cairn's S3 face and nginx are driven
// by the same client code (blocking POSIX sockets, one thread per keep-alive connection).
//
//   s3_load get URL --requests N [--conns C] [--keys K] [--expect-size B]
//   s3_load put URL --count K --size S [--conns C] [--seed X]
//   s3_load raw FILE --count K --size S [--seed X]     the same bytes written to one file, one
//                                                     fdatasync per object (the disk's ceiling)
//   s3_load files PATTERN --count K --size S [--seed X]  the same bytes as files (untimed)
//
// URL is http://HOST:PORT/PATH[?QUERY]. "{}" in URL or PATTERN becomes the key index: i for put,
// raw and files, i % K for get (K defaults to 1). --sign ACCESS:SECRET signs each request with
// SigV4 (--region, default us-east-1) as a throughput client does: x-amz-content-sha256 is
// UNSIGNED-PAYLOAD for PUT and the empty-body hash for GET, so signing costs nothing per byte.
// Without --sign requests are anonymous (nginx).
//
// Object i of seed X is the same bytes in put, raw and files; distinct objects share no content,
// so dedup gains nothing. `put URL --count 1 --size 0` on a bucket URL creates the bucket.
//
// Every response must be 200 and every GET body must be --expect-size bytes (when given), so a
// failing server cannot look fast: the first mismatch is printed with the start of the response
// body and the exit status is 1.
//
// Prints "key value" lines for the script: requests, bytes (body bytes moved), secs, mb_per_sec
// (10^6 bytes/s), ops_per_sec, p50_ms, p99_ms.
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "faces/s3/sigv4.h"
#include "net/http.h"

namespace {

using Clock = std::chrono::steady_clock;

constexpr std::string_view kEmptySha256 =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

struct Options {
  std::string mode;
  std::string target;  // URL, FILE or PATTERN
  uint64_t requests = 0;
  uint64_t count = 0;
  uint64_t size = 0;
  uint64_t keys = 1;
  uint64_t seed = 1;
  int conns = 1;
  std::optional<uint64_t> expect_size;
  std::string access_key, secret_key, region = "us-east-1";
};

struct Url {
  std::string host, port, path, query;
  std::string host_header;  // host:port, as sent and signed
};

[[noreturn]] void Die(const std::string& message) {
  std::fprintf(stderr, "s3_load: %s\n", message.c_str());
  std::exit(1);
}

std::optional<Url> ParseUrl(std::string_view url) {
  constexpr std::string_view kScheme = "http://";
  if (!url.starts_with(kScheme)) return std::nullopt;
  url.remove_prefix(kScheme.size());
  size_t slash = url.find('/');
  std::string_view authority = url.substr(0, slash);
  std::string_view target = slash == std::string_view::npos ? "/" : url.substr(slash);
  size_t colon = authority.rfind(':');
  if (colon == std::string_view::npos) return std::nullopt;
  Url u;
  u.host = std::string(authority.substr(0, colon));
  u.port = std::string(authority.substr(colon + 1));
  u.host_header = std::string(authority);
  size_t q = target.find('?');
  u.path = std::string(target.substr(0, q));
  if (q != std::string_view::npos) u.query = std::string(target.substr(q + 1));
  return u;
}

// Replaces the first "{}" in `pattern` by `index`.
std::string Expand(const std::string& pattern, uint64_t index) {
  size_t at = pattern.find("{}");
  if (at == std::string::npos) return pattern;
  return pattern.substr(0, at) + std::to_string(index) + pattern.substr(at + 2);
}

// Object `index` of `seed`: splitmix64 output, distinct per (seed, index).
void FillObject(uint8_t* p, size_t n, uint64_t seed, uint64_t index) {
  uint64_t state = seed * 0x9E3779B97F4A7C15ull + index * 0xD1B54A32D192ED03ull + 1;
  for (size_t i = 0; i < n; i += 8) {
    uint64_t z = (state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z ^= z >> 31;
    std::memcpy(p + i, &z, std::min<size_t>(8, n - i));
  }
}

std::vector<std::vector<uint8_t>> MakeObjects(const Options& o) {
  std::vector<std::vector<uint8_t>> objects(o.count);
  for (uint64_t i = 0; i < o.count; ++i) {
    objects[i].resize(o.size);
    FillObject(objects[i].data(), o.size, o.seed, i);
  }
  return objects;
}

struct Response {
  int status = 0;
  uint64_t body_bytes = 0;
  std::string snippet;  // the start of the body, for error messages
};

// One keep-alive HTTP/1.1 client connection. Not thread-safe: one per worker thread.
class Connection {
 public:
  explicit Connection(const Url& url) : url_(url), buf_(1 << 20) {}
  ~Connection() { Close(); }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Sends `head` then `body` and reads the whole response. A kept-alive connection the server
  // closed before answering is reopened once. Returns false (with error()) on I/O failure.
  bool RoundTrip(std::string_view head, const std::vector<uint8_t>* body, Response* out) {
    bool reused = fd_ >= 0;
    got_bytes_ = false;
    if (fd_ < 0 && !Connect()) return false;
    if (Send(head, body) && ReadResponse(out)) return true;
    if (!reused || got_bytes_) return false;
    Close();
    return Connect() && Send(head, body) && ReadResponse(out);
  }

  const std::string& error() const { return error_; }

 private:
  bool Fail(const std::string& what) {
    error_ = what + ": " + std::strerror(errno);
    Close();
    return false;
  }

  void Close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
    begin_ = end_ = 0;
  }

  bool Connect() {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* res = nullptr;
    if (::getaddrinfo(url_.host.c_str(), url_.port.c_str(), &hints, &res) != 0 || !res) {
      errno = EINVAL;
      return Fail("resolve " + url_.host_header);
    }
    fd_ = ::socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int rc = fd_ < 0 ? -1 : ::connect(fd_, res->ai_addr, res->ai_addrlen);
    ::freeaddrinfo(res);
    if (rc != 0) return Fail("connect " + url_.host_header);
    int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    timeval timeout{60, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
    ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof(timeout));
    return true;
  }

  bool Send(std::string_view head, const std::vector<uint8_t>* body) {
    iovec iov[2] = {{const_cast<char*>(head.data()), head.size()},
                    {body ? const_cast<uint8_t*>(body->data()) : nullptr, body ? body->size() : 0}};
    msghdr msg{};
    msg.msg_iov = iov;
    msg.msg_iovlen = 2;
    for (size_t left = iov[0].iov_len + iov[1].iov_len; left > 0;) {
      ssize_t n = ::sendmsg(fd_, &msg, MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return Fail("send");
      left -= static_cast<size_t>(n);
      while (n > 0 && msg.msg_iovlen > 0) {  // advance past what was sent
        size_t take = std::min(static_cast<size_t>(n), msg.msg_iov->iov_len);
        msg.msg_iov->iov_base = static_cast<char*>(msg.msg_iov->iov_base) + take;
        msg.msg_iov->iov_len -= take;
        n -= static_cast<ssize_t>(take);
        if (msg.msg_iov->iov_len == 0) ++msg.msg_iov, --msg.msg_iovlen;
      }
    }
    return true;
  }

  // Reads more bytes into buf_ (compacting it first). False on EOF or error.
  bool Fill() {
    if (begin_ == end_) begin_ = end_ = 0;
    if (end_ == buf_.size()) {
      std::memmove(buf_.data(), buf_.data() + begin_, end_ - begin_);
      end_ -= begin_;
      begin_ = 0;
      if (end_ == buf_.size()) return Fail("response line or header too long");
    }
    ssize_t n;
    do n = ::recv(fd_, buf_.data() + end_, buf_.size() - end_, 0);
    while (n < 0 && errno == EINTR);
    if (n == 0) errno = ECONNRESET;
    if (n <= 0) return Fail("recv");
    end_ += static_cast<size_t>(n);
    got_bytes_ = true;
    return true;
  }

  // Reads up to and including the next `delim`; `out` gets what precedes it.
  bool ReadUntil(std::string_view delim, std::string* out) {
    size_t from = 0;  // offset from begin_ already searched (Fill keeps offsets from begin_)
    for (;;) {
      std::string_view have(buf_.data() + begin_, end_ - begin_);
      size_t at = have.find(delim, from);
      if (at != std::string_view::npos) {
        out->assign(have.substr(0, at));
        begin_ += at + delim.size();
        return true;
      }
      from = have.size() >= delim.size() ? have.size() - delim.size() + 1 : 0;
      if (!Fill()) return false;
    }
  }

  // Consumes `n` body bytes (or until EOF when `to_eof`), keeping a snippet.
  bool Consume(uint64_t n, bool to_eof, Response* out) {
    while (n > 0 || to_eof) {
      if (begin_ == end_) {
        if (to_eof) {
          ssize_t r = ::recv(fd_, buf_.data(), buf_.size(), 0);
          if (r == 0) return true;
          if (r < 0) return Fail("recv");
          begin_ = 0, end_ = static_cast<size_t>(r);
        } else if (!Fill()) {
          return false;
        }
      }
      size_t avail = end_ - begin_;
      size_t take = to_eof ? avail : static_cast<size_t>(std::min<uint64_t>(n, avail));
      if (out->snippet.size() < 512) {
        out->snippet.append(buf_.data() + begin_, std::min<size_t>(take, 512));
      }
      begin_ += take;
      out->body_bytes += take;
      if (!to_eof) n -= take;
    }
    return true;
  }

  bool ReadChunked(Response* out) {
    std::string line;
    for (;;) {
      if (!ReadUntil("\r\n", &line)) return false;
      uint64_t size = std::strtoull(line.c_str(), nullptr, 16);
      if (size == 0) break;
      if (!Consume(size, false, out) || !ReadUntil("\r\n", &line)) return false;
    }
    do {  // trailer section, up to the empty line
      if (!ReadUntil("\r\n", &line)) return false;
    } while (!line.empty());
    return true;
  }

  bool ReadResponse(Response* out) {
    *out = Response{};
    got_bytes_ = begin_ != end_;
    std::string head;
    if (!ReadUntil("\r\n\r\n", &head)) return false;
    if (head.size() < 12 || !head.starts_with("HTTP/1.")) {
      errno = EPROTO;
      return Fail("bad status line: " + head.substr(0, 40));
    }
    out->status = std::atoi(head.c_str() + 9);
    std::optional<uint64_t> length;
    bool chunked = false, close = false;
    for (size_t at = head.find("\r\n"); at != std::string::npos;) {
      size_t next = head.find("\r\n", at + 2);
      std::string_view line(head.data() + at + 2,
                            (next == std::string::npos ? head.size() : next) - at - 2);
      size_t colon = line.find(':');
      std::string name(line.substr(0, colon));
      std::transform(name.begin(), name.end(), name.begin(), ::tolower);
      std::string_view value = colon == std::string_view::npos ? "" : line.substr(colon + 1);
      while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
      if (name == "content-length") length = std::strtoull(std::string(value).c_str(), nullptr, 10);
      if (name == "transfer-encoding") chunked = value.find("chunked") != std::string_view::npos;
      if (name == "connection") close = value.find("close") != std::string_view::npos;
      at = next;
    }
    bool ok = true;
    if (chunked) {
      ok = ReadChunked(out);
    } else if (length) {
      ok = Consume(*length, false, out);
    } else if (out->status != 204 && out->status != 304) {
      ok = Consume(0, true, out);
      close = true;
    }
    if (ok && close) Close();
    return ok;
  }

  const Url& url_;
  int fd_ = -1;
  std::vector<char> buf_;
  size_t begin_ = 0, end_ = 0;
  bool got_bytes_ = false;  // some response byte arrived (then a retry would be wrong)
  std::string error_;
};

std::string RequestHead(const Options& o, const Url& url, std::string_view method,
                        const std::string& path, uint64_t content_length) {
  std::string target = path + (url.query.empty() ? "" : "?" + url.query);
  std::string head = std::string(method) + " " + target + " HTTP/1.1\r\nHost: " + url.host_header +
                     "\r\nUser-Agent: cairn-s3-load\r\n";
  if (method == "PUT") head += "Content-Length: " + std::to_string(content_length) + "\r\n";
  if (!o.access_key.empty()) {
    cairn::net::HttpHeaders h = {
        {"host", url.host_header},
        {"x-amz-content-sha256", method == "PUT" ? "UNSIGNED-PAYLOAD" : std::string(kEmptySha256)},
        {"x-amz-date", cairn::s3::FormatAmzDate(std::time(nullptr))}};
    std::string auth = cairn::s3::SignAuthorization(method, path, url.query, h, o.access_key,
                                                    o.secret_key, o.region);
    head += "x-amz-content-sha256: " + h[1].second + "\r\nx-amz-date: " + h[2].second +
            "\r\nAuthorization: " + auth + "\r\n";
  }
  return head + "\r\n";
}

struct Totals {
  uint64_t requests = 0, bytes = 0;
  double secs = 0;
  std::vector<double> latencies_ms;
};

void Print(Totals t) {
  std::sort(t.latencies_ms.begin(), t.latencies_ms.end());
  auto pct = [&](double p) {
    if (t.latencies_ms.empty()) return 0.0;
    return t.latencies_ms[static_cast<size_t>(p * static_cast<double>(t.latencies_ms.size() - 1))];
  };
  std::printf("requests %llu\nbytes %llu\nsecs %.4f\nmb_per_sec %.2f\nops_per_sec %.1f\n",
              static_cast<unsigned long long>(t.requests), static_cast<unsigned long long>(t.bytes),
              t.secs, static_cast<double>(t.bytes) / t.secs / 1e6,
              static_cast<double>(t.requests) / t.secs);
  std::printf("p50_ms %.3f\np99_ms %.3f\n", pct(0.50), pct(0.99));
}

// Runs `total` requests over o.conns connections; request i is GET or PUT of key index i.
int RunHttp(const Options& o, uint64_t total, const std::vector<std::vector<uint8_t>>* bodies) {
  std::optional<Url> url = ParseUrl(o.target);
  if (!url) Die("bad URL (want http://HOST:PORT/PATH): " + o.target);
  std::string_view method = bodies ? "PUT" : "GET";
  std::atomic<uint64_t> next{0};
  std::atomic<bool> failed{false};
  std::mutex mu;
  Totals totals;
  auto worker = [&] {
    Connection conn(*url);
    Totals mine;
    Response r;
    for (uint64_t i = next++; i < total && !failed; i = next++) {
      uint64_t key = bodies ? i : i % o.keys;
      const std::vector<uint8_t>* body = bodies ? &(*bodies)[i] : nullptr;
      std::string path = Expand(url->path, key);
      auto t0 = Clock::now();
      std::string head = RequestHead(o, *url, method, path, body ? body->size() : 0);
      std::string what = std::string(method) + " " + path;
      if (!conn.RoundTrip(head, body, &r)) {
        std::lock_guard lock(mu);
        if (!failed.exchange(true))
          std::fprintf(stderr, "s3_load: %s: %s\n", what.c_str(), conn.error().c_str());
        break;
      }
      bool bad_size = !bodies && o.expect_size && r.body_bytes != *o.expect_size;
      std::replace(r.snippet.begin(), r.snippet.end(), '\n', ' ');
      if (r.status != 200 || bad_size) {
        std::lock_guard lock(mu);
        if (!failed.exchange(true)) {
          std::fprintf(stderr, "s3_load: %s: status %d, %llu body bytes%s: %s\n", what.c_str(),
                       r.status, static_cast<unsigned long long>(r.body_bytes),
                       bad_size ? " (wrong length)" : "", r.snippet.c_str());
        }
        break;
      }
      mine.latencies_ms.push_back(
          std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
      mine.requests++;
      mine.bytes += body ? body->size() : r.body_bytes;
    }
    std::lock_guard lock(mu);
    totals.requests += mine.requests;
    totals.bytes += mine.bytes;
    totals.latencies_ms.insert(totals.latencies_ms.end(), mine.latencies_ms.begin(),
                               mine.latencies_ms.end());
  };
  auto t0 = Clock::now();
  std::vector<std::thread> threads;
  for (int c = 0; c < o.conns; ++c) threads.emplace_back(worker);
  for (std::thread& t : threads) t.join();
  totals.secs = std::chrono::duration<double>(Clock::now() - t0).count();
  if (failed) return 1;
  Print(std::move(totals));
  return 0;
}

int RunRaw(const Options& o) {
  auto objects = MakeObjects(o);
  auto t0 = Clock::now();
  int fd = ::open(o.target.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) Die("open " + o.target + ": " + std::strerror(errno));
  Totals t;
  for (const auto& obj : objects) {
    for (size_t off = 0; off < obj.size(); off += 8 << 20) {
      size_t n = std::min<size_t>(8 << 20, obj.size() - off);
      if (::write(fd, obj.data() + off, n) != static_cast<ssize_t>(n)) Die("write " + o.target);
    }
    if (::fdatasync(fd) != 0) Die("fdatasync " + o.target);
    t.requests++;
    t.bytes += obj.size();
  }
  ::close(fd);
  t.secs = std::chrono::duration<double>(Clock::now() - t0).count();
  Print(std::move(t));
  return 0;
}

int RunFiles(const Options& o) {
  std::vector<uint8_t> data(o.size);
  for (uint64_t i = 0; i < o.count; ++i) {
    FillObject(data.data(), data.size(), o.seed, i);
    std::string path = Expand(o.target, i);
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0 || ::write(fd, data.data(), data.size()) != static_cast<ssize_t>(data.size())) {
      Die("write " + path + ": " + std::strerror(errno));
    }
    ::close(fd);
  }
  return 0;
}

Options ParseArgs(int argc, char** argv) {
  if (argc < 3) {
    Die("usage: s3_load get|put|raw|files URL-or-PATH [--requests N] [--count K] [--size S] "
        "[--conns C] [--keys K] [--seed X] [--expect-size B] [--sign AK:SK] [--region R]");
  }
  Options o;
  o.mode = argv[1];
  o.target = argv[2];
  for (int i = 3; i < argc; i += 2) {
    std::string flag = argv[i];
    if (i + 1 >= argc) Die("missing value for " + flag);
    std::string value = argv[i + 1];
    uint64_t n = std::strtoull(value.c_str(), nullptr, 10);
    if (flag == "--requests")
      o.requests = n;
    else if (flag == "--count")
      o.count = n;
    else if (flag == "--size")
      o.size = n;
    else if (flag == "--keys")
      o.keys = std::max<uint64_t>(1, n);
    else if (flag == "--seed")
      o.seed = n;
    else if (flag == "--conns")
      o.conns = std::max(1, static_cast<int>(n));
    else if (flag == "--expect-size")
      o.expect_size = n;
    else if (flag == "--region")
      o.region = value;
    else if (flag == "--sign") {
      size_t colon = value.find(':');
      if (colon == std::string::npos) Die("--sign wants ACCESS:SECRET");
      o.access_key = value.substr(0, colon);
      o.secret_key = value.substr(colon + 1);
    } else {
      Die("unknown flag " + flag);
    }
  }
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  Options o = ParseArgs(argc, argv);
  if (o.mode == "get") return RunHttp(o, o.requests, nullptr);
  if (o.mode == "put") {
    auto bodies = MakeObjects(o);
    return RunHttp(o, o.count, &bodies);
  }
  if (o.mode == "raw") return RunRaw(o);
  if (o.mode == "files") return RunFiles(o);
  Die("unknown mode " + o.mode);
}
