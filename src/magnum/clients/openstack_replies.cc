#include "magnum/clients/openstack_replies.h"

#include <nlohmann/json.hpp>

namespace magnum::clients {
namespace {

using Json = nlohmann::json;

Result<Json> ParseObject(std::string_view body, std::string_view what) {
  Json doc = Json::parse(body.begin(), body.end(), nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object()) {
    return Fail(Error::InvalidArgument(std::string(what) + ": the reply is not a JSON object"));
  }
  return doc;
}

// A string member, or "" when absent or null; kInvalidArgument when of another type.
Result<std::string> OptionalString(const Json& obj, const char* key, std::string_view what) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return std::string();
  if (!it->is_string()) {
    return Fail(Error::InvalidArgument(std::string(what) + ": \"" + key + "\" is not a string"));
  }
  return it->get<std::string>();
}

// An id: a non-empty string, or an integer written as its decimal digits.
Result<std::string> RequiredId(const Json& obj, std::string_view what) {
  auto it = obj.find("id");
  if (it != obj.end() && it->is_string() && !it->get_ref<const std::string&>().empty()) {
    return it->get<std::string>();
  }
  if (it != obj.end() && it->is_number_integer()) return it->dump();
  return Fail(Error::InvalidArgument(std::string(what) + ": an item has no valid \"id\""));
}

// A property value as upstream reads it: only a string counts.
std::string StringProperty(const Json& obj, const char* key) {
  auto it = obj.find(key);
  return it != obj.end() && it->is_string() ? it->get<std::string>() : std::string();
}

Result<ImageInfo> ImageFrom(const Json& obj) {
  if (!obj.is_object()) return Fail(Error::InvalidArgument("image: an item is not an object"));
  ImageInfo info;
  MAGNUM_ASSIGN_OR_RETURN(info.id, RequiredId(obj, "image"));
  MAGNUM_ASSIGN_OR_RETURN(info.name, OptionalString(obj, "name", "image"));
  info.os_distro = StringProperty(obj, "os_distro");
  info.magnum_driver = StringProperty(obj, "magnum_driver");
  return info;
}

// The array under `key` (required).
Result<const Json*> ArrayMember(const Json& doc, const std::string& key, std::string_view what) {
  auto it = doc.find(key);
  if (it == doc.end() || !it->is_array()) {
    return Fail(Error::InvalidArgument(std::string(what) + ": no \"" + key + "\" array"));
  }
  return &*it;
}

// The href of the "next" entry of an OpenStack links array ("" = none).
Result<std::string> NextLink(const Json& doc, const std::string& key, std::string_view what) {
  auto it = doc.find(key);
  if (it == doc.end() || it->is_null()) return std::string();
  if (!it->is_array()) {
    return Fail(Error::InvalidArgument(std::string(what) + ": \"" + key + "\" is not an array"));
  }
  for (const auto& link : *it) {
    if (link.is_object() && link.value("rel", Json()).is_string() && link["rel"] == "next") {
      MAGNUM_ASSIGN_OR_RETURN(std::string href, OptionalString(link, "href", what));
      return href;
    }
  }
  return std::string();
}

}  // namespace

Result<ImageInfo> ParseGlanceImage(std::string_view body) {
  MAGNUM_ASSIGN_OR_RETURN(Json doc, ParseObject(body, "image"));
  return ImageFrom(doc);
}

Result<Page<ImageInfo>> ParseGlanceImageList(std::string_view body) {
  MAGNUM_ASSIGN_OR_RETURN(Json doc, ParseObject(body, "image list"));
  MAGNUM_ASSIGN_OR_RETURN(const Json* items, ArrayMember(doc, "images", "image list"));
  Page<ImageInfo> page;
  for (const auto& item : *items) {
    MAGNUM_ASSIGN_OR_RETURN(ImageInfo info, ImageFrom(item));
    page.items.push_back(std::move(info));
  }
  MAGNUM_ASSIGN_OR_RETURN(page.next, OptionalString(doc, "next", "image list"));
  return page;
}

Result<Page<FlavorInfo>> ParseNovaFlavorList(std::string_view body) {
  MAGNUM_ASSIGN_OR_RETURN(Json doc, ParseObject(body, "flavor list"));
  MAGNUM_ASSIGN_OR_RETURN(const Json* items, ArrayMember(doc, "flavors", "flavor list"));
  Page<FlavorInfo> page;
  for (const auto& item : *items) {
    if (!item.is_object()) {
      return Fail(Error::InvalidArgument("flavor list: an item is not an object"));
    }
    FlavorInfo f;
    MAGNUM_ASSIGN_OR_RETURN(f.id, RequiredId(item, "flavor list"));
    MAGNUM_ASSIGN_OR_RETURN(f.name, OptionalString(item, "name", "flavor list"));
    auto disk = item.find("disk");
    if (disk != item.end() && !disk->is_null()) {
      if (!disk->is_number_integer()) {
        return Fail(Error::InvalidArgument("flavor list: \"disk\" is not an integer"));
      }
      f.disk_gb = disk->get<int64_t>();
    }
    page.items.push_back(std::move(f));
  }
  MAGNUM_ASSIGN_OR_RETURN(page.next, NextLink(doc, "flavors_links", "flavor list"));
  return page;
}

Result<Page<NamedResource>> ParseNeutronList(std::string_view body,
                                             std::string_view collection) {
  const std::string key(collection);
  const std::string what = key + " list";
  MAGNUM_ASSIGN_OR_RETURN(Json doc, ParseObject(body, what));
  MAGNUM_ASSIGN_OR_RETURN(const Json* items, ArrayMember(doc, key, what));
  Page<NamedResource> page;
  for (const auto& item : *items) {
    if (!item.is_object()) return Fail(Error::InvalidArgument(what + ": an item is not an object"));
    NamedResource r;
    MAGNUM_ASSIGN_OR_RETURN(r.id, RequiredId(item, what));
    MAGNUM_ASSIGN_OR_RETURN(r.name, OptionalString(item, "name", what));
    auto ext = item.find("router:external");
    if (ext != item.end() && ext->is_boolean()) r.router_external = ext->get<bool>();
    page.items.push_back(std::move(r));
  }
  MAGNUM_ASSIGN_OR_RETURN(page.next, NextLink(doc, key + "_links", what));
  return page;
}

std::string ServiceErrorMessage(std::string_view body) {
  Json doc = Json::parse(body.begin(), body.end(), nullptr, /*allow_exceptions=*/false);
  if (doc.is_object()) {
    for (const char* k : {"itemNotFound", "NeutronError", "error", "badRequest", "forbidden"}) {
      auto it = doc.find(k);
      if (it != doc.end() && it->is_object()) {
        auto msg = it->find("message");
        if (msg != it->end() && msg->is_string()) return msg->get<std::string>();
      }
    }
  }
  std::string out(body.substr(0, 200));
  for (auto& c : out) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';
  }
  return out;
}

}  // namespace magnum::clients
