#pragma once
// One PHP response on its way from a pool thread to a connection.
//
// The PHP thread writes into it as a php::ResponseSink; the connection reads
// it as a BodyStream. The two sides share only this object's mutex-guarded
// state, and the PHP side wakes the io side by posting to the connection's
// executor: the socket is never touched from a PHP thread.
//
// - Fast path: a script that never calls flush() and writes less than
//   kCoalesceBytes is handed over whole by the one completion post, and the
//   connection answers with a Content-Length response.
// - Streaming starts at flush() or once kCoalesceBytes are pending; from then
//   on the io side is woken on flush(), on every kCoalesceBytes and at the end.
// - Backpressure: with more than kMaxUnsentBytes not yet taken by the
//   connection, the PHP thread waits until it drains them or the client is
//   gone (then on_body returns false and PHP sees an aborted connection).
// - Nothing on the wire yet when the script fails with discard_output: the
//   connection still answers http_status_for(result) with no half page;
//   after bytes went out, read_some reports `failed` and the response is
//   cut off.

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ephpm/php/pool.hpp"
#include "ephpm/php/script.hpp"
#include "server/handler_slot.hpp"
#include "server/response.hpp"

namespace ephpm::server {

inline constexpr std::size_t kCoalesceBytes = 16 * 1024;
inline constexpr std::size_t kMaxUnsentBytes = 256 * 1024;

class PhpResponseStream final : public php::ResponseSink,
                                public BodyStream,
                                public std::enable_shared_from_this<PhpResponseStream> {
public:
    using Clock = std::chrono::steady_clock;

    // `executor`: the connection's io thread; `aborted`: what the script
    // sees as connection_aborted(); `deadline`: the request timeout, after
    // which the response is given up (nullopt: none).
    PhpResponseStream(boost::asio::any_io_executor executor,
                      std::shared_ptr<std::atomic<bool>> aborted,
                      std::optional<Clock::time_point> deadline,
                      std::unique_ptr<php::BodySource> request_body);
    ~PhpResponseStream() override;
    PhpResponseStream(const PhpResponseStream&) = delete;
    PhpResponseStream& operator=(const PhpResponseStream&) = delete;

    // Queues `job` with this object as its sink and body; false when the
    // pool's queue is full (then PHP never runs). The object keeps itself
    // alive until PHP has finished with it.
    bool submit(php::Pool& pool, php::ScriptJob job);

    // io side: what happened first.
    enum class First {
        finished,  // the script ended before anything was streamed
        streaming, // headers (and maybe body) are ready to go out
        timed_out, // the request deadline passed first
    };
    boost::asio::awaitable<First> wait_for_response();

    // io side, after wait_for_response: status and headers as PHP sent them
    // (headers_sent false: PHP sent none), the result (once finished), and
    // the whole body for the fast path.
    //
    // The headers are one buffer of names and values back to back, which
    // the constructor reserves on the io side: PHP fills it without
    // allocating (for a usual head), so no memory allocated on the PHP
    // thread is freed on the io thread.
    struct Head {
        struct Field { // the value follows the name
            std::size_t name_at, name_size, value_size;
        };
        bool headers_sent = false;
        int status = 0;
        std::string bytes;
        std::vector<Field> fields;

        [[nodiscard]] std::string_view name(const Field& f) const {
            return std::string_view(bytes).substr(f.name_at, f.name_size);
        }
        [[nodiscard]] std::string_view value(const Field& f) const {
            return std::string_view(bytes).substr(f.name_at + f.name_size, f.value_size);
        }
    };
    Head take_head();
    [[nodiscard]] php::ScriptResult result();
    std::string take_body();

    // php::ResponseSink (PHP thread)
    void on_headers(int status, std::span<const php::HeaderView> headers) noexcept override;
    bool on_body(std::string_view bytes) noexcept override;
    void on_flush() noexcept override;

    // BodyStream (io side)
    Read read_some(std::span<char> buffer) override;
    boost::asio::awaitable<void> readable() override;
    void cancel() noexcept override;

private:
    // PHP thread: the script ended.
    void complete(const php::ScriptResult& result) noexcept;
    // PHP thread, without the lock: wakes the io side.
    void post_wake() noexcept;
    // io side: a wake arrived.
    void on_wake(bool final);
    // io side: waits for a wake or the deadline.
    boost::asio::awaitable<void> wait_signal();

    // Fixed at construction.
    boost::asio::any_io_executor executor_;
    std::shared_ptr<std::atomic<bool>> aborted_;
    std::optional<Clock::time_point> deadline_;
    std::unique_ptr<php::BodySource> request_body_;
    // Lent to the pool from submit() until the script ended; freed with this
    // object, on the io side.
    php::ScriptJob job_;

    // Shared with the PHP thread, under mutex_.
    std::mutex mutex_;
    std::condition_variable drained_;
    Head head_;
    std::string pending_;     // body bytes the connection has not taken yet
    bool streaming_ = false;  // the connection was told to start sending
    bool reader_idle_ = true; // the io side waits for a wake
    bool done_ = false;       // the script ended
    bool cancelled_ = false;  // client gone or deadline passed
    php::ScriptResult result_;
    // Owns this object from submit() until the completion post hands it to
    // the io side, so the PHP thread never drops the last reference.
    std::shared_ptr<PhpResponseStream> self_;
    // Outstanding work on the io_context while PHP runs.
    boost::asio::any_io_executor work_;
    // Memory for the wake-ups posted to the io side (PHP thread allocates,
    // io side frees).
    HandlerSlot slot_;

    // io side only.
    boost::asio::steady_timer timer_;
    bool signalled_ = false;
    bool timed_out_ = false;
};

} // namespace ephpm::server
