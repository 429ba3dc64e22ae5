#pragma once
#include <vector>

#include "core/app/component.hpp"

namespace zt {

// The target graph: every component and its dependencies, in one place (STYLE: Loki).
std::vector<core::ComponentSpec> component_specs();

}  // namespace zt
