#pragma once

namespace ephpm::app {

// Parses the command line and does what it asks; returns the exit code.
int main(int argc, char** argv);

} // namespace ephpm::app
