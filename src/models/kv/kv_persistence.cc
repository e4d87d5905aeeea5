#include "models/kv/kv_persistence.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>

#include "core/coding.h"
#include "core/hash.h"

namespace cairn::kv {
namespace {

constexpr uint8_t kPut = 1, kDel = 2, kFlush = 3, kMark = 4, kCommand = 5, kBatch = 6;
// Above this many queued bytes a write commits at once, so the queue stays bounded.
constexpr size_t kMaxQueuedBytes = 64u << 20;

// The transaction (MULTI/EXEC) being collected on this thread, and its records.
thread_local const void* tl_txn_owner = nullptr;
thread_local std::string tl_txn_records;

// Single-key collection commands whose effect is a pure function of the key's prior state:
// logged as the command itself (a few bytes) instead of the whole collection, when the key
// has no expiry (so replay cannot meet a different expiry state than the original run did).
bool LoggedAsCommand(const CommandSpec& spec) {
  static const StringSet kCommands = {"hset",
                                      "hsetnx",
                                      "hmset",
                                      "hdel",
                                      "hincrby",
                                      "hincrbyfloat",
                                      "lpush",
                                      "rpush",
                                      "lpushx",
                                      "rpushx",
                                      "lpop",
                                      "rpop",
                                      "lset",
                                      "lrem",
                                      "ltrim",
                                      "linsert",
                                      "sadd",
                                      "srem",
                                      "zadd",
                                      "zrem",
                                      "zincrby",
                                      "zpopmin",
                                      "zpopmax",
                                      "zremrangebyrank",
                                      "zremrangebyscore",
                                      "zremrangebylex"};
  return spec.first_key == 1 && spec.last_key == 1 && kCommands.count(spec.name) > 0;
}

// Commands whose effect does not depend on the prior state at all (so not on the clock either):
// MSET and a plain SET (no options) set values and drop any expiry.
bool AlwaysLoggedAsCommand(const CommandSpec& spec, Args argv) {
  return spec.name == "mset" || (spec.name == "set" && argv.size() == 3);
}
constexpr char kSnapshotMagic[8] = {'C', 'A', 'I', 'R', 'N', 'K', 'V', '1'};
constexpr uint32_t kSnapshotEnd = 0xffffffffu;

// Little-endian appenders and a bounds-checked reader.
void PutU8(std::string* o, uint8_t v) { o->push_back(static_cast<char>(v)); }
void PutU32(std::string* o, uint32_t v) {
  uint8_t b[4];
  core::EncodeFixed32(b, v);
  o->append(reinterpret_cast<char*>(b), 4);
}
void PutU64(std::string* o, uint64_t v) {
  uint8_t b[8];
  core::EncodeFixed64(b, v);
  o->append(reinterpret_cast<char*>(b), 8);
}
void PutStr(std::string* o, std::string_view s) {
  PutU32(o, static_cast<uint32_t>(s.size()));
  o->append(s);
}

struct Reader {
  std::string_view d;
  bool U8(uint8_t* v) {
    if (d.size() < 1) return false;
    *v = static_cast<uint8_t>(d[0]);
    d.remove_prefix(1);
    return true;
  }
  bool U32(uint32_t* v) {
    if (d.size() < 4) return false;
    *v = core::DecodeFixed32(reinterpret_cast<const uint8_t*>(d.data()));
    d.remove_prefix(4);
    return true;
  }
  bool U64(uint64_t* v) {
    if (d.size() < 8) return false;
    *v = core::DecodeFixed64(reinterpret_cast<const uint8_t*>(d.data()));
    d.remove_prefix(8);
    return true;
  }
  bool Str(std::string* s) {
    uint32_t n = 0;
    if (!U32(&n) || d.size() < n) return false;
    s->assign(d.substr(0, n));
    d.remove_prefix(n);
    return true;
  }
};

std::string KeyRecord(int db, std::string_view key) {
  std::string r;
  PutU32(&r, static_cast<uint32_t>(db));
  PutStr(&r, key);
  return r;
}

void EncodeValueTo(std::string* out, const Value& v) {
  PutU8(out, static_cast<uint8_t>(v.type()));
  PutU64(out, static_cast<uint64_t>(v.expire_at_ms));
  switch (v.type()) {
    case Type::kString:
      PutStr(out, v.str());
      break;
    case Type::kHash: {
      const auto& h = v.hash();
      PutU32(out, static_cast<uint32_t>(h.size()));
      for (const auto& [f, x] : h) {
        PutStr(out, f);
        PutStr(out, x);
      }
      break;
    }
    case Type::kList: {
      const auto& l = v.list();
      PutU32(out, static_cast<uint32_t>(l.size()));
      for (const auto& x : l) PutStr(out, x);
      break;
    }
    case Type::kSet: {
      const auto& s = v.set();
      PutU32(out, static_cast<uint32_t>(s.size()));
      for (const auto& x : s) PutStr(out, x);
      break;
    }
    case Type::kZSet: {
      const auto& z = v.zset();
      PutU32(out, static_cast<uint32_t>(z.order.size()));
      for (const auto& [score, member] : z.order) {
        uint64_t bits;
        std::memcpy(&bits, &score, 8);
        PutU64(out, bits);
        PutStr(out, member);
      }
      break;
    }
  }
}
}  // namespace

std::string EncodeValue(const Value& v) {
  std::string o;
  EncodeValueTo(&o, v);
  return o;
}

bool DecodeValue(std::string_view data, Value* v) {
  Reader r{data};
  uint8_t type = 0;
  uint64_t expire = 0;
  uint32_t n = 0;
  if (!r.U8(&type) || !r.U64(&expire)) return false;
  v->expire_at_ms = static_cast<int64_t>(expire);
  switch (static_cast<Type>(type)) {
    case Type::kString: {
      std::string s;
      if (!r.Str(&s)) return false;
      v->Assign(std::move(s));
      break;
    }
    case Type::kHash: {
      StringMap h;
      if (!r.U32(&n)) return false;
      for (uint32_t i = 0; i < n; ++i) {
        std::string f, x;
        if (!r.Str(&f) || !r.Str(&x)) return false;
        h.emplace(std::move(f), std::move(x));
      }
      v->Assign(std::move(h));
      break;
    }
    case Type::kList: {
      std::deque<std::string> l;
      if (!r.U32(&n)) return false;
      for (uint32_t i = 0; i < n; ++i) {
        std::string x;
        if (!r.Str(&x)) return false;
        l.push_back(std::move(x));
      }
      v->Assign(std::move(l));
      break;
    }
    case Type::kSet: {
      StringSet s;
      if (!r.U32(&n)) return false;
      for (uint32_t i = 0; i < n; ++i) {
        std::string x;
        if (!r.Str(&x)) return false;
        s.insert(std::move(x));
      }
      v->Assign(std::move(s));
      break;
    }
    case Type::kZSet: {
      ZSet z;
      if (!r.U32(&n)) return false;
      for (uint32_t i = 0; i < n; ++i) {
        uint64_t bits = 0;
        std::string m;
        if (!r.U64(&bits) || !r.Str(&m)) return false;
        double score;
        std::memcpy(&score, &bits, 8);
        z.scores[m] = score;
        z.order.emplace(score, std::move(m));
      }
      v->Assign(std::move(z));
      break;
    }
    default:
      return false;
  }
  return r.d.empty();
}

KvPersistence::KvPersistence(const KvPersistenceOptions& options, KvStore* store)
    : options_(options), store_(store) {}

KvPersistence::~KvPersistence() { (void)Close(); }

Result<std::unique_ptr<KvPersistence>> KvPersistence::Open(const KvPersistenceOptions& options,
                                                           KvStore* store) {
  if (options.env == nullptr || options.dir.empty()) {
    return InvalidArgumentError("KvPersistence needs an env and a directory");
  }
  std::unique_ptr<KvPersistence> p(new KvPersistence(options, store));
  CAIRN_RETURN_IF_ERROR(core::CreateDirs(options.env, options.dir));
  engine::SegmentLogOptions lo;
  lo.env = options.env;
  lo.dir = core::JoinPath(options.dir, "wal");
  lo.segment_bytes = options.segment_bytes;
  lo.max_record_bytes = 1u << 30;
  CAIRN_ASSIGN_OR_RETURN(p->wal_, engine::SegmentLog::Open(lo));
  CAIRN_RETURN_IF_ERROR(p->Load());
  KvPersistence* self = p.get();
  if (!options.log_writes) return p;
  store->SetWriteObserver([self](CommandContext& ctx, const CommandSpec& spec, Args argv) {
    self->OnWrite(ctx, spec, argv);
  });
  store->SetTransactionObserver([self](bool begin) { self->OnTransaction(begin); });
  if (options.fsync == FsyncPolicy::kEverySec || options.defer_commit) {
    p->sync_thread_ = std::thread([self] { self->SyncLoop(); });
  }
  return p;
}

Status KvPersistence::Load() {
  std::string snap_path = core::JoinPath(options_.dir, "snapshot");
  uint32_t cut_segment = 0;
  uint64_t cut_offset = 0;
  if (options_.env->FileExists(snap_path)) {
    CAIRN_ASSIGN_OR_RETURN(std::string data, core::ReadFileToString(options_.env, snap_path));
    Reader r{data};
    if (data.size() < 20 || std::memcmp(data.data(), kSnapshotMagic, 8) != 0) {
      return DataLossError(snap_path + ": not a cairn KV snapshot");
    }
    r.d.remove_prefix(8);
    uint64_t count = 0;
    if (!r.U32(&cut_segment) || !r.U64(&cut_offset)) return DataLossError(snap_path + ": short");
    for (;;) {
      uint32_t len = 0, crc = 0;
      if (!r.U32(&len)) return DataLossError(snap_path + ": truncated");
      if (len == kSnapshotEnd) {
        uint64_t want = 0;
        if (!r.U64(&want) || want != count) return DataLossError(snap_path + ": bad trailer");
        break;
      }
      if (!r.U32(&crc) || r.d.size() < len) return DataLossError(snap_path + ": truncated");
      std::string_view rec = r.d.substr(0, len);
      r.d.remove_prefix(len);
      if (core::UnmaskCrc(crc) != core::Crc32c(AsBytes(rec))) {
        return DataLossError(snap_path + ": checksum mismatch in record " + std::to_string(count));
      }
      Reader e{rec};
      uint32_t db = 0;
      std::string key;
      Value v;
      if (!e.U32(&db) || !e.Str(&key) || !DecodeValue(e.d, &v)) {
        return DataLossError(snap_path + ": malformed record " + std::to_string(count));
      }
      store_->Restore(static_cast<int>(db), std::move(key), std::move(v));
      ++count;
    }
    recovered_keys_ = count;
    last_save_unix_ = options_.env->UnixMicros() / 1000000;
  }
  uint64_t replayed = 0;
  Status error;
  for (uint32_t seg : wal_->Segments()) {
    if (seg < cut_segment) continue;
    CAIRN_RETURN_IF_ERROR(
        wal_->Scan(seg, [&](const engine::RecordAddress& a, uint8_t type, ByteSpan payload) {
          if (seg == cut_segment && a.offset < cut_offset) return true;
          std::string_view data(reinterpret_cast<const char*>(payload.data()), payload.size());
          if (type != kBatch) {
            // A single record (logs written before batching).
            error = ApplyRecord(type, data);
            ++replayed;
            return error.ok();
          }
          Reader r{data};
          while (!r.d.empty()) {
            uint8_t sub = 0;
            uint32_t len = 0;
            if (!r.U8(&sub) || !r.U32(&len) || r.d.size() < len) {
              error = DataLossError("malformed KV log batch");
              return false;
            }
            error = ApplyRecord(sub, r.d.substr(0, len));
            if (!error.ok()) return false;
            r.d.remove_prefix(len);
            ++replayed;
          }
          return true;
        }));
    CAIRN_RETURN_IF_ERROR(error);
  }
  spdlog::info("kv: recovered {} keys from the snapshot and {} log records", recovered_keys_,
               replayed);
  return Status();
}

Status KvPersistence::ApplyRecord(uint8_t type, std::string_view payload) {
  if (type == kMark) return Status();
  Reader e{payload};
  uint32_t db = 0;
  std::string key;
  if (!e.U32(&db)) return DataLossError("malformed KV log record");
  if (type == kFlush) {
    store_->RestoreFlush(static_cast<int>(db));
  } else if (type == kDel) {
    if (!e.Str(&key)) return DataLossError("malformed KV log record");
    store_->Restore(static_cast<int>(db), std::move(key), std::nullopt);
  } else if (type == kCommand) {
    uint32_t argc = 0;
    std::vector<std::string> args;
    if (!e.U32(&argc) || argc == 0 || argc > (1u << 24)) {
      return DataLossError("malformed KV log record");
    }
    for (uint32_t i = 0; i < argc; ++i) {
      std::string arg;
      if (!e.Str(&arg)) return DataLossError("malformed KV log record");
      args.push_back(std::move(arg));
    }
    Reply r = store_->Execute(static_cast<int>(db), args);
    if (r.is_error()) {
      return DataLossError("replaying a logged '" + args[0] + "' failed: " + r.str);
    }
  } else if (type == kPut) {
    Value v;
    if (!e.Str(&key) || !DecodeValue(e.d, &v)) return DataLossError("malformed KV log record");
    store_->Restore(static_cast<int>(db), std::move(key), std::move(v));
  } else {
    return DataLossError("unknown KV log record type " + std::to_string(type));
  }
  return Status();
}

template <typename Fill>
void KvPersistence::AppendRecord(std::string* out, uint8_t type, Fill fill) {
  PutU8(out, type);
  size_t len_at = out->size();
  PutU32(out, 0);
  fill(out);
  uint8_t len[4];
  core::EncodeFixed32(len, static_cast<uint32_t>(out->size() - len_at - 4));
  std::memcpy(out->data() + len_at, len, 4);
}

void KvPersistence::OnWrite(CommandContext& ctx, const CommandSpec& spec, Args argv) {
  // Built on the side, then queued in one step (so the queue lock is held for a copy only).
  thread_local std::string records;
  records.clear();
  uint32_t db = static_cast<uint32_t>(ctx.db_index());
  bool always = AlwaysLoggedAsCommand(spec, argv);
  Value* first = argv.size() >= 2 && !always ? ctx.Find(argv[1]) : nullptr;
  if (spec.flags & kAllKeys) {
    // FLUSHDB is the only write over the whole keyspace.
    AppendRecord(&records, kFlush, [&](std::string* o) { PutU32(o, db); });
  } else if (always || (LoggedAsCommand(spec) && argv.size() >= 2 &&
                        (first == nullptr || first->expire_at_ms == 0))) {
    AppendRecord(&records, kCommand, [&](std::string* o) {
      PutU32(o, db);
      PutU32(o, static_cast<uint32_t>(argv.size()));
      for (const std::string& a : argv) PutStr(o, a);
    });
  } else if (spec.first_key > 0) {
    int last = spec.last_key < 0 ? static_cast<int>(argv.size()) + spec.last_key : spec.last_key;
    for (int i = spec.first_key; i <= last && i < static_cast<int>(argv.size());
         i += std::max(1, spec.step)) {
      const std::string& key = argv[static_cast<size_t>(i)];
      Value* v = i == 1 ? first : ctx.Find(key);
      AppendRecord(&records, v != nullptr ? kPut : kDel, [&](std::string* o) {
        PutU32(o, db);
        PutStr(o, key);
        if (v != nullptr) EncodeValueTo(o, *v);
      });
    }
  }
  if (records.empty()) return;
  if (tl_txn_owner == this) {
    tl_txn_records += records;  // queued whole when the transaction ends
    return;
  }
  Enqueue(records);
  if (records.capacity() > (1u << 20)) std::string().swap(records);
}

void KvPersistence::OnTransaction(bool begin) {
  if (begin) {
    tl_txn_owner = this;
    tl_txn_records.clear();
    return;
  }
  tl_txn_owner = nullptr;
  if (!tl_txn_records.empty()) Enqueue(tl_txn_records);
  if (tl_txn_records.capacity() > (1u << 20)) std::string().swap(tl_txn_records);
  tl_txn_records.clear();
}

void KvPersistence::Enqueue(std::string_view records) {
  bool commit_now = !options_.defer_commit;
  {
    std::lock_guard<core::AdaptiveMutex> lock(pending_mutex_);
    pending_.append(records);
    last_queued_.store(++queued_seq_, std::memory_order_release);
    commit_now |= pending_.size() > kMaxQueuedBytes;
  }
  // A failure is sticky in broken(), which the faces check before every write.
  if (commit_now) (void)Commit();
}

Status KvPersistence::Commit() {
  uint64_t target = last_queued_.load(std::memory_order_acquire);
  if (last_committed_.load(std::memory_order_acquire) >= target) {
    return is_broken_.load() ? broken() : Status();
  }
  std::lock_guard<std::mutex> flush(flush_mutex_);
  if (last_committed_.load(std::memory_order_acquire) >= target) {
    return is_broken_.load() ? broken() : Status();
  }
  return CommitLocked(options_.fsync == FsyncPolicy::kAlways);
}

Status KvPersistence::CommitLocked(bool sync) {
  if (is_broken_.load()) return broken();
  uint64_t seq = 0;
  writing_.clear();
  {
    std::lock_guard<core::AdaptiveMutex> lock(pending_mutex_);
    writing_.swap(pending_);
    seq = queued_seq_;
  }
  if (!writing_.empty()) {
    Result<engine::RecordAddress> a = wal_->Append(kBatch, AsBytes(writing_), sync);
    if (!a.ok()) {
      SetBroken(a.status());
      return a.status();
    }
    bytes_since_save_ += writing_.size();
  }
  last_committed_.store(seq, std::memory_order_release);
  if (writing_.capacity() > (4u << 20)) std::string().swap(writing_);
  if (options_.rewrite_bytes > 0 && bytes_since_save_.load() > options_.rewrite_bytes &&
      !saving_.exchange(true)) {
    // Rewrite in the background (a snapshot drops the log before it).
    std::lock_guard<std::mutex> lock(mutex_);
    if (save_thread_.joinable()) save_thread_.detach();
    save_thread_ = std::thread([this] {
      Status s = Save();
      if (!s.ok()) spdlog::error("kv: background snapshot failed: {}", s.ToString());
      saving_ = false;
    });
  }
  return Status();
}

void KvPersistence::SetBroken(const Status& s) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (broken_.ok()) {
    broken_ = s;
    is_broken_ = true;
    spdlog::error("kv: the write-ahead log failed: {}; further writes are refused", s.ToString());
  }
}

Status KvPersistence::broken() {
  if (!is_broken_.load()) return Status();
  std::lock_guard<std::mutex> lock(mutex_);
  return broken_;
}

namespace {

// Appends one snapshot record (length, masked CRC32C, db + key + value) to `out`.
void AppendSnapshotRecord(std::string* out, int db, std::string_view key, const Value& v) {
  std::string rec = KeyRecord(db, key);
  EncodeValueTo(&rec, v);
  PutU32(out, static_cast<uint32_t>(rec.size()));
  PutU32(out, core::MaskCrc(core::Crc32c(AsBytes(rec))));
  *out += rec;
}

bool WriteAll(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

// In the forked child: writes the whole snapshot to `path` and syncs it. Only async-signal-
// tolerant work here beyond malloc (which glibc keeps usable across fork): no locks, no logging.
int WriteSnapshotInChild(KvStore* store, const std::string& path, engine::RecordAddress mark) {
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);  // a killed cairnd leaves no writer behind
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return 2;
  std::string out(kSnapshotMagic, 8);
  PutU32(&out, mark.segment);
  PutU64(&out, mark.offset);
  uint64_t count = 0;
  bool ok = true;
  store->ForEachKeyUnlocked([&](int db, std::string_view key, const Value& v) {
    if (!ok) return;
    AppendSnapshotRecord(&out, db, key, v);
    ++count;
    if (out.size() >= (1u << 20)) {
      ok = WriteAll(fd, out);
      out.clear();
    }
  });
  PutU32(&out, kSnapshotEnd);
  PutU64(&out, count);
  ok = ok && WriteAll(fd, out) && ::fdatasync(fd) == 0;
  ok = ::close(fd) == 0 && ok;
  return ok ? 0 : 3;
}

}  // namespace

Status KvPersistence::Save() {
  std::lock_guard<std::mutex> guard(save_mutex_);
  std::string path = core::JoinPath(options_.dir, "snapshot");
  Status mark_status;
  engine::RecordAddress mark;
  // Everything queued before the mark belongs to the snapshot; the mark and the copy are taken
  // with every shard locked, so the snapshot is exactly the state at its mark and recovery
  // replays each later record once (command records are not idempotent).
  auto place_mark = [&] {
    std::lock_guard<std::mutex> flush(flush_mutex_);
    mark_status = CommitLocked(false);
    if (!mark_status.ok()) return;
    Result<engine::RecordAddress> m = wal_->Append(kMark, ByteSpan(), true);
    if (m.ok()) {
      mark = *m;
    } else {
      mark_status = m.status();
    }
  };
  uint64_t count = 0;
  if (options_.fork_snapshot) {
    // Redis's way: a forked child writes its copy-on-write view of the keyspace while the
    // parent goes on serving; commands pause only for the fork itself.
    std::string tmp = path + ".tmp";
    if (options_.env->FileExists(tmp)) CAIRN_RETURN_IF_ERROR(options_.env->DeleteFile(tmp));
    pid_t child = -1;
    int fork_errno = 0;
    store_->WithAllLocked([&] {
      place_mark();
      if (!mark_status.ok()) return;
      child = ::fork();
      if (child == 0) ::_exit(WriteSnapshotInChild(store_, tmp, mark));
      if (child < 0) fork_errno = errno;
    });
    CAIRN_RETURN_IF_ERROR(mark_status);
    if (child < 0) return ErrnoToStatus(fork_errno, "kv: fork for a snapshot");
    int wstatus = 0;
    while (::waitpid(child, &wstatus, 0) < 0) {
      if (errno != EINTR) return ErrnoToStatus(errno, "kv: waiting for the snapshot child");
    }
    if (!WIFEXITED(wstatus) || WEXITSTATUS(wstatus) != 0) {
      return IoError("kv: the snapshot child failed writing " + tmp + " (status " +
                     std::to_string(wstatus) + ")");
    }
    CAIRN_RETURN_IF_ERROR(options_.env->RenameFile(tmp, path));
    CAIRN_RETURN_IF_ERROR(options_.env->SyncDir(options_.dir));
  } else {
    // In process: commands pause while the keyspace is copied into memory.
    std::string out(kSnapshotMagic, 8);
    store_->ForEachKeyLocked(
        [&] {
          place_mark();
          PutU32(&out, mark.segment);
          PutU64(&out, mark.offset);
        },
        [&](int db, std::string_view key, const Value& v) {
          if (!mark_status.ok()) return;
          AppendSnapshotRecord(&out, db, key, v);
          ++count;
        });
    CAIRN_RETURN_IF_ERROR(mark_status);
    PutU32(&out, kSnapshotEnd);
    PutU64(&out, count);
    CAIRN_RETURN_IF_ERROR(core::WriteFileAtomically(options_.env, path, AsBytes(out), 0600));
  }
  bytes_since_save_ = 0;
  // The log before the mark's segment is no longer needed.
  for (uint32_t seg : wal_->Segments()) {
    if (seg < mark.segment) CAIRN_RETURN_IF_ERROR(wal_->DeleteSegment(seg));
  }
  last_save_unix_ = options_.env->UnixMicros() / 1000000;
  if (options_.fork_snapshot) {
    spdlog::info("kv: snapshot written by a forked child");
  } else {
    spdlog::info("kv: snapshot of {} keys written", count);
  }
  return Status();
}

void KvPersistence::SyncLoop() {
  std::unique_lock<std::mutex> lock(mutex_);
  while (!stop_) {
    cv_.wait_for(lock, std::chrono::seconds(1), [this] { return stop_; });
    lock.unlock();
    // Commit what a caller left queued, then make the log durable (everysec).
    Status s = Commit();
    if (s.ok() && options_.fsync == FsyncPolicy::kEverySec) s = wal_->Sync();
    if (!s.ok()) SetBroken(s);
    lock.lock();
  }
}

Status KvPersistence::Close() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stop_) return Status();
    stop_ = true;
  }
  cv_.notify_all();
  if (sync_thread_.joinable()) sync_thread_.join();
  std::thread saver;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    saver = std::move(save_thread_);
  }
  if (saver.joinable()) saver.join();
  store_->SetWriteObserver(nullptr);
  store_->SetTransactionObserver(nullptr);
  if (!wal_) return Status();
  Status committed = Commit();
  Status synced = wal_->Sync();
  return committed.ok() ? synced : committed;
}

}  // namespace cairn::kv
