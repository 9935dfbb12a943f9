-- Secrets of automatic supplementary draws (补抽) fixed in advance
-- (expertpool/chain.go). An automatic supplementary draw has no witnesses
-- of its own: it reuses its parent's witness numbers, which are known when
-- it is prepared, so a secret chosen then could be chosen to suit them.
-- Instead the secret of a lot's first draw is the end s_0 of a hash chain
-- s_n → … → s_1 → s_0, and the k-th automatic supplementary draw of it uses
-- s_k. The first draw's commitment SHA-256(s_0), shown before its witnesses
-- enter their numbers, fixes every s_k; revealing s_0 does not reveal s_1.
--
-- secret_chain_sealed  first draw: the chain's seed s_n, sealed (vault purpose
--                      "expert-draw-chain", object = secret_commitment)
-- secret_chain_length  first draw: n; 0 when the draw has no chain (a
--                      supplementary draw, or a draw prepared before 0204)
-- secret_root_draw_id, automatic supplementary draw: whose chain, and k; both
-- secret_chain_index   NULL when the draw's secret is a fresh random one
--                      committed to before its own witnesses' numbers
-- (One column per statement: TiDB before 6.2 takes one change per ALTER.)
ALTER TABLE expert_draws ADD COLUMN secret_chain_sealed VARBINARY(128) NULL;
ALTER TABLE expert_draws ADD COLUMN secret_chain_length INT NOT NULL DEFAULT 0;
ALTER TABLE expert_draws ADD COLUMN secret_root_draw_id BIGINT NULL;
ALTER TABLE expert_draws ADD COLUMN secret_chain_index INT NULL;

-- Each secret of a chain is used once.
CREATE UNIQUE INDEX uq_expert_draws_chain ON expert_draws (secret_root_draw_id, secret_chain_index);
