// magnum-api: the REST API server alone (talks to conductors over the configured bus).
#include "magnum/service/embedded.h"

int main(int argc, char** argv) { return magnum::service::RunApi(argc, argv); }
