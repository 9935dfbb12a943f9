-- The result of each lot as the rules of its kind decide it (trading/outcomes.go):
-- outcome is awarded (中标/成交), agreement (协议转让), competition (竞价成交),
-- failed (废标), terminated (终止), unsold (流拍) or no_deal (未成交), empty
-- before the result; outcome_reason says why a lot was not awarded, with
-- the rule's legal basis. bidders is the number of qualified sign-ups
-- counted at the result (the lot is closed by then). reserve_revealed is the
-- land reserve price (底价), written in clear only when the result is
-- published; before that it exists only sealed in reserve_sealed.
ALTER TABLE trading_lots
  ADD COLUMN outcome          VARCHAR(16)  NOT NULL DEFAULT '',
  ADD COLUMN outcome_reason   VARCHAR(500) NOT NULL DEFAULT '',
  ADD COLUMN bidders          INT          NULL,
  ADD COLUMN reserve_revealed BIGINT       NULL;
