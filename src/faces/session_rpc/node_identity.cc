#include "faces/session_rpc/node_identity.h"

#include <sodium.h>

#include <cstring>

#include "core/bytes.h"
#include "core/env/env.h"
#include "faces/session_rpc/auth.h"
#include "faces/session_rpc/encoding.h"

namespace cairn::session_rpc {

Result<NodeIdentity> NodeIdentity::LoadOrCreate(core::Env* env, const std::string& path,
                                                bool create, bool* created) {
  if (sodium_init() < 0) return InternalError("libsodium failed to initialise");
  if (created != nullptr) *created = false;
  NodeIdentity id;
  if (env->FileExists(path)) {
    CAIRN_ASSIGN_OR_RETURN(std::string text, core::ReadFileToString(env, path));
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
    std::string raw;
    if (!HexDecode(text, &raw) || raw.size() != id.secret_.size()) {
      return DataLossError(path + ": not a 64-byte hex Ed25519 secret key");
    }
    std::memcpy(id.secret_.data(), raw.data(), raw.size());
    // The public half is stored too; it must be the one the seed gives.
    std::array<uint8_t, 32> seed;
    std::memcpy(seed.data(), id.secret_.data(), seed.size());
    NodeIdentity fresh = FromSeed(seed);
    if (fresh.secret_ != id.secret_) {
      return DataLossError(path + ": the public key does not belong to the secret seed");
    }
    return fresh;
  }
  if (!create) return NotFoundError(path + " does not exist");
  std::array<uint8_t, 32> seed;
  env->RandomBytes(MutableByteSpan(seed.data(), seed.size()));
  id = FromSeed(seed);
  sodium_memzero(seed.data(), seed.size());
  CAIRN_RETURN_IF_ERROR(
      core::WriteFileAtomically(env, path, AsBytes(HexEncode(ByteSpan(id.secret_)) + "\n"), 0600));
  if (created != nullptr) *created = true;
  return id;
}

NodeIdentity NodeIdentity::FromSeed(const std::array<uint8_t, 32>& seed) {
  NodeIdentity id;
  // sodium_init() only picks implementations; key derivation works without it.
  [[maybe_unused]] const int initialised = sodium_init();
  crypto_sign_seed_keypair(id.public_.data(), id.secret_.data(), seed.data());
  id.Derive();
  return id;
}

void NodeIdentity::Derive() {
  std::memcpy(public_.data(), secret_.data() + 32, public_.size());
  // A key libsodium generated always converts; keep zeros if it somehow does not.
  Result<Ed25519PublicKey> x = Ed25519ToX25519(public_);
  if (x.ok()) x25519_ = *x;
}

std::string NodeIdentity::PublicKeyHex() const { return HexEncode(ByteSpan(public_)); }

std::string NodeIdentity::X25519Hex() const { return HexEncode(ByteSpan(x25519_)); }

std::string NodeIdentity::SnodeAddress() const {
  return ZBase32Encode(
             std::string_view(reinterpret_cast<const char*>(public_.data()), public_.size())) +
         ".snode";
}

Ed25519Signature NodeIdentity::Sign(std::string_view message) const {
  return SignEd25519(secret_, message);
}

std::string NodeIdentity::SignBase64(std::string_view message) const {
  Ed25519Signature sig = Sign(message);
  return Base64Encode(ByteSpan(sig.data(), sig.size()));
}

std::string ZBase32Encode(std::string_view bytes) {
  static constexpr char kAlphabet[] = "ybndrfg8ejkmcpqxot1uwisza345h769";
  std::string out;
  out.reserve((bytes.size() * 8 + 4) / 5);
  uint32_t buffer = 0;
  int bits = 0;
  for (char c : bytes) {
    buffer = (buffer << 8) | static_cast<uint8_t>(c);
    bits += 8;
    while (bits >= 5) {
      out.push_back(kAlphabet[(buffer >> (bits - 5)) & 31]);
      bits -= 5;
    }
  }
  if (bits > 0) out.push_back(kAlphabet[(buffer << (5 - bits)) & 31]);
  return out;
}

}  // namespace cairn::session_rpc
