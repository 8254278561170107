-- The double-entry ledger: transactions, their append-only entries, idempotency keys and the event outbox.
-- The database itself guards the invariants, so no code path (or hand-written SQL) can break them.

-- Per currency, one settlement account stands for the outside world: deposits come from it and
-- withdrawals go to it. It has no owner and may go negative; customer accounts may not.
ALTER TABLE accounts ADD COLUMN kind TEXT NOT NULL DEFAULT 'customer' CHECK (kind IN ('customer', 'settlement'));
ALTER TABLE accounts ALTER COLUMN user_id DROP NOT NULL;
ALTER TABLE accounts ADD CONSTRAINT accounts_owner_by_kind CHECK ((kind = 'customer') = (user_id IS NOT NULL));
ALTER TABLE accounts ADD CONSTRAINT accounts_customer_balance_not_negative CHECK (kind = 'settlement' OR balance >= 0);

-- Customer numbers never start with 0, so these can never collide with one.
INSERT INTO accounts (kind, account_number, currency, description) VALUES
  ('settlement', '0000000001', 'NGN', 'NGN settlement'),
  ('settlement', '0000000002', 'USD', 'USD settlement'),
  ('settlement', '0000000003', 'GBP', 'GBP settlement'),
  ('settlement', '0000000004', 'EUR', 'EUR settlement');
CREATE UNIQUE INDEX accounts_one_settlement_per_currency ON accounts (currency) WHERE kind = 'settlement';

CREATE TABLE transactions (
  id           UUID PRIMARY KEY,
  type         TEXT NOT NULL CHECK (type IN ('deposit', 'withdrawal', 'transfer', 'reversal')),
  amount       BIGINT NOT NULL CHECK (amount > 0),
  currency     CHAR(3) NOT NULL,
  narration    TEXT CHECK (length(narration) <= 140),
  reference    TEXT NOT NULL UNIQUE,
  initiated_by UUID NOT NULL REFERENCES users (id),
  request_id   TEXT,
  -- UNIQUE: a transaction can be reversed once.
  reverses_id  UUID UNIQUE REFERENCES transactions (id),
  created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
  CHECK ((type = 'reversal') = (reverses_id IS NOT NULL))
);
CREATE INDEX transactions_created_idx ON transactions (created_at DESC, id DESC);

-- The id orders an account's entries: they are written while its row is locked, so per account the
-- id order is the commit order, which keyset pagination and "balance after" rely on.
CREATE TABLE entries (
  id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  transaction_id UUID NOT NULL REFERENCES transactions (id),
  account_id     UUID NOT NULL REFERENCES accounts (id),
  amount         BIGINT NOT NULL CHECK (amount <> 0),
  balance_after  BIGINT NOT NULL,
  created_at     TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX entries_account_idx ON entries (account_id, id);
CREATE INDEX entries_transaction_idx ON entries (transaction_id);

-- At commit, for every entry written: its transaction sums to zero, and its account's stored balance
-- is the balance after that account's latest entry.
CREATE FUNCTION ledger_check_entry() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  total BIGINT;
  legs INTEGER;
  stored BIGINT;
  latest BIGINT;
BEGIN
  SELECT sum(amount), count(*) INTO total, legs FROM entries WHERE transaction_id = NEW.transaction_id;
  IF total <> 0 OR legs < 2 THEN
    RAISE EXCEPTION 'transaction % is unbalanced: % entries summing to %', NEW.transaction_id, legs, total
      USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  SELECT balance INTO stored FROM accounts WHERE id = NEW.account_id;
  SELECT balance_after INTO latest FROM entries WHERE account_id = NEW.account_id ORDER BY id DESC LIMIT 1;
  IF stored <> latest THEN
    RAISE EXCEPTION 'account % stores balance % but its latest entry says %', NEW.account_id, stored, latest
      USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  RETURN NULL;
END $$;

CREATE CONSTRAINT TRIGGER entries_balanced AFTER INSERT ON entries
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ledger_check_entry();

CREATE FUNCTION ledger_reject_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP USING ERRCODE = 'insufficient_privilege';
END $$;

CREATE TRIGGER entries_append_only BEFORE UPDATE OR DELETE ON entries
  FOR EACH ROW EXECUTE FUNCTION ledger_reject_change();
CREATE TRIGGER entries_no_truncate BEFORE TRUNCATE ON entries
  FOR EACH STATEMENT EXECUTE FUNCTION ledger_reject_change();
CREATE TRIGGER transactions_append_only BEFORE UPDATE OR DELETE ON transactions
  FOR EACH ROW EXECUTE FUNCTION ledger_reject_change();
CREATE TRIGGER transactions_no_truncate BEFORE TRUNCATE ON transactions
  FOR EACH STATEMENT EXECUTE FUNCTION ledger_reject_change();

-- A retried request with the same key replays the stored response instead of moving money again.
CREATE TABLE idempotency_keys (
  user_id         UUID NOT NULL REFERENCES users (id),
  key             TEXT NOT NULL,
  request_hash    TEXT NOT NULL,
  status          TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'done')),
  response_status INTEGER,
  response_body   JSONB,
  created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
  PRIMARY KEY (user_id, key)
);

-- Transactional outbox: one event per committed money transaction, written in the same transaction.
-- tx_id is the writing transaction's id. The feed hands out only events whose transaction is older
-- than every transaction still running (pg_snapshot_xmin), ordered by (tx_id, id): an event that
-- commits late can therefore never land behind a position a reader has already passed.
CREATE TABLE outbox_events (
  id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  tx_id          XID8 NOT NULL DEFAULT pg_current_xact_id(),
  transaction_id UUID NOT NULL REFERENCES transactions (id),
  type           TEXT NOT NULL,
  payload        JSONB NOT NULL,
  created_at     TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX outbox_events_position_idx ON outbox_events (tx_id, id);

-- One posting in one call: lock the accounts in id order, check them, write balances, transaction,
-- entries and outbox event. A single statement, so the row locks are held for one round trip only
-- (what bounds a hot account's throughput), and a posting needs no explicit BEGIN/COMMIT.
-- p_event.legs is aligned with p_accounts: an object for each leg to publish (customer accounts),
-- null for the others; each published leg gets its balanceAfter here.
-- Raises LD001 (DETAIL: account id) when an account is missing, closed or in another currency,
-- LD002 (DETAIL: account id, HINT: its balance) when a customer account would go below zero.
CREATE FUNCTION ledger_post(
  p_id UUID, p_type TEXT, p_amount BIGINT, p_currency TEXT, p_narration TEXT, p_reference TEXT,
  p_initiated_by UUID, p_request_id TEXT, p_reverses_id UUID,
  p_accounts UUID[], p_amounts BIGINT[], p_event JSONB
) RETURNS TABLE (created_at TIMESTAMPTZ, balances BIGINT[]) LANGUAGE plpgsql AS $$
DECLARE
  locked_ids UUID[];
  locked_balances BIGINT[];
  locked_kinds TEXT[];
  locked_ok BOOLEAN[];
  after BIGINT[] := '{}';
  at INTEGER;
  legs JSONB := '[]';
BEGIN
  SELECT array_agg(id ORDER BY id), array_agg(balance ORDER BY id), array_agg(kind ORDER BY id),
         array_agg(status = 'open' AND currency = p_currency ORDER BY id)
    INTO locked_ids, locked_balances, locked_kinds, locked_ok
    FROM (SELECT id, balance, kind, status, currency FROM accounts WHERE id = ANY (p_accounts) ORDER BY id FOR UPDATE) l;

  FOR i IN 1 .. array_length(p_accounts, 1) LOOP
    at := array_position(locked_ids, p_accounts[i]);
    IF at IS NULL OR NOT locked_ok[at] THEN
      RAISE EXCEPTION 'account % is missing, closed or not in %', p_accounts[i], p_currency USING ERRCODE = 'LD001', DETAIL = p_accounts[i]::text;
    END IF;
    locked_balances[at] := locked_balances[at] + p_amounts[i];
    IF locked_kinds[at] = 'customer' AND locked_balances[at] < 0 THEN
      RAISE EXCEPTION 'insufficient funds in account %', p_accounts[i]
        USING ERRCODE = 'LD002', DETAIL = p_accounts[i]::text, HINT = (locked_balances[at] - p_amounts[i])::text;
    END IF;
    after := after || locked_balances[at];
    IF jsonb_typeof(p_event -> 'legs' -> (i - 1)) = 'object' THEN
      legs := legs || jsonb_build_array((p_event -> 'legs' -> (i - 1)) || jsonb_build_object('balanceAfter', locked_balances[at]));
    END IF;
  END LOOP;

  UPDATE accounts a SET balance = v.balance, updated_at = now()
    FROM unnest(locked_ids, locked_balances) AS v(id, balance) WHERE a.id = v.id AND a.balance <> v.balance;
  INSERT INTO transactions (id, type, amount, currency, narration, reference, initiated_by, request_id, reverses_id)
    VALUES (p_id, p_type, p_amount, p_currency, p_narration, p_reference, p_initiated_by, p_request_id, p_reverses_id);
  INSERT INTO entries (transaction_id, account_id, amount, balance_after)
    SELECT p_id, v.account_id, v.amount, v.balance_after
    FROM unnest(p_accounts, p_amounts, after) WITH ORDINALITY AS v(account_id, amount, balance_after, n) ORDER BY v.n;
  INSERT INTO outbox_events (transaction_id, type, payload) VALUES (p_id, 'transaction.posted', jsonb_set(p_event, '{legs}', legs));
  RETURN QUERY SELECT now(), after;
END $$;
