#include "ephpm/config/load.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <tuple>
#include <vector>

#include "config/keys.hpp"
#include "config/values.hpp"

namespace ephpm::config {
namespace {

namespace fs = std::filesystem;
using detail::Check;
using detail::KeySpec;
using detail::Problem;

// A problem found in the file, kept until the walk is over so that the one
// reported is the first in the document, not the first in key order.
struct FileProblem {
    toml::source_position position;
    std::string message;
};

// Applies the layers in order and remembers which one set each key, so that
// checks made at the end (does document_root exist?) can name the source.
class Loader {
public:
    void apply_file(const std::string& path_text);
    void apply_environment(const Environment& environment);
    void apply_command_line(const CommandLine& command_line);
    void apply_port(const Environment& environment);
    Config finish(int verbosity);

private:
    void walk(const toml::table& table, const std::string& table_name, const std::string& file,
              const fs::path& base_dir, std::vector<FileProblem>& problems);
    // Applies one value that did not come from the file; throws on a problem.
    void apply_value(const KeySpec& key, const toml::node& value, const std::string& origin);
    void resolve_existing_path(std::string_view key_name, std::string& path, bool want_directory);
    void check_access_log();
    std::string_view origin_of(std::string_view key_name) const;
    static fs::path current_directory();

    Config config_;
    // Key name -> where its value came from ("ephpm.toml:3:10", "environment
    // EPHPM_PHP__WORKERS"); keys still at their defaults are absent.
    std::map<std::string_view, std::string> origins_;
};

[[noreturn]] void fail(std::string_view origin, std::string_view key_name, const Problem& problem) {
    throw ConfigError(
        fmt::format("{}: {}{}: {}", origin, key_name, problem.key_suffix, problem.message));
}

fs::path Loader::current_directory() {
    std::error_code error;
    fs::path cwd = fs::current_path(error);
    if (error) {
        throw ConfigError(
            fmt::format("cannot determine the current directory: {}", error.message()));
    }
    return cwd;
}

void Loader::apply_file(const std::string& path_text) {
    const fs::path path(path_text);
    std::error_code error;
    const fs::file_status status = fs::status(path, error);
    if (!fs::exists(status)) {
        throw ConfigError(fmt::format("{}: config file not found", path_text));
    }
    if (fs::is_directory(status)) {
        throw ConfigError(fmt::format("{}: is a directory, not a config file", path_text));
    }
    // An empty file is a valid (all defaults) config: read it without
    // `content << rdbuf()`, which flags an empty stream as a failure.
    std::ifstream in(path, std::ios::binary);
    const std::string text = in ? std::string(std::istreambuf_iterator<char>(in), {}) : "";
    if (!in.is_open() || in.bad()) {
        throw ConfigError(fmt::format("{}: cannot read the config file", path_text));
    }

    toml::table root;
    try {
        root = toml::parse(text, std::string_view(path_text));
    } catch (const toml::parse_error& e) {
        throw ConfigError(fmt::format("{}:{}:{}: {}", path_text, e.source().begin.line,
                                      e.source().begin.column, e.description()));
    }

    // Relative paths in the file mean "next to this file", so a config file
    // works the same whatever directory the server is started from.
    const fs::path absolute_path = fs::absolute(path, error);
    const fs::path base_dir = error ? current_directory() : absolute_path.parent_path();

    std::vector<FileProblem> problems;
    walk(root, "", path_text, base_dir, problems);
    if (!problems.empty()) {
        const auto first = std::min_element(
            problems.begin(), problems.end(), [](const FileProblem& a, const FileProblem& b) {
                return std::tie(a.position.line, a.position.column) <
                       std::tie(b.position.line, b.position.column);
            });
        throw ConfigError(first->message);
    }
}

void Loader::walk(const toml::table& table, const std::string& table_name, const std::string& file,
                  const fs::path& base_dir, std::vector<FileProblem>& problems) {
    auto report = [&](toml::source_position at, std::string_view name, std::string_view suffix,
                      std::string_view message) {
        problems.push_back({at, fmt::format("{}:{}:{}: {}{}: {}", file, at.line, at.column, name,
                                            suffix, message)});
    };
    for (const auto& [key, value] : table) {
        const std::string name =
            table_name.empty() ? std::string(key.str()) : table_name + "." + std::string(key.str());
        // Values have a position of their own; implicitly created tables may not.
        const toml::source_position at =
            value.source().begin ? value.source().begin : key.source().begin;
        if (const KeySpec* spec = detail::find_key(name)) {
            if (Check bad = spec->apply(value, base_dir, config_)) {
                const toml::source_position precise =
                    bad->node != nullptr && bad->node->source().begin ? bad->node->source().begin
                                                                      : at;
                report(precise, name, bad->key_suffix, bad->message);
            } else {
                origins_[spec->name] = fmt::format("{}:{}:{}", file, at.line, at.column);
            }
        } else if (detail::is_table(name)) {
            if (const auto* sub_table = value.as_table()) {
                walk(*sub_table, name, file, base_dir, problems);
            } else {
                report(at, name, "",
                       fmt::format("expected a table, got {}", detail::type_phrase(value.type())));
            }
        } else {
            const std::vector<std::string_view> members = detail::table_members(table_name);
            const std::string where =
                table_name.empty() ? "at the top level" : fmt::format("in [{}]", table_name);
            report(key.source().begin, name, "",
                   fmt::format("unknown {} (expected {}: {})", value.is_table() ? "table" : "key",
                               where, fmt::join(members, ", ")));
        }
    }
}

void Loader::apply_value(const KeySpec& key, const toml::node& value, const std::string& origin) {
    if (Check bad = key.apply(value, current_directory(), config_)) fail(origin, key.name, *bad);
    origins_[key.name] = origin;
}

void Loader::apply_environment(const Environment& environment) {
    constexpr std::string_view kPrefix = "EPHPM_";
    for (const auto& [variable, text] : environment) {
        const std::string_view rest =
            std::string_view(variable).substr(std::min(variable.size(), kPrefix.size()));
        // EPHPM_ variables without "__" belong to the build scripts
        // (EPHPM_CACHE_DIR, ...), not to the configuration.
        if (variable.rfind(kPrefix, 0) != 0 || rest.find("__") == std::string_view::npos) {
            continue;
        }
        std::string name;
        for (std::size_t i = 0; i < rest.size(); ++i) {
            if (rest.compare(i, 2, "__") == 0) {
                name += '.';
                ++i;
            } else {
                const char c = rest[i];
                name += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
            }
        }
        const std::string origin = "environment " + variable;
        const KeySpec* key = detail::find_key(name);
        if (key == nullptr) {
            throw ConfigError(fmt::format(
                "{}: {} is not a configuration key (variables are EPHPM_<TABLE>__<KEY>, e.g. "
                "EPHPM_SERVER__LISTEN or EPHPM_SERVER__LOGGING__LEVEL)",
                origin, name));
        }

        // A string may be written bare; anything else (and a string that
        // starts with a quote) is a TOML value, as on the right of "key =".
        const bool bare_string = key->kind == detail::ValueKind::kString &&
                                 (text.empty() || (text.front() != '"' && text.front() != '\''));
        if (bare_string) {
            apply_value(*key, toml::value<std::string>(text), origin);
            continue;
        }
        toml::table parsed;
        try {
            parsed = toml::parse("value = " + text, std::string_view(variable));
        } catch (const toml::parse_error&) {
            parsed = toml::table{}; // reported below with what the key expects
        }
        const toml::node* value = parsed.size() == 1 ? parsed.get("value") : nullptr;
        // Sizes and durations: "8M" and "30s" are not TOML, but fine bare.
        if (value == nullptr && key->kind == detail::ValueKind::kIntegerOrString) {
            apply_value(*key, toml::value<std::string>(text), origin);
            continue;
        }
        if (value == nullptr) {
            fail(origin, key->name,
                 Problem{fmt::format("expected {} (a TOML value), got {}",
                                     detail::kind_phrase(key->kind), detail::toml_string(text)),
                         nullptr, ""});
        }
        apply_value(*key, *value, origin);
    }
}

void Loader::apply_command_line(const CommandLine& command_line) {
    if (command_line.listen) {
        apply_value(*detail::find_key("server.listen"),
                    toml::value<std::string>(*command_line.listen), "command line --listen");
    }
    if (command_line.document_root) {
        apply_value(*detail::find_key("server.document_root"),
                    toml::value<std::string>(*command_line.document_root),
                    "command line --document-root");
    }
}

// Platforms such as Heroku and Cloud Run say which port to serve on in $PORT
// and expect every interface; an explicit listen address wins.
void Loader::apply_port(const Environment& environment) {
    const auto port = environment.find("PORT");
    if (port == environment.end() || origins_.count("server.listen") != 0) return;
    int number = 0;
    if (Check bad = detail::check_port(port->second, &number)) {
        throw ConfigError(fmt::format("environment PORT: {}", bad->message));
    }
    config_.server.listen = fmt::format("0.0.0.0:{}", number);
    origins_["server.listen"] = "environment PORT";
}

std::string_view Loader::origin_of(std::string_view key_name) const {
    const auto found = origins_.find(key_name);
    return found == origins_.end() ? std::string_view("default") : found->second;
}

void Loader::resolve_existing_path(std::string_view key_name, std::string& path,
                                   bool want_directory) {
    auto problem = [&](std::string message) {
        fail(origin_of(key_name), key_name, Problem{std::move(message), nullptr, ""});
    };
    std::error_code error;
    fs::path absolute = fs::absolute(path, error);
    if (error) absolute = current_directory() / path;
    const fs::file_status status = fs::status(absolute, error);
    if (!fs::exists(status)) problem(fmt::format("{} does not exist", absolute.string()));
    if (want_directory && !fs::is_directory(status)) {
        problem(fmt::format("{} is not a directory", absolute.string()));
    }
    const fs::path canonical = fs::weakly_canonical(absolute, error);
    if (error) problem(fmt::format("cannot resolve {}: {}", absolute.string(), error.message()));
    path = canonical.string();
}

// The access log is opened at startup; its directory must exist by then, and
// --check-config should say so rather than the first start.
void Loader::check_access_log() {
    const std::string& access = config_.logging.access;
    if (access == "stdout" || access == "off") return;
    auto problem = [&](std::string message) {
        fail(origin_of("server.logging.access"), "server.logging.access",
             Problem{std::move(message), nullptr, ""});
    };
    const fs::path path(access);
    std::error_code error;
    if (fs::is_directory(path, error)) problem(fmt::format("{} is a directory", access));
    const fs::path dir = path.parent_path();
    if (!fs::is_directory(dir, error)) {
        problem(fmt::format("the directory {} does not exist", dir.string()));
    }
}

Config Loader::finish(int verbosity) {
    resolve_existing_path("server.document_root", config_.server.document_root, true);
    check_access_log();
    if (config_.php.ini_file) resolve_existing_path("php.ini_file", *config_.php.ini_file, false);
    config_.logging.level = detail::more_verbose(config_.logging.level, verbosity);
    return config_;
}

} // namespace

Config load(const CommandLine& command_line, const Environment& environment) {
    Loader loader;
    if (command_line.config_path) loader.apply_file(*command_line.config_path);
    loader.apply_environment(environment);
    loader.apply_command_line(command_line);
    loader.apply_port(environment);
    return loader.finish(command_line.verbosity);
}

} // namespace ephpm::config
