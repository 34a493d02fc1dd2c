#pragma once
// In the fully static binary, glibc's name-service lookups (getpwnam,
// getgrnam, getaddrinfo, getservbyname, ...) must not load NSS modules: a
// static program cannot dlopen the shared libnss_*.so that nsswitch.conf
// may name (systemd, ldap, sss), and glibc 2.36 crashes trying when a lookup
// gets past "files" (a user that is not in /etc/passwd on a Debian host
// whose passwd line is "files systemd"). The files and dns sources are
// built into glibc, so every lookup is confined to them.

namespace ephpm::platform {

// Call once, first thing in main(), before any thread starts. Does nothing
// in a dynamically linked build, which keeps the system's nsswitch.conf.
void confine_name_services_when_static() noexcept;

} // namespace ephpm::platform
