#include "git_util.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <mutex>
#include <set>
#include <vector>

#include "rolloutlab/gitops/export.h"

extern char** environ;

namespace rolloutlab::gitops {

namespace git {

void init() {
  static std::once_flag once;
  std::call_once(once, [] { git_libgit2_init(); });
}

std::string lastError(int code) {
  const git_error* e = git_error_last();
  if (e != nullptr && e->message != nullptr) return redactUrl(e->message);
  return "error " + std::to_string(code);
}

void check(int code, const std::string& what) {
  if (code < 0) throw core::EnvironmentError(what + ": " + lastError(code));
}

Repository open(const std::string& dir) {
  init();
  git_repository* r = nullptr;
  const int rc = git_repository_open_ext(&r, dir.c_str(), GIT_REPOSITORY_OPEN_NO_SEARCH, nullptr);
  if (rc < 0) {
    throw core::EnvironmentError("cannot open the Git repository " + dir + ": " + lastError(rc));
  }
  return Repository(r);
}

std::string hex(const git_oid& oid) {
  char buf[GIT_OID_HEXSZ + 1];
  git_oid_tostr(buf, sizeof buf, &oid);
  return buf;
}

}  // namespace git

std::string redactUrl(const std::string& url) {
  std::string out = url;
  std::size_t from = 0;
  while (true) {
    const std::size_t scheme = out.find("://", from);
    if (scheme == std::string::npos) break;
    const std::size_t hostStart = scheme + 3;
    const std::size_t slash = out.find_first_of("/ \t\n'\"", hostStart);
    const std::size_t at = out.find('@', hostStart);
    if (at != std::string::npos && (slash == std::string::npos || at < slash)) {
      out.erase(hostStart, at + 1 - hostStart);
    }
    from = hostStart;
  }
  return out;
}

namespace {

/// Runs a credential helper the way Git runs one (gitcredentials(7)): `!cmd` through the shell,
/// an absolute path as it is, a bare name as `git credential-NAME`; `get` with the request on
/// standard input; the answer's `username=` and `password=` lines. Nothing is logged; the
/// helper's standard error goes where ours goes (helpers prompt there when they must).
bool runHelper(const std::string& helper, const std::string& request, std::string& user,
               std::string& pass) {
  std::string cmd;
  if (helper.empty()) return false;
  if (helper[0] == '!') {
    cmd = helper.substr(1) + " get";
  } else if (helper[0] == '/') {
    cmd = helper + " get";
  } else {
    cmd = "git credential-" + helper + " get";
  }
  int in[2], out[2];
  if (pipe(in) != 0) return false;
  if (pipe(out) != 0) {
    close(in[0]);
    close(in[1]);
    return false;
  }
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, in[0], 0);
  posix_spawn_file_actions_adddup2(&fa, out[1], 1);
  posix_spawn_file_actions_addclose(&fa, in[1]);
  posix_spawn_file_actions_addclose(&fa, out[0]);
  const char* argv[] = {"/bin/sh", "-c", cmd.c_str(), nullptr};
  pid_t pid = 0;
  const int rc =
      posix_spawn(&pid, "/bin/sh", &fa, nullptr, const_cast<char* const*>(argv), environ);
  posix_spawn_file_actions_destroy(&fa);
  close(in[0]);
  close(out[1]);
  if (rc != 0) {
    close(in[1]);
    close(out[0]);
    return false;
  }
  // The request is a few hundred bytes: it fits the pipe's buffer.
  struct sigaction ignore {
  }, old{};
  ignore.sa_handler = SIG_IGN;
  sigaction(SIGPIPE, &ignore, &old);
  const ssize_t w = write(in[1], request.data(), request.size());
  (void)w;
  close(in[1]);
  std::string answer;
  char buf[4096];
  ssize_t n;
  while ((n = read(out[0], buf, sizeof buf)) > 0) answer.append(buf, static_cast<std::size_t>(n));
  close(out[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  sigaction(SIGPIPE, &old, nullptr);
  std::size_t from = 0;
  while (from < answer.size()) {
    std::size_t e = answer.find('\n', from);
    if (e == std::string::npos) e = answer.size();
    const std::string line = answer.substr(from, e - from);
    if (line.rfind("username=", 0) == 0) user = line.substr(9);
    if (line.rfind("password=", 0) == 0) pass = line.substr(9);
    from = e + 1;
  }
  std::fill(answer.begin(), answer.end(), '\0');
  return WIFEXITED(status) && WEXITSTATUS(status) == 0 && !pass.empty();
}

struct PushState {
  git_repository* repo = nullptr;
  int sshAttempts = 0;
  int helperAttempts = 0;
  std::string rejected;  // a ref the remote refused, with its reason
};

int credentials(git_credential** out, const char* url, const char* userFromUrl,
                unsigned int allowed, void* payload) {
  auto* st = static_cast<PushState*>(payload);
  if ((allowed & GIT_CREDENTIAL_SSH_KEY) != 0 && st->sshAttempts++ == 0) {
    return git_credential_ssh_key_from_agent(out, userFromUrl != nullptr ? userFromUrl : "git");
  }
  if ((allowed & GIT_CREDENTIAL_USERPASS_PLAINTEXT) != 0 && st->helperAttempts++ == 0) {
    std::string u(url != nullptr ? url : "");
    const std::size_t scheme = u.find("://");
    std::string request;
    if (scheme != std::string::npos) {
      const std::string rest = u.substr(scheme + 3);
      const std::size_t slash = rest.find('/');
      std::string host = rest.substr(0, slash);
      const std::size_t at = host.find('@');
      if (at != std::string::npos) host = host.substr(at + 1);
      request = "protocol=" + u.substr(0, scheme) + "\nhost=" + host + "\n";
      if (slash != std::string::npos) request += "path=" + rest.substr(slash + 1) + "\n";
    }
    if (userFromUrl != nullptr) request += "username=" + std::string(userFromUrl) + "\n";
    request += "\n";
    std::vector<std::string> helpers;
    git_config* cfg = nullptr;
    if (git_repository_config_snapshot(&cfg, st->repo) == 0) {
      git::Config owned(cfg);
      git_config_get_multivar_foreach(
          cfg, "credential.helper", nullptr,
          [](const git_config_entry* e, void* p) {
            auto* list = static_cast<std::vector<std::string>*>(p);
            if (e->value == nullptr || *e->value == '\0') {
              list->clear();  // an empty value resets the list (gitcredentials(7))
            } else {
              list->push_back(e->value);
            }
            return 0;
          },
          &helpers);
    }
    for (const auto& h : helpers) {
      std::string user = userFromUrl != nullptr ? userFromUrl : "", pass;
      if (runHelper(h, request, user, pass)) {
        const int rc = git_credential_userpass_plaintext_new(out, user.c_str(), pass.c_str());
        std::fill(pass.begin(), pass.end(), '\0');
        return rc;
      }
    }
  }
  if ((allowed & GIT_CREDENTIAL_DEFAULT) != 0 && st->helperAttempts++ < 2)
    return git_credential_default_new(out);
  git_error_set_str(GIT_ERROR_NET,
                    "no credentials: none in ssh-agent and no credential helper answered");
  return GIT_EAUTH;
}

int pushUpdate(const char* refname, const char* status, void* payload) {
  if (status != nullptr) {
    static_cast<PushState*>(payload)->rejected = std::string(refname) + ": " + status;
  }
  return 0;
}

}  // namespace

std::string pushBranch(const std::string& repoDir, const std::string& remoteName,
                       const std::string& branch) {
  git::Repository repo = git::open(repoDir);
  git_remote* r = nullptr;
  if (git_remote_lookup(&r, repo.get(), remoteName.c_str()) < 0) {
    throw core::EnvironmentError("push: no remote named \"" + remoteName + "\" in " + repoDir);
  }
  git::Remote remote(r);
  const char* rawUrl = git_remote_pushurl(r) != nullptr ? git_remote_pushurl(r) : git_remote_url(r);
  const std::string url = redactUrl(rawUrl != nullptr ? rawUrl : "");
  PushState st;
  st.repo = repo.get();
  git_push_options opts;
  git_push_options_init(&opts, GIT_PUSH_OPTIONS_VERSION);
  opts.callbacks.credentials = credentials;
  opts.callbacks.push_update_reference = pushUpdate;
  opts.callbacks.payload = &st;
  std::string spec = "refs/heads/" + branch + ":refs/heads/" + branch;
  char* specs[] = {spec.data()};
  const git_strarray refspecs = {specs, 1};
  const int rc = git_remote_push(r, &refspecs, &opts);
  if (rc < 0)
    throw core::EnvironmentError("push to " + remoteName + " (" + url +
                                 ") failed: " + git::lastError(rc));
  if (!st.rejected.empty())
    throw core::EnvironmentError("push to " + remoteName + " (" + url +
                                 ") was rejected: " + st.rejected);
  return url;
}

std::vector<std::string> filesChangedSince(const std::string& repoDir, const std::string& ref) {
  git::Repository repo = git::open(repoDir);
  git_object* obj = nullptr;
  if (git_revparse_single(&obj, repo.get(), ref.c_str()) < 0) {
    throw core::InputError({core::Severity::kError, repoDir, 0, 0, "--changed-since",
                            core::quoted(ref),
                            "is not a revision of this repository: " + git::lastError(-1)});
  }
  git::Object owned(obj);
  git_object* treeObj = nullptr;
  git::check(git_object_peel(&treeObj, obj, GIT_OBJECT_TREE), "reading " + ref);
  git::Tree tree(reinterpret_cast<git_tree*>(treeObj));
  git_diff_options opts;
  git_diff_options_init(&opts, GIT_DIFF_OPTIONS_VERSION);
  opts.flags = GIT_DIFF_INCLUDE_UNTRACKED | GIT_DIFF_RECURSE_UNTRACKED_DIRS;
  git_diff* d = nullptr;
  git::check(git_diff_tree_to_workdir_with_index(&d, repo.get(), tree.get(), &opts),
             "diffing against " + ref);
  git::Diff diff(d);
  std::set<std::string> files;
  for (std::size_t i = 0; i < git_diff_num_deltas(d); ++i) {
    const git_diff_delta* delta = git_diff_get_delta(d, i);
    if (delta->new_file.path != nullptr) files.insert(delta->new_file.path);
    if (delta->old_file.path != nullptr) files.insert(delta->old_file.path);
  }
  return {files.begin(), files.end()};
}

std::string revisionCommit(const std::string& repoDir, const std::string& ref) {
  git::Repository repo = git::open(repoDir);
  git_object* obj = nullptr;
  if (git_revparse_single(&obj, repo.get(), ref.c_str()) < 0) {
    throw core::InputError({core::Severity::kError, repoDir, 0, 0, "--changed-since",
                            core::quoted(ref),
                            "is not a revision of this repository: " + git::lastError(-1)});
  }
  git::Object owned(obj);
  git_object* commit = nullptr;
  git::check(git_object_peel(&commit, obj, GIT_OBJECT_COMMIT), "reading " + ref);
  git::Object c(commit);
  return git::hex(*git_object_id(commit));
}

}  // namespace rolloutlab::gitops
