#include "models/mailbox/mailbox.h"

#include <algorithm>
#include <limits>
#include <set>

#include "core/bytes.h"
#include "core/coding.h"
#include "core/env/env.h"
#include "engine/metadata.h"
#include "models/mailbox/internal/mailbox_format.h"

namespace cairn::mailbox {

using engine::Cf;
using engine::MetaBatch;
using internal::Location;
using internal::Record;

struct Mailbox::Found {
  Location loc;
  Record rec;
};

namespace {

// The record stores the hash length in one byte.
static_assert(kMaxHashSize < 256);
static_assert(kAccountIdSize == internal::kAccountBytes);

std::string_view AccountBytes(const AccountId& account) {
  return std::string_view(reinterpret_cast<const char*>(account.data()), account.size());
}

std::string EncodeU64(uint64_t v) {
  std::string out(8, '\0');
  core::EncodeFixed64(reinterpret_cast<uint8_t*>(out.data()), v);
  return out;
}

Message ToMessage(const Location& loc, Record rec) {
  return Message{.hash = std::move(rec.hash),
                 .ns = loc.ns,
                 .timestamp_ms = rec.timestamp_ms,
                 .expiry_ms = rec.expiry_ms,
                 .data = std::move(rec.data)};
}

void SortHashes(HashesByNamespace* out) {
  for (auto& [ns, hashes] : *out) std::sort(hashes.begin(), hashes.end());
}

}  // namespace

Result<AccountId> ParseAccountId(std::string_view hex) {
  std::string raw;
  if (hex.size() != 2 * kAccountIdSize || !HexDecode(hex, &raw)) {
    return InvalidArgumentError("pubkey must be 66 hex digits (33 bytes) long");
  }
  AccountId id;
  std::copy(raw.begin(), raw.end(), id.begin());
  return id;
}

Result<AccountId> AccountIdFromRaw(std::string_view raw) {
  if (raw.size() != kAccountIdSize) return InvalidArgumentError("account id must be 33 bytes");
  AccountId id;
  std::copy(raw.begin(), raw.end(), id.begin());
  return id;
}

std::string AccountIdHex(const AccountId& account) { return HexEncode(ByteSpan(account)); }

bool IsPublicOutbox(int16_t ns) { return ns < 0 && (-static_cast<int>(ns)) % 20 == 1; }

RetrieveLimits RetrieveLimits::FromRequest(int64_t max_count, int64_t max_size) {
  RetrieveLimits limits;
  if (max_count == 0 && max_size == 0) max_size = -5;
  if (max_size < 0) {
    // |max_size| without overflowing on INT64_MIN.
    uint64_t divisor = static_cast<uint64_t>(-(max_size + 1)) + 1;
    limits.max_size = kRetrieveMaxSize / divisor;
  } else if (max_size == 0 || static_cast<uint64_t>(max_size) > kRetrieveMaxSize) {
    limits.max_size = kRetrieveMaxSize;
  } else {
    limits.max_size = static_cast<uint64_t>(max_size);
  }
  if (max_count != 0) {
    limits.max_count = static_cast<uint32_t>(
        std::clamp<int64_t>(max_count, 1, std::numeric_limits<uint32_t>::max()));
  }
  return limits;
}

uint64_t RetrieveCost(const Message& message) {
  return kRetrieveMessageOverhead + message.hash.size() + message.data.size() * 4 / 3;
}

Mailbox::Mailbox(const MailboxOptions& options, uint64_t next_seq)
    : env_(options.env), meta_(options.metadata), next_seq_(next_seq), seq_limit_(next_seq) {}

Mailbox::~Mailbox() = default;

Result<std::unique_ptr<Mailbox>> Mailbox::Open(const MailboxOptions& options) {
  if (options.env == nullptr || options.metadata == nullptr) {
    return InvalidArgumentError("mailbox: env and metadata are required");
  }
  CAIRN_ASSIGN_OR_RETURN(std::optional<std::string> limit,
                         options.metadata->Get(Cf::kMailbox, internal::kSequenceKey));
  uint64_t next_seq = 0;
  if (limit) {
    if (limit->size() != 8) return DataLossError("mailbox: bad sequence reservation");
    next_seq = core::DecodeFixed64(reinterpret_cast<const uint8_t*>(limit->data()));
  }
  // Numbers below the stored limit may have been used before a restart: start above them.
  return std::unique_ptr<Mailbox>(new Mailbox(options, next_seq));
}

int64_t Mailbox::NowMs() const { return static_cast<int64_t>(env_->UnixMicros() / 1000); }

size_t Mailbox::StripeOf(std::string_view account) {
  return std::hash<std::string_view>()(account) % kLockStripes;
}

Result<uint64_t> Mailbox::NextSequence() {
  std::lock_guard<std::mutex> lock(seq_mutex_);
  if (next_seq_ >= seq_limit_) {
    // Reserve a block durably before handing out any of it, so numbers never repeat after a
    // crash; one synced write per kSequenceBlock stores.
    uint64_t limit = next_seq_ + kSequenceBlock;
    MetaBatch batch;
    batch.Put(Cf::kMailbox, internal::kSequenceKey, EncodeU64(limit));
    CAIRN_RETURN_IF_ERROR(meta_->Write(batch));
    seq_limit_ = limit;
  }
  return next_seq_++;
}

Result<std::optional<Mailbox::Found>> Mailbox::Find(std::string_view account,
                                                    std::string_view hash) {
  CAIRN_ASSIGN_OR_RETURN(std::optional<std::string> where,
                         meta_->Get(Cf::kMailbox, internal::HashKey(account, hash)));
  if (!where) return std::optional<Found>();
  CAIRN_ASSIGN_OR_RETURN(Location loc, internal::DecodeLocation(*where));
  CAIRN_ASSIGN_OR_RETURN(std::optional<std::string> value,
                         meta_->Get(Cf::kMailbox, internal::MessageKey(account, loc)));
  // Without the account lock a delete may land between the two reads: then it is gone.
  if (!value) return std::optional<Found>();
  CAIRN_ASSIGN_OR_RETURN(Record rec, internal::DecodeRecord(*value));
  return std::optional<Found>(Found{.loc = loc, .rec = std::move(rec)});
}

Status Mailbox::VisitMessages(std::string_view account, NamespaceFilter filter, const VisitFn& fn) {
  std::string prefix =
      filter ? internal::NamespacePrefix(account, *filter) : internal::AccountPrefix(account);
  Status inner;
  Status scan =
      meta_->Scan(Cf::kMailbox, prefix, "", [&](std::string_view key, std::string_view value) {
        Result<internal::MessageKeyParts> parts = internal::ParseMessageKey(key);
        Result<Record> rec =
            parts.ok() ? internal::DecodeRecord(value) : Result<Record>(parts.status());
        if (!rec.ok()) {
          inner = rec.status();
          return false;
        }
        Found found{.loc = parts->loc, .rec = std::move(rec).value()};
        inner = fn(found);
        return inner.ok();
      });
  CAIRN_RETURN_IF_ERROR(scan);
  return inner;
}

void Mailbox::AddDelete(MetaBatch* batch, std::string_view account, const Found& found) {
  batch->Delete(Cf::kMailbox, internal::MessageKey(account, found.loc));
  batch->Delete(Cf::kMailbox, internal::HashKey(account, found.rec.hash));
  batch->Delete(Cf::kMailbox, internal::ExpiryKey(found.rec.expiry_ms, account, found.loc));
}

void Mailbox::AddSetExpiry(MetaBatch* batch, std::string_view account, const Found& found,
                           int64_t expiry_ms) {
  if (expiry_ms == found.rec.expiry_ms) return;
  batch->Put(
      Cf::kMailbox, internal::MessageKey(account, found.loc),
      internal::EncodeRecord(found.rec.timestamp_ms, expiry_ms, found.rec.hash, found.rec.data));
  batch->Delete(Cf::kMailbox, internal::ExpiryKey(found.rec.expiry_ms, account, found.loc));
  batch->Put(Cf::kMailbox, internal::ExpiryKey(expiry_ms, account, found.loc), "");
}

Result<StoreResult> Mailbox::Store(const AccountId& account, int16_t ns, std::string_view hash,
                                   int64_t timestamp_ms, int64_t expiry_ms, std::string_view data) {
  if (hash.empty() || hash.size() > kMaxHashSize) {
    return InvalidArgumentError("mailbox: message hash must be 1 to 64 bytes");
  }
  if (data.size() > kMaxDataSize) {
    return InvalidArgumentError("mailbox: message data exceeds 76800 bytes");
  }
  if (timestamp_ms < 0 || expiry_ms < 0) {
    return InvalidArgumentError("mailbox: negative timestamp or expiry");
  }
  std::string_view acct = AccountBytes(account);
  std::lock_guard<std::mutex> lock(account_locks_[StripeOf(acct)]);
  const int64_t now = NowMs();
  CAIRN_ASSIGN_OR_RETURN(std::optional<Found> existing, Find(acct, hash));
  const bool duplicate = existing && existing->rec.expiry_ms > now;

  MetaBatch batch;
  if (IsPublicOutbox(ns)) {
    // The outbox holds one message: drop every other one (the duplicate itself stays).
    CAIRN_RETURN_IF_ERROR(VisitMessages(acct, ns, [&](const Found& other) {
      if (!(duplicate && other.rec.hash == hash)) AddDelete(&batch, acct, other);
      return Status();
    }));
  }
  StoreResult result;
  if (duplicate) {
    // §3.1 step 5: nothing changes but a later expiry; the message keeps its place.
    result.already = true;
    result.expiry_ms = std::max(existing->rec.expiry_ms, expiry_ms);
    AddSetExpiry(&batch, acct, *existing, result.expiry_ms);
  } else {
    // An expired copy not yet swept is replaced (deletes first: the new hash entry follows).
    if (existing) AddDelete(&batch, acct, *existing);
    CAIRN_ASSIGN_OR_RETURN(uint64_t seq, NextSequence());
    Location loc{.ns = ns, .seq = seq};
    batch.Put(Cf::kMailbox, internal::MessageKey(acct, loc),
              internal::EncodeRecord(timestamp_ms, expiry_ms, hash, data));
    batch.Put(Cf::kMailbox, internal::HashKey(acct, hash), internal::EncodeLocation(loc));
    batch.Put(Cf::kMailbox, internal::ExpiryKey(expiry_ms, acct, loc), "");
    result.expiry_ms = expiry_ms;
  }
  if (batch.count() > 0) CAIRN_RETURN_IF_ERROR(meta_->Write(batch));
  return result;
}

Result<RetrieveResult> Mailbox::Retrieve(const AccountId& account, int16_t ns,
                                         std::string_view last_hash, const RetrieveLimits& limits) {
  std::string_view acct = AccountBytes(account);
  const int64_t now = NowMs();
  std::string start_after;
  if (!last_hash.empty()) {
    CAIRN_ASSIGN_OR_RETURN(std::optional<std::string> where,
                           meta_->Get(Cf::kMailbox, internal::HashKey(acct, last_hash)));
    if (where) {
      CAIRN_ASSIGN_OR_RETURN(Location loc, internal::DecodeLocation(*where));
      if (loc.ns == ns) start_after = internal::MessageKey(acct, loc);
    }
  }
  RetrieveResult result;
  uint64_t total = 0;
  Status inner;
  CAIRN_RETURN_IF_ERROR(
      meta_->Scan(Cf::kMailbox, internal::NamespacePrefix(acct, ns), start_after,
                  [&](std::string_view key, std::string_view value) {
                    Result<internal::MessageKeyParts> parts = internal::ParseMessageKey(key);
                    Result<Record> rec =
                        parts.ok() ? internal::DecodeRecord(value) : Result<Record>(parts.status());
                    if (!rec.ok()) {
                      inner = rec.status();
                      return false;
                    }
                    if (rec->expiry_ms <= now) return true;
                    Message message = ToMessage(parts->loc, std::move(rec).value());
                    uint64_t cost = RetrieveCost(message);
                    // A live message left out because of a cap: that is what `more` reports.
                    if ((limits.max_count != 0 && result.messages.size() >= limits.max_count) ||
                        (!result.messages.empty() && total + cost > limits.max_size)) {
                      result.more = true;
                      return false;
                    }
                    total += cost;
                    result.messages.push_back(std::move(message));
                    return true;
                  }));
  CAIRN_RETURN_IF_ERROR(inner);
  return result;
}

Result<std::vector<std::string>> Mailbox::Delete(const AccountId& account,
                                                 std::span<const std::string> hashes) {
  std::string_view acct = AccountBytes(account);
  std::set<std::string_view> unique(hashes.begin(), hashes.end());
  std::lock_guard<std::mutex> lock(account_locks_[StripeOf(acct)]);
  const int64_t now = NowMs();
  MetaBatch batch;
  std::vector<std::string> deleted;
  for (std::string_view hash : unique) {
    CAIRN_ASSIGN_OR_RETURN(std::optional<Found> found, Find(acct, hash));
    if (!found) continue;
    if (found->rec.expiry_ms > now) deleted.emplace_back(hash);
    AddDelete(&batch, acct, *found);  // an expired one is reclaimed, not reported
  }
  if (batch.count() > 0) CAIRN_RETURN_IF_ERROR(meta_->Write(batch));
  return deleted;  // sorted: `unique` is
}

Result<HashesByNamespace> Mailbox::DeleteAll(const AccountId& account, NamespaceFilter filter) {
  return DeleteBefore(account, filter, std::numeric_limits<int64_t>::max());
}

Result<HashesByNamespace> Mailbox::DeleteBefore(const AccountId& account, NamespaceFilter filter,
                                                int64_t before_ms) {
  std::string_view acct = AccountBytes(account);
  std::lock_guard<std::mutex> lock(account_locks_[StripeOf(acct)]);
  const int64_t now = NowMs();
  MetaBatch batch;
  HashesByNamespace deleted;
  CAIRN_RETURN_IF_ERROR(VisitMessages(acct, filter, [&](const Found& found) {
    if (found.rec.timestamp_ms > before_ms) return Status();
    if (found.rec.expiry_ms > now) deleted[found.loc.ns].push_back(found.rec.hash);
    AddDelete(&batch, acct, found);
    return Status();
  }));
  if (batch.count() > 0) CAIRN_RETURN_IF_ERROR(meta_->Write(batch));
  SortHashes(&deleted);
  return deleted;
}

Result<HashesByNamespace> Mailbox::ExpireAll(const AccountId& account, NamespaceFilter filter,
                                             int64_t expiry_ms) {
  if (expiry_ms < 0) return InvalidArgumentError("mailbox: negative expiry");
  std::string_view acct = AccountBytes(account);
  std::lock_guard<std::mutex> lock(account_locks_[StripeOf(acct)]);
  const int64_t now = NowMs();
  MetaBatch batch;
  HashesByNamespace updated;
  CAIRN_RETURN_IF_ERROR(VisitMessages(acct, filter, [&](const Found& found) {
    if (found.rec.expiry_ms > now && found.rec.expiry_ms > expiry_ms) {
      AddSetExpiry(&batch, acct, found, expiry_ms);
      updated[found.loc.ns].push_back(found.rec.hash);
    }
    return Status();
  }));
  if (batch.count() > 0) CAIRN_RETURN_IF_ERROR(meta_->Write(batch));
  SortHashes(&updated);
  return updated;
}

Result<ExpireResult> Mailbox::Expire(const AccountId& account,
                                     std::span<const ExpireTarget> targets, ExpireMode mode) {
  for (const ExpireTarget& t : targets) {
    if (t.expiry_ms < 0) return InvalidArgumentError("mailbox: negative expiry");
  }
  std::string_view acct = AccountBytes(account);
  std::lock_guard<std::mutex> lock(account_locks_[StripeOf(acct)]);
  const int64_t now = NowMs();
  MetaBatch batch;
  ExpireResult result;
  std::set<std::string_view> seen;
  for (const ExpireTarget& target : targets) {
    if (!seen.insert(target.hash).second) continue;
    CAIRN_ASSIGN_OR_RETURN(std::optional<Found> found, Find(acct, target.hash));
    if (!found || found->rec.expiry_ms <= now) continue;
    const int64_t current = found->rec.expiry_ms;
    bool change = mode == ExpireMode::kSet ||
                  (mode == ExpireMode::kShorten && current > target.expiry_ms) ||
                  (mode == ExpireMode::kExtend && current < target.expiry_ms);
    if (change) {
      AddSetExpiry(&batch, acct, *found, target.expiry_ms);
      result.updated.emplace_back(target.hash, target.expiry_ms);
    } else {
      result.unchanged.emplace(target.hash, current);
    }
  }
  if (batch.count() > 0) CAIRN_RETURN_IF_ERROR(meta_->Write(batch));
  std::sort(result.updated.begin(), result.updated.end());
  return result;
}

Result<std::map<std::string, int64_t>> Mailbox::GetExpiries(const AccountId& account,
                                                            std::span<const std::string> hashes) {
  std::string_view acct = AccountBytes(account);
  const int64_t now = NowMs();
  std::map<std::string, int64_t> expiries;
  for (const std::string& hash : hashes) {
    // Any string may come in (the spec checks no format here); it only has to fit a key.
    if (hash.empty() || hash.size() > kMaxHashSize || expiries.contains(hash)) continue;
    CAIRN_ASSIGN_OR_RETURN(std::optional<Found> found, Find(acct, hash));
    if (found && found->rec.expiry_ms > now) expiries.emplace(hash, found->rec.expiry_ms);
  }
  return expiries;
}

Result<std::map<std::string, uint64_t>> Mailbox::RevokedList(std::string_view account) {
  std::map<std::string, uint64_t> list;
  Status inner;
  CAIRN_RETURN_IF_ERROR(meta_->Scan(Cf::kMailbox, internal::RevokedPrefix(account), "",
                                    [&](std::string_view key, std::string_view value) {
                                      if (value.size() != 8) {
                                        inner = DataLossError("mailbox: bad revocation entry");
                                        return false;
                                      }
                                      list[std::string(key.substr(1 + kAccountIdSize))] =
                                          core::DecodeFixed64(
                                              reinterpret_cast<const uint8_t*>(value.data()));
                                      return true;
                                    }));
  CAIRN_RETURN_IF_ERROR(inner);
  return list;
}

Status Mailbox::RevokeSubaccounts(const AccountId& account, std::span<const std::string> tokens) {
  for (const std::string& token : tokens) {
    if (token.size() != kSubaccountTokenSize) {
      return InvalidArgumentError("mailbox: subaccount token must be 36 bytes");
    }
  }
  std::string_view acct = AccountBytes(account);
  std::lock_guard<std::mutex> lock(account_locks_[StripeOf(acct)]);
  // token -> recency; at most kMaxRevokedSubaccounts + tokens.size() entries.
  CAIRN_ASSIGN_OR_RETURN(auto list, RevokedList(acct));
  MetaBatch batch;
  for (const std::string& token : tokens) {
    CAIRN_ASSIGN_OR_RETURN(uint64_t seq, NextSequence());
    list[token] = seq;
    batch.Put(Cf::kMailbox, internal::RevokedKey(acct, token), EncodeU64(seq));
  }
  if (list.size() > kMaxRevokedSubaccounts) {
    std::vector<std::pair<uint64_t, std::string_view>> by_age;
    for (const auto& [token, seq] : list) by_age.emplace_back(seq, token);
    std::sort(by_age.begin(), by_age.end());
    // Later operations in a batch win, so this also drops a token put above.
    for (size_t i = 0; i + kMaxRevokedSubaccounts < by_age.size(); ++i) {
      batch.Delete(Cf::kMailbox, internal::RevokedKey(acct, by_age[i].second));
    }
  }
  if (batch.count() > 0) CAIRN_RETURN_IF_ERROR(meta_->Write(batch));
  return Status();
}

Result<uint64_t> Mailbox::UnrevokeSubaccounts(const AccountId& account,
                                              std::span<const std::string> tokens) {
  for (const std::string& token : tokens) {
    if (token.size() != kSubaccountTokenSize) {
      return InvalidArgumentError("mailbox: subaccount token must be 36 bytes");
    }
  }
  std::string_view acct = AccountBytes(account);
  std::lock_guard<std::mutex> lock(account_locks_[StripeOf(acct)]);
  std::set<std::string_view> unique(tokens.begin(), tokens.end());
  MetaBatch batch;
  uint64_t removed = 0;
  for (std::string_view token : unique) {
    std::string key = internal::RevokedKey(acct, token);
    CAIRN_ASSIGN_OR_RETURN(std::optional<std::string> entry, meta_->Get(Cf::kMailbox, key));
    if (!entry) continue;
    batch.Delete(Cf::kMailbox, key);
    ++removed;
  }
  if (batch.count() > 0) CAIRN_RETURN_IF_ERROR(meta_->Write(batch));
  return removed;
}

Result<bool> Mailbox::IsSubaccountRevoked(const AccountId& account, std::string_view token) {
  if (token.size() != kSubaccountTokenSize) return false;
  CAIRN_ASSIGN_OR_RETURN(
      std::optional<std::string> entry,
      meta_->Get(Cf::kMailbox, internal::RevokedKey(AccountBytes(account), token)));
  return entry.has_value();
}

Result<uint64_t> Mailbox::RemoveExpired(int64_t now_ms) {
  uint64_t removed = 0;
  std::string resume_after;
  bool done = false;
  while (!done) {
    CAIRN_ASSIGN_OR_RETURN(uint64_t n, SweepBatch(now_ms, &resume_after, &done));
    removed += n;
  }
  return removed;
}

Result<uint64_t> Mailbox::SweepBatch(int64_t now_ms, std::string* resume_after, bool* done) {
  // Collect due entries without locks (the expiry index is ordered by expiry, so the walk stops
  // at the first entry still in the future), then check each under its account's lock.
  std::vector<std::string> keys;
  std::vector<internal::ExpiryKeyParts> due;
  *done = true;
  Status inner;
  CAIRN_RETURN_IF_ERROR(meta_->Scan(Cf::kMailbox, std::string(1, internal::kExpiryTag),
                                    *resume_after, [&](std::string_view key, std::string_view) {
                                      Result<internal::ExpiryKeyParts> parts =
                                          internal::ParseExpiryKey(key);
                                      if (!parts.ok()) {
                                        inner = parts.status();
                                        return false;
                                      }
                                      if (parts->expiry_ms > now_ms) return false;
                                      keys.emplace_back(key);
                                      if (keys.size() >= kSweepBatch) *done = false;
                                      return *done;
                                    }));
  CAIRN_RETURN_IF_ERROR(inner);
  if (keys.empty()) return uint64_t{0};
  *resume_after = keys.back();

  std::set<size_t> stripes;
  for (const std::string& key : keys) {
    due.push_back(internal::ParseExpiryKey(key).value());  // parsed above
    stripes.insert(StripeOf(due.back().account));
  }
  std::vector<std::unique_lock<std::mutex>> locks;  // ascending order: no deadlock
  for (size_t stripe : stripes) locks.emplace_back(account_locks_[stripe]);

  MetaBatch batch;
  uint64_t removed = 0;
  for (size_t i = 0; i < due.size(); ++i) {
    const internal::ExpiryKeyParts& entry = due[i];
    CAIRN_ASSIGN_OR_RETURN(
        std::optional<std::string> value,
        meta_->Get(Cf::kMailbox, internal::MessageKey(entry.account, entry.loc)));
    if (value) {
      CAIRN_ASSIGN_OR_RETURN(Record rec, internal::DecodeRecord(*value));
      if (rec.expiry_ms == entry.expiry_ms) {
        AddDelete(&batch, entry.account, Found{.loc = entry.loc, .rec = std::move(rec)});
        ++removed;
        continue;
      }
    }
    // The message is gone or now has another expiry (with its own entry): a stale entry. Writes
    // keep the index exact, so this only cleans up after a bug.
    batch.Delete(Cf::kMailbox, keys[i]);
  }
  if (batch.count() > 0) CAIRN_RETURN_IF_ERROR(meta_->Write(batch));
  return removed;
}

Result<MailboxStats> Mailbox::Stats() {
  const int64_t now = NowMs();
  MailboxStats stats;
  std::string last_account;  // of the previous live message
  int16_t last_ns = 0;
  Status inner;
  CAIRN_RETURN_IF_ERROR(
      meta_->Scan(Cf::kMailbox, std::string(1, internal::kMessageTag), "",
                  [&](std::string_view key, std::string_view value) {
                    Result<internal::MessageKeyParts> parts = internal::ParseMessageKey(key);
                    Result<Record> rec =
                        parts.ok() ? internal::DecodeRecord(value) : Result<Record>(parts.status());
                    if (!rec.ok()) {
                      inner = rec.status();
                      return false;
                    }
                    if (rec->expiry_ms <= now) {
                      ++stats.expired_pending;
                      return true;
                    }
                    // Keys sort by account, then namespace: each (account, ns) group is contiguous.
                    MailboxStats::Namespace& per_ns = stats.namespaces[parts->loc.ns];
                    bool new_account = parts->account != last_account;
                    if (new_account) ++stats.accounts;
                    if (new_account || parts->loc.ns != last_ns) ++per_ns.accounts;
                    last_account.assign(parts->account);
                    last_ns = parts->loc.ns;
                    ++per_ns.messages;
                    per_ns.data_bytes += rec->data.size();
                    ++stats.messages;
                    stats.data_bytes += rec->data.size();
                    return true;
                  }));
  CAIRN_RETURN_IF_ERROR(inner);
  return stats;
}

}  // namespace cairn::mailbox
