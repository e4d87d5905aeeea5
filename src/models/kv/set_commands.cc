// Set commands: SADD, SREM, SPOP, SINTER/SUNION/SDIFF and their STORE forms, SSCAN... over
// Value::set().
#include <algorithm>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "models/kv/internal/collection_scan.h"
#include "models/kv/kv_store.h"

namespace cairn::kv {
namespace {

// Randomness for SPOP and SRANDMEMBER. The context offers no Env, and picking members needs no
// reproducibility, so each thread seeds its own generator once.
std::mt19937_64& Rng() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return rng;
}

Reply OutOfRangePositiveError() {
  return Reply::Error("ERR value is out of range, must be positive");
}

// The set at `key`: nullptr with *wrong set when it holds another type, nullptr when missing.
StringSet* ReadSet(CommandContext& ctx, std::string_view key, bool* wrong) {
  Value* v = ctx.FindTyped(key, Type::kSet, wrong);
  return v == nullptr ? nullptr : &v->set();
}

Reply MembersReply(const std::vector<std::string>& members) {
  std::vector<Reply> out;
  out.reserve(members.size());
  for (const auto& m : members) out.push_back(Reply::Bulk(m));
  return Reply::Array(std::move(out));
}

Reply SAdd(CommandContext& ctx, Args argv) {
  Value* v = ctx.FindOrCreate(argv[1], Type::kSet);
  if (v == nullptr) return WrongTypeError();
  int64_t added = 0;
  for (size_t i = 2; i < argv.size(); ++i) added += v->set().insert(argv[i]).second ? 1 : 0;
  if (added > 0) ctx.Modified(argv[1]);
  return Reply::Int(added);
}

Reply SRem(CommandContext& ctx, Args argv) {
  bool wrong = false;
  StringSet* s = ReadSet(ctx, argv[1], &wrong);
  if (wrong) return WrongTypeError();
  if (s == nullptr) return Reply::Int(0);
  int64_t removed = 0;
  for (size_t i = 2; i < argv.size(); ++i) {
    auto it = s->find(argv[i]);
    if (it != s->end()) {
      s->erase(it);
      ++removed;
    }
  }
  if (removed > 0) ctx.Modified(argv[1]);
  return Reply::Int(removed);
}

Reply SMembers(CommandContext& ctx, Args argv) {
  bool wrong = false;
  StringSet* s = ReadSet(ctx, argv[1], &wrong);
  if (wrong) return WrongTypeError();
  std::vector<Reply> out;
  if (s != nullptr) {
    for (const auto& m : *s) out.push_back(Reply::Bulk(m));
  }
  return Reply::Set(std::move(out));
}

Reply SIsMember(CommandContext& ctx, Args argv) {
  bool wrong = false;
  StringSet* s = ReadSet(ctx, argv[1], &wrong);
  if (wrong) return WrongTypeError();
  return Reply::Int(s != nullptr && s->count(argv[2]) ? 1 : 0);
}

Reply SMIsMember(CommandContext& ctx, Args argv) {
  bool wrong = false;
  StringSet* s = ReadSet(ctx, argv[1], &wrong);
  if (wrong) return WrongTypeError();
  std::vector<Reply> out;
  for (size_t i = 2; i < argv.size(); ++i) {
    out.push_back(Reply::Int(s != nullptr && s->count(argv[i]) ? 1 : 0));
  }
  return Reply::Array(std::move(out));
}

Reply SCard(CommandContext& ctx, Args argv) {
  bool wrong = false;
  StringSet* s = ReadSet(ctx, argv[1], &wrong);
  if (wrong) return WrongTypeError();
  return Reply::Int(s == nullptr ? 0 : static_cast<int64_t>(s->size()));
}

// Up to `n` distinct members of `s`, chosen at random.
std::vector<std::string> SampleDistinct(const StringSet& s, size_t n) {
  std::vector<std::string> all(s.begin(), s.end());
  if (n >= all.size()) return all;
  std::shuffle(all.begin(), all.end(), Rng());
  all.resize(n);
  return all;
}

const std::string& RandomMember(const StringSet& s) {
  std::uniform_int_distribution<size_t> pick(0, s.size() - 1);
  return *std::next(s.begin(), static_cast<std::ptrdiff_t>(pick(Rng())));
}

Reply SPop(CommandContext& ctx, Args argv) {
  if (argv.size() > 3) return SyntaxError();
  int64_t count = -1;
  if (argv.size() == 3) {
    if (!ParseInt64(argv[2], &count)) return NotIntegerError();
    if (count < 0) return OutOfRangePositiveError();
  }
  bool wrong = false;
  StringSet* s = ReadSet(ctx, argv[1], &wrong);
  if (wrong) return WrongTypeError();
  if (count < 0) {
    if (s == nullptr) return Reply::Nil();
    std::string member = RandomMember(*s);
    s->erase(member);
    ctx.Modified(argv[1]);
    return Reply::Bulk(std::move(member));
  }
  if (s == nullptr || count == 0) return Reply::Array();
  std::vector<std::string> picked = SampleDistinct(*s, static_cast<size_t>(count));
  for (const auto& m : picked) s->erase(m);
  ctx.Modified(argv[1]);
  return MembersReply(picked);
}

Reply SRandMember(CommandContext& ctx, Args argv) {
  if (argv.size() > 3) return SyntaxError();
  int64_t count = 0;
  bool has_count = argv.size() == 3;
  if (has_count && !ParseInt64(argv[2], &count)) return NotIntegerError();
  if (has_count && count == std::numeric_limits<int64_t>::min()) {
    return Reply::Error("ERR value is out of range");
  }
  bool wrong = false;
  StringSet* s = ReadSet(ctx, argv[1], &wrong);
  if (wrong) return WrongTypeError();
  if (!has_count) return s == nullptr ? Reply::Nil() : Reply::Bulk(RandomMember(*s));
  if (s == nullptr || count == 0) return Reply::Array();
  if (count > 0) return MembersReply(SampleDistinct(*s, static_cast<size_t>(count)));
  std::vector<std::string> all(s->begin(), s->end());
  std::uniform_int_distribution<size_t> pick(0, all.size() - 1);
  std::vector<Reply> out;
  for (int64_t i = 0; i < -count; ++i) out.push_back(Reply::Bulk(all[pick(Rng())]));
  return Reply::Array(std::move(out));
}

enum class SetOp { kInter, kUnion, kDiff };

// Computes `op` over the sets named by argv[first...]; false on a key of another type.
bool Combine(CommandContext& ctx, Args argv, size_t first, SetOp op, StringSet* result) {
  std::vector<StringSet*> sets;
  for (size_t i = first; i < argv.size(); ++i) {
    bool wrong = false;
    sets.push_back(ReadSet(ctx, argv[i], &wrong));
    if (wrong) return false;
  }
  result->clear();
  switch (op) {
    case SetOp::kInter: {
      for (StringSet* s : sets) {
        if (s == nullptr) return true;
      }
      auto smallest = std::min_element(sets.begin(), sets.end(),
                                       [](auto* a, auto* b) { return a->size() < b->size(); });
      for (const auto& m : **smallest) {
        bool all = std::all_of(sets.begin(), sets.end(), [&](auto* s) { return s->count(m); });
        if (all) result->insert(m);
      }
      break;
    }
    case SetOp::kUnion:
      for (StringSet* s : sets) {
        if (s != nullptr) result->insert(s->begin(), s->end());
      }
      break;
    case SetOp::kDiff:
      if (sets[0] == nullptr) return true;
      *result = *sets[0];
      for (size_t i = 1; i < sets.size() && !result->empty(); ++i) {
        if (sets[i] == nullptr) continue;
        for (const auto& m : *sets[i]) result->erase(m);
      }
      break;
  }
  return true;
}

Reply SetOpRead(CommandContext& ctx, Args argv, SetOp op) {
  StringSet result;
  if (!Combine(ctx, argv, 1, op, &result)) return WrongTypeError();
  std::vector<Reply> out;
  out.reserve(result.size());
  for (const auto& m : result) out.push_back(Reply::Bulk(m));
  return Reply::Set(std::move(out));
}

Reply SetOpStore(CommandContext& ctx, Args argv, SetOp op) {
  StringSet result;
  if (!Combine(ctx, argv, 2, op, &result)) return WrongTypeError();
  int64_t n = static_cast<int64_t>(result.size());
  if (result.empty()) {
    ctx.Erase(argv[1]);
  } else {
    ctx.Put(argv[1], Value(std::move(result)));
  }
  return Reply::Int(n);
}

Reply SInter(CommandContext& ctx, Args argv) { return SetOpRead(ctx, argv, SetOp::kInter); }
Reply SUnion(CommandContext& ctx, Args argv) { return SetOpRead(ctx, argv, SetOp::kUnion); }
Reply SDiff(CommandContext& ctx, Args argv) { return SetOpRead(ctx, argv, SetOp::kDiff); }
Reply SInterStore(CommandContext& ctx, Args argv) { return SetOpStore(ctx, argv, SetOp::kInter); }
Reply SUnionStore(CommandContext& ctx, Args argv) { return SetOpStore(ctx, argv, SetOp::kUnion); }
Reply SDiffStore(CommandContext& ctx, Args argv) { return SetOpStore(ctx, argv, SetOp::kDiff); }

Reply SInterCard(CommandContext& ctx, Args argv) {
  int64_t numkeys = 0;
  if (!ParseInt64(argv[1], &numkeys) || numkeys <= 0) {
    return Reply::Error("ERR numkeys should be greater than 0");
  }
  if (static_cast<size_t>(numkeys) > argv.size() - 2) {
    return Reply::Error("ERR Number of keys can't be greater than number of args");
  }
  size_t end = 2 + static_cast<size_t>(numkeys);
  int64_t limit = 0;
  for (size_t i = end; i < argv.size(); i += 2) {
    if (!EqualsIgnoreCase(argv[i], "limit") || i + 1 >= argv.size()) return SyntaxError();
    if (!ParseInt64(argv[i + 1], &limit)) return NotIntegerError();
    if (limit < 0) return Reply::Error("ERR LIMIT can't be negative");
  }
  StringSet result;
  if (!Combine(ctx, argv.subspan(0, end), 2, SetOp::kInter, &result)) return WrongTypeError();
  int64_t n = static_cast<int64_t>(result.size());
  return Reply::Int(limit > 0 ? std::min(n, limit) : n);
}

Reply SMove(CommandContext& ctx, Args argv) {
  bool wrong = false;
  StringSet* src = ReadSet(ctx, argv[1], &wrong);
  if (wrong) return WrongTypeError();
  StringSet* dst = ReadSet(ctx, argv[2], &wrong);
  if (wrong) return WrongTypeError();
  if (src == nullptr) return Reply::Int(0);
  if (src == dst) return Reply::Int(src->count(argv[3]) ? 1 : 0);
  if (src->erase(argv[3]) == 0) return Reply::Int(0);
  ctx.Modified(argv[1]);
  ctx.FindOrCreate(argv[2], Type::kSet)->set().insert(argv[3]);
  ctx.Modified(argv[2]);
  return Reply::Int(1);
}

Reply SScan(CommandContext& ctx, Args argv) {
  uint64_t cursor = 0;
  if (!internal::ParseScanCursor(argv[2], &cursor)) return internal::InvalidCursorError();
  bool wrong = false;
  StringSet* s = ReadSet(ctx, argv[1], &wrong);
  if (wrong) return WrongTypeError();
  if (s == nullptr) return internal::EmptyScanReply();
  internal::ScanOptions opts;
  Reply err;
  if (!internal::ParseScanOptions(argv, /*allow_novalues=*/false, &opts, &err)) return err;
  return internal::ScanCollection(
      *s, cursor, opts, [](const std::string& m) -> const std::string& { return m; },
      [](const std::string& m, std::vector<Reply>* out) { out->push_back(Reply::Bulk(m)); });
}

void Add(CommandRegistry* r, const char* name, int arity, uint32_t flags, Handler h,
         int first_key = 1, int last_key = 1) {
  r->Register(CommandSpec{name, arity, flags, first_key, last_key, 1, std::move(h)});
}

}  // namespace

void RegisterSetCommands(CommandRegistry* r) {
  Add(r, "sadd", -3, kWrite | kDenyOom | kFast, SAdd);
  Add(r, "srem", -3, kWrite | kFast, SRem);
  Add(r, "smembers", 2, kReadOnly, SMembers);
  Add(r, "sismember", 3, kReadOnly | kFast, SIsMember);
  Add(r, "smismember", -3, kReadOnly | kFast, SMIsMember);
  Add(r, "scard", 2, kReadOnly | kFast, SCard);
  Add(r, "spop", -2, kWrite | kFast, SPop);
  Add(r, "srandmember", -2, kReadOnly, SRandMember);
  Add(r, "sinter", -2, kReadOnly, SInter, 1, -1);
  Add(r, "sunion", -2, kReadOnly, SUnion, 1, -1);
  Add(r, "sdiff", -2, kReadOnly, SDiff, 1, -1);
  Add(r, "sinterstore", -3, kWrite | kDenyOom, SInterStore, 1, -1);
  Add(r, "sunionstore", -3, kWrite | kDenyOom, SUnionStore, 1, -1);
  Add(r, "sdiffstore", -3, kWrite | kDenyOom, SDiffStore, 1, -1);
  // Locks from argv[2] to the end: the keys, plus any LIMIT words (harmless extra shards).
  Add(r, "sintercard", -3, kReadOnly, SInterCard, 2, -1);
  Add(r, "smove", 4, kWrite | kFast, SMove, 1, 2);
  Add(r, "sscan", -3, kReadOnly, SScan);
}

}  // namespace cairn::kv
