#include "daemon/metrics/exporter/openmetrics.h"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <string_view>

namespace ackd {
namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;

constexpr std::string_view kTotal = "_total";
constexpr std::string_view kUnits[] = {"seconds", "bytes"};

bool ends_with(std::string_view text, std::string_view suffix) {
  return text.size() > suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

// Backslash, double quote and line feed, as the ABNF's escaped-string.
void append_escaped(std::string& out, std::string_view text) {
  for (char c : text) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
}

// The shortest digits that read back as `value`, without an exponent.
std::string fixed_number(double value) {
  char text[400];  // the longest a double written this way can be
  auto end = std::to_chars(text, text + sizeof(text), value, std::chars_format::fixed);
  return std::string(text, end.ptr);
}

// A sample's value: an integer as one (counts, counters), else the
// shortest float that reads back as it.
std::string sample_value(double value) {
  if (!std::isfinite(value)) return canonical_number(value);
  if (value == std::trunc(value) && std::fabs(value) < 9.0e15) {
    return std::to_string(static_cast<int64_t>(value));
  }
  char text[64];
  auto end = std::to_chars(text, text + sizeof(text), value);
  return std::string(text, end.ptr);
}

const char* type_name(MetricType type) {
  switch (type) {
    case MetricType::Counter:
      return "counter";
    case MetricType::Gauge:
      return "gauge";
    case MetricType::Summary:
      return "summary";
    case MetricType::Histogram:
      return "histogram";
    case MetricType::Untyped:
      return "unknown";
  }
  return "unknown";
}

// The family's name: a counter's without "_total", which its sample adds.
std::string family_name(const MetricFamily& family) {
  std::string_view name = family.name;
  if (family.type == MetricType::Counter && ends_with(name, kTotal)) {
    name.remove_suffix(kTotal.size());
  }
  return std::string(name);
}

// One sample line: name{labels[,extra="value"]} value [timestamp].
class SampleWriter {
 public:
  SampleWriter(std::string& out, const ClientMetric& metric) : out_(out), metric_(metric) {}

  void write(std::string_view name, double value, std::string_view extra_label = {},
             std::string_view extra_value = {}) {
    out_ += name;
    if (!metric_.label.empty() || !extra_label.empty()) {
      out_ += '{';
      const char* separator = "";
      for (const ClientMetric::Label& label : metric_.label) {
        append_label(separator, label.name, label.value);
        separator = ",";
      }
      if (!extra_label.empty()) append_label(separator, extra_label, extra_value);
      out_ += '}';
    }
    out_ += ' ';
    out_ += sample_value(value);
    if (metric_.timestamp_ms != 0) {  // seconds, never with an exponent
      out_ += ' ';
      out_ += fixed_number(static_cast<double>(metric_.timestamp_ms) / 1000);
    }
    out_ += '\n';
  }

 private:
  void append_label(const char* separator, std::string_view name, std::string_view value) {
    out_ += separator;
    out_ += name;
    out_ += "=\"";
    append_escaped(out_, value);
    out_ += '"';
  }

  std::string& out_;
  const ClientMetric& metric_;
};

void write_metric(std::string& out, const std::string& name, MetricType type,
                  const ClientMetric& metric) {
  SampleWriter sample(out, metric);
  switch (type) {
    case MetricType::Counter:
      sample.write(name + std::string(kTotal), metric.counter.value);
      break;
    case MetricType::Gauge:
      sample.write(name, metric.gauge.value);
      break;
    case MetricType::Untyped:
      sample.write(name, metric.untyped.value);
      break;
    case MetricType::Histogram:
      for (const ClientMetric::Bucket& bucket : metric.histogram.bucket) {
        sample.write(name + "_bucket", static_cast<double>(bucket.cumulative_count), "le",
                     canonical_number(bucket.upper_bound));
      }
      sample.write(name + "_count", static_cast<double>(metric.histogram.sample_count));
      sample.write(name + "_sum", metric.histogram.sample_sum);
      break;
    case MetricType::Summary:
      for (const ClientMetric::Quantile& quantile : metric.summary.quantile) {
        sample.write(name, quantile.value, "quantile", canonical_number(quantile.quantile));
      }
      sample.write(name + "_count", static_cast<double>(metric.summary.sample_count));
      sample.write(name + "_sum", metric.summary.sample_sum);
      break;
  }
}

void write_family(std::string& out, const MetricFamily& family) {
  std::string name = family_name(family);
  out += "# TYPE " + name + ' ' + type_name(family.type) + '\n';
  for (std::string_view unit : kUnits) {
    if (ends_with(name, "_" + std::string(unit)))
      out += "# UNIT " + name + ' ' + std::string(unit) + '\n';
  }
  if (!family.help.empty()) {
    out += "# HELP " + name + ' ';
    append_escaped(out, family.help);
    out += '\n';
  }
  for (const ClientMetric& metric : family.metric) write_metric(out, name, family.type, metric);
}

}  // namespace

std::string canonical_number(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  char text[64];
  // The shortest digits that read back as `value`; Go's %g writes them with
  // an exponent when it is below -4 or at least 6.
  auto scientific = std::to_chars(text, text + sizeof(text), value, std::chars_format::scientific);
  std::string_view digits(text, static_cast<size_t>(scientific.ptr - text));
  int exponent = std::stoi(std::string(digits.substr(digits.find('e') + 1)));
  if (exponent < -4 || exponent >= 6) return std::string(digits);
  std::string out = fixed_number(value);
  if (out.find('.') == std::string::npos) out += ".0";
  return out;
}

std::string render_openmetrics(const std::vector<MetricFamily>& families) {
  std::string out;
  for (const MetricFamily& family : families) write_family(out, family);
  out += "# EOF\n";
  return out;
}

}  // namespace ackd
