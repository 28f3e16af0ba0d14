// Field tables bound to object members (internal to the API module): how a member of a
// typed object (objects/) renders into a JsonWriter and how a validated input value is
// assigned to it, and RenderPlan, the ordered list of keys a resource renders.
//
// Rendered documents keep the key order nlohmann::json gave them (sorted), so the text is
// what the API always produced. Thread-safe once built (immutable).
#pragma once

#include <algorithm>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "magnum/api/json_writer.h"
#include "magnum/objects/status.h"
#include "magnum/objects/types.h"

namespace magnum::api {

// The API form of a storage-form timestamp ("2026-01-01T10:00:00+00:00"); the input when
// it does not parse (as common/clock.h's DbToApiTimestamp).
void WriteApiTimestamp(JsonWriter& w, std::string_view db_timestamp);

namespace binding {

using Json = nlohmann::json;

inline void Write(JsonWriter& w, const std::string& v, bool) { w.String(v); }
inline void Write(JsonWriter& w, int64_t v, bool) { w.Int(v); }
inline void Write(JsonWriter& w, bool v, bool) { w.Bool(v); }
inline void Write(JsonWriter& w, const objects::StringMap& m, bool) {
  w.BeginObject();
  for (const auto& [k, v] : m) w.Key(k).String(v);
  w.EndObject();
}
inline void Write(JsonWriter& w, const objects::NullableStringMap& m, bool) {
  w.BeginObject();
  for (const auto& [k, v] : m) {
    w.Key(k);
    if (v) {
      w.String(*v);
    } else {
      w.Null();
    }
  }
  w.EndObject();
}
inline void Write(JsonWriter& w, const objects::StringList& l, bool) {
  w.BeginArray();
  for (const auto& v : l) w.String(v);
  w.EndArray();
}
inline void Write(JsonWriter& w, const objects::TaintList& l, bool) {
  w.BeginArray();
  for (const auto& t : l) {
    w.BeginObject().Key("effect").String(t.effect).Key("key").String(t.key);
    if (t.value) {
      w.Key("value");
      if (*t.value) {
        w.String(**t.value);
      } else {
        w.Null();
      }
    }
    w.EndObject();
  }
  w.EndArray();
}
template <typename E>
  requires std::is_enum_v<E>
void Write(JsonWriter& w, E e, bool) {
  w.String(objects::Name(e));
}
// Text, or a timestamp (`timestamp`) converted to the API form.
inline void WriteText(JsonWriter& w, const std::string& v, bool timestamp) {
  if (timestamp) {
    WriteApiTimestamp(w, v);
  } else {
    w.String(v);
  }
}
inline void Write(JsonWriter& w, const std::optional<std::string>& v, bool timestamp) {
  if (v) {
    WriteText(w, *v, timestamp);
  } else {
    w.Null();
  }
}
template <typename V>
void Write(JsonWriter& w, const std::optional<V>& v, bool timestamp) {
  if (v) {
    Write(w, *v, timestamp);
  } else {
    w.Null();
  }
}

// Assigns a value ConvertField produced (of the field's type, or null).
inline void Assign(std::string& m, const Json& v) { m = v.is_string() ? v.get<std::string>() : ""; }
inline void Assign(int64_t& m, const Json& v) { m = v.is_number() ? v.get<int64_t>() : 0; }
inline void Assign(std::optional<std::string>& m, const Json& v) {
  if (v.is_null()) {
    m.reset();
  } else {
    m = v.is_string() ? v.get<std::string>() : v.dump();
  }
}
inline void Assign(std::optional<int64_t>& m, const Json& v) {
  if (v.is_number()) {
    m = v.get<int64_t>();
  } else {
    m.reset();
  }
}
inline void Assign(std::optional<bool>& m, const Json& v) {
  if (v.is_boolean()) {
    m = v.get<bool>();
  } else {
    m.reset();
  }
}
inline std::string ScalarText(const Json& v) {
  return v.is_string() ? v.get<std::string>() : v.dump();
}
inline void Assign(std::optional<objects::StringMap>& m, const Json& v) {
  m.reset();
  if (!v.is_object()) return;
  m.emplace();
  for (auto it = v.begin(); it != v.end(); ++it) (*m)[it.key()] = ScalarText(*it);
}
inline void Assign(std::optional<objects::NullableStringMap>& m, const Json& v) {
  m.reset();
  if (!v.is_object()) return;
  m.emplace();
  for (auto it = v.begin(); it != v.end(); ++it) {
    if (it->is_null()) {
      (*m)[it.key()] = std::nullopt;
    } else {
      (*m)[it.key()] = ScalarText(*it);
    }
  }
}
inline void Assign(std::optional<objects::StringList>& m, const Json& v) {
  m.reset();
  if (!v.is_array()) return;
  m.emplace();
  for (const auto& e : v) m->push_back(ScalarText(e));
}
inline void Assign(std::optional<objects::TaintList>& m, const Json& v) {
  m.reset();
  if (!v.is_array()) return;
  m.emplace();
  for (const auto& t : v) {
    objects::Taint taint;
    if (t.is_object()) {
      taint.key = t.value("key", std::string());
      taint.effect = t.value("effect", std::string());
      if (t.contains("value")) {
        taint.value = t["value"].is_null() ? std::optional<std::string>()
                                           : std::optional<std::string>(ScalarText(t["value"]));
      }
    }
    m->push_back(std::move(taint));
  }
}
template <typename E>
  requires std::is_enum_v<E>
void Assign(std::optional<E>& m, const Json& v) {
  m.reset();
  if (!v.is_string()) return;
  const std::string s = v.get<std::string>();
  for (E e : objects::AllOf(E{})) {
    if (objects::Name(e) == s) m = e;
  }
}

}  // namespace binding

// The keys of one rendered resource in order, each with how it is written from a view of
// the resource (the object and whatever else the rendering needs).
template <typename View>
class RenderPlan {
 public:
  using WriteFn = std::function<void(const View&, JsonWriter&)>;
  using WhenFn = std::function<bool(const View&)>;

  using RenderFn = std::function<void(const void* object, JsonWriter& w)>;
  using ObjectFn = const void* (*)(const View&);

  RenderPlan& Add(std::string key, WriteFn write, WhenFn when = nullptr) {
    entries_.push_back({std::move(key), std::move(write), std::move(when), nullptr, nullptr, ""});
    return *this;
  }
  // A member rendered by `render` (a bound field's) from the object `object` returns.
  RenderPlan& AddBound(std::string key, const RenderFn* render, ObjectFn object) {
    entries_.push_back({std::move(key), nullptr, nullptr, render, object, ""});
    return *this;
  }
  // Sorts the keys (nlohmann's order) and pre-encodes them; call once, after the Adds.
  RenderPlan& Done() {
    std::sort(entries_.begin(), entries_.end(),
              [](const Entry& a, const Entry& b) { return a.key < b.key; });
    for (auto& e : entries_) e.encoded = "," + JsonWriter::EncodeKey(e.key);
    return *this;
  }
  void Write(const View& view, JsonWriter& w) const {
    w.BeginObject();
    for (const auto& e : entries_) {
      if (e.when && !e.when(view)) continue;
      w.RawKeyAfterComma(e.encoded);
      if (e.render != nullptr) {
        (*e.render)(e.object(view), w);
      } else {
        e.write(view, w);
      }
    }
    w.EndObject();
  }

 private:
  struct Entry {
    std::string key;
    WriteFn write;
    WhenFn when;
    const RenderFn* render;  // bound fields: the FieldSpec's render (static tables)
    ObjectFn object;
    std::string encoded;  // ,"key":
  };
  std::vector<Entry> entries_;
};

}  // namespace magnum::api
