// Structured logs on stderr through spdlog: "text" (human) or "json" (one
// object per line: time, level, msg, and key=value fields). Secrets are
// never passed here.
#pragma once

#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <utility>

#include "base/encoding.h"
#include "base/status.h"

namespace brs::app {

enum class LogLevel { kDebug, kInfo, kWarn, kError };

Status InitLogging(std::string_view format, std::string_view level);

using LogField = std::pair<std::string_view, std::string>;
void Log(LogLevel level, std::string_view msg, std::span<const LogField> fields);
inline void Log(LogLevel level, std::string_view msg, std::initializer_list<LogField> fields = {}) {
  Log(level, msg, std::span<const LogField>(fields.begin(), fields.size()));
}
inline void LogInfo(std::string_view m, std::initializer_list<LogField> f = {}) {
  Log(LogLevel::kInfo, m, f);
}
inline void LogWarn(std::string_view m, std::initializer_list<LogField> f = {}) {
  Log(LogLevel::kWarn, m, f);
}
inline void LogError(std::string_view m, std::initializer_list<LogField> f = {}) {
  Log(LogLevel::kError, m, f);
}

using brs::JsonEscape;  // base/encoding.h

}  // namespace brs::app
