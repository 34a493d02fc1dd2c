#pragma once
// What `ephpm --version` prints.

#include <string>

#include "ephpm/php/runtime.hpp"

namespace ephpm::app {

std::string version_text(const php::EngineInfo& info);

} // namespace ephpm::app
