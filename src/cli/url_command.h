// `cairn url create s3://bucket/key --ttl 1h [--prefix] [--write]`: prints an ephemeral URL
// (an Ed25519-signed access token, see models/objects/access_token.h) that reads — and with
// --write also writes — one object, or with --prefix every key under a prefix, until it
// expires, without S3 credentials. Signs with DATA_DIR/access-token.key (created by cairnd).
// Exit status: 0 printed, 2 bad arguments or no signing key.
#ifndef CAIRN_CLI_URL_COMMAND_H_
#define CAIRN_CLI_URL_COMMAND_H_

#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>

#include "core/env/env.h"

namespace cairn::cli {

struct UrlOptions {
  std::string target;  // s3://bucket/key (or s3://bucket/prefix with `prefix`)
  std::string ttl = "1h";
  bool prefix = false;
  bool write = false;
  std::string data_dir = "./data";
  std::string endpoint = "http://127.0.0.1:9000";
};

// "90" / "90s" / "15m" / "1h" / "7d" -> seconds; nullopt when malformed or zero.
std::optional<uint64_t> ParseDuration(const std::string& text);

int RunUrlCreate(const UrlOptions& options, core::Env* env, std::FILE* out);

}  // namespace cairn::cli

#endif  // CAIRN_CLI_URL_COMMAND_H_
