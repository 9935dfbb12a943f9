// Package approval is the approval hall (政务服务大厅, 行政审批): DOMAIN.md §7.
//
// The catalogue (事项目录) lists the items with their 八公开 (legal basis,
// conditions, materials, procedure, legal and promised time limits in 工作日,
// fees and their basis, contact); an item's department is an organisation
// of kind department, and a joint item (联办件) names several departments
// that work in parallel (并联审批), the case's limit being the longest.
//
// A case (办件) is taken at a window by a clerk (一门受理):
//
//	received ──(materials incomplete)──▶ incomplete ──(completed)──┐
//	    │  一次性告知: every missing item listed at once, on the    │
//	    │  spot (行政许可法 32 (四) deems an application accepted    │
//	    │  only when the authority stays silent past 5 days, which  │
//	    │  the window never does); the applicant has the supplement │
//	    │  period (approval.supplement_days, default 20 工作日) to   │
//	    │  complete, and past it the application is deemed          │
//	    │  withdrawn (逾期未补正，视为撤回申请, [practice])           │
//	    ├──(refused, reason in writing; also from incomplete)──▶ refused
//	    ▼                                                           ▼
//	(accepted) ──▶ in_review (one step per department) ──▶ decided ──▶ delivered
//	   received is only seen inside the intake's transaction, and
//	   acceptance goes straight to in_review (accepted is a name, never
//	   stored); instant items (即办件) are decided on the spot: → decided
//	   suspended ⇄ in_review: the clock stops (行政许可法 45; the time the
//	   procedure needs is told the applicant in writing), due dates
//	   move by the working days it stood; the lead department only
//	   in_review, extended (行政许可法 42): once per case, by the lead
//	   department, at most approval.extension_days working days (default
//	   10), with the head who approved it (批准人) and the reason, which the
//	   public lookup tells the applicant; refused once the legal limit has
//	   passed; the case's and its open steps' due dates (and the steps'
//	   timed events) move by the days granted (approval_extensions)
//	   decided → delivered: within 10 working days of the decision
//	   (行政许可法 44, counted in 工作日 by article 82), deliver_due_on set at
//	   the decision (for a denial too, [practice])
//	   withdrawn: recorded by the clerk on the applicant's written request,
//	   from any open state before the decision (an open suspension ends)
//
// A case keeps the item version it was taken under (its materials,
// departments and limits) and that version's lead department
// (approval_cases.lead_org_id): moving an item to another department
// leaves the cases already taken with the department that leads them.
//
// A department's step that passes its limit is deemed to agree (超时默认,
// [practice], a setting). Limits are counted in working days with the
// holiday calendar and stored as DATEs (Asia/Shanghai); every rule reads the
// injected clock. The applicant's ID number or USCC and phone are sealed
// (vault) with masked copies for display, and audit events hold no free
// text of the hall (only lengths); the public looks a case up with its number and
// the query code printed on the receipt (only its keyed hash is stored),
// and rates it with the same (好差评, five levels; a bad rating opens a
// rectification due in 15 工作日).
//
// 电子监察 watches every case and step: a yellow warning as a limit nears,
// red when it is passed (kind limit; kind deliver for a decided case's
// delivery limit; red for an overdue rectification, kind rectify), each
// raised once (approval_warnings, the kind in the unique key) from a timed
// job that runs exactly once across instances; supervisors issue 督办 to a
// department, which answers; statistics per department and month: 办结率,
// 按时办结率, 现场办结率, 提速率 (working days saved against the legal
// limit), 满意率, each case counted under the item version it was taken
// under (its type and legal limit), so editing an item rewrites no month.
//
// Files: service.go (the Service, statuses, timed-event kinds),
// settings.go (approval.* settings), items.go (catalogue, item versions),
// cases.go (intake, 一次性告知, acceptance, the lapse of an unsupplemented case,
// refusal, withdrawal, delivery and its limit), steps.go (steps, decisions,
// the deemed agreement event, suspensions), extension.go (延长期限),
// lookup.go (public lookup and its
// throttle); monitor.go (warnings), supervise.go (督办), ratings.go (好差评,
// rectification), stats.go (statistics); receipts.go (the written
// documents — 受理通知书, 补正材料通知书, 不予受理决定书, 准予 / 不予行政许可
// 决定书, 延长审批期限告知书, 特别程序告知书 — as PDF from the case as it
// stands, via minutes.ApprovalNotice).
package approval
