// A MetricTemplate whose query holds a label-matcher regex Prometheus refuses is an error when
// the workspace loads (validate, simulate, replay, batch), naming the file, the document's line,
// the field and RE2's message in Go's wording; Prometheus' own syntax (\pL) is accepted.
#include <gtest/gtest.h>

#include <string>

#include "rolloutlab/app/workspace.h"

namespace {

using rolloutlab::app::loadWorkspace;

std::string templateWith(const std::string& matcher) {
  return "apiVersion: v1\n"
         "kind: ConfigMap\n"
         "metadata: {name: other}\n"
         "---\n"
         "apiVersion: flagger.app/v1beta1\n"
         "kind: MetricTemplate\n"
         "metadata:\n  name: errors\n  namespace: test\n"
         "spec:\n"
         "  provider: {type: prometheus, address: http://prometheus:9090}\n"
         "  query: |\n"
         "    sum(rate(http_requests_total{namespace=\"{{ namespace }}\", " +
         matcher + "}[{{ interval }}]))\n";
}

TEST(MatcherRegexAtLoad, ARegexPrometheusRefusesIsAnErrorNamingFileLineAndField) {
  const std::string text = templateWith("code=~\"5(?=0)\"");
  const auto ws = loadWorkspace({"-"}, &text);
  ASSERT_EQ(ws.diagnostics.errors(), 1);
  EXPECT_EQ(ws.diagnostics.items.front().toString(),
            "<stdin>:5: spec.query = \"5(?=0)\": error parsing regexp: invalid or unsupported "
            "Perl syntax: `(?=`");
  EXPECT_TRUE(ws.metricTemplates.empty());
}

TEST(MatcherRegexAtLoad, PrometheusSyntaxAndTemplatedStringsPass) {
  for (const std::string m :
       {"code!~\"5..\"", "path=~'\\\\pL+'", "code=~`\\d+`", "pod=~\"{{ target }}-[0-9a-z]+\""}) {
    const std::string text = templateWith(m);
    const auto ws = loadWorkspace({"-"}, &text);
    EXPECT_EQ(ws.diagnostics.errors(), 0) << m;
    EXPECT_EQ(ws.metricTemplates.size(), 1u) << m;
  }
  // Escapes are read as PromQL reads them: "\\(" is the regex \( (a literal parenthesis).
  const std::string escaped = templateWith("path=~\"a\\\\(b\"");
  EXPECT_EQ(loadWorkspace({"-"}, &escaped).diagnostics.errors(), 0);
  const std::string unbalanced = templateWith("path=~\"a(b\"");
  const auto ws = loadWorkspace({"-"}, &unbalanced);
  ASSERT_EQ(ws.diagnostics.errors(), 1);
  EXPECT_NE(ws.diagnostics.items.front().rule.find("missing closing ): `a(b`"), std::string::npos)
      << ws.diagnostics.items.front().toString();
}

TEST(MatcherRegexAtLoad, InlineCanaryQueriesAndArgoTemplatesToo) {
  const std::string canary =
      "apiVersion: flagger.app/v1beta1\n"
      "kind: Canary\n"
      "metadata: {name: podinfo, namespace: test}\n"
      "spec:\n"
      "  targetRef: {apiVersion: apps/v1, kind: Deployment, name: podinfo}\n"
      "  service: {port: 9898}\n"
      "  analysis:\n"
      "    interval: 1m\n"
      "    threshold: 2\n"
      "    stepWeight: 10\n"
      "    metrics:\n"
      "      - name: errors\n"
      "        thresholdRange: {max: 1}\n"
      "        query: sum(rate(requests{code=~\"5[0-9\"}[1m]))\n";
  const auto ws = loadWorkspace({"-"}, &canary);
  ASSERT_EQ(ws.diagnostics.errors(), 1);
  const auto& d = ws.diagnostics.items.front();
  EXPECT_EQ(d.field, "spec.analysis.metrics[0].query");
  EXPECT_EQ(d.rule, "error parsing regexp: missing closing ]: `[0-9`");
  EXPECT_GT(d.line, 0);
  EXPECT_TRUE(ws.canaries.empty());

  const std::string argo =
      "apiVersion: argoproj.io/v1alpha1\n"
      "kind: AnalysisTemplate\n"
      "metadata: {name: errors}\n"
      "spec:\n"
      "  metrics:\n"
      "    - name: errors\n"
      "      successCondition: result[0] < 1\n"
      "      provider:\n"
      "        prometheus:\n"
      "          address: http://prometheus:9090\n"
      "          query: sum(rate(requests{code=~\"a**\"}[1m]))\n";
  const auto wa = loadWorkspace({"-"}, &argo);
  ASSERT_EQ(wa.diagnostics.errors(), 1);
  EXPECT_EQ(wa.diagnostics.items.front().field, "spec.metrics[0].provider.prometheus.query");
  EXPECT_EQ(wa.diagnostics.items.front().rule,
            "error parsing regexp: invalid nested repetition operator: `**`");
  EXPECT_TRUE(wa.argoTemplates.templates.empty());
}

}  // namespace
