// magnumctl's command line: the grammar (which commands take which options) as data, and a
// parser from argv to a ParsedCommand. The same specs drive `--help` and the bash
// completion script, so they cannot drift apart. Pure functions; thread-safe.
//
// Grammar: magnumctl [global options] <command> [positionals and options in any order].
// Global options are recognised anywhere on the line. Options take their value as
// `--name value` or `--name=value`; `--` ends the options.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "magnum/common/error.h"

namespace magnum::ctl {

struct OptionSpec {
  std::string name;     // "--node-count"
  std::string metavar;  // "<count>"; empty for a flag (takes no value)
  std::string help;
  bool repeatable = false;           // may be given several times (values kept in order)
  std::vector<std::string> aliases;  // other spellings, e.g. "--baymodel-id"
  bool takes_value() const { return !metavar.empty(); }
};

struct PositionalSpec {
  std::string name;  // "<cluster>"
  bool required = true;
  bool variadic = false;  // takes every remaining positional (only the last one)
};

struct CommandSpec {
  std::string name;  // "cluster-create"
  std::string help;
  std::vector<PositionalSpec> positionals;
  std::vector<OptionSpec> options;
};

// What the line said. Options are keyed by their canonical name (OptionSpec::name).
struct ParsedCommand {
  std::string command;  // empty when none was given
  std::vector<std::string> positionals;
  std::map<std::string, std::vector<std::string>> options;  // flag → {""}
  std::map<std::string, std::vector<std::string>> globals;

  bool Has(const std::string& option) const;
  // The last value of `option` (or of the global option), or nullopt.
  std::optional<std::string> Value(const std::string& option) const;
  std::vector<std::string> Values(const std::string& option) const;
  std::optional<std::string> Global(const std::string& option) const;
  bool GlobalFlag(const std::string& option) const;
};

// Parses `args` (argv without the program name). Errors (kInvalidArgument, the message
// ready to print): an unknown command or option, a missing value, a missing required
// positional, too many positionals, a non-repeatable option given twice.
Result<ParsedCommand> ParseCommandLine(const std::vector<std::string>& args,
                                       const std::vector<OptionSpec>& globals,
                                       const std::vector<CommandSpec>& commands);

// `magnumctl help` text: usage, the global options and the commands with one line each.
std::string UsageText(const std::vector<OptionSpec>& globals,
                      const std::vector<CommandSpec>& commands);
// `magnumctl help <command>` / `<command> --help` text.
std::string CommandHelpText(const CommandSpec& command);

// Key/value pairs as python-magnumclient takes them for --labels: "k1=v1,k2=v2", several
// occurrences merged; a comma-separated piece without '=' continues the previous value
// ("a=1,2" is a → "1,2"). Errors: a first piece without '=', an empty key.
Result<std::map<std::string, std::string>> ParseKeyValues(const std::vector<std::string>& items,
                                                          const std::string& option);

}  // namespace magnum::ctl
