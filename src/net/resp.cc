#include "net/resp.h"

#include <charconv>
#include <cmath>
#include <cstring>
#include <utility>

namespace cairn::net {

namespace {

constexpr std::string_view kTooBigInline = "ERR Protocol error: too big inline request";
constexpr std::string_view kTooBigMbulk = "ERR Protocol error: too big mbulk count string";
constexpr std::string_view kTooBigBulk = "ERR Protocol error: too big bulk count string";
constexpr std::string_view kInvalidMbulk = "ERR Protocol error: invalid multibulk length";
constexpr std::string_view kInvalidBulk = "ERR Protocol error: invalid bulk length";
constexpr std::string_view kUnbalanced = "ERR Protocol error: unbalanced quotes in request";

// Redis's string2ll(): an optional '-', then digits without leading zeros ("0" alone is fine),
// nothing else, no overflow.
bool ParseRedisInt(std::string_view s, long long* value) {
  if (s.empty() || s.size() >= 21) return false;
  if (s == "0") {
    *value = 0;
    return true;
  }
  bool negative = false;
  if (s.front() == '-') {
    negative = true;
    s.remove_prefix(1);
    if (s.empty()) return false;
  }
  if (s.front() < '1' || s.front() > '9') return false;
  unsigned long long v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    const unsigned digit = static_cast<unsigned>(c - '0');
    if (v > (~0ULL - digit) / 10) return false;
    v = v * 10 + digit;
  }
  constexpr unsigned long long kMax = 9223372036854775807ULL;  // LLONG_MAX
  if (negative) {
    if (v > kMax + 1) return false;
    *value = v == kMax + 1 ? (-static_cast<long long>(kMax) - 1) : -static_cast<long long>(v);
  } else {
    if (v > kMax) return false;
    *value = static_cast<long long>(v);
  }
  return true;
}

// isspace() in the C locale.
bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

char UnescapeDoubleQuoted(char c) {
  switch (c) {
    case 'n':
      return '\n';
    case 'r':
      return '\r';
    case 't':
      return '\t';
    case 'b':
      return '\b';
    case 'a':
      return '\a';
    default:
      return c;
  }
}

}  // namespace

// A port of sdssplitargs(). The line is a C string there, so a NUL byte ends it: `at` reads NUL
// past the end, and an embedded NUL behaves the same way.
bool SplitInlineArgs(std::string_view line, std::vector<std::string>* args) {
  args->clear();
  const auto at = [line](size_t i) { return i < line.size() ? line[i] : '\0'; };
  size_t p = 0;
  for (;;) {
    while (at(p) != '\0' && IsSpace(at(p))) ++p;
    if (at(p) == '\0') return true;
    bool in_double = false;
    bool in_single = false;
    bool done = false;
    std::string current;
    while (!done) {
      const char c = at(p);
      if (in_double) {
        if (c == '\\' && at(p + 1) == 'x' && HexValue(at(p + 2)) >= 0 && HexValue(at(p + 3)) >= 0) {
          current.push_back(static_cast<char>(HexValue(at(p + 2)) * 16 + HexValue(at(p + 3))));
          p += 3;
        } else if (c == '\\' && at(p + 1) != '\0') {
          ++p;
          current.push_back(UnescapeDoubleQuoted(at(p)));
        } else if (c == '"') {
          // The closing quote must be followed by a space or nothing at all.
          if (at(p + 1) != '\0' && !IsSpace(at(p + 1))) return false;
          done = true;
        } else if (c == '\0') {
          return false;
        } else {
          current.push_back(c);
        }
      } else if (in_single) {
        if (c == '\\' && at(p + 1) == '\'') {
          ++p;
          current.push_back('\'');
        } else if (c == '\'') {
          if (at(p + 1) != '\0' && !IsSpace(at(p + 1))) return false;
          done = true;
        } else if (c == '\0') {
          return false;
        } else {
          current.push_back(c);
        }
      } else {
        switch (c) {
          case ' ':
          case '\n':
          case '\r':
          case '\t':
          case '\0':
            done = true;
            break;
          case '"':
            in_double = true;
            break;
          case '\'':
            in_single = true;
            break;
          default:
            current.push_back(c);
            break;
        }
      }
      if (at(p) != '\0') ++p;
    }
    args->push_back(std::move(current));
  }
}

RespParser::RespParser(RespLimits limits) : limits_(limits) {}

void RespParser::Reset() {
  state_ = State::kStart;
  pos_ = 0;
  scanned_ = 0;
  remaining_ = 0;
  bulk_len_ = 0;
  args_.clear();
}

RespParser::Outcome RespParser::Parse(std::string_view data, size_t* consumed,
                                      std::vector<std::string>* argv, std::string* error) {
  *consumed = 0;
  // The caller broke the contract (data shorter than what was already processed): start over
  // rather than read out of bounds.
  if (pos_ > data.size()) Reset();
  for (;;) {
    Step step = Step::kNeedMore;
    switch (state_) {
      case State::kStart:
        step = StepStart(data, argv, error);
        break;
      case State::kBulkHeader:
        step = StepBulkHeader(data, error);
        break;
      case State::kBulkData:
        step = StepBulkData(data, argv);
        break;
    }
    switch (step) {
      case Step::kProgress:
        continue;
      case Step::kDone:
        *consumed = pos_;
        Reset();
        return Outcome::kCommand;
      case Step::kNeedMore:
        return Outcome::kNeedMore;
      case Step::kError:
        return Outcome::kError;
    }
  }
}

void RespParser::Advance(size_t new_pos) {
  pos_ = new_pos;
  scanned_ = new_pos;
}

RespParser::Step RespParser::Fail(std::string* error, std::string_view text) {
  error->assign(text);
  Reset();
  return Step::kError;
}

size_t RespParser::FindFromPos(std::string_view data, char c) {
  const size_t start = scanned_ > pos_ ? scanned_ : pos_;
  if (start >= data.size()) return std::string_view::npos;
  const void* hit = std::memchr(data.data() + start, c, data.size() - start);
  if (hit == nullptr) {
    bytes_examined_ += data.size() - start;
    scanned_ = data.size();
    return std::string_view::npos;
  }
  const size_t found = static_cast<size_t>(static_cast<const char*>(hit) - data.data());
  bytes_examined_ += found - start + 1;
  scanned_ = found;
  return found;
}

RespParser::Step RespParser::StepStart(std::string_view data, std::vector<std::string>* argv,
                                       std::string* error) {
  if (pos_ >= data.size()) return Step::kNeedMore;
  if (data[pos_] == '*') return StepMultibulkHeader(data, error);
  return StepInline(data, argv, error);
}

RespParser::Step RespParser::StepInline(std::string_view data, std::vector<std::string>* argv,
                                        std::string* error) {
  const size_t newline = FindFromPos(data, '\n');
  if (newline == std::string_view::npos) {
    if (data.size() - pos_ > limits_.max_inline_bytes) return Fail(error, kTooBigInline);
    return Step::kNeedMore;
  }
  std::string_view line = data.substr(pos_, newline - pos_);
  if (line.size() > limits_.max_inline_bytes) return Fail(error, kTooBigInline);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  bytes_examined_ += line.size();
  if (!SplitInlineArgs(line, &args_)) return Fail(error, kUnbalanced);
  Advance(newline + 1);
  if (args_.empty()) return Step::kProgress;  // an empty line: no command
  *argv = std::move(args_);
  args_.clear();
  return Step::kDone;
}

RespParser::Step RespParser::ReadHeaderLine(std::string_view data, std::string_view too_big,
                                            bool* ok, long long* value, size_t* line_end,
                                            std::string* error) {
  const size_t cr = FindFromPos(data, '\r');
  if (cr == std::string_view::npos) {
    if (data.size() - pos_ > limits_.max_inline_bytes) return Fail(error, too_big);
    return Step::kNeedMore;
  }
  if (cr - pos_ > limits_.max_inline_bytes) return Fail(error, too_big);
  // As in Redis, the byte after CR must have arrived; it is taken to be LF.
  if (cr + 1 >= data.size()) return Step::kNeedMore;
  *ok = ParseRedisInt(data.substr(pos_ + 1, cr - pos_ - 1), value);
  *line_end = cr;
  return Step::kProgress;
}

RespParser::Step RespParser::StepMultibulkHeader(std::string_view data, std::string* error) {
  bool ok = false;
  long long count = 0;
  size_t cr = 0;
  const Step step = ReadHeaderLine(data, kTooBigMbulk, &ok, &count, &cr, error);
  if (step != Step::kProgress) return step;
  if (!ok || (count > 0 && static_cast<unsigned long long>(count) > limits_.max_args)) {
    return Fail(error, kInvalidMbulk);
  }
  Advance(cr + 2);
  if (count <= 0) return Step::kProgress;  // "*0", "*-1": no command
  remaining_ = static_cast<size_t>(count);
  args_.clear();
  // Trust the announced count only so far: a lying client must not make us allocate.
  args_.reserve(remaining_ < 1024 ? remaining_ : 1024);
  state_ = State::kBulkHeader;
  return Step::kProgress;
}

RespParser::Step RespParser::StepBulkHeader(std::string_view data, std::string* error) {
  bool ok = false;
  long long len = 0;
  size_t cr = 0;
  // As in Redis, the whole line is awaited before its first byte is checked.
  const Step step = ReadHeaderLine(data, kTooBigBulk, &ok, &len, &cr, error);
  if (step != Step::kProgress) return step;
  if (data[pos_] != '$') {
    std::string text = "ERR Protocol error: expected '$', got '";
    text.push_back(data[pos_]);
    text.push_back('\'');
    return Fail(error, text);
  }
  if (!ok || len < 0 || static_cast<unsigned long long>(len) > limits_.max_bulk_bytes) {
    return Fail(error, kInvalidBulk);
  }
  bulk_len_ = static_cast<size_t>(len);
  Advance(cr + 2);
  state_ = State::kBulkData;
  return Step::kProgress;
}

RespParser::Step RespParser::StepBulkData(std::string_view data, std::vector<std::string>* argv) {
  // The bulk and its two terminator bytes (unchecked, as in Redis) must all be here.
  if (data.size() - pos_ < bulk_len_ + 2) return Step::kNeedMore;
  args_.emplace_back(data.substr(pos_, bulk_len_));
  bytes_examined_ += bulk_len_;
  Advance(pos_ + bulk_len_ + 2);
  if (--remaining_ > 0) {
    state_ = State::kBulkHeader;
    return Step::kProgress;
  }
  *argv = std::move(args_);
  args_.clear();
  return Step::kDone;
}

// ---------------------------------------------------------------------------------------------

RespWriter::RespWriter(std::string* out, int version) : out_(out), version_(2) {
  set_version(version);
}

void RespWriter::AppendLine(char type, std::string_view text) {
  out_->push_back(type);
  for (char c : text) {
    if (c != '\r' && c != '\n') out_->push_back(c);
  }
  out_->append("\r\n");
}

void RespWriter::AppendHeader(char type, uint64_t n) {
  char buf[24];
  const auto res = std::to_chars(buf, buf + sizeof(buf), n);
  out_->push_back(type);
  out_->append(buf, res.ptr);
  out_->append("\r\n");
}

void RespWriter::AppendSimple(std::string_view text) { AppendLine('+', text); }

void RespWriter::AppendError(std::string_view text) { AppendLine('-', text); }

void RespWriter::AppendInt(int64_t value) {
  char buf[24];
  const auto res = std::to_chars(buf, buf + sizeof(buf), value);
  out_->push_back(':');
  out_->append(buf, res.ptr);
  out_->append("\r\n");
}

void RespWriter::AppendBulk(std::string_view value) {
  AppendHeader('$', value.size());
  out_->append(value);
  out_->append("\r\n");
}

void RespWriter::AppendNull() { out_->append(version_ == 3 ? "_\r\n" : "$-1\r\n"); }

void RespWriter::AppendNullArray() { out_->append(version_ == 3 ? "_\r\n" : "*-1\r\n"); }

void RespWriter::AppendArrayHeader(size_t n) { AppendHeader('*', n); }

void RespWriter::AppendMapHeader(size_t pairs) {
  if (version_ == 3) {
    AppendHeader('%', pairs);
  } else {
    AppendHeader('*', static_cast<uint64_t>(pairs) * 2);
  }
}

void RespWriter::AppendSetHeader(size_t n) { AppendHeader(version_ == 3 ? '~' : '*', n); }

void RespWriter::AppendPushHeader(size_t n) { AppendHeader(version_ == 3 ? '>' : '*', n); }

void RespWriter::AppendDouble(double value) {
  char buf[64];
  std::string_view text;
  if (std::isnan(value)) {
    text = "nan";
  } else if (std::isinf(value)) {
    text = value > 0 ? "inf" : "-inf";
  } else {
    const auto res = std::to_chars(buf, buf + sizeof(buf), value);  // shortest round trip
    text = std::string_view(buf, static_cast<size_t>(res.ptr - buf));
  }
  if (version_ == 3) {
    AppendLine(',', text);
  } else {
    AppendBulk(text);
  }
}

void RespWriter::AppendBool(bool value) {
  if (version_ == 3) {
    out_->append(value ? "#t\r\n" : "#f\r\n");
  } else {
    out_->append(value ? ":1\r\n" : ":0\r\n");
  }
}

void RespWriter::AppendVerbatim(std::string_view format, std::string_view text) {
  if (version_ != 3) {
    AppendBulk(text);
    return;
  }
  AppendHeader('=', format.size() + 1 + text.size());
  out_->append(format);
  out_->push_back(':');
  out_->append(text);
  out_->append("\r\n");
}

}  // namespace cairn::net
