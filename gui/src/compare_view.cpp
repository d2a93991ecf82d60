#include "compare_view.h"

#include <QElapsedTimer>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QProgressBar>
#include <QPushButton>
#include <QScrollArea>
#include <QSpinBox>
#include <QSplitter>
#include <QVBoxLayout>
#include <map>

#include "oc_table.h"
#include "timeline_view.h"
#include "workbench.h"
#include "workbench_models.h"

namespace rolloutlab::gui {

namespace {

QString q(const std::string& s) { return QString::fromStdString(s); }

const QColor kDiffers(255, 236, 153);
const QColor kApart(255, 170, 100);
/// Below this width each of two side-by-side timelines is too narrow to read: stack them.
constexpr int kSideBySideWidth = 1040;

/// What a number sorts by: NaN ("-") below every number.
QVariant key(double v) { return std::isnan(v) ? QVariant(-1e300) : QVariant(v); }

TableCell cell(const QString& text, QVariant sortKey = {}, int highlight = 0) {
  TableCell c;
  c.text = text;
  c.sortKey = std::move(sortKey);
  c.align = Qt::AlignRight | Qt::AlignVCenter;
  c.highlight = highlight;
  if (highlight == 1) c.background = kDiffers;
  if (highlight == 2) {
    c.background = kApart;
    c.bold = true;
  }
  return c;
}

QString secs(double s) { return std::isnan(s) ? "-" : q(formatDuration(s)); }
QString num(double v) { return std::isnan(v) ? "-" : q(formatNumber(v, 4)); }

int compareProportion(const Proportion& a, const Proportion& b) {
  if (a.clearlyDifferent(b)) return 2;
  return (std::isnan(a.value) != std::isnan(b.value) || a.value != b.value) ? 1 : 0;
}

int compareValue(double a, double b) {
  if (std::isnan(a) && std::isnan(b)) return 0;
  return a == b ? 0 : 1;
}

}  // namespace

CompareView::CompareView(Workbench& wb, QWidget* parent)
    : QWidget(parent), wb_(wb), runner_(new BatchRunner(this)) {
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(6, 6, 6, 6);
  auto* bar = new QHBoxLayout;
  which_ = new QLabel(this);
  pin_ = new QPushButton("Pin current as A", this);
  pin_->setToolTip("Make the current edit variant A, to compare further edits against it");
  unpin_ = new QPushButton("A = as loaded", this);
  unpin_->setToolTip("Variant A is the spec as loaded from its file");
  runs_ = new QSpinBox(this);
  runs_->setRange(10, 10000000);
  runs_->setSingleStep(100);
  runs_->setValue(300);
  runs_->setToolTip("Seeded runs per scenario and variant (the same seeds for both)");
  run_ = new QPushButton("Run both", this);
  cancel_ = new QPushButton("Cancel", this);
  cancel_->setEnabled(false);
  progress_ = new QProgressBar(this);
  progress_->setRange(0, 1000);
  progress_->setValue(0);
  bar->addWidget(which_);
  bar->addWidget(pin_);
  bar->addWidget(unpin_);
  bar->addStretch(1);
  bar->addWidget(new QLabel("Runs", this));
  bar->addWidget(runs_);
  bar->addWidget(run_);
  bar->addWidget(cancel_);
  bar->addWidget(progress_, 1);
  layout->addLayout(bar);
  changesLabel_ = new QLabel(this);
  changesLabel_->setWordWrap(true);
  changesLabel_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  layout->addWidget(changesLabel_);

  // The timelines get the room (side by side when wide enough, else stacked, scrolling when
  // even that is too little); the table below scrolls.
  auto* vs = new QSplitter(Qt::Vertical, this);
  vs->setChildrenCollapsible(false);
  chartScroll_ = new QScrollArea(vs);
  chartScroll_->setWidgetResizable(true);
  chartScroll_->setFrameShape(QFrame::NoFrame);
  chartScroll_->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
  charts_ = new QSplitter(Qt::Horizontal);
  charts_->setChildrenCollapsible(false);
  a_ = new TimelineView(charts_);
  b_ = new TimelineView(charts_);
  a_->setCaption("A");
  b_->setCaption("B (current)");
  charts_->addWidget(a_);
  charts_->addWidget(b_);
  chartScroll_->setWidget(charts_);
  auto* bottom = new QWidget(vs);
  auto* bl = new QVBoxLayout(bottom);
  bl->setContentsMargins(0, 0, 0, 0);
  summary_ = new QLabel(bottom);
  summary_->setWordWrap(true);
  table_ = new CellTableView(bottom);
  table_->cells()->setHeaders({"Scenario", "Release", "Promoted A", "Promoted B", "Rolled back A",
                               "Rolled back B", "Decision p50 A", "Decision p50 B",
                               "Excess errors A", "Excess errors B"});
  table_->setMinimumHeight(90);
  table_->setToolTip(
      "Click a header to sort; Ctrl+C or the context menu copies rows as tab-separated text");
  auto* legend = new QLabel(
      "<span style='background:#ffec99'>&nbsp;differs&nbsp;</span> "
      "<span style='background:#ffaa64'><b>&nbsp;95% intervals apart&nbsp;</b></span>",
      bottom);
  bl->addWidget(summary_);
  bl->addWidget(table_, 1);
  bl->addWidget(legend);
  vs->addWidget(chartScroll_);
  vs->addWidget(bottom);
  vs->setStretchFactor(0, 4);
  vs->setStretchFactor(1, 1);
  layout->addWidget(vs, 1);

  connect(pin_, &QPushButton::clicked, this, [this]() { wb_.pinVariantA(); });
  connect(unpin_, &QPushButton::clicked, this, [this]() { wb_.resetVariantA(); });
  connect(run_, &QPushButton::clicked, this, &CompareView::startBatch);
  connect(cancel_, &QPushButton::clicked, this, &CompareView::cancelBatch);
  connect(runner_, &BatchRunner::progress, this, [this](qint64 done, qint64 total) {
    progress_->setValue(total > 0 ? static_cast<int>(1000 * done / total) : 0);
  });
  connect(runner_, &BatchRunner::finished, this, &CompareView::onFinished);
  auto changed = [this]() {
    dirty_ = true;
    if (isVisible()) refresh();
  };
  connect(&wb_, &Workbench::timelineChanged, this, changed);
  connect(&wb_, &Workbench::variantAChanged, this, changed);
  connect(&wb_, &Workbench::currentSpecChanged, this, [this]() {
    outcome_.reset();
    fillTable();
  });
}

int CompareView::runs() const { return runs_->value(); }
void CompareView::setRuns(int r) { runs_->setValue(r); }

void CompareView::showEvent(QShowEvent* event) {
  QWidget::showEvent(event);
  layoutCharts();
  if (dirty_) refresh();
}

void CompareView::resizeEvent(QResizeEvent* event) {
  QWidget::resizeEvent(event);
  layoutCharts();
}

Qt::Orientation CompareView::chartsOrientation() const { return charts_->orientation(); }

void CompareView::layoutCharts() {
  const Qt::Orientation o = width() >= kSideBySideWidth ? Qt::Horizontal : Qt::Vertical;
  if (charts_->orientation() == o) return;
  charts_->setOrientation(o);
  // Stacked, each timeline keeps charts tall enough to read (the area scrolls when both do
  // not fit); side by side they share the height.
  for (TimelineView* t : {a_, b_}) {
    if (o == Qt::Vertical) {
      t->setMinimumLaneHeights(200, 150);
    } else {
      t->setMinimumLaneHeights(150, 120);
    }
  }
  const int half = (o == Qt::Horizontal ? charts_->width() : charts_->height()) / 2;
  charts_->setSizes({half, half});
}

void CompareView::refresh() {
  dirty_ = false;
  const SpecDocument* b = wb_.currentSpec();
  const auto a = wb_.variantA();
  const bool pinned = wb_.variantAPinned();
  which_->setText(pinned ? "A: pinned edit" : "A: as loaded");
  a_->setCaption(pinned ? "A (pinned edit)" : "A (as loaded from the file)");
  b_->setTimeline(wb_.timeline());
  changes_.clear();
  if (b == nullptr || a == nullptr || wb_.currentScenario() == nullptr) {
    Timeline none;
    none.error = wb_.currentReplay() != nullptr
                     ? "Variants are compared in scenarios: choose a scenario (recordings are "
                       "not compared)."
                 : wb_.timeline().error.empty() ? "Nothing to compare."
                                                : wb_.timeline().error;
    a_->setTimeline(none);
    changesLabel_->clear();
    return;
  }
  if (a->valid()) {
    QElapsedTimer timer;
    timer.start();
    Timeline ta = a->simulate(*wb_.currentScenario(), wb_.seed(), wb_.meshProvider());
    ta.simulateMs = static_cast<double>(timer.nsecsElapsed()) / 1e6;
    a_->setTimeline(ta);
  } else {
    Timeline bad;
    bad.error = "Variant A has errors.";
    a_->setTimeline(bad);
  }
  // What the form shows differently.
  std::map<std::string, SpecField> fa;
  for (const auto& f : a->fields()) fa[f.id] = f;
  for (const auto& f : b->fields()) {
    const auto it = fa.find(f.id);
    const std::string av = it == fa.end() ? "" : it->second.value;
    if (av != f.value) {
      changes_ << QString("%1 %2: %3 \u2192 %4")
                      .arg(q(f.group), q(f.label), av.empty() ? "(unset)" : q(av),
                           f.value.empty() ? "(unset)" : q(f.value));
    }
  }
  const bool sameOutcome = a_->timeline().outcome == wb_.timeline().outcome;
  b_->setCaption(sameOutcome ? "B (current)"
                             : "B (current) \u2014 a different outcome on this seed");
  if (changes_.isEmpty()) {
    changesLabel_->setText("B is the same as A. Edit the spec (or pin an edit as A) to compare.");
    changesLabel_->setStyleSheet("color: #555;");
  } else {
    changesLabel_->setText("Changed in B: " + changes_.join("; "));
    changesLabel_->setStyleSheet("background: #fff5cc; padding: 3px;");
  }
}

void CompareView::startBatch() {
  if (runner_->running()) return;
  const SpecDocument* b = wb_.currentSpec();
  const auto a = wb_.variantA();
  if (b == nullptr || a == nullptr || wb_.scenarios().empty()) {
    summary_->setText("Nothing to run: open a spec and a scenario library first.");
    return;
  }
  if (!a->valid() || !b->valid()) {
    summary_->setText("Both variants must be free of errors to run them.");
    return;
  }
  app::BatchOptions o;
  o.runs = runs_->value();
  o.seed = wb_.seed();
  std::vector<BatchJob> jobs{{"A", a->batchWorkspace()}, {"B", b->batchWorkspace()}};
  words_ = b->outcomeWords();
  const QString rolled = q(words_.rolledBack);
  table_->cells()->setHeader(4, rolled + " A");
  table_->cells()->setHeader(5, rolled + " B");
  runner_->start(std::move(jobs), wb_.scenarios(), o, wb_.meshProvider());
  progress_->setValue(0);
  run_->setEnabled(false);
  cancel_->setEnabled(true);
  summary_->setText(QString("Running A and B, %1 runs per scenario on the same seeds (seed %2)…")
                        .arg(o.runs)
                        .arg(o.seed));
}

void CompareView::cancelBatch() {
  runner_->cancel();
  cancel_->setEnabled(false);
}

void CompareView::onFinished(std::shared_ptr<const BatchOutcome> outcome) {
  outcome_ = std::move(outcome);
  run_->setEnabled(true);
  cancel_->setEnabled(false);
  progress_->setValue(outcome_->cancelled || !outcome_->error.empty() ? 0 : 1000);
  fillTable();
  emit batchFinished();
}

void CompareView::fillTable() {
  table_->cells()->clear();
  if (!outcome_) {
    summary_->clear();
    return;
  }
  if (!outcome_->error.empty()) {
    summary_->setText("The batch could not run: " + q(outcome_->error));
    return;
  }
  if (outcome_->results.size() < 2) {
    summary_->setText("Cancelled before both variants ran.");
    return;
  }
  const auto ra = ocRows(outcome_->results[0]);
  const auto rb = ocRows(outcome_->results[1]);
  const std::size_t n = std::min(ra.size(), rb.size());
  std::vector<std::vector<TableCell>> rows;
  for (std::size_t i = 0; i < n; ++i) {
    const OcRow& a = ra[i];
    const OcRow& b = rb[i];
    TableCell name = cell(q(a.scenario));
    name.align = Qt::AlignLeft | Qt::AlignVCenter;
    TableCell rel = cell(a.badRelease ? "bad" : "good");
    rel.align = Qt::AlignLeft | Qt::AlignVCenter;
    rows.push_back(
        {name, rel, cell(q(a.promoted.text()), key(a.promoted.value)),
         cell(q(b.promoted.text()), key(b.promoted.value),
              compareProportion(a.promoted, b.promoted)),
         cell(q(a.rolledBack.text()), key(a.rolledBack.value)),
         cell(q(b.rolledBack.text()), key(b.rolledBack.value),
              compareProportion(a.rolledBack, b.rolledBack)),
         cell(secs(a.decisionP50), key(a.decisionP50)),
         cell(secs(b.decisionP50), key(b.decisionP50), compareValue(a.decisionP50, b.decisionP50)),
         cell(num(a.excessMean), key(a.excessMean)),
         cell(num(b.excessMean), key(b.excessMean), compareValue(a.excessMean, b.excessMean))});
  }
  table_->cells()->setRows(std::move(rows));
  const OcSummary sa = ocSummary(outcome_->results[0]);
  const OcSummary sb = ocSummary(outcome_->results[1]);
  summary_->setText(
      QString("False %8 of good releases: A %1, B %2 · escapes of bad releases: A %3, B %4 · "
              "mean excess errors per bad release: A %5, B %6%7")
          .arg(q(sa.falseRollbacks.text()), q(sb.falseRollbacks.text()), q(sa.escapes.text()),
               q(sb.escapes.text()), num(sa.meanExcessBad), num(sb.meanExcessBad),
               outcome_->cancelled ? " (cancelled: partial)" : "", q(words_.rollbacks)));
}

QString CompareView::summaryText() const { return summary_->text(); }

int CompareView::highlight(int row, int column) const {
  return table_->model()->index(row, column).data(CellTableModel::kHighlightRole).toInt();
}

}  // namespace rolloutlab::gui
