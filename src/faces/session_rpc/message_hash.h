// The message hash of the Session storage RPC (specs/session-storage-rpc.md §4.1): the key a
// stored message is known by (store results, retrieve's `hash` and `last_hash`, delete and
// expire arguments).
//
//   H = base64_standard_unpadded( BLAKE2b-256( P || K || NSBYTES || DATA ) )
//
// P || K is the 33-byte binary account id (prefix byte, 32 key bytes), NSBYTES is empty for
// namespace 0 and otherwise the ASCII decimal namespace ("3", "-10"), DATA the decoded message
// bytes. BLAKE2b has no key, salt or personalisation (libsodium crypto_generichash, 32-byte
// output). Timestamp and TTL are not hashed, so storing the same data twice to the same
// (account, namespace) gives the same hash.
//
// The constants of §4.2 live in constants.h (included here).
//
// Thread safety: pure functions.
#ifndef CAIRN_FACES_SESSION_RPC_MESSAGE_HASH_H_
#define CAIRN_FACES_SESSION_RPC_MESSAGE_HASH_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "faces/session_rpc/constants.h"
#include "faces/session_rpc/types.h"

namespace cairn::session_rpc {

// The 43-character hash of `data` stored for `account` in namespace `ns`.
std::string ComputeMessageHash(const AccountId& account, int16_t ns, std::string_view data);

// True for a well-formed hash argument: exactly 43 characters of standard base64 (the check
// delete and expire apply to `messages`; upstream does not check that the unused low bits of the
// last character are zero, and neither does this).
bool IsValidMessageHash(std::string_view hash);

}  // namespace cairn::session_rpc

#endif  // CAIRN_FACES_SESSION_RPC_MESSAGE_HASH_H_
