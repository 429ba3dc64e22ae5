#include "core/observe/rollup.hpp"

#include <algorithm>
#include <cctype>
#include <variant>

namespace zt::core::observe {

namespace {

const Attribute* find(const std::vector<Attribute>& attributes, std::string_view key) {
  for (const auto& a : attributes)
    if (a.key == key) return &a;
  return nullptr;
}

std::string text(const std::vector<Attribute>& attributes, std::string_view key) {
  const auto* a = find(attributes, key);
  if (!a) return {};
  if (const auto* s = std::get_if<std::string>(&a->value)) return *s;
  return {};
}

}  // namespace

void Figures::merge(const Figures& other) {
  calls += other.calls;
  errors += other.errors;
  latency.merge(other.latency);
}

bool MinuteRollup::failed(const Span& span) {
  if (span.status == SpanStatus::kError) return true;
  if (span.kind != SpanKind::kServer) return false;
  for (std::string_view key : {"http.response.status_code", "http.status_code"}) {
    const auto* a = find(span.attributes, key);
    if (!a) continue;
    if (const auto* n = std::get_if<std::int64_t>(&a->value)) return *n >= 500;
    if (const auto* s = std::get_if<std::string>(&a->value))
      return s->size() == 3 && (*s)[0] >= '5' && (*s)[0] <= '9' && std::isdigit(static_cast<unsigned char>((*s)[1])) &&
             std::isdigit(static_cast<unsigned char>((*s)[2]));
  }
  return false;
}

std::string MinuteRollup::peer_of(const Span& span) {
  for (std::string_view key : {"peer.service", "db.system", "server.address"})
    if (auto v = text(span.attributes, key); !v.empty()) return v;
  return "unknown";
}

std::string MinuteRollup::endpoint_of(const Span& span) {
  if (auto route = text(span.attributes, "http.route"); !route.empty()) {
    // Two operations on one path are two endpoints (SkyWalking's "GET:/path").
    if (auto method = text(span.attributes, "http.request.method"); !method.empty()) return method + " " + route;
    return route;
  }
  return span.name;
}

std::string MinuteRollup::bounded(Known& known, const std::string& whole, std::size_t cap, std::int64_t minute) {
  const std::string name = valid_utf8(whole, 256);
  if (auto it = known.find(name); it != known.end()) {
    it->second = std::max(it->second, minute);
    return name;
  }
  if (known.size() >= cap) {
    ++folded_;
    return kOther;
  }
  known.emplace(name, minute);
  return name;
}

void MinuteRollup::count(MinuteSeries& series, SeriesKey key, const Figures& one) {
  auto it = series.find(key);
  if (it == series.end()) {
    if (live_series_ >= limits_.max_series) {
      ++dropped_;
      return;
    }
    it = series.emplace(std::move(key), Figures{}).first;
    ++live_series_;
  }
  it->second.merge(one);
}

std::size_t MinuteRollup::add(const SpanBatch& batch, std::int64_t now_minute) {
  std::size_t counted = 0;
  std::string service;  // given a place only once one of its spans counts
  for (const auto& span : batch.spans) {
    if (span.kind != SpanKind::kServer && span.kind != SpanKind::kClient) continue;
    const std::int64_t minute = static_cast<std::int64_t>(span.end_unix_nano / 60'000'000'000ull);
    if (minute < now_minute - limits_.minutes_back || minute > now_minute + limits_.minutes_ahead) {
      ++out_of_window_;
      continue;
    }
    if (service.empty()) service = bounded(services_, batch.source.service_name, limits_.max_services, now_minute);
    const double micros = span.end_unix_nano > span.start_unix_nano
                              ? static_cast<double>(span.end_unix_nano - span.start_unix_nano) / 1000.0
                              : 0.0;
    Figures one;
    one.calls = 1;
    one.errors = failed(span) ? 1 : 0;
    one.latency.add(micros);
    auto& series = minutes_[minute];
    if (span.kind == SpanKind::kServer) {
      count(series, {SeriesScope::kService, service, ""}, one);
      if (!batch.source.service_instance_id.empty())
        count(series,
              {SeriesScope::kInstance, service,
               bounded(instances_[service], batch.source.service_instance_id, limits_.max_instances, now_minute)},
              one);
      count(series,
            {SeriesScope::kEndpoint, service,
             bounded(endpoints_[service], endpoint_of(span), limits_.max_endpoints, now_minute)},
            one);
    } else {
      count(series,
            {SeriesScope::kEdge, service, bounded(peers_[service], peer_of(span), limits_.max_peers, now_minute)}, one);
    }
    ++counted;
  }
  return counted;
}

std::map<std::int64_t, MinuteSeries> MinuteRollup::take_before(std::int64_t minute) {
  std::map<std::int64_t, MinuteSeries> out;
  auto end = minutes_.lower_bound(minute);
  out.insert(std::make_move_iterator(minutes_.begin()), std::make_move_iterator(end));
  minutes_.erase(minutes_.begin(), end);
  for (const auto& [m, series] : out) live_series_ -= series.size();
  // A name unseen for longer than the window gives its place up.
  const std::int64_t stale = minute - limits_.minutes_back - 1;
  auto prune = [&](Known& known) { std::erase_if(known, [&](const auto& kv) { return kv.second < stale; }); };
  prune(services_);
  for (auto* names : {&endpoints_, &peers_, &instances_}) {
    for (auto& [service, known] : *names) prune(known);
    std::erase_if(*names, [](const auto& kv) { return kv.second.empty(); });
  }
  return out;
}

}  // namespace zt::core::observe
