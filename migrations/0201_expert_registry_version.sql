-- Expert pool speed (docs/PERFORMANCE.md, issue 4): a draw keeps the
-- candidates of each specialty code in memory, tagged with the version of
-- the registry they were read at, instead of reading ~20,000 rows of
-- expert_specialty_links per draw.
--
-- Every transaction that writes expert_specialty_links (expertpool:
-- writeLinks, the import, the expert's own profile) increments this one
-- row in the same transaction; its row lock is held to the commit, so a
-- version names one committed state of the links. Anything else that
-- writes expert_specialty_links (a script, a repair by hand) must do the
-- same: UPDATE expert_registry_version SET version = version + 1 WHERE id = 1.
CREATE TABLE expert_registry_version (
  id      TINYINT NOT NULL PRIMARY KEY,
  version BIGINT  NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

INSERT INTO expert_registry_version (id, version) VALUES (1, 1);
