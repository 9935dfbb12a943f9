-- 行政许可法 45: the time a hearing, tendering, test or expert review needs
-- is not counted in the limits, and the authority tells the applicant that
-- time in writing (the 特别程序告知书). expected_days is the time the lead
-- department expects, in working days, as it told the applicant; NULL for
-- suspensions entered before this column.
ALTER TABLE approval_suspensions
  ADD COLUMN expected_days INT NULL AFTER note;
