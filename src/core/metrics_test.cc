#include "core/metrics.h"

#include <gtest/gtest.h>

#include <thread>

namespace cairn::core {
namespace {

TEST(MetricsTest, CounterGaugeRender) {
  MetricsRegistry reg;
  Counter* c = reg.GetCounter("cairn_requests_total", "Requests served.", {{"face", "api"}});
  ASSERT_NE(c, nullptr);
  c->Increment();
  c->Increment(2);
  EXPECT_EQ(reg.GetCounter("cairn_requests_total", "", {{"face", "api"}}), c);
  Gauge* g = reg.GetGauge("cairn_up", "1 when serving.");
  g->Set(1);
  g->Add(0.5);
  std::string text = reg.RenderPrometheus();
  EXPECT_NE(text.find("# HELP cairn_requests_total Requests served.\n"), std::string::npos);
  EXPECT_NE(text.find("# TYPE cairn_requests_total counter\n"), std::string::npos);
  EXPECT_NE(text.find("cairn_requests_total{face=\"api\"} 3\n"), std::string::npos);
  EXPECT_NE(text.find("# TYPE cairn_up gauge\ncairn_up 1.5\n"), std::string::npos);
}

TEST(MetricsTest, HistogramBucketsAreCumulative) {
  MetricsRegistry reg;
  Histogram* h = reg.GetHistogram("cairn_latency_seconds", "Latency.", {0.1, 1.0});
  ASSERT_NE(h, nullptr);
  h->Observe(0.05);
  h->Observe(0.1);  // le is inclusive
  h->Observe(0.5);
  h->Observe(7);
  std::string text = reg.RenderPrometheus();
  EXPECT_NE(text.find("cairn_latency_seconds_bucket{le=\"0.10000000000000001\"} 2\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("cairn_latency_seconds_bucket{le=\"1\"} 3\n"), std::string::npos);
  EXPECT_NE(text.find("cairn_latency_seconds_bucket{le=\"+Inf\"} 4\n"), std::string::npos);
  EXPECT_NE(text.find("cairn_latency_seconds_sum 7.6500000000000004\n"), std::string::npos);
  EXPECT_NE(text.find("cairn_latency_seconds_count 4\n"), std::string::npos);
}

TEST(MetricsTest, RejectsBadNamesAndKindClashes) {
  MetricsRegistry reg;
  EXPECT_EQ(reg.GetCounter("1bad", "x"), nullptr);
  EXPECT_EQ(reg.GetCounter("bad-name", "x"), nullptr);
  EXPECT_EQ(reg.GetCounter("ok", "x", {{"bad label", "v"}}), nullptr);
  ASSERT_NE(reg.GetCounter("dup", "x"), nullptr);
  EXPECT_EQ(reg.GetGauge("dup", "x"), nullptr);
  EXPECT_EQ(reg.GetHistogram("h", "x", {2.0, 1.0}), nullptr);
}

TEST(MetricsTest, EscapesLabelValues) {
  MetricsRegistry reg;
  reg.GetCounter("c", "x", {{"path", "a\"b\\c\nd"}})->Increment();
  EXPECT_NE(reg.RenderPrometheus().find("c{path=\"a\\\"b\\\\c\\nd\"} 1\n"), std::string::npos);
}

TEST(MetricsTest, ConcurrentIncrements) {
  MetricsRegistry reg;
  Counter* c = reg.GetCounter("n", "x");
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([c] {
      for (int i = 0; i < 10000; ++i) c->Increment();
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(c->value(), 40000u);
}

}  // namespace
}  // namespace cairn::core
