"""cashmatch: bank reconciliation and cash application.

Statements in (CSV, and the bank formats of :mod:`cashmatch.parsers`), open items in,
matched invoices, balanced journal entries, a review queue and exports out. The command line
(:mod:`cashmatch.cli`) is a thin layer over the modules named here.
"""

__version__ = "0.1.0"
