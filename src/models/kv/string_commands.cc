// String commands: GET SET MGET MSET MSETNX SETNX SETEX PSETEX GETSET GETDEL GETEX APPEND STRLEN
// INCR DECR INCRBY DECRBY INCRBYFLOAT GETRANGE SUBSTR SETRANGE, with Redis 7's replies and error
// texts. Integers stay plain strings; INCR and friends parse and re-format them each time.
#include <algorithm>
#include <cerrno>
#include <climits>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <utility>

#include "models/kv/kv_store.h"

namespace cairn::kv {
namespace {

// Redis's proto-max-bulk-len default: no string may grow past it.
constexpr int64_t kMaxStringSize = 512LL * 1024 * 1024;

Reply StringTooLongError() {
  return Reply::Error("ERR string exceeds maximum allowed size (proto-max-bulk-len)");
}

Reply InvalidExpireError(std::string_view command) {
  return Reply::Error("ERR invalid expire time in '" + std::string(command) + "' command");
}

// How an expiry argument is given: relative or absolute, seconds or milliseconds.
enum class ExpireUnit { kNone, kEx, kPx, kExAt, kPxAt };

// Converts an expiry argument to absolute unix milliseconds, as Redis's
// getExpireMillisecondsOrReply does (a non-positive time or one that overflows is "invalid expire
// time"). Returns an error reply on failure, a nil reply on success.
Reply ExpireToAbsoluteMs(std::string_view arg, ExpireUnit unit, int64_t now_ms,
                         std::string_view command, int64_t* out) {
  int64_t v = 0;
  if (!ParseInt64(arg, &v)) return NotIntegerError();
  bool seconds = unit == ExpireUnit::kEx || unit == ExpireUnit::kExAt;
  if (v <= 0 || (seconds && v > LLONG_MAX / 1000)) return InvalidExpireError(command);
  if (seconds) v *= 1000;
  if (unit == ExpireUnit::kEx || unit == ExpireUnit::kPx) {
    if (v > LLONG_MAX - now_ms) return InvalidExpireError(command);
    v += now_ms;
  }
  *out = v;
  return Reply::Nil();
}

ExpireUnit ParseExpireUnit(std::string_view opt) {
  if (EqualsIgnoreCase(opt, "ex")) return ExpireUnit::kEx;
  if (EqualsIgnoreCase(opt, "px")) return ExpireUnit::kPx;
  if (EqualsIgnoreCase(opt, "exat")) return ExpireUnit::kExAt;
  if (EqualsIgnoreCase(opt, "pxat")) return ExpireUnit::kPxAt;
  return ExpireUnit::kNone;
}

Value StringValue(std::string s) { return Value(std::move(s)); }

// ---- GET / SET family ----

Reply Get(CommandContext& ctx, Args argv) {
  bool wrong = false;
  Value* v = ctx.FindTyped(argv[1], Type::kString, &wrong);
  if (wrong) return WrongTypeError();
  return v == nullptr ? Reply::Nil() : Reply::Bulk(std::string(v->str()));
}

// SET key value [NX | XX] [GET] [EX s | PX ms | EXAT ts | PXAT ts | KEEPTTL]
Reply Set(CommandContext& ctx, Args argv) {
  bool nx = false, xx = false, get = false, keepttl = false;
  ExpireUnit unit = ExpireUnit::kNone;
  std::string_view expire_arg;
  for (size_t i = 3; i < argv.size(); ++i) {
    const std::string& opt = argv[i];
    ExpireUnit u = ParseExpireUnit(opt);
    // As Redis's parseExtendedStringArgumentsOrReply: conflicting options are a syntax error;
    // repeating the same one is allowed (the last expiry wins).
    if (EqualsIgnoreCase(opt, "nx") && !xx) {
      nx = true;
    } else if (EqualsIgnoreCase(opt, "xx") && !nx) {
      xx = true;
    } else if (EqualsIgnoreCase(opt, "get")) {
      get = true;
    } else if (EqualsIgnoreCase(opt, "keepttl") && unit == ExpireUnit::kNone) {
      keepttl = true;
    } else if (u != ExpireUnit::kNone && !keepttl && (unit == ExpireUnit::kNone || unit == u) &&
               i + 1 < argv.size()) {
      unit = u;
      expire_arg = argv[++i];
    } else {
      return SyntaxError();
    }
  }
  int64_t expire_at = 0;
  if (unit != ExpireUnit::kNone) {
    Reply err = ExpireToAbsoluteMs(expire_arg, unit, ctx.now_ms(), "set", &expire_at);
    if (err.is_error()) return err;
  }
  Value* old = ctx.Find(argv[1]);
  Reply reply = Reply::Ok();
  if (get) {
    if (old != nullptr && old->type() != Type::kString) return WrongTypeError();
    reply = old == nullptr ? Reply::Nil() : Reply::Bulk(std::string(old->str()));
  }
  if ((nx && old != nullptr) || (xx && old == nullptr)) return get ? reply : Reply::Nil();
  int64_t keep = keepttl && old != nullptr ? old->expire_at_ms : 0;
  Value* v = ctx.Put(argv[1], StringValue(argv[2]));
  v->expire_at_ms = unit != ExpireUnit::kNone ? expire_at : keep;
  return reply;
}

Reply SetNx(CommandContext& ctx, Args argv) {
  if (ctx.Find(argv[1]) != nullptr) return Reply::Int(0);
  ctx.Put(argv[1], StringValue(argv[2]));
  return Reply::Int(1);
}

// SETEX key seconds value / PSETEX key milliseconds value
Reply SetExGeneric(CommandContext& ctx, Args argv, ExpireUnit unit, std::string_view name) {
  int64_t expire_at = 0;
  Reply err = ExpireToAbsoluteMs(argv[2], unit, ctx.now_ms(), name, &expire_at);
  if (err.is_error()) return err;
  ctx.Put(argv[1], StringValue(argv[3]))->expire_at_ms = expire_at;
  return Reply::Ok();
}

Reply GetSet(CommandContext& ctx, Args argv) {
  bool wrong = false;
  Value* v = ctx.FindTyped(argv[1], Type::kString, &wrong);
  if (wrong) return WrongTypeError();
  Reply reply = v == nullptr ? Reply::Nil() : Reply::Bulk(std::string(v->str()));
  ctx.Put(argv[1], StringValue(argv[2]));
  return reply;
}

Reply GetDel(CommandContext& ctx, Args argv) {
  bool wrong = false;
  Value* v = ctx.FindTyped(argv[1], Type::kString, &wrong);
  if (wrong) return WrongTypeError();
  if (v == nullptr) return Reply::Nil();
  Reply reply = Reply::Bulk(std::string(v->str()));
  ctx.Erase(argv[1]);
  return reply;
}

// GETEX key [EX s | PX ms | EXAT ts | PXAT ts | PERSIST]
Reply GetEx(CommandContext& ctx, Args argv) {
  ExpireUnit unit = ExpireUnit::kNone;
  bool persist = false;
  std::string_view expire_arg;
  for (size_t i = 2; i < argv.size(); ++i) {
    const std::string& opt = argv[i];
    bool free = unit == ExpireUnit::kNone && !persist;
    bool has_next = i + 1 < argv.size();
    ExpireUnit u = ParseExpireUnit(opt);
    if (EqualsIgnoreCase(opt, "persist") && unit == ExpireUnit::kNone) {
      persist = true;
    } else if (u != ExpireUnit::kNone && has_next && (free || unit == u)) {
      unit = u;
      expire_arg = argv[++i];
    } else {
      return SyntaxError();
    }
  }
  int64_t expire_at = 0;
  if (unit != ExpireUnit::kNone) {
    Reply err = ExpireToAbsoluteMs(expire_arg, unit, ctx.now_ms(), "getex", &expire_at);
    if (err.is_error()) return err;
  }
  bool wrong = false;
  Value* v = ctx.FindTyped(argv[1], Type::kString, &wrong);
  if (wrong) return WrongTypeError();
  if (v == nullptr) return Reply::Nil();
  Reply reply = Reply::Bulk(std::string(v->str()));
  if (unit != ExpireUnit::kNone && expire_at <= ctx.now_ms()) {
    ctx.Erase(argv[1]);
  } else if (unit != ExpireUnit::kNone) {
    v->expire_at_ms = expire_at;
    ctx.Modified(argv[1]);
  } else if (persist && v->expire_at_ms != 0) {
    v->expire_at_ms = 0;
    ctx.Modified(argv[1]);
  }
  return reply;
}

Reply MGet(CommandContext& ctx, Args argv) {
  std::vector<Reply> out;
  out.reserve(argv.size() - 1);
  for (size_t i = 1; i < argv.size(); ++i) {
    Value* v = ctx.Find(argv[i]);
    out.push_back(v == nullptr || v->type() != Type::kString ? Reply::Nil()
                                                             : Reply::Bulk(std::string(v->str())));
  }
  return Reply::Array(std::move(out));
}

Reply MSetGeneric(CommandContext& ctx, Args argv, bool nx) {
  if (argv.size() % 2 == 0) return WrongArityError(nx ? "msetnx" : "mset");
  if (nx) {
    for (size_t i = 1; i < argv.size(); i += 2) {
      if (ctx.Find(argv[i]) != nullptr) return Reply::Int(0);
    }
  }
  for (size_t i = 1; i < argv.size(); i += 2) ctx.Put(argv[i], StringValue(argv[i + 1]));
  return nx ? Reply::Int(1) : Reply::Ok();
}

// ---- Length, append, ranges ----

Reply Append(CommandContext& ctx, Args argv) {
  bool wrong = false;
  Value* v = ctx.FindTyped(argv[1], Type::kString, &wrong);
  if (wrong) return WrongTypeError();
  if (v == nullptr) {
    ctx.Put(argv[1], StringValue(argv[2]));
    return Reply::Int(static_cast<int64_t>(argv[2].size()));
  }
  if (static_cast<int64_t>(v->str().size() + argv[2].size()) > kMaxStringSize) {
    return StringTooLongError();
  }
  v->MutableStr() += argv[2];
  ctx.Modified(argv[1]);
  return Reply::Int(static_cast<int64_t>(v->str().size()));
}

Reply StrLen(CommandContext& ctx, Args argv) {
  bool wrong = false;
  Value* v = ctx.FindTyped(argv[1], Type::kString, &wrong);
  if (wrong) return WrongTypeError();
  return Reply::Int(v == nullptr ? 0 : static_cast<int64_t>(v->str().size()));
}

// GETRANGE key start end (and its old name SUBSTR), with Redis's index clamping.
Reply GetRange(CommandContext& ctx, Args argv) {
  int64_t start = 0, end = 0;
  if (!ParseInt64(argv[2], &start) || !ParseInt64(argv[3], &end)) return NotIntegerError();
  bool wrong = false;
  Value* v = ctx.FindTyped(argv[1], Type::kString, &wrong);
  if (wrong) return WrongTypeError();
  if (v == nullptr) return Reply::Bulk("");
  std::string_view s = v->str();
  int64_t len = static_cast<int64_t>(s.size());
  if (start < 0 && end < 0 && start > end) return Reply::Bulk("");
  if (start < 0) start = len + start;
  if (end < 0) end = len + end;
  if (start < 0) start = 0;
  if (end < 0) end = 0;
  if (end >= len) end = len - 1;
  if (start > end || len == 0) return Reply::Bulk("");
  return Reply::Bulk(
      std::string(s.substr(static_cast<size_t>(start), static_cast<size_t>(end - start + 1))));
}

// SETRANGE key offset value
Reply SetRange(CommandContext& ctx, Args argv) {
  int64_t offset = 0;
  if (!ParseInt64(argv[2], &offset)) return NotIntegerError();
  if (offset < 0) return Reply::Error("ERR offset is out of range");
  const std::string& value = argv[3];
  bool wrong = false;
  Value* v = ctx.FindTyped(argv[1], Type::kString, &wrong);
  if (wrong) return WrongTypeError();
  int64_t old_len = v == nullptr ? 0 : static_cast<int64_t>(v->str().size());
  if (value.empty()) return Reply::Int(old_len);  // nothing written, no key created
  if (offset > kMaxStringSize - static_cast<int64_t>(value.size())) return StringTooLongError();
  if (v == nullptr) v = ctx.Put(argv[1], StringValue(std::string()));
  std::string& s = v->MutableStr();
  size_t needed = static_cast<size_t>(offset) + value.size();
  if (s.size() < needed) s.resize(needed, '\0');
  s.replace(static_cast<size_t>(offset), value.size(), value);
  ctx.Modified(argv[1]);
  return Reply::Int(static_cast<int64_t>(s.size()));
}

// ---- Counters ----

Reply IncrByGeneric(CommandContext& ctx, std::string_view key, int64_t incr) {
  bool wrong = false;
  Value* v = ctx.FindTyped(key, Type::kString, &wrong);
  if (wrong) return WrongTypeError();
  int64_t current = 0;
  if (v != nullptr && !ParseInt64(v->str(), &current)) return NotIntegerError();
  if ((incr < 0 && current < 0 && incr < LLONG_MIN - current) ||
      (incr > 0 && current > 0 && incr > LLONG_MAX - current)) {
    return Reply::Error("ERR increment or decrement would overflow");
  }
  int64_t result = current + incr;
  if (v == nullptr) {
    ctx.Put(key, StringValue(std::to_string(result)));
  } else {
    v->Assign(std::to_string(result));
    ctx.Modified(key);
  }
  return Reply::Int(result);
}

Reply IncrBy(CommandContext& ctx, Args argv, bool negate) {
  int64_t incr = 0;
  if (!ParseInt64(argv[2], &incr)) return NotIntegerError();
  if (negate) {
    if (incr == LLONG_MIN) return Reply::Error("ERR decrement would overflow");
    incr = -incr;
  }
  return IncrByGeneric(ctx, argv[1], incr);
}

// Parses a long double as Redis's string2ld: no leading space, no trailing garbage, no NaN.
bool ParseLongDouble(std::string_view s, long double* out) {
  if (s.empty() || s.size() > 5 * 1024 || std::isspace(static_cast<unsigned char>(s[0]))) {
    return false;
  }
  std::string copy(s);
  char* end = nullptr;
  errno = 0;
  long double v = std::strtold(copy.c_str(), &end);
  if (*end != '\0' || std::isnan(v)) return false;
  if (errno == ERANGE && (v == HUGE_VALL || v == -HUGE_VALL || std::fpclassify(v) == FP_ZERO)) {
    return false;
  }
  *out = v;
  return true;
}

// Formats as Redis's ld2string in LD_STR_HUMAN mode: "%.17Lf" without trailing zeros.
std::string FormatLongDoubleHuman(long double v) {
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  char tmp[5 * 1024];  // Redis's MAX_LONG_DOUBLE_CHARS: enough for any finite long double
  int n = std::snprintf(tmp, sizeof(tmp), "%.17Lf", v);
  std::string buf(tmp, static_cast<size_t>(std::clamp(n, 0, static_cast<int>(sizeof(tmp)) - 1)));
  if (buf.find('.') != std::string::npos) {
    while (!buf.empty() && buf.back() == '0') buf.pop_back();
    if (!buf.empty() && buf.back() == '.') buf.pop_back();
  }
  if (buf == "-0") buf = "0";
  return buf;
}

Reply IncrByFloat(CommandContext& ctx, Args argv) {
  bool wrong = false;
  Value* v = ctx.FindTyped(argv[1], Type::kString, &wrong);
  if (wrong) return WrongTypeError();
  long double current = 0, incr = 0;
  if (v != nullptr && !ParseLongDouble(v->str(), &current)) return NotFloatError();
  if (!ParseLongDouble(argv[2], &incr)) return NotFloatError();
  long double result = current + incr;
  if (std::isnan(result) || std::isinf(result)) {
    return Reply::Error("ERR increment would produce NaN or Infinity");
  }
  std::string text = FormatLongDoubleHuman(result);
  if (v == nullptr) {
    ctx.Put(argv[1], StringValue(text));
  } else {
    v->Assign(text);
    ctx.Modified(argv[1]);
  }
  return Reply::Bulk(std::move(text));
}

void Add(CommandRegistry* r, const char* name, int arity, uint32_t flags, int first, int last,
         int step, Handler h) {
  r->Register(CommandSpec{name, arity, flags, first, last, step, std::move(h)});
}

}  // namespace

void RegisterStringCommands(CommandRegistry* r) {
  constexpr uint32_t kW = kWrite, kR = kReadOnly, kOom = kDenyOom, kF = kFast;
  Add(r, "get", 2, kR | kF, 1, 1, 1, Get);
  Add(r, "set", -3, kW | kOom, 1, 1, 1, Set);
  Add(r, "setnx", 3, kW | kOom | kF, 1, 1, 1, SetNx);
  Add(r, "setex", 4, kW | kOom, 1, 1, 1,
      [](CommandContext& c, Args a) { return SetExGeneric(c, a, ExpireUnit::kEx, "setex"); });
  Add(r, "psetex", 4, kW | kOom, 1, 1, 1,
      [](CommandContext& c, Args a) { return SetExGeneric(c, a, ExpireUnit::kPx, "psetex"); });
  Add(r, "getset", 3, kW | kOom | kF, 1, 1, 1, GetSet);
  Add(r, "getdel", 2, kW | kF, 1, 1, 1, GetDel);
  Add(r, "getex", -2, kW | kF, 1, 1, 1, GetEx);
  Add(r, "mget", -2, kR | kF, 1, -1, 1, MGet);
  Add(r, "mset", -3, kW | kOom, 1, -1, 2,
      [](CommandContext& c, Args a) { return MSetGeneric(c, a, false); });
  Add(r, "msetnx", -3, kW | kOom, 1, -1, 2,
      [](CommandContext& c, Args a) { return MSetGeneric(c, a, true); });
  Add(r, "append", 3, kW | kOom | kF, 1, 1, 1, Append);
  Add(r, "strlen", 2, kR | kF, 1, 1, 1, StrLen);
  Add(r, "getrange", 4, kR, 1, 1, 1, GetRange);
  Add(r, "substr", 4, kR, 1, 1, 1, GetRange);
  Add(r, "setrange", 4, kW | kOom, 1, 1, 1, SetRange);
  Add(r, "incr", 2, kW | kOom | kF, 1, 1, 1,
      [](CommandContext& c, Args a) { return IncrByGeneric(c, a[1], 1); });
  Add(r, "decr", 2, kW | kOom | kF, 1, 1, 1,
      [](CommandContext& c, Args a) { return IncrByGeneric(c, a[1], -1); });
  Add(r, "incrby", 3, kW | kOom | kF, 1, 1, 1,
      [](CommandContext& c, Args a) { return IncrBy(c, a, false); });
  Add(r, "decrby", 3, kW | kOom | kF, 1, 1, 1,
      [](CommandContext& c, Args a) { return IncrBy(c, a, true); });
  Add(r, "incrbyfloat", 3, kW | kOom | kF, 1, 1, 1, IncrByFloat);
}

}  // namespace cairn::kv
