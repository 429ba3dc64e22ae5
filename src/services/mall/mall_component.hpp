#pragma once
#include "core/app/component.hpp"

namespace zt::services::mall {

// The financial mall (金融商城, BUSINESS §5): products of six categories with NAV history,
// managed by product managers; customers subscribe and redeem through the counter with
// suitability checked at order time; the T+1 confirmation job settles each order once.
core::ComponentSpec spec();

}  // namespace zt::services::mall
