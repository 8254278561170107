-- Money safety under faults: an Idempotency-Key moves money at most once, ever; balances stay in the range
-- JavaScript holds exactly; a closed account holds no money; access changes reach every instance at once.

-- 1. An Idempotency-Key stands for at most one money movement. The key is written on the transaction itself,
-- under a unique index, so the database refuses a second posting with the same key whatever happens to the
-- first attempt (still running, crashed, timed out): a second attempt waits on the index entry of a running
-- first one and fails once it commits. Unlike idempotency_keys (stored responses, purged after 48 hours),
-- transactions are kept forever, so a key can never move money twice.
ALTER TABLE transactions ADD COLUMN idempotency_key TEXT;
CREATE UNIQUE INDEX transactions_idempotency_key ON transactions (initiated_by, idempotency_key) WHERE idempotency_key IS NOT NULL;

-- Before this migration a key was claimed ('pending') in a transaction of its own, before the money moved.
-- Claims are now written in the money's own transaction, so a committed row is always a finished one; a
-- pending row left by the old code would block its key forever.
DELETE FROM idempotency_keys WHERE status = 'pending';

-- 2. Every balance stays within JavaScript's safe integers (2^53 - 1), so a committed balance can always be
-- read back exactly. ledger_post refuses a posting that would leave the range (LD003) before it writes;
-- these constraints are the backstop. NOT VALID: rows written before this migration are not re-checked
-- (ledger:verify reports any that are out of range).
ALTER TABLE accounts ADD CONSTRAINT accounts_balance_safe_integer
  CHECK (balance BETWEEN -9007199254740991 AND 9007199254740991) NOT VALID;

-- 3. A closed customer account holds no money: closing needs a zero balance and postings need an open account,
-- both checked under the account's row lock. NOT VALID for the same reason as above.
ALTER TABLE accounts ADD CONSTRAINT accounts_closed_at_zero CHECK (status = 'open' OR balance = 0) NOT VALID;

-- 4. Access changes (a session ended, a role changed, a user deleted) are announced on a channel at commit, so
-- every bank-core instance drops what it cached about that session or user at once. Triggers, so that every
-- path announces them, including an operator's SQL.
CREATE FUNCTION notify_access_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_TABLE_NAME = 'refresh_tokens' THEN
    PERFORM pg_notify('bank_access_changes', json_build_object('sessionId', NEW.family_id, 'userId', NEW.user_id)::text);
  ELSE
    PERFORM pg_notify('bank_access_changes', json_build_object('userId', NEW.id)::text);
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER refresh_tokens_access_change AFTER UPDATE OF revoked_at ON refresh_tokens
  FOR EACH ROW WHEN (NEW.revoked_at IS NOT NULL AND OLD.revoked_at IS NULL) EXECUTE FUNCTION notify_access_change();
CREATE TRIGGER users_access_change AFTER UPDATE OF role, deleted_at, password_hash ON users
  FOR EACH ROW WHEN (NEW.role IS DISTINCT FROM OLD.role OR NEW.deleted_at IS DISTINCT FROM OLD.deleted_at
    OR NEW.password_hash IS DISTINCT FROM OLD.password_hash)
  EXECUTE FUNCTION notify_access_change();

-- 5. The posting functions, again, with the idempotency key and the safe range. Same behaviour as in 002/003
-- otherwise; LD003 (DETAIL: account id) means a balance would leave the safe range.
DROP FUNCTION ledger_post(UUID, TEXT, BIGINT, TEXT, TEXT, TEXT, UUID, TEXT, UUID, UUID[], BIGINT[], JSONB);

CREATE FUNCTION ledger_post(
  p_id UUID, p_type TEXT, p_amount BIGINT, p_currency TEXT, p_narration TEXT, p_reference TEXT,
  p_initiated_by UUID, p_request_id TEXT, p_reverses_id UUID, p_idempotency_key TEXT,
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
    IF abs(locked_balances[at]) > 9007199254740991 THEN
      RAISE EXCEPTION 'account % would leave the safe balance range', p_accounts[i] USING ERRCODE = 'LD003', DETAIL = p_accounts[i]::text;
    END IF;
    after := after || locked_balances[at];
    IF jsonb_typeof(p_event -> 'legs' -> (i - 1)) = 'object' THEN
      legs := legs || jsonb_build_array((p_event -> 'legs' -> (i - 1)) || jsonb_build_object('balanceAfter', locked_balances[at]));
    END IF;
  END LOOP;

  UPDATE accounts a SET balance = v.balance, updated_at = now()
    FROM unnest(locked_ids, locked_balances) AS v(id, balance) WHERE a.id = v.id AND a.balance <> v.balance;
  INSERT INTO transactions (id, type, amount, currency, narration, reference, initiated_by, request_id, reverses_id, idempotency_key)
    VALUES (p_id, p_type, p_amount, p_currency, p_narration, p_reference, p_initiated_by, p_request_id, p_reverses_id, p_idempotency_key);
  INSERT INTO entries (transaction_id, account_id, amount, balance_after)
    SELECT p_id, v.account_id, v.amount, v.balance_after
    FROM unnest(p_accounts, p_amounts, after) WITH ORDINALITY AS v(account_id, amount, balance_after, n) ORDER BY v.n;
  INSERT INTO outbox_events (transaction_id, type, payload) VALUES (p_id, 'transaction.posted', jsonb_set(p_event, '{legs}', legs));
  RETURN QUERY SELECT now(), after;
END $$;

-- ledger_post_batch (003), again, with the idempotency keys and the safe range: a posting that would leave
-- it is refused whole with the outcome 'balance_out_of_range'.
DROP FUNCTION ledger_post_batch(UUID[], TEXT[], BIGINT[], TEXT[], TEXT[], TEXT[], UUID[], TEXT[], JSONB[], INTEGER[], UUID[], BIGINT[]);

CREATE FUNCTION ledger_post_batch(
  p_ids UUID[], p_types TEXT[], p_amounts BIGINT[], p_currencies TEXT[], p_narrations TEXT[], p_references TEXT[],
  p_initiated_by UUID[], p_request_ids TEXT[], p_idempotency_keys TEXT[], p_events JSONB[],
  p_leg_posting INTEGER[], p_leg_accounts UUID[], p_leg_amounts BIGINT[]
) RETURNS TABLE (o_posting INTEGER, o_outcome TEXT, o_account_id UUID, o_balance BIGINT, o_created_at TIMESTAMPTZ, o_balances BIGINT[])
LANGUAGE plpgsql AS $$
DECLARE
  postings INTEGER := array_length(p_ids, 1);
  legs INTEGER := array_length(p_leg_accounts, 1);
  locked_ids UUID[];
  balances_now BIGINT[];
  locked_kinds TEXT[];
  locked_currencies TEXT[];
  locked_open BOOLEAN[];
  tentative BIGINT[];
  leg_after BIGINT[] := array_fill(NULL::BIGINT, ARRAY[legs]);
  leg_start INTEGER[] := array_fill(0, ARRAY[postings]);
  leg_end INTEGER[] := array_fill(-1, ARRAY[postings]);
  accepted BOOLEAN[] := array_fill(false, ARRAY[postings]);
  outcomes TEXT[] := array_fill('ok'::TEXT, ARRAY[postings]);
  failed_accounts UUID[] := array_fill(NULL::UUID, ARRAY[postings]);
  failed_balances BIGINT[] := array_fill(NULL::BIGINT, ARRAY[postings]);
  k INTEGER := 1;
  at INTEGER;
BEGIN
  SELECT array_agg(id ORDER BY id), array_agg(balance ORDER BY id), array_agg(kind ORDER BY id),
         array_agg(currency::TEXT ORDER BY id), array_agg(status = 'open' ORDER BY id)
    INTO locked_ids, balances_now, locked_kinds, locked_currencies, locked_open
    FROM (SELECT id, balance, kind, currency, status FROM accounts WHERE id = ANY (p_leg_accounts) ORDER BY id FOR UPDATE) l;

  FOR p IN 1 .. postings LOOP
    leg_start[p] := k;
    WHILE k <= legs AND p_leg_posting[k] = p LOOP
      k := k + 1;
    END LOOP;
    leg_end[p] := k - 1;
    tentative := balances_now;
    FOR j IN leg_start[p] .. leg_end[p] LOOP
      at := array_position(locked_ids, p_leg_accounts[j]);
      IF at IS NULL OR NOT locked_open[at] OR locked_currencies[at] <> p_currencies[p] THEN
        outcomes[p] := 'unavailable';
        failed_accounts[p] := p_leg_accounts[j];
        EXIT;
      END IF;
      tentative[at] := tentative[at] + p_leg_amounts[j];
      IF locked_kinds[at] = 'customer' AND tentative[at] < 0 THEN
        outcomes[p] := 'insufficient_funds';
        failed_accounts[p] := p_leg_accounts[j];
        failed_balances[p] := tentative[at] - p_leg_amounts[j];
        EXIT;
      END IF;
      IF abs(tentative[at]) > 9007199254740991 THEN
        outcomes[p] := 'balance_out_of_range';
        failed_accounts[p] := p_leg_accounts[j];
        EXIT;
      END IF;
      leg_after[j] := tentative[at];
    END LOOP;
    IF outcomes[p] = 'ok' THEN
      balances_now := tentative;
      accepted[p] := true;
    END IF;
  END LOOP;

  UPDATE accounts a SET balance = v.balance, updated_at = now()
    FROM unnest(locked_ids, balances_now) AS v(id, balance) WHERE a.id = v.id AND a.balance <> v.balance;
  INSERT INTO transactions (id, type, amount, currency, narration, reference, initiated_by, request_id, idempotency_key)
    SELECT t.id, t.type, t.amount, t.currency, t.narration, t.reference, t.initiated_by, t.request_id, t.idempotency_key
    FROM unnest(p_ids, p_types, p_amounts, p_currencies, p_narrations, p_references, p_initiated_by, p_request_ids, p_idempotency_keys)
      WITH ORDINALITY AS t(id, type, amount, currency, narration, reference, initiated_by, request_id, idempotency_key, n)
    WHERE accepted[t.n] ORDER BY t.n;
  -- In leg order, so each account's entry ids follow the order its balance-after values were computed in.
  INSERT INTO entries (transaction_id, account_id, amount, balance_after)
    SELECT p_ids[v.p], v.account_id, v.amount, leg_after[v.k]
    FROM unnest(p_leg_posting, p_leg_accounts, p_leg_amounts) WITH ORDINALITY AS v(p, account_id, amount, k)
    WHERE accepted[v.p] ORDER BY v.k;
  INSERT INTO outbox_events (transaction_id, type, payload)
    SELECT p_ids[e.n], 'transaction.posted', jsonb_set(e.event, '{legs}', coalesce((
      SELECT jsonb_agg(leg.value || jsonb_build_object('balanceAfter', leg_after[leg_start[e.n] + leg.i - 1]) ORDER BY leg.i)
      FROM jsonb_array_elements(e.event -> 'legs') WITH ORDINALITY AS leg(value, i)
      WHERE jsonb_typeof(leg.value) = 'object'), '[]'::JSONB))
    FROM unnest(p_events) WITH ORDINALITY AS e(event, n)
    WHERE accepted[e.n] ORDER BY e.n;

  RETURN QUERY
    SELECT p, outcomes[p], failed_accounts[p], failed_balances[p], now(), leg_after[leg_start[p] : leg_end[p]]
    FROM generate_series(1, postings) AS p;
END $$;
