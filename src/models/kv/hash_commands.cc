// Hash commands: HSET, HGET, HGETALL, HINCRBY, HSCAN... over Value::hash().
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "models/kv/internal/collection_scan.h"
#include "models/kv/kv_store.h"

namespace cairn::kv {
namespace {

// Sets field/value pairs from argv[2...]; returns how many fields are new.
Reply SetFields(CommandContext& ctx, Args argv, bool reply_ok) {
  if (argv.size() % 2 != 0) return WrongArityError(reply_ok ? "hmset" : "hset");
  Value* v = ctx.FindOrCreate(argv[1], Type::kHash);
  if (v == nullptr) return WrongTypeError();
  int64_t added = 0;
  for (size_t i = 2; i + 1 < argv.size(); i += 2) {
    auto [it, inserted] = v->hash().insert_or_assign(argv[i], argv[i + 1]);
    if (inserted) ++added;
  }
  ctx.Modified(argv[1]);
  return reply_ok ? Reply::Ok() : Reply::Int(added);
}

Reply HSet(CommandContext& ctx, Args argv) { return SetFields(ctx, argv, false); }
Reply HMSet(CommandContext& ctx, Args argv) { return SetFields(ctx, argv, true); }

Reply HSetNx(CommandContext& ctx, Args argv) {
  Value* v = ctx.FindOrCreate(argv[1], Type::kHash);
  if (v == nullptr) return WrongTypeError();
  bool inserted = v->hash().try_emplace(argv[2], argv[3]).second;
  if (inserted) ctx.Modified(argv[1]);
  return Reply::Int(inserted ? 1 : 0);
}

// The hash at argv[1]: nullptr with *error set when it holds another type, nullptr with *error
// untouched when missing.
StringMap* ReadHash(CommandContext& ctx, Args argv, Reply* error) {
  bool wrong = false;
  Value* v = ctx.FindTyped(argv[1], Type::kHash, &wrong);
  if (wrong) *error = WrongTypeError();
  return v == nullptr ? nullptr : &v->hash();
}

Reply HGet(CommandContext& ctx, Args argv) {
  Reply err;
  StringMap* h = ReadHash(ctx, argv, &err);
  if (h == nullptr) return err;
  auto it = h->find(argv[2]);
  return it == h->end() ? Reply::Nil() : Reply::Bulk(it->second);
}

Reply HMGet(CommandContext& ctx, Args argv) {
  Reply err;
  StringMap* h = ReadHash(ctx, argv, &err);
  if (err.is_error()) return err;
  std::vector<Reply> out;
  for (size_t i = 2; i < argv.size(); ++i) {
    auto it = h == nullptr ? StringMap::iterator() : h->find(argv[i]);
    bool found = h != nullptr && it != h->end();
    out.push_back(found ? Reply::Bulk(it->second) : Reply::Nil());
  }
  return Reply::Array(std::move(out));
}

Reply HGetAll(CommandContext& ctx, Args argv) {
  Reply err;
  StringMap* h = ReadHash(ctx, argv, &err);
  if (err.is_error()) return err;
  std::vector<Reply> out;
  if (h != nullptr) {
    out.reserve(h->size() * 2);
    for (const auto& [f, val] : *h) {
      out.push_back(Reply::Bulk(f));
      out.push_back(Reply::Bulk(val));
    }
  }
  return Reply::Map(std::move(out));
}

Reply HKeysOrVals(CommandContext& ctx, Args argv, bool keys) {
  Reply err;
  StringMap* h = ReadHash(ctx, argv, &err);
  if (err.is_error()) return err;
  std::vector<Reply> out;
  if (h != nullptr) {
    for (const auto& [f, val] : *h) out.push_back(Reply::Bulk(keys ? f : val));
  }
  return Reply::Array(std::move(out));
}

Reply HKeys(CommandContext& ctx, Args argv) { return HKeysOrVals(ctx, argv, true); }
Reply HVals(CommandContext& ctx, Args argv) { return HKeysOrVals(ctx, argv, false); }

Reply HDel(CommandContext& ctx, Args argv) {
  Reply err;
  StringMap* h = ReadHash(ctx, argv, &err);
  if (h == nullptr) return err.is_error() ? err : Reply::Int(0);
  int64_t removed = 0;
  for (size_t i = 2; i < argv.size(); ++i) {
    auto it = h->find(argv[i]);
    if (it != h->end()) {
      h->erase(it);
      ++removed;
    }
  }
  if (removed > 0) ctx.Modified(argv[1]);
  return Reply::Int(removed);
}

Reply HExists(CommandContext& ctx, Args argv) {
  Reply err;
  StringMap* h = ReadHash(ctx, argv, &err);
  if (h == nullptr) return err.is_error() ? err : Reply::Int(0);
  return Reply::Int(h->count(argv[2]) ? 1 : 0);
}

Reply HLen(CommandContext& ctx, Args argv) {
  Reply err;
  StringMap* h = ReadHash(ctx, argv, &err);
  if (h == nullptr) return err.is_error() ? err : Reply::Int(0);
  return Reply::Int(static_cast<int64_t>(h->size()));
}

Reply HStrLen(CommandContext& ctx, Args argv) {
  Reply err;
  StringMap* h = ReadHash(ctx, argv, &err);
  if (h == nullptr) return err.is_error() ? err : Reply::Int(0);
  auto it = h->find(argv[2]);
  return Reply::Int(it == h->end() ? 0 : static_cast<int64_t>(it->second.size()));
}

Reply HIncrBy(CommandContext& ctx, Args argv) {
  int64_t incr = 0;
  if (!ParseInt64(argv[3], &incr)) return NotIntegerError();
  bool wrong = false;
  Value* v = ctx.FindTyped(argv[1], Type::kHash, &wrong);
  if (wrong) return WrongTypeError();
  int64_t cur = 0;
  if (v != nullptr) {
    auto it = v->hash().find(argv[2]);
    if (it != v->hash().end() && !ParseInt64(it->second, &cur)) {
      return Reply::Error("ERR hash value is not an integer");
    }
  }
  int64_t result = 0;
  if (__builtin_add_overflow(cur, incr, &result)) {
    return Reply::Error("ERR increment or decrement would overflow");
  }
  if (v == nullptr) v = ctx.FindOrCreate(argv[1], Type::kHash);
  v->hash().insert_or_assign(argv[2], std::to_string(result));
  ctx.Modified(argv[1]);
  return Reply::Int(result);
}

Reply HIncrByFloat(CommandContext& ctx, Args argv) {
  double incr = 0;
  if (!ParseDouble(argv[3], &incr)) return NotFloatError();
  bool wrong = false;
  Value* v = ctx.FindTyped(argv[1], Type::kHash, &wrong);
  if (wrong) return WrongTypeError();
  double cur = 0;
  if (v != nullptr) {
    auto it = v->hash().find(argv[2]);
    if (it != v->hash().end() && !ParseDouble(it->second, &cur)) {
      return Reply::Error("ERR hash value is not a float");
    }
  }
  double result = cur + incr;
  if (std::isnan(result) || std::isinf(result)) {
    return Reply::Error("ERR increment would produce NaN or Infinity");
  }
  if (v == nullptr) v = ctx.FindOrCreate(argv[1], Type::kHash);
  std::string formatted = FormatDouble(result);
  v->hash().insert_or_assign(argv[2], formatted);
  ctx.Modified(argv[1]);
  return Reply::Bulk(std::move(formatted));
}

Reply HScan(CommandContext& ctx, Args argv) {
  uint64_t cursor = 0;
  if (!internal::ParseScanCursor(argv[2], &cursor)) return internal::InvalidCursorError();
  Reply err;
  StringMap* h = ReadHash(ctx, argv, &err);
  if (h == nullptr) return err.is_error() ? err : internal::EmptyScanReply();
  internal::ScanOptions opts;
  if (!internal::ParseScanOptions(argv, /*allow_novalues=*/true, &opts, &err)) return err;
  return internal::ScanCollection(
      *h, cursor, opts, [](const auto& kv) -> const std::string& { return kv.first; },
      [&](const auto& kv, std::vector<Reply>* out) {
        out->push_back(Reply::Bulk(kv.first));
        if (!opts.novalues) out->push_back(Reply::Bulk(kv.second));
      });
}

void Add(CommandRegistry* r, const char* name, int arity, uint32_t flags, Handler h) {
  r->Register(CommandSpec{name, arity, flags, 1, 1, 1, std::move(h)});
}

}  // namespace

void RegisterHashCommands(CommandRegistry* r) {
  Add(r, "hset", -4, kWrite | kDenyOom | kFast, HSet);
  Add(r, "hmset", -4, kWrite | kDenyOom | kFast, HMSet);
  Add(r, "hsetnx", 4, kWrite | kDenyOom | kFast, HSetNx);
  Add(r, "hget", 3, kReadOnly | kFast, HGet);
  Add(r, "hmget", -3, kReadOnly | kFast, HMGet);
  Add(r, "hgetall", 2, kReadOnly, HGetAll);
  Add(r, "hkeys", 2, kReadOnly, HKeys);
  Add(r, "hvals", 2, kReadOnly, HVals);
  Add(r, "hdel", -3, kWrite | kFast, HDel);
  Add(r, "hexists", 3, kReadOnly | kFast, HExists);
  Add(r, "hlen", 2, kReadOnly | kFast, HLen);
  Add(r, "hstrlen", 3, kReadOnly | kFast, HStrLen);
  Add(r, "hincrby", 4, kWrite | kDenyOom | kFast, HIncrBy);
  Add(r, "hincrbyfloat", 4, kWrite | kDenyOom | kFast, HIncrByFloat);
  Add(r, "hscan", -3, kReadOnly, HScan);
}

}  // namespace cairn::kv
