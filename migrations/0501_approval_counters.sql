-- The approval hall's own counters and records besides 0500: the case
-- numbers of each year (SP2026-000123, never from AUTO_INCREMENT), the
-- catalogue's item versions (a case is taken under one version and shows
-- the item as it then stood), and the public lookup's throttle (case number
-- and query code guessed from one address).

CREATE TABLE approval_case_counters (
  year     INT NOT NULL PRIMARY KEY,
  last_no  INT NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE approval_item_versions (
  item_id     BIGINT      NOT NULL,
  version     INT         NOT NULL,
  snapshot    MEDIUMTEXT  NOT NULL,  -- JSON of the item (八公开, materials, departments) as saved
  created_by  BIGINT      NULL,
  created_at  DATETIME(6) NOT NULL,
  PRIMARY KEY (item_id, version),
  CONSTRAINT fk_approval_item_versions_item FOREIGN KEY (item_id) REFERENCES approval_items (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE approval_lookup_throttle (
  throttle_key  VARCHAR(64)  NOT NULL PRIMARY KEY,
  failures      INT          NOT NULL,
  window_start  DATETIME(6)  NOT NULL,
  locked_until  DATETIME(6)  NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
