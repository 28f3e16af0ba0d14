// Reading an operator's policy file: a YAML or JSON mapping of rule name to check string,
// as oslo.policy's policy.yaml / policy.json. Stateless; thread-safe.
#pragma once

#include <string>
#include <vector>

#include "magnum/common/error.h"

namespace magnum::policy {

struct PolicyFileRule {
  std::string name;
  std::string check;
  int line = 0;  // 1-based line of the rule's name in the file
};

// Parses `text` (`origin` names it in messages). An empty document has no rules. Errors
// (InvalidArgument "<origin>:<line>: ..."): not YAML/JSON, not a mapping, a value that is not
// a string (null, a list: the old list form is not supported), a name given twice.
Result<std::vector<PolicyFileRule>> ParsePolicyText(const std::string& text,
                                                    const std::string& origin);

// Reads and parses the file at `path`; unreadable is InvalidArgument.
Result<std::vector<PolicyFileRule>> ReadPolicyFile(const std::string& path);

}  // namespace magnum::policy
