#include "server/responses.hpp"

#include <boost/beast/http/empty_body.hpp>

#include <string>

#include "server/http_date.hpp"

namespace ephpm::server {
namespace {

bool status_forbids_body(unsigned status) { return status < 200 || status == 204 || status == 304; }

http::response<http::string_body> text_response(unsigned status, const ReplyOptions& options,
                                                std::string text) {
    http::response<http::string_body> response{static_cast<http::status>(status), options.version};
    response.set(http::field::content_type, "text/plain; charset=utf-8");
    response.body() = std::move(text);
    return response;
}

std::string status_text(unsigned status) {
    std::string text = std::to_string(status);
    text.push_back(' ');
    text.append(http::obsolete_reason(static_cast<http::status>(status)));
    text.push_back('\n');
    return text;
}

} // namespace

http::message_generator finish(http::response<http::string_body>&& response,
                               const ReplyOptions& options) {
    response.version(options.version);
    response.set(http::field::date, http_date_now());
    response.keep_alive(options.keep_alive);
    if (status_forbids_body(response.result_int())) {
        response.body().clear();
        response.erase(http::field::content_length);
    } else {
        response.content_length(response.body().size());
    }
    if (options.head) {
        // The header keeps the Content-Length a GET would have had.
        http::response<http::empty_body> head{std::move(response.base())};
        return http::message_generator(std::move(head));
    }
    return std::move(response);
}

http::message_generator error_response(unsigned status, const ReplyOptions& options) {
    return finish(text_response(status, options, status_text(status)), options);
}

http::message_generator redirect_response(unsigned status, std::string_view location,
                                          const ReplyOptions& options) {
    auto response = text_response(status, options, status_text(status));
    response.set(http::field::location, location);
    return finish(std::move(response), options);
}

} // namespace ephpm::server
