-- The purchaser's staff who supervised an invited procurement draw on site
-- (政府采购货物和服务招标投标管理办法（财政部令第87号）第十四条: at least two),
-- one name a line, recorded with the draw. Where the candidates came from
-- (资格预审, 供应商库 or 书面推荐) is in the frozen pool document itself.
ALTER TABLE trading_invitations ADD COLUMN supervisors VARCHAR(400) NOT NULL DEFAULT '';
