"""OuTableScreen: accounts under their OU headers, names cut to fit, OUs kept by sort and filter."""

from __future__ import annotations

import operator
from itertools import compress, count

from rich.text import Text

from drconsole.tui import formatting as fmt
from drconsole.tui.screens.table import NO_RANK, TableRow, TableScreen, matches, sort_rows

# Under this many cells for account names, the Id column gives way to the State's verdict.
NAME_WIDTH_BEFORE_ID_GOES = 10


class OuTableScreen(TableScreen):
    """A table whose first column names accounts under OU header rows (not selectable): long
    names are cut to the terminal's width, and sorting and filtering keep each account under
    its OU."""

    def __init__(self, trail: tuple[str, ...]) -> None:
        super().__init__(trail)
        self._shortened_rows: dict[str, tuple[TableRow, int, TableRow]] = {}
        # The rows last measured, each one's cell widths, and each column's widest.
        self._widest_cells: tuple[list[TableRow], list[tuple[int, ...]], list[int]] = ([], [], [])
        # Cell widths of each row last measured (the row, its widths), for shorten_names.
        self._row_widths: dict[str, tuple[TableRow, tuple[int, ...]]] = {}

    def shorten_names(self, rows: list[TableRow]) -> list[TableRow]:
        """On a narrow terminal, cut long account names (with '…') rather than let the table
        run past the right edge and hide an error badge's cause code."""
        available = self.table.scrollable_content_region.width
        if not available or not rows:
            return rows
        widest = self.widest_cells(rows)
        widths = {
            key: max(widest[index], len(label)) + 2  # a cell's padding, one each side
            for index, (key, label) in enumerate(self.COLUMNS[1:], start=1)
        }

        def name_room(hidden: frozenset[str]) -> int:
            return available - sum(w for key, w in widths.items() if key not in hidden) - 2

        # A verdict with its cause is worth more than the account id (the filter still
        # finds an account by its id, and its vaults screen says it).
        hidden: frozenset[str] = frozenset()
        if name_room(hidden) < NAME_WIDTH_BEFORE_ID_GOES:
            hidden = frozenset({"id"})
        self.hidden_columns = hidden
        limit = name_room(hidden)
        # OU headers share the first column: they are cut too, or they would widen it.
        widest_name = widest[0]
        if widest_name <= limit or limit < len("Account"):
            return rows
        return [self.shortened_row(row, limit) for row in rows]

    def shortened_row(self, row: TableRow, limit: int) -> TableRow:
        """`row` with its name cut to `limit` cells; the same object while neither changes
        (the rebuild then skips the row: it is the row shown)."""
        kept = self._shortened_rows.get(row.key)
        if kept is not None and kept[0] is row and kept[1] == limit:
            return kept[2]
        name: str | Text = fmt.fit(str(row.cells[0]), limit).rstrip()
        if not row.selectable:  # keep the OU path's end, which tells QA from Dev
            path = str(row.cells[0])[2:]
            if len(path) > limit - 2:
                path = "…" + path[len(path) - (limit - 3) :]
            name = Text(f"▾ {path}", style="bold")
        cells = (name, *row.cells[1:])
        short = TableRow(row.key, cells, row.search, row.selectable, row.fields, row.values)
        self._shortened_rows[row.key] = (row, limit, short)
        return short

    def widest_cells(self, rows: list[TableRow]) -> list[int]:
        """Each column's widest cell over `rows`; found again only when a row changed (this
        runs at every rebuild, a filter key's included, for every account). Only the rows
        made again since are measured: a rebuild while a thousand accounts load changes a
        few, and the search for them and the maxima run in C."""
        measured_rows, measured, widest = self._widest_cells
        if len(rows) != len(measured_rows):
            measured = [self.cell_widths(row) for row in rows]
        else:
            changed = list(compress(count(), map(operator.is_not, rows, measured_rows)))
            if not changed:
                return widest
            measured = list(measured)
            for index in changed:
                measured[index] = self.cell_widths(rows[index])
        widest = [max(column) for column in zip(*measured, strict=True)] if measured else []
        self._widest_cells = (rows, measured, widest)
        return widest

    def cell_widths(self, row: TableRow) -> tuple[int, ...]:
        """The width of each of the row's cells (measured once per row made)."""
        known = self._row_widths.get(row.key)
        if known is not None and known[0] is row:
            return known[1]
        widths = tuple(Text(str(cell)).cell_len for cell in row.cells)
        self._row_widths[row.key] = (row, widths)
        return widths

    @staticmethod
    def groups(rows: list[TableRow]) -> list[tuple[TableRow | None, list[TableRow]]]:
        """Rows split into OU groups: (header, accounts)."""
        grouped: list[tuple[TableRow | None, list[TableRow]]] = []
        for row in rows:
            if not row.selectable:
                grouped.append((row, []))
            elif grouped:
                grouped[-1][1].append(row)
            else:
                grouped.append((None, [row]))
        return grouped

    def sorted_rows(self, rows: list[TableRow]) -> list[TableRow]:
        """Accounts sorted within their OU (the OUs keep their order)."""
        if self.sort_column is None:
            return rows
        index = self.column_index(self.sort_column)
        ordered: list[TableRow] = []
        for header, accounts in self.groups(rows):
            ordered.extend([header] if header is not None else [])
            ordered.extend(sort_rows(accounts, index, self.sort_descending))
        return ordered

    def filter_rows(self, rows: list[TableRow], query: str) -> list[TableRow]:
        """Matching accounts best match first (exact name, name prefix, a word of the name,
        the id, then the OU path), each under its OU's header: the OU holding the best match
        comes first."""
        ranked = []
        for header, accounts in self.groups(rows):
            found = [row for row in accounts if matches(row.search, query)]
            found.sort(key=lambda row: row.rank(query))
            if found:
                best = found[0].rank(query) if found else NO_RANK
                ranked.append((best, header, found))
        ranked.sort(key=lambda group: group[0])
        shown: list[TableRow] = []
        for _, header, found in ranked:
            shown.extend([header] if header is not None else [])
            shown.extend(found)
        return shown
