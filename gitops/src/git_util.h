#pragma once
// libgit2 handles as unique_ptrs, error reporting, and the library's one-time initialisation.

#include <git2.h>

#include <memory>
#include <string>

#include "rolloutlab/core/diagnostics.h"

namespace rolloutlab::gitops::git {

/// git_libgit2_init once per process (never shut down: other threads may still use it).
void init();

template <typename T, void (*Free)(T*)>
struct Deleter {
  void operator()(T* p) const { Free(p); }
};
template <typename T, void (*Free)(T*)>
using Handle = std::unique_ptr<T, Deleter<T, Free>>;

using Repository = Handle<git_repository, git_repository_free>;
using Reference = Handle<git_reference, git_reference_free>;
using Commit = Handle<git_commit, git_commit_free>;
using Tree = Handle<git_tree, git_tree_free>;
using TreeEntry = Handle<git_tree_entry, git_tree_entry_free>;
using Blob = Handle<git_blob, git_blob_free>;
using Object = Handle<git_object, git_object_free>;
using Index = Handle<git_index, git_index_free>;
using Signature = Handle<git_signature, git_signature_free>;
using Remote = Handle<git_remote, git_remote_free>;
using Diff = Handle<git_diff, git_diff_free>;
using Config = Handle<git_config, git_config_free>;

/// libgit2's last error message (or "error N").
std::string lastError(int code);

/// Throws core::EnvironmentError "<what>: <libgit2 message>" when code < 0.
void check(int code, const std::string& what);

/// Opens the repository whose working tree is `dir` (not a folder inside it).
Repository open(const std::string& dir);

std::string hex(const git_oid& oid);

}  // namespace rolloutlab::gitops::git
