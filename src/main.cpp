// ephpm: command line -> configuration -> logging -> the application. The
// only top-level catch in the program.

#include <cstdio>
#include <exception>

#include "app/cli.hpp"

int main(int argc, char** argv) {
    try {
        return ephpm::app::main(argc, argv);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "ephpm: %s\n", e.what());
        return 1;
    }
}
