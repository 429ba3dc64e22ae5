#pragma once
// A small asynchronous Redis client (RESP2) on the io runtime: one command at a time per
// connection, a pool of idle connections per io thread, connect and command timeouts. Enough for
// scripts and counters on the request path without a blocking-pool hop.
#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace zt::core::net {

struct RedisOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 6379;
  std::string password;
  std::chrono::milliseconds connect_timeout{200};
  std::chrono::milliseconds command_timeout{100};
  std::size_t max_idle_per_thread = 16;
};

struct RedisReply {
  enum class Type { kStatus, kError, kInteger, kString, kNil, kArray } type = Type::kNil;
  std::string str;  // status, error or bulk string
  std::int64_t integer = 0;
  std::vector<RedisReply> elements;
};

// The server could not be reached or did not answer in time (not a Redis error reply).
class RedisUnavailable : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Parses one reply from the front of `buf`; nullopt when incomplete. Throws std::runtime_error on
// a protocol violation. `consumed` is set to the reply's length.
std::optional<RedisReply> parse_redis_reply(std::string_view buf, std::size_t& consumed);
std::string encode_redis_command(const std::vector<std::string>& args);

class RedisClient {
 public:
  explicit RedisClient(RedisOptions options);
  ~RedisClient();
  // One command; a client span of the request the calling coroutine serves, when it serves one
  // (named by the command's verb only: never a key).
  boost::asio::awaitable<RedisReply> command(std::vector<std::string> args);
  const RedisOptions& options() const;

 private:
  boost::asio::awaitable<RedisReply> send(std::vector<std::string> args);
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace zt::core::net
