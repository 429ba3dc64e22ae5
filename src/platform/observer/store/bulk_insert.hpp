#pragma once
// Rows written in bulk, many a statement: what the observer's stores add (spans, log records,
// minutes). Each statement holds at most as many rows as keep it under 2,400 parameters (within
// SQLite's and PostgreSQL's limits); `tail` is the conflict rule (a row already there is left).
//
//   BulkInsert in(tx, "INSERT INTO t (a, b) VALUES ", 2, " ON CONFLICT (a) DO NOTHING");
//   for (...) { in.add(a); in.add(b); in.end_row(); }
//   const auto added = in.finish();
#include <algorithm>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "core/storage/database.hpp"

namespace zt::platform::observer {

// Nanoseconds since the epoch as a signed column: past 2262 they no longer fit, and such a time is
// a sender's error (kept at the largest).
inline std::int64_t nanos(std::uint64_t v) { return static_cast<std::int64_t>(std::min<std::uint64_t>(v, INT64_MAX)); }

class BulkInsert {
 public:
  BulkInsert(core::storage::Tx& tx, std::string head, std::size_t columns, std::string tail)
      : tx_(tx), head_(std::move(head)), tail_(std::move(tail)), columns_(columns),
        rows_per_statement_(std::max<std::size_t>(1, 2400 / columns)) {
    row_ = "(";
    for (std::size_t c = 0; c < columns_; ++c) row_ += c == 0 ? "?" : ",?";
    row_ += ")";
    params_.reserve(columns_ * rows_per_statement_);
  }

  template <class T>
  void add(T&& value) {
    params_.emplace_back(std::forward<T>(value));
  }
  // One row's columns are added: written once a statement's worth is waiting.
  void end_row() {
    if (++rows_ == rows_per_statement_) flush();
  }
  // Writes what waits; how many rows were new in all.
  std::int64_t finish() {
    flush();
    return added_;
  }

 private:
  void flush() {
    if (rows_ == 0) return;
    std::string sql = head_;
    sql.reserve(head_.size() + rows_ * (row_.size() + 1) + tail_.size());
    for (std::size_t r = 0; r < rows_; ++r) {
      if (r) sql += ',';
      sql += row_;
    }
    sql += tail_;
    added_ += tx_.exec(sql, params_);
    params_.clear();
    rows_ = 0;
  }

  core::storage::Tx& tx_;
  std::string head_, tail_, row_;
  std::size_t columns_, rows_per_statement_;
  std::vector<core::storage::Param> params_;
  std::size_t rows_ = 0;
  std::int64_t added_ = 0;
};

}  // namespace zt::platform::observer
