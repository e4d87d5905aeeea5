// Fuzzes the RESP request parser (net/resp.h).
//
// Input layout (see fuzz/corpus/resp/ for examples):
//   byte 0   largest piece fed at once in the split run (0: one piece there too)
//   byte 1   seed of the piece sizes
//   byte 2   limits: 0 for the defaults, else max_inline_bytes = max_bulk_bytes = byte 2 and
//            max_args = byte 2 % 16 + 1 (so the "too big" errors are reachable)
//   rest     the bytes a client sent
//
// The stream is parsed twice: whole (commands taken off the front one by one) and as a
// connection would see it, fuzz-chosen pieces appended to a buffer. Both must give the same
// commands and end the same way (needing more, or the same error). Also checked: consumed never
// exceeds the bytes given and is 0 unless a command is returned; a command has an argument; every
// command, re-encoded as a RESP array and as a quoted inline line, parses back to itself.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "net/resp.h"
#include "splitter.h"

namespace {

using cairn::net::RespLimits;
using cairn::net::RespParser;
using Argv = std::vector<std::string>;

#define FUZZ_CHECK(cond)           \
  do {                             \
    if (!(cond)) __builtin_trap(); \
  } while (0)

using cairn::fuzz::Splitter;

struct Result {
  std::vector<Argv> commands;
  RespParser::Outcome last = RespParser::Outcome::kNeedMore;
  std::string error;
};

// Calls Parse on `buf` until it stops returning commands; erases what they consumed.
bool Drain(RespParser* parser, std::string* buf, Result* out) {
  for (;;) {
    size_t used = 12345;
    Argv argv;
    out->last = parser->Parse(*buf, &used, &argv, &out->error);
    if (out->last != RespParser::Outcome::kCommand) {
      FUZZ_CHECK(used == 0);
      if (out->last == RespParser::Outcome::kError) {
        FUZZ_CHECK(out->error.rfind("ERR Protocol error: ", 0) == 0);
        return false;
      }
      return true;
    }
    FUZZ_CHECK(used > 0 && used <= buf->size());
    FUZZ_CHECK(!argv.empty());
    out->commands.push_back(std::move(argv));
    buf->erase(0, used);
  }
}

Result ParseWhole(std::string_view data, const RespLimits& limits) {
  RespParser parser(limits);
  Result out;
  std::string buf(data);
  Drain(&parser, &buf, &out);
  return out;
}

Result ParseSplit(std::string_view data, const RespLimits& limits, size_t max_piece,
                  uint32_t seed) {
  RespParser parser(limits);
  Result out;
  std::string buf;
  Splitter splitter(max_piece, seed);
  for (size_t pos = 0; pos < data.size();) {
    const size_t want = max_piece == 0 ? data.size() : splitter.Next();
    const size_t n = std::min(want, data.size() - pos);
    buf.append(data.substr(pos, n));
    pos += n;
    if (!Drain(&parser, &buf, &out)) break;
  }
  if (data.empty()) Drain(&parser, &buf, &out);
  return out;
}

RespLimits Unlimited() {
  RespLimits limits;
  limits.max_bulk_bytes = std::numeric_limits<size_t>::max();
  limits.max_args = std::numeric_limits<size_t>::max();
  limits.max_inline_bytes = std::numeric_limits<size_t>::max();
  return limits;
}

// Parses `encoded` alone and expects exactly `argv`, using all of it.
void ExpectParsesTo(const std::string& encoded, const Argv& argv) {
  RespParser parser(Unlimited());
  size_t used = 0;
  Argv got;
  std::string error;
  FUZZ_CHECK(parser.Parse(encoded, &used, &got, &error) == RespParser::Outcome::kCommand);
  FUZZ_CHECK(used == encoded.size());
  FUZZ_CHECK(got == argv);
}

void CheckRoundTrips(const Argv& argv) {
  std::string array = "*" + std::to_string(argv.size()) + "\r\n";
  for (const auto& a : argv) array += "$" + std::to_string(a.size()) + "\r\n" + a + "\r\n";
  ExpectParsesTo(array, argv);

  // Inline: every byte of every argument as a \xHH escape inside double quotes.
  static constexpr char kHex[] = "0123456789abcdef";
  std::string line;
  for (const auto& a : argv) {
    if (!line.empty()) line.push_back(' ');
    line.push_back('"');
    for (unsigned char c : a) {
      line += "\\x";
      line.push_back(kHex[c >> 4]);
      line.push_back(kHex[c & 15]);
    }
    line.push_back('"');
  }
  line += "\r\n";
  if (line[0] != '*') ExpectParsesTo(line, argv);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 3) return 0;
  const size_t max_piece = data[0];
  const uint32_t seed = data[1] * 0x9e3779b9u;
  RespLimits limits;
  if (data[2] != 0) {
    limits.max_inline_bytes = data[2];
    limits.max_bulk_bytes = data[2];
    limits.max_args = data[2] % 16 + 1;
  }
  const std::string_view stream(reinterpret_cast<const char*>(data) + 3, size - 3);

  const Result whole = ParseWhole(stream, limits);
  const Result split = ParseSplit(stream, limits, max_piece, seed);
  FUZZ_CHECK(whole.commands == split.commands);
  FUZZ_CHECK(whole.last == split.last);
  if (whole.last == RespParser::Outcome::kError) FUZZ_CHECK(whole.error == split.error);

  for (const Argv& argv : whole.commands) CheckRoundTrips(argv);
  return 0;
}
