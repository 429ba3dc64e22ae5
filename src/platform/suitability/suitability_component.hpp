#pragma once
#include "core/app/component.hpp"

namespace zt::platform::suitability {

// The suitability platform service (适当性管理, BUSINESS §1): the questionnaire and assessments,
// customer profiles, product matching with the special risk warning and its signature, and
// professional / qualified investor applications reviewed by staff. Reused by the mall, account
// opening, the business hall, 定投 and repo.
core::ComponentSpec spec();

}  // namespace zt::platform::suitability
