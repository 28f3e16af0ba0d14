#include "magnum/rpc/transport_url.h"

#include <cctype>
#include <charconv>

#include "magnum/common/strings.h"
#include "magnum/http/message.h"

namespace magnum::rpc {
namespace {

Error Bad(const std::string& what) {
  return Error::InvalidArgument("invalid transport_url: " + what);
}

// One comma-separated entry of the netloc. `n` is its 1-based position (for messages).
Result<BrokerHost> ParseHost(std::string_view entry, size_t n, bool* has_credentials) {
  const std::string where = "broker " + std::to_string(n);
  BrokerHost h;
  *has_credentials = false;
  std::string_view hostport = entry;
  if (size_t at = entry.rfind('@'); at != std::string_view::npos) {
    std::string_view userinfo = entry.substr(0, at);
    hostport = entry.substr(at + 1);
    std::string_view user = userinfo, pass;
    bool has_pass = false;
    if (size_t colon = userinfo.find(':'); colon != std::string_view::npos) {
      user = userinfo.substr(0, colon);
      pass = userinfo.substr(colon + 1);
      has_pass = true;
    }
    if (!PercentDecode(user, false, &h.username)) {
      return Fail(Bad(where + ": the user name has a malformed %-escape"));
    }
    if (!PercentDecode(pass, false, &h.password)) {
      return Fail(Bad(where + ": the password has a malformed %-escape"));
    }
    if (!has_pass) h.password.clear();
    *has_credentials = true;
  }
  std::string_view port_text;
  bool has_port = false;
  const bool bracketed = !hostport.empty() && hostport.front() == '[';
  if (bracketed) {
    size_t close = hostport.find(']');
    if (close == std::string_view::npos) {
      return Fail(Bad(where + ": an IPv6 address lacks its closing ']'"));
    }
    h.host = std::string(hostport.substr(1, close - 1));
    std::string_view rest = hostport.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return Fail(Bad(where + ": unexpected text after ']'"));
      port_text = rest.substr(1);
      has_port = true;
    }
  } else {
    size_t colon = hostport.rfind(':');
    if (colon != std::string_view::npos) {
      port_text = hostport.substr(colon + 1);
      hostport = hostport.substr(0, colon);
      has_port = true;
    }
    h.host = std::string(hostport);
  }
  if (h.host.empty()) return Fail(Bad(where + ": the host name is empty"));
  for (char c : h.host) {
    // Never echo the host: with a misplaced '/' in a password it may hold part of it.
    if (c == '%' || (c == ':' && !bracketed) || c == ' ' || c == '[' || c == ']' || c == '@' ||
        c == '?' || c == '#' || c == '/') {
      return Fail(Bad(where + ": the host name has a character that is not allowed there "
                              "(write '/', '@', ':' of a password as %2F, %40, %3A)"));
    }
  }
  if (has_port) {
    int port = 0;
    auto [p, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (port_text.empty() || ec != std::errc() || p != port_text.data() + port_text.size() ||
        port < 1 || port > 65535) {
      return Fail(Bad(where + ": the port is not a number between 1 and 65535"));
    }
    h.port = static_cast<uint16_t>(port);
  }
  return h;
}

}  // namespace

bool IsRabbitTransportUrl(std::string_view url) { return url.rfind("rabbit://", 0) == 0; }

Result<TransportUrl> ParseTransportUrl(std::string_view url) {
  TransportUrl out;
  size_t sep = url.find("://");
  if (sep == std::string_view::npos) {
    return Fail(
        Bad("expected <driver>://<hosts>/<vhost>, e.g. "
            "rabbit://user:password@host:5672/"));
  }
  out.scheme = std::string(url.substr(0, sep));
  if (out.scheme != "rabbit") {
    // Only known driver names are echoed (anything else may be a mistyped credential).
    std::string shown = "of this URL";
    for (const char* known : {"amqp", "kafka", "kombu", "fake", "zmq", "qpid", "inproc"}) {
      if (out.scheme == known) shown = "'" + out.scheme + "'";
    }
    return Fail(Bad("the driver " + shown + " is not supported (only rabbit://: RabbitMQ over AMQP 0-9-1)"));
  }
  std::string_view rest = url.substr(sep + 3);
  std::string_view query;
  if (size_t q = rest.find('?'); q != std::string_view::npos) {
    query = rest.substr(q + 1);
    rest = rest.substr(0, q);
  }
  std::string_view netloc = rest, path;
  bool has_path = false;
  // The netloc ends at the first '/' after the last '@' (a '/' in a password must be %2F;
  // otherwise the path would start inside the credentials).
  size_t at = rest.rfind('@');
  size_t slash = rest.find('/', at == std::string_view::npos ? 0 : at);
  if (slash != std::string_view::npos) {
    netloc = rest.substr(0, slash);
    path = rest.substr(slash + 1);
    has_path = true;
  }
  if (netloc.empty()) return Fail(Bad("no broker host (rabbit://host:5672/)"));
  size_t n = 0;
  bool have_default = false;
  BrokerHost defaults;
  std::vector<bool> explicit_creds;
  size_t start = 0;
  while (start <= netloc.size()) {
    size_t comma = netloc.find(',', start);
    if (comma == std::string_view::npos) comma = netloc.size();
    std::string_view entry = netloc.substr(start, comma - start);
    ++n;
    if (entry.empty()) return Fail(Bad("broker " + std::to_string(n) + " is empty (stray ',')"));
    bool creds = false;
    MAGNUM_ASSIGN_OR_RETURN(BrokerHost h, ParseHost(entry, n, &creds));
    if (creds && !have_default) {
      defaults = h;
      have_default = true;
    }
    explicit_creds.push_back(creds);
    out.hosts.push_back(std::move(h));
    start = comma + 1;
  }
  for (size_t i = 0; i < out.hosts.size(); ++i) {
    if (!explicit_creds[i] && have_default) {
      out.hosts[i].username = defaults.username;
      out.hosts[i].password = defaults.password;
    }
  }
  if (has_path && !path.empty()) {
    if (!PercentDecode(path, false, &out.virtual_host)) {
      return Fail(Bad("the virtual host has a malformed %-escape"));
    }
  }
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view kv = query.substr(0, amp);
    size_t eq = kv.find('=');
    std::string k, v;
    if (!PercentDecode(kv.substr(0, eq), false, &k) ||
        (eq != std::string_view::npos && !PercentDecode(kv.substr(eq + 1), false, &v))) {
      return Fail(Bad("a query option has a malformed %-escape"));
    }
    if (!k.empty()) out.query[k] = v;
    if (amp == std::string_view::npos) break;
    query = query.substr(amp + 1);
  }
  return out;
}

std::string TransportUrl::Redacted() const {
  std::string s = scheme + "://";
  for (size_t i = 0; i < hosts.size(); ++i) {
    if (i) s += ',';
    s += http::UrlEncode(hosts[i].username) + ":***@";
    s += hosts[i].host.find(':') != std::string::npos ? "[" + hosts[i].host + "]" : hosts[i].host;
    s += ":" + std::to_string(hosts[i].port);
  }
  s += "/" + (virtual_host == "/" ? std::string() : http::UrlEncode(virtual_host));
  return s;
}

}  // namespace magnum::rpc
