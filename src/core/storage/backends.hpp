#pragma once
// Backend constructors, used by Database::open only.
#include <memory>

#include "core/storage/database.hpp"

namespace zt::core::storage {

std::unique_ptr<Database> open_sqlite(const Options& options);
std::unique_ptr<Database> open_postgres(const Options& options);

}  // namespace zt::core::storage
