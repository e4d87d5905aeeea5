#include "core/env/fault_env.h"

#include <cerrno>

namespace cairn::core {
namespace {

bool OpMatches(FaultOp rule, FaultOp op) { return rule == FaultOp::kAny || rule == op; }

// A File that consults its FaultEnv before each operation and records undo data for writes.
class FaultFile final : public File {
 public:
  FaultFile(FaultEnv* env, std::unique_ptr<File> base, uint64_t generation)
      : env_(env), base_(std::move(base)), generation_(generation) {}

  Result<size_t> ReadAt(uint64_t offset, MutableByteSpan out) override {
    CAIRN_RETURN_IF_ERROR(CheckAlive());
    FaultKind kind;
    CAIRN_RETURN_IF_ERROR(env_->CheckFault(FaultOp::kRead, path(), &kind));
    return base_->ReadAt(offset, out);
  }

  Status WriteAt(uint64_t offset, ByteSpan data) override {
    CAIRN_RETURN_IF_ERROR(CheckAlive());
    FaultKind kind;
    Status fault = env_->CheckFault(FaultOp::kWrite, path(), &kind);
    if (!fault.ok()) {
      if (kind == FaultKind::kTornWrite) {
        // Half the bytes land (never zero, never all, when there is more than one byte).
        size_t keep = data.size() / 2;
        if (keep > 0) WriteTracked(offset, data.first(keep)).IgnoreError();
      }
      return fault;
    }
    return WriteTracked(offset, data);
  }

  Status Append(ByteSpan data) override {
    CAIRN_ASSIGN_OR_RETURN(uint64_t end, Size());
    return WriteAt(end, data);
  }

  Result<uint64_t> Size() override {
    CAIRN_RETURN_IF_ERROR(CheckAlive());
    return base_->Size();
  }

  Status Truncate(uint64_t size) override {
    CAIRN_RETURN_IF_ERROR(CheckAlive());
    FaultKind kind;
    CAIRN_RETURN_IF_ERROR(env_->CheckFault(FaultOp::kWrite, path(), &kind));
    CAIRN_ASSIGN_OR_RETURN(uint64_t old_size, base_->Size());
    if (size < old_size) {
      std::string tail(old_size - size, '\0');
      CAIRN_ASSIGN_OR_RETURN(size_t n, base_->ReadAt(size, AsMutable(tail)));
      tail.resize(n);
      env_->RecordWrite(path(), size, std::move(tail));
    }
    return base_->Truncate(size);
  }

  Status Sync() override { return DoSync(false); }
  Status SyncAll() override { return DoSync(true); }
  Status Close() override { return base_->Close(); }
  const std::string& path() const override { return base_->path(); }

 private:
  static MutableByteSpan AsMutable(std::string& s) {
    return MutableByteSpan(reinterpret_cast<uint8_t*>(s.data()), s.size());
  }

  Status CheckAlive() {
    if (generation_ != env_->generation()) {
      return FailedPreconditionError("file handle opened before a simulated crash: " + path());
    }
    return Status();
  }

  Status WriteTracked(uint64_t offset, ByteSpan data) {
    CAIRN_ASSIGN_OR_RETURN(uint64_t size, base_->Size());
    std::string old;
    if (offset < size) {
      old.resize(std::min<uint64_t>(data.size(), size - offset));
      CAIRN_ASSIGN_OR_RETURN(size_t n, base_->ReadAt(offset, AsMutable(old)));
      old.resize(n);
    }
    env_->RecordWrite(path(), offset, std::move(old));
    return base_->WriteAt(offset, data);
  }

  Status DoSync(bool all) {
    CAIRN_RETURN_IF_ERROR(CheckAlive());
    FaultKind kind;
    CAIRN_RETURN_IF_ERROR(env_->CheckFault(FaultOp::kSync, path(), &kind));
    CAIRN_RETURN_IF_ERROR(all ? base_->SyncAll() : base_->Sync());
    CAIRN_ASSIGN_OR_RETURN(uint64_t size, base_->Size());
    env_->RecordSync(path(), size);
    return Status();
  }

  FaultEnv* env_;
  std::unique_ptr<File> base_;
  uint64_t generation_;
};

}  // namespace

FaultEnv::FaultEnv(Env* target, uint64_t seed) : EnvWrapper(target), rng_(seed) {}

void FaultEnv::InjectFault(const FaultRule& rule) {
  std::lock_guard<std::mutex> lock(mutex_);
  rules_.push_back(rule);
}

void FaultEnv::ClearFaults() {
  std::lock_guard<std::mutex> lock(mutex_);
  rules_.clear();
}

int FaultEnv::faults_fired() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return faults_fired_;
}

uint64_t FaultEnv::generation() {
  std::lock_guard<std::mutex> lock(mutex_);
  return generation_;
}

Status FaultEnv::CheckFault(FaultOp op, const std::string& path, FaultKind* kind_out) {
  std::lock_guard<std::mutex> lock(mutex_);
  for (auto it = rules_.begin(); it != rules_.end(); ++it) {
    FaultRule& rule = *it;
    if (!OpMatches(rule.op, op)) continue;
    if (!rule.path_contains.empty() && path.find(rule.path_contains) == std::string::npos) {
      continue;
    }
    // Kinds that only make sense for one operation do not fire on others.
    if (rule.kind == FaultKind::kTornWrite && op != FaultOp::kWrite) continue;
    if (rule.kind == FaultKind::kSyncFailure && op != FaultOp::kSync && op != FaultOp::kSyncDir) {
      continue;
    }
    if (rule.skip > 0) {
      --rule.skip;
      continue;
    }
    FaultKind kind = rule.kind;
    if (rule.times > 0 && --rule.times == 0) rules_.erase(it);
    ++faults_fired_;
    *kind_out = kind;
    const char* what = op == FaultOp::kSync ? "injected fsync failure" : "injected fault";
    return ErrnoToStatus(kind == FaultKind::kNoSpace ? ENOSPC : EIO,
                         std::string(what) + " on " + path);
  }
  return Status();
}

void FaultEnv::RecordWrite(const std::string& path, uint64_t offset, std::string old_bytes) {
  std::lock_guard<std::mutex> lock(mutex_);
  files_[path].undo.push_back(Undo{offset, std::move(old_bytes)});
}

void FaultEnv::RecordSync(const std::string& path, uint64_t size) {
  std::lock_guard<std::mutex> lock(mutex_);
  FileState& state = files_[path];
  state.undo.clear();
  state.synced_size = size;
}

Result<std::unique_ptr<File>> FaultEnv::OpenFile(const std::string& path,
                                                 const OpenOptions& options) {
  FaultKind kind;
  CAIRN_RETURN_IF_ERROR(CheckFault(FaultOp::kOpen, path, &kind));
  bool existed = target()->FileExists(path);
  uint64_t old_size = 0;
  std::string old_bytes;
  if (existed && options.truncate) {
    CAIRN_ASSIGN_OR_RETURN(old_bytes, ReadFileToString(target(), path));
  } else if (existed) {
    CAIRN_ASSIGN_OR_RETURN(old_size, target()->GetFileSize(path));
  }
  CAIRN_ASSIGN_OR_RETURN(auto base, target()->OpenFile(path, options));
  std::lock_guard<std::mutex> lock(mutex_);
  auto [it, inserted] = files_.try_emplace(path);
  FileState& state = it->second;
  if (inserted) {
    state.synced_size = existed ? old_size : 0;
    state.entry_durable = existed;  // a file that existed before we saw it counts as durable
  }
  if (existed && options.truncate && !old_bytes.empty()) {
    state.undo.push_back(Undo{0, std::move(old_bytes)});
  }
  return std::unique_ptr<File>(new FaultFile(this, std::move(base), generation_));
}

Status FaultEnv::DeleteFile(const std::string& path) {
  FaultKind kind;
  CAIRN_RETURN_IF_ERROR(CheckFault(FaultOp::kDelete, path, &kind));
  CAIRN_RETURN_IF_ERROR(target()->DeleteFile(path));
  std::lock_guard<std::mutex> lock(mutex_);
  files_.erase(path);
  return Status();
}

Status FaultEnv::RenameFile(const std::string& from, const std::string& to) {
  FaultKind kind;
  CAIRN_RETURN_IF_ERROR(CheckFault(FaultOp::kRename, from, &kind));
  bool to_existed = target()->FileExists(to);
  CAIRN_RETURN_IF_ERROR(target()->RenameFile(from, to));
  std::lock_guard<std::mutex> lock(mutex_);
  FileState state;
  if (auto it = files_.find(from); it != files_.end()) {
    state = std::move(it->second);
    files_.erase(it);
  } else {
    CAIRN_ASSIGN_OR_RETURN(state.synced_size, target()->GetFileSize(to));
  }
  if (!to_existed && state.entry_durable) state.renamed_from = from;
  files_[to] = std::move(state);
  return Status();
}

Status FaultEnv::SyncDir(const std::string& path) {
  FaultKind kind;
  CAIRN_RETURN_IF_ERROR(CheckFault(FaultOp::kSyncDir, path, &kind));
  CAIRN_RETURN_IF_ERROR(target()->SyncDir(path));
  std::lock_guard<std::mutex> lock(mutex_);
  for (auto& [name, state] : files_) {
    if (DirName(name) == path) {
      state.entry_durable = true;
      state.renamed_from.clear();
    }
  }
  return Status();
}

Status FaultEnv::SimulateCrash(const CrashOptions& options) {
  std::lock_guard<std::mutex> lock(mutex_);
  ++generation_;
  std::map<std::string, FileState> survivors;
  for (auto& [path, state] : files_) {
    if (!state.entry_durable) {
      Status s = target()->DeleteFile(path);
      if (!s.ok() && s.code() != StatusCode::kNotFound) return s;
      continue;
    }
    CAIRN_ASSIGN_OR_RETURN(auto file, target()->OpenFile(path, OpenOptions{}));
    CAIRN_ASSIGN_OR_RETURN(uint64_t size, file->Size());
    std::string tail;
    if (options.torn_tail && size > state.synced_size) {
      std::uniform_int_distribution<uint64_t> dist(0, size - state.synced_size);
      tail.resize(dist(rng_));
      CAIRN_ASSIGN_OR_RETURN(
          size_t n,
          file->ReadAt(state.synced_size,
                       MutableByteSpan(reinterpret_cast<uint8_t*>(tail.data()), tail.size())));
      tail.resize(n);
    }
    for (auto it = state.undo.rbegin(); it != state.undo.rend(); ++it) {
      CAIRN_RETURN_IF_ERROR(file->WriteAt(it->offset, AsBytes(it->old_bytes)));
    }
    CAIRN_RETURN_IF_ERROR(file->Truncate(state.synced_size));
    if (!tail.empty()) CAIRN_RETURN_IF_ERROR(file->WriteAt(state.synced_size, AsBytes(tail)));
    CAIRN_ASSIGN_OR_RETURN(uint64_t new_size, file->Size());
    CAIRN_RETURN_IF_ERROR(file->Close());
    std::string final_path = path;
    if (!state.renamed_from.empty()) {
      CAIRN_RETURN_IF_ERROR(target()->RenameFile(path, state.renamed_from));
      final_path = state.renamed_from;
    }
    survivors[final_path] = FileState{.synced_size = new_size};
  }
  files_ = std::move(survivors);
  return Status();
}

}  // namespace cairn::core
