// kv_embedded: single-threaded GET/SET latency and throughput of the embedded KV store through
// the C ABI (cairn_kv_get/cairn_kv_set, libcairn.so), beside the same commands sent to cairnd
// over RESP on its Unix socket with hiredis (one request, one reply: a round trip per op).
//
// Usage: kv_embedded DATA_DIR [RESP_UNIX_SOCKET]
// Environment: CAIRN_BENCH_KV_KEYS (100000), CAIRN_BENCH_KV_GETS (1000000), value size 32 bytes.
// GETs run twice: uniformly over all keys, and over the first 1000 only ("hot", cache-resident).
// Every op is counted in ops/s; one op in kSampleEvery is timed on its own with clock_gettime
// (CLOCK_MONOTONIC) for the percentiles, less the median cost of an empty timing (printed as
// timer_ns). Prints "name value" lines for bench/embedded to parse.
#include <hiredis/hiredis.h>
#include <time.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "cairn/cairn.h"

namespace {

constexpr size_t kValueSize = 32;
constexpr size_t kSampleEvery = 8;
constexpr size_t kHotKeys = 1000;

uint64_t NowNs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000000000ull + static_cast<uint64_t>(ts.tv_nsec);
}

size_t EnvSize(const char* name, size_t def) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? static_cast<size_t>(std::strtoull(v, nullptr, 10)) : def;
}

// The median cost of timing nothing: subtracted from each sampled op.
uint64_t TimerOverheadNs() {
  std::vector<uint64_t> t(10000);
  for (auto& x : t) {
    uint64_t a = NowNs();
    x = NowNs() - a;
  }
  std::nth_element(t.begin(), t.begin() + t.size() / 2, t.end());
  return t[t.size() / 2];
}

struct Result {
  double p50_us = 0, p99_us = 0, ops_per_sec = 0;
};

// Runs op(i) for i in [0, n), timing every kSampleEvery-th call alone.
template <typename Op>
Result Measure(size_t n, uint64_t timer_ns, const Op& op) {
  std::vector<uint64_t> samples;
  samples.reserve(n / kSampleEvery + 1);
  uint64_t start = NowNs();
  for (size_t i = 0; i < n; ++i) {
    if (i % kSampleEvery == 0) {
      uint64_t a = NowNs();
      op(i);
      uint64_t d = NowNs() - a;
      samples.push_back(d > timer_ns ? d - timer_ns : 0);
    } else {
      op(i);
    }
  }
  uint64_t total = NowNs() - start;
  std::sort(samples.begin(), samples.end());
  Result r;
  r.p50_us = static_cast<double>(samples[samples.size() / 2]) / 1000.0;
  r.p99_us = static_cast<double>(samples[samples.size() * 99 / 100]) / 1000.0;
  r.ops_per_sec = static_cast<double>(n) * 1e9 / static_cast<double>(total);
  return r;
}

void Print(const char* prefix, const Result& r) {
  std::printf("%s_p50_us %.3f\n%s_p99_us %.3f\n%s_ops %.0f\n", prefix, r.p50_us, prefix, r.p99_us,
              prefix, r.ops_per_sec);
}

[[noreturn]] void Die(const char* what, const char* detail) {
  std::fprintf(stderr, "kv_embedded: %s: %s\n", what, detail);
  std::exit(1);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || argc > 3) {
    std::fprintf(stderr, "usage: kv_embedded DATA_DIR [RESP_UNIX_SOCKET]\n");
    return 2;
  }
  const size_t keys = std::max<size_t>(1, EnvSize("CAIRN_BENCH_KV_KEYS", 100000));
  const size_t gets = std::max<size_t>(1, EnvSize("CAIRN_BENCH_KV_GETS", 1000000));
  std::vector<std::string> names(keys);
  for (size_t i = 0; i < keys; ++i) names[i] = "key:" + std::to_string(i);
  std::string value(kValueSize, 'v');
  // Random access order (fixed seed), so neighbouring ops do not share cache lines by design.
  std::vector<uint32_t> order(std::max(keys, gets));
  std::mt19937_64 rng(42);
  for (auto& o : order) o = static_cast<uint32_t>(rng() % keys);
  const uint64_t timer_ns = TimerOverheadNs();
  std::printf("keys %zu\ngets %zu\nvalue_bytes %zu\ntimer_ns %llu\n", keys, gets, kValueSize,
              static_cast<unsigned long long>(timer_ns));

  // ---- the C ABI ----
  cairn_kv_options opts;
  cairn_kv_options_init(&opts);
  opts.fsync = CAIRN_KV_FSYNC_NO;
  cairn_kv* kv = nullptr;
  if (cairn_kv_open(argv[1], &opts, &kv) != CAIRN_OK) Die("open", cairn_kv_last_error());
  Result set = Measure(keys, timer_ns, [&](size_t i) {
    const std::string& k = names[i];
    if (cairn_kv_set(kv, k.data(), k.size(), value.data(), value.size(), 0) != CAIRN_OK) {
      Die("set", cairn_kv_last_error());
    }
  });
  char buf[64];
  Result get = Measure(gets, timer_ns, [&](size_t i) {
    const std::string& k = names[order[i]];
    size_t n = 0;
    if (cairn_kv_get(kv, k.data(), k.size(), buf, sizeof buf, &n) != CAIRN_OK) {
      Die("get", cairn_kv_last_error());
    }
  });
  // The same over the first kHotKeys keys only (cache-resident): the cost of the call itself,
  // without the cache and TLB misses of uniformly random access over the whole key set.
  const size_t hot = std::min(keys, kHotKeys);
  Result get_hot = Measure(gets, timer_ns, [&](size_t i) {
    const std::string& k = names[order[i] % hot];
    size_t n = 0;
    if (cairn_kv_get(kv, k.data(), k.size(), buf, sizeof buf, &n) != CAIRN_OK) {
      Die("get", cairn_kv_last_error());
    }
  });
  // Overwrites in random order (the steady state of a cache) after the inserts above.
  Result overwrite = Measure(keys, timer_ns, [&](size_t i) {
    const std::string& k = names[order[i]];
    if (cairn_kv_set(kv, k.data(), k.size(), value.data(), value.size(), 0) != CAIRN_OK) {
      Die("set", cairn_kv_last_error());
    }
  });
  cairn_kv_close(kv);
  Print("capi_set", set);
  Print("capi_overwrite", overwrite);
  Print("capi_get", get);
  Print("capi_get_hot", get_hot);

  // ---- RESP over cairnd's Unix socket ----
  if (argc == 3) {
    redisContext* c = redisConnectUnix(argv[2]);
    if (c == nullptr || c->err) Die("connect", c != nullptr ? c->errstr : "no context");
    auto command = [&](const char* fmt, const std::string& k, bool with_value) {
      auto* reply = static_cast<redisReply*>(
          with_value ? redisCommand(c, fmt, k.data(), k.size(), value.data(), value.size())
                     : redisCommand(c, fmt, k.data(), k.size()));
      if (reply == nullptr) Die("resp", c->errstr);
      if (reply->type == REDIS_REPLY_ERROR) Die("resp", reply->str);
      freeReplyObject(reply);
    };
    const size_t resp_gets = std::min(gets, keys);  // round trips are slow: fewer of them
    Result rset = Measure(keys, timer_ns,
                          [&](size_t i) { command("SET %b %b", names[i], /*with_value=*/true); });
    Result rget = Measure(resp_gets, timer_ns, [&](size_t i) {
      command("GET %b", names[order[i]], /*with_value=*/false);
    });
    redisFree(c);
    Print("resp_set", rset);
    Print("resp_get", rget);
  }
  return 0;
}
