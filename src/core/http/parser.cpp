#include "core/http/parser.hpp"

#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

namespace zt::core::http {

namespace bhttp = boost::beast::http;

struct RequestParser::Impl {
  bhttp::request_parser<bhttp::string_body> parser;
};

RequestParser::RequestParser(const ParserLimits& limits) : impl_(std::make_unique<Impl>()), limits_(limits) {
  impl_->parser.header_limit(static_cast<std::uint32_t>(limits.max_header_bytes));
  impl_->parser.body_limit(limits.max_body_bytes);
  impl_->parser.eager(true);
}

RequestParser::~RequestParser() = default;

namespace {

ParseError to_error(const boost::system::error_code& ec) {
  if (ec == bhttp::error::header_limit)
    return {431, "HEADERS_TOO_LARGE", "请求头过大", ec.message()};
  if (ec == bhttp::error::body_limit)
    return {413, "BODY_TOO_LARGE", "请求体过大", ec.message()};
  return {400, "BAD_REQUEST", "请求格式错误", ec.message()};
}

}  // namespace

std::size_t RequestParser::feed(std::string_view data) {
  if (state_ != State::kNeedMore) return 0;
  if (!data.empty()) got_bytes_ = true;
  std::size_t used = 0;
  while (used < data.size() && state_ == State::kNeedMore) {
    boost::system::error_code ec;
    std::size_t n = impl_->parser.put(boost::asio::const_buffer(data.data() + used, data.size() - used), ec);
    used += n;
    if (ec == bhttp::error::need_more) {
      // Body bytes are consumed eagerly, so what stays unconsumed is a header, a chunk header or
      // a trailer. Beast 1.81 bounds only the first: bound them all, or a client could grow our
      // buffer without limit.
      if (data.size() - used > limits_.max_header_bytes) {
        state_ = State::kError;
        error_ = {431, "HEADERS_TOO_LARGE", "请求头过大", "unconsumed header, chunk header or trailer over the limit"};
      }
      break;
    }
    if (ec) {
      state_ = State::kError;
      error_ = to_error(ec);
      break;
    }
    if (!framing_checked_ && impl_->parser.is_header_done()) {
      framing_checked_ = true;
      if (auto bad = framing_problem()) {
        state_ = State::kError;
        error_ = std::move(*bad);
        break;
      }
    }
    if (impl_->parser.is_done()) state_ = State::kDone;
    if (n == 0) break;
  }
  return used;
}

// RFC 9112 §6: a body is framed by Content-Length or by a final "chunked" coding, never both and
// never by another coding we would have to undo (a "gzip" the parser would take as no body at all,
// while a server behind us might read it differently: the start of request smuggling).
std::optional<ParseError> RequestParser::framing_problem() const {
  const auto& req = impl_->parser.get();
  std::string codings;
  int te_fields = 0;
  for (const auto& f : req) {
    if (f.name() != bhttp::field::transfer_encoding) continue;
    ++te_fields;
    if (!codings.empty()) codings += ',';
    codings += std::string(f.value());
  }
  if (te_fields == 0) return std::nullopt;
  auto refuse = [](std::string detail) {
    return ParseError{400, "BAD_REQUEST", "请求格式错误：不支持的传输编码", std::move(detail)};
  };
  if (req.version() < 11) return refuse("Transfer-Encoding in an HTTP/1.0 request");
  if (req.find(bhttp::field::content_length) != req.end()) return refuse("both Transfer-Encoding and Content-Length");
  std::string_view v = codings;
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
  if (!iequals(v, "chunked")) return refuse("Transfer-Encoding other than a single chunked: " + codings);
  return std::nullopt;
}

void RequestParser::feed_eof() {
  // A close before any byte of a request is a clean end of the connection, not an error.
  if (state_ != State::kNeedMore || !got_bytes_) return;
  boost::system::error_code ec;
  impl_->parser.put_eof(ec);
  if (ec) {
    state_ = State::kError;
    error_ = to_error(ec);
  } else if (impl_->parser.is_done()) {
    state_ = State::kDone;
  }
}

bool RequestParser::header_done() const { return impl_->parser.is_header_done(); }

bool RequestParser::expects_continue() const {
  if (!header_done()) return false;
  const auto& req = impl_->parser.get();
  auto it = req.find(bhttp::field::expect);
  return it != req.end() && iequals(it->value(), "100-continue");
}

Request RequestParser::take() {
  auto msg = impl_->parser.release();
  Request r;
  r.method = parse_method(msg.method_string());
  r.method_text = std::string(msg.method_string());
  r.target = std::string(msg.target());
  for (const auto& f : msg) r.headers.add(f.name_string(), f.value());
  r.keep_alive = msg.keep_alive();
  r.body = std::move(msg.body());
  return r;
}

}  // namespace zt::core::http
