// magnum-conductor: the conductor alone (needs a message broker to reach magnum-api; see
// service/run_conductor.h).
#include "magnum/service/run_conductor.h"

int main(int argc, char** argv) { return magnum::service::RunConductor(argc, argv); }
