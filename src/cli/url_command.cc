#include "cli/url_command.h"

#include <charconv>

#include "models/objects/access_token.h"

namespace cairn::cli {
namespace {

// Percent-encodes a key for a URL path, keeping '/'.
std::string EncodePath(const std::string& key) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : key) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || c == '/') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

}  // namespace

std::optional<uint64_t> ParseDuration(const std::string& text) {
  if (text.empty()) return std::nullopt;
  uint64_t unit = 1;
  std::string digits = text;
  switch (text.back()) {
    case 's':
      unit = 1;
      digits.pop_back();
      break;
    case 'm':
      unit = 60;
      digits.pop_back();
      break;
    case 'h':
      unit = 3600;
      digits.pop_back();
      break;
    case 'd':
      unit = 86400;
      digits.pop_back();
      break;
    default:
      break;
  }
  uint64_t n = 0;
  auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
  if (ec != std::errc() || p != digits.data() + digits.size() || n == 0 ||
      n > (uint64_t{1} << 40) / unit) {
    return std::nullopt;
  }
  return n * unit;
}

int RunUrlCreate(const UrlOptions& options, core::Env* env, std::FILE* out) {
  const std::string scheme = "s3://";
  if (options.target.compare(0, scheme.size(), scheme) != 0) {
    std::fprintf(stderr, "cairn url create: target must look like s3://bucket/key\n");
    return 2;
  }
  std::string rest = options.target.substr(scheme.size());
  size_t slash = rest.find('/');
  if (slash == std::string::npos || slash == 0 || (!options.prefix && slash + 1 == rest.size())) {
    std::fprintf(stderr, "cairn url create: target must look like s3://bucket/key%s\n",
                 options.prefix ? " (or s3://bucket/prefix/)" : "");
    return 2;
  }
  auto ttl = ParseDuration(options.ttl);
  if (!ttl) {
    std::fprintf(stderr, "cairn url create: --ttl '%s' is not a duration like 90s, 15m, 1h, 7d\n",
                 options.ttl.c_str());
    return 2;
  }
  auto key = objects::AccessTokenKey::LoadOrCreate(
      env, core::JoinPath(options.data_dir, "access-token.key"), /*create=*/false);
  if (!key.ok()) {
    std::fprintf(stderr, "cairn url create: %s\n", key.status().ToString().c_str());
    return 2;
  }
  objects::AccessGrant grant;
  grant.bucket = rest.substr(0, slash);
  grant.key = rest.substr(slash + 1);
  grant.prefix = options.prefix;
  grant.write = options.write;
  grant.expires_unix = env->UnixMicros() / 1000000 + *ttl;
  std::string token = key->Sign(grant);
  std::string endpoint = options.endpoint;
  while (!endpoint.empty() && endpoint.back() == '/') endpoint.pop_back();
  std::fprintf(out, "%s/api/v1/access/%s/%s\n", endpoint.c_str(), token.c_str(),
               options.prefix ? "" : EncodePath(grant.key).c_str());
  return 0;
}

}  // namespace cairn::cli
