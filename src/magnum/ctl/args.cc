#include "magnum/ctl/args.h"

#include <algorithm>

namespace magnum::ctl {
namespace {

// The spec whose name or alias is `name`, or null.
const OptionSpec* FindOption(const std::vector<OptionSpec>& specs, const std::string& name) {
  for (const auto& o : specs) {
    if (o.name == name) return &o;
    if (std::find(o.aliases.begin(), o.aliases.end(), name) != o.aliases.end()) return &o;
  }
  return nullptr;
}

const CommandSpec* FindCommand(const std::vector<CommandSpec>& commands, const std::string& name) {
  for (const auto& c : commands) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

std::string OptionLine(const OptionSpec& o) {
  std::string left = "  " + o.name;
  if (o.takes_value()) left += " " + o.metavar;
  for (const auto& a : o.aliases) left += ", " + a;
  if (left.size() < 34) {
    left.append(34 - left.size(), ' ');
  } else {
    left += "\n" + std::string(34, ' ');
  }
  return left + o.help + (o.repeatable ? " (repeatable)" : "") + "\n";
}

}  // namespace

bool ParsedCommand::Has(const std::string& option) const {
  return options.count(option) > 0 || globals.count(option) > 0;
}

std::optional<std::string> ParsedCommand::Value(const std::string& option) const {
  auto it = options.find(option);
  if (it != options.end() && !it->second.empty()) return it->second.back();
  return Global(option);
}

std::vector<std::string> ParsedCommand::Values(const std::string& option) const {
  auto it = options.find(option);
  return it == options.end() ? std::vector<std::string>{} : it->second;
}

std::optional<std::string> ParsedCommand::Global(const std::string& option) const {
  auto it = globals.find(option);
  if (it != globals.end() && !it->second.empty()) return it->second.back();
  return std::nullopt;
}

bool ParsedCommand::GlobalFlag(const std::string& option) const {
  return globals.count(option) > 0;
}

Result<ParsedCommand> ParseCommandLine(const std::vector<std::string>& args,
                                       const std::vector<OptionSpec>& globals,
                                       const std::vector<CommandSpec>& commands) {
  ParsedCommand out;
  const CommandSpec* command = nullptr;
  bool options_done = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    bool is_option = !options_done && arg.size() > 1 && arg[0] == '-';
    if (!options_done && arg == "--") {
      options_done = true;
      continue;
    }
    if (!is_option) {
      if (command == nullptr) {
        command = FindCommand(commands, arg);
        if (command == nullptr) {
          return Fail(Error::InvalidArgument("unknown command '" + arg +
                                             "' (magnumctl help lists the commands)"));
        }
        out.command = arg;
      } else {
        out.positionals.push_back(arg);
      }
      continue;
    }
    std::string name = arg;
    std::optional<std::string> inline_value;
    if (auto eq = arg.find('='); arg.rfind("--", 0) == 0 && eq != std::string::npos) {
      name = arg.substr(0, eq);
      inline_value = arg.substr(eq + 1);
    }
    const OptionSpec* spec = command ? FindOption(command->options, name) : nullptr;
    bool global = false;
    if (spec == nullptr) {
      spec = FindOption(globals, name);
      global = spec != nullptr;
    }
    if (spec == nullptr) {
      return Fail(Error::InvalidArgument(
          "unknown option " + name +
          (command ? " for " + command->name + " (magnumctl help " + command->name + ")"
                   : " (magnumctl help lists the global options)")));
    }
    std::string value;
    if (spec->takes_value()) {
      if (inline_value) {
        value = *inline_value;
      } else if (i + 1 < args.size()) {
        value = args[++i];
      } else {
        return Fail(Error::InvalidArgument("option " + name + " needs a value " + spec->metavar));
      }
    } else if (inline_value) {
      return Fail(Error::InvalidArgument("option " + name + " takes no value"));
    }
    auto& slot = global ? out.globals[spec->name] : out.options[spec->name];
    if (!slot.empty() && !spec->repeatable && !global) {
      return Fail(Error::InvalidArgument("option " + spec->name + " given more than once"));
    }
    slot.push_back(value);
  }
  if (command == nullptr) return out;
  size_t n = 0;
  bool variadic = false;
  for (const auto& p : command->positionals) {
    if (p.variadic) {
      variadic = true;
      if (p.required && out.positionals.size() <= n) {
        return Fail(Error::InvalidArgument(command->name + ": missing " + p.name));
      }
      break;
    }
    if (p.required && out.positionals.size() <= n) {
      return Fail(Error::InvalidArgument(command->name + ": missing " + p.name));
    }
    ++n;
  }
  if (!variadic && out.positionals.size() > command->positionals.size()) {
    return Fail(Error::InvalidArgument(command->name + ": unexpected argument '" +
                                       out.positionals[command->positionals.size()] + "'"));
  }
  return out;
}

std::string UsageText(const std::vector<OptionSpec>& globals,
                      const std::vector<CommandSpec>& commands) {
  std::string s =
      "usage: magnumctl [global options] <command> [arguments]\n\n"
      "The native command-line client of Magnum (container infrastructure management).\n\n"
      "Global options (also accepted after the command):\n";
  for (const auto& o : globals) s += OptionLine(o);
  s += "\nCommands:\n";
  for (const auto& c : commands) {
    std::string left = "  " + c.name;
    left.append(left.size() < 28 ? 28 - left.size() : 1, ' ');
    s += left + c.help + "\n";
  }
  s += "\nmagnumctl help <command> describes a command.\n";
  return s;
}

std::string CommandHelpText(const CommandSpec& command) {
  std::string s = "usage: magnumctl " + command.name;
  for (const auto& p : command.positionals) {
    std::string n = p.name + (p.variadic ? " [" + p.name + " ...]" : "");
    s += " " + (p.required ? n : "[" + n + "]");
  }
  if (!command.options.empty()) s += " [options]";
  s += "\n\n" + command.help + "\n";
  if (!command.options.empty()) {
    s += "\nOptions:\n";
    for (const auto& o : command.options) s += OptionLine(o);
  }
  return s;
}

Result<std::map<std::string, std::string>> ParseKeyValues(const std::vector<std::string>& items,
                                                          const std::string& option) {
  std::map<std::string, std::string> out;
  for (const auto& item : items) {
    std::string* last = nullptr;
    size_t start = 0;
    while (start <= item.size()) {
      size_t comma = item.find(',', start);
      std::string piece =
          item.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
      size_t eq = piece.find('=');
      if (eq == std::string::npos) {
        if (last == nullptr) {
          return Fail(
              Error::InvalidArgument(option + " takes KEY=VALUE pairs, not '" + piece + "'"));
        }
        *last += "," + piece;
      } else {
        std::string key = piece.substr(0, eq);
        if (key.empty()) {
          return Fail(Error::InvalidArgument(option + ": empty key in '" + piece + "'"));
        }
        last = &(out[key] = piece.substr(eq + 1));
      }
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
  }
  return out;
}

}  // namespace magnum::ctl
