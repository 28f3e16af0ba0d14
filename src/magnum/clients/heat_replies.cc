#include "magnum/clients/heat_replies.h"

#include <nlohmann/json.hpp>

#include "magnum/common/strings.h"

namespace magnum::clients {
namespace {

using Json = nlohmann::json;

Error Bad(std::string_view what, const std::string& problem) {
  return Error::InvalidArgument("Heat " + std::string(what) + " reply: " + problem);
}

// The object under `key` of a JSON object document.
Result<Json> Envelope(std::string_view body, const char* key, std::string_view what) {
  Json doc = Json::parse(body.begin(), body.end(), nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object()) return Fail(Bad(what, "not a JSON object"));
  auto it = doc.find(key);
  if (it == doc.end()) return Fail(Bad(what, std::string("no \"") + key + "\" member"));
  return std::move(*it);
}

// A string member: "" when absent or null, kInvalidArgument when of another type.
Result<std::string> Str(const Json& obj, const char* key, std::string_view what) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return std::string();
  if (!it->is_string()) return Fail(Bad(what, std::string("\"") + key + "\" is not a string"));
  return it->get<std::string>();
}

// A string member that must be there and not be empty.
Result<std::string> RequiredStr(const Json& obj, const char* key, std::string_view what) {
  MAGNUM_ASSIGN_OR_RETURN(std::string s, Str(obj, key, what));
  if (s.empty()) return Fail(Bad(what, std::string("no \"") + key + "\""));
  return s;
}

// The href of the entry of a "links" array with relation `rel` ("" = none).
Result<std::string> LinkHref(const Json& obj, std::string_view rel, std::string_view what) {
  auto it = obj.find("links");
  if (it == obj.end() || it->is_null()) return std::string();
  if (!it->is_array()) return Fail(Bad(what, "\"links\" is not an array"));
  for (const auto& link : *it) {
    if (!link.is_object()) continue;
    auto r = link.find("rel");
    if (r == link.end() || !r->is_string() || r->get_ref<const std::string&>() != rel) continue;
    return Str(link, "href", what);
  }
  return std::string();
}

// The stack a resource or event belongs to, from its "stack" link.
Result<void> OwningStack(const Json& obj, std::string_view what, std::string* name,
                         std::string* id) {
  MAGNUM_ASSIGN_OR_RETURN(std::string href, LinkHref(obj, "stack", what));
  StackFromLink(href, name, id);
  return {};
}

// The array under `key` of an envelope document, each item an object.
Result<Json> ObjectArray(std::string_view body, const char* key, std::string_view what) {
  Json doc = Json::parse(body.begin(), body.end(), nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object()) return Fail(Bad(what, "not a JSON object"));
  auto it = doc.find(key);
  if (it == doc.end() || !it->is_array()) {
    return Fail(Bad(what, std::string("no \"") + key + "\" array"));
  }
  for (const auto& item : *it) {
    if (!item.is_object()) return Fail(Bad(what, "an item is not an object"));
  }
  return std::move(*it);
}

// A status member, split.
Result<HeatStatus> Status(const Json& obj, const char* key, std::string_view what) {
  MAGNUM_ASSIGN_OR_RETURN(std::string s, Str(obj, key, what));
  return ParseHeatStatus(s);
}

// "Resource CREATE failed: ..." texts are for people; control characters other than
// newline and tab are replaced so that they print safely in logs and API answers.
std::string Printable(std::string_view s, size_t max) {
  std::string out(s.substr(0, max));
  for (auto& c : out) {
    unsigned char u = static_cast<unsigned char>(c);
    if ((u < 0x20 && c != '\n' && c != '\t') || u == 0x7f) c = ' ';
  }
  return out;
}

// The members resources and events share: status, reason, physical id, owning stack.
template <typename T>
Result<void> StateOf(const Json& obj, std::string_view what, T* out) {
  MAGNUM_ASSIGN_OR_RETURN(out->status, Status(obj, "resource_status", what));
  MAGNUM_ASSIGN_OR_RETURN(std::string reason, Str(obj, "resource_status_reason", what));
  out->status_reason = Printable(reason, 64 * 1024);
  MAGNUM_ASSIGN_OR_RETURN(out->physical_id, Str(obj, "physical_resource_id", what));
  return OwningStack(obj, what, &out->stack_name, &out->stack_id);
}

std::string ReplyText(const Json& j) { return j.dump(-1, ' ', false, Json::error_handler_t::replace); }

}  // namespace

HeatStatus ParseHeatStatus(std::string_view status) {
  HeatStatus out;
  out.status = std::string(status);
  static constexpr std::pair<std::string_view, HeatState> kStates[] = {
      {"_IN_PROGRESS", HeatState::kInProgress},
      {"_COMPLETE", HeatState::kComplete},
      {"_FAILED", HeatState::kFailed}};
  for (const auto& [suffix, state] : kStates) {
    if (status.size() > suffix.size() && status.ends_with(suffix)) {
      out.action = std::string(status.substr(0, status.size() - suffix.size()));
      out.state = state;
      return out;
    }
  }
  out.action = out.status;
  return out;
}

void StackFromLink(std::string_view href, std::string* name, std::string* id) {
  name->clear();
  id->clear();
  auto end = href.find_first_of("?#");
  if (end != std::string_view::npos) href = href.substr(0, end);
  // ".../{project}/stacks/{name}/{id}[/resources/...]": the first "/stacks/" is the
  // collection (a stack may itself be called "stacks").
  auto pos = href.find("/stacks/");
  if (pos == std::string_view::npos) return;
  std::string_view rest = href.substr(pos + 8);
  auto slash = rest.find('/');
  if (slash == std::string_view::npos || slash == 0) return;
  std::string_view n = rest.substr(0, slash);
  rest = rest.substr(slash + 1);
  std::string_view i = rest.substr(0, rest.find('/'));
  if (i.empty()) return;
  std::string dn, di;
  if (!PercentDecode(n, false, &dn) || !PercentDecode(i, false, &di)) return;
  *name = std::move(dn);
  *id = std::move(di);
}

Result<std::string> ParseHeatCreateReply(std::string_view body) {
  MAGNUM_ASSIGN_OR_RETURN(Json stack, Envelope(body, "stack", "stack create"));
  if (!stack.is_object()) return Fail(Bad("stack create", "\"stack\" is not an object"));
  return RequiredStr(stack, "id", "stack create");
}

Result<HeatStack> ParseHeatStack(std::string_view body) {
  constexpr std::string_view kWhat = "stack";
  MAGNUM_ASSIGN_OR_RETURN(Json s, Envelope(body, "stack", kWhat));
  if (!s.is_object()) return Fail(Bad(kWhat, "\"stack\" is not an object"));
  HeatStack out;
  MAGNUM_ASSIGN_OR_RETURN(out.id, RequiredStr(s, "id", kWhat));
  MAGNUM_ASSIGN_OR_RETURN(out.name, Str(s, "stack_name", kWhat));
  MAGNUM_ASSIGN_OR_RETURN(out.status, Status(s, "stack_status", kWhat));
  if (out.status.status.empty()) return Fail(Bad(kWhat, "no \"stack_status\""));
  MAGNUM_ASSIGN_OR_RETURN(std::string reason, Str(s, "stack_status_reason", kWhat));
  out.status_reason = Printable(reason, 64 * 1024);
  MAGNUM_ASSIGN_OR_RETURN(out.parent, Str(s, "parent", kWhat));
  MAGNUM_ASSIGN_OR_RETURN(out.creation_time, Str(s, "creation_time", kWhat));
  MAGNUM_ASSIGN_OR_RETURN(out.updated_time, Str(s, "updated_time", kWhat));
  auto outputs = s.find("outputs");
  if (outputs != s.end() && !outputs->is_null()) {
    if (!outputs->is_array()) return Fail(Bad(kWhat, "\"outputs\" is not an array"));
    for (const auto& o : *outputs) {
      if (!o.is_object()) return Fail(Bad(kWhat, "an output is not an object"));
      MAGNUM_ASSIGN_OR_RETURN(std::string key, RequiredStr(o, "output_key", kWhat));
      MAGNUM_ASSIGN_OR_RETURN(std::string error, Str(o, "output_error", kWhat));
      if (!error.empty()) out.output_errors[key] = Printable(error, 64 * 1024);
      auto value = o.find("output_value");
      if (value != o.end()) out.outputs[key] = ReplyText(*value);
    }
  }
  auto params = s.find("parameters");
  if (params != s.end() && !params->is_null()) {
    if (!params->is_object()) return Fail(Bad(kWhat, "\"parameters\" is not an object"));
    for (const auto& [k, v] : params->items()) {
      out.parameters[k] = v.is_string() ? v.get<std::string>() : ReplyText(v);
    }
  }
  return out;
}

Result<HeatOutput> ParseHeatOutput(std::string_view body) {
  constexpr std::string_view kWhat = "output";
  MAGNUM_ASSIGN_OR_RETURN(Json o, Envelope(body, "output", kWhat));
  if (!o.is_object()) return Fail(Bad(kWhat, "\"output\" is not an object"));
  HeatOutput out;
  MAGNUM_ASSIGN_OR_RETURN(out.key, RequiredStr(o, "output_key", kWhat));
  MAGNUM_ASSIGN_OR_RETURN(std::string error, Str(o, "output_error", kWhat));
  out.error = Printable(error, 64 * 1024);
  MAGNUM_ASSIGN_OR_RETURN(out.description, Str(o, "description", kWhat));
  auto value = o.find("output_value");
  out.value_json = value == o.end() ? "null" : ReplyText(*value);
  return out;
}

Result<std::vector<HeatResource>> ParseHeatResources(std::string_view body) {
  constexpr std::string_view kWhat = "resource list";
  MAGNUM_ASSIGN_OR_RETURN(Json items, ObjectArray(body, "resources", kWhat));
  std::vector<HeatResource> out;
  out.reserve(items.size());
  for (const auto& r : items) {
    HeatResource res;
    MAGNUM_ASSIGN_OR_RETURN(res.name, RequiredStr(r, "resource_name", kWhat));
    MAGNUM_ASSIGN_OR_RETURN(res.type, Str(r, "resource_type", kWhat));
    MAGNUM_RETURN_IF_ERROR(StateOf(r, kWhat, &res));
    MAGNUM_ASSIGN_OR_RETURN(res.parent_resource, Str(r, "parent_resource", kWhat));
    MAGNUM_ASSIGN_OR_RETURN(res.updated_time, Str(r, "updated_time", kWhat));
    MAGNUM_ASSIGN_OR_RETURN(std::string nested, LinkHref(r, "nested", kWhat));
    std::string nested_name;
    StackFromLink(nested, &nested_name, &res.nested_stack_id);
    out.push_back(std::move(res));
  }
  return out;
}

Result<std::vector<HeatEvent>> ParseHeatEvents(std::string_view body) {
  constexpr std::string_view kWhat = "event list";
  MAGNUM_ASSIGN_OR_RETURN(Json items, ObjectArray(body, "events", kWhat));
  std::vector<HeatEvent> out;
  out.reserve(items.size());
  for (const auto& e : items) {
    HeatEvent ev;
    MAGNUM_ASSIGN_OR_RETURN(ev.id, RequiredStr(e, "id", kWhat));
    MAGNUM_ASSIGN_OR_RETURN(ev.resource_name, Str(e, "resource_name", kWhat));
    MAGNUM_ASSIGN_OR_RETURN(ev.resource_type, Str(e, "resource_type", kWhat));
    MAGNUM_RETURN_IF_ERROR(StateOf(e, kWhat, &ev));
    MAGNUM_ASSIGN_OR_RETURN(ev.time, Str(e, "event_time", kWhat));
    out.push_back(std::move(ev));
  }
  return out;
}

HeatErrorReply ParseHeatError(std::string_view body, long status) {
  HeatErrorReply out;
  Json doc = Json::parse(body.begin(), body.end(), nullptr, /*allow_exceptions=*/false);
  auto text = [](const Json& obj, const char* key) {
    auto it = obj.find(key);
    return it != obj.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  if (doc.is_object()) {
    auto err = doc.find("error");
    if (err != doc.end() && err->is_object()) {
      out.message = text(*err, "message");
      out.type = text(*err, "type");
      out.traceback = text(*err, "traceback");
    }
    if (out.message.empty()) out.message = text(doc, "explanation");
    if (out.message.empty()) out.message = text(doc, "title");
  }
  if (out.message.empty()) {
    // Not Heat's fault document (a proxy's page, webob's plain text): its start, on one line.
    std::string_view start = body.substr(0, 200);
    out.message = Printable(start, 200);
    for (auto& c : out.message) {
      if (c == '\n' || c == '\t') c = ' ';
    }
  }
  // Heat's messages may carry a traceback after the first line when the engine raised.
  auto marker = out.message.find("Traceback (most recent call last)");
  if (marker != std::string::npos) {
    if (out.traceback.empty()) out.traceback = out.message.substr(marker);
    out.message.resize(marker);
  }
  while (!out.message.empty() && (out.message.back() == '\n' || out.message.back() == ' ')) {
    out.message.pop_back();
  }
  out.message = Printable(out.message, 4096);
  if (out.message.empty()) out.message = "HTTP " + std::to_string(status);
  return out;
}

}  // namespace magnum::clients
