//! The demo's tasks and schedule: a task tree with progress rolled up, a result waiting for
//! acceptance, an accepted one, a weekly recurring report, and this week's schedule with a draft
//! waiting for the leader's approval — all through the real workflows.

use jiff::civil::Date;

use crate::documents::handling::Assignee;
use crate::documents::today;
use crate::work::schedules::EntryInput;
use crate::work::series::SeriesInput;
use crate::work::tasks::TaskInput;
use crate::{AppResult, Caller, Services};

/// The demo people the agenda needs.
pub(super) struct Cast<'a> {
    pub leader: &'a Caller,
    pub head: &'a Caller,
    pub deputy: &'a Caller,
    pub officer: &'a Caller,
    pub clerk: &'a Caller,
    pub agency_id: i64,
}

fn task<'a>(title: &'a str, description: &'a str, lead: i64, days: i64, priority: &'a str) -> TaskInput<'a> {
    TaskInput { title, description, lead: Some(lead), deadline_days: Some(days), priority, ..TaskInput::default() }
}

fn at(day: Date, hour: i8, minute: i8) -> String {
    format!("{day}T{hour:02}:{minute:02}")
}

impl Services {
    /// Seeds the demo's tasks and schedule; returns (tasks, schedule entries).
    pub(super) async fn seed_agenda(&self, c: &Cast<'_>) -> AppResult<(usize, usize)> {
        let id = |x: &Caller| x.actor.user_id;
        let mut tasks = 0;
        // A plan led by the unit head with the deputy cooperating, split in two parts.
        let plan = task(
            "Xây dựng kế hoạch cải cách hành chính năm 2027",
            "Bám sát Nghị quyết của Chính phủ; trình lãnh đạo trước ngày họp giao ban tháng 12.",
            id(c.head),
            10,
            "high",
        );
        let plan = TaskInput { cooperate: vec![Assignee::Person(id(c.deputy))], ..plan };
        let plan_id = self.create_task(c.leader, &plan, Vec::new()).await?;
        let part = TaskInput {
            parent_id: Some(plan_id),
            weight: Some(2),
            ..task("Tổng hợp số liệu thủ tục hành chính các sở", "", id(c.officer), 6, "normal")
        };
        let figures = self.create_task(c.head, &part, Vec::new()).await?;
        let part = TaskInput {
            parent_id: Some(plan_id),
            ..task("Dự thảo phần giải pháp, nhiệm vụ", "", id(c.deputy), 8, "normal")
        };
        self.create_task(c.head, &part, Vec::new()).await?;
        self.report_task_progress(c.officer, figures, Some(60), "Đã tổng hợp 12/20 sở.").await?;
        tasks += 3;
        // A result waiting for the leader's acceptance, and one accepted.
        let meeting = task("Chuẩn bị nội dung họp giao ban tháng 12", "", id(c.deputy), 3, "normal");
        let meeting = self.create_task(c.leader, &meeting, Vec::new()).await?;
        self.submit_task(c.deputy, meeting, "Đã gửi dự thảo chương trình và tài liệu họp.").await?;
        let report = task("Báo cáo công tác chuyển đổi số quý IV", "", id(c.head), 5, "normal");
        let report = self.create_task(c.leader, &report, Vec::new()).await?;
        self.submit_task(c.head, report, "Báo cáo đã hoàn thành, kèm phụ lục số liệu.").await?;
        self.accept_task(c.leader, report, "good", "Đạt yêu cầu.").await?;
        tasks += 2;
        // A weekly report from next Friday, moved to the next working day when Friday is off.
        let friday = {
            let t = today();
            let ahead = (4 - i64::from(t.weekday().to_monday_zero_offset())).rem_euclid(7);
            t.checked_add(jiff::Span::new().days(if ahead == 0 { 7 } else { ahead })).unwrap_or(t)
        };
        let weekly = SeriesInput {
            title: "Báo cáo tình hình tiếp nhận hồ sơ trong tuần",
            description: "Số hồ sơ tiếp nhận, đã giải quyết, quá hạn của tuần.",
            lead: Some(id(c.officer)),
            priority: "normal",
            rrule: "FREQ=WEEKLY;BYDAY=FR",
            starts_on: &friday.to_string(),
            non_working: "next",
            due_days: 1,
        };
        self.create_series(c.head, &weekly).await?;

        // This week's schedule: two published entries and a draft waiting for approval.
        let t = today();
        let monday = t.checked_sub(jiff::Span::new().days(i64::from(t.weekday().to_monday_zero_offset()))).unwrap_or(t);
        let day = |n: i64| monday.checked_add(jiff::Span::new().days(n)).unwrap_or(monday);
        let entries = [
            ("Họp giao ban lãnh đạo Văn phòng", day(0), (8, 0), (9, 30), "Phòng họp số 1", true, false),
            ("Tiếp công dân định kỳ", day(3), (8, 0), (11, 0), "Trụ sở tiếp công dân tỉnh", true, true),
            (
                "Làm việc với Sở Tài chính về dự toán năm 2027",
                day(4),
                (14, 0),
                (16, 30),
                "Phòng họp số 2",
                false,
                false,
            ),
        ];
        let mut made = 0;
        for (title, d, (h1, m1), (h2, m2), place, publish, public) in entries {
            let input = EntryInput {
                title,
                starts_at: &at(d, h1, m1),
                ends_at: &at(d, h2, m2),
                place,
                chair_id: Some(id(c.leader)),
                users: vec![id(c.head), id(c.deputy)],
                public,
                ..EntryInput::default()
            };
            let (entry, _) = self.create_schedule_entry(c.clerk, c.agency_id, &input, Vec::new()).await?;
            if publish {
                self.publish_schedule_entry(c.leader, entry).await?;
            }
            made += 1;
        }
        Ok((tasks, made))
    }
}
