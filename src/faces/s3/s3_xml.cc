#include "faces/s3/s3_xml.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <pugixml.hpp>

namespace cairn::s3 {
namespace {

constexpr uint64_t kMicrosPerSecond = 1000000;
constexpr uint64_t kMicrosPerDay = 86400 * kMicrosPerSecond;
constexpr std::string_view kStorageClass = "STANDARD";
constexpr std::array<std::string_view, 7> kDays = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
constexpr std::array<std::string_view, 7> kLongDays = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                                       "Thursday", "Friday", "Saturday"};
constexpr std::array<std::string_view, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

// ---- Dates.

struct CivilTime {
  int year, month, day, hour, minute, second, millis, weekday;  // weekday 0 = Sunday
};

// 9999-12-31T23:59:59.999999Z: later times are formatted as this (std::chrono::year stops at
// 32767, and HTTP dates have four-digit years).
constexpr uint64_t kMaxMicros = 253402300799999999;

CivilTime ToCivil(uint64_t micros) {
  using namespace std::chrono;
  micros = std::min(micros, kMaxMicros);
  sys_days days{std::chrono::days(static_cast<int64_t>(micros / kMicrosPerDay))};
  year_month_day ymd{days};
  uint64_t in_day = micros % kMicrosPerDay;
  uint64_t secs = in_day / kMicrosPerSecond;
  return CivilTime{static_cast<int>(ymd.year()),
                   static_cast<int>(static_cast<unsigned>(ymd.month())),
                   static_cast<int>(static_cast<unsigned>(ymd.day())),
                   static_cast<int>(secs / 3600),
                   static_cast<int>(secs / 60 % 60),
                   static_cast<int>(secs % 60),
                   static_cast<int>(in_day % kMicrosPerSecond / 1000),
                   static_cast<int>(weekday{days}.c_encoding())};
}

// Microseconds since the epoch for a validated civil time; nullopt if invalid or before 1970.
std::optional<uint64_t> FromCivil(int year, int month, int day, int hour, int minute, int second) {
  using namespace std::chrono;
  year_month_day ymd{std::chrono::year(year), std::chrono::month(static_cast<unsigned>(month)),
                     std::chrono::day(static_cast<unsigned>(day))};
  if (year < 1970 || year > 9999 || !ymd.ok() || hour > 23 || minute > 59 || second > 60) {
    return std::nullopt;
  }
  if (second == 60) second = 59;  // a leap second
  int64_t days = sys_days(ymd).time_since_epoch().count();
  return static_cast<uint64_t>(days) * kMicrosPerDay +
         static_cast<uint64_t>(hour * 3600 + minute * 60 + second) * kMicrosPerSecond;
}

// A cursor over an HTTP-date.
class DateReader {
 public:
  explicit DateReader(std::string_view s) : s_(s) {}
  bool done() const { return s_.empty(); }
  bool Lit(std::string_view lit) {
    if (!s_.starts_with(lit)) return false;
    s_.remove_prefix(lit.size());
    return true;
  }
  // Exactly `n` digits.
  bool Digits(size_t n, int* out) {
    if (s_.size() < n) return false;
    int v = 0;
    for (size_t i = 0; i < n; ++i) {
      if (s_[i] < '0' || s_[i] > '9') return false;
      v = v * 10 + (s_[i] - '0');
    }
    s_.remove_prefix(n);
    *out = v;
    return true;
  }
  // One of `names`; its index in *out.
  template <size_t N>
  bool Name(const std::array<std::string_view, N>& names, int* out) {
    for (size_t i = 0; i < N; ++i) {
      if (Lit(names[i])) {
        *out = static_cast<int>(i);
        return true;
      }
    }
    return false;
  }
  // "HH:MM:SS".
  bool Time(int* h, int* m, int* sec) {
    return Digits(2, h) && Lit(":") && Digits(2, m) && Lit(":") && Digits(2, sec);
  }

 private:
  std::string_view s_;
};

std::string_view TrimWhitespace(std::string_view s) {
  constexpr std::string_view kWs = " \t\r\n";
  size_t b = s.find_first_not_of(kWs);
  if (b == std::string_view::npos) return {};
  size_t e = s.find_last_not_of(kWs);
  return s.substr(b, e - b + 1);
}

// ---- Base64url (continuation tokens).

constexpr std::string_view kBase64Url =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

std::string Base64UrlEncode(std::string_view in) {
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    uint32_t v = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8) | uint8_t(in[i + 2]);
    for (int shift = 18; shift >= 0; shift -= 6) out.push_back(kBase64Url[(v >> shift) & 63]);
  }
  if (i + 1 == in.size()) {
    uint32_t v = uint8_t(in[i]) << 16;
    out.push_back(kBase64Url[(v >> 18) & 63]);
    out.push_back(kBase64Url[(v >> 12) & 63]);
  } else if (i + 2 == in.size()) {
    uint32_t v = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8);
    out.push_back(kBase64Url[(v >> 18) & 63]);
    out.push_back(kBase64Url[(v >> 12) & 63]);
    out.push_back(kBase64Url[(v >> 6) & 63]);
  }
  return out;
}

// Strict: the url-safe alphabet, optional '=' padding, no stray bits.
std::optional<std::string> Base64UrlDecode(std::string_view in) {
  while (!in.empty() && in.back() == '=') in.remove_suffix(1);
  if (in.size() % 4 == 1) return std::nullopt;
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (char c : in) {
    size_t v = kBase64Url.find(c);
    if (v == std::string_view::npos) return std::nullopt;
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xff));
    }
  }
  if ((acc & ((1u << bits) - 1)) != 0) return std::nullopt;  // non-canonical trailing bits
  return out;
}

constexpr char kTokenVersion = '\x01';
constexpr size_t kMaxTokenChars = 2048;

// ---- XML output.

// Writes a document element by element; every text goes through AppendXmlText.
class XmlWriter {
 public:
  // Starts the document with the declaration and `root` in S3's namespace.
  explicit XmlWriter(std::string_view root) {
    out_ = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<";
    out_.append(root);
    out_.append(" xmlns=\"");
    out_.append(kS3XmlNamespace);
    out_.append("\">");
    open_.emplace_back(root);
  }
  void Open(std::string_view name) {
    out_.push_back('<');
    out_.append(name);
    out_.push_back('>');
    open_.emplace_back(name);
  }
  void Close() {
    out_.append("</");
    out_.append(open_.back());
    out_.push_back('>');
    open_.pop_back();
  }
  void Text(std::string_view name, std::string_view text) {
    Open(name);
    AppendXmlText(&out_, text);
    Close();
  }
  void Number(std::string_view name, uint64_t n) { Text(name, std::to_string(n)); }
  void Bool(std::string_view name, bool b) { Text(name, b ? "true" : "false"); }
  void Owner(std::string_view name, const s3::Owner& o) {
    Open(name);
    Text("ID", o.id);
    Text("DisplayName", o.display_name);
    Close();
  }
  // <Grantee xmlns:xsi="..." xsi:type="TYPE">, closed with Close().
  void OpenGrantee(std::string_view type) {
    out_.append("<Grantee xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xsi:type=\"");
    out_.append(type);
    out_.append("\">");
    open_.emplace_back("Grantee");
  }
  std::string Finish() && {
    while (!open_.empty()) Close();
    return std::move(out_);
  }

 private:
  std::string out_;
  std::vector<std::string> open_;
};

std::string MaybeEncode(std::string_view s, bool url_encoding) {
  return url_encoding ? UrlEncodeS3(s, /*keep_slash=*/true) : std::string(s);
}

std::string CopyResultXml(std::string_view root, std::string_view etag, uint64_t mtime_micros) {
  XmlWriter w(root);
  w.Text("LastModified", FormatIso8601Millis(mtime_micros));
  w.Text("ETag", QuoteETag(etag));
  return std::move(w).Finish();
}

void WriteContents(XmlWriter* w, const ListObjectsParams& p, const objects::ListResult& r) {
  for (const objects::ObjectInfo& o : r.objects) {
    w->Open("Contents");
    w->Text("Key", MaybeEncode(o.key, p.url_encoding));
    w->Text("LastModified", FormatIso8601Millis(o.mtime_micros));
    w->Text("ETag", QuoteETag(o.etag));
    w->Number("Size", o.size);
    if (p.owner) w->Owner("Owner", *p.owner);
    w->Text("StorageClass", kStorageClass);
    w->Close();
  }
  for (const std::string& cp : r.common_prefixes) {
    w->Open("CommonPrefixes");
    w->Text("Prefix", MaybeEncode(cp, p.url_encoding));
    w->Close();
  }
}

// ---- XML input.

S3Error Malformed(std::string_view why) {
  return MakeError("MalformedXML",
                   std::string(DefaultMessage("MalformedXML")) + " (" + std::string(why) + ")");
}

bool IsXmlChar(uint32_t c) {
  return c == 0x9 || c == 0xA || c == 0xD || (c >= 0x20 && c <= 0xD7FF) ||
         (c >= 0xE000 && c <= 0xFFFD) || (c >= 0x10000 && c <= 0x10FFFF);
}

// Checks an entity or character reference starting at body[i] == '&'; sets *next past it.
bool CheckReference(std::string_view body, size_t i, size_t* next) {
  size_t semi = body.find(';', i);
  if (semi == std::string_view::npos || semi - i > 12) return false;
  std::string_view ref = body.substr(i + 1, semi - i - 1);
  *next = semi + 1;
  if (ref == "amp" || ref == "lt" || ref == "gt" || ref == "quot" || ref == "apos") return true;
  if (ref.size() < 2 || ref[0] != '#') return false;
  bool hex = ref[1] == 'x';
  std::string_view digits = ref.substr(hex ? 2 : 1);
  if (digits.empty()) return false;
  uint32_t v = 0;
  for (char c : digits) {
    int d;
    if (c >= '0' && c <= '9') {
      d = c - '0';
    } else if (hex && c >= 'a' && c <= 'f') {
      d = c - 'a' + 10;
    } else if (hex && c >= 'A' && c <= 'F') {
      d = c - 'A' + 10;
    } else {
      return false;
    }
    v = v * (hex ? 16 : 10) + static_cast<uint32_t>(d);
    if (v > 0x10FFFF) return false;
  }
  return IsXmlChar(v);
}

// The checks of the file comment, before parsing. `max_elements` bounds start tags.
std::optional<S3Error> PreScan(std::string_view body, size_t max_bytes, size_t max_elements) {
  if (body.size() > max_bytes) return MakeError("MaxMessageLengthExceeded");
  if (!IsValidUtf8(body)) return Malformed("not UTF-8");
  size_t elements = 0;
  size_t i = 0;
  while (i < body.size()) {
    char c = body[i];
    if (static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\n' && c != '\r') {
      return Malformed("control character");
    }
    if (c == '&') {
      if (!CheckReference(body, i, &i)) return Malformed("bad reference");
      continue;
    }
    if (c != '<') {
      ++i;
      continue;
    }
    std::string_view rest = body.substr(i);
    std::string_view end;
    if (rest.starts_with("<!--")) {
      end = "-->";
    } else if (rest.starts_with("<![CDATA[")) {
      end = "]]>";
    } else if (rest.starts_with("<!")) {
      return Malformed("markup declarations are not allowed");
    } else if (rest.starts_with("<?")) {
      end = "?>";
    }
    if (!end.empty()) {
      size_t e = body.find(end, i + 2);
      if (e == std::string_view::npos) return Malformed("unterminated markup");
      for (size_t j = i; j < e; ++j) {
        unsigned char b = static_cast<unsigned char>(body[j]);
        if (b < 0x20 && b != '\t' && b != '\n' && b != '\r') {
          return Malformed("control character");
        }
      }
      i = e + end.size();
      continue;
    }
    if (!rest.starts_with("</") && ++elements > max_elements) {
      return Malformed("too many elements");
    }
    ++i;
  }
  return std::nullopt;
}

// Parses a pre-scanned body into `doc` and returns its root element if named `root`.
S3Result<pugi::xml_node> ParseDocument(pugi::xml_document* doc, std::string_view body,
                                       std::string_view root, size_t max_bytes,
                                       size_t max_elements) {
  if (std::optional<S3Error> e = PreScan(body, max_bytes, max_elements)) return *std::move(e);
  // No parse_doctype, parse_pi, parse_comments or parse_declaration: those nodes are skipped.
  pugi::xml_parse_result res =
      doc->load_buffer(body.data(), body.size(), pugi::parse_default | pugi::parse_ws_pcdata_single,
                       pugi::encoding_utf8);
  if (!res) return Malformed(res.description());
  // pugixml accepts fragments; a document has exactly one element and no text outside it.
  int top_elements = 0;
  for (pugi::xml_node c : doc->children()) {
    if (c.type() == pugi::node_element) ++top_elements;
    if (c.type() == pugi::node_cdata ||
        (c.type() == pugi::node_pcdata && !TrimWhitespace(c.value()).empty())) {
      top_elements = 2;
    }
  }
  if (top_elements != 1) return Malformed("not one root element");
  pugi::xml_node r = doc->document_element();
  std::string_view name = r ? r.name() : "";
  if (size_t colon = name.find(':'); colon != std::string_view::npos) {
    name.remove_prefix(colon + 1);
  }
  if (name != root) return Malformed("expected root element " + std::string(root));
  return r;
}

std::string_view LocalName(const pugi::xml_node& n) {
  std::string_view name = n.name();
  size_t colon = name.find(':');
  return colon == std::string_view::npos ? name : name.substr(colon + 1);
}

// The element's text (all its text and CDATA children); nullopt if it has child elements.
std::optional<std::string> ElementText(const pugi::xml_node& n) {
  std::string out;
  for (pugi::xml_node c : n.children()) {
    if (c.type() == pugi::node_pcdata || c.type() == pugi::node_cdata) {
      out.append(c.value());
    } else if (c.type() == pugi::node_element) {
      return std::nullopt;
    }
  }
  return out;
}

// The text of the only child element named `name`; nullopt if there is none, several, or one
// with element children.
std::optional<std::string> OnlyChildText(const pugi::xml_node& parent, std::string_view name) {
  std::optional<std::string> text;
  int count = 0;
  for (pugi::xml_node c : parent.children()) {
    if (c.type() != pugi::node_element || LocalName(c) != name) continue;
    if (++count > 1) return std::nullopt;
    text = ElementText(c);
    if (!text) return std::nullopt;
  }
  return text;
}

bool AllWhitespace(std::string_view body) { return TrimWhitespace(body).empty(); }

S3Error PartNumberError(std::string_view value) {
  S3Error e =
      MakeError("InvalidArgument", "Part number must be an integer between 1 and 10000, inclusive");
  e.extra["ArgumentName"] = "partNumber";
  e.extra["ArgumentValue"] = std::string(value);
  return e;
}

}  // namespace

// ---- Time and URL helpers.

std::string FormatIso8601Millis(uint64_t micros) {
  CivilTime t = ToCivil(micros);
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", t.year, t.month, t.day,
                t.hour, t.minute, t.second, t.millis);
  return buf;
}

std::string FormatHttpDate(uint64_t micros) {
  CivilTime t = ToCivil(micros);
  char buf[40];
  std::snprintf(buf, sizeof(buf), "%s, %02d %s %04d %02d:%02d:%02d GMT",
                std::string(kDays[t.weekday]).c_str(), t.day,
                std::string(kMonths[t.month - 1]).c_str(), t.year, t.hour, t.minute, t.second);
  return buf;
}

std::optional<uint64_t> ParseHttpDate(std::string_view s, uint64_t now_micros) {
  s = TrimWhitespace(s);
  int wday, day, month, year, h, m, sec;
  {  // IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT"
    DateReader r(s);
    if (r.Name(kDays, &wday) && r.Lit(", ") && r.Digits(2, &day) && r.Lit(" ") &&
        r.Name(kMonths, &month) && r.Lit(" ") && r.Digits(4, &year) && r.Lit(" ") &&
        r.Time(&h, &m, &sec) && r.Lit(" GMT") && r.done()) {
      return FromCivil(year, month + 1, day, h, m, sec);
    }
  }
  {  // RFC 850: "Sunday, 06-Nov-94 08:49:37 GMT"
    DateReader r(s);
    int yy;
    if (r.Name(kLongDays, &wday) && r.Lit(", ") && r.Digits(2, &day) && r.Lit("-") &&
        r.Name(kMonths, &month) && r.Lit("-") && r.Digits(2, &yy) && r.Lit(" ") &&
        r.Time(&h, &m, &sec) && r.Lit(" GMT") && r.done()) {
      if (now_micros == 0) {
        year = yy < 70 ? 2000 + yy : 1900 + yy;
      } else {
        int now_year = ToCivil(now_micros).year;
        year = now_year / 100 * 100 + yy;
        if (year > now_year + 50) year -= 100;
        if (year <= now_year - 50) year += 100;
      }
      return FromCivil(year, month + 1, day, h, m, sec);
    }
  }
  {  // asctime: "Sun Nov  6 08:49:37 1994"
    DateReader r(s);
    if (r.Name(kDays, &wday) && r.Lit(" ") && r.Name(kMonths, &month) && r.Lit(" ") &&
        (r.Lit(" ") ? r.Digits(1, &day) : r.Digits(2, &day)) && r.Lit(" ") &&
        r.Time(&h, &m, &sec) && r.Lit(" ") && r.Digits(4, &year) && r.done()) {
      return FromCivil(year, month + 1, day, h, m, sec);
    }
  }
  return std::nullopt;
}

std::string UrlEncodeS3(std::string_view s, bool keep_slash) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (char ch : s) {
    unsigned char c = static_cast<unsigned char>(ch);
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '_' || c == '.' || c == '~' || (keep_slash && c == '/')) {
      out.push_back(ch);
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

std::optional<std::string> UrlDecode(std::string_view s, bool plus_as_space) {
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%') {
      if (i + 2 >= s.size()) return std::nullopt;
      int hi = hex(s[i + 1]), lo = hex(s[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else if (s[i] == '+' && plus_as_space) {
      out.push_back(' ');
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

bool IsValidUtf8(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    size_t n = internal::Utf8SequenceLength(s, i);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

std::string QuoteETag(std::string_view etag) {
  if (etag.size() >= 2 && etag.front() == '"' && etag.back() == '"') return std::string(etag);
  return "\"" + std::string(etag) + "\"";
}

// ---- Continuation tokens and markers.

std::string EncodeContinuationToken(std::string_view start_after) {
  std::string raw(1, kTokenVersion);
  raw.append(start_after);
  return Base64UrlEncode(raw);
}

S3Result<std::string> DecodeContinuationToken(std::string_view token) {
  std::optional<std::string> raw;
  if (token.size() <= kMaxTokenChars) raw = Base64UrlDecode(token);
  if (raw && !raw->empty() && (*raw)[0] == kTokenVersion) {
    std::string start_after = raw->substr(1);
    std::string_view text = start_after;
    if (text.ends_with('\xff')) text.remove_suffix(1);  // "skip this common prefix"
    if (IsValidUtf8(text)) return start_after;
  }
  S3Error e = MakeError("InvalidArgument", "The continuation token provided is incorrect");
  e.extra["ArgumentName"] = "continuation-token";
  e.extra["ArgumentValue"] = std::string(token.substr(0, 256));
  return e;
}

std::string StartAfterForMarker(std::string_view marker, std::string_view prefix,
                                std::string_view delimiter) {
  if (!delimiter.empty() && marker.starts_with(prefix) &&
      marker.size() >= prefix.size() + delimiter.size() &&
      marker.find(delimiter, prefix.size()) == marker.size() - delimiter.size()) {
    return std::string(marker) + "\xff";
  }
  return std::string(marker);
}

// ---- Encoders.

std::string ListAllMyBucketsXml(const Owner& owner,
                                const std::vector<objects::BucketInfo>& buckets) {
  XmlWriter w("ListAllMyBucketsResult");
  w.Owner("Owner", owner);
  w.Open("Buckets");
  for (const objects::BucketInfo& b : buckets) {
    w.Open("Bucket");
    w.Text("Name", b.name);
    w.Text("CreationDate", FormatIso8601Millis(b.created_micros));
    w.Close();
  }
  w.Close();
  return std::move(w).Finish();
}

std::string ListObjectsV1Xml(const ListObjectsParams& p, const objects::ListResult& r) {
  XmlWriter w("ListBucketResult");
  w.Text("Name", p.bucket);
  w.Text("Prefix", MaybeEncode(p.prefix, p.url_encoding));
  w.Text("Marker", MaybeEncode(p.marker, p.url_encoding));
  if (r.truncated && !p.delimiter.empty()) {
    // The last entry returned: keys and common prefixes come out merged in key order.
    std::string next;
    if (!r.objects.empty()) next = r.objects.back().key;
    if (!r.common_prefixes.empty() && r.common_prefixes.back() > next) {
      next = r.common_prefixes.back();
    }
    if (!next.empty()) w.Text("NextMarker", MaybeEncode(next, p.url_encoding));
  }
  w.Number("MaxKeys", p.max_keys);
  if (!p.delimiter.empty()) w.Text("Delimiter", MaybeEncode(p.delimiter, p.url_encoding));
  if (p.url_encoding) w.Text("EncodingType", "url");
  w.Bool("IsTruncated", r.truncated);
  WriteContents(&w, p, r);
  return std::move(w).Finish();
}

std::string ListObjectsV2Xml(const ListObjectsParams& p, const objects::ListResult& r) {
  XmlWriter w("ListBucketResult");
  w.Text("Name", p.bucket);
  w.Text("Prefix", MaybeEncode(p.prefix, p.url_encoding));
  if (!p.start_after.empty()) w.Text("StartAfter", MaybeEncode(p.start_after, p.url_encoding));
  if (!p.continuation_token.empty()) w.Text("ContinuationToken", p.continuation_token);
  if (r.truncated) {
    w.Text("NextContinuationToken", EncodeContinuationToken(r.next_start_after));
  }
  w.Number("KeyCount", r.objects.size() + r.common_prefixes.size());
  w.Number("MaxKeys", p.max_keys);
  if (!p.delimiter.empty()) w.Text("Delimiter", MaybeEncode(p.delimiter, p.url_encoding));
  if (p.url_encoding) w.Text("EncodingType", "url");
  w.Bool("IsTruncated", r.truncated);
  WriteContents(&w, p, r);
  return std::move(w).Finish();
}

std::string CopyObjectResultXml(std::string_view etag, uint64_t mtime_micros) {
  return CopyResultXml("CopyObjectResult", etag, mtime_micros);
}

std::string CopyPartResultXml(std::string_view etag, uint64_t mtime_micros) {
  return CopyResultXml("CopyPartResult", etag, mtime_micros);
}

std::string InitiateMultipartUploadResultXml(std::string_view bucket, std::string_view key,
                                             std::string_view upload_id) {
  XmlWriter w("InitiateMultipartUploadResult");
  w.Text("Bucket", bucket);
  w.Text("Key", key);
  w.Text("UploadId", upload_id);
  return std::move(w).Finish();
}

std::string CompleteMultipartUploadResultXml(std::string_view location, std::string_view bucket,
                                             std::string_view key, std::string_view etag) {
  XmlWriter w("CompleteMultipartUploadResult");
  w.Text("Location", location);
  w.Text("Bucket", bucket);
  w.Text("Key", key);
  w.Text("ETag", QuoteETag(etag));
  return std::move(w).Finish();
}

std::string ListPartsResultXml(const ListPartsParams& p,
                               const std::vector<objects::ObjectStore::PartInfo>& all_parts) {
  std::vector<const objects::ObjectStore::PartInfo*> page;
  bool truncated = false;
  for (const objects::ObjectStore::PartInfo& part : all_parts) {
    if (part.number <= p.part_number_marker) continue;
    if (page.size() >= p.max_parts) {
      truncated = true;
      break;
    }
    page.push_back(&part);
  }
  XmlWriter w("ListPartsResult");
  w.Text("Bucket", p.bucket);
  w.Text("Key", p.key);
  w.Text("UploadId", p.upload_id);
  w.Owner("Initiator", p.owner);
  w.Owner("Owner", p.owner);
  w.Text("StorageClass", kStorageClass);
  w.Number("PartNumberMarker", p.part_number_marker);
  if (!page.empty()) w.Number("NextPartNumberMarker", page.back()->number);
  w.Number("MaxParts", p.max_parts);
  w.Bool("IsTruncated", truncated);
  for (const objects::ObjectStore::PartInfo* part : page) {
    w.Open("Part");
    w.Number("PartNumber", part->number);
    if (part->mtime_micros != 0) {
      w.Text("LastModified", FormatIso8601Millis(part->mtime_micros));
    } else if (p.parts_last_modified_micros) {
      w.Text("LastModified", FormatIso8601Millis(*p.parts_last_modified_micros));
    }
    w.Text("ETag", QuoteETag(part->etag));
    w.Number("Size", part->size);
    w.Close();
  }
  return std::move(w).Finish();
}

std::string ListMultipartUploadsResultXml(const ListUploadsParams& p,
                                          const std::vector<UploadSummary>& uploads,
                                          const std::vector<std::string>& common_prefixes) {
  XmlWriter w("ListMultipartUploadsResult");
  w.Text("Bucket", p.bucket);
  w.Text("KeyMarker", MaybeEncode(p.key_marker, p.url_encoding));
  w.Text("UploadIdMarker", p.upload_id_marker);
  w.Text("NextKeyMarker", MaybeEncode(p.next_key_marker, p.url_encoding));
  w.Text("NextUploadIdMarker", p.next_upload_id_marker);
  if (!p.delimiter.empty()) w.Text("Delimiter", MaybeEncode(p.delimiter, p.url_encoding));
  w.Text("Prefix", MaybeEncode(p.prefix, p.url_encoding));
  if (p.url_encoding) w.Text("EncodingType", "url");
  w.Number("MaxUploads", p.max_uploads);
  w.Bool("IsTruncated", p.truncated);
  for (const UploadSummary& u : uploads) {
    w.Open("Upload");
    w.Text("Key", MaybeEncode(u.key, p.url_encoding));
    w.Text("UploadId", u.upload_id);
    w.Owner("Initiator", p.owner);
    w.Owner("Owner", p.owner);
    w.Text("StorageClass", kStorageClass);
    w.Text("Initiated", FormatIso8601Millis(u.initiated_micros));
    w.Close();
  }
  for (const std::string& cp : common_prefixes) {
    w.Open("CommonPrefixes");
    w.Text("Prefix", MaybeEncode(cp, p.url_encoding));
    w.Close();
  }
  return std::move(w).Finish();
}

std::string DeleteResultXml(bool quiet, const std::vector<DeleteOutcome>& outcomes) {
  XmlWriter w("DeleteResult");
  for (const DeleteOutcome& o : outcomes) {
    if (o.error_code.empty()) {
      if (quiet) continue;
      w.Open("Deleted");
      w.Text("Key", o.key);
      w.Close();
    } else {
      w.Open("Error");
      w.Text("Key", o.key);
      w.Text("Code", o.error_code);
      w.Text("Message", o.error_message.empty() ? DefaultMessage(o.error_code) : o.error_message);
      w.Close();
    }
  }
  return std::move(w).Finish();
}

std::string AccessControlPolicyXml(const Owner& owner, bool public_read) {
  XmlWriter w("AccessControlPolicy");
  w.Owner("Owner", owner);
  w.Open("AccessControlList");
  w.Open("Grant");
  w.OpenGrantee("CanonicalUser");
  w.Text("ID", owner.id);
  w.Text("DisplayName", owner.display_name);
  w.Close();
  w.Text("Permission", "FULL_CONTROL");
  w.Close();
  if (public_read) {
    w.Open("Grant");
    w.OpenGrantee("Group");
    w.Text("URI", "http://acs.amazonaws.com/groups/global/AllUsers");
    w.Close();
    w.Text("Permission", "READ");
    w.Close();
  }
  return std::move(w).Finish();
}

std::string LocationConstraintXml(std::string_view region) {
  XmlWriter w("LocationConstraint");
  std::string out = std::move(w).Finish();
  if (region.empty() || region == "us-east-1") return out;
  // Insert the region as the root's text, before "</LocationConstraint>".
  std::string text;
  AppendXmlText(&text, region);
  out.insert(out.size() - std::strlen("</LocationConstraint>"), text);
  return out;
}

// ---- Parsers.

S3Result<std::vector<std::pair<uint32_t, std::string>>> ParseCompleteMultipartUpload(
    std::string_view body) {
  if (AllWhitespace(body)) return MakeError("MissingRequestBodyError");
  pugi::xml_document doc;
  // Part, PartNumber, ETag and up to five checksums per part.
  S3Result<pugi::xml_node> root = ParseDocument(&doc, body, "CompleteMultipartUpload",
                                                kMaxXmlRequestBytes, 8 * kMaxPartNumber + 64);
  if (!root.ok()) return root.error();
  std::vector<std::pair<uint32_t, std::string>> parts;
  for (pugi::xml_node part : root->children()) {
    if (part.type() != pugi::node_element || LocalName(part) != "Part") continue;
    if (parts.size() >= kMaxPartNumber) return Malformed("too many parts");
    std::optional<std::string> number_text = OnlyChildText(part, "PartNumber");
    std::optional<std::string> etag_text = OnlyChildText(part, "ETag");
    if (!number_text || !etag_text) return Malformed("each Part needs one PartNumber and ETag");
    std::string_view digits = TrimWhitespace(*number_text);
    if (digits.empty() || digits.find_first_not_of("0123456789") != std::string_view::npos) {
      return Malformed("PartNumber is not a number");
    }
    uint64_t number = 0;
    for (char c : digits) {
      number = std::min<uint64_t>(number * 10 + static_cast<uint64_t>(c - '0'), 1ull << 32);
    }
    if (number < 1 || number > kMaxPartNumber) return PartNumberError(digits);
    std::string_view etag = TrimWhitespace(*etag_text);
    if (etag.starts_with('"')) etag.remove_prefix(1);
    if (etag.ends_with('"')) etag.remove_suffix(1);
    etag = TrimWhitespace(etag);
    if (etag.empty()) return MakeError("InvalidPart");
    if (!parts.empty() && number <= parts.back().first) return MakeError("InvalidPartOrder");
    parts.emplace_back(static_cast<uint32_t>(number), std::string(etag));
  }
  if (parts.empty()) return Malformed("no Part");
  return parts;
}

S3Result<DeleteRequest> ParseDeleteObjects(std::string_view body) {
  if (AllWhitespace(body)) return MakeError("MissingRequestBodyError");
  pugi::xml_document doc;
  // Object, Key, VersionId, ETag, LastModifiedTime, Size per key, and Quiet.
  S3Result<pugi::xml_node> root =
      ParseDocument(&doc, body, "Delete", kMaxXmlRequestBytes, 8 * kMaxDeleteKeys + 64);
  if (!root.ok()) return root.error();
  DeleteRequest req;
  bool saw_quiet = false;
  for (pugi::xml_node n : root->children()) {
    if (n.type() != pugi::node_element) continue;
    std::string_view name = LocalName(n);
    if (name == "Quiet") {
      std::optional<std::string> text = ElementText(n);
      std::string value(text ? TrimWhitespace(*text) : "?");
      std::transform(value.begin(), value.end(), value.begin(),
                     [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      if (saw_quiet || (value != "true" && value != "false")) return Malformed("bad Quiet");
      saw_quiet = true;
      req.quiet = value == "true";
    } else if (name == "Object") {
      if (req.keys.size() >= kMaxDeleteKeys) return Malformed("more than 1000 keys");
      std::optional<std::string> key = OnlyChildText(n, "Key");
      if (!key) return Malformed("each Object needs one Key");
      req.keys.push_back(std::move(*key));
    }
  }
  if (req.keys.empty()) return Malformed("no Object");
  return req;
}

S3Result<std::string> ParseCreateBucketConfiguration(std::string_view body) {
  if (AllWhitespace(body)) return std::string();
  pugi::xml_document doc;
  S3Result<pugi::xml_node> root =
      ParseDocument(&doc, body, "CreateBucketConfiguration", 64 << 10, 64);
  if (!root.ok()) return root.error();
  std::string location;
  int count = 0;
  for (pugi::xml_node n : root->children()) {
    if (n.type() != pugi::node_element || LocalName(n) != "LocationConstraint") continue;
    std::optional<std::string> text = ElementText(n);
    if (++count > 1 || !text) return Malformed("bad LocationConstraint");
    location = std::string(TrimWhitespace(*text));
  }
  return location;
}

}  // namespace cairn::s3
