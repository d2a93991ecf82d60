#include "workbench.h"

#include <QCoreApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QFile>
#include <QFileInfo>
#include <QSaveFile>
#include <QTimer>
#include <QUndoGroup>
#include <QUndoStack>
#include <algorithm>
#include <filesystem>
#include <optional>

#include "rolloutlab/app/data_paths.h"
#include "rolloutlab/sim/seeds.h"
#include "timeline_worker.h"

namespace rolloutlab::gui {

namespace {

std::vector<std::string> toStd(const QStringList& l) {
  std::vector<std::string> out;
  for (const auto& s : l) out.push_back(s.toStdString());
  return out;
}

app::Workspace load(const std::vector<std::string>& paths) {
  if (paths.empty()) return {};
  try {
    return app::loadWorkspace(paths);
  } catch (const core::InputError& e) {
    app::Workspace ws;
    ws.diagnostics.add(e.diagnostic());
    return ws;
  } catch (const std::exception& e) {
    app::Workspace ws;
    ws.diagnostics.add({core::Severity::kError, "", 0, 0, "", "", e.what()});
    return ws;
  }
}

/// The YAML and JSON files a load of `paths` reads, walked as io::readDocuments walks them
/// (io/src/documents.cpp): files named, and under folders *.yaml, *.yml and *.json outside
/// hidden folders and Helm charts' templates. For the progress shown only.
int countDocumentFiles(const std::vector<std::string>& paths) {
  namespace fs = std::filesystem;
  int n = 0;
  for (const auto& path : paths) {
    std::error_code ec;
    const fs::path p(path);
    if (!fs::is_directory(p, ec)) {
      if (fs::exists(p, ec)) ++n;
      continue;
    }
    fs::recursive_directory_iterator it(p, fs::directory_options::skip_permission_denied, ec);
    for (; !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
      const auto& e = *it;
      const std::string leaf = e.path().filename().string();
      if (e.is_directory(ec)) {
        if ((!leaf.empty() && leaf[0] == '.') ||
            (leaf == "templates" && fs::exists(e.path().parent_path() / "Chart.yaml", ec))) {
          it.disable_recursion_pending();
        }
        continue;
      }
      const std::string ext = e.path().extension().string();
      if (e.is_regular_file(ec) && (ext == ".yaml" || ext == ".yml" || ext == ".json")) ++n;
    }
  }
  return n;
}

}  // namespace

/// An edit of a spec as the undo stack keeps it: its texts (every file it edits) before and
/// after. Pushed after the edit was made, so its first redo() does nothing.
class TextsCommand : public QUndoCommand {
 public:
  TextsCommand(Workbench* wb, std::string key, std::map<std::string, std::string> before,
               std::map<std::string, std::string> after, const QString& label)
      : QUndoCommand(label),
        wb_(wb),
        key_(std::move(key)),
        before_(std::move(before)),
        after_(std::move(after)) {}
  void undo() override { wb_->applyTexts(key_, before_); }
  void redo() override {
    if (first_) {
      first_ = false;
      return;
    }
    wb_->applyTexts(key_, after_);
  }

 private:
  Workbench* wb_;
  std::string key_;
  std::map<std::string, std::string> before_, after_;
  bool first_ = true;
};

/// What a load gives: the workspace and its spec documents (each with its file's text).
struct Workbench::Loaded {
  app::Workspace ws;
  std::vector<std::unique_ptr<SpecDocument>> specs;
};

Workbench::Workbench(QObject* parent)
    : QObject(parent), undo_(new QUndoGroup(this)), worker_(new TimelineWorker(this)) {
  connect(worker_, &TimelineWorker::finished, this, &Workbench::onReplayFinished);
  connect(this, &Workbench::loadNewsWaiting, this, &Workbench::takeLoadNews, Qt::QueuedConnection);
}

Workbench::~Workbench() {
  // Waits for a recording's run in progress (it holds its own copies of what it reads).
  delete worker_;
  // Loads own what they read; a superseded one stops at its next stage.
  if (loadCancel_) loadCancel_->store(true);
  for (auto& t : loadThreads_) t->thread.join();
}

void Workbench::reapLoadThreads() {
  std::erase_if(loadThreads_, [](const std::unique_ptr<LoadThread>& t) {
    if (!t->ended.load()) return false;
    t->thread.join();
    return true;
  });
}

QStringList Workbench::defaultScenarioLibrary() {
  // The same lookup as the CLI's: the installed library beside the executable, else the
  // source tree's for a build-tree binary.
  const std::filesystem::path lib =
      QCoreApplication::instance() != nullptr
          ? app::bundledScenarioLibrary(QCoreApplication::applicationDirPath().toStdString())
          : app::bundledScenarioLibrary();
  if (lib.empty()) return {};
  return {QDir::cleanPath(QString::fromStdString(lib.string()))};
}

void Workbench::open(const QStringList& paths, bool add) {
  QStringList next = add ? (loading_ ? loadPaths_ : paths_) : QStringList();
  for (const auto& p : paths) {
    const QString clean = QDir::cleanPath(p);
    if (!next.contains(clean)) next << clean;
  }
  if (loadCancel_) loadCancel_->store(true);  // the load in progress, if any, is superseded
  const quint64 ticket = ++loadTicket_;
  auto cancel = std::make_shared<std::atomic<bool>>(false);
  loadCancel_ = cancel;
  loadPaths_ = next;
  loading_ = true;
  emit loadStarted(next);
  // Each load runs on a thread of its own, so a superseded load that is still reading does not
  // hold up the next one. The thread gets its own copies of the paths (std::string, nothing
  // implicitly shared) when it is created and hands back what it found through loadNews_ (see
  // Handoff); the destructor waits for the threads.
  reapLoadThreads();
  auto& t = *loadThreads_.emplace_back(std::make_unique<LoadThread>());
  t.thread = std::thread([this, ticket, cancel, paths = toStd(next), &ended = t.ended]() {
    loadOnThread(ticket, *cancel, paths);
    ended.store(true);
  });
}

void Workbench::loadOnThread(quint64 ticket, const std::atomic<bool>& cancel,
                             const std::vector<std::string>& paths) {
  loadNews_.put({ticket, countDocumentFiles(paths), nullptr});
  emit loadNewsWaiting(QPrivateSignal());
  if (cancel.load()) return;
  auto loaded = std::make_unique<Loaded>();
  loaded->ws = load(paths);
  if (cancel.load()) return;
  try {
    loaded->specs = makeSpecDocuments(loaded->ws);
  } catch (const std::exception& e) {
    // Nothing may escape a load's thread: the problem joins the workspace's.
    loaded->specs.clear();
    loaded->ws.diagnostics.add({core::Severity::kError, "", 0, 0, "", "", e.what()});
  }
  if (cancel.load()) return;
  loadNews_.put({ticket, 0, std::move(loaded)});
  emit loadNewsWaiting(QPrivateSignal());
}

void Workbench::takeLoadNews() {
  // Everything waiting is taken, wanted or not: news of a superseded load is freed here.
  for (LoadNews& news : loadNews_.take()) {
    if (news.ticket != loadTicket_ || !loading_) continue;  // a later open() or close() replaced it
    if (news.loaded) {
      onLoaded(*news.loaded);
    } else {
      emit loadProgress(news.files);
    }
  }
  reapLoadThreads();
}

void Workbench::onLoaded(Loaded& loaded) {
  const std::string keepSpec = currentSpec() ? currentSpec()->key() : std::string();
  paths_ = loadPaths_;
  loading_ = false;
  recordings_->clear();
  dropUndoStacks();
  acknowledged_.clear();
  renamed_.clear();
  ws_ = std::move(loaded.ws);
  specs_ = std::move(loaded.specs);
  current_ = specs_.empty() ? -1 : 0;
  for (int i = 0; i < specCount(); ++i) {
    if (specs_[static_cast<std::size_t>(i)]->key() == keepSpec) current_ = i;
  }
  undo_->setActiveStack(undoStack());
  rebuildScenarios();
  emit workspaceChanged();
  emit currentSpecChanged();
  resimulate();
  emit loadFinished();
}

int Workbench::loadThreadsRunning() const {
  return static_cast<int>(
      std::count_if(loadThreads_.begin(), loadThreads_.end(),
                    [](const std::unique_ptr<LoadThread>& t) { return !t->ended.load(); }));
}

bool Workbench::waitForLoad(int timeoutMs) {
  if (!loading_) return true;
  QEventLoop loop;
  QTimer timer;
  timer.setSingleShot(true);
  connect(&timer, &QTimer::timeout, &loop, &QEventLoop::quit);
  connect(this, &Workbench::loadFinished, &loop, &QEventLoop::quit);
  timer.start(timeoutMs);
  loop.exec();
  return !loading_;
}

void Workbench::close() {
  const bool wasLoading = loading_;
  if (loadCancel_) loadCancel_->store(true);
  ++loadTicket_;
  loading_ = false;
  paths_.clear();
  recordings_->clear();
  ws_ = {};
  specs_.clear();
  pinned_.clear();
  dropUndoStacks();
  acknowledged_.clear();
  renamed_.clear();
  current_ = -1;
  rebuildScenarios();
  emit workspaceChanged();
  emit currentSpecChanged();
  resimulate();
  if (wasLoading) emit loadFinished();
}

void Workbench::setScenarioLibrary(const QStringList& paths) {
  libraryPaths_ = paths;
  recordings_->clear();
  lib_ = load(toStd(paths));
  rebuildScenarios();
  emit workspaceChanged();
  resimulate();
}

void Workbench::rebuildScenarios() {
  const std::string keep = currentScenario() ? currentScenario()->name : std::string();
  const std::string keepReplay = currentReplay() ? currentReplay()->name : std::string();
  scenarios_ = ws_.scenarios;
  scenarios_.insert(scenarios_.end(), lib_.scenarios.begin(), lib_.scenarios.end());
  replays_ = ws_.replays;
  replays_.insert(replays_.end(), lib_.replays.begin(), lib_.replays.end());
  scenario_ = choiceCount() == 0 ? -1 : 0;
  for (int i = 0; i < static_cast<int>(scenarios_.size()); ++i) {
    if (!keep.empty() && scenarios_[static_cast<std::size_t>(i)].name == keep) {
      scenario_ = i;
      break;
    }
  }
  for (std::size_t j = 0; j < replays_.size(); ++j) {
    if (!keepReplay.empty() && replays_[j].name == keepReplay) {
      scenario_ = static_cast<int>(scenarios_.size() + j);
      break;
    }
  }
  emit scenariosChanged();
  emit currentScenarioChanged();
}

SpecDocument* Workbench::spec(int i) const {
  if (i < 0 || i >= specCount()) return nullptr;
  return specs_[static_cast<std::size_t>(i)].get();
}

void Workbench::selectSpec(int i) {
  if (i == current_ || spec(i) == nullptr) return;
  current_ = i;
  undo_->setActiveStack(undoStack());
  emit currentSpecChanged();
  emit variantAChanged();
  resimulate();
}

bool Workbench::selectSpec(const std::string& name) {
  for (int i = 0; i < specCount(); ++i) {
    const SpecDocument* s = spec(i);
    const std::string& full = s->name();
    const std::string bare =
        full.substr(full.find('/') == std::string::npos ? 0 : full.find('/') + 1);
    if (full == name || bare == name) {
      selectSpec(i);
      return true;
    }
  }
  return false;
}

int Workbench::specAt(const std::string& file, int line) const {
  int best = -1;
  for (int i = 0; i < specCount(); ++i) {
    const auto* s = specs_[static_cast<std::size_t>(i)].get();
    if (s->file() != file) continue;
    if (best < 0) best = i;
    if (s->line() <= line && s->line() >= spec(best)->line()) best = i;
  }
  return best;
}

const scenarios::Scenario* Workbench::currentScenario() const {
  if (scenario_ < 0 || scenario_ >= static_cast<int>(scenarios_.size())) return nullptr;
  return &scenarios_[static_cast<std::size_t>(scenario_)];
}

const replay::ReplaySpec* Workbench::currentReplay() const {
  const int j = scenario_ - static_cast<int>(scenarios_.size());
  if (scenario_ < 0 || j < 0 || j >= static_cast<int>(replays_.size())) return nullptr;
  return &replays_[static_cast<std::size_t>(j)];
}

void Workbench::selectScenario(int i) {
  if (i == scenario_ || i < 0 || i >= choiceCount()) return;
  scenario_ = i;
  emit currentScenarioChanged();
  resimulate();
}

bool Workbench::selectScenario(const std::string& name) {
  for (int i = 0; i < static_cast<int>(scenarios_.size()); ++i) {
    if (scenarios_[static_cast<std::size_t>(i)].name == name) {
      selectScenario(i);
      return true;
    }
  }
  for (std::size_t j = 0; j < replays_.size(); ++j) {
    if (replays_[j].name == name) {
      selectScenario(static_cast<int>(scenarios_.size() + j));
      return true;
    }
  }
  return false;
}

void Workbench::setReplicate(std::optional<std::uint64_t> replicate) {
  if (replicate == replicate_) return;
  replicate_ = replicate;
  emit replicateChanged();
  if (currentReplay() != nullptr) resimulate();
}

void Workbench::setSeed(std::uint64_t seed) {
  if (seed == seed_) return;
  seed_ = seed;
  emit seedChanged(static_cast<quint64>(seed_));
  resimulate();
}

void Workbench::reseed() {
  if (currentReplay() != nullptr) {
    setReplicate(replicate_ ? *replicate_ + 1 : 0);
    return;
  }
  // Small numbers are easier to read back and type in: stay below 10^6.
  std::uint64_t next = sim::streamSeed(seed_, sim::SeedStream::kWorkbenchReseed) % 1000000;
  if (next == seed_) next = (next + 1) % 1000000;
  setSeed(next);
}

void Workbench::setMeshProvider(const std::string& provider) {
  if (provider == meshProvider_) return;
  meshProvider_ = provider;
  resimulate();
}

void Workbench::setField(const std::string& id, const std::string& value) {
  SpecDocument* s = currentSpec();
  if (s == nullptr) return;
  auto before = s->texts();
  QString label = QString::fromStdString(id);
  for (const auto& f : s->fields()) {
    if (f.id == id) label = QString::fromStdString(f.group + " " + f.label);
  }
  try {
    s->setField(id, value);
  } catch (const core::InputError& e) {
    emit editFailed(QString::fromStdString(e.diagnostic().toString()));
    return;
  }
  record(*s, std::move(before),
         value.empty() ? "Unset " + label
                       : QString("Set %1 to %2").arg(label, QString::fromStdString(value)));
  emit specEdited();
  resimulate();
}

void Workbench::runAction(const std::string& id) {
  SpecDocument* s = currentSpec();
  if (s == nullptr) return;
  auto before = s->texts();
  QString label = QString::fromStdString(id);
  for (const auto& a : s->actions()) {
    if (a.id == id) label = QString::fromStdString(a.group + ": " + a.label);
  }
  try {
    s->runAction(id);
  } catch (const core::InputError& e) {
    emit editFailed(QString::fromStdString(e.diagnostic().toString()));
    return;
  }
  record(*s, std::move(before), label);
  emit specEdited();
  resimulate();
}

void Workbench::setTextOf(const std::string& file, const std::string& text) {
  SpecDocument* s = currentSpec();
  if (s == nullptr) return;
  const std::string* now = s->textOf(file);
  if (now == nullptr || *now == text) return;
  auto before = s->texts();
  s->setTextOf(file, text);
  record(*s, std::move(before),
         "Edit " + QFileInfo(QString::fromStdString(file.empty() ? s->file() : file)).fileName());
  emit specEdited();
  resimulate();
}

void Workbench::setText(const std::string& text) {
  SpecDocument* s = currentSpec();
  if (s == nullptr || text == s->text()) return;
  auto before = s->texts();
  s->setText(text);
  record(*s, std::move(before), "Edit " + QFileInfo(QString::fromStdString(s->file())).fileName());
  emit specEdited();
  resimulate();
}

void Workbench::setTexts(const std::map<std::string, std::string>& texts, const QString& label) {
  SpecDocument* s = currentSpec();
  if (s == nullptr) return;
  std::map<std::string, std::string> own;
  for (const auto& [file, text] : texts) {
    if (s->textOf(file) != nullptr) own[file] = text;
  }
  auto before = s->texts();
  s->setTexts(own);
  if (s->texts() == before) return;
  record(*s, std::move(before), label);
  emit textsRestored();  // the editors show the new texts, even one being typed in
  emit specEdited();
  resimulate();
}

void Workbench::revert() {
  SpecDocument* s = currentSpec();
  if (s == nullptr || !s->edited()) return;
  auto before = s->texts();
  s->revert();
  record(*s, std::move(before), "Revert to the file");
  emit specEdited();
  resimulate();
}

// ---- undo --------------------------------------------------------------------------------

QUndoStack* Workbench::stackFor(const std::string& key) {
  QUndoStack*& st = stacks_[key];
  if (st == nullptr) {
    st = new QUndoStack(undo_);
    undo_->addStack(st);
  }
  return st;
}

QUndoStack* Workbench::undoStack() const {
  const SpecDocument* s = currentSpec();
  if (s == nullptr) return nullptr;
  return const_cast<Workbench*>(this)->stackFor(s->key());
}

void Workbench::dropUndoStacks() {
  undo_->setActiveStack(nullptr);
  for (auto& [key, st] : stacks_) delete st;
  stacks_.clear();
}

void Workbench::undo() {
  if (QUndoStack* st = undoStack()) st->undo();
}

void Workbench::redo() {
  if (QUndoStack* st = undoStack()) st->redo();
}

void Workbench::record(const SpecDocument& s, std::map<std::string, std::string> before,
                       const QString& label) {
  auto after = s.texts();
  if (after == before) return;
  stackFor(s.key())->push(
      new TextsCommand(this, s.key(), std::move(before), std::move(after), label));
}

void Workbench::applyTexts(const std::string& key,
                           const std::map<std::string, std::string>& texts) {
  for (int i = 0; i < specCount(); ++i) {
    SpecDocument* s = spec(i);
    if (s->key() != key) continue;
    // Texts recorded before a Save As name the file as it was then.
    std::map<std::string, std::string> now;
    for (const auto& [file, text] : texts) {
      std::string f = file;
      for (auto it = renamed_.find(f); it != renamed_.end(); it = renamed_.find(f)) f = it->second;
      now[f] = text;
    }
    s->setTexts(now);
    if (i != current_) return;
    emit textsRestored();
    emit specEdited();
    resimulate();
    return;
  }
}

// ---- files -------------------------------------------------------------------------------

QStringList Workbench::specFiles() const {
  QStringList out;
  for (int i = 0; i < specCount(); ++i) {
    for (const auto& [file, text] : spec(i)->texts()) {
      const QString f = QString::fromStdString(file);
      if (!out.contains(f)) out << f;
    }
  }
  return out;
}

bool Workbench::unsaved() const {
  for (int i = 0; i < specCount(); ++i) {
    if (spec(i)->edited()) return true;
  }
  return false;
}

bool Workbench::changedOnDisk(const QString& file) const {
  const std::string f = file.toStdString();
  const std::string* base = nullptr;
  for (int i = 0; i < specCount() && base == nullptr; ++i) base = spec(i)->originalTextOf(f);
  if (base == nullptr) return false;
  QFile in(file);
  if (!in.open(QIODevice::ReadOnly)) return true;  // gone or unreadable: changed too
  const QByteArray now = in.readAll();
  const std::string disk(now.constData(), static_cast<std::size_t>(now.size()));
  if (disk == *base) return false;
  const auto ack = acknowledged_.find(f);
  return ack == acknowledged_.end() || ack->second != disk;
}

void Workbench::acknowledgeDiskChange(const QString& file) {
  acknowledged_[file.toStdString()] = readTextFile(file.toStdString());
}

bool Workbench::writeFile(const QString& path, const std::string& text, QString* error) {
  // QSaveFile: a temporary file in the same folder, renamed over the target on commit(); the
  // target is untouched when anything fails.
  QSaveFile out(path);
  if (!out.open(QIODevice::WriteOnly)) {
    if (error) *error = QString("cannot write %1: %2").arg(path, out.errorString());
    return false;
  }
  if (out.write(text.data(), static_cast<qint64>(text.size())) !=
      static_cast<qint64>(text.size())) {
    if (error) *error = QString("cannot write %1: %2").arg(path, out.errorString());
    out.cancelWriting();
    return false;
  }
  if (!out.commit()) {
    if (error) *error = QString("cannot write %1: %2").arg(path, out.errorString());
    return false;
  }
  return true;
}

bool Workbench::save(QString* error, QStringList* written) {
  SpecDocument* s = currentSpec();
  if (s == nullptr) {
    if (error) *error = "no spec is selected";
    return false;
  }
  // The files this spec changed, checked before anything is written.
  std::vector<std::pair<std::string, std::string>> files;  // file -> text
  for (const auto& [file, text] : s->texts()) {
    if (text == *s->originalTextOf(file)) continue;
    const QString f = QString::fromStdString(file);
    if (changedOnDisk(f)) {
      if (error)
        *error = f +
                 " changed on disk since it was loaded: reload it, or save this spec to "
                 "another file (Save As)";
      return false;
    }
    for (int i = 0; i < specCount(); ++i) {
      const SpecDocument* o = spec(i);
      if (o == s) continue;
      const std::string* ot = o->textOf(file);
      if (ot != nullptr && *ot != *o->originalTextOf(file)) {
        if (error)
          *error =
              QString("%1 also holds unsaved edits of %2 %3: save or revert those first")
                  .arg(f, QString::fromStdString(o->kind()), QString::fromStdString(o->name()));
        return false;
      }
    }
    files.emplace_back(file, text);
  }
  QStringList done;
  for (const auto& [file, text] : files) {
    const QString f = QString::fromStdString(file);
    if (!writeFile(f, text, error)) {
      if (error && !done.isEmpty()) *error += " (written before it: " + done.join(", ") + ")";
      break;
    }
    done << f;
    acknowledged_.erase(file);
    s->markSaved(file);
    // The other specs of the file (unedited, checked above) hold what it holds now.
    for (int i = 0; i < specCount(); ++i) {
      SpecDocument* o = spec(i);
      if (o == s || o->textOf(file) == nullptr) continue;
      o->setTexts({{file, text}});
      o->markSaved(file);
    }
  }
  if (written) *written = done;
  if (QUndoStack* st = stackFor(s->key()); done.size() == static_cast<qsizetype>(files.size()))
    st->setClean();
  if (!done.isEmpty()) {
    emit saved(done);
    emit specEdited();
  }
  return done.size() == static_cast<qsizetype>(files.size());
}

bool Workbench::saveAs(const QString& path, QString* error) {
  SpecDocument* s = currentSpec();
  if (s == nullptr) {
    if (error) *error = "no spec is selected";
    return false;
  }
  const QString target = QFileInfo(path).absoluteFilePath();
  const std::string own = s->file();
  for (const auto& l : s->linkedTexts()) {
    if (l.text != l.originalText) {
      if (error)
        *error = QString(
                     "the edits also change %1, which Save As does not write: Save writes "
                     "every file the spec changed")
                     .arg(QString::fromStdString(l.file));
      return false;
    }
  }
  for (int i = 0; i < specCount(); ++i) {
    const SpecDocument* o = spec(i);
    for (const auto& [file, text] : o->texts()) {
      if (QFileInfo(QString::fromStdString(file)).absoluteFilePath() != target) continue;
      if (o == s && file == own) return save(error);  // its own file: a plain save
      if (error)
        *error =
            QString("%1 is open in the workspace (%2 %3): choose another file")
                .arg(target, QString::fromStdString(o->kind()), QString::fromStdString(o->name()));
      return false;
    }
  }
  if (!writeFile(target, s->text(), error)) return false;
  renamed_[own] = target.toStdString();
  renamed_.erase(target.toStdString());
  s->renameFile(target.toStdString());
  s->markSaved(target.toStdString());
  stackFor(s->key())->setClean();
  emit saved({target});
  emit specEdited();
  return true;
}

void Workbench::resimulate() {
  timeline_ = Timeline{};
  ++ticket_;
  running_ = false;
  const SpecDocument* s = currentSpec();
  const scenarios::Scenario* sc = currentScenario();
  const replay::ReplaySpec* rec = currentReplay();
  if (s == nullptr) {
    timeline_.error = specs_.empty()
                          ? "Open a GitOps repo or spec files (File > Open) to see a run."
                          : "Select a spec in the workspace.";
  } else if (sc == nullptr && rec == nullptr) {
    timeline_.title = s->kind() + " " + s->name();
    timeline_.error = "No scenario is loaded: set the scenario library (File > Scenario Library).";
  } else if (!s->valid()) {
    timeline_.title = s->kind() + " " + s->name();
    std::string first;
    for (const auto& d : s->diagnostics().items) {
      if (d.severity == core::Severity::kError) {
        first = d.toString();
        break;
      }
    }
    timeline_.error = "The spec has errors; fix them to run it.\n" + first;
  } else if (rec != nullptr) {
    // Off the GUI thread: the run reads the recording (once per target, then cached) and may
    // query a live server. The run gets its own copy of the spec.
    timeline_.title = s->kind() + " " + s->name() + " \u00d7 recording " + rec->name;
    timeline_.error = "Replaying the recording " + rec->name + " (" +
                      replayRunText(*rec, seed_, replicate_) + ")\u2026";
    running_ = true;
    std::shared_ptr<const SpecDocument> doc = s->clone();
    worker_->submit(ticket_, [doc, spec = *rec, seed = seed_, replicate = replicate_,
                              mesh = meshProvider_, cache = recordings_]() {
      QElapsedTimer timer;
      timer.start();
      Timeline tl;
      try {
        tl = doc->replay(spec, seed, replicate, mesh, *cache);
      } catch (const std::exception& e) {
        tl = Timeline{};
        tl.error = e.what();
      }
      tl.simulateMs = static_cast<double>(timer.nsecsElapsed()) / 1e6;
      return tl;
    });
  } else {
    QElapsedTimer timer;
    timer.start();
    timeline_ = s->simulate(*sc, seed_, meshProvider_);
    timeline_.simulateMs = static_cast<double>(timer.nsecsElapsed()) / 1e6;
  }
  emit timelineChanged();
}

void Workbench::onReplayFinished(quint64 ticket, std::shared_ptr<const Timeline> timeline) {
  if (ticket != ticket_ || !running_) return;  // a later run replaced it
  running_ = false;
  timeline_ = *timeline;
  emit timelineChanged();
}

std::unique_ptr<SpecDocument> Workbench::variantA() const {
  const SpecDocument* s = currentSpec();
  if (s == nullptr) return nullptr;
  auto a = s->clone();
  const auto it = pinned_.find(s->key());
  if (it == pinned_.end()) {
    a->revert();
  } else {
    a->setTexts(it->second);
  }
  return a;
}

bool Workbench::variantAPinned() const {
  const SpecDocument* s = currentSpec();
  return s != nullptr && pinned_.count(s->key()) > 0;
}

void Workbench::pinVariantA() {
  const SpecDocument* s = currentSpec();
  if (s == nullptr) return;
  pinned_[s->key()] = s->texts();
  emit variantAChanged();
}

void Workbench::resetVariantA() {
  const SpecDocument* s = currentSpec();
  if (s == nullptr) return;
  pinned_.erase(s->key());
  emit variantAChanged();
}

}  // namespace rolloutlab::gui
