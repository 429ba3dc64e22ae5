#include "core/storage/database.hpp"

#include <fmt/format.h>

#include <charconv>

namespace zt::core::storage {

std::string Row::string(std::size_t i) const {
  const auto& c = cells_.at(i);
  if (!c) throw StorageError(StorageError::Kind::kOther, fmt::format("column {} is NULL", i));
  return *c;
}

std::int64_t Row::int64(std::size_t i) const {
  const auto& c = cells_.at(i);
  if (!c) throw StorageError(StorageError::Kind::kOther, fmt::format("column {} is NULL", i));
  std::int64_t v = 0;
  auto [p, ec] = std::from_chars(c->data(), c->data() + c->size(), v);
  if (ec != std::errc() || p != c->data() + c->size())
    throw StorageError(StorageError::Kind::kOther, fmt::format("column {} is not an integer: '{}'", i, *c));
  return v;
}

double Row::real(std::size_t i) const {
  const auto& c = cells_.at(i);
  if (!c) throw StorageError(StorageError::Kind::kOther, fmt::format("column {} is NULL", i));
  double v = 0;
  auto [p, ec] = std::from_chars(c->data(), c->data() + c->size(), v);
  if (ec != std::errc()) throw StorageError(StorageError::Kind::kOther, fmt::format("column {} is not a number", i));
  return v;
}

bool Row::boolean(std::size_t i) const {
  std::string s = string(i);
  if (s == "1" || s == "t" || s == "true") return true;
  if (s == "0" || s == "f" || s == "false") return false;
  throw StorageError(StorageError::Kind::kOther, fmt::format("column {} is not a boolean: '{}'", i, s));
}

std::size_t Row::index(std::string_view column) const {
  for (std::size_t i = 0; i < columns_->size(); ++i)
    if ((*columns_)[i] == column) return i;
  throw StorageError(StorageError::Kind::kOther, fmt::format("no column named '{}'", column));
}

std::string to_postgres_placeholders(std::string_view sql) {
  std::string out;
  out.reserve(sql.size() + 16);
  int n = 0;
  char quote = 0;
  for (char c : sql) {
    if (quote) {
      if (c == quote) quote = 0;
      out.push_back(c);
    } else if (c == '\'' || c == '"') {
      quote = c;
      out.push_back(c);
    } else if (c == '?') {
      out += "$" + std::to_string(++n);
    } else {
      out.push_back(c);
    }
  }
  return out;
}

}  // namespace zt::core::storage
