#include "base/metrics.h"

#include <algorithm>
#include <cmath>
#include <charconv>
#include <cstdio>

namespace brs::metrics {
namespace {

std::string FormatDouble(double v) {
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (std::isnan(v)) return "NaN";
  // The shortest text that reads back as the same double (0.0005, not
  // 0.00050000000000000001).
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

std::string LabelText(const std::vector<std::string>& names, const std::vector<std::string>& values,
                      std::string_view extra_name = {}, std::string_view extra_value = {}) {
  std::string out;
  for (size_t i = 0; i < names.size(); ++i) {
    out += out.empty() ? "{" : ",";
    out += names[i] + "=\"" + EscapeLabelValue(values[i]) + "\"";
  }
  if (!extra_name.empty()) {
    out += out.empty() ? "{" : ",";
    out += std::string(extra_name) + "=\"" + std::string(extra_value) + "\"";
  }
  if (!out.empty()) out += "}";
  return out;
}

std::string EscapeHelp(std::string_view help) {
  std::string out;
  for (char c : help) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  return out;
}

template <typename T>
void Header(std::string& out, const Family<T>& f, const char* type) {
  out += "# HELP " + f.name() + " " + EscapeHelp(f.help()) + "\n";
  out += "# TYPE " + f.name() + " " + type + "\n";
}

}  // namespace

std::string EscapeLabelValue(std::string_view v) {
  std::string out;
  for (char c : v) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '"')
      out += "\\\"";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  return out;
}

Histogram::Histogram(std::vector<double> upper_bounds) : bounds_(std::move(upper_bounds)) {
  std::sort(bounds_.begin(), bounds_.end());
  bounds_.erase(std::unique(bounds_.begin(), bounds_.end()), bounds_.end());
  buckets_ = std::make_unique<std::atomic<uint64_t>[]>(bounds_.size() + 1);
  for (size_t i = 0; i <= bounds_.size(); ++i) buckets_[i].store(0);
}

void Histogram::Observe(double v) {
  size_t i = std::lower_bound(bounds_.begin(), bounds_.end(), v) - bounds_.begin();
  buckets_[i].fetch_add(1, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
  if (v > 0) sum_micro_.fetch_add(static_cast<uint64_t>(v * 1e6), std::memory_order_relaxed);
}

std::vector<uint64_t> Histogram::counts() const {
  std::vector<uint64_t> out(bounds_.size() + 1);
  for (size_t i = 0; i < out.size(); ++i) out[i] = buckets_[i].load(std::memory_order_relaxed);
  return out;
}

double Histogram::sum() const {
  return static_cast<double>(sum_micro_.load(std::memory_order_relaxed)) / 1e6;
}

template <typename T>
T& Family<T>::With(std::vector<std::string> label_values) {
  label_values.resize(label_names_.size());
  std::lock_guard lock(mu_);
  auto& slot = series_[label_values];
  if (!slot) {
    if constexpr (std::is_same_v<T, Histogram>) {
      slot = std::make_unique<T>(bounds_);
    } else {
      slot = std::make_unique<T>();
    }
  }
  return *slot;
}

template class Family<Counter>;
template class Family<Gauge>;
template class Family<Histogram>;

Family<Counter>& Registry::AddCounter(const std::string& name, const std::string& help,
                                      std::vector<std::string> labels) {
  std::lock_guard lock(mu_);
  auto& f = counters_[name];
  if (!f) f = std::make_unique<Family<Counter>>(name, help, std::move(labels));
  return *f;
}

Family<Gauge>& Registry::AddGauge(const std::string& name, const std::string& help,
                                  std::vector<std::string> labels) {
  std::lock_guard lock(mu_);
  auto& f = gauges_[name];
  if (!f) f = std::make_unique<Family<Gauge>>(name, help, std::move(labels));
  return *f;
}

Family<Histogram>& Registry::AddHistogram(const std::string& name, const std::string& help,
                                          std::vector<double> bounds,
                                          std::vector<std::string> labels) {
  std::lock_guard lock(mu_);
  auto& f = histograms_[name];
  if (!f) f = std::make_unique<Family<Histogram>>(name, help, std::move(labels), std::move(bounds));
  return *f;
}

std::string Registry::Render() const {
  std::lock_guard lock(mu_);
  std::map<std::string, std::string> blocks;  // sorted by family name
  for (const auto& [name, f] : counters_) {
    std::string& out = blocks[name];
    Header(out, *f, "counter");
    f->ForEach([&](const std::vector<std::string>& labels, const Counter& c) {
      out += name + LabelText(f->label_names(), labels) + " " + std::to_string(c.Value()) + "\n";
    });
  }
  for (const auto& [name, f] : gauges_) {
    std::string& out = blocks[name];
    Header(out, *f, "gauge");
    f->ForEach([&](const std::vector<std::string>& labels, const Gauge& g) {
      out += name + LabelText(f->label_names(), labels) + " " + std::to_string(g.Value()) + "\n";
    });
  }
  for (const auto& [name, f] : histograms_) {
    std::string& out = blocks[name];
    Header(out, *f, "histogram");
    f->ForEach([&](const std::vector<std::string>& labels, const Histogram& h) {
      auto counts = h.counts();
      uint64_t cumulative = 0;
      for (size_t i = 0; i < counts.size(); ++i) {
        cumulative += counts[i];
        std::string le = i < h.bounds().size() ? FormatDouble(h.bounds()[i]) : "+Inf";
        out += name + "_bucket" + LabelText(f->label_names(), labels, "le", le) + " " +
               std::to_string(cumulative) + "\n";
      }
      out +=
          name + "_sum" + LabelText(f->label_names(), labels) + " " + FormatDouble(h.sum()) + "\n";
      out += name + "_count" + LabelText(f->label_names(), labels) + " " +
             std::to_string(cumulative) + "\n";
    });
  }
  std::string all;
  for (auto& [name, block] : blocks) all += block;
  return all;
}

}  // namespace brs::metrics
