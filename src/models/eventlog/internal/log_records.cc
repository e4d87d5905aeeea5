#include "models/eventlog/internal/log_records.h"

#include <cstring>
#include <string>

#include "core/coding.h"

namespace cairn::eventlog::internal {
namespace {

using core::DecodeFixed16;
using core::DecodeFixed32;
using core::DecodeFixed64;

constexpr size_t kCheckpointEntryBytes = 4 + 8 + 32;

Status Malformed(const char* what) {
  return DataLossError(std::string("event log record is malformed: ") + what);
}

// Reads an events entry's header at `offset`; sets where its lengths and its data start.
Status EventsHeader(ByteSpan p, uint32_t offset, BatchEntry* e, size_t* lengths, size_t* data,
                    size_t* end) {
  if (p.size() - offset < kEventsEntryHeaderBytes || p[offset] != kEventsEntry) {
    return Malformed("bad events entry");
  }
  const uint8_t* h = p.data() + offset;
  e->type = kEventsEntry;
  e->stream_id = DecodeFixed32(h + 1);
  e->first = DecodeFixed64(h + 5);
  e->count = DecodeFixed32(h + 13);
  e->offset = offset;
  *lengths = offset + kEventsEntryHeaderBytes;
  if ((p.size() - *lengths) / 4 < e->count) return Malformed("short length table");
  *data = *lengths + 4 * size_t{e->count};
  size_t total = 0;
  for (uint32_t i = 0; i < e->count; ++i) {
    total += DecodeFixed32(p.data() + *lengths + 4 * size_t{i});
    if (total > p.size() - *data) return Malformed("events run past the record");
  }
  *end = *data + total;
  return Status();
}

}  // namespace

void BatchBuilder::AddCreate(uint32_t stream_id, std::string_view name) {
  entries_.push_back(Entry{kCreateEntry, stream_id, name, 0, {}});
}

void BatchBuilder::AddEvents(uint32_t stream_id, uint64_t first, std::vector<ByteSpan> events) {
  entries_.push_back(Entry{kEventsEntry, stream_id, {}, first, std::move(events)});
}

void BatchBuilder::Build(Buffer* out, std::vector<uint32_t>* offsets) const {
  size_t size = 1;
  for (const Entry& e : entries_) {
    if (e.type == kCreateEntry) {
      size += kCreateEntryHeaderBytes + e.name.size();
    } else {
      size += kEventsEntryHeaderBytes + 4 * e.events.size();
      for (ByteSpan ev : e.events) size += ev.size();
    }
  }
  out->Clear();
  out->ResizeUninitialized(size);
  uint8_t* p = out->data();
  *p++ = kRecordVersion;
  offsets->clear();
  for (const Entry& e : entries_) {
    if (e.type == kCreateEntry) {
      *p = kCreateEntry;
      core::EncodeFixed32(p + 1, e.stream_id);
      core::EncodeFixed16(p + 5, static_cast<uint16_t>(e.name.size()));
      std::memcpy(p + kCreateEntryHeaderBytes, e.name.data(), e.name.size());
      p += kCreateEntryHeaderBytes + e.name.size();
      continue;
    }
    offsets->push_back(static_cast<uint32_t>(p - out->data()));
    *p = kEventsEntry;
    core::EncodeFixed32(p + 1, e.stream_id);
    core::EncodeFixed64(p + 5, e.first);
    core::EncodeFixed32(p + 13, static_cast<uint32_t>(e.events.size()));
    p += kEventsEntryHeaderBytes;
    for (ByteSpan ev : e.events) {
      core::EncodeFixed32(p, static_cast<uint32_t>(ev.size()));
      p += 4;
    }
    for (ByteSpan ev : e.events) {
      if (!ev.empty()) std::memcpy(p, ev.data(), ev.size());
      p += ev.size();
    }
  }
}

Status ParseBatch(ByteSpan p, const std::function<Status(const BatchEntry&)>& fn) {
  if (p.empty() || p[0] != kRecordVersion) return Malformed("unknown batch version");
  size_t pos = 1;
  while (pos < p.size()) {
    BatchEntry e;
    if (p[pos] == kCreateEntry) {
      if (p.size() - pos < kCreateEntryHeaderBytes) return Malformed("short create entry");
      e.type = kCreateEntry;
      e.stream_id = DecodeFixed32(p.data() + pos + 1);
      const size_t len = DecodeFixed16(p.data() + pos + 5);
      if (p.size() - pos - kCreateEntryHeaderBytes < len) return Malformed("short stream name");
      e.name = AsStringView(p.subspan(pos + kCreateEntryHeaderBytes, len));
      e.offset = static_cast<uint32_t>(pos);
      pos += kCreateEntryHeaderBytes + len;
    } else {
      size_t lengths, data, end;
      CAIRN_RETURN_IF_ERROR(EventsHeader(p, static_cast<uint32_t>(pos), &e, &lengths, &data, &end));
      pos = end;
    }
    CAIRN_RETURN_IF_ERROR(fn(e));
  }
  return Status();
}

Status ForEachEvent(ByteSpan p, uint32_t offset, uint32_t stream_id, uint64_t begin, uint64_t end,
                    const std::function<bool(uint64_t, ByteSpan)>& fn) {
  if (offset >= p.size()) return Malformed("events entry offset past the record");
  BatchEntry e;
  size_t lengths, data, stop;
  CAIRN_RETURN_IF_ERROR(EventsHeader(p, offset, &e, &lengths, &data, &stop));
  if (e.stream_id != stream_id) return Malformed("events entry of another stream");
  size_t at = data;
  for (uint32_t i = 0; i < e.count; ++i) {
    const uint32_t len = DecodeFixed32(p.data() + lengths + 4 * size_t{i});
    const uint64_t index = e.first + i;
    if (index >= end) break;
    if (index >= begin && !fn(index, p.subspan(at, len))) break;
    at += len;
  }
  return Status();
}

void EncodeCheckpoints(std::span<const CheckpointEntry> entries, Buffer* out) {
  out->Clear();
  out->ResizeUninitialized(1 + entries.size() * kCheckpointEntryBytes);
  uint8_t* p = out->data();
  *p++ = kRecordVersion;
  for (const CheckpointEntry& c : entries) {
    core::EncodeFixed32(p, c.stream_id);
    core::EncodeFixed64(p + 4, c.size);
    std::memcpy(p + 12, c.root.data(), 32);
    p += kCheckpointEntryBytes;
  }
}

Status DecodeCheckpoints(ByteSpan p, std::vector<CheckpointEntry>* out) {
  if (p.empty() || p[0] != kRecordVersion || (p.size() - 1) % kCheckpointEntryBytes != 0) {
    return Malformed("bad checkpoint record");
  }
  for (size_t pos = 1; pos < p.size(); pos += kCheckpointEntryBytes) {
    CheckpointEntry c;
    c.stream_id = DecodeFixed32(p.data() + pos);
    c.size = DecodeFixed64(p.data() + pos + 4);
    std::memcpy(c.root.data(), p.data() + pos + 12, 32);
    out->push_back(c);
  }
  return Status();
}

}  // namespace cairn::eventlog::internal
