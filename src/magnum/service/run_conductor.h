// magnum-conductor: the conductor alone, serving the conductor topic on the configured bus.
#pragma once

namespace magnum::service {

// Runs until SIGTERM/SIGINT. A broker transport_url (rabbit://...) is refused for now: the
// AMQP transport is not built yet, and a conductor on the in-process bus serves no API.
int RunConductor(int argc, char** argv);

}  // namespace magnum::service
