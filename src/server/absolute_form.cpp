#include "server/absolute_form.hpp"

#include <boost/beast/core/string.hpp>

#include <string>

namespace ephpm::server {

std::optional<AbsoluteForm> parse_absolute_form(std::string_view target) noexcept {
    std::size_t scheme_end = 0;
    if (target.size() >= 7 && boost::beast::iequals(target.substr(0, 7), "http://")) {
        scheme_end = 7;
    } else if (target.size() >= 8 && boost::beast::iequals(target.substr(0, 8), "https://")) {
        scheme_end = 8;
    } else {
        return std::nullopt;
    }
    const std::string_view rest = target.substr(scheme_end);
    const std::size_t end = rest.find_first_of("/?#");
    AbsoluteForm form;
    form.authority = rest.substr(0, end);
    // userinfo ("user@host") is deprecated and never names the host we serve.
    if (const auto at = form.authority.rfind('@'); at != std::string_view::npos)
        form.authority.remove_prefix(at + 1);
    form.origin_form = end == std::string_view::npos ? std::string_view{} : rest.substr(end);
    return form;
}

bool adopt_absolute_form(Request& request) {
    const std::string_view target = sv(request.target());
    const auto form = parse_absolute_form(target);
    if (!form) return true;
    if (form->authority.empty()) return false;
    std::string origin = form->origin_form.empty() || form->origin_form.front() != '/'
                             ? "/" + std::string(form->origin_form)
                             : std::string(form->origin_form);
    if (const auto hash = origin.find('#'); hash != std::string::npos) origin.erase(hash);
    request.set(http::field::host, form->authority);
    request.target(origin);
    return true;
}

} // namespace ephpm::server
