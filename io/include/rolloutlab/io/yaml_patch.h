#pragma once
/// Editing a YAML manifest in place: a value is changed by splicing the text at the position
/// yaml-cpp reports for it, so that comments, key order, quoting and indentation everywhere
/// else stay byte for byte as the author wrote them. Used to show (and later export) an edited
/// spec as the author's own file with only the edited fields changed.
///
/// A path names mapping keys and, for sequence items, their 0-based index in decimal:
/// `{"spec", "analysis", "metrics", "1", "thresholdRange", "max"}`.
///
/// Errors (a path through a scalar, an index past the end, a document that does not exist, a
/// block scalar `|`/`>` or a multi-line plain scalar as the target) throw `core::InputError`
/// whose diagnostic names the line, the path and the reason.

#include <string>
#include <vector>

namespace rolloutlab::io {

/// Mapping keys and decimal sequence indices from a document's root.
using YamlPath = std::vector<std::string>;

/// `spec.analysis.metrics[1].thresholdRange.max`.
std::string yamlPathString(const YamlPath& path);

/// Returns `text` with the scalar at `path` of document `documentIndex` (0-based, in the order
/// `---` separates them) set to `newValue`.
///
/// - An existing scalar keeps its style: plain stays plain when the new value can be written
///   plain (else it becomes double-quoted), single- and double-quoted stay quoted. A trailing
///   comment on its line is kept.
/// - Works in block and flow collections (`{min: 99}`, `[5, 10]`).
/// - A missing key is added under the deepest mapping of the path that exists, with the
///   indentation of that mapping (block) or inside its braces (flow); missing intermediate
///   keys are created as nested mappings. A key whose value is null (`key:`) becomes a mapping.
/// - `newValue` is the value, not YAML text: `"1m"` gives `1m`, `"a: b"` gives `"a: b"`.
std::string patchYamlScalar(const std::string& text, int documentIndex, const YamlPath& path,
                            const std::string& newValue);

/// Returns `text` with the sequence at `path` replaced by `items` (scalars, written as
/// `patchYamlScalar` writes them). A flow sequence stays flow (`[5, 10, 25]`), a block sequence
/// stays block with the indentation of its first item; a missing key is added as a flow
/// sequence.
std::string patchYamlSequence(const std::string& text, int documentIndex, const YamlPath& path,
                              const std::vector<std::string>& items);

/// Returns `text` without the mapping entry at `path` (its key, value and the line(s) they
/// take in block style, or the entry and one separating comma in flow style). Returns `text`
/// unchanged when the key is absent.
std::string removeYamlKey(const std::string& text, int documentIndex, const YamlPath& path);

/// Returns `text` with the value at `path` replaced by `flowYaml`: one line of YAML, usually a
/// flow collection (`{}`, `{duration: 5m}`, `[5, 10]`). A block collection there is replaced
/// as a whole (its lines go); a missing key is added as `patchYamlScalar` adds one. Throws when
/// `flowYaml` is not one line of valid YAML.
std::string patchYamlFlow(const std::string& text, int documentIndex, const YamlPath& path,
                          const std::string& flowYaml);

/// Returns `text` with `itemYaml` inserted into the sequence at `path` before its item `index`
/// (`index` = its size appends). `itemYaml` is one line of YAML (`setWeight: 10`,
/// `pause: {duration: 1m}`, `{a: 1}`, `5`): a block sequence gets a `- itemYaml` line at the
/// indentation of its items, a flow sequence an entry (a `key: value` item in braces). A
/// missing or null sequence becomes a flow sequence of that one item.
std::string insertYamlSequenceItem(const std::string& text, int documentIndex, const YamlPath& path,
                                   std::size_t index, const std::string& itemYaml);

/// Returns `text` without item `index` of the sequence at `path`: its lines in block style
/// (an only item leaves `[]`), the item and one separating comma in flow style.
std::string removeYamlSequenceItem(const std::string& text, int documentIndex, const YamlPath& path,
                                   std::size_t index);

/// Returns `text` with items `index` and `index + 1` of the sequence at `path` traded. In block
/// style their lines move: each item takes the full-line comments just above its dash (at the
/// dash's indentation) and every line below indented deeper than its dash, so comments and
/// layout inside both items stay as written. In flow style the first item is written again,
/// as one line of flow YAML, after the second. The result is read back: the two items must have
/// traded places and nothing else changed, else it throws (edit the text by hand).
std::string swapYamlSequenceItems(const std::string& text, int documentIndex, const YamlPath& path,
                                  std::size_t index);

}  // namespace rolloutlab::io
