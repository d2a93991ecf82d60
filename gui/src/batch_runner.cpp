#include "batch_runner.h"

#include <chrono>

namespace rolloutlab::gui {

BatchRunner::BatchRunner(QObject* parent) : QObject(parent) {
  connect(this, &BatchRunner::newsWaiting, this, &BatchRunner::takeNews, Qt::QueuedConnection);
}

BatchRunner::~BatchRunner() {
  cancel_ = true;
  join();
}

void BatchRunner::join() {
  if (thread_.joinable()) thread_.join();
}

bool BatchRunner::start(std::vector<BatchJob> jobs, std::vector<scenarios::Scenario> scenarioList,
                        app::BatchOptions options, std::string meshProvider,
                        std::vector<replay::ReplaySpec> replays) {
  if (running_) return false;
  join();
  running_ = true;
  cancel_ = false;
  options.cancel = &cancel_;
  const qint64 perJob = static_cast<qint64>(scenarioList.size() + replays.size()) * options.runs;
  total_ = perJob * static_cast<qint64>(jobs.size());
  thread_ = std::thread([this, jobs = std::move(jobs), scenarioList = std::move(scenarioList),
                         replays = std::move(replays), options,
                         meshProvider = std::move(meshProvider), perJob]() mutable {
    const auto start = std::chrono::steady_clock::now();
    BatchOutcome outcome;
    try {
      for (std::size_t j = 0; j < jobs.size(); ++j) {
        if (cancel_) break;
        const qint64 offset = perJob * static_cast<qint64>(j);
        app::BatchOptions o = options;
        o.progress = [this, offset](std::int64_t done, std::int64_t) {
          news_.put({offset + done, std::nullopt});
          emit newsWaiting(QPrivateSignal());
        };
        const auto specs = app::batchSpecs(jobs[j].workspace, meshProvider);
        outcome.labels.push_back(jobs[j].label);
        outcome.results.push_back(app::runBatch(specs, scenarioList, replays, {}, o));
        if (outcome.results.back().partial) break;
      }
    } catch (const core::InputError& e) {
      outcome.error = e.diagnostic().toString();
    } catch (const std::exception& e) {
      outcome.error = e.what();
    }
    outcome.cancelled = cancel_.load();
    outcome.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    // Handed over by value (see Handoff): no reference to the outcome is ever dropped here.
    news_.put({0, std::move(outcome)});
    emit newsWaiting(QPrivateSignal());
  });
  return true;
}

void BatchRunner::cancel() { cancel_ = true; }

void BatchRunner::takeNews() {
  for (News& news : news_.take()) {
    if (news.outcome) {
      running_ = false;
      emit finished(std::make_shared<const BatchOutcome>(std::move(*news.outcome)));
    } else {
      emit progress(news.done, total_);
    }
  }
}

}  // namespace rolloutlab::gui
