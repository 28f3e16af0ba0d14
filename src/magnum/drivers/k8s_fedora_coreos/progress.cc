// The progress record of the k8s_fedora_coreos_v1 driver (k8s_fedora_coreos_internal.h) as
// JSON: the plan's batches, the stacks' names and ids, the event markers, the retry state.
#include <nlohmann/json.hpp>
#include <utility>

#include "magnum/drivers/k8s_fedora_coreos/k8s_fedora_coreos_internal.h"

namespace magnum::drivers::k8s::internal {

using Json = nlohmann::json;

Result<Progress> Progress::Parse(const std::string& text) {
  Progress p;
  if (text.empty()) return p;
  Json j = Json::parse(text, nullptr, false);
  if (!j.is_object()) return Fail(Error::Internal("heat driver: bad progress record"));
  try {
    p.planned = j.value("planned", false);
    p.batch = j.value("batch", size_t{0});
    p.retries = j.value("retries", 0);
    p.unreachable_since_ms = j.value("unreachable_since_ms", int64_t{0});
    for (const auto& b : j.value("batches", Json::array())) {
      std::vector<Task> tasks;
      for (const auto& t : b) {
        Task k;
        k.key = t.value("key", "");
        k.action = t.value("action", "");
        k.started = t.value("started", false);
        k.done = t.value("done", false);
        k.seen_in_progress = t.value("seen_in_progress", false);
        k.before_status = t.value("before_status", "");
        k.before_updated = t.value("before_updated", "");
        k.attempts = t.value("attempts", 0);
        tasks.push_back(std::move(k));
      }
      p.batches.push_back(std::move(tasks));
    }
    const Json stacks = j.value("stacks", Json::object());
    for (const auto& [k, v] : stacks.items()) {
      p.stacks[k] = StackRef{v.value("name", ""), v.value("id", "")};
    }
    p.markers = j.value("markers", std::map<std::string, std::string>{});
  } catch (const Json::exception& e) {
    return Fail(Error::Internal(std::string("heat driver: bad progress record: ") + e.what()));
  }
  return p;
}

std::string Progress::Dump() const {
  Json j;
  j["planned"] = planned;
  j["batch"] = batch;
  if (retries) j["retries"] = retries;
  if (unreachable_since_ms) j["unreachable_since_ms"] = unreachable_since_ms;
  Json bs = Json::array();
  for (const auto& b : batches) {
    Json tasks = Json::array();
    for (const Task& t : b) {
      Json k{{"key", t.key}, {"action", t.action}};
      if (t.started) k["started"] = true;
      if (t.done) k["done"] = true;
      if (t.seen_in_progress) k["seen_in_progress"] = true;
      if (!t.before_status.empty()) k["before_status"] = t.before_status;
      if (!t.before_updated.empty()) k["before_updated"] = t.before_updated;
      if (t.attempts) k["attempts"] = t.attempts;
      tasks.push_back(std::move(k));
    }
    bs.push_back(std::move(tasks));
  }
  j["batches"] = std::move(bs);
  Json st = Json::object();
  for (const auto& [k, v] : stacks) st[k] = Json{{"name", v.name}, {"id", v.id}};
  j["stacks"] = std::move(st);
  j["markers"] = markers;
  return j.dump();
}

}  // namespace magnum::drivers::k8s::internal
