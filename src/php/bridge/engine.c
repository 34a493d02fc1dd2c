/* Process and thread lifetime of the embedded PHP engine. */
#include "sapi_module.h"

#include "bridge.h"

#include "main/php_main.h"
#include "zend_extensions.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The SAPI struct points at these for the whole life of the engine. */
static char *ini_defaults_copy;
static char *ini_entries_copy;
static char *ini_path_copy;

static void release_copies(void)
{
    free(ini_defaults_copy);
    free(ini_entries_copy);
    free(ini_path_copy);
    ini_defaults_copy = NULL;
    ini_entries_copy = NULL;
    ini_path_copy = NULL;
}

/* PHP calls this before it reads php.ini: what it stores here has the lowest
 * precedence above PHP's built-in defaults. */
static void apply_ini_defaults(HashTable *configuration_hash)
{
    const char *line = ini_defaults_copy;
    while (line != NULL && *line != '\0') {
        const char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line) : strlen(line);
        const char *eq = memchr(line, '=', len);
        if (eq != NULL) {
            zval value;
            ZVAL_NEW_STR(&value, zend_string_init(eq + 1, len - (size_t)(eq + 1 - line), 1));
            zend_hash_str_update(configuration_hash, line, (size_t)(eq - line), &value);
        }
        line = end ? end + 1 : NULL;
    }
}

int ephpm_engine_startup(const ephpm_engine_options *options, char *error, size_t error_len)
{
    /* A PHP stream writing to a closed socket must get EPIPE, not kill us. */
    signal(SIGPIPE, SIG_IGN);

    int threads = options->expected_threads > 0 ? options->expected_threads : 1;
    if (!php_tsrm_startup_ex(threads)) {
        snprintf(error, error_len, "TSRM startup failed");
        return -1;
    }
#ifdef ZEND_SIGNALS
    zend_signal_startup(); /* the build disables Zend signals; see scripts/php/build.sh */
#endif
    /* sapi_startup() clears ini_entries, so they are set after it. */
    sapi_startup(&ephpm_sapi_module);

    ini_defaults_copy = strdup(options->ini_defaults ? options->ini_defaults : "");
    ini_entries_copy = strdup(options->ini_entries ? options->ini_entries : "");
    ephpm_sapi_module.ini_defaults = apply_ini_defaults;
    ini_path_copy = options->ini_path ? strdup(options->ini_path) : NULL;
    ephpm_sapi_module.ini_entries = ini_entries_copy;
    ephpm_sapi_module.php_ini_path_override = ini_path_copy;
    ephpm_sapi_module.php_ini_ignore = ini_path_copy == NULL;

    if (ephpm_sapi_module.startup(&ephpm_sapi_module) == FAILURE) {
        snprintf(error, error_len, "PHP module startup failed (PHP's own message is above)");
        sapi_shutdown();
        tsrm_shutdown();
        release_copies();
        return -1;
    }
    return 0;
}

void ephpm_engine_shutdown(void)
{
    php_module_shutdown();
    sapi_shutdown();
    tsrm_shutdown();
    release_copies();
}

void ephpm_thread_attach(void)
{
    (void)ts_resource(0);
    ZEND_TSRMLS_CACHE_UPDATE();
    ephpm_sapi_thread_setup();
}

void ephpm_thread_detach(void)
{
    ts_free_thread();
}

const char *ephpm_php_version(void)
{
    return PHP_VERSION;
}

int ephpm_php_is_zts(void)
{
#ifdef ZTS
    return 1;
#else
    return 0;
#endif
}

void ephpm_list_extensions(void (*fn)(void *ctx, const char *name, int is_zend_extension),
                           void *ctx)
{
    zend_module_entry *module;
    ZEND_HASH_FOREACH_PTR(&module_registry, module) {
        fn(ctx, module->name, 0);
    }
    ZEND_HASH_FOREACH_END();

    zend_llist_position pos;
    for (zend_extension *ext = zend_llist_get_first_ex(&zend_extensions, &pos); ext != NULL;
         ext = zend_llist_get_next_ex(&zend_extensions, &pos)) {
        fn(ctx, ext->name, 1);
    }
}
