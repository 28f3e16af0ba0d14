#include "magnum/policy/policy_file.h"

#include <yaml-cpp/yaml.h>

#include <fstream>
#include <set>
#include <sstream>

namespace magnum::policy {

Result<std::vector<PolicyFileRule>> ParsePolicyText(const std::string& text,
                                                    const std::string& origin) {
  std::vector<PolicyFileRule> out;
  try {
    YAML::Node root = YAML::Load(text);
    if (!root || root.IsNull()) return out;
    if (!root.IsMap()) {
      return Fail(Error::InvalidArgument(origin + ":" + std::to_string(root.Mark().line + 1) +
                                         ": a policy file must map rule names to check strings"));
    }
    std::set<std::string> seen;
    for (const auto& kv : root) {
      const int line = kv.first.Mark().line + 1;
      const std::string where = origin + ":" + std::to_string(line);
      if (!kv.first.IsScalar()) {
        return Fail(Error::InvalidArgument(where + ": a rule name must be a string"));
      }
      std::string name = kv.first.Scalar();
      if (!seen.insert(name).second) {
        return Fail(Error::InvalidArgument(where + ": rule '" + name + "' is given twice"));
      }
      if (kv.second.IsSequence()) {
        return Fail(Error::InvalidArgument(where + ": rule '" + name +
                                           "': the list form of rules is not supported; write a "
                                           "check string (\"a and b\", \"a or b\")"));
      }
      if (!kv.second.IsScalar()) {
        return Fail(Error::InvalidArgument(where + ": rule '" + name +
                                           "' has no check string (write \"\" to always allow)"));
      }
      out.push_back({std::move(name), kv.second.Scalar(), line});
    }
  } catch (const YAML::Exception& e) {
    return Fail(Error::InvalidArgument(origin + ":" + std::to_string(e.mark.line + 1) +
                                       ": not valid YAML or JSON: " + e.msg));
  }
  return out;
}

Result<std::vector<PolicyFileRule>> ReadPolicyFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Fail(Error::InvalidArgument("cannot read policy file " + path));
  std::stringstream ss;
  ss << in.rdbuf();
  return ParsePolicyText(ss.str(), path);
}

}  // namespace magnum::policy
