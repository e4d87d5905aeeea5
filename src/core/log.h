// Logging setup. Code logs through spdlog's default logger (spdlog::info(...), SPDLOG_DEBUG(...))
// once main() has called InitLogging(); before that, spdlog's own default (stderr) applies.
// Lines carry an ISO-8601 UTC timestamp, the level and the thread id, so operators can grep and
// sort them.
//
// Thread safety: InitLogging() is for main() before threads start; logging itself is thread-safe.
#ifndef CAIRN_CORE_LOG_H_
#define CAIRN_CORE_LOG_H_

#include <string>

#include "core/status.h"

namespace cairn::core {

struct LogOptions {
  std::string level = "info";  // trace, debug, info, warn, error, critical, off
  std::string file;            // empty: stderr
};

// Errors: kInvalidArgument for an unknown level; kIoError when the file cannot be opened.
Status InitLogging(const LogOptions& options);

}  // namespace cairn::core

#endif  // CAIRN_CORE_LOG_H_
