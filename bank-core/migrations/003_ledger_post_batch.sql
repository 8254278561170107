-- Group commit for the embedded database: many postings in one call and one database transaction.
-- PGlite runs every statement on the server's own thread, where each statement costs far more than
-- the rows it touches; doing a batch's writes set-based (one UPDATE, three INSERTs for the whole
-- batch) is what lets it move money at more than a few hundred transfers a second.
--
-- The postings are applied in order, exactly as ledger_post would apply them one after another: each
-- either goes through whole or is refused whole (LD001/LD002 reasons per posting instead of raised
-- errors), and a refused posting changes nothing. Legs are flattened: p_leg_posting[k] is the
-- 1-based posting of leg k, and a posting's legs are contiguous and in order.
--
-- ledger_post (002) stays a function of its own rather than a batch of one: measured on PostgreSQL at
-- 32 connections, this array version costs about 20% more per single posting (1,280/s against 1,600/s).
CREATE FUNCTION ledger_post_batch(
  p_ids UUID[], p_types TEXT[], p_amounts BIGINT[], p_currencies TEXT[], p_narrations TEXT[], p_references TEXT[],
  p_initiated_by UUID[], p_request_ids TEXT[], p_events JSONB[],
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
      leg_after[j] := tentative[at];
    END LOOP;
    IF outcomes[p] = 'ok' THEN
      balances_now := tentative;
      accepted[p] := true;
    END IF;
  END LOOP;

  UPDATE accounts a SET balance = v.balance, updated_at = now()
    FROM unnest(locked_ids, balances_now) AS v(id, balance) WHERE a.id = v.id AND a.balance <> v.balance;
  INSERT INTO transactions (id, type, amount, currency, narration, reference, initiated_by, request_id)
    SELECT t.id, t.type, t.amount, t.currency, t.narration, t.reference, t.initiated_by, t.request_id
    FROM unnest(p_ids, p_types, p_amounts, p_currencies, p_narrations, p_references, p_initiated_by, p_request_ids)
      WITH ORDINALITY AS t(id, type, amount, currency, narration, reference, initiated_by, request_id, n)
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
