/* Internal to the bridge: our sapi_module_struct, defined in sapi.c. */
#ifndef EPHPM_PHP_BRIDGE_SAPI_MODULE_H
#define EPHPM_PHP_BRIDGE_SAPI_MODULE_H

#include "php.h"
#include "SAPI.h"

extern sapi_module_struct ephpm_sapi_module;

/* Per-thread SAPI state that PHP builds for every thread from its defaults
 * (the POST readers by content type): call once the thread's globals exist. */
void ephpm_sapi_thread_setup(void);

#endif
