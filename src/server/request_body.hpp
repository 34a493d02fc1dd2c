#pragma once
// A request body as the sessions receive it and PHP reads it. The body is
// read whole before PHP starts (a stalled upload must hold a connection,
// never a PHP thread); up to kSpoolThreshold it stays in memory, beyond that
// it moves to an unlinked temporary file, so a large max_body_size does not
// cost memory per connection.

#include <boost/beast/core/error.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/optional/optional.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "ephpm/php/script.hpp"

namespace ephpm::server {

inline constexpr std::size_t kSpoolThreshold = 1024 * 1024;

class RequestBody {
public:
    RequestBody() = default;
    RequestBody(std::string text) : memory_(std::move(text)), size_(memory_.size()) {} // NOLINT
    RequestBody& operator=(std::string text);
    RequestBody(RequestBody&& other) noexcept;
    RequestBody& operator=(RequestBody&& other) noexcept;
    RequestBody(const RequestBody&) = delete;
    RequestBody& operator=(const RequestBody&) = delete;
    ~RequestBody();

    // Adds bytes, moving to a temporary file past kSpoolThreshold. False
    // when the temporary file cannot be created or written (the body is
    // then incomplete and the request must be refused).
    bool append(std::string_view bytes);
    // Room for `size` bytes when they would stay in memory; no-op otherwise.
    void reserve(std::uint64_t size);

    [[nodiscard]] std::uint64_t size() const noexcept { return size_; }
    [[nodiscard]] bool empty() const noexcept { return size_ == 0; }
    [[nodiscard]] bool spooled() const noexcept { return fd_ >= 0; }
    [[nodiscard]] bool failed() const noexcept { return failed_; }

    // What PHP reads (php://input, $_POST); takes the body over.
    std::unique_ptr<php::BodySource> into_source() &&;

private:
    bool spool();
    std::string memory_;
    int fd_ = -1;
    std::uint64_t size_ = 0;
    bool failed_ = false;
};

// The Beast body type whose reader appends into a RequestBody.
struct SpooledBody {
    using value_type = RequestBody;

    class reader {
    public:
        template <bool isRequest, class Fields>
        reader(boost::beast::http::header<isRequest, Fields>& /*header*/, value_type& body)
            : body_(body) {}
        void init(const boost::optional<std::uint64_t>& length, boost::beast::error_code& ec) {
            // A declared length that stays in memory is allocated once.
            if (length) body_.reserve(*length);
            ec = {};
        }
        template <class ConstBufferSequence>
        std::size_t put(const ConstBufferSequence& buffers, boost::beast::error_code& ec) {
            std::size_t total = 0;
            for (auto it = boost::asio::buffer_sequence_begin(buffers);
                 it != boost::asio::buffer_sequence_end(buffers); ++it) {
                const boost::asio::const_buffer buffer = *it;
                if (!body_.append({static_cast<const char*>(buffer.data()), buffer.size()})) {
                    ec =
                        boost::beast::errc::make_error_code(boost::beast::errc::no_space_on_device);
                    return total;
                }
                total += buffer.size();
            }
            ec = {};
            return total;
        }
        void finish(boost::beast::error_code& ec) { ec = {}; }

    private:
        value_type& body_;
    };
};

} // namespace ephpm::server
