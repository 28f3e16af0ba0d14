#include "magnum/policy/rules.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <functional>
#include <set>
#include <unordered_map>

#include "magnum/common/strings.h"

namespace magnum::policy {

std::optional<std::string_view> Target::Get(std::string_view name) const {
  if (auto it = attributes.find(name); it != attributes.end()) return it->second;
  if (name == "project_id") return project_id;
  if (name == "user_id") return user_id;
  constexpr std::string_view kPrefix = "target.";
  if (name.substr(0, kPrefix.size()) == kPrefix) return Get(name.substr(kPrefix.size()));
  return std::nullopt;
}

namespace {

// A match text with `%(name)s` substitutions: literal pieces and field names, alternating.
struct Template {
  struct Piece {
    bool field = false;
    std::string text;  // literal text, or the field name
  };
  std::vector<Piece> pieces;

  // The text with the target's fields substituted; none when a field is missing.
  std::optional<std::string> Render(const Target& target) const {
    std::string out;
    for (const auto& p : pieces) {
      if (!p.field) {
        out += p.text;
        continue;
      }
      auto v = target.Get(p.text);
      if (!v) return std::nullopt;
      out += *v;
    }
    return out;
  }
};

// The parsed tree of one check string.
struct Node {
  enum class Kind { kTrue, kFalse, kAnd, kOr, kNot, kRule, kRole, kLiteral, kCredential };
  Kind kind = Kind::kTrue;
  std::vector<Node> children;  // and / or / not
  std::string name;            // rule name, literal value or credential key
  Template match;              // role / literal / credential
};

struct ParseFailure {
  size_t position;  // 1-based
  std::string what;
};

struct Token {
  enum class Kind { kOpen, kClose, kAnd, kOr, kNot, kCheck, kEnd };
  Kind kind;
  std::string_view text;
  size_t position;  // 1-based offset in the check string
};

// Splits on whitespace; parentheses are split off only at a word's ends (a check's own
// `%(name)s` keeps its parentheses), and/or/not are case-insensitive, as in oslo.policy.
std::vector<Token> Tokenize(std::string_view s) {
  std::vector<Token> out;
  size_t i = 0;
  while (i < s.size()) {
    if (std::isspace(static_cast<unsigned char>(s[i]))) {
      ++i;
      continue;
    }
    size_t end = i;
    while (end < s.size() && !std::isspace(static_cast<unsigned char>(s[end]))) ++end;
    size_t b = i, e = end;
    for (; b < e && s[b] == '('; ++b) out.push_back({Token::Kind::kOpen, s.substr(b, 1), b + 1});
    size_t closes = 0;
    while (e > b && s[e - 1] == ')') --e, ++closes;
    if (b < e) {
      std::string_view word = s.substr(b, e - b);
      std::string lw = AsciiLower(word);
      Token::Kind k = lw == "and"   ? Token::Kind::kAnd
                      : lw == "or"  ? Token::Kind::kOr
                      : lw == "not" ? Token::Kind::kNot
                                    : Token::Kind::kCheck;
      out.push_back({k, word, b + 1});
    }
    for (size_t c = 0; c < closes; ++c) {
      out.push_back({Token::Kind::kClose, s.substr(e + c, 1), e + c + 1});
    }
    i = end;
  }
  out.push_back({Token::Kind::kEnd, "", s.size() + 1});
  return out;
}

tl::expected<Template, ParseFailure> ParseTemplate(std::string_view m, size_t position) {
  Template t;
  std::string lit;
  for (size_t i = 0; i < m.size(); ++i) {
    if (m[i] != '%') {
      lit += m[i];
      continue;
    }
    if (i + 1 < m.size() && m[i + 1] == '%') {
      lit += '%';
      ++i;
      continue;
    }
    size_t close = m.find(")s", i);
    if (i + 1 >= m.size() || m[i + 1] != '(' || close == std::string_view::npos || close == i + 2) {
      return tl::unexpected(ParseFailure{position + i, "a '%' must start '%(field)s' or be '%%'"});
    }
    if (!lit.empty()) t.pieces.push_back({false, std::move(lit)});
    lit.clear();
    t.pieces.push_back({true, std::string(m.substr(i + 2, close - i - 2))});
    i = close + 1;
  }
  if (!lit.empty() || t.pieces.empty()) t.pieces.push_back({false, std::move(lit)});
  return t;
}

bool IsPythonLiteral(std::string_view k) {
  if (k == "True" || k == "False" || k == "None") return true;
  if (k.empty()) return false;
  size_t i = (k[0] == '-' || k[0] == '+') ? 1 : 0;
  return i < k.size() && std::all_of(k.begin() + i, k.end(), [](char c) {
           return std::isdigit(static_cast<unsigned char>(c));
         });
}

tl::expected<Node, ParseFailure> ParseCheck(const Token& tok) {
  std::string_view w = tok.text;
  Node n;
  if (w == "@") return n;
  if (w == "!") {
    n.kind = Node::Kind::kFalse;
    return n;
  }
  if (w.size() >= 2 && (w.front() == '"' || w.front() == '\'') && w.back() == w.front()) {
    return tl::unexpected(ParseFailure{tok.position, "a quoted string is not a check"});
  }
  size_t colon = w.find(':');
  if (colon == std::string_view::npos) {
    return tl::unexpected(
        ParseFailure{tok.position, "'" + std::string(w) + "' is not a check (kind:match, @ or !)"});
  }
  std::string_view kind = w.substr(0, colon), match = w.substr(colon + 1);
  if (kind.empty())
    return tl::unexpected(ParseFailure{tok.position, "a check needs a kind before ':'"});
  if (kind == "http" || kind == "https") {
    return tl::unexpected(ParseFailure{tok.position, "http checks are not supported"});
  }
  if (kind == "rule") {
    if (match.empty())
      return tl::unexpected(ParseFailure{tok.position, "'rule:' needs a rule name"});
    n.kind = Node::Kind::kRule;
    n.name = std::string(match);
    return n;
  }
  auto tmpl = ParseTemplate(match, tok.position + colon + 1);
  if (!tmpl) return tl::unexpected(tmpl.error());
  n.match = std::move(*tmpl);
  if (kind == "role") {
    n.kind = Node::Kind::kRole;
  } else if (kind.size() >= 2 && (kind.front() == '\'' || kind.front() == '"') &&
             kind.back() == kind.front()) {
    n.kind = Node::Kind::kLiteral;
    n.name = std::string(kind.substr(1, kind.size() - 2));
  } else if (IsPythonLiteral(kind)) {
    n.kind = Node::Kind::kLiteral;
    n.name = std::string(kind[0] == '+' ? kind.substr(1) : kind);
  } else {
    n.kind = Node::Kind::kCredential;
    n.name = std::string(kind);
  }
  return n;
}

// Recursive descent with oslo.policy's precedence: or < and < not < (parentheses, check).
class Parser {
 public:
  explicit Parser(std::vector<Token> tokens) : toks_(std::move(tokens)) {}

  tl::expected<Node, ParseFailure> Parse() {
    auto n = Or();
    if (!n) return n;
    if (Peek().kind != Token::Kind::kEnd) {
      return Unexpected(Peek().kind == Token::Kind::kClose ? "')' without a matching '('"
                                                           : "expected 'and' or 'or'");
    }
    return n;
  }

 private:
  const Token& Peek() const { return toks_[pos_]; }
  tl::unexpected<ParseFailure> Unexpected(std::string what) const {
    std::string got =
        Peek().kind == Token::Kind::kEnd ? "the end" : "'" + std::string(Peek().text) + "'";
    return tl::unexpected(ParseFailure{Peek().position, what + ", found " + got});
  }

  tl::expected<Node, ParseFailure> Binary(Token::Kind op, Node::Kind kind,
                                          tl::expected<Node, ParseFailure> (Parser::*next)()) {
    auto first = (this->*next)();
    if (!first || Peek().kind != op) return first;
    Node n;
    n.kind = kind;
    n.children.push_back(std::move(*first));
    while (Peek().kind == op) {
      ++pos_;
      auto more = (this->*next)();
      if (!more) return more;
      n.children.push_back(std::move(*more));
    }
    return n;
  }
  tl::expected<Node, ParseFailure> Or() {
    return Binary(Token::Kind::kOr, Node::Kind::kOr, &Parser::And);
  }
  tl::expected<Node, ParseFailure> And() {
    return Binary(Token::Kind::kAnd, Node::Kind::kAnd, &Parser::Not);
  }

  tl::expected<Node, ParseFailure> Not() {
    if (Peek().kind != Token::Kind::kNot) return Primary();
    ++pos_;
    if (++depth_ > 200) return Unexpected("nesting too deep");
    auto inner = Not();
    --depth_;
    if (!inner) return inner;
    Node n;
    n.kind = Node::Kind::kNot;
    n.children.push_back(std::move(*inner));
    return n;
  }

  tl::expected<Node, ParseFailure> Primary() {
    const Token& t = Peek();
    if (t.kind == Token::Kind::kCheck) {
      ++pos_;
      return ParseCheck(t);
    }
    if (t.kind != Token::Kind::kOpen) return Unexpected("expected a check, 'not' or '('");
    ++pos_;
    if (++depth_ > 200) return Unexpected("nesting too deep");
    auto inner = Or();
    --depth_;
    if (!inner) return inner;
    if (Peek().kind != Token::Kind::kClose) return Unexpected("expected ')'");
    ++pos_;
    return inner;
  }

  std::vector<Token> toks_;
  size_t pos_ = 0;
  int depth_ = 0;
};

tl::expected<Node, ParseFailure> ParseText(std::string_view check) {
  if (check.empty()) return Node{};  // "" = always
  if (std::all_of(check.begin(), check.end(),
                  [](char c) { return std::isspace(static_cast<unsigned char>(c)); })) {
    return tl::unexpected(ParseFailure{1, "a blank rule; write \"\" to always allow"});
  }
  return Parser(Tokenize(check)).Parse();
}

std::string Describe(std::string_view origin, std::string_view name, std::string_view check,
                     const ParseFailure& f) {
  std::string out;
  if (!origin.empty()) out += std::string(origin) + ": ";
  if (!name.empty()) out += "rule '" + std::string(name) + "': ";
  out += f.what + " at position " + std::to_string(f.position) + " in '" + std::string(check) + "'";
  return out;
}

void CollectRefs(const Node& n, std::vector<std::string>* out) {
  if (n.kind == Node::Kind::kRule) out->push_back(n.name);
  for (const auto& c : n.children) CollectRefs(c, out);
}

}  // namespace

struct RuleSet::Impl {
  struct Rule {
    std::string text;
    Node tree;
  };
  std::unordered_map<std::string, Rule> rules;

  bool Eval(const Node& n, const Credentials& creds, const Target& target, int depth) const {
    switch (n.kind) {
      case Node::Kind::kTrue:
        return true;
      case Node::Kind::kFalse:
        return false;
      case Node::Kind::kAnd:
        return std::all_of(n.children.begin(), n.children.end(),
                           [&](const Node& c) { return Eval(c, creds, target, depth); });
      case Node::Kind::kOr:
        return std::any_of(n.children.begin(), n.children.end(),
                           [&](const Node& c) { return Eval(c, creds, target, depth); });
      case Node::Kind::kNot:
        return !Eval(n.children[0], creds, target, depth);
      case Node::Kind::kRule:
        return EvalRule(n.name, creds, target, depth + 1);
      case Node::Kind::kRole: {
        auto m = n.match.Render(target);
        if (!m) return false;
        std::string want = AsciiLower(*m);
        return std::any_of(creds.roles.begin(), creds.roles.end(),
                           [&](const std::string& r) { return AsciiLower(r) == want; });
      }
      case Node::Kind::kLiteral: {
        auto m = n.match.Render(target);
        return m && *m == n.name;
      }
      case Node::Kind::kCredential: {
        auto m = n.match.Render(target);
        if (!m) return false;
        if (n.name == "roles") {
          return std::find(creds.roles.begin(), creds.roles.end(), *m) != creds.roles.end();
        }
        auto it = creds.values.find(n.name);
        return it != creds.values.end() && !it->second.empty() && it->second == *m;
      }
    }
    return false;
  }

  bool EvalRule(std::string_view name, const Credentials& creds, const Target& target,
                int depth) const {
    if (depth > kMaxRuleDepth) {
      spdlog::error("policy: rule '{}' nested deeper than {} rule: references; denied", name,
                    kMaxRuleDepth);
      return false;
    }
    auto it = rules.find(std::string(name));
    if (it == rules.end()) return false;
    return Eval(it->second.tree, creds, target, depth);
  }
};

RuleSet::RuleSet() : impl_(std::make_unique<Impl>()) {}
RuleSet::~RuleSet() = default;
RuleSet::RuleSet(RuleSet&&) noexcept = default;
RuleSet& RuleSet::operator=(RuleSet&&) noexcept = default;

Result<void> RuleSet::Set(std::string_view name, std::string_view check, std::string_view origin) {
  if (name.empty()) {
    return Fail(Error::InvalidArgument(
        std::string(origin.empty() ? "" : std::string(origin) + ": ") + "a rule needs a name"));
  }
  auto tree = ParseText(check);
  if (!tree) return Fail(Error::InvalidArgument(Describe(origin, name, check, tree.error())));
  impl_->rules[std::string(name)] = Impl::Rule{std::string(check), std::move(*tree)};
  return {};
}

Result<std::vector<std::string>> RuleSet::Validate() const {
  std::vector<std::string> warnings;
  std::unordered_map<std::string, std::vector<std::string>> refs;
  for (const auto& [name, rule] : impl_->rules) {
    CollectRefs(rule.tree, &refs[name]);
    for (const auto& r : refs[name]) {
      if (!impl_->rules.count(r)) {
        warnings.push_back("rule '" + name + "' refers to undefined rule '" + r + "' (false)");
      }
    }
  }
  // Depth-first search with colours; the path on the stack names the cycle.
  std::unordered_map<std::string, int> colour;  // 0 new, 1 on the path, 2 done
  std::vector<std::string> path;
  std::function<std::optional<std::string>(const std::string&)> visit =
      [&](const std::string& n) -> std::optional<std::string> {
    colour[n] = 1;
    path.push_back(n);
    for (const auto& r : refs[n]) {
      if (!impl_->rules.count(r)) continue;
      if (colour[r] == 1) {
        std::string cycle;
        auto start = std::find(path.begin(), path.end(), r);
        for (auto p = start; p != path.end(); ++p) cycle += *p + " -> ";
        return cycle + r;
      }
      if (colour[r] == 0) {
        if (auto c = visit(r)) return c;
      }
    }
    path.pop_back();
    colour[n] = 2;
    return std::nullopt;
  };
  std::vector<std::string> names = Names();
  for (const auto& n : names) {
    if (colour[n] != 0) continue;
    if (auto c = visit(n)) {
      return Fail(Error::InvalidArgument("policy rules refer to each other in a cycle: " + *c));
    }
  }
  std::sort(warnings.begin(), warnings.end());
  return warnings;
}

bool RuleSet::Contains(std::string_view name) const {
  return impl_->rules.count(std::string(name)) > 0;
}

std::string RuleSet::CheckString(std::string_view name) const {
  auto it = impl_->rules.find(std::string(name));
  return it == impl_->rules.end() ? std::string() : it->second.text;
}

std::vector<std::string> RuleSet::Names() const {
  std::vector<std::string> out;
  for (const auto& [name, rule] : impl_->rules) out.push_back(name);
  std::sort(out.begin(), out.end());
  return out;
}

bool RuleSet::Evaluate(std::string_view name, const Credentials& creds,
                       const Target& target) const {
  return impl_->EvalRule(name, creds, target, 0);
}

Result<void> ParseCheckString(std::string_view check) {
  auto tree = ParseText(check);
  if (!tree) return Fail(Error::InvalidArgument(Describe("", "", check, tree.error())));
  return {};
}

Result<bool> EvaluateCheckString(const RuleSet& rules, std::string_view check,
                                 const Credentials& creds, const Target& target) {
  auto tree = ParseText(check);
  if (!tree) return Fail(Error::InvalidArgument(Describe("", "", check, tree.error())));
  return rules.impl_->Eval(*tree, creds, target, 0);
}

}  // namespace magnum::policy
