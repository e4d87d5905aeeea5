// Test helpers for the KV command tests: a store on the default Env and a compact rendering of
// replies, so a test can assert a whole reply in one string.
//
// Thread safety: for single-threaded tests.
#ifndef CAIRN_MODELS_KV_INTERNAL_TEST_UTIL_H_
#define CAIRN_MODELS_KV_INTERNAL_TEST_UTIL_H_

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "core/env/env.h"
#include "models/kv/kv_store.h"
#include "models/kv/reply.h"

namespace cairn::kv::internal {

// An Env whose clock stands still until a test moves `now_ms` (TTL tests).
class ClockEnv : public core::EnvWrapper {
 public:
  ClockEnv() : core::EnvWrapper(core::Env::Default()) {}
  uint64_t UnixMicros() override { return now_ms * 1000; }
  uint64_t now_ms = 1'700'000'000'000;
};

// Renders `r`: (nil), (nil-array), +status, -error, :int, bulk as is, [a,b] for arrays,
// {k=v,...} for maps, ~[a,b] for sets.
inline std::string Show(const Reply& r) {
  using K = Reply::Kind;
  auto join = [](const std::vector<Reply>& e, const char* sep, bool pairs) {
    std::string s;
    for (size_t i = 0; i < e.size(); ++i) {
      if (i > 0) s += pairs && i % 2 == 1 ? "=" : sep;
      s += Show(e[i]);
    }
    return s;
  };
  switch (r.kind) {
    case K::kNil:
      return "(nil)";
    case K::kNilArray:
      return "(nil-array)";
    case K::kStatus:
      return "+" + r.str;
    case K::kError:
      return "-" + r.str;
    case K::kInt:
      return ":" + std::to_string(r.integer);
    case K::kBulk:
      return r.str;
    case K::kDouble:
      return "," + FormatDouble(r.number);
    case K::kBool:
      return r.integer ? "#t" : "#f";
    case K::kArray:
      return "[" + join(r.elements, ",", false) + "]";
    case K::kMap:
      return "{" + join(r.elements, ",", true) + "}";
    case K::kSet:
      return "~[" + join(r.elements, ",", false) + "]";
    case K::kPush:
      return ">[" + join(r.elements, ",", false) + "]";
  }
  return "?";
}

// The elements of an array or set reply, rendered and sorted (for unordered collections).
inline std::vector<std::string> SortedElements(const Reply& r) {
  std::vector<std::string> out;
  for (const auto& e : r.elements) out.push_back(Show(e));
  std::sort(out.begin(), out.end());
  return out;
}

// A store with a few shards and one command helper.
class KvHarness {
 public:
  KvHarness() : store_(MakeOptions()) {}
  Reply Exec(std::vector<std::string> argv) { return store_.Execute(0, argv); }
  std::string Do(std::vector<std::string> argv) { return Show(Exec(std::move(argv))); }
  KvStore& store() { return store_; }

 private:
  static KvOptions MakeOptions() {
    KvOptions o;
    o.env = core::Env::Default();
    o.shards = 4;
    o.databases = 2;
    return o;
  }
  KvStore store_;
};

}  // namespace cairn::kv::internal

#endif  // CAIRN_MODELS_KV_INTERNAL_TEST_UTIL_H_
