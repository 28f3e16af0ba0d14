// Where the docker driver's images come from: the node image (a Debian bookworm with
// docker.io and the node entrypoint) and the tiny workload image loaded into every node.
//
// ScriptImageSource runs scripts/build-node-image.sh, which builds from Debian packages
// with debootstrap and caches by a content hash of its recipe; a warm run only checks that
// the images exist. The result is remembered, so later calls cost two image inspections.
// Thread-safe: concurrent Ensure() calls share one build.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "magnum/common/error.h"

namespace magnum::drivers::docker {

struct NodeImages {
  std::string node;      // e.g. magnum/swarm-node:1b1100b7de8d
  std::string workload;  // e.g. magnum-workload:1b1100b7de8d
};

class ImageSource {
 public:
  virtual ~ImageSource() = default;
  // The current images, built first when missing. `progress` receives each line the build
  // prints (may be called before returning only); `cancelled` is polled and stops a build
  // (kUnavailable). A failed build is kInternal with the build's last lines.
  virtual Result<NodeImages> Ensure(const std::function<void(std::string_view)>& progress,
                                    const std::function<bool()>& cancelled) = 0;
};

struct ScriptImageSourceOptions {
  std::string script;       // path of build-node-image.sh
  std::string cache_dir;    // its --cache-dir
  std::string docker_host;  // DOCKER_HOST for the script's docker CLI ("" = inherit)
  std::chrono::seconds timeout{1800};
};

// `image_exists` tells whether the engine still has an image (used to trust the cache).
std::unique_ptr<ImageSource> NewScriptImageSource(
    ScriptImageSourceOptions options, std::function<bool(const std::string&)> image_exists);

// Parses the script's stdout ("NODE_IMAGE=...", "WORKLOAD_IMAGE=..." lines). kInternal when
// either is missing.
Result<NodeImages> ParseBuildOutput(std::string_view stdout_text);

// The first existing of: `configured` (when not empty), build-node-image.sh beside the
// executable's ../scripts, ../share/magnum/scripts, and the source tree's scripts/.
std::string FindBuildScript(const std::string& configured);

// Runs `argv` with `env` added to the environment, feeding each stderr line to `on_line`
// and collecting stdout. Kills its process group when `cancelled` or after `timeout`.
struct ProcessResult {
  int exit_code = -1;  // -1 when killed
  std::string out;
  std::vector<std::string> last_lines;  // last stderr lines (for error messages)
};
Result<ProcessResult> RunProcess(const std::vector<std::string>& argv,
                                 const std::vector<std::string>& env,
                                 const std::function<void(std::string_view)>& on_line,
                                 const std::function<bool()>& cancelled,
                                 std::chrono::milliseconds timeout);

}  // namespace magnum::drivers::docker
