// Options of the graph model and the names of its snapshot read paths.
//
// Thread safety: plain values.
#ifndef CAIRN_MODELS_GRAPH_GRAPH_OPTIONS_H_
#define CAIRN_MODELS_GRAPH_GRAPH_OPTIONS_H_

#include <cstdint>
#include <string>
#include <string_view>

namespace cairn::core {
class Env;
}  // namespace cairn::core

namespace cairn::graph {

// How the CSR snapshot files are read.
enum class ReadMode : uint8_t {
  // mmap when the snapshot's files fit memory_budget_bytes, else kDirect.
  kAuto,
  kMmap,
  // O_DIRECT reads through io_uring (falling back to O_DIRECT pread where io_uring is refused,
  // and to buffered pread where O_DIRECT is refused, e.g. some tmpfs); per-node arrays
  // (offsets, ids, liveness) are loaded into memory, edge arrays and columns are read on demand.
  kDirect,
  // Buffered pread, otherwise as kDirect.
  kBuffered,
  // Files are read whole into memory through the Env. The only mode for an Env whose files are
  // not OS files (MemEnv, FaultEnv over MemEnv); the others need the OS path of each file.
  kEnv,
};

// The path that actually serves reads (after fallbacks).
enum class ReadPath : uint8_t {
  kNone,         // no snapshot yet
  kMmap,         // mapped files
  kDirectUring,  // O_DIRECT + io_uring
  kDirectPread,  // O_DIRECT + pread (io_uring unavailable)
  kBuffered,     // buffered pread (requested, or O_DIRECT refused)
  kEnvMemory,    // loaded through the Env
};
std::string_view ReadPathName(ReadPath path);

struct GraphOptions {
  core::Env* env = nullptr;  // required; must outlive the graph
  std::string dir;           // created if missing; one graph per directory (LOCK)

  // Write returns only once its WAL record is fdatasync'ed (group commit: one sync covers every
  // writer waiting). false: written to the file but not synced (a machine crash may lose it).
  bool sync = true;
  uint64_t wal_segment_bytes = 64ull << 20;

  // A background compaction starts once the delta layer holds this many operations (0: never;
  // call Compact()).
  uint64_t compact_after_ops = 1u << 20;

  ReadMode read_mode = ReadMode::kAuto;
  // kAuto maps the snapshot when its files total at most this many bytes.
  uint64_t memory_budget_bytes = 8ull << 30;
  unsigned io_queue_depth = 64;  // io_uring submission queue depth (kDirect)
  // Verify every snapshot file's CRC32C when it is opened (reads all of it once).
  bool verify_checksums = true;

  // Threads that run one BFS (the caller's thread included); 0: one per hardware thread.
  unsigned query_threads = 0;
};

}  // namespace cairn::graph

#endif  // CAIRN_MODELS_GRAPH_GRAPH_OPTIONS_H_
