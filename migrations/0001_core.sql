-- Core: organisations, users and roles, sessions, login throttling,
-- the audit chain, the working-day calendar and settings.

CREATE TABLE organisations (
  id            BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
  name          VARCHAR(200) NOT NULL,
  uscc          CHAR(18)     NOT NULL,
  kind          VARCHAR(16)  NOT NULL,
  status        VARCHAR(16)  NOT NULL,
  contact_name  VARCHAR(64)  NOT NULL DEFAULT '',
  contact_phone VARCHAR(32)  NOT NULL DEFAULT '',
  address       VARCHAR(255) NOT NULL DEFAULT '',
  review_note   VARCHAR(500) NOT NULL DEFAULT '',
  reviewed_by   BIGINT       NULL,
  reviewed_at   DATETIME(6)  NULL,
  created_at    DATETIME(6)  NOT NULL,
  UNIQUE KEY uq_organisations_uscc (uscc),
  KEY ix_organisations_status (status, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE users (
  id            BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
  username      VARCHAR(64)  NOT NULL,
  display_name  VARCHAR(64)  NOT NULL,
  phone         VARCHAR(32)  NOT NULL DEFAULT '',
  password_hash VARCHAR(255) NOT NULL,
  org_id        BIGINT       NULL,
  status        VARCHAR(16)  NOT NULL,
  created_at    DATETIME(6)  NOT NULL,
  updated_at    DATETIME(6)  NOT NULL,
  last_login_at DATETIME(6)  NULL,
  UNIQUE KEY uq_users_username (username),
  KEY ix_users_org (org_id),
  CONSTRAINT fk_users_org FOREIGN KEY (org_id) REFERENCES organisations (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE user_roles (
  user_id BIGINT      NOT NULL,
  role    VARCHAR(16) NOT NULL,
  PRIMARY KEY (user_id, role),
  CONSTRAINT fk_user_roles_user FOREIGN KEY (user_id) REFERENCES users (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE sessions (
  token_hash      CHAR(64)     CHARACTER SET ascii COLLATE ascii_bin NOT NULL PRIMARY KEY,
  user_id         BIGINT       NOT NULL,
  kind            VARCHAR(8)   NOT NULL,
  created_at      DATETIME(6)  NOT NULL,
  last_seen_at    DATETIME(6)  NOT NULL,
  expires_at      DATETIME(6)  NOT NULL,
  revoked_at      DATETIME(6)  NULL,
  ip              VARCHAR(45)  NOT NULL DEFAULT '',
  user_agent      VARCHAR(255) NOT NULL DEFAULT '',
  KEY ix_sessions_user (user_id),
  KEY ix_sessions_expires (expires_at),
  CONSTRAINT fk_sessions_user FOREIGN KEY (user_id) REFERENCES users (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE login_throttle (
  throttle_key     VARCHAR(190) NOT NULL PRIMARY KEY,
  failures         INT          NOT NULL,
  window_start     DATETIME(6)  NOT NULL,
  locked_until     DATETIME(6)  NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE audit_events (
  id            BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
  seq           BIGINT       NULL,
  occurred_at   DATETIME(6)  NOT NULL,
  actor_user_id BIGINT       NULL,
  actor         VARCHAR(64)  NOT NULL DEFAULT '',
  role          VARCHAR(16)  NOT NULL DEFAULT '',
  org_id        BIGINT       NULL,
  ip            VARCHAR(45)  NOT NULL DEFAULT '',
  action        VARCHAR(64)  NOT NULL,
  object_type   VARCHAR(32)  NOT NULL DEFAULT '',
  object_id     VARCHAR(64)  NOT NULL DEFAULT '',
  project_id    BIGINT       NULL,
  summary       TEXT         NOT NULL,
  prev_hash     CHAR(64)     CHARACTER SET ascii COLLATE ascii_bin NULL,
  hash          CHAR(64)     CHARACTER SET ascii COLLATE ascii_bin NULL,
  sealed_at     DATETIME(6)  NULL,
  UNIQUE KEY uq_audit_seq (seq),
  KEY ix_audit_project (project_id, id),
  KEY ix_audit_object (object_type, object_id, id),
  KEY ix_audit_actor (actor_user_id, id),
  KEY ix_audit_time (occurred_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE audit_head (
  id         TINYINT     NOT NULL PRIMARY KEY,
  seq        BIGINT      NOT NULL,
  hash       CHAR(64)    CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  updated_at DATETIME(6) NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

INSERT INTO audit_head (id, seq, hash, updated_at)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000', '2000-01-01 00:00:00');

CREATE TABLE calendar_days (
  day        DATE        NOT NULL PRIMARY KEY,
  kind       VARCHAR(8)  NOT NULL,
  name       VARCHAR(64) NOT NULL DEFAULT '',
  updated_by BIGINT      NULL,
  updated_at DATETIME(6) NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE settings (
  name       VARCHAR(100) NOT NULL PRIMARY KEY,
  value      TEXT         NOT NULL,
  updated_by BIGINT       NULL,
  updated_at DATETIME(6)  NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
