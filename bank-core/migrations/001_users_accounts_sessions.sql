-- Users, their accounts, refresh-token sessions and login throttling.

CREATE TABLE users (
  id            UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  name          TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  email         TEXT NOT NULL CHECK (email = lower(email)),
  password_hash TEXT NOT NULL,
  role          TEXT NOT NULL DEFAULT 'customer' CHECK (role IN ('customer', 'admin')),
  created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
  updated_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
  -- Deleted users stay as rows so the ledger history that names them stays whole.
  deleted_at    TIMESTAMPTZ
);

-- An email is unique among live users; a deleted user's address may sign up again.
CREATE UNIQUE INDEX users_email_live_key ON users (email) WHERE deleted_at IS NULL;
CREATE INDEX users_created_at_idx ON users (created_at, id);

CREATE TABLE accounts (
  id             UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id        UUID NOT NULL REFERENCES users (id),
  account_number CHAR(10) NOT NULL UNIQUE CHECK (account_number ~ '^[0-9]{10}$'),
  currency       CHAR(3) NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
  balance        BIGINT NOT NULL DEFAULT 0,
  description    TEXT NOT NULL DEFAULT '' CHECK (length(description) <= 140),
  status         TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
  created_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
  updated_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
  closed_at      TIMESTAMPTZ,
  CHECK ((status = 'closed') = (closed_at IS NOT NULL))
);

CREATE INDEX accounts_user_id_idx ON accounts (user_id, created_at);

-- One row per refresh token. Tokens of one login share a family; reuse of a spent token revokes the family.
CREATE TABLE refresh_tokens (
  id          UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  family_id   UUID NOT NULL,
  user_id     UUID NOT NULL REFERENCES users (id),
  token_hash  TEXT NOT NULL UNIQUE,
  expires_at  TIMESTAMPTZ NOT NULL,
  created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
  used_at     TIMESTAMPTZ,
  revoked_at  TIMESTAMPTZ
);

CREATE INDEX refresh_tokens_family_idx ON refresh_tokens (family_id);
CREATE INDEX refresh_tokens_user_idx ON refresh_tokens (user_id);

-- Failed logins per email, shared by every instance, so a lock holds across a cluster.
CREATE TABLE login_failures (
  email        TEXT PRIMARY KEY,
  failures     INTEGER NOT NULL DEFAULT 0,
  first_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
  locked_until TIMESTAMPTZ
);
