// Config: a parsed TOML configuration file (toml++) with typed, validated lookups.
//
// Keys are dotted paths ("s3_port", "log.level"). Every error names the key and the source file,
// e.g. `cairn.toml: key 's3_port': expected an integer in [0, 65535], got "abc"`, so an operator
// can fix the file without reading code. Unknown keys are errors too (CheckKnownKeys), since a
// misspelt key silently ignored is a configuration that does not do what its author thinks.
//
// Thread safety: immutable after construction; safe to share.
#ifndef CAIRN_CORE_CONFIG_H_
#define CAIRN_CORE_CONFIG_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/env/env.h"
#include "core/result.h"

namespace cairn::core {

class Config {
 public:
  Config();  // empty: every lookup finds nothing
  ~Config();
  Config(Config&&) noexcept;
  Config& operator=(Config&&) noexcept;

  // Errors: kInvalidArgument with the parser's line and column on bad TOML.
  static Result<Config> Parse(std::string_view text, std::string_view source_name);
  // Errors: as Env::OpenFile (kNotFound ...), or as Parse.
  static Result<Config> LoadFile(Env* env, const std::string& path);

  // Missing keys give std::nullopt. A value of the wrong type or out of [min, max] gives
  // kInvalidArgument naming the key.
  Result<std::optional<int64_t>> GetInt(std::string_view key, int64_t min, int64_t max) const;
  Result<std::optional<std::string>> GetString(std::string_view key) const;
  Result<std::optional<bool>> GetBool(std::string_view key) const;

  // kInvalidArgument naming the first leaf key that is not in `known` (dotted paths).
  Status CheckKnownKeys(const std::vector<std::string>& known) const;

  const std::string& source_name() const { return source_name_; }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::string source_name_;
};

}  // namespace cairn::core

#endif  // CAIRN_CORE_CONFIG_H_
