#include <algorithm>
#include <string>
#include <vector>

#include "rolloutlab/gitops/export.h"

namespace rolloutlab::gitops {

namespace {

std::vector<std::string> splitLines(const std::string& s) {
  std::vector<std::string> out;
  std::size_t from = 0;
  while (from < s.size()) {
    std::size_t e = s.find('\n', from);
    if (e == std::string::npos) {
      out.push_back(s.substr(from));
      break;
    }
    out.push_back(s.substr(from, e + 1 - from));
    from = e + 1;
  }
  return out;
}

enum class Tag { kSame, kDel, kAdd };
struct Op {
  Tag tag;
  std::size_t a, b;  // line indices in before / after
};

/// The edit script: common prefix and suffix, and a longest common subsequence between them
/// (a replacement of the whole middle when it is too large for the quadratic table).
std::vector<Op> editScript(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  std::size_t pre = 0;
  while (pre < a.size() && pre < b.size() && a[pre] == b[pre]) ++pre;
  std::size_t suf = 0;
  while (suf < a.size() - pre && suf < b.size() - pre &&
         a[a.size() - 1 - suf] == b[b.size() - 1 - suf])
    ++suf;
  const std::size_t n = a.size() - pre - suf, m = b.size() - pre - suf;
  std::vector<Op> ops;
  for (std::size_t i = 0; i < pre; ++i) ops.push_back({Tag::kSame, i, i});
  if (n * m <= 16'000'000) {
    std::vector<std::vector<unsigned>> L(n + 1, std::vector<unsigned>(m + 1, 0));
    for (std::size_t i = n; i-- > 0;)
      for (std::size_t j = m; j-- > 0;)
        L[i][j] =
            a[pre + i] == b[pre + j] ? L[i + 1][j + 1] + 1 : std::max(L[i + 1][j], L[i][j + 1]);
    std::size_t i = 0, j = 0;
    while (i < n || j < m) {
      if (i < n && j < m && a[pre + i] == b[pre + j]) {
        ops.push_back({Tag::kSame, pre + i++, pre + j++});
      } else if (j < m && (i == n || L[i][j + 1] > L[i + 1][j])) {
        ops.push_back({Tag::kAdd, pre + i, pre + j++});
      } else {
        ops.push_back({Tag::kDel, pre + i++, pre + j});
      }
    }
  } else {
    for (std::size_t i = 0; i < n; ++i) ops.push_back({Tag::kDel, pre + i, pre});
    for (std::size_t j = 0; j < m; ++j) ops.push_back({Tag::kAdd, pre + n, pre + j});
  }
  for (std::size_t k = 0; k < suf; ++k)
    ops.push_back({Tag::kSame, a.size() - suf + k, b.size() - suf + k});
  return ops;
}

std::string lineOut(char sign, const std::string& line) {
  std::string o(1, sign);
  o += line;
  if (o.back() != '\n') o += "\n\\ No newline at end of file\n";
  return o;
}

std::string range(std::size_t start, std::size_t count) {
  // unified format: a 1-based start, ",count" unless it is 1; an empty range starts one before
  if (count == 0) return std::to_string(start) + ",0";
  return std::to_string(start + 1) + (count == 1 ? "" : "," + std::to_string(count));
}

}  // namespace

std::string unifiedDiff(const std::string& before, const std::string& after,
                        const std::string& nameBefore, const std::string& nameAfter) {
  if (before == after) return "";
  const auto a = splitLines(before), b = splitLines(after);
  const auto ops = editScript(a, b);
  const std::size_t ctx = 3;
  std::string out = "--- " + nameBefore + "\n+++ " + nameAfter + "\n";
  std::size_t k = 0;
  while (k < ops.size()) {
    while (k < ops.size() && ops[k].tag == Tag::kSame) ++k;
    if (k == ops.size()) break;
    // A hunk: from ctx lines before the change to ctx lines after the last change that is
    // within 2*ctx lines of the previous one.
    std::size_t start = k >= ctx ? k - ctx : 0;
    std::size_t end = k;
    for (std::size_t q = k; q < ops.size(); ++q) {
      if (ops[q].tag != Tag::kSame) {
        end = q + 1;
      } else if (q - end + 1 > 2 * ctx) {
        break;
      }
    }
    const std::size_t stop = std::min(ops.size(), end + ctx);
    std::size_t aStart = ops[start].a, bStart = ops[start].b, aCount = 0, bCount = 0;
    std::string body;
    for (std::size_t q = start; q < stop; ++q) {
      switch (ops[q].tag) {
        case Tag::kSame:
          body += lineOut(' ', a[ops[q].a]);
          ++aCount;
          ++bCount;
          break;
        case Tag::kDel:
          body += lineOut('-', a[ops[q].a]);
          ++aCount;
          break;
        case Tag::kAdd:
          body += lineOut('+', b[ops[q].b]);
          ++bCount;
          break;
      }
    }
    out += "@@ -" + range(aStart, aCount) + " +" + range(bStart, bCount) + " @@\n" + body;
    k = stop;
  }
  return out;
}

}  // namespace rolloutlab::gitops
