// MemEnv: an Env whose files and directories live in memory (for fast unit tests).
#include <algorithm>
#include <chrono>
#include <cstring>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include "core/env/env.h"

namespace cairn::core {
namespace {

struct FileData {
  std::mutex mutex;
  std::string bytes;
};

class MemFile final : public File {
 public:
  MemFile(std::string path, std::shared_ptr<FileData> data, bool read_only)
      : path_(std::move(path)), data_(std::move(data)), read_only_(read_only) {}

  Result<size_t> ReadAt(uint64_t offset, MutableByteSpan out) override {
    if (!data_) return Closed();
    std::lock_guard<std::mutex> lock(data_->mutex);
    if (offset >= data_->bytes.size()) return size_t{0};
    size_t n = std::min<size_t>(out.size(), data_->bytes.size() - offset);
    if (n > 0) std::memcpy(out.data(), data_->bytes.data() + offset, n);
    return n;
  }

  Status WriteAt(uint64_t offset, ByteSpan data) override {
    if (!data_) return Closed();
    if (read_only_) return PermissionDeniedError("write to read-only file " + path_);
    std::lock_guard<std::mutex> lock(data_->mutex);
    if (data_->bytes.size() < offset + data.size()) data_->bytes.resize(offset + data.size());
    if (!data.empty()) std::memcpy(data_->bytes.data() + offset, data.data(), data.size());
    return Status();
  }

  Status Append(ByteSpan data) override {
    if (!data_) return Closed();
    uint64_t end;
    {
      std::lock_guard<std::mutex> lock(data_->mutex);
      end = data_->bytes.size();
    }
    return WriteAt(end, data);
  }

  Result<uint64_t> Size() override {
    if (!data_) return Closed();
    std::lock_guard<std::mutex> lock(data_->mutex);
    return static_cast<uint64_t>(data_->bytes.size());
  }

  Status Truncate(uint64_t size) override {
    if (!data_) return Closed();
    std::lock_guard<std::mutex> lock(data_->mutex);
    data_->bytes.resize(size);
    return Status();
  }

  Status Sync() override { return data_ ? Status() : Closed(); }
  Status SyncAll() override { return data_ ? Status() : Closed(); }
  Status Close() override {
    data_.reset();
    return Status();
  }
  const std::string& path() const override { return path_; }

 private:
  Status Closed() const { return FailedPreconditionError("file is closed: " + path_); }

  std::string path_;
  std::shared_ptr<FileData> data_;
  bool read_only_;
};

class MemEnv;

class MemFileLock final : public FileLock {
 public:
  MemFileLock(MemEnv* env, std::string path) : env_(env), path_(std::move(path)) {}
  ~MemFileLock() override;

 private:
  MemEnv* env_;
  std::string path_;
};

class MemEnv final : public Env {
 public:
  MemEnv() {
    dirs_.insert("/");
    dirs_.insert(".");
  }

  Result<std::unique_ptr<File>> OpenFile(const std::string& path,
                                         const OpenOptions& options) override {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = files_.find(path);
    if (it == files_.end()) {
      if (!options.create) return NotFoundError("open " + path + ": No such file or directory");
      if (!dirs_.count(DirName(path))) {
        return NotFoundError("open " + path + ": parent directory does not exist");
      }
      if (dirs_.count(path)) return InvalidArgumentError("open " + path + ": is a directory");
      it = files_.emplace(path, std::make_shared<FileData>()).first;
    } else if (options.create && options.exclusive) {
      return AlreadyExistsError("open " + path + ": File exists");
    }
    if (options.truncate) {
      std::lock_guard<std::mutex> data_lock(it->second->mutex);
      it->second->bytes.clear();
    }
    return std::unique_ptr<File>(new MemFile(path, it->second, options.read_only));
  }

  bool FileExists(const std::string& path) override {
    std::lock_guard<std::mutex> lock(mutex_);
    return files_.count(path) > 0 || dirs_.count(path) > 0;
  }

  Result<uint64_t> GetFileSize(const std::string& path) override {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = files_.find(path);
    if (it == files_.end()) return NotFoundError("stat " + path + ": No such file or directory");
    std::lock_guard<std::mutex> data_lock(it->second->mutex);
    return static_cast<uint64_t>(it->second->bytes.size());
  }

  Status DeleteFile(const std::string& path) override {
    std::lock_guard<std::mutex> lock(mutex_);
    if (files_.erase(path) == 0) return NotFoundError("unlink " + path + ": No such file");
    return Status();
  }

  Status RenameFile(const std::string& from, const std::string& to) override {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = files_.find(from);
    if (it == files_.end()) return NotFoundError("rename " + from + ": No such file");
    if (!dirs_.count(DirName(to))) return NotFoundError("rename to " + to + ": no parent");
    auto data = it->second;
    files_.erase(it);
    files_[to] = std::move(data);
    return Status();
  }

  Status CreateDir(const std::string& path) override {
    std::lock_guard<std::mutex> lock(mutex_);
    if (files_.count(path)) return FailedPreconditionError("not a directory: " + path);
    if (!dirs_.count(DirName(path))) return NotFoundError("mkdir " + path + ": no parent");
    dirs_.insert(path);
    return Status();
  }

  Status DeleteDir(const std::string& path) override {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!dirs_.count(path)) return NotFoundError("rmdir " + path + ": No such directory");
    if (!ChildrenLocked(path).empty())
      return FailedPreconditionError("rmdir " + path + ": not empty");
    dirs_.erase(path);
    return Status();
  }

  Result<std::vector<std::string>> ListDir(const std::string& path) override {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!dirs_.count(path)) return NotFoundError("opendir " + path + ": No such directory");
    std::set<std::string> names = ChildrenLocked(path);
    return std::vector<std::string>(names.begin(), names.end());
  }

  Status SyncDir(const std::string& path) override {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!dirs_.count(path)) return NotFoundError("sync dir " + path + ": No such directory");
    return Status();
  }

  Result<std::unique_ptr<FileLock>> LockFile(const std::string& path) override {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!locks_.insert(path).second) {
      return UnavailableError("lock is held by another process: " + path);
    }
    if (!files_.count(path)) files_.emplace(path, std::make_shared<FileData>());
    return std::unique_ptr<FileLock>(new MemFileLock(this, path));
  }

  void Unlock(const std::string& path) {
    std::lock_guard<std::mutex> lock(mutex_);
    locks_.erase(path);
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
    std::lock_guard<std::mutex> lock(mutex_);
    for (auto& b : out) b = static_cast<uint8_t>(random_());
  }

 private:
  std::set<std::string> ChildrenLocked(const std::string& dir) {
    std::set<std::string> names;
    auto add = [&](const std::string& p) {
      if (p != dir && DirName(p) == dir) names.insert(p.substr(p.find_last_of('/') + 1));
    };
    for (const auto& [p, _] : files_) add(p);
    for (const auto& p : dirs_) add(p);
    return names;
  }

  std::mutex mutex_;
  std::map<std::string, std::shared_ptr<FileData>> files_;
  std::set<std::string> dirs_;
  std::set<std::string> locks_;
  std::random_device random_;
};

MemFileLock::~MemFileLock() { env_->Unlock(path_); }

}  // namespace

std::unique_ptr<Env> NewMemEnv() { return std::make_unique<MemEnv>(); }

}  // namespace cairn::core
