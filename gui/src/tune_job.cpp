#include "tune_job.h"

#include <chrono>

#include "rolloutlab/io/documents.h"

namespace rolloutlab::gui {

ParsedSpace parseTuningSpace(const std::string& text, const std::string& file) {
  ParsedSpace out;
  app::Workspace ws = app::decodeWorkspace(io::readDocumentsFromString(text, file));
  out.diagnostics = ws.diagnostics;
  for (const auto& d : ws.diagnostics.items) {
    if (d.severity == core::Severity::kError) return out;
  }
  if (ws.tuningSpaces.size() != 1) {
    // The rule `rolloutlab tune --space` applies.
    out.diagnostics.items.push_back({core::Severity::kError, file, 1, 0, "kind", "",
                                     "must hold exactly one TuningSpace (found " +
                                         std::to_string(ws.tuningSpaces.size()) + ")"});
    return out;
  }
  out.space = std::make_shared<const tune::TuningSpace>(std::move(ws.tuningSpaces.front()));
  return out;
}

TuneJob::TuneJob(QObject* parent) : QObject(parent) {
  connect(this, &TuneJob::newsWaiting, this, &TuneJob::takeNews, Qt::QueuedConnection);
}

TuneJob::~TuneJob() {
  cancel_ = true;
  join();
}

void TuneJob::join() {
  if (thread_.joinable()) thread_.join();
}

void TuneJob::cancel() { cancel_ = true; }

void TuneJob::takeNews() {
  for (News& news : news_.take()) {
    if (news.outcome) {
      running_ = false;
      emit finished(std::make_shared<const TuneOutcome>(std::move(*news.outcome)));
    } else {
      emit progress(news.done, news.planned, news.total, QString::fromStdString(news.stage));
    }
  }
}

bool TuneJob::start(TuneRequest request) {
  if (running_ || request.space == nullptr) return false;
  join();
  running_ = true;
  cancel_ = false;
  thread_ = std::thread([this, req = std::move(request)]() {
    const auto t0 = std::chrono::steady_clock::now();
    TuneOutcome out;
    out.space = req.space;
    out.specFiles = req.specFiles;
    out.seed = req.seed;
    auto post = [this](qint64 done, qint64 planned, qint64 total, const std::string& stage) {
      news_.put({done, planned, total, stage, std::nullopt});
      emit newsWaiting(QPrivateSignal());
    };
    try {
      const tune::TuningSpace& space = *req.space;
      auto patcher = std::make_shared<const app::SpecPatcher>(req.specFiles, space);
      std::vector<std::string> names;
      for (const auto& s : req.scenarios) names.push_back(s.name);
      if (names.empty()) {
        throw core::InputError({core::Severity::kError, space.file, space.line, 0, "", "",
                                "no Scenario to tune against (open a scenario library)"});
      }
      app::checkConstraintScenarios(space, names, "the workbench's scenarios");
      app::checkFieldValues(space, *patcher, req.seed);
      app::BatchEvaluator evaluator(*patcher, req.scenarios, req.seed, req.threads,
                                    req.meshProvider);
      evaluator.cancel = &cancel_;
      std::string stage = "racing";
      std::int64_t before = 0;
      evaluator.progress = [&](std::int64_t done, std::int64_t planned) {
        post(done, planned, before + done, stage);
      };
      tune::SearchOptions opt;
      opt.budget = req.budget;
      opt.cancel = &cancel_;
      opt.progress = [&](std::int64_t, const std::string& s) {
        before = evaluator.runsMade();
        stage = s;
        post(0, 0, before, stage);
      };
      out.result = tune::runSearch(space, evaluator, req.seed, opt);
      out.scenarios = evaluator.scenarios();
      out.remeasureSeed = evaluator.streamSeed(1);
      out.patcher = std::move(patcher);
    } catch (const core::InputError& e) {
      out.error = e.diagnostic().toString();
    } catch (const std::exception& e) {
      out.error = e.what();
    }
    out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    // Handed over by value (see Handoff): no reference to the outcome is ever dropped here.
    news_.put({0, 0, 0, {}, std::move(out)});
    emit newsWaiting(QPrivateSignal());
  });
  return true;
}

}  // namespace rolloutlab::gui
