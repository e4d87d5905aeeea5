#include "engine/keys.h"

#include <spdlog/spdlog.h>

#include "core/blake3.h"

namespace cairn::engine {
namespace {

constexpr std::string_view kCheckContext = "cairn master key check v1";

Result<MasterKey> ParseKey(std::string_view hex, std::string_view source) {
  while (!hex.empty() && (hex.back() == '\n' || hex.back() == ' ')) hex.remove_suffix(1);
  std::string raw;
  if (hex.size() != 64 || !HexDecode(hex, &raw)) {
    return InvalidArgumentError(std::string(source) + ": master key must be 64 hex digits");
  }
  MasterKey key;
  std::memcpy(key.bytes.data(), raw.data(), 32);
  return key;
}

std::string CheckValue(const MasterKey& key) {
  core::Blake3Hasher h = core::Blake3Hasher::Keyed(key.bytes);
  h.Update(kCheckContext);
  return HexEncode(h.Finalize()) + "\n";
}

}  // namespace

Result<MasterKey> LoadOrCreateMasterKey(core::Env* env, const std::string& key_dir,
                                        const std::optional<std::string>& configured_hex) {
  CAIRN_RETURN_IF_ERROR(core::CreateDirs(env, key_dir));
  std::string key_path = core::JoinPath(key_dir, "master.key");
  std::string check_path = core::JoinPath(key_dir, "master.check");
  MasterKey key;
  if (configured_hex) {
    CAIRN_ASSIGN_OR_RETURN(key, ParseKey(*configured_hex, "configured master key"));
  } else if (env->FileExists(key_path)) {
    CAIRN_ASSIGN_OR_RETURN(std::string text, core::ReadFileToString(env, key_path));
    CAIRN_ASSIGN_OR_RETURN(key, ParseKey(text, key_path));
  } else {
    env->RandomBytes(MutableByteSpan(key.bytes));
    std::string hex = HexEncode(ByteSpan(key.bytes)) + "\n";
    CAIRN_RETURN_IF_ERROR(core::WriteFileAtomically(env, key_path, AsBytes(hex), 0600));
    spdlog::info("generated a new master key in {} (back it up: without it the data is lost)",
                 key_path);
  }
  std::string check = CheckValue(key);
  if (env->FileExists(check_path)) {
    CAIRN_ASSIGN_OR_RETURN(std::string stored, core::ReadFileToString(env, check_path));
    if (stored != check) {
      return PermissionDeniedError("the master key does not match this data directory (" +
                                   check_path + ")");
    }
  } else {
    CAIRN_RETURN_IF_ERROR(core::WriteFileAtomically(env, check_path, AsBytes(check)));
  }
  return key;
}

}  // namespace cairn::engine
