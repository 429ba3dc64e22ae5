#pragma once
// A blocking etcd 3.4 client over its v3 JSON gateway (the HTTP API every etcd serves; no gRPC
// stack needed): ranges, puts, deletes, transactions, leases and a streaming watch.
//
// Calls block, like every other store: run them on the blocking pool (core::blocking) or a
// thread of their own. Each call has a timeout; several endpoints (the members of one cluster)
// are tried in turn, staying on the one that answered last, so a killed member costs one
// connection attempt. A call made for a traced request (the blocking pool carries it:
// core/observe/blocking_parent.hpp) is recorded as the request's client span, "etcd <operation>".
//
//   etcd::Client c({{"127.0.0.1:2379", "127.0.0.1:22379"}});
//   auto lease = c.grant(6);
//   c.put("/zt/instances/mall/a", value, lease);
//   c.keepalive(lease);                                // nullopt once the lease has expired
//   auto r = c.txn({etcd::Compare::missing(key)}, {etcd::Op::put(key, v)}, {});
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace zt::core::net::etcd {

// No member answered, or the cluster refused (no leader, timeout, compacted revision …).
class EtcdError : public std::runtime_error {
 public:
  EtcdError(std::string message, int grpc_code = 0) : std::runtime_error(std::move(message)), grpc_code_(grpc_code) {}
  int grpc_code() const { return grpc_code_; }  // 0 when the failure was the transport
  bool compacted() const { return grpc_code_ == 11; }  // OutOfRange: the revision was compacted

 private:
  int grpc_code_;
};

struct KeyValue {
  std::string key;
  std::string value;
  std::int64_t create_revision = 0;
  std::int64_t mod_revision = 0;
  std::int64_t version = 0;
  std::int64_t lease = 0;
};

struct RangeResult {
  std::vector<KeyValue> kvs;
  std::int64_t revision = 0;  // the store's revision the read saw
  bool more = false;
};

// The smallest key greater than every key starting with `prefix`.
std::string prefix_end(const std::string& prefix);

struct RangeOptions {
  std::string range_end;       // "" for one key; prefix_end(p) for a prefix
  std::int64_t revision = 0;   // read at this revision (0: latest)
  std::int64_t limit = 0;
  std::int64_t max_mod_revision = 0;
  bool descending_by_mod = false;   // newest change first
  bool descending_by_key = false;
  bool keys_only = false;
};

struct Compare {
  enum class Target { kVersion, kCreate, kMod, kValue };
  enum class Result { kEqual, kGreater, kLess, kNotEqual };
  std::string key;
  Target target = Target::kVersion;
  Result result = Result::kEqual;
  std::int64_t number = 0;
  std::string value;

  static Compare missing(std::string key) { return {std::move(key), Target::kCreate, Result::kEqual, 0, {}}; }
  static Compare exists(std::string key) { return {std::move(key), Target::kCreate, Result::kGreater, 0, {}}; }
  static Compare mod_revision_is(std::string key, std::int64_t rev) {
    return {std::move(key), Target::kMod, Result::kEqual, rev, {}};
  }
};

struct Op {
  enum class Kind { kPut, kDelete, kRange } kind = Kind::kPut;
  std::string key;
  std::string value;
  std::int64_t lease = 0;
  std::string range_end;

  static Op put(std::string key, std::string value, std::int64_t lease = 0) {
    return {Kind::kPut, std::move(key), std::move(value), lease, {}};
  }
  static Op remove(std::string key, std::string range_end = {}) {
    return {Kind::kDelete, std::move(key), {}, 0, std::move(range_end)};
  }
  static Op get(std::string key, std::string range_end = {}) {
    return {Kind::kRange, std::move(key), {}, 0, std::move(range_end)};
  }
};

struct TxnResult {
  bool succeeded = false;
  std::int64_t revision = 0;
  std::vector<RangeResult> ranges;  // one per kRange op of the branch taken, in order
  std::vector<std::int64_t> deleted;  // one per kDelete op of the branch taken, in order
};

struct WatchEvent {
  bool deleted = false;
  KeyValue kv;  // on a delete: key and mod_revision only
};

struct ClientOptions {
  std::vector<std::string> endpoints;  // host:port, or http://host:port
  std::chrono::milliseconds connect_timeout{1000};
  std::chrono::milliseconds request_timeout{5000};
};

class Client {
 public:
  explicit Client(ClientOptions options);
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  RangeResult range(const std::string& key, const RangeOptions& options = {});
  RangeResult range_prefix(const std::string& prefix, std::int64_t revision = 0);
  std::int64_t put(const std::string& key, const std::string& value, std::int64_t lease = 0);  // revision
  std::int64_t remove(const std::string& key, const std::string& range_end = {});             // deleted count
  TxnResult txn(const std::vector<Compare>& compares, const std::vector<Op>& success, const std::vector<Op>& failure);

  std::int64_t grant(std::int64_t ttl_seconds);                 // lease id
  std::optional<std::int64_t> keepalive(std::int64_t lease);    // remaining TTL; nullopt when expired
  void revoke(std::int64_t lease);                              // an unknown lease is not an error

  // Follows every key under `prefix` from `start_revision`, calling on_events with each batch
  // (all events of one revision arrive in one batch) and the revision it brings the follower to.
  // Returns normally only once `stop` is set (checked at least every 200 ms); throws EtcdError
  // when the stream breaks — compacted() when start_revision is too old, so the caller resyncs.
  void watch(const std::string& prefix, std::int64_t start_revision,
             const std::function<void(const std::vector<WatchEvent>&, std::int64_t revision)>& on_events,
             const std::atomic<bool>& stop);

  const ClientOptions& options() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace zt::core::net::etcd
