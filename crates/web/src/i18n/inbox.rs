//! Words of the one inbox, the list of what one passed on, the home dashboard and handling.

/// (key, Vietnamese, English).
pub(super) const MESSAGES: &[(&str, &str, &str)] = &[
    ("inbox.showing", "Đang hiển thị", "Showing"),
    ("inbox.of", "trong tổng số", "of"),
    ("inbox.more", "Xem tiếp", "More"),
    ("inbox.overdue", "Quá hạn", "Overdue"),
    ("inbox.week", "Đến hạn trong tuần", "Due this week"),
    ("dash.title", "Việc của tôi", "My work"),
    ("dash.open", "Việc đang chờ tôi", "Waiting for me"),
    ("dash.unread", "Thông báo chưa đọc", "Unread notifications"),
    ("dash.overdue", "Việc quá hạn", "Overdue"),
    ("dash.week", "Đến hạn trong tuần", "Due this week"),
    ("dash.to_register", "Văn bản đến chờ vào sổ", "Arrivals to register"),
];
