#include "oc_table.h"

#include <QApplication>
#include <QClipboard>
#include <QContextMenuEvent>
#include <QFont>
#include <QHeaderView>
#include <QKeyEvent>
#include <QMenu>
#include <QSortFilterProxyModel>
#include <algorithm>
#include <set>

namespace rolloutlab::gui {

CellTableModel::CellTableModel(QObject* parent) : QAbstractTableModel(parent) {}

void CellTableModel::setHeaders(const QStringList& headers) {
  beginResetModel();
  headers_ = headers;
  endResetModel();
}

void CellTableModel::setHeader(int column, const QString& text) {
  if (column < 0 || column >= headers_.size()) return;
  headers_[column] = text;
  emit headerDataChanged(Qt::Horizontal, column, column);
}

void CellTableModel::setRows(std::vector<std::vector<TableCell>> rows) {
  beginResetModel();
  rows_ = std::move(rows);
  endResetModel();
}

const TableCell* CellTableModel::cell(int row, int column) const {
  if (row < 0 || row >= rowCount() || column < 0) return nullptr;
  const auto& r = rows_[static_cast<std::size_t>(row)];
  return column < static_cast<int>(r.size()) ? &r[static_cast<std::size_t>(column)] : nullptr;
}

int CellTableModel::rowCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : static_cast<int>(rows_.size());
}

int CellTableModel::columnCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : static_cast<int>(headers_.size());
}

QVariant CellTableModel::data(const QModelIndex& index, int role) const {
  const TableCell* c = cell(index.row(), index.column());
  if (c == nullptr) return {};
  switch (role) {
    case Qt::DisplayRole:
      return c->text;
    case kSortRole:
      return c->sortKey.isValid() ? c->sortKey : QVariant(c->text);
    case kHighlightRole:
      return c->highlight;
    case Qt::BackgroundRole:
      return c->background.isValid() ? QVariant(c->background) : QVariant();
    case Qt::ForegroundRole:
      return c->foreground.isValid() ? QVariant(c->foreground) : QVariant();
    case Qt::TextAlignmentRole:
      return static_cast<int>(c->align);
    case Qt::ToolTipRole:
      return c->toolTip.isEmpty() ? QVariant() : QVariant(c->toolTip);
    case Qt::DecorationRole:
      return c->icon.isNull() ? QVariant() : QVariant::fromValue(c->icon);
    case Qt::FontRole:
      if (c->bold) {
        QFont f;
        f.setBold(true);
        return f;
      }
      return {};
    default:
      return {};
  }
}

QVariant CellTableModel::headerData(int section, Qt::Orientation orientation, int role) const {
  if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return {};
  return section >= 0 && section < headers_.size() ? QVariant(headers_[section]) : QVariant();
}

CellTableView::CellTableView(QWidget* parent)
    : QTableView(parent),
      model_(new CellTableModel(this)),
      proxy_(new QSortFilterProxyModel(this)) {
  proxy_->setSourceModel(model_);
  proxy_->setSortRole(CellTableModel::kSortRole);
  proxy_->setSortCaseSensitivity(Qt::CaseInsensitive);
  setModel(proxy_);
  setSortingEnabled(true);
  // Unsorted until a header is clicked: the rows stay in the report's order.
  horizontalHeader()->setSortIndicatorShown(true);
  horizontalHeader()->setSortIndicator(-1, Qt::AscendingOrder);
  proxy_->sort(-1);
  horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
  horizontalHeader()->setStretchLastSection(true);
  verticalHeader()->hide();
  setSelectionBehavior(QAbstractItemView::SelectRows);
  setSelectionMode(QAbstractItemView::ExtendedSelection);
  setContextMenuPolicy(Qt::DefaultContextMenu);
  setWordWrap(false);
  connect(selectionModel(), &QItemSelectionModel::currentRowChanged, this,
          [this](const QModelIndex& now, const QModelIndex&) {
            emit currentSourceRowChanged(now.isValid() ? proxy_->mapToSource(now).row() : -1);
          });
}

int CellTableView::rows() const { return proxy_->rowCount(); }

QString CellTableView::text(int row, int column) const {
  return proxy_->index(row, column).data(Qt::DisplayRole).toString();
}

int CellTableView::sourceRow(int row) const {
  const QModelIndex i = proxy_->index(row, 0);
  return i.isValid() ? proxy_->mapToSource(i).row() : -1;
}

QString CellTableView::tsv(bool all) const {
  auto clean = [](QString s) {
    s.replace('\t', ' ').replace('\n', ' ').replace('\r', ' ');
    return s;
  };
  std::set<int> chosen;
  if (!all && selectionModel() != nullptr) {
    for (const QModelIndex& i : selectionModel()->selectedIndexes()) chosen.insert(i.row());
  }
  const int columns = proxy_->columnCount();
  QString out;
  for (int c = 0; c < columns; ++c) {
    if (c > 0) out += '\t';
    out += clean(proxy_->headerData(c, Qt::Horizontal, Qt::DisplayRole).toString());
  }
  out += '\n';
  for (int r = 0; r < proxy_->rowCount(); ++r) {
    if (!chosen.empty() && chosen.count(r) == 0) continue;
    for (int c = 0; c < columns; ++c) {
      if (c > 0) out += '\t';
      out += clean(text(r, c));
    }
    out += '\n';
  }
  return out;
}

void CellTableView::copy(bool all) { QApplication::clipboard()->setText(tsv(all)); }

void CellTableView::keyPressEvent(QKeyEvent* event) {
  if (event == QKeySequence::Copy) {
    copy();
    event->accept();
    return;
  }
  QTableView::keyPressEvent(event);
}

void CellTableView::contextMenuEvent(QContextMenuEvent* event) {
  QMenu menu(this);
  const bool any = selectionModel() != nullptr && selectionModel()->hasSelection();
  QAction* sel = menu.addAction(any ? "Copy Selected Rows as TSV" : "Copy as TSV");
  sel->setShortcut(QKeySequence::Copy);
  QAction* all = menu.addAction("Copy All Rows as TSV");
  all->setEnabled(rows() > 0);
  sel->setEnabled(rows() > 0);
  QAction* chosen = menu.exec(event->globalPos());
  if (chosen == sel) copy(false);
  if (chosen == all) copy(true);
}

}  // namespace rolloutlab::gui
