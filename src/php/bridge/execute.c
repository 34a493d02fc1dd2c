/* One request, start to finish, on an attached thread. This is where the
 * zend_try blocks live: a fatal error, max_execution_time, memory_limit or an
 * aborted client longjmps back here, and only C frames lie in between. */
#include "sapi_module.h"

#include "bridge.h"

#include "main/php_main.h"
#include "main/php_output.h"
#include "main/php_variables.h"
#include "Zend/zend_virtual_cwd.h"

#include <string.h>
#include <unistd.h>

static void fill_request_info(const ephpm_request *request)
{
    SG(server_context) = (void *)request;
    SG(request_info).request_method = request->method;
    SG(request_info).request_uri = (char *)request->request_uri;
    SG(request_info).query_string = (char *)request->query_string;
    SG(request_info).content_type = request->content_type;
    SG(request_info).content_length = request->content_length > 0 ? request->content_length : 0;
    SG(request_info).path_translated = (char *)request->script_filename;
    SG(request_info).proto_num = 1001;
    /* enter_script_directory() does the change of directory instead. */
    SG(options) |= SAPI_OPTION_NO_CHDIR;
    SG(sapi_headers).http_response_code = 200;
    /* Fills PHP_AUTH_USER / PHP_AUTH_PW (Basic) or PHP_AUTH_DIGEST. */
    php_handle_auth_data(request->authorization);
}

/* The script's directory becomes the working directory, as with php-fpm.
 * PHP's own change (php_execute_script) stat()s the directory when it enters
 * it and again when it changes back, two system calls per request. Here the
 * directory is known to exist (the router found the script in it), the path
 * is resolved through the realpath cache, and nothing changes back: the
 * request's virtual working directory is dropped when the request ends. */
static void enter_script_directory(const char *script)
{
    const char *slash = strrchr(script, '/');
    if (slash == NULL) {
        return;
    }
    const size_t length = slash == script ? 1 : (size_t)(slash - script);
    char directory[MAXPATHLEN];
    if (length >= sizeof(directory)) {
        return;
    }
    memcpy(directory, script, length);
    directory[length] = '\0';
    /* No verify function: no stat. On failure the state is left alone. */
    virtual_file_ex(&CWDG(cwd), directory, NULL, CWD_REALPATH);
}

/* EG(exit_status) is reset when the request starts; PHP clears the last
 * error's message (not its type) at the end of each request, so a message
 * means the error happened in this request. */
static bool last_error_was_fatal(void)
{
    const int fatal =
        E_ERROR | E_CORE_ERROR | E_COMPILE_ERROR | E_USER_ERROR | E_PARSE | E_RECOVERABLE_ERROR;
    return EG(exit_status) == 255 && PG(last_error_message) != NULL &&
           (PG(last_error_type) & fatal) != 0;
}

/* Must run before request shutdown, which clears the last error. */
static ephpm_outcome classify_outcome(void)
{
    if (PG(connection_status) & PHP_CONNECTION_ABORTED) {
        return EPHPM_OUTCOME_ABORTED;
    }
    if (PG(connection_status) & PHP_CONNECTION_TIMEOUT) {
        return EPHPM_OUTCOME_TIMEOUT;
    }
    if (last_error_was_fatal()) {
        zend_string *message = PG(last_error_message);
        if (message != NULL && strstr(ZSTR_VAL(message), "Allowed memory size") != NULL) {
            return EPHPM_OUTCOME_MEMORY;
        }
        return EPHPM_OUTCOME_FATAL;
    }
    return EPHPM_OUTCOME_OK;
}

/* The formatter cannot read zend_try { } zend_catch { } zend_end_try() as the
 * block statements they are, so it leaves this function alone. */
/* clang-format off */
void ephpm_execute(const ephpm_request *request, ephpm_result *result)
{
    volatile ephpm_outcome outcome = EPHPM_OUTCOME_OK;
    volatile int started = 0;
    volatile int tainted = 0;
    volatile int discard = 0;
    zend_file_handle file;

    fill_request_info(request);

    zend_first_try {
        if (php_request_startup() == FAILURE) {
            outcome = EPHPM_OUTCOME_STARTUP_FAILED;
        } else {
            started = 1;
            EG(exit_status) = 0; /* PHP keeps the previous request's value */
            zend_stream_init_filename(&file, request->script_filename);
            /* Checked for, not opened: OPcache finds a cached script by its
             * name and only opens the file on a miss, so a stream opened
             * here would be read-for-nothing work (open, fstat, fcntl,
             * close) on every request. */
            if (access(request->script_filename, R_OK) != 0) {
                outcome = EPHPM_OUTCOME_NOT_FOUND;
            } else {
                file.primary_script = 1;
                enter_script_directory(request->script_filename);
                php_execute_script(&file);
            }
            zend_destroy_file_handle(&file);
        }
    } zend_catch {
        /* A bailout outside php_execute_script's own zend_try (e.g. while
         * writing output to an aborted client); classified below. */
    } zend_end_try();

    if (started && outcome == EPHPM_OUTCOME_OK) {
        outcome = classify_outcome();
    }
    if (outcome == EPHPM_OUTCOME_FATAL || outcome == EPHPM_OUTCOME_TIMEOUT ||
        outcome == EPHPM_OUTCOME_MEMORY) {
        /* What the script still holds in output buffers is half a page: the
         * client gets the 500 without it. With display_errors on, the buffers
         * carry the error message the developer asked to see, so keep them. */
        discard = !PG(display_errors);
        if (discard) {
            zend_try {
                php_output_discard_all();
            } zend_end_try();
        }
    }
    result->exit_status = EG(exit_status);

    zend_try {
        php_request_shutdown(NULL);
    } zend_catch {
        tainted = 1;
    } zend_end_try();

    SG(server_context) = NULL;
    result->outcome = outcome;
    result->discard_output = discard;
    /* A request that could not even start leaves the thread in an unknown
     * state; so does a bailout out of request shutdown. */
    result->thread_tainted = tainted || !started;
}
/* clang-format on */
