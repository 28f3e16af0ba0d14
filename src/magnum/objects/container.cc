// objects/container.h: the memory quantity of a container.
#include "magnum/objects/container.h"

namespace magnum::objects {

Result<int64_t> DockerMemoryBytes(std::string_view quantity) {
  auto bad = [&quantity](const char* why) {
    return Fail(Error::InvalidArgument("Memory '" + std::string(quantity) + "' " + why));
  };
  constexpr const char* kForm =
      "is not a Docker memory quantity: give digits and an optional unit b, k, m or g "
      "(e.g. 512m).";
  size_t digits = 0;
  while (digits < quantity.size() && quantity[digits] >= '0' && quantity[digits] <= '9') ++digits;
  if (digits == 0 || quantity.size() > digits + 1) return bad(kForm);
  int64_t unit = 1;
  if (quantity.size() == digits + 1) {
    switch (quantity.back()) {
      case 'b':
      case 'B':
        break;
      case 'k':
      case 'K':
        unit = int64_t{1} << 10;
        break;
      case 'm':
      case 'M':
        unit = int64_t{1} << 20;
        break;
      case 'g':
      case 'G':
        unit = int64_t{1} << 30;
        break;
      default:
        return bad(kForm);
    }
  }
  // At most 1 PiB: no overflow on the way (the digits stop counting past it).
  constexpr int64_t kMax = int64_t{1} << 50;
  int64_t value = 0;
  for (size_t i = 0; i < digits; ++i) {
    value = value * 10 + (quantity[i] - '0');
    if (value > kMax) return bad("is more than 1 PiB.");
  }
  if (value > kMax / unit) return bad("is more than 1 PiB.");
  return value * unit;
}

}  // namespace magnum::objects
