// `cairn scrub --data-dir D`: re-reads every stored chunk of the store in D, re-verifies its
// authentication tag and BLAKE3 id, and lists the corrupt ones. Exit status: 0 clean, 1 corruption
// found, 2 the store could not be opened (for example while cairnd holds it).
#ifndef CAIRN_CLI_SCRUB_COMMAND_H_
#define CAIRN_CLI_SCRUB_COMMAND_H_

#include <cstdio>
#include <optional>
#include <string>

#include "core/env/env.h"

namespace cairn::cli {

struct ScrubOptions {
  std::string data_dir = "./data";
  std::optional<std::string> master_key_hex;  // else DATA_DIR/engine/keys/master.key
};

// Returns the process exit status; prints the report to `out` and errors to stderr.
int RunScrub(const ScrubOptions& options, core::Env* env, std::FILE* out);

}  // namespace cairn::cli

#endif  // CAIRN_CLI_SCRUB_COMMAND_H_
