// A subset of Go's text/template (text/template/parse/lex.go, parse.go; text/template/exec.go)
// as Flagger uses it to render query templates: text, actions with trim markers, comments,
// niladic functions, field chains on maps (`variables.key`), variables (`$x := ...`, `$x`),
// pipelines, string/number/bool literals and the builtins printf, print, index and len.
#include "rolloutlab/core/go/template.h"

#include <charconv>
#include <memory>
#include <optional>

#include "rolloutlab/core/go/format.h"

namespace rolloutlab::core::gotmpl {

namespace {

bool isSpaceChar(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }
bool isAlnumChar(char c) {
  return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         static_cast<unsigned char>(c) >= 0x80;
}

std::string goQuote(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else {
      out += c;
    }
  }
  return out + "\"";
}

enum class T {
  kSpace,
  kIdent,
  kField,     // .name
  kVariable,  // $ or $name
  kDot,
  kString,
  kNumber,
  kBool,
  kNil,
  kPipe,
  kLParen,
  kRParen,
  kDeclare,
  kAssign,
  kKeyword,
  kEnd,  // end of the action
};

struct Tok {
  T type;
  std::string val;
  std::size_t pos;
};

struct Node {
  enum class Kind { kLiteral, kFunc, kDot, kField, kVariable, kPipe } kind = Kind::kLiteral;
  Value literal;
  std::string name;                 // function or variable name
  std::vector<std::string> fields;  // chained fields
  std::size_t pos = 0;
  std::string text;  // source text, for messages
  struct Pipeline* pipe = nullptr;
};

struct Command {
  std::vector<Node> operands;
};

struct Pipeline {
  std::string declVar;
  bool declare = false;        // the action sets a variable (no output)
  bool isDeclaration = false;  // `:=` (a new variable) rather than `=`
  std::vector<Command> cmds;
};

class Template {
 public:
  Template(std::string_view src, const std::map<std::string, NullaryFunc>& funcs)
      : src_(src), funcs_(funcs) {}

  std::string run() {
    // text/template parses the whole template before executing any of it.
    struct Segment {
      std::string text;
      Pipeline* action = nullptr;
    };
    std::vector<Segment> segments;
    std::size_t pos = 0;
    bool trimNext = false;
    vars_.emplace_back("$", Value{});
    while (pos <= src_.size()) {
      const std::size_t open = src_.find("{{", pos);
      std::string_view text =
          src_.substr(pos, open == std::string_view::npos ? std::string_view::npos : open - pos);
      if (trimNext) {
        while (!text.empty() && isSpaceChar(text.front())) text.remove_prefix(1);
        trimNext = false;
      }
      if (open == std::string_view::npos) {
        segments.push_back({std::string(text), nullptr});
        break;
      }
      std::size_t p = open + 2;
      // "{{- " trims the text before the action.
      if (p + 1 < src_.size() && src_[p] == '-' && isSpaceChar(src_[p + 1])) {
        while (!text.empty() && isSpaceChar(text.back())) text.remove_suffix(1);
        p += 2;
        while (p < src_.size() && isSpaceChar(src_[p])) ++p;
      }
      segments.push_back({std::string(text), nullptr});
      actionStart_ = open;
      if (src_.substr(p).starts_with("/*")) {
        // A comment: {{/* ... */}}, possibly with trim markers.
        const std::size_t close = src_.find("*/", p + 2);
        if (close == std::string_view::npos) parseError("unclosed comment");
        std::size_t e = close + 2;
        bool rtrim = false;
        if (e < src_.size() && isSpaceChar(src_[e]) && src_.substr(e + 1).starts_with("-}}")) {
          rtrim = true;
          e += 2;
        }
        if (!src_.substr(e).starts_with("}}")) parseError("comment ends before closing delimiter");
        pos = e + 2;
        trimNext = rtrim;
        continue;
      }
      lexAction(p);
      trimNext = lexRightTrim_;
      segments.push_back({std::string(), parseAction()});
      pos = lexEnd_;
    }
    vars_.assign(1, {"$", Value{}});
    std::string out;
    for (const auto& seg : segments) {
      if (seg.action == nullptr) {
        out += seg.text;
        continue;
      }
      const Value v = evalPipeline(*seg.action);
      if (!seg.action->declare) out += printValue(v);
    }
    return out;
  }

 private:
  [[noreturn]] void parseError(const std::string& msg) const {
    throw TemplateError{true,
                        "template: tmpl:" + std::to_string(lineOf(actionStart_)) + ": " + msg};
  }
  [[noreturn]] void execError(const Node& at, const std::string& msg) const {
    throw TemplateError{false, "template: tmpl:" + std::to_string(lineOf(at.pos)) + ":" +
                                   std::to_string(colOf(at.pos)) + ": executing \"tmpl\" at <" +
                                   at.text + ">: " + msg};
  }
  int lineOf(std::size_t pos) const {
    int line = 1;
    for (std::size_t k = 0; k < pos && k < src_.size(); ++k) line += src_[k] == '\n';
    return line;
  }
  // Byte offset within the line, 0-based, as text/template's ErrorContext counts it.
  int colOf(std::size_t pos) const {
    const std::string_view before = src_.substr(0, pos);
    const std::size_t nl = before.rfind('\n');
    return static_cast<int>(nl == std::string_view::npos ? pos : pos - nl - 1);
  }

  // ---- lexer (one action) ----

  void lexAction(std::size_t p) {
    toks_.clear();
    idx_ = 0;
    lexRightTrim_ = false;
    for (;;) {
      if (p >= src_.size()) parseError("unclosed action");
      // " -}}" (whitespace, dash, delimiter) ends the action and trims what follows.
      if (isSpaceChar(src_[p]) && src_.substr(p + 1).starts_with("-}}")) {
        toks_.push_back({T::kEnd, "", p});
        lexRightTrim_ = true;
        lexEnd_ = p + 4;
        return;
      }
      if (src_.substr(p).starts_with("}}")) {
        toks_.push_back({T::kEnd, "", p});
        lexEnd_ = p + 2;
        return;
      }
      const char c = src_[p];
      const std::size_t start = p;
      if (isSpaceChar(c)) {
        while (p < src_.size() && isSpaceChar(src_[p]) && !src_.substr(p + 1).starts_with("-}}")) {
          ++p;
        }
        if (p == start) ++p;  // a lone space before " -}}" handled above
        toks_.push_back({T::kSpace, " ", start});
        continue;
      }
      if (c == '|') {
        toks_.push_back({T::kPipe, "|", p++});
        continue;
      }
      if (c == '(') {
        toks_.push_back({T::kLParen, "(", p++});
        continue;
      }
      if (c == ')') {
        toks_.push_back({T::kRParen, ")", p++});
        continue;
      }
      if (c == ':' && p + 1 < src_.size() && src_[p + 1] == '=') {
        toks_.push_back({T::kDeclare, ":=", p});
        p += 2;
        continue;
      }
      if (c == '=') {
        toks_.push_back({T::kAssign, "=", p++});
        continue;
      }
      if (c == '"' || c == '`') {
        std::string val;
        ++p;
        for (;;) {
          if (p >= src_.size() || (c == '"' && src_[p] == '\n')) {
            parseError("unterminated quoted string");
          }
          const char d = src_[p++];
          if (d == c) break;
          if (c == '"' && d == '\\') {
            if (p >= src_.size()) parseError("unterminated quoted string");
            const char e = src_[p++];
            switch (e) {
              case 'n':
                val += '\n';
                break;
              case 't':
                val += '\t';
                break;
              case 'r':
                val += '\r';
                break;
              case '\\':
                val += '\\';
                break;
              case '"':
                val += '"';
                break;
              default:
                parseError(std::string("invalid syntax: unsupported escape \\") + e);
            }
            continue;
          }
          val += d;
        }
        toks_.push_back({T::kString, val, start});
        continue;
      }
      if (c == '$') {
        ++p;
        while (p < src_.size() && isAlnumChar(src_[p])) ++p;
        toks_.push_back({T::kVariable, std::string(src_.substr(start, p - start)), start});
        continue;
      }
      if (c == '.') {
        if (p + 1 < src_.size() && isAlnumChar(src_[p + 1])) {
          ++p;
          while (p < src_.size() && isAlnumChar(src_[p])) ++p;
          toks_.push_back({T::kField, std::string(src_.substr(start + 1, p - start - 1)), start});
        } else {
          toks_.push_back({T::kDot, ".", p++});
        }
        continue;
      }
      if ((c >= '0' && c <= '9') || ((c == '-' || c == '+') && p + 1 < src_.size() &&
                                     src_[p + 1] >= '0' && src_[p + 1] <= '9')) {
        ++p;
        // lex.go scanNumber: an exponent takes a sign (`2.5e-7`; `p` after a hex mantissa).
        const std::string_view head = src_.substr(start, 3);
        const bool hex = head.find_first_of("xX") != std::string_view::npos;
        while (p < src_.size() && (isAlnumChar(src_[p]) || src_[p] == '.' ||
                                   ((src_[p] == '-' || src_[p] == '+') &&
                                    (hex ? (src_[p - 1] == 'p' || src_[p - 1] == 'P')
                                         : (src_[p - 1] == 'e' || src_[p - 1] == 'E')))))
          ++p;
        toks_.push_back({T::kNumber, std::string(src_.substr(start, p - start)), start});
        continue;
      }
      if (isAlnumChar(c)) {
        while (p < src_.size() && isAlnumChar(src_[p])) ++p;
        std::string word(src_.substr(start, p - start));
        T type = T::kIdent;
        if (word == "true" || word == "false") {
          type = T::kBool;
        } else if (word == "nil") {
          type = T::kNil;
        } else if (word == "if" || word == "else" || word == "end" || word == "range" ||
                   word == "with" || word == "define" || word == "template" || word == "block" ||
                   word == "break" || word == "continue") {
          type = T::kKeyword;
        }
        toks_.push_back({type, word, start});
        continue;
      }
      parseError("unexpected " + goQuote(std::string(1, c)) + " in command");
    }
  }

  // ---- parser ----

  const Tok& peekTok() {
    while (toks_[idx_].type == T::kSpace) ++idx_;
    return toks_[idx_];
  }

  Pipeline* parseAction() {
    const Tok& first = peekTok();
    if (first.type == T::kKeyword) {
      parseError("the {{" + first.val + "}} action is not supported");
    }
    if (first.type == T::kEnd) parseError("missing value for command");
    Pipeline* p = parsePipeline(T::kEnd);
    return p;
  }

  Pipeline* parsePipeline(T terminator) {
    pipes_.push_back(std::make_unique<Pipeline>());
    Pipeline* p = pipes_.back().get();
    // Declaration: $x := ... or $x = ...
    {
      std::size_t save = idx_;
      const Tok& t = peekTok();
      if (t.type == T::kVariable) {
        const std::string name = t.val;
        ++idx_;
        const Tok& op = peekTok();
        if (op.type == T::kDeclare || op.type == T::kAssign) {
          ++idx_;
          p->declare = true;
          p->isDeclaration = op.type == T::kDeclare;
          p->declVar = name;
          if (op.type == T::kAssign && !hasVariable(name)) {
            parseError("undefined variable " + goQuote(name));
          }
        } else {
          idx_ = save;
        }
      }
    }
    for (;;) {
      Command cmd;
      for (;;) {
        // Operands are separated by spaces; the command ends at '|', the terminator or ')'.
        while (toks_[idx_].type == T::kSpace) ++idx_;
        const Tok& t = toks_[idx_];
        if (t.type == T::kPipe || t.type == terminator || t.type == T::kEnd ||
            t.type == T::kRParen) {
          break;
        }
        cmd.operands.push_back(parseOperand());
      }
      if (cmd.operands.empty()) parseError("missing value for command");
      p->cmds.push_back(std::move(cmd));
      const Tok& t = toks_[idx_];
      if (t.type == T::kPipe) {
        ++idx_;
        continue;
      }
      if (t.type == terminator) {
        if (terminator != T::kEnd) ++idx_;
        break;
      }
      parseError("unexpected " + goQuote(t.val) + " in command");
    }
    if (p->declare) vars_.emplace_back(p->declVar, Value{});  // visible from here on
    return p;
  }

  bool hasVariable(const std::string& name) const {
    for (const auto& v : vars_) {
      if (v.first == name) return true;
    }
    return false;
  }

  Node parseOperand() {
    const Tok t = toks_[idx_++];
    Node n;
    n.pos = t.pos;
    switch (t.type) {
      case T::kIdent:
        if (funcs_.count(t.val) == 0 && t.val != "printf" && t.val != "print" && t.val != "index" &&
            t.val != "len") {
          parseError("function " + goQuote(t.val) + " not defined");
        }
        n.kind = Node::Kind::kFunc;
        n.name = t.val;
        break;
      case T::kDot:
        n.kind = Node::Kind::kDot;
        break;
      case T::kField:
        n.kind = Node::Kind::kField;
        n.fields.push_back(t.val);
        break;
      case T::kVariable:
        if (!hasVariable(t.val)) parseError("undefined variable " + goQuote(t.val));
        n.kind = Node::Kind::kVariable;
        n.name = t.val;
        break;
      case T::kString:
        n.literal = Value::string(t.val);
        break;
      case T::kBool:
        n.literal.kind = Value::Kind::kBool;
        n.literal.b = t.val == "true";
        break;
      case T::kNil:
        n.literal.kind = Value::Kind::kNil;
        n.name = "nil";
        break;
      case T::kNumber: {
        long long iv = 0;
        const auto r = std::from_chars(t.val.data(), t.val.data() + t.val.size(), iv);
        if (r.ec == std::errc() && r.ptr == t.val.data() + t.val.size()) {
          n.literal.kind = Value::Kind::kInt;
          n.literal.i = iv;
        } else {
          double dv = 0;
          const auto rf = std::from_chars(t.val.data(), t.val.data() + t.val.size(), dv);
          if (rf.ec != std::errc() || rf.ptr != t.val.data() + t.val.size()) {
            parseError("bad number syntax: " + goQuote(t.val));
          }
          n.literal.kind = Value::Kind::kFloat;
          n.literal.f = dv;
        }
        break;
      }
      case T::kLParen:
        n.kind = Node::Kind::kPipe;
        n.pipe = parsePipeline(T::kRParen);
        break;
      case T::kKeyword:
        parseError("unexpected <" + t.val + "> in command");
      default:
        parseError("unexpected " + goQuote(t.val) + " in operand");
    }
    // A field chain glued to the operand: variables.key, $x.key, (pipeline).key. On a function
    // or a parenthesised pipeline it is a chain node, positioned at its first field.
    if (toks_[idx_].type == T::kField &&
        (n.kind == Node::Kind::kFunc || n.kind == Node::Kind::kPipe)) {
      n.pos = toks_[idx_].pos;
    }
    while (toks_[idx_].type == T::kField) {
      n.fields.push_back(toks_[idx_].val);
      ++idx_;
    }
    n.text =
        std::string(src_.substr(t.pos, (idx_ < toks_.size() ? toks_[idx_].pos : t.pos) - t.pos));
    return n;
  }

  // ---- execution ----

  Value lookupVariable(const std::string& name) const {
    for (auto it = vars_.rbegin(); it != vars_.rend(); ++it) {
      if (it->first == name) return it->second;
    }
    return Value{};
  }

  Value evalPipeline(const Pipeline& p) {
    Value v;
    bool have = false;
    for (const auto& cmd : p.cmds) {
      v = evalCommand(cmd, have ? &v : nullptr);
      have = true;
    }
    if (p.declare) {
      bool assigned = false;
      if (!p.isDeclaration) {
        for (auto it = vars_.rbegin(); it != vars_.rend(); ++it) {
          if (it->first == p.declVar) {
            it->second = v;
            assigned = true;
            break;
          }
        }
      }
      if (!assigned) vars_.emplace_back(p.declVar, v);
    }
    return v;
  }

  Value fieldChain(const Node& at, Value v, const std::vector<std::string>& fields,
                   std::size_t from) {
    for (std::size_t k = from; k < fields.size(); ++k) {
      const std::string& f = fields[k];
      switch (v.kind) {
        case Value::Kind::kMap: {
          auto it = v.map.find(f);
          // missingkey=error
          if (it == v.map.end()) execError(at, "map has no entry for key " + goQuote(f));
          v = Value::string(it->second);
          break;
        }
        case Value::Kind::kNil:
          execError(at, "nil data; no entry for key " + goQuote(f));
        default:
          execError(at, "can't evaluate field " + f + " in type " + typeName(v));
      }
    }
    return v;
  }

  static std::string typeName(const Value& v) {
    switch (v.kind) {
      case Value::Kind::kString:
        return "string";
      case Value::Kind::kMap:
        return "map[string]string";
      case Value::Kind::kInt:
        return "int";
      case Value::Kind::kFloat:
        return "float64";
      case Value::Kind::kBool:
        return "bool";
      case Value::Kind::kNil:
        break;
    }
    return "interface {}";
  }

  Value evalArg(const Node& n) {
    switch (n.kind) {
      case Node::Kind::kLiteral:
        if (n.name == "nil") execError(n, "nil is not a command");
        return n.literal;
      case Node::Kind::kDot:
        return fieldChain(n, Value{}, n.fields, 0);
      case Node::Kind::kField:
        return fieldChain(n, Value{}, n.fields, 0);
      case Node::Kind::kVariable:
        return fieldChain(n, lookupVariable(n.name), n.fields, 0);
      case Node::Kind::kPipe:
        return fieldChain(n, evalPipeline(*n.pipe), n.fields, 0);
      case Node::Kind::kFunc:
        return fieldChain(n, callFunction(n, {}, nullptr), n.fields, 0);
    }
    return Value{};
  }

  Value evalCommand(const Command& c, const Value* piped) {
    const Node& first = c.operands[0];
    if (first.kind == Node::Kind::kFunc && first.fields.empty()) {
      std::vector<Value> args;
      for (std::size_t k = 1; k < c.operands.size(); ++k) args.push_back(evalArg(c.operands[k]));
      return callFunction(first, args, piped);
    }
    if (c.operands.size() > 1 || piped != nullptr) {
      execError(first, "can't give argument to non-function " + first.text);
    }
    return evalArg(first);
  }

  Value callFunction(const Node& at, std::vector<Value> args, const Value* piped) {
    if (piped != nullptr) args.push_back(*piped);
    const std::string& name = at.name;
    auto it = funcs_.find(name);
    if (it != funcs_.end()) {
      if (!args.empty()) {
        execError(
            at, "wrong number of args for " + name + ": want 0 got " + std::to_string(args.size()));
      }
      return it->second();
    }
    if (name == "printf") {
      if (args.empty()) execError(at, "wrong number of args for printf: want at least 1 got 0");
      if (args[0].kind != Value::Kind::kString) {
        execError(at, "wrong type for value; expected string; got " + typeName(args[0]));
      }
      return Value::string(sprintf(args[0].str, args, 1));
    }
    if (name == "print") {
      std::string out;
      for (std::size_t k = 0; k < args.size(); ++k) {
        // fmt.Sprint adds a space between operands when neither is a string.
        if (k > 0 && args[k].kind != Value::Kind::kString &&
            args[k - 1].kind != Value::Kind::kString) {
          out += ' ';
        }
        out += printValue(args[k]);
      }
      return Value::string(out);
    }
    if (name == "index") {
      if (args.empty()) execError(at, "wrong number of args for index: want at least 1 got 0");
      Value v = args[0];
      for (std::size_t k = 1; k < args.size(); ++k) {
        if (v.kind != Value::Kind::kMap) execError(at, "can't index item of type " + typeName(v));
        if (args[k].kind != Value::Kind::kString) {
          execError(at, "value has type " + typeName(args[k]) + "; should be string");
        }
        auto f = v.map.find(args[k].str);
        v = Value::string(f == v.map.end() ? std::string() : f->second);
      }
      return v;
    }
    if (name == "len") {
      if (args.size() != 1) {
        execError(at, "wrong number of args for len: want 1 got " + std::to_string(args.size()));
      }
      Value r;
      r.kind = Value::Kind::kInt;
      if (args[0].kind == Value::Kind::kString) {
        r.i = static_cast<long long>(args[0].str.size());
      } else if (args[0].kind == Value::Kind::kMap) {
        r.i = static_cast<long long>(args[0].map.size());
      } else {
        execError(at, "error calling len: len of type " + typeName(args[0]));
      }
      return r;
    }
    execError(at, "function " + goQuote(name) + " not defined");
  }

  static std::string printValue(const Value& v) {
    switch (v.kind) {
      case Value::Kind::kNil:
        return "<no value>";
      case Value::Kind::kString:
        return v.str;
      case Value::Kind::kInt:
        return std::to_string(v.i);
      case Value::Kind::kFloat:
        // fmt's %v of a float64 (text/template prints a value with fmt.Fprint): "1e+06",
        // "1.23456789e+08", "+Inf".
        return go::goFloat(v.f);
      case Value::Kind::kBool:
        return v.b ? "true" : "false";
      case Value::Kind::kMap: {
        std::string out = "map[";
        bool first = true;
        for (const auto& [k, val] : v.map) {
          if (!first) out += ' ';
          first = false;
          out += k + ":" + val;
        }
        return out + "]";
      }
    }
    return {};
  }

  // fmt.Sprintf for the verbs %s %v %d %q %t %%; Go's error forms for mismatches.
  static std::string sprintf(const std::string& fmt, const std::vector<Value>& args,
                             std::size_t next) {
    std::string out;
    for (std::size_t k = 0; k < fmt.size(); ++k) {
      if (fmt[k] != '%') {
        out += fmt[k];
        continue;
      }
      if (++k >= fmt.size()) {
        out += "%!(NOVERB)";
        break;
      }
      const char verb = fmt[k];
      if (verb == '%') {
        out += '%';
        continue;
      }
      if (next >= args.size()) {
        out += std::string("%!") + verb + "(MISSING)";
        continue;
      }
      const Value& a = args[next++];
      const bool ok = (verb == 'v') || (verb == 's' && a.kind == Value::Kind::kString) ||
                      (verb == 'q' && a.kind == Value::Kind::kString) ||
                      (verb == 'd' && a.kind == Value::Kind::kInt) ||
                      (verb == 't' && a.kind == Value::Kind::kBool);
      if (!ok) {
        out += std::string("%!") + verb + "(" + typeName(a) + "=" + printValue(a) + ")";
        continue;
      }
      out += verb == 'q' ? goQuote(a.str) : printValue(a);
    }
    if (next < args.size()) {
      out += "%!(EXTRA ";
      for (std::size_t k = next; k < args.size(); ++k) {
        if (k > next) out += ", ";
        out += typeName(args[k]) + "=" + printValue(args[k]);
      }
      out += ")";
    }
    return out;
  }

  std::string_view src_;
  const std::map<std::string, NullaryFunc>& funcs_;
  std::vector<Tok> toks_;
  std::size_t idx_ = 0;
  std::size_t lexEnd_ = 0;
  bool lexRightTrim_ = false;
  std::size_t actionStart_ = 0;
  std::vector<std::pair<std::string, Value>> vars_;
  std::vector<std::unique_ptr<Pipeline>> pipes_;
};

}  // namespace

std::string execute(std::string_view tmpl, const std::map<std::string, NullaryFunc>& funcs) {
  return Template(tmpl, funcs).run();
}

}  // namespace rolloutlab::core::gotmpl
