// JsonValue: JSON read into a tree, for tests that look into what ackd and
// ackctl print (`ackctl status --json`). Strict enough for tests: a text
// that is not one JSON value throws. Strings keep ackd's bytes: a \u00XX
// escape is the byte XX (common/json.h).
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace ackd::test {

class JsonValue {
 public:
  using Array = std::vector<JsonValue>;
  using Object = std::map<std::string, JsonValue>;

  JsonValue() = default;
  // Throws std::runtime_error saying where `text` stops being JSON.
  static JsonValue parse(std::string_view text);

  bool is_null() const { return std::holds_alternative<std::monostate>(value_); }
  bool is_number() const { return std::holds_alternative<double>(value_); }
  bool is_string() const { return std::holds_alternative<std::string>(value_); }
  bool is_object() const { return std::holds_alternative<Object>(value_); }
  bool has(const std::string& key) const { return is_object() && object().count(key) > 0; }

  // Each throws std::runtime_error if the value is of another kind (or
  // the key is missing).
  double number() const;
  const std::string& string() const;
  const Array& array() const;
  const Object& object() const;
  const JsonValue& operator[](const std::string& key) const;

 private:
  friend class JsonReader;
  std::variant<std::monostate, bool, double, std::string, Array, Object> value_;
};

}  // namespace ackd::test
