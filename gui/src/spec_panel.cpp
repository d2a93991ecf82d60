#include "spec_panel.h"

#include <QComboBox>
#include <QFileInfo>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QKeyEvent>
#include <QLabel>
#include <QListWidget>
#include <QMenu>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QRegularExpression>
#include <QScrollArea>
#include <QScrollBar>
#include <QSplitter>
#include <QStyle>
#include <QSyntaxHighlighter>
#include <QTextBlock>
#include <QTextCursor>
#include <QTimer>
#include <QToolButton>
#include <QVBoxLayout>
#include <QWheelEvent>
#include <algorithm>
#include <cmath>

#include "workbench.h"

namespace rolloutlab::gui {

namespace {
QString q(const std::string& s) { return QString::fromStdString(s); }
}  // namespace

/// Comments, keys, numbers and quoted strings of YAML.
class YamlHighlighter : public QSyntaxHighlighter {
 public:
  explicit YamlHighlighter(QTextDocument* doc) : QSyntaxHighlighter(doc) {
    key_.setForeground(QColor(0, 70, 140));
    number_.setForeground(QColor(150, 60, 0));
    string_.setForeground(QColor(30, 120, 30));
    comment_.setForeground(QColor(130, 130, 130));
    comment_.setFontItalic(true);
    marker_.setForeground(QColor(120, 0, 120));
    marker_.setFontWeight(QFont::Bold);
  }

 protected:
  void highlightBlock(const QString& text) override {
    static const QRegularExpression keyRe(R"(^(\s*(?:-\s+)?)([^\s#:][^#:]*?)(:)(?=\s|$))");
    static const QRegularExpression flowKeyRe(R"([{,]\s*([A-Za-z_][\w.-]*)(:)(?=\s))");
    static const QRegularExpression numberRe(
        R"((?<=[:\[,\-\s])(-?\d+(\.\d+)?([eE][-+]?\d+)?)(?=\s*($|[,\]}#])))");
    static const QRegularExpression stringRe(R"("([^"\\]|\\.)*"|'([^']|'')*')");
    static const QRegularExpression commentRe(R"((^|\s)#.*$)");
    if (text.startsWith("---") || text.startsWith("...")) {
      setFormat(0, static_cast<int>(text.size()), marker_);
      return;
    }
    auto m = keyRe.match(text);
    if (m.hasMatch())
      setFormat(static_cast<int>(m.capturedStart(2)), static_cast<int>(m.capturedLength(2)), key_);
    for (auto it = flowKeyRe.globalMatch(text); it.hasNext();) {
      auto fm = it.next();
      setFormat(static_cast<int>(fm.capturedStart(1)), static_cast<int>(fm.capturedLength(1)),
                key_);
    }
    for (auto it = numberRe.globalMatch(text); it.hasNext();) {
      auto nm = it.next();
      setFormat(static_cast<int>(nm.capturedStart(1)), static_cast<int>(nm.capturedLength(1)),
                number_);
    }
    for (auto it = stringRe.globalMatch(text); it.hasNext();) {
      auto sm = it.next();
      setFormat(static_cast<int>(sm.capturedStart()), static_cast<int>(sm.capturedLength()),
                string_);
    }
    auto c = commentRe.match(text);
    if (c.hasMatch())
      setFormat(static_cast<int>(c.capturedStart()), static_cast<int>(c.capturedLength()),
                comment_);
  }

 private:
  QTextCharFormat key_, number_, string_, comment_, marker_;
};

// ---- FieldEdit --------------------------------------------------------------------------------

FieldEdit::FieldEdit(std::string id, bool numeric, bool integer, QWidget* parent)
    : QLineEdit(parent), id_(std::move(id)), numeric_(numeric), integer_(integer) {
  setClearButtonEnabled(true);
  connect(this, &QLineEdit::editingFinished, this, &FieldEdit::commit);
}

void FieldEdit::setValue(const QString& v) {
  last_ = v;
  if (text() != v) {
    setText(v);
    // The beginning of a long value (a condition) is the telling part.
    if (!hasFocus()) setCursorPosition(0);
  }
}

void FieldEdit::commit() {
  if (text() == last_) return;
  last_ = text();
  emit committed(id_, text());
}

void FieldEdit::step(int steps) {
  bool ok = false;
  double v = text().trimmed().toDouble(&ok);  // QString::toDouble is locale-independent
  if (!ok) v = 0;
  double inc = 1;
  if (!integer_) {
    const double mag = std::fabs(v) > 0 ? std::floor(std::log10(std::fabs(v))) : 0;
    inc = std::pow(10.0, mag - 1);
  }
  v += steps * inc;
  if (integer_) v = std::round(v);
  setText(q(formatNumber(v, 10)));
  commit();
}

void FieldEdit::wheelEvent(QWheelEvent* event) {
  if (!numeric_ || !hasFocus()) return QLineEdit::wheelEvent(event);
  const int steps = event->angleDelta().y() / 120;
  if (steps != 0) step(steps);
  event->accept();
}

void FieldEdit::keyPressEvent(QKeyEvent* event) {
  if (numeric_ && (event->key() == Qt::Key_Up || event->key() == Qt::Key_Down)) {
    step(event->key() == Qt::Key_Up ? 1 : -1);
    event->accept();
    return;
  }
  QLineEdit::keyPressEvent(event);
}

// ---- SpecPanel --------------------------------------------------------------------------------

SpecPanel::SpecPanel(Workbench& wb, QWidget* parent) : QWidget(parent), wb_(wb) {
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(4, 4, 4, 4);
  auto* top = new QHBoxLayout;
  header_ = new QLabel(this);
  header_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  header_->setWordWrap(true);
  revert_ = new QPushButton("Revert", this);
  revert_->setToolTip("Back to the text as loaded from the file");
  top->addWidget(header_, 1);
  top->addWidget(revert_);
  layout->addLayout(top);

  auto* vsplit = new QSplitter(Qt::Vertical, this);
  split_ = new QSplitter(Qt::Horizontal, vsplit);
  auto* scroll = new QScrollArea(split_);
  scroll->setWidgetResizable(true);
  form_ = new QWidget(scroll);
  formLayout_ = new QVBoxLayout(form_);
  formLayout_->setContentsMargins(2, 2, 2, 2);
  scroll->setWidget(form_);
  auto* yamlSide = new QWidget(split_);
  auto* yl = new QVBoxLayout(yamlSide);
  yl->setContentsMargins(0, 0, 0, 0);
  yl->setSpacing(2);
  fileBox_ = new QComboBox(yamlSide);
  fileBox_->setToolTip("The file shown: the spec's own, or a template file its form edits");
  fileBox_->hide();
  yl->addWidget(fileBox_);
  yaml_ = new QPlainTextEdit(yamlSide);
  yl->addWidget(yaml_, 1);
  QFont mono("DejaVu Sans Mono");
  mono.setStyleHint(QFont::Monospace);
  mono.setPointSizeF(std::max(7.0, font().pointSizeF() * 0.95));
  yaml_->setFont(mono);
  yaml_->setLineWrapMode(QPlainTextEdit::NoWrap);
  yaml_->setTabChangesFocus(true);
  // One history for form and text edits: the workbench's undo stack (a form edit replaces the
  // text, which would otherwise wipe the editor's own history).
  yaml_->setUndoRedoEnabled(false);
  yaml_->installEventFilter(this);
  highlighter_ = new YamlHighlighter(yaml_->document());
  split_->addWidget(scroll);
  split_->addWidget(yamlSide);
  scroll->setMinimumWidth(230);
  split_->setStretchFactor(0, 2);
  split_->setStretchFactor(1, 3);
  split_->setSizes({270, 400});
  problems_ = new QListWidget(vsplit);
  problems_->setWordWrap(true);
  problems_->setMaximumHeight(110);
  vsplit->addWidget(split_);
  vsplit->addWidget(problems_);
  vsplit->setStretchFactor(0, 5);
  vsplit->setStretchFactor(1, 1);
  layout->addWidget(vsplit, 1);

  typing_ = new QTimer(this);
  typing_->setSingleShot(true);
  typing_->setInterval(400);
  connect(typing_, &QTimer::timeout, this,
          [this]() { wb_.setTextOf(shownFile_, yaml_->toPlainText().toStdString()); });
  connect(fileBox_, &QComboBox::activated, this, [this](int i) {
    if (i >= 0) showFile(fileBox_->itemData(i).toString().toStdString());
  });
  connect(yaml_, &QPlainTextEdit::textChanged, this, [this]() {
    if (!updating_) typing_->start();
  });
  connect(revert_, &QPushButton::clicked, this, [this]() {
    flushTyping();
    wb_.revert();
  });
  connect(&wb_, &Workbench::textsRestored, this, [this]() { restored_ = true; });
  auto toProblem = [this](QListWidgetItem* it) {
    const QString file = it->data(Qt::UserRole + 1).toString();
    const int line = it->data(Qt::UserRole).toInt();
    if (file.isEmpty() || !showLocation(file, line)) showLine(line);
  };
  connect(problems_, &QListWidget::itemActivated, this, toProblem);
  connect(problems_, &QListWidget::itemClicked, this, toProblem);
  connect(&wb_, &Workbench::currentSpecChanged, this, [this]() {
    rebuild();
    refresh();
  });
  connect(&wb_, &Workbench::workspaceChanged, this, [this]() {
    rebuild();
    refresh();
  });
  connect(&wb_, &Workbench::specEdited, this, [this]() {
    const SpecDocument* s = wb_.currentSpec();
    bool same = s != nullptr;
    if (s != nullptr) {
      const auto fs = s->fields();
      same = fs.size() == fields_.size();
      for (const auto& f : fs) same = same && fields_.count(f.id) > 0;
    }
    if (!same) rebuild();
    refresh();
  });
  rebuild();
  refresh();
}

void SpecPanel::rebuild() {
  while (QLayoutItem* it = formLayout_->takeAt(0)) {
    // Later: the rebuild may come from one of these widgets' own signals (a commit, a button).
    if (QWidget* w = it->widget()) {
      w->hide();
      w->deleteLater();
    }
    delete it;
  }
  fields_.clear();
  actions_.clear();
  menuActions_.clear();
  fieldFiles_.clear();
  const SpecDocument* s = wb_.currentSpec();
  const std::string key = s ? s->key() : std::string();
  const bool newSpec = key != shownKey_;
  if (newSpec || s == nullptr || s->textOf(shownFile_) == nullptr)
    shownFile_ = s ? s->file() : std::string();
  shownKey_ = key;
  if (newSpec) {
    // Once laid out: widen the form to what it needs when the text keeps enough room.
    QTimer::singleShot(0, this, [this]() {
      const QList<int> sizes = split_->sizes();
      if (sizes.size() != 2) return;
      // The widest group box: the form widget's own hint is not final until it is shown.
      int widest = form_->sizeHint().width();
      for (const auto* box : form_->findChildren<QGroupBox*>(Qt::FindDirectChildrenOnly))
        widest = std::max(widest, box->sizeHint().width());
      const int need = widest + style()->pixelMetric(QStyle::PM_ScrollBarExtent) + 16;
      const int total = sizes[0] + sizes[1];
      if (sizes[0] < need && total - need >= 180) split_->setSizes({need, total - need});
    });
  }
  if (s == nullptr) {
    formLayout_->addStretch(1);
    return;
  }
  const auto actions = s->actions();
  auto button = [this](const SpecDocument::Action& a, QWidget* parent) {
    auto* b = new QPushButton(q(a.label), parent);
    b->setToolTip(q(a.help));
    b->setAutoDefault(false);
    if (!a.fieldId.empty()) b->setFixedWidth(b->fontMetrics().horizontalAdvance(b->text()) + 16);
    const std::string id = a.id;
    connect(b, &QPushButton::clicked, this, [this, id]() { triggerAction(id); });
    actions_[a.id] = b;
    return b;
  };
  std::map<std::string, QFormLayout*> groups;
  QFormLayout* fl = nullptr;
  std::string group;
  auto groupLayout = [&](const std::string& g) {
    if (fl != nullptr && g == group) return fl;
    group = g;
    auto* box = new QGroupBox(q(g), form_);
    fl = new QFormLayout(box);
    fl->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    fl->setContentsMargins(6, 4, 6, 4);
    formLayout_->addWidget(box);
    groups[g] = fl;
    return fl;
  };
  for (const auto& f : s->fields()) {
    QFormLayout* layout = groupLayout(f.group);
    QWidget* box = layout->parentWidget();
    const bool numeric =
        !f.readOnly && (f.type == SpecField::Type::kInt || f.type == SpecField::Type::kNumber);
    auto* e = new FieldEdit(f.id, numeric, f.type == SpecField::Type::kInt, box);
    e->setPlaceholderText(q(f.placeholder));
    e->setToolTip(q(f.help) + (numeric ? "\nWheel or Up/Down (with focus) steps the value." : ""));
    e->setValue(q(f.value));
    e->setMinimumWidth(70);
    if (f.readOnly) {
      e->setReadOnly(true);
      e->setClearButtonEnabled(false);
      e->setStyleSheet("color: #555; background: #f0f0f0;");
    }
    fieldFiles_[f.id] = f.file.empty() ? s->file() : f.file;
    e->installEventFilter(this);
    connect(e, &FieldEdit::committed, this, [this](const std::string& id, const QString& v) {
      wb_.setField(id, v.toStdString());
      // Show the edit where it was made, when that is another file than the one shown.
      const SpecDocument* now = wb_.currentSpec();
      const auto it = fieldFiles_.find(id);
      if (now == nullptr || it == fieldFiles_.end() || it->second == shownFile_) return;
      for (const auto& nf : now->fields()) {
        if (nf.id == id) showLocation(q(it->second), nf.line);
      }
    });
    auto* label = new QLabel(q(f.label), box);
    label->setToolTip(q(f.help));
    QWidget* row = e;
    QHBoxLayout* h = nullptr;
    std::map<std::string, QMenu*> menus;
    for (const auto& a : actions) {
      if (a.fieldId != f.id) continue;
      if (h == nullptr) {
        row = new QWidget(box);
        h = new QHBoxLayout(row);
        h->setContentsMargins(0, 0, 0, 0);
        h->setSpacing(2);
        e->setParent(row);
        h->addWidget(e, 1);
      }
      if (a.menu.empty()) {
        h->addWidget(button(a, row));
        continue;
      }
      // Actions gathered under one drop-down button (e.g. the steps to insert after this one).
      QMenu*& m = menus[a.menu];
      if (m == nullptr) {
        auto* t = new QToolButton(row);
        t->setText(q(a.menu));
        t->setPopupMode(QToolButton::InstantPopup);
        m = new QMenu(t);
        t->setMenu(m);
        h->addWidget(t);
      }
      QAction* act = m->addAction(q(a.label));
      act->setToolTip(q(a.help));
      const std::string id = a.id;
      connect(act, &QAction::triggered, this, [this, id]() { triggerAction(id); });
      menuActions_[a.id] = act;
    }
    layout->addRow(label, row);
    fields_[f.id] = e;
  }
  // Actions of a group rather than of a field: a row of buttons at the end of their group.
  std::map<std::string, QHBoxLayout*> rows;
  for (const auto& a : actions) {
    if (!a.fieldId.empty() && fields_.count(a.fieldId) > 0) continue;
    auto it = rows.find(a.group);
    if (it == rows.end()) {
      auto git = groups.find(a.group);
      QFormLayout* layout = git != groups.end() ? git->second : groupLayout(a.group);
      auto* w = new QWidget(layout->parentWidget());
      auto* h = new QHBoxLayout(w);
      h->setContentsMargins(0, 0, 0, 0);
      h->setSpacing(4);
      layout->addRow(w);
      it = rows.emplace(a.group, h).first;
    }
    it->second->addWidget(button(a, it->second->parentWidget()));
  }
  for (auto& [g, h] : rows) h->addStretch(1);
  formLayout_->addStretch(1);
}

void SpecPanel::refresh() {
  const SpecDocument* s = wb_.currentSpec();
  revert_->setEnabled(s != nullptr && s->edited());
  if (s == nullptr) {
    header_->setText("<i>No spec selected.</i>");
    updating_ = true;
    yaml_->clear();
    updating_ = false;
    problems_->clear();
    return;
  }
  header_->setText(
      QString("<b>%1 %2</b> &nbsp; <span style='color:#555'>%3:%4</span>%5")
          .arg(q(s->kind()), q(s->name()).toHtmlEscaped(), q(s->file()).toHtmlEscaped())
          .arg(s->line())
          .arg(s->edited() ? " &nbsp;<span style='color:#b26b00'><b>edited</b></span>" : ""));
  const bool restored = restored_;
  restored_ = false;
  for (const auto& f : s->fields()) {
    // A field being typed in keeps what is typed (unless an undo changed it).
    auto it = fields_.find(f.id);
    if (it != fields_.end() &&
        (restored || !it->second->hasFocus() || it->second->text() == q(f.value))) {
      it->second->setValue(q(f.value));
    }
  }
  // The file selector: the spec's own file, then the files of its templates.
  QStringList files{q(s->file())};
  for (const auto& l : s->linkedTexts()) files << q(l.file);
  QStringList shown;
  for (int i = 0; i < fileBox_->count(); ++i) shown << fileBox_->itemData(i).toString();
  if (shown != files) {
    fileBox_->clear();
    for (int i = 0; i < files.size(); ++i) {
      fileBox_->addItem(QFileInfo(files[i]).fileName() + (i == 0 ? "" : "  (template)"), files[i]);
      fileBox_->setItemData(i, files[i], Qt::ToolTipRole);
    }
  }
  fileBox_->setVisible(files.size() > 1);
  if (s->textOf(shownFile_) == nullptr) shownFile_ = s->file();
  fileBox_->setCurrentIndex(static_cast<int>(files.indexOf(q(shownFile_))));
  const QString text = q(*s->textOf(shownFile_));
  if (yaml_->toPlainText() != text && (restored || (!typing_->isActive() && !yaml_->hasFocus()))) {
    typing_->stop();
    updating_ = true;
    const QString was = yaml_->toPlainText();
    const int scroll = yaml_->verticalScrollBar()->value();
    yaml_->setPlainText(text);
    yaml_->verticalScrollBar()->setValue(scroll);
    if (restored) {
      // The cursor goes where the text changed.
      int at = 0;
      while (at < was.size() && at < text.size() && was[at] == text[at]) ++at;
      QTextCursor c(yaml_->document());
      c.setPosition(at);
      yaml_->setTextCursor(c);
      yaml_->ensureCursorVisible();
    }
    updating_ = false;
  }
  problems_->clear();
  for (const auto& d : s->diagnostics().items) {
    auto* it = new QListWidgetItem(QString("%1: %2").arg(
        d.severity == core::Severity::kError ? "error" : "warning", q(d.toString())));
    it->setForeground(d.severity == core::Severity::kError ? QColor(178, 31, 31)
                                                           : QColor(160, 100, 0));
    it->setData(Qt::UserRole, d.line);
    it->setData(Qt::UserRole + 1, q(d.file));
    problems_->addItem(it);
  }
  if (s->diagnostics().items.empty()) {
    auto* it = new QListWidgetItem("No problems: upstream would accept this spec.");
    it->setForeground(QColor(30, 123, 30));
    it->setData(Qt::UserRole, 0);
    problems_->addItem(it);
  }
  markLines();
}

void SpecPanel::markLines() {
  const SpecDocument* s = wb_.currentSpec();
  QList<QTextEdit::ExtraSelection> sel;
  if (s == nullptr) {
    yaml_->setExtraSelections(sel);
    return;
  }
  auto mark = [&](int line, const QColor& color) {
    const QTextBlock b = yaml_->document()->findBlockByNumber(line - 1);
    if (!b.isValid()) return;
    QTextEdit::ExtraSelection e;
    e.cursor = QTextCursor(b);
    e.format.setBackground(color);
    e.format.setProperty(QTextFormat::FullWidthSelection, true);
    sel.append(e);
  };
  // Lines that differ from the text as loaded: between the common head and the common tail.
  const std::string* nowText = s->textOf(shownFile_);
  const std::string* wasText = s->originalTextOf(shownFile_);
  if (nowText == nullptr || wasText == nullptr) {
    yaml_->setExtraSelections(sel);
    return;
  }
  const QStringList now = q(*nowText).split('\n');
  const QStringList was = q(*wasText).split('\n');
  int head = 0;
  while (head < now.size() && head < was.size() && now[head] == was[head]) ++head;
  int tail = 0;
  while (tail < now.size() - head && tail < was.size() - head &&
         now[now.size() - 1 - tail] == was[was.size() - 1 - tail]) {
    ++tail;
  }
  for (int i = head; i < now.size() - tail; ++i) mark(i + 1, QColor(255, 240, 170));
  const bool ownFile = shownFile_ == s->file();
  for (const auto& d : s->diagnostics().items) {
    const bool here = d.file == shownFile_ || (d.file.empty() && ownFile);
    if (d.line > 0 && here)
      mark(d.line,
           d.severity == core::Severity::kError ? QColor(250, 205, 205) : QColor(255, 225, 180));
  }
  yaml_->setExtraSelections(sel);
}

void SpecPanel::showLine(int line) {
  if (line <= 0) return;
  const QTextBlock b = yaml_->document()->findBlockByNumber(line - 1);
  if (!b.isValid()) return;
  QTextCursor c(b);
  c.select(QTextCursor::LineUnderCursor);
  yaml_->setTextCursor(c);
  yaml_->centerCursor();
}

void SpecPanel::showFile(const std::string& file) {
  const SpecDocument* s = wb_.currentSpec();
  if (s == nullptr || s->textOf(file) == nullptr) return;
  if (typing_->isActive()) {
    // What was typed goes to the file it was typed in first.
    typing_->stop();
    wb_.setTextOf(shownFile_, yaml_->toPlainText().toStdString());
  }
  shownFile_ = file;
  const int i = fileBox_->findData(q(file));
  if (i >= 0) fileBox_->setCurrentIndex(i);
  updating_ = true;
  yaml_->setPlainText(q(*s->textOf(file)));
  updating_ = false;
  markLines();
}

bool SpecPanel::showLocation(const QString& file, int line) {
  const SpecDocument* s = wb_.currentSpec();
  if (s == nullptr || s->textOf(file.toStdString()) == nullptr) return false;
  if (file.toStdString() != shownFile_) showFile(file.toStdString());
  showLine(line);
  return true;
}

QString SpecPanel::shownFile() const { return q(shownFile_); }

QStringList SpecPanel::files() const {
  QStringList out;
  const SpecDocument* s = wb_.currentSpec();
  if (s == nullptr) return out;
  out << q(s->file());
  for (const auto& l : s->linkedTexts()) out << q(l.file);
  return out;
}

void SpecPanel::triggerAction(const std::string& id) {
  flushTyping();
  wb_.runAction(id);
}

void SpecPanel::flushTyping() {
  if (!typing_->isActive()) return;
  typing_->stop();
  wb_.setTextOf(shownFile_, yaml_->toPlainText().toStdString());
}

bool SpecPanel::eventFilter(QObject* watched, QEvent* event) {
  if (event->type() != QEvent::ShortcutOverride && event->type() != QEvent::KeyPress)
    return QWidget::eventFilter(watched, event);
  auto* key = static_cast<QKeyEvent*>(event);
  const bool undo = key->matches(QKeySequence::Undo);
  const bool redo = key->matches(QKeySequence::Redo);
  if (!undo && !redo) return QWidget::eventFilter(watched, event);
  // A field with text typed and not committed undoes its own typing first.
  if (auto* f = qobject_cast<FieldEdit*>(watched); f != nullptr && f->pending())
    return QWidget::eventFilter(watched, event);
  if (event->type() == QEvent::ShortcutOverride) {
    event->accept();  // the key comes to the editor as a key press, handled below
    return true;
  }
  flushTyping();
  if (undo) {
    wb_.undo();
  } else {
    wb_.redo();
  }
  return true;
}

QStringList SpecPanel::actionIds() const {
  QStringList out;
  for (const auto& [id, b] : actions_) out << q(id);
  for (const auto& [id, a] : menuActions_) out << q(id);
  return out;
}

FieldEdit* SpecPanel::field(const std::string& id) const {
  const auto it = fields_.find(id);
  return it == fields_.end() ? nullptr : it->second;
}

QString SpecPanel::yamlText() const { return yaml_->toPlainText(); }

QStringList SpecPanel::problems() const {
  QStringList out;
  for (int i = 0; i < problems_->count(); ++i) out << problems_->item(i)->text();
  return out;
}

}  // namespace rolloutlab::gui
