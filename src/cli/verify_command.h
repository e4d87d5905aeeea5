// `cairn verify --proof P [--data D]`: checks a Merkle inclusion proof of one object chunk, as
// served by the S3 face at GET /bucket/key?proof&chunk=i (JSON: chunk, chunk_count, chunk_id,
// path, root, offset, length; see docs/s3.md). With --data, also checks that the file holds the
// chunk's bytes (length, and BLAKE3 equal to chunk_id), e.g. fetched with a ranged GET of
// [offset, offset + length). Exit status: 0 verified, 1 verification failed, 2 unusable input.
#ifndef CAIRN_CLI_VERIFY_COMMAND_H_
#define CAIRN_CLI_VERIFY_COMMAND_H_

#include <cstdio>
#include <optional>
#include <string>

#include "core/env/env.h"

namespace cairn::cli {

struct VerifyOptions {
  std::string proof_file;                // "-" for standard input
  std::optional<std::string> data_file;  // the chunk's bytes
  std::optional<std::string> root_hex;   // expected root (e.g. from x-cairn-merkle-root)
};

// Returns the process exit status; prints the verdict to `out` and problems to stderr.
int RunVerify(const VerifyOptions& options, core::Env* env, std::FILE* out);

}  // namespace cairn::cli

#endif  // CAIRN_CLI_VERIFY_COMMAND_H_
