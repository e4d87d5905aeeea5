// Key commands: DEL UNLINK EXISTS TOUCH EXPIRE PEXPIRE EXPIREAT PEXPIREAT EXPIRETIME PEXPIRETIME
// TTL PTTL PERSIST TYPE RENAME RENAMENX COPY KEYS SCAN RANDOMKEY DBSIZE FLUSHDB, with Redis 7's
// replies and error texts; and GlobMatch, Redis's stringmatchlen.
#include <algorithm>
#include <cctype>
#include <charconv>
#include <climits>
#include <cstdint>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "models/kv/kv_store.h"

namespace cairn::kv {
namespace {

// ---- Glob matching (a port of Redis's stringmatchlen_impl) ----

int Lower(char c) { return std::tolower(static_cast<unsigned char>(c)); }

// `skip_longer`: set once a '*' found no match for the rest of the pattern anywhere, so callers
// higher up need not try longer matches for earlier stars (avoids exponential time).
bool GlobMatchImpl(std::string_view p, std::string_view s, bool nocase, bool* skip_longer,
                   int nesting) {
  if (nesting > 1000) return false;  // protection against abusive patterns
  size_t pi = 0, si = 0;
  while (pi < p.size() && si < s.size()) {
    switch (p[pi]) {
      case '*': {
        while (pi + 1 < p.size() && p[pi + 1] == '*') ++pi;
        if (pi + 1 == p.size()) return true;
        for (; si < s.size(); ++si) {
          if (GlobMatchImpl(p.substr(pi + 1), s.substr(si), nocase, skip_longer, nesting + 1)) {
            return true;
          }
          if (*skip_longer) return false;
        }
        *skip_longer = true;
        return false;
      }
      case '?':
        ++si;
        break;
      case '[': {
        ++pi;
        bool negate = pi < p.size() && p[pi] == '^';
        if (negate) ++pi;
        bool match = false;
        char c = s[si];
        while (true) {
          if (pi < p.size() && p[pi] == '\\' && p.size() - pi >= 2) {
            ++pi;
            if (p[pi] == c) match = true;
          } else if (pi < p.size() && p[pi] == ']') {
            break;
          } else if (pi >= p.size()) {
            --pi;  // unterminated class: the pattern ends here
            break;
          } else if (p.size() - pi >= 3 && p[pi + 1] == '-') {
            int start = p[pi], end = p[pi + 2], ch = c;
            if (start > end) std::swap(start, end);
            if (nocase) {
              start = Lower(static_cast<char>(start));
              end = Lower(static_cast<char>(end));
              ch = Lower(c);
            }
            pi += 2;
            if (ch >= start && ch <= end) match = true;
          } else if (nocase ? Lower(p[pi]) == Lower(c) : p[pi] == c) {
            match = true;
          }
          ++pi;
        }
        if (negate) match = !match;
        if (!match) return false;
        ++si;
        break;
      }
      case '\\':
        if (p.size() - pi >= 2) ++pi;
        [[fallthrough]];
      default:
        if (nocase ? Lower(p[pi]) != Lower(s[si]) : p[pi] != s[si]) return false;
        ++si;
        break;
    }
    ++pi;
    if (si == s.size()) {
      while (pi < p.size() && p[pi] == '*') ++pi;
      break;
    }
  }
  return pi == p.size() && si == s.size();
}

// ---- Expiry ----

Reply InvalidExpireError(std::string_view command) {
  return Reply::Error("ERR invalid expire time in '" + std::string(command) + "' command");
}

enum ExpireFlags : unsigned { kNx = 1, kXx = 2, kGt = 4, kLt = 8 };

// EXPIRE / PEXPIRE / EXPIREAT / PEXPIREAT key time [NX | XX | GT | LT]
Reply ExpireGeneric(CommandContext& ctx, Args argv, bool seconds, bool relative,
                    std::string_view name) {
  unsigned flags = 0;
  for (size_t i = 3; i < argv.size(); ++i) {
    if (EqualsIgnoreCase(argv[i], "nx")) {
      flags |= kNx;
    } else if (EqualsIgnoreCase(argv[i], "xx")) {
      flags |= kXx;
    } else if (EqualsIgnoreCase(argv[i], "gt")) {
      flags |= kGt;
    } else if (EqualsIgnoreCase(argv[i], "lt")) {
      flags |= kLt;
    } else {
      return Reply::Error("ERR Unsupported option " + argv[i]);
    }
  }
  if ((flags & kNx) && (flags & (kXx | kGt | kLt))) {
    return Reply::Error("ERR NX and XX, GT or LT options at the same time are not compatible");
  }
  if ((flags & kGt) && (flags & kLt)) {
    return Reply::Error("ERR GT and LT options at the same time are not compatible");
  }
  int64_t when = 0;
  if (!ParseInt64(argv[2], &when)) return NotIntegerError();
  if (seconds) {
    if (when > LLONG_MAX / 1000 || when < LLONG_MIN / 1000) return InvalidExpireError(name);
    when *= 1000;
  }
  if (relative) {
    if (when > LLONG_MAX - ctx.now_ms()) return InvalidExpireError(name);
    when += ctx.now_ms();
  }
  Value* v = ctx.Find(argv[1]);
  if (v == nullptr) return Reply::Int(0);
  // A key without a TTL counts as an infinite one for GT and LT.
  bool has_ttl = v->expire_at_ms != 0;
  if ((flags & kNx) && has_ttl) return Reply::Int(0);
  if ((flags & kXx) && !has_ttl) return Reply::Int(0);
  if ((flags & kGt) && (!has_ttl || when <= v->expire_at_ms)) return Reply::Int(0);
  if ((flags & kLt) && has_ttl && when >= v->expire_at_ms) return Reply::Int(0);
  if (when <= ctx.now_ms()) {
    ctx.Erase(argv[1]);
  } else {
    v->expire_at_ms = when;
    ctx.Modified(argv[1]);
  }
  return Reply::Int(1);
}

// TTL / PTTL: -2 missing, -1 no expiry; TTL rounds to the nearest second.
Reply TtlGeneric(CommandContext& ctx, Args argv, bool ms) {
  Value* v = ctx.Find(argv[1]);
  if (v == nullptr) return Reply::Int(-2);
  if (v->expire_at_ms == 0) return Reply::Int(-1);
  int64_t ttl = std::max<int64_t>(0, v->expire_at_ms - ctx.now_ms());
  return Reply::Int(ms ? ttl : (ttl + 500) / 1000);
}

// EXPIRETIME / PEXPIRETIME: the absolute expiry, -2 missing, -1 none.
Reply ExpireTimeGeneric(CommandContext& ctx, Args argv, bool ms) {
  Value* v = ctx.Find(argv[1]);
  if (v == nullptr) return Reply::Int(-2);
  if (v->expire_at_ms == 0) return Reply::Int(-1);
  return Reply::Int(ms ? v->expire_at_ms : (v->expire_at_ms + 500) / 1000);
}

Reply Persist(CommandContext& ctx, Args argv) {
  Value* v = ctx.Find(argv[1]);
  if (v == nullptr || v->expire_at_ms == 0) return Reply::Int(0);
  v->expire_at_ms = 0;
  ctx.Modified(argv[1]);
  return Reply::Int(1);
}

// ---- Existence, deletion, type ----

Reply Del(CommandContext& ctx, Args argv) {
  int64_t n = 0;
  for (size_t i = 1; i < argv.size(); ++i) {
    if (ctx.Find(argv[i]) != nullptr && ctx.Erase(argv[i])) ++n;
  }
  return Reply::Int(n);
}

// EXISTS and TOUCH: a key named twice counts twice.
Reply Exists(CommandContext& ctx, Args argv) {
  int64_t n = 0;
  for (size_t i = 1; i < argv.size(); ++i) {
    if (ctx.Find(argv[i]) != nullptr) ++n;
  }
  return Reply::Int(n);
}

Reply TypeCommand(CommandContext& ctx, Args argv) {
  Value* v = ctx.Find(argv[1]);
  return Reply::Status(v == nullptr ? "none" : TypeName(v->type()));
}

// RENAME / RENAMENX key newkey: the value keeps its TTL.
Reply RenameGeneric(CommandContext& ctx, Args argv, bool nx) {
  Value* src = ctx.Find(argv[1]);
  if (src == nullptr) return Reply::Error("ERR no such key");
  if (argv[1] == argv[2]) return nx ? Reply::Int(0) : Reply::Ok();
  if (nx && ctx.Find(argv[2]) != nullptr) return Reply::Int(0);
  Value moved = std::move(*src);
  ctx.Erase(argv[1]);
  int64_t expire_at = moved.expire_at_ms;
  ctx.Put(argv[2], std::move(moved))->expire_at_ms = expire_at;
  return nx ? Reply::Int(1) : Reply::Ok();
}

// COPY source destination [DB destination-db] [REPLACE]. Only the current database is reachable
// from a handler, so DB must name it.
Reply Copy(CommandContext& ctx, Args argv) {
  bool replace = false;
  for (size_t i = 3; i < argv.size(); ++i) {
    if (EqualsIgnoreCase(argv[i], "replace")) {
      replace = true;
    } else if (EqualsIgnoreCase(argv[i], "db") && i + 1 < argv.size()) {
      int64_t db = 0;
      if (!ParseInt64(argv[++i], &db)) return NotIntegerError();
      if (db < 0 || db >= ctx.store()->databases()) {
        return Reply::Error("ERR DB index is out of range");
      }
      if (db != ctx.db_index()) {
        return Reply::Error("ERR COPY to another database is not supported");
      }
    } else {
      return SyntaxError();
    }
  }
  if (argv[1] == argv[2]) return Reply::Error("ERR source and destination objects are the same");
  Value* src = ctx.Find(argv[1]);
  if (src == nullptr) return Reply::Int(0);
  if (ctx.Find(argv[2]) != nullptr && !replace) return Reply::Int(0);
  Value copy = *src;
  int64_t expire_at = copy.expire_at_ms;
  ctx.Put(argv[2], std::move(copy))->expire_at_ms = expire_at;
  return Reply::Int(1);
}

// ---- Whole-database commands ----

Reply Keys(CommandContext& ctx, Args argv) {
  std::vector<Reply> out;
  const std::string& pattern = argv[1];
  bool all = pattern == "*";
  ctx.ForEachKey([&](std::string_view key, Value&) {
    if (all || GlobMatch(pattern, key)) out.push_back(Reply::Bulk(std::string(key)));
  });
  return Reply::Array(std::move(out));
}

// A stable 64-bit hash of a key (FNV-1a with a final mix): SCAN's order.
uint64_t ScanHash(std::string_view key) {
  uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : key) h = (h ^ c) * 1099511628211ULL;
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  return h;
}

// SCAN cursor [MATCH pattern] [COUNT count] [TYPE type]
//
// The cursor is a position in hash space: a call returns keys whose ScanHash is at or past the
// cursor, in hash order, and the next cursor is the hash of the first key not returned (0 when
// none is left). So a key present for the whole iteration is returned at least once, whatever
// is added or removed meanwhile. Keys that share a hash are never split across calls.
Reply Scan(CommandContext& ctx, Args argv) {
  uint64_t cursor = 0;
  {
    const std::string& c = argv[1];
    auto [p, ec] = std::from_chars(c.data(), c.data() + c.size(), cursor);
    if (c.empty() || ec != std::errc() || p != c.data() + c.size()) {
      return Reply::Error("ERR invalid cursor");
    }
  }
  int64_t count = 10;
  const std::string* pattern = nullptr;
  const std::string* type = nullptr;
  for (size_t i = 2; i < argv.size(); i += 2) {
    if (i + 1 >= argv.size()) return SyntaxError();
    if (EqualsIgnoreCase(argv[i], "count")) {
      if (!ParseInt64(argv[i + 1], &count)) return NotIntegerError();
      if (count < 1) return SyntaxError();
    } else if (EqualsIgnoreCase(argv[i], "match")) {
      pattern = &argv[i + 1];
    } else if (EqualsIgnoreCase(argv[i], "type")) {
      type = &argv[i + 1];
    } else {
      return SyntaxError();
    }
  }
  struct Candidate {
    uint64_t hash;
    std::string_view key;
    Type type;
  };
  std::vector<Candidate> candidates;
  ctx.ForEachKey([&](std::string_view key, Value& v) {
    uint64_t h = ScanHash(key);
    if (h >= cursor) candidates.push_back({h, key, v.type()});
  });
  std::sort(candidates.begin(), candidates.end(),
            [](const auto& a, const auto& b) { return a.hash < b.hash; });
  size_t take = std::min(candidates.size(), static_cast<size_t>(count));
  while (take < candidates.size() && take > 0 &&
         (candidates[take].hash == candidates[take - 1].hash || candidates[take].hash == 0)) {
    ++take;
  }
  uint64_t next = take < candidates.size() ? candidates[take].hash : 0;
  std::vector<Reply> keys;
  bool all = pattern == nullptr || *pattern == "*";
  for (size_t i = 0; i < take; ++i) {
    std::string_view key = candidates[i].key;
    if (!all && !GlobMatch(*pattern, key)) continue;
    if (type != nullptr && !EqualsIgnoreCase(*type, TypeName(candidates[i].type))) continue;
    keys.push_back(Reply::Bulk(std::string(key)));
  }
  std::vector<Reply> out;
  out.push_back(Reply::Bulk(std::to_string(next)));
  out.push_back(Reply::Array(std::move(keys)));
  return Reply::Array(std::move(out));
}

Reply RandomKey(CommandContext& ctx, Args) {
  std::vector<std::string_view> keys;
  ctx.ForEachKey([&](std::string_view key, Value&) { keys.push_back(key); });
  if (keys.empty()) return Reply::Nil();
  thread_local std::mt19937_64 rng{std::random_device{}()};
  std::uniform_int_distribution<size_t> pick(0, keys.size() - 1);
  return Reply::Bulk(std::string(keys[pick(rng)]));
}

Reply DbSize(CommandContext& ctx, Args) { return Reply::Int(static_cast<int64_t>(ctx.KeyCount())); }

// FLUSHDB [ASYNC | SYNC]: both flush at once.
Reply FlushDb(CommandContext& ctx, Args argv) {
  if (argv.size() > 2 || (argv.size() == 2 && !EqualsIgnoreCase(argv[1], "async") &&
                          !EqualsIgnoreCase(argv[1], "sync"))) {
    return SyntaxError();
  }
  ctx.Clear();
  return Reply::Ok();
}

void Add(CommandRegistry* r, const char* name, int arity, uint32_t flags, int first, int last,
         int step, Handler h) {
  r->Register(CommandSpec{name, arity, flags, first, last, step, std::move(h)});
}

}  // namespace

bool GlobMatch(std::string_view pattern, std::string_view s, bool nocase) {
  bool skip_longer = false;
  if (s.empty()) {
    // The matcher's loop needs a character; an empty string matches only a run of stars.
    return pattern.find_first_not_of('*') == std::string_view::npos;
  }
  return GlobMatchImpl(pattern, s, nocase, &skip_longer, 0);
}

void RegisterKeyCommands(CommandRegistry* r) {
  constexpr uint32_t kW = kWrite, kR = kReadOnly, kOom = kDenyOom, kF = kFast;
  Add(r, "del", -2, kW, 1, -1, 1, Del);
  Add(r, "unlink", -2, kW | kF, 1, -1, 1, Del);
  Add(r, "exists", -2, kR | kF, 1, -1, 1, Exists);
  Add(r, "touch", -2, kR | kF, 1, -1, 1, Exists);
  Add(r, "expire", -3, kW | kF, 1, 1, 1, [](CommandContext& c, Args a) {
    return ExpireGeneric(c, a, /*seconds=*/true, /*relative=*/true, "expire");
  });
  Add(r, "pexpire", -3, kW | kF, 1, 1, 1, [](CommandContext& c, Args a) {
    return ExpireGeneric(c, a, /*seconds=*/false, /*relative=*/true, "pexpire");
  });
  Add(r, "expireat", -3, kW | kF, 1, 1, 1, [](CommandContext& c, Args a) {
    return ExpireGeneric(c, a, /*seconds=*/true, /*relative=*/false, "expireat");
  });
  Add(r, "pexpireat", -3, kW | kF, 1, 1, 1, [](CommandContext& c, Args a) {
    return ExpireGeneric(c, a, /*seconds=*/false, /*relative=*/false, "pexpireat");
  });
  Add(r, "ttl", 2, kR | kF, 1, 1, 1,
      [](CommandContext& c, Args a) { return TtlGeneric(c, a, false); });
  Add(r, "pttl", 2, kR | kF, 1, 1, 1,
      [](CommandContext& c, Args a) { return TtlGeneric(c, a, true); });
  Add(r, "expiretime", 2, kR | kF, 1, 1, 1,
      [](CommandContext& c, Args a) { return ExpireTimeGeneric(c, a, false); });
  Add(r, "pexpiretime", 2, kR | kF, 1, 1, 1,
      [](CommandContext& c, Args a) { return ExpireTimeGeneric(c, a, true); });
  Add(r, "persist", 2, kW | kF, 1, 1, 1, Persist);
  Add(r, "type", 2, kR | kF, 1, 1, 1, TypeCommand);
  Add(r, "rename", 3, kW, 1, 2, 1,
      [](CommandContext& c, Args a) { return RenameGeneric(c, a, false); });
  Add(r, "renamenx", 3, kW | kF, 1, 2, 1,
      [](CommandContext& c, Args a) { return RenameGeneric(c, a, true); });
  Add(r, "copy", -3, kW | kOom, 1, 2, 1, Copy);
  Add(r, "keys", 2, kR | kAllKeys, 0, 0, 1, Keys);
  Add(r, "scan", -2, kR | kAllKeys, 0, 0, 1, Scan);
  Add(r, "randomkey", 1, kR | kAllKeys, 0, 0, 1, RandomKey);
  Add(r, "dbsize", 1, kR | kF | kAllKeys, 0, 0, 1, DbSize);
  Add(r, "flushdb", -1, kW | kAllKeys, 0, 0, 1, FlushDb);
}

}  // namespace cairn::kv
