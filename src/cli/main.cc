// cairn: the command-line tool. Subcommands: hash, version (more arrive with their faces).
#include <CLI/CLI.hpp>
#include <cstdio>
#include <cstdlib>
#include <iostream>

#include "cli/hash_command.h"
#include "cli/scrub_command.h"
#include "core/blake3.h"

int main(int argc, char** argv) {
  using namespace cairn;
  CLI::App app{"cairn: command-line client for the cairn storage system", "cairn"};
  app.require_subcommand(1);

  cli::HashOptions hash;
  std::string backend = "auto";
  CLI::App* hash_cmd = app.add_subcommand("hash", "BLAKE3 of files (output like b3sum)");
  hash_cmd->add_option("files", hash.files, "files to hash ('-' for standard input)")->required();
  hash_cmd->add_option("--threads", hash.threads, "hashing threads (0 = all cores)")
      ->check(CLI::Range(0, 1024));
  hash_cmd->add_option("--length", hash.length, "output length in bytes")
      ->check(CLI::Range(1, 1 << 20));
  hash_cmd->add_option("--simd", backend, "SIMD path: auto, portable, avx2, avx512")
      ->check(CLI::IsMember({"auto", "portable", "avx2", "avx512"}));
  hash_cmd->add_flag(
      "--no-progress", [&hash](int64_t) { hash.progress = false; }, "never draw a progress bar");

  cli::ScrubOptions scrub;
  CLI::App* scrub_cmd =
      app.add_subcommand("scrub", "re-verify every stored chunk (exit 1 if any is corrupt)");
  scrub_cmd->add_option("--data-dir", scrub.data_dir, "cairnd data directory")
      ->capture_default_str();

  CLI::App* version_cmd = app.add_subcommand("version", "print the version");

  CLI11_PARSE(app, argc, argv);

  if (version_cmd->parsed()) {
    std::printf("cairn %s (blake3 simd: %s)\n", CAIRN_VERSION,
                core::Blake3BackendName(core::Blake3BestBackend()));
    return 0;
  }
  if (scrub_cmd->parsed()) {
    if (const char* key = std::getenv("CAIRN_MASTER_KEY")) scrub.master_key_hex = key;
    return cli::RunScrub(scrub, core::Env::Default(), stdout);
  }
  if (hash_cmd->parsed()) {
    if (backend != "auto") {
      core::Blake3Backend want = backend == "portable" ? core::Blake3Backend::kPortable
                                 : backend == "avx2"   ? core::Blake3Backend::kAvx2
                                                       : core::Blake3Backend::kAvx512;
      if (!core::Blake3BackendSupported(want)) {
        std::fprintf(stderr, "cairn hash: this CPU does not support the %s path\n",
                     backend.c_str());
        return 2;
      }
      hash.backend = want;
    }
    return cli::RunHash(hash, stdout).ok() ? 0 : 1;
  }
  return 0;
}
