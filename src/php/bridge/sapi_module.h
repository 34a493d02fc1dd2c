/* Internal to the bridge: our sapi_module_struct, defined in sapi.c. */
#ifndef EPHPM_PHP_BRIDGE_SAPI_MODULE_H
#define EPHPM_PHP_BRIDGE_SAPI_MODULE_H

#include "php.h"
#include "SAPI.h"

extern sapi_module_struct ephpm_sapi_module;

#endif
