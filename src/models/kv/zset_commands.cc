// Sorted-set commands: ZADD, ZRANGE (by rank, score or lex), ZRANK, ZPOPMIN, ZSCAN... over
// Value::zset(), whose `order` keeps (score, member) pairs sorted as Redis's skiplist does.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <iterator>
#include <limits>
#include <string>
#include <vector>

#include "models/kv/internal/collection_scan.h"
#include "models/kv/kv_store.h"

namespace cairn::kv {
namespace {

using Entry = std::pair<double, std::string>;

Reply NotFloatRangeError() { return Reply::Error("ERR min or max is not a float"); }
Reply NotLexRangeError() { return Reply::Error("ERR min or max not valid string range item"); }

// The sorted set at `key`: nullptr with *wrong set when it holds another type, nullptr if missing.
ZSet* ReadZSet(CommandContext& ctx, std::string_view key, bool* wrong) {
  Value* v = ctx.FindTyped(key, Type::kZSet, wrong);
  return v == nullptr ? nullptr : &v->zset();
}

void SetScore(ZSet* z, const std::string& member, double score) {
  auto it = z->scores.find(member);
  if (it != z->scores.end()) {
    z->order.erase({it->second, member});
    it->second = score;
  } else {
    z->scores.emplace(member, score);
  }
  z->order.emplace(score, member);
}

bool RemoveMember(ZSet* z, std::string_view member) {
  auto it = z->scores.find(member);
  if (it == z->scores.end()) return false;
  z->order.erase({it->second, it->first});
  z->scores.erase(it);
  return true;
}

int64_t RankOf(const ZSet& z, double score, const std::string& member) {
  return std::distance(z.order.begin(), z.order.find({score, member}));
}

// ---- ranges ----

struct ScoreRange {
  double min = 0, max = 0;
  bool minex = false, maxex = false;
  bool Contains(double s) const {
    return (minex ? s > min : s >= min) && (maxex ? s < max : s <= max);
  }
};

bool ParseScoreBound(std::string_view s, double* out, bool* exclusive) {
  *exclusive = !s.empty() && s[0] == '(';
  if (*exclusive) s.remove_prefix(1);
  return ParseDouble(s, out);
}

bool ParseScoreRange(std::string_view min, std::string_view max, ScoreRange* r) {
  return ParseScoreBound(min, &r->min, &r->minex) && ParseScoreBound(max, &r->max, &r->maxex);
}

struct LexBound {
  enum Kind { kMin, kMax, kValue } kind = kValue;
  std::string value;
  bool exclusive = false;
};

bool ParseLexBound(std::string_view s, LexBound* b) {
  if (s == "-") {
    b->kind = LexBound::kMin;
  } else if (s == "+") {
    b->kind = LexBound::kMax;
  } else if (!s.empty() && (s[0] == '[' || s[0] == '(')) {
    b->exclusive = s[0] == '(';
    b->value = std::string(s.substr(1));
  } else {
    return false;
  }
  return true;
}

struct LexRange {
  LexBound min, max;
  bool Contains(const std::string& m) const {
    bool above = min.kind == LexBound::kMin ||
                 (min.kind == LexBound::kValue && (min.exclusive ? m > min.value : m >= min.value));
    bool below = max.kind == LexBound::kMax ||
                 (max.kind == LexBound::kValue && (max.exclusive ? m < max.value : m <= max.value));
    return above && below;
  }
};

bool ParseLexRange(std::string_view min, std::string_view max, LexRange* r) {
  return ParseLexBound(min, &r->min) && ParseLexBound(max, &r->max);
}

// Entries of `z` within the score range, in ascending order.
std::vector<const Entry*> ByScore(const ZSet& z, const ScoreRange& r) {
  std::vector<const Entry*> out;
  for (auto it = z.order.lower_bound({r.min, std::string()}); it != z.order.end(); ++it) {
    if (r.maxex ? it->first >= r.max : it->first > r.max) break;
    if (r.Contains(it->first)) out.push_back(&*it);
  }
  return out;
}

std::vector<const Entry*> ByLex(const ZSet& z, const LexRange& r) {
  std::vector<const Entry*> out;
  for (const auto& e : z.order) {
    if (r.Contains(e.second)) out.push_back(&e);
  }
  return out;
}

// Entries with ranks [start, stop] (negative from the end), ascending, or descending if `rev`.
std::vector<const Entry*> ByRank(const ZSet& z, int64_t start, int64_t stop, bool rev) {
  std::vector<const Entry*> out;
  int64_t len = static_cast<int64_t>(z.order.size());
  if (start < 0) start = std::max<int64_t>(len + start, 0);
  if (stop < 0) stop = len + stop;
  if (stop >= len) stop = len - 1;
  if (start > stop || start >= len) return out;
  if (!rev) {
    auto it = std::next(z.order.begin(), start);
    for (int64_t i = start; i <= stop; ++i, ++it) out.push_back(&*it);
  } else {
    auto it = std::next(z.order.rbegin(), start);
    for (int64_t i = start; i <= stop; ++i, ++it) out.push_back(&*it);
  }
  return out;
}

Reply EntriesReply(const std::vector<const Entry*>& entries, bool withscores) {
  std::vector<Reply> out;
  out.reserve(entries.size() * (withscores ? 2 : 1));
  for (const Entry* e : entries) {
    out.push_back(Reply::Bulk(e->second));
    if (withscores) out.push_back(Reply::Bulk(FormatDouble(e->first)));
  }
  return Reply::Array(std::move(out));
}

// ---- ZADD / ZINCRBY ----

struct ZAddFlags {
  bool nx = false, xx = false, gt = false, lt = false, ch = false, incr = false;
};

Reply ZAddGeneric(CommandContext& ctx, Args argv, size_t first, ZAddFlags f) {
  size_t elements = argv.size() - first;
  if (elements == 0 || elements % 2 != 0) return SyntaxError();
  if (f.nx && f.xx) {
    return Reply::Error("ERR XX and NX options at the same time are not compatible");
  }
  if ((f.gt && f.nx) || (f.lt && f.nx) || (f.gt && f.lt)) {
    return Reply::Error("ERR GT, LT, and/or NX options at the same time are not compatible");
  }
  if (f.incr && elements > 2) {
    return Reply::Error("ERR INCR option supports a single increment-element pair");
  }
  std::vector<double> scores;
  for (size_t i = first; i < argv.size(); i += 2) {
    double d = 0;
    if (!ParseDouble(argv[i], &d)) return NotFloatError();
    scores.push_back(d);
  }
  bool wrong = false;
  ZSet* z = ReadZSet(ctx, argv[1], &wrong);
  if (wrong) return WrongTypeError();
  if (z == nullptr) {
    if (f.xx) return f.incr ? Reply::Nil() : Reply::Int(0);
    z = &ctx.FindOrCreate(argv[1], Type::kZSet)->zset();
  }
  int64_t added = 0, changed = 0;
  double incr_result = 0;
  bool incr_done = false;
  for (size_t i = 0; i < scores.size(); ++i) {
    const std::string& member = argv[first + 2 * i + 1];
    double score = scores[i];
    auto it = z->scores.find(member);
    if (it == z->scores.end()) {
      if (f.xx) continue;
      SetScore(z, member, score);
      ++added;
      incr_result = score;
      incr_done = true;
      continue;
    }
    if (f.nx) continue;
    double cur = it->second;
    if (f.incr) {
      score = cur + score;
      if (std::isnan(score)) {
        ctx.Modified(argv[1]);
        return Reply::Error("ERR resulting score is not a number (NaN)");
      }
    }
    if ((f.gt && score <= cur) || (f.lt && score >= cur)) continue;
    incr_result = score;
    incr_done = true;
    if (score != cur) {
      SetScore(z, member, score);
      ++changed;
    }
  }
  if (added + changed > 0) ctx.Modified(argv[1]);
  if (f.incr) return incr_done ? Reply::Double(incr_result) : Reply::Nil();
  return Reply::Int(f.ch ? added + changed : added);
}

Reply ZAdd(CommandContext& ctx, Args argv) {
  ZAddFlags f;
  size_t i = 2;
  for (; i < argv.size(); ++i) {
    const std::string& a = argv[i];
    if (EqualsIgnoreCase(a, "nx")) {
      f.nx = true;
    } else if (EqualsIgnoreCase(a, "xx")) {
      f.xx = true;
    } else if (EqualsIgnoreCase(a, "gt")) {
      f.gt = true;
    } else if (EqualsIgnoreCase(a, "lt")) {
      f.lt = true;
    } else if (EqualsIgnoreCase(a, "ch")) {
      f.ch = true;
    } else if (EqualsIgnoreCase(a, "incr")) {
      f.incr = true;
    } else {
      break;
    }
  }
  return ZAddGeneric(ctx, argv, i, f);
}

Reply ZIncrBy(CommandContext& ctx, Args argv) {
  ZAddFlags f;
  f.incr = true;
  return ZAddGeneric(ctx, argv, 2, f);
}

// ---- simple reads and removals ----

Reply ZRem(CommandContext& ctx, Args argv) {
  bool wrong = false;
  ZSet* z = ReadZSet(ctx, argv[1], &wrong);
  if (wrong) return WrongTypeError();
  if (z == nullptr) return Reply::Int(0);
  int64_t removed = 0;
  for (size_t i = 2; i < argv.size(); ++i) removed += RemoveMember(z, argv[i]) ? 1 : 0;
  if (removed > 0) ctx.Modified(argv[1]);
  return Reply::Int(removed);
}

Reply ZScore(CommandContext& ctx, Args argv) {
  bool wrong = false;
  ZSet* z = ReadZSet(ctx, argv[1], &wrong);
  if (wrong) return WrongTypeError();
  if (z == nullptr) return Reply::Nil();
  auto it = z->scores.find(argv[2]);
  return it == z->scores.end() ? Reply::Nil() : Reply::Double(it->second);
}

Reply ZMScore(CommandContext& ctx, Args argv) {
  bool wrong = false;
  ZSet* z = ReadZSet(ctx, argv[1], &wrong);
  if (wrong) return WrongTypeError();
  std::vector<Reply> out;
  for (size_t i = 2; i < argv.size(); ++i) {
    if (z == nullptr) {
      out.push_back(Reply::Nil());
      continue;
    }
    auto it = z->scores.find(argv[i]);
    out.push_back(it == z->scores.end() ? Reply::Nil() : Reply::Double(it->second));
  }
  return Reply::Array(std::move(out));
}

Reply ZCard(CommandContext& ctx, Args argv) {
  bool wrong = false;
  ZSet* z = ReadZSet(ctx, argv[1], &wrong);
  if (wrong) return WrongTypeError();
  return Reply::Int(z == nullptr ? 0 : static_cast<int64_t>(z->scores.size()));
}

Reply ZCount(CommandContext& ctx, Args argv) {
  ScoreRange r;
  if (!ParseScoreRange(argv[2], argv[3], &r)) return NotFloatRangeError();
  bool wrong = false;
  ZSet* z = ReadZSet(ctx, argv[1], &wrong);
  if (wrong) return WrongTypeError();
  return Reply::Int(z == nullptr ? 0 : static_cast<int64_t>(ByScore(*z, r).size()));
}

Reply ZLexCount(CommandContext& ctx, Args argv) {
  LexRange r;
  if (!ParseLexRange(argv[2], argv[3], &r)) return NotLexRangeError();
  bool wrong = false;
  ZSet* z = ReadZSet(ctx, argv[1], &wrong);
  if (wrong) return WrongTypeError();
  return Reply::Int(z == nullptr ? 0 : static_cast<int64_t>(ByLex(*z, r).size()));
}

Reply RankGeneric(CommandContext& ctx, Args argv, bool rev) {
  bool withscore = false;
  if (argv.size() > 4) return SyntaxError();
  if (argv.size() == 4) {
    if (!EqualsIgnoreCase(argv[3], "withscore")) return SyntaxError();
    withscore = true;
  }
  bool wrong = false;
  ZSet* z = ReadZSet(ctx, argv[1], &wrong);
  if (wrong) return WrongTypeError();
  Reply missing = withscore ? Reply::NilArray() : Reply::Nil();
  if (z == nullptr) return missing;
  auto it = z->scores.find(argv[2]);
  if (it == z->scores.end()) return missing;
  int64_t rank = RankOf(*z, it->second, it->first);
  if (rev) rank = static_cast<int64_t>(z->order.size()) - 1 - rank;
  if (!withscore) return Reply::Int(rank);
  return Reply::Array({Reply::Int(rank), Reply::Bulk(FormatDouble(it->second))});
}

Reply ZRank(CommandContext& ctx, Args argv) { return RankGeneric(ctx, argv, false); }
Reply ZRevRank(CommandContext& ctx, Args argv) { return RankGeneric(ctx, argv, true); }

Reply PopGeneric(CommandContext& ctx, Args argv, bool max) {
  if (argv.size() > 3) return SyntaxError();
  int64_t count = 1;
  if (argv.size() == 3) {
    if (!ParseInt64(argv[2], &count)) return NotIntegerError();
    if (count < 0) return Reply::Error("ERR value is out of range, must be positive");
  }
  bool wrong = false;
  ZSet* z = ReadZSet(ctx, argv[1], &wrong);
  if (wrong) return WrongTypeError();
  std::vector<Reply> out;
  if (z == nullptr) return Reply::Array();
  for (int64_t i = 0; i < count && !z->order.empty(); ++i) {
    auto it = max ? std::prev(z->order.end()) : z->order.begin();
    out.push_back(Reply::Bulk(it->second));
    out.push_back(Reply::Bulk(FormatDouble(it->first)));
    z->scores.erase(it->second);
    z->order.erase(it);
  }
  if (!out.empty()) ctx.Modified(argv[1]);
  return Reply::Array(std::move(out));
}

Reply ZPopMin(CommandContext& ctx, Args argv) { return PopGeneric(ctx, argv, false); }
Reply ZPopMax(CommandContext& ctx, Args argv) { return PopGeneric(ctx, argv, true); }

// ---- ZRANGE and its legacy forms ----

enum class RangeBy { kAuto, kRank, kScore, kLex };

// ZRANGE key start stop [BYSCORE|BYLEX] [REV] [LIMIT offset count] [WITHSCORES] when `by` is
// kAuto; the legacy commands fix `by` and `rev` and accept only WITHSCORES and LIMIT.
Reply RangeGeneric(CommandContext& ctx, Args argv, RangeBy by, bool rev) {
  bool withscores = false, has_limit = false;
  int64_t offset = 0, limit = -1;
  bool legacy = by != RangeBy::kAuto;
  for (size_t i = 4; i < argv.size(); ++i) {
    const std::string& a = argv[i];
    if (EqualsIgnoreCase(a, "withscores") && !(legacy && by == RangeBy::kLex)) {
      withscores = true;
    } else if (EqualsIgnoreCase(a, "limit") && i + 2 < argv.size()) {
      if (!ParseInt64(argv[i + 1], &offset) || !ParseInt64(argv[i + 2], &limit)) {
        return NotIntegerError();
      }
      has_limit = true;
      i += 2;
    } else if (!legacy && by == RangeBy::kAuto && EqualsIgnoreCase(a, "byscore")) {
      by = RangeBy::kScore;
    } else if (!legacy && by == RangeBy::kAuto && EqualsIgnoreCase(a, "bylex")) {
      by = RangeBy::kLex;
    } else if (!legacy && EqualsIgnoreCase(a, "rev")) {
      rev = true;
    } else {
      return SyntaxError();
    }
  }
  if (by == RangeBy::kAuto) by = RangeBy::kRank;
  if (withscores && by == RangeBy::kLex) {
    return Reply::Error("ERR syntax error, WITHSCORES not supported in combination with BYLEX");
  }
  if (has_limit && by == RangeBy::kRank) {
    return Reply::Error(
        "ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX");
  }
  // REV with BYSCORE/BYLEX takes the bounds as max, min.
  std::string_view lo = argv[2], hi = argv[3];
  if (rev && by != RangeBy::kRank) std::swap(lo, hi);
  ScoreRange sr;
  LexRange lr;
  int64_t start = 0, stop = 0;
  if (by == RangeBy::kScore && !ParseScoreRange(lo, hi, &sr)) return NotFloatRangeError();
  if (by == RangeBy::kLex && !ParseLexRange(lo, hi, &lr)) return NotLexRangeError();
  if (by == RangeBy::kRank && (!ParseInt64(lo, &start) || !ParseInt64(hi, &stop))) {
    return NotIntegerError();
  }
  bool wrong = false;
  ZSet* z = ReadZSet(ctx, argv[1], &wrong);
  if (wrong) return WrongTypeError();
  if (z == nullptr) return Reply::Array();
  if (by == RangeBy::kRank) return EntriesReply(ByRank(*z, start, stop, rev), withscores);
  std::vector<const Entry*> found = by == RangeBy::kScore ? ByScore(*z, sr) : ByLex(*z, lr);
  if (rev) std::reverse(found.begin(), found.end());
  if (offset < 0 || (has_limit && offset >= static_cast<int64_t>(found.size()))) {
    found.clear();
  } else if (has_limit) {
    found.erase(found.begin(), found.begin() + offset);
    if (limit >= 0 && limit < static_cast<int64_t>(found.size())) {
      found.resize(static_cast<size_t>(limit));
    }
  }
  return EntriesReply(found, withscores);
}

Reply ZRange(CommandContext& ctx, Args argv) {
  return RangeGeneric(ctx, argv, RangeBy::kAuto, false);
}
Reply ZRevRange(CommandContext& ctx, Args argv) {
  return RangeGeneric(ctx, argv, RangeBy::kRank, true);
}
Reply ZRangeByScore(CommandContext& ctx, Args argv) {
  return RangeGeneric(ctx, argv, RangeBy::kScore, false);
}
Reply ZRevRangeByScore(CommandContext& ctx, Args argv) {
  return RangeGeneric(ctx, argv, RangeBy::kScore, true);
}
Reply ZRangeByLex(CommandContext& ctx, Args argv) {
  return RangeGeneric(ctx, argv, RangeBy::kLex, false);
}
Reply ZRevRangeByLex(CommandContext& ctx, Args argv) {
  return RangeGeneric(ctx, argv, RangeBy::kLex, true);
}

// ---- ZREMRANGEBY* ----

Reply RemoveEntries(CommandContext& ctx, Args argv, ZSet* z, std::vector<const Entry*> found) {
  std::vector<std::string> members;
  members.reserve(found.size());
  for (const Entry* e : found) members.push_back(e->second);
  for (const auto& m : members) RemoveMember(z, m);
  if (!members.empty()) ctx.Modified(argv[1]);
  return Reply::Int(static_cast<int64_t>(members.size()));
}

Reply ZRemRangeByRank(CommandContext& ctx, Args argv) {
  int64_t start = 0, stop = 0;
  if (!ParseInt64(argv[2], &start) || !ParseInt64(argv[3], &stop)) return NotIntegerError();
  bool wrong = false;
  ZSet* z = ReadZSet(ctx, argv[1], &wrong);
  if (wrong) return WrongTypeError();
  if (z == nullptr) return Reply::Int(0);
  return RemoveEntries(ctx, argv, z, ByRank(*z, start, stop, false));
}

Reply ZRemRangeByScore(CommandContext& ctx, Args argv) {
  ScoreRange r;
  if (!ParseScoreRange(argv[2], argv[3], &r)) return NotFloatRangeError();
  bool wrong = false;
  ZSet* z = ReadZSet(ctx, argv[1], &wrong);
  if (wrong) return WrongTypeError();
  if (z == nullptr) return Reply::Int(0);
  return RemoveEntries(ctx, argv, z, ByScore(*z, r));
}

Reply ZRemRangeByLex(CommandContext& ctx, Args argv) {
  LexRange r;
  if (!ParseLexRange(argv[2], argv[3], &r)) return NotLexRangeError();
  bool wrong = false;
  ZSet* z = ReadZSet(ctx, argv[1], &wrong);
  if (wrong) return WrongTypeError();
  if (z == nullptr) return Reply::Int(0);
  return RemoveEntries(ctx, argv, z, ByLex(*z, r));
}

Reply ZScan(CommandContext& ctx, Args argv) {
  uint64_t cursor = 0;
  if (!internal::ParseScanCursor(argv[2], &cursor)) return internal::InvalidCursorError();
  bool wrong = false;
  ZSet* z = ReadZSet(ctx, argv[1], &wrong);
  if (wrong) return WrongTypeError();
  if (z == nullptr) return internal::EmptyScanReply();
  internal::ScanOptions opts;
  Reply err;
  if (!internal::ParseScanOptions(argv, /*allow_novalues=*/false, &opts, &err)) return err;
  return internal::ScanCollection(
      z->scores, cursor, opts, [](const auto& kv) -> const std::string& { return kv.first; },
      [](const auto& kv, std::vector<Reply>* out) {
        out->push_back(Reply::Bulk(kv.first));
        out->push_back(Reply::Bulk(FormatDouble(kv.second)));
      });
}

void Add(CommandRegistry* r, const char* name, int arity, uint32_t flags, Handler h) {
  r->Register(CommandSpec{name, arity, flags, 1, 1, 1, std::move(h)});
}

}  // namespace

void RegisterZSetCommands(CommandRegistry* r) {
  Add(r, "zadd", -4, kWrite | kDenyOom | kFast, ZAdd);
  Add(r, "zincrby", 4, kWrite | kDenyOom | kFast, ZIncrBy);
  Add(r, "zrem", -3, kWrite | kFast, ZRem);
  Add(r, "zscore", 3, kReadOnly | kFast, ZScore);
  Add(r, "zmscore", -3, kReadOnly | kFast, ZMScore);
  Add(r, "zcard", 2, kReadOnly | kFast, ZCard);
  Add(r, "zcount", 4, kReadOnly | kFast, ZCount);
  Add(r, "zlexcount", 4, kReadOnly | kFast, ZLexCount);
  Add(r, "zrange", -4, kReadOnly, ZRange);
  Add(r, "zrevrange", -4, kReadOnly, ZRevRange);
  Add(r, "zrangebyscore", -4, kReadOnly, ZRangeByScore);
  Add(r, "zrevrangebyscore", -4, kReadOnly, ZRevRangeByScore);
  Add(r, "zrangebylex", -4, kReadOnly, ZRangeByLex);
  Add(r, "zrevrangebylex", -4, kReadOnly, ZRevRangeByLex);
  Add(r, "zrank", -3, kReadOnly | kFast, ZRank);
  Add(r, "zrevrank", -3, kReadOnly | kFast, ZRevRank);
  Add(r, "zpopmin", -2, kWrite | kFast, ZPopMin);
  Add(r, "zpopmax", -2, kWrite | kFast, ZPopMax);
  Add(r, "zremrangebyrank", 4, kWrite, ZRemRangeByRank);
  Add(r, "zremrangebyscore", 4, kWrite, ZRemRangeByScore);
  Add(r, "zremrangebylex", 4, kWrite, ZRemRangeByLex);
  Add(r, "zscan", -3, kReadOnly, ZScan);
}

}  // namespace cairn::kv
