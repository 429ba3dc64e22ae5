#include "gateway/routing/catalog.hpp"

#include <algorithm>

namespace zt::gateway {

std::string_view service_of_path(std::string_view path) {
  constexpr std::string_view kApi = "/api/";
  if (!path.starts_with(kApi)) return {};
  const auto rest = path.substr(kApi.size());
  const auto slash = rest.find('/');
  if (slash == std::string_view::npos || slash == 0) return {};
  return rest.substr(0, slash);
}

void ServiceCatalog::add(CatalogEntry entry) {
  auto name = entry.declarations.service;
  entries_.insert_or_assign(std::move(name), std::move(entry));
}

const CatalogEntry* ServiceCatalog::find(std::string_view service) const {
  auto it = entries_.find(service);
  return it == entries_.end() ? nullptr : &it->second;
}

const CatalogEntry* ServiceCatalog::by_path(std::string_view path) const {
  const auto service = service_of_path(path);
  return service.empty() ? nullptr : find(service);
}

std::vector<CatalogArea> ServiceCatalog::areas() const {
  std::vector<CatalogArea> out;
  for (const auto& [name, e] : entries_)
    if (e.declarations.area) out.push_back({name, *e.declarations.area});
  std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.area.order < b.area.order; });
  return out;
}

}  // namespace zt::gateway
