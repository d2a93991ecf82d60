#include "batch_runner.h"

#include <QMetaObject>
#include <chrono>

namespace rolloutlab::gui {

BatchRunner::BatchRunner(QObject* parent) : QObject(parent) {}

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
  const qint64 total = perJob * static_cast<qint64>(jobs.size());
  thread_ = std::thread([this, jobs = std::move(jobs), scenarioList = std::move(scenarioList),
                         replays = std::move(replays), options,
                         meshProvider = std::move(meshProvider), perJob, total]() mutable {
    const auto start = std::chrono::steady_clock::now();
    auto outcome = std::make_shared<BatchOutcome>();
    try {
      for (std::size_t j = 0; j < jobs.size(); ++j) {
        if (cancel_) break;
        const qint64 offset = perJob * static_cast<qint64>(j);
        app::BatchOptions o = options;
        o.progress = [this, offset, total](std::int64_t done, std::int64_t) {
          // Queued to the GUI thread; dropped if the runner is gone by then.
          QMetaObject::invokeMethod(
              this, [this, d = offset + done, total]() { emit progress(d, total); },
              Qt::QueuedConnection);
        };
        const auto specs = app::batchSpecs(jobs[j].workspace, meshProvider);
        outcome->labels.push_back(jobs[j].label);
        outcome->results.push_back(app::runBatch(specs, scenarioList, replays, {}, o));
        if (outcome->results.back().partial) break;
      }
    } catch (const core::InputError& e) {
      outcome->error = e.diagnostic().toString();
    } catch (const std::exception& e) {
      outcome->error = e.what();
    }
    outcome->cancelled = cancel_.load();
    outcome->seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    QMetaObject::invokeMethod(
        this,
        [this, outcome]() {
          running_ = false;
          emit finished(outcome);
        },
        Qt::QueuedConnection);
  });
  return true;
}

void BatchRunner::cancel() { cancel_ = true; }

}  // namespace rolloutlab::gui
