// Reply: the protocol-neutral result of a KV command (the RESP face encodes it as RESP2 or
// RESP3; the C ABI reads it directly). Kinds mirror what Redis commands return: nil, status
// ("OK"), error ("ERR ...", "WRONGTYPE ..."), integer, bulk string, double, boolean, array, map,
// set, and push (pub/sub messages).
//
// Thread safety: a plain value.
#ifndef CAIRN_MODELS_KV_REPLY_H_
#define CAIRN_MODELS_KV_REPLY_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace cairn::kv {

struct Reply {
  enum class Kind {
    kNil,
    kNilArray,
    kStatus,
    kError,
    kInt,
    kBulk,
    kDouble,
    kBool,
    kArray,
    kMap,
    kSet,
    kPush
  };
  Kind kind = Kind::kNil;
  std::string str;              // kStatus, kError (with its code prefix, e.g. "ERR ..."), kBulk
  int64_t integer = 0;          // kInt, kBool (0/1)
  double number = 0;            // kDouble
  std::vector<Reply> elements;  // kArray, kSet, kPush; kMap: key, value, key, value, ...

  static Reply Nil() { return Reply(); }
  static Reply NilArray() { return Reply{Kind::kNilArray}; }
  static Reply Ok() { return Status("OK"); }
  static Reply Status(std::string s) { return Reply{Kind::kStatus, std::move(s)}; }
  static Reply Error(std::string s) { return Reply{Kind::kError, std::move(s)}; }
  static Reply Int(int64_t v) { return Reply{Kind::kInt, {}, v}; }
  static Reply Bulk(std::string s) { return Reply{Kind::kBulk, std::move(s)}; }
  static Reply Double(double d) { return Reply{Kind::kDouble, {}, 0, d}; }
  static Reply Bool(bool b) { return Reply{Kind::kBool, {}, b ? 1 : 0}; }
  static Reply Array(std::vector<Reply> e = {}) {
    return Reply{Kind::kArray, {}, 0, 0, std::move(e)};
  }
  static Reply Map(std::vector<Reply> kv = {}) {
    return Reply{Kind::kMap, {}, 0, 0, std::move(kv)};
  }
  static Reply Set(std::vector<Reply> e = {}) { return Reply{Kind::kSet, {}, 0, 0, std::move(e)}; }
  static Reply Push(std::vector<Reply> e = {}) {
    return Reply{Kind::kPush, {}, 0, 0, std::move(e)};
  }

  bool is_error() const { return kind == Kind::kError; }
};

// Common error replies, worded as Redis words them.
inline Reply WrongTypeError() {
  return Reply::Error("WRONGTYPE Operation against a key holding the wrong kind of value");
}
inline Reply NotIntegerError() {
  return Reply::Error("ERR value is not an integer or out of range");
}
inline Reply NotFloatError() { return Reply::Error("ERR value is not a valid float"); }
inline Reply SyntaxError() { return Reply::Error("ERR syntax error"); }
inline Reply WrongArityError(const std::string& command) {
  return Reply::Error("ERR wrong number of arguments for '" + command + "' command");
}

}  // namespace cairn::kv

#endif  // CAIRN_MODELS_KV_REPLY_H_
