// Value types of the graph model: node ids, property values and maps, nodes, edges, directions.
//
// A node is a 64-bit id, optionally bound to a unique string key, with properties. An edge is
// directed and labelled: (src, label, dst) identifies it, so there is at most one edge per
// triple (putting it again updates it); it has properties too. Property values are null, bool,
// int64, double or string; null only appears in merges, where it removes the key.
//
// Thread safety: plain values.
#ifndef CAIRN_MODELS_GRAPH_GRAPH_TYPES_H_
#define CAIRN_MODELS_GRAPH_GRAPH_TYPES_H_

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace cairn::graph {

using NodeId = uint64_t;
// Never a valid node id (the bulk loader and Write refuse it).
inline constexpr NodeId kNoNode = ~0ull;

// Index of `PropertyValue`'s alternatives; also the type byte of every on-disk encoding.
enum class ValueType : uint8_t { kNull = 0, kBool = 1, kInt = 2, kDouble = 3, kString = 4 };

using PropertyValue = std::variant<std::monostate, bool, int64_t, double, std::string>;
using Properties = std::map<std::string, PropertyValue, std::less<>>;

inline ValueType TypeOf(const PropertyValue& v) { return static_cast<ValueType>(v.index()); }
std::string_view ValueTypeName(ValueType t);
// The value as a number (bool, int64 and double), or nullopt for null and strings.
std::optional<double> AsNumber(const PropertyValue& v);
// A readable rendering for logs and tests: null, true, 42, 1.5, "text".
std::string ToString(const PropertyValue& v);
std::string ToString(const Properties& props);

// Edge direction as seen from a node: its out-edges, its in-edges, or both.
enum class Direction : uint8_t { kOut = 0, kIn = 1, kBoth = 2 };

struct Node {
  NodeId id = kNoNode;
  std::string key;  // empty when the node has no key
  Properties props;
};

struct Edge {
  NodeId src = kNoNode;
  NodeId dst = kNoNode;
  std::string label;
  Properties props;  // filled only where the call says so
};

}  // namespace cairn::graph

#endif  // CAIRN_MODELS_GRAPH_GRAPH_TYPES_H_
