#include "rolloutlab/core/promql/labels.h"

#include <algorithm>

namespace rolloutlab::core::promql {

namespace {
auto byName(std::vector<Label>& v, std::string_view name) {
  return std::lower_bound(v.begin(), v.end(), name,
                          [](const Label& l, std::string_view n) { return l.name < n; });
}
}  // namespace

Labels::Labels(std::initializer_list<std::pair<std::string_view, std::string_view>> pairs) {
  for (const auto& [n, v] : pairs) set(n, v);
}

Labels::Labels(std::vector<Label> labels) {
  for (auto& l : labels) set(l.name, l.value);
}

std::string_view Labels::get(std::string_view name) const {
  auto it = std::lower_bound(labels_.begin(), labels_.end(), name,
                             [](const Label& l, std::string_view n) { return l.name < n; });
  if (it != labels_.end() && it->name == name) return it->value;
  return {};
}

void Labels::set(std::string_view name, std::string_view value) {
  auto it = byName(labels_, name);
  const bool found = it != labels_.end() && it->name == name;
  if (value.empty()) {
    if (found) labels_.erase(it);
    return;
  }
  if (found) {
    it->value.assign(value);
  } else {
    labels_.insert(it, Label{std::string(name), std::string(value)});
  }
}

void Labels::remove(std::string_view name) {
  auto it = byName(labels_, name);
  if (it != labels_.end() && it->name == name) labels_.erase(it);
}

void Labels::keepOnly(const std::vector<std::string>& names) {
  std::erase_if(labels_, [&](const Label& l) {
    return std::find(names.begin(), names.end(), l.name) == names.end();
  });
}

Labels Labels::withoutMetricName() const {
  Labels out = *this;
  out.remove(kMetricNameLabel);
  return out;
}

std::string Labels::toString() const {
  // model/labels/labels.go Labels.String: {name="value", ...} with strconv.Quote'd values.
  std::string out = "{";
  bool first = true;
  for (const auto& l : labels_) {
    if (!first) out += ", ";
    first = false;
    out += l.name;
    out += '=';
    out += goQuote(l.value);
  }
  out += '}';
  return out;
}

std::string Labels::key() const {
  std::string out;
  for (const auto& l : labels_) {
    out += l.name;
    out += '\xff';
    out += l.value;
    out += '\xff';
  }
  return out;
}

int compare(const Labels& a, const Labels& b) {
  const auto& x = a.items();
  const auto& y = b.items();
  const std::size_t n = std::min(x.size(), y.size());
  for (std::size_t i = 0; i < n; ++i) {
    if (x[i].name != y[i].name) return x[i].name < y[i].name ? -1 : 1;
    if (x[i].value != y[i].value) return x[i].value < y[i].value ? -1 : 1;
  }
  if (x.size() == y.size()) return 0;
  return x.size() < y.size() ? -1 : 1;
}

std::string goQuote(std::string_view s) {
  static const char* kHex = "0123456789abcdef";
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        if (c < 0x20 || c == 0x7f) {
          out += "\\x";
          out += kHex[c >> 4];
          out += kHex[c & 15];
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  out += '"';
  return out;
}

}  // namespace rolloutlab::core::promql
