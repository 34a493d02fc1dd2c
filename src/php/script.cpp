#include "ephpm/php/script.hpp"

namespace ephpm::php {

std::string_view to_string(Outcome outcome) noexcept {
    switch (outcome) {
        case Outcome::ok:
            return "ok";
        case Outcome::fatal:
            return "fatal error";
        case Outcome::timeout:
            return "max_execution_time exceeded";
        case Outcome::memory:
            return "memory_limit exceeded";
        case Outcome::aborted:
            return "client aborted";
        case Outcome::not_found:
            return "script not found";
        case Outcome::startup_failed:
            return "request startup failed";
        case Outcome::overloaded:
            return "overloaded";
    }
    return "unknown";
}

int http_status_for(const ScriptResult& result) noexcept {
    switch (result.outcome) {
        case Outcome::ok:
        case Outcome::aborted:
            return result.status != 0 ? result.status : 200;
        case Outcome::not_found:
            return 404;
        case Outcome::overloaded:
            return 503;
        case Outcome::fatal:
        case Outcome::timeout:
        case Outcome::memory:
            // A fatal error after the script chose a status keeps that status
            // (PHP sets 500 itself when the script left it at 200).
            return result.status != 0 && result.status != 200 ? result.status : 500;
        case Outcome::startup_failed:
            return 500;
    }
    return 500;
}

} // namespace ephpm::php
