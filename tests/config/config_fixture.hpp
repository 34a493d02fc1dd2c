#pragma once
// A scratch directory per test, config files written into it, and a way to
// get at the message of the ConfigError that load() is expected to throw.

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

#include "ephpm/config/load.hpp"

namespace ephpm::testing {

namespace fs = std::filesystem;

// Switches the working directory for one scope (relative paths from the
// environment and the command line are resolved against it).
class CurrentDirectory {
public:
    explicit CurrentDirectory(const fs::path& path) : saved_(fs::current_path()) {
        fs::current_path(path);
    }
    ~CurrentDirectory() { fs::current_path(saved_); }
    CurrentDirectory(const CurrentDirectory&) = delete;
    CurrentDirectory& operator=(const CurrentDirectory&) = delete;

private:
    fs::path saved_;
};

class ConfigTest : public ::testing::Test {
protected:
    void SetUp() override {
        std::string pattern = (fs::temp_directory_path() / "ephpm-config-test-XXXXXX").string();
        ASSERT_NE(mkdtemp(pattern.data()), nullptr);
        // Canonical, so expected paths compare equal to weakly_canonical() results
        // even when the temp directory is behind a symlink.
        dir_ = fs::canonical(pattern);
        fs::create_directory(dir_ / "public");
    }

    void TearDown() override {
        std::error_code ignored;
        fs::remove_all(dir_, ignored);
    }

    fs::path write(const fs::path& relative, std::string_view content) {
        const fs::path path = dir_ / relative;
        fs::create_directories(path.parent_path());
        std::ofstream(path, std::ios::binary) << content;
        return path;
    }

    fs::path make_dir(const fs::path& relative) {
        fs::create_directories(dir_ / relative);
        return dir_ / relative;
    }

    // Writes `toml` to ephpm.toml in the scratch directory and loads it.
    config::Config load_toml(std::string_view toml, const config::Environment& environment = {},
                             config::CommandLine command_line = {}) {
        command_line.config_path = write("ephpm.toml", toml).string();
        return config::load(command_line, environment);
    }

    // The ConfigError message of loading `toml`, or a test failure.
    std::string toml_error(std::string_view toml, const config::Environment& environment = {},
                           config::CommandLine command_line = {}) {
        command_line.config_path = write("ephpm.toml", toml).string();
        return error(command_line, environment);
    }

    static std::string error(const config::CommandLine& command_line,
                             const config::Environment& environment) {
        try {
            config::load(command_line, environment);
        } catch (const config::ConfigError& e) {
            return e.what();
        }
        ADD_FAILURE() << "load() accepted the configuration";
        return {};
    }

    // The path load_toml() writes, as error messages spell it.
    std::string config_path() const { return (dir_ / "ephpm.toml").string(); }

    fs::path dir_;
};

} // namespace ephpm::testing
