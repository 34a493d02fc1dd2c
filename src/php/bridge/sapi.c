/* Our SAPI: the callbacks PHP calls while it runs a request. Each one finds
 * the request in SG(server_context) (set by ephpm_execute for exactly one
 * call) and hands the work to the host through the vtable. Host callbacks
 * never bail out; anything that can (aborting on a gone client) happens here,
 * after the callback returned. */
#include "sapi_module.h"

#include "bridge.h"

#include "ext/standard/info.h"
#include "main/php_content_types.h"
#include "main/php_main.h"
#include "main/php_streams.h"
#include "main/php_variables.h"
#include "zend_extensions.h"

#include <string.h>

/* OPcache is compiled into libphp (see scripts/php/patch-source.sh) but it is
 * a zend_extension, which PHP only knows how to load from a .so. */
extern zend_extension zend_extension_entry;

static const ephpm_request *current_request(void)
{
    return (const ephpm_request *)SG(server_context);
}

static size_t ephpm_ub_write(const char *str, size_t len)
{
    const ephpm_request *request = current_request();
    if (request == NULL) {
        return len; /* output outside a request (startup): nobody to send it to */
    }
    if (request->host->write(request->host_ctx, str, len) != 0) {
        /* Marks the connection aborted and bails out unless the script
         * called ignore_user_abort(true). */
        php_handle_aborted_connection();
    }
    return len;
}

static void ephpm_flush(void *server_context)
{
    const ephpm_request *request = (const ephpm_request *)server_context;
    if (request == NULL) {
        return;
    }
    /* flush() with nothing written yet still commits the status and headers. */
    if (!SG(headers_sent)) {
        sapi_send_headers();
    }
    request->host->flush(request->host_ctx);
}

/* "Name: value" -> name and value; false for a line without a colon. */
static bool split_header_line(const sapi_header_struct *line, ephpm_header *out)
{
    const char *colon = memchr(line->header, ':', line->header_len);
    if (colon == NULL) {
        return false;
    }
    const char *value = colon + 1;
    const char *end = line->header + line->header_len;
    while (value < end && (*value == ' ' || *value == '\t')) {
        value++;
    }
    out->name.data = line->header;
    out->name.len = (size_t)(colon - line->header);
    out->value.data = value;
    out->value.len = (size_t)(end - value);
    return true;
}

static int ephpm_send_headers(sapi_headers_struct *sapi_headers)
{
    const ephpm_request *request = current_request();
    if (request == NULL) {
        return SAPI_HEADER_SENT_SUCCESSFULLY;
    }
    size_t count = zend_llist_count(&sapi_headers->headers);
    /* emalloc: if it bails (memory_limit), the request heap reclaims it. */
    ephpm_header *headers = count ? emalloc(count * sizeof(*headers)) : NULL;
    size_t used = 0;
    zend_llist_position pos;
    for (sapi_header_struct *line = zend_llist_get_first_ex(&sapi_headers->headers, &pos);
         line != NULL; line = zend_llist_get_next_ex(&sapi_headers->headers, &pos)) {
        if (split_header_line(line, &headers[used])) {
            used++;
        }
    }
    int status = sapi_headers->http_response_code ? sapi_headers->http_response_code : 200;
    request->host->send_headers(request->host_ctx, status, headers, used);
    if (headers != NULL) {
        efree(headers);
    }
    return SAPI_HEADER_SENT_SUCCESSFULLY;
}

static size_t ephpm_read_post(char *buffer, size_t count)
{
    const ephpm_request *request = current_request();
    return request ? request->host->read_body(request->host_ctx, buffer, count) : 0;
}

/* The body PHP keeps for php://input and form posts lives in a temp stream.
 * PHP's own readers let it hold SAPI_POST_BLOCK_SIZE (16 KiB) in memory and
 * then move it to a temporary file: a 100 KB JSON POST cost creating and
 * removing a file plus some 50 reads, writes and seeks. The host keeps
 * bodies up to 1 MiB in memory (kSpoolThreshold), so PHP may as well. */
#define EPHPM_BODY_IN_MEMORY (1024 * 1024)

static php_stream *ephpm_body_stream(void)
{
    return php_stream_temp_create_ex(TEMP_STREAM_DEFAULT, EPHPM_BODY_IN_MEMORY, PG(upload_tmp_dir));
}

/* Reads the whole body into SG(request_info).request_body: what PHP does
 * for form posts and other POSTs, with the same post_max_size checks and
 * warnings, into a stream that keeps more in memory. */
static void ephpm_read_body(void)
{
    const zend_long max = REQUEST_PARSE_BODY_OPTION_GET(post_max_size, SG(post_max_size));
    if (max > 0 && SG(request_info).content_length > max) {
        php_error_docref(NULL, E_WARNING,
                         "POST Content-Length of " ZEND_LONG_FMT
                         " bytes exceeds the limit of " ZEND_LONG_FMT " bytes",
                         SG(request_info).content_length, max);
        return;
    }
    php_stream *body = ephpm_body_stream();
    SG(request_info).request_body = body;
    char block[SAPI_POST_BLOCK_SIZE];
    for (;;) {
        const size_t got = sapi_read_post_block(block, sizeof block);
        if (got > 0 && php_stream_write(body, block, got) != (ssize_t)got) {
            php_stream_truncate_set_size(body, 0);
            php_error_docref(NULL, E_WARNING, "POST data can't be buffered; all data discarded");
            break;
        }
        if (max > 0 && SG(read_post_bytes) > max) {
            php_error_docref(
                NULL, E_WARNING,
                "Actual POST length does not match Content-Length, and exceeds " ZEND_LONG_FMT
                " bytes",
                max);
            break;
        }
        if (got < sizeof block) {
            break; /* the end: sapi_read_post_block has set SG(post_read) */
        }
    }
    php_stream_rewind(body);
}

/* A POST whose content type has no reader of its own (JSON, XML, ...). */
static void ephpm_default_post_reader(void)
{
    if (strcmp(SG(request_info).request_method, "POST") == 0 &&
        SG(request_info).post_entry == NULL) {
        ephpm_read_body();
    }
}

/* Form posts keep PHP's handler (which fills $_POST) and use our reader. */
static const sapi_post_entry ephpm_form_post_entry = {DEFAULT_POST_CONTENT_TYPE,
                                                      sizeof(DEFAULT_POST_CONTENT_TYPE) - 1,
                                                      ephpm_read_body, php_std_post_handler};

void ephpm_sapi_thread_setup(void)
{
    sapi_unregister_post_entry(&ephpm_form_post_entry);
    sapi_register_post_entry(&ephpm_form_post_entry);
}

/* Runs after PHP read what it reads eagerly. A body nobody read yet (PUT,
 * PATCH, a POST without a content type) is read when the script opens
 * php://input, into a stream that php://input would otherwise create with
 * PHP's 16 KiB; multipart uploads (a post_entry of their own) are left to
 * PHP, which reads them straight into their files. */
static int ephpm_activate(void)
{
    if (SG(request_info).request_body == NULL && SG(request_info).post_entry == NULL &&
        SG(request_info).content_length > 0) {
        SG(request_info).request_body = ephpm_body_stream();
    }
    return SUCCESS;
}

static char *ephpm_read_cookies(void)
{
    const ephpm_request *request = current_request();
    return request ? (char *)request->cookie : NULL;
}

static void ephpm_register_variables(zval *track_vars_array)
{
    const ephpm_request *request = current_request();
    if (request == NULL) {
        return;
    }
    for (size_t i = 0; i < request->server_var_count; i++) {
        const ephpm_header *var = &request->server_vars[i];
        char *value = (char *)var->value.data;
        size_t new_len = 0;
        if (sapi_module.input_filter(PARSE_SERVER, var->name.data, &value, var->value.len,
                                     &new_len)) {
            php_register_variable_safe(var->name.data, value, new_len, track_vars_array);
        }
    }
}

static void ephpm_log_message(const char *message, int syslog_type)
{
    const ephpm_request *request = current_request();
    if (request == NULL) {
        fprintf(stderr, "php: %s\n", message); /* before any request: startup */
        return;
    }
    request->host->log(request->host_ctx, syslog_type, message, strlen(message));
}

/* getenv() in a script sees the request's CGI variables first, as under
 * php-fpm; PHP then falls back to the process environment. (sapi_getenv
 * already refuses HTTP_PROXY, and the host never passes it.) */
static char *ephpm_getenv(const char *name, size_t name_len)
{
    const ephpm_request *request = current_request();
    if (request == NULL) {
        return NULL;
    }
    for (size_t i = 0; i < request->server_var_count; i++) {
        const ephpm_header *var = &request->server_vars[i];
        if (var->name.len == name_len && memcmp(var->name.data, name, name_len) == 0) {
            return (char *)var->value.data;
        }
    }
    return NULL;
}

static zend_result ephpm_get_request_time(double *request_time)
{
    const ephpm_request *request = current_request();
    if (request == NULL) {
        return FAILURE;
    }
    *request_time = request->request_time;
    return SUCCESS;
}

static PHP_MINIT_FUNCTION(ephpm)
{
    (void)type;
    (void)module_number;
    /* Runs after php.ini's zend_extension lines would have been loaded and
     * before zend_startup_extensions(), which starts OPcache like a .so. */
    zend_register_extension(&zend_extension_entry, NULL);
    return SUCCESS;
}

static PHP_MINFO_FUNCTION(ephpm)
{
    (void)zend_module;
    php_info_print_table_start();
    php_info_print_table_row(2, "ePHPm SAPI", "enabled");
    php_info_print_table_end();
}

static zend_module_entry ephpm_module_entry = {
    STANDARD_MODULE_HEADER,
    "ephpm",
    NULL, /* functions */
    PHP_MINIT(ephpm),
    NULL, /* MSHUTDOWN */
    NULL, /* RINIT */
    NULL, /* RSHUTDOWN */
    PHP_MINFO(ephpm),
    PHP_VERSION,
    STANDARD_MODULE_PROPERTIES,
};

static int ephpm_sapi_startup(sapi_module_struct *module)
{
    if (php_module_startup(module, &ephpm_module_entry) == FAILURE) {
        return FAILURE;
    }
    /* php_module_startup installed PHP's default reader; ours replaces it. */
    sapi_register_default_post_reader(ephpm_default_post_reader);
    ephpm_sapi_thread_setup(); /* the starting thread may run requests too */
    return SUCCESS;
}

sapi_module_struct ephpm_sapi_module = {
    .name = "ephpm",
    .pretty_name = "ePHPm",
    .startup = ephpm_sapi_startup,
    .shutdown = php_module_shutdown_wrapper,
    .ub_write = ephpm_ub_write,
    .flush = ephpm_flush,
    .getenv = ephpm_getenv,
    /* PHP reports SAPI-level problems through this (e.g. a header() with a
     * line break): it must be set. */
    .sapi_error = php_error,
    .send_headers = ephpm_send_headers,
    .read_post = ephpm_read_post,
    .read_cookies = ephpm_read_cookies,
    .register_server_variables = ephpm_register_variables,
    .log_message = ephpm_log_message,
    .get_request_time = ephpm_get_request_time,
    .activate = ephpm_activate,
    .default_post_reader = ephpm_default_post_reader,
    .treat_data = php_default_treat_data,
    .input_filter = php_default_input_filter,
    .php_ini_ignore_cwd = 1,
};
