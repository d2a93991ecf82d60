#include "tune_view.h"

#include <QChart>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QFontDatabase>
#include <QHBoxLayout>
#include <QLabel>
#include <QLegend>
#include <QPen>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QScatterSeries>
#include <QSpinBox>
#include <QSplitter>
#include <QTextBlock>
#include <QTimer>
#include <QUndoStack>
#include <QVBoxLayout>
#include <QValueAxis>
#include <algorithm>
#include <climits>
#include <cmath>
#include <set>

#include "chart_view.h"
#include "oc_table.h"
#include "workbench.h"

namespace rolloutlab::gui {

namespace {

QString q(const std::string& s) { return QString::fromStdString(s); }

QString pct(const tune::Estimate& e) {
  if (!e.known()) return "-";
  return QString::asprintf("%.1f%% [%.1f, %.1f]", 100 * e.value, 100 * e.lo, 100 * e.hi);
}

QString count(const tune::Estimate& e) {
  if (!e.known()) return "-";
  return QString::asprintf("%.0f [%.0f, %.0f]", e.value, e.lo, e.hi);
}

QString duration(const tune::Estimate& e) {
  if (!e.known()) return "-";
  return q(formatDuration(e.value)) + " [" + q(formatDuration(e.lo)) + ", " +
         q(formatDuration(e.hi)) + "]";
}

QVariant key(const tune::Estimate& e) { return e.known() ? QVariant(e.value) : QVariant(-1e300); }

QString fieldValue(const tune::Field& f, const tune::FieldValue& v) {
  return f.type == tune::FieldType::kCondition ? q(core::quoted(v.text)) : q(v.text);
}

struct ClassStyle {
  const char* name;
  QColor fill;
  QColor border;
  double size;
};

const ClassStyle kStyles[kTunePointClasses] = {
    {"feasible, false rollbacks < 1%", QColor(44, 160, 44), QColor(20, 90, 20), 10},
    {"feasible, false rollbacks 1-5%", QColor(255, 165, 0), QColor(150, 90, 0), 10},
    {"feasible, false rollbacks >= 5%", QColor(214, 39, 40), QColor(120, 20, 20), 10},
    {"feasibility undecided", QColor(31, 119, 180, 70), QColor(31, 119, 180), 8},
    {"infeasible", QColor(190, 190, 190), QColor(150, 150, 150), 7},
};

/// The values of a field of a template: the spec's own and a few around it, in order.
std::string list(std::vector<double> v, bool integral) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
  std::string out = "[";
  for (std::size_t i = 0; i < v.size(); ++i) {
    out += (i ? ", " : "") + (integral ? std::to_string(std::llround(v[i])) : formatNumber(v[i]));
  }
  return out + "]";
}

bool number(const std::string& s, double& out) {
  if (s.empty()) return false;
  char* end = nullptr;
  out = std::strtod(s.c_str(), &end);
  return end != nullptr && *end == '\0' && std::isfinite(out);
}

}  // namespace

TunePointClass tunePointClass(const tune::CandidateResult& c) {
  // Infeasible: dropped as such, or a constraint's interval lies above its bound.
  if (c.status == tune::Status::kInfeasible) return TunePointClass::kInfeasible;
  bool met = true;
  for (auto v : c.verdicts) {
    if (v == tune::Verdict::kViolated) return TunePointClass::kInfeasible;
    met = met && v == tune::Verdict::kMet;
  }
  // Feasible: every constraint met on its 95% bound (a candidate beaten on the objective may
  // be feasible, and on the Pareto front).
  if (!met) return TunePointClass::kUndecided;
  const auto& f = c.oc.falseRollbackRate;
  const double p = f.known() ? f.value : 0;
  if (p < 0.01) return TunePointClass::kFeasibleLow;
  if (p < 0.05) return TunePointClass::kFeasibleMid;
  return TunePointClass::kFeasibleHigh;
}

bool tuneMeasured(const tune::CandidateResult& c) {
  return c.oc.meanTimeToPromotion.known() && c.oc.meanExcessErrors.known();
}

TuneView::TuneView(Workbench& wb, QWidget* parent)
    : QWidget(parent), wb_(wb), job_(new TuneJob(this)) {
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(6, 6, 6, 6);
  auto* bar = new QHBoxLayout;
  load_ = new QPushButton("Load space...", this);
  load_->setToolTip("Open a TuningSpace file (examples/tuning/ holds some)");
  template_ = new QPushButton("Template", this);
  template_->setToolTip(
      "A TuningSpace for the current spec: its own values of the usual fields beside a few "
      "others");
  budget_ = new QSpinBox(this);
  budget_->setRange(0, INT_MAX);
  budget_->setSingleStep(10000);
  budget_->setSpecialValueText("no limit");
  budget_->setToolTip("The most runs the search may spend (rolloutlab tune --budget)");
  seed_ = new QSpinBox(this);
  seed_->setRange(0, INT_MAX);
  seed_->setToolTip("Master seed (rolloutlab tune --seed): the same seed gives the same result");
  threads_ = new QSpinBox(this);
  threads_->setRange(0, 256);
  threads_->setSpecialValueText("auto");
  threads_->setToolTip("Worker threads (auto: one per core); never changes the result");
  run_ = new QPushButton("Run tune", this);
  run_->setToolTip("Race the space's candidates over the scenarios");
  cancel_ = new QPushButton("Cancel", this);
  cancel_->setEnabled(false);
  cancel_->setToolTip("Stop: the result so far is shown, marked partial");
  progress_ = new QProgressBar(this);
  progress_->setRange(0, 1);
  progress_->setValue(0);
  progress_->setFormat("%v / %m runs");
  bar->addWidget(new QLabel("Budget", this));
  bar->addWidget(budget_);
  bar->addWidget(new QLabel("Seed", this));
  bar->addWidget(seed_);
  bar->addWidget(new QLabel("Threads", this));
  bar->addWidget(threads_);
  bar->addWidget(run_);
  bar->addWidget(cancel_);
  bar->addWidget(progress_, 1);
  layout->addLayout(bar);
  status_ = new QLabel("Load a TuningSpace or make a template for the current spec.", this);
  status_->setStyleSheet("color: #555;");
  status_->setWordWrap(true);
  summary_ = new QLabel(this);
  summary_->setStyleSheet("font-weight: bold;");
  summary_->setWordWrap(true);
  summary_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  layout->addWidget(status_);
  layout->addWidget(summary_);

  auto* split = new QSplitter(Qt::Horizontal, this);
  auto* left = new QWidget(split);
  auto* ll = new QVBoxLayout(left);
  ll->setContentsMargins(0, 0, 0, 0);
  // The space's buttons above its editor.
  auto* sb = new QHBoxLayout;
  load_->setParent(left);
  template_->setParent(left);
  sb->addWidget(load_);
  sb->addWidget(template_);
  sb->addStretch(1);
  ll->addLayout(sb);
  editor_ = new QPlainTextEdit(left);
  editor_->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
  editor_->setLineWrapMode(QPlainTextEdit::NoWrap);
  editor_->setPlaceholderText("apiVersion: rolloutlab.io/v1alpha1\nkind: TuningSpace\n...");
  problems_ = new QLabel(left);
  problems_->setWordWrap(true);
  problems_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  ll->addWidget(editor_, 1);
  ll->addWidget(problems_);

  auto* right = new QSplitter(Qt::Vertical, split);
  auto* chart = new QChart;
  chart->setTitle("Candidates: time to promote a good release vs excess errors of a bad one");
  // The names go in a label below the chart that wraps when the view is narrow (QLegend cuts
  // them short), as the timeline does.
  chart->legend()->hide();
  auto* top = new QWidget(right);
  auto* tl = new QVBoxLayout(top);
  tl->setContentsMargins(0, 0, 0, 0);
  tl->setSpacing(2);
  chart_ = new ChartView(chart, top);
  chart_->setRubberBand(QChartView::NoRubberBand);
  chart_->setMinimumHeight(260);
  for (int k = 0; k < kTunePointClasses; ++k) {
    auto* s = new QScatterSeries(chart);
    s->setName(kStyles[k].name);
    s->setColor(kStyles[k].fill);
    s->setBorderColor(kStyles[k].border);
    s->setMarkerSize(kStyles[k].size);
    s->setMarkerShape(QScatterSeries::MarkerShapeCircle);
    chart->addSeries(s);
    series_[k] = s;
    connect(s, &QScatterSeries::clicked, this,
            [this, k](const QPointF& p) { clicked(static_cast<TunePointClass>(k), p); });
  }
  recommended_ = new QScatterSeries(chart);
  recommended_->setName("recommended");
  recommended_->setMarkerShape(QScatterSeries::MarkerShapeStar);
  recommended_->setMarkerSize(26);
  // Hollow: the candidate's own point shows through.
  recommended_->setColor(Qt::transparent);
  recommended_->setPen(QPen(QColor(20, 20, 20), 2));
  chart->addSeries(recommended_);
  connect(recommended_, &QScatterSeries::clicked, this, [this](const QPointF&) {
    if (outcome_ != nullptr && outcome_->result.recommended >= 0)
      loadCandidate(static_cast<int>(outcome_->result.recommended));
  });
  auto* ax = new QValueAxis(chart);
  ax->setTitleText("mean time to promotion (minutes)");
  ax->setLabelFormat("%g");
  auto* ay = new QValueAxis(chart);
  ay->setTitleText("excess errors / bad release");
  ay->setLabelFormat("%g");
  chart->addAxis(ax, Qt::AlignBottom);
  chart->addAxis(ay, Qt::AlignLeft);
  for (auto* s : chart->series()) {
    s->attachAxis(ax);
    s->attachAxis(ay);
  }
  legend_ = new QLabel(top);
  legend_->setWordWrap(true);
  legend_->setAlignment(Qt::AlignHCenter);
  tl->addWidget(chart_, 1);
  tl->addWidget(legend_);
  auto* bottom = new QWidget(right);
  auto* bl = new QVBoxLayout(bottom);
  bl->setContentsMargins(0, 0, 0, 0);
  table_ = new CellTableView(bottom);
  table_->setAlternatingRowColors(true);
  table_->setSelectionMode(QAbstractItemView::SingleSelection);
  table_->setToolTip(
      "Click a row to load that candidate into the spec; click a header to sort; Ctrl+C copies "
      "rows as tab-separated text");
  auto* kb = new QHBoxLayout;
  keep_ = new QPushButton("Keep", bottom);
  keep_->setEnabled(false);
  keep_->setToolTip(
      "Make the candidate loaded the edited spec (Save writes it); another click then loads "
      "over it as a new edit instead of replacing it");
  auto* hint = new QLabel(
      "Click a point or a row to load that candidate into the spec form and the timeline; "
      "Undo goes back.",
      bottom);
  hint->setStyleSheet("color: #555;");
  hint->setWordWrap(true);
  kb->addWidget(keep_);
  kb->addWidget(hint, 1);
  bl->addWidget(table_, 1);
  bl->addLayout(kb);
  right->addWidget(top);
  right->addWidget(bottom);
  right->setStretchFactor(0, 3);
  right->setStretchFactor(1, 2);
  split->addWidget(left);
  split->addWidget(right);
  split->setStretchFactor(0, 1);
  split->setStretchFactor(1, 2);
  split->setSizes({400, 800});
  layout->addWidget(split, 1);

  typing_ = new QTimer(this);
  typing_->setSingleShot(true);
  typing_->setInterval(300);
  connect(typing_, &QTimer::timeout, this, &TuneView::check);
  connect(editor_, &QPlainTextEdit::textChanged, this, [this]() { typing_->start(); });
  connect(load_, &QPushButton::clicked, this, [this]() {
    QString dir;
    if (!wb_.paths().isEmpty()) dir = QFileInfo(wb_.paths().front()).absolutePath();
    const QString path = QFileDialog::getOpenFileName(this, "Open a TuningSpace", dir,
                                                      "YAML (*.yaml *.yml);;All files (*)");
    if (!path.isEmpty()) loadSpaceFile(path);
  });
  connect(template_, &QPushButton::clicked, this, &TuneView::useTemplate);
  connect(run_, &QPushButton::clicked, this, [this]() { start(); });
  connect(cancel_, &QPushButton::clicked, this, &TuneView::cancel);
  connect(keep_, &QPushButton::clicked, this, &TuneView::keep);
  connect(job_, &TuneJob::progress, this, &TuneView::onProgress);
  connect(job_, &TuneJob::finished, this, &TuneView::onFinished);
  auto rowClicked = [this](const QModelIndex& index) {
    const int row = table_->sourceRow(index.row());
    if (row >= 0) loadCandidate(row);
  };
  connect(table_, &QAbstractItemView::clicked, this, rowClicked);
  connect(table_, &QAbstractItemView::activated, this, rowClicked);
  // A TuningSpace among the files opened that targets the spec fills an empty editor.
  auto offer = [this]() {
    const SpecDocument* s = wb_.currentSpec();
    if (s == nullptr || !editor_->toPlainText().isEmpty()) return;
    for (const auto& t : wb_.workspace().tuningSpaces) {
      // The target as `rolloutlab tune` matches it: Kind/ns/name, ns/name or name.
      const std::string& k = s->key();
      const bool suffix = k.size() > t.target.size() &&
                          k.compare(k.size() - t.target.size(), t.target.size(), t.target) == 0 &&
                          k[k.size() - t.target.size() - 1] == '/';
      if (t.target == k || suffix) {
        loadSpaceFile(q(t.file));
        return;
      }
    }
  };
  connect(&wb_, &Workbench::currentSpecChanged, this, offer);
  connect(&wb_, &Workbench::workspaceChanged, this, offer);
  check();
}

TuneView::~TuneView() = default;

void TuneView::setSpaceText(const QString& text, const QString& name) {
  spaceName_ = name;
  editor_->setPlainText(text);
  typing_->stop();
  check();
}

QString TuneView::spaceText() const { return editor_->toPlainText(); }

bool TuneView::loadSpaceFile(const QString& path) {
  QFile f(path);
  if (!f.open(QIODevice::ReadOnly)) {
    status_->setText("Cannot read " + path + ": " + f.errorString());
    return false;
  }
  setSpaceText(QString::fromUtf8(f.readAll()), path);
  status_->setText("Loaded " + path + ".");
  return true;
}

QString TuneView::problems() const {
  QStringList out;
  for (const auto& d : parsed_.diagnostics.items) {
    if (d.severity == core::Severity::kError) out << q(d.toString());
  }
  return out.join('\n');
}

void TuneView::check() {
  const std::string text = editor_->toPlainText().toStdString();
  if (text.find_first_not_of(" \t\r\n") == std::string::npos) {
    parsed_ = {};
    problems_->clear();
    markLines({});
    run_->setEnabled(false);
    return;
  }
  parsed_ = parseTuningSpace(text, spaceName_.toStdString());
  const QString errors = problems();
  if (parsed_.ok()) {
    problems_->setStyleSheet("color: rgb(30, 123, 30);");
    problems_->setText(QString("No problems: %1 fields, a grid of %2 candidates.")
                           .arg(parsed_.space->fields.size())
                           .arg(parsed_.space->gridSize(), 0, 'g', 6));
  } else {
    problems_->setStyleSheet("color: rgb(178, 31, 31);");
    problems_->setText(errors);
  }
  markLines(parsed_.diagnostics);
  run_->setEnabled(parsed_.ok() && !job_->running());
}

void TuneView::markLines(const core::Diagnostics& diags) {
  QList<QTextEdit::ExtraSelection> sel;
  for (const auto& d : diags.items) {
    if (d.line <= 0) continue;
    const QTextBlock b = editor_->document()->findBlockByNumber(d.line - 1);
    if (!b.isValid()) continue;
    QTextEdit::ExtraSelection e;
    e.cursor = QTextCursor(b);
    e.format.setBackground(d.severity == core::Severity::kError ? QColor(250, 205, 205)
                                                                : QColor(255, 225, 180));
    e.format.setProperty(QTextFormat::FullWidthSelection, true);
    sel.append(e);
  }
  editor_->setExtraSelections(sel);
}

void TuneView::useTemplate() {
  const SpecDocument* s = wb_.currentSpec();
  if (s == nullptr) {
    status_->setText("Open a spec first: the template tunes the current spec.");
    return;
  }
  std::string fields;
  double v = 0;
  std::vector<long long> weights;
  bool timedPause = false;
  std::set<std::string> templates;
  for (const auto& f : s->fields()) {
    if (f.readOnly) continue;
    if (f.id == "analysis.threshold") {
      std::vector<double> vals{2, 5, 10};
      if (number(f.value, v)) vals.push_back(v);
      fields += "    - field: threshold\n      values: " + list(vals, true) + "\n";
    } else if (f.id == "analysis.interval") {
      std::string vals = "[30s, 1m";
      if (!f.value.empty() && f.value != "30s" && f.value != "1m") vals += ", " + f.value;
      fields += "    - field: interval\n      values: " + vals + "]\n";
    } else if (f.id == "analysis.stepWeight" && number(f.value, v)) {
      fields += "    - field: stepWeight\n      values: " + list({5, 10, 20, v}, true) + "\n";
    } else if (f.id.rfind("metrics.", 0) == 0 && number(f.value, v) &&
               f.group.rfind("Metric ", 0) == 0) {
      const std::string metric = f.group.substr(7);
      const bool isMin = f.id.size() > 4 && f.id.compare(f.id.size() - 4, 4, ".min") == 0;
      const bool isMax = f.id.size() > 4 && f.id.compare(f.id.size() - 4, 4, ".max") == 0;
      if (!isMin && !isMax) continue;
      std::vector<double> vals;
      if (isMin && v > 90 && v <= 100) {
        vals = {v - 1, v - 0.5, v};
        if (v + 0.5 <= 100) vals.push_back(v + 0.5);
      } else {
        vals = {v * 0.5, v * 0.75, v, v * 1.5};
      }
      fields += "    - field: metrics[" + metric + "].thresholdRange." + (isMin ? "min" : "max") +
                "\n      values: " + list(vals, false) + "\n";
    } else if (f.id.rfind("steps.", 0) == 0 && f.id.size() > 10 &&
               f.id.compare(f.id.size() - 10, 10, ".setWeight") == 0 && number(f.value, v)) {
      weights.push_back(std::llround(v));
    } else if (f.id.rfind("steps.", 0) == 0 && f.id.size() > 6 &&
               f.id.compare(f.id.size() - 6, 6, ".pause") == 0 && !f.value.empty()) {
      timedPause = true;
    } else if (f.id.rfind("templates.", 0) == 0 && f.group.rfind("Template ", 0) == 0 &&
               f.id.size() > 13 && f.id.compare(f.id.size() - 13, 13, ".failureLimit") == 0) {
      // "Template NAME: METRIC", the first metric of each template.
      const std::string rest = f.group.substr(9);
      const auto colon = rest.find(": ");
      if (colon == std::string::npos || !templates.insert(rest.substr(0, colon)).second) continue;
      fields += "    - field: analysis[" + rest.substr(0, colon) + "].metrics[" +
                rest.substr(colon + 2) + "].failureLimit\n      values: [0, 1, 2]\n";
    }
  }
  if (!weights.empty()) {
    std::string own = "[";
    for (std::size_t i = 0; i < weights.size(); ++i)
      own += (i ? ", " : "") + std::to_string(weights[i]);
    own += "]";
    fields = "    - field: setWeights\n      schedules:\n        lists: [" + own +
             ", [10, 30, 60], [20, 50], [25, 50, 75]]\n" + fields;
  }
  if (timedPause) fields += "    - field: pause\n      values: [1m, 2m, 5m]\n";
  std::string name = s->name();
  std::replace(name.begin(), name.end(), '/', '-');
  const std::string text =
      "# A TuningSpace for " + s->key() +
      ": its own values of the usual fields beside a few others. Edit the values, the\n"
      "# constraints and the search; docs/tuning.md describes every field.\n"
      "apiVersion: rolloutlab.io/v1alpha1\n"
      "kind: TuningSpace\n"
      "metadata:\n"
      "  name: " +
      name +
      "\n"
      "spec:\n"
      "  target: " +
      s->key() + "\n  fields:\n" + (fields.empty() ? "    []\n" : fields) +
      "  constraints:\n"
      "    falseRollbackRate: 0.05     # good releases rolled back, on the upper 95% bound\n"
      "    escapeRate: 0.5             # bad releases promoted\n"
      "  objective: timeToPromotion\n"
      "  search:\n"
      "    initialRuns: 8\n"
      "    maxRuns: 64\n";
  setSpaceText(q(text), "template");
  status_->setText("A template for " + q(s->key()) + ": edit it, then Run tune.");
}

void TuneView::setBudget(qint64 runs) {
  budget_->setValue(static_cast<int>(std::clamp<qint64>(runs, 0, INT_MAX)));
}
void TuneView::setSeed(quint64 seed) {
  seed_->setValue(static_cast<int>(std::min<quint64>(seed, INT_MAX)));
}
void TuneView::setThreads(int threads) { threads_->setValue(threads); }
bool TuneView::running() const { return job_->running(); }
QString TuneView::statusText() const { return status_->text(); }
QString TuneView::legendText() const { return legend_->text(); }

bool TuneView::start() {
  if (job_->running()) return false;
  typing_->stop();
  check();
  if (!parsed_.ok()) {
    const QString errors = problems();
    status_->setText(errors.isEmpty()
                         ? "Load a TuningSpace or make a template first."
                         : "The TuningSpace has errors: " + errors.section('\n', 0, 0));
    return false;
  }
  const SpecDocument* s = wb_.currentSpec();
  if (s == nullptr) {
    status_->setText("Open a spec to tune first.");
    return false;
  }
  if (!s->valid()) {
    status_->setText("The spec has errors: fix them before tuning it.");
    return false;
  }
  TuneRequest req;
  req.space = parsed_.space;
  req.specFiles.emplace_back(s->file(), s->text());
  for (const auto& l : s->linkedTexts()) req.specFiles.emplace_back(l.file, l.text);
  req.scenarios = wb_.scenarios();
  req.seed = static_cast<std::uint64_t>(seed_->value());
  req.threads = threads_->value();
  req.budget = budget_->value();
  req.meshProvider = wb_.meshProvider();
  if (!job_->start(std::move(req))) return false;
  specKey_ = s->key();
  previewed_ = -1;
  previewIndex_ = -1;
  keep_->setEnabled(false);
  run_->setEnabled(false);
  cancel_->setEnabled(true);
  progress_->setRange(0, 1);
  progress_->setValue(0);
  progress_->setFormat("%v / %m runs");
  status_->setText("Tuning " + q(s->key()) + " over " + QString::number(wb_.scenarios().size()) +
                   " scenarios, seed " + QString::number(seed_->value()) + "...");
  emit runningChanged(true);
  return true;
}

void TuneView::cancel() {
  if (!job_->running()) return;
  job_->cancel();
  status_->setText("Cancelling: the result so far follows, marked partial...");
}

void TuneView::onProgress(qint64 done, qint64 planned, qint64 total, const QString& stage) {
  if (planned > 0) {
    progress_->setRange(0, static_cast<int>(std::min<qint64>(planned, INT_MAX)));
    progress_->setValue(static_cast<int>(std::min<qint64>(done, INT_MAX)));
  }
  status_->setText(stage + QString(": %1 runs in all").arg(total));
}

void TuneView::onFinished(std::shared_ptr<const TuneOutcome> outcome) {
  outcome_ = std::move(outcome);
  cancel_->setEnabled(false);
  run_->setEnabled(parsed_.ok());
  emit runningChanged(false);
  showOutcome();
  emit tuneFinished();
}

void TuneView::showOutcome() {
  for (int k = 0; k < kTunePointClasses; ++k) {
    series_[k]->clear();
    pointCandidates_[k].clear();
  }
  recommended_->clear();
  legend_->clear();
  table_->cells()->clear();
  summary_->clear();
  const TuneOutcome* o = outcome_.get();
  if (o == nullptr) return;
  if (!o->error.empty()) {
    status_->setText("The tune could not run: " + q(o->error));
    progress_->setRange(0, 1);
    progress_->setValue(0);
    return;
  }
  const auto& res = o->result;
  const auto& space = *o->space;
  progress_->setRange(0, 1);
  progress_->setValue(1);
  progress_->setFormat(QString("%1 runs").arg(res.runs));
  std::size_t counts[4] = {0, 0, 0, 0};
  for (const auto& c : res.candidates) ++counts[static_cast<int>(c.status)];
  QString st = QString(
                   "%1 over %2 scenarios, seed %3: %4 candidates (grid %5), %6 runs in %7 "
                   "rounds, %8 s: %9 feasible, %10 infeasible, %11 dominated, %12 undecided")
                   .arg(q(specKey_))
                   .arg(o->scenarios.size())
                   .arg(o->seed)
                   .arg(res.candidates.size())
                   .arg(res.gridSize)
                   .arg(res.runs)
                   .arg(res.rounds)
                   .arg(o->seconds, 0, 'f', 1)
                   .arg(counts[0])
                   .arg(counts[1])
                   .arg(counts[2])
                   .arg(counts[3]);
  if (res.partial) st = "PARTIAL (cancelled): " + st;
  if (res.budgetExhausted) st += " (budget spent)";

  // The points: minutes against excess errors.
  QStringList tips[kTunePointClasses];
  double xmax = 0, ymax = 0;
  int unplotted = 0;
  std::vector<std::vector<QPointF>> pts(kTunePointClasses);
  for (std::size_t i = 0; i < res.candidates.size(); ++i) {
    const auto& c = res.candidates[i];
    if (!tuneMeasured(c)) {
      ++unplotted;
      continue;
    }
    const int k = static_cast<int>(tunePointClass(c));
    const QPointF p(c.oc.meanTimeToPromotion.value / 60, c.oc.meanExcessErrors.value);
    pts[static_cast<std::size_t>(k)].push_back(p);
    pointCandidates_[k].push_back(static_cast<int>(i));
    tips[k] << tooltip(static_cast<int>(i));
    xmax = std::max(xmax, p.x());
    ymax = std::max(ymax, p.y());
    if (static_cast<long>(i) == res.recommended) {
      recommended_->append(p);
      chart_->setTooltips(recommended_, {"Recommended\n" + tooltip(static_cast<int>(i))});
    }
  }
  for (int k = 0; k < kTunePointClasses; ++k) {
    series_[k]->replace(QList<QPointF>(pts[static_cast<std::size_t>(k)].begin(),
                                       pts[static_cast<std::size_t>(k)].end()));
    chart_->setTooltips(series_[k], tips[k]);
  }
  // The legend: the classes that have points, with their marker in its colour.
  QStringList names;
  for (int k = 0; k < kTunePointClasses; ++k) {
    if (series_[k]->count() == 0) continue;
    // A translucent fill (the undecided) shows as a ring in its border colour.
    const bool ring = kStyles[k].fill.alpha() < 255;
    names << QString("<span style=\"color:%1\">%2</span>&nbsp;%3")
                 .arg((ring ? kStyles[k].border : kStyles[k].fill).name(),
                      ring ? "&#9675;" : "&#9679;",
                      QString(kStyles[k].name).toHtmlEscaped().replace(" ", "&nbsp;"));
  }
  if (recommended_->count() > 0) names << "&#9734;&nbsp;recommended";
  legend_->setText(names.join(" &nbsp;&nbsp; "));
  const auto axes = chart_->chart()->axes();
  for (auto* a : axes) {
    auto* v = qobject_cast<QValueAxis*>(a);
    if (v == nullptr) continue;
    const double hi = v->orientation() == Qt::Horizontal ? xmax : ymax;
    v->setRange(0, hi > 0 ? hi * 1.05 : 1);
    v->applyNiceNumbers();
  }
  if (unplotted > 0)
    st += QString("; %1 without a promotion or excess-error estimate are in the table only")
              .arg(unplotted);
  status_->setText(st);

  // The summary: the recommendation and its re-measure.
  QString sum;
  if (res.recommended < 0) {
    sum = "No recommendation: no candidate meets every constraint on its 95% bounds.";
  } else {
    const auto& c = res.candidates[static_cast<std::size_t>(res.recommended)];
    QStringList f;
    for (std::size_t k = 0; k < space.fields.size(); ++k)
      f << q(space.fields[k].name) + "=" + fieldValue(space.fields[k], c.candidate.values[k]);
    sum = QString("Recommended: candidate %1 (%2)").arg(res.recommended).arg(f.join(", "));
    if (res.remeasureRunsPerScenario > 0) {
      sum += QString(
                 "; re-measured on fresh seeds (batch --seed %1, %2 runs per scenario): false "
                 "rollbacks %3, escapes %4, time to promote %5")
                 .arg(o->remeasureSeed)
                 .arg(res.remeasureRunsPerScenario)
                 .arg(pct(res.remeasured.falseRollbackRate))
                 .arg(pct(res.remeasured.escapeRate))
                 .arg(duration(res.remeasured.meanTimeToPromotion));
    }
  }
  summary_->setText(sum);

  // The table: one row per candidate, in the search's order.
  QStringList headers{"#", "Status", "Front", "Origin"};
  for (const auto& f : space.fields) headers << q(f.name);
  headers << "False rollbacks [95% CI]"
          << "Escapes [95% CI]"
          << "Excess errors/bad [95% CI]"
          << "Time to promote [95% CI]"
          << "Runs/scenario"
          << "Why dropped";
  table_->cells()->setHeaders(headers);
  std::set<std::size_t> front(res.paretoFront.begin(), res.paretoFront.end());
  std::vector<std::vector<TableCell>> rows;
  for (std::size_t i = 0; i < res.candidates.size(); ++i) {
    const auto& c = res.candidates[i];
    const bool rec = static_cast<long>(i) == res.recommended;
    std::vector<TableCell> row;
    auto cell = [&](const QString& text, QVariant sortKey = {}) {
      TableCell t;
      t.text = text;
      t.sortKey = std::move(sortKey);
      t.bold = rec;
      row.push_back(std::move(t));
    };
    cell(QString::number(i) + (rec ? " *" : ""), static_cast<qlonglong>(i));
    // Sorted best first: the recommendation, the front, the feasible, the dropped, the
    // infeasible.
    const int rank = rec                                    ? 0
                     : front.count(i)                       ? 1
                     : c.status == tune::Status::kFeasible  ? 2
                     : c.status == tune::Status::kDominated ? 3
                     : c.status == tune::Status::kUndecided ? 4
                                                            : 5;
    cell(tune::toString(c.status), rank);
    row.back().foreground = kStyles[static_cast<int>(tunePointClass(c))].border;
    cell(front.count(i) ? "yes" : "");
    cell(q(c.candidate.origin));
    for (std::size_t k = 0; k < space.fields.size(); ++k) {
      const auto& v = c.candidate.values[k];
      cell(fieldValue(space.fields[k], v),
           space.fields[k].numeric() ? QVariant(v.x) : QVariant(q(v.text)));
    }
    cell(pct(c.oc.falseRollbackRate), key(c.oc.falseRollbackRate));
    cell(pct(c.oc.escapeRate), key(c.oc.escapeRate));
    cell(count(c.oc.meanExcessErrors), key(c.oc.meanExcessErrors));
    cell(duration(c.oc.meanTimeToPromotion), key(c.oc.meanTimeToPromotion));
    cell(QString::number(c.runsPerScenario), static_cast<qlonglong>(c.runsPerScenario));
    cell(q(c.reason));
    for (auto& t : row) t.toolTip = tooltip(static_cast<int>(i));
    rows.push_back(std::move(row));
  }
  table_->cells()->setRows(std::move(rows));
  table_->sortByColumn(1, Qt::AscendingOrder);
}

QString TuneView::tooltip(int i) const {
  const TuneOutcome* o = outcome_.get();
  if (o == nullptr || i < 0 || static_cast<std::size_t>(i) >= o->result.candidates.size())
    return {};
  const auto& space = *o->space;
  const auto& c = o->result.candidates[static_cast<std::size_t>(i)];
  QStringList lines;
  lines << QString("Candidate %1 (%2): %3%4")
               .arg(i)
               .arg(q(c.candidate.origin))
               .arg(tune::toString(c.status))
               .arg(c.reason.empty() ? "" : ", " + q(c.reason));
  for (std::size_t k = 0; k < space.fields.size(); ++k)
    lines << "  " + q(space.fields[k].name) + " = " +
                 fieldValue(space.fields[k], c.candidate.values[k]);
  lines << "False rollbacks: " + pct(c.oc.falseRollbackRate);
  lines << "Escapes: " + pct(c.oc.escapeRate);
  lines << "Excess errors per bad release: " + count(c.oc.meanExcessErrors);
  lines << "Time to promote: " + duration(c.oc.meanTimeToPromotion);
  lines << QString("%1 runs per scenario").arg(c.runsPerScenario);
  return lines.join('\n');
}

void TuneView::clicked(TunePointClass c, const QPointF& p) {
  const int k = static_cast<int>(c);
  const auto pts = series_[k]->points();
  int best = -1;
  double bestD = 0;
  for (int j = 0; j < pts.size() && j < static_cast<int>(pointCandidates_[k].size()); ++j) {
    const double d = std::hypot(pts[j].x() - p.x(), pts[j].y() - p.y());
    if (best < 0 || d < bestD) {
      best = j;
      bestD = d;
    }
  }
  if (best >= 0) loadCandidate(pointCandidates_[k][static_cast<std::size_t>(best)]);
}

bool TuneView::loadCandidate(int i) {
  const TuneOutcome* o = outcome_.get();
  if (o == nullptr || o->patcher == nullptr || i < 0 ||
      static_cast<std::size_t>(i) >= o->result.candidates.size())
    return false;
  if (wb_.currentSpec() == nullptr || wb_.currentSpec()->key() != specKey_) {
    int found = -1;
    for (int k = 0; k < wb_.specCount(); ++k) {
      if (wb_.spec(k)->key() == specKey_) found = k;
    }
    if (found < 0) {
      status_->setText("The spec tuned (" + q(specKey_) + ") is no longer open.");
      return false;
    }
    wb_.selectSpec(found);
  }
  QUndoStack* stack = wb_.undoStack();
  // A candidate loaded and not kept, with no edit after it, is replaced.
  if (previewIndex_ >= 0 && stack != nullptr && stack->index() == previewIndex_ &&
      stack->count() == previewIndex_)
    stack->undo();
  const auto& c = o->result.candidates[static_cast<std::size_t>(i)].candidate;
  std::map<std::string, std::string> texts;
  for (auto& [file, text] : o->patcher->apply(c)) texts[file] = std::move(text);
  const int before = stack != nullptr ? stack->index() : -1;
  wb_.setTexts(texts, QString("Load tune candidate %1").arg(i));
  stack = wb_.undoStack();
  previewed_ = i;
  previewIndex_ = stack != nullptr && stack->index() != before ? stack->index() : -1;
  keep_->setEnabled(true);
  QStringList changes;
  for (const auto& p : o->patcher->patches(c))
    changes << q(p.path) + ": " + (p.from.empty() ? "(absent)" : q(p.from)) + " -> " + q(p.to);
  summary_->setText(QString("Candidate %1 loaded: %2. Keep makes it the edited spec; Undo goes "
                            "back.")
                        .arg(i)
                        .arg(changes.isEmpty() ? "the spec as it was" : changes.join(", ")));
  emit candidateLoaded(i);
  return true;
}

void TuneView::keep() {
  if (previewed_ < 0) return;
  const int i = previewed_;
  previewed_ = -1;
  previewIndex_ = -1;
  keep_->setEnabled(false);
  summary_->setText(QString("Candidate %1 is the edited spec: Save writes it, Export to Git "
                            "proposes it.")
                        .arg(i));
  emit kept(i);
}

}  // namespace rolloutlab::gui
