// PosixEnv: Env over POSIX file descriptors (pread/pwrite, fdatasync, flock, getrandom).
#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <thread>

#include "core/env/env.h"

namespace cairn::core {
namespace {

Status PosixError(const std::string& context, int err) { return ErrnoToStatus(err, context); }

class PosixFile final : public File {
 public:
  PosixFile(std::string path, int fd, bool read_only)
      : path_(std::move(path)), fd_(fd), read_only_(read_only) {}
  ~PosixFile() override { Close().IgnoreError(); }

  Result<size_t> ReadAt(uint64_t offset, MutableByteSpan out) override {
    if (fd_ < 0) return Closed();
    size_t done = 0;
    while (done < out.size()) {
      ssize_t n =
          ::pread(fd_, out.data() + done, out.size() - done, static_cast<off_t>(offset + done));
      if (n < 0) {
        if (errno == EINTR) continue;
        return PosixError("read " + path_, errno);
      }
      if (n == 0) break;  // end of file
      done += static_cast<size_t>(n);
    }
    return done;
  }

  Status WriteAt(uint64_t offset, ByteSpan data) override {
    if (fd_ < 0) return Closed();
    if (read_only_) return PermissionDeniedError("write to read-only file " + path_);
    size_t done = 0;
    while (done < data.size()) {
      ssize_t n =
          ::pwrite(fd_, data.data() + done, data.size() - done, static_cast<off_t>(offset + done));
      if (n < 0) {
        if (errno == EINTR) continue;
        return PosixError("write " + path_, errno);
      }
      done += static_cast<size_t>(n);
    }
    return Status();
  }

  Status Append(ByteSpan data) override {
    CAIRN_ASSIGN_OR_RETURN(uint64_t end, Size());
    return WriteAt(end, data);
  }

  Result<uint64_t> Size() override {
    if (fd_ < 0) return Closed();
    struct stat st;
    if (::fstat(fd_, &st) != 0) return PosixError("stat " + path_, errno);
    return static_cast<uint64_t>(st.st_size);
  }

  Status Truncate(uint64_t size) override {
    if (fd_ < 0) return Closed();
    if (::ftruncate(fd_, static_cast<off_t>(size)) != 0) {
      return PosixError("truncate " + path_, errno);
    }
    return Status();
  }

  Status Sync() override {
    if (fd_ < 0) return Closed();
    if (::fdatasync(fd_) != 0) return PosixError("fdatasync " + path_, errno);
    return Status();
  }

  Status SyncAll() override {
    if (fd_ < 0) return Closed();
    if (::fsync(fd_) != 0) return PosixError("fsync " + path_, errno);
    return Status();
  }

  Status Close() override {
    if (fd_ < 0) return Status();
    int rc = ::close(fd_);
    fd_ = -1;
    if (rc != 0 && errno != EINTR) return PosixError("close " + path_, errno);
    return Status();
  }

  const std::string& path() const override { return path_; }

 private:
  Status Closed() const { return FailedPreconditionError("file is closed: " + path_); }

  std::string path_;
  int fd_;
  bool read_only_;
};

class PosixFileLock final : public FileLock {
 public:
  explicit PosixFileLock(int fd) : fd_(fd) {}
  ~PosixFileLock() override {
    ::flock(fd_, LOCK_UN);
    ::close(fd_);
  }

 private:
  int fd_;
};

class PosixEnv final : public Env {
 public:
  Result<std::unique_ptr<File>> OpenFile(const std::string& path,
                                         const OpenOptions& options) override {
    int flags = O_CLOEXEC | (options.read_only ? O_RDONLY : O_RDWR);
    if (options.create) flags |= O_CREAT;
    if (options.create && options.exclusive) flags |= O_EXCL;
    if (options.truncate) flags |= O_TRUNC;
    int fd;
    do {
      fd = ::open(path.c_str(), flags, static_cast<mode_t>(options.mode));
    } while (fd < 0 && errno == EINTR);
    if (fd < 0) return PosixError("open " + path, errno);
    return std::unique_ptr<File>(new PosixFile(path, fd, options.read_only));
  }

  bool FileExists(const std::string& path) override { return ::access(path.c_str(), F_OK) == 0; }

  Result<uint64_t> GetFileSize(const std::string& path) override {
    struct stat st;
    if (::stat(path.c_str(), &st) != 0) return PosixError("stat " + path, errno);
    return static_cast<uint64_t>(st.st_size);
  }

  Status DeleteFile(const std::string& path) override {
    if (::unlink(path.c_str()) != 0) return PosixError("unlink " + path, errno);
    return Status();
  }

  Status RenameFile(const std::string& from, const std::string& to) override {
    if (::rename(from.c_str(), to.c_str()) != 0) {
      return PosixError("rename " + from + " -> " + to, errno);
    }
    return Status();
  }

  Status CreateDir(const std::string& path) override {
    if (::mkdir(path.c_str(), 0755) == 0) return Status();
    int err = errno;
    struct stat st;
    if (err == EEXIST && ::stat(path.c_str(), &st) == 0) {
      if (S_ISDIR(st.st_mode)) return Status();
      return FailedPreconditionError("not a directory: " + path);
    }
    return PosixError("mkdir " + path, err);
  }

  Status DeleteDir(const std::string& path) override {
    if (::rmdir(path.c_str()) != 0) return PosixError("rmdir " + path, errno);
    return Status();
  }

  Result<std::vector<std::string>> ListDir(const std::string& path) override {
    DIR* dir = ::opendir(path.c_str());
    if (dir == nullptr) return PosixError("opendir " + path, errno);
    std::vector<std::string> names;
    while (struct dirent* entry = ::readdir(dir)) {
      std::string name = entry->d_name;
      if (name != "." && name != "..") names.push_back(std::move(name));
    }
    ::closedir(dir);
    std::sort(names.begin(), names.end());
    return names;
  }

  Status SyncDir(const std::string& path) override {
    int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return PosixError("open dir " + path, errno);
    int rc = ::fsync(fd);
    int err = errno;
    ::close(fd);
    if (rc != 0) return PosixError("fsync dir " + path, err);
    return Status();
  }

  Result<std::unique_ptr<FileLock>> LockFile(const std::string& path) override {
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) return PosixError("open lock file " + path, errno);
    // flock locks belong to the open file description, so a second LockFile() on the same path
    // fails even inside one process.
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
      int err = errno;
      ::close(fd);
      if (err == EWOULDBLOCK) return UnavailableError("lock is held by another process: " + path);
      return PosixError("lock " + path, err);
    }
    return std::unique_ptr<FileLock>(new PosixFileLock(fd));
  }

  uint64_t NowMicros() override {
    return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                     std::chrono::steady_clock::now().time_since_epoch())
                                     .count());
  }

  uint64_t UnixMicros() override {
    return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                     std::chrono::system_clock::now().time_since_epoch())
                                     .count());
  }

  void SleepForMicros(uint64_t micros) override {
    std::this_thread::sleep_for(std::chrono::microseconds(micros));
  }

  void RandomBytes(MutableByteSpan out) override {
    size_t done = 0;
    while (done < out.size()) {
      ssize_t n = ::getrandom(out.data() + done, out.size() - done, 0);
      if (n < 0) {
        if (errno == EINTR) continue;
        std::abort();  // the kernel CSPRNG failing is unrecoverable
      }
      done += static_cast<size_t>(n);
    }
  }
};

}  // namespace

Env* Env::Default() {
  static PosixEnv* env = new PosixEnv();  // never destroyed: used until exit
  return env;
}

}  // namespace cairn::core
