#pragma once
// The mall's settings (the `mall` section, declared in mall_component.cpp's schema) as its use
// cases take them: read and checked once, at start.
#include <chrono>
#include <string>

#include "core/config/config.hpp"
#include "services/mall/app/confirmation.hpp"
#include "services/mall/app/stuck_desk.hpp"
#include "services/mall/domain/products.hpp"

namespace zt::services::mall {

// Every value comes from settings_of (the defaults are the schema's, in one place).
struct MallSettings {
  CategoryRules rules;
  int cutoff = 0;  // seconds into the day (Asia/Shanghai) before which an order trades that day
  std::chrono::milliseconds read_cache{};
  ConfirmationSettings confirmation;
  StuckDeskSettings desk;
  std::chrono::milliseconds stuck_refresh{};
  // The sandbox's demo products (app/demo_feed.hpp), in sandbox mode only: seeded on first start,
  // their NAVs published each trading day, checked every demo_interval.
  bool demo_products = false;
  std::chrono::milliseconds demo_interval{};
};

// node: this process's node name (the confirmation lease's holder is it plus a random suffix).
// Throws std::invalid_argument for a cut-off that is not HH:MM.
MallSettings settings_of(const core::config::Section& mall, const std::string& node);

}  // namespace zt::services::mall
