#pragma once
/// The spec panel: the analysis fields in a form beside the manifest's YAML. A form edit
/// changes only that value in the text (comments and layout stay), the YAML can be edited by
/// hand too; both re-decode the spec, show its problems in place (the line is marked, the
/// message names file and line) and re-run the timeline. A spec whose fields live in several
/// files (an Argo Rollout and its AnalysisTemplates) shows one file at a time, chosen above the
/// text; a form edit shows the file it changed.

#include <QLineEdit>
#include <QWidget>
#include <map>
#include <string>

class QAction;
class QComboBox;
class QFormLayout;
class QLabel;
class QListWidget;
class QPlainTextEdit;
class QPushButton;
class QSplitter;
class QTimer;
class QVBoxLayout;

namespace rolloutlab::gui {

class Workbench;
class YamlHighlighter;

/// A field editor: Enter or leaving the field commits; on numbers the wheel and the up/down
/// keys step the value and commit at once (explore by scrolling).
class FieldEdit : public QLineEdit {
  Q_OBJECT

 public:
  FieldEdit(std::string id, bool numeric, bool integer, QWidget* parent = nullptr);
  const std::string& id() const { return id_; }
  /// Sets the text without committing.
  void setValue(const QString& v);
  /// True while the text typed differs from the value last set or committed.
  bool pending() const { return text() != last_; }

 signals:
  void committed(const std::string& id, const QString& value);

 protected:
  void wheelEvent(QWheelEvent* event) override;
  void keyPressEvent(QKeyEvent* event) override;

 private:
  void step(int steps);
  void commit();

  std::string id_;
  bool numeric_;
  bool integer_;
  QString last_;
};

class SpecPanel : public QWidget {
  Q_OBJECT

 public:
  explicit SpecPanel(Workbench& workbench, QWidget* parent = nullptr);

  /// Scrolls the YAML to a 1-based line and selects it.
  void showLine(int line);
  /// Shows one of the current spec's files (its own or a linked one), then the line (if > 0).
  /// False when the spec has no such file.
  bool showLocation(const QString& file, int line);
  /// The file whose text is shown.
  QString shownFile() const;
  /// The files the selector offers (the spec's own first).
  QStringList files() const;
  /// Runs one of the spec's actions as its button does (tests).
  void triggerAction(const std::string& id);
  /// The buttons of the spec's actions, by action id.
  QStringList actionIds() const;
  /// Inspection and scripted edits (tests): the form's editor of a field, the YAML text, the
  /// problem lines shown.
  FieldEdit* field(const std::string& id) const;
  QString yamlText() const;
  QStringList problems() const;
  QPlainTextEdit* yamlEditor() const { return yaml_; }
  QSplitter* splitter() const { return split_; }
  /// Hands text typed and not yet applied (the edit waits for a pause in typing) to the
  /// workbench now, as one undoable edit.
  void flushTyping();

 protected:
  /// Undo and Redo keys in the text or in a field (with nothing typed pending) go to the
  /// workbench's undo stack, which holds form and text edits alike.
  bool eventFilter(QObject* watched, QEvent* event) override;

 private:
  void rebuild();
  void refresh();
  void markLines();
  void showFile(const std::string& file);

  Workbench& wb_;
  QLabel* header_;
  QPushButton* revert_;
  QSplitter* split_;
  QWidget* form_;
  QVBoxLayout* formLayout_;
  QComboBox* fileBox_;
  QPlainTextEdit* yaml_;
  YamlHighlighter* highlighter_;
  QListWidget* problems_;
  QTimer* typing_;
  std::map<std::string, FieldEdit*> fields_;
  std::map<std::string, QPushButton*> actions_;
  std::map<std::string, QAction*> menuActions_;    // actions in a drop-down button's menu
  std::map<std::string, std::string> fieldFiles_;  // field id -> file its value is in
  std::string shownFile_;
  std::string shownKey_;
  bool updating_ = false;
  bool restored_ = false;  // undo/redo replaced the texts: show them even in a focused editor
};

}  // namespace rolloutlab::gui
