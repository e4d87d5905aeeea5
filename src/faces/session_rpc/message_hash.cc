#include "faces/session_rpc/message_hash.h"

#include <sodium.h>

#include <array>

#include "faces/session_rpc/encoding.h"

namespace cairn::session_rpc {

std::string ComputeMessageHash(const AccountId& account, int16_t ns, std::string_view data) {
  const std::string raw = account.Raw();
  const std::string ns_bytes = NamespaceSignatureString(ns);  // "" for 0, else decimal
  crypto_generichash_state state;
  crypto_generichash_init(&state, nullptr, 0, kMessageHashBytes);
  for (std::string_view part : {std::string_view(raw), std::string_view(ns_bytes), data}) {
    crypto_generichash_update(&state, reinterpret_cast<const unsigned char*>(part.data()),
                              part.size());
  }
  std::array<uint8_t, kMessageHashBytes> digest;
  crypto_generichash_final(&state, digest.data(), digest.size());
  return Base64EncodeUnpadded(digest);
}

bool IsValidMessageHash(std::string_view hash) {
  return hash.size() == kMessageHashChars && IsBase64(hash);
}

}  // namespace cairn::session_rpc
