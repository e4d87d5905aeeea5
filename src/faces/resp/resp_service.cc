#include "faces/resp/resp_service.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <thread>

namespace cairn::resp {

using kv::Reply;

namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

Reply WrongArity(const std::string& name) { return kv::WrongArityError(Lower(name)); }

// Commands allowed while a RESP2 connection is subscribed.
bool AllowedWhileSubscribed(const std::string& name) {
  return name == "subscribe" || name == "psubscribe" || name == "unsubscribe" ||
         name == "punsubscribe" || name == "ping" || name == "quit" || name == "reset";
}

// Commands executed immediately inside MULTI.
bool RunsInsideMulti(const std::string& name) {
  return name == "exec" || name == "discard" || name == "multi" || name == "watch" ||
         name == "quit" || name == "reset";
}

// Connection-level commands the service answers itself, with their arities (Redis's).
const std::vector<std::pair<std::string, int>>& ServiceCommands() {
  static const std::vector<std::pair<std::string, int>> kCommands = {
      {"ping", -1},        {"echo", 2},          {"hello", -1},     {"auth", -2},
      {"select", 2},       {"quit", -1},         {"reset", 1},      {"client", -2},
      {"command", -1},     {"info", -1},         {"config", -2},    {"time", 1},
      {"flushall", -1},    {"multi", 1},         {"exec", 1},       {"discard", 1},
      {"watch", -2},       {"unwatch", 1},       {"subscribe", -2}, {"psubscribe", -2},
      {"unsubscribe", -1}, {"punsubscribe", -1}, {"publish", 3},    {"pubsub", -2},
      {"blpop", -3},       {"brpop", -3},        {"blmove", 6},     {"brpoplpush", 4},
      {"lastsave", 1},     {"save", 1},          {"bgsave", -1},    {"shutdown", -1}};
  return kCommands;
}

int ServiceArity(const std::string& name) {
  for (const auto& [n, a] : ServiceCommands()) {
    if (n == name) return a;
  }
  return 0;
}

Reply PersistenceRefusal(const Status& broken) {
  return Reply::Error("MISCONF the write-ahead log failed (" + broken.ToString() +
                      "); writes are refused until cairnd is restarted");
}

bool ArityOk(int arity, size_t argc) {
  return arity >= 0 ? argc == static_cast<size_t>(arity) : argc >= static_cast<size_t>(-arity);
}

}  // namespace

// ---- Connection ----

Connection::Connection(RespService* service, std::shared_ptr<Outbox> outbox, std::string remote)
    : service_(service), outbox_(std::move(outbox)), remote_(std::move(remote)) {}

Connection::~Connection() = default;

void Connection::Deliver(std::string_view pattern, std::string_view channel,
                         std::string_view message) {
  if (closing_) return;
  std::string out;
  net::RespWriter w(&out, version_);
  if (pattern.empty()) {
    w.AppendPushHeader(3);
    w.AppendBulk("message");
  } else {
    w.AppendPushHeader(4);
    w.AppendBulk("pmessage");
    w.AppendBulk(pattern);
  }
  w.AppendBulk(channel);
  w.AppendBulk(message);
  // A subscriber that does not read falls behind; past the limit it is disconnected (Redis's
  // client-output-buffer-limit for pubsub), so publishers never wait for it.
  if (outbox_->pending() > service_->pubsub_output_limit() || !outbox_->Append(std::move(out))) {
    closing_ = true;
  }
}

// ---- RespService ----

RespService::RespService(kv::KvStore* store, kv::PubSub* pubsub, RespServiceOptions options)
    : store_(store), pubsub_(pubsub), options_(std::move(options)) {
  if (options_.env == nullptr) options_.env = core::Env::Default();
  started_ms_ = options_.env->UnixMicros() / 1000;
  store_->SetKeyListener([this](int db, std::string_view key) { OnKeyModified(db, key); });
  // Data commands the service answers itself (none today) must not take the fast path.
  for (const auto& [name, arity] : ServiceCommands()) {
    if (const kv::CommandSpec* spec = store_->registry().Find(name)) shadowed_.insert(spec);
  }
}

std::shared_ptr<Connection> RespService::Connect(std::shared_ptr<Outbox> outbox,
                                                 std::string remote) {
  auto c = std::make_shared<Connection>(this, std::move(outbox), std::move(remote));
  c->id_ = next_id_++;
  c->authenticated_ = options_.requirepass.empty() && options_.users.empty();
  c->created_ms_ = options_.env->UnixMicros() / 1000;
  connected_++;
  std::lock_guard<std::mutex> lock(clients_mutex_);
  clients_.erase(std::remove_if(clients_.begin(), clients_.end(),
                                [](const std::weak_ptr<Connection>& w) { return w.expired(); }),
                 clients_.end());
  clients_.push_back(c);
  return c;
}

RespService::~RespService() { store_->SetKeyListener(nullptr); }

void RespService::ClearWatches(Connection& c) {
  for (const auto& [key, version] : c.watched_) store_->Unwatch(c.watched_db_, key);
  c.watched_.clear();
}

namespace {
std::string BlockKey(int db, std::string_view key) {
  std::string k = std::to_string(db);
  k += ':';
  k += key;
  return k;
}

// The keys a blocking command waits on.
std::vector<std::string> BlockedKeys(const std::vector<std::string>& argv) {
  std::string name = Lower(argv[0]);
  if (name == "blmove" || name == "brpoplpush") return {argv[1]};
  if (argv.size() < 3) return {};
  return std::vector<std::string>(argv.begin() + 1, argv.end() - 1);
}
}  // namespace

void RespService::Block(Connection& c, const std::vector<std::string>& argv,
                        std::function<void()> wake) {
  std::lock_guard<std::mutex> lock(blocked_mutex_);
  for (const std::string& key : BlockedKeys(argv)) {
    blocked_.emplace(BlockKey(c.db_, key), std::make_pair(&c, wake));
    blocked_count_.fetch_add(1);
  }
}

void RespService::Unblock(Connection& c) {
  std::lock_guard<std::mutex> lock(blocked_mutex_);
  for (auto it = blocked_.begin(); it != blocked_.end();) {
    if (it->second.first == &c) {
      it = blocked_.erase(it);
      blocked_count_.fetch_sub(1);
    } else {
      ++it;
    }
  }
}

void RespService::OnKeyModified(int db, std::string_view key) {
  if (blocked_count_.load(std::memory_order_relaxed) == 0) return;
  std::lock_guard<std::mutex> lock(blocked_mutex_);
  auto [begin, end] = blocked_.equal_range(BlockKey(db, key));
  for (auto it = begin; it != end; ++it) it->second.second();
}

void RespService::Disconnect(const std::shared_ptr<Connection>& c) {
  Unblock(*c);
  ClearWatches(*c);
  c->closing_ = true;
  pubsub_->Forget(c.get());
  connected_--;
}

namespace {
void Encode(net::RespWriter& w, const Reply& x) {
  switch (x.kind) {
    case Reply::Kind::kNil:
      w.AppendNull();
      break;
    case Reply::Kind::kNilArray:
      w.AppendNullArray();
      break;
    case Reply::Kind::kStatus:
      w.AppendSimple(x.str);
      break;
    case Reply::Kind::kError:
      w.AppendError(x.str);
      break;
    case Reply::Kind::kInt:
      w.AppendInt(x.integer);
      break;
    case Reply::Kind::kBulk:
      w.AppendBulk(x.str);
      break;
    case Reply::Kind::kDouble:
      w.AppendDouble(x.number);
      break;
    case Reply::Kind::kBool:
      w.AppendBool(x.integer != 0);
      break;
    case Reply::Kind::kArray:
      w.AppendArrayHeader(x.elements.size());
      for (const Reply& e : x.elements) Encode(w, e);
      break;
    case Reply::Kind::kMap:
      w.AppendMapHeader(x.elements.size() / 2);
      for (const Reply& e : x.elements) Encode(w, e);
      break;
    case Reply::Kind::kSet:
      w.AppendSetHeader(x.elements.size());
      for (const Reply& e : x.elements) Encode(w, e);
      break;
    case Reply::Kind::kPush:
      w.AppendPushHeader(x.elements.size());
      for (const Reply& e : x.elements) Encode(w, e);
      break;
  }
}
}  // namespace

void RespService::EncodeReply(const Reply& r, int version, std::string* out) const {
  net::RespWriter w(out, version);
  Encode(w, r);
}

Status RespService::Commit() { return options_.commit ? options_.commit() : Status(); }

int64_t RespService::BlockingTimeoutMs(const std::vector<std::string>& argv) {
  if (argv.empty()) return -1;
  std::string name = Lower(argv[0]);
  if (name != "blpop" && name != "brpop" && name != "blmove" && name != "brpoplpush") return -1;
  double seconds = 0;
  if (!kv::ParseDouble(argv.back(), &seconds) || seconds < 0) return 0;
  return static_cast<int64_t>(seconds * 1000);
}

Reply RespService::TryBlockingPop(Connection& c, const std::vector<std::string>& argv, bool* got) {
  *got = false;
  std::string name = Lower(argv[0]);
  double seconds = 0;
  if (!kv::ParseDouble(argv.back(), &seconds) || std::isnan(seconds)) {
    return Reply::Error("ERR timeout is not a float or out of range");
  }
  if (seconds < 0) return Reply::Error("ERR timeout is negative");
  if (name == "blmove" || name == "brpoplpush") {
    std::vector<std::string> cmd;
    if (name == "blmove") {
      cmd = {"lmove", argv[1], argv[2], argv[3], argv[4]};
    } else {
      cmd = {"lmove", argv[1], argv[2], "RIGHT", "LEFT"};
    }
    Reply r = store_->Execute(c.db_, cmd);
    if (r.is_error() || r.kind != Reply::Kind::kNil) *got = true;
    return r;
  }
  const char* pop = name == "blpop" ? "lpop" : "rpop";
  for (size_t i = 1; i + 1 < argv.size(); ++i) {
    std::vector<std::string> cmd = {pop, argv[i]};
    Reply r = store_->Execute(c.db_, cmd);
    if (r.is_error()) {
      *got = true;
      return r;
    }
    if (r.kind == Reply::Kind::kBulk) {
      *got = true;
      return Reply::Array({Reply::Bulk(argv[i]), std::move(r)});
    }
  }
  return Reply::NilArray();
}

void RespService::BlockedTimeout(Connection& c, std::string* out) {
  // BLMOVE / BRPOPLPUSH answer a null bulk, the others a null array.
  (void)c;
  net::RespWriter w(out, c.version_);
  w.AppendNullArray();
}

RespService::Outcome RespService::Dispatch(Connection& c, std::vector<std::string>& argv,
                                           std::string* out) {
  if (argv.empty()) return Outcome::kDone;
  commands_.fetch_add(1, std::memory_order_relaxed);
  if (c.authenticated_ && !c.in_multi_ && c.subscriptions_ == 0) {
    // Fast path: a data command, outside MULTI and subscriptions.
    const kv::CommandSpec* spec = store_->registry().Find(argv[0]);
    if (spec != nullptr && !shadowed_.count(spec)) {
      if ((spec->flags & kv::kWrite) && options_.persistence_error) {
        Status broken = options_.persistence_error();
        if (!broken.ok()) {
          EncodeReply(PersistenceRefusal(broken), c.version_, out);
          return Outcome::kDone;
        }
      }
      EncodeReply(store_->Execute(c.db_, *spec, argv), c.version_, out);
      return Outcome::kDone;
    }
  }
  Outcome outcome = Outcome::kDone;
  std::string name = Lower(argv[0]);
  // Subscribe commands write their own (several) replies.
  if (c.authenticated_ && (!c.in_multi_ || RunsInsideMulti(name))) {
    if (name == "subscribe" || name == "psubscribe") {
      if (argv.size() < 2) {
        EncodeReply(WrongArity(name), c.version_, out);
      } else {
        Subscribe(c, argv, name == "psubscribe", out);
      }
      return Outcome::kDone;
    }
    if (name == "unsubscribe" || name == "punsubscribe") {
      Unsubscribe(c, argv, name == "punsubscribe", out);
      return Outcome::kDone;
    }
  }
  Reply r = Execute(c, argv, &outcome);
  if (outcome == Outcome::kBlocked) return outcome;
  if (outcome == Outcome::kCloseSilently) return Outcome::kClose;
  EncodeReply(r, c.version_, out);
  return outcome;
}

Reply RespService::Execute(Connection& c, std::vector<std::string>& argv, Outcome* outcome) {
  std::string name = Lower(argv[0]);
  if (!c.authenticated_ && name != "auth" && name != "hello" && name != "quit") {
    return Reply::Error("NOAUTH Authentication required.");
  }
  if (c.subscriptions_ > 0 && c.version_ == 2 && !AllowedWhileSubscribed(name)) {
    return Reply::Error("ERR Can't execute '" + name +
                        "': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are "
                        "allowed in this context");
  }
  int service_arity = ServiceArity(name);
  if (c.in_multi_ && !RunsInsideMulti(name)) {
    const kv::CommandSpec* spec = store_->registry().Find(name);
    bool known = spec != nullptr || service_arity != 0;
    if (!known) {
      c.multi_error_ = true;
      return Reply::Error("ERR unknown command '" + argv[0] + "', with args beginning with: ");
    }
    int arity = spec != nullptr ? spec->arity : service_arity;
    if (!ArityOk(arity, argv.size())) {
      c.multi_error_ = true;
      return WrongArity(name);
    }
    if (name == "subscribe" || name == "psubscribe" || name == "unsubscribe" ||
        name == "punsubscribe") {
      c.multi_error_ = true;
      return Reply::Error("ERR Command not allowed inside a transaction");
    }
    c.queued_.push_back(argv);
    return Reply::Status("QUEUED");
  }
  if (service_arity != 0 && !ArityOk(service_arity, argv.size())) return WrongArity(name);

  if (name == "ping") {
    if (c.subscriptions_ > 0 && c.version_ == 2) {
      return Reply::Array({Reply::Bulk("pong"), Reply::Bulk(argv.size() > 1 ? argv[1] : "")});
    }
    if (argv.size() > 2) return WrongArity(name);
    return argv.size() == 2 ? Reply::Bulk(argv[1]) : Reply::Status("PONG");
  }
  if (name == "echo") return Reply::Bulk(argv[1]);
  if (name == "quit") {
    *outcome = Outcome::kClose;
    return Reply::Ok();
  }
  if (name == "reset") {
    c.db_ = 0;
    c.version_ = 2;
    c.in_multi_ = false;
    c.multi_error_ = false;
    c.queued_.clear();
    ClearWatches(c);
    c.name_.clear();
    pubsub_->Forget(&c);
    c.subscriptions_ = 0;
    c.authenticated_ = options_.requirepass.empty() && options_.users.empty();
    return Reply::Status("RESET");
  }
  if (name == "hello") return Hello(c, argv);
  if (name == "auth") return Auth(c, argv);
  if (name == "select") {
    int64_t db = 0;
    if (!kv::ParseInt64(argv[1], &db)) return kv::NotIntegerError();
    if (db < 0 || db >= store_->databases()) return Reply::Error("ERR DB index is out of range");
    c.db_ = static_cast<int>(db);
    return Reply::Ok();
  }
  if (name == "client") return Client(c, argv);
  if (name == "command") return CommandInfo(argv);
  if (name == "info") return Info(argv);
  if (name == "config") return Config(argv);
  if (name == "time") {
    uint64_t us = options_.env->UnixMicros();
    return Reply::Array(
        {Reply::Bulk(std::to_string(us / 1000000)), Reply::Bulk(std::to_string(us % 1000000))});
  }
  if (name == "flushall") {
    for (int db = 0; db < store_->databases(); ++db) {
      std::vector<std::string> cmd = {"flushdb"};
      store_->Execute(db, cmd);
    }
    return Reply::Ok();
  }
  if (name == "multi") {
    if (c.in_multi_) return Reply::Error("ERR MULTI calls can not be nested");
    c.in_multi_ = true;
    c.multi_error_ = false;
    c.queued_.clear();
    return Reply::Ok();
  }
  if (name == "discard") {
    if (!c.in_multi_) return Reply::Error("ERR DISCARD without MULTI");
    c.in_multi_ = false;
    c.queued_.clear();
    ClearWatches(c);
    return Reply::Ok();
  }
  if (name == "exec") return Exec(c);
  if (name == "watch") {
    if (c.in_multi_) return Reply::Error("ERR WATCH inside MULTI is not allowed");
    if (c.watched_.empty()) c.watched_db_ = c.db_;
    for (size_t i = 1; i < argv.size(); ++i) {
      c.watched_.emplace_back(argv[i], store_->KeyVersion(c.watched_db_, argv[i]));
    }
    return Reply::Ok();
  }
  if (name == "unwatch") {
    ClearWatches(c);
    return Reply::Ok();
  }
  if (name == "publish") {
    return Reply::Int(static_cast<int64_t>(pubsub_->Publish(argv[1], argv[2])));
  }
  if (name == "pubsub") return PubSubCommand(argv);
  if (name == "blpop" || name == "brpop" || name == "blmove" || name == "brpoplpush") {
    bool got = false;
    Reply r = TryBlockingPop(c, argv, &got);
    if (got || c.in_multi_) return r;
    *outcome = Outcome::kBlocked;
    return r;
  }
  if (name == "lastsave") {
    return Reply::Int(static_cast<int64_t>(options_.last_save_unix ? options_.last_save_unix()
                                                                   : started_ms_ / 1000));
  }
  if (name == "save" || name == "bgsave") {
    if (!options_.save) return Reply::Error("ERR persistence is disabled");
    if (name == "save") {
      Status s = options_.save();
      return s.ok() ? Reply::Ok() : Reply::Error("ERR " + s.ToString());
    }
    auto save = options_.save;
    std::thread([save] { (void)save(); }).detach();
    return Reply::Status("Background saving started");
  }
  if (name == "shutdown") {
    // SHUTDOWN [NOSAVE|SAVE] [NOW] [FORCE] [ABORT]: a clean stop (the log is committed and
    // synced either way; SAVE also writes a snapshot first). On success there is no reply: the
    // connection just closes, as with Redis.
    for (size_t i = 1; i < argv.size(); ++i) {
      std::string opt = Lower(argv[i]);
      if (opt != "nosave" && opt != "save" && opt != "now" && opt != "force") {
        return Reply::Error("ERR syntax error");
      }
    }
    if (!options_.shutdown) return Reply::Error("ERR SHUTDOWN is not enabled on this server");
    bool save = false;
    for (size_t i = 1; i < argv.size(); ++i) save |= Lower(argv[i]) == "save";
    if (save && options_.save) {
      Status s = options_.save();
      if (!s.ok()) return Reply::Error("ERR Errors trying to SHUTDOWN. Check logs.");
    }
    options_.shutdown();
    *outcome = Outcome::kCloseSilently;
    return Reply::Ok();
  }
  if (options_.persistence_error) {
    const kv::CommandSpec* spec = store_->registry().Find(name);
    if (spec != nullptr && (spec->flags & kv::kWrite)) {
      Status broken = options_.persistence_error();
      if (!broken.ok()) return PersistenceRefusal(broken);
    }
  }
  return store_->Execute(c.db_, argv);
}

Reply RespService::Hello(Connection& c, const std::vector<std::string>& argv) {
  size_t i = 1;
  int version = c.version_;
  if (argv.size() > 1) {
    int64_t v = 0;
    if (!kv::ParseInt64(argv[1], &v)) {
      return Reply::Error("ERR Protocol version is not an integer or out of range");
    }
    if (v != 2 && v != 3) return Reply::Error("NOPROTO unsupported protocol version");
    version = static_cast<int>(v);
    i = 2;
  }
  for (; i < argv.size(); ++i) {
    std::string opt = Lower(argv[i]);
    if (opt == "auth" && i + 2 < argv.size()) {
      std::vector<std::string> auth = {"auth", argv[i + 1], argv[i + 2]};
      Reply r = Auth(c, auth);
      if (r.is_error()) return r;
      i += 2;
    } else if (opt == "setname" && i + 1 < argv.size()) {
      c.name_ = argv[++i];
    } else {
      return Reply::Error("ERR Syntax error in HELLO option '" + argv[i] + "'");
    }
  }
  if (!c.authenticated_)
    return Reply::Error(
        "NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO "
        "<proto> AUTH <user> <pass> option can be used to authenticate the client and select the "
        "RESP protocol version at the same time");
  c.version_ = version;
  return Reply::Map({Reply::Bulk("server"), Reply::Bulk("redis"), Reply::Bulk("version"),
                     Reply::Bulk("7.0.0"), Reply::Bulk("proto"), Reply::Int(version),
                     Reply::Bulk("id"), Reply::Int(static_cast<int64_t>(c.id_)),
                     Reply::Bulk("mode"), Reply::Bulk("standalone"), Reply::Bulk("role"),
                     Reply::Bulk("master"), Reply::Bulk("modules"), Reply::Array()});
}

Reply RespService::Auth(Connection& c, const std::vector<std::string>& argv) {
  if (argv.size() > 3) return Reply::Error("ERR syntax error");
  std::string user = argv.size() == 3 ? argv[1] : "default";
  const std::string& pass = argv.back();
  if (options_.requirepass.empty() && options_.users.empty()) {
    return Reply::Error(
        "ERR AUTH <password> called without any password configured for the default user. "
        "Are you sure your configuration is correct?");
  }
  bool ok = false;
  if (user == "default" && !options_.requirepass.empty() && pass == options_.requirepass) ok = true;
  for (const auto& [u, p] : options_.users) {
    if (u == user && p == pass) ok = true;
  }
  if (!ok) {
    return Reply::Error("WRONGPASS invalid username-password pair or user is disabled.");
  }
  c.authenticated_ = true;
  return Reply::Ok();
}

Reply RespService::Client(Connection& c, const std::vector<std::string>& argv) {
  std::string sub = Lower(argv[1]);
  if (sub == "setname" && argv.size() == 3) {
    if (argv[2].find_first_of(" \n") != std::string::npos) {
      return Reply::Error(
          "ERR Client names cannot contain spaces, newlines or special characters.");
    }
    c.name_ = argv[2];
    return Reply::Ok();
  }
  if (sub == "getname" && argv.size() == 2) {
    return c.name_.empty() ? Reply::Nil() : Reply::Bulk(c.name_);
  }
  if (sub == "id" && argv.size() == 2) return Reply::Int(static_cast<int64_t>(c.id_));
  if (sub == "setinfo" && argv.size() == 4) return Reply::Ok();
  if ((sub == "list" || sub == "info") && argv.size() >= 2) {
    std::string text;
    std::vector<std::shared_ptr<Connection>> list;
    if (sub == "info") {
      list.push_back(c.shared_from_this());
    } else {
      std::lock_guard<std::mutex> lock(clients_mutex_);
      for (auto& w : clients_) {
        if (auto sp = w.lock(); sp && !sp->closing()) list.push_back(sp);
      }
    }
    uint64_t now = options_.env->UnixMicros() / 1000;
    for (auto& x : list) {
      text += "id=" + std::to_string(x->id_) + " addr=" + x->remote_ + " name=" + x->name_ +
              " age=" + std::to_string((now - x->created_ms_) / 1000) +
              " db=" + std::to_string(x->db_) + " sub=" + std::to_string(x->subscriptions_) +
              " multi=" + (x->in_multi_ ? std::to_string(x->queued_.size()) : "-1") +
              " resp=" + std::to_string(x->version_) + "\n";
    }
    return Reply::Bulk(text);
  }
  return Reply::Error("ERR unknown subcommand '" + argv[1] + "'. Try CLIENT HELP.");
}

Reply RespService::CommandInfo(const std::vector<std::string>& argv) {
  auto describe = [&](const std::string& name) -> Reply {
    int arity = 0;
    uint32_t flags = 0;
    int first = 0, last = 0, step = 0;
    if (const kv::CommandSpec* s = store_->registry().Find(name)) {
      arity = s->arity;
      flags = s->flags;
      first = s->first_key;
      last = s->last_key;
      step = s->first_key > 0 ? s->step : 0;
    } else if (int a = ServiceArity(Lower(name)); a != 0) {
      arity = a;
    } else {
      return Reply::Nil();
    }
    std::vector<Reply> f;
    if (flags & kv::kWrite) f.push_back(Reply::Status("write"));
    if (flags & kv::kReadOnly) f.push_back(Reply::Status("readonly"));
    if (flags & kv::kDenyOom) f.push_back(Reply::Status("denyoom"));
    if (flags & kv::kFast) f.push_back(Reply::Status("fast"));
    return Reply::Array({Reply::Bulk(Lower(name)), Reply::Int(arity), Reply::Set(std::move(f)),
                         Reply::Int(first), Reply::Int(last), Reply::Int(step)});
  };
  std::vector<std::string> names;
  for (const auto& [n, spec] : store_->registry().all()) names.push_back(n);
  std::sort(names.begin(), names.end());
  for (const auto& [n, a] : ServiceCommands()) names.push_back(n);
  if (argv.size() == 1) {
    std::vector<Reply> all;
    for (const auto& n : names) all.push_back(describe(n));
    return Reply::Array(std::move(all));
  }
  std::string sub = Lower(argv[1]);
  if (sub == "count") return Reply::Int(static_cast<int64_t>(names.size()));
  if (sub == "info") {
    std::vector<Reply> out;
    for (size_t i = 2; i < argv.size(); ++i) out.push_back(describe(argv[i]));
    return Reply::Array(std::move(out));
  }
  if (sub == "docs") {
    // Documentation is not kept; an empty map tells redis-cli there is nothing to show.
    return Reply::Map();
  }
  if (sub == "list") {
    std::vector<Reply> out;
    for (const auto& n : names) out.push_back(Reply::Bulk(n));
    return Reply::Array(std::move(out));
  }
  return Reply::Error("ERR unknown subcommand '" + argv[1] + "'. Try COMMAND HELP.");
}

Reply RespService::Info(const std::vector<std::string>&) {
  uint64_t now = options_.env->UnixMicros() / 1000;
  std::string s;
  s += "# Server\r\nredis_version:7.0.0\r\ncairn_version:" CAIRN_VERSION
       "\r\nredis_mode:standalone\r\nuptime_in_seconds:" +
       std::to_string((now - started_ms_) / 1000) + "\r\n\r\n";
  s += "# Clients\r\nconnected_clients:" + std::to_string(connected_.load()) + "\r\n\r\n";
  s += "# Memory\r\nused_memory:" + std::to_string(store_->used_memory()) + "\r\n\r\n";
  s += "# Persistence\r\nloading:0\r\naof_enabled:";
  s += options_.save && options_.appendonly ? "1" : "0";
  s += "\r\n\r\n";
  s += "# Stats\r\ntotal_commands_processed:" + std::to_string(commands_.load()) +
       "\r\nexpired_keys:" + std::to_string(store_->keys_expired()) +
       "\r\nevicted_keys:" + std::to_string(store_->keys_evicted()) + "\r\n\r\n";
  s += "# Keyspace\r\n";
  for (int db = 0; db < store_->databases(); ++db) {
    uint64_t n = store_->DbSize(db);
    if (n > 0) s += "db" + std::to_string(db) + ":keys=" + std::to_string(n) + ",expires=0\r\n";
  }
  return Reply::Bulk(s);
}

Reply RespService::Config(const std::vector<std::string>& argv) {
  std::string sub = Lower(argv[1]);
  if (sub == "get" && argv.size() >= 3) {
    std::vector<std::pair<std::string, std::string>> params = {
        {"databases", std::to_string(store_->databases())},
        {"proto-max-bulk-len", std::to_string(options_.max_bulk_bytes)},
        {"appendonly", options_.save && options_.appendonly ? "yes" : "no"},
        {"appendfsync", options_.appendfsync},
        {"save", ""},
        {"maxmemory", std::to_string(store_->maxmemory())},
        {"maxmemory-policy", kv::EvictionPolicyName(store_->eviction())},
        {"timeout", "0"}};
    std::vector<Reply> out;
    for (size_t i = 2; i < argv.size(); ++i) {
      for (const auto& [k, v] : params) {
        if (kv::GlobMatch(argv[i], k, true)) {
          out.push_back(Reply::Bulk(k));
          out.push_back(Reply::Bulk(v));
        }
      }
    }
    return Reply::Map(std::move(out));
  }
  if (sub == "set" && argv.size() >= 4 && argv.size() % 2 == 0) {
    // Settable at run time: maxmemory and maxmemory-policy (the rest come from cairnd's config).
    // Every pair is checked before any is applied, as Redis does.
    uint64_t maxmemory = store_->maxmemory();
    kv::EvictionPolicy policy = store_->eviction();
    for (size_t i = 2; i + 1 < argv.size(); i += 2) {
      std::string name = Lower(argv[i]);
      bool ok = true;
      if (name == "maxmemory") {
        ok = kv::ParseMemorySize(argv[i + 1], &maxmemory);
      } else if (name == "maxmemory-policy") {
        ok = kv::ParseEvictionPolicy(argv[i + 1], &policy);
      } else {
        return Reply::Error("ERR Unknown option or number of arguments for CONFIG SET - '" +
                            argv[i] + "'");
      }
      if (!ok) {
        return Reply::Error("ERR CONFIG SET failed (possibly related to argument '" + argv[i] +
                            "') - argument couldn't be parsed into an integer or enum value");
      }
    }
    store_->SetMemoryLimit(maxmemory, policy);
    return Reply::Ok();
  }
  if (sub == "resetstat" && argv.size() == 2) return Reply::Ok();
  return Reply::Error("ERR unknown subcommand '" + argv[1] + "'. Try CONFIG HELP.");
}

Reply RespService::Exec(Connection& c) {
  if (!c.in_multi_) return Reply::Error("ERR EXEC without MULTI");
  c.in_multi_ = false;
  auto queued = std::move(c.queued_);
  c.queued_.clear();
  if (c.multi_error_) {
    c.multi_error_ = false;
    ClearWatches(c);
    return Reply::Error("EXECABORT Transaction discarded because of previous errors.");
  }
  bool aborted = false;
  std::vector<Reply> replies =
      store_->ExecuteAll(c.db_, queued, c.watched_, c.watched_db_, &aborted);
  ClearWatches(c);
  if (aborted) return Reply::NilArray();
  return Reply::Array(std::move(replies));
}

void RespService::Subscribe(Connection& c, const std::vector<std::string>& argv, bool pattern,
                            std::string* out) {
  net::RespWriter w(out, c.version_);
  auto self = c.shared_from_this();
  for (size_t i = 1; i < argv.size(); ++i) {
    size_t n = pattern ? pubsub_->PSubscribe(self, argv[i]) : pubsub_->Subscribe(self, argv[i]);
    c.subscriptions_ = n;
    w.AppendPushHeader(3);
    w.AppendBulk(pattern ? "psubscribe" : "subscribe");
    w.AppendBulk(argv[i]);
    w.AppendInt(static_cast<int64_t>(n));
  }
}

void RespService::Unsubscribe(Connection& c, const std::vector<std::string>& argv, bool pattern,
                              std::string* out) {
  net::RespWriter w(out, c.version_);
  std::vector<std::string> targets(argv.begin() + 1, argv.end());
  if (targets.empty()) targets = pattern ? pubsub_->PatternsOf(&c) : pubsub_->ChannelsOf(&c);
  const char* kind = pattern ? "punsubscribe" : "unsubscribe";
  if (targets.empty()) {
    w.AppendPushHeader(3);
    w.AppendBulk(kind);
    w.AppendNull();
    w.AppendInt(static_cast<int64_t>(c.subscriptions_));
    return;
  }
  for (const std::string& t : targets) {
    size_t n = pattern ? pubsub_->PUnsubscribe(&c, t) : pubsub_->Unsubscribe(&c, t);
    c.subscriptions_ = n;
    w.AppendPushHeader(3);
    w.AppendBulk(kind);
    w.AppendBulk(t);
    w.AppendInt(static_cast<int64_t>(n));
  }
}

Reply RespService::PubSubCommand(const std::vector<std::string>& argv) {
  std::string sub = Lower(argv[1]);
  if (sub == "channels") {
    std::vector<Reply> out;
    for (auto& ch : pubsub_->ActiveChannels(argv.size() > 2 ? argv[2] : "")) {
      out.push_back(Reply::Bulk(ch));
    }
    return Reply::Array(std::move(out));
  }
  if (sub == "numsub") {
    std::vector<Reply> out;
    for (size_t i = 2; i < argv.size(); ++i) {
      out.push_back(Reply::Bulk(argv[i]));
      out.push_back(Reply::Int(static_cast<int64_t>(pubsub_->NumSubscribers(argv[i]))));
    }
    return Reply::Array(std::move(out));
  }
  if (sub == "numpat") return Reply::Int(static_cast<int64_t>(pubsub_->NumPatterns()));
  return Reply::Error("ERR unknown subcommand '" + argv[1] + "'. Try PUBSUB HELP.");
}

}  // namespace cairn::resp
