#pragma once
/// The spec panel: the analysis fields in a form beside the manifest's YAML. A form edit
/// changes only that value in the text (comments and layout stay), the YAML can be edited by
/// hand too; both re-decode the spec, show its problems in place (the line is marked, the
/// message names file and line) and re-run the timeline.

#include <QLineEdit>
#include <QWidget>
#include <map>
#include <string>

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
  /// Inspection and scripted edits (tests): the form's editor of a field, the YAML text, the
  /// problem lines shown.
  FieldEdit* field(const std::string& id) const;
  QString yamlText() const;
  QStringList problems() const;
  QPlainTextEdit* yamlEditor() const { return yaml_; }
  QSplitter* splitter() const { return split_; }

 private:
  void rebuild();
  void refresh();
  void markLines();

  Workbench& wb_;
  QLabel* header_;
  QPushButton* revert_;
  QSplitter* split_;
  QWidget* form_;
  QVBoxLayout* formLayout_;
  QPlainTextEdit* yaml_;
  YamlHighlighter* highlighter_;
  QListWidget* problems_;
  QTimer* typing_;
  std::map<std::string, FieldEdit*> fields_;
  std::string shownKey_;
  bool updating_ = false;
};

}  // namespace rolloutlab::gui
