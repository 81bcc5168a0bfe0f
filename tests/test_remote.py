"""The command line reads a store that a running ``cashmatch serve`` holds: through the
service, with the same output as on the file; a write is still told the store is in use."""

from __future__ import annotations

import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

from cashmatch import remote
from cashmatch.ledger.review import ReviewFilter
from cashmatch.model import Page
from tests.conftest import service_process

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "sample_statements"


def _cli(db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "cashmatch", "--db", str(db), *args],
                          capture_output=True, text=True, check=False, timeout=120)


def test_values_travel_typed() -> None:
    sent = [ReviewFilter(min_amount=Decimal("1.50"), text="x"), (1, "a"), {"k": [None, True]},
            Page([{"a": Decimal("-3.000")}], 1, 0, None)]
    assert remote.decode(json.loads(json.dumps(remote.encode(sent)))) == sent


def test_reads_go_through_the_running_service(tmp_path: Path) -> None:
    db = tmp_path / "held.duckdb"
    assert _cli(db, "run", str(SAMPLES / "bank_2026-02.csv"), "--items",
                str(SAMPLES / "open_items.csv")).returncode == 0
    alone = _cli(db, "review", "list", "--json")
    with service_process(db, "svc-token:reviewer"):
        assert remote.note_path(db).exists()
        assert oct(remote.note_path(db).stat().st_mode & 0o777) == "0o600"
        through = _cli(db, "review", "list", "--json")
        assert through.returncode == 0, through.stderr
        assert json.loads(through.stdout) == json.loads(alone.stdout)
        kpis = _cli(db, "report", "kpis", "--json")
        assert kpis.returncode == 0 and json.loads(kpis.stdout)["days"]
        out = tmp_path / "m.csv"
        assert _cli(db, "export", "matches", "-o", str(out)).returncode == 0
        assert out.read_text().startswith("transaction_id,")
        missing = _cli(db, "review", "show", "999")
        assert missing.returncode == 1 and "no review item 999" in missing.stderr
        write = _cli(db, "match")
        assert write.returncode == 1 and "in use by another process" in write.stderr
    assert not remote.note_path(db).exists()
    assert _cli(db, "review", "list").returncode == 0
