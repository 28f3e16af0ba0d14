// magnumd: the embedded default. API and conductor in one process, SQLite, in-process
// bus, listening on 127.0.0.1:9511 unless configured otherwise.
#include <spdlog/spdlog.h>

#include "magnum/service/embedded.h"

int main(int argc, char** argv) {
  return magnum::service::RunEmbedded(argc, argv);
}
