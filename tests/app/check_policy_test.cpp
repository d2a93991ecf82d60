// The Policy kind's matching rules: path globs and Kubernetes label selectors
// (k8s.io/apimachinery/pkg/labels/selector.go Requirement.Matches).
#include <gtest/gtest.h>

#include "rolloutlab/app/check_policy.h"
#include "rolloutlab/app/workspace.h"
#include "rolloutlab/io/documents.h"

namespace {

using rolloutlab::app::globMatch;
using rolloutlab::app::Policy;
using rolloutlab::app::SpecIdentity;

TEST(CheckPolicy, GlobsMatchWithinAndAcrossFolders) {
  EXPECT_TRUE(globMatch("apps/*/canary.yaml", "apps/podinfo/canary.yaml"));
  EXPECT_FALSE(globMatch("apps/*/canary.yaml", "apps/a/b/canary.yaml"));  // * stays in a folder
  EXPECT_TRUE(globMatch("apps/**/canary.yaml", "apps/a/b/canary.yaml"));
  EXPECT_TRUE(globMatch("apps/**/canary.yaml", "apps/canary.yaml"));  // ** may be no folder
  EXPECT_TRUE(globMatch("**", "x/y/z.yaml"));
  EXPECT_TRUE(globMatch("apps/p?dinfo/*", "apps/podinfo/canary.yaml"));
  EXPECT_FALSE(globMatch("apps/p?dinfo/*", "apps/pdinfo/canary.yaml"));
  EXPECT_FALSE(globMatch("apps/?", "apps//"));
  EXPECT_FALSE(globMatch("apps/*.yaml", "apps/x.yml"));
  EXPECT_TRUE(globMatch("*.yaml", "x.yaml"));
  EXPECT_FALSE(globMatch("*.yaml", "a/x.yaml"));
}

Policy decode(const std::string& rules, rolloutlab::core::Diagnostics& diags) {
  const std::string text =
      "apiVersion: rolloutlab.io/v1alpha1\nkind: Policy\nmetadata: {name: p}\nspec:\n  rules:\n" +
      rules;
  auto ws = rolloutlab::app::decodeWorkspace(
      rolloutlab::io::readDocumentsFromString(text, "policy.yaml"));
  diags = ws.diagnostics;
  return ws.policies.empty() ? Policy{} : ws.policies.front();
}

TEST(CheckPolicy, SelectorsFollowKubernetesRequirementSemantics) {
  rolloutlab::core::Diagnostics diags;
  const Policy p = decode(
      "    - name: r\n"
      "      match:\n"
      "        namespaces: [shop, test]\n"
      "        selector:\n"
      "          matchLabels: {tier: web}\n"
      "          matchExpressions:\n"
      "            - {key: team, operator: In, values: [a, b]}\n"
      "            - {key: legacy, operator: DoesNotExist}\n"
      "            - {key: env, operator: NotIn, values: [dev]}\n"
      "      constraints: {falseRollbackRate: 0.05}\n",
      diags);
  ASSERT_EQ(diags.errors(), 0);
  ASSERT_EQ(p.rules.size(), 1u);
  const auto& r = p.rules.front();
  SpecIdentity s{"shop", {{"tier", "web"}, {"team", "a"}}, "apps/x.yaml"};
  EXPECT_TRUE(r.matches(s));  // env absent: NotIn holds
  s.labels["env"] = "dev";
  EXPECT_FALSE(r.matches(s));
  s.labels["env"] = "prod";
  EXPECT_TRUE(r.matches(s));
  s.labels["legacy"] = "";
  EXPECT_FALSE(r.matches(s));  // DoesNotExist: any value, even empty, exists
  s.labels.erase("legacy");
  s.labels["team"] = "c";
  EXPECT_FALSE(r.matches(s));
  s.labels["team"] = "b";
  s.ns = "default";
  EXPECT_FALSE(r.matches(s));
  s.ns = "test";
  s.labels.erase("tier");
  EXPECT_FALSE(r.matches(s));  // matchLabels: the label must be there
}

TEST(CheckPolicy, StrictDecodingNamesLineAndRule) {
  rolloutlab::core::Diagnostics diags;
  decode("    - name: r\n"
         "      match: {selector: {matchExpressions: [{key: a, operator: In}]}}\n"
         "      constraints: {falseRollbackRate: 0.05}\n"
         "    - name: r\n"
         "      constraints: {}\n",
         diags);
  ASSERT_EQ(diags.errors(), 3) << diags.items.size();
  EXPECT_EQ(diags.items[0].line, 7);
  EXPECT_NE(diags.items[0].rule.find("at least one value for operator In"), std::string::npos);
  EXPECT_EQ(diags.items[1].line, 9);
  EXPECT_NE(diags.items[1].rule.find("unique"), std::string::npos);
  EXPECT_EQ(diags.items[2].line, 10);
  EXPECT_NE(diags.items[2].rule.find("at least one bound"), std::string::npos);
}

}  // namespace
