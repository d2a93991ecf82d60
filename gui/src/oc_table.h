#pragma once
/// The tables of operating characteristics (Batch, Compare) as a model and a view: each cell
/// has its text, a key it sorts by (a proportion by its value, a duration by its seconds, not
/// by the text), its colours and alignment. A click on a header sorts by that column; Ctrl+C and
/// the context menu copy the selected rows (or every row) as tab-separated text, header first,
/// in the order shown.

#include <QAbstractTableModel>
#include <QColor>
#include <QIcon>
#include <QStringList>
#include <QTableView>
#include <QVariant>
#include <vector>

class QSortFilterProxyModel;

namespace rolloutlab::gui {

/// One cell of a table.
struct TableCell {
  QString text;
  /// What the column sorts by (a number for numbers; invalid: the text).
  QVariant sortKey;
  QColor background;  ///< invalid: none
  QColor foreground;  ///< invalid: the default
  Qt::Alignment align = Qt::AlignLeft | Qt::AlignVCenter;
  QString toolTip;
  QIcon icon;
  bool bold = false;
  int highlight = 0;  ///< a view's own mark (Compare: 0 same, 1 differs, 2 intervals apart)
};

class CellTableModel : public QAbstractTableModel {
  Q_OBJECT

 public:
  static constexpr int kSortRole = Qt::UserRole;
  static constexpr int kHighlightRole = Qt::UserRole + 1;

  explicit CellTableModel(QObject* parent = nullptr);

  void setHeaders(const QStringList& headers);
  void setHeader(int column, const QString& text);
  void setRows(std::vector<std::vector<TableCell>> rows);
  void clear() { setRows({}); }
  const TableCell* cell(int row, int column) const;

  int rowCount(const QModelIndex& parent = {}) const override;
  int columnCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role) const override;
  QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

 private:
  QStringList headers_;
  std::vector<std::vector<TableCell>> rows_;
};

class CellTableView : public QTableView {
  Q_OBJECT

 public:
  explicit CellTableView(QWidget* parent = nullptr);

  CellTableModel* cells() const { return model_; }
  QSortFilterProxyModel* proxy() const { return proxy_; }

  /// Rows in the order shown.
  int rows() const;
  /// The text of a cell, `row` in the order shown.
  QString text(int row, int column) const;
  /// The model row shown at `row` (-1 when none).
  int sourceRow(int row) const;
  /// The rows as tab-separated values, header first, in the order shown: the selected rows, or
  /// every row when `all` or when none is selected. Tabs and line breaks in a cell become
  /// spaces; lines end with "\n".
  QString tsv(bool all = false) const;
  /// Puts tsv() on the clipboard.
  void copy(bool all = false);

 signals:
  /// The current row changed (the model's row, -1 for none).
  void currentSourceRowChanged(int row);

 protected:
  void keyPressEvent(QKeyEvent* event) override;
  void contextMenuEvent(QContextMenuEvent* event) override;

 private:
  CellTableModel* model_;
  QSortFilterProxyModel* proxy_;
};

}  // namespace rolloutlab::gui
