#pragma once
// Struct <-> JSON with Boost.JSON and Boost.Describe. A wrong, missing or unknown field yields
// ApiError 400 INVALID_FIELD naming the field path ("items[2].amount"), never a crash.
//
//   struct Order { std::string code; core::finance::Money amount; std::optional<int> qty; };
//   BOOST_DESCRIBE_STRUCT(Order, (), (code, amount, qty))
//   Order o = core::json::parse<Order>(req.body);
//   std::string s = core::json::serialize(o);
#include <boost/describe.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <boost/mp11/algorithm.hpp>
#include <fmt/format.h>

#include <limits>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "core/finance/decimal.hpp"
#include "core/util/error.hpp"

namespace zt::core::json {

[[noreturn]] inline void field_error(const std::string& path, const std::string& message) {
  throw ApiError(400, codes::kInvalidField, fmt::format("字段 {} {}", path.empty() ? "(根)" : path, message));
}

template <class T>
struct is_optional : std::false_type {};
template <class T>
struct is_optional<std::optional<T>> : std::true_type {};
template <class T>
struct is_vector : std::false_type {};
template <class T>
struct is_vector<std::vector<T>> : std::true_type {};
template <class T>
struct is_string_map : std::false_type {};
template <class V, class C, class A>
struct is_string_map<std::map<std::string, V, C, A>> : std::true_type {};
template <class T>
struct is_fixed : std::false_type {};
template <int S, class Tag>
struct is_fixed<finance::Fixed<S, Tag>> : std::true_type {};

template <class T>
void read(const boost::json::value& v, T& out, const std::string& path);

template <class T>
void read_struct(const boost::json::object& obj, T& out, const std::string& path) {
  using Members = boost::describe::describe_members<T, boost::describe::mod_public>;
  boost::mp11::mp_for_each<Members>([&](auto d) {
    using M = std::remove_cvref_t<decltype(out.*d.pointer)>;
    const std::string child = path.empty() ? d.name : path + "." + d.name;
    auto it = obj.find(d.name);
    if (it == obj.end() || (it->value().is_null() && is_optional<M>::value)) {
      if constexpr (!is_optional<M>::value) field_error(child, "缺失");
      return;
    }
    read(it->value(), out.*d.pointer, child);
  });
  for (const auto& kv : obj) {
    bool known = false;
    boost::mp11::mp_for_each<Members>([&](auto d) { known |= kv.key() == d.name; });
    if (!known) field_error(path.empty() ? std::string(kv.key()) : path + "." + std::string(kv.key()), "不是可识别的字段");
  }
}

template <class T>
void read(const boost::json::value& v, T& out, const std::string& path) {
  if constexpr (std::is_same_v<T, bool>) {
    if (!v.is_bool()) field_error(path, "应为布尔值");
    out = v.get_bool();
  } else if constexpr (std::is_integral_v<T>) {
    std::int64_t i = 0;
    if (v.is_int64()) i = v.get_int64();
    else if (v.is_uint64() && v.get_uint64() <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
      i = static_cast<std::int64_t>(v.get_uint64());
    else field_error(path, "应为整数");
    if (!std::in_range<T>(i)) field_error(path, "超出取值范围");
    out = static_cast<T>(i);
  } else if constexpr (std::is_floating_point_v<T>) {
    if (!v.is_number()) field_error(path, "应为数字");
    out = static_cast<T>(v.to_number<double>());
  } else if constexpr (std::is_same_v<T, std::string>) {
    if (!v.is_string()) field_error(path, "应为字符串");
    out = std::string(v.get_string());
  } else if constexpr (is_fixed<T>::value) {
    if (!v.is_string()) field_error(path, "应为十进制字符串（如 \"1000.00\"）");
    try {
      out = T::parse(std::string_view(v.get_string()));
    } catch (const finance::DecimalError&) {
      field_error(path, fmt::format("应为最多{}位小数的十进制字符串", T::kScale));
    }
  } else if constexpr (is_optional<T>::value) {
    typename T::value_type inner{};
    read(v, inner, path);
    out = std::move(inner);
  } else if constexpr (is_vector<T>::value) {
    if (!v.is_array()) field_error(path, "应为数组");
    out.clear();
    const auto& arr = v.get_array();
    for (std::size_t i = 0; i < arr.size(); ++i) {
      typename T::value_type item{};
      read(arr[i], item, fmt::format("{}[{}]", path, i));
      out.push_back(std::move(item));
    }
  } else if constexpr (is_string_map<T>::value) {
    if (!v.is_object()) field_error(path, "应为对象");
    out.clear();
    for (const auto& kv : v.get_object()) {
      typename T::mapped_type item{};
      read(kv.value(), item, fmt::format("{}.{}", path, std::string_view(kv.key())));
      out.emplace(std::string(kv.key()), std::move(item));
    }
  } else if constexpr (boost::describe::has_describe_members<T>::value) {
    if (!v.is_object()) field_error(path, "应为对象");
    read_struct(v.get_object(), out, path);
  } else {
    static_assert(sizeof(T) == 0, "type has no JSON mapping");
  }
}

template <class T>
boost::json::value write(const T& in) {
  if constexpr (std::is_same_v<T, bool> || std::is_arithmetic_v<T>) {
    return boost::json::value(in);
  } else if constexpr (std::is_same_v<T, std::string>) {
    return boost::json::value(in);
  } else if constexpr (is_fixed<T>::value) {
    return boost::json::value(in.to_string());
  } else if constexpr (is_optional<T>::value) {
    return in ? write(*in) : boost::json::value(nullptr);
  } else if constexpr (is_vector<T>::value) {
    boost::json::array arr;
    for (const auto& item : in) arr.push_back(write(item));
    return arr;
  } else if constexpr (is_string_map<T>::value) {
    boost::json::object obj;
    for (const auto& [k, item] : in) obj[k] = write(item);
    return obj;
  } else if constexpr (boost::describe::has_describe_members<T>::value) {
    boost::json::object obj;
    boost::mp11::mp_for_each<boost::describe::describe_members<T, boost::describe::mod_public>>(
        [&](auto d) { obj[d.name] = write(in.*d.pointer); });
    return obj;
  } else {
    static_assert(sizeof(T) == 0, "type has no JSON mapping");
  }
}

// Parses a request body; malformed JSON is 400 INVALID_JSON.
boost::json::value parse_value(std::string_view text);

// The project's error shape in a response from another service, as an ApiError with its status,
// code and message (an unrecognised body becomes UPSTREAM_ERROR).
ApiError error_from_response(int status, std::string_view body);

template <class T>
T parse(std::string_view text) {
  boost::json::value v = parse_value(text);
  T out{};
  read(v, out, "");
  return out;
}

template <class T>
std::string serialize(const T& value) {
  return boost::json::serialize(write(value));
}

}  // namespace zt::core::json
