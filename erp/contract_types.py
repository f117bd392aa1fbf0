"""The shape of the ERP contract's declarations: a column, a rule over a row, a table. The
contract itself (erp/contract.py) is data written with these."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Column:
    """One contract column.

    ``kind`` is the contract type (id, string, date, timestamp, money, rate, currency, country,
    tz, lang, bool, int, email, enum); a rate is a decimal with up to 8 places. ``references``
    names the parent table whose key this column must match in the same extraction.
    ``staged_as`` is the column's name in the dbt staging model (when it differs), so that the
    generated staging tests follow a contract rename.
    ``horizon_days``: for dates and timestamps, how many days after the extraction date a value
    may plausibly lie (a due date may be a year ahead, an issue date not at all); ``earliest``
    overrides the plausibility floor of ``data_quality/checks.yml`` for this column.
    """

    name: str
    kind: str
    required: bool = True
    unique: bool = False
    values: tuple[str, ...] = ()
    min_value: float | None = None
    max_value: float | None = None
    positive: bool = False
    references: str | None = None
    default: str | None = None
    staged_as: str | None = None
    horizon_days: int = 0
    earliest: str | None = None

    @property
    def staged_name(self) -> str:
        return self.staged_as or self.name


@dataclass(frozen=True)
class RowRule:
    """A rule over several columns of one row, or of the row and its parent row.

    ``violated`` is a SQL predicate over the row (alias ``t``, typed values) and, when
    ``parent`` is set, the referenced parent row (alias ``p``, joined on ``t.<fk> = p.<key>``).
    """

    reason: str
    violated: str
    parent: str | None = None
    fk: str | None = None


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[Column, ...]
    description: str = ""
    required: bool = False
    key: tuple[str, ...] = ()
    rules: tuple[RowRule, ...] = field(default_factory=tuple)
    # A column holding event time, used by the freshness check.
    event_time: str | None = None

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def required_columns(self) -> list[str]:
        """Columns that must be present in the file (optional-valued columns still must exist
        unless they have a default)."""
        return [c.name for c in self.columns if c.default is None and c.required]

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    @property
    def parents(self) -> list[str]:
        return sorted({c.references for c in self.columns if c.references} | {r.parent for r in self.rules if r.parent})
