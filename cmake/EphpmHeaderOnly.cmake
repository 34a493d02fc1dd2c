# spdlog, fmt and toml++ are used header-only: Debian ships them as shared
# libraries, and a server binary that should one day run in an empty root
# must not depend on them at run time.
find_path(EPHPM_SPDLOG_INCLUDE spdlog/spdlog.h REQUIRED)
find_path(EPHPM_FMT_INCLUDE fmt/format.h REQUIRED)
find_path(EPHPM_TOMLPP_INCLUDE toml++/toml.h REQUIRED)

add_library(ephpm_header_only_deps INTERFACE)
target_include_directories(
    ephpm_header_only_deps SYSTEM INTERFACE ${EPHPM_SPDLOG_INCLUDE} ${EPHPM_FMT_INCLUDE}
                                            ${EPHPM_TOMLPP_INCLUDE})
target_compile_definitions(ephpm_header_only_deps INTERFACE SPDLOG_FMT_EXTERNAL FMT_HEADER_ONLY=1
                                                            TOML_HEADER_ONLY=1)
target_link_libraries(ephpm_header_only_deps INTERFACE Threads::Threads)
