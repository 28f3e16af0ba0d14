// Test double for the docker driver's transport seam (DockerDriverDeps::transport_factory):
// a fake Docker Engine behind DockerTransport that keeps containers, volumes, networks,
// images and one swarm, records every call and fails chosen ones with an HTTP status.
// Header-only; fake_docker_driver.h adds the other seams and wires a driver to it.
#pragma once

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <regex>
#include <string>
#include <vector>

#include "magnum/drivers/docker/docker_client.h"
#include "magnum/drivers/docker/docker_driver.h"
#include "magnum/drivers/driver.h"

namespace magnum::drivers::docker::fake {

using json = nlohmann::json;

inline constexpr const char* kHostUrl = "unix:///fake/docker.sock";
inline constexpr const char* kNodeImage = "magnum/swarm-node:abc";
// The node image an upgrade moves to (the tests register it in the engine's images).
inline constexpr const char* kV2 = "magnum/swarm-node:v2";
inline constexpr const char* kWorkload = "magnum-workload:abc";

struct Call {
  std::string engine;  // "host" or the node's IP
  std::string method;
  std::string path;
  std::string body;
};

// A reply forced on matching calls. status 0 = no reply at all (engine unreachable).
struct Fault {
  std::string engine;  // "host", a node IP, or "" for any
  std::string method;  // "" = any
  std::string path;    // regex searched in the path
  long status = 500;
  std::string message = "injected failure";
  int skip = 0;         // let this many matching calls through first
  int times = 1 << 30;  // then fail this many
  // The engine acts on the call, then the reply fails (a crash after the engine acted).
  bool after_applying = false;
};

class FakeEngine : public std::enable_shared_from_this<FakeEngine> {
 public:
  struct Container {
    std::string id, name, image, image_id, network, ip, volume;
    json labels = json::object();
    json host_config = json::object();
    std::string state = "created";
    int exit_code = 0;
    int host_port = 0;
    bool exposes_api = false;
    int not_ready_polls = 0;  // readiness probes answered 404 before the node is ready
  };
  struct Member {
    std::string id, hostname, role, availability = "active", engine_version;
    json labels = json::object();
    uint64_t version = 1;
    bool left = false;
    int tasks = 0;          // running tasks on it (GET /tasks?filters={"node":...}); a drain
                            // moves one per such poll
    std::string service{};  // the service those tasks belong to ("" = none)
    // The tasks the swarm creates for those when the node becomes drained (their
    // replacements, with new IDs): added to swarm_tasks then.
    json on_drain = json::array();
  };
  struct Image {
    std::string id;
    std::string engine_version;  // what a node of this image reports
  };

  FakeEngine() {
    images[kNodeImage] = {"sha256:node1", "20.10.24"};
    images[kWorkload] = {"sha256:work1", ""};
  }

  std::unique_ptr<DockerTransport> Transport(const DockerEndpoint& ep);

  // Everything below is guarded by mu (tests read it after the driver returned).
  std::mutex mu;
  std::vector<Call> calls;
  std::vector<Fault> faults;
  std::vector<Container> containers;
  std::map<std::string, json> networks;  // by name: {Id, Name, Labels, Subnet}
  std::map<std::string, json> volumes;   // by name: labels
  std::map<std::string, Image> images;   // by reference
  std::vector<Member> swarm;
  int ready_after_polls = 0;  // not_ready_polls given to every new container
  int ncpu = 2;
  int64_t mem_total = int64_t{24} << 30;
  // Called (without mu held) for each call before it is answered; tests block in it.
  std::function<void(const Call&)> on_call;
  // The swarm's other tasks and its services, as the Engine returns them (GET /tasks,
  // GET /services on a manager), filtered by node, service and desired-state.
  json swarm_tasks = json::array();
  json swarm_services = json::array();
  // Exec in a node container: `perl -e <client> METHOD /v1.41/PATH SOCKET` (workload.h
  // NodeSocketCommand) is answered by the node's engine, as a raw HTTP/1.0 reply; a reply
  // set here for a PATH (without query) replaces the engine's. exec_exit != 0: the command
  // fails with that exit code (e.g. 127, no perl in the image).
  std::map<std::string, HttpReply> exec_replies;
  int exec_exit = 0;

  void Fail(Fault f) {
    std::lock_guard l(mu);
    faults.push_back(std::move(f));
  }
  // The swarm members' hostnames and the volumes' names, sorted.
  std::vector<std::string> SwarmHosts() {
    std::lock_guard l(mu);
    std::vector<std::string> out;
    for (const auto& m : swarm) out.push_back(m.hostname);
    std::sort(out.begin(), out.end());
    return out;
  }
  std::vector<std::string> VolumeNames() {
    std::lock_guard l(mu);
    std::vector<std::string> out;
    for (const auto& v : volumes) out.push_back(v.first);
    return out;
  }
  std::vector<Call> Calls(const std::string& method, const std::string& path_regex) {
    std::lock_guard l(mu);
    std::vector<Call> out;
    std::regex re(path_regex);
    for (const auto& c : calls) {
      if (c.method == method && std::regex_search(c.path, re)) out.push_back(c);
    }
    return out;
  }
  Container* FindContainer(const std::string& id_or_name) {
    for (auto& c : containers) {
      if (c.id == id_or_name || c.name == id_or_name) return &c;
    }
    return nullptr;
  }
  Container* RunningAt(const std::string& ip) {
    for (auto& c : containers) {
      if (c.ip == ip && c.state == "running") return &c;
    }
    return nullptr;
  }
  Member* MemberNamed(const std::string& hostname) {
    for (auto& m : swarm) {
      if (m.hostname == hostname) return &m;
    }
    return nullptr;
  }
  std::vector<std::string> ContainerNames() {
    std::lock_guard l(mu);
    std::vector<std::string> out;
    for (const auto& c : containers) out.push_back(c.name);
    std::sort(out.begin(), out.end());
    return out;
  }

  // One exchange; `status` 0 in the result means "no reply".
  HttpReply Handle(const std::string& engine, const std::string& method, const std::string& path,
                   const std::string& body) {
    Call call{engine, method, path, body};
    if (on_call) on_call(call);
    std::lock_guard l(mu);
    calls.push_back(call);
    const Fault* late = nullptr;
    for (auto& f : faults) {
      if (!f.engine.empty() && f.engine != engine) continue;
      if (!f.method.empty() && f.method != method) continue;
      if (!std::regex_search(path, std::regex(f.path))) continue;
      if (f.skip > 0) {
        --f.skip;
        continue;
      }
      if (f.times <= 0) continue;
      --f.times;
      if (!f.after_applying) return Reply(f.status, json{{"message", f.message}});
      late = &f;
      break;
    }
    HttpReply r{0, "", ""};
    if (engine == "host") {
      r = Host(method, path, body);
    } else if (Container* node = RunningAt(engine)) {
      r = Node(*node, method, path, body);
    }
    if (late != nullptr) return Reply(late->status, json{{"message", late->message}});
    return r;
  }

 private:
  size_t created_ = 0;  // containers ever created (their ids)
  int ports_ = 0;       // host ports handed out
  struct Exec {
    std::string container;
    std::vector<std::string> cmd;
    int exit_code = -1;
  };
  std::map<std::string, Exec> execs_;  // by exec id

  static HttpReply Reply(long status, const json& j) {
    return {status, j.is_null() ? "" : j.dump(), "application/json"};
  }
  static HttpReply Err(long status, const std::string& msg) {
    return Reply(status, json{{"message", msg}});
  }
  static std::string Query(const std::string& path, const std::string& key) {
    std::smatch m;
    std::string p = path;
    if (!std::regex_search(p, m, std::regex("[?&]" + key + "=([^&]*)"))) return "";
    std::string v = m[1], out;
    for (size_t i = 0; i < v.size(); ++i) {
      if (v[i] == '%' && i + 2 < v.size()) {
        out += static_cast<char>(std::stoi(v.substr(i + 1, 2), nullptr, 16));
        i += 2;
      } else {
        out += v[i];
      }
    }
    return out;
  }
  static bool LabelsMatch(const json& labels, const std::string& path) {
    std::string f = Query(path, "filters");
    if (f.empty()) return true;
    json filters = json::parse(f);
    for (const auto& want : filters.value("label", json::array())) {
      std::string s = want.get<std::string>();
      auto eq = s.find('=');
      std::string k = s.substr(0, eq);
      if (!labels.contains(k)) return false;
      if (eq != std::string::npos && labels[k] != s.substr(eq + 1)) return false;
    }
    return true;
  }
  static std::string Id(const std::string& prefix, size_t n) {
    std::string s = prefix + std::to_string(n);
    return s + std::string(64 - s.size(), 'f');  // no id is a prefix of another
  }

  HttpReply Host(const std::string& method, const std::string& path, const std::string& body) {
    std::smatch m;
    std::string p = path.substr(0, path.find('?'));
    if (p == "/version") return Reply(200, {{"Version", "20.10.24"}, {"ApiVersion", "1.41"}});
    if (p == "/info") {
      return Reply(200, {{"NCPU", ncpu},
                         {"MemTotal", mem_total},
                         {"MemoryLimit", true},
                         {"CpuCfsQuota", true},
                         {"Swarm", {{"LocalNodeState", "inactive"}}}});
    }
    if (p == "/networks" && method == "GET") {
      json out = json::array();
      for (const auto& [name, n] : networks) {
        if (!LabelsMatch(n["Labels"], path)) continue;
        out.push_back({{"Id", n["Id"]},
                       {"Name", name},
                       {"Labels", n["Labels"]},
                       {"IPAM", {{"Config", json::array({{{"Subnet", n["Subnet"]}}})}}}});
      }
      return Reply(200, out);
    }
    if (p == "/networks/create") {
      json b = json::parse(body);
      std::string name = b["Name"], subnet = b["IPAM"]["Config"][0]["Subnet"];
      if (networks.count(name)) return Err(409, "network with name " + name + " already exists");
      for (const auto& [_, n] : networks) {
        if (n["Subnet"] == subnet) return Err(403, "Pool overlaps with other one on this space");
      }
      std::string id = Id("net", networks.size() + 1);
      networks[name] = {{"Id", id}, {"Labels", b["Labels"]}, {"Subnet", subnet}};
      return Reply(201, {{"Id", id}});
    }
    if (std::regex_match(p, m, std::regex("/networks/(.+)")) && method == "DELETE") {
      for (auto it = networks.begin(); it != networks.end(); ++it) {
        if (it->second["Id"] == m[1].str() || it->first == m[1].str()) {
          networks.erase(it);
          return Reply(204, nullptr);
        }
      }
      return Err(404, "network " + m[1].str() + " not found");
    }
    if (p == "/volumes" && method == "GET") {
      json out = json::array();
      for (const auto& [name, labels] : volumes) {
        if (LabelsMatch(labels, path)) out.push_back({{"Name", name}, {"Labels", labels}});
      }
      return Reply(200, {{"Volumes", out}});
    }
    if (p == "/volumes/create") {
      json b = json::parse(body);
      volumes[b["Name"]] = b["Labels"];
      return Reply(201, {{"Name", b["Name"]}});
    }
    if (std::regex_match(p, m, std::regex("/volumes/(.+)")) && method == "DELETE") {
      std::string name = m[1];
      if (!volumes.count(name)) return Err(404, "get " + name + ": no such volume");
      for (const auto& c : containers) {
        if (c.volume == name) return Err(409, "remove " + name + ": volume is in use");
      }
      volumes.erase(name);
      // A node's swarm identity lives in its volume.
      std::erase_if(swarm, [&](const Member& mb) { return mb.hostname + "-docker" == name; });
      return Reply(204, nullptr);
    }
    if (p == "/containers/json") {
      json out = json::array();
      for (const auto& c : containers) {
        if (!LabelsMatch(c.labels, path)) continue;
        std::string nf = Query(path, "filters");
        if (!nf.empty()) {
          json f = json::parse(nf);
          bool ok = true;
          for (const auto& re : f.value("name", json::array())) {
            ok = ok && std::regex_search("/" + c.name, std::regex(re.get<std::string>()));
          }
          if (!ok) continue;
        }
        out.push_back({{"Id", c.id},
                       {"Names", {"/" + c.name}},
                       {"Image", c.image},
                       {"ImageID", c.image_id},
                       {"State", c.state},
                       {"Status", c.state == "running" ? "Up 1 second" : "Exited (0)"},
                       {"Labels", c.labels}});
      }
      return Reply(200, out);
    }
    if (p == "/containers/create") {
      json b = json::parse(body);
      std::string name = Query(path, "name");
      if (FindContainer(name)) return Err(409, "Conflict. The container name is already in use");
      auto img = images.find(b["Image"]);
      if (img == images.end()) return Err(404, "No such image: " + b["Image"].get<std::string>());
      Container c;
      c.id = Id("c", ++created_);
      c.name = name;
      c.image = b["Image"];
      c.image_id = img->second.id;
      c.labels = b["Labels"];
      c.host_config = b["HostConfig"];
      c.network = b["HostConfig"].value("NetworkMode", "");
      c.ip = c.labels.value("magnum.node.ip", "");
      if (b["HostConfig"].contains("Mounts")) c.volume = b["HostConfig"]["Mounts"][0]["Source"];
      if (b["HostConfig"].contains("PortBindings")) {
        c.exposes_api = true;
        std::string hp = b["HostConfig"]["PortBindings"]["2376/tcp"][0]["HostPort"];
        c.host_port = hp.empty() ? 0 : std::stoi(hp);
      }
      c.not_ready_polls = ready_after_polls;
      containers.push_back(c);
      return Reply(201, {{"Id", c.id}});
    }
    if (std::regex_match(p, m, std::regex("/exec/([^/]+)/(start|json)"))) {
      auto it = execs_.find(m[1]);
      if (it == execs_.end()) return Err(404, "No such exec instance: " + m[1].str());
      if (m[2] == "json") {
        return Reply(200, {{"Running", false}, {"ExitCode", it->second.exit_code}, {"Pid", 1}});
      }
      return RunExec(it->second);
    }
    if (!std::regex_match(p, m, std::regex("/containers/([^/]+)(/.*)?"))) {
      return ImageCall(method, p, path);
    }
    Container* c = FindContainer(m[1]);
    std::string op = m[2];
    if (c == nullptr) return Err(404, "No such container: " + m[1].str());
    if (op == "/archive") return Reply(200, nullptr);
    if (op == "/exec" && method == "POST") {
      if (c->state != "running") return Err(409, "Container " + c->id + " is not running");
      std::string id = Id("exec", execs_.size() + 1);
      execs_[id] = {c->id, json::parse(body).value("Cmd", std::vector<std::string>{}), -1};
      return Reply(201, {{"Id", id}});
    }
    if (op == "/start") {
      if (c->state == "running") return Reply(304, nullptr);
      c->state = "running";
      if (c->exposes_api && c->host_port == 0) c->host_port = 40000 + (++ports_);
      return Reply(204, nullptr);
    }
    if (op == "/stop" || op == "/kill") {
      c->state = "exited";
      c->exit_code = op == "/kill" ? 137 : 0;
      return Reply(204, nullptr);
    }
    if (op == "/json") {
      json ports = json::object();
      if (c->exposes_api && c->host_port) {
        ports["2376/tcp"] = {{{"HostIp", "127.0.0.1"}, {"HostPort", std::to_string(c->host_port)}}};
      }
      return Reply(
          200,
          {{"Id", c->id},
           {"Name", "/" + c->name},
           {"Image", c->image_id},
           {"Config", {{"Image", c->image}, {"Labels", c->labels}}},
           {"State",
            {{"Status", c->state}, {"Running", c->state == "running"}, {"ExitCode", c->exit_code}}},
           {"NetworkSettings",
            {{"Networks", {{c->network, {{"IPAddress", c->ip}}}}}, {"Ports", ports}}}});
    }
    if (op == "/logs") return {200, "dockerd exited", "text/plain"};
    if (op.empty() && method == "DELETE") {
      if (c->state == "running" && Query(path, "force") != "true") return Err(409, "running");
      containers.erase(containers.begin() + (c - containers.data()));
      return Reply(204, nullptr);
    }
    return Err(500, "fake engine: unhandled " + method + " " + path);
  }

  // An exec's attached output (not framed, as with a TTY).
  HttpReply RunExec(Exec& e) {
    Container* c = FindContainer(e.container);
    const auto& cmd = e.cmd;
    if (exec_exit != 0 || c == nullptr || cmd.size() != 6 || cmd[0] != "perl" ||
        cmd[4].rfind("/v1.41/", 0) != 0) {
      e.exit_code = exec_exit != 0 ? exec_exit : 127;
      return {200, "exec: " + (cmd.empty() ? std::string() : cmd[0]) + ": not found\n",
              "application/vnd.docker.raw-stream"};
    }
    std::string path = cmd[4].substr(6);
    calls.push_back({c->ip, cmd[3], path, ""});
    auto forced = exec_replies.find(path.substr(0, path.find('?')));
    HttpReply r = forced != exec_replies.end() ? forced->second : Node(*c, cmd[3], path, "");
    if (r.status == 0) {
      e.exit_code = 2;
      return {200, "connect /var/run/docker.sock: Connection refused\n", "text/plain"};
    }
    e.exit_code = 0;
    return {200,
            "HTTP/1.0 " + std::to_string(r.status) + " X\r\nContent-Type: application/json\r\n" +
                "Date: Sat, 05 Dec 2026 21:00:00 GMT\r\n\r\n" + r.body,
            "application/vnd.docker.raw-stream"};
  }

  static bool Listed(const json& filters, const char* key, const json& value) {
    if (!filters.contains(key)) return true;
    for (const auto& v : filters[key]) {
      if (v == value) return true;
    }
    return false;
  }

  HttpReply ImageCall(const std::string& method, const std::string& p, const std::string& path) {
    std::smatch m;
    if (std::regex_match(p, m, std::regex("/images/(.+)/json"))) {
      auto it = images.find(m[1]);
      if (it == images.end()) return Err(404, "No such image: " + m[1].str());
      return Reply(200, {{"Id", it->second.id}, {"RepoTags", {it->first}}});
    }
    if (p == "/images/json") return Reply(200, json::array());
    if (p == "/images/get") return {200, "workload-tar", "application/x-tar"};
    return Err(500, "fake engine: unhandled " + method + " " + path);
  }

  json NodeJson(const Member& mb) {
    Container* c = FindContainer(mb.hostname);
    bool up = c != nullptr && c->state == "running" && !mb.left;
    return {{"ID", mb.id},
            {"Version", {{"Index", mb.version}}},
            {"Spec", {{"Role", mb.role}, {"Availability", mb.availability}, {"Labels", mb.labels}}},
            {"Description",
             {{"Hostname", mb.hostname},
              {"Engine", {{"EngineVersion", mb.engine_version}}},
              // The node's engine reports its host's CPUs and memory.
              {"Resources",
               {{"NanoCPUs", int64_t{ncpu} * 1'000'000'000}, {"MemoryBytes", mem_total}}}}},
            {"Status", {{"State", up ? "ready" : "down"}, {"Addr", c ? c->ip : ""}}}};
  }

  HttpReply Node(Container& c, const std::string& method, const std::string& path,
                 const std::string& body) {
    std::smatch m;
    std::string p = path.substr(0, path.find('?'));
    Member* self = MemberNamed(c.name);
    bool member = self != nullptr && !self->left;
    bool manager = member && self->role == "manager";
    std::string version = images[c.image].engine_version;
    if (std::regex_match(p, m, std::regex("/images/(.+)/json"))) {
      if (c.not_ready_polls > 0) {
        --c.not_ready_polls;
        return Err(404, "No such image: " + m[1].str());
      }
      return Reply(200, {{"Id", "sha256:work1"}});
    }
    if (p == "/version") return Reply(200, {{"Version", version}, {"ApiVersion", "1.41"}});
    if (p == "/info") {
      return Reply(200, {{"Swarm",
                          {{"LocalNodeState", member ? "active" : "inactive"},
                           {"NodeID", member ? self->id : ""}}}});
    }
    if (p == "/swarm/init" || p == "/swarm/join") {
      if (member) return Err(503, "This node is already part of a swarm.");
      std::string role = "manager";
      if (p == "/swarm/join") {
        std::string token = json::parse(body)["JoinToken"];
        if (token != "TOKEN-MANAGER" && token != "TOKEN-WORKER") return Err(400, "bad token");
        role = token == "TOKEN-MANAGER" ? "manager" : "worker";
      }
      if (self != nullptr) {
        self->left = false;
        self->role = role;
      } else {
        swarm.push_back({"node-" + c.name, c.name, role, "active", version});
      }
      if (p == "/swarm/init") return Reply(200, json("node-" + c.name));
      return Reply(200, nullptr);
    }
    if (p == "/swarm/leave") {
      if (!member) return Err(503, "This node is not part of a swarm");
      self->left = true;
      return Reply(200, nullptr);
    }
    if (!manager) return Err(503, "This node is not a swarm manager.");
    if (p == "/swarm") {
      return Reply(200,
                   {{"JoinTokens", {{"Worker", "TOKEN-WORKER"}, {"Manager", "TOKEN-MANAGER"}}}});
    }
    if (p == "/nodes") {
      json out = json::array();
      for (auto& mb : swarm) {
        // A restarted node reports the engine version of the image it runs now.
        if (Container* nc = FindContainer(mb.hostname); nc && nc->state == "running") {
          mb.engine_version = images[nc->image].engine_version;
        }
        out.push_back(NodeJson(mb));
      }
      return Reply(200, out);
    }
    if (std::regex_match(p, m, std::regex("/nodes/([^/]+)(/update)?"))) {
      auto it =
          std::find_if(swarm.begin(), swarm.end(), [&](const Member& x) { return x.id == m[1]; });
      if (it == swarm.end()) return Err(404, "node " + m[1].str() + " not found");
      if (method == "DELETE") {
        swarm.erase(it);
        return Reply(200, nullptr);
      }
      if (Query(path, "version") != std::to_string(it->version)) {
        return Err(500, "rpc error: code = Unknown desc = update out of sequence");
      }
      json b = json::parse(body);
      if (it->availability != "drain" && b["Availability"] == "drain") {
        for (const auto& t : it->on_drain) swarm_tasks.push_back(t);
        it->on_drain = json::array();
      }
      it->role = b["Role"];
      it->availability = b["Availability"];
      it->labels = b["Labels"];
      ++it->version;
      return Reply(200, nullptr);
    }
    if (p == "/tasks") {
      std::string q = Query(path, "filters");
      json f = q.empty() ? json::object() : json::parse(q);
      json out = json::array();
      if (f.contains("node") && !f.contains("service")) {
        for (auto& mb : swarm) {
          if (!Listed(f, "node", mb.id)) continue;
          for (int i = 0; i < mb.tasks; ++i) {
            out.push_back({{"ID", mb.id + "-task-" + std::to_string(i)},
                           {"ServiceID", mb.service},
                           {"NodeID", mb.id},
                           {"DesiredState", "running"},
                           {"Status", {{"State", "running"}}}});
          }
          if (mb.availability == "drain" && mb.tasks > 0) --mb.tasks;  // one moves per poll
        }
      }
      for (const auto& t : swarm_tasks) {
        if (Listed(f, "node", t.value("NodeID", "")) &&
            Listed(f, "service", t.value("ServiceID", "")) &&
            Listed(f, "desired-state", t.value("DesiredState", ""))) {
          out.push_back(t);
        }
      }
      return Reply(200, out);
    }
    if (p == "/services") return Reply(200, swarm_services);
    return Err(500, "fake engine: unhandled node call " + method + " " + path);
  }
};

class FakeTransport final : public DockerTransport {
 public:
  FakeTransport(std::shared_ptr<FakeEngine> e, DockerEndpoint ep)
      : engine_(std::move(e)), ep_(std::move(ep)) {
    if (ep_.url != kHostUrl) {
      // tcp://<ip>:2376: a node's engine, reached with the cluster's client certificate.
      name_ = ep_.url.substr(6, ep_.url.rfind(':') - 6);
    }
  }
  Result<HttpReply> Send(std::string_view method, const std::string& path, const std::string& body,
                         std::string_view, std::chrono::milliseconds) override {
    HttpReply r = engine_->Handle(name_, std::string(method), path, body);
    if (r.status == 0) {
      return magnum::Fail(Error::Unavailable("Docker Engine at " + ep_.url +
                                             " is not reachable: Connection refused"));
    }
    return r;
  }
  const std::string& url() const override { return ep_.url; }
  const DockerEndpoint& endpoint() const { return ep_; }

 private:
  std::shared_ptr<FakeEngine> engine_;
  DockerEndpoint ep_;
  std::string name_ = "host";
};

inline std::unique_ptr<DockerTransport> FakeEngine::Transport(const DockerEndpoint& ep) {
  return std::make_unique<FakeTransport>(shared_from_this(), ep);
}

}  // namespace magnum::drivers::docker::fake
