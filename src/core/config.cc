#include "core/config.h"

#include <algorithm>
#include <sstream>

// Debian ships toml++ as a shared library built with exceptions, so parse errors arrive as
// toml::parse_error and are turned into a Status here, at the module boundary.
#include <toml++/toml.h>

namespace cairn::core {

struct Config::Impl {
  toml::table table;
};

Config::Config() : impl_(std::make_unique<Impl>()) {}
Config::~Config() = default;
Config::Config(Config&&) noexcept = default;
Config& Config::operator=(Config&&) noexcept = default;

Result<Config> Config::Parse(std::string_view text, std::string_view source_name) {
  Config config;
  try {
    config.impl_->table = toml::parse(text, source_name);
  } catch (const toml::parse_error& err) {
    std::ostringstream msg;
    msg << source_name << ":" << err.source().begin.line << ":" << err.source().begin.column << ": "
        << err.description();
    return InvalidArgumentError(msg.str());
  }
  config.source_name_ = std::string(source_name);
  return config;
}

Result<Config> Config::LoadFile(Env* env, const std::string& path) {
  Result<std::string> text = ReadFileToString(env, path);
  if (!text.ok()) return text.status().WithContext("config file");
  return Parse(*text, path);
}

namespace {

std::string Describe(const toml::node& node) {
  std::ostringstream out;
  if (node.is_string()) {
    out << '"' << node.as_string()->get() << '"';
  } else if (node.is_table()) {
    out << "a table";
  } else if (node.is_array()) {
    out << "an array";
  } else {
    node.visit([&out](const auto& v) {
      if constexpr (toml::is_value<decltype(v)>) out << v.get();
    });
  }
  return out.str();
}

Status KeyError(const std::string& source, std::string_view key, std::string_view expected,
                const toml::node& got) {
  std::string msg = source + ": key '" + std::string(key) + "': expected " + std::string(expected) +
                    ", got " + Describe(got);
  return InvalidArgumentError(msg);
}

void CollectLeafKeys(const toml::table& table, const std::string& prefix,
                     std::vector<std::string>* out) {
  for (const auto& [k, v] : table) {
    std::string path = prefix.empty() ? std::string(k.str()) : prefix + "." + std::string(k.str());
    if (const toml::table* sub = v.as_table()) {
      CollectLeafKeys(*sub, path, out);
    } else {
      out->push_back(path);
    }
  }
}

}  // namespace

Result<std::optional<int64_t>> Config::GetInt(std::string_view key, int64_t min,
                                              int64_t max) const {
  const toml::node* node = impl_->table.at_path(key).node();
  if (node == nullptr) return std::optional<int64_t>();
  std::string expected = "an integer in [" + std::to_string(min) + ", " + std::to_string(max) + "]";
  const toml::value<int64_t>* v = node->as_integer();
  if (v == nullptr || v->get() < min || v->get() > max) {
    return KeyError(source_name_, key, expected, *node);
  }
  return std::optional<int64_t>(v->get());
}

Result<std::optional<std::string>> Config::GetString(std::string_view key) const {
  const toml::node* node = impl_->table.at_path(key).node();
  if (node == nullptr) return std::optional<std::string>();
  const toml::value<std::string>* v = node->as_string();
  if (v == nullptr) return KeyError(source_name_, key, "a string", *node);
  return std::optional<std::string>(v->get());
}

Result<std::optional<bool>> Config::GetBool(std::string_view key) const {
  const toml::node* node = impl_->table.at_path(key).node();
  if (node == nullptr) return std::optional<bool>();
  const toml::value<bool>* v = node->as_boolean();
  if (v == nullptr) return KeyError(source_name_, key, "true or false", *node);
  return std::optional<bool>(v->get());
}

Status Config::CheckKnownKeys(const std::vector<std::string>& known) const {
  std::vector<std::string> keys;
  CollectLeafKeys(impl_->table, "", &keys);
  for (const std::string& key : keys) {
    if (std::find(known.begin(), known.end(), key) == known.end()) {
      return InvalidArgumentError(source_name_ + ": unknown key '" + key + "'");
    }
  }
  return Status();
}

}  // namespace cairn::core
