// DockerTransport over libcurl: unix sockets, plain TCP and TCP with TLS client auth.
#include <curl/curl.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <mutex>

#include "magnum/drivers/docker/docker_client.h"

namespace magnum::drivers::docker {
namespace {

constexpr std::string_view kApiPrefix = "/v1.41";

struct CurlDeleter {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};
using CurlPtr = std::unique_ptr<CURL, CurlDeleter>;
struct SlistDeleter {
  void operator()(curl_slist* s) const { curl_slist_free_all(s); }
};
using SlistPtr = std::unique_ptr<curl_slist, SlistDeleter>;

void GlobalInitOnce() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

// Where a reply's body goes: at most `max` bytes, then the transfer stops (truncated).
struct BodySink {
  std::string* body;
  size_t max;
  bool truncated = false;
};

size_t AppendBody(char* data, size_t size, size_t n, void* user) {
  auto* sink = static_cast<BodySink*>(user);
  const size_t len = size * n;
  const size_t room = sink->max - std::min(sink->max, sink->body->size());
  if (len > room) {
    sink->body->append(data, room);
    sink->truncated = true;
    return 0;  // ends the transfer with CURLE_WRITE_ERROR
  }
  sink->body->append(data, len);
  return len;
}

int AbortCheck(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  const auto* abort = static_cast<const std::function<bool()>*>(user);
  return (*abort)() ? 1 : 0;
}

class CurlTransport final : public DockerTransport {
 public:
  CurlTransport(DockerEndpoint ep, std::function<bool()> abort)
      : ep_(std::move(ep)), abort_(std::move(abort)) {
    GlobalInitOnce();
    const std::string& u = ep_.url;
    if (u.rfind("unix://", 0) == 0) {
      socket_path_ = u.substr(7);
      base_ = "http://localhost";
    } else if (u.rfind("tcp://", 0) == 0) {
      base_ = std::string(ep_.Tls() ? "https://" : "http://") + u.substr(6);
    } else {
      base_ = u;  // http:// or https://
    }
    while (!base_.empty() && base_.back() == '/') base_.pop_back();
  }

  const std::string& url() const override { return ep_.url; }

  Result<HttpReply> Send(std::string_view method, const std::string& path, const std::string& body,
                         std::string_view content_type,
                         std::chrono::milliseconds timeout) override {
    return Perform(method, path, body, content_type, timeout, SIZE_MAX, false);
  }

  Result<HttpReply> SendBounded(std::string_view method, const std::string& path,
                                const std::string& body, std::string_view content_type,
                                std::chrono::milliseconds timeout, size_t max_body) override {
    return Perform(method, path, body, content_type, timeout, max_body, true);
  }

 private:
  Result<HttpReply> Perform(std::string_view method, const std::string& path,
                            const std::string& body, std::string_view content_type,
                            std::chrono::milliseconds timeout, size_t max_body, bool bounded) {
    CurlPtr h(curl_easy_init());
    if (!h) return Fail(Error::Internal("curl_easy_init failed"));
    CURL* c = h.get();
    std::string url = base_ + std::string(kApiPrefix) + path;
    HttpReply reply;
    BodySink sink{&reply.body, max_body};
    char errbuf[CURL_ERROR_SIZE] = {0};
    curl_easy_setopt(c, CURLOPT_URL, url.c_str());
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout.count()));
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS,
                     static_cast<long>(std::min<int64_t>(timeout.count(), 5000)));
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, &AppendBody);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &sink);
    if (!socket_path_.empty()) curl_easy_setopt(c, CURLOPT_UNIX_SOCKET_PATH, socket_path_.c_str());
    std::string m(method);
    if (m == "GET") {
      curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
    } else {
      curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, m.c_str());
      if (m != "DELETE" || !body.empty()) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body.data());
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
      }
    }
    SlistPtr headers;
    auto add_header = [&headers](const std::string& hdr) {
      curl_slist* n = curl_slist_append(headers.get(), hdr.c_str());
      if (n != nullptr) {
        headers.release();
        headers.reset(n);
      }
    };
    add_header("Expect:");
    if (!content_type.empty() && m != "GET")
      add_header("Content-Type: " + std::string(content_type));
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
    if (ep_.Tls()) {
      curl_blob ca{const_cast<char*>(ep_.ca_pem.data()), ep_.ca_pem.size(), CURL_BLOB_COPY};
      curl_blob cert{const_cast<char*>(ep_.cert_pem.data()), ep_.cert_pem.size(), CURL_BLOB_COPY};
      curl_blob key{const_cast<char*>(ep_.key_pem.data()), ep_.key_pem.size(), CURL_BLOB_COPY};
      curl_easy_setopt(c, CURLOPT_CAINFO_BLOB, &ca);
      curl_easy_setopt(c, CURLOPT_SSLCERT_BLOB, &cert);
      curl_easy_setopt(c, CURLOPT_SSLCERTTYPE, "PEM");
      curl_easy_setopt(c, CURLOPT_SSLKEY_BLOB, &key);
      curl_easy_setopt(c, CURLOPT_SSLKEYTYPE, "PEM");
      curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
      curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
    }
    if (abort_) {
      curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
      curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, &AbortCheck);
      curl_easy_setopt(c, CURLOPT_XFERINFODATA, &abort_);
    }
    CURLcode rc = curl_easy_perform(c);
    if (bounded) {
      long status = 0;
      curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
      if (rc == CURLE_WRITE_ERROR && sink.truncated) {
        reply.truncated = true;
        rc = CURLE_OK;
      } else if (rc == CURLE_OPERATION_TIMEDOUT && status != 0) {
        reply.timed_out = true;  // the reply began; its body is what arrived in time
        rc = CURLE_OK;
      }
    }
    if (rc == CURLE_ABORTED_BY_CALLBACK) {
      return Fail(Error::Unavailable("request to Docker Engine at " + ep_.url +
                                     " aborted: operation cancelled"));
    }
    if (rc != CURLE_OK) {
      std::string why = errbuf[0] != '\0' ? errbuf : curl_easy_strerror(rc);
      switch (rc) {
        case CURLE_SSL_CERTPROBLEM:
        case CURLE_SSL_CACERT_BADFILE:
        case CURLE_PEER_FAILED_VERIFICATION:
        case CURLE_SSL_ENGINE_NOTFOUND:
        case CURLE_SSL_CIPHER:
          // Our own TLS material or the engine's certificate is wrong: retrying won't help
          // (EngineFailure::kTls).
          return Fail(Error::FailedPrecondition("TLS with Docker Engine at " + ep_.url +
                                                " failed: " + why));
        default:
          return Fail(
              Error::Unavailable("Docker Engine at " + ep_.url + " is not reachable: " + why));
      }
    }
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &reply.status);
    char* ct = nullptr;
    curl_easy_getinfo(c, CURLINFO_CONTENT_TYPE, &ct);
    if (ct != nullptr) reply.content_type = ct;
    return reply;
  }

  const DockerEndpoint ep_;
  const std::function<bool()> abort_;
  std::string socket_path_;
  std::string base_;
};

}  // namespace

std::unique_ptr<DockerTransport> NewCurlTransport(DockerEndpoint endpoint,
                                                  std::function<bool()> abort) {
  return std::make_unique<CurlTransport>(std::move(endpoint), std::move(abort));
}

}  // namespace magnum::drivers::docker
