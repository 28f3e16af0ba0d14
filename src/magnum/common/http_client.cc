// HttpClient over libcurl's easy interface. Idle easy handles are pooled so that their
// connection caches (keep-alive to Keystone and the other services) survive between
// requests; curl_easy_reset keeps a handle's live connections.
#include "magnum/common/http_client.h"

#include <curl/curl.h>

#include <algorithm>
#include <mutex>
#include <string_view>

#include "magnum/common/strings.h"

namespace magnum {
namespace {

constexpr size_t kMaxIdleHandles = 8;
constexpr size_t kMaxReplyBytes = 16 << 20;  // a token with a large catalog is ~10-100 KB

void GlobalInitOnce() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

struct Collect {
  HttpClientReply* reply;
  bool too_large = false;
};

size_t OnBody(char* data, size_t size, size_t n, void* user) {
  auto* c = static_cast<Collect*>(user);
  if (c->reply->body.size() + size * n > kMaxReplyBytes) {
    c->too_large = true;
    return 0;  // aborts the transfer
  }
  c->reply->body.append(data, size * n);
  return size * n;
}

size_t OnHeader(char* data, size_t size, size_t n, void* user) {
  auto* c = static_cast<Collect*>(user);
  std::string_view line(data, size * n);
  while (!line.empty() && (line.back() == '\r' || line.back() == '\n')) line.remove_suffix(1);
  // A new status line (after 100 Continue or a redirect): only the last response counts.
  if (line.rfind("HTTP/", 0) == 0) {
    c->reply->headers.clear();
    return size * n;
  }
  auto colon = line.find(':');
  if (colon != std::string_view::npos) {
    std::string name(TrimBlanks(line.substr(0, colon)));
    std::string value(TrimBlanks(line.substr(colon + 1)));
    if (!name.empty()) c->reply->headers[name] = value;
  }
  return size * n;
}

struct SlistDeleter {
  void operator()(curl_slist* s) const { curl_slist_free_all(s); }
};

class CurlHttpClient final : public HttpClient {
 public:
  explicit CurlHttpClient(HttpTlsOptions tls) : tls_(std::move(tls)) { GlobalInitOnce(); }

  ~CurlHttpClient() override {
    for (CURL* h : idle_) curl_easy_cleanup(h);
  }

  Result<HttpClientReply> Send(const HttpClientRequest& req) override {
    CURL* c = Acquire();
    if (c == nullptr) return Fail(Error::Internal("curl_easy_init failed"));
    auto result = Perform(c, req);
    Release(c);
    return result;
  }

 private:
  CURL* Acquire() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (!idle_.empty()) {
        CURL* h = idle_.back();
        idle_.pop_back();
        curl_easy_reset(h);
        return h;
      }
    }
    return curl_easy_init();
  }

  void Release(CURL* h) {
    std::lock_guard<std::mutex> lock(mu_);
    if (idle_.size() < kMaxIdleHandles) {
      idle_.push_back(h);
    } else {
      curl_easy_cleanup(h);
    }
  }

  Result<HttpClientReply> Perform(CURL* c, const HttpClientRequest& req) {
    HttpClientReply reply;
    Collect collect{&reply};
    char errbuf[CURL_ERROR_SIZE] = {0};
    curl_easy_setopt(c, CURLOPT_URL, req.url.c_str());
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(req.timeout.count()));
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS,
                     static_cast<long>(std::min(req.connect_timeout, req.timeout).count()));
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, &OnBody);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &collect);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, &OnHeader);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &collect);
    const std::string& m = req.method;
    if (m == "GET") {
      curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
    } else if (m == "HEAD") {
      curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
    } else {
      curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, m.c_str());
      if (!req.body.empty() || m == "POST" || m == "PUT" || m == "PATCH") {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, req.body.data());
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE,
                         static_cast<curl_off_t>(req.body.size()));
      }
    }
    std::unique_ptr<curl_slist, SlistDeleter> headers;
    auto add = [&headers](const std::string& h) {
      if (curl_slist* n = curl_slist_append(headers.get(), h.c_str())) {
        (void)headers.release();
        headers.reset(n);
      }
    };
    add("Expect:");
    for (const auto& [name, value] : req.headers) add(name + ": " + value);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
    if (tls_.insecure) {
      curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
      curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
    } else if (!tls_.ca_file.empty()) {
      curl_easy_setopt(c, CURLOPT_CAINFO, tls_.ca_file.c_str());
    }
    CURLcode rc = curl_easy_perform(c);
    if (collect.too_large) {
      return Fail(Error::Unavailable(req.method + " " + req.url + ": reply larger than " +
                                     std::to_string(kMaxReplyBytes) + " bytes"));
    }
    if (rc != CURLE_OK) {
      std::string why = errbuf[0] != '\0' ? errbuf : curl_easy_strerror(rc);
      return Fail(Error::Unavailable(req.method + " " + req.url + " failed: " + why));
    }
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &reply.status);
    return reply;
  }

  const HttpTlsOptions tls_;
  std::mutex mu_;
  std::vector<CURL*> idle_;
};

}  // namespace

std::unique_ptr<HttpClient> NewCurlHttpClient(HttpTlsOptions tls) {
  return std::make_unique<CurlHttpClient>(std::move(tls));
}

}  // namespace magnum
