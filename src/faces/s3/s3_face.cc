#include "faces/s3/s3_face.h"

#include <spdlog/spdlog.h>
#include <strings.h>

#include <algorithm>
#include <charconv>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <utility>

#include "core/bytes.h"
#include "faces/s3/aws_chunked.h"
#include "faces/s3/s3_errors.h"
#include "faces/s3/s3_xml.h"
#include "faces/s3/sigv2.h"
#include "faces/s3/sigv4.h"

namespace cairn::s3 {

using net::BodySink;
using net::HttpRequest;
using net::HttpResponse;
using objects::ObjectInfo;

// Everything a handler needs about one request.
struct S3Face::Request {
  const HttpRequest* http = nullptr;
  std::string id;
  std::string bucket;                        // decoded; empty for service-level requests
  std::string key;                           // decoded; empty for bucket-level requests
  std::map<std::string, std::string> query;  // decoded names and values
  AuthResult auth;
  uint64_t now_micros = 0;

  bool Has(const std::string& name) const { return query.count(name) != 0; }
  std::string Param(const std::string& name) const {
    auto it = query.find(name);
    return it == query.end() ? std::string() : it->second;
  }
  std::optional<std::string_view> Header(std::string_view name) const { return http->header(name); }
  std::string Resource() const { return "/" + bucket + (key.empty() ? "" : "/" + key); }
};

namespace {

using Request = S3Face::Request;

constexpr size_t kMaxXmlBody = kMaxXmlRequestBytes;

Owner TheOwner() { return Owner{"cairn", "cairn"}; }

bool IEquals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && ::strncasecmp(a.data(), b.data(), a.size()) == 0;
}

bool StartsWithI(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && IEquals(s.substr(0, prefix.size()), prefix);
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string Unquote(std::string_view etag) {
  while (!etag.empty() && (etag.front() == ' ' || etag.front() == '"')) etag.remove_prefix(1);
  while (!etag.empty() && (etag.back() == ' ' || etag.back() == '"')) etag.remove_suffix(1);
  return std::string(etag);
}

std::optional<uint64_t> ParseU64(std::string_view s) {
  uint64_t v = 0;
  if (s.empty()) return std::nullopt;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

void SetError(HttpResponse* resp, const Request& req, S3Error e) {
  if (e.resource.empty()) e.resource = req.Resource();
  int status = HttpStatusFor(e.code);
  *resp = HttpResponse();
  resp->status = status;
  resp->SetHeader("x-amz-request-id", req.id);
  resp->SetHeader("Server", "cairn");
  if (!ErrorHasBody(e.code)) return;
  resp->SetHeader("Content-Type", "application/xml");
  resp->body = ErrorXml(e, req.id);
  if (status >= 500) {
    spdlog::warn("s3: {} {} -> {} {}: {}", req.http->method, req.http->target, status, e.code,
                 e.message);
  }
}

S3Error FromAuth(const AuthFailure& f) {
  S3Error e = MakeError(f.code, f.message);
  for (const auto& [k, v] : f.details) e.extra[k] = v;
  return e;
}

// Maps a Status from the objects model to its S3 error.
S3Error FromStatus(const Status& s, const Request& req) {
  std::string_view m = s.message();
  auto with = [&](std::string code, std::string message = "") {
    S3Error e = MakeError(std::move(code), std::move(message));
    if (e.code == "NoSuchBucket") e.extra["BucketName"] = req.bucket;
    if (e.code == "NoSuchKey") e.extra["Key"] = req.key;
    if (e.code == "NoSuchUpload") e.extra["UploadId"] = req.Param("uploadId");
    return e;
  };
  switch (s.code()) {
    case StatusCode::kNotFound:
      if (m.starts_with("no such bucket")) return with("NoSuchBucket");
      if (m.starts_with("no such upload")) return with("NoSuchUpload");
      return with("NoSuchKey");
    case StatusCode::kAlreadyExists:
      return with("BucketAlreadyOwnedByYou");
    case StatusCode::kFailedPrecondition:
      if (m.starts_with("bucket is not empty")) return with("BucketNotEmpty");
      return with("PreconditionFailed");
    case StatusCode::kOutOfRange:
      return with("InvalidRange");
    case StatusCode::kInvalidArgument: {
      if (m.starts_with("invalid bucket name")) return with("InvalidBucketName");
      if (m.starts_with("object key must be")) {
        return with(req.key.size() > 1024 ? "KeyTooLongError" : "InvalidArgument", std::string(m));
      }
      // The model names S3's code before a colon ("InvalidPart: ...").
      size_t colon = m.find(':');
      if (colon != std::string_view::npos && IsKnownErrorCode(m.substr(0, colon))) {
        return with(std::string(m.substr(0, colon)), std::string(m.substr(colon + 2)));
      }
      return with("InvalidArgument", std::string(m));
    }
    case StatusCode::kResourceExhausted:
      return with("ServiceUnavailable", "the server is out of storage space");
    default:
      return with("InternalError");
  }
}

void SetXml(HttpResponse* resp, const Request& req, std::string xml, int status = 200) {
  resp->status = status;
  resp->SetHeader("x-amz-request-id", req.id);
  resp->SetHeader("Server", "cairn");
  resp->SetHeader("Content-Type", "application/xml");
  resp->body = std::move(xml);
}

void SetEmpty(HttpResponse* resp, const Request& req, int status = 200) {
  resp->status = status;
  resp->SetHeader("x-amz-request-id", req.id);
  resp->SetHeader("Server", "cairn");
}

// ---- Query string ---------------------------------------------------------------------------

std::optional<std::map<std::string, std::string>> ParseQuery(std::string_view raw) {
  std::map<std::string, std::string> out;
  while (!raw.empty()) {
    size_t amp = raw.find('&');
    std::string_view part = raw.substr(0, amp);
    raw = amp == std::string_view::npos ? std::string_view() : raw.substr(amp + 1);
    if (part.empty()) continue;
    size_t eq = part.find('=');
    auto name = UrlDecode(part.substr(0, eq), true);
    auto value = eq == std::string_view::npos ? std::optional<std::string>("")
                                              : UrlDecode(part.substr(eq + 1), true);
    if (!name || !value) return std::nullopt;
    out.emplace(std::move(*name), std::move(*value));
  }
  return out;
}

// ---- Body sinks -----------------------------------------------------------------------------

// Decodes (aws-chunked) and verifies (Content-MD5, x-amz-content-sha256, x-amz-checksum-*) a
// request body as it streams, handing the payload to `write`; `finish` then answers, told
// whether every check passed.
class S3BodySink : public BodySink {
 public:
  using WriteFn = std::function<Status(ByteSpan)>;
  // Called once with the payload checks' outcome (nullopt: all passed).
  using FinishFn = std::function<void(std::optional<S3Error>, HttpResponse*)>;

  S3BodySink(const Request& req, std::unique_ptr<AwsChunkedDecoder> decoder,
             PayloadVerifier verifier, WriteFn write, FinishFn finish)
      : req_(req),
        decoder_(std::move(decoder)),
        verifier_(std::move(verifier)),
        write_(std::move(write)),
        finish_(std::move(finish)) {}

  Status Write(ByteSpan data) override {
    if (decoder_) {
      std::optional<AuthFailure> f =
          decoder_->Feed(data, [this](ByteSpan piece) { return Deliver(piece); });
      if (f) {
        if (f->code == "InternalError" && !decoder_->sink_status().ok()) {
          failure_ = FromStatus(decoder_->sink_status(), req_);
        } else {
          failure_ = FromAuth(*f);
        }
        return AbortedError(failure_->code);
      }
      return Status();
    }
    Status s = Deliver(data);
    if (!s.ok() && !failure_) failure_ = FromStatus(s, req_);
    return s;
  }

  void Finish(const Status& body_status, HttpResponse* response) override {
    if (!body_status.ok() && !failure_) failure_ = FromStatus(body_status, req_);
    if (!failure_ && decoder_) {
      if (auto f = decoder_->Finish()) failure_ = FromAuth(*f);
    }
    if (!failure_) {
      if (auto f = verifier_.Finish()) failure_ = FromAuth(*f);
    }
    finish_(failure_, response);
  }

  const std::vector<std::pair<std::string, std::string>>& checksums() const {
    return decoder_ ? decoder_->trailers() : verifier_.checksums();
  }

 private:
  Status Deliver(ByteSpan piece) {
    if (!verifier_.empty()) verifier_.Update(piece);
    Status s = write_(piece);
    if (!s.ok() && !failure_) failure_ = FromStatus(s, req_);
    return s;
  }

  const Request& req_;
  std::unique_ptr<AwsChunkedDecoder> decoder_;
  PayloadVerifier verifier_;
  WriteFn write_;
  FinishFn finish_;
  std::optional<S3Error> failure_;
};

// Owns the Request while its body streams (the sink refers to it).
class OwningSink : public BodySink {
 public:
  OwningSink(std::unique_ptr<Request> req) : req_(std::move(req)) {}
  void Set(std::unique_ptr<S3BodySink> inner) { inner_ = std::move(inner); }
  Status Write(ByteSpan data) override { return inner_->Write(data); }
  void Finish(const Status& s, HttpResponse* r) override { inner_->Finish(s, r); }
  Request& req() { return *req_; }
  S3BodySink* inner() { return inner_.get(); }

 private:
  std::unique_ptr<Request> req_;
  std::unique_ptr<S3BodySink> inner_;
};

// ---- Object headers -------------------------------------------------------------------------

// Stored content headers (beyond Content-Type) that a PUT may set and a GET returns.
constexpr std::string_view kStoredHeaders[] = {"Cache-Control", "Content-Disposition",
                                               "Content-Encoding", "Content-Language", "Expires"};

objects::PutOptions OptionsFromHeaders(const Request& req) {
  objects::PutOptions o;
  for (const auto& [name, value] : req.http->headers) {
    if (StartsWithI(name, "x-amz-meta-")) {
      o.user_meta[Lower(std::string_view(name).substr(11))] = value;
      continue;
    }
    if (IEquals(name, "Content-Type")) {
      o.content_type = value;
      continue;
    }
    for (std::string_view h : kStoredHeaders) {
      if (!IEquals(name, h)) continue;
      std::string v = value;
      if (h == "Content-Encoding") {
        // aws-chunked is the transfer framing, not the object's encoding.
        std::string kept;
        size_t start = 0;
        while (start <= v.size()) {
          size_t comma = v.find(',', start);
          std::string token =
              v.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
          token.erase(0, token.find_first_not_of(' '));
          token.erase(token.find_last_not_of(' ') + 1);
          if (!token.empty() && !IEquals(token, "aws-chunked")) {
            kept += (kept.empty() ? "" : ",") + token;
          }
          if (comma == std::string::npos) break;
          start = comma + 1;
        }
        v = kept;
      }
      if (!v.empty()) o.headers[std::string(h)] = v;
    }
  }
  return o;
}

void SetObjectHeaders(HttpResponse* resp, const ObjectInfo& info) {
  resp->SetHeader("ETag", QuoteETag(info.etag));
  resp->SetHeader("Last-Modified", FormatHttpDate(info.mtime_micros));
  resp->SetHeader("Accept-Ranges", "bytes");
  resp->SetHeader("Content-Type",
                  info.content_type.empty() ? "binary/octet-stream" : info.content_type);
  for (const auto& [k, v] : info.headers) resp->SetHeader(k, v);
  for (const auto& [k, v] : info.user_meta) resp->SetHeader("x-amz-meta-" + k, v);
  if (info.parts > 0) resp->SetHeader("x-amz-mp-parts-count", std::to_string(info.parts));
  resp->SetHeader("x-cairn-merkle-root", HexEncode(ByteSpan(info.merkle_root)));
}

// GET/HEAD conditions (RFC 7232 as S3 applies them), or with `copy` the x-amz-copy-source-if-*
// conditions of a copy (which fail with 412 where a GET would answer 304). Returns the error to
// send, if any.
std::optional<S3Error> CheckReadConditions(const Request& req, const ObjectInfo& info,
                                           bool copy = false) {
  std::string prefix = copy ? "x-amz-copy-source-" : "";
  auto h = [&](std::string_view name) { return req.Header(prefix + std::string(name)); };
  auto failed = [&](std::string_view condition) {
    S3Error e = MakeError("PreconditionFailed");
    e.extra["Condition"] = prefix + std::string(condition);
    return e;
  };
  auto if_match = h("If-Match");
  auto if_none_match = h("If-None-Match");
  auto if_modified = h("If-Modified-Since");
  auto if_unmodified = h("If-Unmodified-Since");
  uint64_t mtime_s = info.mtime_micros / 1000000;
  auto etag_matches = [&](std::string_view list) {
    size_t start = 0;
    while (start <= list.size()) {
      size_t comma = list.find(',', start);
      std::string t = Unquote(list.substr(
          start, comma == std::string_view::npos ? std::string_view::npos : comma - start));
      if (t == "*" || t == info.etag) return true;
      if (comma == std::string_view::npos) break;
      start = comma + 1;
    }
    return false;
  };
  // If-Match wins over If-Unmodified-Since, If-None-Match over If-Modified-Since (S3's rules).
  if (if_match) {
    if (!etag_matches(*if_match)) return failed("If-Match");
  } else if (if_unmodified) {
    auto t = ParseHttpDate(*if_unmodified, req.now_micros);
    if (t && mtime_s > *t / 1000000) return failed("If-Unmodified-Since");
  }
  if (if_none_match) {
    if (etag_matches(*if_none_match)) {
      return copy ? std::optional<S3Error>(failed("If-None-Match"))
                  : std::optional<S3Error>(MakeError("NotModified"));
    }
  } else if (if_modified) {
    auto t = ParseHttpDate(*if_modified, req.now_micros);
    // A date in the future is ignored, as RFC 7232 says.
    if (t && *t <= req.now_micros && mtime_s <= *t / 1000000) {
      return copy ? std::optional<S3Error>(failed("If-Modified-Since"))
                  : std::optional<S3Error>(MakeError("NotModified"));
    }
  }
  return std::nullopt;
}

// "bytes=a-b" | "bytes=a-" | "bytes=-n" against an object of `size` bytes. nullopt: no usable
// range (serve the whole object, as S3 does for syntax it does not understand); an error for an
// unsatisfiable one.
struct RangeSpec {
  bool valid = false;
  bool satisfiable = true;
  uint64_t first = 0, last = 0;
};

RangeSpec ParseRange(std::string_view v, uint64_t size) {
  RangeSpec r;
  if (!v.starts_with("bytes=")) return r;
  v.remove_prefix(6);
  if (v.find(',') != std::string_view::npos) return r;  // multiple ranges: whole object
  size_t dash = v.find('-');
  if (dash == std::string_view::npos) return r;
  auto a = v.substr(0, dash), b = v.substr(dash + 1);
  if (a.empty()) {
    auto n = ParseU64(b);
    if (!n) return r;
    r.valid = true;
    if (*n == 0 || size == 0) {
      r.satisfiable = false;
      return r;
    }
    r.first = *n >= size ? 0 : size - *n;
    r.last = size - 1;
    return r;
  }
  auto first = ParseU64(a);
  if (!first) return r;
  std::optional<uint64_t> last;
  if (!b.empty()) {
    last = ParseU64(b);
    if (!last || *last < *first) return r;
  }
  r.valid = true;
  if (*first >= size) {
    r.satisfiable = false;
    return r;
  }
  r.first = *first;
  r.last = last ? std::min(*last, size - 1) : size - 1;
  return r;
}

// ---- Bucket name from the Host header ------------------------------------------------------

std::string BucketFromHost(std::string_view host, const std::vector<std::string>& domains) {
  if (host.starts_with('[')) return "";  // IPv6 literal
  size_t colon = host.rfind(':');
  if (colon != std::string_view::npos) host = host.substr(0, colon);
  std::string h = Lower(host);
  std::string best;
  size_t best_len = 0;
  for (const std::string& d : domains) {
    std::string dom = Lower(d);
    if (h.size() > dom.size() + 1 && h.ends_with("." + dom) && dom.size() + 1 > best_len) {
      best_len = dom.size() + 1;
      best = h.substr(0, h.size() - dom.size() - 1);
    }
  }
  return best;
}

}  // namespace

// ---- The face -------------------------------------------------------------------------------

S3Face::S3Face(objects::ObjectStore* store, S3FaceOptions options)
    : store_(store), options_(std::move(options)) {
  if (options_.env == nullptr) options_.env = core::Env::Default();
}

S3Face::~S3Face() = default;

namespace {

struct Context {
  objects::ObjectStore* store;
  const S3FaceOptions* options;
  core::Env* env;
};

using Handler =
    std::function<std::unique_ptr<BodySink>(Context&, std::unique_ptr<Request>, HttpResponse*)>;

// Builds the sink for a body-carrying request: the aws-chunked decoder when the payload mode
// asks for it, the payload verifier, then `write` / `finish`.
std::unique_ptr<BodySink> MakeSink(std::unique_ptr<Request> req, HttpResponse* resp,
                                   S3BodySink::WriteFn write, S3BodySink::FinishFn finish) {
  auto owning = std::make_unique<OwningSink>(std::move(req));
  Request& r = owning->req();
  std::unique_ptr<AwsChunkedDecoder> decoder;
  if (IsStreaming(r.auth.payload)) {
    std::optional<uint64_t> decoded;
    if (auto d = r.Header("x-amz-decoded-content-length")) {
      decoded = ParseU64(*d);
      if (!decoded) {
        SetError(resp, r, MakeError("InvalidArgument", "x-amz-decoded-content-length is invalid"));
        return nullptr;
      }
    }
    std::optional<std::string> trailer;
    if (auto t = r.Header("x-amz-trailer")) trailer = std::string(*t);
    decoder =
        std::make_unique<AwsChunkedDecoder>(r.auth.payload, r.auth.streaming, decoded, trailer);
  }
  auto verifier = PayloadVerifier::Make(r.http->headers, r.auth);
  if (auto* f = std::get_if<AuthFailure>(&verifier)) {
    SetError(resp, r, FromAuth(*f));
    return nullptr;
  }
  owning->Set(std::make_unique<S3BodySink>(r, std::move(decoder),
                                           std::move(std::get<PayloadVerifier>(verifier)),
                                           std::move(write), std::move(finish)));
  return owning;
}

// A small XML (or empty) body, buffered whole, then `then(body)`.
using BodyHandler = void (*)(Context&, const Request&, const std::string&, HttpResponse*);

std::unique_ptr<BodySink> BufferedBody(Context c, std::unique_ptr<Request> req, HttpResponse* resp,
                                       BodyHandler then) {
  if (req->http->content_length && *req->http->content_length > kMaxXmlBody &&
      !IsStreaming(req->auth.payload)) {
    SetError(resp, *req, MakeError("MaxMessageLengthExceeded"));
    return nullptr;
  }
  auto body = std::make_shared<std::string>();
  const Request* r = req.get();
  return MakeSink(
      std::move(req), resp,
      [body](ByteSpan piece) -> Status {
        if (body->size() + piece.size() > kMaxXmlBody) {
          return InvalidArgumentError("MaxMessageLengthExceeded: request body too large");
        }
        body->append(reinterpret_cast<const char*>(piece.data()), piece.size());
        return Status();
      },
      [body, r, c, then](std::optional<S3Error> failure, HttpResponse* out) mutable {
        if (failure) {
          SetError(out, *r, *failure);
          return;
        }
        then(c, *r, *body, out);
      });
}

// No body expected (GET, HEAD, DELETE ...): answers right away; a body, if any, is ignored.
std::unique_ptr<BodySink> NoBody(std::unique_ptr<Request> req, HttpResponse* resp,
                                 const std::function<void(const Request&, HttpResponse*)>& fn) {
  fn(*req, resp);
  return nullptr;
}

// ---- Service and bucket operations ----------------------------------------------------------

void ListBuckets(Context& c, const Request& req, HttpResponse* resp) {
  auto buckets = c.store->ListBuckets();
  if (!buckets.ok()) return SetError(resp, req, FromStatus(buckets.status(), req));
  SetXml(resp, req, ListAllMyBucketsXml(TheOwner(), *buckets));
}

void CreateBucket(Context& c, const Request& req, const std::string& body, HttpResponse* resp) {
  auto location = ParseCreateBucketConfiguration(body);
  if (!location.ok()) return SetError(resp, req, location.error());
  if (!location->empty() && *location != c.options->region) {
    return SetError(resp, req,
                    MakeError("InvalidLocationConstraint", "the location constraint '" + *location +
                                                               "' is not this region (" +
                                                               c.options->region + ")"));
  }
  std::string acl(req.Header("x-amz-acl").value_or("private"));
  if (acl != "private" && acl != "public-read") {
    return SetError(resp, req,
                    MakeError("NotImplemented",
                              "only the canned ACLs private and public-read "
                              "are supported"));
  }
  Status s = c.store->CreateBucket(req.bucket);
  if (s.ok() && acl == "public-read") s = c.store->SetBucketPublic(req.bucket, true);
  if (!s.ok()) return SetError(resp, req, FromStatus(s, req));
  SetEmpty(resp, req);
  resp->SetHeader("Location", "/" + req.bucket);
}

void ListObjects(Context& c, const Request& req, HttpResponse* resp) {
  bool v2 = req.Param("list-type") == "2";
  ListObjectsParams p;
  p.bucket = req.bucket;
  p.prefix = req.Param("prefix");
  p.delimiter = req.Param("delimiter");
  if (req.Has("encoding-type")) {
    if (req.Param("encoding-type") != "url") {
      S3Error e = MakeError("InvalidArgument", "Invalid Encoding Method specified in Request");
      e.extra["ArgumentName"] = "encoding-type";
      e.extra["ArgumentValue"] = req.Param("encoding-type");
      return SetError(resp, req, e);
    }
    p.url_encoding = true;
  }
  if (req.Has("max-keys")) {
    auto n = ParseU64(req.Param("max-keys"));
    if (!n) {
      S3Error e = MakeError("InvalidArgument",
                            "Provided max-keys not an integer or within "
                            "integer range");
      e.extra["ArgumentName"] = "max-keys";
      e.extra["ArgumentValue"] = req.Param("max-keys");
      return SetError(resp, req, e);
    }
    p.max_keys = static_cast<uint32_t>(std::min<uint64_t>(*n, 1000));
  }
  objects::ListOptions o;
  o.prefix = p.prefix;
  o.delimiter = p.delimiter;
  o.max_keys = p.max_keys;
  if (v2) {
    p.start_after = req.Param("start-after");
    o.start_after = p.start_after;
    if (req.Has("continuation-token")) {
      p.continuation_token = req.Param("continuation-token");
      auto after = DecodeContinuationToken(p.continuation_token);
      if (!after.ok()) return SetError(resp, req, after.error());
      o.start_after = std::max(o.start_after, *after);
    }
    if (req.Param("fetch-owner") == "true") p.owner = TheOwner();
  } else {
    p.marker = req.Param("marker");
    o.start_after = StartAfterForMarker(p.marker, p.prefix, p.delimiter);
    p.owner = TheOwner();
  }
  objects::ListResult result;
  if (p.max_keys > 0) {
    auto listed = c.store->List(req.bucket, o);
    if (!listed.ok()) return SetError(resp, req, FromStatus(listed.status(), req));
    result = std::move(*listed);
  } else {
    auto head = c.store->HeadBucket(req.bucket);
    if (!head.ok()) return SetError(resp, req, FromStatus(head.status(), req));
  }
  SetXml(resp, req, v2 ? ListObjectsV2Xml(p, result) : ListObjectsV1Xml(p, result));
}

void ListUploads(Context& c, const Request& req, HttpResponse* resp) {
  ListUploadsParams p;
  p.bucket = req.bucket;
  p.prefix = req.Param("prefix");
  p.delimiter = req.Param("delimiter");
  p.key_marker = req.Param("key-marker");
  p.upload_id_marker = req.Param("upload-id-marker");
  p.owner = TheOwner();
  if (req.Has("encoding-type")) {
    if (req.Param("encoding-type") != "url") {
      return SetError(resp, req, MakeError("InvalidArgument", "Invalid Encoding Method"));
    }
    p.url_encoding = true;
  }
  if (req.Has("max-uploads")) {
    auto n = ParseU64(req.Param("max-uploads"));
    if (!n) return SetError(resp, req, MakeError("InvalidArgument", "max-uploads is invalid"));
    p.max_uploads = static_cast<uint32_t>(std::min<uint64_t>(*n, 1000));
  }
  auto all = c.store->ListUploads(req.bucket);
  if (!all.ok()) return SetError(resp, req, FromStatus(all.status(), req));
  std::vector<UploadSummary> uploads;
  std::vector<std::string> prefixes;
  bool passed_marker = p.upload_id_marker.empty();
  size_t count = 0;
  for (const auto& u : *all) {
    if (!u.key.starts_with(p.prefix)) continue;
    if (!p.key_marker.empty()) {
      if (u.key < p.key_marker) continue;
      if (u.key == p.key_marker) {
        if (p.upload_id_marker.empty()) continue;
        if (!passed_marker) {
          if (u.upload_id == p.upload_id_marker) passed_marker = true;
          continue;
        }
      }
    }
    std::string common;
    if (!p.delimiter.empty()) {
      size_t d = u.key.find(p.delimiter, p.prefix.size());
      if (d != std::string::npos) common = u.key.substr(0, d + p.delimiter.size());
    }
    if (!common.empty() && !prefixes.empty() && prefixes.back() == common) continue;
    if (count == p.max_uploads) {
      p.truncated = true;
      break;
    }
    ++count;
    if (!common.empty()) {
      prefixes.push_back(common);
      p.next_key_marker = common;
      p.next_upload_id_marker.clear();
    } else {
      uploads.push_back(UploadSummary{u.key, u.upload_id, u.initiated_micros});
      p.next_key_marker = u.key;
      p.next_upload_id_marker = u.upload_id;
    }
  }
  if (!p.truncated) p.next_key_marker.clear(), p.next_upload_id_marker.clear();
  SetXml(resp, req, ListMultipartUploadsResultXml(p, uploads, prefixes));
}

void DeleteObjects(Context& c, const Request& req, const std::string& body, HttpResponse* resp) {
  auto parsed = ParseDeleteObjects(body);
  if (!parsed.ok()) return SetError(resp, req, parsed.error());
  auto head = c.store->HeadBucket(req.bucket);
  if (!head.ok()) return SetError(resp, req, FromStatus(head.status(), req));
  std::vector<DeleteOutcome> outcomes;
  for (const std::string& key : parsed->keys) {
    DeleteOutcome o;
    o.key = key;
    Status s = c.store->Delete(req.bucket, key);
    if (!s.ok()) {
      Request per_key = req;
      per_key.key = key;
      S3Error e = FromStatus(s, per_key);
      o.error_code = e.code;
      o.error_message = e.message;
    }
    outcomes.push_back(std::move(o));
  }
  SetXml(resp, req, DeleteResultXml(parsed->quiet, outcomes));
}

// ---- Object operations ----------------------------------------------------------------------

// GET /bucket/key?proof&chunk=i: a Merkle inclusion proof for one chunk (see docs/s3.md).
void GetProof(Context& c, const Request& req, HttpResponse* resp) {
  auto index = ParseU64(req.Param("chunk"));
  if (!index) {
    S3Error e = MakeError("InvalidArgument", "?proof needs chunk=<index>");
    e.extra["ArgumentName"] = "chunk";
    e.extra["ArgumentValue"] = req.Param("chunk");
    return SetError(resp, req, e);
  }
  auto proof = c.store->ProveChunk(req.bucket, req.key, *index);
  if (!proof.ok()) {
    if (proof.status().code() == StatusCode::kOutOfRange) {
      return SetError(resp, req, MakeError("InvalidArgument", "chunk index out of range"));
    }
    return SetError(resp, req, FromStatus(proof.status(), req));
  }
  nlohmann::json j;
  j["bucket"] = req.bucket;
  j["key"] = req.key;
  j["hash"] = "blake3";
  j["chunk"] = proof->index;
  j["chunk_count"] = proof->chunk_count;
  j["offset"] = proof->offset;
  j["length"] = proof->length;
  j["chunk_id"] = HexEncode(ByteSpan(proof->chunk_id));
  j["path"] = nlohmann::json::array();
  for (const auto& h : proof->path) j["path"].push_back(HexEncode(ByteSpan(h)));
  j["root"] = HexEncode(ByteSpan(proof->root));
  resp->status = 200;
  resp->SetHeader("x-amz-request-id", req.id);
  resp->SetHeader("Server", "cairn");
  resp->SetHeader("Content-Type", "application/json");
  resp->body = j.dump(2) + "\n";
}

void GetObject(Context& c, const Request& req, HttpResponse* resp, bool head_only) {
  // A plain GET opens the object right away (one manifest read); HEAD and ranged GETs need the
  // size first.
  std::shared_ptr<objects::GetStream> whole;
  Result<objects::ObjectInfo> info = objects::ObjectInfo{};
  if (!head_only && !req.Header("Range")) {
    auto stream = c.store->Get(req.bucket, req.key, std::nullopt, &*info);
    if (!stream.ok()) return SetError(resp, req, FromStatus(stream.status(), req));
    whole = std::move(*stream);
  } else {
    info = c.store->Head(req.bucket, req.key);
  }
  if (!info.ok()) return SetError(resp, req, FromStatus(info.status(), req));
  if (auto e = CheckReadConditions(req, *info)) {
    if (e->code == "NotModified") {
      SetEmpty(resp, req, 304);
      resp->SetHeader("ETag", QuoteETag(info->etag));
      resp->SetHeader("Last-Modified", FormatHttpDate(info->mtime_micros));
      return;
    }
    return SetError(resp, req, *e);
  }
  RangeSpec range;
  if (auto r = req.Header("Range")) range = ParseRange(*r, info->size);
  if (range.valid && !range.satisfiable) {
    S3Error e = MakeError("InvalidRange");
    e.extra["RangeRequested"] = std::string(*req.Header("Range"));
    e.extra["ActualObjectSize"] = std::to_string(info->size);
    SetError(resp, req, e);
    resp->SetHeader("Content-Range", "bytes */" + std::to_string(info->size));
    return;
  }
  SetEmpty(resp, req, range.valid ? 206 : 200);
  SetObjectHeaders(resp, *info);
  // response-* overrides (signed requests only; anonymous ones never get here).
  static const std::pair<const char*, const char*> kOverrides[] = {
      {"response-content-type", "Content-Type"},
      {"response-content-language", "Content-Language"},
      {"response-expires", "Expires"},
      {"response-cache-control", "Cache-Control"},
      {"response-content-disposition", "Content-Disposition"},
      {"response-content-encoding", "Content-Encoding"}};
  for (const auto& [param, header] : kOverrides) {
    if (req.Has(param)) resp->SetHeader(header, req.Param(param));
  }
  uint64_t first = range.valid ? range.first : 0;
  uint64_t length = range.valid ? range.last - range.first + 1 : info->size;
  if (range.valid) {
    resp->SetHeader("Content-Range", "bytes " + std::to_string(range.first) + "-" +
                                         std::to_string(range.last) + "/" +
                                         std::to_string(info->size));
  }
  resp->content_length = length;
  if (head_only || length == 0) {
    resp->body_source = [](MutableByteSpan) -> Result<size_t> { return size_t{0}; };
    return;
  }
  std::shared_ptr<objects::GetStream> g = whole;
  if (g == nullptr) {
    std::optional<std::pair<uint64_t, uint64_t>> r;
    if (range.valid) r = std::make_pair(first, first + length - 1);
    auto stream = c.store->Get(req.bucket, req.key, r);
    if (!stream.ok()) return SetError(resp, req, FromStatus(stream.status(), req));
    g = std::move(*stream);
  }
  resp->body_source = [g](MutableByteSpan out) { return g->Read(out); };
}

bool ValidateKey(const Request& req, HttpResponse* resp) {
  if (req.key.size() > 1024) {
    SetError(resp, req, MakeError("KeyTooLongError"));
    return false;
  }
  if (!IsValidUtf8(req.key)) {
    SetError(resp, req, MakeError("InvalidArgument", "object keys must be UTF-8"));
    return false;
  }
  return true;
}

// Checks the announced body size of a PUT/UploadPart. Returns false after answering.
bool CheckPutSize(Context& c, const Request& req, HttpResponse* resp) {
  std::optional<uint64_t> size;
  if (IsStreaming(req.auth.payload)) {
    if (auto d = req.Header("x-amz-decoded-content-length")) size = ParseU64(*d);
  } else {
    size = req.http->content_length;
  }
  if (!size && !IsStreaming(req.auth.payload) && !req.Header("Transfer-Encoding")) {
    SetError(resp, req, MakeError("MissingContentLength"));
    return false;
  }
  if (size && *size > c.options->max_put_bytes) {
    S3Error e = MakeError("EntityTooLarge");
    e.extra["ProposedSize"] = std::to_string(*size);
    e.extra["MaxSizeAllowed"] = std::to_string(c.options->max_put_bytes);
    SetError(resp, req, e);
    return false;
  }
  return true;
}

std::unique_ptr<BodySink> PutObject(Context& c, std::unique_ptr<Request> req, HttpResponse* resp) {
  if (!ValidateKey(*req, resp) || !CheckPutSize(c, *req, resp)) return nullptr;
  objects::PutOptions o = OptionsFromHeaders(*req);
  if (auto inm = req->Header("If-None-Match")) {
    if (Unquote(*inm) != "*") {
      SetError(resp, *req,
               MakeError("NotImplemented", "If-None-Match on PUT supports only the value *"));
      return nullptr;
    }
    o.if_none_match_any = true;
  }
  if (auto im = req->Header("If-Match")) o.if_match = Unquote(*im);
  auto put = c.store->Put(req->bucket, req->key, std::move(o));
  if (!put.ok()) {
    SetError(resp, *req, FromStatus(put.status(), *req));
    return nullptr;
  }
  std::shared_ptr<objects::PutStream> stream(std::move(*put));
  auto written = std::make_shared<uint64_t>(0);
  uint64_t limit = c.options->max_put_bytes;
  const Request* r = req.get();
  auto sink_holder = std::make_shared<S3BodySink*>(nullptr);
  auto sink = MakeSink(
      std::move(req), resp,
      [stream, written, limit](ByteSpan piece) -> Status {
        *written += piece.size();
        if (*written > limit) return InvalidArgumentError("EntityTooLarge: body over the limit");
        return stream->Write(piece);
      },
      [stream, r, sink_holder](std::optional<S3Error> failure, HttpResponse* out) {
        if (failure) return SetError(out, *r, *failure);
        auto info = stream->Finish();
        if (!info.ok()) return SetError(out, *r, FromStatus(info.status(), *r));
        SetEmpty(out, *r);
        out->SetHeader("ETag", QuoteETag(info->etag));
        if (*sink_holder != nullptr) {
          for (const auto& [k, v] : (*sink_holder)->checksums()) out->SetHeader(k, v);
        }
      });
  if (sink) *sink_holder = static_cast<OwningSink*>(sink.get())->inner();
  return sink;
}

// Parses x-amz-copy-source ("/bucket/key" or "bucket/key", URL-encoded, maybe ?versionId=).
std::optional<std::pair<std::string, std::string>> ParseCopySource(std::string_view v) {
  size_t q = v.find('?');
  if (q != std::string_view::npos) v = v.substr(0, q);
  auto decoded = UrlDecode(v, false);
  if (!decoded) return std::nullopt;
  std::string_view d = *decoded;
  if (d.starts_with('/')) d.remove_prefix(1);
  size_t slash = d.find('/');
  if (slash == std::string_view::npos || slash == 0 || slash + 1 == d.size()) return std::nullopt;
  return std::make_pair(std::string(d.substr(0, slash)), std::string(d.substr(slash + 1)));
}

void CopyObject(Context& c, const Request& req, HttpResponse* resp) {
  if (!ValidateKey(req, resp)) return;
  auto src = ParseCopySource(*req.Header("x-amz-copy-source"));
  if (!src) {
    return SetError(resp, req,
                    MakeError("InvalidArgument",
                              "Copy Source must mention the "
                              "source bucket and key: "
                              "sourcebucket/sourcekey"));
  }
  std::string directive = std::string(req.Header("x-amz-metadata-directive").value_or("COPY"));
  if (directive != "COPY" && directive != "REPLACE") {
    return SetError(resp, req, MakeError("InvalidArgument", "Unknown metadata directive."));
  }
  bool replace = directive == "REPLACE";
  Request src_req = req;
  src_req.bucket = src->first;
  src_req.key = src->second;
  auto info = c.store->Head(src->first, src->second);
  if (!info.ok()) return SetError(resp, req, FromStatus(info.status(), src_req));
  if (auto e = CheckReadConditions(req, *info, /*copy=*/true)) return SetError(resp, req, *e);
  if (!replace && src->first == req.bucket && src->second == req.key) {
    return SetError(resp, req,
                    MakeError("InvalidRequest",
                              "This copy request is illegal because it is trying to copy an "
                              "object to itself without changing the object's metadata, "
                              "storage class, website redirect location or encryption "
                              "attributes."));
  }
  objects::PutOptions o = replace ? OptionsFromHeaders(req) : objects::PutOptions();
  auto copied = c.store->Copy(src->first, src->second, req.bucket, req.key, replace, o);
  if (!copied.ok()) return SetError(resp, req, FromStatus(copied.status(), src_req));
  SetXml(resp, req, CopyObjectResultXml(copied->etag, copied->mtime_micros));
}

std::optional<uint32_t> PartNumber(const Request& req, HttpResponse* resp) {
  auto n = ParseU64(req.Param("partNumber"));
  if (!n || *n < 1 || *n > kMaxPartNumber) {
    S3Error e = MakeError("InvalidArgument",
                          "Part number must be an integer between 1 and "
                          "10000, inclusive");
    e.extra["ArgumentName"] = "partNumber";
    e.extra["ArgumentValue"] = req.Param("partNumber");
    SetError(resp, req, e);
    return std::nullopt;
  }
  return static_cast<uint32_t>(*n);
}

// Checks that the upload exists and belongs to this bucket and key.
bool CheckUpload(Context& c, const Request& req, HttpResponse* resp) {
  auto upload = c.store->GetUpload(req.Param("uploadId"));
  if (!upload.ok() || upload->bucket != req.bucket || upload->key != req.key) {
    SetError(resp, req,
             FromStatus(upload.ok() ? NotFoundError("no such upload") : upload.status(), req));
    return false;
  }
  return true;
}

std::unique_ptr<BodySink> UploadPart(Context& c, std::unique_ptr<Request> req, HttpResponse* resp) {
  auto number = PartNumber(*req, resp);
  if (!number || !CheckUpload(c, *req, resp) || !CheckPutSize(c, *req, resp)) return nullptr;
  auto part = c.store->PutPart(req->Param("uploadId"), *number);
  if (!part.ok()) {
    SetError(resp, *req, FromStatus(part.status(), *req));
    return nullptr;
  }
  std::shared_ptr<objects::PartStream> stream(std::move(*part));
  uint64_t limit = c.options->max_put_bytes;
  const Request* r = req.get();
  auto sink_holder = std::make_shared<S3BodySink*>(nullptr);
  auto sink = MakeSink(
      std::move(req), resp,
      [stream, limit](ByteSpan piece) -> Status {
        if (stream->bytes() + piece.size() > limit) {
          return InvalidArgumentError("EntityTooLarge: part over the limit");
        }
        return stream->Write(piece);
      },
      [stream, r, sink_holder](std::optional<S3Error> failure, HttpResponse* out) {
        if (failure) return SetError(out, *r, *failure);
        auto etag = stream->Finish();
        if (!etag.ok()) return SetError(out, *r, FromStatus(etag.status(), *r));
        SetEmpty(out, *r);
        out->SetHeader("ETag", QuoteETag(*etag));
        if (*sink_holder != nullptr) {
          for (const auto& [k, v] : (*sink_holder)->checksums()) out->SetHeader(k, v);
        }
      });
  if (sink) *sink_holder = static_cast<OwningSink*>(sink.get())->inner();
  return sink;
}

void UploadPartCopy(Context& c, const Request& req, HttpResponse* resp) {
  auto number = PartNumber(req, resp);
  if (!number || !CheckUpload(c, req, resp)) return;
  auto src = ParseCopySource(*req.Header("x-amz-copy-source"));
  if (!src) return SetError(resp, req, MakeError("InvalidArgument", "invalid x-amz-copy-source"));
  Request src_req = req;
  src_req.bucket = src->first;
  src_req.key = src->second;
  auto info = c.store->Head(src->first, src->second);
  if (!info.ok()) return SetError(resp, req, FromStatus(info.status(), src_req));
  if (auto e = CheckReadConditions(req, *info, /*copy=*/true)) return SetError(resp, req, *e);
  std::optional<std::pair<uint64_t, uint64_t>> range;
  uint64_t length = info->size;
  if (auto rh = req.Header("x-amz-copy-source-range")) {
    // Only "bytes=first-last" within the source is allowed here.
    if (!rh->starts_with("bytes=")) {
      return SetError(resp, req,
                      MakeError("InvalidArgument",
                                "x-amz-copy-source-range must "
                                "be bytes=first-last"));
    }
    auto spec = std::string_view(*rh).substr(6);
    size_t dash = spec.find('-');
    auto first = ParseU64(spec.substr(0, dash));
    auto last = dash == std::string_view::npos ? std::nullopt : ParseU64(spec.substr(dash + 1));
    if (!first || !last || *last < *first || *last >= info->size) {
      return SetError(resp, req,
                      MakeError("InvalidRange",
                                "The x-amz-copy-source-range value must be of "
                                "the form bytes=first-last where first and last "
                                "are within the source object"));
    }
    range = std::make_pair(*first, *last);
    length = *last - *first + 1;
  }
  if (length > c.options->max_put_bytes) return SetError(resp, req, MakeError("EntityTooLarge"));
  auto part = c.store->PutPart(req.Param("uploadId"), *number);
  if (!part.ok()) return SetError(resp, req, FromStatus(part.status(), req));
  if (length > 0) {
    auto g = c.store->Get(src->first, src->second, range);
    if (!g.ok()) return SetError(resp, req, FromStatus(g.status(), src_req));
    Buffer buf;
    buf.Resize(1 << 20);
    for (;;) {
      auto n = (*g)->Read(buf.mutable_span());
      if (!n.ok()) return SetError(resp, req, FromStatus(n.status(), src_req));
      if (*n == 0) break;
      Status s = (*part)->Write(buf.span().subspan(0, *n));
      if (!s.ok()) return SetError(resp, req, FromStatus(s, req));
    }
  }
  auto etag = (*part)->Finish();
  if (!etag.ok()) return SetError(resp, req, FromStatus(etag.status(), req));
  SetXml(resp, req, CopyPartResultXml(*etag, c.env->UnixMicros()));
}

void CreateMultipart(Context& c, const Request& req, HttpResponse* resp) {
  if (!ValidateKey(req, resp)) return;
  auto id = c.store->CreateMultipart(req.bucket, req.key, OptionsFromHeaders(req));
  if (!id.ok()) return SetError(resp, req, FromStatus(id.status(), req));
  SetXml(resp, req, InitiateMultipartUploadResultXml(req.bucket, req.key, *id));
}

void CompleteMultipart(Context& c, const Request& req, const std::string& body,
                       HttpResponse* resp) {
  if (!CheckUpload(c, req, resp)) return;
  auto parts = ParseCompleteMultipartUpload(body);
  if (!parts.ok()) return SetError(resp, req, parts.error());
  auto info = c.store->CompleteMultipart(req.Param("uploadId"), *parts);
  if (!info.ok()) return SetError(resp, req, FromStatus(info.status(), req));
  std::string host = std::string(req.Header("Host").value_or("localhost"));
  SetXml(resp, req,
         CompleteMultipartUploadResultXml(
             "http://" + host + "/" + req.bucket + "/" + UrlEncodeS3(req.key, true), req.bucket,
             req.key, info->etag));
}

void AbortMultipart(Context& c, const Request& req, HttpResponse* resp) {
  if (!CheckUpload(c, req, resp)) return;
  Status s = c.store->AbortMultipart(req.Param("uploadId"));
  if (!s.ok()) return SetError(resp, req, FromStatus(s, req));
  SetEmpty(resp, req, 204);
}

void ListParts(Context& c, const Request& req, HttpResponse* resp) {
  if (!CheckUpload(c, req, resp)) return;
  auto parts = c.store->ListParts(req.Param("uploadId"));
  if (!parts.ok()) return SetError(resp, req, FromStatus(parts.status(), req));
  ListPartsParams p;
  p.bucket = req.bucket;
  p.key = req.key;
  p.upload_id = req.Param("uploadId");
  p.owner = TheOwner();
  if (req.Has("part-number-marker")) {
    auto m = ParseU64(req.Param("part-number-marker"));
    if (!m) return SetError(resp, req, MakeError("InvalidArgument", "invalid part-number-marker"));
    p.part_number_marker = static_cast<uint32_t>(std::min<uint64_t>(*m, kMaxPartNumber));
  }
  if (req.Has("max-parts")) {
    auto m = ParseU64(req.Param("max-parts"));
    if (!m) return SetError(resp, req, MakeError("InvalidArgument", "invalid max-parts"));
    p.max_parts = static_cast<uint32_t>(std::min<uint64_t>(*m, 1000));
  }
  SetXml(resp, req, ListPartsResultXml(p, *parts));
}

// Sub-resources S3 has and this face does not implement.
constexpr std::string_view kUnsupported[] = {
    "accelerate",     "analytics",         "attributes",
    "cors",           "encryption",        "intelligent-tiering",
    "inventory",      "legal-hold",        "lifecycle",
    "logging",        "metrics",           "notification",
    "object-lock",    "ownershipControls", "policy",
    "policyStatus",   "publicAccessBlock", "replication",
    "requestPayment", "restore",           "retention",
    "select",         "tagging",           "torrent",
    "versioning",     "versions",          "website"};

}  // namespace

namespace {

// The S3 operation a request asks for, for metrics (before authentication or validation).
std::string OperationName(const HttpRequest& head, const std::vector<std::string>& domains) {
  std::string_view path = head.path;
  bool vhost = !BucketFromHost(head.header("Host").value_or(""), domains).empty();
  size_t level = 0;  // 0 service, 1 bucket, 2 object
  if (vhost) {
    level = path.size() > 1 ? 2 : 1;
  } else if (path.size() > 1) {
    size_t slash = path.find('/', 1);
    level = slash == std::string_view::npos || slash + 1 == path.size() ? 1 : 2;
  }
  auto has = [&](std::string_view name) {
    std::string_view q = head.query;
    while (!q.empty()) {
      size_t amp = q.find('&');
      std::string_view part = q.substr(0, amp);
      if (part.substr(0, part.find('=')) == name) return true;
      if (amp == std::string_view::npos) break;
      q.remove_prefix(amp + 1);
    }
    return false;
  };
  const std::string& m = head.method;
  bool copy = head.header("x-amz-copy-source").has_value();
  if (level == 0) return m == "GET" ? "ListBuckets" : "Other";
  if (level == 1) {
    if (m == "GET") {
      if (has("location")) return "GetBucketLocation";
      if (has("uploads")) return "ListMultipartUploads";
      return has("list-type") ? "ListObjectsV2" : "ListObjects";
    }
    if (m == "HEAD") return "HeadBucket";
    if (m == "PUT") return "CreateBucket";
    if (m == "DELETE") return "DeleteBucket";
    if (m == "POST" && has("delete")) return "DeleteObjects";
    return "Other";
  }
  if (m == "GET") return has("uploadId") ? "ListParts" : has("proof") ? "GetProof" : "GetObject";
  if (m == "HEAD") return "HeadObject";
  if (m == "PUT") {
    if (has("uploadId")) return copy ? "UploadPartCopy" : "UploadPart";
    return copy ? "CopyObject" : "PutObject";
  }
  if (m == "DELETE") return has("uploadId") ? "AbortMultipartUpload" : "DeleteObject";
  if (m == "POST") {
    if (has("uploads")) return "CreateMultipartUpload";
    if (has("uploadId")) return "CompleteMultipartUpload";
  }
  return "Other";
}

}  // namespace

class S3Face::MeteringSink : public BodySink {
 public:
  MeteringSink(S3Face* face, std::unique_ptr<BodySink> inner, std::string op, uint64_t start)
      : face_(face), inner_(std::move(inner)), op_(std::move(op)), start_(start) {}
  Status Write(ByteSpan data) override {
    bytes_ += data.size();
    return inner_->Write(data);
  }
  void Finish(const Status& s, HttpResponse* r) override {
    inner_->Finish(s, r);
    face_->Record(op_, r->status, bytes_, r->body_source ? r->content_length : r->body.size(),
                  start_);
  }

 private:
  S3Face* face_;
  std::unique_ptr<BodySink> inner_;
  std::string op_;
  uint64_t start_;
  uint64_t bytes_ = 0;
};

void S3Face::Record(const std::string& op, int status, uint64_t bytes_in, uint64_t bytes_out,
                    uint64_t start_micros) {
  core::MetricsRegistry* m = options_.metrics;
  if (m == nullptr) return;
  m->GetCounter("cairn_s3_operations_total", "S3 operations answered, by operation and status.",
                {{"op", op}, {"code", std::to_string(status)}})
      ->Increment();
  if (bytes_in > 0) {
    m->GetCounter("cairn_s3_bytes_received_total", "Request body bytes received, by operation.",
                  {{"op", op}})
        ->Increment(bytes_in);
  }
  if (bytes_out > 0) {
    m->GetCounter("cairn_s3_bytes_sent_total", "Response body bytes sent, by operation.",
                  {{"op", op}})
        ->Increment(bytes_out);
  }
  uint64_t now = options_.env->NowMicros();
  m->GetHistogram("cairn_s3_operation_seconds",
                  "Time from the request head to the response headers, by operation.",
                  core::Histogram::LatencyBuckets(), {{"op", op}})
      ->Observe(static_cast<double>(now - std::min(now, start_micros)) / 1e6);
}

std::unique_ptr<BodySink> S3Face::Handle(const HttpRequest& head, HttpResponse* response) {
  uint64_t start = options_.env->NowMicros();
  std::string op = OperationName(head, options_.virtual_host_domains);
  std::unique_ptr<BodySink> sink = Dispatch(head, response);
  if (!sink) {
    Record(op, response->status, 0,
           response->body_source ? response->content_length : response->body.size(), start);
    return nullptr;
  }
  return std::make_unique<MeteringSink>(this, std::move(sink), std::move(op), start);
}

std::unique_ptr<BodySink> S3Face::Dispatch(const HttpRequest& head, HttpResponse* response) {
  auto req = std::make_unique<Request>();
  req->http = &head;
  req->now_micros = options_.env->UnixMicros();
  {
    uint8_t raw[8];
    options_.env->RandomBytes(MutableByteSpan(raw, sizeof(raw)));
    req->id = HexEncode(ByteSpan(raw, sizeof(raw)));
    for (char& ch : req->id) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  }
  // Addressing.
  auto query = ParseQuery(head.query);
  auto path = UrlDecode(head.path, false);
  if (!query || !path || path->empty() || (*path)[0] != '/') {
    SetError(response, *req, MakeError("InvalidURI", "Couldn't parse the specified URI."));
    return nullptr;
  }
  req->query = std::move(*query);
  std::string_view rest = std::string_view(*path).substr(1);
  std::string host_bucket =
      BucketFromHost(head.header("Host").value_or(""), options_.virtual_host_domains);
  if (!host_bucket.empty()) {
    req->bucket = host_bucket;
    req->key = std::string(rest);
  } else {
    size_t slash = rest.find('/');
    req->bucket = std::string(rest.substr(0, slash));
    if (slash != std::string_view::npos) req->key = std::string(rest.substr(slash + 1));
  }
  // Ephemeral access tokens: unsigned requests to /api/v1/access/{token}/{key}.
  constexpr std::string_view kAccessPrefix = "/api/v1/access/";
  if (options_.access_tokens != nullptr && IsAnonymous(head.query, head.headers) &&
      path->starts_with(kAccessPrefix)) {
    std::string_view tail = std::string_view(*path).substr(kAccessPrefix.size());
    size_t slash = tail.find('/');
    std::string token(tail.substr(0, slash));
    req->key = slash == std::string_view::npos ? "" : std::string(tail.substr(slash + 1));
    auto grant = options_.access_tokens->Verify(token, req->now_micros / 1000000);
    if (!grant.ok()) {
      SetError(response, *req, MakeError("AccessDenied", std::string(grant.status().message())));
      return nullptr;
    }
    req->bucket = grant->bucket;
    bool write = head.method == "PUT";
    if (head.method != "GET" && head.method != "HEAD" && !write) {
      S3Error e = MakeError("MethodNotAllowed");
      e.extra["Method"] = head.method;
      e.extra["ResourceType"] = "OBJECT";
      SetError(response, *req, e);
      return nullptr;
    }
    if (!grant->Allows(req->bucket, req->key, write)) {
      SetError(response, *req,
               MakeError("AccessDenied", write && !grant->write
                                             ? "the access token does not allow writing"
                                             : "the access token does not cover this key"));
      return nullptr;
    }
    Context tc{store_, &options_, options_.env};
    if (write) return PutObject(tc, std::move(req), response);
    GetObject(tc, *req, response, head.method == "HEAD");
    return nullptr;
  }
  // Authentication. Anonymous requests may only read public buckets: GET/HEAD of objects and
  // plain listings, without sub-resources or response-* overrides (as S3).
  if (IsAnonymous(head.query, head.headers)) {
    bool plain_read = (head.method == "GET" || head.method == "HEAD") && !req->bucket.empty();
    for (const auto& [name, value] : req->query) {
      bool listing_param =
          req->key.empty() &&
          (name == "prefix" || name == "delimiter" || name == "marker" || name == "max-keys" ||
           name == "list-type" || name == "continuation-token" || name == "start-after" ||
           name == "encoding-type" || name == "fetch-owner");
      if (!listing_param) plain_read = false;
    }
    auto bucket = plain_read ? store_->HeadBucket(req->bucket)
                             : Result<objects::BucketInfo>(NotFoundError("-"));
    if (!bucket.ok() || !bucket->public_read) {
      SetError(response, *req,
               MakeError("AccessDenied",
                         "Anonymous access is not allowed here; sign requests with AWS "
                         "Signature Version 4, or make the bucket public-read"));
      return nullptr;
    }
    Context ac{store_, &options_, options_.env};
    if (req->key.empty()) {
      if (head.method == "HEAD") {
        SetEmpty(response, *req);
      } else {
        ListObjects(ac, *req, response);
      }
    } else {
      GetObject(ac, *req, response, head.method == "HEAD");
    }
    return nullptr;
  }
  SigV4Options sig;
  sig.region = options_.region;
  SecretLookup secrets = [this](std::string_view access) -> std::optional<std::string> {
    for (const auto& cred : options_.credentials) {
      if (cred.access_key == access) return cred.secret_key;
    }
    return std::nullopt;
  };
  const auto now = static_cast<int64_t>(req->now_micros / 1000000);
  auto auth =
      IsSigV2(head.query, head.headers)
          ? VerifySigV2(head.method, head.path, head.query, head.headers, host_bucket, secrets, now,
                        sig)
          : VerifySigV4(head.method, head.path, head.query, head.headers, secrets, now, sig);
  if (auto* f = std::get_if<AuthFailure>(&auth)) {
    SetError(response, *req, FromAuth(*f));
    return nullptr;
  }
  req->auth = std::move(std::get<AuthResult>(auth));

  for (std::string_view sub : kUnsupported) {
    if (req->Has(std::string(sub))) {
      SetError(response, *req,
               MakeError("NotImplemented",
                         "the '" + std::string(sub) + "' sub-resource is not implemented"));
      return nullptr;
    }
  }

  Context c{store_, &options_, options_.env};
  const std::string& m = head.method;
  Request& r = *req;
  auto not_allowed = [&]() -> std::unique_ptr<BodySink> {
    S3Error e = MakeError("MethodNotAllowed");
    e.extra["Method"] = m;
    e.extra["ResourceType"] = r.bucket.empty() ? "SERVICE" : r.key.empty() ? "BUCKET" : "OBJECT";
    SetError(response, r, e);
    response->SetHeader("Allow", r.bucket.empty() ? "GET" : "GET, HEAD, PUT, DELETE, POST");
    return nullptr;
  };

  if (r.bucket.empty()) {
    if (m == "GET")
      return NoBody(std::move(req), response,
                    [&](const Request& q, HttpResponse* o) { ListBuckets(c, q, o); });
    return not_allowed();
  }
  if (r.Has("acl")) {
    // Canned ACLs only: private (the default) or public-read, set per bucket.
    auto b = store_->HeadBucket(r.bucket);
    if (!b.ok()) {
      SetError(response, r, FromStatus(b.status(), r));
      return nullptr;
    }
    if (m == "GET") {
      if (!r.key.empty()) {
        auto info = store_->Head(r.bucket, r.key);
        if (!info.ok()) {
          SetError(response, r, FromStatus(info.status(), r));
          return nullptr;
        }
      }
      SetXml(response, r, AccessControlPolicyXml(TheOwner(), b->public_read));
      return nullptr;
    }
    if (m == "PUT" && r.key.empty()) {
      std::string acl(r.Header("x-amz-acl").value_or(""));
      if (acl != "private" && acl != "public-read") {
        SetError(response, r,
                 MakeError("NotImplemented",
                           "only the canned ACLs private and public-read are "
                           "supported, in the x-amz-acl header"));
        return nullptr;
      }
      Status s = store_->SetBucketPublic(r.bucket, acl == "public-read");
      if (!s.ok()) {
        SetError(response, r, FromStatus(s, r));
      } else {
        SetEmpty(response, r);
      }
      return nullptr;
    }
    SetError(response, r, MakeError("NotImplemented", "object ACLs cannot be changed"));
    return nullptr;
  }
  if (r.key.empty()) {
    if (m == "GET") {
      if (r.Has("location")) {
        auto b = store_->HeadBucket(r.bucket);
        if (!b.ok()) {
          SetError(response, r, FromStatus(b.status(), r));
        } else {
          SetXml(response, r, LocationConstraintXml(options_.region));
        }
        return nullptr;
      }
      if (r.Has("uploads")) {
        ListUploads(c, r, response);
        return nullptr;
      }
      ListObjects(c, r, response);
      return nullptr;
    }
    if (m == "HEAD") {
      auto b = store_->HeadBucket(r.bucket);
      if (!b.ok()) {
        SetError(response, r, FromStatus(b.status(), r));
      } else {
        SetEmpty(response, r);
        response->SetHeader("x-amz-bucket-region", options_.region);
      }
      return nullptr;
    }
    if (m == "PUT") {
      return BufferedBody(c, std::move(req), response, CreateBucket);
    }
    if (m == "DELETE") {
      Status s = store_->DeleteBucket(r.bucket);
      if (!s.ok()) {
        SetError(response, r, FromStatus(s, r));
      } else {
        SetEmpty(response, r, 204);
      }
      return nullptr;
    }
    if (m == "POST" && r.Has("delete")) {
      return BufferedBody(c, std::move(req), response, DeleteObjects);
    }
    return not_allowed();
  }
  // Object level.
  if (m == "GET" || m == "HEAD") {
    if (r.Has("uploadId")) {
      if (m == "HEAD") return not_allowed();
      ListParts(c, r, response);
      return nullptr;
    }
    if (r.Has("proof") && m == "GET") {
      GetProof(c, r, response);
      return nullptr;
    }
    GetObject(c, r, response, m == "HEAD");
    return nullptr;
  }
  if (m == "PUT") {
    bool copy = r.Header("x-amz-copy-source").has_value();
    if (r.Has("partNumber") || r.Has("uploadId")) {
      if (copy) {
        UploadPartCopy(c, r, response);
        return nullptr;
      }
      return UploadPart(c, std::move(req), response);
    }
    if (copy) {
      CopyObject(c, r, response);
      return nullptr;
    }
    return PutObject(c, std::move(req), response);
  }
  if (m == "DELETE") {
    if (r.Has("uploadId")) {
      AbortMultipart(c, r, response);
      return nullptr;
    }
    Status s = store_->Delete(r.bucket, r.key);
    if (!s.ok()) {
      SetError(response, r, FromStatus(s, r));
    } else {
      SetEmpty(response, r, 204);
    }
    return nullptr;
  }
  if (m == "POST") {
    if (r.Has("uploads")) {
      CreateMultipart(c, r, response);
      return nullptr;
    }
    if (r.Has("uploadId")) {
      return BufferedBody(c, std::move(req), response, CompleteMultipart);
    }
    return not_allowed();
  }
  return not_allowed();
}

}  // namespace cairn::s3
