#include "server/php_exchange.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/execution/outstanding_work.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/prefer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <cstring>

#include "server/limits.hpp"

namespace ephpm::server {

void BufferedResponse::on_headers(int code, std::span<const php::HeaderView> list) noexcept {
    status = code;
    try {
        headers.reserve(list.size());
        for (const auto& h : list) headers.emplace_back(h.name, h.value);
    } catch (...) {
        truncated = true; // out of memory: the script still finishes
    }
}

bool BufferedResponse::on_body(std::string_view bytes) noexcept {
    if (truncated) return false;
    if (body.size() + bytes.size() > kMaxBufferedResponseBytes) {
        truncated = true;
        return false;
    }
    try {
        body.append(bytes);
    } catch (...) {
        truncated = true;
        return false;
    }
    return true;
}

std::size_t StringBodySource::read(std::span<char> buffer) noexcept {
    const std::size_t n = std::min(buffer.size(), body_.size() - offset_);
    std::memcpy(buffer.data(), body_.data() + offset_, n);
    offset_ += n;
    return n;
}

namespace {

// The asynchronous operation behind run_on_pool: completes with
// (submitted, result) on the caller's executor.
// `keep_alive` is held until PHP has finished with the job.
template <class Token>
auto async_submit(php::Pool& pool, php::ScriptJob job, std::shared_ptr<void> keep_alive,
                  Token&& token) {
    return boost::asio::async_initiate<Token, void(bool, php::ScriptResult)>(
        [&pool, keep_alive = std::move(keep_alive)](auto handler, php::ScriptJob script) {
            using Handler = decltype(handler);
            auto executor = boost::asio::get_associated_executor(handler);
            struct State {
                Handler handler;
                // Counts as outstanding work, so io_context::run() cannot
                // return while PHP still runs the request.
                boost::asio::any_io_executor work;
            };
            auto state = std::make_shared<State>(State{
                std::move(handler),
                boost::asio::prefer(executor, boost::asio::execution::outstanding_work.tracked)});
            // Runs on the PHP thread: only hands the result over.
            auto done = [state, keep_alive](php::ScriptResult result) noexcept {
                try {
                    auto work = state->work;
                    boost::asio::post(work, [state, result]() mutable {
                        state->work = {};
                        std::move(state->handler)(true, result);
                    });
                } catch (const std::exception& e) {
                    spdlog::critical("cannot hand a PHP result back: {}", e.what());
                }
            };
            if (!pool.try_submit(std::move(script), done)) {
                auto work = state->work;
                boost::asio::post(work, [state]() mutable {
                    state->work = {};
                    std::move(state->handler)(false, php::ScriptResult{});
                });
            }
        },
        token, std::move(job));
}

} // namespace

boost::asio::awaitable<PhpOutcome> run_on_pool(php::Pool& pool, php::ScriptJob job,
                                               std::shared_ptr<PhpExchange> exchange) {
    job.sink = &exchange->response;
    job.body = &exchange->body;
    // The completion keeps `exchange` alive until PHP is done with it, even
    // if this coroutine were destroyed first.
    auto [submitted, result] =
        co_await async_submit(pool, std::move(job), exchange, boost::asio::use_awaitable);
    PhpOutcome outcome;
    outcome.submitted = submitted;
    outcome.result = result;
    co_return outcome;
}

} // namespace ephpm::server
