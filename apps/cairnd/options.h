// cairnd's settings and how they are resolved: command-line flags override CAIRN_* environment
// variables, which override the TOML config file, which overrides the defaults below.
// Every setting has the same name in all three places: `--s3-port`, `CAIRN_S3_PORT`, `s3_port`.
//
// Thread safety: plain values and pure functions.
#ifndef CAIRN_APPS_CAIRND_OPTIONS_H_
#define CAIRN_APPS_CAIRND_OPTIONS_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/env/env.h"
#include "core/result.h"

namespace cairn::cairnd {

struct DaemonOptions {
  std::string config_file;  // empty: none
  std::string data_dir = "./data";
  std::string bind = "127.0.0.1";
  uint16_t s3_port = 9000;  // 0 disables the listener
  uint16_t resp_port = 6379;
  uint16_t rpc_port = 22021;
  uint16_t api_port = 9100;
  unsigned threads = 0;  // network threads; 0 = one per core
  // Threads serving the S3 face. Its handlers block on disk (a synced commit per PUT), so more
  // threads than cores let concurrent requests share one group commit. 0: max(16, 4 per core).
  unsigned s3_threads = 0;
  std::string log_level = "info";
  std::string log_file;  // empty: stderr
  // The engine's master key (64 hex digits); empty: DATA_DIR/engine/keys/master.key, created on
  // first start.
  std::string master_key;
  // S3 credentials; with none configured, a root key pair is generated into
  // DATA_DIR/s3-credentials.toml on first start and read from there afterwards.
  std::string s3_access_key;
  std::string s3_secret_key;
  std::string s3_region = "us-east-1";
  std::string s3_domain = "localhost";  // virtual-host style: <bucket>.<s3_domain>
  unsigned gc_interval = 600;           // seconds between background GC passes; 0 = never
  std::string resp_unix_socket;         // also serve RESP on this Unix socket; empty: none
  std::string requirepass;              // RESP AUTH password; empty: no AUTH
  // More RESP users, ACL style (AUTH user password): "user:password[,user:password...]".
  std::string resp_users;
  // Largest RESP bulk string (Redis's proto-max-bulk-len, same units as maxmemory).
  std::string proto_max_bulk_len = "512mb";
  std::string appendfsync = "everysec";  // KV log: always, everysec, no
  std::string appendonly = "yes";  // KV log on ("yes") or off ("no": snapshots only, as Redis)
  // KV memory limit ("0": none; a byte count with optional kb/mb/gb suffix, as Redis's config)
  // and what happens at it: noeviction (writes get OOM errors), allkeys-lru, volatile-ttl.
  std::string maxmemory = "0";
  std::string maxmemory_policy = "noeviction";
  // Session storage RPC (rpc_port): threads serving it (its handlers block on a synced write
  // per store; 0: max(8, 2 per core)), the IP get_swarm announces (empty: `bind`, or 127.0.0.1
  // when bind is a wildcard address), and seconds between sweeps of expired messages (the spec's
  // 10 s cleanup period).
  unsigned rpc_threads = 0;
  std::string rpc_public_ip;
  unsigned rpc_sweep_interval = 10;
  // TLS on rpc_port (upstream serves HTTPS only; Session clients do not verify the certificate).
  // A certificate chain and key (PEM files), or "yes" for a self-signed pair generated into
  // DATA_DIR/session/tls-{cert,key}.pem on first start and reused afterwards. With either, the
  // port speaks HTTPS only; with neither, plain HTTP.
  std::string rpc_tls_cert;
  std::string rpc_tls_key;
  std::string rpc_tls_self_signed = "no";
  // Event log (DATA_DIR/eventlog, served under /v1/log on api_port). Checkpoint origins are
  // log_origin_prefix + "/" + stream; empty: "<host name>/eventlog".
  std::string log_origin_prefix;
  // Streams followed from peers: "http://host:port/stream[,...]" (the flag may be repeated).
  // Followed streams are read-only locally.
  std::string log_follow;
  // Trusted peer keys ("name+id+base64" verifier keys, as `cairn log key` prints them),
  // comma-separated (the flag may be repeated). Empty: each followed stream's key is trusted on
  // first use and pinned into DATA_DIR/eventlog/peers/<stream>.vkey.
  std::string log_follow_key;
};

// Looks up an environment variable (injected so tests need not touch the process environment).
using GetEnvFn = std::function<std::optional<std::string>(const std::string& name)>;
// The process environment.
std::optional<std::string> ProcessGetEnv(const std::string& name);

enum class ParseOutcome { kRun, kExit };  // kExit: --help/--version printed, exit 0

// Resolves options from argv, environment and config file (read through `env`).
// Errors: kInvalidArgument naming the flag, variable or config key that is wrong.
// On --help / --version, prints to stdout and sets *outcome = kExit.
Result<DaemonOptions> ResolveOptions(int argc, const char* const* argv, const GetEnvFn& getenv,
                                     core::Env* env, ParseOutcome* outcome);

}  // namespace cairn::cairnd

#endif  // CAIRN_APPS_CAIRND_OPTIONS_H_
