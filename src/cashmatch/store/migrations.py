"""Numbered schema migrations of the DuckDB store, recorded in ``cm_migrations``.

Append new migrations at the end; never edit one that has shipped. Money columns are BIGINT
minor units (``*_minor``) next to a ``currency`` column; see :mod:`cashmatch.money`.
Journal entries, journal lines, allocations and decisions are append-only: corrections are
new rows (a reversal entry, a negative allocation), never updates.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    name: str
    statements: tuple[str, ...]


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "initial schema", (
        """CREATE TABLE cm_imports (
            import_id BIGINT PRIMARY KEY,
            kind VARCHAR NOT NULL,             -- 'statement' | 'items'
            file_name VARCHAR NOT NULL,
            file_sha256 VARCHAR NOT NULL,
            format VARCHAR,
            imported_at TIMESTAMP NOT NULL,
            n_rows BIGINT NOT NULL,
            n_new BIGINT NOT NULL,
            n_known BIGINT NOT NULL
        )""",
        """CREATE TABLE cm_statements (
            statement_id BIGINT PRIMARY KEY,
            import_id BIGINT NOT NULL,
            file_name VARCHAR NOT NULL,
            position INTEGER NOT NULL,
            format VARCHAR NOT NULL,
            account VARCHAR,
            currency VARCHAR,
            bank_statement_id VARCHAR,
            opening_minor BIGINT,
            closing_minor BIGINT,
            opening_date DATE,
            closing_date DATE
        )""",
        """CREATE TABLE cm_movements (
            movement_id BIGINT PRIMARY KEY,
            identity_key VARCHAR NOT NULL UNIQUE,
            statement_id BIGINT NOT NULL,
            import_id BIGINT NOT NULL,
            account VARCHAR,
            booking_date DATE NOT NULL,
            value_date DATE,
            amount_minor BIGINT NOT NULL,
            currency VARCHAR NOT NULL,
            counterparty_name VARCHAR,
            counterparty_iban VARCHAR,
            counterparty_bic VARCHAR,
            remittance VARCHAR NOT NULL,
            refs_json VARCHAR NOT NULL,         -- [{"kind":..,"value":..}, ...]
            end_to_end_id VARCHAR,
            bank_reference VARCHAR,
            bank_tx_code VARCHAR,
            status VARCHAR NOT NULL,            -- 'booked' | 'suspected_duplicate'
            charges_minor BIGINT,
            instructed_minor BIGINT,
            instructed_currency VARCHAR,
            entry_key VARCHAR,
            source_file VARCHAR NOT NULL,
            source_position VARCHAR NOT NULL,
            duplicate_of BIGINT                 -- set when status = 'suspected_duplicate'
        )""",
        # Pending (not yet booked) movements of intraday reports: replaced by the booked
        # movement when it arrives, never matched.
        """CREATE TABLE cm_pending_movements (
            identity_key VARCHAR PRIMARY KEY,
            statement_id BIGINT NOT NULL,
            import_id BIGINT NOT NULL,
            account VARCHAR,
            booking_date DATE NOT NULL,
            value_date DATE,
            amount_minor BIGINT NOT NULL,
            currency VARCHAR NOT NULL,
            counterparty_name VARCHAR,
            counterparty_iban VARCHAR,
            counterparty_bic VARCHAR,
            remittance VARCHAR NOT NULL,
            refs_json VARCHAR NOT NULL,
            end_to_end_id VARCHAR,
            bank_reference VARCHAR,
            bank_tx_code VARCHAR,
            status VARCHAR NOT NULL,
            charges_minor BIGINT,
            instructed_minor BIGINT,
            instructed_currency VARCHAR,
            entry_key VARCHAR,
            source_file VARCHAR NOT NULL,
            source_position VARCHAR NOT NULL
        )""",
        """CREATE TABLE cm_items (
            item_id VARCHAR PRIMARY KEY,
            kind VARCHAR NOT NULL,
            account VARCHAR NOT NULL,
            party_id VARCHAR,
            party_name VARCHAR,
            party_iban VARCHAR,
            reference VARCHAR,
            ref_norm VARCHAR NOT NULL,          -- reference (or id) upper-cased, only A-Z0-9
            ref_tail VARCHAR,                   -- derived for matching (blocking.ITEM_KEYS)
            ref_tail_short VARCHAR,
            name_norm VARCHAR,
            issue_date DATE,
            due_date DATE,
            amount_minor BIGINT NOT NULL,
            settled_outside_minor BIGINT NOT NULL,  -- amount - open_amount at import
            currency VARCHAR NOT NULL,
            description VARCHAR,
            book_minor BIGINT,                  -- value booked in the ledger currency, for an
            book_currency VARCHAR,              -- item in another currency (FX differences)
            import_id BIGINT NOT NULL,
            updated_at TIMESTAMP NOT NULL
        )""",
        """CREATE TABLE cm_runs (
            run_id BIGINT PRIMARY KEY,
            started_at TIMESTAMP NOT NULL,
            engine_version VARCHAR NOT NULL,
            rules_version VARCHAR NOT NULL,
            n_considered BIGINT NOT NULL,
            n_auto BIGINT NOT NULL,
            n_review BIGINT NOT NULL,
            n_unmatched BIGINT NOT NULL
        )""",
        """CREATE TABLE cm_decisions (
            decision_id BIGINT PRIMARY KEY,
            movement_id BIGINT NOT NULL,
            review_id BIGINT,
            run_id BIGINT,
            action VARCHAR NOT NULL,            -- 'auto' | 'accept' | 'assign' | 'ignore'
            actor VARCHAR NOT NULL,             -- 'engine' or a user name
            rule VARCHAR NOT NULL,
            confidence DECIMAL(5,4),
            threshold DECIMAL(5,4),
            explanation VARCHAR NOT NULL,
            evidence_json VARCHAR NOT NULL,
            reason VARCHAR,
            reverses_decision_id BIGINT,        -- for 'unmatch': the decision it undoes
            engine_version VARCHAR NOT NULL,
            rules_version VARCHAR NOT NULL,
            created_at TIMESTAMP NOT NULL
        )""",
        """CREATE TABLE cm_allocations (
            allocation_id BIGINT PRIMARY KEY,
            movement_id BIGINT NOT NULL,
            item_id VARCHAR NOT NULL,
            amount_minor BIGINT NOT NULL,
            currency VARCHAR NOT NULL,
            decision_id BIGINT NOT NULL,
            entry_id BIGINT NOT NULL,
            created_at TIMESTAMP NOT NULL
        )""",
        """CREATE TABLE cm_journal_entries (
            entry_id BIGINT PRIMARY KEY,        -- continuous, gap-free
            entry_number VARCHAR NOT NULL UNIQUE,
            journal VARCHAR NOT NULL,
            entry_date DATE NOT NULL,
            label VARCHAR NOT NULL,
            piece_ref VARCHAR NOT NULL,
            currency VARCHAR NOT NULL,
            movement_id BIGINT,
            decision_id BIGINT,
            reverses_entry_id BIGINT,
            created_at TIMESTAMP NOT NULL
        )""",
        """CREATE TABLE cm_journal_lines (
            entry_id BIGINT NOT NULL,
            line_no INTEGER NOT NULL,
            account VARCHAR NOT NULL,
            aux_account VARCHAR,
            aux_label VARCHAR,
            label VARCHAR NOT NULL,
            debit_minor BIGINT NOT NULL,
            credit_minor BIGINT NOT NULL,
            currency VARCHAR NOT NULL,
            item_id VARCHAR,
            PRIMARY KEY (entry_id, line_no)
        )""",
        """CREATE TABLE cm_lettrage (
            item_id VARCHAR PRIMARY KEY,
            account VARCHAR NOT NULL,
            aux_account VARCHAR NOT NULL,
            code VARCHAR NOT NULL,
            created_at TIMESTAMP NOT NULL
        )""",
        """CREATE TABLE cm_review_items (
            review_id BIGINT PRIMARY KEY,
            movement_id BIGINT NOT NULL,
            run_id BIGINT NOT NULL,
            reason VARCHAR NOT NULL,
            status VARCHAR NOT NULL,            -- 'open' | 'accepted' | 'assigned' | 'ignored' | 'superseded'
            created_at TIMESTAMP NOT NULL,
            closed_at TIMESTAMP,
            decision_id BIGINT
        )""",
        """CREATE TABLE cm_candidates (
            candidate_id BIGINT PRIMARY KEY,
            review_id BIGINT NOT NULL,
            rank INTEGER NOT NULL,
            confidence DECIMAL(5,4) NOT NULL,
            rule VARCHAR NOT NULL,
            explanation VARCHAR NOT NULL,
            evidence_json VARCHAR NOT NULL,
            adjustments_json VARCHAR NOT NULL   -- [{"kind": "fee", "amount_minor": 500}, ...]
        )""",
        # One-typo neighbourhood of each item's reference (symmetric delete), kept with the
        # items so that a matching run does not rebuild it.
        """CREATE TABLE cm_item_keys (
            item_id VARCHAR NOT NULL,
            k VARCHAR NOT NULL
        )""",
        # Payer memory: an IBAN or a normalised name known to belong to a party, learned from
        # confirmed matches (source 'auto' / 'manual') or declared in the rules ('rules').
        """CREATE TABLE cm_aliases (
            alias_id BIGINT PRIMARY KEY,
            kind VARCHAR NOT NULL,              -- 'iban' | 'name'
            value VARCHAR NOT NULL,
            party_id VARCHAR NOT NULL,
            source VARCHAR NOT NULL,            -- 'auto' | 'manual' | 'rules'
            decision_id BIGINT,
            created_at TIMESTAMP NOT NULL,
            removed_at TIMESTAMP,
            removed_by VARCHAR
        )""",
        # HTTP idempotency keys: the first response to a key is replayed for the same request.
        """CREATE TABLE cm_idempotency (
            key VARCHAR PRIMARY KEY,
            request_hash VARCHAR NOT NULL,
            status INTEGER NOT NULL,
            response VARCHAR NOT NULL,
            created_at TIMESTAMP NOT NULL
        )""",
        """CREATE TABLE cm_candidate_lines (
            candidate_id BIGINT NOT NULL,
            item_id VARCHAR NOT NULL,
            amount_minor BIGINT NOT NULL,
            PRIMARY KEY (candidate_id, item_id)
        )""",
    )),
    Migration(2, "a bank journal that matches the bank", (
        # The date of the supporting piece (the movement's booking date): an entry may be
        # dated later to keep its journal in date order (see ledger.journal).
        "ALTER TABLE cm_journal_entries ADD COLUMN piece_date DATE",
        # Where an item comes from: 'import' (the ERP's files) or 'cashmatch' (a refund owed
        # to a customer, created by a person's decision): a snapshot import closes only the
        # former.
        "ALTER TABLE cm_items ADD COLUMN origin VARCHAR DEFAULT 'import'",
        # Items closed as settled outside cashmatch (append-only): missing from a snapshot
        # import ('snapshot', with that import's id), or a refund owed whose decision was
        # undone ('refund undone').
        """CREATE TABLE cm_item_closures (
            item_id VARCHAR NOT NULL,
            reason VARCHAR NOT NULL,
            import_id BIGINT,
            open_minor BIGINT NOT NULL,         -- what was still open when it was closed
            currency VARCHAR NOT NULL,
            closed_at TIMESTAMP NOT NULL
        )""",
        # The last lettrage code the ERP used, per account and auxiliary account ('' for
        # every auxiliary account of the account): cashmatch's codes continue after it.
        """CREATE TABLE cm_lettrage_seeds (
            account VARCHAR NOT NULL,
            aux_account VARCHAR NOT NULL,
            code VARCHAR NOT NULL,
            import_id BIGINT NOT NULL,
            created_at TIMESTAMP NOT NULL
        )""",
        "ALTER TABLE cm_runs ADD COLUMN n_posted BIGINT DEFAULT 0",
        "ALTER TABLE cm_runs ADD COLUMN n_ignored BIGINT DEFAULT 0",
        "ALTER TABLE cm_runs ADD COLUMN n_returning BIGINT DEFAULT 0",
    )),
    Migration(3, "review workspace: users, sessions, settings, approvals, stable review ids", (
        # People who sign in to the pages or call the service with a personal token. Roles:
        # viewer < reviewer < approver < admin. Secrets are stored as hashes only.
        """CREATE TABLE cm_users (
            user_name VARCHAR PRIMARY KEY,
            role VARCHAR NOT NULL,              -- 'viewer' | 'reviewer' | 'approver' | 'admin'
            password_hash VARCHAR,              -- scrypt$n$r$p$salt$hash
            token_hash VARCHAR,                 -- sha256 of a personal token
            created_at TIMESTAMP NOT NULL,
            created_by VARCHAR NOT NULL,
            disabled_at TIMESTAMP
        )""",
        # Signed-in page sessions: the cookie holds the session id (signed); only its hash is
        # kept here. A session ends when it expires or when its user signs out.
        """CREATE TABLE cm_sessions (
            session_hash VARCHAR PRIMARY KEY,
            user_name VARCHAR NOT NULL,
            role VARCHAR NOT NULL,
            created_at TIMESTAMP NOT NULL,
            expires_at TIMESTAMP NOT NULL,
            ended_at TIMESTAMP
        )""",
        # Settings the service keeps for itself (the key that signs session cookies).
        """CREATE TABLE cm_settings (
            key VARCHAR PRIMARY KEY,
            value VARCHAR NOT NULL
        )""",
        # Four eyes: a write-off above tolerances.writeoff_approval_above waits here for an
        # approver other than the person who asked for it.
        """CREATE TABLE cm_approvals (
            approval_id BIGINT PRIMARY KEY,
            review_id BIGINT NOT NULL,
            movement_id BIGINT NOT NULL,
            action VARCHAR NOT NULL,            -- 'writeoff'
            items_json VARCHAR NOT NULL,        -- ["FA-1", ...]
            difference_minor BIGINT NOT NULL,
            currency VARCHAR NOT NULL,
            reason VARCHAR NOT NULL,
            requested_by VARCHAR NOT NULL,
            requested_at TIMESTAMP NOT NULL,
            status VARCHAR NOT NULL,            -- 'pending' | 'approved' | 'rejected' | 'void'
            decided_by VARCHAR,
            decided_at TIMESTAMP,
            decision_id BIGINT,
            note VARCHAR
        )""",
        # A review item keeps its id while its movement stays unresolved: a run refreshes its
        # reason and candidates in place and counts a revision when the candidates change.
        # run_id stays the run that opened the item; every run that queued it is listed in
        # cm_review_runs (what a replay of a run reads).
        "ALTER TABLE cm_review_items ADD COLUMN revision INTEGER DEFAULT 1",
        "ALTER TABLE cm_review_items ADD COLUMN refreshed_at TIMESTAMP",
        """CREATE TABLE cm_review_runs (
            review_id BIGINT NOT NULL,
            run_id BIGINT NOT NULL,
            reason VARCHAR NOT NULL,
            PRIMARY KEY (review_id, run_id)
        )""",
        "INSERT INTO cm_review_runs SELECT review_id, run_id, reason FROM cm_review_items",
    )),
    # Early-payment discount terms of an item: the last day a discount may be taken and its
    # rate (0.02 for 2 %), when the ledger gives them.
    Migration(4, "discount terms and periods of items", (
        "ALTER TABLE cm_items ADD COLUMN discount_until DATE",
        "ALTER TABLE cm_items ADD COLUMN discount_rate DECIMAL(7, 6)",
        # derived from the description when stored (ingest.normalize.ITEM_KEYS): months and
        # instalments it names, and early-payment terms written in it
        "ALTER TABLE cm_items ADD COLUMN desc_months INTEGER[]",
        "ALTER TABLE cm_items ADD COLUMN desc_instalments VARCHAR[]",
        "ALTER TABLE cm_items ADD COLUMN terms_days INTEGER",
        "ALTER TABLE cm_items ADD COLUMN terms_rate DECIMAL(9, 6)",
        # every digit of the reference, leading zeros dropped ("CHK-4968" → 4968)
        "ALTER TABLE cm_items ADD COLUMN ref_digits VARCHAR",
    )),
)

LATEST = MIGRATIONS[-1].version
