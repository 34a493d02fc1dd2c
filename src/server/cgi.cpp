#include "server/cgi.hpp"

#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "ephpm/version.hpp"
#include "server/uri.hpp"

namespace ephpm::server {
namespace {

// "X-Forwarded-For" -> "HTTP_X_FORWARDED_FOR"; empty when the header must
// not reach PHP.
std::string cgi_header_name(std::string_view name) {
    if (name.find('_') != std::string_view::npos) return {};
    std::string cgi = "HTTP_";
    cgi.reserve(5 + name.size());
    for (char c : name) {
        if (c == '-') {
            cgi.push_back('_');
        } else if (c >= 'a' && c <= 'z') {
            cgi.push_back(static_cast<char>(c - 'a' + 'A'));
        } else {
            cgi.push_back(c);
        }
    }
    if (cgi == "HTTP_PROXY" || cgi == "HTTP_CONTENT_TYPE" || cgi == "HTTP_CONTENT_LENGTH") {
        return {};
    }
    return cgi;
}

bool valid_host_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '-' || c == '[' || c == ']' || c == ':';
}

// The Host header without its port; empty when absent or odd-looking (then
// SERVER_NAME falls back to the local address).
std::string server_name_from_host(std::string_view host) {
    for (char c : host) {
        if (!valid_host_char(c)) return {};
    }
    if (host.starts_with('[')) {
        std::size_t close = host.find(']');
        return close == std::string_view::npos ? std::string{}
                                               : std::string(host.substr(0, close + 1));
    }
    return std::string(host.substr(0, host.find(':')));
}

// The variables make_script_job adds after the headers (at most).
constexpr std::size_t kFixedVarCount = 20;

// Finds the HTTP_* variable already made for a header name. A request has a
// handful of headers, which a scan of the list finds faster than a hash map
// costs to build; a request with very many gets the map.
class HeaderIndex {
public:
    explicit HeaderIndex(std::size_t header_count) : hashed_(header_count > kScanLimit) {}

    const std::size_t* find(const std::vector<std::pair<std::string, std::string>>& vars,
                            std::string_view name) {
        if (hashed_) {
            auto it = map_.find(std::string(name));
            return it == map_.end() ? nullptr : &it->second;
        }
        for (found_ = 0; found_ < vars.size(); ++found_) {
            if (vars[found_].first == name) return &found_;
        }
        return nullptr;
    }
    void add(const std::string& name, std::size_t at) {
        if (hashed_) map_.emplace(name, at);
    }

private:
    static constexpr std::size_t kScanLimit = 32;
    bool hashed_;
    std::size_t found_ = 0;
    std::unordered_map<std::string, std::size_t> map_;
};

} // namespace

php::ScriptJob make_script_job(const Request& request, const Route& route,
                               const ConnectionInfo& connection, const std::string& document_root) {
    php::ScriptJob job;
    job.method = std::string(request.method_string());
    std::string_view target = request.target();
    if (!target.starts_with('/')) {
        // Absolute-form ("http://host/a?b"): REQUEST_URI is the origin-form part.
        std::size_t scheme_end = target.find("://");
        std::size_t path = scheme_end == std::string_view::npos ? std::string_view::npos
                                                                : target.find('/', scheme_end + 3);
        target = path == std::string_view::npos ? std::string_view("/") : target.substr(path);
    }
    job.request_uri = std::string(target);
    // After an internal rewrite ("/index.php?$query_string") PHP sees the
    // rewritten query, but REQUEST_URI stays what the client asked for.
    job.query_string =
        route.rewritten_query ? *route.rewritten_query : std::string(split_target(target).query);
    job.script_filename = route.file;

    auto& vars = job.server_vars;
    // One allocation for the list: the headers plus the fixed variables below.
    std::size_t header_count = 0;
    for (auto it = request.begin(); it != request.end(); ++it) ++header_count;
    vars.reserve(header_count + kFixedVarCount);
    // HTTP_* first, in the order the client sent them, repeats joined.
    HeaderIndex seen(header_count);
    for (const auto& field : request) {
        std::string name = cgi_header_name(field.name_string());
        if (name.empty()) continue;
        if (const std::size_t* at = seen.find(vars, name)) {
            const bool cookie = field.name() == http::field::cookie;
            vars[*at].second.append(cookie ? "; " : ", ").append(field.value());
        } else {
            seen.add(name, vars.size());
            vars.emplace_back(std::move(name), std::string(field.value()));
        }
    }
    if (const std::size_t* at = seen.find(vars, "HTTP_COOKIE")) job.cookie = vars[*at].second;
    if (const std::size_t* at = seen.find(vars, "HTTP_AUTHORIZATION")) {
        job.authorization = vars[*at].second;
    }

    const bool has_body =
        request.has_content_length() || request.chunked() || !request.body().empty();
    if (auto type = request.find(http::field::content_type); type != request.end()) {
        job.content_type = std::string(type->value());
        vars.emplace_back("CONTENT_TYPE", job.content_type);
    }
    if (has_body) {
        job.content_length = static_cast<std::int64_t>(request.body().size());
        vars.emplace_back("CONTENT_LENGTH", std::to_string(job.content_length));
    }

    std::string server_name;
    if (auto host = request.find(http::field::host); host != request.end()) {
        server_name = server_name_from_host(host->value());
    }
    if (server_name.empty()) server_name = connection.local_address;

    vars.emplace_back("GATEWAY_INTERFACE", "CGI/1.1");
    vars.emplace_back("SERVER_SOFTWARE", std::string("ePHPm/") + kVersion);
    vars.emplace_back("SERVER_PROTOCOL", request.version() == 20   ? "HTTP/2.0"
                                         : request.version() == 10 ? "HTTP/1.0"
                                                                   : "HTTP/1.1");
    vars.emplace_back("SERVER_NAME", std::move(server_name));
    vars.emplace_back("SERVER_ADDR", connection.local_address);
    vars.emplace_back("SERVER_PORT", std::to_string(connection.local_port));
    vars.emplace_back("REMOTE_ADDR", connection.remote_address);
    vars.emplace_back("REMOTE_PORT", std::to_string(connection.remote_port));
    vars.emplace_back("REQUEST_SCHEME", "http");
    vars.emplace_back("REQUEST_METHOD", job.method);
    vars.emplace_back("REQUEST_URI", job.request_uri);
    vars.emplace_back("QUERY_STRING", job.query_string);
    vars.emplace_back("DOCUMENT_ROOT", document_root);
    vars.emplace_back("SCRIPT_FILENAME", job.script_filename);
    vars.emplace_back("SCRIPT_NAME", route.script_name);
    if (!route.path_info.empty()) vars.emplace_back("PATH_INFO", route.path_info);
    vars.emplace_back("PHP_SELF", route.script_name + route.path_info);
    return job;
}

} // namespace ephpm::server
