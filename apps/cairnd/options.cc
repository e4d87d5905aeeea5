#include "apps/cairnd/options.h"

#include <CLI/CLI.hpp>
#include <charconv>
#include <cstdlib>
#include <iostream>

#include "core/config.h"

namespace cairn::cairnd {

std::optional<std::string> ProcessGetEnv(const std::string& name) {
  const char* v = std::getenv(name.c_str());
  if (v == nullptr) return std::nullopt;
  return std::string(v);
}

namespace {

// One setting known to flags, environment and config under related names.
struct Setting {
  std::string key;  // config key; flag is --key with '_' -> '-'; env is CAIRN_KEY upper-cased
  enum Kind { kString, kPort, kCount } kind;
  std::string* str = nullptr;
  uint16_t* port = nullptr;
  unsigned* count = nullptr;
  int64_t max = 1024;  // kCount's upper bound
  bool list = false;   // a comma-separated list; the flag may be repeated (values joined)
};

std::vector<Setting> Settings(DaemonOptions* o) {
  return {
      {"data_dir", Setting::kString, &o->data_dir},
      {"bind", Setting::kString, &o->bind},
      {"s3_port", Setting::kPort, nullptr, &o->s3_port},
      {"resp_port", Setting::kPort, nullptr, &o->resp_port},
      {"rpc_port", Setting::kPort, nullptr, &o->rpc_port},
      {"api_port", Setting::kPort, nullptr, &o->api_port},
      {"threads", Setting::kCount, nullptr, nullptr, &o->threads},
      {"s3_threads", Setting::kCount, nullptr, nullptr, &o->s3_threads},
      {"log_level", Setting::kString, &o->log_level},
      {"log_file", Setting::kString, &o->log_file},
      {"master_key", Setting::kString, &o->master_key},
      {"s3_access_key", Setting::kString, &o->s3_access_key},
      {"s3_secret_key", Setting::kString, &o->s3_secret_key},
      {"s3_region", Setting::kString, &o->s3_region},
      {"s3_domain", Setting::kString, &o->s3_domain},
      {"gc_interval", Setting::kCount, nullptr, nullptr, &o->gc_interval, 7 * 86400},
      {"resp_unix_socket", Setting::kString, &o->resp_unix_socket},
      {"requirepass", Setting::kString, &o->requirepass},
      {"resp_users", Setting::kString, &o->resp_users},
      {"proto_max_bulk_len", Setting::kString, &o->proto_max_bulk_len},
      {"appendfsync", Setting::kString, &o->appendfsync},
      {"appendonly", Setting::kString, &o->appendonly},
      {"maxmemory", Setting::kString, &o->maxmemory},
      {"maxmemory_policy", Setting::kString, &o->maxmemory_policy},
      {"rpc_threads", Setting::kCount, nullptr, nullptr, &o->rpc_threads},
      {"rpc_public_ip", Setting::kString, &o->rpc_public_ip},
      {"rpc_sweep_interval", Setting::kCount, nullptr, nullptr, &o->rpc_sweep_interval, 3600},
      {"rpc_tls_cert", Setting::kString, &o->rpc_tls_cert},
      {"rpc_tls_key", Setting::kString, &o->rpc_tls_key},
      {"rpc_tls_self_signed", Setting::kString, &o->rpc_tls_self_signed},
      {"log_origin_prefix", Setting::kString, &o->log_origin_prefix},
      {"log_follow", Setting::kString, &o->log_follow, nullptr, nullptr, 1024, true},
      {"log_follow_key", Setting::kString, &o->log_follow_key, nullptr, nullptr, 1024, true},
  };
}

std::string FlagName(const std::string& key) {
  std::string flag = "--" + key;
  for (char& c : flag) c = c == '_' ? '-' : c;
  return flag;
}

std::string EnvName(const std::string& key) {
  std::string name = "CAIRN_" + key;
  for (char& c : name) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return name;
}

// Applies a textual value (from a flag or the environment) to a setting.
Status ApplyText(const Setting& s, const std::string& value, const std::string& source) {
  if (s.kind == Setting::kString) {
    if (value.empty()) return InvalidArgumentError(source + ": must not be empty");
    *s.str = value;
    return Status();
  }
  int64_t max = s.kind == Setting::kPort ? 65535 : s.max;
  int64_t n = -1;
  auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
  if (ec != std::errc() || ptr != value.data() + value.size() || n < 0 || n > max) {
    return InvalidArgumentError(source + ": expected an integer in [0, " + std::to_string(max) +
                                "], got \"" + value + "\"");
  }
  if (s.kind == Setting::kPort) {
    *s.port = static_cast<uint16_t>(n);
  } else {
    *s.count = static_cast<unsigned>(n);
  }
  return Status();
}

Status ApplyConfig(const core::Config& config, const std::vector<Setting>& settings) {
  std::vector<std::string> known;
  for (const Setting& s : settings) known.push_back(s.key);
  CAIRN_RETURN_IF_ERROR(config.CheckKnownKeys(known));
  for (const Setting& s : settings) {
    if (s.kind == Setting::kString) {
      CAIRN_ASSIGN_OR_RETURN(auto v, config.GetString(s.key));
      if (v && v->empty()) {
        return InvalidArgumentError(config.source_name() + ": key '" + s.key +
                                    "': must not be empty");
      }
      if (v) *s.str = *v;
    } else {
      int64_t max = s.kind == Setting::kPort ? 65535 : s.max;
      CAIRN_ASSIGN_OR_RETURN(auto v, config.GetInt(s.key, 0, max));
      if (v && s.kind == Setting::kPort) *s.port = static_cast<uint16_t>(*v);
      if (v && s.kind == Setting::kCount) *s.count = static_cast<unsigned>(*v);
    }
  }
  return Status();
}

}  // namespace

Result<DaemonOptions> ResolveOptions(int argc, const char* const* argv, const GetEnvFn& getenv,
                                     core::Env* env, ParseOutcome* outcome) {
  *outcome = ParseOutcome::kRun;
  DaemonOptions options;
  std::vector<Setting> settings = Settings(&options);

  CLI::App app{"cairnd: the cairn storage daemon (S3, RESP, Session RPC, event log, graph)",
               "cairnd"};
  app.set_version_flag("--version", std::string("cairnd ") + CAIRN_VERSION);
  std::string config_flag;
  app.add_option("--config", config_flag, "TOML config file (env CAIRN_CONFIG)");
  std::vector<std::optional<std::string>> flag_values(settings.size());
  for (size_t i = 0; i < settings.size(); ++i) {
    CLI::Option* opt = app.add_option(
        FlagName(settings[i].key), flag_values[i],
        "(env " + EnvName(settings[i].key) + ", config key " + settings[i].key + ")");
    if (settings[i].list) opt->multi_option_policy(CLI::MultiOptionPolicy::Join)->delimiter(',');
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    std::cout << app.help();
    *outcome = ParseOutcome::kExit;
    return options;
  } catch (const CLI::CallForVersion& e) {
    std::cout << app.version() << "\n";
    *outcome = ParseOutcome::kExit;
    return options;
  } catch (const CLI::ParseError& e) {
    return InvalidArgumentError(e.what());
  }

  // 1. config file (flag beats env for its location)
  std::string config_path = config_flag;
  if (config_path.empty()) config_path = getenv("CAIRN_CONFIG").value_or("");
  if (!config_path.empty()) {
    CAIRN_ASSIGN_OR_RETURN(core::Config config, core::Config::LoadFile(env, config_path));
    CAIRN_RETURN_IF_ERROR(ApplyConfig(config, settings));
    options.config_file = config_path;
  }
  // 2. environment, 3. flags
  for (size_t i = 0; i < settings.size(); ++i) {
    std::string var = EnvName(settings[i].key);
    if (auto v = getenv(var)) CAIRN_RETURN_IF_ERROR(ApplyText(settings[i], *v, var));
  }
  for (size_t i = 0; i < settings.size(); ++i) {
    if (flag_values[i]) {
      CAIRN_RETURN_IF_ERROR(ApplyText(settings[i], *flag_values[i], FlagName(settings[i].key)));
    }
  }
  return options;
}

}  // namespace cairn::cairnd
