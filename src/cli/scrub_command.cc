#include "cli/scrub_command.h"

#include "engine/chunk_store.h"

namespace cairn::cli {

int RunScrub(const ScrubOptions& options, core::Env* env, std::FILE* out) {
  std::string dir = core::JoinPath(options.data_dir, "engine");
  if (!env->FileExists(dir)) {
    std::fprintf(stderr, "cairn scrub: no store in %s\n", options.data_dir.c_str());
    return 2;
  }
  engine::ChunkStoreOptions o;
  o.env = env;
  o.dir = dir;
  o.master_key_hex = options.master_key_hex;
  auto store = engine::ChunkStore::Open(o);
  if (!store.ok()) {
    std::fprintf(stderr, "cairn scrub: cannot open the store in %s: %s\n", options.data_dir.c_str(),
                 std::string(store.status().message()).c_str());
    return 2;
  }
  auto report = (*store)->Scrub();
  if (!report.ok()) {
    std::fprintf(stderr, "cairn scrub: %s\n", std::string(report.status().message()).c_str());
    return 2;
  }
  for (const auto& [id, status] : report->corrupt) {
    std::fprintf(out, "corrupt chunk %s: %s\n", HexEncode(ByteSpan(id)).c_str(),
                 status.ToString().c_str());
  }
  std::fprintf(out, "scrub: %llu chunks checked, %zu corrupt\n",
               static_cast<unsigned long long>(report->chunks_checked), report->corrupt.size());
  return report->corrupt.empty() ? 0 : 1;
}

}  // namespace cairn::cli
