#include "models/objects/access_token.h"

#include <sodium.h>

#include <algorithm>
#include <cstring>
#include <string_view>

#include "core/bytes.h"
#include "core/coding.h"

namespace cairn::objects {
namespace {

constexpr std::string_view kContext = "cairn-access-token-v1";
constexpr uint8_t kVersion = 1;
constexpr uint8_t kWrite = 1, kPrefix = 2;

std::string Base64Url(const std::string& raw) {
  std::string out(sodium_base64_ENCODED_LEN(raw.size(), sodium_base64_VARIANT_URLSAFE_NO_PADDING),
                  '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(raw.data()),
                    raw.size(), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  out.resize(std::strlen(out.c_str()));
  return out;
}

bool FromBase64Url(const std::string& text, std::string* raw) {
  raw->assign(text.size(), '\0');
  size_t len = 0;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(raw->data()), raw->size(), text.data(),
                        text.size(), nullptr, &len, nullptr,
                        sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0) {
    return false;
  }
  raw->resize(len);
  return true;
}

std::string Signed(std::string_view body) {
  std::string m(kContext);
  m.append(body);
  return m;
}

}  // namespace

bool AccessGrant::Allows(const std::string& bucket_name, const std::string& object_key,
                         bool for_write) const {
  if (bucket_name != bucket || (for_write && !write) || object_key.empty()) return false;
  return prefix ? object_key.compare(0, key.size(), key) == 0 : object_key == key;
}

Result<AccessTokenKey> AccessTokenKey::LoadOrCreate(core::Env* env, const std::string& path,
                                                    bool create) {
  if (sodium_init() < 0) return InternalError("libsodium failed to initialise");
  AccessTokenKey k;
  if (env->FileExists(path)) {
    CAIRN_ASSIGN_OR_RETURN(std::string text, core::ReadFileToString(env, path));
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
    std::string raw;
    if (!HexDecode(text, &raw) || raw.size() != k.secret_.size()) {
      return DataLossError(path + ": not a 64-byte hex Ed25519 secret key");
    }
    std::memcpy(k.secret_.data(), raw.data(), raw.size());
    crypto_sign_ed25519_sk_to_pk(k.public_.data(), k.secret_.data());
    return k;
  }
  if (!create) return NotFoundError(path + " does not exist (start cairnd once to create it)");
  crypto_sign_keypair(k.public_.data(), k.secret_.data());
  CAIRN_RETURN_IF_ERROR(
      core::WriteFileAtomically(env, path, AsBytes(HexEncode(ByteSpan(k.secret_)) + "\n"), 0600));
  return k;
}

std::string AccessTokenKey::Sign(const AccessGrant& g) const {
  std::string body;
  body.push_back(static_cast<char>(kVersion));
  body.push_back(static_cast<char>((g.write ? kWrite : 0) | (g.prefix ? kPrefix : 0)));
  char buf[8];
  core::EncodeFixed64(reinterpret_cast<uint8_t*>(buf), g.expires_unix);
  body.append(buf, 8);
  body.push_back(static_cast<char>(std::min<size_t>(g.bucket.size(), 255)));
  body.append(g.bucket.substr(0, 255));
  size_t klen = std::min<size_t>(g.key.size(), 65535);
  body.push_back(static_cast<char>(klen & 0xff));
  body.push_back(static_cast<char>(klen >> 8));
  body.append(g.key.substr(0, klen));
  std::string m = Signed(body);
  unsigned char sig[crypto_sign_BYTES];
  crypto_sign_detached(sig, nullptr, reinterpret_cast<const unsigned char*>(m.data()), m.size(),
                       secret_.data());
  body.append(reinterpret_cast<const char*>(sig), sizeof(sig));
  return Base64Url(body);
}

Result<AccessGrant> AccessTokenKey::Verify(const std::string& token, uint64_t now_unix) const {
  std::string raw;
  if (token.size() > 4096 || !FromBase64Url(token, &raw) || raw.size() < 2 + 8 + 1 + 2 + 64) {
    return PermissionDeniedError("malformed access token");
  }
  std::string_view body(raw.data(), raw.size() - crypto_sign_BYTES);
  std::string m = Signed(body);
  if (crypto_sign_verify_detached(reinterpret_cast<const unsigned char*>(raw.data() + body.size()),
                                  reinterpret_cast<const unsigned char*>(m.data()), m.size(),
                                  public_.data()) != 0) {
    return PermissionDeniedError("access token signature is not valid");
  }
  auto* p = reinterpret_cast<const uint8_t*>(body.data());
  size_t n = body.size();
  if (p[0] != kVersion) return PermissionDeniedError("unknown access token version");
  AccessGrant g;
  g.write = (p[1] & kWrite) != 0;
  g.prefix = (p[1] & kPrefix) != 0;
  g.expires_unix = core::DecodeFixed64(p + 2);
  size_t pos = 10;
  size_t blen = p[pos++];
  if (pos + blen + 2 > n) return PermissionDeniedError("malformed access token");
  g.bucket.assign(body.substr(pos, blen));
  pos += blen;
  size_t klen = p[pos] | (static_cast<size_t>(p[pos + 1]) << 8);
  pos += 2;
  if (pos + klen != n) return PermissionDeniedError("malformed access token");
  g.key.assign(body.substr(pos, klen));
  if (now_unix >= g.expires_unix) return PermissionDeniedError("access token has expired");
  return g;
}

}  // namespace cairn::objects
