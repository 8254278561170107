-- Group commit on both drivers: a batch of customers' movements (deposits, withdrawals, transfers) in one
-- call and one commit, the accounts resolved and checked inside the call, so a movement costs the service
-- one shared database round trip and a share of one commit. See ledger_post_movements below.

-- 1. Entries are checked once per INSERT statement instead of once per row at commit: the per-row deferred
-- trigger of 002 ran three queries for every entry, more than the posting itself. A transaction's entries
-- must therefore be inserted together, in one statement (every posting function does), after the accounts'
-- balances were updated.
DROP TRIGGER entries_balanced ON entries;
DROP FUNCTION ledger_check_entry();

CREATE FUNCTION ledger_check_entries() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  bad RECORD;
BEGIN
  SELECT transaction_id, sum(amount) AS total, count(*) AS legs INTO bad FROM new_entries
    GROUP BY transaction_id HAVING sum(amount) <> 0 OR count(*) < 2 LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'transaction % is unbalanced: % entries summing to %', bad.transaction_id, bad.legs, bad.total
      USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  SELECT l.account_id, a.balance AS stored, l.balance_after AS latest INTO bad
    FROM (SELECT DISTINCT ON (account_id) account_id, balance_after FROM new_entries ORDER BY account_id, id DESC) l
    JOIN accounts a ON a.id = l.account_id
    WHERE a.balance <> l.balance_after LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'account % stores balance % but its latest entry says %', bad.account_id, bad.stored, bad.latest
      USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER entries_balanced AFTER INSERT ON entries REFERENCING NEW TABLE AS new_entries
  FOR EACH STATEMENT EXECUTE FUNCTION ledger_check_entries();

-- 2. 003/004's batch function served the embedded database only; ledger_post_movements replaces it everywhere.
DROP FUNCTION ledger_post_batch(UUID[], TEXT[], BIGINT[], TEXT[], TEXT[], TEXT[], UUID[], TEXT[], TEXT[], JSONB[], INTEGER[], UUID[], BIGINT[]);

-- 3. A batch of movements asked for by customers, applied in order exactly as one after another, in one
-- statement (so no explicit BEGIN/COMMIT, and the row locks are held for this one call).
--
-- Per movement (arrays aligned, 1-based): the transaction id and reference chosen by the caller, the type
-- ('deposit', 'withdrawal' or 'transfer'), the initiating user, the user's account (credited by a deposit,
-- debited by a withdrawal or a transfer), the recipient's account number (transfers; NULL otherwise), the
-- amount in minor units (> 0), narration, request id, and the Idempotency-Key with the request's fingerprint
-- (both NULL without a key).
--
-- Each movement gets one outcome, checked in this order, and a refused movement changes nothing:
--   in_progress          another transaction holds its key right now (or an earlier movement of this batch does)
--   replay               its key already moved money: o_detail = {status, body} of the stored answer (body NULL
--                        if it was not stored yet; the caller rebuilds it from the ledger)
--   key_mismatch         its key was used for a different request
--   key_used             its key moved money so long ago that the answer is no longer kept
--   not_found            the account is missing, a settlement account, or not the initiator's
--   closed               the account is closed
--   recipient_not_found  no open customer account has that number
--   same_account         a transfer to the account it leaves
--   currency_mismatch    o_detail = {from, to}
--   insufficient_funds   o_detail = {accountNumber, balance, amount}
--   balance_out_of_range a balance would pass +-(2^53 - 1); o_detail = {accountNumber} (NULL for a settlement account)
--   ok                   posted: transaction, two entries, balances, outbox event, and the key (without its answer,
--                        which the caller stores once it has made it)
-- Returned in input order: outcome, commit time, the user account's currency and balance after, the two parties
-- ({accountNumber, name}; NULL for the outside world) and o_detail.
--
-- Concurrency: every account touched is locked in id order with one SELECT ... FOR UPDATE (the order all other
-- paths use, so no deadlocks); a key is taken with pg_try_advisory_xact_lock, never waited for, so one busy key
-- cannot stall a batch; the unique indexes of 004 stay as the backstop.
CREATE FUNCTION ledger_post_movements(
  p_ids UUID[], p_references TEXT[], p_types TEXT[], p_initiators UUID[], p_accounts UUID[], p_recipients TEXT[],
  p_amounts BIGINT[], p_narrations TEXT[], p_request_ids TEXT[], p_keys TEXT[], p_hashes TEXT[]
) RETURNS TABLE (o_outcome TEXT, o_created_at TIMESTAMPTZ, o_currency TEXT, o_balance BIGINT, o_from JSONB, o_to JSONB, o_detail JSONB)
LANGUAGE plpgsql AS $$
DECLARE
  max_balance CONSTANT BIGINT := 9007199254740991;
  n INTEGER := coalesce(array_length(p_ids, 1), 0);
  outcome TEXT[] := array_fill('ok'::TEXT, ARRAY[n]);
  detail JSONB[] := array_fill(NULL::JSONB, ARRAY[n]);
  debit INTEGER[] := array_fill(0, ARRAY[n]);
  credit INTEGER[] := array_fill(0, ARRAY[n]);
  own INTEGER[] := array_fill(0, ARRAY[n]);
  debit_after BIGINT[] := array_fill(NULL::BIGINT, ARRAY[n]);
  credit_after BIGINT[] := array_fill(NULL::BIGINT, ARRAY[n]);
  ids UUID[]; kinds TEXT[]; owners UUID[]; numbers TEXT[]; currencies TEXT[]; opened BOOLEAN[]; names TEXT[];
  balances BIGINT[]; was BIGINT[];
  settlement_currencies TEXT[] := '{}'; settlement_at INTEGER[] := '{}';
  live_accounts UUID[]; live_recipients TEXT[]; cash_accounts UUID[]; touched UUID[];
  a INTEGER; r INTEGER; d INTEGER; c INTEGER;
  stored RECORD;
BEGIN
  -- Keys first, so a replay or a key in use costs no account lock.
  FOR p IN 1 .. n LOOP
    CONTINUE WHEN p_keys[p] IS NULL;
    IF EXISTS (SELECT 1 FROM generate_series(1, p - 1) q WHERE p_keys[q] = p_keys[p] AND p_initiators[q] = p_initiators[p])
       OR NOT pg_try_advisory_xact_lock(hashtextextended(p_initiators[p]::text || '/' || p_keys[p], 0)) THEN
      outcome[p] := 'in_progress';
      CONTINUE;
    END IF;
    SELECT k.request_hash, k.response_status, k.response_body INTO stored
      FROM idempotency_keys k WHERE k.user_id = p_initiators[p] AND k.key = p_keys[p];
    IF FOUND THEN
      IF stored.request_hash <> p_hashes[p] THEN
        outcome[p] := 'key_mismatch';
      ELSE
        outcome[p] := 'replay';
        detail[p] := jsonb_build_object('status', stored.response_status, 'body', stored.response_body);
      END IF;
    ELSIF EXISTS (SELECT 1 FROM transactions t WHERE t.initiated_by = p_initiators[p] AND t.idempotency_key = p_keys[p]) THEN
      outcome[p] := 'key_used';
    END IF;
  END LOOP;

  -- Only the accounts of movements still to be decided: a replay or a key in use waits for no lock.
  SELECT array_agg(p_accounts[p]), array_agg(p_recipients[p]), array_agg(p_accounts[p]) FILTER (WHERE p_types[p] <> 'transfer')
    INTO live_accounts, live_recipients, cash_accounts
    FROM generate_series(1, n) p WHERE outcome[p] = 'ok';
  -- Which accounts, without locking: by id, by number (compared as CHAR(10), as stored, so its unique index
  -- serves), and the settlement accounts of the currencies deposited or withdrawn (a batch of transfers locks none). Ids, numbers, kinds and currencies never
  -- change, so this needs no lock; then the rows themselves are locked by id, in id order, and their status
  -- and balance read under the lock. (One locking query joined to these lookups could, under a concurrent
  -- update, lose a row in PostgreSQL's recheck of the join.)
  SELECT array_agg(DISTINCT t.id) INTO touched FROM (
    SELECT unnest(live_accounts) AS id
    UNION ALL
    SELECT r.id FROM accounts r WHERE r.account_number = ANY (live_recipients::bpchar[]) AND r.kind = 'customer'
    UNION ALL
    SELECT s.id FROM accounts s
    WHERE s.kind = 'settlement' AND s.currency IN (SELECT y.currency FROM accounts y WHERE y.id = ANY (cash_accounts))) t;
  SELECT array_agg(l.id ORDER BY l.id), array_agg(l.kind ORDER BY l.id), array_agg(l.user_id ORDER BY l.id),
         array_agg(l.account_number::TEXT ORDER BY l.id), array_agg(l.currency::TEXT ORDER BY l.id),
         array_agg(l.status = 'open' ORDER BY l.id), array_agg(u.name ORDER BY l.id), array_agg(l.balance ORDER BY l.id)
    INTO ids, kinds, owners, numbers, currencies, opened, names, balances
    FROM (SELECT x.id, x.kind, x.user_id, x.account_number, x.currency, x.status, x.balance FROM accounts x
          WHERE x.id = ANY (touched) ORDER BY x.id FOR UPDATE) l
    LEFT JOIN users u ON u.id = l.user_id;
  ids := coalesce(ids, '{}');
  was := balances;
  FOR i IN 1 .. coalesce(array_length(ids, 1), 0) LOOP
    IF kinds[i] = 'settlement' THEN
      settlement_currencies := settlement_currencies || currencies[i];
      settlement_at := settlement_at || i;
    END IF;
  END LOOP;

  FOR p IN 1 .. n LOOP
    CONTINUE WHEN outcome[p] <> 'ok';
    a := array_position(ids, p_accounts[p]);
    IF a IS NULL OR kinds[a] <> 'customer' OR owners[a] <> p_initiators[p] THEN
      outcome[p] := 'not_found';
      CONTINUE;
    END IF;
    IF NOT opened[a] THEN
      outcome[p] := 'closed';
      CONTINUE;
    END IF;
    own[p] := a;
    IF p_types[p] = 'transfer' THEN
      r := array_position(numbers, p_recipients[p]); -- account numbers are unique across all accounts
      IF r IS NULL OR kinds[r] <> 'customer' OR NOT opened[r] THEN
        outcome[p] := 'recipient_not_found';
        CONTINUE;
      END IF;
      IF r = a THEN
        outcome[p] := 'same_account';
        CONTINUE;
      END IF;
      IF currencies[r] <> currencies[a] THEN
        outcome[p] := 'currency_mismatch';
        detail[p] := jsonb_build_object('from', currencies[a], 'to', currencies[r]);
        CONTINUE;
      END IF;
      d := a;
      c := r;
    ELSE
      r := settlement_at[array_position(settlement_currencies, currencies[a])];
      IF r IS NULL THEN
        RAISE EXCEPTION 'no settlement account for %', currencies[a];
      END IF;
      d := CASE WHEN p_types[p] = 'deposit' THEN r ELSE a END;
      c := CASE WHEN p_types[p] = 'deposit' THEN a ELSE r END;
    END IF;
    IF kinds[d] = 'customer' AND balances[d] - p_amounts[p] < 0 THEN
      outcome[p] := 'insufficient_funds';
      detail[p] := jsonb_build_object('accountNumber', numbers[d], 'balance', balances[d], 'amount', p_amounts[p]);
      CONTINUE;
    END IF;
    IF abs(balances[d] - p_amounts[p]) > max_balance OR abs(balances[c] + p_amounts[p]) > max_balance THEN
      outcome[p] := 'balance_out_of_range';
      detail[p] := jsonb_build_object('accountNumber', CASE WHEN abs(balances[d] - p_amounts[p]) > max_balance
        THEN CASE WHEN kinds[d] = 'customer' THEN numbers[d] END ELSE CASE WHEN kinds[c] = 'customer' THEN numbers[c] END END);
      CONTINUE;
    END IF;
    balances[d] := balances[d] - p_amounts[p];
    balances[c] := balances[c] + p_amounts[p];
    debit[p] := d;
    credit[p] := c;
    debit_after[p] := balances[d];
    credit_after[p] := balances[c];
  END LOOP;

  UPDATE accounts x SET balance = v.balance, updated_at = now()
    FROM unnest(ids, balances, was) AS v(id, balance, before) WHERE x.id = v.id AND v.balance <> v.before;
  INSERT INTO transactions (id, type, amount, currency, narration, reference, initiated_by, request_id, idempotency_key)
    SELECT p_ids[p], p_types[p], p_amounts[p], currencies[own[p]], p_narrations[p], p_references[p], p_initiators[p],
           p_request_ids[p], p_keys[p]
    FROM generate_series(1, n) p WHERE outcome[p] = 'ok' ORDER BY p;
  -- Debit then credit, movement by movement: per account, entry ids follow the order the balances were computed in.
  INSERT INTO entries (transaction_id, account_id, amount, balance_after)
    SELECT p_ids[p], ids[CASE leg WHEN 1 THEN debit[p] ELSE credit[p] END],
           CASE leg WHEN 1 THEN -p_amounts[p] ELSE p_amounts[p] END,
           CASE leg WHEN 1 THEN debit_after[p] ELSE credit_after[p] END
    FROM generate_series(1, n) p CROSS JOIN generate_series(1, 2) leg WHERE outcome[p] = 'ok' ORDER BY p, leg;
  -- The event's legs are the customer accounts (common/src/ledger-events.ts); the counterparty of each is the other side.
  INSERT INTO outbox_events (transaction_id, type, payload)
    SELECT p_ids[p], 'transaction.posted', jsonb_build_object(
        'type', 'transaction.posted', 'transactionId', p_ids[p], 'transactionType', p_types[p],
        'currency', currencies[own[p]], 'narration', p_narrations[p], 'requestId', p_request_ids[p],
        'legs', (SELECT coalesce(jsonb_agg(jsonb_build_object(
                    'accountId', ids[leg.me], 'accountNumber', numbers[leg.me], 'userId', owners[leg.me],
                    'amount', leg.amount, 'balanceAfter', leg.after,
                    'counterparty', CASE WHEN kinds[leg.other] = 'customer'
                      THEN jsonb_build_object('accountNumber', numbers[leg.other], 'name', names[leg.other]) END)
                  ORDER BY leg.n), '[]'::JSONB)
                 FROM (VALUES (1, debit[p], credit[p], -p_amounts[p], debit_after[p]),
                              (2, credit[p], debit[p], p_amounts[p], credit_after[p])) AS leg(n, me, other, amount, after)
                 WHERE kinds[leg.me] = 'customer'))
    FROM generate_series(1, n) p WHERE outcome[p] = 'ok' ORDER BY p;
  INSERT INTO idempotency_keys (user_id, key, request_hash, status)
    SELECT p_initiators[p], p_keys[p], p_hashes[p], 'done'
    FROM generate_series(1, n) p WHERE outcome[p] = 'ok' AND p_keys[p] IS NOT NULL;

  RETURN QUERY
    SELECT outcome[p], now(),
           CASE WHEN own[p] > 0 THEN currencies[own[p]] END,
           CASE WHEN outcome[p] <> 'ok' THEN NULL WHEN debit[p] = own[p] THEN debit_after[p] ELSE credit_after[p] END,
           CASE WHEN outcome[p] = 'ok' AND kinds[debit[p]] = 'customer'
             THEN jsonb_build_object('accountNumber', numbers[debit[p]], 'name', names[debit[p]]) END,
           CASE WHEN outcome[p] = 'ok' AND kinds[credit[p]] = 'customer'
             THEN jsonb_build_object('accountNumber', numbers[credit[p]], 'name', names[credit[p]]) END,
           detail[p]
    FROM generate_series(1, n) p ORDER BY p;
END $$;
