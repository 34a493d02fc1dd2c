#include "server/responses.hpp"

#include <string>

namespace ephpm::server {
namespace {

std::string status_text(unsigned status) {
    std::string text = std::to_string(status);
    text.push_back(' ');
    text.append(http::obsolete_reason(static_cast<http::status>(status)));
    text.push_back('\n');
    return text;
}

} // namespace

bool status_forbids_body(unsigned status) noexcept {
    return status < 200 || status == 204 || status == 304;
}

Response text_response(unsigned status, std::string text) {
    Response response;
    response.status = status;
    response.fields.set(http::field::content_type, "text/plain; charset=utf-8");
    response.content_length = text.size();
    response.body = std::move(text);
    return response;
}

Response finish(Response&& response, const ReplyOptions& options) {
    response.head = options.head;
    response.close = response.close || !options.keep_alive;
    return std::move(response);
}

Response error_response(unsigned status, const ReplyOptions& options) {
    return finish(text_response(status, status_text(status)), options);
}

Response redirect_response(unsigned status, std::string_view location,
                           const ReplyOptions& options) {
    Response response = text_response(status, status_text(status));
    response.fields.set(http::field::location, location);
    return finish(std::move(response), options);
}

} // namespace ephpm::server
