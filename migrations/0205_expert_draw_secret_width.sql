-- The links of a supplementary draws' secret chain (0204, expertpool/chain.go)
-- carry the whole SHA-256 of the next link: "S" and 64 hex digits, one more
-- than VARCHAR(64) of 0200 holds.
ALTER TABLE expert_draws MODIFY COLUMN secret_revealed VARCHAR(80) CHARACTER SET ascii COLLATE ascii_bin NULL;
