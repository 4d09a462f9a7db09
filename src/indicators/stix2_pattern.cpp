#include "indicators/stix2_pattern.hpp"

#include <optional>

#include "core/text.hpp"

namespace vigil::indicators {

namespace {

constexpr std::size_t kMaxPatternBytes = 1 << 20;
constexpr int kMaxDepth = 64;

enum class Tok {
  end,
  lbracket,
  rbracket,
  lparen,
  rparen,
  comma,
  colon,
  dot,
  op,
  word,
  string,
  number,
  other
};

struct Token {
  Tok kind = Tok::end;
  std::string text;  // unescaped for strings; upper-cased for keywords is done by the parser
  std::size_t offset = 0;
  char string_prefix = 0;  // 't', 'h', 'b' for typed literals, 0 for plain strings
};

class Lexer {
 public:
  explicit Lexer(std::string_view s) : s_(s) {}

  // Returns false (with error_) on an unterminated string or stray byte.
  bool next(Token& tok) {
    while (pos_ < s_.size() && core::is_ascii_space(s_[pos_])) ++pos_;
    tok = Token{};
    tok.offset = pos_;
    if (pos_ >= s_.size()) return true;
    char c = s_[pos_];
    auto single = [&](Tok kind) {
      tok.kind = kind;
      tok.text = std::string(1, c);
      ++pos_;
      return true;
    };
    switch (c) {
      case '[':
        return single(Tok::lbracket);
      case ']':
        return single(Tok::rbracket);
      case '(':
        return single(Tok::lparen);
      case ')':
        return single(Tok::rparen);
      case ',':
        return single(Tok::comma);
      case ':':
        return single(Tok::colon);
      case '.':
        return single(Tok::dot);
      case '\'':
        return string(tok, 0);
      default:
        break;
    }
    if (c == '=' || c == '!' || c == '<' || c == '>') {
      tok.kind = Tok::op;
      tok.text = std::string(1, c);
      ++pos_;
      if (pos_ < s_.size() && s_[pos_] == '=') {
        tok.text += '=';
        ++pos_;
      }
      if (tok.text == "!") return fail("'!' without '='");
      return true;
    }
    if ((c == 't' || c == 'h' || c == 'b') && pos_ + 1 < s_.size() && s_[pos_ + 1] == '\'') {
      ++pos_;
      return string(tok, c);
    }
    if (core::is_ascii_digit(c) || c == '-' || c == '+') {
      std::size_t start = pos_++;
      while (pos_ < s_.size() && (core::is_ascii_digit(s_[pos_]) || s_[pos_] == '.')) ++pos_;
      // A '-' that is part of an identifier (object types like "domain-name") is handled below.
      if (c == '-' && pos_ == start + 1) {
        pos_ = start;
      } else {
        tok.kind = Tok::number;
        tok.text = std::string(s_.substr(start, pos_ - start));
        return true;
      }
    }
    if (core::is_ascii_alpha(c) || c == '_' || c == '-' || core::is_ascii_digit(c)) {
      std::size_t start = pos_;
      while (pos_ < s_.size() &&
             (core::is_ascii_alpha(s_[pos_]) || core::is_ascii_digit(s_[pos_]) || s_[pos_] == '_' ||
              s_[pos_] == '-'))
        ++pos_;
      tok.kind = Tok::word;
      tok.text = std::string(s_.substr(start, pos_ - start));
      return true;
    }
    return fail("unexpected character '" + core::printable(s_.substr(pos_, 1)) + "'");
  }

  [[nodiscard]] const std::string& error() const { return error_; }
  [[nodiscard]] std::size_t error_offset() const { return error_offset_; }

 private:
  bool string(Token& tok, char prefix) {
    ++pos_;  // opening quote
    tok.kind = Tok::string;
    tok.string_prefix = prefix;
    while (pos_ < s_.size()) {
      char c = s_[pos_++];
      if (c == '\\') {
        if (pos_ >= s_.size()) break;
        tok.text += s_[pos_++];  // \' and \\ (the only escapes STIX defines)
        continue;
      }
      if (c == '\'') return true;
      tok.text += c;
    }
    error_offset_ = tok.offset;
    error_ = "unterminated string";
    return false;
  }

  bool fail(std::string message) {
    error_offset_ = pos_;
    error_ = std::move(message);
    return false;
  }

  std::string_view s_;
  std::size_t pos_ = 0;
  std::string error_;
  std::size_t error_offset_ = 0;
};

class Parser {
 public:
  explicit Parser(std::string_view s) : lexer_(s) {}

  ParsedPattern run() {
    if (advance() && pattern(0)) {
      if (tok_.kind != Tok::end) syntax("unexpected '" + tok_.text + "' after the pattern");
      if (result_.problem.empty() && result_.comparisons.empty())
        syntax("no comparison in the pattern");
    }
    // A pattern vigil cannot use whole is not used in part.
    if (!result_.problem.empty()) result_.comparisons.clear();
    return result_;
  }

 private:
  bool keyword(std::string_view word) const {
    return tok_.kind == Tok::word && core::iequals_ascii(tok_.text, word);
  }

  bool advance() {
    if (lexer_.next(tok_)) return true;
    result_.problem =
        "syntax error at offset " + std::to_string(lexer_.error_offset()) + ": " + lexer_.error();
    result_.syntax_error = true;
    return false;
  }

  bool syntax(const std::string& message) {
    if (!result_.syntax_error) {
      result_.problem = "syntax error at offset " + std::to_string(tok_.offset) + ": " + message;
      result_.syntax_error = true;
    }
    return false;
  }

  // Records the first unsupported construct and keeps parsing so syntax errors still surface.
  void unsupported(const std::string& what) {
    if (result_.problem.empty()) result_.problem = "unsupported: " + what;
  }

  bool expect(Tok kind, const char* what) {
    if (tok_.kind != kind) return syntax(std::string("expected ") + what);
    return advance();
  }

  // Pattern := Observation ((OR|AND|FOLLOWEDBY) Observation)*
  bool pattern(int depth) {
    if (depth > kMaxDepth) return syntax("nesting too deep");
    if (!observation(depth)) return false;
    while (keyword("OR") || keyword("AND") || keyword("FOLLOWEDBY")) {
      if (!keyword("OR"))
        unsupported(core::to_lower_ascii(tok_.text) == "and" ? "AND between observations"
                                                             : "FOLLOWEDBY");
      if (!advance() || !observation(depth)) return false;
    }
    return true;
  }

  // Observation := '[' ComparisonExpr ']' Qualifier* | '(' Pattern ')' Qualifier*
  bool observation(int depth) {
    if (tok_.kind == Tok::lbracket) {
      if (!advance() || !comparison_or(depth + 1) || !expect(Tok::rbracket, "']'")) return false;
    } else if (tok_.kind == Tok::lparen) {
      if (!advance() || !pattern(depth + 1) || !expect(Tok::rparen, "')'")) return false;
    } else {
      return syntax("expected '[' to start an observation");
    }
    return qualifiers();
  }

  bool qualifiers() {
    while (keyword("WITHIN") || keyword("REPEATS") || keyword("START")) {
      unsupported("qualifier " + tok_.text);
      bool start = keyword("START");
      if (!advance()) return false;
      if (start) {  // START t'…' STOP t'…'
        if (tok_.kind != Tok::string || !advance()) return syntax("expected a timestamp");
        if (!keyword("STOP") || !advance()) return syntax("expected STOP");
        if (tok_.kind != Tok::string || !advance()) return syntax("expected a timestamp");
        continue;
      }
      if (tok_.kind != Tok::number || !advance()) return syntax("expected a number");
      if (!keyword("SECONDS") && !keyword("TIMES")) return syntax("expected SECONDS or TIMES");
      if (!advance()) return false;
    }
    return true;
  }

  // ComparisonExpr := AndExpr (OR AndExpr)*
  bool comparison_or(int depth) {
    if (depth > kMaxDepth) return syntax("nesting too deep");
    if (!comparison_and(depth)) return false;
    while (keyword("OR")) {
      if (!advance() || !comparison_and(depth)) return false;
    }
    return true;
  }

  bool comparison_and(int depth) {
    if (!comparison_term(depth)) return false;
    while (keyword("AND")) {
      unsupported("AND inside an observation");
      if (!advance() || !comparison_term(depth)) return false;
    }
    return true;
  }

  bool comparison_term(int depth) {
    if (tok_.kind == Tok::lparen) {
      if (!advance() || !comparison_or(depth + 1)) return false;
      return expect(Tok::rparen, "')'");
    }
    if (keyword("EXISTS")) {
      unsupported("EXISTS");
      if (!advance()) return false;
      PatternComparison ignored;
      return object_path(ignored);
    }
    PatternComparison cmp;
    if (!object_path(cmp)) return false;
    bool negated = false;
    if (keyword("NOT")) {
      negated = true;
      unsupported("NOT");
      if (!advance()) return false;
    }
    if (tok_.kind == Tok::op) {
      std::string op = tok_.text;
      if (op != "=") unsupported("operator " + op);
      if (!advance()) return false;
      if (!literal(cmp.value)) return false;
      if (op == "=" && !negated) result_.comparisons.push_back(std::move(cmp));
      return true;
    }
    if (keyword("IN")) {
      if (!advance() || !expect(Tok::lparen, "'('")) return false;
      for (;;) {
        PatternComparison item = cmp;
        if (!literal(item.value)) return false;
        if (!negated) result_.comparisons.push_back(std::move(item));
        if (tok_.kind == Tok::comma) {
          if (!advance()) return false;
          continue;
        }
        return expect(Tok::rparen, "')'");
      }
    }
    for (std::string_view op : {"LIKE", "MATCHES", "ISSUBSET", "ISSUPERSET"}) {
      if (keyword(op)) {
        unsupported(std::string("operator ") + std::string(op));
        std::string ignored;
        return advance() && literal(ignored);
      }
    }
    return syntax("expected a comparison operator");
  }

  // object-type ':' component ('.' component | '[' index ']')*
  bool object_path(PatternComparison& cmp) {
    if (tok_.kind != Tok::word) return syntax("expected an object type");
    cmp.object_type = core::to_lower_ascii(tok_.text);
    if (!advance() || !expect(Tok::colon, "':'")) return false;
    if (!component(cmp)) return false;
    for (;;) {
      if (tok_.kind == Tok::dot) {
        if (!advance() || !component(cmp)) return false;
      } else if (tok_.kind == Tok::lbracket) {
        unsupported("list index in an object path");
        if (!advance()) return false;
        if (tok_.kind != Tok::number && !(tok_.kind == Tok::op && tok_.text == "*") &&
            tok_.kind != Tok::word)
          return syntax("expected a list index");
        if (!advance() || !expect(Tok::rbracket, "']'")) return false;
      } else {
        return true;
      }
    }
  }

  bool component(PatternComparison& cmp) {
    if (tok_.kind != Tok::word && tok_.kind != Tok::string && tok_.kind != Tok::number)
      return syntax("expected a property name");
    cmp.path.push_back(tok_.text);
    return advance();
  }

  bool literal(std::string& out) {
    if (tok_.kind == Tok::string) {
      if (tok_.string_prefix != 0)
        unsupported(std::string("typed literal ") + tok_.string_prefix + "'…'");
      out = tok_.text;
      return advance();
    }
    if (tok_.kind == Tok::number || keyword("true") || keyword("false")) {
      out = tok_.text;
      return advance();
    }
    return syntax("expected a value");
  }

  Lexer lexer_;
  Token tok_;
  ParsedPattern result_;
};

}  // namespace

ParsedPattern parse_stix_pattern(std::string_view pattern) {
  if (pattern.size() > kMaxPatternBytes) {
    ParsedPattern result;
    result.problem = "pattern longer than 1 MiB";
    result.syntax_error = true;
    return result;
  }
  return Parser(pattern).run();
}

}  // namespace vigil::indicators
