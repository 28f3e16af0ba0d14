#include "magnum/drivers/docker/cluster_layout.h"

#include <algorithm>
#include <cctype>
#include <set>

namespace magnum::drivers::docker {
namespace {

std::string Uuid8(std::string_view uuid) {
  std::string out;
  for (char c : uuid) {
    if (std::isalnum(static_cast<unsigned char>(c))) {
      out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    if (out.size() == 8) break;
  }
  return out;
}

std::string Label(const Labels& l, std::string_view key) {
  auto it = l.find(std::string(key));
  return it == l.end() ? std::string() : it->second;
}

}  // namespace

Filters ClusterFilter(std::string_view cluster_uuid) {
  return {{"label", {std::string(kLabelCluster) + "=" + std::string(cluster_uuid)}}};
}

Labels ClusterLabels(const ClusterState& cluster) {
  return {{std::string(kLabelCluster), cluster.uuid},
          {std::string(kLabelClusterName), cluster.name},
          {std::string(kLabelDriver), "docker"}};
}

std::string NamePrefix(std::string_view cluster_name, std::string_view cluster_uuid,
                       bool disambiguate) {
  std::string out;
  for (char c : cluster_name) {
    char l = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    bool ok = (l >= 'a' && l <= 'z') || (l >= '0' && l <= '9');
    if (ok) {
      out += l;
    } else if (!out.empty() && out.back() != '-') {
      out += '-';
    }
    if (out.size() >= 40) break;
  }
  while (!out.empty() && out.back() == '-') out.pop_back();
  if (out.empty()) return "cluster-" + Uuid8(cluster_uuid);
  if (disambiguate) out += "-" + Uuid8(cluster_uuid);
  return out;
}

std::string NodeName(std::string_view prefix, bool master, int index) {
  return std::string(prefix) + (master ? "-master-" : "-node-") + std::to_string(index);
}

std::string NetworkName(std::string_view prefix) { return std::string(prefix) + "-net"; }

std::string VolumeName(std::string_view node_name) { return std::string(node_name) + "-docker"; }

std::string BridgeName(std::string_view cluster_uuid) { return "mgn-" + Uuid8(cluster_uuid); }

std::vector<NodeRecord> NodesFromContainers(const std::vector<ContainerSummary>& containers) {
  std::vector<NodeRecord> out;
  for (const auto& c : containers) {
    std::string role = Label(c.labels, kLabelRole);
    std::string index = Label(c.labels, kLabelNodeIndex);
    if ((role != "master" && role != "worker") || index.empty()) continue;
    NodeRecord n;
    n.container_id = c.id;
    n.name = Label(c.labels, kLabelNodeName);
    if (n.name.empty()) n.name = c.name;
    n.master = role == "master";
    n.index = std::atoi(index.c_str());
    n.nodegroup_uuid = Label(c.labels, kLabelNodeGroup);
    n.ip = Label(c.labels, kLabelNodeIp);
    n.image = c.image;
    n.image_id = c.image_id;
    n.node_image = Label(c.labels, kLabelNodeImage);
    n.state = c.state;
    n.status = c.status;
    out.push_back(std::move(n));
  }
  std::sort(out.begin(), out.end(), [](const NodeRecord& a, const NodeRecord& b) {
    if (a.master != b.master) return a.master;
    return a.index < b.index;
  });
  return out;
}

std::vector<int> FreeIndices(const std::vector<int>& taken, int n) {
  std::set<int> used(taken.begin(), taken.end());
  std::vector<int> out;
  for (int i = 0; static_cast<int>(out.size()) < n; ++i) {
    if (!used.count(i)) out.push_back(i);
  }
  return out;
}

bool NodeMatches(const NodeRecord& n, std::string_view ref) {
  if (ref.empty()) return false;
  return n.name == ref || n.ip == ref ||
         (ref.size() >= 12 && !n.container_id.empty() && n.container_id.rfind(ref, 0) == 0);
}

Result<std::vector<NodeRecord>> SelectNodesToRemove(const std::vector<NodeRecord>& workers,
                                                    const std::vector<std::string>& nodes_to_remove,
                                                    int64_t target,
                                                    const std::vector<NodeRecord>& managers) {
  std::vector<NodeRecord> out;
  int64_t excess = static_cast<int64_t>(workers.size()) - std::max<int64_t>(target, 0);
  auto chosen = [&](const NodeRecord& n) {
    return std::any_of(out.begin(), out.end(),
                       [&](const NodeRecord& o) { return o.container_id == n.container_id; });
  };
  auto manager = [&](const NodeRecord& n) {
    return n.master || std::any_of(managers.begin(), managers.end(), [&](const NodeRecord& m) {
             return m.container_id == n.container_id && m.name == n.name;
           });
  };
  for (const auto& want : nodes_to_remove) {
    auto is = [&](const NodeRecord& n) { return NodeMatches(n, want); };
    auto it = std::find_if(workers.begin(), workers.end(), is);
    const bool named_manager = std::any_of(managers.begin(), managers.end(), is);
    if ((it != workers.end() && manager(*it)) || (it == workers.end() && named_manager)) {
      return Fail(Error::InvalidArgument(
          "node " + want +
          " in nodes_to_remove is a swarm manager: a resize never removes managers"));
    }
    if (it == workers.end()) {
      return Fail(Error::InvalidArgument("node " + want +
                                         " in nodes_to_remove is not a node of this nodegroup"));
    }
    if (!chosen(*it)) out.push_back(*it);
  }
  if (static_cast<int64_t>(out.size()) > std::max<int64_t>(excess, 0)) {
    return Fail(Error::InvalidArgument(std::to_string(out.size()) +
                                       " nodes named in nodes_to_remove but the resize removes " +
                                       std::to_string(std::max<int64_t>(excess, 0))));
  }
  for (auto it = workers.rbegin();
       it != workers.rend() && static_cast<int64_t>(out.size()) < excess; ++it) {
    if (!chosen(*it) && !manager(*it)) out.push_back(*it);
  }
  if (static_cast<int64_t>(out.size()) < excess) {
    return Fail(Error::InvalidArgument(
        "the resize removes " + std::to_string(excess) + " nodes but only " +
        std::to_string(out.size()) +
        " of the nodegroup's nodes are not swarm managers (a resize never removes managers)"));
  }
  return out;
}

std::vector<NodeLsEntry> ParseNodeLs(std::string_view text) {
  std::vector<NodeLsEntry> out;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    std::string_view line = text.substr(pos, nl == std::string_view::npos ? text.npos : nl - pos);
    pos = nl == std::string_view::npos ? text.size() : nl + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    std::vector<std::string> f;
    size_t s = 0;
    while (true) {
      size_t t = line.find('\t', s);
      f.emplace_back(line.substr(s, t == std::string_view::npos ? line.npos : t - s));
      if (t == std::string_view::npos) break;
      s = t + 1;
    }
    if (f.size() < 2 || f[0].empty()) continue;
    out.push_back({f[0], f[1], f.size() > 2 ? f[2] : ""});
  }
  return out;
}

HealthReport ComputeHealth(const std::vector<NodeRecord>& nodes,
                           const std::optional<std::vector<NodeLsEntry>>& swarm,
                           const std::string& api_error) {
  HealthReport r;
  bool healthy = swarm.has_value() && api_error.empty() && !nodes.empty();
  r.reason["api"] = swarm.has_value() && api_error.empty() ? "ok" : api_error;
  for (const auto& n : nodes) {
    std::string why;
    if (!n.running()) {
      why = "node container is " + n.state + (n.status.empty() ? "" : " (" + n.status + ")");
    } else if (swarm) {
      auto it = std::find_if(swarm->begin(), swarm->end(),
                             [&](const NodeLsEntry& e) { return e.hostname == n.name; });
      if (it == swarm->end()) {
        why = "not a member of the swarm";
      } else if (it->status != "Ready") {
        why = "swarm node status " + it->status;
      }
    } else {
      why = "swarm state unknown: " + api_error;
    }
    r.reason[n.name + ".Ready"] = why.empty() ? "True" : "False";
    if (!why.empty()) {
      r.reason[n.name + ".reason"] = why;
      healthy = false;
    }
  }
  if (nodes.empty()) {
    r.status = HealthStatus::kUnknown;
    if (r.reason["api"] == "ok") r.reason["api"] = "no node containers";
  } else {
    r.status = healthy ? HealthStatus::kHealthy : HealthStatus::kUnhealthy;
  }
  return r;
}

Labels SwarmLabelsFor(const NodeGroupState& ng) {
  Labels l(ng.node_labels.begin(), ng.node_labels.end());
  l["magnum.nodegroup"] = ng.name;
  return l;
}

std::vector<std::vector<NodeRecord>> UpgradeBatches(const std::vector<NodeRecord>& nodes,
                                                    int64_t max_batch_size, int manager_count) {
  int64_t batch = std::max<int64_t>(1, max_batch_size);
  int64_t manager_batch = std::max<int64_t>(1, std::min<int64_t>(batch, (manager_count - 1) / 2));
  std::vector<std::vector<NodeRecord>> out;
  for (bool masters : {false, true}) {
    size_t size = static_cast<size_t>(masters ? manager_batch : batch);
    std::vector<NodeRecord> current;
    for (const auto& n : nodes) {
      if (n.master != masters) continue;
      current.push_back(n);
      if (current.size() == size) {
        out.push_back(std::move(current));
        current.clear();
      }
    }
    if (!current.empty()) out.push_back(std::move(current));
  }
  return out;
}

}  // namespace magnum::drivers::docker
