// Fuzzes the TOML config loader: any byte string must give a Config or a clear error, never a
// crash, and lookups on whatever parsed must not crash either.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto config = cairn::core::Config::Parse(text, "fuzz.toml");
  if (!config.ok()) return 0;
  (void)config->GetInt("s3_port", 0, 65535);
  (void)config->GetString("data_dir");
  (void)config->GetBool("log.verbose");
  (void)config->GetInt("a.b.c", INT64_MIN, INT64_MAX);
  (void)config->CheckKnownKeys({"s3_port", "data_dir"});
  return 0;
}
