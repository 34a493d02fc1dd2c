/* The C boundary between the server (C++) and PHP. This header has no Zend
 * types so that C++ can include it; only the bridge's .c files include PHP.
 *
 * Rules (see docs/architecture.md):
 *  - every zend_try lives in the bridge's C functions;
 *  - the host callbacks are C++ noexcept leaf calls: they return a status and
 *    never call back into PHP; whatever can bail out (e.g. aborting on a gone
 *    client) the C side does after the callback returned;
 *  - PHP runs only on threads that called ephpm_thread_attach().
 */
#ifndef EPHPM_PHP_BRIDGE_H
#define EPHPM_PHP_BRIDGE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* A borrowed byte string (not NUL terminated unless said). */
typedef struct ephpm_str {
    const char *data;
    size_t len;
} ephpm_str;

typedef struct ephpm_header {
    ephpm_str name;
    ephpm_str value;
} ephpm_header;

/* Implemented by the host. `ctx` is the request's host context. */
typedef struct ephpm_host_vtable {
    /* Response body bytes. Returns 0, or nonzero when the client is gone. */
    int (*write)(void *ctx, const char *data, size_t len);
    /* PHP's flush(): push what was written so far to the client. */
    void (*flush)(void *ctx);
    /* Status and headers, once per request, before the first body byte. */
    void (*send_headers)(void *ctx, int status, const ephpm_header *headers, size_t count);
    /* Reads up to `len` request body bytes; returns how many, 0 at the end. */
    size_t (*read_body)(void *ctx, char *buf, size_t len);
    /* A message PHP logs (syslog level: 3 error, 4 warning, 6 info, ...). */
    void (*log)(void *ctx, int level, const char *message, size_t len);
} ephpm_host_vtable;

/* Everything PHP needs to know about one request. The strings are NUL
 * terminated and live (owned by the host) for the whole execute call. */
typedef struct ephpm_request {
    const char *method;
    const char *request_uri;         /* path and query, as sent */
    const char *query_string;        /* without '?', may be "" */
    const char *script_filename;     /* absolute path of the script to run */
    const char *content_type;        /* NULL when absent */
    int64_t content_length;          /* -1 when unknown */
    const char *cookie;              /* the combined Cookie header, NULL when absent */
    const char *authorization;       /* the Authorization header, NULL when absent */
    double request_time;             /* seconds since the epoch */
    const ephpm_header *server_vars; /* $_SERVER entries, names and values */
    size_t server_var_count;
    const ephpm_host_vtable *host;
    void *host_ctx;
} ephpm_request;

typedef enum ephpm_outcome {
    EPHPM_OUTCOME_OK = 0,         /* ran to the end, or exit() */
    EPHPM_OUTCOME_FATAL,          /* fatal error, parse error, uncaught exception */
    EPHPM_OUTCOME_TIMEOUT,        /* max_execution_time exceeded */
    EPHPM_OUTCOME_MEMORY,         /* memory_limit exceeded */
    EPHPM_OUTCOME_ABORTED,        /* the client went away and the script stopped */
    EPHPM_OUTCOME_NOT_FOUND,      /* the script file could not be opened */
    EPHPM_OUTCOME_STARTUP_FAILED, /* php_request_startup() failed */
} ephpm_outcome;

typedef struct ephpm_result {
    ephpm_outcome outcome;
    int exit_status;    /* EG(exit_status): exit(n), 255 after a fatal error */
    int thread_tainted; /* a bailout escaped request shutdown: replace the thread */
    int discard_output; /* it failed with display_errors off: show the client none of its output */
} ephpm_result;

typedef struct ephpm_engine_options {
    const char *ini_defaults; /* "key=value\n" lines that php.ini may override */
    const char *ini_entries;  /* "key=value\n" lines that override php.ini */
    const char *ini_path;     /* a php.ini file or directory; NULL: no php.ini */
    int expected_threads;
} ephpm_engine_options;

/* Once per process, on the thread that will also call shutdown. Returns 0 on
 * success; otherwise writes a message into `error`. */
int ephpm_engine_startup(const ephpm_engine_options *options, char *error, size_t error_len);
/* After every pool thread has detached. */
void ephpm_engine_shutdown(void);

/* Gives the calling thread its own PHP (TSRM) context, and frees it. */
void ephpm_thread_attach(void);
void ephpm_thread_detach(void);

/* Runs one request on the calling (attached) thread. */
void ephpm_execute(const ephpm_request *request, ephpm_result *result);

/* Facts about the linked PHP, valid after startup. */
const char *ephpm_php_version(void);
int ephpm_php_is_zts(void);
/* Calls `fn` for each loaded module, then for each Zend extension. */
void ephpm_list_extensions(void (*fn)(void *ctx, const char *name, int is_zend_extension),
                           void *ctx);

#ifdef __cplusplus
}
#endif

#endif /* EPHPM_PHP_BRIDGE_H */
