// RespService: the Redis-protocol face's command layer, between the RESP codec (net/resp.h) and
// the KV model (models/kv). It keeps each connection's state (selected database, RESP version,
// authentication, name, MULTI queue, WATCHed keys, subscriptions), answers the
// connection-level commands itself (PING ECHO HELLO AUTH SELECT QUIT RESET CLIENT COMMAND INFO
// CONFIG TIME FLUSHALL MULTI EXEC DISCARD WATCH UNWATCH SUBSCRIBE PSUBSCRIBE UNSUBSCRIBE
// PUNSUBSCRIBE PUBLISH PUBSUB), and passes data commands to KvStore::Execute. Replies are encoded
// with net::RespWriter in the connection's protocol version.
//
// Blocking list pops (BLPOP BRPOP BLMOVE) are answered by Dispatch() returning kBlocked: the
// server retries the command until it succeeds or its timeout passes.
//
// Thread safety: one Connection is used by one thread at a time; the service itself may serve
// many connections concurrently. Pub/sub messages reach a connection through its Outbox, which
// is thread-safe.
#ifndef CAIRN_FACES_RESP_RESP_SERVICE_H_
#define CAIRN_FACES_RESP_RESP_SERVICE_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "core/env/env.h"
#include "core/metrics.h"
#include "models/kv/kv_store.h"
#include "models/kv/pubsub.h"
#include "net/resp.h"

namespace cairn::resp {

struct RespServiceOptions {
  std::string requirepass;  // empty: no AUTH needed (the "default" user)
  std::vector<std::pair<std::string, std::string>> users;  // ACL-style user, password
  uint64_t max_bulk_bytes = 512ull << 20;                  // proto-max-bulk-len
  uint64_t pubsub_output_limit = 32ull << 20;  // a subscriber further behind is disconnected
  core::Env* env = nullptr;
  core::MetricsRegistry* metrics = nullptr;
  // Persistence hooks (SAVE, BGSAVE, LASTSAVE, and refusing writes once the log failed); unset:
  // the store is in memory only.
  std::function<Status()> save;
  std::function<uint64_t()> last_save_unix;
  std::function<Status()> persistence_error;
  // Makes the writes of the commands run so far durable per the fsync policy; the server calls
  // it before sending replies. Unset: writes need no commit.
  std::function<Status()> commit;
  // SHUTDOWN: asks the process to stop cleanly (cairnd: as on SIGTERM). Unset: refused.
  std::function<void()> shutdown;
  std::string appendfsync = "no";  // reported by CONFIG GET and INFO
  bool appendonly = true;          // reported by CONFIG GET and INFO
};

// Where a connection's replies and pub/sub pushes go. Thread-safe: Deliver() may append from a
// publisher's thread while the connection's own thread appends replies.
class Outbox {
 public:
  virtual ~Outbox() = default;
  // Appends bytes and wakes the writer. Returns false when the connection is closed.
  virtual bool Append(std::string bytes) = 0;
  // Bytes queued and not yet written.
  virtual size_t pending() const = 0;
};

class RespService;

class Connection : public kv::Subscriber, public std::enable_shared_from_this<Connection> {
 public:
  Connection(RespService* service, std::shared_ptr<Outbox> outbox, std::string remote);
  ~Connection() override;

  void Deliver(std::string_view pattern, std::string_view channel,
               std::string_view message) override;
  bool closing() const { return closing_; }

 private:
  friend class RespService;
  RespService* service_;
  std::shared_ptr<Outbox> outbox_;
  std::string remote_;
  uint64_t id_;
  std::string name_;
  int db_ = 0;
  int version_ = 2;
  bool authenticated_ = false;
  bool in_multi_ = false;
  bool multi_error_ = false;
  std::vector<std::vector<std::string>> queued_;
  std::vector<std::pair<std::string, uint64_t>> watched_;  // key, version (in db_)
  int watched_db_ = 0;
  size_t subscriptions_ = 0;
  std::atomic<bool> closing_{false};
  uint64_t created_ms_ = 0;
};

class RespService {
 public:
  RespService(kv::KvStore* store, kv::PubSub* pubsub, RespServiceOptions options);
  ~RespService();

  std::shared_ptr<Connection> Connect(std::shared_ptr<Outbox> outbox, std::string remote);
  void Disconnect(const std::shared_ptr<Connection>& c);

  enum class Outcome { kDone, kBlocked, kClose, kCloseSilently /* internal: no reply */ };
  // Runs one command and appends its reply to `out`. kBlocked: a blocking command found nothing
  // yet (nothing was appended); call again later, or BlockedTimeout() once its time is up.
  // kClose: the reply is appended and the connection must be closed (QUIT).
  Outcome Dispatch(Connection& c, std::vector<std::string>& argv, std::string* out);
  // The reply for a blocking command whose timeout passed.
  void BlockedTimeout(Connection& c, std::string* out);
  // The timeout of a blocking command in ms (0: forever), or -1 when `argv` does not block.
  static int64_t BlockingTimeoutMs(const std::vector<std::string>& argv);
  // While a blocking command of `c` (argv) waits: `wake` is called (on any thread) whenever one
  // of its keys is written, after which the caller retries Dispatch(). Unblock() ends it.
  void Block(Connection& c, const std::vector<std::string>& argv, std::function<void()> wake);
  void Unblock(Connection& c);

  void EncodeReply(const kv::Reply& reply, int version, std::string* out) const;
  // Commits the writes of commands dispatched so far (RespServiceOptions::commit). Replies to
  // write commands must not be sent before it returns OK.
  Status Commit();
  kv::KvStore* store() { return store_; }
  uint64_t pubsub_output_limit() const { return options_.pubsub_output_limit; }
  uint64_t connected() const { return connected_.load(); }

 private:
  kv::Reply Execute(Connection& c, std::vector<std::string>& argv, Outcome* outcome);
  kv::Reply Hello(Connection& c, const std::vector<std::string>& argv);
  kv::Reply Auth(Connection& c, const std::vector<std::string>& argv);
  kv::Reply Client(Connection& c, const std::vector<std::string>& argv);
  kv::Reply CommandInfo(const std::vector<std::string>& argv);
  kv::Reply Info(const std::vector<std::string>& argv);
  kv::Reply Config(const std::vector<std::string>& argv);
  kv::Reply Exec(Connection& c);
  void Subscribe(Connection& c, const std::vector<std::string>& argv, bool pattern,
                 std::string* out);
  void Unsubscribe(Connection& c, const std::vector<std::string>& argv, bool pattern,
                   std::string* out);
  kv::Reply PubSubCommand(const std::vector<std::string>& argv);
  kv::Reply TryBlockingPop(Connection& c, const std::vector<std::string>& argv, bool* got);

  kv::KvStore* store_;
  kv::PubSub* pubsub_;
  RespServiceOptions options_;
  std::atomic<uint64_t> next_id_{1};
  std::atomic<uint64_t> connected_{0};
  std::atomic<uint64_t> commands_{0};
  uint64_t started_ms_ = 0;
  std::unordered_set<const kv::CommandSpec*> shadowed_;  // registry commands the service handles
  void OnKeyModified(int db, std::string_view key);
  void ClearWatches(Connection& c);  // ends every WATCH of `c`
  // Connections blocked on keys: "db:key" -> (connection, wake).
  std::mutex blocked_mutex_;
  std::unordered_multimap<std::string, std::pair<Connection*, std::function<void()>>> blocked_;
  std::atomic<size_t> blocked_count_{0};
  std::mutex clients_mutex_;
  std::vector<std::weak_ptr<Connection>> clients_;
};

}  // namespace cairn::resp

#endif  // CAIRN_FACES_RESP_RESP_SERVICE_H_
