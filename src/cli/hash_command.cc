#include "cli/hash_command.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <memory>

#include "cli/progress.h"
#include "core/bytes.h"

namespace cairn::cli {
namespace {

constexpr uint64_t kProgressThreshold = 256ull << 20;  // only big files get a bar
constexpr uint64_t kSlice = 64ull << 20;               // progress granularity for mapped files

Status HashStream(int fd, core::Blake3Hasher* hasher) {
  std::unique_ptr<uint8_t[]> buf(new uint8_t[1 << 20]);
  for (;;) {
    ssize_t n = ::read(fd, buf.get(), 1 << 20);
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoToStatus(errno, "read");
    }
    if (n == 0) return Status();
    hasher->Update(ByteSpan(buf.get(), static_cast<size_t>(n)));
  }
}

Status HashFile(const std::string& path, const HashOptions& options, std::string* hex) {
  core::Blake3Hasher hasher(options.backend);
  int fd = path == "-" ? STDIN_FILENO : ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ErrnoToStatus(errno, path);
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    int err = errno;
    if (fd != STDIN_FILENO) ::close(fd);
    return ErrnoToStatus(err, path);
  }
  Status s;
  if (S_ISDIR(st.st_mode)) {
    s = InvalidArgumentError(path + ": Is a directory");
  } else if (!S_ISREG(st.st_mode) || st.st_size == 0) {
    s = HashStream(fd, &hasher).WithContext(path);
  } else {
    uint64_t size = static_cast<uint64_t>(st.st_size);
    void* map = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (map == MAP_FAILED) {
      s = HashStream(fd, &hasher).WithContext(path);  // e.g. a filesystem without mmap
    } else {
      ::madvise(map, size, MADV_SEQUENTIAL);  // separate advice values, not flags
      ::madvise(map, size, MADV_WILLNEED);
      const uint8_t* base = static_cast<const uint8_t*>(map);
      bool show = options.progress && size >= kProgressThreshold && StderrIsTty();
      ProgressBar bar(path, size, show);
      // Without a bar, one call: every split point is a join where a thread may idle. With a
      // bar, slices (multiples of the chunk size, so the tree is unchanged) let it move.
      uint64_t slice = show ? kSlice : size;
      for (uint64_t off = 0; off < size; off += slice) {
        uint64_t n = std::min(slice, size - off);
        hasher.UpdateParallel(ByteSpan(base + off, n), options.threads);
        bar.Update(off + n);
      }
      ::munmap(map, size);
    }
  }
  if (fd != STDIN_FILENO) ::close(fd);
  if (!s.ok()) return s;
  std::vector<uint8_t> out(options.length);
  hasher.Finalize(out);
  *hex = HexEncode(out);
  return Status();
}

}  // namespace

Status RunHash(const HashOptions& options, std::FILE* out) {
  Status first;
  for (const std::string& path : options.files) {
    std::string hex;
    Status s = HashFile(path, options, &hex);
    if (!s.ok()) {
      std::fprintf(stderr, "cairn hash: %s\n", std::string(s.message()).c_str());
      if (first.ok()) first = s;
      continue;
    }
    std::fprintf(out, "%s  %s\n", hex.c_str(), path.c_str());
  }
  return first;
}

}  // namespace cairn::cli
