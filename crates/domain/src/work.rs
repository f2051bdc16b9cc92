//! Tasks (giao việc): priorities, states, evaluation (timeliness and quality), progress checks and
//! the weighted roll-up of a parent's progress from its children; recurring occurrences moved off
//! days that are not working days.

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::calendar::WorkCalendar;
use crate::FieldError;

/// How urgent a task is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    Low,
    Normal,
    High,
    Urgent,
}

vocabulary!(Priority {
    Low => "low", "Thấp", "Low";
    Normal => "normal", "Bình thường", "Normal";
    High => "high", "Cao", "High";
    Urgent => "urgent", "Khẩn", "Urgent";
});

/// Where a task stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaskStatus {
    /// Being worked on (also after it was returned).
    Open,
    /// The lead reported it finished; the assigner has not accepted it yet.
    Submitted,
    /// Accepted by the assigner, with an evaluation.
    Done,
    /// Withdrawn by the assigner.
    Cancelled,
}

vocabulary!(TaskStatus {
    Open => "open", "Đang thực hiện", "In progress";
    Submitted => "submitted", "Chờ nghiệm thu", "Waiting for acceptance";
    Done => "done", "Hoàn thành", "Done";
    Cancelled => "cancelled", "Đã hủy", "Cancelled";
});

/// Whether a task was finished before, on or after its deadline.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Timeliness {
    Early,
    OnTime,
    Late,
}

vocabulary!(Timeliness {
    Early => "early", "Trước hạn", "Early";
    OnTime => "on_time", "Đúng hạn", "On time";
    Late => "late", "Trễ hạn", "Late";
});

impl Timeliness {
    /// A task reported finished on `finished` against `deadline`: before the deadline day is
    /// early, on it on time, after it late; a task without a deadline is on time.
    pub fn of(deadline: Option<Date>, finished: Date) -> Timeliness {
        match deadline {
            Some(d) if finished < d => Timeliness::Early,
            Some(d) if finished > d => Timeliness::Late,
            _ => Timeliness::OnTime,
        }
    }
}

/// The assigner's judgement of the work when accepting it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Quality {
    Excellent,
    Good,
    Fair,
    Poor,
}

vocabulary!(Quality {
    Excellent => "excellent", "Xuất sắc", "Excellent";
    Good => "good", "Tốt", "Good";
    Fair => "fair", "Đạt", "Satisfactory";
    Poor => "poor", "Chưa đạt", "Unsatisfactory";
});

/// What to do with an occurrence of a recurring task that falls on a day that is not a working day.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NonWorking {
    /// Keep it on that day.
    Keep,
    /// Move it to the next working day (dropped if another occurrence is already there).
    Next,
    /// Leave it out.
    Skip,
}

vocabulary!(NonWorking {
    Keep => "keep", "Giữ nguyên ngày", "Keep the day";
    Next => "next", "Dời sang ngày làm việc kế tiếp", "Move to the next working day";
    Skip => "skip", "Bỏ qua lần đó", "Skip that occurrence";
});

impl NonWorking {
    /// The day an occurrence falls on `d` is made for, if any.
    pub fn apply(self, d: Date, calendar: &WorkCalendar) -> Option<Date> {
        if calendar.is_working_day(d) {
            return Some(d);
        }
        match self {
            NonWorking::Keep => Some(d),
            NonWorking::Next => Some(calendar.next_working_day(d)),
            NonWorking::Skip => None,
        }
    }
}

/// Parses a value of a vocabulary from a form or the API, refusing unknown ones on `field`.
pub fn parse_choice<T>(input: &str, field: &'static str, parse: fn(&str) -> Option<T>) -> Result<T, FieldError> {
    parse(input)
        .ok_or_else(|| FieldError::new(field, "unknown_value", "Giá trị không có trong danh sách.", "Unknown value."))
}

/// A progress percentage: 0 to 100.
pub fn parse_progress(n: i64, field: &'static str) -> Result<u8, FieldError> {
    u8::try_from(n).ok().filter(|p| *p <= 100).ok_or_else(|| {
        FieldError::new(
            field,
            "progress_invalid",
            "Tiến độ phải từ 0 đến 100%.",
            "Progress must be between 0 and 100%.",
        )
    })
}

/// A sub-task's weight in its parent's progress: 1 to 100.
pub fn parse_weight(n: i64, field: &'static str) -> Result<u8, FieldError> {
    u8::try_from(n).ok().filter(|w| (1..=100).contains(w)).ok_or_else(|| {
        FieldError::new(field, "weight_invalid", "Trọng số phải từ 1 đến 100.", "The weight must be between 1 and 100.")
    })
}

/// One child as the roll-up sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ChildProgress {
    pub weight: u8,
    pub progress: u8,
    pub status: TaskStatus,
}

/// A parent's progress from its children: the weighted mean of their progress, a child accepted
/// as done counting 100 % and a cancelled one not at all; `None` when no child counts. Rounded
/// down, so a parent never shows 100 % before every counted child is at 100 %.
pub fn roll_up(children: &[ChildProgress]) -> Option<u8> {
    let counted = children.iter().filter(|c| c.status != TaskStatus::Cancelled);
    let (mut total, mut weights) = (0u64, 0u64);
    for c in counted {
        let p = if c.status == TaskStatus::Done { 100 } else { u64::from(c.progress.min(100)) };
        total += u64::from(c.weight) * p;
        weights += u64::from(c.weight);
    }
    (weights > 0).then(|| (total / weights) as u8)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::testutil::check_vocabulary;
    use jiff::civil::date;

    #[test]
    fn vocabularies() {
        check_vocabulary(Priority::ALL, Priority::as_str, Priority::parse, Priority::label);
        check_vocabulary(TaskStatus::ALL, TaskStatus::as_str, TaskStatus::parse, TaskStatus::label);
        check_vocabulary(Timeliness::ALL, Timeliness::as_str, Timeliness::parse, Timeliness::label);
        check_vocabulary(Quality::ALL, Quality::as_str, Quality::parse, Quality::label);
        check_vocabulary(NonWorking::ALL, NonWorking::as_str, NonWorking::parse, NonWorking::label);
        assert_eq!(parse_choice("urgent", "priority", Priority::parse).unwrap(), Priority::Urgent);
        assert_eq!(parse_choice("soon", "priority", Priority::parse).unwrap_err().field, "priority");
    }

    #[test]
    fn timeliness_by_day() {
        let dl = date(2026, 3, 10);
        assert_eq!(Timeliness::of(Some(dl), date(2026, 3, 9)), Timeliness::Early);
        assert_eq!(Timeliness::of(Some(dl), dl), Timeliness::OnTime);
        assert_eq!(Timeliness::of(Some(dl), date(2026, 3, 11)), Timeliness::Late);
        assert_eq!(Timeliness::of(None, date(2030, 1, 1)), Timeliness::OnTime);
    }

    #[test]
    fn progress_and_weight_bounds() {
        assert_eq!(parse_progress(0, "p").unwrap(), 0);
        assert_eq!(parse_progress(100, "p").unwrap(), 100);
        assert_eq!(parse_progress(120, "p").unwrap_err().code, "progress_invalid");
        assert_eq!(parse_progress(-1, "p").unwrap_err().code, "progress_invalid");
        assert_eq!(parse_weight(0, "w").unwrap_err().code, "weight_invalid");
        assert_eq!(parse_weight(101, "w").unwrap_err().code, "weight_invalid");
        assert_eq!(parse_weight(3, "w").unwrap(), 3);
    }

    #[test]
    fn weighted_roll_up() {
        let c = |weight, progress, status| ChildProgress { weight, progress, status };
        assert_eq!(roll_up(&[]), None);
        // 3 × 50 % + 1 × 100 % (done) = 250 / 4 = 62 %.
        assert_eq!(roll_up(&[c(3, 50, TaskStatus::Open), c(1, 40, TaskStatus::Done)]), Some(62));
        // Cancelled children do not count.
        assert_eq!(roll_up(&[c(1, 20, TaskStatus::Open), c(5, 0, TaskStatus::Cancelled)]), Some(20));
        assert_eq!(roll_up(&[c(1, 0, TaskStatus::Cancelled)]), None);
        // Rounded down: 99.5 % is not done.
        assert_eq!(roll_up(&[c(1, 99, TaskStatus::Submitted), c(1, 100, TaskStatus::Open)]), Some(99));
        assert_eq!(roll_up(&[c(100, 100, TaskStatus::Open), c(100, 100, TaskStatus::Done)]), Some(100));
    }

    #[test]
    fn occurrences_off_working_days() {
        let cal = WorkCalendar::vietnam();
        // Tuesday 17/02/2026 is lunar new year's day; the next working day is Monday 23/02.
        let tet = date(2026, 2, 17);
        assert_eq!(NonWorking::Keep.apply(tet, &cal), Some(tet));
        assert_eq!(NonWorking::Next.apply(tet, &cal), Some(date(2026, 2, 23)));
        assert_eq!(NonWorking::Skip.apply(tet, &cal), None);
        let plain = date(2026, 2, 10);
        assert_eq!(NonWorking::Skip.apply(plain, &cal), Some(plain));
    }
}
