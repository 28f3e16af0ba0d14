// Process wiring for the server binaries: builds the parts from the configuration,
// runs until SIGTERM/SIGINT, then stops them in order (graceful).
#pragma once

namespace magnum::service {

// magnumd: API + conductor in one process with the in-process bus.
int RunEmbedded(int argc, char** argv);
// magnum-api: API only.
int RunApi(int argc, char** argv);

}  // namespace magnum::service
