// Implementation of include/cairn/cairn.h. Every entry point catches everything: no C++
// exception may unwind into a C caller.
#include <span>

#include "cairn/cairn.h"
#include "core/blake3.h"
#include "core/status.h"

extern "C" {

const char* cairn_version(void) { return CAIRN_VERSION; }

int cairn_abi_version(void) { return CAIRN_ABI_VERSION; }

const char* cairn_status_name(int status) {
  if (status == CAIRN_BUFFER_TOO_SMALL) return "BUFFER_TOO_SMALL";
  if (status == CAIRN_WRONG_TYPE) return "WRONG_TYPE";
  if (status < 0 || status > static_cast<int>(cairn::StatusCode::kIoError)) {
    return "UNKNOWN_CODE";
  }
  // StatusCodeName returns views of string literals, so data() is NUL-terminated.
  return cairn::StatusCodeName(static_cast<cairn::StatusCode>(status)).data();
}

cairn_status cairn_blake3(const void* data, size_t len, uint8_t* out, size_t out_len) {
  if (out == nullptr || out_len == 0 || (data == nullptr && len > 0)) {
    return CAIRN_INVALID_ARGUMENT;
  }
  try {
    cairn::core::Blake3Hasher hasher;
    hasher.UpdateParallel(std::span<const uint8_t>(static_cast<const uint8_t*>(data), len), 0);
    hasher.Finalize(std::span<uint8_t>(out, out_len));
    return CAIRN_OK;
  } catch (...) {
    return CAIRN_INTERNAL;
  }
}

}  // extern "C"
