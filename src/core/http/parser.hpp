#pragma once
// Incremental HTTP/1.1 request parser with limits. The server feeds it the bytes it reads, and
// the fuzzer feeds it arbitrary input: both exercise exactly the same code.
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/http/message.hpp"

namespace zt::core::http {

struct ParserLimits {
  std::size_t max_header_bytes = 16 * 1024;
  std::size_t max_body_bytes = 1024 * 1024;
};

struct ParseError {
  int status = 400;  // 400, 413 or 431
  std::string code;
  std::string message;  // Simplified Chinese, for the client
  std::string detail;   // the parser's own words, for the log
};

class RequestParser {
 public:
  enum class State { kNeedMore, kDone, kError };

  explicit RequestParser(const ParserLimits& limits);
  ~RequestParser();
  RequestParser(const RequestParser&) = delete;
  RequestParser& operator=(const RequestParser&) = delete;

  // Consumes from `data`; returns how many bytes were used (the rest belongs to the next call or,
  // once kDone, to the next request on the connection).
  std::size_t feed(std::string_view data);
  // The peer closed its side: completes a body delimited by close, or fails.
  void feed_eof();

  State state() const { return state_; }
  bool header_done() const;
  bool expects_continue() const;  // "Expect: 100-continue" seen in a complete header
  const ParseError& error() const { return error_; }
  // The parsed request, once kDone; moves it out.
  Request take();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  ParserLimits limits_;
  std::optional<ParseError> framing_problem() const;

  State state_ = State::kNeedMore;
  bool got_bytes_ = false;
  bool framing_checked_ = false;
  ParseError error_;
};

}  // namespace zt::core::http
