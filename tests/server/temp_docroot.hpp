#pragma once
// A throw-away document root for router tests: created under the system temp
// directory, removed when the object dies.

#include <filesystem>
#include <fstream>
#include <random>
#include <string>

namespace ephpm::testing {

class TempDocroot {
public:
    TempDocroot() {
        std::random_device random;
        root_ = std::filesystem::temp_directory_path() /
                ("ephpm-router-" + std::to_string(random()) + std::to_string(random()));
        std::filesystem::create_directories(root_);
    }
    ~TempDocroot() {
        std::error_code ignored;
        std::filesystem::remove_all(root_, ignored);
    }
    TempDocroot(const TempDocroot&) = delete;
    TempDocroot& operator=(const TempDocroot&) = delete;

    // Creates `relative` (and its parent directories) with `content`.
    void file(const std::string& relative, const std::string& content = "x") const {
        auto path = root_ / relative;
        std::filesystem::create_directories(path.parent_path());
        std::ofstream(path) << content;
    }
    void dir(const std::string& relative) const {
        std::filesystem::create_directories(root_ / relative);
    }

    [[nodiscard]] const std::filesystem::path& path() const { return root_; }

private:
    std::filesystem::path root_;
};

} // namespace ephpm::testing
