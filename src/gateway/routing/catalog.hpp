#pragma once
// The services the gateway routes to by their own declarations (core/http/declarations.hpp): one
// entry per service in the binary that ships an openapi.yaml, whether it runs in this process or
// not. A path /api/<service>/… goes to <service>; the operation it names decides who may call it,
// whether it moves money, its timeout and body limit. Nothing about a business service is
// compiled into the gateway: a new service is routed as soon as it declares its operations.
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/http/declarations.hpp"
#include "gateway/filters/validation/openapi.hpp"

namespace zt::gateway {

struct CatalogEntry {
  core::http::ServiceDeclarations declarations;
  std::shared_ptr<const filters::ApiDocument> document;  // request validation; null when off
};

struct CatalogArea {
  std::string service;
  core::http::AreaDeclaration area;
};

class ServiceCatalog {
 public:
  void add(CatalogEntry entry);
  const CatalogEntry* find(std::string_view service) const;
  // The service a path names by its prefix "/api/<service>/", when the catalogue has it.
  const CatalogEntry* by_path(std::string_view path) const;
  // The business areas the services declare, in their order.
  std::vector<CatalogArea> areas() const;
  const std::map<std::string, CatalogEntry, std::less<>>& entries() const { return entries_; }

 private:
  std::map<std::string, CatalogEntry, std::less<>> entries_;
};

// The service named by a path's prefix "/api/<service>/…" ("" when the path has none).
std::string_view service_of_path(std::string_view path);

}  // namespace zt::gateway
