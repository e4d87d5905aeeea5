#include "core/log.h"

#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

namespace cairn::core {

Status InitLogging(const LogOptions& options) {
  spdlog::level::level_enum level = spdlog::level::from_str(options.level);
  // from_str maps anything unknown to "off"; only accept "off" when it was asked for.
  if (level == spdlog::level::off && options.level != "off") {
    return InvalidArgumentError("unknown log level '" + options.level +
                                "' (use trace, debug, info, warn, error, critical or off)");
  }
  spdlog::drop("cairn");  // InitLogging may be called again (tests, config reload)
  std::shared_ptr<spdlog::logger> logger;
  try {
    if (options.file.empty()) {
      logger = spdlog::stderr_color_mt("cairn");
    } else {
      logger = spdlog::basic_logger_mt("cairn", options.file);
    }
  } catch (const spdlog::spdlog_ex& e) {
    return IoError(std::string("cannot open log: ") + e.what());
  }
  logger->set_pattern("%Y-%m-%dT%H:%M:%S.%fZ %^%-5l%$ [%t] %v", spdlog::pattern_time_type::utc);
  logger->set_level(level);
  logger->flush_on(spdlog::level::warn);
  spdlog::set_default_logger(logger);
  return Status();
}

}  // namespace cairn::core
