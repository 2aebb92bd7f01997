#include "tests/support/json_value.h"

#include <cstdlib>
#include <stdexcept>

namespace ackd::test {

// Recursive descent over the text; each method consumes one production.
class JsonReader {
 public:
  explicit JsonReader(std::string_view text) : text_(text) {}

  JsonValue document() {
    JsonValue v = value(0);
    skip_space();
    if (pos_ != text_.size()) fail("text after the value");
    return v;
  }

 private:
  JsonValue value(int depth) {
    skip_space();
    if (depth > 64 || pos_ >= text_.size()) fail("no value");
    JsonValue v;
    char c = text_[pos_];
    if (c == '{') {
      v.value_ = object(depth);
    } else if (c == '[') {
      v.value_ = array(depth);
    } else if (c == '"') {
      v.value_ = string();
    } else if (take_word("true")) {
      v.value_ = true;
    } else if (take_word("false")) {
      v.value_ = false;
    } else if (!take_word("null")) {
      v.value_ = number();
    }
    return v;
  }

  JsonValue::Object object(int depth) {
    JsonValue::Object members;
    ++pos_;
    skip_space();
    if (take('}')) return members;
    do {
      skip_space();
      std::string key = string();
      skip_space();
      if (!take(':')) fail("no ':'");
      members[key] = value(depth + 1);
      skip_space();
    } while (take(','));
    if (!take('}')) fail("no '}'");
    return members;
  }

  JsonValue::Array array(int depth) {
    JsonValue::Array elements;
    ++pos_;
    skip_space();
    if (take(']')) return elements;
    do {
      elements.push_back(value(depth + 1));
      skip_space();
    } while (take(','));
    if (!take(']')) fail("no ']'");
    return elements;
  }

  std::string string() {
    if (!take('"')) fail("no string");
    std::string out;
    while (pos_ < text_.size() && text_[pos_] != '"') {
      char c = text_[pos_++];
      if (c != '\\') {
        out += c;
        continue;
      }
      if (pos_ >= text_.size()) fail("cut escape");
      char kind = text_[pos_++];
      static constexpr std::string_view kFrom = "\"\\/bfnrt", kTo = "\"\\/\b\f\n\r\t";
      if (size_t at = kFrom.find(kind); at != std::string_view::npos) {
        out += kTo[at];
      } else if (kind == 'u' && pos_ + 4 <= text_.size()) {
        unsigned long code = std::strtoul(std::string(text_.substr(pos_, 4)).c_str(), nullptr, 16);
        if (code > 0xFF) fail("an escape past \\u00FF, which ackd never writes");
        out += static_cast<char>(code);
        pos_ += 4;
      } else {
        fail("bad escape");
      }
    }
    if (!take('"')) fail("cut string");
    return out;
  }

  double number() {
    std::string rest(text_.substr(pos_, 64));
    char* end = nullptr;
    double value = std::strtod(rest.c_str(), &end);
    if (end == rest.c_str()) fail("no number");
    pos_ += static_cast<size_t>(end - rest.c_str());
    return value;
  }

  bool take_word(std::string_view word) {
    if (text_.substr(pos_, word.size()) != word) return false;
    pos_ += word.size();
    return true;
  }

  bool take(char c) {
    if (pos_ < text_.size() && text_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }

  void skip_space() {
    while (pos_ < text_.size() &&
           std::string_view(" \t\r\n").find(text_[pos_]) != std::string_view::npos) {
      ++pos_;
    }
  }

  [[noreturn]] void fail(const char* why) const {
    throw std::runtime_error("not JSON at byte " + std::to_string(pos_) + ": " + why);
  }

  std::string_view text_;
  size_t pos_ = 0;
};

JsonValue JsonValue::parse(std::string_view text) { return JsonReader(text).document(); }

namespace {

template <class T>
const T& as(const std::variant<std::monostate, bool, double, std::string, JsonValue::Array,
                               JsonValue::Object>& value,
            const char* kind) {
  if (const T* v = std::get_if<T>(&value)) return *v;
  throw std::runtime_error(std::string("a JSON value is not ") + kind);
}

}  // namespace

double JsonValue::number() const { return as<double>(value_, "a number"); }
const std::string& JsonValue::string() const { return as<std::string>(value_, "a string"); }
const JsonValue::Array& JsonValue::array() const { return as<Array>(value_, "an array"); }
const JsonValue::Object& JsonValue::object() const { return as<Object>(value_, "an object"); }

const JsonValue& JsonValue::operator[](const std::string& key) const {
  auto it = object().find(key);
  if (it == object().end()) throw std::runtime_error("no \"" + key + "\" in a JSON object");
  return it->second;
}

}  // namespace ackd::test
