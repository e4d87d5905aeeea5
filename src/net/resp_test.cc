#include "net/resp.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <functional>
#include <limits>
#include <string>
#include <utility>
#include <vector>

namespace cairn::net {
namespace {

using Argv = std::vector<std::string>;
using Outcome = RespParser::Outcome;

std::string EncodeArray(const Argv& argv) {
  std::string out = "*" + std::to_string(argv.size()) + "\r\n";
  for (const auto& a : argv) out += "$" + std::to_string(a.size()) + "\r\n" + a + "\r\n";
  return out;
}

// Everything one parser makes of `data` in one go: the commands, then the final outcome.
struct ParseRun {
  std::vector<Argv> commands;
  Outcome last = Outcome::kNeedMore;
  std::string error;
  size_t consumed = 0;  // total consumed by the commands
};

ParseRun ParseAll(std::string_view data, RespLimits limits = {}) {
  RespParser parser(limits);
  ParseRun run;
  for (;;) {
    size_t used = 0;
    Argv argv;
    run.last = parser.Parse(data.substr(run.consumed), &used, &argv, &run.error);
    if (run.last != Outcome::kCommand) {
      EXPECT_EQ(used, 0u);
      return run;
    }
    EXPECT_GT(used, 0u);
    EXPECT_LE(used, data.size() - run.consumed);
    EXPECT_FALSE(argv.empty());
    run.commands.push_back(std::move(argv));
    run.consumed += used;
  }
}

// Feeds `data` as a connection would: `piece` bytes at a time appended to a buffer, commands
// erased from its front as they are parsed.
ParseRun ParseInPieces(std::string_view data, size_t piece, RespLimits limits = {},
                       RespParser* parser_out = nullptr) {
  RespParser local(limits);
  RespParser& parser = parser_out != nullptr ? *parser_out : local;
  ParseRun run;
  std::string buf;
  for (size_t pos = 0; pos < data.size();) {
    const size_t n = std::min(piece, data.size() - pos);
    buf.append(data.substr(pos, n));
    pos += n;
    for (;;) {
      size_t used = 0;
      Argv argv;
      run.last = parser.Parse(buf, &used, &argv, &run.error);
      if (run.last == Outcome::kError) return run;
      if (run.last == Outcome::kNeedMore) {
        EXPECT_EQ(used, 0u);
        break;
      }
      EXPECT_LE(used, buf.size());
      run.commands.push_back(std::move(argv));
      run.consumed += used;
      buf.erase(0, used);
    }
  }
  return run;
}

// One command framed in `input` (which it fills exactly, any skipped prefix included): every
// strict prefix needs more, whether given to a fresh parser or to the same one as it grows, and
// the whole gives `want`.
void ExpectFraming(const std::string& input, const Argv& want) {
  SCOPED_TRACE(testing::PrintToString(input));
  RespParser grown;
  for (size_t k = 0; k <= input.size(); ++k) {
    const std::string_view prefix(input.data(), k);
    for (RespParser* parser : {static_cast<RespParser*>(nullptr), &grown}) {
      RespParser fresh;
      RespParser& p = parser != nullptr ? *parser : fresh;
      size_t used = 99;
      Argv argv;
      std::string error;
      const Outcome r = p.Parse(prefix, &used, &argv, &error);
      if (k < input.size()) {
        ASSERT_EQ(r, Outcome::kNeedMore) << "prefix " << k;
        EXPECT_EQ(used, 0u);
      } else {
        ASSERT_EQ(r, Outcome::kCommand) << error;
        EXPECT_EQ(used, input.size());
        EXPECT_EQ(argv, want);
      }
    }
  }
  // And split in two at every boundary, with the second half arriving in one go.
  for (size_t k = 0; k <= input.size(); ++k) {
    RespParser p;
    size_t used = 0;
    Argv argv;
    std::string error;
    if (k < input.size()) {
      ASSERT_EQ(p.Parse(std::string_view(input.data(), k), &used, &argv, &error),
                Outcome::kNeedMore);
    }
    ASSERT_EQ(p.Parse(input, &used, &argv, &error), Outcome::kCommand);
    EXPECT_EQ(used, input.size());
    EXPECT_EQ(argv, want);
  }
}

TEST(RespParserTest, FramingAtEveryByteBoundary) {
  const std::vector<std::pair<std::string, Argv>> cases = {
      {"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n", {"SET", "k", "v"}},
      {"*1\r\n$4\r\nPING\r\n", {"PING"}},
      {"*2\r\n$3\r\nGET\r\n$0\r\n\r\n", {"GET", ""}},
      {std::string("*2\r\n$4\r\necho\r\n$6\r\na\r\nb\0c\r\n", 26),
       {"echo", std::string("a\r\nb\0c", 6)}},
      {"*1\r\n$11\r\n*1\r\n$1\r\nx\r\n\r\n", {"*1\r\n$1\r\nx\r\n"}},
      {"PING\r\n", {"PING"}},
      {"PING\n", {"PING"}},
      {"set k \"v w\"\r\n", {"set", "k", "v w"}},
      {"  get\t k  \r\n", {"get", "k"}},
      {"\r\n\n*0\r\n*-1\r\n*-7\r\nPING\r\n", {"PING"}},
      {"\r\n*1\r\n$1\r\nx\r\n", {"x"}},
  };
  for (const auto& [input, want] : cases) ExpectFraming(input, want);
}

TEST(RespParserTest, SkippedItemsAloneNeedMore) {
  for (const std::string input : {"\r\n", "\n\n\n", "*0\r\n", "*-1\r\n", "   \r\n*0\r\n"}) {
    const ParseRun run = ParseAll(input);
    EXPECT_TRUE(run.commands.empty());
    EXPECT_EQ(run.last, Outcome::kNeedMore) << input;
  }
}

TEST(RespParserTest, Pipeline) {
  std::string input;
  std::vector<Argv> want;
  for (int i = 0; i < 500; ++i) {
    const std::string n = std::to_string(i);
    switch (i % 4) {
      case 0:
        want.push_back({"SET", "key:" + n, std::string(i % 37, 'v')});
        input += EncodeArray(want.back());
        break;
      case 1:
        want.push_back({"GET", "key:" + n});
        input += "GET key:" + n + "\r\n";
        break;
      case 2:
        input += "\r\n*0\r\n";  // skipped
        want.push_back({"PING"});
        input += "PING\n";
        break;
      case 3:
        want.push_back({"ECHO", "a b " + n});
        input += "ECHO \"a b " + n + "\"\r\n";
        break;
    }
  }
  const ParseRun whole = ParseAll(input);
  EXPECT_EQ(whole.last, Outcome::kNeedMore);
  EXPECT_EQ(whole.commands, want);
  EXPECT_EQ(whole.consumed, input.size());
  for (size_t piece : {1, 2, 3, 7, 64, 1000}) {
    const ParseRun split = ParseInPieces(input, piece);
    EXPECT_EQ(split.last, Outcome::kNeedMore);
    EXPECT_EQ(split.commands, want) << "piece " << piece;
  }
}

TEST(RespParserTest, InlineQuoting) {
  const std::vector<std::pair<std::string, Argv>> cases = {
      {R"(set k "v w")", {"set", "k", "v w"}},
      {R"("\n\r\t\b\a\\\"\x41\x7a\xFF")", {std::string("\n\r\t\b\a\\\"Az\xFF")}},
      {R"("\q\x4g")", {"qx4g"}},
      {R"('it\'s' 'a\nb' 'x"y')", {"it's", "a\\nb", "x\"y"}},
      {R"(ab"cd" e'f g')", {"abcd", "ef g"}},
      {R"("" '')", {"", ""}},
      {"a\tb  c", {"a", "b", "c"}},
      {"\v\fa", {"a"}},
      {"a\vb", {"a\vb"}},
      {std::string("set a\0b c", 9), {"set", "a"}},  // a NUL ends the line (C string)
      {"", {}},
      {"   ", {}},
  };
  for (const auto& [line, want] : cases) {
    Argv args;
    EXPECT_TRUE(SplitInlineArgs(line, &args)) << line;
    EXPECT_EQ(args, want) << line;
    if (want.empty()) continue;
    ExpectFraming(line + "\r\n", want);
  }
  for (const std::string& line : std::vector<std::string>{
           "\"abc", "'abc", "\"a\"b", "'a'b", "\"abc\\\"", "'a\\'", std::string("\"a\0b\"", 5)}) {
    Argv args;
    EXPECT_FALSE(SplitInlineArgs(line, &args)) << line;
    const ParseRun run = ParseAll(line + "\r\n");
    EXPECT_EQ(run.last, Outcome::kError);
    EXPECT_EQ(run.error, "ERR Protocol error: unbalanced quotes in request");
  }
}

// Each error arrives at the same byte however the input is split, with the same text; every
// shorter prefix needs more.
void ExpectError(const std::string& input, const std::string& text, RespLimits limits = {}) {
  SCOPED_TRACE(testing::PrintToString(input.substr(0, 80)));
  const ParseRun whole = ParseAll(input, limits);
  ASSERT_EQ(whole.last, Outcome::kError);
  EXPECT_EQ(whole.error, text);
  EXPECT_TRUE(whole.commands.empty());
  const size_t step = input.size() > 2000 ? 997 : 1;
  for (size_t piece : {step, size_t{2}, input.size()}) {
    const ParseRun split = ParseInPieces(input, piece, limits);
    EXPECT_EQ(split.last, Outcome::kError);
    EXPECT_EQ(split.error, text);
  }
}

TEST(RespParserTest, ProtocolErrors) {
  const std::string mb = "ERR Protocol error: invalid multibulk length";
  const std::string bl = "ERR Protocol error: invalid bulk length";
  ExpectError("*x\r\n", mb);
  ExpectError("*\r\n", mb);
  ExpectError("*01\r\n", mb);
  ExpectError("*+1\r\n", mb);
  ExpectError("*-\r\n", mb);
  ExpectError("*1 \r\n", mb);
  ExpectError("*99999999999999999999\r\n", mb);
  ExpectError("*1048577\r\n", mb);
  ExpectError("*1\r\nx\r\n", "ERR Protocol error: expected '$', got 'x'");
  ExpectError("*3\r\n$3\r\nSET\r\n$1\r\nx\r\nfooz\r\n",
              "ERR Protocol error: expected '$', got 'f'");
  ExpectError("*1\r\n\r\n", "ERR Protocol error: expected '$', got '\r'");
  ExpectError("*1\r\n$-1\r\n", bl);
  ExpectError("*1\r\n$x\r\n", bl);
  ExpectError("*1\r\n$\r\n", bl);
  ExpectError("*1\r\n$01\r\n", bl);
  ExpectError("*1\r\n$536870913\r\n", bl);
  ExpectError("\"unterminated\r\n", "ERR Protocol error: unbalanced quotes in request");
  ExpectError(std::string(64 * 1024 + 1, 'a'), "ERR Protocol error: too big inline request");
  ExpectError(std::string(64 * 1024 + 1, 'a') + "\r\n",
              "ERR Protocol error: too big inline request");
  ExpectError("*" + std::string(64 * 1024, '1'), "ERR Protocol error: too big mbulk count string");
  ExpectError("*1\r\n$" + std::string(64 * 1024, '1'),
              "ERR Protocol error: too big bulk count string");
  ExpectError("*1\r\nx" + std::string(64 * 1024, 'x'),
              "ERR Protocol error: too big bulk count string");
}

TEST(RespParserTest, CommandsBeforeAnErrorAreDelivered) {
  const ParseRun run = ParseAll("PING\r\n*1\r\n$1\r\na\r\n*1\r\n$-5\r\nPING\r\n");
  ASSERT_EQ(run.commands.size(), 2u);
  EXPECT_EQ(run.last, Outcome::kError);
  EXPECT_EQ(run.error, "ERR Protocol error: invalid bulk length");
}

TEST(RespParserTest, Limits) {
  RespLimits limits;
  limits.max_bulk_bytes = 5;
  limits.max_args = 3;
  limits.max_inline_bytes = 8;
  EXPECT_EQ(ParseAll("*1\r\n$5\r\nabcde\r\n", limits).commands, std::vector<Argv>{{"abcde"}});
  ExpectError("*1\r\n$6\r\n", "ERR Protocol error: invalid bulk length", limits);
  EXPECT_EQ(ParseAll(EncodeArray({"a", "b", "c"}), limits).commands.size(), 1u);
  ExpectError("*4\r\n", "ERR Protocol error: invalid multibulk length", limits);
  // Inline: up to 8 bytes before the LF (a CR counts).
  EXPECT_EQ(ParseAll("1234 678\n", limits).commands, (std::vector<Argv>{{"1234", "678"}}));
  EXPECT_EQ(ParseAll("1234567\r\n", limits).commands, std::vector<Argv>{{"1234567"}});
  ExpectError("12345678\r\n", "ERR Protocol error: too big inline request", limits);
  ExpectError("123456789", "ERR Protocol error: too big inline request", limits);
  // Header lines: up to 8 bytes from the type byte to the CR.
  ExpectError("*1234567\r\n", "ERR Protocol error: invalid multibulk length", limits);
  ExpectError("*12345678\r\n", "ERR Protocol error: too big mbulk count string", limits);
  ExpectError("*1\r\n$12345678", "ERR Protocol error: too big bulk count string", limits);
  EXPECT_EQ(ParseAll("*1\r\n$0000001\r\n", limits).last, Outcome::kError);
}

TEST(RespParserTest, BigBulkInPiecesIsLinear) {
  std::string value(8u << 20, 'x');
  for (size_t i = 0; i < value.size(); i += 4093) value[i] = static_cast<char>(i);
  const std::string input = EncodeArray({"SET", "big", value}) + "PING\r\n";
  RespParser parser;
  const ParseRun run = ParseInPieces(input, 4096, {}, &parser);
  ASSERT_EQ(run.commands.size(), 2u);
  EXPECT_EQ(run.commands[0][2], value);
  // About 2000 calls while the value arrives; rescanning it would examine gigabytes.
  EXPECT_LT(parser.bytes_examined(), 2 * input.size());
}

TEST(RespParserTest, ByteAtATimeIsLinear) {
  // A long bulk, many bulks, and a long inline line, each delivered one byte per call.
  const std::vector<std::string> inputs = {
      EncodeArray({"SET", "k", std::string(200000, 'v')}),
      EncodeArray(Argv(20000, "ab")),
      "SET k " + std::string(60000, 'v') + "\r\n",
  };
  for (const auto& input : inputs) {
    RespParser parser;
    const ParseRun run = ParseInPieces(input, 1, {}, &parser);
    ASSERT_EQ(run.commands.size(), 1u);
    EXPECT_LT(parser.bytes_examined(), 3 * input.size());
  }
}

TEST(RespParserTest, ResetForgetsProgress) {
  RespParser parser;
  size_t used = 0;
  Argv argv;
  std::string error;
  ASSERT_EQ(parser.Parse("*2\r\n$1\r\na\r\n", &used, &argv, &error), Outcome::kNeedMore);
  parser.Reset();
  ASSERT_EQ(parser.Parse("PING\r\n", &used, &argv, &error), Outcome::kCommand);
  EXPECT_EQ(argv, Argv{"PING"});
  EXPECT_EQ(used, 6u);
}

TEST(RespParserTest, ErrorResetsTheParser) {
  RespParser parser;
  size_t used = 0;
  Argv argv;
  std::string error;
  ASSERT_EQ(parser.Parse("*1\r\n$x\r\n", &used, &argv, &error), Outcome::kError);
  ASSERT_EQ(parser.Parse("PING\r\n", &used, &argv, &error), Outcome::kCommand);
  EXPECT_EQ(argv, Argv{"PING"});
}

// ---------------------------------------------------------------------------------------------

std::string Write(int version, const std::function<void(RespWriter&)>& fn) {
  std::string out;
  RespWriter w(&out, version);
  fn(w);
  return out;
}

TEST(RespWriterTest, ScalarsBothVersions) {
  for (int v : {2, 3}) {
    EXPECT_EQ(Write(v, [](RespWriter& w) { w.AppendSimple("OK"); }), "+OK\r\n");
    EXPECT_EQ(Write(v, [](RespWriter& w) { w.AppendSimple("a\r\nb"); }), "+ab\r\n");
    EXPECT_EQ(Write(v, [](RespWriter& w) { w.AppendError("ERR bad\r\nthing"); }),
              "-ERR badthing\r\n");
    EXPECT_EQ(Write(v, [](RespWriter& w) { w.AppendInt(0); }), ":0\r\n");
    EXPECT_EQ(Write(v, [](RespWriter& w) { w.AppendInt(std::numeric_limits<int64_t>::min()); }),
              ":-9223372036854775808\r\n");
    EXPECT_EQ(Write(v, [](RespWriter& w) { w.AppendBulk(""); }), "$0\r\n\r\n");
    EXPECT_EQ(Write(v, [](RespWriter& w) { w.AppendBulk(std::string("a\r\n\0", 4)); }),
              std::string("$4\r\na\r\n\0\r\n", 10));
    EXPECT_EQ(Write(v, [](RespWriter& w) { w.AppendArrayHeader(3); }), "*3\r\n");
  }
}

TEST(RespWriterTest, Resp2) {
  const auto w2 = [](const std::function<void(RespWriter&)>& fn) { return Write(2, fn); };
  EXPECT_EQ(w2([](RespWriter& w) { w.AppendNull(); }), "$-1\r\n");
  EXPECT_EQ(w2([](RespWriter& w) { w.AppendNullArray(); }), "*-1\r\n");
  EXPECT_EQ(w2([](RespWriter& w) { w.AppendMapHeader(2); }), "*4\r\n");
  EXPECT_EQ(w2([](RespWriter& w) { w.AppendSetHeader(2); }), "*2\r\n");
  EXPECT_EQ(w2([](RespWriter& w) { w.AppendPushHeader(3); }), "*3\r\n");
  EXPECT_EQ(w2([](RespWriter& w) { w.AppendDouble(1.5); }), "$3\r\n1.5\r\n");
  EXPECT_EQ(w2([](RespWriter& w) { w.AppendDouble(0.1); }), "$3\r\n0.1\r\n");
  EXPECT_EQ(w2([](RespWriter& w) { w.AppendDouble(-3); }), "$2\r\n-3\r\n");
  EXPECT_EQ(w2([](RespWriter& w) { w.AppendDouble(1e300); }), "$6\r\n1e+300\r\n");
  EXPECT_EQ(w2([](RespWriter& w) { w.AppendDouble(INFINITY); }), "$3\r\ninf\r\n");
  EXPECT_EQ(w2([](RespWriter& w) { w.AppendDouble(-INFINITY); }), "$4\r\n-inf\r\n");
  EXPECT_EQ(w2([](RespWriter& w) { w.AppendDouble(NAN); }), "$3\r\nnan\r\n");
  EXPECT_EQ(w2([](RespWriter& w) { w.AppendBool(true); }), ":1\r\n");
  EXPECT_EQ(w2([](RespWriter& w) { w.AppendBool(false); }), ":0\r\n");
  EXPECT_EQ(w2([](RespWriter& w) { w.AppendVerbatim("txt", "hi"); }), "$2\r\nhi\r\n");
}

TEST(RespWriterTest, Resp3) {
  const auto w3 = [](const std::function<void(RespWriter&)>& fn) { return Write(3, fn); };
  EXPECT_EQ(w3([](RespWriter& w) { w.AppendNull(); }), "_\r\n");
  EXPECT_EQ(w3([](RespWriter& w) { w.AppendNullArray(); }), "_\r\n");
  EXPECT_EQ(w3([](RespWriter& w) { w.AppendMapHeader(2); }), "%2\r\n");
  EXPECT_EQ(w3([](RespWriter& w) { w.AppendSetHeader(2); }), "~2\r\n");
  EXPECT_EQ(w3([](RespWriter& w) { w.AppendPushHeader(3); }), ">3\r\n");
  EXPECT_EQ(w3([](RespWriter& w) { w.AppendDouble(1.5); }), ",1.5\r\n");
  EXPECT_EQ(w3([](RespWriter& w) { w.AppendDouble(0.1); }), ",0.1\r\n");
  EXPECT_EQ(w3([](RespWriter& w) { w.AppendDouble(INFINITY); }), ",inf\r\n");
  EXPECT_EQ(w3([](RespWriter& w) { w.AppendDouble(-INFINITY); }), ",-inf\r\n");
  EXPECT_EQ(w3([](RespWriter& w) { w.AppendBool(true); }), "#t\r\n");
  EXPECT_EQ(w3([](RespWriter& w) { w.AppendBool(false); }), "#f\r\n");
  EXPECT_EQ(w3([](RespWriter& w) { w.AppendVerbatim("txt", "Some string"); }),
            "=15\r\ntxt:Some string\r\n");
}

TEST(RespWriterTest, DoubleRoundTrips) {
  for (double d : {0.1, 1.0 / 3, 123456789.125, 5e-324, 1.7976931348623157e308, -2.5e-10}) {
    std::string out;
    RespWriter(&out, 3).AppendDouble(d);
    ASSERT_EQ(out.front(), ',');
    EXPECT_EQ(std::strtod(out.substr(1, out.size() - 3).c_str(), nullptr), d) << out;
  }
}

TEST(RespWriterTest, VersionSwitchAndMixedReply) {
  std::string out;
  RespWriter w(&out);
  EXPECT_EQ(w.version(), 2);
  w.set_version(3);  // HELLO 3
  EXPECT_EQ(w.version(), 3);
  w.AppendMapHeader(2);
  w.AppendBulk("server");
  w.AppendBulk("cairn");
  w.AppendBulk("proto");
  w.AppendInt(3);
  w.set_version(2);
  w.AppendNull();
  EXPECT_EQ(out, "%2\r\n$6\r\nserver\r\n$5\r\ncairn\r\n$5\r\nproto\r\n:3\r\n$-1\r\n");
  w.set_version(7);  // anything but 3 is RESP2
  EXPECT_EQ(w.version(), 2);
}

}  // namespace
}  // namespace cairn::net
