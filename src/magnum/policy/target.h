// What a policy rule is checked against: the object's owner and its attributes. Value type.
//
// `%(name)s` in a rule reads `project_id`, `user_id` or an attribute of that name; a name
// written `target.<field>` that is not an attribute itself falls back to `<field>`.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace magnum::policy {

struct Target {
  std::string project_id;
  std::string user_id;
  std::map<std::string, std::string, std::less<>> attributes{};

  // The value a `%(name)s` substitution reads, or none when the target has no such field.
  std::optional<std::string_view> Get(std::string_view name) const;
};

}  // namespace magnum::policy
