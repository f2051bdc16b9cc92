//! Notifications: the events that ask something of a person, the channels that carry them, a
//! person's choices (now, in a daily digest, off) and when a delivery falls due (the digest hour,
//! quiet hours that urgent items break through). Times are Vietnam's (UTC+7, no daylight saving).

use serde::{Deserialize, Serialize};

use crate::FieldError;

/// What happened that concerns the person notified.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    Present,
    Assignment,
    Inform,
    Returned,
    Finished,
    Consult,
    ConsultAnswered,
    Approve,
    Issue,
    ToRegister,
    Delivered,
    Message,
    DueTomorrow,
    Overdue,
    RightsChanged,
    Accepted,
    Schedule,
}

vocabulary!(EventKind {
    Present => "present", "Văn bản trình tôi", "A document presented to me";
    Assignment => "assignment", "Việc giao hoặc chuyển cho tôi", "Work assigned or passed to me";
    Inform => "inform", "Văn bản gửi để biết", "Documents for my information";
    Returned => "returned", "Việc hoặc dự thảo bị trả lại", "Work or a draft returned to me";
    Finished => "finished", "Phần việc tôi giao đã hoàn thành", "Work I passed on is finished";
    Consult => "consult", "Xin ý kiến tôi", "My comments are requested";
    ConsultAnswered => "consult_answered", "Ý kiến góp ý cho dự thảo của tôi", "Comments on my draft";
    Approve => "approve", "Dự thảo chờ tôi duyệt", "A draft waits for my approval";
    Issue => "issue", "Văn bản chờ phát hành", "A document waits to be issued";
    ToRegister => "to_register", "Văn bản đến chờ vào sổ", "An arrival waits to be registered";
    Delivered => "delivered", "Văn bản gửi đến đơn vị tôi", "A document delivered to my unit";
    Message => "message", "Tin nhắn gửi tôi", "A message to me";
    DueTomorrow => "due_tomorrow", "Việc đến hạn ngày mai", "Work due tomorrow";
    Overdue => "overdue", "Việc quá hạn", "Overdue work";
    RightsChanged => "rights_changed", "Quyền của tôi thay đổi", "My rights changed";
    Accepted => "accepted", "Kết quả của tôi được nghiệm thu", "My result was accepted";
    Schedule => "schedule", "Lịch công tác có tôi (mới, thay đổi, hủy)", "Schedule entries with me (new, changed, cancelled)";
});

impl EventKind {
    /// The event of an inbox item of this kind (`present`, `assignment`, …, and the task kinds:
    /// `task` given to me, `task_returned` to me, `task_submitted` for me to accept); `None` for
    /// a kind that is not one.
    pub fn of_inbox_kind(kind: &str) -> Option<EventKind> {
        match kind {
            "task" => Some(EventKind::Assignment),
            "task_returned" => Some(EventKind::Returned),
            "task_submitted" => Some(EventKind::Finished),
            _ => EventKind::parse(kind),
        }
    }

    /// Parses an API or form value; unknown values are refused on `field`.
    pub fn parse_field(input: &str, field: &'static str) -> Result<EventKind, FieldError> {
        EventKind::parse(input).ok_or_else(|| {
            FieldError::new(
                field,
                "unknown_event",
                "Loại thông báo không có trong danh mục.",
                "Unknown notification kind.",
            )
        })
    }
}

/// A way of reaching a person.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// The notification centre and the open pages.
    Web,
    /// E-mail.
    Mail,
    /// Web Push to a phone or desktop.
    Push,
}

vocabulary!(Channel {
    Web => "web", "Trên trang", "In the app";
    Mail => "mail", "Thư điện tử", "E-mail";
    Push => "push", "Thông báo đẩy", "Push";
});

impl Channel {
    /// Parses an API or form value; unknown values are refused on `field`.
    pub fn parse_field(input: &str, field: &'static str) -> Result<Channel, FieldError> {
        Channel::parse(input).ok_or_else(|| {
            FieldError::new(field, "unknown_channel", "Kênh thông báo không hợp lệ.", "Unknown notification channel.")
        })
    }
}

/// A person's choice for one kind on one channel.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    Now,
    /// In the daily digest (e-mail only).
    Digest,
    Off,
}

vocabulary!(Mode {
    Now => "now", "Ngay", "At once";
    Digest => "digest", "Gộp hằng ngày", "Daily digest";
    Off => "off", "Tắt", "Off";
});

impl Mode {
    /// Parses a choice for `channel`; a digest is only for e-mail.
    pub fn parse_for(input: &str, channel: Channel, field: &'static str) -> Result<Mode, FieldError> {
        match Mode::parse(input) {
            Some(Mode::Digest) if channel != Channel::Mail => Err(FieldError::new(
                field,
                "digest_mail_only",
                "Chỉ thư điện tử mới gộp hằng ngày được.",
                "Only e-mail can be sent as a daily digest.",
            )),
            Some(m) => Ok(m),
            None => Err(FieldError::new(field, "unknown_mode", "Lựa chọn không hợp lệ.", "Unknown choice.")),
        }
    }

    /// The choice when a person made none.
    pub fn default_for(kind: EventKind, channel: Channel) -> Mode {
        match channel {
            Channel::Web | Channel::Push => Mode::Now,
            // Mail at once for what blocks someone else's work; the rest in the digest.
            Channel::Mail => match kind {
                EventKind::Approve | EventKind::Present | EventKind::Overdue | EventKind::RightsChanged => Mode::Now,
                _ => Mode::Digest,
            },
        }
    }

    /// What applies when an administrator made the kind mandatory: "off" is not allowed on the
    /// page or by e-mail (a digest still counts).
    pub fn with_mandatory(self, channel: Channel, mandatory: bool) -> Mode {
        match (self, channel, mandatory) {
            (Mode::Off, Channel::Web | Channel::Mail, true) => Mode::Now,
            (m, _, _) => m,
        }
    }
}

/// A person's timing choices (local hours 0–23).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Timing {
    /// The hour the daily digest is sent.
    pub digest_hour: u8,
    /// Quiet hours, from (inclusive) to (exclusive); may wrap past midnight (22 → 6).
    pub quiet: Option<(u8, u8)>,
}

impl Default for Timing {
    fn default() -> Self {
        Timing { digest_hour: 7, quiet: None }
    }
}

/// Checks an hour of the day given by a person.
pub fn parse_hour(v: i64, field: &'static str) -> Result<u8, FieldError> {
    u8::try_from(v).ok().filter(|h| *h < 24).ok_or_else(|| {
        FieldError::new(field, "hour_out_of_range", "Giờ phải từ 0 đến 23.", "The hour must be from 0 to 23.")
    })
}

const HOUR_MS: i64 = 3_600_000;
const DAY_MS: i64 = 24 * HOUR_MS;
/// Vietnam's offset from UTC.
const OFFSET_MS: i64 = 7 * HOUR_MS;

/// The local hour (0–23) at `ms`.
fn local_hour(ms: i64) -> i64 {
    (ms + OFFSET_MS).rem_euclid(DAY_MS) / HOUR_MS
}

/// The first instant at or after `ms` whose local hour is `hour` (at the full hour).
fn next_local_hour(ms: i64, hour: u8) -> i64 {
    let local = ms + OFFSET_MS;
    let day_start = local - local.rem_euclid(DAY_MS);
    let mut at = day_start + i64::from(hour) * HOUR_MS;
    if at < local {
        at += DAY_MS;
    }
    at - OFFSET_MS
}

impl Timing {
    /// Whether `ms` falls in the quiet hours.
    pub fn is_quiet(&self, ms: i64) -> bool {
        let Some((from, to)) = self.quiet else { return false };
        let h = local_hour(ms);
        let (from, to) = (i64::from(from), i64::from(to));
        match from.cmp(&to) {
            std::cmp::Ordering::Less => h >= from && h < to,
            std::cmp::Ordering::Greater => h >= from || h < to,
            std::cmp::Ordering::Equal => false,
        }
    }

    /// When a delivery made at `now` should go: a digest at the next digest hour; otherwise at
    /// once, unless in quiet hours, then when they end — urgent items (Thượng khẩn, Hỏa tốc) go
    /// at once regardless.
    pub fn due_at(&self, now: i64, mode: Mode, urgent: bool) -> Option<i64> {
        match mode {
            Mode::Off => None,
            Mode::Digest => Some(next_local_hour(now, self.digest_hour)),
            Mode::Now if urgent || !self.is_quiet(now) => Some(now),
            Mode::Now => Some(self.quiet.map_or(now, |(_, to)| next_local_hour(now, to))),
        }
    }
}

/// Whether an urgency code breaks through quiet hours (Thượng khẩn, Hỏa tốc).
pub fn is_urgent(urgency: Option<&str>) -> bool {
    matches!(urgency, Some("very_urgent" | "flash"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 2026-12-03 00:00 in Vietnam, in ms since the epoch.
    const MIDNIGHT: i64 = 1_796_230_800_000;

    #[test]
    fn local_hours_are_vietnam_time() {
        assert_eq!(local_hour(MIDNIGHT), 0);
        assert_eq!(local_hour(MIDNIGHT + 7 * HOUR_MS + 59 * 60_000), 7);
        assert_eq!(next_local_hour(MIDNIGHT + HOUR_MS, 7), MIDNIGHT + 7 * HOUR_MS);
        assert_eq!(next_local_hour(MIDNIGHT + 8 * HOUR_MS, 7), MIDNIGHT + 31 * HOUR_MS, "tomorrow at 7");
        assert_eq!(next_local_hour(MIDNIGHT + 7 * HOUR_MS, 7), MIDNIGHT + 7 * HOUR_MS, "at the hour itself");
    }

    #[test]
    fn quiet_hours_wrap_midnight_and_urgent_items_break_through() {
        let t = Timing { digest_hour: 7, quiet: Some((22, 6)) };
        let at_23 = MIDNIGHT + 23 * HOUR_MS;
        assert!(t.is_quiet(at_23));
        assert!(t.is_quiet(MIDNIGHT + 5 * HOUR_MS));
        assert!(!t.is_quiet(MIDNIGHT + 6 * HOUR_MS));
        assert_eq!(t.due_at(at_23, Mode::Now, false), Some(MIDNIGHT + 30 * HOUR_MS), "at 06:00 next morning");
        assert_eq!(t.due_at(at_23, Mode::Now, true), Some(at_23));
        assert_eq!(t.due_at(MIDNIGHT + 12 * HOUR_MS, Mode::Now, false), Some(MIDNIGHT + 12 * HOUR_MS));
        assert_eq!(t.due_at(at_23, Mode::Digest, true), Some(MIDNIGHT + 31 * HOUR_MS));
        assert_eq!(t.due_at(at_23, Mode::Off, true), None);
        let day = Timing { digest_hour: 7, quiet: Some((12, 14)) };
        assert!(day.is_quiet(MIDNIGHT + 13 * HOUR_MS) && !day.is_quiet(MIDNIGHT + 14 * HOUR_MS));
    }

    #[test]
    fn choices_are_checked() {
        assert_eq!(Mode::parse_for("digest", Channel::Mail, "mode"), Ok(Mode::Digest));
        assert_eq!(Mode::parse_for("digest", Channel::Push, "mode").map_err(|e| e.code), Err("digest_mail_only"));
        assert_eq!(Mode::parse_for("sometimes", Channel::Web, "mode").map_err(|e| e.code), Err("unknown_mode"));
        assert_eq!(EventKind::parse_field("nope", "kind").map_err(|e| e.code), Err("unknown_event"));
        assert_eq!(parse_hour(24, "digest_hour").map_err(|e| e.code), Err("hour_out_of_range"));
        assert_eq!(parse_hour(-1, "digest_hour").map_err(|e| e.code), Err("hour_out_of_range"));
        assert_eq!(parse_hour(23, "digest_hour"), Ok(23));
        assert_eq!(Mode::Off.with_mandatory(Channel::Web, true), Mode::Now);
        assert_eq!(Mode::Off.with_mandatory(Channel::Push, true), Mode::Off);
        assert_eq!(Mode::Off.with_mandatory(Channel::Mail, false), Mode::Off);
    }
}
