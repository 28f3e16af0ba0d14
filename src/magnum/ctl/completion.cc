// `magnumctl completion bash`, generated from the same specs as the parser.
#include <set>
#include <string>

#include "magnum/ctl/ctl.h"

namespace magnum::ctl {
namespace {

std::string Join(const std::set<std::string>& words) {
  std::string s;
  for (const auto& w : words) s += (s.empty() ? "" : " ") + w;
  return s;
}

void AddNames(const OptionSpec& o, std::set<std::string>& into) {
  into.insert(o.name);
  for (const auto& a : o.aliases) into.insert(a);
}

}  // namespace

std::string BashCompletionScript(const std::vector<OptionSpec>& globals,
                                 const std::vector<CommandSpec>& commands) {
  std::set<std::string> global_names, valued, command_names;
  for (const auto& o : globals) {
    AddNames(o, global_names);
    if (o.takes_value()) AddNames(o, valued);
  }
  for (const auto& c : commands) {
    command_names.insert(c.name);
    for (const auto& o : c.options) {
      if (o.takes_value()) AddNames(o, valued);
    }
  }
  std::string s =
      "# bash completion for magnumctl; load with: source <(magnumctl completion bash)\n"
      "_magnumctl() {\n"
      "  local cur prev cmd i w opts\n"
      "  cur=\"${COMP_WORDS[COMP_CWORD]}\"\n"
      "  prev=\"${COMP_WORDS[COMP_CWORD-1]}\"\n"
      "  local globals=\"" +
      Join(global_names) +
      "\"\n"
      "  local valued=\" " +
      Join(valued) +
      " \"\n"
      "  local commands=\"" +
      Join(command_names) +
      "\"\n"
      "  cmd=\"\"\n"
      "  for ((i=1; i<COMP_CWORD; i++)); do\n"
      "    w=\"${COMP_WORDS[i]}\"\n"
      "    if [[ \"$valued\" == *\" $w \"* ]]; then ((i++)); continue; fi\n"
      "    if [[ \"$w\" == -* ]]; then continue; fi\n"
      "    cmd=\"$w\"; break\n"
      "  done\n"
      "  if [[ \"$valued\" == *\" $prev \"* ]]; then\n"
      "    case \"$prev\" in\n"
      "      --format|-f) COMPREPLY=($(compgen -W \"table json yaml\" -- \"$cur\")) ;;\n"
      "      --dir) COMPREPLY=($(compgen -d -- \"$cur\")) ;;\n"
      "      --csr|--os-cacert) COMPREPLY=($(compgen -f -- \"$cur\")) ;;\n"
      "      --shell) COMPREPLY=($(compgen -W \"bash csh\" -- \"$cur\")) ;;\n"
      "      --sort-dir) COMPREPLY=($(compgen -W \"asc desc\" -- \"$cur\")) ;;\n"
      "      --resource) COMPREPLY=($(compgen -W \"Cluster Container\" -- \"$cur\")) ;;\n"
      "      *) COMPREPLY=() ;;\n"
      "    esac\n"
      "    return 0\n"
      "  fi\n"
      "  if [[ -z \"$cmd\" ]]; then\n"
      "    if [[ \"$cur\" == -* ]]; then\n"
      "      COMPREPLY=($(compgen -W \"$globals\" -- \"$cur\"))\n"
      "    else\n"
      "      COMPREPLY=($(compgen -W \"$commands\" -- \"$cur\"))\n"
      "    fi\n"
      "    return 0\n"
      "  fi\n"
      "  case \"$cmd\" in\n"
      "    help) COMPREPLY=($(compgen -W \"$commands\" -- \"$cur\")); return 0 ;;\n"
      "    completion) COMPREPLY=($(compgen -W \"bash\" -- \"$cur\")); return 0 ;;\n";
  for (const auto& c : commands) {
    if (c.name == "help" || c.name == "completion") continue;
    std::set<std::string> names;
    for (const auto& o : c.options) AddNames(o, names);
    s += "    " + c.name + ") opts=\"" + Join(names) + "\" ;;\n";
  }
  s += "    *) opts=\"\" ;;\n"
       "  esac\n"
       "  if [[ \"$cur\" == -* ]]; then\n"
       "    COMPREPLY=($(compgen -W \"$opts $globals\" -- \"$cur\"))\n"
       "  else\n"
       "    COMPREPLY=()\n"
       "  fi\n"
       "  return 0\n"
       "}\n"
       "complete -o default -F _magnumctl magnumctl\n";
  return s;
}

}  // namespace magnum::ctl
