// libFuzzer target: the inputs of the dashboard's API extensions (issue 14) that are parsed
// outside the JSON API's field tables.
//  * POST /dashboard/session bodies (api/dashboard_session.h ParseSessionLogin): a login
//    it accepts has a username, a password and exactly one of project_name / project_id,
//    each within its size bound; a refusal always says why.
//  * the Accept header of GET /v1/clusters/{ident}/events (AcceptsEventStream): any value.
//  * SSE framing (SseMessage): whatever the event data, the message is one block that ends
//    with a single blank line; no line inside it is blank (a newline in the data cannot end
//    the message early), and every line is a field the client reads.
// Input: the first byte selects the part; the rest is its input.
#include <stdint.h>
#include <stdlib.h>

#include <string>
#include <string_view>

#include "magnum/api/dashboard_session.h"
#include "magnum/api/event_stream.h"
#include "magnum/http/message.h"

namespace {

void Login(std::string_view input) {
  magnum::http::Request r;
  r.method = "POST";
  r.target = r.path = std::string(magnum::api::kDashboardSessionPath);
  r.headers["Content-Type"] = "application/json";
  r.body = std::string(input);
  auto login = magnum::api::ParseSessionLogin(r);
  if (!login) {
    if (login.error().message().empty()) abort();
    return;
  }
  if (login->username.empty() || login->password.empty()) abort();
  if (login->project_name.empty() == login->project_id.empty()) abort();
  if (login->username.size() > 255 || login->password.size() > 4096) abort();
}

void Accept(std::string_view input) {
  magnum::http::Request r;
  r.method = "GET";
  r.target = r.path = "/v1/clusters/x/events";
  r.headers["Accept"] = std::string(input);
  (void)magnum::api::AcceptsEventStream(r);
}

void Sse(std::string_view input) {
  const size_t cut = input.find('\0');
  std::string_view event = cut == std::string_view::npos ? "status" : input.substr(0, cut);
  std::string_view data = cut == std::string_view::npos ? input : input.substr(cut + 1);
  if (event.find_first_of("\r\n") != std::string_view::npos) return;  // names are ours
  const std::string m = magnum::api::SseMessage(event, data, int64_t{7});
  if (m.size() < 2 || m.compare(m.size() - 2, 2, "\n\n") != 0) abort();
  const std::string_view body(m.data(), m.size() - 1);  // every line ends with '\n'
  size_t start = 0;
  while (start < body.size()) {
    const size_t end = body.find('\n', start);
    if (end == std::string_view::npos) abort();
    const std::string_view line = body.substr(start, end - start);
    if (line.empty() || line.find('\r') != std::string_view::npos) abort();
    if (!(line.rfind("id:", 0) == 0 || line.rfind("event:", 0) == 0 ||
          line.rfind("data:", 0) == 0)) {
      abort();
    }
    start = end + 1;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 3) {
    case 0:
      Login(input);
      break;
    case 1:
      Accept(input);
      break;
    default:
      Sse(input);
      break;
  }
  return 0;
}
