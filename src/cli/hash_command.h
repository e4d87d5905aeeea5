// `cairn hash FILE...`: BLAKE3 of files, printed like b3sum ("<hex>  <path>").
//
// Files are memory-mapped and hashed with all cores by default (--threads N to limit), with a
// progress bar on stderr for large files when stderr is a terminal.
#ifndef CAIRN_CLI_HASH_COMMAND_H_
#define CAIRN_CLI_HASH_COMMAND_H_

#include <cstdio>
#include <string>
#include <vector>

#include "core/blake3.h"
#include "core/status.h"

namespace cairn::cli {

struct HashOptions {
  std::vector<std::string> files;  // "-" is standard input
  unsigned threads = 0;            // 0: all cores
  core::Blake3Backend backend = core::Blake3BestBackend();
  size_t length = 32;    // output bytes (XOF)
  bool progress = true;  // draw a progress bar when stderr is a TTY
};

// Hashes every file, printing one line per file to `out`. A file that cannot be read is
// reported on stderr and hashing continues; the returned Status is the first such error.
Status RunHash(const HashOptions& options, std::FILE* out);

}  // namespace cairn::cli

#endif  // CAIRN_CLI_HASH_COMMAND_H_
