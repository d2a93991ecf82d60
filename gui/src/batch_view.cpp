#include "batch_view.h"

#include <QChart>
#include <QCheckBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QProgressBar>
#include <QPushButton>
#include <QSpinBox>
#include <QSplitter>
#include <QStyle>
#include <QThread>
#include <QVBoxLayout>

#include "chart_view.h"
#include "histogram.h"
#include "oc_table.h"
#include "workbench.h"
#include "workbench_models.h"

namespace rolloutlab::gui {

namespace {

QString q(const std::string& s) { return QString::fromStdString(s); }

QString seconds(double s) { return std::isnan(s) ? "-" : q(formatDuration(s)); }

TableCell item(const QString& text, QVariant sortKey = {},
               Qt::Alignment align = Qt::AlignLeft | Qt::AlignVCenter) {
  TableCell c;
  c.text = text;
  c.sortKey = std::move(sortKey);
  c.align = align;
  return c;
}

/// What a number sorts by: NaN ("-") below every number.
QVariant key(double v) { return std::isnan(v) ? QVariant(-1e300) : QVariant(v); }

/// Red in proportion to how often the unwanted outcome happened.
QColor badness(double p) {
  if (std::isnan(p) || p <= 0) return QColor(Qt::transparent);
  const int alpha = static_cast<int>(30 + 170 * std::min(1.0, p));
  return QColor(214, 39, 40, alpha);
}

}  // namespace

BatchView::BatchView(Workbench& wb, QWidget* parent)
    : QWidget(parent), wb_(wb), runner_(new BatchRunner(this)) {
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(6, 6, 6, 6);
  auto* bar = new QHBoxLayout;
  runs_ = new QSpinBox(this);
  runs_->setRange(10, 10000000);
  runs_->setSingleStep(100);
  runs_->setValue(500);
  runs_->setToolTip("Seeded runs per scenario");
  threads_ = new QSpinBox(this);
  threads_->setRange(0, 256);
  threads_->setValue(0);
  threads_->setSpecialValueText("auto");
  threads_->setToolTip("Worker threads (auto: one per core)");
  recordings_ = new QCheckBox("Recordings", this);
  recordings_->setToolTip(
      "Also run over the recordings (Replay documents): each run a moving-block bootstrap "
      "resample of the recording, as `rolloutlab batch` runs them (a live Prometheus cannot be "
      "resampled)");
  run_ = new QPushButton("Run batch", this);
  run_->setToolTip("Run the current spec over every scenario (Ctrl+B)");
  cancel_ = new QPushButton("Cancel", this);
  cancel_->setEnabled(false);
  progress_ = new QProgressBar(this);
  progress_->setRange(0, 1);
  progress_->setValue(0);
  progress_->setTextVisible(true);
  bar->addWidget(new QLabel("Runs per scenario", this));
  bar->addWidget(runs_);
  bar->addWidget(new QLabel("Threads", this));
  bar->addWidget(threads_);
  bar->addWidget(recordings_);
  bar->addWidget(run_);
  bar->addWidget(cancel_);
  bar->addWidget(progress_, 1);
  layout->addLayout(bar);
  status_ = new QLabel("Run the scenario suite for the current spec.", this);
  status_->setStyleSheet("color: #555;");
  summary_ = new QLabel(this);
  summary_->setStyleSheet("font-weight: bold;");
  summary_->setWordWrap(true);
  layout->addWidget(status_);
  layout->addWidget(summary_);

  auto* split = new QSplitter(Qt::Vertical, this);
  table_ = new CellTableView(split);
  table_->cells()->setHeaders({"Scenario", "Release", "Runs", "Promoted [95% CI]",
                               "Rolled back [95% CI]", "Decision p50 / p90",
                               "Excess errors mean / p99"});
  table_->setAlternatingRowColors(true);
  table_->setToolTip(
      "Click a header to sort; Ctrl+C or the context menu copies rows as tab-separated text");
  auto* charts = new QWidget(split);
  auto* cl = new QHBoxLayout(charts);
  cl->setContentsMargins(0, 0, 0, 0);
  decision_ = new ChartView(new QChart, charts);
  excess_ = new ChartView(new QChart, charts);
  decision_->setMinimumHeight(180);
  excess_->setMinimumHeight(180);
  decision_->chart()->setTitle("Time to decision");
  excess_->chart()->setTitle("Excess errors");
  cl->addWidget(decision_);
  cl->addWidget(excess_);
  split->addWidget(table_);
  split->addWidget(charts);
  split->setStretchFactor(0, 3);
  split->setStretchFactor(1, 2);
  layout->addWidget(split, 1);

  connect(run_, &QPushButton::clicked, this, &BatchView::start);
  connect(cancel_, &QPushButton::clicked, this, &BatchView::cancel);
  connect(runner_, &BatchRunner::progress, this, &BatchView::onProgress);
  connect(runner_, &BatchRunner::finished, this, &BatchView::onFinished);
  connect(table_, &CellTableView::currentSourceRowChanged, this, &BatchView::showRow);
}

int BatchView::runs() const { return runs_->value(); }
void BatchView::setRuns(int r) { runs_->setValue(r); }
int BatchView::threads() const { return threads_->value(); }
void BatchView::setThreads(int t) { threads_->setValue(t); }
QString BatchView::statusText() const { return status_->text(); }
bool BatchView::includeRecordings() const { return recordings_->isChecked(); }
void BatchView::setIncludeRecordings(bool include) { recordings_->setChecked(include); }

void BatchView::start() {
  const SpecDocument* spec = wb_.currentSpec();
  if (runner_->running()) return;
  std::vector<replay::ReplaySpec> replays;
  if (recordings_->isChecked()) replays = wb_.replays();
  if (spec == nullptr || (wb_.scenarios().empty() && replays.empty())) {
    status_->setText("Nothing to run: open a spec and a scenario library first.");
    return;
  }
  if (!spec->valid()) {
    status_->setText("The spec has errors; fix them before running a batch.");
    return;
  }
  app::BatchOptions o;
  o.runs = runs_->value();
  o.seed = wb_.seed();
  o.threads = threads_->value();
  specLabel_ = spec->key();
  runningKey_ = spec->key();
  runningTexts_ = spec->texts();
  words_ = spec->outcomeWords();
  table_->cells()->setHeader(4, q(words_.rolledBack) + " [95% CI]");
  std::vector<BatchJob> jobs{{spec->key(), spec->batchWorkspace()}};
  const qint64 total = static_cast<qint64>(wb_.scenarios().size() + replays.size()) * o.runs;
  progress_->setRange(0, 1000);
  progress_->setValue(0);
  progress_->setFormat(QString("0 / %1 runs").arg(total));
  recordingNames_.clear();
  for (const auto& r : replays) recordingNames_.insert(r.name);
  const QString what = replays.empty() ? QString("%1 scenarios").arg(wb_.scenarios().size())
                                       : QString("(%1 scenarios + %2 recordings)")
                                             .arg(wb_.scenarios().size())
                                             .arg(replays.size());
  runner_->start(std::move(jobs), wb_.scenarios(), o, wb_.meshProvider(), std::move(replays));
  status_->setText(QString("Running %1 × %2 × %3 runs, seed %4…")
                       .arg(q(spec->name()), what)
                       .arg(o.runs)
                       .arg(o.seed));
  run_->setEnabled(false);
  cancel_->setEnabled(true);
  emit runningChanged(true);
}

void BatchView::cancel() {
  if (!runner_->running()) return;
  runner_->cancel();
  cancel_->setEnabled(false);
  status_->setText("Cancelling…");
}

void BatchView::onProgress(qint64 done, qint64 total) {
  progress_->setValue(total > 0 ? static_cast<int>(1000 * done / total) : 0);
  progress_->setFormat(QString("%1 / %2 runs").arg(done).arg(total));
}

void BatchView::onFinished(std::shared_ptr<const BatchOutcome> outcome) {
  outcome_ = std::move(outcome);
  outcomeKey_ = runningKey_;
  outcomeTexts_ = runningTexts_;
  run_->setEnabled(true);
  cancel_->setEnabled(false);
  if (!outcome_->error.empty()) {
    status_->setText("The batch could not run: " + q(outcome_->error));
    progress_->setValue(0);
  } else {
    std::int64_t runs = 0;
    for (const auto& r : outcome_->results) {
      for (const auto& p : r.pairs) runs += p.agg.runs;
    }
    const double rate = outcome_->seconds > 0 ? static_cast<double>(runs) / outcome_->seconds : 0;
    QString text = QString("%1 runs in %2 s (%3 runs/s), seed %4")
                       .arg(runs)
                       .arg(outcome_->seconds, 0, 'f', 2)
                       .arg(rate, 0, 'f', 0)
                       .arg(outcome_->results.empty() ? 0 : outcome_->results[0].seed);
    if (outcome_->cancelled) text = "Cancelled: partial result, " + text;
    status_->setText(text);
    if (!outcome_->cancelled) progress_->setValue(progress_->maximum());
  }
  fillTable();
  emit runningChanged(false);
  emit batchFinished();
}

void BatchView::fillTable() {
  table_->cells()->clear();
  summary_->clear();
  if (!outcome_ || outcome_->results.empty()) return;
  const app::BatchResult& r = outcome_->results[0];
  const auto rows = ocRows(r);
  const auto right = Qt::AlignRight | Qt::AlignVCenter;
  std::vector<std::vector<TableCell>> cells;
  for (const OcRow& row : rows) {
    TableCell name = item(q(row.scenario));
    if (recordingNames_.count(row.scenario) > 0) {
      name.icon = style()->standardIcon(QStyle::SP_MediaPlay);
      name.toolTip = "recording: each run a bootstrap resample of it";
    }
    TableCell rel = item(row.badRelease ? "bad" : "good");
    rel.foreground = row.badRelease ? QColor(178, 31, 31) : QColor(30, 123, 30);
    TableCell promoted = item(q(row.promoted.text()), key(row.promoted.value), right);
    TableCell rolled = item(q(row.rolledBack.text()), key(row.rolledBack.value), right);
    // The unwanted outcome: a bad release promoted (escape), a good one rolled back.
    (row.badRelease ? promoted : rolled).background =
        badness(row.badRelease ? row.promoted.value : row.rolledBack.value);
    cells.push_back(
        {name, rel, item(QString::number(row.runs), QVariant::fromValue(row.runs), right), promoted,
         rolled,
         item(seconds(row.decisionP50) + " / " + seconds(row.decisionP90), key(row.decisionP50),
              right),
         item(q(std::isnan(row.excessMean) ? "-" : formatNumber(row.excessMean, 4)) + " / " +
                  q(std::isnan(row.excessP99) ? "-" : formatNumber(row.excessP99, 4)),
              key(row.excessMean), right)});
  }
  table_->cells()->setRows(std::move(cells));
  const OcSummary s = ocSummary(r);
  summary_->setText(
      QString("%1: false %2 of good releases %3 · escapes of bad releases %4 · mean excess "
              "errors per bad release %5")
          .arg(q(specLabel_), q(words_.rollbacks), q(s.falseRollbacks.text()), q(s.escapes.text()),
               q(std::isnan(s.meanExcessBad) ? "-" : formatNumber(s.meanExcessBad, 4))));
  if (!rows.empty()) table_->setCurrentIndex(table_->model()->index(0, 0));
  showRow(table_->sourceRow(0));
}

void BatchView::showRow(int row) {
  if (!outcome_ || outcome_->results.empty()) return;
  const app::BatchResult& r = outcome_->results[0];
  if (row < 0 || row >= static_cast<int>(r.pairs.size())) return;
  const auto& p = r.pairs[static_cast<std::size_t>(row)];
  const auto& a = p.agg;
  drawHistogram(decision_->chart(), decisionTimeBins(a.timeToDecisionMs), a.runs,
                QString("Time to decision<br><small>%1: %2 of %3 runs decided</small>")
                    .arg(q(p.scenario))
                    .arg(a.timeToDecisionMs.count())
                    .arg(a.runs),
                "minutes");
  drawHistogram(excess_->chart(), valueBins(a.excessErrors), a.runs,
                QString("Excess errors<br><small>%1: mean %2 per run</small>")
                    .arg(q(p.scenario), q(formatNumber(a.excessErrors.mean(), 4))),
                "errors the release caused");
  for (ChartView* v : {decision_, excess_}) {
    auto axes = v->chart()->axes(Qt::Horizontal);
    auto* x = axes.isEmpty() ? nullptr : qobject_cast<QValueAxis*>(axes.front());
    v->setTimeAxis(x);
    if (x != nullptr) v->setFullRange(x->min(), x->max());
  }
}

QString BatchView::histogramTitle(int which) const {
  return (which == 0 ? decision_ : excess_)->chart()->title();
}

}  // namespace rolloutlab::gui
