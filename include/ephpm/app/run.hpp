#pragma once
// Runs the server with a loaded configuration until SIGINT/SIGTERM.

#include "ephpm/config/config.hpp"

namespace ephpm::app {

// Returns the process exit code.
int run(const config::Config& config);

} // namespace ephpm::app
