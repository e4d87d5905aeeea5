#include "core/env/env.h"

namespace cairn::core {

std::string JoinPath(const std::string& dir, const std::string& name) {
  if (dir.empty()) return name;
  if (dir.back() == '/') return dir + name;
  return dir + "/" + name;
}

std::string DirName(const std::string& path) {
  size_t slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

Status CreateDirs(Env* env, const std::string& path) {
  if (path.empty() || path == "." || path == "/") return Status();
  if (env->FileExists(path)) return env->CreateDir(path);  // OK if it is a directory
  std::string parent = DirName(path);
  if (parent != path) CAIRN_RETURN_IF_ERROR(CreateDirs(env, parent));
  return env->CreateDir(path);
}

Result<std::string> ReadFileToString(Env* env, const std::string& path) {
  CAIRN_ASSIGN_OR_RETURN(auto file, env->OpenFile(path, OpenOptions{.read_only = true}));
  std::string out;
  uint64_t offset = 0;
  char buf[64 * 1024];
  for (;;) {
    CAIRN_ASSIGN_OR_RETURN(
        size_t n,
        file->ReadAt(offset, MutableByteSpan(reinterpret_cast<uint8_t*>(buf), sizeof(buf))));
    if (n == 0) break;
    out.append(buf, n);
    offset += n;
  }
  CAIRN_RETURN_IF_ERROR(file->Close());
  return out;
}

Status WriteFileAtomically(Env* env, const std::string& path, ByteSpan data, uint32_t mode) {
  std::string tmp = path + ".tmp";
  // A stale temporary from a crash may carry other permissions: start from nothing.
  if (env->FileExists(tmp)) CAIRN_RETURN_IF_ERROR(env->DeleteFile(tmp));
  {
    CAIRN_ASSIGN_OR_RETURN(
        auto file, env->OpenFile(tmp, OpenOptions{.create = true, .truncate = true, .mode = mode}));
    CAIRN_RETURN_IF_ERROR(file->Append(data));
    CAIRN_RETURN_IF_ERROR(file->Sync());
    CAIRN_RETURN_IF_ERROR(file->Close());
  }
  CAIRN_RETURN_IF_ERROR(env->RenameFile(tmp, path));
  return env->SyncDir(DirName(path));
}

}  // namespace cairn::core
