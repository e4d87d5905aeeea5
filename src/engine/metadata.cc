#include "engine/metadata.h"

#include <rocksdb/db.h>
#include <rocksdb/merge_operator.h>
#include <rocksdb/table.h>
#include <rocksdb/write_batch.h>

#include <vector>

#include "core/coding.h"

namespace cairn::engine {
namespace {

constexpr const char* kCfNames[] = {"default", "chunks",  "refs",   "objects",
                                    "buckets", "uploads", "mailbox"};
static_assert(std::size(kCfNames) == static_cast<size_t>(Cf::kCount));

Status FromRocks(const rocksdb::Status& s, std::string_view what) {
  if (s.ok()) return Status();
  std::string msg = std::string(what) + ": " + s.ToString();
  if (s.IsNotFound()) return NotFoundError(msg);
  if (s.IsCorruption()) return DataLossError(msg);
  if (s.IsInvalidArgument()) return InvalidArgumentError(msg);
  if (s.IsNoSpace()) return ResourceExhaustedError(msg);
  if (s.IsBusy() || s.IsTimedOut() || s.IsTryAgain()) return UnavailableError(msg);
  if (s.IsIOError()) {
    // RocksDB reports a held LOCK file as an IO error mentioning the lock.
    if (s.ToString().find("lock") != std::string::npos) return UnavailableError(msg);
    return IoError(msg);
  }
  return InternalError(msg);
}

std::string EncodeDelta(int64_t v) {
  std::string out(8, '\0');
  core::EncodeFixed64(reinterpret_cast<uint8_t*>(out.data()), static_cast<uint64_t>(v));
  return out;
}

int64_t DecodeDelta(const rocksdb::Slice& s) {
  if (s.size() != 8) return 0;
  return static_cast<int64_t>(core::DecodeFixed64(reinterpret_cast<const uint8_t*>(s.data())));
}

// Reference counts: the value is a little-endian int64; merge operands are deltas to add.
class AddInt64 final : public rocksdb::AssociativeMergeOperator {
 public:
  bool Merge(const rocksdb::Slice&, const rocksdb::Slice* existing, const rocksdb::Slice& value,
             std::string* new_value, rocksdb::Logger*) const override {
    int64_t base = existing ? DecodeDelta(*existing) : 0;
    *new_value = EncodeDelta(base + DecodeDelta(value));
    return true;
  }
  const char* Name() const override { return "cairn.AddInt64"; }
};

}  // namespace

struct MetaBatch::Impl {
  // Recorded here and turned into a rocksdb::WriteBatch by Metadata::Write, which owns the
  // column family handles.
  std::vector<std::tuple<int, Cf, std::string, std::string>> ops;  // 0 put, 1 delete, 2 merge
};

MetaBatch::MetaBatch() : impl_(std::make_unique<Impl>()) {}
MetaBatch::~MetaBatch() = default;
MetaBatch::MetaBatch(MetaBatch&&) noexcept = default;
MetaBatch& MetaBatch::operator=(MetaBatch&&) noexcept = default;

void MetaBatch::Put(Cf cf, std::string_view key, std::string_view value) {
  impl_->ops.emplace_back(0, cf, std::string(key), std::string(value));
}
void MetaBatch::Delete(Cf cf, std::string_view key) {
  impl_->ops.emplace_back(1, cf, std::string(key), std::string());
}
void MetaBatch::AddRef(std::string_view key, int64_t delta) {
  impl_->ops.emplace_back(2, Cf::kRefs, std::string(key), EncodeDelta(delta));
}
size_t MetaBatch::count() const { return impl_->ops.size(); }
void MetaBatch::Clear() { impl_->ops.clear(); }

struct Metadata::Impl {
  MetadataOptions options;
  std::unique_ptr<rocksdb::DB> db;
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  ~Impl() {
    if (db) {
      for (auto* h : handles) db->DestroyColumnFamilyHandle(h).PermitUncheckedError();
      db->Close().PermitUncheckedError();
    }
  }
  rocksdb::ColumnFamilyHandle* cf(Cf c) const { return handles[static_cast<size_t>(c)]; }
};

Metadata::Metadata(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Metadata::~Metadata() = default;

Result<std::unique_ptr<Metadata>> Metadata::Open(const MetadataOptions& options) {
  rocksdb::Options db_options;
  db_options.create_if_missing = true;
  db_options.create_missing_column_families = true;
  db_options.paranoid_checks = true;
  db_options.max_open_files = 1024;
  db_options.keep_log_file_num = 4;
  db_options.IncreaseParallelism(2);
  rocksdb::BlockBasedTableOptions table;
  table.block_cache = rocksdb::NewLRUCache(options.block_cache_bytes);
  std::vector<rocksdb::ColumnFamilyDescriptor> cfs;
  for (size_t i = 0; i < static_cast<size_t>(Cf::kCount); ++i) {
    rocksdb::ColumnFamilyOptions cf_options;
    cf_options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
    if (static_cast<Cf>(i) == Cf::kRefs) cf_options.merge_operator = std::make_shared<AddInt64>();
    cfs.emplace_back(kCfNames[i], cf_options);
  }
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s = rocksdb::DB::Open(db_options, options.dir, cfs, &impl->handles, &raw);
  if (!s.ok()) return FromRocks(s, "open metadata " + options.dir);
  impl->db.reset(raw);
  return std::unique_ptr<Metadata>(new Metadata(std::move(impl)));
}

Result<std::optional<std::string>> Metadata::Get(Cf cf, std::string_view key) {
  std::string value;
  rocksdb::Status s = impl_->db->Get(rocksdb::ReadOptions(), impl_->cf(cf),
                                     rocksdb::Slice(key.data(), key.size()), &value);
  if (s.IsNotFound()) return std::optional<std::string>();
  if (!s.ok()) return FromRocks(s, "metadata get");
  return std::optional<std::string>(std::move(value));
}

Result<int64_t> Metadata::RefCount(std::string_view key) {
  CAIRN_ASSIGN_OR_RETURN(std::optional<std::string> v, Get(Cf::kRefs, key));
  if (!v) return int64_t{0};
  return DecodeDelta(rocksdb::Slice(*v));
}

Status Metadata::Write(const MetaBatch& batch) {
  rocksdb::WriteBatch wb;
  for (const auto& [op, cf, key, value] : batch.impl_->ops) {
    rocksdb::Status s;
    if (op == 0) s = wb.Put(impl_->cf(cf), key, value);
    if (op == 1) s = wb.Delete(impl_->cf(cf), key);
    if (op == 2) s = wb.Merge(impl_->cf(cf), key, value);
    if (!s.ok()) return FromRocks(s, "metadata batch");
  }
  rocksdb::WriteOptions wo;
  wo.sync = impl_->options.sync_writes;
  return FromRocks(impl_->db->Write(wo, &wb), "metadata write");
}

Status Metadata::Scan(Cf cf, std::string_view prefix, std::string_view start_after,
                      const ScanFn& fn) {
  std::unique_ptr<rocksdb::Iterator> it(
      impl_->db->NewIterator(rocksdb::ReadOptions(), impl_->cf(cf)));
  std::string seek = std::string(std::max(prefix, start_after));
  for (it->Seek(seek); it->Valid(); it->Next()) {
    rocksdb::Slice k = it->key();
    std::string_view key(k.data(), k.size());
    if (!key.starts_with(prefix)) break;
    if (!start_after.empty() && key <= start_after) continue;
    rocksdb::Slice v = it->value();
    if (!fn(key, std::string_view(v.data(), v.size()))) break;
  }
  return FromRocks(it->status(), "metadata scan");
}

Status Metadata::Flush() {
  rocksdb::FlushOptions fo;
  return FromRocks(impl_->db->Flush(fo, impl_->handles), "metadata flush");
}

}  // namespace cairn::engine
