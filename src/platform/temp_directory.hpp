#pragma once
// Where the server spools request bodies over 1 MiB: $TMPDIR, else /tmp.
// PHP picks the same directory for its uploads and sys_get_temp_dir() (its
// upload_tmp_dir and sys_temp_dir are empty by default, so it reads TMPDIR
// too), so one variable moves both, e.g. in a container without /tmp.

#include <optional>
#include <string>

namespace ephpm::platform {

// $TMPDIR when set and not empty, else "/tmp". Read at every call.
std::string temp_directory();

// Why `directory` cannot hold spooled bodies ("/tmp does not exist"), or
// nothing when it is a directory this process may write to.
std::optional<std::string> temp_directory_problem(const std::string& directory);

} // namespace ephpm::platform
