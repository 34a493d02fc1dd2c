#include "server/php_response_stream.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_allocator.hpp>
#include <boost/asio/execution/outstanding_work.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/prefer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <cstring>

namespace ephpm::server {

namespace asio = boost::asio;

namespace {

// Enough for what PHP sends by default and a few application headers.
constexpr std::size_t kHeadBytesReserved = 512;
constexpr std::size_t kHeadFieldsReserved = 8;

// Posts with the operation's memory taken from `slot`. On the io_context's
// own executor type that is the only allocation; the type-erased executor
// would wrap the handler once more, with malloc.
template <typename Handler>
void post_from_php_thread(const asio::any_io_executor& executor, HandlerSlot& slot,
                          Handler&& handler) {
    auto bound =
        asio::bind_allocator(HandlerSlotAllocator<void>(slot), std::forward<Handler>(handler));
    if (const auto* io = executor.target<asio::io_context::executor_type>()) {
        asio::post(*io, std::move(bound));
    } else {
        asio::post(executor, std::move(bound));
    }
}

} // namespace

PhpResponseStream::PhpResponseStream(asio::any_io_executor executor,
                                     std::shared_ptr<std::atomic<bool>> aborted,
                                     std::optional<Clock::time_point> deadline,
                                     std::unique_ptr<php::BodySource> request_body)
    : executor_(std::move(executor)),
      aborted_(std::move(aborted)),
      deadline_(deadline),
      request_body_(std::move(request_body)),
      timer_(executor_) {
    head_.bytes.reserve(kHeadBytesReserved);
    head_.fields.reserve(kHeadFieldsReserved);
}

PhpResponseStream::~PhpResponseStream() = default;

bool PhpResponseStream::submit(php::Pool& pool, php::ScriptJob job) {
    job_ = std::move(job);
    job_.sink = this;
    job_.body = request_body_.get();
    job_.aborted = aborted_;
    // Counts as outstanding work, so io_context::run() cannot return while
    // PHP still runs the request.
    work_ = asio::prefer(executor_, asio::execution::outstanding_work.tracked);
    self_ = shared_from_this();
    PhpResponseStream* raw = this;
    if (pool.try_submit(job_,
                        [raw](php::ScriptResult result) noexcept { raw->complete(result); })) {
        return true;
    }
    self_.reset();
    work_ = {};
    return false;
}

void PhpResponseStream::complete(const php::ScriptResult& result) noexcept {
    std::shared_ptr<PhpResponseStream> keep;
    {
        std::lock_guard lock(mutex_);
        done_ = true;
        result_ = result;
        // A failed script's output never reaches the client; what was not
        // taken yet is dropped here, and read_some reports the cut.
        if (result.discard_output) pending_.clear();
        keep = std::move(self_);
    }
    // The one post every request makes. It carries the last reference this
    // thread held, so the object is destroyed on the io side.
    try {
        PhpResponseStream* self = keep.get();
        post_from_php_thread(self->executor_, self->slot_,
                             [keep = std::move(keep)] { keep->on_wake(true); });
    } catch (const std::exception& e) {
        spdlog::critical("cannot hand a PHP result back: {}", e.what());
    }
}

void PhpResponseStream::post_wake() noexcept {
    try {
        post_from_php_thread(executor_, slot_,
                             [self = shared_from_this()] { self->on_wake(false); });
    } catch (const std::exception& e) {
        spdlog::critical("cannot wake a connection: {}", e.what());
    }
}

void PhpResponseStream::on_wake(bool final) {
    if (final) work_ = {};
    signalled_ = true;
    timer_.cancel();
}

asio::awaitable<void> PhpResponseStream::wait_signal() {
    if (!signalled_) {
        timer_.expires_at(deadline_ ? *deadline_ : Clock::time_point::max());
        auto [ec] = co_await timer_.async_wait(asio::as_tuple(asio::use_awaitable));
        if (!ec && !signalled_) {
            // The request deadline: PHP sees a client that went away.
            timed_out_ = true;
            cancel();
        }
    }
    signalled_ = false;
}

asio::awaitable<PhpResponseStream::First> PhpResponseStream::wait_for_response() {
    for (;;) {
        {
            std::lock_guard lock(mutex_);
            if (streaming_) {
                reader_idle_ = false;
                co_return First::streaming;
            }
            if (done_) co_return First::finished;
            reader_idle_ = true;
        }
        if (timed_out_) co_return First::timed_out;
        co_await wait_signal();
    }
}

PhpResponseStream::Head PhpResponseStream::take_head() {
    std::lock_guard lock(mutex_);
    return std::move(head_);
}

php::ScriptResult PhpResponseStream::result() {
    std::lock_guard lock(mutex_);
    return result_;
}

std::string PhpResponseStream::take_body() {
    std::lock_guard lock(mutex_);
    return std::move(pending_);
}

void PhpResponseStream::on_headers(int status, std::span<const php::HeaderView> list) noexcept {
    std::lock_guard lock(mutex_);
    head_.status = status;
    head_.headers_sent = true;
    try {
        for (const auto& h : list) {
            const std::size_t at = head_.bytes.size();
            head_.bytes.append(h.name).append(h.value);
            head_.fields.push_back({at, h.name.size(), h.value.size()});
        }
    } catch (...) {
        // Out of memory: the response goes out with the headers we have.
    }
}

bool PhpResponseStream::on_body(std::string_view bytes) noexcept {
    std::unique_lock lock(mutex_);
    if (cancelled_) return false;
    try {
        pending_.append(bytes);
    } catch (...) {
        return false; // out of memory: stop the script as if the client left
    }
    if (pending_.size() >= kCoalesceBytes && head_.headers_sent) {
        streaming_ = true;
        if (reader_idle_) {
            reader_idle_ = false;
            lock.unlock();
            post_wake();
            lock.lock();
        }
    }
    // Backpressure: a script producing faster than the client reads waits
    // here instead of growing the buffer.
    drained_.wait(lock,
                  [&] { return cancelled_ || !streaming_ || pending_.size() <= kMaxUnsentBytes; });
    return !cancelled_;
}

void PhpResponseStream::on_flush() noexcept {
    std::unique_lock lock(mutex_);
    if (!head_.headers_sent || cancelled_) return;
    if (streaming_ && pending_.empty()) return;
    streaming_ = true;
    if (!reader_idle_) return; // the connection is busy and reads again soon
    reader_idle_ = false;
    lock.unlock();
    post_wake();
}

BodyStream::Read PhpResponseStream::read_some(std::span<char> buffer) {
    Read read;
    bool notify = false;
    {
        std::lock_guard lock(mutex_);
        if (cancelled_) {
            read.end = true;
            read.failed = true;
            return read;
        }
        const bool was_full = pending_.size() > kMaxUnsentBytes;
        read.bytes = std::min(buffer.size(), pending_.size());
        std::memcpy(buffer.data(), pending_.data(), read.bytes);
        pending_.erase(0, read.bytes);
        notify = was_full && pending_.size() <= kMaxUnsentBytes;
        read.end = done_ && pending_.empty();
        read.failed = read.end && result_.discard_output;
        if (read.bytes == 0 && !read.end) reader_idle_ = true;
    }
    if (notify) drained_.notify_all();
    return read;
}

asio::awaitable<void> PhpResponseStream::readable() { co_await wait_signal(); }

void PhpResponseStream::cancel() noexcept {
    {
        std::lock_guard lock(mutex_);
        cancelled_ = true;
        pending_.clear();
        pending_.shrink_to_fit();
    }
    aborted_->store(true);
    drained_.notify_all();
}

} // namespace ephpm::server
