// NodeIdentity: this storage node's Ed25519 key pair. It signs the per-node results of the
// recursive methods (specs/session-storage-rpc.md §3.0: store, delete, delete_all, delete_before,
// expire_all, expire, revoke_subaccount, unrevoke_subaccount) and is what get_swarm announces
// (`pubkey_ed25519`, its X25519 form `pubkey_x25519`, `pubkey_legacy` and the `.snode` address),
// so clients can check those signatures.
//
// On disk (cairnd keeps it in DATA_DIR/session/node-ed25519.key, mode 0600): the 64-byte
// libsodium secret key (32-byte seed followed by the 32-byte public key) as 128 lower-case hex
// digits and a newline, the same form as DATA_DIR/access-token.key.
//
// Thread safety: immutable after construction; Sign may be called from any thread.
#ifndef CAIRN_FACES_SESSION_RPC_NODE_IDENTITY_H_
#define CAIRN_FACES_SESSION_RPC_NODE_IDENTITY_H_

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.h"
#include "faces/session_rpc/types.h"

namespace cairn::core {
class Env;
}

namespace cairn::session_rpc {

class NodeIdentity {
 public:
  // Loads the key pair kept at `path`. When the file does not exist and `create` is set,
  // generates one from `env`'s randomness and writes it atomically with mode 0600 (the parent
  // directory must exist); *created (when given) tells which happened.
  // Errors: kNotFound (no file, !create), kDataLoss (not 128 hex digits, or a public half that
  // does not belong to the seed), the Env's I/O errors.
  static Result<NodeIdentity> LoadOrCreate(core::Env* env, const std::string& path, bool create,
                                           bool* created = nullptr);
  // The key pair of a 32-byte seed (tests, tools).
  static NodeIdentity FromSeed(const std::array<uint8_t, 32>& seed);

  const Ed25519PublicKey& public_key() const { return public_; }
  // The public key converted to X25519 (libsodium's crypto_sign_ed25519_pk_to_curve25519).
  const Ed25519PublicKey& x25519_key() const { return x25519_; }
  // 64 lower-case hex digits each.
  std::string PublicKeyHex() const;
  std::string X25519Hex() const;
  // "<z-base-32 of the public key>.snode", the upstream `address` form.
  std::string SnodeAddress() const;

  Ed25519Signature Sign(std::string_view message) const;
  // Standard base64 with padding (88 characters), the form of node signatures in JSON (§2.3).
  std::string SignBase64(std::string_view message) const;

 private:
  NodeIdentity() = default;
  void Derive();  // public_ and x25519_ from secret_

  std::array<uint8_t, 64> secret_{};  // seed || public key
  Ed25519PublicKey public_{};
  Ed25519PublicKey x25519_{};
};

// z-base-32 (the alphabet "ybndrfg8ejkmcpqxot1uwisza345h769", most significant bits first, the
// last group padded with zero bits), as upstream writes snode addresses.
std::string ZBase32Encode(std::string_view bytes);

}  // namespace cairn::session_rpc

#endif  // CAIRN_FACES_SESSION_RPC_NODE_IDENTITY_H_
