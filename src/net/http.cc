#include "net/http.h"

#include <strings.h>

#include <algorithm>
#include <nlohmann/json.hpp>

namespace cairn::net {

std::optional<std::string_view> FindHeader(const HttpHeaders& headers, std::string_view name) {
  for (const auto& [k, v] : headers) {
    if (k.size() == name.size() && ::strncasecmp(k.data(), name.data(), k.size()) == 0) {
      return std::string_view(v);
    }
  }
  return std::nullopt;
}

void HttpResponse::SetHeader(std::string name, std::string value) {
  for (auto& [k, v] : headers) {
    if (k.size() == name.size() && ::strncasecmp(k.data(), name.data(), k.size()) == 0) {
      v = std::move(value);
      return;
    }
  }
  headers.emplace_back(std::move(name), std::move(value));
}

void HttpResponse::Set(int code, std::string content_type, std::string text) {
  status = code;
  SetHeader("Content-Type", std::move(content_type));
  body = std::move(text);
}

void HttpRouter::Handle(std::string method, std::string path, HttpHandler handler) {
  routes_.push_back(Route{std::move(method), std::move(path), std::move(handler)});
}

void HttpRouter::HandlePrefix(std::string prefix, HttpHandler handler) {
  prefixes_.push_back(Route{"", std::move(prefix), std::move(handler)});
  std::stable_sort(prefixes_.begin(), prefixes_.end(),
                   [](const Route& a, const Route& b) { return a.path.size() > b.path.size(); });
}

void HttpRouter::Dispatch(const HttpRequest& request, HttpResponse* response) const {
  std::string allow;
  for (const Route& route : routes_) {
    if (route.path != request.path) continue;
    if (route.method == request.method || (request.method == "HEAD" && route.method == "GET")) {
      route.handler(request, response);  // for HEAD the server drops the body
      return;
    }
    allow += (allow.empty() ? "" : ", ") + route.method;
  }
  if (allow.empty()) {
    for (const Route& route : prefixes_) {
      const std::string_view path = request.path;
      if (path.substr(0, route.path.size()) == route.path &&
          (path.size() == route.path.size() || path[route.path.size()] == '/')) {
        route.handler(request, response);
        return;
      }
    }
    response->Set(404, "text/plain; charset=utf-8", "not found\n");
  } else {
    response->Set(405, "text/plain; charset=utf-8", "method not allowed\n");
    response->SetHeader("Allow", allow);
  }
}

int HttpStatusForStatus(StatusCode code) {
  switch (code) {
    case StatusCode::kOk:
      return 200;
    case StatusCode::kInvalidArgument:
    case StatusCode::kOutOfRange:
      return 400;
    case StatusCode::kUnauthenticated:
      return 401;
    case StatusCode::kPermissionDenied:
      return 403;
    case StatusCode::kNotFound:
      return 404;
    case StatusCode::kAlreadyExists:
    case StatusCode::kFailedPrecondition:
    case StatusCode::kAborted:
      return 409;
    case StatusCode::kUnimplemented:
      return 501;
    case StatusCode::kUnavailable:
      return 503;
    case StatusCode::kDeadlineExceeded:
      return 504;
    case StatusCode::kResourceExhausted:
      return 507;
    default:  // kDataLoss, kIoError, kInternal, kUnknown, kCancelled
      return 500;
  }
}

void SetJsonError(const Status& status, HttpResponse* response) {
  nlohmann::json j = {{"error",
                       {{"code", std::string(StatusCodeName(status.code()))},
                        {"message", std::string(status.message())}}}};
  response->Set(HttpStatusForStatus(status.code()), "application/json", j.dump() + "\n");
}

}  // namespace cairn::net
