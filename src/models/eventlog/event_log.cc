#include "models/eventlog/event_log.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "core/env/env.h"
#include "core/thread_pool.h"
#include "engine/segment_log.h"
#include "models/eventlog/internal/event_log_state.h"
#include "models/eventlog/internal/log_records.h"
#include "models/eventlog/internal/page_cache.h"
#include "models/eventlog/internal/stream_tree.h"

namespace cairn::eventlog {
namespace {

using internal::BatchBuilder;
using internal::BatchEntry;
using internal::kBatchRecord;
using internal::kCheckpointRecord;

constexpr size_t kMaxStreamName = 128;
// Room in a record beyond the event bytes a group may carry: entry headers and stream names.
constexpr uint64_t kRecordSlack = 64 * 1024;
// What a writer's entry costs beyond its events: an events-entry header, a create entry.
constexpr uint64_t kWriterOverhead =
    internal::kEventsEntryHeaderBytes + internal::kCreateEntryHeaderBytes + kMaxStreamName;

bool IsNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == '-';
}

Status ValidateOptions(const EventLogOptions& o) {
  if (o.env == nullptr || o.dir.empty()) {
    return InvalidArgumentError("event log needs an env and a directory");
  }
  if (o.max_event_bytes == 0 || o.max_batch_bytes < o.max_event_bytes + 4 ||
      o.max_batch_bytes > (1ull << 30)) {
    return InvalidArgumentError("event log: need 0 < max_event_bytes < max_batch_bytes <= 1 GiB");
  }
  if (!IsValidKeyName(o.origin_prefix) || o.origin_prefix.back() == '/') {
    return InvalidArgumentError(
        "event log: origin_prefix must be non-empty, without spaces, '+' "
        "or a trailing '/'");
  }
  if (!o.key_name.empty() && !IsValidKeyName(o.key_name)) {
    return InvalidArgumentError("event log: key_name must not contain spaces or '+'");
  }
  if (o.checkpoint_pages == 0) return InvalidArgumentError("event log: checkpoint_pages is 0");
  return Status();
}

}  // namespace

EventLog::EventLog(const EventLogOptions& options) : options_(options) {}

EventLog::~EventLog() { Close().IgnoreError(); }

bool EventLog::IsValidStreamName(std::string_view name) {
  if (name.empty() || name.size() > kMaxStreamName || !IsNameChar(name[0]) || name[0] == '.' ||
      name[0] == '_' || name[0] == '-') {
    return false;
  }
  return std::all_of(name.begin(), name.end(), IsNameChar);
}

// --- Open and recovery ----------------------------------------------------------------------

Result<std::unique_ptr<EventLog>> EventLog::Open(const EventLogOptions& options) {
  CAIRN_RETURN_IF_ERROR(ValidateOptions(options));
  std::unique_ptr<EventLog> log(new EventLog(options));
  CAIRN_RETURN_IF_ERROR(log->Recover());
  log->tree_thread_ = std::thread([l = log.get()] { l->TreeLoop(); });
  return log;
}

Status EventLog::Recover() {
  core::Env* env = options_.env;
  CAIRN_RETURN_IF_ERROR(core::CreateDirs(env, options_.dir));
  CAIRN_ASSIGN_OR_RETURN(lock_, env->LockFile(core::JoinPath(options_.dir, "LOCK")));
  const std::string key_path = options_.key_path.empty()
                                   ? core::JoinPath(options_.dir, "node-ed25519.key")
                                   : options_.key_path;
  CAIRN_ASSIGN_OR_RETURN(NoteSigner signer, NoteSigner::LoadOrCreate(env, key_path, true));
  signer_.emplace(std::move(signer));
  const std::string tree_dir = core::JoinPath(options_.dir, "tree");
  CAIRN_RETURN_IF_ERROR(core::CreateDirs(env, tree_dir));
  CAIRN_RETURN_IF_ERROR(env->SyncDir(options_.dir));

  cache_ = std::make_unique<internal::PageCache>(
      std::max<uint64_t>(16, options_.page_cache_bytes / sizeof(TreePage)));
  if (options_.hash_threads > 0) pool_ = std::make_unique<core::ThreadPool>(options_.hash_threads);

  engine::SegmentLogOptions lo;
  lo.env = env;
  lo.dir = core::JoinPath(options_.dir, "log");
  lo.segment_bytes = options_.segment_bytes;
  lo.max_record_bytes = static_cast<uint32_t>(options_.max_batch_bytes + kRecordSlack);
  CAIRN_ASSIGN_OR_RETURN(log_, engine::SegmentLog::Open(lo));
  recovery_.segments = log_->recovery().segments;
  recovery_.truncated_bytes = log_->recovery().truncated_bytes;

  Status applied;
  for (uint32_t segment : log_->Segments()) {
    Status scanned = log_->Scan(
        segment, [&](const engine::RecordAddress& address, uint8_t type, ByteSpan payload) {
          applied = ApplyRecord(address, type, payload);
          return applied.ok();
        });
    CAIRN_RETURN_IF_ERROR(scanned.WithContext("event log recovery"));
    CAIRN_RETURN_IF_ERROR(applied.WithContext("event log recovery"));
  }
  CAIRN_RETURN_IF_ERROR(OpenTrees());
  if (options_.verify_on_open) {
    for (Stream* s : streams_by_id_) {
      if (s != nullptr) CAIRN_RETURN_IF_ERROR(VerifyStream(s->name));
    }
  }
  return Status();
}

Status EventLog::ApplyRecord(const engine::RecordAddress& address, uint8_t type, ByteSpan payload) {
  if (type == kCheckpointRecord) {
    std::vector<internal::CheckpointEntry> entries;
    CAIRN_RETURN_IF_ERROR(internal::DecodeCheckpoints(payload, &entries));
    for (const internal::CheckpointEntry& c : entries) {
      Stream* s = StreamById(c.stream_id);
      if (s == nullptr) {
        return DataLossError("tree checkpoint of unknown stream " + std::to_string(c.stream_id));
      }
      // A checkpoint is written after the events it covers, so it never runs ahead of them.
      if (c.size <= s->next_index && c.size % kPageLeaves == 0 && c.size >= s->checkpointed) {
        s->checkpointed = c.size;
        s->checkpoint_root = c.root;
      }
    }
    return Status();
  }
  if (type != kBatchRecord) {
    return DataLossError("unknown event log record type " + std::to_string(type));
  }
  return internal::ParseBatch(payload, [&](const BatchEntry& e) -> Status {
    if (e.type == internal::kCreateEntry) return RegisterStream(e.stream_id, e.name).status();
    Stream* s = StreamById(e.stream_id);
    if (s == nullptr) {
      return DataLossError("events of unknown stream " + std::to_string(e.stream_id));
    }
    if (e.first != s->next_index) {
      return DataLossError("stream " + s->name + ": events from index " + std::to_string(e.first) +
                           " follow " + std::to_string(s->next_index) + " events");
    }
    s->index.push_back(IndexEntry{e.first, e.count, e.offset, address});
    s->next_index += e.count;
    return Status();
  });
}

Result<EventLog::Stream*> EventLog::RegisterStream(uint32_t id, std::string_view name) {
  // Ids are handed out in memory in creation order, but creations reach the log in commit order
  // and one that never became durable leaves a hole: ids are unique, not dense.
  if (!IsValidStreamName(name) || id == 0 || streams_.count(name) != 0 ||
      (id <= streams_by_id_.size() && streams_by_id_[id - 1] != nullptr)) {
    return DataLossError("event log: bad stream creation " + std::to_string(id) + " '" +
                         std::string(name) + "'");
  }
  auto s = std::make_unique<Stream>();
  s->name = std::string(name);
  s->id = id;
  s->create_logged.store(true, std::memory_order_relaxed);
  Stream* raw = s.get();
  streams_.emplace(s->name, std::move(s));
  if (streams_by_id_.size() < id) streams_by_id_.resize(id, nullptr);
  streams_by_id_[id - 1] = raw;
  return raw;
}

Status EventLog::OpenTrees() {
  for (Stream* s : streams_by_id_) {
    if (s == nullptr) continue;
    internal::StreamTree::Options to;
    to.env = options_.env;
    to.dir = core::JoinPath(core::JoinPath(options_.dir, "tree"), std::to_string(s->id));
    to.stream_id = s->id;
    to.cache = cache_.get();
    bool rebuilt = false;
    CAIRN_ASSIGN_OR_RETURN(
        s->tree, internal::StreamTree::Open(to, s->checkpointed, s->checkpoint_root, &rebuilt));
    if (rebuilt) {
      recovery_.trees_rebuilt.push_back(s->name);
      s->checkpointed = 0;
    }
    const uint64_t from = s->tree->size();
    s->durable_size.store(s->next_index, std::memory_order_release);
    CAIRN_RETURN_IF_ERROR(HashEvents(s, from, s->next_index, [&](std::span<const Hash> leaves) {
      return s->tree->AppendLeaves(leaves, pool_.get());
    }));
    recovery_.leaves_rehashed += s->next_index - from;
    recovery_.events += s->next_index;
  }
  recovery_.streams = streams_.size();
  return Status();
}

Status EventLog::Close() {
  if (closed_) return Status();
  closed_ = true;
  if (tree_thread_.joinable()) {
    {
      std::lock_guard<std::mutex> lock(tree_mutex_);
      tree_stop_ = true;
    }
    tree_cv_.notify_all();
    tree_thread_.join();  // it drains the queue first
  }
  if (log_ == nullptr) return Status();
  Status s;
  {
    std::lock_guard<std::mutex> lock(tree_mutex_);
    s = tree_broken_;
  }
  if (s.ok()) {
    for (Stream* stream : streams_by_id_) {
      if (stream != nullptr && stream->tree != nullptr) {
        Status c = Checkpoint(stream);
        if (s.ok()) s = c;
      }
    }
  }
  Status synced = log_->Sync();
  if (s.ok()) s = synced;
  for (Stream* stream : streams_by_id_) {
    if (stream != nullptr) stream->tree.reset();
  }
  log_.reset();
  pool_.reset();
  lock_.reset();
  return s;
}

// --- Streams --------------------------------------------------------------------------------

EventLog::Stream* EventLog::FindStream(std::string_view name) {
  std::shared_lock<std::shared_mutex> lock(streams_mutex_);
  auto it = streams_.find(name);
  return it == streams_.end() ? nullptr : it->second.get();
}

EventLog::Stream* EventLog::StreamById(uint32_t id) {
  return id == 0 || id > streams_by_id_.size() ? nullptr : streams_by_id_[id - 1];
}

Result<EventLog::Stream*> EventLog::GetStream(std::string_view name, bool create) {
  if (Stream* s = FindStream(name)) {
    // A stream whose creation is not durable yet exists only for appenders.
    if (create || s->create_logged.load(std::memory_order_acquire)) return s;
    return NotFoundError("no stream '" + std::string(name) + "'");
  }
  if (!IsValidStreamName(name)) {
    return InvalidArgumentError(
        "stream names are 1-128 characters of [A-Za-z0-9._-] starting "
        "with a letter or digit");
  }
  if (!create) return NotFoundError("no stream '" + std::string(name) + "'");
  std::unique_lock<std::shared_mutex> lock(streams_mutex_);
  auto it = streams_.find(name);
  if (it != streams_.end()) return it->second.get();
  auto s = std::make_unique<Stream>();
  s->name = std::string(name);
  s->id = static_cast<uint32_t>(streams_by_id_.size() + 1);
  internal::StreamTree::Options to;
  to.env = options_.env;
  to.dir = core::JoinPath(core::JoinPath(options_.dir, "tree"), std::to_string(s->id));
  to.stream_id = s->id;
  to.cache = cache_.get();
  // A directory left by a stream whose creation never became durable is emptied here.
  CAIRN_ASSIGN_OR_RETURN(s->tree, internal::StreamTree::Open(to, 0, Hash{}));
  Stream* raw = s.get();
  streams_.emplace(s->name, std::move(s));
  streams_by_id_.push_back(raw);
  return raw;
}

Status EventLog::CreateStream(std::string_view stream) {
  if (!IsValidStreamName(stream)) return GetStream(stream, true).status();
  if (Stream* s = FindStream(stream); s != nullptr && s->create_logged.load()) {
    return AlreadyExistsError("stream '" + std::string(stream) + "' exists");
  }
  CAIRN_ASSIGN_OR_RETURN(Stream * s, GetStream(stream, true));
  Writer w;
  w.stream = s;
  w.bytes = kWriterOverhead;
  return Commit(&w).status();
}

std::vector<StreamInfo> EventLog::ListStreams() {
  std::shared_lock<std::shared_mutex> lock(streams_mutex_);
  std::vector<StreamInfo> out;
  for (const auto& [name, s] : streams_) {
    if (!s->create_logged.load(std::memory_order_acquire)) continue;
    out.push_back(StreamInfo{name, s->durable_size.load(std::memory_order_acquire)});
  }
  return out;
}

Result<uint64_t> EventLog::Size(std::string_view stream) {
  CAIRN_ASSIGN_OR_RETURN(Stream * s, GetStream(stream, false));
  return s->durable_size.load(std::memory_order_acquire);
}

// --- Appends --------------------------------------------------------------------------------

Status EventLog::CheckEvents(std::span<const ByteSpan> events, uint64_t* bytes) const {
  if (events.empty()) return InvalidArgumentError("an append needs at least one event");
  uint64_t total = 0;
  for (ByteSpan e : events) {
    if (e.size() > options_.max_event_bytes) {
      return InvalidArgumentError("event of " + std::to_string(e.size()) +
                                  " bytes exceeds the limit of " +
                                  std::to_string(options_.max_event_bytes));
    }
    total += e.size() + 4;
  }
  if (total > options_.max_batch_bytes) {
    return InvalidArgumentError("batch of " + std::to_string(total) +
                                " bytes exceeds the limit of " +
                                std::to_string(options_.max_batch_bytes));
  }
  *bytes = total + kWriterOverhead;
  return Status();
}

Result<uint64_t> EventLog::AppendBatch(std::string_view stream, std::span<const ByteSpan> events,
                                       const AppendOptions& options) {
  if (options.expected_root.has_value()) {
    if (!options.expected_size.has_value()) {
      return InvalidArgumentError("expected_root needs expected_size");
    }
    return AppendVerified(stream, *options.expected_size, events, *options.expected_root);
  }
  Writer w;
  CAIRN_RETURN_IF_ERROR(CheckEvents(events, &w.bytes));
  CAIRN_ASSIGN_OR_RETURN(w.stream, GetStream(stream, options.create));
  w.events = events;
  w.expected_size = options.expected_size;
  return Commit(&w);
}

Result<uint64_t> EventLog::AppendBatch(std::string_view stream,
                                       const std::vector<std::string>& events,
                                       const AppendOptions& options) {
  std::vector<ByteSpan> spans;
  spans.reserve(events.size());
  for (const std::string& e : events) spans.push_back(AsBytes(e));
  return AppendBatch(stream, spans, options);
}

Result<uint64_t> EventLog::Append(std::string_view stream, ByteSpan event) {
  return AppendBatch(stream, std::span<const ByteSpan>(&event, 1));
}

Result<uint64_t> EventLog::AppendVerified(std::string_view stream, uint64_t first_index,
                                          std::span<const ByteSpan> events,
                                          const Hash& expected_root) {
  Writer w;
  CAIRN_RETURN_IF_ERROR(CheckEvents(events, &w.bytes));
  CAIRN_ASSIGN_OR_RETURN(w.stream, GetStream(stream, true));
  const uint64_t size = w.stream->durable_size.load(std::memory_order_acquire);
  if (size != first_index) {
    return FailedPreconditionError("stream '" + std::string(stream) + "' has " +
                                   std::to_string(size) + " events, not " +
                                   std::to_string(first_index));
  }
  // The root over what is there plus the new events; the commit below only goes ahead if no
  // other append got in between (expected_size), so this is the root the commit produces.
  CAIRN_RETURN_IF_ERROR(WaitForTree(w.stream, first_index));
  std::vector<Hash> leaves;
  HashLeaves(events, &leaves);
  CAIRN_ASSIGN_OR_RETURN(Hash root, w.stream->tree->RootWithAppended(first_index, leaves));
  if (root != expected_root) {
    return InvalidArgumentError("the events do not give the expected root for stream '" +
                                std::string(stream) + "' at size " +
                                std::to_string(first_index + events.size()));
  }
  w.events = events;
  w.expected_size = first_index;
  return Commit(&w);
}

Status EventLog::Broken() {
  if (!broken_.load(std::memory_order_acquire)) return Status();
  std::lock_guard<std::mutex> lock(tree_mutex_);
  return tree_broken_;
}

Result<uint64_t> EventLog::Commit(Writer* w) {
  std::unique_lock<std::mutex> lock(commit_mutex_);
  writers_.push_back(w);
  commit_cv_.wait(lock, [&] { return w->done || writers_.front() == w; });
  if (!w->done) {
    // This writer leads: take every waiting writer that fits in one record.
    std::vector<Writer*> group;
    uint64_t bytes = 0;
    for (Writer* x : writers_) {
      if (!group.empty() && bytes + x->bytes > options_.max_batch_bytes) break;
      group.push_back(x);
      bytes += x->bytes;
    }
    lock.unlock();
    CommitGroup(group);
    lock.lock();
    for (Writer* x : group) {
      x->done = true;
      writers_.pop_front();
    }
    commit_cv_.notify_all();
  }
  if (!w->status.ok()) return w->status;
  return w->first_index;
}

void EventLog::CommitGroup(const std::vector<Writer*>& group) {
  Status broken = Broken();
  if (broken.ok()) {
    // Backpressure: do not run further ahead of the tree than max_unhashed_bytes.
    std::unique_lock<std::mutex> lock(tree_mutex_);
    progress_cv_.wait(lock, [&] {
      return tree_queue_bytes_ <= options_.max_unhashed_bytes || !tree_broken_.ok();
    });
    broken = tree_broken_;
  }
  if (!broken.ok()) {
    for (Writer* x : group) x->status = broken;
    return;
  }
  // Per stream, in order of first appearance: the create entry it still needs, its events.
  struct Plan {
    Stream* stream;
    uint64_t first;
    std::vector<ByteSpan> events;
  };
  std::vector<Plan> plans;
  uint64_t event_bytes = 0;
  for (Writer* x : group) {
    auto it = std::find_if(plans.begin(), plans.end(),
                           [&](const Plan& p) { return p.stream == x->stream; });
    if (it == plans.end()) {
      plans.push_back(Plan{x->stream, x->stream->next_index, {}});
      it = plans.end() - 1;
    }
    const uint64_t at = it->first + it->events.size();
    if (x->expected_size.has_value() && *x->expected_size != at) {
      x->status =
          FailedPreconditionError("stream '" + x->stream->name + "' has " + std::to_string(at) +
                                  " events, not " + std::to_string(*x->expected_size));
      continue;
    }
    x->status = Status();
    x->first_index = at;
    it->events.insert(it->events.end(), x->events.begin(), x->events.end());
    for (ByteSpan e : x->events) event_bytes += e.size();
  }
  BatchBuilder builder;
  for (const Plan& p : plans) {
    if (!p.stream->create_logged.load(std::memory_order_relaxed))
      builder.AddCreate(p.stream->id, p.stream->name);
  }
  for (const Plan& p : plans) {
    if (!p.events.empty()) builder.AddEvents(p.stream->id, p.first, p.events);
  }
  if (builder.empty()) return;  // every writer failed its precondition
  TreeWork work;
  std::vector<uint32_t> offsets;
  builder.Build(&work.payload, &offsets);
  Result<engine::RecordAddress> address = log_->Append(kBatchRecord, work.payload.span(), true);
  if (!address.ok()) {
    for (Writer* x : group) {
      if (x->status.ok()) x->status = address.status();
    }
    return;
  }
  // Durable: index the events, hand them to the tree thread, then let readers see them.
  size_t k = 0;
  uint64_t events = 0;
  for (Plan& p : plans) {
    p.stream->create_logged.store(true, std::memory_order_release);
    if (p.events.empty()) continue;
    const auto count = static_cast<uint32_t>(p.events.size());
    {
      std::unique_lock<std::shared_mutex> lock(p.stream->index_mutex);
      p.stream->index.push_back(IndexEntry{p.first, count, offsets[k], *address});
    }
    work.chunks.push_back(TreeWork::Chunk{p.stream, p.first, count, offsets[k]});
    p.stream->next_index += count;
    events += count;
    ++k;
  }
  work.bytes = work.payload.size();
  {
    std::lock_guard<std::mutex> lock(tree_mutex_);
    tree_queue_bytes_ += work.bytes;
    tree_queue_.push_back(std::move(work));
  }
  tree_cv_.notify_one();
  for (const Plan& p : plans) {
    p.stream->durable_size.store(p.stream->next_index, std::memory_order_release);
  }
  events_appended_.fetch_add(events, std::memory_order_relaxed);
  bytes_appended_.fetch_add(event_bytes, std::memory_order_relaxed);
  commits_.fetch_add(1, std::memory_order_relaxed);
}

// --- Reads ----------------------------------------------------------------------------------

Status EventLog::ScanEvents(Stream* s, uint64_t begin, uint64_t end,
                            const std::function<bool(uint64_t, ByteSpan)>& fn) {
  uint64_t pos = begin;
  while (pos < end) {
    IndexEntry e;
    {
      std::shared_lock<std::shared_mutex> lock(s->index_mutex);
      auto it = std::upper_bound(s->index.begin(), s->index.end(), pos,
                                 [](uint64_t v, const IndexEntry& x) { return v < x.first; });
      if (it == s->index.begin()) return InternalError("event log index has no entry");
      e = *(it - 1);
    }
    if (pos >= e.first + e.count) return InternalError("event log index has a gap");
    CAIRN_ASSIGN_OR_RETURN(Buffer record, log_->Read(e.address));
    bool stopped = false;
    const uint64_t before = pos;
    CAIRN_RETURN_IF_ERROR(internal::ForEachEvent(record.span(), e.offset, s->id, pos, end,
                                                 [&](uint64_t index, ByteSpan event) {
                                                   if (!fn(index, event)) {
                                                     stopped = true;
                                                     return false;
                                                   }
                                                   pos = index + 1;
                                                   return true;
                                                 }));
    if (stopped) break;
    if (pos == before) return DataLossError("event log record lacks the events it should hold");
  }
  return Status();
}

Result<std::vector<std::string>> EventLog::Read(std::string_view stream, uint64_t begin,
                                                uint64_t end, uint64_t max_bytes) {
  CAIRN_ASSIGN_OR_RETURN(Stream * s, GetStream(stream, false));
  const uint64_t size = s->durable_size.load(std::memory_order_acquire);
  if (begin > size) {
    return OutOfRangeError("stream '" + s->name + "' has " + std::to_string(size) +
                           " events; cannot read from " + std::to_string(begin));
  }
  std::vector<std::string> out;
  uint64_t bytes = 0;
  CAIRN_RETURN_IF_ERROR(ScanEvents(s, begin, std::min(end, size), [&](uint64_t, ByteSpan e) {
    if (!out.empty() && bytes + e.size() > max_bytes) return false;
    bytes += e.size();
    out.emplace_back(AsStringView(e));
    return true;
  }));
  return out;
}

Result<std::string> EventLog::ReadEvent(std::string_view stream, uint64_t index) {
  CAIRN_ASSIGN_OR_RETURN(Stream * s, GetStream(stream, false));
  if (index >= s->durable_size.load(std::memory_order_acquire)) {
    return OutOfRangeError("stream '" + s->name + "' has no event " + std::to_string(index));
  }
  std::string out;
  CAIRN_RETURN_IF_ERROR(ScanEvents(s, index, index + 1, [&](uint64_t, ByteSpan e) {
    out.assign(AsStringView(e));
    return false;
  }));
  return out;
}

EventLogStats EventLog::stats() {
  EventLogStats st;
  {
    std::shared_lock<std::shared_mutex> lock(streams_mutex_);
    st.streams = streams_.size();
  }
  st.events_appended = events_appended_.load(std::memory_order_relaxed);
  st.bytes_appended = bytes_appended_.load(std::memory_order_relaxed);
  st.commits = commits_.load(std::memory_order_relaxed);
  {
    std::lock_guard<std::mutex> lock(tree_mutex_);
    st.unhashed_bytes = tree_queue_bytes_;
  }
  st.page_cache_hits = cache_->hits();
  st.page_cache_misses = cache_->misses();
  return st;
}

}  // namespace cairn::eventlog
