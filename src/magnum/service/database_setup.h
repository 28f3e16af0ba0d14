// Opening the database for a server process (internal to src/magnum/service).
#pragma once

#include <memory>

#include "magnum/db/database.h"

namespace magnum::config {
struct Config;
}

namespace magnum::service {

// Opens [database] connection. With `migrate`, applies pending migrations (magnumd);
// otherwise refuses a schema that is not the one this build needs and says to run
// magnum-db-manage upgrade. Logs the reason and returns null on failure.
std::unique_ptr<db::Database> OpenServiceDatabase(const config::Config& cfg, bool migrate);

}  // namespace magnum::service
