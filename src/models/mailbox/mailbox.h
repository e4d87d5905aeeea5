// Mailbox: the Session storage model — messages kept for an account until they expire, in
// separate namespaces, read back in stored order with paging (docs/mailbox.md; the protocol is
// specs/session-storage-rpc.md, §3.1–3.8 and §4). Pure C++: the Session RPC face parses JSON,
// checks signatures, clock windows and TTL rules, and calls this.
//
// A message is identified within its account by its hash (the spec's 43-character base64
// BLAKE2b, computed by the caller) and carries a namespace, the sender's timestamp, an absolute
// expiry (ms since the epoch) and up to kMaxDataSize bytes of data. Accounts are the 33 raw bytes
// of the pubkey (prefix byte + 32 key bytes); ParseAccountId / AccountIdHex convert the spec's
// 66-hex form.
//
// Expiry: a message whose expiry <= now (the injected Env's wall clock) is gone for every
// operation — never returned, never reported as deleted or updated, never given a new expiry (so
// it cannot be revived), never a duplicate — even before RemoveExpired() reclaims its space.
// Results therefore do not depend on when the sweep last ran.
//
// Storage: one column family (Cf::kMailbox) of the engine's Metadata, payloads inline (messages
// are at most 76,800 bytes). Every mutating call applies one atomic MetaBatch; with a Metadata
// opened with sync_writes (the default) an OK return means the change survives a crash or
// kill -9.
//
// The model also keeps each account's subaccount revocation list (§2.6, §3.11).
//
// Errors: kInvalidArgument (bad hash, data, timestamps), kDataLoss (a corrupt record), plus the
// metadata store's kIoError / kResourceExhausted / kUnavailable.
//
// Thread safety: all methods may be called concurrently. Writes to one account are serialised
// (striped locks by account), writes to different accounts run in parallel. Reads take no lock
// and see every write acknowledged before they started; Retrieve and Stats read one consistent
// snapshot, GetExpiries and IsSubaccountRevoked look keys up one by one.
#ifndef CAIRN_MODELS_MAILBOX_MAILBOX_H_
#define CAIRN_MODELS_MAILBOX_MAILBOX_H_

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.h"

namespace cairn::core {
class Env;
}
namespace cairn::engine {
class Metadata;
class MetaBatch;
}  // namespace cairn::engine

namespace cairn::mailbox {

// Limits from the spec (§4.2).
inline constexpr size_t kAccountIdSize = 33;
inline constexpr size_t kMaxDataSize = 76'800;           // decoded bytes per message
inline constexpr size_t kMaxHashSize = 64;               // spec hashes are 43 characters
inline constexpr uint64_t kRetrieveMaxSize = 7'800'000;  // bytes per retrieve, at most
inline constexpr uint64_t kRetrieveMessageOverhead = 100;
inline constexpr size_t kSubaccountTokenSize = 36;
inline constexpr size_t kMaxRevokedSubaccounts = 50;  // per account; older ones are dropped

// Prefix byte (0x05 Session ID, 0x03 group, ...) followed by the 32 key bytes.
using AccountId = std::array<uint8_t, kAccountIdSize>;
// Parses 66 hex digits (either case). Errors: kInvalidArgument.
Result<AccountId> ParseAccountId(std::string_view hex);
// From the 33 raw bytes. Errors: kInvalidArgument (other sizes).
Result<AccountId> AccountIdFromRaw(std::string_view raw);
// 66 lower-case hex digits (the spec's `pubkey_prefixed_hex`).
std::string AccountIdHex(const AccountId& account);

// One namespace, or every namespace of the account (the spec's "all").
using NamespaceFilter = std::optional<int16_t>;
inline constexpr NamespaceFilter kAllNamespaces = std::nullopt;

// Public outbox namespaces (n < 0 and -n % 20 == 1: -1, -21, ...) hold one message per account:
// storing one deletes the account's other messages there (§2.4, §3.1).
bool IsPublicOutbox(int16_t ns);

struct Message {
  std::string hash;
  int16_t ns = 0;
  int64_t timestamp_ms = 0;  // the store request's timestamp
  int64_t expiry_ms = 0;
  std::string data;
};

struct StoreResult {
  int64_t expiry_ms = 0;  // the message's expiry after the call
  bool already = false;   // the account already held a live message with this hash
};

// Caps on one retrieve. A message costs RetrieveCost() bytes; the first one is always returned.
struct RetrieveLimits {
  uint32_t max_count = 0;                    // 0: no count limit
  uint64_t max_size = kRetrieveMaxSize / 5;  // the spec's default (1,560,000)

  // The spec's rules for the request's `max_count` / `max_size` (§3.2), where 0 means absent:
  // neither given -> max_size -5; max_size < 0 -> kRetrieveMaxSize / |max_size|; absent or
  // above kRetrieveMaxSize -> kRetrieveMaxSize; max_count < 1 (when given) -> 1.
  static RetrieveLimits FromRequest(int64_t max_count, int64_t max_size);
};
// 100 + hash length + data length * 4 / 3 (the base64 size, as upstream accounts it).
uint64_t RetrieveCost(const Message& message);

struct RetrieveResult {
  std::vector<Message> messages;  // stored order, oldest first
  bool more = false;              // cut short by a cap while further live messages exist
};

// Namespace -> hashes (sorted ascending); namespaces with no hash are left out.
using HashesByNamespace = std::map<int16_t, std::vector<std::string>>;

enum class ExpireMode {
  kSet,      // set the expiry whatever it was
  kShorten,  // only where the current expiry is later than the new one
  kExtend,   // only where the current expiry is earlier than the new one
};

struct ExpireTarget {
  std::string hash;
  int64_t expiry_ms = 0;  // already clamped by the caller (the spec: at most now + 30 days)
};

struct ExpireResult {
  // (hash, expiry applied), sorted by hash. With kSet every live target is here, even one whose
  // expiry already had that value (as upstream's UPDATE reports it).
  std::vector<std::pair<std::string, int64_t>> updated;
  // kShorten / kExtend only: live targets left alone -> their current expiry.
  std::map<std::string, int64_t> unchanged;
};

// What the store holds (for the operator CLI). Live messages only, except `expired_pending`.
struct MailboxStats {
  struct Namespace {
    uint64_t accounts = 0;  // accounts with at least one live message here
    uint64_t messages = 0;
    uint64_t data_bytes = 0;
  };
  std::map<int16_t, Namespace> namespaces;
  uint64_t accounts = 0;
  uint64_t messages = 0;
  uint64_t data_bytes = 0;
  uint64_t expired_pending = 0;  // expired, not yet reclaimed by RemoveExpired()
};

struct MailboxOptions {
  core::Env* env = nullptr;              // the clock; must outlive the Mailbox
  engine::Metadata* metadata = nullptr;  // must outlive the Mailbox (sync_writes for durability)
};

class Mailbox {
 public:
  // Reads the sequence reservation. Errors: kInvalidArgument (null env / metadata), the
  // metadata store's errors, kDataLoss.
  static Result<std::unique_ptr<Mailbox>> Open(const MailboxOptions& options);
  ~Mailbox();
  Mailbox(const Mailbox&) = delete;
  Mailbox& operator=(const Mailbox&) = delete;

  // Stores a message after the account's existing ones in `ns`. When the account already holds
  // a live message with `hash` (in any namespace) nothing is added: its expiry is raised to
  // `expiry_ms` if that is later, and `already` is set (§3.1 step 5). In a public outbox the
  // account's other messages in `ns` are deleted in the same batch.
  // Preconditions checked (kInvalidArgument): 1 <= hash size <= kMaxHashSize, data size <=
  // kMaxDataSize, timestamp_ms >= 0, expiry_ms >= 0. TTL and clock rules are the caller's.
  Result<StoreResult> Store(const AccountId& account, int16_t ns, std::string_view hash,
                            int64_t timestamp_ms, int64_t expiry_ms, std::string_view data);

  // The account's live messages in `ns`, in stored order (a duplicate keeps its original place).
  // With `last_hash` naming a message stored in this (account, ns) — live or expired but not yet
  // reclaimed — only messages stored after it; otherwise (empty, unknown, other namespace) from
  // the first. Stops at `limits` (see RetrieveLimits).
  Result<RetrieveResult> Retrieve(const AccountId& account, int16_t ns, std::string_view last_hash,
                                  const RetrieveLimits& limits);

  // Deletes the account's live messages with these hashes (any namespace); unknown hashes are
  // ignored. Returns the hashes deleted, sorted.
  Result<std::vector<std::string>> Delete(const AccountId& account,
                                          std::span<const std::string> hashes);
  // Deletes every message of the account in `filter`. Returns the live ones deleted.
  Result<HashesByNamespace> DeleteAll(const AccountId& account, NamespaceFilter filter);
  // Deletes the account's messages in `filter` whose timestamp <= before_ms. Returns the live
  // ones deleted.
  Result<HashesByNamespace> DeleteBefore(const AccountId& account, NamespaceFilter filter,
                                         int64_t before_ms);
  // Shortens only: every live message in `filter` whose expiry is later than `expiry_ms` gets
  // expiry_ms. Returns the hashes changed. Errors: kInvalidArgument (expiry_ms < 0).
  Result<HashesByNamespace> ExpireAll(const AccountId& account, NamespaceFilter filter,
                                      int64_t expiry_ms);
  // Per-message expiry update (§3.7) on the account's live messages (any namespace) following
  // `mode`; unknown hashes are ignored, a repeated hash counts once (its first target).
  // Errors: kInvalidArgument (an expiry < 0).
  Result<ExpireResult> Expire(const AccountId& account, std::span<const ExpireTarget> targets,
                              ExpireMode mode);
  // hash -> expiry for the hashes the account holds live; others are left out.
  Result<std::map<std::string, int64_t>> GetExpiries(const AccountId& account,
                                                     std::span<const std::string> hashes);

  // Subaccount revocations (§2.6, §3.11); tokens are the 36 raw bytes. The face consults
  // IsSubaccountRevoked while authenticating.
  // Revokes each token for the account (a token revoked again becomes the most recent) and keeps
  // only the kMaxRevokedSubaccounts most recent revocations of the account: older ones are
  // dropped, which makes those tokens valid again (upstream's rule). Errors: kInvalidArgument
  // (a token that is not 36 bytes; nothing is changed).
  Status RevokeSubaccounts(const AccountId& account, std::span<const std::string> tokens);
  // Takes these tokens off the account's list. Returns how many were on it.
  // Errors: kInvalidArgument (a token that is not 36 bytes).
  Result<uint64_t> UnrevokeSubaccounts(const AccountId& account,
                                       std::span<const std::string> tokens);
  Result<bool> IsSubaccountRevoked(const AccountId& account, std::string_view token);

  // Reclaims every message with expiry <= now_ms, walking the expiry index from its oldest entry
  // (no scan of live data), in batches. Returns how many messages it removed. `now_ms` is
  // normally NowMs() (the spec runs this every 10 s); a later value would remove live messages.
  Result<uint64_t> RemoveExpired(int64_t now_ms);

  // Walks every message (cost proportional to the store). For operators, not request paths.
  Result<MailboxStats> Stats();

  // The clock every operation uses: the Env's wall clock in ms.
  int64_t NowMs() const;

 private:
  struct Found;  // a message as read back: its location and record

  Mailbox(const MailboxOptions& options, uint64_t next_seq);
  // The lock serialising writes to `account` (33 raw bytes); one of kLockStripes.
  static size_t StripeOf(std::string_view account);
  // A sequence number above every one handed out before, across restarts.
  Result<uint64_t> NextSequence();
  // The account's message with `hash`, live or expired, if it holds one.
  Result<std::optional<Found>> Find(std::string_view account, std::string_view hash);
  // Calls fn for each message of the account in `filter` (live or expired), in key order;
  // stops at the first error.
  using VisitFn = std::function<Status(const Found&)>;
  Status VisitMessages(std::string_view account, NamespaceFilter filter, const VisitFn& fn);
  // Batch helpers: remove a message with its index entries / give it a new expiry.
  static void AddDelete(engine::MetaBatch* batch, std::string_view account, const Found& found);
  static void AddSetExpiry(engine::MetaBatch* batch, std::string_view account, const Found& found,
                           int64_t expiry_ms);
  // The account's revoked tokens -> recency (a sequence number).
  Result<std::map<std::string, uint64_t>> RevokedList(std::string_view account);
  // One RemoveExpired() step: up to kSweepBatch expiry entries after *resume_after.
  Result<uint64_t> SweepBatch(int64_t now_ms, std::string* resume_after, bool* done);

  static constexpr size_t kLockStripes = 64;
  static constexpr uint64_t kSequenceBlock = 1u << 16;  // reserved per synced reservation write
  static constexpr size_t kSweepBatch = 512;

  core::Env* const env_;
  engine::Metadata* const meta_;
  std::array<std::mutex, kLockStripes> account_locks_;
  std::mutex seq_mutex_;
  uint64_t next_seq_;   // guarded by seq_mutex_
  uint64_t seq_limit_;  // guarded by seq_mutex_; numbers below it are reserved on disk
};

}  // namespace cairn::mailbox

#endif  // CAIRN_MODELS_MAILBOX_MAILBOX_H_
