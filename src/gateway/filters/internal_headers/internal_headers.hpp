#pragma once
// Filter: internal headers never come from outside. A client may not claim an identity
// (x-zt-identity), a deadline budget (x-zt-deadline-ms) or any other x-zt-* header; the gateway
// drops them before anything reads them, so only our own services set them.
#include <cstddef>

#include "core/http/message.hpp"

namespace zt::gateway::filters {

// Returns how many headers were removed.
std::size_t strip_internal_headers(core::http::Request& req);

// Response hygiene, the other direction: what leaves the gateway says nothing about what is behind
// it — no x-zt-* headers, no Server or X-Powered-By of an upstream — and browsers are told not to
// sniff content types.
void clean_response(core::http::Response& res);

}  // namespace zt::gateway::filters
