"""Ingestion of contract drops into the warehouse's ``raw`` schema.

Whole-file problems raise :class:`DropFileError` before anything is written; row-level problems
are quarantined in ``raw.rejects`` with their reason, so that for every file
rows read = rows loaded + rows rejected.
"""

from erp.ingest.files import DropFileError, check_drop, find_table_file
from erp.ingest.load import LoadReport, load_table

__all__ = ["DropFileError", "LoadReport", "check_drop", "find_table_file", "load_table"]
