#include "models/graph/graph_types.h"

#include <cstdio>

namespace cairn::graph {

std::string_view ValueTypeName(ValueType t) {
  switch (t) {
    case ValueType::kNull:
      return "null";
    case ValueType::kBool:
      return "bool";
    case ValueType::kInt:
      return "int";
    case ValueType::kDouble:
      return "double";
    case ValueType::kString:
      return "string";
  }
  return "unknown";
}

std::optional<double> AsNumber(const PropertyValue& v) {
  switch (TypeOf(v)) {
    case ValueType::kBool:
      return std::get<bool>(v) ? 1.0 : 0.0;
    case ValueType::kInt:
      return static_cast<double>(std::get<int64_t>(v));
    case ValueType::kDouble:
      return std::get<double>(v);
    default:
      return std::nullopt;
  }
}

std::string ToString(const PropertyValue& v) {
  switch (TypeOf(v)) {
    case ValueType::kNull:
      return "null";
    case ValueType::kBool:
      return std::get<bool>(v) ? "true" : "false";
    case ValueType::kInt:
      return std::to_string(std::get<int64_t>(v));
    case ValueType::kDouble: {
      char buf[32];
      std::snprintf(buf, sizeof(buf), "%.17g", std::get<double>(v));
      return buf;
    }
    case ValueType::kString:
      return "\"" + std::get<std::string>(v) + "\"";
  }
  return "?";
}

std::string ToString(const Properties& props) {
  std::string out = "{";
  for (const auto& [k, v] : props) {
    if (out.size() > 1) out += ", ";
    out += k + ": " + ToString(v);
  }
  return out + "}";
}

}  // namespace cairn::graph
