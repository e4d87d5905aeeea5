// The RESP (REdis Serialization Protocol) codec: bytes <-> commands and replies, nothing more.
// Dispatch lives in faces/resp; this layer knows no models.
//
// RespParser reads what Redis clients send: RESP arrays of bulk strings ("multibulk") and inline
// commands, following Redis's networking.c (processMultibulkBuffer / processInlineBuffer) and
// sdssplitargs() for inline quoting, with Redis's exact error texts. RespWriter appends replies in
// RESP2 or RESP3.
//
// Thread safety: neither class is thread-safe; use one parser and one writer per connection.
#ifndef CAIRN_NET_RESP_H_
#define CAIRN_NET_RESP_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace cairn::net {

// Bounds on what one request may hold; exceeding one is a protocol error.
struct RespLimits {
  // Largest bulk string ("$<n>"); beyond it: "invalid bulk length" (Redis proto-max-bulk-len).
  size_t max_bulk_bytes = 512u << 20;
  // Largest multibulk count ("*<n>"); beyond it: "invalid multibulk length".
  size_t max_args = 1024 * 1024;
  // Longest inline command line, and longest "*<n>" / "$<n>" header line, excluding the line
  // terminator (Redis PROTO_INLINE_MAX_SIZE). Beyond it: "too big inline request", "too big mbulk
  // count string", "too big bulk count string". Unlike Redis, the bound also applies when the
  // line terminator has already arrived, so the outcome never depends on how bytes are split.
  size_t max_inline_bytes = 64 * 1024;
};

// Incremental request parser. Typical loop over a connection's input buffer `buf`:
//
//   size_t used; std::vector<std::string> argv; std::string err;
//   for (;;) {
//     auto r = parser.Parse(buf, &used, &argv, &err);
//     if (r == RespParser::Outcome::kCommand) { Dispatch(argv); buf.erase(0, used); continue; }
//     if (r == RespParser::Outcome::kError) { writer.AppendError(err); /* close */ }
//     break;  // kNeedMore: read more bytes, append them to buf, call again
//   }
class RespParser {
 public:
  explicit RespParser(RespLimits limits = {});

  enum class Outcome { kCommand, kNeedMore, kError };

  // Parses one command from the front of `data`, which may hold a partial command or several
  // pipelined ones.
  //  - kCommand: *argv holds the arguments (at least one), *consumed the bytes used (including
  //    any skipped empty inline lines, "*0" and "*-1" headers before the command). The parser is
  //    then ready for the next command at data.substr(*consumed).
  //  - kNeedMore: *consumed is 0. The next call must pass the same bytes with more appended.
  //    The parser keeps its progress (arguments already read, lines already scanned), so a big
  //    bulk arriving in many reads costs time linear in its size.
  //  - kError: *error holds Redis's reply text (e.g. "ERR Protocol error: invalid bulk length");
  //    the caller replies with it and closes the connection. The parser is reset.
  // Empty inline lines, "*0" and negative counts produce no command: they are skipped.
  // Bulk strings are taken as exactly <n> bytes followed by two terminator bytes that, as in
  // Redis, are not checked to be CRLF; likewise the byte after a header line's CR.
  // `argv`, `consumed` and `error` must not be null; argv is overwritten on kCommand only.
  Outcome Parse(std::string_view data, size_t* consumed, std::vector<std::string>* argv,
                std::string* error);

  // Forgets any progress kept after kNeedMore (for a new input stream).
  void Reset();

  // Total bytes the parser has looked at or copied since construction. Exposed so tests can
  // check that feeding a request in many pieces costs linear work.
  uint64_t bytes_examined() const { return bytes_examined_; }

 private:
  enum class State { kStart, kBulkHeader, kBulkData };
  // What one step of the state machine did: moved pos_ on, completed a command (in *argv),
  // needs more bytes, or failed (*error set, parser reset).
  enum class Step { kProgress, kDone, kNeedMore, kError };

  Step StepStart(std::string_view data, std::vector<std::string>* argv, std::string* error);
  Step StepInline(std::string_view data, std::vector<std::string>* argv, std::string* error);
  Step StepMultibulkHeader(std::string_view data, std::string* error);
  Step StepBulkHeader(std::string_view data, std::string* error);
  Step StepBulkData(std::string_view data, std::vector<std::string>* argv);
  // Reads the "<type><integer>\r" header line at pos_; on kProgress, *value holds the integer
  // (ok false when it is not one), *line_end the position of the CR.
  Step ReadHeaderLine(std::string_view data, std::string_view too_big, bool* ok, long long* value,
                      size_t* line_end, std::string* error);

  // Finds `c` in data[pos_, ...), resuming from where an earlier call stopped looking. npos when
  // absent.
  size_t FindFromPos(std::string_view data, char c);
  void Advance(size_t new_pos);
  Step Fail(std::string* error, std::string_view text);

  RespLimits limits_;
  State state_ = State::kStart;
  size_t pos_ = 0;                 // bytes of the front of the data already processed
  size_t scanned_ = 0;             // data[pos_, scanned_) holds no terminator being searched for
  size_t remaining_ = 0;           // bulks still to read in the current multibulk
  size_t bulk_len_ = 0;            // length of the bulk being read (kBulkData)
  std::vector<std::string> args_;  // arguments read so far in the current multibulk
  uint64_t bytes_examined_ = 0;
};

// Splits an inline command line the way Redis's sdssplitargs() does. Returns false on unbalanced
// quotes (or a closing quote not followed by a space). Exposed for tests and the fuzzer.
bool SplitInlineArgs(std::string_view line, std::vector<std::string>* args);

// Appends RESP replies to a caller-owned string. Version 2 or 3, switchable (HELLO).
// Preconditions: `out` outlives the writer; headers are followed by the announced number of
// elements (map headers by 2n).
class RespWriter {
 public:
  explicit RespWriter(std::string* out, int version = 2);

  int version() const { return version_; }
  void set_version(int version) { version_ = version == 3 ? 3 : 2; }
  std::string* out() const { return out_; }

  void AppendSimple(std::string_view text);  // "+text\r\n", CR and LF removed from text
  void AppendError(std::string_view text);   // "-text\r\n", CR and LF removed ("ERR ...")
  void AppendInt(int64_t value);             // ":value\r\n"
  void AppendBulk(std::string_view value);   // "$len\r\nvalue\r\n"
  void AppendNull();                         // RESP2 "$-1\r\n", RESP3 "_\r\n"
  void AppendNullArray();                    // RESP2 "*-1\r\n", RESP3 "_\r\n"
  void AppendArrayHeader(size_t n);          // "*n\r\n"
  void AppendMapHeader(size_t pairs);        // RESP2 "*<2n>\r\n", RESP3 "%n\r\n"
  void AppendSetHeader(size_t n);            // RESP2 "*n\r\n", RESP3 "~n\r\n"
  void AppendPushHeader(size_t n);           // RESP2 "*n\r\n", RESP3 ">n\r\n"
  // Shortest form that reads back as the same double; "inf", "-inf", "nan".
  // RESP2: a bulk string; RESP3: ",<form>\r\n".
  void AppendDouble(double value);
  void AppendBool(bool value);  // RESP2 ":1"/":0", RESP3 "#t"/"#f"
  // RESP2: a bulk string of text; RESP3: "=<len>\r\n<format>:<text>\r\n".
  // Precondition: format is three bytes ("txt", "mkd").
  void AppendVerbatim(std::string_view format, std::string_view text);

 private:
  void AppendLine(char type, std::string_view text);  // type, text without CR/LF, CRLF
  void AppendHeader(char type, uint64_t n);

  std::string* out_;
  int version_;
};

}  // namespace cairn::net

#endif  // CAIRN_NET_RESP_H_
