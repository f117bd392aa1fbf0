"""Ingestion of contract drops into the warehouse's ``raw`` schema.

A day loads all or nothing (:func:`load_day`): every file is parsed whole before anything
commits, and all whole-file problems of the drop raise one :class:`DropErrors` naming each file;
row-level problems are quarantined in ``raw.rejects`` with their reason, so that for every file
rows read = rows loaded + rows rejected.
"""

from erp.ingest.day import load_day
from erp.ingest.errors import DropErrors, DropFileError
from erp.ingest.files import check_drop, find_table_file
from erp.ingest.load import LoadReport, latest_partition, load_table

__all__ = [
    "DropErrors",
    "DropFileError",
    "LoadReport",
    "check_drop",
    "find_table_file",
    "latest_partition",
    "load_day",
    "load_table",
]
