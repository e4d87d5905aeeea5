// The store's master key: where it comes from and how a wrong one is caught.
//
// Order: a key given by the operator (config or CAIRN_MASTER_KEY, 64 hex digits) wins; otherwise
// `KEY_DIR/master.key` (hex, mode 0600) is read, or created with 32 random bytes on first use.
// Either way `KEY_DIR/master.check` holds BLAKE3-keyed(key, "cairn master key check v1"), written
// the first time and compared on every open, so a wrong key stops the store at open with
// kPermissionDenied instead of failing every read later.
//
// Thread safety: call from one thread during start-up.
#ifndef CAIRN_ENGINE_KEYS_H_
#define CAIRN_ENGINE_KEYS_H_

#include <optional>
#include <string>

#include "core/env/env.h"
#include "core/result.h"
#include "engine/chunk_codec.h"

namespace cairn::engine {

// Errors: kInvalidArgument (malformed configured key or key file), kPermissionDenied (the key
// does not match this store), Env errors.
Result<MasterKey> LoadOrCreateMasterKey(core::Env* env, const std::string& key_dir,
                                        const std::optional<std::string>& configured_hex);

}  // namespace cairn::engine

#endif  // CAIRN_ENGINE_KEYS_H_
