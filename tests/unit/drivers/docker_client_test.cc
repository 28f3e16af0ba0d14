#include "magnum/drivers/docker/docker_client.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <deque>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "magnum/drivers/docker/image_builder.h"
#include "magnum/drivers/docker/tar_writer.h"

namespace magnum::drivers::docker {
namespace {

using json = nlohmann::json;

// Records requests and answers from a script of replies.
class FakeTransport : public DockerTransport {
 public:
  struct Request {
    std::string method, path, body, content_type;
  };
  explicit FakeTransport(std::deque<HttpReply> replies) : replies_(std::move(replies)) {}
  Result<HttpReply> Send(std::string_view method, const std::string& path, const std::string& body,
                         std::string_view content_type, std::chrono::milliseconds) override {
    requests->push_back({std::string(method), path, body, std::string(content_type)});
    if (replies_.empty()) return Fail(Error::Unavailable("Docker Engine at fake is not reachable"));
    HttpReply r = replies_.front();
    replies_.pop_front();
    return r;
  }
  const std::string& url() const override { return url_; }
  std::shared_ptr<std::vector<Request>> requests = std::make_shared<std::vector<Request>>();

 private:
  std::deque<HttpReply> replies_;
  std::string url_ = "unix:///fake.sock";
};

std::pair<std::unique_ptr<DockerClient>, std::shared_ptr<std::vector<FakeTransport::Request>>>
Client(std::deque<HttpReply> replies) {
  auto t = std::make_unique<FakeTransport>(std::move(replies));
  auto reqs = t->requests;
  return {std::make_unique<DockerClient>(std::move(t)), reqs};
}

TEST(DockerClient, EncodesFilters) {
  EXPECT_EQ(UrlEncode("a=b c/d"), "a%3Db%20c%2Fd");
  std::string enc = EncodeFilters({{"label", {"magnum.cluster.uuid=u1"}}});
  EXPECT_EQ(enc, UrlEncode(R"({"label":["magnum.cluster.uuid=u1"]})"));
}

TEST(DockerClient, DemultiplexesStreams) {
  std::string raw;
  auto frame = [&](char stream, const std::string& payload) {
    raw += stream;
    raw += std::string("\0\0\0", 3);
    uint32_t n = static_cast<uint32_t>(payload.size());
    raw += static_cast<char>(n >> 24);
    raw += static_cast<char>((n >> 16) & 255);
    raw += static_cast<char>((n >> 8) & 255);
    raw += static_cast<char>(n & 255);
    raw += payload;
  };
  frame(1, "hello ");
  frame(2, "world\n");
  EXPECT_EQ(DemultiplexStream(raw), "hello world\n");
  EXPECT_EQ(DemultiplexStream("plain tty text"), "plain tty text");
  EXPECT_EQ(DemultiplexStream(""), "");
}

TEST(DockerClient, BuildsNodeContainerRequest) {
  ContainerSpec s;
  s.name = "c1-master-0";
  s.image = "magnum/swarm-node:abc";
  s.hostname = "c1-master-0";
  s.labels = {{"magnum.cluster.uuid", "u1"}};
  s.nested_engine = true;
  s.dns = {"127.0.0.1"};
  s.volume_name = "c1-master-0-docker";
  s.volume_target = "/var/lib/docker";
  s.network = "c1-net";
  s.ipv4_address = "10.213.0.10";
  s.loopback_ports["2376/tcp"] = 0;
  json j = json::parse(BuildContainerCreateBody(s));
  EXPECT_EQ(j["Image"], "magnum/swarm-node:abc");
  EXPECT_EQ(j["Hostname"], "c1-master-0");
  EXPECT_EQ(j["Labels"]["magnum.cluster.uuid"], "u1");
  const json& h = j["HostConfig"];
  // The measured profile for a node running its own dockerd: never --privileged.
  EXPECT_FALSE(h.contains("Privileged"));
  EXPECT_EQ(h["CapAdd"], json::array({"ALL"}));
  EXPECT_EQ(h["CapDrop"], json::array({"SYS_RESOURCE"}));
  EXPECT_EQ(h["SecurityOpt"], json::array({"seccomp=unconfined"}));
  EXPECT_EQ(h["MaskedPaths"], json::array());  // systempaths=unconfined
  EXPECT_EQ(h["ReadonlyPaths"], json::array());
  EXPECT_EQ(h["DeviceCgroupRules"], json::array({"a *:* rwm"}));
  EXPECT_EQ(h["CgroupnsMode"], "private");
  EXPECT_EQ(h["Dns"], json::array({"127.0.0.1"}));
  EXPECT_EQ(h["Mounts"][0]["Source"], "c1-master-0-docker");
  EXPECT_EQ(h["Mounts"][0]["Target"], "/var/lib/docker");
  EXPECT_EQ(h["NetworkMode"], "c1-net");
  // Published on loopback only, any free port.
  EXPECT_EQ(h["PortBindings"]["2376/tcp"][0]["HostIp"], "127.0.0.1");
  EXPECT_EQ(h["PortBindings"]["2376/tcp"][0]["HostPort"], "");
  EXPECT_EQ(j["NetworkingConfig"]["EndpointsConfig"]["c1-net"]["IPAMConfig"]["IPv4Address"],
            "10.213.0.10");

  ContainerSpec plain;
  plain.image = "x";
  json p = json::parse(BuildContainerCreateBody(plain));
  EXPECT_FALSE(p["HostConfig"].contains("CapAdd"));
  EXPECT_FALSE(p["HostConfig"].contains("PortBindings"));
}

TEST(DockerClient, BuildsNetworkRequest) {
  NetworkSpec s{"c1-net", "10.213.3.0/24", "10.213.3.1", "mgn-0b4b766f", {{"k", "v"}}};
  json j = json::parse(BuildNetworkCreateBody(s));
  EXPECT_EQ(j["Driver"], "bridge");
  EXPECT_EQ(j["CheckDuplicate"], true);
  EXPECT_EQ(j["IPAM"]["Config"][0]["Subnet"], "10.213.3.0/24");
  EXPECT_EQ(j["IPAM"]["Config"][0]["Gateway"], "10.213.3.1");
  EXPECT_EQ(j["Options"]["com.docker.network.bridge.name"], "mgn-0b4b766f");
  EXPECT_EQ(j["Options"]["com.docker.network.bridge.enable_ip_masquerade"], "false");
  EXPECT_EQ(j["Labels"]["k"], "v");
}

TEST(DockerClient, ParsesContainerInspect) {
  const char* body = R"({"Id":"abc","Name":"/c1-master-0","Image":"sha256:1",
    "Config":{"Image":"magnum/swarm-node:abc","Labels":{"magnum.node.role":"master"}},
    "State":{"Status":"exited","Running":false,"ExitCode":137,"OOMKilled":false,"Error":""},
    "NetworkSettings":{"Ports":{"2376/tcp":[{"HostIp":"127.0.0.1","HostPort":"49153"}],
                                "2377/tcp":null},
      "Networks":{"c1-net":{"IPAddress":"","IPAMConfig":{"IPv4Address":"10.213.0.10"}}}}})";
  auto r = ParseContainerInspect(body);
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->name, "c1-master-0");
  EXPECT_FALSE(r->running);
  EXPECT_EQ(r->exit_code, 137);
  EXPECT_EQ(r->image, "magnum/swarm-node:abc");
  EXPECT_EQ(r->host_ports["2376/tcp"], 49153);
  EXPECT_EQ(r->host_ports.count("2377/tcp"), 0u);
  EXPECT_EQ(r->ip_by_network["c1-net"], "10.213.0.10");
  EXPECT_EQ(r->labels["magnum.node.role"], "master");
  EXPECT_FALSE(ParseContainerInspect("{not json"));
  EXPECT_FALSE(ParseContainerInspect(R"({"State":{"Running":"yes"}})"));  // wrong type
  // Numbers that do not fit the field are refused, not converted (1e300 into an int would be
  // undefined behaviour).
  EXPECT_FALSE(ParseContainerInspect(R"({"State":{"ExitCode":1e300}})"));
  EXPECT_FALSE(ParseContainerInspect(R"({"State":{"ExitCode":4294967296}})"));
}

TEST(DockerClient, EngineInfoNumbersMustFit) {
  auto ok = ParseEngineInfo(R"({"NCPU":2,"MemTotal":25000000000,"MemoryLimit":true})");
  ASSERT_TRUE(ok) << ok.error().message();
  EXPECT_EQ(ok->ncpu, 2);
  EXPECT_EQ(ok->mem_total, 25000000000);
  EXPECT_FALSE(ParseEngineInfo(R"({"NCPU":1e300})"));
  EXPECT_FALSE(ParseEngineInfo(R"({"NCPU":-1.5})"));
  EXPECT_FALSE(ParseEngineInfo(R"({"MemTotal":18446744073709551615})"));
}

TEST(DockerClient, ParsesNodeList) {
  const char* body = R"([{"ID":"n1","Version":{"Index":42},
    "Spec":{"Role":"manager","Availability":"active","Labels":{"zone":"a"}},
    "Description":{"Hostname":"c1-master-0","Engine":{"EngineVersion":"20.10.24+dfsg1"}},
    "Status":{"State":"ready","Addr":"10.213.0.10"}},
    {"ID":"n2","Version":{"Index":7},"Spec":{"Role":"worker","Availability":"drain"},
     "Description":{"Hostname":"c1-node-0"},"Status":{"State":"down","Message":"heartbeat failure"}}])";
  auto r = ParseNodeList(body);
  ASSERT_TRUE(r) << r.error().message();
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ((*r)[0].version, 42u);
  EXPECT_EQ((*r)[0].labels.at("zone"), "a");
  EXPECT_EQ((*r)[0].engine_version, "20.10.24+dfsg1");
  EXPECT_EQ((*r)[1].state, "down");
  EXPECT_EQ((*r)[1].message, "heartbeat failure");
  EXPECT_EQ((*r)[1].availability, "drain");
  json upd = json::parse(BuildNodeUpdateBody((*r)[0]));
  EXPECT_EQ(upd,
            json::parse(R"({"Role":"manager","Availability":"active","Labels":{"zone":"a"}})"));
}

TEST(DockerClient, ParsesNetworkList) {
  auto r = ParseNetworkList(R"([{"Id":"x","Name":"c1-net","Labels":{"magnum.cluster.uuid":"u"},
    "IPAM":{"Config":[{"Subnet":"10.213.0.0/24","Gateway":"10.213.0.1"}]}},
    {"Id":"y","Name":"host","Labels":null,"IPAM":{"Config":[]}}])");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ((*r)[0].subnets, std::vector<std::string>{"10.213.0.0/24"});
  EXPECT_TRUE((*r)[1].subnets.empty());
}

TEST(DockerClient, BuildsRequestsAndMapsErrors) {
  auto [c, reqs] = Client({{201, R"({"Id":"cid"})", ""},
                           {404, R"({"message":"No such image: magnum/swarm-node:x"})", ""},
                           {409, R"({"message":"Conflict. The container name is in use"})", ""},
                           {304, "", ""},
                           {500, "plain text failure\n", ""}});
  ContainerSpec s;
  s.name = "c1-master-0";
  s.image = "img";
  auto id = c->CreateContainer(s);
  ASSERT_TRUE(id);
  EXPECT_EQ(*id, "cid");
  EXPECT_EQ((*reqs)[0].method, "POST");
  EXPECT_EQ((*reqs)[0].path, "/containers/create?name=c1-master-0");
  EXPECT_EQ((*reqs)[0].content_type, "application/json");

  auto img = c->InspectImage("magnum/swarm-node:x");
  ASSERT_FALSE(img);
  EXPECT_EQ(img.error().code(), ErrorCode::kNotFound);
  EXPECT_NE(img.error().message().find("No such image"), std::string::npos);
  EXPECT_EQ((*reqs)[1].path, "/images/magnum/swarm-node:x/json");

  auto again = c->CreateContainer(s);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code(), ErrorCode::kConflict);

  EXPECT_TRUE(c->StartContainer("cid"));  // 304: already started
  auto rm = c->RemoveContainer("cid", true, true);
  ASSERT_FALSE(rm);
  EXPECT_EQ(rm.error().code(), ErrorCode::kInternal);
  EXPECT_NE(rm.error().message().find("plain text failure (HTTP 500"), std::string::npos);
  EXPECT_EQ((*reqs)[4].method, "DELETE");
  EXPECT_EQ((*reqs)[4].path, "/containers/cid?force=true&v=true");

  auto gone = c->Ping();  // no reply left: the transport cannot reach the engine
  ASSERT_FALSE(gone);
  EXPECT_EQ(gone.error().code(), ErrorCode::kUnavailable);
}

TEST(DockerClient, UnreachableEngineIsUnavailable) {
  std::string sock = "/tmp/magnum-no-engine-" + std::to_string(::getpid()) + ".sock";
  DockerClient c(NewCurlTransport({"unix://" + sock, "", "", ""}));
  auto r = c.Ping(std::chrono::milliseconds(500));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ErrorCode::kUnavailable);
  EXPECT_NE(r.error().message().find("Docker Engine at unix://" + sock + " is not reachable"),
            std::string::npos)
      << r.error().message();
}

// A real exchange over a unix socket with a one-shot HTTP server thread.
TEST(DockerClient, CurlTransportSpeaksHttpOverUnixSocket) {
  std::string path = "/tmp/magnum-fake-engine-" + std::to_string(::getpid()) + ".sock";
  ::unlink(path.c_str());
  int srv = ::socket(AF_UNIX, SOCK_STREAM, 0);
  ASSERT_GE(srv, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", path.c_str());
  ASSERT_EQ(::bind(srv, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::listen(srv, 1), 0);
  std::string request;
  std::thread server([&] {
    int fd = ::accept(srv, nullptr, nullptr);
    char buf[4096];
    while (request.find("\r\n\r\n") == std::string::npos) {
      ssize_t n = ::read(fd, buf, sizeof buf);
      if (n <= 0) break;
      request.append(buf, static_cast<size_t>(n));
    }
    std::string body = R"({"Version":"20.10.24","ApiVersion":"1.41"})";
    std::string resp = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " +
                       std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
    (void)!::write(fd, resp.data(), resp.size());
    ::close(fd);
  });
  DockerClient c(NewCurlTransport({"unix://" + path, "", "", ""}));
  auto v = c.Version();
  server.join();
  ::close(srv);
  ::unlink(path.c_str());
  ASSERT_TRUE(v) << v.error().message();
  EXPECT_EQ(v->version, "20.10.24");
  EXPECT_EQ(request.rfind("GET /v1.41/version HTTP/1.1\r\n", 0), 0u) << request;
}

TEST(DockerTar, ArchiveExtractsWithTar) {
  TarWriter t;
  ASSERT_TRUE(t.AddDirectory("etc/docker/tls"));
  ASSERT_TRUE(t.AddFile("etc/docker/tls/key.pem", "secret\n", 0600));
  std::string big(5000, 'x');
  ASSERT_TRUE(t.AddFile("images/w.tar", big));
  std::string deep = std::string(60, 'd') + "/" + std::string(60, 'e') + "/f";
  ASSERT_TRUE(t.AddFile(deep, "deep"));
  EXPECT_FALSE(t.AddFile("/abs", ""));
  EXPECT_FALSE(t.AddFile("a/../b", ""));
  std::string ar = t.Finish();
  EXPECT_EQ(ar.size() % 512, 0u);

  namespace fs = std::filesystem;
  fs::path dir = fs::temp_directory_path() / ("magnum-tar-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  { std::ofstream(dir / "a.tar", std::ios::binary) << ar; }
  std::string cmd = "tar -C " + dir.string() + " -xf " + (dir / "a.tar").string() + " 2>&1";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  auto read = [](const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  };
  EXPECT_EQ(read(dir / "etc/docker/tls/key.pem"), "secret\n");
  EXPECT_EQ((fs::status(dir / "etc/docker/tls/key.pem").permissions() & fs::perms::all),
            fs::perms::owner_read | fs::perms::owner_write);
  EXPECT_EQ(read(dir / "images/w.tar"), big);
  EXPECT_EQ(read(dir / deep), "deep");
  fs::remove_all(dir);
}

TEST(DockerImages, ParsesBuildOutput) {
  auto r =
      ParseBuildOutput("noise\nNODE_IMAGE=magnum/swarm-node:1\nWORKLOAD_IMAGE=magnum-workload:1\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->node, "magnum/swarm-node:1");
  EXPECT_EQ(r->workload, "magnum-workload:1");
  EXPECT_FALSE(ParseBuildOutput("NODE_IMAGE=x\n"));
}

TEST(DockerImages, RunProcessStreamsLinesAndExitCode) {
  std::vector<std::string> lines;
  auto r = RunProcess(
      {"/bin/sh", "-c", "echo out; echo one >&2; echo two >&2; exit 3"}, {"MAGNUM_TEST_VAR=1"},
      [&](std::string_view l) { lines.emplace_back(l); }, {}, std::chrono::seconds(10));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->exit_code, 3);
  EXPECT_EQ(r->out, "out\n");
  EXPECT_EQ(lines, (std::vector<std::string>{"one", "two"}));
  auto env = RunProcess({"/bin/sh", "-c", "echo $MAGNUM_TEST_VAR"}, {"MAGNUM_TEST_VAR=42"}, {}, {},
                        std::chrono::seconds(10));
  ASSERT_TRUE(env);
  EXPECT_EQ(env->out, "42\n");
}

TEST(DockerImages, RunProcessStopsWhenCancelled) {
  auto start = std::chrono::steady_clock::now();
  auto r = RunProcess(
      {"/bin/sh", "-c", "sleep 30 & wait"}, {}, {},
      [&] { return std::chrono::steady_clock::now() - start > std::chrono::milliseconds(300); },
      std::chrono::seconds(60));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->exit_code, -1);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
}

TEST(DockerImages, FailedBuildIsAnError) {
  namespace fs = std::filesystem;
  fs::path script = fs::temp_directory_path() / ("magnum-fail-build-" + std::to_string(::getpid()));
  { std::ofstream(script) << "echo 'build-node-image: error: debootstrap failed' >&2\nexit 1\n"; }
  auto src = NewScriptImageSource({script.string(), "", "", std::chrono::seconds(10)},
                                  [](const std::string&) { return true; });
  std::vector<std::string> progress;
  auto r = src->Ensure([&](std::string_view l) { progress.emplace_back(l); }, {});
  fs::remove(script);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ErrorCode::kInternal);
  EXPECT_NE(r.error().message().find("debootstrap failed"), std::string::npos);
  EXPECT_EQ(progress.size(), 1u);
}

}  // namespace
}  // namespace magnum::drivers::docker
