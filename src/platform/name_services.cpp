#include "platform/name_services.hpp"

#include <nss.h>

#include <initializer_list>

namespace ephpm::platform {

void confine_name_services_when_static() noexcept {
#ifdef EPHPM_FULLY_STATIC
    // __nss_configure_lookup replaces what nsswitch.conf says for one
    // database, for this process.
    for (const char* database : {"passwd", "group", "shadow", "gshadow", "initgroups", "services",
                                 "protocols", "rpc", "ethers", "netgroup", "aliases"}) {
        __nss_configure_lookup(database, "files");
    }
    __nss_configure_lookup("hosts", "files dns");
    __nss_configure_lookup("networks", "files dns");
#endif
}

} // namespace ephpm::platform
