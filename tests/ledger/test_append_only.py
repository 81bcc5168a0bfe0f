"""Posted entries, allocations and decisions are never edited or deleted: no SQL in the
package updates or deletes them (corrections are new rows)."""

import re
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src" / "cashmatch"
APPEND_ONLY = ("cm_journal_entries", "cm_journal_lines", "cm_allocations", "cm_decisions",
               "cm_movements", "cm_lettrage")


def test_no_update_or_delete_of_append_only_tables() -> None:
    offenders = []
    for path in SRC.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        for table in APPEND_ONLY:
            pattern = rf"(UPDATE\s+{table}\b|DELETE\s+FROM\s+{table}\b|TRUNCATE\s+{table}\b)"
            if re.search(pattern, text, re.IGNORECASE):
                offenders.append(f"{path.name}: {table}")
    assert offenders == []
