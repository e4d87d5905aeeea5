#include "models/kv/kv_persistence.h"

#include <spdlog/spdlog.h>

#include <cstring>

#include "core/coding.h"
#include "core/hash.h"

namespace cairn::kv {
namespace {

constexpr uint8_t kPut = 1, kDel = 2, kFlush = 3, kMark = 4, kCommand = 5;

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

}  // namespace

std::string EncodeValue(const Value& v) {
  std::string o;
  PutU8(&o, static_cast<uint8_t>(v.type()));
  PutU64(&o, static_cast<uint64_t>(v.expire_at_ms));
  switch (v.type()) {
    case Type::kString:
      PutStr(&o, std::get<std::string>(v.data));
      break;
    case Type::kHash: {
      const auto& h = std::get<StringMap>(v.data);
      PutU32(&o, static_cast<uint32_t>(h.size()));
      for (const auto& [f, x] : h) {
        PutStr(&o, f);
        PutStr(&o, x);
      }
      break;
    }
    case Type::kList: {
      const auto& l = std::get<std::deque<std::string>>(v.data);
      PutU32(&o, static_cast<uint32_t>(l.size()));
      for (const auto& x : l) PutStr(&o, x);
      break;
    }
    case Type::kSet: {
      const auto& s = std::get<StringSet>(v.data);
      PutU32(&o, static_cast<uint32_t>(s.size()));
      for (const auto& x : s) PutStr(&o, x);
      break;
    }
    case Type::kZSet: {
      const auto& z = std::get<ZSet>(v.data);
      PutU32(&o, static_cast<uint32_t>(z.order.size()));
      for (const auto& [score, member] : z.order) {
        uint64_t bits;
        std::memcpy(&bits, &score, 8);
        PutU64(&o, bits);
        PutStr(&o, member);
      }
      break;
    }
  }
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
      v->data = std::move(s);
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
      v->data = std::move(h);
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
      v->data = std::move(l);
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
      v->data = std::move(s);
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
      v->data = std::move(z);
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
  store->SetWriteObserver([self](CommandContext& ctx, const CommandSpec& spec, Args argv) {
    self->OnWrite(ctx, spec, argv);
  });
  if (options.fsync == FsyncPolicy::kEverySec) {
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
          Reader e{std::string_view(reinterpret_cast<const char*>(payload.data()), payload.size())};
          uint32_t db = 0;
          std::string key;
          if (type == kMark) return true;
          if (!e.U32(&db)) {
            error = DataLossError("malformed KV log record");
            return false;
          }
          if (type == kFlush) {
            store_->RestoreFlush(static_cast<int>(db));
          } else if (type == kDel) {
            if (!e.Str(&key)) {
              error = DataLossError("malformed KV log record");
              return false;
            }
            store_->Restore(static_cast<int>(db), std::move(key), std::nullopt);
          } else if (type == kCommand) {
            uint32_t argc = 0;
            std::vector<std::string> args;
            if (!e.U32(&argc) || argc == 0 || argc > (1u << 24)) {
              error = DataLossError("malformed KV log record");
              return false;
            }
            for (uint32_t i = 0; i < argc; ++i) {
              std::string a;
              if (!e.Str(&a)) {
                error = DataLossError("malformed KV log record");
                return false;
              }
              args.push_back(std::move(a));
            }
            Reply r = store_->Execute(static_cast<int>(db), args);
            if (r.is_error()) {
              error = DataLossError("replaying a logged '" + args[0] + "' failed: " + r.str);
              return false;
            }
          } else if (type == kPut) {
            Value v;
            if (!e.Str(&key) || !DecodeValue(e.d, &v)) {
              error = DataLossError("malformed KV log record");
              return false;
            }
            store_->Restore(static_cast<int>(db), std::move(key), std::move(v));
          }
          ++replayed;
          return true;
        }));
    CAIRN_RETURN_IF_ERROR(error);
  }
  spdlog::info("kv: recovered {} keys from the snapshot and {} log records", recovered_keys_,
               replayed);
  return Status();
}

void KvPersistence::OnWrite(CommandContext& ctx, const CommandSpec& spec, Args argv) {
  std::vector<std::pair<uint8_t, std::string>> records;
  if (spec.flags & kAllKeys) {
    // FLUSHDB is the only write over the whole keyspace.
    std::string r;
    PutU32(&r, static_cast<uint32_t>(ctx.db_index()));
    records.emplace_back(kFlush, std::move(r));
  } else if (LoggedAsCommand(spec) && argv.size() >= 2 &&
             (ctx.Find(argv[1]) == nullptr || ctx.Find(argv[1])->expire_at_ms == 0)) {
    std::string r;
    PutU32(&r, static_cast<uint32_t>(ctx.db_index()));
    PutU32(&r, static_cast<uint32_t>(argv.size()));
    for (const std::string& a : argv) PutStr(&r, a);
    records.emplace_back(kCommand, std::move(r));
  } else if (spec.first_key > 0) {
    int last = spec.last_key < 0 ? static_cast<int>(argv.size()) + spec.last_key : spec.last_key;
    for (int i = spec.first_key; i <= last && i < static_cast<int>(argv.size());
         i += std::max(1, spec.step)) {
      const std::string& key = argv[static_cast<size_t>(i)];
      Value* v = ctx.Find(key);
      std::string r = KeyRecord(ctx.db_index(), key);
      if (v != nullptr) {
        r += EncodeValue(*v);
        records.emplace_back(kPut, std::move(r));
      } else {
        records.emplace_back(kDel, std::move(r));
      }
    }
  }
  bool sync = options_.fsync == FsyncPolicy::kAlways;
  for (size_t i = 0; i < records.size(); ++i) {
    bool last = i + 1 == records.size();
    Result<engine::RecordAddress> a =
        wal_->Append(records[i].first, AsBytes(records[i].second), sync && last);
    if (!a.ok()) {
      std::lock_guard<std::mutex> lock(mutex_);
      if (broken_.ok()) {
        broken_ = a.status();
        spdlog::error("kv: the write-ahead log failed: {}; further writes are refused",
                      a.status().ToString());
      }
      return;
    }
    bytes_since_save_ += records[i].second.size();
  }
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
}

Status KvPersistence::broken() {
  std::lock_guard<std::mutex> lock(mutex_);
  return broken_;
}

Status KvPersistence::Save() {
  std::lock_guard<std::mutex> guard(save_mutex_);
  // Commands pause while the keyspace is copied: the snapshot is exactly the state at its mark,
  // so recovery replays each later record once (command records are not idempotent).
  std::string out(kSnapshotMagic, 8);
  uint64_t count = 0;
  Status mark_status;
  engine::RecordAddress mark;
  store_->ForEachKeyLocked(
      [&] {
        Result<engine::RecordAddress> m = wal_->Append(kMark, ByteSpan(), true);
        if (!m.ok()) {
          mark_status = m.status();
          return;
        }
        mark = *m;
        PutU32(&out, mark.segment);
        PutU64(&out, mark.offset);
      },
      [&](int db, const std::string& key, const Value& v) {
        if (!mark_status.ok()) return;
        std::string rec = KeyRecord(db, key) + EncodeValue(v);
        PutU32(&out, static_cast<uint32_t>(rec.size()));
        PutU32(&out, core::MaskCrc(core::Crc32c(AsBytes(rec))));
        out += rec;
        ++count;
      });
  CAIRN_RETURN_IF_ERROR(mark_status);
  bytes_since_save_ = 0;
  PutU32(&out, kSnapshotEnd);
  PutU64(&out, count);
  CAIRN_RETURN_IF_ERROR(core::WriteFileAtomically(
      options_.env, core::JoinPath(options_.dir, "snapshot"), AsBytes(out), 0600));
  // The log before the mark's segment is no longer needed.
  for (uint32_t seg : wal_->Segments()) {
    if (seg < mark.segment) CAIRN_RETURN_IF_ERROR(wal_->DeleteSegment(seg));
  }
  last_save_unix_ = options_.env->UnixMicros() / 1000000;
  spdlog::info("kv: snapshot of {} keys written", count);
  return Status();
}

void KvPersistence::SyncLoop() {
  std::unique_lock<std::mutex> lock(mutex_);
  while (!stop_) {
    cv_.wait_for(lock, std::chrono::seconds(1), [this] { return stop_; });
    lock.unlock();
    Status s = wal_->Sync();
    lock.lock();
    if (!s.ok() && broken_.ok()) {
      broken_ = s;
      spdlog::error("kv: syncing the write-ahead log failed: {}", s.ToString());
    }
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
  return wal_ ? wal_->Sync() : Status();
}

}  // namespace cairn::kv
