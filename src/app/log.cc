#include "app/log.h"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include "base/encoding.h"

namespace brs::app {
namespace {

bool g_json = false;

}  // namespace

Status InitLogging(std::string_view format, std::string_view level) {
  auto logger = spdlog::stderr_logger_mt("backrest-sync");
  spdlog::set_default_logger(logger);
  if (format == "json") {
    g_json = true;
    spdlog::set_pattern(R"({"time":"%Y-%m-%dT%H:%M:%S.%e%z","level":"%l",%v})");
  } else if (format == "text" || format.empty()) {
    spdlog::set_pattern("%Y-%m-%d %H:%M:%S.%e %^%-5l%$ %v");
  } else {
    return InvalidArgument("--log-format must be text or json");
  }
  if (level == "debug") {
    spdlog::set_level(spdlog::level::debug);
  } else if (level == "info" || level.empty()) {
    spdlog::set_level(spdlog::level::info);
  } else if (level == "warn") {
    spdlog::set_level(spdlog::level::warn);
  } else if (level == "error") {
    spdlog::set_level(spdlog::level::err);
  } else {
    return InvalidArgument("--log-level must be debug, info, warn or error");
  }
  return Status();
}

void Log(LogLevel level, std::string_view msg, std::span<const LogField> fields) {
  std::string line;
  if (g_json) {
    line = "\"msg\":\"" + JsonEscape(msg) + "\"";
    for (const auto& [k, v] : fields)
      line += ",\"" + JsonEscape(k) + "\":\"" + JsonEscape(v) + "\"";
  } else {
    line = std::string(msg);
    for (const auto& [k, v] : fields) line += " " + std::string(k) + "=" + v;
  }
  switch (level) {
    case LogLevel::kDebug:
      spdlog::debug("{}", line);
      break;
    case LogLevel::kInfo:
      spdlog::info("{}", line);
      break;
    case LogLevel::kWarn:
      spdlog::warn("{}", line);
      break;
    case LogLevel::kError:
      spdlog::error("{}", line);
      break;
  }
}

}  // namespace brs::app
