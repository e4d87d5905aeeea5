// List commands: LPUSH, LPOP, LRANGE, LSET, LINSERT, LMOVE, LPOS... over Value::list(). The
// blocking forms (BLPOP, BRPOP, BLMOVE) live in the RESP face on top of these.
#include <algorithm>
#include <cstdint>
#include <deque>
#include <limits>
#include <string>
#include <vector>

#include "models/kv/kv_store.h"

namespace cairn::kv {
namespace {

using List = std::deque<std::string>;

// The list at `key`: nullptr with *wrong set when it holds another type, nullptr when missing.
List* ReadList(CommandContext& ctx, std::string_view key, bool* wrong) {
  Value* v = ctx.FindTyped(key, Type::kList, wrong);
  return v == nullptr ? nullptr : &v->list();
}

Reply Push(CommandContext& ctx, Args argv, bool left, bool only_existing) {
  bool wrong = false;
  List* l = ReadList(ctx, argv[1], &wrong);
  if (wrong) return WrongTypeError();
  if (l == nullptr) {
    if (only_existing) return Reply::Int(0);
    l = &ctx.FindOrCreate(argv[1], Type::kList)->list();
  }
  for (size_t i = 2; i < argv.size(); ++i) {
    if (left) {
      l->push_front(argv[i]);
    } else {
      l->push_back(argv[i]);
    }
  }
  int64_t len = static_cast<int64_t>(l->size());
  ctx.Modified(argv[1]);
  return Reply::Int(len);
}

Reply LPush(CommandContext& ctx, Args argv) { return Push(ctx, argv, true, false); }
Reply RPush(CommandContext& ctx, Args argv) { return Push(ctx, argv, false, false); }
Reply LPushX(CommandContext& ctx, Args argv) { return Push(ctx, argv, true, true); }
Reply RPushX(CommandContext& ctx, Args argv) { return Push(ctx, argv, false, true); }

std::string PopOne(List* l, bool left) {
  std::string s = std::move(left ? l->front() : l->back());
  if (left) {
    l->pop_front();
  } else {
    l->pop_back();
  }
  return s;
}

Reply Pop(CommandContext& ctx, Args argv, bool left) {
  if (argv.size() > 3) return WrongArityError(left ? "lpop" : "rpop");
  int64_t count = -1;
  if (argv.size() == 3) {
    if (!ParseInt64(argv[2], &count)) return NotIntegerError();
    if (count < 0) return Reply::Error("ERR value is out of range, must be positive");
  }
  bool wrong = false;
  List* l = ReadList(ctx, argv[1], &wrong);
  if (wrong) return WrongTypeError();
  if (l == nullptr) return count < 0 ? Reply::Nil() : Reply::NilArray();
  if (count < 0) {
    std::string s = PopOne(l, left);
    ctx.Modified(argv[1]);
    return Reply::Bulk(std::move(s));
  }
  std::vector<Reply> out;
  for (int64_t i = 0; i < count && !l->empty(); ++i) out.push_back(Reply::Bulk(PopOne(l, left)));
  if (!out.empty()) ctx.Modified(argv[1]);
  return Reply::Array(std::move(out));
}

Reply LPop(CommandContext& ctx, Args argv) { return Pop(ctx, argv, true); }
Reply RPop(CommandContext& ctx, Args argv) { return Pop(ctx, argv, false); }

// Clamps Redis-style [start, stop] (negative from the end) to a list of `len`; false when empty.
bool ClampRange(int64_t len, int64_t* start, int64_t* stop) {
  if (*start < 0) *start = std::max<int64_t>(len + *start, 0);
  if (*stop < 0) *stop = len + *stop;
  if (*stop >= len) *stop = len - 1;
  return *start <= *stop && *start < len;
}

Reply LRange(CommandContext& ctx, Args argv) {
  int64_t start = 0, stop = 0;
  if (!ParseInt64(argv[2], &start) || !ParseInt64(argv[3], &stop)) return NotIntegerError();
  bool wrong = false;
  List* l = ReadList(ctx, argv[1], &wrong);
  if (wrong) return WrongTypeError();
  std::vector<Reply> out;
  if (l != nullptr && ClampRange(static_cast<int64_t>(l->size()), &start, &stop)) {
    for (int64_t i = start; i <= stop; ++i)
      out.push_back(Reply::Bulk((*l)[static_cast<size_t>(i)]));
  }
  return Reply::Array(std::move(out));
}

Reply LLen(CommandContext& ctx, Args argv) {
  bool wrong = false;
  List* l = ReadList(ctx, argv[1], &wrong);
  if (wrong) return WrongTypeError();
  return Reply::Int(l == nullptr ? 0 : static_cast<int64_t>(l->size()));
}

// Resolves a possibly negative index; false when out of range.
bool ResolveIndex(const List& l, int64_t index, size_t* out) {
  int64_t len = static_cast<int64_t>(l.size());
  if (index < 0) index += len;
  if (index < 0 || index >= len) return false;
  *out = static_cast<size_t>(index);
  return true;
}

Reply LIndex(CommandContext& ctx, Args argv) {
  int64_t index = 0;
  if (!ParseInt64(argv[2], &index)) return NotIntegerError();
  bool wrong = false;
  List* l = ReadList(ctx, argv[1], &wrong);
  if (wrong) return WrongTypeError();
  size_t i = 0;
  if (l == nullptr || !ResolveIndex(*l, index, &i)) return Reply::Nil();
  return Reply::Bulk((*l)[i]);
}

Reply LSet(CommandContext& ctx, Args argv) {
  int64_t index = 0;
  if (!ParseInt64(argv[2], &index)) return NotIntegerError();
  bool wrong = false;
  List* l = ReadList(ctx, argv[1], &wrong);
  if (wrong) return WrongTypeError();
  if (l == nullptr) return Reply::Error("ERR no such key");
  size_t i = 0;
  if (!ResolveIndex(*l, index, &i)) return Reply::Error("ERR index out of range");
  (*l)[i] = argv[3];
  ctx.Modified(argv[1]);
  return Reply::Ok();
}

Reply LRem(CommandContext& ctx, Args argv) {
  int64_t count = 0;
  if (!ParseInt64(argv[2], &count)) return NotIntegerError();
  bool wrong = false;
  List* l = ReadList(ctx, argv[1], &wrong);
  if (wrong) return WrongTypeError();
  if (l == nullptr) return Reply::Int(0);
  const std::string& elem = argv[3];
  uint64_t limit = count == 0 ? std::numeric_limits<uint64_t>::max()
                              : static_cast<uint64_t>(count < 0 ? -(count + 1) : count - 1) + 1;
  int64_t removed = 0;
  if (count >= 0) {
    for (auto it = l->begin(); it != l->end() && static_cast<uint64_t>(removed) < limit;) {
      if (*it == elem) {
        it = l->erase(it);
        ++removed;
      } else {
        ++it;
      }
    }
  } else {
    for (size_t i = l->size(); i > 0 && static_cast<uint64_t>(removed) < limit; --i) {
      if ((*l)[i - 1] == elem) {
        l->erase(l->begin() + static_cast<std::ptrdiff_t>(i - 1));
        ++removed;
      }
    }
  }
  if (removed > 0) ctx.Modified(argv[1]);
  return Reply::Int(removed);
}

Reply LTrim(CommandContext& ctx, Args argv) {
  int64_t start = 0, stop = 0;
  if (!ParseInt64(argv[2], &start) || !ParseInt64(argv[3], &stop)) return NotIntegerError();
  bool wrong = false;
  List* l = ReadList(ctx, argv[1], &wrong);
  if (wrong) return WrongTypeError();
  if (l == nullptr) return Reply::Ok();
  if (!ClampRange(static_cast<int64_t>(l->size()), &start, &stop)) {
    l->clear();
  } else {
    l->erase(l->begin() + stop + 1, l->end());
    l->erase(l->begin(), l->begin() + start);
  }
  ctx.Modified(argv[1]);
  return Reply::Ok();
}

Reply LInsert(CommandContext& ctx, Args argv) {
  bool after = false;
  if (EqualsIgnoreCase(argv[2], "after")) {
    after = true;
  } else if (!EqualsIgnoreCase(argv[2], "before")) {
    return SyntaxError();
  }
  bool wrong = false;
  List* l = ReadList(ctx, argv[1], &wrong);
  if (wrong) return WrongTypeError();
  if (l == nullptr) return Reply::Int(0);
  auto it = std::find(l->begin(), l->end(), argv[3]);
  if (it == l->end()) return Reply::Int(-1);
  l->insert(after ? it + 1 : it, argv[4]);
  ctx.Modified(argv[1]);
  return Reply::Int(static_cast<int64_t>(l->size()));
}

bool ParseSide(std::string_view s, bool* left) {
  if (EqualsIgnoreCase(s, "left")) {
    *left = true;
  } else if (EqualsIgnoreCase(s, "right")) {
    *left = false;
  } else {
    return false;
  }
  return true;
}

Reply Move(CommandContext& ctx, Args argv, bool from_left, bool to_left) {
  bool wrong = false;
  List* src = ReadList(ctx, argv[1], &wrong);
  if (wrong) return WrongTypeError();
  if (src == nullptr) return Reply::Nil();
  List* dst = ReadList(ctx, argv[2], &wrong);
  if (wrong) return WrongTypeError();
  std::string elem = PopOne(src, from_left);
  if (dst == nullptr) dst = &ctx.FindOrCreate(argv[2], Type::kList)->list();
  if (to_left) {
    dst->push_front(elem);
  } else {
    dst->push_back(elem);
  }
  ctx.Modified(argv[1]);
  ctx.Modified(argv[2]);
  return Reply::Bulk(std::move(elem));
}

Reply LMove(CommandContext& ctx, Args argv) {
  bool from_left = false, to_left = false;
  if (!ParseSide(argv[3], &from_left) || !ParseSide(argv[4], &to_left)) return SyntaxError();
  return Move(ctx, argv, from_left, to_left);
}

Reply RPopLPush(CommandContext& ctx, Args argv) { return Move(ctx, argv, false, true); }

Reply LPos(CommandContext& ctx, Args argv) {
  int64_t rank = 1, count = -1, maxlen = 0;
  for (size_t i = 3; i < argv.size(); i += 2) {
    if (i + 1 >= argv.size()) return SyntaxError();
    int64_t n = 0;
    bool is_int = ParseInt64(argv[i + 1], &n);
    if (EqualsIgnoreCase(argv[i], "rank")) {
      if (!is_int) return NotIntegerError();
      if (n == 0) {
        return Reply::Error(
            "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... "
            "or use negative to start from the end of the list");
      }
      if (n == std::numeric_limits<int64_t>::min()) {
        return Reply::Error(
            "ERR value is out of range, value must between -9223372036854775807 and "
            "9223372036854775807");
      }
      rank = n;
    } else if (EqualsIgnoreCase(argv[i], "count")) {
      if (!is_int) return NotIntegerError();
      if (n < 0) return Reply::Error("ERR COUNT can't be negative");
      count = n;
    } else if (EqualsIgnoreCase(argv[i], "maxlen")) {
      if (!is_int) return NotIntegerError();
      if (n < 0) return Reply::Error("ERR MAXLEN can't be negative");
      maxlen = n;
    } else {
      return SyntaxError();
    }
  }
  bool wrong = false;
  List* l = ReadList(ctx, argv[1], &wrong);
  if (wrong) return WrongTypeError();
  std::vector<Reply> out;
  if (l != nullptr) {
    int64_t len = static_cast<int64_t>(l->size());
    int64_t want = count < 0 ? 1 : (count == 0 ? len : count);
    int64_t skip = (rank > 0 ? rank : -rank) - 1;
    for (int64_t step = 0; step < len && (maxlen == 0 || step < maxlen); ++step) {
      int64_t idx = rank > 0 ? step : len - 1 - step;
      if ((*l)[static_cast<size_t>(idx)] != argv[2]) continue;
      if (skip > 0) {
        --skip;
        continue;
      }
      out.push_back(Reply::Int(idx));
      if (static_cast<int64_t>(out.size()) >= want) break;
    }
  }
  if (count >= 0) return Reply::Array(std::move(out));
  return out.empty() ? Reply::Nil() : std::move(out[0]);
}

void Add(CommandRegistry* r, const char* name, int arity, uint32_t flags, Handler h,
         int last_key = 1) {
  r->Register(CommandSpec{name, arity, flags, 1, last_key, 1, std::move(h)});
}

}  // namespace

void RegisterListCommands(CommandRegistry* r) {
  Add(r, "lpush", -3, kWrite | kDenyOom | kFast, LPush);
  Add(r, "rpush", -3, kWrite | kDenyOom | kFast, RPush);
  Add(r, "lpushx", -3, kWrite | kDenyOom | kFast, LPushX);
  Add(r, "rpushx", -3, kWrite | kDenyOom | kFast, RPushX);
  Add(r, "lpop", -2, kWrite | kFast, LPop);
  Add(r, "rpop", -2, kWrite | kFast, RPop);
  Add(r, "lrange", 4, kReadOnly, LRange);
  Add(r, "llen", 2, kReadOnly | kFast, LLen);
  Add(r, "lindex", 3, kReadOnly, LIndex);
  Add(r, "lset", 4, kWrite | kDenyOom, LSet);
  Add(r, "lrem", 4, kWrite, LRem);
  Add(r, "ltrim", 4, kWrite, LTrim);
  Add(r, "linsert", 5, kWrite | kDenyOom, LInsert);
  Add(r, "lmove", 5, kWrite | kDenyOom, LMove, 2);
  Add(r, "rpoplpush", 3, kWrite | kDenyOom, RPopLPush, 2);
  Add(r, "lpos", -3, kReadOnly, LPos);
}

}  // namespace cairn::kv
