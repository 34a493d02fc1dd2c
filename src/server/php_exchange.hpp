#pragma once
// One PHP request crossing from the io thread to a pool thread and back.
//
// The io side builds the job, the pool runs it on a PHP thread, and the
// completion (which runs on that PHP thread) only posts the result back to
// the connection's executor: the socket is never touched from a PHP thread
// and PHP never runs on an io thread.
//
// This first version buffers the whole response on the PHP side and writes
// it once the script has finished (flush() is therefore a no-op for the
// client); streaming the body as it is produced comes later.

#include <boost/asio/awaitable.hpp>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "ephpm/php/pool.hpp"
#include "ephpm/php/script.hpp"

namespace ephpm::server {

// Collects status, headers and body on the PHP thread. Read on the io thread
// only after the completion has been posted there (the post orders memory).
class BufferedResponse final : public php::ResponseSink {
public:
    void on_headers(int status, std::span<const php::HeaderView> headers) noexcept override;
    bool on_body(std::string_view bytes) noexcept override;
    void on_flush() noexcept override {}

    int status = 0;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
    bool truncated = false; // gave up: out of memory or kMaxBufferedResponseBytes
};

// The request body PHP reads (php://input, $_POST), already in memory.
class StringBodySource final : public php::BodySource {
public:
    explicit StringBodySource(std::string body) : body_(std::move(body)) {}
    std::size_t read(std::span<char> buffer) noexcept override;

private:
    std::string body_;
    std::size_t offset_ = 0;
};

// What the PHP thread and the io thread share for one request; the job
// points into it, and both sides hold it, so neither can outlive the other.
struct PhpExchange {
    explicit PhpExchange(std::string request_body) : body(std::move(request_body)) {}
    BufferedResponse response;
    StringBodySource body;
};

struct PhpOutcome {
    bool submitted = false; // false: the pool's queue was full (overload)
    php::ScriptResult result;
};

// Runs `job` on the pool (attaching exchange's sink and body) and resumes the
// calling coroutine on its own executor when the script has finished.
boost::asio::awaitable<PhpOutcome> run_on_pool(php::Pool& pool, php::ScriptJob job,
                                               std::shared_ptr<PhpExchange> exchange);

} // namespace ephpm::server
